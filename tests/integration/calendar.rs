//! Calendar arithmetic derived by hand, through the whole engine.
//!
//! Calendar: start Monday 2019-01-07, hours 09:00-17:00 (8 h a day),
//! Monday to Friday, Wednesday 2019-01-09 a holiday, Saturday 2019-01-12 a
//! make-up working day. One citizen arrives Monday 09:00 (a single booked
//! slot on the first day), so every lead time below is exact.

use crate::common::*;
use procsim::engine::{CaseRecord, Observer};
use procsim::simulate::{simulate_observed, RunSettings};
use std::sync::atomic::AtomicBool;

fn one_case(steps: &str, time_limit: &str) -> String {
    format!(
        "name: cal\nreplications: 1\nhorizon: 1d\ncalendar:\n  start: 2019-01-07\n  hours: [\"09:00-17:00\"]\n  days: [mon, tue, wed, thu, fri]\n  holidays: [2019-01-09]\n  extra_workdays: [2019-01-12]\npools:\n  office: {{servers: 1}}\n  window: {{servers: 1}}\nprocesses:\n  p:\n{time_limit}    steps:\n{steps}arrivals:\n  - appointments: {{every: 8h, per_slot: 1}}\n    process: p\n"
    )
}

fn lead_minutes(yaml: &str) -> f64 {
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "completed").mean, 1.0);
    kpi(&run, "lead_time_min").mean
}

#[test]
fn work_pauses_over_nights_and_holidays() {
    // 20 h of effort from Monday 09:00: Monday 8 h, Tuesday 8 h, Wednesday
    // is a holiday, Thursday 09:00-13:00 4 h. Ends Thursday 13:00: 76 h.
    let yaml = one_case("      - {work: office, time: 20h}\n", "");
    assert_eq!(lead_minutes(&yaml), 76.0 * 60.0);
    let run = run_text(&yaml);
    assert!((kpi(&run, "lead_time_wd").mean - 2.5).abs() < 1e-9);
}

#[test]
fn working_day_waits_skip_holidays_and_use_make_up_days() {
    // 4 wd from Monday 09:00 = 32 h of open time: Mon, Tue, (Wed holiday),
    // Thu, Fri, ending Friday 17:00 = 4 d 8 h = 104 h.
    assert_eq!(
        lead_minutes(&one_case("      - wait: 4wd\n", "")),
        104.0 * 60.0
    );
    // 5 wd reaches the make-up Saturday: ends Saturday 17:00 = 128 h.
    assert_eq!(
        lead_minutes(&one_case("      - wait: 5wd\n", "")),
        128.0 * 60.0
    );
}

#[test]
fn a_citizen_reaching_a_closed_window_comes_the_next_open_day() {
    // A 10 h clock wait ends Monday 19:00, after closing. With `returns:
    // at_opening` the citizen is served Tuesday 09:00-09:10: lead time
    // 24 h 10 min, one visit.
    let yaml = one_case(
        "      - wait: 10h\n      - {serve: window, time: 10min}\n",
        "",
    )
    .replace("horizon: 1d\n", "horizon: 1d\nreturns: at_opening\n");
    assert_eq!(lead_minutes(&yaml), 24.0 * 60.0 + 10.0);
    let run = run_text(&yaml);
    assert_eq!(kpi(&run, "visits").mean, 1.0);
    // The queue wait counts from the opening, not from the evening before.
    assert_eq!(kpi(&run, "wait_min").mean, 0.0);
    // With `returns: profile` (the default) the citizen comes on Tuesday at
    // a time drawn over the open hours (the booked stream has no profile:
    // flat over 09-17): lead time between 24 h 10 min and 32 h 10 min.
    let yaml = yaml.replace("returns: at_opening\n", "");
    let lead = lead_minutes(&yaml);
    assert!(
        (24.0 * 60.0 + 10.0..32.0 * 60.0 + 10.0).contains(&lead),
        "lead {lead} min"
    );
    assert_eq!(kpi(&run_text(&yaml), "wait_min").mean, 0.0);
}

