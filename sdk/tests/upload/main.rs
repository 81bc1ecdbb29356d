//! Uploads against a small fake of CME, VOD and COS on 127.0.0.1 (`fake.rs`): the whole chain,
//! faults, resume, bad inputs. The end-to-end tests against the emulator are in `cme-tests`.
#![cfg(feature = "upload")]

mod chain;
mod fake;
mod faults;
mod inputs;
mod resume;
// The scripted CME fake of the client tests; its test actions are not used here.
#[allow(dead_code)]
#[path = "../client/support.rs"]
mod support;
