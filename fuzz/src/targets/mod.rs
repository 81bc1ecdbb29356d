//! The fuzz targets: each is a plain function over input bytes with its invariants as checks,
//! plus its seeds and the mutations that suit its input.

pub(crate) mod client;
mod emulator;
mod framed;
mod login;
mod reply;
mod verifier;

use std::fmt;

pub use client::ClientTarget;
pub use emulator::EmulatorTarget;
pub use login::LoginTarget;
pub use reply::ReplyTarget;
pub use verifier::VerifierTarget;

use crate::mutate::Mutator;

/// A broken invariant: what the target expected and what it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding(pub String);

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Fails the input with a finding unless `holds`.
macro_rules! check {
    ($holds:expr, $($what:tt)+) => {
        if !$holds {
            return Err($crate::targets::Finding(format!($($what)+)));
        }
    };
}
pub(crate) use check;

/// What a run of an input reached: short names of the outcomes it saw (the action, the kind of
/// reply, the error's path...). The driver keeps an input that reaches a name no input reached
/// before, so the corpus grows toward every outcome the target can have.
pub type Features = Vec<String>;

/// A fuzz target.
pub trait Target {
    /// Its name on the command line and under `fuzz/corpus/` and `fuzz/artifacts/`.
    fn name(&self) -> &'static str;

    /// The inputs it starts from: the spec's examples and hand-made hostile ones.
    fn seeds(&self) -> Vec<Vec<u8>>;

    /// Runs one input: `Err` when an invariant broke. A panic anywhere (in this thread or any
    /// other) is a finding too; the driver catches it.
    fn run(&mut self, input: &[u8]) -> Result<Features, Finding>;

    /// A new input made from `input`.
    fn mutate(&self, input: &[u8], mutator: &mut Mutator) -> Vec<u8>;

    /// Words worth inserting into inputs (field names, codes, identifiers of the target's
    /// state), beside those the mutator finds in the seeds.
    fn dictionary(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

/// The names of every target, in the order `all` runs them.
pub const NAMES: [&str; 5] = ["reply", "login", "client", "verifier", "emulator"];

/// The target named `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Target>> {
    Some(match name {
        "reply" => Box::new(ReplyTarget::new()),
        "login" => Box::new(LoginTarget::new()),
        "client" => Box::new(ClientTarget::new()),
        "verifier" => Box::new(VerifierTarget::new()),
        "emulator" => Box::new(EmulatorTarget::new()),
        _ => return None,
    })
}
