//! Paired comparison of designs (library) and the `compare --out` report
//! (command line).

use crate::common::{mmc, s, write, CHARTS};

use assert_cmd::Command;
use procsim::compare::{compare, diff_of, Verdict};
use procsim::simulate::{simulate, Run, RunSettings};
use procsim::summary::kpi_keys;
use statrs::distribution::ContinuousCDF;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn run(yaml: &str) -> Run {
    let model = procsim::scenario::load_str(yaml, "test.yaml")
        .unwrap_or_else(|e| panic!("bad test scenario:\n{e}"));
    let settings = RunSettings::from_model(&model);
    let stop = AtomicBool::new(false);
    simulate(&model, &settings, &|_| {}, &stop).expect("the run finishes")
}

/// The per-replication values of one KPI key.
fn column(run: &Run, key: &str) -> Vec<Option<f64>> {
    let i = kpi_keys(&run.model)
        .iter()
        .position(|k| k == key)
        .unwrap_or_else(|| panic!("no KPI {key}"));
    run.data.values.iter().map(|v| v[i]).collect()
}

fn t975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975)
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

#[test]
fn identical_design_differs_by_exactly_zero() {
    let base = run(&mmc(3, 11, 6));
    let same = run(&mmc(3, 11, 6));
    let cmp = compare(&base, &[same]);
    assert_eq!(cmp.designs.len(), 1);
    let diffs = &cmp.designs[0].vs_baseline;
    // Every KPI with data is compared (on_time_rate has none: no time_limit).
    for key in kpi_keys(&base.model) {
        let has_data = column(&base, &key).iter().any(Option::is_some);
        assert_eq!(diffs.contains_key(&key), has_data, "{key}");
    }
    assert!(diffs.len() > 20);
    for (key, d) in diffs {
        assert_eq!(d.diff, 0.0, "{key}: diff");
        assert_eq!(d.diff_ci95, Some(0.0), "{key}: diff_ci95");
        assert_eq!(d.before, d.after, "{key}");
        assert!(!d.significant, "{key}");
        assert!(d.paired, "{key}: same seed and replications");
        assert_eq!(d.verdict(key), Verdict::Same, "{key}");
        if d.before != 0.0 {
            assert_eq!(d.change_pct, Some(0.0), "{key}");
        }
    }
    assert_eq!(cmp.baseline, cmp.designs[0].summary);
}

#[test]
fn paired_interval_is_narrower_than_welch() {
    // c = 3 vs c = 4 with the same citizens (common random numbers).
    let before = run(&mmc(3, 21, 10));
    let after = run(&mmc(4, 21, 10));
    let b = column(&before, "wait_min");
    let a = column(&after, "wait_min");
    let paired = diff_of(&b, &a, true).unwrap();
    let welch = diff_of(&b, &a, false).unwrap();
    assert!(paired.paired && !welch.paired);
    assert!(
        paired.diff_ci95.unwrap() < welch.diff_ci95.unwrap(),
        "paired ± {} should be narrower than Welch ± {}",
        paired.diff_ci95.unwrap(),
        welch.diff_ci95.unwrap()
    );
    assert!(paired.diff < 0.0 && paired.significant);
    // Both agree on the point estimate.
    assert!((paired.diff - welch.diff).abs() < 1e-12);

    // compare() uses the paired interval here; its p-value is then
    // adjusted over the comparison's KPIs (at least the raw one).
    let cmp = compare(&before, std::slice::from_ref(&after));
    assert_eq!(unadjusted(&cmp.designs[0].vs_baseline["wait_min"]), paired);
    assert!(cmp.designs[0].vs_baseline["wait_min"].p_adjusted >= paired.p_value);

    // Both intervals recomputed from the replication values.
    let bv: Vec<f64> = b.iter().map(|x| x.unwrap()).collect();
    let av: Vec<f64> = a.iter().map(|x| x.unwrap()).collect();
    let d: Vec<f64> = av.iter().zip(&bv).map(|(x, y)| x - y).collect();
    let n = d.len() as f64;
    let (dm, dv) = mean_var(&d);
    let paired_half = t975(n - 1.0) * (dv / n).sqrt();
    assert!((paired.diff - dm).abs() < 1e-12);
    // The p-value of the same t statistic, two-sided.
    let t = dm.abs() / (dv / n).sqrt();
    let p = 2.0 * students_t(n - 1.0).sf(t);
    let got = paired.p_value.unwrap();
    assert!((got - p).abs() <= 1e-9 * p.max(1e-300), "p {got} vs {p}");
    assert!(
        (paired.diff_ci95.unwrap() - paired_half).abs() < 1e-9 * paired_half,
        "paired {} vs {paired_half}",
        paired.diff_ci95.unwrap()
    );
    let (_, vb) = mean_var(&bv);
    let (_, va) = mean_var(&av);
    let (sb, sa) = (vb / n, va / n);
    let df = ((sb + sa).powi(2) / (sb * sb / (n - 1.0) + sa * sa / (n - 1.0))).floor();
    let welch_half = t975(df) * (sb + sa).sqrt();
    assert!(
        (welch.diff_ci95.unwrap() - welch_half).abs() < 1e-6 * welch_half,
        "Welch {} vs {welch_half}",
        welch.diff_ci95.unwrap()
    );
}

