//! The command line against its contract (`docs/commands.md`, `docs/files.md`): the summary JSON, the files under
//! `--out`, safe writing (no temporaries left, unrelated files untouched),
//! exit codes for bad output locations, overload, oversized scenarios,
//! usage errors and Ctrl-C, and help and version output.

use crate::common::{procsim, s, write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Output of one procsim invocation.
/// A small M/M/3 station with a calendar start date and no time limit.
const SMALL: &str = r#"name: small station
seed: 5
replications: 3
horizon: 1d
warmup: 0s
calendar:
  start: 2024-09-02
pools:
  window: {servers: 3}
processes:
  customer:
    steps:
      - id: service
        serve: window
        time: {exp: 1min}
arrivals:
  - {name: customers, rate: 2.4/min, process: customer}
"#;

/// Files in `dir` whose names mark them as temporaries.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.contains("procsim-tmp") {
            found.push(name.clone());
        }
        if e.path().is_dir() {
            found.extend(temporaries(&e.path()));
        }
    }
    found
}

fn assert_estimate(v: &serde_json::Value, what: &str) {
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {v}"));
    for k in ["mean", "ci95", "min", "max"] {
        assert!(o[k].is_number(), "{what}.{k} is not a number: {v}");
    }
    assert_eq!(o.len(), 4, "{what}: exactly mean, ci95, min, max: {v}");
    let (mean, min, max) = (
        o["mean"].as_f64().unwrap(),
        o["min"].as_f64().unwrap(),
        o["max"].as_f64().unwrap(),
    );
    assert!(
        min <= mean + 1e-9 && mean <= max + 1e-9,
        "{what}: min <= mean <= max: {v}"
    );
    assert!(o["ci95"].as_f64().unwrap() >= 0.0, "{what}: ci95 >= 0");
}

