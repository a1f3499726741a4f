//! `procsim check`: test each scenario's `targets:` and, against a baseline
//! summary, that no KPI got significantly worse (Welch's t-test at 95%).
//! For CI: one PASS/FAIL line per test, JUnit XML, exit 1 on any failure.

use crate::cli::{self, Context, Failure, OverrideSettings, Progress};
use crate::kpi::{better, Better};
use crate::model::{Model, Target};
use crate::report::format_value;
use crate::simulate::{self, RunSettings};
use crate::stats::{t975, Estimate};
use crate::summary::Summary;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The outcome of one target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    /// KPI key.
    pub kpi: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// The KPI across replications (`None`: no data).
    pub value: Option<Estimate>,
    /// Whether the mean is within the bounds.
    pub passed: bool,
}

/// The comparison of one KPI with the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineResult {
    /// KPI key.
    pub kpi: String,
    /// Baseline estimate.
    pub before: Estimate,
    /// Current estimate.
    pub after: Estimate,
    /// Welch 95% half-width of the difference.
    pub diff_ci95: f64,
    /// The difference is significant.
    pub significant: bool,
    /// Significantly worse, beyond the tolerance: fails the check.
    pub regressed: bool,
    /// Significantly better.
    pub improved: bool,
}

/// Everything `check` found for one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioCheck {
    /// Scenario name.
    pub scenario: String,
    /// File.
    pub file: String,
    /// Targets.
    pub targets: Vec<TargetResult>,
    /// Baseline comparisons (empty without a baseline).
    pub baseline: Vec<BaselineResult>,
    /// Baseline file used.
    pub baseline_file: Option<String>,
}

impl ScenarioCheck {
    /// Number of failed tests.
    pub fn failures(&self) -> usize {
        self.targets.iter().filter(|t| !t.passed).count()
            + self.baseline.iter().filter(|b| b.regressed).count()
    }
    /// Number of tests.
    pub fn tests(&self) -> usize {
        self.targets.len() + self.baseline.len()
    }
}

/// Tests targets (a model's, or a merged sweep point's) against a summary.
pub fn check_targets(targets: &[Target], summary: &Summary) -> Vec<TargetResult> {
    targets
        .iter()
        .map(|t| {
            let value = summary.get(&t.kpi).copied().flatten();
            let passed = match value {
                Some(e) => t.min.is_none_or(|m| e.mean >= m) && t.max.is_none_or(|m| e.mean <= m),
                None => false,
            };
            TargetResult {
                kpi: t.kpi.clone(),
                min: t.min,
                max: t.max,
                value,
                passed,
            }
        })
        .collect()
}

/// Welch's interval for the difference of two means known by their
/// summaries (sd recovered from the t half-width): returns the half-width.
pub fn welch_half_width(a: &Estimate, n_a: u32, b: &Estimate, n_b: u32) -> f64 {
    let var = |e: &Estimate, n: u32| -> f64 {
        if n < 2 {
            return 0.0;
        }
        let se = e.ci95 / t975(u64::from(n) - 1);
        se * se
    };
    let (va, vb) = (var(a, n_a), var(b, n_b));
    let se2 = va + vb;
    if se2 <= 0.0 {
        return 0.0;
    }
    let df_den = if n_a > 1 {
        va * va / f64::from(n_a - 1)
    } else {
        0.0
    } + if n_b > 1 {
        vb * vb / f64::from(n_b - 1)
    } else {
        0.0
    };
    let df = if df_den > 0.0 {
        se2 * se2 / df_den
    } else {
        1.0
    };
    let df = df.floor().max(1.0) as u64;
    t975(df) * se2.sqrt()
}

/// How much worsening a baseline check lets pass: a significant worsening
/// fails only when it exceeds both bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tolerance {
    /// Percent of the baseline mean (`--tolerance`).
    pub pct: f64,
    /// In the KPI's own unit (`--tolerance-abs`); the one bound that helps
    /// when a baseline mean is 0.
    pub abs: f64,
}

