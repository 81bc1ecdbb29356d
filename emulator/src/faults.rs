//! Fault injection: make chosen requests slow, fail with an HTTP status, lose their connection,
//! or get a garbage body.
//!
//! A fault applies to the requests it targets (every request, the login exchange, one action, one
//! VOD action, or one COS operation), for its next `times` matches, or to a `ratio` of them, or both. Faults are drawn in
//! the order they were added; the first one that fires decides the request's fate, and a
//! request draws at most one fault. The admin routes (`/_emulator/...`) are never faulted.
//!
//! By default a fault strikes *before* the action runs, so the state is unchanged. With
//! [`FaultSpec::after_action`], the action runs (and counts as executed) and then its reply is
//! lost: exactly the case a retry of a non-idempotent call must not repeat.
//!
//! The ratio is applied deterministically, spread evenly: a ratio of 0.5 fires on the 1st,
//! 3rd, 5th … matching request, 0.25 on the 1st, 5th, 9th …, so tests never flake.
//!
//! Over HTTP: `POST /_emulator/faults` with a JSON body, `GET` lists, `DELETE` clears all,
//! `DELETE /_emulator/faults/{id}` removes one:
//!
//! ```json
//! {"Kind": "Status", "Status": 503, "Action": "Material/DeleteMaterial", "Times": 1}
//! {"Kind": "Delay", "DelayMs": 1500, "Ratio": 0.5}
//! {"Kind": "Drop", "Action": "Project/DeleteProject", "After": true, "Times": 1}
//! {"Kind": "Garbage", "Action": "Login"}
//! ```
//!
//! `Kind` is `Delay` (with `DelayMs`), `Status` (with `Status`, 400-599), `Drop` or `Garbage`.
//! `Action` is `Class/Name`, `Login` for the login exchange, `VOD/ApplyUploadUGC` or
//! `VOD/CommitUploadUGC` for a VOD action (on the main and the backup listener alike), or
//! `COS/<operation>` for a COS operation ([`CosOperation::name`]: `COS/UploadPart`, ...); left
//! out, every request.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What happens to a faulted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Reply with this HTTP status and a short text body instead of the envelope.
    Status(u16),
    /// Close the connection without replying.
    Drop,
    /// Reply 200 with a body that is not valid JSON.
    Garbage,
}

/// A VOD client-upload action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VodAction {
    /// `ApplyUploadUGC`.
    Apply,
    /// `CommitUploadUGC`.
    Commit,
}

impl VodAction {
    /// Every action.
    pub const ALL: [VodAction; 2] = [VodAction::Apply, VodAction::Commit];

    /// The action's name: `ApplyUploadUGC` or `CommitUploadUGC`.
    pub fn name(self) -> &'static str {
        match self {
            VodAction::Apply => "ApplyUploadUGC",
            VodAction::Commit => "CommitUploadUGC",
        }
    }

    /// Its route in [`Stats`](crate::Stats): `VOD/ApplyUploadUGC` or `VOD/CommitUploadUGC`.
    pub fn route(self) -> &'static str {
        match self {
            VodAction::Apply => "VOD/ApplyUploadUGC",
            VodAction::Commit => "VOD/CommitUploadUGC",
        }
    }

    /// The action named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// An operation of the COS object store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CosOperation {
    /// `PUT /<key>`: a simple upload.
    PutObject,
    /// `POST /<key>?uploads`.
    InitiateMultipartUpload,
    /// `PUT /<key>?partNumber=N&uploadId=ID`.
    UploadPart,
    /// `POST /<key>?uploadId=ID`.
    CompleteMultipartUpload,
    /// `DELETE /<key>?uploadId=ID`.
    AbortMultipartUpload,
    /// `GET /<key>?uploadId=ID`.
    ListParts,
    /// `GET /?uploads`.
    ListMultipartUploads,
    /// `GET /<key>`.
    GetObject,
    /// `HEAD /<key>`.
    HeadObject,
}

