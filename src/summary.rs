//! From replication results to KPIs: one value per KPI key per replication,
//! then the summary across replications (`summary.json`, described in `docs/files.md`).

use crate::engine::ReplicationResult;
use crate::kpi::{self, Level};
use crate::model::Model;
use crate::stats::Estimate;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// KPI values of one replication, in key order (see [`kpi_keys`]).
pub type KpiValues = Vec<Option<f64>>;

/// Every KPI key of a model, in output order: scenario KPIs, then each
/// pool's, then each process's (the registry's order within each).
/// The cost KPIs are keys only of a model with a `costs:` section.
pub fn kpi_keys(model: &Model) -> Vec<String> {
    let measured = || kpi::measured(model.costs.is_some());
    let at = |level: Level| measured().filter(move |k| k.level() == level);
    let mut keys: Vec<String> = at(Level::Scenario).map(|k| k.name.to_string()).collect();
    for p in &model.pools {
        keys.extend(at(Level::Pool).map(|k| format!("pools.{}.{}", p.name, k.name)));
    }
    for p in &model.processes {
        keys.extend(at(Level::Process).map(|k| format!("processes.{}.{}", p.name, k.name)));
    }
    keys
}

/// The KPI values of one replication, aligned with [`kpi_keys`].
pub fn kpi_values(r: &ReplicationResult) -> KpiValues {
    kpi::values(r)
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
            Some((Level::Pool, Some(name), k)) => {
                self.pools
                    .entry(name.to_string())
                    .or_default()
                    .insert(k.to_string(), value);
            }
            Some((Level::Process, Some(name), k)) => {
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
            (Level::Pool, Some(name), k) => self.pools.get(name)?.get(k),
            (Level::Process, Some(name), k) => self.processes.get(name)?.get(k),
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
