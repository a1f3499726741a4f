//! Inputs found or kept by the cargo-fuzz targets under `fuzz/`, replayed
//! exactly as the targets run them (the targets' shared code,
//! `fuzz/fuzz_targets/common.rs`, is included here), so a fix stays fixed
//! without a fuzzing toolchain. See `fuzz/README.md`.
//!
//! Each run sits under a watchdog: a hang (one of the findings was an
//! endless event loop) fails the test instead of stalling the suite.

#[path = "../../fuzz/fuzz_targets/common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// A replay taking longer than this is a hang (each takes milliseconds).
const WATCHDOG: Duration = Duration::from_secs(60);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `f` on a thread; fails if it panics or outlives the watchdog.
fn within_watchdog(what: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => handle.join().expect("replay thread"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The thread ended without sending: it panicked.
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {WATCHDOG:?} (a hang)")
        }
    }
}

/// Both targets' bodies on one input.
fn replay(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.display().to_string();
    within_watchdog(&name, move || {
        common::loader(&bytes);
        common::pipeline(&bytes);
    });
}

/// The committed fuzz seeds load, simulate and keep the invariants.
#[test]
fn seeds_replay() {
    let dir = root().join("fuzz/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "fuzz/seeds holds {} files", files.len());
    for f in &files {
        // Each seed is a valid scenario that reaches the engine.
        let model = procsim::scenario::load(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            common::clamp(model).is_some(),
            "{}: skipped by the clamp; a seed should simulate",
            f.display()
        );
        replay(f);
    }
}

/// Loads a fixture, clamps it as the targets do, and runs it under the
/// watchdog, then replays its bytes through both byte-level targets.
fn replay_fixture(name: &str) {
    let path = root().join("tests/fixtures/fuzz").join(name);
    let model = procsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let model = common::clamp(model).expect("small enough to simulate");
    within_watchdog(name, move || {
        common::simulate_and_check(&model);
    });
    replay(&path);
}

/// Found by the `generated` target (kept as the YAML it wrote): pool `p1`
/// has a server schedule with a zero-server period (`"14:45": 0`, keys out
/// of order) on the always-open calendar; `run_replication` never returned
/// (the event loop in `Sim::run` kept popping the agenda, engine.rs:451).
/// Hung on the tree of 48cafbd (engine of e884c19); fixed by 1cd9f19
/// ("zero-server schedules"): milliseconds at c6f3f21.
#[test]
fn hang_zero_server_schedule() {
    replay_fixture("hang-zero-server-schedule.yaml");
}

/// Found by the `generated` target: the same hang with a single pool whose
/// schedule is `{"00:00": 2, "07:00": 0, "20:15": 2}`, serve and work steps
/// at it, and a 5 h horizon that ends inside the zero-server period. Same
/// commits as above.
#[test]
fn hang_zero_server_schedule_2() {
    replay_fixture("hang-zero-server-schedule-2.yaml");
}

/// The hang minimised by hand (`procsim run` never returned at 0a1eef1):
/// one case arrives at 1 h, waits 15 h and reaches a serve step at 16 h at
/// a pool whose schedule has 0 servers from 07:00 to midnight, before the
/// drain limit (20 h) and before the pool would get servers again. Now it
/// ends with the case unfinished.
#[test]
fn hang_zero_server_schedule_min() {
    replay_fixture("hang-zero-server-schedule-min.yaml");
}
