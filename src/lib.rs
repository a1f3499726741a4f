#![recursion_limit = "256"]
//! procsim: a discrete-event simulator for service processes.
//!
//! A government service hall (citizens take a number, queue for a window,
//! hand in materials; their case then goes through back-office approval)
//! is described in one YAML scenario per design. procsim simulates many
//! replications of it, summarises the KPIs with confidence intervals, and
//! compares designs with paired differences (common random numbers).
//!
//! # The pipeline
//!
//! ```text
//! YAML -> scenario::load -> Model -> Simulation::run -> Run { summary, data }
//!      -> compare -> Comparison -> report (table | csv | json | charts | html)
//! ```
//!
//! - [`scenario`] reads and validates a file (every problem at once, each
//!   with file, line, column and key path) into a [`Model`]: typed,
//!   immutable, names resolved to ids.
//! - [`engine`] runs one replication of a model: an event loop over
//!   arrivals, queues, windows, calendars and back-office work.
//! - [`simulate`] runs the replications across threads and reduces them in
//!   order ([`Simulation`]), so results are byte-identical for any thread count.
//! - [`summary`] turns the replications into KPIs; [`kpi`] is the registry
//!   of every KPI (key, unit, direction, definition).
//! - [`compare`](mod@compare) computes paired differences between designs; [`check`]
//!   tests targets and baselines; [`sweep`] runs one design per value of a
//!   parameter; [`merge`] combines the shards of a run split over machines;
//!   [`explain`] splits a design's change into its levers' Shapley
//!   contributions (a design written as `extends:` a base plus `levers:`,
//!   [`scenario::Design`]).
//! - [`report`] renders tables, CSV, JSON, charts and the HTML report.
//! - [`fit`] goes the other way: from a hall's queue-ticket log to a
//!   scenario, validated by simulating it; [`tickets`] keeps the ticket log
//!   of a replication (what `run --log tickets` writes and `fit` measures).
//!
//! # Example
//!
//! ```
//! let yaml = "
//! name: one window
//! replications: 5
//! horizon: 10d
//! pools: {window: {servers: 1}}
//! processes:
//!   visit: {steps: [{serve: window, time: {exp: 4min}}]}
//! arrivals: [{name: walk_ins, rate: 10/h, process: visit}]
//! ";
//! let model = procsim::scenario::load_str(yaml, "inline.yaml")?;
//! let run = procsim::Simulation::new(&model).seed(7).threads(1).run()?;
//! let wait = run.summary.get("wait_min").copied().flatten().expect("a wait");
//! // M/M/1 at load 2/3 with mean service 4 min: mean wait 8 min.
//! assert!((wait.mean - 8.0).abs() < 3.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Glossary
//!
//! - **pool**: interchangeable servers (windows, clerks) with one queue.
//! - **process**: the route of one kind of case, a list of **steps**:
//!   `serve` (the citizen queues and is served), `work` (back-office effort
//!   in open hours), `wait` (time passes), `rework` (sent back to an
//!   earlier step), `parallel` and `choose`.
//! - **visit**: one trip to the hall; `work`, `wait` and a triggered rework end one.
//! - **lead time**: arrival to the end of the route, also in **working
//!   days** (`wd`: open time over one day's open time).
//! - **replication**: one independent run of the whole horizon.

pub mod calendar;
pub mod check;
#[doc(hidden)]
pub mod cli;
pub mod compare;
pub mod dist;
pub mod engine;
pub mod explain;
pub mod fit;
pub mod kpi;
pub mod merge;
pub mod model;
pub mod multiplicity;
pub mod overload;
pub mod precision;
pub mod report;
mod rng;
pub mod scenario;
mod schema;
pub mod selection;
pub mod simulate;
pub mod staff;
pub mod stats;
mod suggest;
pub mod summary;
pub mod sweep;
pub mod tickets;
pub mod time;

pub use compare::{compare, Comparison};
pub use model::Model;
pub use report::write_comparison;
pub use scenario::{load, load_str, ScenarioErrors};
pub use schema::{scenario_schema, scenario_schema_text};
pub use simulate::{Run, RunSettings, Simulation, SimulationError};
pub use summary::Summary;
