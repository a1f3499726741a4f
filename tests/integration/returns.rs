//! Format 1.1's behaviour of citizens: those who give up come back
//! (`retry`), returns come at the times people come (`returns: profile`),
//! `send_home` sends home only at the day's last closing, and a visit is
//! counted by the citizen's presence in the hall. Each test derives its
//! expected values independently: a Markov chain solved here, a hand
//! timeline, or the profile's own weights.

use crate::common::*;
use procsim::engine::{CaseRecord, Observer, StepRecord};
use procsim::simulate::{simulate_observed, RunSettings};
use std::sync::atomic::AtomicBool;

const DAY: f64 = 86_400.0;
const HOUR: f64 = 3_600.0;

/// Every case and step record of a run, in replication order.
#[derive(Default)]
struct Records {
    cases: Vec<CaseRecord>,
    steps: Vec<StepRecord>,
}
impl Observer for Records {
    fn wants_steps(&self) -> bool {
        true
    }
    fn case(&mut self, r: &CaseRecord) {
        self.cases.push(r.clone());
    }
    fn step(&mut self, r: &StepRecord) {
        self.steps.push(r.clone());
    }
}

fn run_recorded(yaml: &str) -> Records {
    let model = procsim::scenario::load_str(yaml, "test.yaml")
        .unwrap_or_else(|e| panic!("bad test scenario:\n{e}"));
    let settings = RunSettings::from_model(&model);
    let stop = AtomicBool::new(false);
    let mut all = Records::default();
    simulate_observed(
        &model,
        &settings,
        |_| Records::default(),
        |_, r| {
            all.cases.extend(r.cases);
            all.steps.extend(r.steps);
            Ok(())
        },
        &|_| {},
        &stop,
    )
    .unwrap();
    all
}

/// The stationary distribution of M/M/c with exponential patience (rate
/// `theta`) where a citizen who reneges comes back with probability `p`
/// after an exponential delay (rate `gamma`): states (n in the hall,
/// m away before retrying), truncated at `n_max`, `m_max`; solved by
/// Gauss-Seidel on the balance equations.
fn retry_chain(
    c: usize,
    lambda: f64,
    mu: f64,
    theta: f64,
    p: f64,
    gamma: f64,
) -> (Vec<Vec<f64>>, usize, usize) {
    let (n_max, m_max) = (60, 80);
    let serve = |n: usize| n.min(c) as f64 * mu;
    let renege = |n: usize| n.saturating_sub(c) as f64 * theta;
    let mut pi = vec![vec![1.0 / ((n_max + 1) * (m_max + 1)) as f64; m_max + 1]; n_max + 1];
    for _ in 0..20_000 {
        let mut change: f64 = 0.0;
        for n in 0..=n_max {
            for m in 0..=m_max {
                let mut inflow = 0.0;
                if n > 0 {
                    inflow += pi[n - 1][m] * lambda;
                    if m < m_max {
                        inflow += pi[n - 1][m + 1] * (m + 1) as f64 * gamma;
                    }
                }
                if n < n_max {
                    // Served, or reneged for good (or into a full orbit).
                    let lost = if m == m_max { 1.0 } else { 1.0 - p };
                    inflow += pi[n + 1][m] * (serve(n + 1) + renege(n + 1) * lost);
                    if m > 0 {
                        inflow += pi[n + 1][m - 1] * renege(n + 1) * p;
                    }
                }
                let mut out = serve(n) + renege(n);
                if n < n_max {
                    out += lambda + m as f64 * gamma;
                }
                let new = inflow / out;
                change = change.max((new - pi[n][m]).abs());
                pi[n][m] = new;
            }
        }
        let total: f64 = pi.iter().flatten().sum();
        pi.iter_mut().flatten().for_each(|x| *x /= total);
        if change < 1e-13 {
            break;
        }
    }
    (pi, n_max, m_max)
}

