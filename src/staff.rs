//! Staffing by interval of the day: the fewest servers per interval that
//! meet a service target, found with the Iterative Staffing Algorithm
//! (Feldman, Mandelbaum, Massey and Whitt, "Staffing of time-varying
//! queues to achieve time-stable performance", Management Science 54(2),
//! 2008). Place in the arrow: scenario (a [`Design`]) -> many simulations
//! -> [`Staffing`] -> report (table, JSON, staffed scenario) -> cli.
//!
//! 1. Each staffed pool starts with so many servers that nobody waits.
//! 2. The scenario is simulated (every replication, the same seed each
//!    time: common random numbers), and per interval of the day the
//!    time-weighted distribution of N, the citizens present at the pool
//!    (waiting plus in service), is read (`staff/measure.rs`).
//! 3. Each interval gets the smallest count s meeting the target under
//!    that distribution: for a delay probability alpha, the smallest s
//!    with P(N >= s) <= alpha (the paper's rule); for wait targets, the
//!    smallest s whose mean or 90th-percentile wait meets the target when
//!    a citizen finding n >= s present waits for n - s + 1 exponential
//!    completions at rate s / `E[S]` (see `rule::servers`); for an
//!    abandonment share a, P(N >= s) <= a (everyone who abandons waited
//!    first), refined by the local search.
//! 4. Steps 2-3 repeat with the new staffing until no interval changes by
//!    more than one server ([`Staffing::iterations`]); once the largest
//!    change stops shrinking, each step goes half way (damping).
//! 5. For wait targets (whose rules are approximations), a local search
//!    follows on the waits measured by interval of arrival: add a server
//!    where the target fails, then try removing one where it holds,
//!    keeping a removal only if the targets still hold.
//!
//! Several pools are staffed together: each iteration simulates them all
//! with their current staffings and updates them all, so a pool's staffing
//! reaches the pools downstream (a thinly staffed front desk releases
//! citizens to the cashier later and more evenly) and the iteration goes
//! on until every pool settles. The distribution is taken over every open
//! day together: one staffing per interval serves every weekday.

mod html;
pub(crate) mod measure;
mod table;
mod yaml;

use crate::engine::EngineError;
use crate::model::{Model, PoolId};
use crate::scenario::{Design, ScenarioErrors};
use crate::simulate::{simulate_observed, RunSettings};
use crate::stats::Estimate;
use crate::time::{Seconds, DAY, HOUR, MINUTE};
use measure::{open_seconds, Grid, Measure, Measured};
use serde::Serialize;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

pub use html::write_staffing;
pub use table::staffing_table;
pub use yaml::staffed_yaml;

/// Servers every staffed pool starts with: "so many that nobody waits".
pub const START_SERVERS: u32 = 1000;
/// Most ISA iterations before giving up on convergence.
pub const MAX_ITERATIONS: u32 = 20;
/// Most rounds of the local search for wait targets.
pub const MAX_SEARCH_ROUNDS: u32 = 12;

/// A measure a staffing can target, per interval of arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffKpi {
    /// The share of citizens who wait at all.
    DelayProbability,
    /// Mean wait, minutes.
    WaitMeanMin,
    /// 90th percentile of the wait, minutes.
    WaitP90Min,
    /// The share who balk or renege.
    AbandonmentShare,
}

impl StaffKpi {
    const ALL: [(&'static str, StaffKpi); 4] = [
        ("delay_probability", StaffKpi::DelayProbability),
        ("wait_mean_min", StaffKpi::WaitMeanMin),
        ("wait_p90_min", StaffKpi::WaitP90Min),
        ("abandonment_share", StaffKpi::AbandonmentShare),
    ];

    /// The key as written in `--target`.
    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(name, _)| name)
    }

    /// Index into [`measure::IntervalData::per_replication`].
    fn index(self) -> usize {
        self as usize
    }
}

/// A target `KPI<=VALUE`, held in every interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StaffTarget {
    /// The measure.
    pub kpi: StaffKpi,
    /// Its largest allowed value.
    pub max: f64,
}

impl std::fmt::Display for StaffTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}<={}", self.kpi.key(), self.max)
    }
}