#[test]
fn run_json_has_the_keys_of_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "small.yaml", SMALL);
    let out = procsim(&["run", s(&file), "--json", "-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout));
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        top,
        [
            "procsim",
            "scenario",
            "file",
            "seed",
            "replications",
            "kpis",
            "pools",
            "processes"
        ]
    );
    assert_eq!(v["procsim"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["scenario"], "small station");
    assert!(v["file"].as_str().unwrap().ends_with("small.yaml"));
    assert_eq!(v["seed"], 5);
    assert_eq!(v["replications"], 3);

    let scenario_kpis = [
        "arrived",
        "completed",
        "abandoned",
        "unfinished",
        "abandon_rate",
        "wait_min",
        "wait_p50_min",
        "wait_p90_min",
        "wait_p95_min",
        "hall_min",
        "visits",
        "lead_time_min",
        "lead_time_wd",
        "lead_time_p90_wd",
        "on_time_rate",
        "throughput_per_day",
        "overtime_min",
    ];
    let kpis = v["kpis"].as_object().unwrap();
    for k in scenario_kpis {
        assert!(kpis.contains_key(k), "kpis.{k} missing");
        if k != "on_time_rate" {
            assert_estimate(&kpis[k], k);
        }
    }
    // No time_limit anywhere: no data, so null rather than 0.
    assert!(kpis["on_time_rate"].is_null(), "{}", kpis["on_time_rate"]);
    assert!(v["processes"]["customer"]["on_time_rate"].is_null());

    let pool = v["pools"]["window"].as_object().expect("pools.window");
    for k in [
        "utilization",
        "wait_min",
        "wait_p90_min",
        "queue_mean",
        "queue_max",
        "served",
    ] {
        assert_estimate(&pool[k], &format!("pools.window.{k}"));
    }
    let process = v["processes"]["customer"]
        .as_object()
        .expect("processes.customer");
    for k in [
        "arrived",
        "completed",
        "wait_min",
        "lead_time_min",
        "lead_time_wd",
        "visits",
        "on_time_rate",
    ] {
        assert!(process.contains_key(k), "processes.customer.{k} missing");
    }
    // Sanity: about 2.4/min for a day.
    let arrived = kpis["arrived"]["mean"].as_f64().unwrap();
    assert!((3000.0..3900.0).contains(&arrived), "arrived {arrived}");
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = r
        .records()
        .map(|rec| rec.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect();
    for row in &rows {
        assert_eq!(
            row.len(),
            header.len(),
            "{}: row {row:?} has another column count than the header",
            path.display()
        );
    }
    (header, rows)
}

fn is_iso_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (b.len() == 19 || (b[19] == b'.' && b.len() > 20 && digits(20..b.len())))
}

#[test]
fn out_dir_holds_the_files_of_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "small.yaml", SMALL);
    let dir = tmp.path().join("out");
    let out = procsim(&["run", s(&file), "--out", s(&dir), "--events", "-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    // summary.json is the same document `--json` prints.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["replications"], 3);
    let json = procsim(&["run", s(&file), "--json", "-q"]);
    let printed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(summary, printed, "summary.json and --json differ");

    let (header, rows) = read_csv(&dir.join("replications.csv"));
    assert_eq!(header[0], "replication");
    assert!(header.iter().any(|h| h == "wait_min"));
    assert!(header.iter().any(|h| h == "pools.window.utilization"));
    assert_eq!(rows.len(), 3, "one row per replication");

    // summary.csv is summary.json in long form: the same entries, in order.
    let (header, rows) = read_csv(&dir.join("summary.csv"));
    let columns = "scenario,level,name,kpi,unit,mean,ci95,min,max";
    assert_eq!(header.join(","), columns);
    let mut expected = Vec::new();
    for (field, level) in [
        ("kpis", "scenario"),
        ("pools", "pool"),
        ("processes", "process"),
    ] {
        for (name, kpis) in summary[field].as_object().unwrap() {
            let (name, kpis) = match level {
                "scenario" => ("", &summary[field]),
                _ => (name.as_str(), kpis),
            };
            for (kpi, entry) in kpis.as_object().unwrap() {
                expected.push((level, name.to_string(), kpi.clone(), entry.clone()));
            }
            if level == "scenario" {
                break;
            }
        }
    }
    assert_eq!(rows.len(), expected.len(), "one row per summary.json entry");
    for (row, (level, name, kpi, entry)) in rows.iter().zip(&expected) {
        assert_eq!(
            (&row[0], &row[1], &row[2], &row[3]),
            ("small station", *level, name.as_str(), kpi.as_str())
        );
        for (i, field) in ["mean", "ci95", "min", "max"].iter().enumerate() {
            let cell = &row[5 + i];
            match entry[field].as_f64() {
                Some(v) => assert_eq!(cell.parse::<f64>().unwrap(), v, "{kpi} {field}"),
                None => assert_eq!(cell, "", "{kpi} {field}: no data, an empty cell"),
            }
        }
    }
    let unit = |kpi: &str| rows.iter().find(|r| &r[3] == kpi).map(|r| r[4].to_string());
    assert_eq!(unit("wait_min").as_deref(), Some("min"));
    assert_eq!(unit("utilization").as_deref(), Some(""));

    let (header, rows) = read_csv(&dir.join("hourly.csv"));
    assert!(header.iter().any(|h| h.contains("hour")), "{header:?}");
    assert!(!rows.is_empty());

    let (header, cases) = read_csv(&dir.join("cases.csv"));
    assert!(header.iter().any(|h| h == "replication"), "{header:?}");
    assert!(header.iter().any(|h| h == "process"), "{header:?}");
    let arrived_total: f64 = rows_sum(&dir.join("replications.csv"), "arrived");
    let counted = header.iter().position(|h| h == "counted").unwrap();
    assert_eq!(
        cases.iter().filter(|c| &c[counted] == "true").count() as f64,
        arrived_total,
        "cases.csv has one row per case, `counted` true for those in the KPIs"
    );

    let (header, events) = read_csv(&dir.join("events.csv"));
    for col in [
        "case:concept:name",
        "concept:name",
        "org:resource",
        "time:timestamp",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "events.csv lacks {col}: {header:?}"
        );
    }
    assert!(
        events.len() >= arrived_total as usize,
        "at least one step per counted case"
    );
    let ts = header.iter().position(|h| h == "time:timestamp").unwrap();
    let act = header.iter().position(|h| h == "concept:name").unwrap();
    let res = header.iter().position(|h| h == "org:resource").unwrap();
    let mut earliest: Option<String> = None;
    for e in &events {
        let t = &e[ts];
        assert!(is_iso_timestamp(t), "not an ISO 8601 timestamp: {t}");
        assert!(t >= "2024-09-02", "before the calendar's start: {t}");
        if earliest.as_deref().is_none_or(|x| t < x) {
            earliest = Some(t.to_string());
        }
        assert_eq!(&e[act], "service");
        assert_eq!(&e[res], "window");
    }
    let earliest = earliest.unwrap();
    assert!(
        earliest.starts_with("2024-09-02T"),
        "the first event should be on the calendar's start date, got {earliest}"
    );
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

fn rows_sum(path: &Path, col: &str) -> f64 {
    let (header, rows) = read_csv(path);
    let i = header.iter().position(|h| h == col).unwrap();
    rows.iter().map(|r| r[i].parse::<f64>().unwrap()).sum()
}

#[test]
fn out_into_a_used_directory_leaves_other_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "small.yaml", SMALL);
    let dir = tmp.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let notes = write(&dir, "notes.txt", "my notes, not procsim's\n");
    let out = procsim(&["run", s(&file), "--out", s(&dir), "-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "my notes, not procsim's\n"
    );
    assert!(dir.join("summary.json").is_file());
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
    // A second run into the same directory replaces procsim's files whole.
    let out = procsim(&["run", s(&file), "--out", s(&dir), "-q", "--seed", "6"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 6);
    assert!(notes.is_file());
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[test]
fn unwritable_out_is_exit_2_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    // A scenario that would take long to simulate: the refusal must come first.
    let long = SMALL
        .replace("horizon: 1d", "horizon: 2000d")
        .replace("replications: 3", "replications: 50");
    let file = write(tmp.path(), "long.yaml", &long);
    let blocker = write(tmp.path(), "a-file", "not a directory\n");
    let target = blocker.join("sub");
    let started = Instant::now();
    let out = procsim(&["run", s(&file), "--out", s(&target), "-q"]);
    assert_eq!(out.code, Some(2), "stderr:\n{}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused only after {:?}: it simulated first",
        started.elapsed()
    );
    assert!(out.stderr.contains("error"), "{}", out.stderr);
    assert!(
        out.stderr.contains("a-file"),
        "names the location: {}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "not a directory\n"
    );
    assert!(
        out.stdout.is_empty(),
        "no table for a refused run: {}",
        out.stdout
    );
}

/// One front desk offered 10 servers' worth of work (10 a minute, 1 min
/// each), with `extra` lines added to its serve step.
fn front_desk(horizon: &str, extra: &str) -> String {
    format!(
        "name: front desk\nseed: 1\nreplications: 2\nhorizon: {horizon}\npools:\n  front_desk: {{servers: 1}}\nprocesses:\n  p:\n    steps:\n      - serve: front_desk\n        time: {{exp: 1min}}\n{extra}arrivals:\n  - {{name: a, rate: 10/min, process: p}}\n"
    )
}

#[test]
fn overloaded_design_is_exit_3_naming_the_pool() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "over.yaml", &front_desk("2d", ""));
    let dir = tmp.path().join("out");
    let out = procsim(&[
        "run",
        s(&file),
        "--max-queue",
        "1000",
        "-q",
        "--out",
        s(&dir),
    ]);
    assert_eq!(out.code, Some(3), "stderr:\n{}", out.stderr);
    assert!(out.stderr.contains("front_desk"), "{}", out.stderr);
    assert!(out.stderr.contains("overloaded"), "{}", out.stderr);
    // Warned before simulating: offered 10 servers vs 1, nothing bounds the queue.
    assert!(
        out.stderr
            .contains("offered load 10.00 servers vs 1.00 available on average; its queue may grow until the run stops (exit 3)"),
        "{}",
        out.stderr
    );
    assert!(
        !dir.join("summary.json").exists(),
        "no output for a failed run"
    );
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[test]
fn an_overload_that_reneging_absorbs_is_warned_as_such() {
    // Offered 10 servers on 1, but citizens leave after about 5 min: the
    // queue stays bounded (about 5 min x 10/min), the run finishes.
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "renege.yaml",
        &front_desk("1d", "        patience: {exp: 5min}\n"),
    );
    let out = procsim(&["run", s(&file), "-q"]);
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains(
            "may be overloaded: offered load 10.00 servers vs 1.00 available on average; the run can still settle (citizens who give up leave the queue), expect long waits"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn too_many_cases_is_refused_with_the_estimate() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "huge.yaml",
        r#"name: huge
seed: 1
replications: 1
horizon: 3650d
pools:
  desk: {servers: 200}
processes:
  p:
    steps:
      - serve: desk
        time: {exp: 1s}
arrivals:
  - {name: a, rate: 90/s, process: p}
"#,
    );
    let started = Instant::now();
    let out = procsim(&["run", s(&file), "-q"]);
    assert_eq!(out.code, Some(2), "stderr:\n{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(5));
    // 90/s for 3650 days = 2.838e10 cases.
    assert!(out.stderr.contains("2.838e10"), "{}", out.stderr);
    assert!(out.stderr.contains("cases"), "{}", out.stderr);
    assert!(out.stderr.contains("huge.yaml"), "{}", out.stderr);
}

