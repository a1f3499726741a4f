//! Builds a before/after comparison from Rust code: a hall with 3 windows
//! against the same hall with 4, paired by replication, and checks that the
//! wait fell significantly.
//!
//! Run with `cargo run --release --example compare_designs`.

use procsim::compare::Verdict;
use procsim::report::sentence;

const HALL: &str = r#"
name: City hall, WINDOWS windows
seed: 7
replications: 10
horizon: 20d
warmup: 1d
calendar:
  hours: ["09:00-12:00", "13:30-17:00"]
pools:
  windows: {servers: WINDOWS}
processes:
  permit:
    steps:
      - {id: intake, serve: windows, time: {lognormal: {mean: 12min, sd: 5min}}}
arrivals:
  - {name: citizens, daily: 100, profile: {"09:00": 1.5, "13:30": 1.0}, process: permit}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runs = Vec::new();
    for windows in ["3", "4"] {
        let model = procsim::load_str(&HALL.replace("WINDOWS", windows), "hall.yaml")?;
        runs.push(procsim::Simulation::new(&model).run()?);
    }
    let comparison = procsim::compare(&runs[0], &runs[1..]);
    let wait = &comparison.designs[0].vs_baseline["wait_min"];
    let mean_wait = procsim::kpi::find("wait_min").ok_or("no wait_min KPI")?;
    println!("{}", sentence(mean_wait, wait));
    // The same citizens came to both designs, so the arrivals are identical...
    assert_eq!(comparison.designs[0].vs_baseline["arrived"].diff, 0.0);
    // ...and one more window shortens the wait, significantly.
    assert!(
        wait.paired && wait.verdict("wait_min") == Verdict::Better,
        "{wait:?}"
    );
    Ok(())
}
