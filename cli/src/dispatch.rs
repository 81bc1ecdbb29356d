//! The typed path of an action: the JSON body a command built becomes the SDK's typed request
//! (`serde_json` into `R`), is checked against the constraints the spec states (`R`'s generated
//! `Validate`), and is sent with `Client::execute`; the typed `Data` comes back as JSON. List
//! actions can also walk every page (`Call::items`), item by item.
//!
//! The generated table names, per action, [`single::<R>`](single) or [`paged::<R>`](paged) with
//! the action's request type: that instantiation is the action's whole dispatch code.

use std::fmt;

use cme_sdk::validate::{Problem, Validator, Violation};
use cme_sdk::{Action, Call, Client, Paginated};
use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::Failure;

/// Why a JSON body is not a valid request. Nothing was sent.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestError {
    /// The body does not decode as the request: a wrong type or a missing field at `path`
    /// (`Owner.Type`, `.` for the body itself).
    Decode {
        /// Where.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The request breaks constraints the spec states.
    Invalid(Vec<Violation>),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Decode { path, message } => write!(f, "{path}: {message}"),
            RequestError::Invalid(violations) => {
                let all: Vec<String> = violations.iter().map(ToString::to_string).collect();
                f.write_str(&all.join("; "))
            }
        }
    }
}

/// What a sent request gives back.
pub enum Reply {
    /// The `Data` of the one reply.
    One(BoxFuture<'static, Result<Value, Failure>>),
    /// Every item of every page.
    Items(BoxStream<'static, Result<Value, Failure>>),
}

/// A checked, typed request, ready to send.
pub trait Prepared: Send {
    /// Sends it: once, or with `all` (list actions only) page after page, yielding items.
    fn send(self: Box<Self>, client: &Client, all: bool) -> Reply;
}

/// A request of an action without paging.
struct Single<R>(R);

/// A request of a list action.
struct Paged<R>(R);

fn to_json<T: Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::usage(format!("cannot encode a reply: {e}")))
}

impl<R: Action> Prepared for Single<R>
where
    R::Data: Serialize,
{
    fn send(self: Box<Self>, client: &Client, _all: bool) -> Reply {
        let client = client.clone();
        Reply::One(async move { to_json(&client.execute(&self.0).await?) }.boxed())
    }
}

impl<R: Paginated> Prepared for Paged<R>
where
    R::Data: Serialize,
    R::Item: Serialize,
{
    fn send(self: Box<Self>, client: &Client, all: bool) -> Reply {
        if !all {
            return Box::new(Single(self.0)).send(client, false);
        }
        let items = Call::new(client, self.0).items();
        Reply::Items(
            items
                .map(|item| item.map_err(Failure::from).and_then(|item| to_json(&item)))
                .boxed(),
        )
    }
}

/// Decodes `body` as the request `R` and checks it.
fn decode<R: Action + DeserializeOwned>(body: Value) -> Result<R, RequestError> {
    let request: R = serde_path_to_error::deserialize(body).map_err(|e| RequestError::Decode {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })?;
    // Fields the client fills (the platform, an upload signature) are checked once it has,
    // when the request is sent: here, everything else.
    let violations: Vec<Violation> = match Validator::check(&request, false) {
        Ok(()) => Vec::new(),
        Err(e) => e
            .violations()
            .iter()
            .filter(|v| v.problem != Problem::Missing)
            .cloned()
            .collect(),
    };
    if violations.is_empty() {
        Ok(request)
    } else {
        Err(RequestError::Invalid(violations))
    }
}

/// The entry point of an action without paging: `body` as the request `R`, checked.
pub fn single<R>(body: Value) -> Result<Box<dyn Prepared>, RequestError>
where
    R: Action + DeserializeOwned,
    R::Data: Serialize,
{
    Ok(Box::new(Single(decode::<R>(body)?)))
}

/// The entry point of a list action: `body` as the request `R`, checked; it can be sent once
/// or walk every page.
pub fn paged<R>(body: Value) -> Result<Box<dyn Prepared>, RequestError>
where
    R: Paginated + DeserializeOwned,
    R::Data: Serialize,
    R::Item: Serialize,
{
    Ok(Box::new(Paged(decode::<R>(body)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cme_sdk::material::{DescribeClassRequest, ListMediaRequest};
    use serde_json::json;

    #[test]
    fn a_body_is_decoded_and_checked_naming_the_field() {
        let owner = json!({"Type": "PERSON", "Id": "u1"});
        assert!(single::<DescribeClassRequest>(json!({"Owner": owner})).is_ok());
        let err = single::<DescribeClassRequest>(json!({"Owner": {"Type": "PERSON"}}))
            .err()
            .unwrap();
        assert_eq!(
            err,
            RequestError::Decode {
                path: "Owner".into(),
                message: "missing field `Id`".into()
            }
        );
        let err = paged::<ListMediaRequest>(json!({"ClassId": "nine", "Owner": owner}))
            .err()
            .unwrap();
        assert!(
            matches!(&err, RequestError::Decode { path, .. } if path == "ClassId"),
            "{err}"
        );
        let err = paged::<ListMediaRequest>(json!({"ClassId": 9, "Owner": owner, "Limit": 31}))
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "Limit: 31 is out of range [0, 30]");
    }
}