#[test]
fn time_limits_count_from_the_named_step() {
    // A 1 d clock wait (to Tuesday 09:00), then 8 h of review work ending
    // Tuesday 17:00. From the review's start that is exactly 1 wd.
    let steps = "      - {id: first, wait: 1d}\n      - {id: review, work: office, time: 8h}\n";
    let on_time = |limit: &str| {
        let run = run_text(&one_case(steps, limit));
        kpi(&run, "on_time_rate").mean
    };
    assert_eq!(on_time("    time_limit: {limit: 1wd, from: review}\n"), 1.0);
    assert_eq!(
        on_time("    time_limit: {limit: 0.9wd, from: review}\n"),
        0.0
    );
    // From arrival the case took 2 wd (Monday and Tuesday): 1 wd is missed,
    // 2 wd is met, and a clock limit of 32 h is met (lead time 32 h).
    assert_eq!(on_time("    time_limit: 1wd\n"), 0.0);
    assert_eq!(on_time("    time_limit: 2wd\n"), 1.0);
    assert_eq!(on_time("    time_limit: 32h\n"), 1.0);
    assert_eq!(on_time("    time_limit: 31h\n"), 0.0);
}

/// Collects arrival times.
struct Arrivals(Vec<f64>);
impl Observer for Arrivals {
    fn case(&mut self, r: &CaseRecord) {
        self.0.push(r.arrival);
    }
}

/// Runs `yaml` and collects every case's arrival time, all replications.
fn arrival_times(yaml: &str) -> (procsim::Run, Vec<f64>) {
    let model = procsim::scenario::load_str(yaml, "arrivals.yaml").unwrap();
    let settings = RunSettings::from_model(&model);
    let stop = AtomicBool::new(false);
    let mut all = Vec::new();
    let run = simulate_observed(
        &model,
        &settings,
        |_| Arrivals(Vec::new()),
        |_, a| {
            all.extend(a.0);
            Ok(())
        },
        &|_| {},
        &stop,
    )
    .unwrap();
    (run, all)
}

#[test]
fn daily_arrivals_follow_the_profile_on_open_days_only() {
    // 100 a day, weight 3 from 09:00 and 1 from 12:00 within 09:00-17:00:
    // the morning holds 3·3 h of 3·3 + 1·5 = 14 weight-hours, 9/14 = 64.3%.
    // Four weeks from Monday 2019-01-07: 20 weekdays - 1 holiday + 1
    // make-up Saturday = 20 open days, so 2,000 arrivals expected.
    let yaml = "name: profile\nseed: 11\nreplications: 20\nhorizon: 28d\ncalendar:\n  start: 2019-01-07\n  hours: [\"09:00-17:00\"]\n  holidays: [2019-01-09]\n  extra_workdays: [2019-01-12]\npools:\n  w: {servers: 50}\nprocesses:\n  p:\n    steps: [{serve: w, time: 1min}]\narrivals:\n  - daily: 100\n    profile: {\"09:00\": 3, \"12:00\": 1}\n    process: p\n";
    let (run, all) = arrival_times(yaml);
    // Poisson: sd of a replication's count = sqrt(2000) = 44.7; the mean of
    // 20 has sd 10; allow 4 sd.
    let arrived = kpi(&run, "arrived").mean;
    assert!((arrived - 2000.0).abs() < 40.0, "arrived {arrived}");
    let day = 86_400.0;
    let mut morning = 0usize;
    for &t in &all {
        let d = (t / day).floor() as i64;
        let tod = t - d as f64 * day;
        assert!(
            (9.0 * 3600.0..17.0 * 3600.0).contains(&tod),
            "arrival at {tod} s of day"
        );
        let weekday = d.rem_euclid(7); // day 0 is a Monday
        assert!(d != 2, "an arrival on the holiday");
        assert!(
            weekday < 5 || d == 5,
            "an arrival on a closed weekend day {d}"
        );
        if tod < 12.0 * 3600.0 {
            morning += 1;
        }
    }
    let share = morning as f64 / all.len() as f64;
    // Binomial sd with n = 40,000: 0.0024; allow 4 sd.
    assert!((share - 9.0 / 14.0).abs() < 0.01, "morning share {share}");
}

