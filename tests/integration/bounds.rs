//! Bounds on what one input can cost: time linear in the horizon, memory
//! capped by a live-case guard, and caps on replications, sweep values,
//! shard counts and input size that no flag bypasses.

use crate::common::{procsim, s, write};
use procsim::engine::{run_replication, EngineError, Limits, NoObserver};
use std::sync::atomic::AtomicBool;

/// A weekday calendar (working-day lead times need the calendar), 100
/// arrivals a day, a desk that keeps up.
#[cfg(unix)]
fn weekday_desk(years: u32) -> String {
    format!(
        r#"name: {years} years
seed: 1
replications: 1
horizon: {days}d
calendar:
  start: 2024-09-02
  hours: ["09:00-17:00"]
  days: [mon, tue, wed, thu, fri]
  holidays: [2024-10-01]
pools:
  desk: {{servers: 2}}
processes:
  p:
    steps:
      - serve: desk
        time: {{exp: 5min}}
arrivals:
  - {{name: a, daily: 100, process: p}}
"#,
        days = years * 365
    )
}

/// CPU seconds this thread has used (other tests running alongside do
/// not count, as they would in wall time).
#[cfg(unix)]
fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// CPU seconds of one replication of `years` of `weekday_desk`, the least of `tries`.
#[cfg(unix)]
fn replication_seconds(years: u32, tries: usize) -> f64 {
    let model = procsim::load_str(&weekday_desk(years), "test.yaml").expect("valid");
    let stop = AtomicBool::new(false);
    (0..tries)
        .map(|_| {
            let start = thread_cpu_seconds();
            run_replication(&model, 1, 0, Limits::default(), &mut NoObserver, &stop)
                .expect("the run finishes");
            thread_cpu_seconds() - start
        })
        .fold(f64::INFINITY, f64::min)
}

/// Past 30 years (the calendar's precomputed days) each lead time in
/// working days used to count open days one by one: 60 years took 60
/// times as long as 30. Ten times the horizon should cost about ten times
/// the time; 20 leaves room for noise.
#[cfg(unix)]
#[test]
fn a_century_costs_about_ten_decades() {
    let decade = replication_seconds(10, 3);
    let century = replication_seconds(100, 1);
    let ratio = century / decade;
    assert!(
        ratio < 20.0,
        "100 years took {century:.3} s, 10 years {decade:.3} s: {ratio:.1} times"
    );
}

/// About 17 million citizens parked in a 300-day wait: the records of the
/// cases in progress once took 2.4 GB and the run aborted (exit 134).
const PARKED: &str = r#"name: parked
seed: 1
replications: 1
horizon: 300d
pools:
  desk: {servers: 1}
processes:
  p:
    steps:
      - wait: 300d
      - serve: desk
        time: 1min
arrivals:
  - {name: a, rate: 40/min, process: p}
"#;

