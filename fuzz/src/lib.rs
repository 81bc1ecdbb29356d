//! Fuzz targets for the places where this workspace reads what it does not control, and a
//! driver that runs them on the stable toolchain.
//!
//! | Target | Feeds | Holds to |
//! |---|---|---|
//! | `reply` | a reply body to the decoder of any action | the envelope rule: a non-`Success` code is never `Ok`, a code is never lost to bad bytes elsewhere, a ticket-invalid code is read as one |
//! | `login` | a login reply body to the login exchange's reading | the same, a ticket that is not blank, no form of the signature sent (or of the reply's own ticket) in an error |
//! | `client` | a reply body to a real client (`cme_sdk::mock`) calling any action | one new login and one replay exactly for a ticket-invalid code, none otherwise; no form of the ticket in an error |
//! | `verifier` | any text, and mutations of valid signatures, to `Verifier::verify` | no forgery, faithful claims, the validity window, the expected action, no false refusal |
//! | `emulator` | a request body of any action to the emulator's dispatch, in process | an envelope with a known code, no change of state when refused, replies the SDK reads |
//!
//! Every target fails on a panic anywhere. The tables of actions and error codes are generated
//! from the spec (`cargo run -p cme-codegen` writes `src/generated/`), and so are the seeds:
//! the spec's example requests and replies, beside hand-made hostile ones (`seeds`) and the
//! regression seeds under `fuzz/corpus/<target>/`.
//!
//! # The driver
//!
//! libFuzzer needs a nightly compiler, so the driver is this crate's own: mutations of the
//! corpus, byte-level and JSON-structure-aware (`mutate`), guided by the outcomes each input
//! reaches (an input that reaches an outcome no input reached before joins the corpus), for a
//! bounded time or number of inputs. See the README's "Fuzzing" section for the commands.
//!
//! ```text
//! cargo run -p cme-fuzz --release -- run --time 25            # every target, 25 s each
//! cargo run -p cme-fuzz --release -- run reply --time 3600    # one target, an hour
//! cargo run -p cme-fuzz --release -- replay reply fuzz/artifacts/reply/finding-…
//! ```

pub mod actions;
pub mod driver;
#[rustfmt::skip]
mod generated;
pub mod json;
pub mod mutate;
pub mod oracle;
pub mod secrets;
pub mod seeds;
pub mod targets;
