//! `procsim explain`: Shapley contributions of levers, checked against
//! queueing theory, against identities that hold replication by
//! replication (efficiency, a lever that changes nothing, levers on
//! independent pools), and through the command line.

use crate::common::folder;
use assert_cmd::Command;
use procsim::explain::{self, ExplainError, Explanation, KpiExplanation, Method};
use procsim::scenario::resolve;
use procsim::simulate::RunSettings;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// M/M/2 at λ = 1.5/min, μ = 1/min, and an unused pool.
const BASE: &str = "\
name: base
seed: 11
replications: 12
horizon: 8d
warmup: 1d
pools:
  window: {servers: 2}
  spare: {servers: 1}
processes:
  customer:
    steps:
      - {serve: window, time: {exp: 1min}}
arrivals:
  - {name: customers, rate: 1.5/min, process: customer}
";

/// Plans, runs and explains `file`'s levers with the file's settings.
fn explain_file(file: &Path, kpis: &[&str], samples: Option<usize>) -> Explanation {
    let design = resolve(file).unwrap_or_else(|e| panic!("{e}"));
    let full = design.full().unwrap();
    let settings = RunSettings::from_model(&full);
    let plan =
        explain::plan(&design, samples, false, settings.seed).unwrap_or_else(|e| panic!("{e}"));
    let runs = explain::run(&plan, &settings, &|_, _| {}, &AtomicBool::new(false)).unwrap();
    let kpis: Vec<String> = kpis.iter().map(|k| k.to_string()).collect();
    explain::explain(design.file(), &plan, &runs, &kpis)
}

fn kpi<'x>(x: &'x Explanation, key: &str) -> &'x KpiExplanation {
    x.kpis.iter().find(|k| k.kpi == key).unwrap()
}

fn lever(x: &Explanation, name: &str) -> usize {
    x.levers.iter().position(|l| l.name == name).unwrap()
}

/// Contributions sum to the total: exactly per replication (the gap is
/// the largest over replications), hence also in the means.
fn assert_efficient(k: &KpiExplanation) {
    let scale = k.total.unwrap().mean.abs().max(1.0);
    assert!(
        k.efficiency_gap <= 1e-12 * scale,
        "{}: gap {}",
        k.kpi,
        k.efficiency_gap
    );
    let sum: f64 = k.contributions.iter().map(|c| c.unwrap().mean).sum();
    assert!(
        (sum - k.total.unwrap().mean).abs() <= 1e-12 * scale,
        "{}",
        k.kpi
    );
}

#[test]
fn one_more_server_has_its_erlang_c_effect_and_a_dummy_lever_none() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  more_servers: {pools: {window: {servers: 3}}}\n  dummy: {description: changed, pools: {spare: {servers: 5}}}\n",
        ),
    ]);
    let x = explain_file(
        &dir.path().join("design.yaml"),
        &["wait_min", "pools.window.utilization"],
        None,
    );
    assert_eq!(x.method, Method::Exact);
    assert_eq!(x.subsets, 4);
    let w = kpi(&x, "wait_min");
    assert_eq!(w.replications, 12);
    let (more, dummy) = (lever(&x, "more_servers"), lever(&x, "dummy"));
    // Erlang C, a = λ/μ = 1.5: M/M/2 Wq = C(2, 1.5)/(2 − 1.5) = 0.642857/0.5
    // = 1.285714 min; M/M/3 Wq = C(3, 1.5)/(3 − 1.5) = 0.236842/1.5 =
    // 0.157895 min. Effect −1.127820 min.
    let theory = 0.157_895 - 1.285_714;
    let c = w.contributions[more].unwrap();
    // The paired interval over 12 replications; a band of 3 half-widths
    // (≈ 6 standard errors, plus the warm-up's small bias) keeps a
    // correct engine from failing by chance, while a wrong server count
    // or queue moves the effect by far more.
    assert!((c.mean - theory).abs() < 3.0 * c.ci95, "{c:?} vs {theory}");
    assert!(c.ci95 < 0.2 * theory.abs(), "{c:?}");
    // The dummy changes nothing any citizen meets: exactly 0 in every
    // replication, so its interval is [0, 0] (and contains 0).
    for k in &x.kpis {
        let d = k.contributions[dummy].unwrap();
        assert_eq!(
            (d.mean, d.ci95, d.min, d.max),
            (0.0, 0.0, 0.0, 0.0),
            "{}",
            k.kpi
        );
        assert_eq!(k.shares[dummy].unwrap().abs(), 0.0);
        // With a null lever, the other one's contribution is its effect alone.
        assert_eq!(k.contributions[more], k.alone[more]);
        assert_efficient(k);
    }
    // Utilization ρ = λ/(cμ): 0.75 -> 0.5.
    let u = kpi(&x, "pools.window.utilization").contributions[more].unwrap();
    assert!((u.mean + 0.25).abs() < 0.01, "{u:?}");
}

