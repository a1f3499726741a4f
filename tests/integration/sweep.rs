//! `sweep`: finding the smallest staffing that meets a target (checked
//! against Erlang C), its guards, and scale-out: a sweep split into shards
//! (`sweep --shard I/N`) and combined with `merge` gives the files and the
//! printed output of the sweep run on one machine, byte for byte; `merge`
//! refuses sets that do not make one sweep.

use crate::common::{erlang_c, mmc, procsim, s, write, Outcome};
use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The M/M/c sweep of `tests/compare.rs` on a one-day horizon: 4 values and
/// 5 replications each, so the 20 (value, replication) pairs split 6, 7, 7
/// over 3 shards and shards 0 and 1 each end inside a value.
const SCENARIO: &str = r#"name: sweep mmc
seed: 11
replications: 5
horizon: 1d
warmup: 2h
pools:
  window: {servers: 10}
processes:
  customer:
    steps:
      - serve: window
        time: {exp: 1min}
arrivals:
  - {name: customers, rate: 9/min, process: customer}
targets:
  - {kpi: wait_min, max: 0.5}
"#;

const SET: &str = "pools.window.servers=10..13";

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Writes the scenario and runs shards `which` of `n`, into `part{i}`.
fn shards(dir: &Path, which: &[u32], n: u32, extra: &[&str]) -> Vec<PathBuf> {
    let file = write(dir, "sweep.yaml", SCENARIO);
    which
        .iter()
        .map(|i| {
            let part = dir.join(format!("part{i}"));
            let shard = format!("{i}/{n}");
            let mut args = vec!["sweep", s(&file), "--set", SET, "--shard", &shard];
            args.extend(["--out", s(&part), "-q"]);
            args.extend(extra);
            let o = procsim(&args);
            assert_eq!(o.code, Some(0), "shard {shard}: {}", o.stderr);
            assert!(
                !part.join("sweep.json").exists(),
                "a shard must not write the sweep's own files"
            );
            part
        })
        .collect()
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = shards(tmp.path(), &[0, 1, 2], 3, &[]);
    let file = tmp.path().join("sweep.yaml");
    let full = tmp.path().join("full");
    let single = procsim(&["sweep", s(&file), "--set", SET, "--out", s(&full)]);
    assert_eq!(single.code, Some(0), "{}", single.stderr);
    assert!(
        single
            .stdout
            .contains("the smallest value meeting every target is 11"),
        "{}",
        single.stdout
    );

    // Parts given out of order on purpose.
    let merged = tmp.path().join("merged");
    let m = procsim(&[
        "merge",
        s(&parts[2]),
        s(&parts[0]),
        s(&parts[1]),
        "--out",
        s(&merged),
    ]);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    assert_eq!(m.stdout, single.stdout, "the printed table differs");

    // sweep.json, sweep.csv and every chart (SVG and PNG): same names, same bytes.
    let (a, b) = (files(&full), files(&merged));
    assert!(
        a.keys().any(|k| k.starts_with("charts")),
        "the sweep should draw charts: {:?}",
        a.keys()
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "different files"
    );
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{} differs between the sweep and the merged shards",
            name.display()
        );
    }

    // --json prints the sweep's JSON.
    let single = procsim(&["sweep", s(&file), "--set", SET, "--json", "-q"]);
    let m = procsim(&[
        "merge",
        s(&parts[0]),
        s(&parts[1]),
        s(&parts[2]),
        "--out",
        s(&tmp.path().join("merged-json")),
        "--json",
    ]);
    assert_eq!((single.code, m.code), (Some(0), Some(0)), "{}", m.stderr);
    assert_eq!(m.stdout, single.stdout);
}