impl CosOperation {
    /// Every operation.
    pub const ALL: [CosOperation; 9] = [
        CosOperation::PutObject,
        CosOperation::InitiateMultipartUpload,
        CosOperation::UploadPart,
        CosOperation::CompleteMultipartUpload,
        CosOperation::AbortMultipartUpload,
        CosOperation::ListParts,
        CosOperation::ListMultipartUploads,
        CosOperation::GetObject,
        CosOperation::HeadObject,
    ];

    /// The operation's name in the COS API, e.g. `UploadPart`.
    pub fn name(self) -> &'static str {
        self.route().trim_start_matches("COS/")
    }

    /// Its route in [`Stats`](crate::Stats), e.g. `COS/UploadPart`.
    pub fn route(self) -> &'static str {
        match self {
            CosOperation::PutObject => "COS/PutObject",
            CosOperation::InitiateMultipartUpload => "COS/InitiateMultipartUpload",
            CosOperation::UploadPart => "COS/UploadPart",
            CosOperation::CompleteMultipartUpload => "COS/CompleteMultipartUpload",
            CosOperation::AbortMultipartUpload => "COS/AbortMultipartUpload",
            CosOperation::ListParts => "COS/ListParts",
            CosOperation::ListMultipartUploads => "COS/ListMultipartUploads",
            CosOperation::GetObject => "COS/GetObject",
            CosOperation::HeadObject => "COS/HeadObject",
        }
    }

    /// The operation named `name` (`UploadPart`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultTarget {
    /// Every request but the admin routes: login, actions, VOD and COS.
    Any,
    /// The login exchange (`GET /?signature=`).
    Login,
    /// One action.
    Action {
        /// ActionClass, e.g. `Material`.
        class: String,
        /// ActionName, e.g. `DeleteMaterial`.
        name: String,
    },
    /// One VOD action, on the main and the backup listener.
    Vod(VodAction),
    /// One COS operation.
    Cos(CosOperation),
}

/// Where a request goes, to match it against fault targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    Login,
    Action(&'a str, &'a str),
    /// A VOD action, by the name the request gave.
    Vod(&'a str),
    Cos(CosOperation),
}

impl FaultTarget {
    fn matches(&self, route: Route<'_>) -> bool {
        match (self, route) {
            (FaultTarget::Any, _) | (FaultTarget::Login, Route::Login) => true,
            (FaultTarget::Action { class, name }, Route::Action(c, n)) => class == c && name == n,
            (FaultTarget::Vod(action), Route::Vod(name)) => action.name() == name,
            (FaultTarget::Cos(op), Route::Cos(o)) => *op == o,
            _ => false,
        }
    }
}

/// A fault to inject. Build one with [`FaultSpec::delay`], [`FaultSpec::status`],
/// [`FaultSpec::drop_connection`] or [`FaultSpec::garbage`], then narrow it.
///
/// ```
/// use cme_emulator::FaultSpec;
/// let spec = FaultSpec::status(503).action("Material", "DeleteMaterial").times(2);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaultSpec {
    /// What happens.
    pub kind: FaultKind,
    /// Which requests it applies to.
    pub target: FaultTarget,
    /// Fire this many times, then go away (`None`: no limit).
    pub times: Option<u32>,
    /// Fire on this share of the matching requests, 0.0-1.0 (`None`: all).
    pub ratio: Option<f64>,
    /// Strike after the action ran instead of before (for `Status` and `Drop`; a `Delay` then
    /// delays the reply).
    pub after: bool,
}