#[test]
fn daily_by_weekday_sets_each_weekday_volume() {
    // Open Monday to Saturday, 8 weeks from Monday 2019-01-07, with one
    // holiday (Wednesday 2019-01-09) and one make-up Sunday (2019-01-13).
    // Monday 200, Tuesday to Friday 100, Saturday 50: the mean over the six
    // open weekdays is 650/6 = 108.33, which the make-up Sunday gets (its
    // weekday is not named). Expected counts over 10 replications: 8 dates
    // of each weekday except 7 Wednesdays, 1 Sunday.
    let yaml = "name: weekdays\nseed: 5\nreplications: 10\nhorizon: 56d\ncalendar:\n  start: 2019-01-07\n  hours: [\"09:00-17:00\"]\n  days: [mon, tue, wed, thu, fri, sat]\n  holidays: [2019-01-09]\n  extra_workdays: [2019-01-13]\npools:\n  w: {servers: 50}\nprocesses:\n  p:\n    steps: [{serve: w, time: 1min}]\narrivals:\n  - daily: {mon: 200, tue: 100, wed: 100, thursday: 100, Fri: 100, sat: 50}\n    profile: {\"09:00\": 3, \"12:00\": 1}\n    process: p\n";
    let (_, all) = arrival_times(yaml);
    let day = 86_400.0;
    let mut by_weekday = [0f64; 7];
    for &t in &all {
        let d = (t / day).floor() as i64;
        assert!(d != 2, "an arrival on the holiday");
        by_weekday[d.rem_euclid(7) as usize] += 1.0; // day 0 is a Monday
    }
    let reps: f64 = 10.0;
    let mean = 650.0 / 6.0;
    let expected = [
        200.0 * 8.0,
        100.0 * 8.0,
        100.0 * 7.0,
        100.0 * 8.0,
        100.0 * 8.0,
        50.0 * 8.0,
        mean,
    ];
    for (w, (&got, want)) in by_weekday.iter().zip(expected).enumerate() {
        // Poisson counts: sd sqrt(reps·want); allow 4 sd.
        let sd = (reps * want).sqrt();
        assert!(
            (got - reps * want).abs() < 4.0 * sd,
            "weekday {w}: {got} arrivals, expected {}",
            reps * want
        );
    }
}

#[test]
fn daily_by_weekday_must_name_every_open_weekday() {
    let text = |daily: &str| {
        format!("name: weekdays\nhorizon: 7d\ncalendar:\n  days: [mon, tue, wed, thu, fri]\npools:\n  w: {{servers: 5}}\nprocesses:\n  p:\n    steps: [{{serve: w, time: 1min}}]\narrivals:\n  - daily: {daily}\n    process: p\n")
    };
    let err = |daily: &str| {
        procsim::scenario::load_str(&text(daily), "weekdays.yaml")
            .unwrap_err()
            .to_string()
    };
    let e = err("{mon: 200, tue: 100, wed: 100}");
    assert!(
        e.contains("weekdays.yaml:11:12:")
            && e.contains("arrivals[0].daily")
            && e.contains("no volume for thu, fri"),
        "{e}"
    );
    let e = err("{mon: 200, tue: 100, wed: 100, thu: 1, fri: 1, funday: 3}");
    assert!(
        e.contains("arrivals[0].daily.funday") && e.contains("not a weekday"),
        "{e}"
    );
    let e = err("{mon: -1, tue: 100, wed: 100, thu: 1, fri: 1}");
    assert!(
        e.contains("arrivals[0].daily.mon") && e.contains("0 or more"),
        "{e}"
    );
    let e = err("{mon: 0, tue: 0, wed: 0, thu: 0, fri: 0}");
    assert!(e.contains("every weekday's volume is 0"), "{e}");
    // A closed Saturday may be named (for make-up Saturdays).
    assert!(procsim::scenario::load_str(
        &text("{mon: 1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 2}"),
        "w.yaml"
    )
    .is_ok());
}

#[test]
fn send_home_returns_queued_citizens_next_day_and_finish_serves_overtime() {
    // 20 citizens booked at 16:00 on a one-window pool closing at 17:00,
    // 10 min each: 6 are served before closing. With `finish` the other 14
    // are served as overtime (140 min past closing); with `send_home` they
    // come back at Tuesday's opening, a second visit.
    let base = |at_close: &str| {
        format!(
        "name: close\nreplications: 1\nhorizon: 1d\ncalendar:\n  hours: [\"09:00-17:00\"]\npools:\n  w: {{servers: 1, at_close: {at_close}}}\nprocesses:\n  p:\n    steps: [{{serve: w, time: 10min}}]\narrivals:\n  - appointments: {{every: 8h, per_slot: 20}}\n    process: p\n"
    ).replace("every: 8h", "every: 8h").replace("hours: [\"09:00-17:00\"]", "hours: [\"16:00-17:00\"]")
    };
    let finish = run_text(&base("finish"));
    // 20 services from 16:00, 200 min, 140 of them after 17:00, on one open day.
    assert_eq!(kpi(&finish, "overtime_min").mean, 140.0);
    assert_eq!(kpi(&finish, "visits").mean, 1.0);
    let home = run_text(&base("send_home"));
    assert_eq!(kpi(&home, "overtime_min").mean, 0.0);
    // 6 served Monday, 6 Tuesday, 6 Wednesday, 2 Thursday: visits 1,2,3,4.
    let visits = kpi(&home, "visits").mean;
    assert!(
        (visits - (6.0 * 1.0 + 6.0 * 2.0 + 6.0 * 3.0 + 2.0 * 4.0) / 20.0).abs() < 1e-9,
        "visits {visits}"
    );
}

