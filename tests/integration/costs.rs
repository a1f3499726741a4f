//! The `costs:` section and its KPIs, overtime, and working days (`wd`) in
//! run settings and `work` times, each on a small deterministic scenario
//! whose values are computed by hand in the test.

use crate::common::{kpi, run_text};

/// Monday 2019-01-07, open 09:00-17:00 on weekdays; one booked citizen an
/// hour (09:00 ... 16:00: 8 a day), served 20 min at `w` (2 servers, 80 an
/// hour) then 10 min of back-office work at `b` (1 server, the default 60).
const COSTED: &str = "\
name: costed
replications: 2
horizon: 5wd
calendar: {start: 2019-01-07, hours: [\"09:00-17:00\"], days: [mon, tue, wed, thu, fri]}
pools:
  w: {servers: 2}
  b: {servers: 1}
processes:
  p:
    steps:
      - serve: w
        time: 20min
      - work: b
        time: 10min
arrivals:
  - appointments: {every: 1h, per_slot: 1}
    process: p
costs:
  currency: CNY
  staff_per_hour: {default: 60, pools: {w: 80}}
  citizen_value_per_hour: 30
  travel_time: 40min
  travel_cost: 10
";

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

#[test]
fn each_cost_kpi_on_a_hand_computed_week() {
    let run = run_text(COSTED);
    // 5 open days, 8 cases a day: 40 counted cases, none waits (one an
    // hour, 20 min each).
    let days = 5.0;
    let cases = 40.0;
    assert_eq!(kpi(&run, "arrived").mean, cases);
    assert_eq!(kpi(&run, "completed").mean, cases);
    // Scheduled server-hours: w 2 x 8 h, b 1 x 8 h a day; no overtime.
    let (w_hours, b_hours) = (2.0 * 8.0 * days, 8.0 * days);
    let staff_cost = w_hours * 80.0 + b_hours * 60.0;
    // Per case: one visit, 40 min travel + 0 wait + 20 min service = 1 h.
    let citizen_hours = (40.0 + 0.0 + 20.0) / 60.0;
    let citizen_cost = citizen_hours * 30.0 + 10.0;
    let expect = [
        ("staff_hours_per_day", (w_hours + b_hours) / days),
        ("staff_cost_per_case", staff_cost / cases),
        ("citizen_hours_per_case", citizen_hours),
        ("citizen_cost_per_case", citizen_cost),
        ("social_cost_per_case", staff_cost / cases + citizen_cost),
        ("pools.w.staff_hours_per_day", w_hours / days),
        ("pools.w.staff_cost_per_day", w_hours * 80.0 / days),
        ("pools.b.staff_hours_per_day", b_hours / days),
        ("pools.b.staff_cost_per_day", b_hours * 60.0 / days),
        ("overtime_min", 0.0),
        ("pools.w.overtime_min", 0.0),
    ];
    for (key, want) in expect {
        let e = kpi(&run, key);
        assert!(close(e.mean, want), "{key}: {} vs {want}", e.mean);
        // Deterministic: every replication the same, a zero-width interval.
        assert_eq!(e.ci95, 0.0, "{key}");
    }
}

#[test]
fn without_costs_the_cost_kpis_are_absent_not_zero() {
    let plain = COSTED.split("costs:").next().unwrap();
    let run = run_text(plain);
    let keys = procsim::summary::kpi_keys(&run.model);
    for key in [
        "staff_hours_per_day",
        "staff_cost_per_case",
        "citizen_hours_per_case",
        "citizen_cost_per_case",
        "social_cost_per_case",
        "pools.w.staff_hours_per_day",
        "pools.w.staff_cost_per_day",
    ] {
        assert!(run.summary.get(key).is_none(), "{key} in the summary");
        assert!(!keys.iter().any(|k| k == key), "{key} among the keys");
    }
    // Overtime is no cost KPI: there, at 0.
    assert_eq!(kpi(&run, "pools.w.overtime_min").mean, 0.0);
    let json = serde_json::to_string(&run.summary).unwrap();
    assert!(!json.contains("staff_"), "{json}");
    let csv = procsim::report::csv::replications(&run);
    assert!(!csv.contains("cost"), "{}", csv.lines().next().unwrap());
    // With costs, replications.csv has them.
    let costed = run_text(COSTED);
    let header = procsim::report::csv::replications(&costed);
    assert!(header
        .lines()
        .next()
        .unwrap()
        .contains(",social_cost_per_case,"));
}

#[test]
fn overtime_is_clock_time_past_closing_and_staff_hours_count_each_server() {
    // Two windows, `finish` at closing; two citizens booked each hour from
    // 09:00 to 16:00 (16 a day), 70 min each: each window serves one of each
    // pair, service k (k = 0..7) from 09:00 + 70k min, so the last starts
    // at 17:10 and ends at 18:20: 80 min past closing for the pool. Each
    // window serves past closing 10 min (16:00-17:10) + 70 min: 160
    // server-minutes. The horizon `5wd` ends on Friday's closing, whose
    // overtime counts too (it was left out before).
    let yaml = "\
name: overtime
replications: 1
horizon: 5wd
calendar: {start: 2019-01-07, hours: [\"09:00-17:00\"], days: [mon, tue, wed, thu, fri]}
pools:
  w: {servers: 2, at_close: finish}
processes:
  p:
    steps: [{serve: w, time: 70min}]
arrivals:
  - appointments: {every: 1h, per_slot: 2}
    process: p
costs: {staff_per_hour: 50}
";
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "arrived").mean, 80.0);
    assert!(close(kpi(&run, "overtime_min").mean, 80.0));
    assert!(close(kpi(&run, "pools.w.overtime_min").mean, 80.0));
    let staff = 2.0 * 8.0 + 160.0 / 60.0;
    assert!(close(kpi(&run, "staff_hours_per_day").mean, staff));
    assert!(close(
        kpi(&run, "staff_cost_per_case").mean,
        staff * 5.0 * 50.0 / 80.0
    ));
    // Citizen k of a window waits 10k min: (0 + ... + 70) / 8 = 35 min,
    // plus 70 min of service; no travel given.
    assert!(close(
        kpi(&run, "citizen_hours_per_case").mean,
        (35.0 + 70.0) / 60.0
    ));
    assert!(close(kpi(&run, "wait_min").mean, 35.0));
}

#[test]
fn working_days_in_run_settings_are_counted_on_the_calendar() {
    let yaml = |settings: &str| {
        format!(
            "name: wd\n{settings}\ncalendar: {{start: 2019-01-07, hours: [\"09:00-17:00\"], days: [mon, tue, wed, thu, fri]}}\npools:\n  b: {{servers: 1}}\nprocesses:\n  p:\n    steps: [{{serve: b, time: 5min}}]\narrivals:\n  - rate: 1/h\n    process: p\n"
        )
    };
    let model = procsim::scenario::load_str(
        &yaml("horizon: 5wd\nwarmup: 1.5wd\ndrain_limit: 6wd"),
        "wd.yaml",
    )
    .unwrap();
    let (day, hour) = (86_400.0, 3_600.0);
    // Monday start: 5 working days end on Friday at 17:00; 1.5 on Tuesday
    // at 13:00; 6 on the next Monday at 17:00 (the weekend is closed).
    assert_eq!(model.horizon, 4.0 * day + 17.0 * hour);
    assert_eq!(model.warmup, day + 13.0 * hour);
    assert_eq!(model.drain_limit, 7.0 * day + 17.0 * hour);
}

#[test]
fn work_in_working_days_is_effort_on_the_pool_s_calendar() {
    // Half a working day of effort (4 h of 09:00-17:00): a file reaching
    // the pool at 09:00 ends at 13:00 (240 min), one at 15:00 at 11:00
    // the next day (1,200 min); both 0.5 working days.
    let yaml = "\
name: wd work
replications: 1
horizon: 1d
calendar: {start: 2019-01-07, hours: [\"09:00-17:00\"]}
pools:
  b: {servers: 2}
processes:
  p:
    steps: [{work: b, time: 0.5wd}]
arrivals:
  - appointments: {every: 6h, per_slot: 1}
    process: p
";
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "completed").mean, 2.0);
    assert!(close(
        kpi(&run, "lead_time_min").mean,
        (240.0 + 1200.0) / 2.0
    ));
    assert!(close(kpi(&run, "lead_time_wd").mean, 0.5));
}

/// The loader's error text for a scenario.
fn refused(yaml: &str) -> String {
    match procsim::scenario::load_str(yaml, "bad.yaml") {
        Ok(_) => panic!("accepted:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn misplaced_working_days_and_bad_costs_are_located_and_explained() {
    let base = COSTED.replace("horizon: 5wd", "horizon: 2d");
    let serve_wd = refused(&base.replace("time: 20min", "time: 0.1wd"));
    assert!(
        serve_wd.contains("bad.yaml:12:15")
            && serve_wd.contains("processes.p.steps[0].time")
            && serve_wd.contains("a service is clock time"),
        "{serve_wd}"
    );
    let patience_wd = refused(&base.replace("time: 20min", "time: 20min\n        patience: 1wd"));
    assert!(
        patience_wd.contains("processes.p.steps[0].patience")
            && patience_wd.contains("patience runs on the clock"),
        "{patience_wd}"
    );
    let gap_wd = refused(&base.replace(
        "appointments: {every: 1h, per_slot: 1}",
        "interarrival: {exp: 0.1wd}",
    ));
    assert!(
        gap_wd.contains("arrivals[0].interarrival") && gap_wd.contains("not working days (wd)"),
        "{gap_wd}"
    );
    let every_wd = refused(&base.replace("every: 1h", "every: 1wd"));
    assert!(
        every_wd.contains("slots are spaced in clock time"),
        "{every_wd}"
    );
    let travel_wd = refused(&base.replace("travel_time: 40min", "travel_time: 1wd"));
    assert!(
        travel_wd.contains("costs.travel_time") && travel_wd.contains("not working days"),
        "{travel_wd}"
    );
    let typo = refused(&base.replace("travel_cost:", "travel_cots:"));
    assert!(
        typo.contains("costs.travel_cots") && typo.contains("did you mean `travel_cost`?"),
        "{typo}"
    );
    let pool = refused(&base.replace("pools: {w: 80}", "pools: {ww: 80}"));
    assert!(
        pool.contains("costs.staff_per_hour.pools.ww") && pool.contains("did you mean `w`?"),
        "{pool}"
    );
    let no_default = refused(&base.replace("default: 60, ", ""));
    assert!(
        no_default.contains("costs.staff_per_hour") && no_default.contains("pool(s) b"),
        "{no_default}"
    );
    let negative = refused(&base.replace("travel_cost: 10", "travel_cost: -1"));
    assert!(negative.contains("0 or more"), "{negative}");
    let plain = base.split("costs:").next().unwrap();
    let target = refused(&format!(
        "{plain}targets: [{{kpi: social_cost_per_case, max: 100}}]\n"
    ));
    assert!(
        target.contains("targets[0].kpi") && target.contains("only with a `costs:` section"),
        "{target}"
    );
}

#[test]
fn citizen_hours_count_waits_before_giving_up_and_so_far() {
    // One window, 25 min a citizen, patience 12 min, balking at 1 waiting;
    // a citizen every 10 min (10, 20, ..., 50 min); warm-up 15 min; the
    // run stops at 55 min. Counted: #1 (20) waits 12 min and reneges; #2
    // (30) balks, 0 min; #3 (40) is served from 40 (25 min, counted whole);
    // #4 (50) has waited 5 min at 55. One visit each, 10 min of travel.
    let yaml = "\
name: citizens
replications: 1
horizon: 55min
warmup: 15min
drain_limit: 55min
pools:
  w: {servers: 1}
processes:
  p:
    steps: [{serve: w, time: 25min, patience: 12min, balk_at: 1}]
arrivals:
  - interarrival: 10min
    process: p
costs: {travel_time: 10min, citizen_value_per_hour: 60, travel_cost: 2}
";
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "arrived").mean, 4.0);
    let minutes = (12.0 + 0.0 + 25.0 + 5.0) + 4.0 * 10.0;
    let hours = minutes / 60.0 / 4.0;
    assert!(close(kpi(&run, "citizen_hours_per_case").mean, hours));
    assert!(close(
        kpi(&run, "citizen_cost_per_case").mean,
        hours * 60.0 + 2.0
    ));
}

#[test]
fn a_service_running_through_a_break_is_overtime_until_the_reopening() {
    // One window open 09:00-12:00 and 13:00-17:00, `finish` at closing;
    // citizens booked at 09:00, 11:00, 13:00 and 15:00, 150 min each:
    // 09:00-11:30, 11:30-14:00 (through the lunch break: 60 min past the
    // 12:00 closing, the pool reopening at 13:00), 14:00-16:30 and
    // 16:30-19:00 (120 min past 17:00). One open day: 180 min.
    let yaml = "\
name: lunch
replications: 1
horizon: 1d
calendar: {start: 2019-01-07, hours: [\"09:00-12:00\", \"13:00-17:00\"]}
pools:
  w: {servers: 1, at_close: finish}
processes:
  p:
    steps: [{serve: w, time: 150min}]
arrivals:
  - appointments: {every: 2h, per_slot: 1}
    process: p
costs: {staff_per_hour: 1}
";
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "arrived").mean, 4.0);
    assert!(close(kpi(&run, "overtime_min").mean, 180.0));
    assert!(close(kpi(&run, "pools.w.overtime_min").mean, 180.0));
    // 7 scheduled hours and 3 of overtime.
    assert!(close(kpi(&run, "staff_hours_per_day").mean, 10.0));
}