#[test]
fn a_shard_says_what_it_ran_and_how_to_combine() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "sweep.yaml", SCENARIO);
    let part = tmp.path().join("p");
    let o = procsim(&[
        "sweep",
        s(&file),
        "--set",
        SET,
        "--shard",
        "1/3",
        "--out",
        s(&part),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let last = o.stderr.lines().last().unwrap_or_default();
    // Pairs 6..13: value 11's replications 1..5 and value 12's 0..3.
    assert!(
        last.contains("7 of the sweep's 20")
            && last.contains("pools.window.servers=11 replications 1..5")
            && last.contains("pools.window.servers=12 replications 0..3")
            && last.contains("procsim merge"),
        "{last}"
    );
    let partial: serde_json::Value =
        serde_json::from_slice(&std::fs::read(part.join("sweep-partial.json")).unwrap()).unwrap();
    let reps: Vec<&serde_json::Value> = partial["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["part"]["replications"])
        .collect();
    assert_eq!(
        serde_json::json!(reps),
        serde_json::json!([[], [1, 2, 3, 4], [0, 1, 2], []])
    );
}

#[test]
fn a_shard_needs_an_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "sweep.yaml", SCENARIO);
    let o = procsim(&["sweep", s(&file), "--set", SET, "--shard", "0/3"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("--shard needs --out DIR"), "{}", o.stderr);
}

/// `merge` fails with exit 2, writes nothing and says `expected` on stderr.
fn assert_refused(parts: &[PathBuf], out: &Path, expected: &str) {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    let o = procsim(&args);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains(expected), "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn merge_refuses_a_missing_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = shards(tmp.path(), &[0, 2], 3, &[]);
    assert_refused(
        &parts,
        &tmp.path().join("m"),
        "a complete sweep needs each of [0, 1, 2] once",
    );
}

#[test]
fn merge_refuses_run_and_sweep_partials_together() {
    let tmp = tempfile::tempdir().unwrap();
    let mut parts = shards(tmp.path(), &[0, 1], 2, &[]);
    let run = tmp.path().join("run0");
    let o = procsim(&[
        "run",
        s(&tmp.path().join("sweep.yaml")),
        "--shard",
        "0/2",
        "--out",
        s(&run),
        "-q",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    parts.push(run);
    assert_refused(&parts, &tmp.path().join("m"), "is a shard of `run` but");
}

#[test]
fn merge_refuses_shards_of_different_sweeps() {
    let tmp = tempfile::tempdir().unwrap();
    let mut parts = shards(tmp.path(), &[0], 2, &[]);
    // Shard 1 of the same sweep, but with another seed.
    let other = tmp.path().join("other1");
    let o = procsim(&[
        "sweep",
        s(&tmp.path().join("sweep.yaml")),
        "--set",
        SET,
        "--seed",
        "12",
        "--shard",
        "1/2",
        "--out",
        s(&other),
        "-q",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    parts.push(other);
    assert_refused(&parts, &tmp.path().join("m"), "their seeds differ");
}

#[test]
fn sweep_finds_the_smallest_staffing_meeting_the_target() {
    // M/M/c, λ = 9/min, μ = 1/min (a = 9 erlang), target Wq <= 0.5 min.
    // Erlang C: Wq(c) = C(c, a) / (cμ - λ).
    let wq = |c: u32| erlang_c(c, 9.0) / (f64::from(c) - 9.0);
    assert!((wq(10) - 0.6687).abs() < 1e-3, "Wq(10) = {}", wq(10));
    assert!((wq(11) - 0.2152).abs() < 1e-3, "Wq(11) = {}", wq(11));
    assert!((wq(12) - 0.0887).abs() < 1e-3, "Wq(12) = {}", wq(12));
    // So c = 11 is the smallest meeting the target (c = 9 is unstable).
    assert!(wq(10) > 0.5 && wq(11) < 0.5);

    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "sweep.yaml",
        r#"name: sweep mmc
seed: 11
replications: 5
horizon: 3d
warmup: 4h
pools:
  window: {servers: 10}
processes:
  customer:
    steps:
      - serve: window
        time: {exp: 1min}
arrivals:
  - {name: customers, rate: 9/min, process: customer}
targets:
  - {kpi: wait_min, max: 0.5}
"#,
    );
    let Outcome {
        code,
        stdout,
        stderr,
    } = procsim(&[
        "sweep",
        s(&file),
        "--set",
        "pools.window.servers=9..13",
        "-q",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("the smallest value meeting every target is 11"),
        "{stdout}"
    );

    // The simulated waits agree with Erlang C where the queue is stable.
    let Outcome {
        code,
        stdout,
        stderr,
    } = procsim(&[
        "sweep",
        s(&file),
        "--set",
        "pools.window.servers=9..13",
        "-q",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["smallest_meeting_targets"], "11");
    let kpis: Vec<&str> = v["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let w = kpis.iter().position(|k| *k == "wait_min").unwrap();
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 5);
    for p in points {
        let c: u32 = p["value"].as_str().unwrap().parse().unwrap();
        let mean = p["kpis"][w]["mean"].as_f64().unwrap();
        assert_eq!(p["meets_targets"], c >= 11, "c = {c}: wait {mean}");
        if c >= 10 {
            let theory = wq(c);
            assert!(
                (mean - theory).abs() <= 0.25 * theory + 0.005,
                "c = {c}: simulated {mean}, Erlang C {theory}"
            );
        }
    }
}

#[test]
fn sweep_refuses_a_scenario_with_too_many_cases() {
    // `run` and `compare` refuse this file at once with exit 2; `sweep`
    // starts simulating 2.8e10 cases per point (killed here after 10 s).
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "huge.yaml", HUGE);
    let (code, stderr) = procsim_timeout(&["run", s(&file), "-q"], 10);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, stderr) = procsim_timeout(
        &[
            "sweep",
            s(&file),
            "--set",
            "pools.desk.servers=100,200",
            "-q",
        ],
        10,
    );
    assert_eq!(code, Some(2), "sweep should refuse like run does: {stderr}");
    assert!(stderr.contains("2.838e10"), "{stderr}");
}

#[test]
fn sweep_refuses_zero_replications() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "m.yaml", &mmc(3, 1, 2));
    let (code, stderr) = procsim_timeout(&["run", s(&file), "--reps", "0", "-q"], 30);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, stderr) = procsim_timeout(
        &[
            "sweep",
            s(&file),
            "--set",
            "pools.window.servers=3,4",
            "--reps",
            "0",
            "-q",
        ],
        30,
    );
    assert_eq!(
        code,
        Some(2),
        "sweep should refuse --reps 0 like run: {stderr}"
    );
}

const HUGE: &str = r#"name: huge
seed: 1
replications: 1
horizon: 3650d
pools:
  desk: {servers: 100}
processes:
  p:
    steps:
      - serve: desk
        time: {exp: 1s}
arrivals:
  - {name: a, rate: 90/s, process: p}
"#;

fn procsim_timeout(args: &[&str], secs: u64) -> (Option<i32>, String) {
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(secs))
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