#[test]
fn unequal_seeds_fall_back_to_welch() {
    let before = run(&mmc(3, 21, 8));
    let after = run(&mmc(4, 22, 8));
    let cmp = compare(&before, std::slice::from_ref(&after));
    let d = &cmp.designs[0].vs_baseline["wait_min"];
    assert!(!d.paired);
    let welch = diff_of(
        &column(&before, "wait_min"),
        &column(&after, "wait_min"),
        false,
    )
    .unwrap();
    assert_eq!(unadjusted(d), welch);
}

/// A difference as [`diff_of`] gives it, before the adjustment over the
/// comparison's KPIs.
fn unadjusted(d: &procsim::compare::Diff) -> procsim::compare::Diff {
    let mut d = d.clone();
    d.p_adjusted = d.p_value;
    d.significant = d
        .diff_ci95
        .is_some_and(|h| d.diff.abs() > h && d.diff != 0.0);
    d
}

fn students_t(df: f64) -> statrs::distribution::StudentsT {
    statrs::distribution::StudentsT::new(0.0, 1.0, df).unwrap()
}

#[test]
fn compare_says_when_it_cannot_pair() {
    let tmp = tempfile::tempdir().unwrap();
    let before = write(tmp.path(), "before.yaml", &mmc(3, 21, 3));
    let after = write(tmp.path(), "after.yaml", &mmc(4, 22, 3));
    let (code, stdout, stderr) = procsim(&["compare", s(&before), s(&after), "--json", "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("Welch"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["designs"][0]["vs_baseline"]["wait_min"]["paired"], false);
    // With equal seeds the same command pairs.
    let after = write(tmp.path(), "after2.yaml", &mmc(4, 21, 3));
    let (code, stdout, stderr) = procsim(&["compare", s(&before), s(&after), "--json", "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("Welch"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["designs"][0]["vs_baseline"]["wait_min"]["paired"], true);
}

#[test]
fn renamed_or_redrawn_streams_are_not_paired() {
    // Same seed and replications, but the stream is renamed (other random
    // numbers: other citizens), or keeps its name with another rate.
    let tmp = tempfile::tempdir().unwrap();
    let before = write(tmp.path(), "before.yaml", &mmc(3, 21, 4));
    for (name, changed, says) in [
        (
            "renamed",
            mmc(4, 21, 4).replace("name: customers", "name: visitors"),
            "arrival streams `visitors` only in the design and arrival streams `customers` only in the baseline",
        ),
        (
            "slower",
            mmc(4, 21, 4).replace("rate: 2.4/min", "rate: 2/min"),
            "arrival streams `customers` differ",
        ),
    ] {
        let after = write(tmp.path(), &format!("{name}.yaml"), &changed);
        let (code, stdout, stderr) = procsim(&["compare", s(&before), s(&after), "-q"]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stderr.contains(says) && stderr.contains("Welch"), "{name}: {stderr}");
        assert!(stdout.contains("Welch (runs not paired)"), "{name}: {stdout}");
        assert!(!stdout.contains("same citizens"), "{name}: {stdout}");
        let cmp = compare(&run(&mmc(3, 21, 4)), &[run(&changed)]);
        assert!(cmp.designs[0].vs_baseline.values().all(|d| !d.paired), "{name}");
    }
    // Changing what happens after arrival keeps the citizens: paired.
    let more = write(tmp.path(), "more.yaml", &mmc(5, 21, 4));
    let (_, stdout, stderr) = procsim(&["compare", s(&before), s(&more), "-q"]);
    assert!(!stderr.contains("Welch"), "{stderr}");
    assert!(stdout.contains("same citizens"), "{stdout}");
}

#[test]
fn verdicts_follow_the_better_direction() {
    let c3 = run(&mmc(3, 31, 8));
    let c4 = run(&mmc(4, 31, 8));
    // More windows: waits fall (better), utilization falls (no direction).
    let up = compare(&c3, std::slice::from_ref(&c4));
    let d = &up.designs[0].vs_baseline;
    assert_eq!(d["wait_min"].verdict("wait_min"), Verdict::Better);
    assert_eq!(d["lead_time_min"].verdict("lead_time_min"), Verdict::Better);
    let u = "pools.window.utilization";
    assert!(d[u].diff < 0.0);
    assert_eq!(d[u].verdict(u), Verdict::Changed);
    // The same citizens arrive: no change at all in arrivals.
    assert_eq!(d["arrived"].diff, 0.0);
    assert_eq!(d["arrived"].verdict("arrived"), Verdict::Same);

    // Fewer windows: waits rise (worse), utilization rises (still no direction).
    let down = compare(&c4, std::slice::from_ref(&c3));
    let d = &down.designs[0].vs_baseline;
    assert_eq!(d["wait_min"].verdict("wait_min"), Verdict::Worse);
    assert_eq!(
        d["processes.customer.wait_min"].verdict("processes.customer.wait_min"),
        Verdict::Worse
    );
    assert!(d[u].diff > 0.0);
    assert_eq!(d[u].verdict(u), Verdict::Changed);
}

fn procsim(args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains("panicked"),
            "procsim panicked on {args:?}:\n{text}"
        );
    }
    (o.status.code(), stdout, stderr)
}

/// Values of `attr="..."` attributes in an HTML text.
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    for quote in ['"', '\''] {
        let pat = format!("{attr}={quote}");
        let mut from = 0;
        while let Some(i) = lower[from..].find(&pat) {
            let start = from + i + pat.len();
            let end = html[start..].find(quote).map_or(html.len(), |e| start + e);
            // Only real attributes: preceded by whitespace.
            if lower[..from + i].ends_with(char::is_whitespace) {
                out.push(&html[start..end]);
            }
            from = end;
        }
    }
    out
}

#[test]
fn compare_out_writes_a_self_contained_report() {
    let tmp = tempfile::tempdir().unwrap();
    let before = write(tmp.path(), "before.yaml", &mmc(3, 41, 4));
    let after = write(tmp.path(), "after.yaml", &mmc(4, 41, 4));
    let dir = tmp.path().join("report");
    let (code, stdout, stderr) =
        procsim(&["compare", s(&before), s(&after), "--out", s(&dir), "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("wait_min"), "{stdout}");

    for f in ["report.html", "comparison.json", "comparison.csv"] {
        let p = dir.join(f);
        assert!(p.is_file() && p.metadata().unwrap().len() > 0, "{f}");
    }
    let mut svgs = Vec::new();
    for c in CHARTS {
        let svg = std::fs::read_to_string(dir.join("charts").join(format!("{c}.svg")))
            .unwrap_or_else(|e| panic!("charts/{c}.svg: {e}"));
        assert!(svg.contains("<svg"), "{c}.svg");
        let png = std::fs::read(dir.join("charts").join(format!("{c}.png")))
            .unwrap_or_else(|e| panic!("charts/{c}.png: {e}"));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{c}.png is not a PNG"
        );
        svgs.push((c, svg));
    }

    // comparison.json: baseline and one design with paired diffs.
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(v["baseline"]["scenario"], "mmc c=3");
    assert_eq!(v["designs"][0]["summary"]["scenario"], "mmc c=4");
    let w = &v["designs"][0]["vs_baseline"]["wait_min"];
    for k in [
        "before",
        "after",
        "diff",
        "diff_ci95",
        "change_pct",
        "significant",
    ] {
        assert!(w.get(k).is_some(), "vs_baseline.wait_min.{k}: {w}");
    }
    assert!(w["diff"].as_f64().unwrap() < 0.0);

    // comparison.csv parses with a constant column count.
    let mut r = csv::Reader::from_path(dir.join("comparison.csv")).unwrap();
    let width = r.headers().unwrap().len();
    let rows: Vec<_> = r.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row.len() == width));

    // report.html: self-contained, every chart inline.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.to_ascii_lowercase().contains("<script"), "no scripts");
    for attr in ["src", "href"] {
        for value in attribute_values(&html, attr) {
            let v = value.trim().to_ascii_lowercase();
            assert!(
                !v.starts_with("http://") && !v.starts_with("https://") && !v.starts_with("//"),
                "external {attr}: {value}"
            );
        }
    }
    assert!(!html.contains("url(http"), "external CSS resource");
    assert!(!html.contains("@import"), "external CSS import");
    assert!(html.matches("<svg").count() >= CHARTS.len());
    for (c, svg) in &svgs {
        let body = svg[svg.find("<svg").unwrap()..].trim();
        assert!(
            html.contains(body),
            "chart {c} is not inline in report.html"
        );
    }
    // No temporaries left.
    for e in walk(&dir) {
        assert!(!e.contains("procsim-tmp"), "temporary left: {e}");
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.file_name().to_string_lossy().to_string());
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

/// 90 arrivals a second for ten years: 2.8e10 cases per replication.

#[test]
fn report_escapes_scenario_text() {
    // Names and descriptions are text, never markup, in report.html.
    let tmp = tempfile::tempdir().unwrap();
    let hostile = mmc(3, 41, 2).replace(
        "name: mmc c=3",
        "name: \"Before <script>alert(1)</script> & co\"\ndescription: \"<img src=\\\"https://example.com/x.png\\\"> <b>bold</b>\"",
    );
    let before = write(tmp.path(), "before.yaml", &hostile);
    let after = write(tmp.path(), "after.yaml", &mmc(4, 41, 2));
    let dir = tmp.path().join("report");
    let (code, _, stderr) = procsim(&["compare", s(&before), s(&after), "--out", s(&dir), "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "unescaped script tag");
    assert!(!lower.contains("<img"), "unescaped img tag");
    assert!(!html.contains("<b>bold"), "unescaped markup");
    assert!(
        html.contains("&lt;script&gt;"),
        "the name is shown, escaped"
    );
    assert!(
        html.contains("&lt;b&gt;bold"),
        "the description is shown, escaped"
    );
    for attr in ["src", "href"] {
        for value in attribute_values(&html, attr) {
            assert!(
                !value.to_ascii_lowercase().contains("http"),
                "{attr}={value}"
            );
        }
    }
}

#[test]
fn markdown_with_an_unknown_or_one_sided_kpi_is_an_error_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let before = write(tmp.path(), "before.yaml", &mmc(3, 41, 2));
    let renamed = mmc(4, 41, 2).replace("window", "counter");
    let after = write(tmp.path(), "after.yaml", &renamed);
    let (code, stdout, stderr) = procsim(&[
        "compare",
        s(&before),
        s(&after),
        "-q",
        "--markdown",
        "wait_mni",
    ]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("did you mean `wait_min`?"), "{stderr}");
    assert!(stdout.is_empty(), "no table on error: {stdout}");
    // `window` is the baseline's pool only: the design cannot be compared on it.
    let (code, _, stderr) = procsim(&[
        "compare",
        s(&before),
        s(&after),
        "-q",
        "--markdown",
        "pools.window.utilization",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`window`") && stderr.contains("mmc c=4") && stderr.contains("counter"),
        "{stderr}"
    );
}

#[test]
fn the_terminal_table_fits_80_columns_and_says_what_it_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "长沙市政务服务中心 S0 — department windows, a long name (before reform)";
    let before = write(
        tmp.path(),
        "before.yaml",
        &mmc(3, 41, 2).replace("name: mmc c=3", &format!("name: \"{long}\"")),
    );
    let after = write(tmp.path(), "after.yaml", &mmc(4, 41, 2));
    let width = |text: &str| {
        text.lines()
            .map(|l| {
                l.chars()
                    .map(|c| {
                        if c.is_ascii() || ('\u{2000}'..'\u{2e80}').contains(&c) {
                            1
                        } else {
                            2
                        }
                    })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0)
    };
    // Not a terminal and no COLUMNS: 80 columns.
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .args(["compare", s(&before), s(&after), "-q"])
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(width(&out) <= 80, "{} columns:\n{out}", width(&out));
    assert!(
        out.contains("column is left out to fit 80 columns"),
        "{out}"
    );
    assert!(out.contains("wait_min"));
    // A wide terminal keeps every column.
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .args(["compare", s(&before), s(&after), "-q"])
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("difference") && !out.contains("left out"),
        "{out}"
    );
    assert!(width(&out) <= 200);
}

#[test]
fn excel_csv_starts_with_a_byte_order_mark_and_plain_csv_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let before = write(
        tmp.path(),
        "before.yaml",
        &mmc(3, 41, 2).replace("name: mmc c=3", "name: 窗口 before"),
    );
    let after = write(tmp.path(), "after.yaml", &mmc(4, 41, 2));
    for (flag, bom) in [("--excel", true), ("--bom", true), ("", false)] {
        let dir = tmp.path().join(format!("out{flag}"));
        let mut args = vec!["compare", s(&before), s(&after), "-q", "--out", s(&dir)];
        if !flag.is_empty() {
            args.push(flag);
        }
        let (code, _, stderr) = procsim(&args);
        assert_eq!(code, Some(0), "{stderr}");
        let bytes = std::fs::read(dir.join("comparison.csv")).unwrap();
        assert_eq!(bytes.starts_with("\u{feff}".as_bytes()), bom, "{flag}");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("窗口 before"));
        // No floating-point noise: at most 12 significant digits (the
        // sum 21589.3 printed in full has 17).
        for f in text.split([',', '\n']).filter(|f| f.parse::<f64>().is_ok()) {
            let digits: String = f.chars().filter(char::is_ascii_digit).collect();
            let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
            assert!(significant <= 12, "{f}");
        }
    }
}