#[test]
fn two_levers_that_relieve_one_queue_interact_and_share_the_interaction() {
    // More servers and faster service both cut the wait; once one has, the
    // other has less left to cut: a positive (less negative) interaction.
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  servers: {pools: {window: {servers: 3}}}\n  faster: {processes: {customer: {steps: [{serve: window, time: {exp: 0.6min}}]}}}\n",
        ),
    ]);
    let x = explain_file(&dir.path().join("design.yaml"), &["wait_min"], None);
    let k = kpi(&x, "wait_min");
    assert_efficient(k);
    let i = &k.interactions[0];
    assert!(i.significant && i.effect.mean > 0.0, "{i:?}");
    // With two levers, φ_A = alone_A + interaction / 2 in every
    // replication (the Shapley value averages the two orders), so in the means too.
    for (name, n) in [("servers", 0), ("faster", 1)] {
        let phi = k.contributions[lever(&x, name)].unwrap().mean;
        let alone = k.alone[n].unwrap().mean;
        assert!((phi - (alone + i.effect.mean / 2.0)).abs() < 1e-9, "{name}");
    }
}

#[test]
fn levers_on_independent_pools_add_up_to_their_own_effects() {
    let base = "\
name: two halls
seed: 5
replications: 6
horizon: 4d
pools:
  a: {servers: 2}
  b: {servers: 2}
processes:
  pa: {steps: [{serve: a, time: {exp: 1min}}]}
  pb: {steps: [{serve: b, time: {exp: 1min}}]}
arrivals:
  - {name: to_a, rate: 1.5/min, process: pa}
  - {name: to_b, rate: 1.5/min, process: pb}
";
    let dir = folder(&[
        ("base.yaml", base),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  a3: {pools: {a: {servers: 3}}}\n  b3: {pools: {b: {servers: 3}}}\n",
        ),
    ]);
    let keys = ["pools.a.queue_mean", "pools.b.queue_mean"];
    let x = explain_file(&dir.path().join("design.yaml"), &keys, None);
    for (key, own, other) in [(keys[0], 0, 1), (keys[1], 1, 0)] {
        let k = kpi(&x, key);
        // The other pool's lever changes nothing here, in any replication.
        assert_eq!(k.contributions[other].unwrap().max, 0.0, "{key}");
        assert_eq!(k.contributions[other].unwrap().min, 0.0, "{key}");
        assert_eq!(k.contributions[own], k.alone[own], "{key}");
        assert!(k.interactions.iter().all(|i| i.effect.mean == 0.0), "{key}");
        assert_efficient(k);
    }
}

#[test]
fn sampled_orders_keep_efficiency_and_the_null_lever_at_zero() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  servers: {pools: {window: {servers: 3}}}\n  dummy: {pools: {spare: {servers: 2}}}\n  faster: {processes: {customer: {steps: [{serve: window, time: {exp: 0.8min}}]}}}\n",
        ),
    ]);
    let x = explain_file(&dir.path().join("design.yaml"), &["wait_min"], Some(5));
    assert_eq!(x.method, Method::Sampled { orders: 5 });
    let k = kpi(&x, "wait_min");
    assert_efficient(k);
    assert_eq!(k.contributions[lever(&x, "dummy")].unwrap().mean, 0.0);
    assert!(k.sampling_ci95.iter().all(Option::is_some));
}