#[test]
fn hourly_queue_while_open_leaves_out_closed_days() {
    // One window open 16:00-17:00 on weekdays, `finish` at closing; 20
    // citizens booked at 16:00 each open day, 10 min each. Seven days from
    // Monday 2019-01-07: five open days. Between 16:00 and 17:00 the queue
    // holds 19, 18, 17, 16, 15, 14 for 10 min each: 16.5 on average while
    // open. From 17:00 (closed, overtime) 13 down to 8: 10.5. Averaged over
    // all seven days, each is 5/7 of that.
    let yaml = "name: hourly\nreplications: 1\nhorizon: 7d\ncalendar:\n  start: 2019-01-07\n  hours: [\"16:00-17:00\"]\n  days: [mon, tue, wed, thu, fri]\npools:\n  w: {servers: 1, at_close: finish}\nprocesses:\n  p:\n    steps: [{serve: w, time: 10min}]\narrivals:\n  - appointments: {every: 8h, per_slot: 20}\n    process: p\n";
    let run = run_text(yaml);
    let csv = procsim::report::csv::hourly(&run);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let at = |hour: &str, column: &str| -> Option<f64> {
        let c = header.iter().position(|h| *h == column).unwrap();
        let row = rows.iter().find(|r| r[1] == hour).unwrap();
        (!row[c].is_empty()).then(|| row[c].parse().unwrap())
    };
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
    assert!(close(at("16", "queue_mean_open"), 16.5), "{csv}");
    assert!(close(at("16", "open_share"), 5.0 / 7.0), "{csv}");
    assert!(close(at("16", "queue_mean"), 16.5 * 5.0 / 7.0), "{csv}");
    assert!(close(at("17", "queue_mean"), 10.5 * 5.0 / 7.0), "{csv}");
    assert_eq!(at("17", "queue_mean_open"), None, "{csv}");
    assert!(close(at("17", "open_share"), 0.0), "{csv}");
}

#[test]
fn small_lead_time_quantiles_keep_three_significant_digits() {
    // Open around the clock (1 wd = 24 h), no queue (a citizen every
    // 10 min, 2.6784 min each): every lead time is 2.6784 / 1440 =
    // 0.00186 wd, and so is its 90th percentile (once rounded to 0.002).
    let yaml = "name: small\nreplications: 2\nhorizon: 1d\npools:\n  w: {servers: 1}\nprocesses:\n  p:\n    steps: [{serve: w, time: 2.6784min}]\narrivals:\n  - interarrival: 10min\n    process: p\n";
    let run = run_text(yaml);
    let exact = 2.6784 / 1440.0;
    let p90 = kpi(&run, "lead_time_p90_wd").mean;
    // HDR's 3 significant digits: within 0.1%.
    assert!((p90 - exact).abs() / exact < 1e-3, "p90 {p90} vs {exact}");
}

#[test]
fn a_pool_opens_on_a_make_up_day_years_after_the_last() {
    // No open weekday; make-up days on the first date and 4,000 days later,
    // past the calendar's 3,700-day search for the next opening. The pool's
    // opening and closing are looked for again after a search that found
    // none, so the second day's citizens are served (the run used to spin
    // at their arrival, the pool never reopening). Run on a thread so a
    // regression fails after a minute instead of hanging.
    let yaml = "name: gap\nseed: 2\nreplications: 1\nhorizon: 4001d\ncalendar:\n  start: 2019-01-07\n  days: []\n  extra_workdays: [2019-01-07, 2029-12-20]\n  hours: [\"09:00-12:00\"]\npools:\n  w: {servers: 2}\nprocesses:\n  p:\n    steps: [{serve: w, time: 1min}]\narrivals:\n  - {daily: 20, process: p}\n";
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let run = run_text(yaml);
        let _ = send.send((kpi(&run, "arrived").mean, kpi(&run, "completed").mean));
    });
    let (arrived, completed) = receive
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the run did not finish within a minute");
    // Two open days of Poisson(20): about 40 arrive (sd 6.3; more than 25
    // also says the second day had arrivals, one day's 20 rarely exceeding
    // it), and all are served (3 h of two windows against minutes of work).
    assert!(arrived > 25.0, "arrived {arrived}");
    assert_eq!(completed, arrived);
}