#[test]
fn retries_after_reneging_match_a_markov_chain() {
    // M/M/2, λ = 1/min, service Exp(mean 1.5 min), patience Exp(mean 3 min);
    // 60% of those who renege come back after Exp(mean 5 min). `max: 255`
    // retries is never reached (the chance of 255 in a row is below 0.6^255).
    let (c, lambda, mu, theta, p, gamma) = (2, 1.0, 1.0 / 1.5, 1.0 / 3.0, 0.6, 1.0 / 5.0);
    let (pi, n_max, m_max) = retry_chain(c, lambda, mu, theta, p, gamma);
    // The truncation holds almost no mass at its edges.
    let edge: f64 = (0..=m_max).map(|m| pi[n_max][m]).sum::<f64>()
        + (0..=n_max).map(|n| pi[n][m_max]).sum::<f64>();
    assert!(edge < 1e-9, "truncation edge mass {edge}");
    let (mut reneging, mut retrying) = (0.0, 0.0);
    for (n, row) in pi.iter().enumerate() {
        for (m, x) in row.iter().enumerate() {
            reneging += x * n.saturating_sub(c) as f64 * theta;
            retrying += x * m as f64 * gamma;
        }
    }
    let renege_rate = reneging / (lambda + retrying);
    let abandon_rate = (1.0 - p) * reneging / lambda;
    let retries_per_case = retrying / lambda;
    let yaml = "name: retry\nseed: 5\nreplications: 20\nhorizon: 12d\nwarmup: 1d\npools:\n  s: {servers: 2}\nprocesses:\n  p:\n    steps:\n      - serve: s\n        time: {exp: 1.5min}\n        patience: {time: {exp: 3min}, retry: {p: 0.6, after: {exp: 5min}, max: 255}}\narrivals:\n  - {rate: 1/min, process: p}\n";
    let run = run_text(yaml);
    assert_theory(&run, "renege_rate", renege_rate, 0.002, 0.05);
    assert_theory(&run, "abandon_rate", abandon_rate, 0.002, 0.05);
    assert_theory(&run, "retries_per_case", retries_per_case, 0.002, 0.05);
    // Flow balance: every retry is a renege that came back.
    let gave_up = kpi(&run, "renege_rate").mean * (1.0 + kpi(&run, "retries_per_case").mean);
    let back = kpi(&run, "retries_per_case").mean;
    assert!(
        (back - p * gave_up).abs() < 0.01,
        "retries {back} vs p × reneges {}",
        p * gave_up
    );
}

#[test]
fn retries_stop_at_max_and_the_case_is_lost() {
    // Everyone balks (no one may wait: `queue: 0`) and always comes back,
    // at most twice: three tries, two retries, then lost.
    let yaml = |p: &str| {
        format!("name: balk\nseed: 3\nreplications: 2\nhorizon: 2d\npools:\n  s: {{servers: 1}}\nprocesses:\n  p:\n    steps:\n      - serve: s\n        time: 5min\n        balk_at: {{queue: 0, retry: {{p: {p}, after: 1h, max: 2}}}}\narrivals:\n  - {{rate: 2/h, process: p}}\n")
    };
    let run = run_text(&yaml("1"));
    assert_eq!(kpi(&run, "renege_rate").mean, 1.0);
    assert_eq!(kpi(&run, "retries_per_case").mean, 2.0);
    assert_eq!(kpi(&run, "abandon_rate").mean, 1.0);
    assert_eq!(kpi(&run, "completed").mean, 0.0);
    let records = run_recorded(&yaml("1"));
    assert!(records.cases.iter().all(|c| c.visits == 3));
    // Never coming back: gone after the first try.
    let run = run_text(&yaml("0"));
    assert_eq!(kpi(&run, "retries_per_case").mean, 0.0);
    assert_eq!(kpi(&run, "abandon_rate").mean, 1.0);
}

#[test]
fn hall_time_includes_the_wait_of_those_who_renege() {
    // Erlang A (M/M/2+M): λ = 1/min, service Exp(mean 1.5 min), patience
    // Exp(mean 2 min). Birth-death chain: π_n ∝ Π_{k≤n} λ / (min(k,2)μ +
    // (k-2)⁺θ). Each arrival is one visit of E[W] = Lq/λ waiting (Little,
    // over everyone, reneging or not) plus 1/μ of service if served, which
    // happens with probability 1 - θLq/λ.
    let (lambda, mu, theta) = (1.0, 1.0 / 1.5, 0.5);
    let mut pi = vec![1.0];
    for k in 1..200usize {
        let down = k.min(2) as f64 * mu + k.saturating_sub(2) as f64 * theta;
        pi.push(pi[k - 1] * lambda / down);
    }
    let total: f64 = pi.iter().sum();
    let lq: f64 = pi
        .iter()
        .enumerate()
        .map(|(n, x)| n.saturating_sub(2) as f64 * x / total)
        .sum();
    let hall = lq / lambda + (1.0 - theta * lq / lambda) / mu;
    let yaml = "name: erlang a\nseed: 9\nreplications: 20\nhorizon: 12d\nwarmup: 1d\npools:\n  s: {servers: 2}\nprocesses:\n  p:\n    steps:\n      - serve: s\n        time: {exp: 1.5min}\n        patience: {exp: 2min}\narrivals:\n  - {rate: 1/min, process: p}\n";
    let run = run_text(yaml);
    assert_theory(&run, "hall_min", hall, 0.003, 0.02);
    assert_theory(&run, "abandon_rate", theta * lq / lambda, 0.002, 0.05);
}

