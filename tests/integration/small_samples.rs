//! One replication gives a value but no interval: no "± 0", no verdict.

use crate::common::mmc;
use assert_cmd::Command;
use procsim::compare::{diff_of, Verdict};

fn procsim(args: &[&str]) -> (Option<i32>, String, String) {
    // A wide terminal, so the compare table keeps its difference column.
    let o = Command::cargo_bin("procsim")
        .unwrap()
        .args(args)
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

#[test]
fn one_value_per_side_has_no_interval_and_no_verdict() {
    for paired in [true, false] {
        let d = diff_of(&[Some(10.0)], &[Some(4.0)], paired).unwrap();
        assert_eq!(d.diff, -6.0);
        assert_eq!(d.diff_ci95, None);
        assert!(!d.significant);
        assert_eq!(d.verdict("wait_min"), Verdict::Same);
        assert_eq!(d.change_pct_ci95(), None);
        let json = serde_json::to_value(&d).unwrap();
        assert!(json["diff_ci95"].is_null(), "{json}");
    }
    // Two values on each side: an interval, as before.
    let d = diff_of(&[Some(10.0), Some(11.0)], &[Some(4.0), Some(4.5)], true).unwrap();
    assert!(d.diff_ci95.is_some_and(|h| h > 0.0));
    // One present value among two replications is still one value.
    let d = diff_of(&[Some(10.0), None], &[Some(4.0), Some(5.0)], false).unwrap();
    assert_eq!(d.diff_ci95, None);
}

#[test]
fn run_with_one_replication_prints_no_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.yaml");
    std::fs::write(&file, mmc(3, 7, 10)).unwrap();
    let (code, stdout, stderr) = procsim(&["run", file.to_str().unwrap(), "--reps", "1", "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("± 0"), "{stdout}");
    assert!(stdout.contains("n/a"), "{stdout}");
}

#[test]
fn compare_with_one_replication_marks_nothing_significant() {
    let tmp = tempfile::tempdir().unwrap();
    let before = tmp.path().join("before.yaml");
    let after = tmp.path().join("after.yaml");
    std::fs::write(&before, mmc(3, 7, 10)).unwrap();
    std::fs::write(&after, mmc(4, 7, 10)).unwrap();
    let (b, a) = (before.to_str().unwrap(), after.to_str().unwrap());
    let (code, stdout, stderr) = procsim(&["compare", b, a, "--reps", "1", "-q"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stdout.contains("better") && !stdout.contains("worse"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(CI n/a)") && !stdout.contains("± 0"),
        "{stdout}"
    );
    let (_, stdout, _) = procsim(&["compare", b, a, "--reps", "1", "-q", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for (key, d) in v["designs"][0]["vs_baseline"].as_object().unwrap() {
        assert_eq!(d["significant"], false, "{key}");
        assert!(d["diff_ci95"].is_null(), "{key}");
    }
    let (_, md, _) = procsim(&["compare", b, a, "--reps", "1", "-q", "--markdown"]);
    assert!(
        !md.contains('▲') && !md.contains('▼') && !md.contains("± 0"),
        "{md}"
    );
    let out = tmp.path().join("report");
    let (code, _, stderr) = procsim(&[
        "compare",
        b,
        a,
        "--reps",
        "1",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // A cell's verdict mark ends its change (`▲</span>`); the legend under
    // the headline table names the marks in plain text.
    assert!(
        !html.contains("▲</span>") && !html.contains("▼</span>") && !html.contains("± 0<"),
        "report.html marks noise"
    );
    assert!(html.contains("CI n/a"));
}