/// Parses `--target KPI<=VALUE`.
pub fn parse_target(text: &str) -> Result<StaffTarget, String> {
    let keys = || {
        StaffKpi::ALL
            .iter()
            .map(|(k, _)| *k)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (kpi, value) = text.split_once("<=").ok_or_else(|| {
        format!(
            "`{text}`: write KPI<=VALUE, e.g. delay_probability<=0.2 (KPIs: {})",
            keys()
        )
    })?;
    let kpi = kpi.trim();
    let kpi = StaffKpi::ALL
        .iter()
        .find(|(k, _)| *k == kpi)
        .map(|(_, k)| *k)
        .ok_or_else(|| format!("`{kpi}` is not a staffing KPI; use one of {}", keys()))?;
    let max: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| format!("`{}` is not a number at least 0", value.trim()))?;
    let share = matches!(kpi, StaffKpi::DelayProbability | StaffKpi::AbandonmentShare);
    if share && !(max > 0.0 && max < 1.0) {
        return Err(format!(
            "{} is a share: give a value between 0 and 1 (not included)",
            kpi.key()
        ));
    }
    Ok(StaffTarget { kpi, max })
}

/// Parses `--interval` (`30min`, `60min`, `1h`): whole minutes dividing the day.
pub fn parse_interval(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let minutes = if let Some(h) = t.strip_suffix('h') {
        h.trim().parse::<u32>().ok().map(|h| h * 60)
    } else {
        t.strip_suffix("min")
            .unwrap_or(t)
            .trim()
            .parse::<u32>()
            .ok()
    };
    minutes.filter(|&m| m >= 5 && 1440 % m == 0).ok_or_else(|| {
        format!(
            "`{text}`: give whole minutes, at least 5, that divide the day (15min, 30min, 60min)"
        )
    })
}

/// Why a staffing cannot be found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StaffError {
    /// The scenario, or a staffed version of it, is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioErrors),
    /// `--pool` names no pool.
    #[error("--pool {pool}: no such pool; the scenario's pools are {known}")]
    UnknownPool {
        /// The name given.
        pool: String,
        /// The pools there are.
        known: String,
    },
    /// No `--pool` given.
    #[error("--pool: name at least one pool to staff")]
    NoPool,
    /// A simulation failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// One interval of one pool's staffing.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalRow {
    /// Start, `HH:MM`.
    pub start: String,
    /// Minutes of the interval the pool is open each open day.
    pub open_min: f64,
    /// Citizens coming to the queue per open day in this interval.
    pub arrivals: f64,
    /// Servers found.
    pub servers: u32,
    /// The target's measure for citizens arriving in this interval, with
    /// the final staffing (mean and 95% half-width across replications).
    pub achieved: Option<Estimate>,
    /// Servers busy on average, as a share of those present.
    pub utilization: Option<f64>,
    /// Offered load, in servers: arrivals per minute times the mean
    /// service time (what an infinite pool would keep busy).
    pub offered_load: f64,
}

/// One pool's staffing.
#[derive(Debug, Clone, Serialize)]
pub struct PoolStaffing {
    /// Pool name.
    pub pool: String,
    /// Its open intervals.
    pub intervals: Vec<IntervalRow>,
    /// The schedule as written in the staffed scenario: (`HH:MM`, servers).
    pub schedule: Vec<(String, u32)>,
    /// Server-hours per open day with the schedule.
    pub staff_hours_per_day: f64,
    /// The fewest servers all day that meet the target in every interval
    /// (by simulation); `None` if none up to the schedule's peak plus 5 did.
    pub constant_servers: Option<u32>,
    /// Its server-hours per open day.
    pub constant_staff_hours_per_day: Option<f64>,
    /// Mean service time at the pool's `serve` steps, minutes (as simulated).
    pub mean_service_min: f64,
}

/// The outcome of `procsim staff`.
#[derive(Debug, Clone, Serialize)]
pub struct Staffing {
    /// Scenario name.
    pub scenario: String,
    /// The target.
    pub target: StaffTarget,
    /// Interval length, minutes.
    pub interval_min: u32,
    /// Seed and replications of every simulation.
    pub seed: u64,
    /// Replications per simulation.
    pub replications: u32,
    /// ISA iterations run.
    pub iterations: u32,
    /// Per iteration, the largest change of any interval's servers.
    pub changes: Vec<u32>,
    /// Whether the ISA settled (no change above one server).
    pub converged: bool,
    /// Local-search rounds (wait and abandonment targets).
    pub search_rounds: u32,
    /// Whether every interval meets the target in the final simulation.
    pub meets_target: bool,
    /// The staffed pools.
    pub pools: Vec<PoolStaffing>,
    /// Simulations run in all.
    pub simulations: u32,
}

