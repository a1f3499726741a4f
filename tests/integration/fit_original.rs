//! `procsim fit`'s round trip judged against the scenario the log came
//! from: the fitted scenario's simulated wait and queue by hour lie within
//! the intervals of the original's (tests/fixtures/fit/hall.yaml).
//!
//! Both scenarios are measured by the same code as a log
//! (`fit::validate::measures`, through `fit::validate::validate`): the
//! fitted one's means over its 10 replications (fit.json's `simulated`)
//! are set as the "observed" figures beside 10 fresh replications of the
//! original, whose 95% prediction interval of one history each figure must
//! lie in. And a log whose weekdays differ in volume is fitted with
//! `daily` per weekday.

use super::common::{fit_log, ticket_log, write};
use std::path::Path;
use std::sync::atomic::AtomicBool;

#[test]
fn the_fitted_scenario_waits_and_queues_like_the_original() {
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fit/hall.yaml");
    let dir = tempfile::tempdir().unwrap();
    let log = ticket_log(&original, &dir.path().join("sim"));
    let (fit, _) = fit_log(&log, &dir.path().join("fitted"), &["-q"]);

    // The fitted scenario's simulated mean of every by-hour wait and queue
    // figure.
    let by_hour = |name: &str| {
        name.starts_with("wait_min ")
            || name.starts_with("wait_p90_min ")
            || name.starts_with("queue ")
    };
    let fitted_means: Vec<(String, f64)> = fit["validation"]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["simulated"].as_f64().unwrap(),
            )
        })
        .filter(|(name, _)| by_hour(name))
        .collect();
    // Seven open hours (09-11, 13-16): a mean wait, a p90 and a queue each.
    assert_eq!(fitted_means.len(), 21, "{fitted_means:?}");

    // Ten fresh histories of the original (another seed than the log's).
    let mut model = procsim::load(&original).unwrap();
    model.replications = 10;
    model.seed += 1;
    let read = procsim::fit::read::read(&log, &procsim::fit::read::Columns::default()).unwrap();
    let refit = procsim::fit::fit(&read, "tickets.csv");
    let judged = procsim::fit::validate::validate(
        &model,
        &fitted_means,
        None,
        &refit.pools,
        &refit.calendar,
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(judged.figures.len(), fitted_means.len());

    // If the fit were exact, the fitted mean of 10 would differ from the
    // original's mean of 10 by sd·√(2/10) = 0.45 sd of one history, and the
    // interval's half-width is t(0.975, 9)·√1.1 = 2.37 sd: outside with
    // chance below 1e-6 per figure. A fit error of about 1.5 sd of one
    // history's spread or more puts a figure outside: tried by hand, an
    // original with 1040 cases a day instead of 1000 (a volume fitted 4%
    // short) puts 12 of the 21 figures outside (the front's morning peak
    // has load 1.2, where waits grow fast with the volume).
    let mut outside = Vec::new();
    for f in &judged.figures {
        let half = (f.interval.1 - f.interval.0) / 2.0;
        eprintln!(
            "{:<18} fitted {:>8.3}  original {:>8.3} ± {:>7.3}",
            f.name, f.observed, f.simulated, half
        );
        if f.outside {
            outside.push(f.name.clone());
        }
    }
    assert!(
        outside.is_empty(),
        "fitted outside the original's intervals: {outside:?}"
    );
}

#[test]
fn weekday_volumes_are_fitted_when_they_differ() {
    // Mondays 300, other weekdays 200, 12 weeks: the weekday test finds
    // the difference (between-weekday variance against Poisson noise of
    // sd 14-17 a day) and the fitted scenario gives daily per weekday. A
    // weekday's mean over 12 dates has sd sqrt(300/12) = 5 (1.7%) or
    // sqrt(200/12) = 4.1 (2%): 8% is 4 sd or more.
    let dir = tempfile::tempdir().unwrap();
    let yaml = "name: weekdays\nseed: 3\nreplications: 1\nhorizon: 84d\ncalendar:\n  start: 2019-01-07\n  hours: [\"09:00-17:00\"]\npools:\n  w: {servers: 20}\nprocesses:\n  p:\n    steps: [{serve: w, time: {exp: 5min}}]\narrivals:\n  - name: a\n    daily: {mon: 300, tue: 200, wed: 200, thu: 200, fri: 200}\n    process: p\n";
    let original = write(dir.path(), "weekdays.yaml", yaml);
    let log = ticket_log(&original, &dir.path().join("sim"));
    let fitted = dir.path().join("fitted");
    let (fit, _) = fit_log(&log, &fitted, &["--no-validate", "-q"]);
    let test = &fit["arrivals"]["weekday_test"];
    assert_eq!(test["by_weekday"], true, "{test}");
    assert_eq!(test["df"], serde_json::json!([4, 55]), "{test}");
    let model = procsim::load(&fitted.join("scenario.yaml")).unwrap();
    let procsim::model::ArrivalPattern::Poisson {
        weekday_factor: Some(factor),
        ..
    } = &model.arrivals[0].pattern
    else {
        panic!("daily is not per weekday: {:?}", model.arrivals[0].pattern);
    };
    // The factors are each weekday's volume over the mean (1100/5 = 220).
    for (w, want) in [300.0, 200.0, 200.0, 200.0, 200.0].iter().enumerate() {
        let got = factor[w] * 220.0;
        assert!((got / want - 1.0).abs() < 0.08, "weekday {w}: {got}");
    }

    // Equal weekdays: the test does not find a difference (at the 1% level
    // it wrongly would with chance 0.01; this seed is one draw), and daily
    // is one number.
    let flat = write(
        dir.path(),
        "flat.yaml",
        &yaml.replace("{mon: 300, tue: 200, wed: 200, thu: 200, fri: 200}", "220"),
    );
    let log = ticket_log(&flat, &dir.path().join("sim-flat"));
    let fitted = dir.path().join("fitted-flat");
    let (fit, _) = fit_log(&log, &fitted, &["--no-validate", "-q"]);
    assert_eq!(
        fit["arrivals"]["weekday_test"]["by_weekday"], false,
        "{fit}"
    );
    let yaml = std::fs::read_to_string(fitted.join("scenario.yaml")).unwrap();
    assert!(
        yaml.contains("do not differ beyond day-to-day noise"),
        "{yaml}"
    );
}

