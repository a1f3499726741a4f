//! `procsim check`'s results as text: one PASS/FAIL line per test for
//! people, JUnit XML for CI servers.

use super::format_value;
use crate::check::ScenarioCheck;
use crate::stats::Estimate;

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
    let mut s = format!("{} ({})\n", c.scenario, c.file);
    if let Some(why) = &c.overloaded {
        s.push_str(&format!("  FAIL  overloaded: {why}\n"));
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

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// JUnit XML: one testsuite per scenario, one testcase per target and baseline KPI.
pub fn junit_xml(checks: &[ScenarioCheck]) -> String {
    let tests: usize = checks.iter().map(ScenarioCheck::tests).sum();
    let failures: usize = checks.iter().map(ScenarioCheck::failures).sum();
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"procsim check\" tests=\"{tests}\" failures=\"{failures}\">\n");
    for c in checks {
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
            xml_escape(&c.scenario),
            c.tests(),
            c.failures()
        ));
        let class = xml_escape(&c.file);
        if let Some(why) = &c.overloaded {
            let msg = xml_escape(why);
            x.push_str(&format!("    <testcase classname=\"{class}\" name=\"overload\">\n      <failure message=\"{msg}\">{msg}</failure>\n    </testcase>\n"));
        }
        for t in &c.targets {
            let name = xml_escape(&format!("target {} {}", t.kpi, bounds(t.min, t.max)));
            if t.passed {
                x.push_str(&format!(
                    "    <testcase classname=\"{class}\" name=\"{name}\"/>\n"
                ));
            } else {
                let note = t
                    .note
                    .as_ref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                let msg = xml_escape(&format!(
                    "{} = {}, target {}{note}",
                    t.kpi,
                    value_text(&t.value),
                    bounds(t.min, t.max)
                ));
                x.push_str(&format!("    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"{msg}\">{msg}</failure>\n    </testcase>\n"));
            }
        }
        for b in &c.baseline {
            let name = xml_escape(&format!("baseline {}", b.kpi));
            if b.regressed {
                let msg = xml_escape(&format!(
                    "{} worsened significantly: baseline {} ± {}, now {} ± {}",
                    b.kpi,
                    format_value(b.before.mean),
                    format_value(b.before.ci95),
                    format_value(b.after.mean),
                    format_value(b.after.ci95)
                ));
                x.push_str(&format!("    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"{msg}\">{msg}</failure>\n    </testcase>\n"));
            } else {
                x.push_str(&format!(
                    "    <testcase classname=\"{class}\" name=\"{name}\"/>\n"
                ));
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}
