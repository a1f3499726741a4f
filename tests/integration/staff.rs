//! `procsim staff` (the Iterative Staffing Algorithm) and the service-level
//! columns of `hourly.csv`, against stationary Erlang-C theory.

use crate::common::*;
use std::path::Path;

/// Delay probability, mean wait and p90 wait by hour of arrival in a
/// stationary M/M/3 (λ = 2/min, μ = 1/min, a = 2): every hour is the same
/// queue, so each row must show Erlang C.
#[test]
fn hourly_service_levels_match_erlang_c() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "mm3.yaml",
        "name: mm3\nseed: 5\nreplications: 10\nhorizon: 11d\nwarmup: 1d\npools:\n  window: {servers: 3}\nprocesses:\n  p:\n    steps:\n      - serve: window\n        time: {exp: 1min}\narrivals:\n  - {name: a, rate: 2/min, process: p}\n",
    );
    let text = hourly_csv(&file);
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (dp, wm, p90) = (
        col("delay_probability"),
        col("wait_mean_min"),
        col("wait_p90_min"),
    );
    // Erlang C: C(3, 2) = 4/9; Wq = C / (cμ - λ) = 4/9 min; P(W > t) = C e^{-t}
    // so the 90th percentile is ln(C / 0.1) = ln(40/9) = 1.4917 min.
    let c = erlang_c(3, 2.0);
    assert!((c - 4.0 / 9.0).abs() < 1e-12);
    let p90_theory = (c / 0.1_f64).ln();
    let mut n = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let v = |i: usize| row[i].parse::<f64>().unwrap();
        // Each hour holds about 120 arrivals x 10 days x 10 replications =
        // 12,000 citizens, in busy periods of a few minutes, so about 1,000
        // independent stretches: the standard error of a share near 0.44 is
        // about 0.016 and of the mean wait about 0.03 min; the bands are
        // about 4 standard errors (24 hours are checked).
        assert!(
            (v(dp) - c).abs() < 0.06,
            "hour {}: P(wait) {} vs {c}",
            &row[1],
            v(dp)
        );
        assert!(
            (v(wm) - c).abs() < 0.12,
            "hour {}: Wq {} vs {c}",
            &row[1],
            v(wm)
        );
        assert!(
            (v(p90) - p90_theory).abs() < 0.3,
            "hour {}: p90 {} vs {p90_theory}",
            &row[1],
            v(p90)
        );
        n += 1;
    }
    assert_eq!(n, 24);
}

/// A hand-checkable hall: one window, a citizen exactly every 10 minutes
/// from 09:00 (booked slots), each served in exactly 15 minutes, open 09:00-11:00.
/// Citizen i (from 0) arrives at 10i min and starts at 15i: waits 5i min.
/// Hour 9 (arrivals at 0..50 min): waits 0,5,...,25: delay 5/6, mean 12.5,
/// p90 25 (nearest rank). Hour 10 (60..110): waits 30..55, all delayed,
/// mean 42.5.
#[test]
fn hourly_service_levels_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "d.yaml",
        "name: d\nseed: 1\nreplications: 1\nhorizon: 1d\ncalendar:\n  hours: [\"09:00-11:00\"]\n  days: [mon]\npools:\n  window: {servers: 1}\nprocesses:\n  p:\n    steps:\n      - serve: window\n        time: 15min\narrivals:\n  - {name: a, appointments: {every: 10min, per_slot: 1}, process: p}\n",
    );
    let text = hourly_csv(&file);
    let line = |hour: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("window,{hour},")))
            .unwrap()
            .split(',')
            .rev()
            .take(3)
            .map(|c| c.parse::<f64>().unwrap())
            .collect::<Vec<f64>>()
    };
    // Columns reversed: p90, mean, delay probability.
    let nine = line("9");
    assert!((nine[2] - 5.0 / 6.0).abs() < 1e-9, "{nine:?}");
    assert!((nine[1] - 12.5).abs() < 1e-3, "{nine:?}");
    assert!((nine[0] - 25.0).abs() < 0.05, "{nine:?}");
    let ten = line("10");
    assert!((ten[2] - 1.0).abs() < 1e-9, "{ten:?}");
    assert!((ten[1] - 42.5).abs() < 1e-3, "{ten:?}");
}