#[test]
fn cases_parked_by_the_million_stop_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "parked.yaml", PARKED);
    let out = procsim(&["run", s(&path), "-q"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(
        out.stderr.contains("cases were in progress at once") && out.stderr.contains("--max-live"),
        "{}",
        out.stderr
    );
}

#[test]
fn max_live_sets_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "parked.yaml", PARKED);
    let out = procsim(&["run", s(&path), "-q", "--max-live", "1000"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("1001 cases were in progress at once, over the limit of 1000"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_engine_stops_past_max_live_with_the_day_it_stopped() {
    let model = procsim::load_str(PARKED, "parked.yaml").expect("valid");
    let limits = Limits {
        max_live: 57_600,
        ..Limits::default()
    };
    let stop = AtomicBool::new(false);
    let err = run_replication(&model, 1, 0, limits, &mut NoObserver, &stop).unwrap_err();
    // 40 arrivals a minute: 57,600 a day, so the limit is passed on day 1.
    match err {
        EngineError::TooManyLive {
            live, day, limit, ..
        } => {
            assert_eq!((live, limit), (57_601, 57_600));
            assert!((0.9..1.1).contains(&day), "day {day}");
        }
        other => panic!("{other}"),
    }
}

/// A scenario that runs in a blink.
const TINY: &str = r#"name: tiny
replications: 2
horizon: 1h
pools:
  desk: {servers: 1}
processes:
  p:
    steps:
      - serve: desk
        time: 1min
arrivals:
  - {name: a, rate: 10/h, process: p}
"#;

#[test]
fn reps_cannot_pass_the_files_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tiny.yaml", TINY);
    for reps in ["100001", "4294967295"] {
        let out = procsim(&["run", s(&path), "-q", "--reps", reps]);
        assert_eq!(out.code, Some(2), "--reps {reps}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "{reps} replications asked for; a run has at most 100000"
            )),
            "{}",
            out.stderr
        );
    }
    let model = procsim::load_str(TINY, "tiny.yaml").unwrap();
    let err = procsim::Simulation::new(&model)
        .replications(procsim::scenario::MAX_REPLICATIONS + 1)
        .run()
        .unwrap_err();
    assert!(
        matches!(
            err,
            procsim::SimulationError::TooManyReplications { limit: 100_000, .. }
        ),
        "{err}"
    );
}

#[test]
fn a_sweep_holds_at_most_1000_values() {
    use procsim::sweep::{parse_set, MAX_SWEEP_VALUES};
    let list = |n: usize| {
        let values: Vec<String> = (1..=n).map(|v| v.to_string()).collect();
        format!("seed={}", values.join(","))
    };
    assert_eq!(parse_set(&list(MAX_SWEEP_VALUES)).unwrap().1.len(), 1000);
    assert_eq!(parse_set("seed=1..1000").unwrap().1.len(), 1000);
    for set in [
        list(MAX_SWEEP_VALUES + 1),
        "seed=1..1001".to_string(),
        format!("seed={}..{}", i64::MIN, i64::MAX),
    ] {
        let err = parse_set(&set).unwrap_err();
        assert!(err.contains("at most 1000 values"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tiny.yaml", TINY);
    let set = list(5_000);
    let out = procsim(&["sweep", s(&path), "-q", "--set", &set]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("at most 1000 values"), "{}", out.stderr);
}

#[test]
fn shard_counts_cannot_pass_what_merge_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tiny.yaml", TINY);
    let out_dir = dir.path().join("part");
    for command in ["run", "sweep"] {
        let mut args = vec![command, s(&path), "-q", "--shard", "0/100001"];
        args.extend(["--out", s(&out_dir)]);
        if command == "sweep" {
            args.extend(["--set", "seed=1,2"]);
        }
        let out = procsim(&args);
        assert_eq!(out.code, Some(2), "{command}: {}", out.stderr);
        assert!(
            out.stderr.contains("at most 100000 shards"),
            "{command}: {}",
            out.stderr
        );
    }
}

/// A device or pipe has no size to check beforehand: the read itself
/// stops at the limit.
#[cfg(unix)]
#[test]
fn reading_stops_at_the_size_limit_whatever_the_input() {
    let out = procsim(&["validate", "/dev/zero"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("/dev/zero: the file is over 4194304 bytes; scenario files are limited to 4194304 bytes"),
        "{}",
        out.stderr
    );

    // A named pipe fed without end, like `validate <(yes)`.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("endless.yaml");
    let name = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        // Ends when the reader closes the pipe (EPIPE).
        while f.write_all(b"y\n").is_ok() {}
    });
    let err = procsim::scenario::load(&fifo).unwrap_err().to_string();
    assert!(err.contains("the file is over 4194304 bytes"), "{err}");
    writer.join().unwrap();
}

#[test]
fn a_sweep_reads_its_scenario_within_the_size_limit() {
    // `sweep /dev/zero` read without limit, as `validate` did.
    let out = crate::common::procsim(&["sweep", "/dev/zero", "--set", "seed=1,2", "-q"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("limited to"), "{}", out.stderr);
}