/// Share of `times` in each hour of the day.
fn hourly_shares(times: &[f64]) -> [f64; 24] {
    let mut shares = [0.0; 24];
    for t in times {
        shares[((t.rem_euclid(DAY)) / HOUR) as usize] += 1.0 / times.len() as f64;
    }
    shares
}

/// Asserts each hour's share against the expected one, within 4.5
/// binomial standard deviations.
fn assert_shares(label: &str, got: &[f64; 24], expected: &[f64; 24], n: usize) {
    for h in 0..24 {
        let sd = (expected[h] * (1.0 - expected[h]) / n as f64).sqrt();
        assert!(
            (got[h] - expected[h]).abs() <= 4.5 * sd + 1e-12,
            "{label}: hour {h}: share {:.4}, expected {:.4} (sd {sd:.4})",
            got[h],
            expected[h]
        );
    }
}

/// Start times of the step at `position` of the main route.
fn starts_at(records: &Records, position: usize) -> Vec<f64> {
    records
        .steps
        .iter()
        .filter(|s| s.route == 0 && s.position == position)
        .map(|s| s.start)
        .collect()
}

#[test]
fn returns_come_at_profile_times_not_all_at_opening() {
    // Open 09-17 every day, walk-ins flat. After an 18 h wait a citizen who
    // came at t is back at t + 18 h, between 03:00 and 11:00: open only for
    // those who came after 15:00 (a quarter). The other three quarters find
    // the hall closed: with `returns: profile` they come that day at a time
    // drawn flat over 09-17; with `at_opening`, all at 09:00.
    let yaml = |returns: &str| {
        format!("name: returns\nseed: 4\nreplications: 4\nhorizon: 10d\nreturns: {returns}\ncalendar:\n  hours: [\"09:00-17:00\"]\n  days: [mon, tue, wed, thu, fri, sat, sun]\npools:\n  w: {{servers: 500}}\nprocesses:\n  p:\n    steps:\n      - serve: w\n        time: 1s\n      - wait: 18h\n      - serve: w\n        time: 1s\narrivals:\n  - {{daily: 500, process: p}}\n")
    };
    let back = starts_at(&run_recorded(&yaml("profile")), 2);
    let mut expected = [0.0; 24];
    for (h, share) in expected.iter_mut().enumerate().take(17).skip(9) {
        *share = 0.75 / 8.0 + if h < 11 { 0.125 } else { 0.0 };
    }
    assert!(back.len() > 15_000, "{} returns", back.len());
    assert_shares("profile", &hourly_shares(&back), &expected, back.len());

    let back = starts_at(&run_recorded(&yaml("at_opening")), 2);
    let at_nine = back
        .iter()
        .filter(|t| (t.rem_euclid(DAY) - 9.0 * HOUR).abs() < 1e-6)
        .count() as f64
        / back.len() as f64;
    let sd = (0.75 * 0.25 / back.len() as f64).sqrt();
    assert!((at_nine - 0.75).abs() < 4.5 * sd, "at 09:00: {at_nine}");

    // A delay in days picks the day; the time follows the stream's
    // profile: weight 3 from 09:00, 1 from 12:00, so 9/14 of the returns
    // in the morning, 3/14 in each morning hour and 1/14 in each later one.
    let yaml = "name: days\nseed: 6\nreplications: 4\nhorizon: 10d\ncalendar:\n  hours: [\"09:00-17:00\"]\n  days: [mon, tue, wed, thu, fri, sat, sun]\npools:\n  w: {servers: 500}\nprocesses:\n  p:\n    steps:\n      - serve: w\n        time: 1s\n      - wait: {uniform: {min: 1d, max: 3d}}\n      - serve: w\n        time: 1s\narrivals:\n  - {daily: 500, profile: {\"09:00\": 3, \"12:00\": 1}, process: p}\n";
    let records = run_recorded(yaml);
    let back = starts_at(&records, 2);
    let mut expected = [0.0; 24];
    for (h, share) in expected.iter_mut().enumerate().take(17).skip(9) {
        *share = if h < 12 { 3.0 / 14.0 } else { 1.0 / 14.0 };
    }
    assert_shares("days", &hourly_shares(&back), &expected, back.len());
    // The day is the one the delay ends on: 1-3 days later, never the same day.
    for case in records.cases.iter().filter(|c| c.visits == 2) {
        let first = (case.arrival / DAY).floor();
        let last = ((case.arrival + case.lead_time) / DAY).floor();
        assert!((1.0..=3.0).contains(&(last - first)), "{first} -> {last}");
    }
}

