//! Replications to a precision (`--precision`, `procsim::precision`): the
//! answer's interval is as narrow as asked and covers the true mean at the
//! nominal rate, whatever the threads; the command says what it decided.

use procsim::precision::{replications_for, Goal, Stopped, Tolerance};
use procsim::RunSettings;
use std::sync::atomic::AtomicBool;

/// M/M/1 with λ = 0.5/min and mean service 1 min (ρ = 0.5): the mean wait
/// in queue is Wq = ρ / (μ - λ) = 1 min. The warm-up of 200 min is 17
/// relaxation times (1 / (μ (1 - √ρ)²) = 11.7 min), so the replication
/// means are unbiased to well within the intervals tested.
const MM1: &str = "
name: M/M/1 rho 0.5
horizon: 2000min
warmup: 200min
pools: {desk: {servers: 1}}
processes: {p: {steps: [{serve: desk, time: {exp: 1min}}]}}
arrivals: [{name: a, rate: 0.5/min, process: p}]
";
const TRUE_WAIT: f64 = 1.0;

fn goal() -> Goal {
    Goal::new(vec!["wait_min".into()], Tolerance::Relative(0.1))
}

#[test]
#[ignore = "statistical, many seeds: run by .ci/run with `cargo test --release -- --ignored`"]
fn the_interval_is_as_narrow_as_asked_and_covers_the_true_mean() {
    let model = procsim::load_str(MM1, "mm1.yaml").unwrap();
    let never = AtomicBool::new(false);
    let seeds = 200;
    let (mut covered, mut total_reps) = (0, 0);
    for seed in 0..seeds {
        let settings = RunSettings {
            seed,
            threads: 2,
            ..RunSettings::from_model(&model)
        };
        let answer = replications_for(&model, &settings, &goal(), &never).unwrap();
        assert_eq!(answer.stopped, Stopped::Met, "seed {seed}");
        let i = &answer.intervals[0];
        assert!(i.half_width <= 0.1 * i.mean, "seed {seed}: {i:?}");
        // The answer is what a run of that many replications reports.
        let run = procsim::Simulation::new(&model)
            .replications(answer.replications)
            .seed(seed)
            .threads(2)
            .run()
            .unwrap();
        let e = run.summary.get("wait_min").copied().flatten().unwrap();
        assert!((e.mean - i.mean).abs() < 1e-12 && (e.ci95 - i.half_width).abs() < 1e-12);
        covered += usize::from((i.mean - TRUE_WAIT).abs() <= i.half_width);
        total_reps += answer.replications;
    }
    // Nominal 95%: over 200 seeds the coverage has a standard error of
    // 1.5 points at 95% and 2.5 at 85%. 90% is 3.2 standard errors below
    // the first and 2 above the second, so this tells the two apart.
    let coverage = covered as f64 / f64::from(seeds as u32);
    assert!(coverage >= 0.90, "coverage {coverage}");
    eprintln!(
        "coverage {coverage:.3}, mean replications {:.1}",
        f64::from(total_reps) / f64::from(seeds as u32)
    );
}

#[test]
fn the_answer_does_not_depend_on_the_threads() {
    let model = procsim::load_str(MM1, "mm1.yaml").unwrap();
    let never = AtomicBool::new(false);
    for seed in [3, 11] {
        let with = |threads| {
            let settings = RunSettings {
                seed,
                threads,
                ..RunSettings::from_model(&model)
            };
            replications_for(&model, &settings, &goal(), &never).unwrap()
        };
        let (one, two) = (with(1), with(2));
        assert_eq!(
            (one.replications, one.first_met, &one.intervals),
            (two.replications, two.first_met, &two.intervals)
        );
    }
}

#[test]
fn the_command_runs_as_many_replications_as_it_decided() {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::common::write(dir.path(), "mm1.yaml", MM1);
    let out = crate::common::procsim(&[
        "run",
        crate::common::s(&file),
        "--precision",
        "0.1",
        "--kpi",
        "wait_min",
        "--json",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let decided: u32 = out
        .stderr
        .split("; running ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.stderr));
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["replications"], decided, "{}", out.stdout);
    // Bad uses are refused, located.
    let unknown = crate::common::procsim(&[
        "run",
        crate::common::s(&file),
        "--precision",
        "0.1",
        "--kpi",
        "wait",
    ]);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.contains("--kpi wait: not a KPI"),
        "{}",
        unknown.stderr
    );
    let no_kpi = crate::common::procsim(&["run", crate::common::s(&file), "--precision", "0.1"]);
    assert_eq!(no_kpi.code, Some(2));
    assert!(
        no_kpi.stderr.contains("at least one --kpi"),
        "{}",
        no_kpi.stderr
    );
    let zero = crate::common::procsim(&[
        "run",
        crate::common::s(&file),
        "--precision",
        "0",
        "--kpi",
        "wait_min",
    ]);
    assert_eq!(zero.code, Some(2));
}

/// `compare --precision-abs`: replications until the paired difference's
/// interval is that narrow; the comparison then shows that interval.
#[test]
fn compare_replicates_until_the_difference_is_narrow_enough() {
    let dir = tempfile::tempdir().unwrap();
    let before = crate::common::write(dir.path(), "a.yaml", MM1);
    let faster = MM1
        .replace("exp: 1min", "exp: 0.9min")
        .replace("name: M/M/1 rho 0.5", "name: faster");
    let after = crate::common::write(dir.path(), "b.yaml", &faster);
    let out = crate::common::procsim(&[
        "compare",
        crate::common::s(&before),
        crate::common::s(&after),
        "--precision-abs",
        "0.01",
        "--kpi",
        "wait_min",
        "--json",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let design = &doc["designs"][0];
    let diff = &design["vs_baseline"]["wait_min"];
    assert_eq!(diff["paired"], true);
    let half_width = diff["diff_ci95"].as_f64().unwrap();
    assert!(half_width <= 0.01, "{half_width}");
    let n = design["summary"]["replications"].as_u64().unwrap();
    assert_eq!(doc["baseline"]["replications"].as_u64(), Some(n));
    // A fixed 10 replications (the minimum) would not have been enough.
    assert!(n > 10, "{n}");
    assert!(
        out.stderr.contains("wait_min: faster - M/M/1 rho 0.5"),
        "{}",
        out.stderr
    );
}
