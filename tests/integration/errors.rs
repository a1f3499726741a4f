//! `procsim validate` on bad input: one fixture per validation rule under
//! `tests/fixtures/bad/`, each checked for exit code 2 and for an `error:` line
//! that names the file, the line, the key path and what is wrong. Hostile
//! files (non-UTF-8, alias bombs, deep nesting, huge files) are generated into
//! a temporary directory. Every shipped scenario must validate.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// Output of one `procsim validate` run.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// The `error:` lines of stderr.
    fn errors(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect()
    }
}

fn validate(args: &[&str]) -> Outcome {
    let out = Command::cargo_bin("procsim")
        .expect("the procsim binary is built")
        .current_dir(MANIFEST)
        .arg("validate")
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("procsim runs");
    let outcome = Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !outcome.stderr.contains("panicked") && !outcome.stderr.contains("RUST_BACKTRACE"),
        "procsim panicked on {args:?}:\n{}",
        outcome.stderr
    );
    outcome
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/bad/{name}")
}

/// Validates the fixture `name` and checks that it is refused with exit 2 and
/// that one `error:` line carries `FILE:LINE:`, `: PATH: ` and `phrase`.
/// An empty `path` means the problem has no key path (the whole document).
/// Returns the outcome for further checks.
fn rejects(name: &str, line: u32, path: &str, phrase: &str) -> Outcome {
    let file = fixture(name);
    let out = validate(&[&file]);
    assert_eq!(
        out.code,
        Some(2),
        "{file} should be refused with exit code 2; stderr:\n{}",
        out.stderr
    );
    assert!(
        !out.stdout.contains("ok:"),
        "{file} should not be reported ok; stdout:\n{}",
        out.stdout
    );
    let location = format!("error: {file}:{line}:");
    let key = format!(": {path}: ");
    let hit = out.errors().into_iter().any(|l| {
        l.starts_with(&location) && (path.is_empty() || l.contains(&key)) && l.contains(phrase)
    });
    assert!(
        hit,
        "{file}: expected an error line starting with `{location}` with key path `{path}` and `{phrase}`; stderr was:\n{}",
        out.stderr
    );
    out
}

// ---------------------------------------------------------------- keys

#[test]
fn unknown_key_gets_a_did_you_mean_hint() {
    rejects(
        "unknown_key_hint.yaml",
        2,
        "horizn",
        "did you mean `horizon`?",
    );
}

#[test]
fn missing_required_key_is_named() {
    rejects(
        "missing_horizon.yaml",
        1,
        "",
        "missing required key `horizon`",
    );
}

// ---------------------------------------------------------------- units

#[test]
fn bare_number_needs_a_unit() {
    rejects(
        "bare_number.yaml",
        14,
        "processes.license.steps[2].time",
        "needs a unit",
    );
}

#[test]
fn unknown_unit_is_refused() {
    rejects(
        "unknown_unit.yaml",
        14,
        "processes.license.steps[2].time",
        "unknown unit `weeks`",
    );
}

// ---------------------------------------------------------------- values

#[test]
fn zero_horizon_is_refused() {
    rejects("horizon_zero.yaml", 2, "horizon", "must be greater than 0");
}

#[test]
fn zero_exponential_mean_is_refused() {
    rejects(
        "exp_mean_zero.yaml",
        10,
        "processes.license.steps[0].time",
        "mean must be greater than 0",
    );
}

#[test]
fn rate_over_the_limit_is_refused() {
    rejects(
        "rate_too_high.yaml",
        13,
        "arrivals[0].rate",
        "over the limit",
    );
}

#[test]
fn probability_outside_unit_interval_is_refused() {
    rejects(
        "no_show_probability.yaml",
        15,
        "arrivals[0].appointments.no_show",
        "between 0 and 1",
    );
}

#[test]
fn mix_shares_must_sum_to_one() {
    rejects("mix_sum.yaml", 18, "arrivals[0].mix", "must sum to 1");
}

#[test]
fn choose_probabilities_must_sum_to_one() {
    rejects(
        "choose_sum.yaml",
        12,
        "processes.license.steps[1].choose",
        "must sum to 1",
    );
}

// ---------------------------------------------------------------- rework

#[test]
fn rework_probability_one_is_refused() {
    rejects(
        "rework_p_one.yaml",
        13,
        "processes.license.steps[1].rework.p",
        "below 1",
    );
}

