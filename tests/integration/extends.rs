//! `extends:` and `levers:`: designs written as changes to a base. Each
//! merged design is compared with the same design written out in full,
//! by the fingerprint of everything it simulates.

use crate::common::folder;
use procsim::merge::design_fingerprint;
use procsim::scenario::{load, load_str, resolve};
use std::path::{Path, PathBuf};

const BASE: &str = "\
name: base
seed: 3
replications: 4
horizon: 2d
pools:
  window: {servers: 2, discipline: fifo}
  spare: {servers: 1}
processes:
  customer:
    steps:
      - {serve: window, time: {exp: 1min}}
arrivals:
  - {name: customers, rate: 1.5/min, process: customer}
";

fn path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn fingerprint_of(p: &Path) -> String {
    design_fingerprint(&load(p).unwrap_or_else(|e| panic!("{e}")))
}

fn fingerprint_of_text(text: &str) -> String {
    design_fingerprint(&load_str(text, "full.yaml").unwrap_or_else(|e| panic!("{e}")))
}

fn error_of(p: &Path) -> String {
    match load(p) {
        Ok(_) => panic!("{} loaded, but it has a problem", p.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn maps_merge_lists_replace_null_removes() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "after.yaml",
            "\
extends: base.yaml
name: after
pools:
  window: {servers: 3}
  spare: null
processes:
  customer:
    steps:
      - {serve: window, time: {exp: 2min}}
      - {wait: 1min}
",
        ),
    ]);
    // Written out by hand: the window keeps its discipline (maps merge),
    // the steps are the new list, the spare pool is gone.
    let full = "\
name: after
seed: 3
replications: 4
horizon: 2d
pools:
  window: {servers: 3, discipline: fifo}
processes:
  customer:
    steps:
      - {serve: window, time: {exp: 2min}}
      - {wait: 1min}
arrivals:
  - {name: customers, rate: 1.5/min, process: customer}
";
    let merged = load(&path(&dir, "after.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(merged.name, "after");
    assert_eq!(merged.seed, 3);
    assert_eq!(merged.pools.len(), 1);
    assert_eq!(design_fingerprint(&merged), fingerprint_of_text(full));
    // And it differs from the base (the fingerprint can tell).
    assert_ne!(
        fingerprint_of(&path(&dir, "after.yaml")),
        fingerprint_of(&path(&dir, "base.yaml"))
    );
}

#[test]
fn chains_merge_from_the_deepest_base_and_apply_a_base_s_levers() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "middle.yaml",
            "extends: base.yaml\nhorizon: 3d\nlevers:\n  more: {pools: {window: {servers: 4}}}\n",
        ),
    ]);
    std::fs::create_dir(dir.path().join("sub")).ok();
    std::fs::write(
        path(&dir, "sub/top.yaml"),
        "extends: ../middle.yaml\nreplications: 6\n",
    )
    .unwrap();
    let top = load(&path(&dir, "sub/top.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(top.replications, 6);
    assert_eq!(top.horizon, 3.0 * 86_400.0);
    assert_eq!(top.pools[0].name, "window");
    let full = BASE
        .replace("horizon: 2d", "horizon: 3d")
        .replace("servers: 2,", "servers: 4,");
    assert_eq!(design_fingerprint(&top), fingerprint_of_text(&full));
}

#[test]
fn a_cycle_is_an_error_that_shows_the_chain() {
    let dir = folder(&[
        ("a.yaml", "extends: b.yaml\n"),
        ("b.yaml", "extends: c.yaml\n"),
        ("c.yaml", "extends: b.yaml\n"),
    ]);
    let err = error_of(&path(&dir, "a.yaml"));
    let p = |n: &str| path(&dir, n).display().to_string();
    assert_eq!(
        err,
        format!(
            "error: {}:1:10: extends: `extends` makes a cycle: {} -> {} -> {}; one of these files must not extend another",
            p("c.yaml"),
            p("b.yaml"),
            p("c.yaml"),
            p("b.yaml")
        )
    );
}

#[test]
fn errors_point_into_the_file_that_holds_the_line() {
    let dir = folder(&[
        (
            "base.yaml",
            &BASE.replace("spare: {servers: 1}", "spare: {servers: 1, colour: red}"),
        ),
        (
            "after.yaml",
            "extends: base.yaml\npools:\n  window: {servers: -1}\n",
        ),
    ]);
    let err = error_of(&path(&dir, "after.yaml"));
    let lines: Vec<&str> = err.lines().collect();
    let after = path(&dir, "after.yaml").display().to_string();
    let base = path(&dir, "base.yaml").display().to_string();
    // (A third line follows: the pool rejected in the base is missing
    // where the base's process serves at it, reported there too.)
    assert!(lines.len() >= 2, "{err}");
    assert!(
        lines[0].starts_with(&format!("error: {after}:3:21: pools.window.servers: ")),
        "{err}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "error: {base}:7:23: pools.spare.colour: unknown key"
        )),
        "{err}"
    );
}