/// Compares every KPI with a better-direction against the baseline.
pub fn check_baseline(
    current: &Summary,
    baseline: &Summary,
    tolerance: Tolerance,
) -> Vec<BaselineResult> {
    let mut out = Vec::new();
    for (key, after) in current.entries() {
        if better(&key) == Better::Neutral {
            continue;
        }
        let (Some(after), Some(Some(before))) = (after, baseline.get(&key).copied()) else {
            continue;
        };
        let diff = after.mean - before.mean;
        let half = welch_half_width(&before, baseline.replications, &after, current.replications);
        let significant = diff.abs() > half && diff != 0.0;
        let worse = match better(&key) {
            Better::Lower => diff > 0.0,
            Better::Higher => diff < 0.0,
            Better::Neutral => false,
        };
        let beyond_tolerance =
            diff.abs() > tolerance.pct / 100.0 * before.mean.abs() && diff.abs() > tolerance.abs;
        out.push(BaselineResult {
            kpi: key,
            before,
            after,
            diff_ci95: half,
            significant,
            regressed: significant && worse && beyond_tolerance,
            improved: significant && !worse,
        });
    }
    out
}

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
pub fn lines(c: &ScenarioCheck) -> String {
    let mut s = format!("{} ({})\n", c.scenario, c.file);
    for t in &c.targets {
        s.push_str(&format!(
            "  {}  {} = {}  (target {})\n",
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
        for t in &c.targets {
            let name = xml_escape(&format!("target {} {}", t.kpi, bounds(t.min, t.max)));
            if t.passed {
                x.push_str(&format!(
                    "    <testcase classname=\"{class}\" name=\"{name}\"/>\n"
                ));
            } else {
                let msg = xml_escape(&format!(
                    "{} = {}, target {}",
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

/// Finds the baseline summary for a scenario: the file itself, or the
/// summary in a directory whose `scenario` equals the name.
pub fn find_baseline(path: &Path, scenario: &str) -> Result<Option<(Summary, String)>, Failure> {
    let read = |p: &Path| -> Result<Summary, Failure> {
        let text = std::fs::read_to_string(p).map_err(|e| Failure {
            code: 2,
            message: format!("error: cannot read baseline {}: {e}", p.display()),
        })?;
        serde_json::from_str(&text).map_err(|e| Failure {
            code: 2,
            message: format!("error: {}: not a procsim summary.json: {e}", p.display()),
        })
    };
    if path.is_file() {
        return Ok(Some((read(path)?, path.display().to_string())));
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|e| Failure {
        code: 2,
        message: format!("error: cannot read baseline {}: {e}", path.display()),
    })?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            let s = p.join("summary.json");
            if s.is_file() {
                candidates.push(s);
            }
        } else if p.extension().is_some_and(|x| x == "json") {
            candidates.push(p);
        }
    }
    candidates.sort();
    for c in candidates {
        if let Ok(s) = read(&c) {
            if s.scenario == scenario {
                return Ok(Some((s, c.display().to_string())));
            }
        }
    }
    Ok(None)
}

/// Runs `check` from the CLI.
pub fn cli_check(
    ctx: &Context,
    scenarios: &[PathBuf],
    baseline: Option<&Path>,
    tolerance: Tolerance,
    junit: Option<&Path>,
    json: bool,
    o: &OverrideSettings,
) -> Result<i32, Failure> {
    // Load everything first: bad input is exit 2 before any simulation.
    let mut loaded: Vec<(Model, RunSettings)> = Vec::new();
    let mut errors = Vec::new();
    for p in scenarios {
        match cli::load_model(p, o) {
            Ok(m) => loaded.push(m),
            Err(e) => errors.push(e.message),
        }
    }
    if !errors.is_empty() {
        return Err(Failure {
            code: 2,
            message: errors.join("\n"),
        });
    }
    if let Some(b) = baseline {
        if !b.exists() {
            return Err(Failure {
                code: 2,
                message: format!("error: baseline {} does not exist", b.display()),
            });
        }
    }
    // The JUnit file's directory is checked before any simulation.
    let junit_out = match junit {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "junit.xml".into());
            let out = crate::report::files::OutDir::prepare(dir).map_err(|e| Failure {
                code: 2,
                message: format!("error: cannot write {}: {e}", path.display()),
            })?;
            Some((out, name))
        }
        None => None,
    };
    let threads = if ctx.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        ctx.threads
    };
    let total: u64 = loaded.iter().map(|(_, s)| u64::from(s.replications)).sum();
    let progress = Progress::new(ctx, "check", total);
    // Many files: one thread per file, files in parallel; few: replications in parallel.
    let per_file_threads = if loaded.len() >= threads { 1 } else { threads };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(if per_file_threads == 1 { threads } else { 1 })
        .build()
        .map_err(|e| Failure {
            code: 2,
            message: format!("error: {e}"),
        })?;
    let runs: Vec<Result<simulate::Run, Failure>> = pool.install(|| {
        use rayon::prelude::*;
        loaded
            .par_iter()
            .map(|(m, s)| {
                let mut s = s.clone();
                s.threads = per_file_threads;
                simulate::simulate(m, &s, &|r| progress.tick(r), cli::stop_flag())
                    .map_err(Failure::from)
            })
            .collect()
    });
    progress.finish();
    let mut checks = Vec::new();
    for ((model, _), run) in loaded.iter().zip(runs) {
        let run = run?;
        let mut c = ScenarioCheck {
            scenario: model.name.clone(),
            file: model.file.clone(),
            targets: check_targets(&model.targets, &run.summary),
            baseline: Vec::new(),
            baseline_file: None,
        };
        if let Some(b) = baseline {
            match find_baseline(b, &model.name)? {
                Some((s, f)) => {
                    c.baseline = check_baseline(&run.summary, &s, tolerance);
                    c.baseline_file = Some(f);
                }
                None => eprintln!(
                    "warning: no baseline for `{}` in {}",
                    model.name,
                    b.display()
                ),
            }
        }
        checks.push(c);
    }
    let tests: usize = checks.iter().map(ScenarioCheck::tests).sum();
    let failures: usize = checks.iter().map(ScenarioCheck::failures).sum();
    if let Some((mut out, name)) = junit_out {
        out.write(&name, junit_xml(&checks).as_bytes())
            .and_then(|_| out.commit())
            .map_err(|e| Failure {
                code: 2,
                message: format!("error: cannot write {name}: {e}"),
            })?;
    }
    if json {
        let v = serde_json::json!({"passed": tests - failures, "failed": failures, "scenarios": checks});
        cli::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    } else {
        let mut text = String::new();
        for c in &checks {
            text.push_str(&lines(c));
        }
        text.push_str(&format!(
            "check: {} passed, {} failed\n",
            tests - failures,
            failures
        ));
        cli::print(&text);
    }
    Ok(if failures > 0 { 1 } else { 0 })
}
