//! Before a run: pools whose offered load exceeds their average capacity,
//! as warnings (values the caller may show), with what can absorb the
//! excess.

use crate::model::Model;

/// A pool that may be overloaded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OverloadWarning {
    /// Scenario file.
    pub file: String,
    /// Pool name.
    pub pool: String,
    /// Offered load, in busy servers.
    pub offered: f64,
    /// Servers available on average.
    pub capacity: f64,
    /// What can absorb the excess (citizens giving up, overtime); empty:
    /// nothing, the queue may grow until the run stops.
    pub relief: Vec<&'static str>,
}

impl std::fmt::Display for OverloadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let outlook = if self.relief.is_empty() {
            "; its queue may grow until the run stops (exit 3)".to_string()
        } else {
            format!(
                "; the run can still settle ({}), expect long waits",
                self.relief.join(", ")
            )
        };
        write!(
            f,
            "{}: pool `{}` may be overloaded: offered load {:.2} servers vs {:.2} available on average{outlook}",
            self.file, self.pool, self.offered, self.capacity
        )
    }
}

/// Every pool of `model` whose offered load exceeds its average capacity.
pub fn overload_warnings(model: &Model) -> Vec<OverloadWarning> {
    model
        .pools
        .iter()
        .enumerate()
        .filter_map(|(i, pool)| {
            let (offered, capacity) = model.pool_load(i);
            (offered > capacity).then(|| OverloadWarning {
                file: model.file.clone(),
                pool: pool.name.clone(),
                offered,
                capacity,
                relief: model.overload_relief(i),
            })
        })
        .collect()
}