#[test]
fn send_home_waits_through_lunch_and_sends_home_at_the_last_closing() {
    // One window, 50 min a citizen, open 09-12 and 13-17; five booked at
    // 09:00 and five at 13:00 on day 0. Served 09:00, 09:50, 10:40, 11:30
    // (until 12:20); the fifth waits through lunch and is served at 13:00
    // in the same visit; the 13:00 five follow at 13:50, 14:40, 15:30,
    // 16:20 (until 17:10); the last is still waiting at 17:00 and goes
    // home, coming back on day 1: two visits, 4 h of wait.
    let yaml = |returns: &str| {
        format!("name: home\nseed: 2\nreplications: 1\nhorizon: 1d\nreturns: {returns}\ncalendar:\n  hours: [\"09:00-12:00\", \"13:00-17:00\"]\n  days: [mon, tue, wed, thu, fri, sat, sun]\npools:\n  w: {{servers: 1, at_close: send_home}}\nprocesses:\n  p:\n    steps:\n      - serve: w\n        time: 50min\narrivals:\n  - {{appointments: {{every: 8h, per_slot: 5}}, process: p}}\n")
    };
    for returns in ["profile", "at_opening"] {
        let mut cases = run_recorded(&yaml(returns)).cases;
        cases.sort_by_key(|c| c.case);
        assert_eq!(cases.len(), 10, "{returns}");
        let visits: Vec<u32> = cases.iter().map(|c| c.visits).collect();
        assert_eq!(visits, [1, 1, 1, 1, 1, 1, 1, 1, 1, 2], "{returns}");
        assert_eq!(cases[4].wait, 4.0 * HOUR, "{returns}: waited through lunch");
        assert_eq!(cases[4].lead_time, 4.0 * HOUR + 50.0 * 60.0, "{returns}");
        assert_eq!(
            cases[9].wait,
            4.0 * HOUR,
            "{returns}: 13:00-17:00, then none"
        );
        let end = cases[9].arrival + cases[9].lead_time;
        let start = end - 50.0 * 60.0;
        assert_eq!((start / DAY).floor(), 1.0, "{returns}: back on day 1");
        let tod = start - DAY;
        match returns {
            "at_opening" => assert_eq!(tod, 9.0 * HOUR),
            _ => assert!(
                (9.0 * HOUR..12.0 * HOUR).contains(&tod)
                    || (13.0 * HOUR..17.0 * HOUR).contains(&tod),
                "back at {tod} s of day 1"
            ),
        }
    }
}

#[test]
fn a_visit_is_the_citizen_in_the_hall_whatever_the_branch_order() {
    // One citizen: a 10 min service at window a while back office x works
    // W minutes, then window c. If x is done first the citizen goes
    // straight from a to c (one visit); if x takes longer the citizen has
    // left and comes back for c (two visits). The branch order is
    // irrelevant.
    let yaml = |branches: &str, w: u32| {
        format!("name: visits\nseed: 1\nreplications: 1\nhorizon: 150h\npools:\n  a: {{servers: 1}}\n  c: {{servers: 1}}\n  x: {{servers: 1}}\nprocesses:\n  p:\n    steps:\n      - parallel: {branches}\n      - serve: c\n        time: 5min\narrivals:\n  - {{interarrival: 100h, process: p}}\n").replace("W", &format!("{w}min"))
    };
    let serve = "[{serve: a, time: 10min}]";
    let work = "[{work: x, time: W}]";
    for (w, visits) in [(1, 1.0), (60, 2.0)] {
        for order in [format!("[{serve}, {work}]"), format!("[{work}, {serve}]")] {
            let run = run_text(&yaml(&order, w));
            assert_eq!(kpi(&run, "completed").mean, 1.0);
            assert_eq!(kpi(&run, "visits").mean, visits, "W = {w} min, {order}");
        }
    }
}