#[test]
fn version_and_help() {
    let v = procsim(&["--version"]);
    assert_eq!(v.code, Some(0));
    assert!(v.stdout.contains(env!("CARGO_PKG_VERSION")), "{}", v.stdout);

    let h = procsim(&["--help"]);
    assert_eq!(h.code, Some(0), "{}", h.stderr);
    assert!(h.stdout.contains("Example"), "{}", h.stdout);
    for cmd in ["run", "compare", "check", "validate", "sweep", "schema"] {
        assert!(h.stdout.contains(cmd), "--help lacks {cmd}");
    }

    let r = procsim(&["run", "--help"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("Example"), "{}", r.stdout);
    assert!(r.stdout.contains("procsim run "), "{}", r.stdout);
    assert!(r.stdout.contains("--out"), "{}", r.stdout);
}

#[test]
fn run_help_lists_every_file_a_run_writes() {
    // Every file (and the charts/ folder) that a run with all its optional
    // files writes, found on disk rather than from a list kept here, is
    // named in `run --help`, and in docs/files.md.
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "small.yaml", SMALL);
    let dir = tmp.path().join("out");
    let args = [
        "run",
        s(&file),
        "--out",
        s(&dir),
        "--events",
        "--log",
        "tickets",
        "-q",
    ];
    let out = procsim(&args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let help = procsim(&["run", "--help"]).stdout;
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/files.md")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            match e.file_type().unwrap().is_dir() {
                true => format!("{name}/"),
                false => name,
            }
        })
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    for name in &names {
        assert!(
            help.contains(name.as_str()),
            "run --help lacks {name}:\n{help}"
        );
        assert!(docs.contains(name.as_str()), "docs/files.md lacks {name}");
    }
}