#[test]
fn rework_to_a_later_step_is_refused() {
    rejects(
        "rework_to_later.yaml",
        15,
        "processes.license.steps[1].rework.to",
        "`collect` is not an earlier step",
    );
}

#[test]
fn rework_to_an_unknown_step_is_refused() {
    rejects(
        "rework_to_unknown.yaml",
        15,
        "processes.license.steps[1].rework.to",
        "`nowhere` is not an earlier step",
    );
}

// ---------------------------------------------------------------- names

#[test]
fn serve_at_undefined_pool_is_refused() {
    rejects(
        "undefined_pool_serve.yaml",
        9,
        "processes.license.steps[0].serve",
        "pool `dsk` is not defined (did you mean `desk`?)",
    );
}

#[test]
fn work_at_undefined_pool_is_refused() {
    rejects(
        "undefined_pool_work.yaml",
        11,
        "processes.license.steps[1].work",
        "pool `back_office` is not defined",
    );
}

#[test]
fn arrivals_of_undefined_process_are_refused() {
    rejects(
        "undefined_process.yaml",
        13,
        "arrivals[0].process",
        "process `licence` is not defined (did you mean `license`?)",
    );
}

#[test]
fn duplicate_step_ids_are_refused() {
    rejects(
        "duplicate_step_id.yaml",
        12,
        "processes.license.steps[1].id",
        "duplicate step id `intake`",
    );
}

// ---------------------------------------------------------------- distributions

#[test]
fn negative_sd_is_refused() {
    rejects(
        "sd_negative.yaml",
        10,
        "processes.license.steps[0].time",
        "sd must be at least 0",
    );
}

#[test]
fn triangular_out_of_order_is_refused() {
    rejects(
        "triangular_order.yaml",
        10,
        "processes.license.steps[0].time",
        "min <= mode <= max",
    );
}

#[test]
fn empty_empirical_list_is_refused() {
    rejects(
        "empirical_empty.yaml",
        10,
        "processes.license.steps[0].time",
        "at least one value",
    );
}

#[test]
fn mixed_unit_families_are_refused() {
    rejects(
        "mixed_unit_families.yaml",
        11,
        "processes.license.steps[1].wait",
        "mixes clock units and working days",
    );
}

// ---------------------------------------------------------------- calendar and pools

#[test]
fn time_of_day_out_of_range_is_refused() {
    rejects(
        "time_of_day_range.yaml",
        4,
        "calendar.hours[1]",
        "`25:00` is not a time of day",
    );
}

#[test]
fn period_ending_before_it_starts_is_refused() {
    rejects(
        "period_backwards.yaml",
        4,
        "calendar.hours[0]",
        "ends before it starts",
    );
}

#[test]
fn overlapping_periods_are_refused() {
    rejects(
        "overlapping_periods.yaml",
        6,
        "calendar.hours[1]",
        "must not overlap",
    );
}

#[test]
fn calendar_without_open_time_is_refused() {
    rejects("calendar_never_open.yaml", 4, "calendar", "no open time");
}

#[test]
fn pool_that_is_never_open_is_refused() {
    rejects(
        "pool_never_open.yaml",
        7,
        "pools.closed",
        "never open with a server",
    );
}

// ---------------------------------------------------------------- steps

#[test]
fn two_kind_keys_on_one_step_are_refused() {
    rejects(
        "two_kind_keys.yaml",
        11,
        "processes.license.steps[1]",
        "exactly one kind key, found serve and wait",
    );
}

#[test]
fn empty_serve_pool_list_is_refused() {
    rejects(
        "serve_empty_list.yaml",
        9,
        "processes.license.steps[0].serve",
        "the pool list is empty",
    );
}

// ---------------------------------------------------------------- targets

#[test]
fn target_on_unknown_kpi_is_refused() {
    rejects(
        "target_unknown_kpi.yaml",
        16,
        "targets[1].kpi",
        "unknown KPI `wait_mins`",
    );
}

#[test]
fn target_on_unknown_pool_is_refused() {
    rejects(
        "target_unknown_pool.yaml",
        15,
        "targets[0].kpi",
        "`counter`, which is not defined",
    );
}

// ---------------------------------------------------------------- whole files