#[test]
fn a_base_that_does_not_parse_is_reported_in_the_base() {
    let dir = folder(&[
        ("base.yaml", "name: [unclosed\n"),
        ("after.yaml", "extends: base.yaml\n"),
    ]);
    let err = error_of(&path(&dir, "after.yaml"));
    let base = path(&dir, "base.yaml").display().to_string();
    assert!(err.starts_with(&format!("error: {base}:")), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
}

#[test]
fn nothing_half_done_a_null_that_removes_nothing_or_a_missing_base_stops() {
    let dir = folder(&[
        ("base.yaml", BASE),
        ("typo.yaml", "extends: base.yaml\npools:\n  spair: null\n"),
        ("missing.yaml", "name: x\nextends: nowhere.yaml\n"),
        ("number.yaml", "extends: 3\n"),
    ]);
    let typo = path(&dir, "typo.yaml").display().to_string();
    assert_eq!(
        error_of(&path(&dir, "typo.yaml")),
        format!("error: {typo}:3:3: pools.spair: `null` removes a key, but the base has no `spair` here (did you mean `spare`?)")
    );
    let missing = error_of(&path(&dir, "missing.yaml"));
    assert!(
        missing.contains("missing.yaml:2:10: extends: cannot read the base"),
        "{missing}"
    );
    let number = error_of(&path(&dir, "number.yaml"));
    assert!(
        number.contains("number.yaml:1:10: extends: expected the path of a scenario file"),
        "{number}"
    );
}

#[test]
fn levers_apply_in_file_order_on_the_base() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "\
extends: base.yaml
name: design
levers:
  more_windows: {pools: {window: {servers: 3}}}
  slower: {processes: {customer: {steps: [{serve: window, time: {exp: 2min}}]}}}
  even_more: {pools: {window: {servers: 5}}}
",
        ),
    ]);
    let design = resolve(&path(&dir, "design.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = design.levers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["more_windows", "slower", "even_more"]);
    let fp = |m: procsim::model::Model| design_fingerprint(&m);
    let base = BASE.replace("name: base", "name: design");
    // No lever: the base itself.
    assert_eq!(
        fp(design.model(|_| false).unwrap()),
        fingerprint_of_text(&base)
    );
    // All levers, the last one writing servers last.
    let all = base
        .replace("servers: 2,", "servers: 5,")
        .replace("exp: 1min", "exp: 2min");
    assert_eq!(fp(design.full().unwrap()), fingerprint_of_text(&all));
    assert_eq!(
        fingerprint_of(&path(&dir, "design.yaml")),
        fingerprint_of_text(&all)
    );
    // One lever alone.
    let slower = base.replace("exp: 1min", "exp: 2min");
    assert_eq!(
        fp(design.model(|i| i == 1).unwrap()),
        fingerprint_of_text(&slower)
    );
}

#[test]
fn a_bad_key_inside_a_lever_points_at_its_line() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "design.yaml",
            "extends: base.yaml\nlevers:\n  ok: {pools: {window: {servers: 3}}}\n  bad:\n    pools:\n      window: {srvers: 3}\n  odd: 7\n",
        ),
    ]);
    let p = path(&dir, "design.yaml").display().to_string();
    assert_eq!(
        error_of(&path(&dir, "design.yaml")),
        format!("error: {p}:7:8: levers.odd: a lever is a mapping of changes to the base (the same keys as a scenario), found a number")
    );
    std::fs::write(
        path(&dir, "design.yaml"),
        "extends: base.yaml\nlevers:\n  ok: {pools: {window: {servers: 3}}}\n  bad:\n    pools:\n      window: {srvers: 3}\n",
    )
    .unwrap();
    assert_eq!(
        error_of(&path(&dir, "design.yaml")),
        format!(
            "error: {p}:6:16: pools.window.srvers: unknown key `srvers`; did you mean `servers`?"
        )
    );
}

