//! Any bytes through the scenario loader: it must answer Ok or Err, never
//! panic, hang or run out of memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match procsim::scenario::load_bytes(data, "fuzz.yaml") {
        Ok(model) => {
            // A loaded model is internally consistent enough to describe.
            let _ = procsim::summary::kpi_keys(&model);
        }
        Err(errors) => {
            // Error rendering is part of the loader's contract too.
            let _ = errors.to_string();
        }
    }
});