#[test]
fn levers_that_only_validate_together_are_named_or_grouped() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  new_pool: {pools: {desk: {servers: 3}}}\n  use_it: {processes: {customer: {steps: [{serve: desk, time: {exp: 1min}}]}}}\n  dummy: {description: x}\n",
        ),
    ]);
    let design = resolve(&dir.path().join("design.yaml")).unwrap();
    match explain::plan(&design, None, false, 1) {
        Err(ExplainError::Dependent {
            together,
            with,
            without,
            problem,
        }) => {
            assert_eq!(together, ["new_pool", "use_it"]);
            assert_eq!(with, ["use_it"]);
            assert_eq!(without, ["new_pool"]);
            assert!(problem.contains("pool `desk` is not defined"), "{problem}");
        }
        other => panic!("expected the dependency, got {other:?}"),
    }
    let plan = explain::plan(&design, None, true, 1).unwrap();
    let names: Vec<&str> = plan.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["new_pool+use_it", "dummy"]);
    assert_eq!(plan.masks.len(), 4);
    // The command line: exit 2 and the message.
    Command::cargo_bin("procsim")
        .unwrap()
        .args(["explain", "-q"])
        .arg(dir.path().join("design.yaml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "levers `new_pool`, `use_it` must go together: with `use_it` but without `new_pool`",
        ));
}

#[test]
fn the_command_writes_its_files_and_explains_a_file_against_what_it_extends() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "after.yaml",
            "extends: base.yaml\nname: after\npools:\n  window: {servers: 3}\n  spare: null\n",
        ),
    ]);
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("procsim")
        .unwrap()
        .args(["explain", "-q", "--kpi", "wait_min", "--reps", "3", "--out"])
        .arg(&out)
        .arg(dir.path().join("after.yaml"))
        .assert()
        .success();
    let table = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    // Without levers, each differing entry is one; `name` is not a lever.
    assert!(table.contains("pools.window"), "{table}");
    assert!(table.contains("pools.spare"), "{table}");
    assert!(!table.contains("  name"), "{table}");
    // Every line but the first (the file's path, as given) fits 100 columns.
    assert!(
        table.lines().skip(1).all(|l| l.chars().count() <= 100),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("explain.json")).unwrap()).unwrap();
    assert_eq!(json["replications"], 3);
    assert_eq!(json["kpis"][0]["kpi"], "wait_min");
    let csv = std::fs::read_to_string(out.join("explain.csv")).unwrap();
    assert!(
        csv.starts_with(
            "kpi,kind,lever,mean,ci95,share,alone,alone_ci95,sampling_ci95,replications\n"
        ),
        "{csv}"
    );
    assert_eq!(
        csv.lines().filter(|l| l.contains(",contribution,")).count(),
        2
    );
    assert!(out.join(procsim::report::files::MANIFEST).exists());
    let svg = std::fs::read_to_string(out.join("charts/explain_wait_min.svg")).unwrap();
    assert!(
        svg.contains("pools.window") && svg.contains("total change"),
        "{svg}"
    );
    assert!(out.join("charts/explain_wait_min.png").exists());
}

#[test]
fn the_command_says_what_it_needs_when_the_baseline_is_unclear() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  more: {pools: {window: {servers: 3}}}\n",
        ),
    ]);
    let explain = |args: &[&Path]| {
        let mut c = Command::cargo_bin("procsim").unwrap();
        c.args(["explain", "-q"]);
        for a in args {
            c.arg(a);
        }
        c.assert().code(2)
    };
    let (base, design) = (dir.path().join("base.yaml"), dir.path().join("design.yaml"));
    // Levers are explained against the design without them: BEFORE is not used.
    explain(&[&design, &base]).stderr(predicates::str::contains(
        "has `levers:`; they are explained against the design without them",
    ));
    // Neither levers nor extends, and no BEFORE.
    explain(&[&base]).stderr(predicates::str::contains(
        "has neither `levers:` nor `extends:`; give the baseline",
    ));
    // The same file twice: nothing differs.
    explain(&[&base, &base]).stderr(predicates::str::contains("there are no levers"));
}

