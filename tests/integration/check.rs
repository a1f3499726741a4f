//! `procsim check`: targets (exit 0 when all hold, 1 when one is missed, 2
//! for a target naming an unknown KPI or pool), the summary line, regression
//! against a baseline summary (file or directory matched by scenario name),
//! and JUnit XML parsed back.

use crate::common::{procsim, s, write};
use std::path::Path;

/// An M/M/c hall: λ = 8/min, exponential service of 1 min, `c` windows.
/// With c = 12 the mean wait is about 0.035 min; with c = 9 (ρ = 0.89)
/// about 0.7 min.
fn hall(name: &str, c: u32, targets: &str) -> String {
    format!(
        r#"name: {name}
seed: 3
replications: 6
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
  - {{name: customers, rate: 8/min, process: customer}}
{targets}"#
    )
}

/// The final line of stdout: `check: N passed, M failed`.
fn tally(stdout: &str) -> (usize, usize) {
    let last = stdout.lines().last().unwrap_or("");
    let rest = last
        .strip_prefix("check: ")
        .unwrap_or_else(|| panic!("last line is not the tally: {last:?}\n{stdout}"));
    let (p, f) = rest.split_once(" passed, ").unwrap();
    let f = f.strip_suffix(" failed").unwrap();
    (p.parse().unwrap(), f.parse().unwrap())
}

#[test]
fn targets_met_is_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "ok.yaml",
        &hall(
            "met",
            12,
            "targets:\n  - {kpi: wait_min, max: 0.5}\n  - {kpi: pools.window.utilization, min: 0.5, max: 0.8}\n  - {kpi: processes.customer.completed, min: 1000}\n",
        ),
    );
    let out = procsim(&["check", s(&file), "-q"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(tally(&out.stdout), (3, 0), "{}", out.stdout);
    assert!(out.stdout.contains("PASS  wait_min"), "{}", out.stdout);
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
}

#[test]
fn target_missed_is_exit_1_with_kpi_value_and_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "miss.yaml",
        &hall(
            "missed",
            9,
            "targets:\n  - {kpi: wait_min, max: 0.25}\n  - {kpi: pools.window.utilization, min: 0.5}\n",
        ),
    );
    let out = procsim(&["check", s(&file), "-q"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(tally(&out.stdout), (1, 1), "{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("FAIL  wait_min"))
        .unwrap_or_else(|| panic!("no FAIL line for wait_min:\n{}", out.stdout));
    // The value (about 0.7 min) and the bound both appear.
    assert!(line.contains("0.250"), "bound missing: {line}");
    let value: f64 = line
        .split(" = ")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no value in {line}"));
    assert!((0.4..1.2).contains(&value), "wait {value} in {line}");
    assert!(
        out.stdout.contains("PASS  pools.window.utilization"),
        "{}",
        out.stdout
    );

    // The JSON form agrees.
    let out = procsim(&["check", s(&file), "-q", "--json"]);
    assert_eq!(out.code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    let t = &v["scenarios"][0]["targets"][0];
    assert_eq!(t["kpi"], "wait_min");
    assert_eq!(t["passed"], false);
    assert_eq!(t["max"], 0.25);
    assert!((t["value"]["mean"].as_f64().unwrap() - value).abs() < 0.01);
}

#[test]
fn unknown_kpi_or_pool_in_a_target_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "kpi.yaml",
            "targets:\n  - {kpi: wait_minutes, max: 1}\n",
            "wait_minutes",
        ),
        (
            "pool.yaml",
            "targets:\n  - {kpi: pools.lobby.utilization, max: 1}\n",
            "lobby",
        ),
        (
            "pool_kpi.yaml",
            "targets:\n  - {kpi: pools.window.speed, max: 1}\n",
            "speed",
        ),
        (
            "process.yaml",
            "targets:\n  - {kpi: processes.nobody.wait_min, max: 1}\n",
            "nobody",
        ),
    ];
    for (name, targets, word) in cases {
        let file = write(tmp.path(), name, &hall("bad target", 12, targets));
        let out = procsim(&["check", s(&file), "-q"]);
        assert_eq!(out.code, Some(2), "check {name}: {}", out.stderr);
        assert!(out.stderr.contains(word), "check {name}: {}", out.stderr);
        assert!(out.stderr.contains(name), "names the file: {}", out.stderr);
        assert!(
            !out.stdout.contains("PASS") && out.stdout.contains("ERROR  invalid scenario"),
            "nothing was checked, the file is reported: {}",
            out.stdout
        );
        let out = procsim(&["validate", s(&file)]);
        assert_eq!(out.code, Some(2), "validate {name}: {}", out.stderr);
        assert!(out.stderr.contains(word), "validate {name}: {}", out.stderr);
        assert!(out.stderr.contains("targets[0].kpi"), "{}", out.stderr);
    }
}

