//! `procsim check`'s results as text: one PASS/FAIL line per test for
//! people, JUnit XML for CI servers.

use super::format_value;
use super::text::printable;
use crate::check::ScenarioCheck;
use crate::stats::Estimate;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

fn bounds(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{} .. {}", format_value(a), format_value(b)),
        (Some(a), None) => format!(">= {}", format_value(a)),
        (None, Some(b)) => format!("<= {}", format_value(b)),
        (None, None) => String::new(),
    }
}

fn value_text(v: &Option<Estimate>) -> String {
    match v {
        Some(e) => format!("{} ± {}", format_value(e.mean), format_value(e.ci95)),
        None => "no data".into(),
    }
}

/// Human-readable lines for one scenario.
pub fn check_lines(c: &ScenarioCheck) -> String {
    let mut s = format!("{} ({})\n", printable(&c.scenario), printable(&c.file));
    if let Some(why) = &c.overloaded {
        s.push_str(&format!("  FAIL  overloaded: {why}\n"));
    }
    if c.tests() == 0 {
        s.push_str("  nothing tested: no `targets:` in the file and no baseline\n");
    }
    for t in &c.targets {
        let note = t
            .note
            .as_ref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "  {}  {} = {}  (target {}){note}\n",
            if t.passed { "PASS" } else { "FAIL" },
            t.kpi,
            value_text(&t.value),
            bounds(t.min, t.max)
        ));
    }
    for b in &c.baseline {
        let mark = if b.regressed { "FAIL" } else { "PASS" };
        let note = if b.regressed {
            "significantly worse than the baseline"
        } else if b.improved {
            "significantly better"
        } else if b.significant {
            "worse, within tolerance"
        } else {
            "no significant change"
        };
        if b.regressed || b.improved {
            s.push_str(&format!(
                "  {mark}  {}: {} -> {} (diff {} ± {}): {note}\n",
                b.kpi,
                format_value(b.before.mean),
                format_value(b.after.mean),
                format_value(b.after.mean - b.before.mean),
                format_value(b.diff_ci95)
            ));
        }
    }
    if !c.baseline.is_empty() {
        let unchanged = c
            .baseline
            .iter()
            .filter(|b| !b.regressed && !b.improved)
            .count();
        s.push_str(&format!(
            "  baseline {}: {unchanged} KPIs without significant change\n",
            c.baseline_file.as_deref().unwrap_or("")
        ));
    }
    s
}

/// A scenario `check` could not test because its file is invalid.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// The file as given.
    pub file: String,
    /// Every problem, one per line.
    pub message: String,
}

/// When and for how long `check` ran, for the JUnit report.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// When the check started.
    pub started: chrono::DateTime<chrono::FixedOffset>,
    /// Wall time of the whole check.
    pub total: Duration,
}

/// JUnit XML: one testsuite per scenario, one testcase per target and
/// baseline KPI (failed with the value and bounds in the message), a
/// failed `overload` testcase for an overloaded design, and an errored
/// `valid scenario` testcase for each file that could not be loaded.
/// Names are stable (the bounds are in messages, not names); text is
/// cleaned of control characters and terminal escapes by the writer.
pub fn junit_xml(
    checks: &[(ScenarioCheck, Duration)],
    invalid: &[Invalid],
    timing: Timing,
) -> String {
    let mut report = Report::new("procsim check");
    report.set_timestamp(timing.started).set_time(timing.total);
    for (c, time) in checks {
        let mut suite = TestSuite::new(c.scenario.as_str());
        suite.set_timestamp(timing.started).set_time(*time);
        let case = |name: String, failure: Option<String>| {
            let status = match failure {
                None => TestCaseStatus::success(),
                Some(message) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(message.as_str())
                        .set_description(message.as_str());
                    s
                }
            };
            let mut t = TestCase::new(name, status);
            t.set_classname(c.file.as_str());
            t
        };
        if let Some(why) = &c.overloaded {
            suite.add_test_case(case("overload".into(), Some(why.clone())));
        }
        let mut seen: Vec<&str> = Vec::new();
        for t in &c.targets {
            seen.push(&t.kpi);
            let n = seen.iter().filter(|k| **k == t.kpi).count();
            let name = match n {
                1 => format!("target {}", t.kpi),
                n => format!("target {} #{n}", t.kpi),
            };
            let note = t
                .note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            let message = format!(
                "{} = {}, target {}{note}",
                t.kpi,
                value_text(&t.value),
                bounds(t.min, t.max)
            );
            suite.add_test_case(case(name, (!t.passed).then_some(message)));
        }
        for b in &c.baseline {
            let message = format!(
                "{} worsened significantly: baseline {} ± {}, now {} ± {}",
                b.kpi,
                format_value(b.before.mean),
                format_value(b.before.ci95),
                format_value(b.after.mean),
                format_value(b.after.ci95)
            );
            suite.add_test_case(case(
                format!("baseline {}", b.kpi),
                b.regressed.then_some(message),
            ));
        }
        report.add_test_suite(suite);
    }
    for bad in invalid {
        let mut suite = TestSuite::new(bad.file.as_str());
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        let first = bad.message.lines().next().unwrap_or("invalid scenario");
        status
            .set_message(first)
            .set_type("invalid scenario")
            .set_description(bad.message.as_str());
        let mut t = TestCase::new("valid scenario", status);
        t.set_classname(bad.file.as_str());
        suite.add_test_case(t);
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}
