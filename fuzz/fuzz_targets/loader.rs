//! Any bytes through the scenario loader: it must answer Ok or Err, never
//! panic, hang or run out of memory.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::loader(data));
