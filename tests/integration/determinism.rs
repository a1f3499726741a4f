//! Reproducibility through the command line: the same seed gives
//! byte-identical output files for any `--threads`, designs that differ only
//! in capacity see the same citizens (common random numbers), and another
//! `--seed` gives another result.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A design with a calendar, two pools, abandonment, rework and a
/// back-office step, so that many random streams are in play.
fn rich(hall_servers: u32) -> String {
    format!(
        r#"name: rich determinism
seed: 17
replications: 5
horizon: 6d
warmup: 1d
calendar:
  start: 2024-09-02
  hours: ["09:00-12:00", "13:00-17:00"]
  days: [mon, tue, wed, thu, fri]
pools:
  hall: {{servers: {hall_servers}}}
  back: {{servers: 9}}
processes:
  license:
    time_limit: 3wd
    steps:
      - id: intake
        serve: hall
        time: {{lognormal: {{mean: 12min, sd: 5min}}}}
        patience: {{exp: 40min}}
      - rework: {{p: 0.2, after: {{uniform: {{min: 1d, max: 2d}}}}, to: intake}}
      - work: back
        time: {{triangular: {{min: 20min, mode: 40min, max: 90min}}}}
  quick:
    steps:
      - serve: hall
        time: {{exp: 5min}}
        balk_at: 6
arrivals:
  - {{name: walk_ins, daily: 60, process: license}}
  - {{name: quick, rate: 6/h, process: quick}}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write scenario");
    p
}

/// `procsim run FILE --out DIR -q` plus `extra`; asserts exit 0.
fn run_out(file: &Path, out: &Path, extra: &[&str]) {
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "procsim run failed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// One column of a CSV file, by header name.
fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{}: no column {name}", path.display()));
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

#[test]
fn same_seed_is_byte_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "rich.yaml", &rich(3));
    let one = tmp.path().join("t1");
    let two = tmp.path().join("t2");
    let again = tmp.path().join("t2-again");
    let seven = tmp.path().join("t7");
    run_out(&file, &one, &["--threads", "1"]);
    run_out(&file, &two, &["--threads", "2"]);
    run_out(&file, &again, &["--threads", "2"]);
    // More threads than replications.
    run_out(&file, &seven, &["--threads", "7"]);
    for name in [
        "summary.json",
        "summary.csv",
        "replications.csv",
        "hourly.csv",
        "cases.csv",
    ] {
        let a = read(&one.join(name));
        assert!(!a.is_empty(), "{name} is empty");
        assert!(
            a == read(&two.join(name)),
            "{name} differs between --threads 1 and --threads 2"
        );
        assert!(
            a == read(&again.join(name)),
            "{name} differs between two runs with --threads 2"
        );
        assert!(
            a == read(&seven.join(name)),
            "{name} differs between --threads 1 and --threads 7"
        );
    }
    // The run is not trivial: cases arrived in every replication.
    let arrived = column(&one.join("replications.csv"), "arrived");
    assert_eq!(arrived.len(), 5);
    assert!(arrived.iter().all(|a| a.parse::<f64>().unwrap() > 100.0));
}

#[test]
fn events_are_byte_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "rich.yaml", &rich(3));
    let one = tmp.path().join("t1");
    let two = tmp.path().join("t2");
    run_out(&file, &one, &["--threads", "1", "--events"]);
    run_out(&file, &two, &["--threads", "2", "--events"]);
    let a = read(&one.join("events.csv"));
    assert!(a.len() > 1000);
    assert!(a == read(&two.join("events.csv")), "events.csv differs");
}

#[test]
fn capacity_change_keeps_the_same_arrivals() {
    // Common random numbers: the designs differ only in the hall's servers,
    // which changes waits, abandonment and reworks but not who arrives.
    let tmp = tempfile::tempdir().unwrap();
    let small = write(tmp.path(), "small.yaml", &rich(2));
    let large = write(tmp.path(), "large.yaml", &rich(5));
    let out_small = tmp.path().join("small");
    let out_large = tmp.path().join("large");
    run_out(&small, &out_small, &[]);
    run_out(&large, &out_large, &[]);
    let rs = out_small.join("replications.csv");
    let rl = out_large.join("replications.csv");
    for key in [
        "replication",
        "arrived",
        "processes.license.arrived",
        "processes.quick.arrived",
    ] {
        let a = column(&rs, key);
        assert_eq!(a.len(), 5, "{key}: one row per replication");
        assert_eq!(a, column(&rl, key), "{key} differs between the designs");
    }
    // The arrival counts differ between replications (they are random) ...
    let arrived = column(&rs, "arrived");
    assert!(arrived.iter().any(|a| a != &arrived[0]), "{arrived:?}");
    // ... and the designs really differ in what happened to the citizens.
    assert_ne!(
        column(&rs, "wait_min"),
        column(&rl, "wait_min"),
        "waits should differ with 2 vs 5 servers"
    );
}

#[test]
fn another_seed_gives_another_result() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "rich.yaml", &rich(3));
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let c = tmp.path().join("c");
    run_out(&file, &a, &[]);
    run_out(&file, &b, &["--seed", "18"]);
    // The file's own seed given explicitly is the same run.
    run_out(&file, &c, &["--seed", "17"]);
    let sa: serde_json::Value = serde_json::from_slice(&read(&a.join("summary.json"))).unwrap();
    let sb: serde_json::Value = serde_json::from_slice(&read(&b.join("summary.json"))).unwrap();
    assert_eq!(sa["seed"], 17);
    assert_eq!(sb["seed"], 18);
    assert_ne!(sa["kpis"], sb["kpis"], "a new seed should change the KPIs");
    assert_ne!(
        column(&a.join("replications.csv"), "arrived"),
        column(&b.join("replications.csv"), "arrived")
    );
    assert!(read(&a.join("summary.json")) == read(&c.join("summary.json")));
    assert!(read(&a.join("replications.csv")) == read(&c.join("replications.csv")));
}
