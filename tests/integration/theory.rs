//! The engine against queueing theory. Each test states the formula, the
//! analytic value, and checks the simulated mean over replications against
//! it with a tolerance taken from the run's own confidence interval (see
//! `common::assert_theory`). Run lengths keep each test to about a second
//! in release mode.

use crate::common::*;

fn single_pool(
    c: u32,
    rate: &str,
    service: &str,
    extra_step: &str,
    days: u32,
    reps: u32,
) -> String {
    format!(
        "name: t\nseed: 7\nreplications: {reps}\nhorizon: {days}d\nwarmup: 1d\npools:\n  s: {{servers: {c}}}\nprocesses:\n  p:\n    steps:\n      - id: service\n        serve: s\n        time: {service}\n{extra_step}arrivals:\n  - {{name: a, rate: {rate}, process: p}}\n"
    )
}

#[test]
fn mm1_waits_queue_and_utilization() {
    // λ = 0.8/min, μ = 1/min: ρ = 0.8, Wq = ρ/(μ-λ) = 4 min, Lq = λWq = 3.2.
    let run = run_text(&single_pool(1, "0.8/min", "{exp: 1min}", "", 20, 20));
    assert_theory(&run, "wait_min", 4.0, 0.05, 0.1);
    assert_theory(&run, "pools.s.queue_mean", 3.2, 0.05, 0.1);
    assert_theory(&run, "pools.s.utilization", 0.8, 0.002, 0.02);
    // Little's law on the simulated values themselves: Lq = λ Wq.
    let lq = kpi(&run, "pools.s.queue_mean").mean;
    let wq = kpi(&run, "wait_min").mean;
    assert!(
        (lq - 0.8 * wq).abs() / lq < 0.02,
        "Little: {lq} vs {}",
        0.8 * wq
    );
    // P(W > t) = ρ e^{-(μ-λ)t}: the 90th percentile is ln(ρ/0.1)/(μ-λ) = 10.397 min.
    assert_theory(&run, "wait_p90_min", 10.397, 0.1, 0.1);
}

#[test]
fn mmc_matches_erlang_c() {
    // c = 3, λ = 2.4/min, μ = 1/min: a = 2.4, ρ = 0.8, Wq = C(3, 2.4)/(cμ-λ).
    let c = erlang_c(3, 2.4);
    let wq = c / (3.0 - 2.4);
    assert!((c - 0.6472).abs() < 1e-3, "Erlang C check: {c}");
    let run = run_text(&single_pool(3, "2.4/min", "{exp: 1min}", "", 15, 20));
    assert_theory(&run, "wait_min", wq, 0.02, 0.1);
    assert_theory(&run, "pools.s.queue_mean", 2.4 * wq, 0.05, 0.1);
    assert_theory(&run, "pools.s.utilization", 0.8, 0.002, 0.02);
}

#[test]
fn mg1_matches_pollaczek_khinchine() {
    // Uniform(0.5, 1.5) service: E[S] = 1, E[S²] = 1 + 1/12. λ = 0.8:
    // Wq = λE[S²]/(2(1-ρ)) = 0.8 · 1.08333 / 0.4 = 2.16667 min.
    let run = run_text(&single_pool(
        1,
        "0.8/min",
        "{uniform: {min: 30s, max: 90s}}",
        "",
        20,
        20,
    ));
    assert_theory(&run, "wait_min", 0.8 * (1.0 + 1.0 / 12.0) / 0.4, 0.03, 0.1);
}

#[test]
fn md1_is_half_of_mm1() {
    // Constant service 1 min, λ = 0.8: Wq = ρ/(2μ(1-ρ)) = 2 min.
    let run = run_text(&single_pool(1, "0.8/min", "1min", "", 20, 20));
    assert_theory(&run, "wait_min", 2.0, 0.03, 0.1);
}

#[test]
fn two_class_priority_matches_cobham() {
    // Non-preemptive priority, exponential service μ = 1, λ1 = 0.3 (high), λ2 = 0.5.
    // W0 = Σ λi E[Si²]/2 = 0.8 · 2/2 = 0.8; Wq1 = W0/(1-σ1) = 0.8/0.7 = 1.1429;
    // Wq2 = W0/((1-σ1)(1-σ1-σ2)) = 0.8/(0.7 · 0.2) = 5.7143 (Cobham 1954).
    let yaml = "name: prio\nseed: 3\nreplications: 20\nhorizon: 20d\nwarmup: 1d\npools:\n  s: {servers: 1, discipline: priority}\nprocesses:\n  urgent:\n    priority: 1\n    steps: [{serve: s, time: {exp: 1min}}]\n  regular:\n    steps: [{serve: s, time: {exp: 1min}}]\narrivals:\n  - {name: a, rate: 0.8/min, mix: {urgent: 0.375, regular: 0.625}}\n";
    let run = run_text(yaml);
    assert_theory(&run, "processes.urgent.wait_min", 0.8 / 0.7, 0.02, 0.1);
    assert_theory(&run, "processes.regular.wait_min", 0.8 / 0.14, 0.08, 0.1);
}

