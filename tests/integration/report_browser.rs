//! The HTML report opened in headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it). Without Chromium the test is skipped locally, but fails in
//! CI (`CI=true`), so it cannot pass unchecked there.

use assert_cmd::Command;
use std::path::Path;

const DESIGN: &str = "name: 大厅 WINDOWS 个窗口\nseed: 3\nreplications: 4\nhorizon: 5d\ncalendar: {hours: [\"09:00-17:00\"]}\npools:\n  社保窗口: {servers: WINDOWS}\nprocesses:\n  不动产登记:\n    time_limit: 1wd\n    steps:\n      - {id: intake, serve: 社保窗口, time: {exp: 10min}}\n      - rework: {p: 0.2, after: 1d, to: intake}\narrivals:\n  - {name: a, rate: 14/h, process: 不动产登记}\n";

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

#[test]
fn report_opens_in_chromium_with_every_chart() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before.yaml");
    let after = dir.path().join("after.yaml");
    std::fs::write(&before, DESIGN.replace("WINDOWS", "3")).unwrap();
    std::fs::write(&after, DESIGN.replace("WINDOWS", "4")).unwrap();
    let out = dir.path().join("report");
    Command::cargo_bin("procsim")
        .unwrap()
        .args(["compare", "-q", "--out"])
        .arg(&out)
        .arg(&before)
        .arg(&after)
        .assert()
        .success();
    let report = out.join("report.html");
    let profile = dir.path().join("profile");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let dom = std::process::Command::new(browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", report.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    for chart in [
        "wait_distribution",
        "queue_by_hour",
        "utilization_by_pool",
        "lead_time_distribution",
        "visits_per_case",
        "kpi_changes",
    ] {
        assert!(
            dom.contains(&format!("<figure id=\"{chart}\"><svg")),
            "chart {chart} missing from the rendered page"
        );
    }
    assert!(dom.contains("社保窗口"), "Chinese names must survive");
    // No references that could break: nothing loaded from outside the page.
    for needle in ["src=\"http", "href=\"http", "<script", "<link", "<img"] {
        assert!(!dom.contains(needle), "the page references `{needle}`");
    }
    let shot = dir.path().join("shot.png");
    let status = std::process::Command::new(browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1000,2000")
        .arg(format!("file://{}", report.display()))
        .output()
        .expect("chromium runs");
    assert!(status.status.success());
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "screenshot of {} bytes",
        png.len()
    );
}
