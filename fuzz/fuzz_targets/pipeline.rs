//! Bytes -> scenario -> a short simulation -> KPIs.
//!
//! Whatever loads must simulate without panicking, and the counts must add
//! up. The model is clamped to a couple of simulated days and a small
//! expected case count (see `common::clamp`) so every input runs in
//! milliseconds.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::pipeline(data));