/// Hourly arrival weights of the slow M_t/M/s_t model below.
const WEIGHTS: [f64; 12] = [1.0, 1.5, 2.0, 2.5, 3.0, 3.0, 2.5, 2.0, 1.5, 1.0, 1.0, 1.0];
/// Its arrivals per day (12 open hours).
const DAILY: f64 = 1680.0;

/// Arrival rate changing by the hour, service of 3 minutes: the rate
/// changes slowly against the service, so each hour is close to a
/// stationary M/M/s.
fn slow_mt(reps: u32) -> String {
    let profile: Vec<String> = WEIGHTS
        .iter()
        .enumerate()
        .map(|(i, w)| format!("\"{:02}:00\": {w}", 8 + i))
        .collect();
    format!(
        "name: slow Mt/M/s\nseed: 3\nreplications: {reps}\nhorizon: 20d\nwarmup: 0d\ncalendar:\n  hours: [\"08:00-20:00\"]\n  days: [mon, tue, wed, thu, fri, sat, sun]\npools:\n  window:\n    servers: 10\nprocesses:\n  visit:\n    steps:\n      - serve: window\n        time: {{exp: 3min}}\narrivals:\n  - name: walk_ins\n    daily: {DAILY}\n    process: visit\n    profile: {{{}}}\n",
        profile.join(", ")
    )
}

