//! The HTML report opened in headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it). Without Chromium the test is skipped locally, but fails in
//! CI (`CI=true`), so it cannot pass unchecked there.

use crate::common::CHARTS;
use assert_cmd::Command;
use std::path::Path;

const DESIGN: &str = "name: 大厅 WINDOWS 个窗口\nseed: 3\nreplications: 4\nhorizon: 5d\ncalendar: {hours: [\"09:00-17:00\"]}\npools:\n  社保窗口: {servers: WINDOWS}\nprocesses:\n  不动产登记:\n    time_limit: 1wd\n    steps:\n      - {id: intake, serve: 社保窗口, time: {exp: 10min}}\n      - rework: {p: 0.2, after: 1d, to: intake}\narrivals:\n  - {name: a, rate: 14/h, process: 不动产登记}\n";

/// Chromium's path; without it, `None` (the test is skipped) except in CI.
fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: chromium is not installed");
    }
    found
}

/// Headless Chromium's flags for tests: no network, no profile left behind.
const FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Runs headless Chromium with a profile in `dir` and `args` (the page last).
fn headless(browser: &str, dir: &Path, args: &[String]) -> std::process::Output {
    std::process::Command::new(browser)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

#[test]
fn report_opens_in_chromium_with_every_chart() {
    let Some(browser) = chromium() else {
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
    let page = format!("file://{}", out.join("report.html").display());
    let dom = headless(browser, dir.path(), &["--dump-dom".into(), page.clone()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    for chart in CHARTS {
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
    let status = headless(
        browser,
        dir.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1000,2000".into(),
            page,
        ],
    );
    assert!(status.status.success());
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "screenshot of {} bytes",
        png.len()
    );
}

/// A design of the extreme comparison: 60 pools with long Chinese names,
/// a long Chinese design name; `extra` servers on every pool.
fn wide_design(i: usize) -> String {
    let mut y = format!(
        "name: \"长沙市政务服务中心 方案{i} — 综合窗口改革：前台综合受理、后台分类审批、统一窗口出件（第{i}版，窗口加{i}个）\"\nseed: 5\nreplications: 2\nhorizon: 3d\ncalendar: {{hours: [\"09:00-12:00\", \"13:30-17:00\"]}}\npools:\n"
    );
    // Design 5 drops the last pool and design 4 adds one: pools of either design show.
    let pools = match i {
        5 => 59,
        4 => 61,
        _ => 60,
    };
    for p in 0..pools {
        y.push_str(&format!(
            "  不动产登记与社会保障综合受理窗口第{p}组: {{servers: {}}}\n",
            1 + i % 3
        ));
    }
    y.push_str("processes:\n");
    for p in 0..pools {
        y.push_str(&format!(
            "  事项{p}:\n    time_limit: 2wd\n    steps:\n      - {{id: intake, serve: 不动产登记与社会保障综合受理窗口第{p}组, time: {{exp: 12min}}}}\n"
        ));
    }
    y.push_str("arrivals:\n");
    for p in 0..pools {
        y.push_str(&format!(
            "  - {{name: a{p}, rate: 3/h, process: 事项{p}}}\n"
        ));
    }
    y
}

/// Runs `compare` on designs 0..n of [`wide_design`] into `out`.
fn wide_report(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut files = Vec::new();
    for i in 0..n {
        let f = dir.join(format!("d{i}.yaml"));
        std::fs::write(&f, wide_design(i)).unwrap();
        files.push(f);
    }
    let out = dir.join("wide");
    Command::cargo_bin("procsim")
        .unwrap()
        .args(["compare", "-q", "--out"])
        .arg(&out)
        .args(&files)
        .assert()
        .success();
    out
}

/// A script that measures every text of every chart once the page and its
/// font are laid out, and writes what it finds into the page: the number
/// of texts, those sticking out of their chart, and pairs of texts that
/// overlap (by more than a pixel each way, so touching glyph boxes pass).
const MEASURE: &str = r#"<script>
document.fonts.ready.then(() => {
  const out = [];
  let texts = 0;
  for (const svg of document.querySelectorAll('figure svg')) {
    const id = svg.parentElement.id;
    const box = svg.getBoundingClientRect();
    const rects = [];
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const r = t.getBoundingClientRect();
      texts++;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push('clipped ' + id + ': ' + t.textContent.trim());
      }
      rects.push([r, t.textContent.trim()]);
    }
    for (let i = 0; i < rects.length; i++) {
      for (let j = i + 1; j < rects.length; j++) {
        const [a, s] = rects[i], [b, u] = rects[j];
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) out.push('overlap ' + id + ': ' + s + ' | ' + u);
      }
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = 'texts=' + texts + '\n' + out.join('\n');
  document.body.appendChild(pre);
});
</script>"#;

#[test]
fn six_designs_sixty_pools_and_long_chinese_names_fit_every_chart() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = wide_report(dir.path(), 6);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Every pool of either design has a row: the one only design 4 has too.
    assert!(html.contains("<td>不动产登记与社会保障综合受理窗口第60组</td>"));
    let measured = out.join("measured.html");
    std::fs::write(
        &measured,
        html.replace("</body>", &format!("{MEASURE}</body>")),
    )
    .unwrap();
    let dom = headless(
        browser,
        dir.path(),
        &[
            "--virtual-time-budget=10000".into(),
            "--window-size=1200,900".into(),
            "--dump-dom".into(),
            format!("file://{}", measured.display()),
        ],
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let start = dom
        .find("<pre id=\"measured\">")
        .expect("the page measured itself");
    let report = &dom[start + 19..];
    let report = &report[..report.find("</pre>").unwrap()];
    let texts: usize = report
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("texts="))
        .and_then(|n| n.parse().ok())
        .unwrap();
    // 60+ pool labels alone: the measure saw the charts.
    assert!(texts > 100, "only {texts} texts measured");
    let problems: Vec<&str> = report.lines().skip(1).collect();
    assert!(
        problems.is_empty(),
        "{} clipped or overlapping labels:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn report_prints_on_a4_without_a_page_holding_only_a_heading() {
    let Some(browser) = chromium() else {
        return;
    };
    let have = |tool: &str| std::process::Command::new(tool).arg("-v").output().is_ok();
    if !have("pdfinfo") || !have("pdftotext") {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install poppler-utils (see .ci/run)"
        );
        eprintln!("skipped: poppler-utils are not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = wide_report(dir.path(), 3);
    let pdf = dir.path().join("report.pdf");
    let status = headless(
        browser,
        dir.path(),
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
            format!("file://{}", out.join("report.html").display()),
        ],
    );
    assert!(status.status.success());
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    // A4 is 210 x 297 mm: 595.28 x 841.89 pt (Chromium rounds to 594.96 x 841.92).
    let size = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("a page size");
    let nums: Vec<f64> = size
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        (nums[0] - 595.28).abs() < 1.0 && (nums[1] - 841.89).abs() < 1.0,
        "page size {size}"
    );
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages > 3, "{pages} pages");
    // The headings of the page, from the HTML: a page whose text is one of
    // them (and nothing else) holds an orphaned heading.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mut headings = Vec::new();
    for tag in ["h1", "h2", "h3"] {
        for part in html.split(&format!("<{tag}>")).skip(1) {
            let inner = part.split(&format!("</{tag}>")).next().unwrap();
            let text: String = strip_tags(inner);
            headings.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    for page in 1..=pages {
        let text = std::process::Command::new("pdftotext")
            .args(["-f", &page.to_string(), "-l", &page.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(!words.is_empty() || page == pages, "page {page} is blank");
        assert!(
            !headings.contains(&words),
            "page {page} holds only the heading `{words}`"
        );
        // Nor ends with a heading whose content went to the next page.
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let last = last.split_whitespace().collect::<Vec<_>>().join(" ");
        if page < pages {
            assert!(
                ![
                    "Summary",
                    "Headline KPIs",
                    "Charts",
                    "Pools",
                    "Processes",
                    "Glossary"
                ]
                .contains(&last.as_str()),
                "page {page} ends with the heading `{last}`"
            );
        }
    }
}

/// The text of an HTML fragment, tags dropped and entities of `escape` undone.
fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}