#[test]
fn one_trip_rates_count_hall_cases_apart() {
    // 30% of cases are handled online (no `serve` step); the others visit
    // once, and half of them are sent back once for a second visit. So:
    // zero visits 0.3, at most one 0.3 + 0.35 = 0.65, per hall case 1.5,
    // per case 0.7 × 1.5 = 1.05.
    let yaml = "name: trips\nseed: 8\nreplications: 20\nhorizon: 20d\npools:\n  w: {servers: 20}\nprocesses:\n  p:\n    steps:\n      - choose:\n          - p: 0.3\n            steps: [{wait: 1h}]\n          - p: 0.7\n            steps:\n              - id: desk\n                serve: w\n                time: 5min\n              - rework: {p: 0.5, after: 1d, to: desk, max_rework: 1}\narrivals:\n  - {rate: 10/h, process: p}\n";
    let run = run_text(yaml);
    assert_theory(&run, "zero_visit_rate", 0.3, 0.0, 0.05);
    assert_theory(&run, "one_visit_rate", 0.65, 0.0, 0.05);
    assert_theory(&run, "visits_hall", 1.5, 0.0, 0.05);
    assert_theory(&run, "visits", 1.05, 0.0, 0.05);
    // The same per process (here the only one).
    assert_theory(&run, "processes.p.zero_visit_rate", 0.3, 0.0, 0.05);
    assert_theory(&run, "processes.p.one_visit_rate", 0.65, 0.0, 0.05);
    assert_theory(&run, "processes.p.visits_hall", 1.5, 0.0, 0.05);
}

#[test]
fn one_trip_rates_per_process_keep_processes_apart() {
    // An online item (never in the hall) beside a hall item that half the
    // time needs a second visit: per process, 1 and 0 for zero visits, 1
    // and 0.5 for at most one, none and 1.5 visits per hall case.
    let yaml = "name: trips
seed: 8
replications: 20
horizon: 20d
pools:
  w: {servers: 20}
processes:
  online:
    steps: [{wait: 1h}]
  hall:
    steps:
      - {id: desk, serve: w, time: 5min}
      - rework: {p: 0.5, after: 1d, to: desk, max_rework: 1}
arrivals:
  - {rate: 10/h, mix: {online: 0.4, hall: 0.6}}
";
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "processes.online.zero_visit_rate").mean, 1.0);
    assert_eq!(kpi(&run, "processes.online.one_visit_rate").mean, 1.0);
    // No hall case: no value (null), not 0.
    assert_eq!(run.summary.get("processes.online.visits_hall"), Some(&None));
    assert_eq!(kpi(&run, "processes.hall.zero_visit_rate").mean, 0.0);
    assert_theory(&run, "processes.hall.one_visit_rate", 0.5, 0.0, 0.05);
    assert_theory(&run, "processes.hall.visits_hall", 1.5, 0.0, 0.05);
}

#[test]
fn a_window_opening_after_the_hall_is_waited_for_inside() {
    // The hall opens at 09:00, the window at 10:00; one citizen booked at
    // 09:00 waits inside for the window (not sent home to come back at a
    // profile time): served 10:00-10:30, lead time 90 min, one visit.
    let yaml = "name: late window\nreplications: 1\nhorizon: 1d\ncalendar:\n  hours: [\"09:00-17:00\"]\n  days: [mon, tue, wed, thu, fri, sat, sun]\npools:\n  w: {servers: 1, hours: [\"10:00-17:00\"]}\nprocesses:\n  p:\n    steps: [{serve: w, time: 30min}]\narrivals:\n  - {appointments: {every: 8h, per_slot: 1}, process: p}\n";
    let run = run_text(yaml);
    assert_eq!(kpi(&run, "completed").mean, 1.0);
    assert_eq!(kpi(&run, "lead_time_min").mean, 90.0);
    assert_eq!(kpi(&run, "visits").mean, 1.0);
}
