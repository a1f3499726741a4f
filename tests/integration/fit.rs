//! `procsim fit`: the round trip scenario -> `run --log tickets` -> fit
//! recovers the scenario's numbers (tests/fixtures/fit/hall.yaml), the
//! fitted scenario validates and runs, and every kind of bad log is a
//! located error with exit 2.

use super::common::{fit_log, procsim, s, ticket_log, write};
use serde_json::Value;
use std::path::Path;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit/hall.yaml")
}

/// The service fit of `process` at `pool` in fit.json.
fn service<'a>(fit: &'a Value, process: &str, pool: &str) -> &'a Value {
    fit["service"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["process"] == process && f["pool"] == pool)
        .unwrap_or_else(|| panic!("no fit of {process} at {pool}"))
}

#[test]
fn a_ticket_log_is_fitted_back_to_its_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = ticket_log(&fixture(), &dir.path().join("sim"));
    let log = std::fs::read_to_string(&tickets).unwrap();
    assert!(log.starts_with("ticket,case,item,pool,window,issued,called,ended,outcome\n"));
    assert!(
        log.contains(",left\n"),
        "renewal's patience makes some leave"
    );

    let fitted = dir.path().join("fitted");
    let (fit, o) = fit_log(&tickets, &fitted, &[]);
    eprintln!("{}", o.stdout);

    // Calendar: weekdays, the two periods, the one holiday; 12 weeks of
    // weekdays less the holiday are 59 open days.
    let cal = &fit["calendar"];
    assert_eq!(
        cal["days"],
        serde_json::json!(["mon", "tue", "wed", "thu", "fri"])
    );
    assert_eq!(
        cal["hours"],
        serde_json::json!(["09:00-12:00", "13:30-17:00"])
    );
    assert_eq!(cal["holidays"], serde_json::json!(["2019-01-21"]));
    assert_eq!(cal["open_days"], 59);

    // Daily volume: 59 days of Poisson(1000) cases: sd of the mean
    // sqrt(1000/59) = 4.1, 0.4%; 3% is more than 7 sd.
    let daily = fit["arrivals"]["daily"].as_f64().unwrap();
    assert!((daily / 1000.0 - 1.0).abs() < 0.03, "daily {daily}");

    // Hourly shares: each hour's weight times its open minutes over the
    // day's total (90 + 72 + 60 + 24 + 48 + 60 + 36 = 390). With 59,000
    // cases a share's sd is below 0.002: 0.02 is ten of them.
    let expected = [
        ("09:00", 90.0),
        ("10:00", 72.0),
        ("11:00", 60.0),
        ("13:30", 24.0),
        ("14:00", 48.0),
        ("15:00", 60.0),
        ("16:00", 36.0),
    ];
    let profile = fit["arrivals"]["profile"].as_array().unwrap();
    assert_eq!(profile.len(), expected.len(), "{profile:?}");
    for (entry, (from, w)) in profile.iter().zip(expected) {
        assert_eq!(entry["from"], from);
        let share = entry["share"].as_f64().unwrap();
        assert!((share - w / 390.0).abs() < 0.02, "{from}: {share}");
        eprintln!("share {from}: fitted {share:.4}, scenario {:.4}", w / 390.0);
    }

    // Mix: 0.5, 0.3, 0.2 of 59,000: sd below 0.0021.
    for m in fit["arrivals"]["mix"].as_array().unwrap() {
        let want = match m["process"].as_str().unwrap() {
            "permit" => 0.5,
            "renewal" => 0.3,
            "license" => 0.2,
            p => panic!("unknown process {p}"),
        };
        assert!((m["share"].as_f64().unwrap() - want).abs() < 0.01, "{m}");
    }

    // Windows: the front is full at the morning peak (load 1.2 at the
    // profile's 1.5), so all its 25 windows serve; the desk's most is 12.
    // By hour, the desk's schedule comes back exactly: in every hour some
    // day has all its windows busy (the desk's load is above 0.6 of its
    // servers in every hour, and 59 days give many chances), and a window
    // n starts a service only when windows 1..n are busy.
    for p in fit["pools"].as_array().unwrap() {
        let (windows, schedule) = if p["name"] == "front" {
            (25, serde_json::json!([["09:00", 25]]))
        } else {
            (
                12,
                serde_json::json!([["09:00", 8], ["11:00", 12], ["13:30", 10], ["16:00", 6]]),
            )
        };
        assert_eq!(p["windows"], windows, "{p}");
        assert_eq!(p["schedule"], schedule, "{p}");
    }
    let yaml = std::fs::read_to_string(fitted.join("scenario.yaml")).unwrap();
    assert!(
        yaml.contains(r#""desk": {servers: {"09:00": 8, "11:00": 12, "13:30": 10, "16:00": 6}}"#),
        "{yaml}"
    );

    // Patience: renewal's exp(120 min). The estimate's relative sd is
    // 1/sqrt(left); with several hundred who left it is below 5%, so 10%
    // is two sd or more (the test asserts that many left).
    let patience = fit["patience"].as_array().unwrap();
    assert_eq!(patience.len(), 1, "only renewal has patience: {patience:?}");
    let p = &patience[0];
    assert_eq!(
        (&p["process"], &p["pool"]),
        (&"renewal".into(), &"front".into())
    );
    let left = p["left"].as_u64().unwrap();
    assert!(left > 400, "{p}");
    let mean = p["mean_min"].as_f64().unwrap();
    assert!((mean / 120.0 - 1.0).abs() < 0.1, "patience {mean}");
    eprintln!("patience: {left} left, mean {mean:.1} min (scenario 120)");

    // Returns: permit's rework p 0.1 from ~29,500 cases: sd of the share
    // sqrt(0.09/29,500) = 0.0017, so 0.02 is many sd. A uniform 1-3 day
    // delay comes back 1 to 3 working days later (a weekend or the holiday
    // in between does not count). license's next-day front visits (desk
    // served after closing) are not returns: they do not restart the route.
    let returns = fit["returns"].as_array().unwrap();
    let by = |name: &str| returns.iter().find(|r| r["process"] == name).unwrap();
    let permit = by("permit");
    let share = permit["share"].as_f64().unwrap();
    let p = permit["p"].as_f64().unwrap();
    eprintln!("permit returns: share {share:.4}, p {p:.4} (scenario 0.1)");
    assert!(
        (share - 0.1).abs() < 0.02 && (p - 0.1).abs() < 0.02,
        "{permit}"
    );
    let delays: Vec<u64> = permit["delay_wd"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.parse().unwrap())
        .collect();
    assert!(delays.iter().all(|d| (1..=3).contains(d)), "{permit}");
    for other in ["license", "renewal"] {
        assert_eq!(by(other)["returns"], 0, "{}", by(other));
    }
    assert!(yaml.contains("{rework: {p: 0.1"), "{yaml}");

    // Daily volume by weekday: 11 or 12 dates of each; the sd of a
    // weekday's mean is sqrt(1000/11) = 9.5, 1%; 5% is five sd.
    for w in fit["arrivals"]["by_weekday"].as_array().unwrap() {
        let daily = w["daily"].as_f64().unwrap();
        assert!((daily / 1000.0 - 1.0).abs() < 0.05, "{w}");
    }

    // Routes: license visits the desk, then the front.
    let routes = fit["routes"].as_array().unwrap();
    let license = routes.iter().find(|r| r["process"] == "license").unwrap();
    assert_eq!(license["pools"], serde_json::json!(["desk", "front"]));

    // Service means: n >= 11,000 each; the sd of a mean is cv/sqrt(n):
    // at most 1/sqrt(11,000) = 1% (exponential), so 3% is 3 sd.
    for (process, pool, mean_min, family) in [
        ("permit", "front", 10.0, "lognormal"),
        ("renewal", "front", 6.0, "exp"),
        ("license", "desk", 15.0, "exp"),
        ("license", "front", 5.0, "lognormal"),
    ] {
        let f = service(&fit, process, pool);
        let mean = f["mean_s"].as_f64().unwrap() / 60.0;
        let n = f["n"].as_u64().unwrap();
        let best = &f["candidates"][0];
        eprintln!(
            "{process} at {pool}: n {n}, mean {mean:.3} min (scenario {mean_min}), {} (KS {:.4})",
            best["family"], best["ks"]
        );
        assert!(n > 11_000, "{process}: n {n}");
        assert!((mean / mean_min - 1.0).abs() < 0.03, "{process}: {mean}");
        // An exponential sample can be fitted a touch better by a gamma or
        // Weibull of shape near 1 (AIC picks one with probability 0.16,
        // when twice the likelihood gain of the extra parameter, a
        // chi-square with 1 df, exceeds 2): accept such a shape, within
        // 0.03 of 1 (its sd at this n is below 0.01).
        let chosen = best["family"].as_str().unwrap();
        if family == "exp" && chosen != "exp" {
            let params = best["params"].as_array().unwrap();
            let shape = match chosen {
                "gamma" => (mean * 60.0 / params[1][1].as_f64().unwrap()).powi(2),
                "weibull" => params[0][1].as_f64().unwrap(),
                _ => panic!("{process}: {chosen} for an exponential"),
            };
            assert!(
                (shape - 1.0).abs() < 0.03,
                "{process}: {chosen} shape {shape}"
            );
        } else {
            assert_eq!(chosen, family, "{process} at {pool}");
        }
    }

    // Validation: the fitted scenario, simulated, reproduces the log. Each
    // of the 31 figures (26, and the five weekdays' volumes) lies outside
    // its 95% prediction interval with chance about 0.05 if the fit is
    // right: more than 5 of 31 has chance 0.004 for independent
    // figures, while a wrong fit (a wrong schedule or volume) puts the
    // hourly waits and queues of whole mornings outside.
    let v = &fit["validation"];
    assert_eq!(v["replications"], 10);
    let figures = v["figures"].as_array().unwrap();
    assert!(figures.len() >= 20, "{v}");
    let outside: Vec<&Value> = figures.iter().filter(|f| f["outside"] == true).collect();
    assert!(outside.len() <= 5, "{outside:?}");
    for name in [
        "daily",
        "utilization desk",
        "utilization front",
        "abandonment",
        "visits_per_case",
        "queue 10h",
        "daily mon",
        "daily fri",
    ] {
        assert!(figures.iter().any(|f| f["name"] == name), "no {name}: {v}");
    }
    assert!(o.stdout.contains("validation: "), "{}", o.stdout);
    // The page: the validation table, three by-hour charts, a histogram
    // and a Q-Q plot per service fit (four) and a survival chart per
    // patience fit (one), inline.
    let page = std::fs::read_to_string(fitted.join("fit-report.html")).unwrap();
    assert!(page.contains("<h2>Validation</h2>"), "{page}");
    assert_eq!(page.matches("<svg").count(), 3 + 2 * 4 + 1);
    assert!(page.contains("<h2>Patience</h2>"), "{page}");
    assert!(fitted.join("charts/fit_qq_permit_front.png").is_file());

    // The fitted scenario validates and runs.
    let scenario = fitted.join("scenario.yaml");
    let o = procsim(&["validate", s(&scenario)]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let o = procsim(&["run", s(&scenario), "--reps", "2", "-q"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn tickets_csv_rows_follow_by_hand() {
    // One window, a citizen every 10 minutes from 00:10 (the first comes
    // one gap after the start), 15 minutes of service, 3 minutes of
    // patience: 00:10 is served to 00:25; 00:20 would wait to 00:25 and
    // leaves at 00:23; 00:30 is served to 00:45; 00:40 leaves; 00:50 is
    // served to 01:05 (after the horizon, the run drains).
    let yaml = "name: tickets by hand\nreplications: 1\nhorizon: 1h\n\
        pools: {window: {servers: 1}}\n\
        processes: {visit: {steps: [{serve: window, time: 15min, patience: 3min}]}}\n\
        arrivals: [{name: walk_ins, interarrival: 10min, process: visit}]\n";
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "hand.yaml", yaml);
    let text = std::fs::read_to_string(ticket_log(&scenario, &dir.path().join("out"))).unwrap();
    let mut rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    rows.sort_by_key(|r| r[5]);
    let at = |hm: &str| format!("2019-01-07T{hm}:00.000");
    let expected = [
        ("00:10", Ok(("00:10", "00:25"))),
        ("00:20", Err("00:23")),
        ("00:30", Ok(("00:30", "00:45"))),
        ("00:40", Err("00:43")),
        ("00:50", Ok(("00:50", "01:05"))),
    ];
    assert_eq!(rows.len(), expected.len(), "{text}");
    let mut tickets = std::collections::BTreeSet::new();
    for (row, (issued, service)) in rows.iter().zip(expected) {
        assert!(tickets.insert(row[0]), "ticket ids are unique: {text}");
        // The one window is window-1 for every served ticket.
        let (window, called, ended, outcome) = match service {
            Ok((c, e)) => ("window-1", at(c), at(e), "served"),
            Err(left) => ("", String::new(), at(left), "left"),
        };
        assert_eq!(
            &row[2..6],
            ["visit", "window", window, at(issued).as_str()],
            "{text}"
        );
        assert_eq!(
            &row[6..],
            [called.as_str(), ended.as_str(), outcome],
            "{text}"
        );
    }
}

const HEADER: &str = "ticket,case,item,pool,issued,called,ended,outcome\n";
const GOOD: &str =
    "1,c1,permit,front,2019-01-07T09:00:00,2019-01-07T09:01:00,2019-01-07T09:05:00,served\n";

/// Fits a log of `text`; returns the exit code and stderr.
fn fit_text(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", text);
    let o = procsim(&["fit", s(&log), "--out", s(&dir.path().join("out"))]);
    (o.code, o.stderr)
}

#[test]
fn bad_logs_are_located_errors() {
    let cases: [(String, &[&str]); 6] = [
        (String::new(), &["log.csv", "empty"]),
        (HEADER.to_string(), &["log.csv", "empty", "data rows"]),
        (
            "ticket,case,item,pool,called,ended,outcome\n1,c,p,q,,,left\n".to_string(),
            &["row 0", "`issued`", "--columns issued="],
        ),
        (
            format!("{HEADER}{GOOD}2,c2,permit,front,2019-01-07 9h,,,left\n"),
            &["row 2", "`issued`", "2019-01-07 9h", "ISO 8601"],
        ),
        (
            format!("{HEADER}{GOOD}2,c2,permit,front,2019-01-07T09:00:00,2019-01-07T09:10:00,2019-01-07T09:05:00,served\n"),
            &["row 2", "`ended`", "ended before it was called"],
        ),
        (
            format!("{HEADER}{GOOD}{GOOD}3,c3,permit,front,2019-01-07T09:00:00,,,gone\n"),
            &["row 3", "`outcome`", "gone", "served, left or no_show"],
        ),
    ];
    for (text, words) in cases {
        let (code, err) = fit_text(&text);
        assert_eq!(code, Some(2), "{text:?}: {err}");
        for w in words {
            assert!(err.contains(w), "{text:?}: {w:?} not in {err}");
        }
    }
}

#[test]
fn skipped_rows_are_counted_by_reason() {
    let text = format!(
        "{HEADER}{GOOD}2,c2,permit,front,2019-01-07T09:02:00,,,no_show\n3,c3,permit,front,2019-01-07T09:03:00,,,served\n"
    );
    let (code, err) = fit_text(&text);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("skipped 1 rows: no_show"), "{err}");
    assert!(err.contains("skipped 1 rows: served without both"), "{err}");
}

#[test]
fn renamed_columns_are_read() {
    let text = format!(
        "{}{GOOD}",
        HEADER
            .replace("issued", "TakeTime")
            .replace("item", "Service")
    );
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", &text);
    let out = dir.path().join("out");
    let o = procsim(&[
        "fit",
        s(&log),
        "--out",
        s(&out),
        "--columns",
        "issued=TakeTime",
        "item=Service",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let yaml = std::fs::read_to_string(out.join("scenario.yaml")).unwrap();
    // One ticket: a 4-minute service, exponential only (too few to choose).
    assert!(yaml.contains("{exp: 4.0000min}"), "{yaml}");
}

#[test]
fn patience_is_time_at_risk_over_those_who_left() {
    // By hand: waits of 10 and 20 min to a call (censored), 30 and 20 min
    // to leaving: 80 min at risk, 2 left, an exponential mean of 40 min.
    let t = |hm: &str| format!("2019-01-07T{hm}:00");
    let rows = [
        ("09:00", t("09:10"), t("09:15"), "served"),
        ("09:00", String::new(), t("09:30"), "left"),
        ("09:05", t("09:25"), t("09:31"), "served"),
        ("09:20", String::new(), t("09:40"), "left"),
    ];
    let mut text = HEADER.to_string();
    for (i, (issued, called, ended, outcome)) in rows.iter().enumerate() {
        text += &format!(
            "{i},c{i},permit,front,{},{called},{ended},{outcome}\n",
            t(issued)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", &text);
    let out = dir.path().join("out");
    let o = procsim(&["fit", s(&log), "--out", s(&out)]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let yaml = std::fs::read_to_string(out.join("scenario.yaml")).unwrap();
    assert!(yaml.contains("patience: {exp: 40.0000min}"), "{yaml}");
    assert!(
        yaml.contains("2 left over 80 min of waiting (2 called)"),
        "{yaml}"
    );
}

#[test]
fn the_shipped_example_log_is_its_scenarios_and_fits_back() {
    // scenarios/fit-example/tickets.csv is exactly what its scenario
    // writes (so the README's example can be regenerated), and its fit
    // finds the counter's schedule.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fit-example");
    let dir = tempfile::tempdir().unwrap();
    let tickets = ticket_log(&root.join("hall.yaml"), &dir.path().join("sim"));
    let shipped = std::fs::read_to_string(root.join("tickets.csv")).unwrap();
    assert!(
        std::fs::read_to_string(tickets).unwrap() == shipped,
        "regenerate scenarios/fit-example/tickets.csv with procsim run scenarios/fit-example/hall.yaml --out DIR --log tickets"
    );
    assert!(shipped.len() < 1_000_000);
    let fitted = dir.path().join("fitted");
    fit_log(&root.join("tickets.csv"), &fitted, &[]);
    let yaml = std::fs::read_to_string(fitted.join("scenario.yaml")).unwrap();
    assert!(
        yaml.contains(r#""counter": {servers: {"09:00": 4, "10:00": 6, "13:30": 5, "16:00": 3}}"#),
        "{yaml}"
    );
}

/// procsim's own event log fits as its ticket log does: run one scenario
/// with `--events` (two replications: only the first is a history to fit)
/// and with `--log tickets` (one), fit both, and the arrivals, services,
/// patience and returns found are the same.
#[test]
fn an_event_log_fits_as_the_ticket_log_of_the_same_history() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = crate::common::write(
        dir.path(),
        "hall.yaml",
        "name: ev
horizon: 5d
calendar: {hours: [\"09:00-17:00\"]}
pools: {desk: {servers: 2}, back: {servers: 4}}
processes:
  p:
    steps:
      - {id: intake, serve: desk, time: {exp: 5min}, patience: {exp: 10min}}
      - {work: back, time: {exp: 10min}}
arrivals: [{name: a, daily: 150, process: p}]
",
    );
    let run = |args: &[&str], out: &str| {
        let out_dir = dir.path().join(out);
        let mut all = vec!["run", crate::common::s(&scenario), "-q", "--out"];
        all.push(crate::common::s(&out_dir));
        all.extend(args);
        let o = crate::common::procsim(&all);
        assert_eq!(o.code, Some(0), "{}", o.stderr);
        out_dir
    };
    let events = run(&["--events", "--reps", "2"], "events").join("events.csv");
    let tickets = run(&["--log", "tickets", "--reps", "1"], "tickets").join("tickets.csv");
    let fit = |log: &std::path::Path, out: &str| {
        let out_dir = dir.path().join(out);
        let o = crate::common::procsim(&[
            "fit",
            crate::common::s(log),
            "--out",
            crate::common::s(&out_dir),
            "--no-validate",
        ]);
        assert_eq!(o.code, Some(0), "{}", o.stderr);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out_dir.join("fit.json")).unwrap()).unwrap();
        (json, format!("{}{}", o.stdout, o.stderr))
    };
    let (from_events, printed) = fit(&events, "fit-events");
    let (from_tickets, _) = fit(&tickets, "fit-tickets");
    for section in ["arrivals", "service", "patience", "returns", "calendar"] {
        assert_eq!(from_events[section], from_tickets[section], "{section}");
    }
    assert!(from_events["patience"][0]["left"].as_u64().unwrap() > 0);
    // The second replication's rows are skipped, and said to be.
    assert!(
        printed.contains("rows of replications other than 0"),
        "{printed}"
    );
}
