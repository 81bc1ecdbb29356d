//! The fluent call builder that every generated client method returns.

use std::time::Duration;

use futures_util::stream::{self, Stream, TryStreamExt};

use crate::action::{Action, Paginated};
use crate::client::Client;
use crate::error::Error;
use crate::options::{CallOptions, RetryPolicy};

/// One call of an action, ready to [`send`](Call::send). Optional request fields are set with
/// the generated setters on this type; per-call options with [`timeout`](Call::timeout) and
/// [`retry`](Call::retry).
#[must_use = "a call does nothing until it is sent"]
#[derive(Debug)]
pub struct Call<'c, A> {
    client: &'c Client,
    request: A,
    options: CallOptions,
}

impl<'c, A: Action> Call<'c, A> {
    /// A call of `request` through `client`.
    pub fn new(client: &'c Client, request: A) -> Self {
        Self {
            client,
            request,
            options: CallOptions::default(),
        }
    }

    /// Changes the request; the generated setters use this.
    #[doc(hidden)]
    pub fn map(mut self, f: impl FnOnce(A) -> A) -> Self {
        self.request = f(self.request);
        self
    }

    /// The request as it will be sent.
    pub fn request(&self) -> &A {
        &self.request
    }

    /// The request, to keep or send later with [`Client::execute`].
    pub fn into_request(self) -> A {
        self.request
    }

    /// Bounds the whole call, retries included, for this call only.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Bounds each attempt, for this call only.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.options.attempt_timeout = Some(timeout);
        self
    }

    /// Replaces the client's retry policy for this call only.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// Sends the request and decodes the reply's `Data`.
    pub async fn send(self) -> Result<A::Data, Error> {
        self.client.execute_with(&self.request, &self.options).await
    }
}

impl<'c, A: Paginated + 'c> Call<'c, A> {
    /// Every page's `Data` from the request's offset on, one call per page, until the total
    /// count is reached or a page comes back empty. The whole `Data` of each page is kept (e.g.
    /// the sub-classes `ListMedia` returns beside its media).
    pub fn pages(self) -> impl Stream<Item = Result<A::Data, Error>> + 'c {
        let Call {
            client,
            request,
            options,
        } = self;
        stream::try_unfold(Some(request), move |next| {
            let options = options.clone();
            async move {
                let Some(request) = next else {
                    return Ok(None);
                };
                let data = client.execute_with(&request, &options).await?;
                let (count, total) = A::count(&data);
                // An offset that would overflow ends the stream: there is no next page to ask for.
                let fetched = i64::try_from(count)
                    .ok()
                    .and_then(|count| request.offset().checked_add(count));
                let more = count > 0
                    && fetched.is_some_and(|fetched| total.is_none_or(|total| fetched < total));
                let next = fetched.filter(|_| more).map(|fetched| {
                    let mut next = request.clone();
                    next.set_offset(fetched);
                    next
                });
                Ok(Some((data, next)))
            }
        })
    }

    /// Every item of every page, as one stream.
    pub fn items(self) -> impl Stream<Item = Result<A::Item, Error>> + 'c {
        self.pages()
            .map_ok(|data| stream::iter(A::into_items(data).into_iter().map(Ok)))
            .try_flatten()
    }
}
