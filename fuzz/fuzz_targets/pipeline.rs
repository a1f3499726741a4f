//! Bytes -> scenario -> a short simulation -> KPIs.
//!
//! Whatever loads must simulate without panicking, and the counts must add
//! up. The model is clamped to a couple of simulated days and a small
//! expected case count so every input runs in milliseconds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsim::engine::{run_replication, Limits, NoObserver};
use std::sync::atomic::AtomicBool;

/// Inputs expecting more arrivals than this in the clamped horizon are skipped.
const MAX_EXPECTED_ARRIVALS: f64 = 2000.0;

fuzz_target!(|data: &[u8]| {
    let Ok(mut model) = procsim::scenario::load_bytes(data, "fuzz.yaml") else {
        return;
    };
    // Keep the validated relations (warmup < horizon <= drain_limit) while
    // shrinking the run.
    let horizon = model.horizon.min(2.0 * 86400.0);
    if horizon < model.horizon {
        model.warmup *= horizon / model.horizon;
        model.horizon = horizon;
    }
    model.drain_limit = model.drain_limit.min(4.0 * 86400.0).max(model.horizon);
    model.replications = 1;
    let expected = model.arrivals.iter().map(|a| a.mean_rate).sum::<f64>() * model.horizon;
    // `!(x <= max)` also skips NaN.
    if !(expected <= MAX_EXPECTED_ARRIVALS) {
        return;
    }

    let stop = AtomicBool::new(false);
    let result = match run_replication(
        &model,
        0,
        Limits { max_queue: 5000 },
        &mut NoObserver,
        &stop,
    ) {
        Ok(r) => r,
        // Overload is a legitimate answer for a bad design.
        Err(procsim::engine::EngineError::Overloaded { .. }) => return,
        Err(e) => panic!("unexpected engine error: {e}"),
    };

    assert_eq!(
        result.arrived,
        result.completed + result.abandoned + result.unfinished,
        "arrived != completed + abandoned + unfinished: {} != {} + {} + {}",
        result.arrived,
        result.completed,
        result.abandoned,
        result.unfinished
    );
    assert!(result.cases_total >= result.arrived);
    assert_eq!(result.processes.len(), model.processes.len());
    assert_eq!(result.pools.len(), model.pools.len());
    assert_eq!(
        result.processes.iter().map(|p| p.arrived).sum::<u64>(),
        result.arrived,
        "per-process arrivals do not add up"
    );
    assert_eq!(
        result.processes.iter().map(|p| p.completed).sum::<u64>(),
        result.completed,
        "per-process completions do not add up"
    );

    let values = procsim::summary::kpi_values(&model, &result);
    assert_eq!(values.len(), procsim::summary::kpi_keys(&model).len());
});
