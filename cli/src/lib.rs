//! `cme`, the command line of the Tencent Cloud CME (多媒体创作引擎) client API, as a library:
//! the binary is a call of [`run`]; the modules are public for the tests.
//!
//! Every action of the API is a command, `cme <class> <action> --wire-field value`, built at run
//! time from a table the codegen writes from `api-spec/` ([`spec`], `src/generated/`), so a new
//! action in the spec is a new command without hand-written code. Each action's request is
//! built from its flags and `--cli-input-json`, checked against the spec ([`input`]), turned
//! into the SDK's typed request and sent ([`dispatch`]); the typed reply is printed as JSON, a
//! table or text, after an optional JMESPath query ([`output`]).
//!
//! The CLI holds the API key (a profile of its config file, or the environment: [`config`]),
//! signs for its user, logs in by itself and keeps the ticket per profile ([`session`]). Errors
//! give distinct exit statuses ([`error`]).
//!
//! `cme upload` is the SDK's upload of each file ([`upload`]), with progress on stderr
//! ([`progress`]), a checkpoint per file and Ctrl-C stopping it cleanly.

pub mod app;
pub mod commands;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod folder;
pub mod input;
pub mod output;
pub mod progress;
pub mod session;
pub mod spec;
pub mod upload;

// The generated table of actions (`cargo run -p cme-codegen`). It is formatted by the generator
// (prettyplease); rustfmt must not rewrite it, or the freshness check fails.
#[rustfmt::skip]
mod generated;

pub use app::run;