impl FaultSpec {
    fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            target: FaultTarget::Any,
            times: None,
            ratio: None,
            after: false,
        }
    }

    /// Delays requests by `delay`.
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultKind::Delay(delay))
    }

    /// Answers requests with an HTTP `status` (400-599).
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status(status))
    }

    /// Closes the connection without an answer.
    pub fn drop_connection() -> Self {
        Self::new(FaultKind::Drop)
    }

    /// Answers with a body that is not JSON.
    pub fn garbage() -> Self {
        Self::new(FaultKind::Garbage)
    }

    /// Applies only to one action.
    pub fn action(mut self, class: &str, name: &str) -> Self {
        self.target = FaultTarget::Action {
            class: class.to_owned(),
            name: name.to_owned(),
        };
        self
    }

    /// Applies only to one VOD action (on the main and the backup listener).
    pub fn vod(mut self, action: VodAction) -> Self {
        self.target = FaultTarget::Vod(action);
        self
    }

    /// Applies only to one COS operation.
    pub fn cos(mut self, operation: CosOperation) -> Self {
        self.target = FaultTarget::Cos(operation);
        self
    }

    /// Applies only to the login exchange.
    pub fn login(mut self) -> Self {
        self.target = FaultTarget::Login;
        self
    }

    /// Fires at most `times` times (`0`: never; such a fault is spent from the start).
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Fires on a share of the matching requests (clamped to 0.0-1.0).
    pub fn ratio(mut self, ratio: f64) -> Self {
        self.ratio = Some(if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1.0)
        });
        self
    }

    /// Strikes after the action ran: the change is made, the reply is lost.
    pub fn after_action(mut self) -> Self {
        self.after = true;
        self
    }
}

/// The JSON form of a fault, for the admin route.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(crate) struct FaultJson {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ratio: Option<f64>,
    #[serde(default)]
    after: bool,
    /// Set in listings: the fault's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    /// Set in listings: how often it fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fired: Option<u32>,
}

impl FaultJson {
    /// Checks the JSON and builds the spec.
    pub(crate) fn into_spec(self) -> Result<FaultSpec, String> {
        let mut spec = match self.kind.as_str() {
            "Delay" => FaultSpec::delay(Duration::from_millis(
                self.delay_ms.ok_or("a Delay fault needs DelayMs")?,
            )),
            "Status" => FaultSpec::status(self.status.ok_or("a Status fault needs Status")?),
            "Drop" => FaultSpec::drop_connection(),
            "Garbage" => FaultSpec::garbage(),
            other => {
                return Err(format!(
                    "Kind {other:?} is not Delay, Status, Drop or Garbage"
                ))
            }
        };
        if let FaultKind::Status(code) = spec.kind {
            if !(400..=599).contains(&code) {
                return Err(format!("Status {code} is not between 400 and 599"));
            }
        }
        match self.action.as_deref() {
            None | Some("") => {}
            Some("Login") => spec = spec.login(),
            Some(action) if action.starts_with("VOD/") => {
                let name = &action["VOD/".len()..];
                let vod = VodAction::from_name(name).ok_or_else(|| {
                    format!("Action {action:?}: the VOD actions are VOD/ApplyUploadUGC and VOD/CommitUploadUGC")
                })?;
                spec = spec.vod(vod);
            }
            Some(action) if action.starts_with("COS/") => {
                let name = &action["COS/".len()..];
                let op = CosOperation::from_name(name).ok_or_else(|| {
                    let names: Vec<&str> = CosOperation::ALL.iter().map(|o| o.route()).collect();
                    format!(
                        "Action {action:?}: the COS operations are {}",
                        names.join(", ")
                    )
                })?;
                spec = spec.cos(op);
            }
            Some(action) => match action.split_once('/') {
                Some((class, name))
                    if !class.is_empty() && !name.is_empty() && !name.contains('/') =>
                {
                    spec = spec.action(class, name);
                }
                _ => {
                    return Err(format!(
                    "Action {action:?} is not Login, Class/Name, VOD/<action> or COS/<operation>"
                ))
                }
            },
        }
        if let Some(ratio) = self.ratio {
            if !(0.0..=1.0).contains(&ratio) {
                return Err(format!("Ratio {ratio} is not between 0 and 1"));
            }
            spec = spec.ratio(ratio);
        }
        spec.times = self.times;
        spec.after = self.after;
        Ok(spec)
    }