/// What to staff.
#[derive(Debug, Clone)]
pub struct StaffRequest {
    /// Pool names.
    pub pools: Vec<String>,
    /// The target.
    pub target: StaffTarget,
    /// Interval length, minutes.
    pub interval_min: u32,
}

/// Per staffed pool, per interval: servers (`None` for an interval the
/// pool is never open in).
type Plan = Vec<Vec<Option<u32>>>;

struct Staffer<'a> {
    design: &'a Design,
    pools: Vec<PoolId>,
    names: Vec<String>,
    grid: Grid,
    settings: &'a RunSettings,
    progress: &'a (dyn Fn(&str) + Sync),
    stop: &'a AtomicBool,
    simulations: u32,
}

/// Finds the staffing of `request` on `design`, every simulation with `settings`.
/// `progress(stage)` is called before each simulation.
pub fn staff(
    design: &Design,
    request: &StaffRequest,
    settings: &RunSettings,
    progress: &(dyn Fn(&str) + Sync),
    stop: &AtomicBool,
) -> Result<Staffing, StaffError> {
    let base = design.full()?;
    if request.pools.is_empty() {
        return Err(StaffError::NoPool);
    }
    let mut pools = Vec::new();
    for name in &request.pools {
        let id = base
            .pools
            .iter()
            .position(|p| &p.name == name)
            .ok_or_else(|| StaffError::UnknownPool {
                pool: name.clone(),
                known: base
                    .pools
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if !pools.contains(&id) {
            pools.push(id);
        }
    }
    let length = f64::from(request.interval_min) * MINUTE;
    let grid = Grid {
        length,
        count: (DAY / length).round() as usize,
    };
    let names = pools.iter().map(|&p| base.pools[p].name.clone()).collect();
    let mut s = Staffer {
        design,
        pools,
        names,
        grid,
        settings,
        progress,
        stop,
        simulations: 0,
    };
    let target = request.target;
    let mut plan: Plan = s
        .pools
        .iter()
        .map(|&p| {
            (0..grid.count)
                .map(|k| {
                    (open_seconds(base.pools[p].calendar.hours().periods(), grid, k) > 0.0)
                        .then_some(START_SERVERS)
                })
                .collect()
        })
        .collect();
    let mut changes: Vec<u32> = Vec::new();
    let mut converged = false;
    let mut damped = false;
    while changes.len() < MAX_ITERATIONS as usize {
        let measured = s.simulate(&plan, &format!("iteration {}", changes.len() + 1))?;
        let next = s.rule(&measured, &plan, target);
        let change = plan
            .iter()
            .flatten()
            .zip(next.iter().flatten())
            .map(|(a, b)| a.unwrap_or(0).abs_diff(b.unwrap_or(0)))
            .max()
            .unwrap_or(0);
        // A change that does not shrink is the iteration swinging between
        // too few servers (a queue builds, N grows) and too many: from then
        // on each step goes half way (rounded up), which ends the swing.
        damped |= changes.len() >= 2 && changes.last().is_some_and(|&c| change >= c);
        changes.push(change);
        if change <= 1 {
            plan = next;
            converged = true;
            break;
        }
        plan = if damped { halfway(&plan, &next) } else { next };
    }
    let mut measured = s.simulate(&plan, "check")?;
    let mut rounds = 0;
    if target.kpi != StaffKpi::DelayProbability {
        (plan, measured, rounds) = s.search(plan, measured, target)?;
    }
    let meets_target = s
        .failing(&measured, &plan, target)
        .iter()
        .flatten()
        .all(|f| !f);
    let mut out = Vec::new();
    for (i, p) in s.pools.clone().into_iter().enumerate() {
        let constant = s.constant(i, &plan, target)?;
        out.push(s.report(&base, i, p, &plan, &measured, target, constant));
    }
    Ok(Staffing {
        scenario: base.name.clone(),
        target,
        interval_min: request.interval_min,
        seed: settings.seed,
        replications: settings.replications,
        iterations: changes.len() as u32,
        changes,
        converged,
        search_rounds: rounds,
        meets_target,
        pools: out,
        simulations: s.simulations,
    })
}

/// Each interval half way from `from` to `to`, rounded up.
fn halfway(from: &Plan, to: &Plan) -> Plan {
    from.iter()
        .zip(to)
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) => Some((x + y).div_ceil(2)),
                    _ => *y,
                })
                .collect()
        })
        .collect()
}

