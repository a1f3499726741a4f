//! Scale-out: a sharded run writes a partial result, `merge` combines the
//! partials into the output a single-machine run gives.
//!
//! Replication r's random streams depend only on (seed, r, source), so
//! running replications 0..5 on one machine and 5..10 on another draws the
//! same numbers as running 0..10 on one; merging the per-replication KPI
//! values in replication order then gives a byte-identical `summary.json`,
//! `replications.csv` and `cases.csv`.

use crate::simulate::Run;
use crate::summary::{kpi_keys, KpiValues, Summary};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What one shard writes (`partial.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// Program version (merging across versions is refused).
    pub procsim: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// Master seed.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications_total: u32,
    /// This shard's index and the shard count.
    pub shard: (u32, u32),
    /// KPI keys (columns of `values`).
    pub keys: Vec<String>,
    /// Replication numbers of this shard.
    pub replications: Vec<u32>,
    /// KPI values per replication.
    pub values: Vec<KpiValues>,
    /// Pool names (rows of `hourly`).
    pub pools: Vec<String>,
    /// Per pool and hour: queue area, busy area, capacity area, time (summed over the shard).
    pub hourly: Vec<Vec<[i64; 4]>>,
}

impl Partial {
    /// The partial result of a shard's run.
    pub fn of(run: &Run, shard: (u32, u32)) -> Partial {
        Partial {
            procsim: env!("CARGO_PKG_VERSION").to_string(),
            scenario: run.model.name.clone(),
            file: run.model.file.clone(),
            seed: run.settings.seed,
            replications_total: run.settings.replications,
            shard,
            keys: kpi_keys(&run.model),
            replications: run.data.replications.clone(),
            values: run.data.values.clone(),
            pools: run.model.pools.iter().map(|p| p.name.clone()).collect(),
            hourly: run.data.hourly.iter().map(|h| h.to_vec()).collect(),
        }
    }
}

/// The merged result.
pub struct Merged {
    /// Summary over all replications.
    pub summary: Summary,
    /// `replications.csv`.
    pub replications_csv: String,
    /// `hourly.csv`.
    pub hourly_csv: String,
}

/// Reads a part directory's `partial.json`.
pub fn read_partial(dir: &Path) -> Result<Partial, String> {
    let p = dir.join("partial.json");
    let text = std::fs::read_to_string(&p).map_err(|e| {
        format!(
            "{}: {e} (is this a directory written by `run --shard I/N --out DIR`?)",
            p.display()
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a procsim partial result: {e}", p.display()))
}

/// Merges partials (any order) into one result; checks they belong together.
pub fn merge(mut parts: Vec<Partial>) -> Result<Merged, String> {
    if parts.is_empty() {
        return Err("no parts to merge".into());
    }
    parts.sort_by_key(|p| p.shard.0);
    let first = &parts[0];
    for p in &parts {
        if p.scenario != first.scenario
            || p.seed != first.seed
            || p.keys != first.keys
            || p.replications_total != first.replications_total
            || p.shard.1 != first.shard.1
        {
            return Err(format!("part {} of `{}` does not belong with part {} of `{}` (scenario, seed, replications or shard count differ)", p.shard.0, p.scenario, first.shard.0, first.scenario));
        }
        if p.procsim != env!("CARGO_PKG_VERSION") {
            return Err(format!(
                "part {} was written by procsim {}, this is {}",
                p.shard.0,
                p.procsim,
                env!("CARGO_PKG_VERSION")
            ));
        }
    }
    let shards: Vec<u32> = parts.iter().map(|p| p.shard.0).collect();
    let expected: Vec<u32> = (0..first.shard.1).collect();
    if shards != expected {
        return Err(format!(
            "shards {shards:?} given; a complete run needs each of {expected:?} once"
        ));
    }
    let mut replications = Vec::new();
    let mut values = Vec::new();
    let mut hourly = vec![vec![[0i64; 4]; 24]; first.pools.len()];
    for p in &parts {
        replications.extend(p.replications.iter().copied());
        values.extend(p.values.iter().cloned());
        for (acc, h) in hourly.iter_mut().zip(&p.hourly) {
            for (a, b) in acc.iter_mut().zip(h) {
                for k in 0..4 {
                    a[k] += b[k];
                }
            }
        }
    }
    let summary = Summary::from_values(
        &first.scenario,
        &first.file,
        first.seed,
        &first.keys,
        &values,
    );
    let replications_csv =
        crate::report::csv::replications_from(&first.keys, &replications, &values);
    let hourly_arrays: Vec<[[i64; 4]; 24]> = hourly
        .iter()
        .map(|h| std::array::from_fn(|i| h[i]))
        .collect();
    let hourly_csv = crate::report::csv::hourly_from(&first.pools, &hourly_arrays);
    Ok(Merged {
        summary,
        replications_csv,
        hourly_csv,
    })
}