    fn from_active(fault: &Active) -> Self {
        let spec = &fault.spec;
        let (kind, delay_ms, status) = match spec.kind {
            FaultKind::Delay(d) => (
                "Delay",
                Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                None,
            ),
            FaultKind::Status(s) => ("Status", None, Some(s)),
            FaultKind::Drop => ("Drop", None, None),
            FaultKind::Garbage => ("Garbage", None, None),
        };
        Self {
            kind: kind.to_owned(),
            delay_ms,
            status,
            action: match &spec.target {
                FaultTarget::Any => None,
                FaultTarget::Login => Some("Login".to_owned()),
                FaultTarget::Action { class, name } => Some(format!("{class}/{name}")),
                FaultTarget::Vod(action) => Some(action.route().to_owned()),
                FaultTarget::Cos(op) => Some(op.route().to_owned()),
            },
            times: spec.times,
            ratio: spec.ratio,
            after: spec.after,
            id: Some(fault.id),
            fired: Some(fault.fired),
        }
    }
}

#[derive(Debug)]
struct Active {
    id: u64,
    spec: FaultSpec,
    fired: u32,
    credit: f64,
}

impl Active {
    /// Whether it has fired as often as it may (a fault for `times(0)` is spent from the start).
    fn spent(&self) -> bool {
        self.spec.times.is_some_and(|times| self.fired >= times)
    }
}

/// The faults to inject, shared by the server and the handle that configures it.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<(u64, Vec<Active>)>,
}

