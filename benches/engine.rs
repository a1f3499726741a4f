//! Engine benchmarks (divan): the three peer models of `shared/bench`, a
//! Changsha-size hall, scenario loading and statistics accumulation.
//!
//! Run with `cargo bench`; counters report customers per second (and, for
//! the events benchmarks, events per second). `benches/compare_peers.sh`
//! measures whole-process wall time against the peers.

use divan::counter::ItemsCount;
use divan::Bencher;
use procsim::engine::{run_replication, Limits, NoObserver};
use procsim::model::Model;
use procsim::stats::{Quantiles, Tally};
use std::sync::atomic::AtomicBool;

fn main() {
    divan::main();
}

fn load(path: &str) -> Model {
    procsim::scenario::load(std::path::Path::new(path)).expect("a shipped scenario")
}

/// The model with its horizon cut so that about `customers` arrive.
fn scaled(path: &str, customers: f64) -> Model {
    let mut m = load(path);
    let rate: f64 = m.arrivals.iter().map(|a| a.mean_rate).sum();
    m.horizon = customers / rate;
    m.warmup = 0.0;
    m.drain_limit = 10.0 * m.horizon;
    m
}

fn bench_model(bencher: Bencher, model: &Model) {
    let stop = AtomicBool::new(false);
    // Count the cases and events of one replication once, for the counters.
    let probe = run_replication(
        model,
        model.seed,
        0,
        Limits::default(),
        &mut NoObserver,
        &stop,
    )
    .expect("runs");
    bencher
        .counter(ItemsCount::new(probe.cases_total))
        .bench(|| {
            run_replication(
                model,
                model.seed,
                0,
                Limits::default(),
                &mut NoObserver,
                &stop,
            )
            .expect("runs")
        });
}

fn bench_events(bencher: Bencher, model: &Model) {
    let stop = AtomicBool::new(false);
    let probe = run_replication(
        model,
        model.seed,
        0,
        Limits::default(),
        &mut NoObserver,
        &stop,
    )
    .expect("runs");
    bencher.counter(ItemsCount::new(probe.events)).bench(|| {
        run_replication(
            model,
            model.seed,
            0,
            Limits::default(),
            &mut NoObserver,
            &stop,
        )
        .expect("runs")
    });
}

/// (a) M/M/10 at rho 0.9, 200k customers: customers per second.
#[divan::bench(sample_count = 10)]
fn mmc_customers(bencher: Bencher) {
    bench_model(bencher, &scaled("scenarios/bench/mmc.yaml", 200_000.0));
}

/// (a) M/M/10: events per second.
#[divan::bench(sample_count = 10)]
fn mmc_events(bencher: Bencher) {
    bench_events(bencher, &scaled("scenarios/bench/mmc.yaml", 200_000.0));
}

/// (b) tandem line, 100k customers.
#[divan::bench(sample_count = 10)]
fn tandem_customers(bencher: Bencher) {
    bench_model(bencher, &scaled("scenarios/bench/tandem.yaml", 100_000.0));
}

/// (c) service hall with rework, 100k customers.
#[divan::bench(sample_count = 10)]
fn hall_customers(bencher: Bencher) {
    bench_model(bencher, &scaled("scenarios/bench/hall.yaml", 100_000.0));
}

/// A Changsha-size hall (50+ windows, 2,000+ arrivals a day, calendar,
/// rework, parallel approvals): one replication of a simulated year (the
/// file's 365 days with its 10-day warm-up).
#[divan::bench(sample_count = 3)]
fn changsha_hall_year(bencher: Bencher) {
    bench_model(bencher, &load("scenarios/bench/changsha-year.yaml"));
}

/// Loading (parse + validate) the largest shipped scenario.
#[divan::bench]
fn load_scenario(bencher: Bencher) {
    let text = std::fs::read_to_string("scenarios/changsha/s0-before.yaml").expect("file");
    bencher.bench(|| procsim::scenario::load_str(&text, "s0-before.yaml").expect("valid"));
}

/// Statistics accumulation: one Welford tally and one HDR quantile record per item.
#[divan::bench]
fn statistics(bencher: Bencher) {
    let n = 100_000u64;
    bencher.counter(ItemsCount::new(n)).bench(|| {
        let mut t = Tally::default();
        let mut q = Quantiles::new();
        for i in 0..n {
            let x = (i % 977) as f64 * 0.37;
            t.add(x);
            q.add(x);
        }
        (t.mean(), q.quantile(0.9))
    });
}
