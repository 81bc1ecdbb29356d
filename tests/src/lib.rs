//! This crate holds the workspace's end-to-end tests (`tests/tests/`: the SDK against the
//! emulator over loopback), its examples (`tests/examples/`: `quickstart`, `real_service`) and
//! its benchmarks (`tests/benches/`). Its documentation is the README, so that every code block
//! of the README is compiled (and, where it can run offline, run) by `cargo test --workspace`.
#![doc = include_str!("../../README.md")]