#[test]
fn levers_on_two_steps_of_one_process_each_get_their_own_effect() {
    // One process whose citizens queue at two pools at once (a `parallel`
    // step), so that neither pool's queue depends on the other's service
    // (in a tandem, pool b would see pool a's departures). Each lever
    // patches one step by id; before patches by id, the later lever's
    // whole `steps` list undid the earlier one's change.
    let base = "\
name: two windows
seed: 5
replications: 10
horizon: 6d
warmup: 1d
pools:
  a: {servers: 2}
  b: {servers: 2}
processes:
  p:
    steps:
      - parallel:
          - [{id: at_a, serve: a, time: {exp: 1min}}]
          - [{id: at_b, serve: b, time: {exp: 1min}}]
arrivals:
  - {name: citizens, rate: 1.5/min, process: p}
";
    let dir = folder(&[
        ("base.yaml", base),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  fast_a: {processes: {p: {steps: {at_a: {time: {exp: 0.6min}}}}}}\n  fast_b: {processes: {p: {steps: {at_b: {time: {exp: 0.8min}}}}}}\n",
        ),
    ]);
    let keys = ["pools.a.queue_mean", "pools.b.queue_mean", "wait_min"];
    let x = explain_file(&dir.path().join("design.yaml"), &keys, None);
    let (fast_a, fast_b) = (lever(&x, "fast_a"), lever(&x, "fast_b"));
    // Erlang C at λ = 1.5/min on 2 servers: Lq = λ C(2, a) / (2μ − λ).
    let lq = |mean_min: f64| {
        let mu = 1.0 / mean_min;
        1.5 * super::common::erlang_c(2, 1.5 / mu) / (2.0 * mu - 1.5)
    };
    for (key, own, other, theory) in [
        (keys[0], fast_a, fast_b, lq(0.6) - lq(1.0)),
        (keys[1], fast_b, fast_a, lq(0.8) - lq(1.0)),
    ] {
        let k = kpi(&x, key);
        // The other step's lever changes nothing at this pool, in any
        // replication; this one's contribution is its effect alone.
        let o = k.contributions[other].unwrap();
        assert_eq!((o.min, o.max), (0.0, 0.0), "{key}");
        assert_eq!(k.contributions[own], k.alone[own], "{key}");
        assert_efficient(k);
        // And it is the effect queueing theory gives (-1.70 and -1.14
        // cases): a band of 3 paired half-widths, as above.
        let c = k.contributions[own].unwrap();
        assert!(
            (c.mean - theory).abs() < 3.0 * c.ci95,
            "{key}: {c:?} vs {theory}"
        );
        assert!(c.ci95 < 0.2 * theory.abs(), "{key}: {c:?}");
    }
    // The mean wait per `serve` step averages the waits at a and at b over
    // the same cases, so the levers add up: each contribution is its
    // effect alone (up to rounding).
    let w = kpi(&x, "wait_min");
    assert_efficient(w);
    for l in [fast_a, fast_b] {
        let (phi, alone) = (w.contributions[l].unwrap().mean, w.alone[l].unwrap().mean);
        assert!(phi < 0.0 && (phi - alone).abs() < 1e-9, "{phi} vs {alone}");
    }
}

#[test]
fn a_target_on_a_pool_a_lever_adds_and_a_branch_share_by_name() {
    // Half the citizens go to pool a, half to pool b (one `choose`). The
    // lever `spare_desk` adds pool c and sends b's half there; the lever
    // `more_to_a` moves the shares by branch name. The design's target
    // names pool c, which the base and half the subsets do not have:
    // explain simulates the subsets without the targets.
    let base = "\
name: split
seed: 3
replications: 8
horizon: 5d
warmup: 1d
pools:
  a: {servers: 2}
  b: {servers: 2}
processes:
  p:
    steps:
      - id: route
        choose:
          - {name: to_a, p: 0.5, steps: [{id: at_a, serve: a, time: {exp: 1min}}]}
          - {name: to_b, p: 0.5, steps: [{id: at_b, serve: b, time: {exp: 1min}}]}
arrivals:
  - {name: citizens, rate: 1.5/min, process: p}
";
    let design = "\
extends: base.yaml
levers:
  spare_desk: {pools: {c: {servers: 3}}, processes: {p: {steps: {at_b: {serve: c}}}}}
  more_to_a: {processes: {p: {steps: {route: {choose: {to_a: {p: 0.6}, to_b: {p: 0.4}}}}}}}
targets:
  - {kpi: pools.c.wait_min, max: 5}
";
    let dir = folder(&[("base.yaml", base), ("design.yaml", design)]);
    let x = explain_file(
        &dir.path().join("design.yaml"),
        &["pools.a.utilization"],
        None,
    );
    let k = kpi(&x, "pools.a.utilization");
    assert_efficient(k);
    // Pool a's utilization is its share of the arrivals: 1.5 × p / 2
    // servers, 0.375 -> 0.45. The spare desk does not touch pool a.
    let (desk, share) = (lever(&x, "spare_desk"), lever(&x, "more_to_a"));
    let d = k.contributions[desk].unwrap();
    assert!(d.mean.abs() < 1e-12, "{d:?}");
    let s = k.contributions[share].unwrap();
    // 3 paired half-widths (about 99.7% under normality).
    assert!((s.mean - 0.075).abs() < 3.0 * s.ci95, "{s:?}");
}