#[test]
fn the_changes_between_two_files_are_levers_that_rebuild_the_after_file() {
    let after = "\
name: after
seed: 3
replications: 4
horizon: 3d
pools:
  window: {servers: 3}
  desk: {servers: 1}
processes:
  customer:
    steps:
      - {serve: window, time: {exp: 1min}}
arrivals:
  - {name: customers, rate: 1.5/min, process: customer}
";
    let dir = folder(&[("base.yaml", BASE), ("after.yaml", after)]);
    let before = resolve(&path(&dir, "base.yaml")).unwrap();
    let after_design = resolve(&path(&dir, "after.yaml")).unwrap();
    let changes = procsim::scenario::Design::changes(&before, &after_design).unwrap();
    let names: Vec<&str> = changes.levers.iter().map(|l| l.name.as_str()).collect();
    // `name` is not a lever; the window lost its discipline and gained a
    // server (one lever), the spare pool went, the desk came.
    assert_eq!(
        names,
        ["horizon", "pools.window", "pools.desk", "pools.spare"]
    );
    let fp = |m: procsim::model::Model| design_fingerprint(&m);
    assert_eq!(fp(changes.full().unwrap()), fingerprint_of_text(after));
    assert_eq!(
        fp(changes.model(|_| false).unwrap()),
        fingerprint_of_text(&BASE.replace("name: base", "name: after"))
    );
}

#[test]
fn every_command_reads_a_file_that_extends_a_base() {
    let dir = folder(&[
        ("base.yaml", BASE),
        (
            "after.yaml",
            "extends: base.yaml\nname: after\npools:\n  window: {servers: 3}\ntargets:\n  - {kpi: pools.window.utilization, max: 0.6}\n",
        ),
    ]);
    let (base, after) = (path(&dir, "base.yaml"), path(&dir, "after.yaml"));
    let procsim = || {
        let mut c = assert_cmd::Command::cargo_bin("procsim").unwrap();
        c.arg("-q");
        c
    };
    procsim().arg("validate").arg(&after).assert().success();
    let run = procsim()
        .args(["run", "--json", "--reps", "2"])
        .arg(&after)
        .assert()
        .success();
    let summary: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    assert_eq!(summary["scenario"], "after", "{summary}");
    procsim()
        .args(["compare", "--reps", "2"])
        .arg(&base)
        .arg(&after)
        .assert()
        .success();
    procsim()
        .args(["check", "--reps", "2"])
        .arg(&after)
        .assert()
        .success();
    // sweep sets a key of the merged design.
    let sweep = procsim()
        .args([
            "sweep",
            "--json",
            "--reps",
            "2",
            "--set",
            "pools.window.servers=3,4",
        ])
        .arg(&after)
        .assert()
        .success();
    let sweep: serde_json::Value = serde_json::from_slice(&sweep.get_output().stdout).unwrap();
    assert_eq!(sweep["points"].as_array().unwrap().len(), 2, "{sweep}");
}

#[test]
fn text_given_to_the_library_does_not_make_it_read_files() {
    let err = load_str("extends: /etc/hostname\n", "upload.yaml")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "error: upload.yaml:1:10: extends: `extends` is followed only when a scenario is loaded from its file (procsim's commands, `scenario::load`), not from text"
    );
}

/// One process of two serve steps at two pools, with a rework, a
/// `parallel` and a `choose` step whose branches hold steps with ids.
const ROUTE: &str = "\
name: route
seed: 3
replications: 4
horizon: 2d
pools:
  a: {servers: 2}
  b: {servers: 2}
  office: {servers: 1}
processes:
  p:
    steps:
      - {id: first, serve: a, time: {exp: 1min}}
      - {id: resubmit, rework: {p: 0.25, after: 1h, to: first}}
      - {id: second, serve: b, time: {exp: 1min}}
      - parallel:
          - [{id: check, work: office, time: {exp: 2min}}]
          - [{id: notice, wait: 1h}]
      - choose:
          - {p: 0.7, steps: [{id: mail, wait: 1d}]}
          - {p: 0.3, steps: [{id: collect, serve: a, time: 3min}]}
arrivals:
  - {name: citizens, rate: 1/min, process: p}
  - {name: online, rate: 0.1/min, process: p, channel: online}
";