#[test]
fn unknown_flag_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "small.yaml", SMALL);
    let out = procsim(&["run", s(&file), "--no-such-flag"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let out = procsim(&["--no-such-flag"]);
    assert_eq!(out.code, Some(2));
    let out = procsim(&["frobnicate"]);
    assert_eq!(out.code, Some(2));
}

#[test]
fn schema_into_a_closed_pipe_does_not_panic() {
    let bin = env!("CARGO_BIN_EXE_procsim");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{bin}' schema | head -c 10"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success());
    assert_eq!(stdout.len(), 10, "{stdout}");
    assert!(stdout.starts_with('{'), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn merge_of_an_empty_part_is_exit_2_naming_what_is_missing() {
    // A directory that no shard wrote: nothing to merge, no panic (checked
    // by `procsim`), and no empty "merged" result.
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("part");
    std::fs::create_dir(&part).unwrap();
    let merged = tmp.path().join("merged");
    let out = procsim(&["merge", s(&part), "--out", s(&merged)]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("partial.json") && out.stderr.contains("--shard"),
        "{}",
        out.stderr
    );
    assert!(!merged.join("summary.json").exists());
}

#[cfg(unix)]
#[test]
fn sigint_exits_130_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    // 5/min for 2000 days: 14.4 million cases per replication, far more than a second's work.
    let long = r#"name: long
seed: 1
replications: 8
horizon: 2000d
pools:
  desk: {servers: 6}
processes:
  p:
    steps:
      - serve: desk
        time: {exp: 1min}
arrivals:
  - {name: a, rate: 5/min, process: p}
"#;
    let file = write(tmp.path(), "long.yaml", long);
    let dir = tmp.path().join("out");
    let bin = env!("CARGO_BIN_EXE_procsim");
    let mut child = std::process::Command::new(bin)
        .args(["run", s(&file), "--out", s(&dir), "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before the signal: pick a longer scenario"
    );
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("procsim did not stop within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!dir.join("summary.json").exists());
    assert!(!dir.join("cases.csv").exists());
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[cfg(unix)]
#[test]
fn thread_pool_failure_is_not_reported_as_an_interrupt() {
    // Ask for a 100 GB stack per worker thread under a 400 MB address-space
    // limit: the first worker cannot be mapped, while the main thread (which
    // reads the scenario and reports the error) still has room. Limiting
    // memory alone is not enough: threads then start until a small
    // allocation somewhere fails and the process aborts.
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "small.yaml", SMALL);
    let bin = env!("CARGO_BIN_EXE_procsim");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 400000 && exec '{bin}' run '{}' --threads 1000 -q",
            s(&file)
        ))
        .env("RUST_MIN_STACK", "100000000000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(o.status.code(), Some(3), "stderr:\n{stderr}");
    assert!(!stderr.contains("interrupted"), "{stderr}");
    assert!(
        stderr.contains("cannot start 1000 worker threads"),
        "{stderr}"
    );
}

/// `procsim completions bash` loads in bash and completes: the commands
/// after `procsim`, the flags after `procsim run`.
#[cfg(unix)]
#[test]
fn bash_completion_loads_and_completes_commands_and_flags() {
    let bin = env!("CARGO_BIN_EXE_procsim");
    let complete = |words: &str| {
        let script = format!(
            "source <('{bin}' completions bash) && complete -p procsim && \
             COMP_WORDS=({words}) && COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)) && \
             COMP_LINE='{words}' && COMP_POINT=${{#COMP_LINE}} && \
             _procsim procsim \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\" && \
             echo \"${{COMPREPLY[@]}}\""
        );
        let o = std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        );
        assert!(o.status.success(), "{words}: {stderr}");
        assert!(stdout.starts_with("complete "), "{stdout}");
        stdout.lines().last().unwrap_or("").to_string()
    };
    assert_eq!(complete("procsim ru"), "run");
    assert_eq!(complete("procsim comp"), "compare completions");
    let flags = complete("procsim run --ev");
    assert_eq!(flags, "--events");
}

#[test]
fn completions_for_the_other_shells_name_every_command() {
    for (shell, marker) in [
        ("zsh", "#compdef procsim"),
        ("fish", "complete -c procsim"),
        ("elvish", "edit:completion:arg-completer[procsim]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = procsim(&["completions", shell]);
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell}: {}", out.stdout);
        for command in ["run", "compare", "explain", "sweep", "merge", "man"] {
            assert!(out.stdout.contains(command), "{shell} lacks {command}");
        }
    }
    let out = procsim(&["completions", "tcsh"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("bash"), "{}", out.stderr);
}

#[test]
fn man_pages_list_the_commands_and_their_flags() {
    let main = procsim(&["man"]);
    assert_eq!(main.code, Some(0), "{}", main.stderr);
    assert!(main.stdout.contains(".TH procsim 1 "), "{}", main.stdout);
    for command in [
        "run",
        "compare",
        "explain",
        "check",
        "validate",
        "sweep",
        "schema",
        "merge",
        "kpis",
        "completions",
        "man",
    ] {
        assert!(
            main.stdout.contains(&format!("procsim\\-{command}(1)")),
            "the page lacks {command}: {}",
            main.stdout
        );
    }
    let run = procsim(&["man", "run"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let footer = format!("\"procsim {}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        run.stdout.contains(".TH procsim-run 1 ") && run.stdout.contains(&footer),
        "{}",
        run.stdout
    );
    for flag in [
        "\\-\\-out",
        "\\-\\-events",
        "\\-\\-reps",
        "\\-\\-allow\\-overload",
    ] {
        assert!(run.stdout.contains(flag), "procsim-run(1) lacks {flag}");
    }
    let out = procsim(&["man", "nope"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("no command `nope`") && out.stderr.contains("sweep"),
        "{}",
        out.stderr
    );
    // groff, where installed, formats both pages without a warning.
    for page in [&main.stdout, &run.stdout] {
        let groff = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let Ok(mut groff) = groff else { return };
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let o = groff.wait_with_output().unwrap();
        let warnings = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && warnings.is_empty(), "{warnings}");
    }
}

#[test]
fn the_citation_gives_the_crate_version() {
    let cff = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("CITATION.cff"))
        .unwrap();
    let version = format!("version: {}", env!("CARGO_PKG_VERSION"));
    assert!(
        cff.lines().any(|l| l == version),
        "CITATION.cff does not say `{version}` (Cargo.toml's version)"
    );
}

/// `--color always` colours the comparison table even into a pipe; `auto`
/// (the default) does not colour a pipe, and `never` never colours.
#[test]
fn color_always_auto_and_never() {
    let dir = tempfile::tempdir().unwrap();
    let mm1 = |service: &str| {
        format!(
            "name: s{service}\nhorizon: 2000min\npools: {{desk: {{servers: 1}}}}\nprocesses: {{p: {{steps: [{{serve: desk, time: {{exp: {service}min}}}}]}}}}\narrivals: [{{name: a, rate: 0.5/min, process: p}}]\n"
        )
    };
    let a = crate::common::write(dir.path(), "a.yaml", &mm1("1"));
    let b = crate::common::write(dir.path(), "b.yaml", &mm1("0.8"));
    let table = |color: &str| {
        let out = crate::common::procsim(&[
            "compare",
            crate::common::s(&a),
            crate::common::s(&b),
            "-q",
            "--color",
            color,
        ]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        out.stdout
    };
    assert!(table("always").contains("\u{1b}["));
    assert!(!table("auto").contains("\u{1b}["));
    assert!(!table("never").contains("\u{1b}["));
    let bad = crate::common::procsim(&["validate", crate::common::s(&a), "--color", "sometimes"]);
    assert_eq!(bad.code, Some(2));
}