#[test]
fn every_problem_of_a_file_is_reported() {
    let file = fixture("several_problems.yaml");
    let out = validate(&[&file]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let errors = out.errors();
    let expected = [
        (2, "horizon", "needs a unit"),
        (
            9,
            "processes.license.steps[0].serve",
            "pool `dsk` is not defined",
        ),
        (
            10,
            "processes.license.steps[0].time",
            "mean must be greater than 0",
        ),
        (
            11,
            "processes.license.steps[1].wait",
            "unknown unit `weeks`",
        ),
        (
            14,
            "arrivals[0].process",
            "process `licence` is not defined",
        ),
        (16, "targets[0].kpi", "unknown KPI `wait_mins`"),
    ];
    assert_eq!(
        errors.len(),
        expected.len(),
        "expected {} error lines, got:\n{}",
        expected.len(),
        out.stderr
    );
    for (line, path, phrase) in expected {
        let location = format!("error: {file}:{line}:");
        assert!(
            errors.iter().any(|l| l.starts_with(&location)
                && l.contains(&format!(": {path}: "))
                && l.contains(phrase)),
            "missing `{phrase}` at line {line} ({path}) in:\n{}",
            out.stderr
        );
    }
    // Problems come in file order.
    let lines: Vec<u32> = errors
        .iter()
        .map(|l| {
            l[format!("error: {file}:").len()..]
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "errors are not in file order:\n{}",
        out.stderr
    );
}

#[test]
fn invalid_yaml_syntax_reports_a_line() {
    let file = fixture("invalid_yaml.yaml");
    let out = validate(&[&file]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let errors = out.errors();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    let rest = errors[0]
        .strip_prefix(&format!("error: {file}:"))
        .expect("names the file");
    let mut parts = rest.splitn(3, ':');
    let line: u32 = parts
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no line number in `{}`", errors[0]));
    let column: u32 = parts
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no column in `{}`", errors[0]));
    // The unclosed `[` is on line 5; a parser notices it there or on the next line.
    assert!((5..=6).contains(&line), "line {line} in `{}`", errors[0]);
    assert!(column >= 1);
    assert!(errors[0].contains("invalid YAML"), "{}", errors[0]);
}

#[test]
fn every_bad_fixture_is_refused() {
    let dir = Path::new(MANIFEST).join("tests/fixtures/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 30,
        "expected the bad fixtures, found {names:?}"
    );
    for name in names {
        let file = fixture(&name);
        let out = validate(&[&file]);
        assert_eq!(out.code, Some(2), "{file}: {}", out.stderr);
        assert!(
            !out.errors().is_empty(),
            "{file}: no error line:\n{}",
            out.stderr
        );
        for l in out.errors() {
            assert!(
                l.starts_with(&format!("error: {file}:")),
                "{file}: error line does not name the file: {l}"
            );
        }
    }
}

#[test]
fn good_and_bad_files_together() {
    let good = "scenarios/textbook/mm1.yaml";
    let bad = fixture("horizon_zero.yaml");
    let out = validate(&[good, &bad]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("ok: {good}")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(&bad));
    assert!(
        out.stderr.contains(&format!("error: {bad}:2:")),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_file_is_refused() {
    let out = validate(&["tests/fixtures/bad/no-such-file.yaml"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("no-such-file.yaml"), "{}", out.stderr);
}

// ---------------------------------------------------------------- hostile files

fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Exit 2, at least one `error:` line naming the file, no panic; returns stderr.
fn hostile(path: &Path) -> String {
    let p = path.to_str().unwrap();
    let out = validate(&[p]);
    assert_eq!(out.code, Some(2), "{p}: {}", out.stderr);
    assert!(
        !out.errors().is_empty(),
        "{p}: no error line:\n{}",
        out.stderr
    );
    assert!(
        out.errors()
            .iter()
            .all(|l| l.starts_with(&format!("error: {p}:"))),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{p}: {}", out.stdout);
    out.stderr
}

#[test]
fn non_utf8_bytes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(
        &dir,
        "latin1.yaml",
        b"name: caf\xe9 \xff\xfe\nhorizon: 1d\n",
    );
    let stderr = hostile(&path);
    assert!(stderr.contains("not UTF-8"), "{stderr}");
}

#[test]
fn alias_bomb_is_refused() {
    // Billion laughs: 9^9 leaves from ten short lines.
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10u8 {
        let (prev, cur) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{cur}: &{cur} [{refs}]\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "bomb.yaml", text.as_bytes());
    let started = std::time::Instant::now();
    hostile(&path);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn alias_bomb_inside_a_scenario_is_refused() {
    // The same expansion hidden under a key the format knows.
    let mut text = String::from("name: x\nhorizon: 1d\nx0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
    for i in 1..9 {
        let refs = vec![format!("*x{}", i - 1); 10].join(", ");
        text.push_str(&format!("x{i}: &x{i} [{refs}]\n"));
    }
    text.push_str("pools: *x8\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "bomb2.yaml", text.as_bytes());
    hostile(&path);
}

#[test]
fn deep_flow_sequence_nesting_is_refused() {
    let text = format!("name: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "deep.yaml", text.as_bytes());
    hostile(&path);
}

#[test]
fn deep_flow_mapping_nesting_is_refused() {
    let text = format!("name: {}1{}\n", "{a: ".repeat(10_000), "}".repeat(10_000));
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "deepmap.yaml", text.as_bytes());
    hostile(&path);
}

#[test]
fn deep_block_sequence_nesting_is_refused() {
    let text = format!("name: x\npools:\n{}x\n", "- ".repeat(10_000));
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "deepblock.yaml", text.as_bytes());
    hostile(&path);
}

#[test]
fn five_megabyte_file_is_refused() {
    let mut text = String::from("name: big\nhorizon: 1d\ndescription: \"");
    text.push_str(&"x".repeat(5 * 1024 * 1024));
    text.push_str("\"\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "big.yaml", text.as_bytes());
    let stderr = hostile(&path);
    assert!(stderr.contains("bytes"), "{stderr}");
}

#[test]
fn many_small_nodes_do_not_crash() {
    // Under the size limit but with many nodes: a long list of targets.
    let mut text = String::from("name: many\nhorizon: 1d\ntargets:\n");
    while text.len() < 3_900_000 {
        text.push_str("  - {kpi: nope, max: 1}\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "many.yaml", text.as_bytes());
    hostile(&path);
}

#[test]
fn empty_and_non_mapping_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("empty.yaml", ""),
        ("blank.yaml", "  \n\n"),
        ("null.yaml", "~\n"),
        ("list.yaml", "- a\n- b\n"),
        ("scalar.yaml", "just text\n"),
        ("two-docs.yaml", "name: a\n---\nname: b\n"),
        ("dup-key.yaml", "name: a\nname: b\n"),
        ("bom.yaml", "\u{feff}name: a\n"),
        ("nul.yaml", "name: a\0b\n"),
    ] {
        let path = write_temp(&dir, name, text.as_bytes());
        hostile(&path);
    }
}

#[test]
fn directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    hostile(dir.path());
}

// ---------------------------------------------------------------- shipped scenarios

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Every `*.yaml` under `scenarios/SUB` (all of `scenarios/` for ""),
/// relative to the crate root.
fn shipped_scenarios(sub: &str) -> Vec<String> {
    let mut files = Vec::new();
    yaml_files(&Path::new(MANIFEST).join("scenarios").join(sub), &mut files);
    files.sort();
    files
        .iter()
        .map(|p| {
            p.strip_prefix(MANIFEST)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Validates all `files` in one call: exit 0, `ok: FILE` for each, no errors.
fn all_validate(files: &[String]) {
    assert!(!files.is_empty(), "no scenarios found");
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = validate(&args);
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    for f in files {
        assert!(
            out.stdout.contains(&format!("ok: {f}\n")),
            "no `ok: {f}` in:\n{}",
            out.stdout
        );
    }
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn textbook_scenarios_validate() {
    let files = shipped_scenarios("textbook");
    assert!(files.len() >= 8, "{files:?}");
    all_validate(&files);
}

#[test]
fn every_shipped_scenario_validates() {
    all_validate(&shipped_scenarios(""));
}

// ---------------------------------------------------------------- known bugs

#[test]
fn whole_file_message_is_separated_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "latin1.yaml", b"name: caf\xe9\n");
    let p = path.to_str().unwrap();
    let out = validate(&[p]);
    assert!(
        out.stderr.starts_with(&format!("error: {p}: ")),
        "{}",
        out.stderr
    );
}

#[test]
fn never_open_pool_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: t\nhorizon: 1d\npools:\n  desk:\n    servers: 0\nprocesses:\n  p:\n    steps:\n      - serve: desk\n        time: 5min\narrivals:\n  - rate: 10/h\n    process: p\n";
    let path = write_temp(&dir, "closed.yaml", text.as_bytes());
    let out = validate(&[path.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("never open with a server"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("is not defined"),
        "misleading follow-up error:\n{}",
        out.stderr
    );
}

#[test]
fn calendar_problem_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: t\nhorizon: 1d\ncalendar:\n  hours: [\"09:00-25:00\"]\npools:\n  desk:\n    servers: 2\nprocesses:\n  p:\n    steps:\n      - serve: dsk\n        time: 5min\narrivals:\n  - rate: 10/h\n    process: p\n";
    let path = write_temp(&dir, "cal.yaml", text.as_bytes());
    let out = validate(&[path.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("calendar.hours[0]"), "{}", out.stderr);
    assert!(
        out.stderr.contains("pool `dsk` is not defined"),
        "the serve problem is not reported:\n{}",
        out.stderr
    );
}

#[test]
fn weekday_names_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: t\nhorizon: 1d\ncalendar:\n  days: [mon, monkey]\npools:\n  desk:\n    servers: 2\nprocesses:\n  p:\n    steps:\n      - serve: desk\n        time: 5min\narrivals:\n  - rate: 10/h\n    process: p\n";
    let path = write_temp(&dir, "days.yaml", text.as_bytes());
    let p = path.to_str().unwrap();
    let out = validate(&[p]);
    assert_eq!(
        out.code,
        Some(2),
        "`monkey` was accepted as a weekday:\n{}{}",
        out.stdout,
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("error: {p}:4:")) && out.stderr.contains("calendar.days[1]"),
        "{}",
        out.stderr
    );
}

#[test]
fn retry_and_returns_problems_are_each_located() {
    let name = "retry_problems.yaml";
    rejects(name, 3, "returns", "use profile or at_opening");
    rejects(
        name,
        12,
        "processes.license.steps[0].patience.retry.maxx",
        "did you mean `max`?",
    );
    rejects(name, 12, "processes.license.steps[0].patience.retry.p", "");
    rejects(
        name,
        13,
        "processes.license.steps[0].balk_at.retry",
        "missing required key `after`",
    );
}

/// `validate --json`: one document, a verdict per file, each problem with
/// its file, line, column and key path; exit 2 when any file is bad.
#[test]
fn validate_json_gives_each_problem_located() {
    let dir = tempfile::tempdir().unwrap();
    let bad = crate::common::write(dir.path(), "bad.yaml", "name: x\nhorizon: 5\n");
    let good = Path::new(MANIFEST).join("scenarios/textbook/mm1.yaml");
    let out = crate::common::procsim(&[
        "validate",
        "--json",
        crate::common::s(&bad),
        crate::common::s(&good),
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(
        out.stderr, "",
        "--json keeps stderr for failures of procsim itself"
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["ok"], false);
    assert_eq!(files[1]["ok"], true);
    assert_eq!(files[1]["problems"].as_array().unwrap().len(), 0);
    let horizon = files[0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "horizon")
        .expect("the unit-less horizon is a problem");
    assert_eq!(horizon["file"], crate::common::s(&bad));
    assert_eq!(
        (horizon["line"].as_u64(), horizon["column"].as_u64()),
        (Some(2), Some(10))
    );
    assert!(horizon["message"]
        .as_str()
        .unwrap()
        .contains("needs a unit"));
}

/// `validate -` reads the scenario from standard input; `extends` has no
/// file to be relative to there, and says so.
#[test]
fn validate_reads_standard_input() {
    let good =
        std::fs::read_to_string(Path::new(MANIFEST).join("scenarios/textbook/mm1.yaml")).unwrap();
    let run = |text: &str| {
        Command::cargo_bin("procsim")
            .unwrap()
            .args(["validate", "-"])
            .write_stdin(text.to_string())
            .output()
            .unwrap()
    };
    let ok = run(&good);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "ok: -\n");
    let bad = run("extends: base.yaml\n");
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.starts_with("error: -:1:10: extends: "), "{stderr}");
}

#[test]
fn yaml_1_1_words_are_names_not_booleans() {
    // YAML 1.1 reads `on`, `yes`, `no` as true/false; the format has no
    // true/false keys, so they are read as the names they are meant to be.
    let yaml = "name: words\nhorizon: 1d\npools:\n  on: {servers: 2}\n  off: {servers: 1}\nprocesses:\n  yes:\n    steps: [{serve: on, time: 1min}, {serve: off, time: 1min}]\n  no:\n    steps: [{serve: on, time: 1min}]\narrivals:\n  - {name: y, rate: 1/min, mix: {yes: 0.5, no: 0.5}}\n";
    let model = procsim::scenario::load_str(yaml, "words.yaml").unwrap();
    let pools: Vec<&str> = model.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pools, ["on", "off"]);
    let processes: Vec<&str> = model.processes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(processes, ["yes", "no"]);
    assert_eq!(model.arrivals[0].name, "y");
}