/// `HH:MM` of a time of day.
fn clock(t: Seconds) -> String {
    let m = (t / MINUTE).round() as u64;
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The `servers:` schedule of one pool's plan: a key where the count
/// changes, from the first open interval (closed intervals keep the count
/// before them; counts matter only while the pool is open).
pub fn schedule_of(plan: &[Option<u32>], length: Seconds) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for (k, s) in plan.iter().enumerate() {
        if let Some(s) = *s {
            if out.last().map(|l| l.1) != Some(s) {
                out.push((clock(k as f64 * length), s));
            }
        }
    }
    out
}

/// A schedule as the YAML flow mapping `{"09:00": 8, "10:00": 14}`.
pub fn schedule_yaml(schedule: &[(String, u32)]) -> String {
    let items: Vec<String> = schedule
        .iter()
        .map(|(t, n)| format!("\"{t}\": {n}"))
        .collect();
    format!("{{{}}}", items.join(", "))
}

impl Staffer<'_> {
    /// The model with the plan's schedules.
    fn model(&self, plan: &Plan) -> Result<Model, ScenarioErrors> {
        let sets: Vec<(String, String)> = self
            .names
            .iter()
            .zip(plan)
            .map(|(name, p)| {
                (
                    format!("pools.{name}.servers"),
                    schedule_yaml(&schedule_of(p, self.grid.length)),
                )
            })
            .collect();
        self.design.model_with_each(&sets)
    }

    /// Simulates the plan and measures the staffed pools.
    fn simulate(&mut self, plan: &Plan, stage: &str) -> Result<Measured, StaffError> {
        let model = self.model(plan)?;
        self.simulations += 1;
        (self.progress)(stage);
        let measured = Mutex::new(Measured::new(self.pools.len(), self.grid));
        let pools = &self.pools;
        let grid = self.grid;
        let settings = RunSettings {
            allow_overload: true,
            ..self.settings.clone()
        };
        simulate_observed(
            &model,
            &settings,
            |_| Measure::new(&model, pools, grid),
            |_, m| {
                if let Ok(mut all) = measured.lock() {
                    all.add(m, pools);
                }
                Ok(())
            },
            &|_| {},
            self.stop,
        )?;
        Ok(measured.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    /// The ISA's next plan: per open interval the smallest count meeting
    /// the target under the measured distribution of N.
    fn rule(&self, m: &Measured, plan: &Plan, target: StaffTarget) -> Plan {
        plan.iter()
            .enumerate()
            .map(|(i, p)| {
                p.iter()
                    .enumerate()
                    .map(|(k, s)| {
                        s.map(|_| rule::servers(&m.pools[i][k], target, m.mean_service[i] / MINUTE))
                    })
                    .collect()
            })
            .collect()
    }

    /// Per pool and interval: whether the measured target fails.
    fn failing(&self, m: &Measured, plan: &Plan, target: StaffTarget) -> Vec<Vec<bool>> {
        plan.iter()
            .enumerate()
            .map(|(i, p)| {
                p.iter()
                    .enumerate()
                    .map(|(k, s)| {
                        s.is_some()
                            && m.pools[i][k]
                                .achieved(target.kpi.index())
                                .is_some_and(|e| e.mean > target.max)
                    })
                    .collect()
            })
            .collect()
    }

    /// The local search: add a server where the target fails until none
    /// does, then remove one where it holds, undoing removals that break it.
    fn search(
        &mut self,
        mut plan: Plan,
        mut measured: Measured,
        target: StaffTarget,
    ) -> Result<(Plan, Measured, u32), StaffError> {
        let mut rounds = 0;
        let mut removed: Vec<Vec<bool>> = plan.iter().map(|p| vec![false; p.len()]).collect();
        let mut removing = false;
        while rounds < MAX_SEARCH_ROUNDS {
            let failing = self.failing(&measured, &plan, target);
            let any_failing = failing.iter().flatten().any(|&f| f);
            let mut next = plan.clone();
            let mut changed = false;
            for (i, p) in next.iter_mut().enumerate() {
                for (k, s) in p.iter_mut().enumerate() {
                    let Some(n) = s else { continue };
                    if any_failing && failing[i][k] {
                        *n += 1;
                        changed = true;
                        // A removal that broke the target is not tried again.
                        if removing {
                            removed[i][k] = true;
                        }
                    } else if !any_failing && !removed[i][k] && *n > 1 {
                        *n -= 1;
                        removed[i][k] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
            if !any_failing {
                removing = true;
            }
            rounds += 1;
            plan = next;
            measured = self.simulate(&plan, &format!("search round {rounds}"))?;
        }
        Ok((plan, measured, rounds))
    }

    /// The fewest constant servers of pool `i` meeting the target in
    /// every interval, the other pools keeping the plan, searched from the
    /// plan's peak downwards until it fails (or upwards, at most 5 steps,
    /// if the peak fails).
    fn constant(
        &mut self,
        i: usize,
        plan: &Plan,
        target: StaffTarget,
    ) -> Result<Option<u32>, StaffError> {
        let peak = plan[i].iter().flatten().copied().max().unwrap_or(1);
        let with = |c: u32| {
            let mut p = plan.clone();
            for s in p[i].iter_mut().flatten() {
                *s = c;
            }
            p
        };
        let meets = |this: &mut Self, c: u32| -> Result<bool, StaffError> {
            let p = with(c);
            let m = this.simulate(&p, &format!("constant {} = {c}", this.names[i]))?;
            Ok(!this.failing(&m, &p, target)[i].iter().any(|&f| f))
        };
        let mut best = None;
        let mut c = peak;
        if meets(self, c)? {
            best = Some(c);
            while c > 1 && meets(self, c - 1)? {
                c -= 1;
                best = Some(c);
            }
        } else {
            while c < peak + 5 {
                c += 1;
                if meets(self, c)? {
                    best = Some(c);
                    break;
                }
            }
        }
        Ok(best)
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        base: &Model,
        i: usize,
        p: PoolId,
        plan: &Plan,
        m: &Measured,
        target: StaffTarget,
        constant: Option<u32>,
    ) -> PoolStaffing {
        let hours = base.pools[p].calendar.hours().periods();
        let mut intervals = Vec::new();
        let mut staff_hours = 0.0;
        for (k, s) in plan[i].iter().enumerate() {
            let Some(s) = *s else { continue };
            let open = open_seconds(hours, self.grid, k);
            staff_hours += f64::from(s) * open / HOUR;
            let d = &m.pools[i][k];
            // Open interval-days observed, over every replication.
            let days = if open > 0.0 { d.open / open } else { 0.0 };
            let arrivals = if days > 0.0 {
                d.arrivals as f64 / days
            } else {
                0.0
            };
            let service = m.mean_service[i] / MINUTE;
            intervals.push(IntervalRow {
                start: clock(k as f64 * self.grid.length),
                open_min: open / MINUTE,
                arrivals,
                servers: s,
                achieved: d.achieved(target.kpi.index()),
                utilization: d.utilization(s),
                offered_load: if open > 0.0 {
                    arrivals / (open / MINUTE) * service
                } else {
                    0.0
                },
            });
        }
        let open_day: f64 = (0..self.grid.count)
            .map(|k| open_seconds(hours, self.grid, k))
            .sum();
        PoolStaffing {
            pool: self.names[i].clone(),
            intervals,
            schedule: schedule_of(&plan[i], self.grid.length),
            staff_hours_per_day: staff_hours,
            constant_servers: constant,
            constant_staff_hours_per_day: constant.map(|c| f64::from(c) * open_day / HOUR),
            mean_service_min: m.mean_service[i] / MINUTE,
        }
    }
}

mod rule {
    //! The ISA's per-interval rules (see the module doc, step 3).
    use super::measure::IntervalData;
    use super::{StaffKpi, StaffTarget};

    /// Most servers a rule gives an interval.
    const MAX: usize = 100_000;

    /// P(Erlang(k, rate) > w) = e^{-x} sum_{j<k} x^j / j!, x = rate w: the
    /// chance that k exponential service completions at `rate` take longer than w.
    fn erlang_tail(k: usize, x: f64) -> f64 {
        let mut term = (-x).exp();
        let mut sum = 0.0;
        for j in 0..k {
            if j > 0 {
                term *= x / j as f64;
            }
            sum += term;
            if term < 1e-15 && j as f64 > x {
                break;
            }
        }
        sum.min(1.0)
    }

    /// The smallest s >= 1 meeting `target` under the distribution of N in
    /// `d`; `service` is the mean service time in minutes.
    ///
    /// A citizen who finds n >= s present waits for n - s + 1 completions
    /// at rate s / E[S] (exponential service assumed by the rule; the
    /// simulation uses the scenario's): the wait rules follow from that.
    /// From the first (nearly infinite) staffing they may give fewer
    /// servers than the offered load; the queue that then builds shows in
    /// the next iteration, and the damping of [`super::staff`] settles the
    /// swing.
    pub(super) fn servers(d: &IntervalData, target: StaffTarget, service: f64) -> u32 {
        let p = |n: usize| d.present.get(n).copied().unwrap_or(0.0) / d.open;
        let ok = |s: usize| -> bool {
            let Some(delayed) = d.tail(s) else {
                return true;
            };
            let sf = s as f64;
            match target.kpi {
                StaffKpi::DelayProbability | StaffKpi::AbandonmentShare => delayed <= target.max,
                StaffKpi::WaitMeanMin => {
                    (s..d.present.len())
                        .map(|n| p(n) * (n - s + 1) as f64 * service / sf)
                        .sum::<f64>()
                        <= target.max
                }
                StaffKpi::WaitP90Min => {
                    let x = if service > 0.0 {
                        sf / service * target.max
                    } else {
                        f64::INFINITY
                    };
                    (s..d.present.len())
                        .map(|n| p(n) * erlang_tail(n - s + 1, x))
                        .sum::<f64>()
                        <= 0.1
                }
            }
        };
        let top = d.present.len().clamp(1, MAX);
        (1..=top).find(|&s| ok(s)).unwrap_or(top) as u32
    }

    #[cfg(test)]
    mod tests {
        use super::erlang_tail;

        #[test]
        fn erlang_tail_is_the_poisson_count_below_k() {
            // One completion: P(Exp > w) = e^{-x}.
            assert!((erlang_tail(1, 2.0) - (-2.0f64).exp()).abs() < 1e-15);
            // Three: e^{-x}(1 + x + x^2/2) at x = 2: 5 e^{-2}.
            assert!((erlang_tail(3, 2.0) - 5.0 * (-2.0f64).exp()).abs() < 1e-15);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_intervals_parse_or_say_what_is_right() {
        let t = parse_target("wait_p90_min <= 10").unwrap();
        assert_eq!((t.kpi, t.max), (StaffKpi::WaitP90Min, 10.0));
        assert_eq!(t.to_string(), "wait_p90_min<=10");
        assert!(parse_target("delay_probability<0.2")
            .unwrap_err()
            .contains("KPI<=VALUE"));
        assert!(parse_target("delay_probability<=1")
            .unwrap_err()
            .contains("between 0 and 1"));
        assert!(parse_target("wait_min<=3")
            .unwrap_err()
            .contains("not a staffing KPI"));
        assert!(parse_target("wait_mean_min<=x")
            .unwrap_err()
            .contains("not a number"));
        assert_eq!(parse_interval("30min"), Ok(30));
        assert_eq!(parse_interval("1h"), Ok(60));
        assert!(parse_interval("7min").is_err());
    }

    #[test]
    fn a_schedule_has_a_key_where_the_count_changes() {
        let plan = [None, Some(3), Some(3), None, Some(5), Some(3)];
        let s = schedule_of(&plan, 4.0 * HOUR);
        let want: Vec<(String, u32)> = vec![
            ("04:00".into(), 3),
            ("16:00".into(), 5),
            ("20:00".into(), 3),
        ];
        assert_eq!(s, want);
        assert_eq!(
            schedule_yaml(&s),
            "{\"04:00\": 3, \"16:00\": 5, \"20:00\": 3}"
        );
        let halfway = halfway(&vec![vec![Some(4), None]], &vec![vec![Some(9), None]]);
        assert_eq!(halfway, vec![vec![Some(7), None]]);
    }
}