/// A fault drawn for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Drawn {
    pub(crate) kind: FaultKind,
    pub(crate) after: bool,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Active>)> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a fault; returns its ID (for [`Faults::remove`]). A fault that may fire `0` times
    /// is spent from the start: it gets an ID but is not kept.
    pub fn inject(&self, spec: FaultSpec) -> u64 {
        let mut guard = self.lock();
        guard.0 += 1;
        let id = guard.0;
        // so that the first matching request fires (unless the ratio is 0)
        let ratio = spec.ratio.unwrap_or(1.0);
        let credit = if ratio > 0.0 { 1.0 - ratio } else { 0.0 };
        let fault = Active {
            id,
            spec,
            fired: 0,
            credit,
        };
        if !fault.spent() {
            guard.1.push(fault);
        }
        id
    }

    /// Removes one fault; `false` when there is none with that ID.
    pub fn remove(&self, id: u64) -> bool {
        let mut guard = self.lock();
        let before = guard.1.len();
        guard.1.retain(|f| f.id != id);
        guard.1.len() != before
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.lock().1.clear();
    }

    /// How many faults are active (exhausted ones are gone).
    pub fn len(&self) -> usize {
        self.lock().1.len()
    }

    /// Whether no fault is active.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn list(&self) -> Vec<FaultJson> {
        self.lock().1.iter().map(FaultJson::from_active).collect()
    }

    /// Draws the fault for one request, if any fires.
    pub(crate) fn draw(&self, route: Route<'_>) -> Option<Drawn> {
        let mut guard = self.lock();
        let mut drawn = None;
        for fault in guard.1.iter_mut() {
            if !fault.spec.target.matches(route) {
                continue;
            }
            fault.credit += fault.spec.ratio.unwrap_or(1.0);
            if fault.credit >= 1.0 - 1e-9 {
                fault.credit -= 1.0;
                fault.fired += 1;
                drawn = Some(Drawn {
                    kind: fault.spec.kind,
                    after: fault.spec.after,
                });
                break;
            }
        }
        guard.1.retain(|f| !f.spent());
        drawn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELETE: Route<'static> = Route::Action("Material", "DeleteMaterial");

    #[test]
    fn vod_and_cos_targets_match_only_their_route() {
        let faults = Faults::default();
        faults.inject(FaultSpec::status(503).vod(VodAction::Apply).times(1));
        faults.inject(
            FaultSpec::status(500)
                .cos(CosOperation::UploadPart)
                .times(1),
        );
        assert!(faults.draw(Route::Vod("CommitUploadUGC")).is_none());
        assert!(faults.draw(Route::Cos(CosOperation::PutObject)).is_none());
        assert!(faults.draw(DELETE).is_none());
        assert!(faults.draw(Route::Vod("ApplyUploadUGC")).is_some());
        assert!(faults.draw(Route::Cos(CosOperation::UploadPart)).is_some());
        assert!(faults.is_empty());
        faults.inject(FaultSpec::garbage().times(2));
        assert!(faults.draw(Route::Cos(CosOperation::GetObject)).is_some());
        assert!(faults.draw(Route::Vod("ApplyUploadUGC")).is_some());
    }

    #[test]
    fn times_limit_then_vanish() {
        let faults = Faults::default();
        faults.inject(
            FaultSpec::status(503)
                .action("Material", "DeleteMaterial")
                .times(2),
        );
        assert!(faults
            .draw(Route::Action("Material", "ListMedia"))
            .is_none());
        assert!(faults.draw(Route::Login).is_none());
        assert!(faults.draw(DELETE).is_some());
        assert!(faults.draw(DELETE).is_some());
        assert!(faults.draw(DELETE).is_none());
        assert!(faults.is_empty());
    }

    #[test]
    fn ratio_is_spread_evenly() {
        let faults = Faults::default();
        faults.inject(FaultSpec::drop_connection().ratio(0.5));
        let fired: Vec<bool> = (0..6).map(|_| faults.draw(DELETE).is_some()).collect();
        assert_eq!(fired, [true, false, true, false, true, false]);
        faults.clear();
        faults.inject(FaultSpec::garbage().ratio(0.25).times(2));
        let fired: Vec<bool> = (0..10)
            .map(|_| faults.draw(Route::Login).is_some())
            .collect();
        assert_eq!(fired.iter().filter(|f| **f).count(), 2);
        assert!(fired[0] && fired[4]);
        faults.inject(FaultSpec::garbage().ratio(0.0));
        assert!((0..10).all(|_| faults.draw(Route::Login).is_none()));
    }

    #[test]
    fn zero_times_never_fires() {
        let faults = Faults::default();
        let id = faults.inject(FaultSpec::status(503).times(0));
        assert!(faults.is_empty(), "spent from the start");
        assert!(!faults.remove(id));
        faults.inject(FaultSpec::drop_connection().ratio(0.5).times(0));
        assert!((0..4).all(|_| faults.draw(DELETE).is_none()));
    }

    #[test]
    fn json_forms() {
        let parse = |text: &str| {
            serde_json::from_str::<FaultJson>(text)
                .map_err(|e| e.to_string())?
                .into_spec()
        };
        let spec =
            parse(r#"{"Kind":"Delay","DelayMs":20,"Action":"Material/ListMedia","After":true}"#)
                .unwrap();
        assert_eq!(
            spec,
            FaultSpec::delay(Duration::from_millis(20))
                .action("Material", "ListMedia")
                .after_action()
        );
        assert_eq!(
            parse(r#"{"Kind":"Garbage","Action":"Login"}"#).unwrap(),
            FaultSpec::garbage().login()
        );
        assert_eq!(
            parse(r#"{"Kind":"Drop","Action":"VOD/CommitUploadUGC"}"#).unwrap(),
            FaultSpec::drop_connection().vod(VodAction::Commit)
        );
        assert_eq!(
            parse(r#"{"Kind":"Status","Status":503,"Action":"COS/UploadPart","After":true}"#)
                .unwrap(),
            FaultSpec::status(503)
                .cos(CosOperation::UploadPart)
                .after_action()
        );
        for op in CosOperation::ALL {
            assert_eq!(CosOperation::from_name(op.name()), Some(op));
        }
        for bad in [
            r#"{"Kind":"Delay"}"#,
            r#"{"Kind":"Status","Status":200}"#,
            r#"{"Kind":"Boom"}"#,
            r#"{"Kind":"Drop","Action":"Material"}"#,
            r#"{"Kind":"Drop","Ratio":2}"#,
            r#"{"Kind":"Drop","Extra":1}"#,
            r#"{"Kind":"Drop","Action":"VOD/PrepareUploadUGC"}"#,
            r#"{"Kind":"Drop","Action":"COS/Nope"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