#[test]
fn levers_on_two_steps_of_one_process_both_take_effect_in_either_order() {
    let faster_first = "{processes: {p: {steps: {first: {time: {exp: 0.6min}}}}}}";
    let faster_second = "{processes: {p: {steps: {second: {time: {exp: 0.5min}}}}}}";
    let fewer_returns = "{processes: {p: {steps: {resubmit: {rework: {p: 0.1}}}}}}";
    let full = ROUTE
        .replace("name: route", "name: design")
        .replace(
            "serve: a, time: {exp: 1min}",
            "serve: a, time: {exp: 0.6min}",
        )
        .replace(
            "serve: b, time: {exp: 1min}",
            "serve: b, time: {exp: 0.5min}",
        )
        .replace("p: 0.25", "p: 0.1");
    for order in [
        [faster_first, faster_second, fewer_returns],
        [fewer_returns, faster_second, faster_first],
    ] {
        let dir = folder(&[
            ("base.yaml", ROUTE),
            (
                "design.yaml",
                &format!(
                    "extends: base.yaml\nname: design\nlevers:\n  x: {}\n  y: {}\n  z: {}\n",
                    order[0], order[1], order[2]
                ),
            ),
        ]);
        let design = resolve(&path(&dir, "design.yaml")).unwrap_or_else(|e| panic!("{e}"));
        let fp = |m: procsim::model::Model| design_fingerprint(&m);
        // Every lever applied: each step carries its own lever's change.
        assert_eq!(fp(design.full().unwrap()), fingerprint_of_text(&full));
        // Each lever alone changes its step only.
        let base = ROUTE.replace("name: route", "name: design");
        for (i, lever) in order.iter().enumerate() {
            let alone = if *lever == faster_first {
                base.replace(
                    "serve: a, time: {exp: 1min}",
                    "serve: a, time: {exp: 0.6min}",
                )
            } else if *lever == faster_second {
                base.replace(
                    "serve: b, time: {exp: 1min}",
                    "serve: b, time: {exp: 0.5min}",
                )
            } else {
                base.replace("p: 0.25", "p: 0.1")
            };
            assert_ne!(alone, base);
            assert_eq!(
                fp(design.model(|j| j == i).unwrap()),
                fingerprint_of_text(&alone),
                "lever {lever}"
            );
        }
    }
}

#[test]
fn steps_in_branches_and_arrival_streams_are_patched_by_name_and_null_removes_a_step() {
    let dir = folder(&[
        ("base.yaml", ROUTE),
        (
            "after.yaml",
            "\
extends: base.yaml
name: after
processes:
  p:
    steps:
      check: {time: {exp: 3min}}    # inside a parallel branch
      collect: {time: 4min}         # inside a choose branch
      resubmit: null                # removed
arrivals:
  citizens: {rate: null, daily: 700}
",
        ),
    ]);
    let full = ROUTE
        .replace("name: route", "name: after")
        .replace(
            "      - {id: resubmit, rework: {p: 0.25, after: 1h, to: first}}\n",
            "",
        )
        .replace("time: {exp: 2min}", "time: {exp: 3min}")
        .replace("time: 3min", "time: 4min")
        .replace("rate: 1/min, process: p}", "process: p, daily: 700}");
    assert_eq!(full.matches("exp: 3min").count(), 1);
    assert!(!full.contains("resubmit") && full.contains("daily: 700"));
    assert_eq!(
        fingerprint_of(&path(&dir, "after.yaml")),
        fingerprint_of_text(&full)
    );
}

#[test]
fn a_step_patch_naming_no_step_or_a_list_without_names_is_a_located_error() {
    let dir = folder(&[
        ("base.yaml", ROUTE),
        (
            "typo.yaml",
            "extends: base.yaml\nlevers:\n  ok: {pools: {a: {servers: 3}}}\n  typo:\n    processes:\n      p:\n        steps:\n          colect: {time: 4min}\n",
        ),
        (
            "targets.yaml",
            "extends: base.yaml\ntargets: [{kpi: wait_min, max: 5}]\n",
        ),
        (
            "patch_targets.yaml",
            "extends: targets.yaml\ntargets:\n  wait_min: {max: 4}\n",
        ),
        (
            "middle.yaml",
            "extends: base.yaml\nprocesses:\n  p:\n    steps:\n      secnd: null\n",
        ),
        ("top.yaml", "extends: middle.yaml\nname: top\n"),
    ]);
    // Reported in the file that holds the patch, not the file loaded.
    let middle = path(&dir, "middle.yaml").display().to_string();
    let err = error_of(&path(&dir, "top.yaml"));
    assert!(
        err.starts_with(&format!(
            "error: {middle}:5:7: processes.p.steps.secnd: no entry of the base's list has the id or name `secnd` (did you mean `second`?)"
        )),
        "{err}"
    );
    let typo = path(&dir, "typo.yaml").display().to_string();
    assert_eq!(
        error_of(&path(&dir, "typo.yaml")),
        format!(
            "error: {typo}:8:11: processes.p.steps.colect: no entry of the base's list has the id \
             or name `colect` (did you mean `collect`?) (a mapping patches only entries the base \
             has; to add one, give the whole new list)"
        )
    );
    let patch_targets = path(&dir, "patch_targets.yaml").display().to_string();
    let err = error_of(&path(&dir, "patch_targets.yaml"));
    assert!(
        err.starts_with(&format!(
            "error: {patch_targets}:3:3: targets.wait_min: a mapping patches a list entry by entry"
        )),
        "{err}"
    );
    assert!(
        err.contains("give the whole new list instead (a list replaces the base's)"),
        "{err}"
    );
}
