//! Helpers shared by the integration tests.
#![allow(dead_code)]

use procsim::simulate::{simulate, Run, RunSettings};
use procsim::stats::Estimate;
use std::sync::atomic::AtomicBool;

/// Loads scenario text and runs it with its own settings.
pub fn run_text(yaml: &str) -> Run {
    let model = procsim::scenario::load_str(yaml, "test.yaml")
        .unwrap_or_else(|e| panic!("bad test scenario:\n{e}"));
    let settings = RunSettings::from_model(&model);
    let stop = AtomicBool::new(false);
    let run = simulate(&model, &settings, &|_| {}, &stop).expect("the run finishes");
    assert_conservation(&run);
    run
}

/// arrived = completed + abandoned + unfinished, in every replication.
pub fn assert_conservation(run: &Run) {
    let keys = procsim::summary::kpi_keys(&run.model);
    let idx = |k: &str| keys.iter().position(|x| x == k).unwrap();
    for v in &run.data.values {
        let get = |k: &str| v[idx(k)].unwrap();
        assert_eq!(
            get("arrived"),
            get("completed") + get("abandoned") + get("unfinished"),
            "conservation"
        );
    }
}

/// The estimate of a KPI key.
pub fn kpi(run: &Run, key: &str) -> Estimate {
    run.summary
        .get(key)
        .copied()
        .flatten()
        .unwrap_or_else(|| panic!("no value for {key}"))
}

/// Asserts that theory lies within the run's interval, widened: the 95%
/// half-width times 2 (about 4 standard errors, a false alarm less than
/// once in 10,000 runs if the model is right) plus `slack` for the small
/// bias a finite warm-up leaves. Also asserts the interval is tight enough
/// (below `max_rel` of the value) that the test can fail.
pub fn assert_theory(run: &Run, key: &str, theory: f64, slack: f64, max_rel: f64) {
    let e = kpi(run, key);
    let tolerance = 2.0 * e.ci95 + slack;
    assert!(
        (e.mean - theory).abs() <= tolerance,
        "{key}: simulated {:.5} ± {:.5}, theory {theory:.5} (tolerance {tolerance:.5})",
        e.mean,
        e.ci95
    );
    assert!(
        e.ci95 <= max_rel * theory.abs().max(1e-9),
        "{key}: interval ± {:.5} too wide for a meaningful test of {theory}",
        e.ci95
    );
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / f64::from(c);
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    last / (sum + last)
}

// --- Running the binary ---------------------------------------------------

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a run of the binary printed and returned.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn procsim(args: &[&str]) -> Outcome {
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let out = Outcome {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
            "procsim panicked on {args:?}:\n{text}"
        );
    }
    out
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The charts of `compare --out DIR`, in the report's order.
pub const CHARTS: [&str; 6] = [
    "wait_distribution",
    "queue_by_hour",
    "utilization_by_pool",
    "lead_time_distribution",
    "visits_per_case",
    "kpi_changes",
];

/// M/M/c: λ = 2.4/min, exponential service of 1 min, `c` servers.
pub fn mmc(c: u32, seed: u64, reps: u32) -> String {
    format!(
        r#"name: mmc c={c}
seed: {seed}
replications: {reps}
horizon: 2d
warmup: 2h
pools:
  window: {{servers: {c}}}
processes:
  customer:
    steps:
      - serve: window
        time: {{exp: 1min}}
arrivals:
  - {{name: customers, rate: 2.4/min, process: customer}}
"#
    )
}

/// Writes `files` (name, text) into a fresh folder.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Runs `scenario` with `--log tickets` into `out`, asserting success; the
/// ticket log's path.
pub fn ticket_log(scenario: &Path, out: &Path) -> PathBuf {
    let o = procsim(&[
        "run",
        s(scenario),
        "--out",
        s(out),
        "--log",
        "tickets",
        "-q",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    out.join("tickets.csv")
}

/// Fits `log` into `out` with the extra `flags`, asserting success; its
/// `fit.json` and what the command printed.
pub fn fit_log(log: &Path, out: &Path, flags: &[&str]) -> (serde_json::Value, Outcome) {
    let mut args = vec!["fit", s(log), "--out", s(out)];
    args.extend_from_slice(flags);
    let o = procsim(&args);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let json = std::fs::read_to_string(out.join("fit.json")).unwrap();
    (serde_json::from_str(&json).unwrap(), o)
}