#[test]
fn baseline_regression_fails_and_own_baseline_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let before = write(tmp.path(), "before.yaml", &hall("hall", 12, ""));
    let after = write(tmp.path(), "after.yaml", &hall("hall", 9, ""));
    let base = tmp.path().join("base");
    let out = procsim(&["run", s(&before), "--out", s(&base), "-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let summary = base.join("summary.json");

    // 9 windows instead of 12: waits grow clearly.
    let out = procsim(&["check", s(&after), "--baseline", s(&summary), "-q"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("FAIL  wait_min"))
        .unwrap_or_else(|| panic!("no regression line for wait_min:\n{}", out.stdout));
    assert!(line.contains("worse"), "{line}");
    let (_, failed) = tally(&out.stdout);
    assert!(failed >= 1, "{}", out.stdout);

    // The same design against its own baseline: identical, nothing regressed.
    let out = procsim(&["check", s(&before), "--baseline", s(&summary), "-q"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let (passed, failed) = tally(&out.stdout);
    assert_eq!(failed, 0, "{}", out.stdout);
    assert!(
        passed > 10,
        "every KPI with a direction is a test: {}",
        out.stdout
    );
    assert!(!out.stdout.contains("worse"), "{}", out.stdout);

    // A tolerance larger than the worsening lets wait_min pass (~0.035 -> ~0.7
    // is about +1900%). KPIs whose baseline mean is 0 (the median wait with
    // 12 windows) still fail: any worsening of 0 is beyond every percentage.
    let out = procsim(&[
        "check",
        s(&after),
        "--baseline",
        s(&summary),
        "--tolerance",
        "1000000",
        "-q",
    ]);
    assert!(!out.stdout.contains("FAIL  wait_min:"), "{}", out.stdout);
    let zero_baseline_failures = out.stdout.lines().filter(|l| l.contains("FAIL")).count();
    for line in out.stdout.lines().filter(|l| l.contains("FAIL")) {
        assert!(line.contains(": 0 -> "), "only zero baselines fail: {line}");
    }
    assert!(zero_baseline_failures > 0, "{}", out.stdout);
    // An absolute tolerance as well lets those pass too: nothing fails.
    let out = procsim(&[
        "check",
        s(&after),
        "--baseline",
        s(&summary),
        "--tolerance",
        "1000000",
        "--tolerance-abs",
        "1000",
        "-q",
    ]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let (_, failed) = tally(&out.stdout);
    assert_eq!(failed, 0, "{}", out.stdout);
}

#[test]
fn an_absolute_tolerance_lets_a_zero_baseline_move_a_little() {
    use procsim::check::{check_baseline, Tolerance};
    use procsim::multiplicity::Adjustment;
    use procsim::summary::Summary;
    let keys = vec!["wait_min".to_string()];
    let summary = |values: &[f64]| {
        let rows: Vec<Vec<Option<f64>>> = values.iter().map(|v| vec![Some(*v)]).collect();
        Summary::from_values("s", "s.yaml", 1, &keys, &rows)
    };
    // A baseline wait of exactly 0 and a current one of about 0.2 min:
    // significantly worse, and beyond any percentage of 0.
    let before = summary(&[0.0; 5]);
    let after = summary(&[0.18, 0.2, 0.22, 0.19, 0.21]);
    let regressed =
        |tolerance| check_baseline(&after, &before, tolerance, Adjustment::Holm)[0].regressed;
    assert!(regressed(Tolerance { pct: 1e6, abs: 0.0 }));
    assert!(
        regressed(Tolerance { pct: 1e6, abs: 0.1 }),
        "0.2 is beyond 0.1"
    );
    assert!(!regressed(Tolerance { pct: 1e6, abs: 0.5 }));
    // Both bounds must be exceeded: with a wide absolute bound a zero
    // percentage lets it pass too.
    assert!(!regressed(Tolerance { pct: 0.0, abs: 0.5 }));
}

#[test]
fn baseline_directory_is_matched_by_scenario_name() {
    let tmp = tempfile::tempdir().unwrap();
    // Baselines: `alpha` had 12 windows, `beta` already had 9.
    let dir = tmp.path().join("baselines");
    let a12 = write(tmp.path(), "alpha12.yaml", &hall("alpha", 12, ""));
    let b9 = write(tmp.path(), "beta9.yaml", &hall("beta", 9, ""));
    for (f, sub) in [(&a12, "a"), (&b9, "b")] {
        let out = procsim(&["run", s(f), "--out", s(&dir.join(sub)), "-q"]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
    }
    // Now both have 9 windows: alpha regressed, beta did not change.
    let a9 = write(tmp.path(), "alpha9.yaml", &hall("alpha", 9, ""));
    let out = procsim(&["check", s(&a9), "--baseline", s(&dir), "-q", "--json"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let used = v["scenarios"][0]["baseline_file"].as_str().unwrap();
    assert!(
        Path::new(used).ends_with("a/summary.json"),
        "alpha should be checked against a/summary.json, got {used}"
    );
    let wait = v["scenarios"][0]["baseline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kpi"] == "wait_min")
        .expect("wait_min compared");
    assert_eq!(wait["regressed"], true);

    let out = procsim(&["check", s(&b9), "--baseline", s(&dir), "-q", "--json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let used = v["scenarios"][0]["baseline_file"].as_str().unwrap();
    assert!(Path::new(used).ends_with("b/summary.json"), "{used}");
    assert_eq!(v["failed"], 0);

    // Both files at once: each gets its own baseline.
    let out = procsim(&["check", s(&a9), s(&b9), "--baseline", s(&dir), "-q"]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(out.stdout.contains("alpha (") && out.stdout.contains("beta ("));

    // A scenario with no baseline of its name (renamed, or never run) must
    // not pass the regression gate by testing nothing: exit 2, naming it,
    // before any simulation; with --allow-missing-baseline a warning.
    let g = write(tmp.path(), "gamma.yaml", &hall("gamma", 9, ""));
    let out = procsim(&["check", s(&g), "--baseline", s(&dir), "-q"]);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("no baseline for `gamma`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let out = procsim(&[
        "check",
        s(&g),
        "--baseline",
        s(&dir),
        "--allow-missing-baseline",
        "-q",
    ]);
    // Allowed, the missing baseline is a warning; with no targets either,
    // nothing is tested, and a check that tests nothing does not pass.
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("gamma"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was tested"), "{}", out.stderr);
    assert_eq!(tally(&out.stdout), (0, 0));

    // A baseline file of another scenario is refused the same way.
    let alpha_summary = dir.join("a").join("summary.json");
    let out = procsim(&["check", s(&b9), "--baseline", s(&alpha_summary), "-q"]);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("is of scenario `alpha`, not `beta`"),
        "{}",
        out.stderr
    );

    // A truncated summary in the directory is an error naming it, not a
    // file skipped in silence.
    let text = std::fs::read_to_string(&alpha_summary).unwrap();
    std::fs::write(&alpha_summary, &text[..text.len() / 2]).unwrap();
    let out = procsim(&["check", s(&a9), "--baseline", s(&dir), "-q"]);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("not a procsim summary.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn tolerances_must_be_finite_and_not_negative() {
    // `--tolerance NaN` made every comparison with it false, so no
    // regression could ever fail the check.
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "h.yaml", &hall("hall", 12, ""));
    for (flag, value) in [
        ("--tolerance", "NaN"),
        ("--tolerance", "-5"),
        ("--tolerance", "inf"),
        ("--tolerance-abs", "nan"),
        ("--tolerance-abs", "-0.1"),
    ] {
        let out = procsim(&["check", s(&f), &format!("{flag}={value}"), "-q"]);
        assert_eq!(out.code, Some(2), "{flag} {value}: {}", out.stderr);
        assert!(out.stderr.contains("finite number >= 0"), "{}", out.stderr);
    }
}

#[test]
fn missing_baseline_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "h.yaml", &hall("hall", 12, ""));
    let out = procsim(&[
        "check",
        s(&f),
        "--baseline",
        s(&tmp.path().join("nowhere.json")),
        "-q",
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("nowhere.json"), "{}", out.stderr);
}

#[test]
fn junit_xml_has_a_failure_exactly_for_failed_targets() {
    let tmp = tempfile::tempdir().unwrap();
    // First file: wait fails (9 windows), utilization passes, arrived fails.
    let one = write(
        tmp.path(),
        "one.yaml",
        &hall(
            "first <design>",
            9,
            "targets:\n  - {kpi: wait_min, max: 0.25}\n  - {kpi: pools.window.utilization, min: 0.5}\n  - {kpi: arrived, min: 1000000}\n",
        ),
    );
    // Second file: every target holds.
    let two = write(
        tmp.path(),
        "two.yaml",
        &hall(
            "second & last",
            12,
            "targets:\n  - {kpi: wait_min, max: 0.25}\n  - {kpi: abandon_rate, max: 0.01}\n",
        ),
    );
    let xml_path = tmp.path().join("reports").join("junit.xml");
    std::fs::create_dir(tmp.path().join("reports")).unwrap();
    let out = procsim(&["check", s(&one), s(&two), "--junit", s(&xml_path), "-q"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(tally(&out.stdout), (3, 2), "{}", out.stdout);

    let text = std::fs::read_to_string(&xml_path).unwrap();
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("junit.xml is not XML: {e}\n{text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("5"));
    assert_eq!(root.attribute("failures"), Some("2"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.len(), 2);
    // Expected (suite name, [(testcase mentions kpi, fails)]).
    let expected: [(&str, &[(&str, bool)]); 2] = [
        (
            "first <design>",
            &[
                ("wait_min", true),
                ("pools.window.utilization", false),
                ("arrived", true),
            ],
        ),
        (
            "second & last",
            &[("wait_min", false), ("abandon_rate", false)],
        ),
    ];
    for (suite, (name, cases)) in suites.iter().zip(expected) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        assert_eq!(suite.attribute("name"), Some(name));
        let testcases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
        assert!(testcases.iter().all(|t| t.tag_name().name() == "testcase"));
        assert_eq!(testcases.len(), cases.len(), "suite {name}");
        let failures = cases.iter().filter(|c| c.1).count();
        assert_eq!(
            suite.attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        assert_eq!(
            suite.attribute("failures"),
            Some(failures.to_string().as_str())
        );
        for (tc, (kpi, fails)) in testcases.iter().zip(cases.iter()) {
            let tc_name = tc.attribute("name").unwrap();
            assert!(
                tc_name.split_whitespace().any(|w| w == *kpi),
                "testcase {tc_name:?} should be about {kpi}"
            );
            let fail_elems: Vec<_> = tc
                .children()
                .filter(|n| n.is_element() && n.tag_name().name() == "failure")
                .collect();
            assert_eq!(
                fail_elems.len(),
                usize::from(*fails),
                "testcase {tc_name:?}: failure element iff the target failed"
            );
            if let Some(f) = fail_elems.first() {
                let msg = f.attribute("message").unwrap();
                assert!(msg.contains(kpi), "{msg}");
            }
        }
    }
    // No temporary file next to the report.
    for e in std::fs::read_dir(tmp.path().join("reports")).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().to_string();
        assert_eq!(n, "junit.xml", "unexpected file {n}");
    }
}

#[test]
fn junit_with_baseline_counts_regressions() {
    let tmp = tempfile::tempdir().unwrap();
    let before = write(tmp.path(), "before.yaml", &hall("hall", 12, ""));
    let after = write(
        tmp.path(),
        "after.yaml",
        &hall("hall", 9, "targets:\n  - {kpi: wait_min, max: 5}\n"),
    );
    let base = tmp.path().join("base");
    assert_eq!(
        procsim(&["run", s(&before), "--out", s(&base), "-q"]).code,
        Some(0)
    );
    let xml_path = tmp.path().join("junit.xml");
    let out = procsim(&[
        "check",
        s(&after),
        "--baseline",
        s(&base.join("summary.json")),
        "--junit",
        s(&xml_path),
        "-q",
        "--json",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let text = std::fs::read_to_string(&xml_path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    let testcases: Vec<_> = root
        .descendants()
        .filter(|n| n.tag_name().name() == "testcase")
        .collect();
    let failures: Vec<_> = testcases
        .iter()
        .filter(|t| t.children().any(|c| c.tag_name().name() == "failure"))
        .map(|t| t.attribute("name").unwrap().to_string())
        .collect();
    let passed = v["passed"].as_u64().unwrap() as usize;
    let failed = v["failed"].as_u64().unwrap() as usize;
    assert_eq!(testcases.len(), passed + failed);
    assert_eq!(failures.len(), failed);
    assert_eq!(
        root.attribute("tests"),
        Some((passed + failed).to_string().as_str())
    );
    assert_eq!(
        root.attribute("failures"),
        Some(failed.to_string().as_str())
    );
    // The target (wait below 5 min) holds; the regression of wait_min fails.
    assert!(
        !failures.iter().any(|n| n.starts_with("target ")),
        "{failures:?}"
    );
    assert!(
        failures.iter().any(|n| n == "baseline wait_min"),
        "{failures:?}"
    );
    let regressed: Vec<String> = v["scenarios"][0]["baseline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["regressed"] == true)
        .map(|b| format!("baseline {}", b["kpi"].as_str().unwrap()))
        .collect();
    assert_eq!(regressed, failures);
}

#[test]
fn an_invalid_file_is_an_error_in_junit_and_the_others_are_still_checked() {
    // Before, one invalid file made `check --junit` write no file at all
    // and drop the other scenarios' results.
    let tmp = tempfile::tempdir().unwrap();
    let good = write(
        tmp.path(),
        "good.yaml",
        &hall(
            "good",
            12,
            "targets:\n  - {kpi: wait_min, max: 15}\n  - {kpi: wait_min, min: 0}\n",
        ),
    );
    let bad = write(tmp.path(), "bad.yaml", "name: bad\nhorizon: 5\n");
    let junit = tmp.path().join("junit.xml");
    let out = procsim(&["check", s(&good), s(&bad), "-q", "--junit", s(&junit)]);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("PASS  wait_min"), "{}", out.stdout);
    assert!(out.stderr.contains("bad.yaml"), "{}", out.stderr);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
    // Stable names: the bounds are in the messages, not the names; a KPI
    // with two targets gets a number.
    assert_eq!(
        names,
        ["target wait_min", "target wait_min #2", "valid scenario"],
        "{xml}"
    );
    let error = cases[2]
        .children()
        .find(|c| c.has_tag_name("error"))
        .expect("an error");
    assert!(
        error.attribute("message").unwrap().contains("bad.yaml"),
        "{xml}"
    );
    let root = doc.root_element();
    assert!(
        root.attribute("timestamp").is_some() && root.attribute("time").is_some(),
        "{xml}"
    );
}

#[test]
fn names_with_control_characters_stay_inert_in_junit_terminals_and_markdown() {
    // A name with a terminal escape sequence, a line break and a form feed:
    // JUnit must still parse, the terminal must not get the raw escape, a
    // Markdown table must keep one row per line.
    let tmp = tempfile::tempdir().unwrap();
    let name = r#""evil\e[31m red\nline\f|x""#;
    let f = write(
        tmp.path(),
        "evil.yaml",
        &hall(name, 12, "targets:\n  - {kpi: wait_min, max: 15}\n"),
    );
    let junit = tmp.path().join("junit.xml");
    let out = procsim(&["check", s(&f), "-q", "--junit", s(&junit)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        !out.stdout.contains('\u{1b}') && !out.stdout.contains('\u{c}'),
        "{:?}",
        out.stdout
    );
    assert!(
        out.stdout.contains("evil\\u{1b}[31m red\\nline"),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    roxmltree::Document::parse(&xml).expect("JUnit XML parses");
    let out = procsim(&["compare", s(&f), s(&f), "-q", "--markdown", "wait_min"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let header = out.stdout.lines().next().unwrap();
    assert!(
        header.contains("evil") && header.contains("\\|x"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
}

#[test]
fn names_with_escape_sequences_reach_stderr_escaped() {
    // Progress lines and warnings quote the names of designs and pools:
    // an escape sequence in one must not reach the terminal raw (it did on
    // stderr while stdout was escaped).
    let tmp = tempfile::tempdir().unwrap();
    let evil = write(
        tmp.path(),
        "evil.yaml",
        &hall(
            r#""evil\e[31m red\nline""#,
            12,
            "targets:\n  - {kpi: wait_min, max: 15}\n",
        ),
    );
    let fine = write(tmp.path(), "fine.yaml", &hall("fine", 12, ""));
    let pool = write(
        tmp.path(),
        "pool.yaml",
        "name: pool\nreplications: 2\nhorizon: 1d\n\
         pools: {\"w\\e[31m\": {servers: 1}}\n\
         processes: {p: {steps: [{serve: \"w\\e[31m\", time: {exp: 1min}, patience: {exp: 5min}}]}}\n\
         arrivals: [{name: a, rate: 10/min, process: p}]\n",
    );
    for args in [
        vec!["check", s(&evil)],
        vec!["compare", s(&fine), s(&evil)],
        vec!["run", s(&pool)],
    ] {
        let out = procsim(&args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        assert!(
            !out.stderr.contains('\u{1b}') && out.stderr.contains("\\u{1b}[31m"),
            "{args:?}: {:?}",
            out.stderr
        );
    }
    // Without a terminal, compare names each design as it starts.
    let out = procsim(&["compare", s(&fine), s(&evil)]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(lines[0].starts_with("compare fine:"), "{}", out.stderr);
    assert!(
        lines[1].starts_with("compare evil\\u{1b}[31m red\\nline:"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_check_that_tests_nothing_does_not_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "plain.yaml", &hall("plain", 12, ""));
    let out = procsim(&["check", s(&f), "-q"]);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("nothing was tested"), "{}", out.stderr);
}

#[test]
fn without_a_terminal_progress_is_one_line_per_scenario_naming_it() {
    // Before: a line per replication naming neither scenario nor design.
    let tmp = tempfile::tempdir().unwrap();
    let a = write(
        tmp.path(),
        "a.yaml",
        &hall("alpha", 12, "targets:\n  - {kpi: wait_min, max: 15}\n"),
    );
    let b = write(
        tmp.path(),
        "b.yaml",
        &hall("beta", 12, "targets:\n  - {kpi: wait_min, max: 15}\n"),
    );
    let out = procsim(&["check", s(&a), s(&b)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(lines.iter().any(|l| l.contains("alpha")) && lines.iter().any(|l| l.contains("beta")));
}

#[test]
fn a_baseline_comparison_from_one_replication_is_refused() {
    // One replication has no interval: 27 KPIs used to be marked
    // significantly worse by noise alone.
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "h.yaml", &hall("hall", 12, ""));
    let base = tmp.path().join("base");
    let out = procsim(&["run", s(&f), "-q", "--out", s(&base)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let summary = base.join("summary.json");
    let out = procsim(&[
        "check",
        s(&f),
        "-q",
        "--reps",
        "1",
        "--baseline",
        s(&summary),
    ]);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("at least 2 replications"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "nothing simulated: {}", out.stdout);
}

/// A FIFO or a link to a device named `*.json` among the baselines: the
/// directory walk blocked on the FIFO for ever (SIGTERM did not end it)
/// and would read `/dev/zero` without end. Only regular files are read.
#[cfg(unix)]
#[test]
fn a_baseline_directory_reads_only_regular_files() {
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "h.yaml", &hall("hall", 12, ""));
    let dir = tmp.path().join("baselines");
    let out = procsim(&["run", s(&f), "-q", "--out", s(&dir.join("hall"))]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let fifo = dir.join("a.json");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(ok.is_ok_and(|st| st.success()), "mkfifo");
    std::os::unix::fs::symlink("/dev/zero", dir.join("b.json")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_procsim"))
        .args(["check", s(&f), "--baseline", s(&dir), "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("check --baseline blocked on a FIFO or a device");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Its own baseline, found beside them: no regression, exit 0.
    assert_eq!(status.code(), Some(0));
}