#[test]
fn a_short_weekday_is_reported() {
    // Two weeks by hand: Monday to Friday a ticket every 15 minutes from
    // 09:00 to 16:45, Saturday 09:00 to 11:45 only. The calendar's hours are
    // 09:00-17:00 (32 slots); Saturday's own are 09:00-12:00, 12 of 32
    // slots: 0.375 of the day, under the 0.8 that marks a short day.
    let mut csv = String::from("ticket,item,issued,called,ended,outcome\n");
    let mut n = 0;
    for day in 7..=19 {
        let weekday = (day - 7) % 7; // 2019-01-07 is a Monday
        let last_slot = match weekday {
            0..=4 => 32,
            5 => 12,
            _ => continue,
        };
        for slot in 0..last_slot {
            let (h, m) = (9 + slot / 4, (slot % 4) * 15);
            n += 1;
            csv += &format!(
                "{n},p,2019-01-{day:02}T{h:02}:{m:02}:00,2019-01-{day:02}T{h:02}:{m:02}:30,2019-01-{day:02}T{h:02}:{:02}:00,served\n",
                m + 5
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "tickets.csv", &csv);
    let out = dir.path().join("fitted");
    let (fit, o) = fit_log(&log, &out, &["--no-validate"]);
    assert!(
        o.stderr.contains(
            "sat: tickets only 09:00-12:00, but a scenario's open days all have the same hours"
        ),
        "{}",
        o.stderr
    );
    let cal = &fit["calendar"];
    assert_eq!(cal["hours"], serde_json::json!(["09:00-17:00"]));
    assert_eq!(
        cal["short_weekdays"],
        serde_json::json!([{"day": "sat", "hours": ["09:00-12:00"], "share": 0.375}])
    );
    let yaml = std::fs::read_to_string(out.join("scenario.yaml")).unwrap();
    assert!(
        yaml.contains("# sat: tickets only 09:00-12:00 (38% of the hours above)"),
        "{yaml}"
    );
}

#[test]
fn log_distances_tell_a_fitted_scenario_from_a_shifted_log() {
    // The shipped example log against its fitted scenario: every measure
    // is given, and no replication set lies farther from the log than the
    // replications lie from each other (for a right model each replication
    // and the log are exchangeable histories). The same log moved two
    // hours later is another matter: every event's hour of day moves 2 h,
    // which replications about 0.1 h apart cannot match.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fit-example");
    let dir = tempfile::tempdir().unwrap();
    let fitted = dir.path().join("fitted");
    let log = root.join("tickets.csv");
    let (fit, _) = fit_log(&log, &fitted, &["-q"]);
    let measures: Vec<&str> = fit["validation"]["distances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["farther"], false, "{d}");
            d["measure"].as_str().unwrap()
        })
        .collect();
    let all: Vec<&str> = procsim::fit::distance::MEASURES
        .iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(measures, all);

    let mut read = procsim::fit::read::read(&log, &procsim::fit::read::Columns::default()).unwrap();
    let refit = procsim::fit::fit(&read, "tickets.csv");
    let later =
        |t: jiff::civil::DateTime| t.checked_add(jiff::SignedDuration::from_hours(2)).unwrap();
    for t in &mut read.tickets {
        t.issued = later(t.issued);
        t.service = t.service.map(|(a, b)| (later(a), later(b)));
        t.left_at = t.left_at.map(later);
    }
    let shifted = procsim::fit::distance::Profile::of(&read.tickets, refit.calendar.start);
    let model = procsim::load(&fitted.join("scenario.yaml")).unwrap();
    let v = procsim::fit::validate::validate(
        &model,
        &[],
        Some(&shifted),
        &refit.pools,
        &refit.calendar,
        &AtomicBool::new(false),
    )
    .unwrap();
    let circadian = v
        .distances
        .iter()
        .find(|d| d.measure == "circadian_events")
        .unwrap();
    assert!(circadian.farther, "{circadian:?}");
    assert!(
        (circadian.to_log - 2.0).abs() < 0.3,
        "about 2 h: {circadian:?}"
    );
}