#[test]
fn mmck_blocking_by_balking() {
    // M/M/3/7 (at most 4 waiting) with λ = 3/min, μ = 1/min: a = 3.
    // p_n ∝ a^n/n! for n <= 3, a^3/3! (a/3)^(n-3) for n = 4..7; blocking = p_7.
    let a: f64 = 3.0;
    let mut p: Vec<f64> = Vec::new();
    let mut fact = 1.0;
    for n in 0..=7u32 {
        if (1..=3).contains(&n) {
            fact *= f64::from(n);
        }
        p.push(if n <= 3 {
            a.powi(n as i32) / fact
        } else {
            a.powi(3) / 6.0 * (a / 3.0).powi(n as i32 - 3)
        });
    }
    let total: f64 = p.iter().sum();
    let p: Vec<f64> = p.iter().map(|x| x / total).collect();
    let blocking = p[7];
    let lq: f64 = (4..=7).map(|n| (n - 3) as f64 * p[n]).sum();
    let wq = lq / (a * (1.0 - blocking));
    let extra = "";
    let yaml = single_pool(3, "3/min", "{exp: 1min}", extra, 10, 20).replace(
        "        time: {exp: 1min}\n",
        "        time: {exp: 1min}\n        balk_at: 4\n",
    );
    let run = run_text(&yaml);
    assert_theory(&run, "abandon_rate", blocking, 0.003, 0.1);
    assert_theory(&run, "pools.s.queue_mean", lq, 0.02, 0.1);
    assert_theory(&run, "wait_min", wq, 0.01, 0.1);
}

#[test]
fn tandem_is_a_jackson_network() {
    // Station 1: M/M/1, μ = 1; station 2: M/M/2, μ = 0.5 each; λ = 0.8.
    // Station 2 sees Poisson(0.8) (Burke): a = 1.6, c = 2.
    let w1 = 0.8 / (1.0 - 0.8);
    let w2 = erlang_c(2, 1.6) / (2.0 * 0.5 - 0.8);
    let yaml = "name: tandem\nseed: 5\nreplications: 20\nhorizon: 20d\nwarmup: 1d\npools:\n  one: {servers: 1}\n  two: {servers: 2}\nprocesses:\n  p:\n    steps:\n      - {serve: one, time: {exp: 1min}}\n      - {serve: two, time: {exp: 2min}}\narrivals:\n  - {name: a, rate: 0.8/min, process: p}\n";
    let run = run_text(yaml);
    assert_theory(&run, "pools.one.wait_min", w1, 0.05, 0.1);
    assert_theory(&run, "pools.two.wait_min", w2, 0.05, 0.1);
    // Lead time = W1 + W2 + service times 1 + 2 min.
    assert_theory(&run, "lead_time_min", w1 + w2 + 3.0, 0.1, 0.1);
}

#[test]
fn rework_is_jackson_feedback() {
    // λ = 0.6, return probability p = 0.25 (after 1 s): total rate λ/(1-p) = 0.8,
    // so per-visit wait ρ/(μ-λ') = 4 min and mean visits 1/(1-p) = 4/3.
    let extra = "      - rework: {p: 0.25, after: 1s, to: service, max_rework: 1000}\n";
    let run = run_text(&single_pool(1, "0.6/min", "{exp: 1min}", extra, 20, 20));
    assert_theory(&run, "wait_min", 4.0, 0.08, 0.1);
    assert_theory(&run, "visits", 4.0 / 3.0, 0.005, 0.02);
    assert_theory(&run, "pools.s.utilization", 0.8, 0.003, 0.02);
}

#[test]
fn multi_pool_serve_joins_the_shortest_queue_per_server() {
    // Two single-server pools fed through `serve: [a, b]`: join the shortest
    // queue, ties to the first listed. Together they carry λ/μ = 1.6 erlang;
    // the first listed takes the larger share.
    let yaml = "name: jsq\nseed: 9\nreplications: 10\nhorizon: 10d\nwarmup: 1d\npools:\n  a: {servers: 1}\n  b: {servers: 1}\nprocesses:\n  p:\n    steps: [{serve: [a, b], time: {exp: 1min}}]\narrivals:\n  - {name: x, rate: 1.6/min, process: p}\n";
    let run = run_text(yaml);
    let (ua, ub) = (
        kpi(&run, "pools.a.utilization").mean,
        kpi(&run, "pools.b.utilization").mean,
    );
    assert!((ua + ub - 1.6).abs() < 0.02, "carried load {ua} + {ub}");
    assert!(ua > ub, "ties go to the first listed: {ua} vs {ub}");
    // JSQ waits lie between pooled M/M/2 (1.78 min) and two separate M/M/1 (4 min).
    let w = kpi(&run, "wait_min").mean;
    let mm2 = erlang_c(2, 1.6) / (2.0 - 1.6);
    assert!(w > mm2 && w < 4.0, "JSQ wait {w} outside ({mm2}, 4)");
}

#[test]
fn reneging_with_exponential_patience() {
    // M/M/1+M with λ = 1, μ = 1, patience Exp(mean 2): abandonment is
    // positive and waits are shorter than without patience; the balance
    // λ(1 - abandon_rate) = utilization · μ holds (flow conservation).
    let extra = "";
    let yaml = single_pool(1, "1/min", "{exp: 1min}", extra, 10, 10).replace(
        "        time: {exp: 1min}\n",
        "        time: {exp: 1min}\n        patience: {exp: 2min}\n",
    );
    let run = run_text(&yaml);
    let ab = kpi(&run, "abandon_rate").mean;
    let util = kpi(&run, "pools.s.utilization").mean;
    assert!(ab > 0.1 && ab < 0.5, "abandon rate {ab}");
    assert!(
        (1.0 - ab - util).abs() < 0.01,
        "flow balance: {} vs {util}",
        1.0 - ab
    );
}
