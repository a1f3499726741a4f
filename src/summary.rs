//! From replication results to KPIs: one value per KPI key per replication,
//! then the summary across replications (the summary JSON of `cli.md`).

use crate::engine::{area, ReplicationResult};
use crate::kpi;
use crate::model::Model;
use crate::stats::Estimate;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// KPI values of one replication, in key order (see [`kpi_keys`]).
pub type KpiValues = Vec<Option<f64>>;

/// Every KPI key of a model, in output order: scenario KPIs, then each
/// pool's, then each process's.
pub fn kpi_keys(model: &Model) -> Vec<String> {
    let mut keys: Vec<String> = kpi::SCENARIO_KPIS.iter().map(|k| k.to_string()).collect();
    for p in &model.pools {
        keys.extend(
            kpi::POOL_KPIS
                .iter()
                .map(|k| format!("pools.{}.{k}", p.name)),
        );
    }
    for p in &model.processes {
        keys.extend(
            kpi::PROCESS_KPIS
                .iter()
                .map(|k| format!("processes.{}.{k}", p.name)),
        );
    }
    keys
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The KPI values of one replication, aligned with [`kpi_keys`].
pub fn kpi_values(model: &Model, r: &ReplicationResult) -> KpiValues {
    let mut v: KpiValues = vec![
        Some(r.arrived as f64),
        Some(r.completed as f64),
        Some(r.abandoned as f64),
        Some(r.unfinished as f64),
        ratio(r.abandoned, r.arrived),
        r.wait.mean(),
        r.wait_quantiles.quantile(0.5),
        r.wait_quantiles.quantile(0.9),
        r.wait_quantiles.quantile(0.95),
        (r.hall_visits > 0).then(|| r.hall_minutes / r.hall_visits as f64),
        r.visits.mean(),
        r.lead_min.mean(),
        r.lead_wd.mean(),
        r.lead_wd_quantiles.quantile(0.9),
        ratio(r.on_time, r.limited),
        (r.open_days > 0.0).then(|| r.completed as f64 / r.open_days),
        (r.open_days > 0.0)
            .then(|| r.pools.iter().map(|p| p.overtime).sum::<f64>() / 60.0 / r.open_days),
    ];
    debug_assert_eq!(v.len(), kpi::SCENARIO_KPIS.len());
    for p in &r.pools {
        let capacity = p.total(area::CAPACITY);
        let window = p.total(area::TIME);
        v.extend([
            (capacity > 0.0).then(|| p.total(area::BUSY) / capacity),
            p.wait.mean(),
            p.wait_quantiles.quantile(0.9),
            (window > 0.0).then(|| p.total(area::QUEUE) / window),
            Some(f64::from(p.queue_max)),
            Some(p.served as f64),
        ]);
    }
    for p in &r.processes {
        v.extend([
            Some(p.arrived as f64),
            Some(p.completed as f64),
            p.wait.mean(),
            p.lead_min.mean(),
            p.lead_wd.mean(),
            p.visits.mean(),
            ratio(p.on_time, p.limited),
        ]);
    }
    let _ = model;
    v
}

/// One KPI across replications: the estimate, or `null` without data.
pub type KpiEntry = Option<Estimate>;

/// The summary JSON of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Program version.
    pub procsim: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// Master seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Scenario KPIs.
    pub kpis: IndexMap<String, KpiEntry>,
    /// Pool KPIs by pool.
    pub pools: IndexMap<String, IndexMap<String, KpiEntry>>,
    /// Process KPIs by process.
    pub processes: IndexMap<String, IndexMap<String, KpiEntry>>,
}

impl Summary {
    /// Builds the summary from per-replication KPI values (in replication order).
    pub fn new(model: &Model, seed: u64, values: &[KpiValues]) -> Summary {
        Summary::from_values(&model.name, &model.file, seed, &kpi_keys(model), values)
    }

    /// Builds the summary from KPI keys and per-replication values (used by
    /// `merge`, which has no model).
    pub fn from_values(
        scenario: &str,
        file: &str,
        seed: u64,
        keys: &[String],
        values: &[KpiValues],
    ) -> Summary {
        let mut s = Summary {
            procsim: env!("CARGO_PKG_VERSION").to_string(),
            scenario: scenario.to_string(),
            file: file.to_string(),
            seed,
            replications: values.len() as u32,
            kpis: IndexMap::new(),
            pools: IndexMap::new(),
            processes: IndexMap::new(),
        };
        for (i, key) in keys.iter().enumerate() {
            let column: Vec<Option<f64>> =
                values.iter().map(|v| v.get(i).copied().flatten()).collect();
            s.set(key, Estimate::from_values(&column));
        }
        s
    }

    fn set(&mut self, key: &str, value: KpiEntry) {
        match kpi::split_key(key) {
            Some(("pools", Some(name), k)) => {
                self.pools
                    .entry(name.to_string())
                    .or_default()
                    .insert(k.to_string(), value);
            }
            Some(("processes", Some(name), k)) => {
                self.processes
                    .entry(name.to_string())
                    .or_default()
                    .insert(k.to_string(), value);
            }
            _ => {
                self.kpis.insert(key.to_string(), value);
            }
        }
    }

    /// The entry of a dotted KPI key; `None` if the key is unknown.
    pub fn get(&self, key: &str) -> Option<&KpiEntry> {
        match kpi::split_key(key)? {
            ("pools", Some(name), k) => self.pools.get(name)?.get(k),
            ("processes", Some(name), k) => self.processes.get(name)?.get(k),
            (_, _, k) => self.kpis.get(k),
        }
    }

    /// Every (dotted key, entry), in output order.
    pub fn entries(&self) -> Vec<(String, KpiEntry)> {
        let mut out: Vec<(String, KpiEntry)> =
            self.kpis.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for (name, m) in &self.pools {
            out.extend(m.iter().map(|(k, v)| (format!("pools.{name}.{k}"), *v)));
        }
        for (name, m) in &self.processes {
            out.extend(m.iter().map(|(k, v)| (format!("processes.{name}.{k}"), *v)));
        }
        out
    }
}
