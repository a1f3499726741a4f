//! Bounds on what one input can cost: time linear in the horizon, memory
//! capped by a live-case guard, and caps on replications, sweep values,
//! shard counts and input size that no flag bypasses.

use procsim::engine::{run_replication, Limits, NoObserver};
use std::sync::atomic::AtomicBool;

/// A weekday calendar (working-day lead times need the calendar), 100
/// arrivals a day, a desk that keeps up.
fn weekday_desk(years: u32) -> String {
    format!(
        r#"name: {years} years
seed: 1
replications: 1
horizon: {days}d
calendar:
  start: 2024-09-02
  hours: ["09:00-17:00"]
  days: [mon, tue, wed, thu, fri]
  holidays: [2024-10-01]
pools:
  desk: {{servers: 2}}
processes:
  p:
    steps:
      - serve: desk
        time: {{exp: 5min}}
arrivals:
  - {{name: a, daily: 100, process: p}}
"#,
        days = years * 365
    )
}

/// CPU seconds this thread has used (other tests running alongside do
/// not count, as they would in wall time).
fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// CPU seconds of one replication of `years` of `weekday_desk`, the least of `tries`.
fn replication_seconds(years: u32, tries: usize) -> f64 {
    let model = procsim::load_str(&weekday_desk(years), "test.yaml").expect("valid");
    let stop = AtomicBool::new(false);
    (0..tries)
        .map(|_| {
            let start = thread_cpu_seconds();
            run_replication(&model, 1, 0, Limits::default(), &mut NoObserver, &stop)
                .expect("the run finishes");
            thread_cpu_seconds() - start
        })
        .fold(f64::INFINITY, f64::min)
}

/// Past 30 years (the calendar's precomputed days) each lead time in
/// working days used to count open days one by one: 60 years took 60
/// times as long as 30. Ten times the horizon should cost about ten times
/// the time; 20 leaves room for noise.
#[test]
fn a_century_costs_about_ten_decades() {
    let decade = replication_seconds(10, 3);
    let century = replication_seconds(100, 1);
    let ratio = century / decade;
    assert!(
        ratio < 20.0,
        "100 years took {century:.3} s, 10 years {decade:.3} s: {ratio:.1} times"
    );
}
