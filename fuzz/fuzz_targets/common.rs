//! Shared by the fuzz targets and by `tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]`): how a loaded model is shrunk,
//! simulated and checked. No dependency on libFuzzer.
#![allow(dead_code)]

use procsim::engine::{run_replication, EngineError, Limits, NoObserver, ReplicationResult};
use procsim::model::Model;
use std::sync::atomic::AtomicBool;

/// Longest simulated arrival window (2 days).
pub const MAX_HORIZON: f64 = 2.0 * 86400.0;
/// Longest run including the drain (4 days).
pub const MAX_DRAIN: f64 = 4.0 * 86400.0;
/// The horizon is cut so that no more arrivals than this are expected.
pub const MAX_EXPECTED_ARRIVALS: f64 = 2000.0;
/// Queue length that ends a run as overloaded.
pub const MAX_QUEUE: usize = 5000;

/// Shrinks `model` so one replication runs in milliseconds: the horizon
/// is cut to 2 days and to `MAX_EXPECTED_ARRIVALS` expected arrivals (so
/// busy scenarios still reach the engine, over a shorter window), keeping
/// the validated relations (warmup < horizon <= drain_limit). `None`: the
/// arrival-rate estimate is not a finite number; skip it.
pub fn clamp(mut model: Model) -> Option<Model> {
    let rate = model.arrivals.iter().map(|a| a.mean_rate).sum::<f64>();
    if !rate.is_finite() || rate < 0.0 {
        return None;
    }
    let mut horizon = model.horizon.min(MAX_HORIZON);
    if rate > 0.0 {
        horizon = horizon.min(MAX_EXPECTED_ARRIVALS / rate);
    }
    if horizon.is_nan() || horizon <= 0.0 {
        return None;
    }
    if horizon < model.horizon {
        model.warmup *= horizon / model.horizon;
        model.horizon = horizon;
    }
    model.drain_limit = model.drain_limit.min(MAX_DRAIN).max(model.horizon);
    model.replications = 1;
    Some(model)
}

/// Runs one replication of an already clamped model and checks what must
/// hold of any run. `None` when the run ended as overloaded or with too
/// many cases in progress (legitimate answers for a bad design). Panics on a broken invariant.
pub fn simulate_and_check(model: &Model) -> Option<ReplicationResult> {
    let stop = AtomicBool::new(false);
    let limits = Limits {
        max_queue: MAX_QUEUE,
        ..Limits::default()
    };
    let result = match run_replication(model, model.seed, 0, limits, &mut NoObserver, &stop) {
        Ok(r) => r,
        Err(EngineError::Overloaded { .. } | EngineError::TooManyLive { .. }) => return None,
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
    assert!(
        result.cases_total >= result.arrived,
        "more counted arrivals ({}) than arrivals ({})",
        result.arrived,
        result.cases_total
    );
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
    let values = procsim::summary::kpi_values(&result);
    assert_eq!(values.len(), procsim::summary::kpi_keys(model).len());
    Some(result)
}

/// The `pipeline` target's body: bytes -> model -> short run -> checks.
pub fn pipeline(data: &[u8]) {
    let Ok(model) = procsim::scenario::load_bytes(data, "fuzz.yaml") else {
        return;
    };
    if let Some(model) = clamp(model) {
        simulate_and_check(&model);
    }
}

/// The `loader` target's body: any bytes end in `Ok` or `Err`.
pub fn loader(data: &[u8]) {
    match procsim::scenario::load_bytes(data, "fuzz.yaml") {
        Ok(model) => {
            let _ = procsim::summary::kpi_keys(&model);
        }
        Err(errors) => {
            let _ = errors.to_string();
        }
    }
}