/// `hourly.csv` of a run of `file` (written beside it, under `out/`).
fn hourly_csv(file: &Path) -> String {
    let out = file.with_file_name("out");
    let o = procsim(&["run", s(file), "--out", s(&out), "--quiet"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    std::fs::read_to_string(out.join("hourly.csv")).unwrap()
}

/// `procsim staff FILE --pool P... --target TARGET --json --quiet` and
/// `more` arguments.
fn staff(file: &Path, pools: &[&str], target: &str, more: &[&str]) -> Outcome {
    let mut args = vec!["staff", s(file)];
    for p in pools {
        args.extend(["--pool", p]);
    }
    args.extend(["--target", target, "--json", "--quiet"]);
    args.extend(more);
    procsim(&args)
}

/// The staffing JSON of a `staff` that succeeded.
fn staffing_json(file: &Path, pools: &[&str], target: &str, more: &[&str]) -> serde_json::Value {
    let o = staff(file, pools, target, more);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    serde_json::from_str(&o.stdout).unwrap()
}

#[test]
#[ignore = "statistical, many seeds: run by .ci/run with `cargo test --release -- --ignored`"]
fn staffing_of_a_slow_mt_queue_is_erlang_c_per_hour() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mt.yaml", &slow_mt(20));
    let out = dir.path().join("out");
    let j = staffing_json(
        &file,
        &["window"],
        "delay_probability<=0.2",
        &["--out", s(&out)],
    );
    assert_eq!(j["converged"], true);
    let intervals = j["pools"][0]["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 12);
    let total: f64 = WEIGHTS.iter().sum();
    for (k, row) in intervals.iter().enumerate() {
        // Stationary Erlang-C staffing of the hour: λ = DAILY w_k / Σw per
        // hour, a = λ x 3 min / 60; the fewest s with C(s, a) <= 0.2.
        let a = DAILY * WEIGHTS[k] / total * 3.0 / 60.0;
        let erlang = (1..200)
            .find(|&s| f64::from(s) > a && erlang_c(s, a) <= 0.2)
            .unwrap();
        let found = row["servers"].as_u64().unwrap() as u32;
        assert!(
            found.abs_diff(erlang) <= 1,
            "{}: ISA {found} servers, Erlang C {erlang} (a = {a:.2})",
            row["start"]
        );
        // The achieved delay probability is at most the target plus its
        // sampling error (the 95% half-width over 20 replications).
        let achieved = &row["achieved"];
        let (mean, ci) = (
            achieved["mean"].as_f64().unwrap(),
            achieved["ci95"].as_f64().unwrap(),
        );
        assert!(
            mean <= 0.2 + ci,
            "{}: P(wait) {mean} ± {ci} above 0.2",
            row["start"]
        );
    }
    // The ISA starts with 1000 servers: the first change is large, the last at most one.
    let changes = j["changes"].as_array().unwrap();
    assert!(changes.last().unwrap().as_u64().unwrap() <= 1);
    // Staffing by hour needs fewer staff-hours than the constant staffing.
    let pool = &j["pools"][0];
    assert!(
        pool["staff_hours_per_day"].as_f64().unwrap()
            < pool["constant_staff_hours_per_day"].as_f64().unwrap()
    );
    // The staffed scenario validates and carries the schedule.
    let staffed = out.join("staffed.yaml");
    let v = procsim(&["validate", s(&staffed)]);
    assert_eq!(v.code, Some(0), "{}", v.stderr);
    let text = std::fs::read_to_string(&staffed).unwrap();
    assert!(text.contains("servers: {\"08:00\": "), "{text}");
}

#[test]
fn staffing_is_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mt.yaml", &slow_mt(4));
    let args = |t: &str| staff(&file, &["window"], "wait_p90_min<=2", &["--threads", t]);
    let one = args("1");
    let two = args("2");
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn bad_staff_input_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "mt.yaml", &slow_mt(2));
    let cases: [(&[&str], &str); 5] = [
        (
            &["--pool", "counter", "--target", "delay_probability<=0.2"],
            "--pool counter: no such pool; the scenario's pools are window",
        ),
        (
            &["--pool", "window", "--target", "delay_probability=0.2"],
            "write KPI<=VALUE",
        ),
        (
            &["--pool", "window", "--target", "queue_mean<=3"],
            "`queue_mean` is not a staffing KPI",
        ),
        (
            &["--pool", "window", "--target", "delay_probability<=1.5"],
            "between 0 and 1",
        ),
        (
            &[
                "--pool",
                "window",
                "--target",
                "wait_mean_min<=2",
                "--interval",
                "7min",
            ],
            "--interval `7min`",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["staff", s(&file)];
        args.extend_from_slice(extra);
        let o = procsim(&args);
        assert_eq!(o.code, Some(2), "{extra:?}: {}", o.stderr);
        assert!(o.stderr.contains(message), "{extra:?}: {}", o.stderr);
    }
}

/// A sharp morning peak (4 times the rate from 09:00 to 10:00) and
/// 20-minute service: citizens of the peak are still present after it, so
/// the ISA keeps more servers at 10:00 than the stationary Erlang-C
/// staffing of 10:00's own arrival rate, and meets the target there, where
/// the stationary per-hour staffing (checked with `run` and `hourly.csv`)
/// misses it badly.
#[test]
#[ignore = "statistical, many seeds: run by .ci/run with `cargo test --release -- --ignored`"]
fn staffing_leads_a_sharp_peak_where_stationary_staffing_misses() {
    let weights = [1.0, 4.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let daily = 400.0;
    let scenario = |servers: &str| {
        format!(
            "name: peak\nseed: 11\nreplications: 20\nhorizon: 30d\ncalendar:\n  hours: [\"08:00-16:00\"]\n  days: [mon, tue, wed, thu, fri, sat, sun]\npools:\n  window:\n    servers: {servers}\nprocesses:\n  visit:\n    steps:\n      - serve: window\n        time: {{exp: 20min}}\narrivals:\n  - name: walk_ins\n    daily: {daily}\n    process: visit\n    profile: {{\"08:00\": 1, \"09:00\": 4, \"10:00\": 1, \"11:00\": 1, \"12:00\": 1, \"13:00\": 1, \"14:00\": 1, \"15:00\": 1}}\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "peak.yaml", &scenario("10"));
    let j = staffing_json(&file, &["window"], "delay_probability<=0.2", &[]);
    let rows = j["pools"][0]["intervals"].as_array().unwrap();
    let total: f64 = weights.iter().sum();
    // Stationary Erlang-C staffing per hour: a = λ_k x 20 min.
    let stationary: Vec<u32> = weights
        .iter()
        .map(|w| {
            let a = daily * w / total / 60.0 * 20.0;
            (1..500)
                .find(|&s| f64::from(s) > a && erlang_c(s, a) <= 0.2)
                .unwrap()
        })
        .collect();
    let found: Vec<u32> = rows
        .iter()
        .map(|r| r["servers"].as_u64().unwrap() as u32)
        .collect();
    // 10:00 has 08:00's arrival rate but the peak's citizens still present:
    // far more servers than its stationary staffing (16 for a = 12).
    assert!(
        found[2] >= stationary[2] + 10,
        "10:00: ISA {} vs stationary {}",
        found[2],
        stationary[2]
    );
    for r in rows {
        let e = &r["achieved"];
        let (mean, ci) = (e["mean"].as_f64().unwrap(), e["ci95"].as_f64().unwrap());
        assert!(mean <= 0.2 + ci, "{}: {mean} ± {ci}", r["start"]);
    }
    // The stationary staffing, run: 10:00's citizens find the peak's queue.
    let schedule: Vec<String> = stationary
        .iter()
        .enumerate()
        .map(|(k, n)| format!("\"{:02}:00\": {n}", 8 + k))
        .collect();
    let file = write(
        dir.path(),
        "stationary.yaml",
        &scenario(&format!("{{{}}}", schedule.join(", "))),
    );
    let hourly = hourly_csv(&file);
    let ten: f64 = hourly
        .lines()
        .find(|l| l.starts_with("window,10,"))
        .unwrap()
        .split(',')
        .nth(7)
        .unwrap()
        .parse()
        .unwrap();
    // About 720 citizens arrive at 10:00 over the run; a share of 0.5 is
    // far beyond any sampling error of a target of 0.2.
    assert!(ten > 0.5, "stationary staffing at 10:00: P(wait) {ten}");
}

/// Two pools in a row (a desk, then a cashier) staffed together: both
/// settle, every interval of both meets the target, and the staffed
/// scenario holds both schedules and validates.
#[test]
fn two_pools_in_a_row_are_staffed_together() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "two.yaml",
        "name: desk and cashier\nseed: 5\nreplications: 10\nhorizon: 20d\ncalendar:\n  hours: [\"09:00-12:00\", \"13:00-17:00\"]\n  days: [mon, tue, wed, thu, fri]\npools:\n  desk: {servers: 8}\n  cashier: {servers: 4}\nprocesses:\n  visit:\n    steps:\n      - serve: desk\n        time: {exp: 10min}\n      - serve: cashier\n        time: {exp: 4min}\narrivals:\n  - name: walk_ins\n    daily: 300\n    process: visit\n    profile: {\"09:00\": 2, \"10:00\": 3, \"11:00\": 2, \"13:00\": 1, \"14:00\": 2, \"15:00\": 1, \"16:00\": 1}\n",
    );
    let out = dir.path().join("out");
    let j = staffing_json(
        &file,
        &["desk", "cashier"],
        "wait_mean_min<=3",
        &["--out", s(&out)],
    );
    assert_eq!(j["converged"], true);
    // The local search ends only when no interval misses (or after its
    // last round): here every interval of both pools meets the target.
    assert_eq!(j["meets_target"], true);
    let pools = j["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 2);
    for p in pools {
        // 7 open hours: 09-12 and 13-17 (the lunch hour has no interval).
        assert_eq!(p["intervals"].as_array().unwrap().len(), 7);
    }
    let staffed = out.join("staffed.yaml");
    let text = std::fs::read_to_string(&staffed).unwrap();
    assert!(text.contains("desk: {servers: {\"09:00\": "), "{text}");
    assert!(text.contains("cashier: {servers: {\"09:00\": "), "{text}");
    let v = procsim(&["validate", s(&staffed)]);
    assert_eq!(v.code, Some(0), "{}", v.stderr);
}
