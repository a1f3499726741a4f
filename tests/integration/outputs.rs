//! Output safety (`docs/files.md`, "How files are written"; `docs/commands.md`,
//! "Signals and closed streams"): only regular files are replaced, runs into
//! one directory keep their files whole, stale files of an earlier run go,
//! stop signals leave nothing half-written, and closed or full standard
//! streams never panic nor pass for success.
#![cfg(unix)]

use crate::common::{procsim, s};
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_procsim");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/outputs")
        .join(name)
}

/// The small M/M/3 station (3 replications of a day: a fraction of a second).
fn station() -> PathBuf {
    fixture("station.yaml")
}

/// Names under `dir` (recursively) that are procsim's temporaries or locks.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.contains("procsim-tmp") {
            found.push(name);
        } else if e.file_type().unwrap().is_dir() {
            found.extend(temporaries(&e.path()));
        }
    }
    found
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success(), "mkfifo {}", path.display());
}

fn wait_for(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("procsim did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut text).unwrap();
    }
    text
}

/// Waits until a temporary appears in `dir`: the run is writing.
fn until_writing(child: &mut Child, dir: &Path) {
    let started = Instant::now();
    while temporaries(dir).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was caught writing"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "no temporary");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn junit_over_a_fifo_device_symlink_or_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside.txt");
    std::fs::write(&outside, "not procsim's").unwrap();
    let reports = tmp.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let fifo = reports.join("fifo.xml");
    mkfifo(&fifo);
    let link = reports.join("link.xml");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    // A symbolic link to a device, and (as root) a device node of our own
    // (/dev/full's numbers) in the temporary directory: nothing under /dev is touched.
    let to_full = reports.join("to-full.xml");
    std::os::unix::fs::symlink("/dev/full", &to_full).unwrap();
    let device = reports.join("device.xml");
    let have_device = Command::new("mknod")
        .args([s(&device), "c", "1", "7"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    let directory = reports.join("dir.xml");
    std::fs::create_dir(&directory).unwrap();
    let mut targets = vec![
        (&fifo, "a FIFO"),
        (&link, "a symbolic link"),
        (&to_full, "a symbolic link"),
        (&directory, "a directory"),
    ];
    if have_device {
        targets.push((&device, "a character device"));
    }
    for (target, kind) in targets {
        let out = procsim(&["check", s(&station()), "--junit", s(target), "-q"]);
        assert_eq!(out.code, Some(2), "{}: {}", target.display(), out.stderr);
        assert!(
            out.stderr.contains(kind) && out.stderr.contains("not a regular file"),
            "{}",
            out.stderr
        );
    }
    let kind = |p: &Path| std::fs::symlink_metadata(p).unwrap().file_type();
    assert!(kind(&fifo).is_fifo());
    assert!(kind(&link).is_symlink() && kind(&to_full).is_symlink());
    assert!(kind(&directory).is_dir());
    if have_device {
        assert!(kind(&device).is_char_device());
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not procsim's");
    assert!(
        temporaries(&reports).is_empty(),
        "{:?}",
        temporaries(&reports)
    );
}

#[test]
fn an_output_that_is_not_a_regular_file_stops_the_commit_before_any_rename() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside.csv");
    std::fs::write(&outside, "mine").unwrap();
    for (i, (name, kind)) in [
        ("hourly.csv", "a symbolic link"),
        ("replications.csv", "a directory"),
        ("charts", "a symbolic link"),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tmp.path().join(format!("out{i}"));
        let first = procsim(&["run", s(&station()), "--out", s(&dir), "-q"]);
        assert_eq!(first.code, Some(0), "{}", first.stderr);
        let summary = std::fs::read(dir.join("summary.json")).unwrap();
        let place = dir.join(name);
        if place.is_dir() {
            std::fs::remove_dir_all(&place).unwrap();
        } else {
            std::fs::remove_file(&place).unwrap();
        }
        match kind {
            "a directory" => std::fs::create_dir(&place).unwrap(),
            _ if name == "charts" => std::os::unix::fs::symlink(tmp.path(), &place).unwrap(),
            _ => std::os::unix::fs::symlink(&outside, &place).unwrap(),
        }
        // Another seed: every file would change.
        let second = procsim(&["run", s(&station()), "--out", s(&dir), "--seed", "9"]);
        assert_eq!(second.code, Some(2), "{name}: {}", second.stderr);
        assert!(
            second.stderr.contains(name) && second.stderr.contains(kind),
            "{}",
            second.stderr
        );
        assert_eq!(
            std::fs::read(dir.join("summary.json")).unwrap(),
            summary,
            "{name}: summary.json was replaced though the commit was refused"
        );
        assert!(
            std::fs::symlink_metadata(&place)
                .unwrap()
                .file_type()
                .is_symlink()
                == (kind == "a symbolic link")
        );
        assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
    assert!(!tmp.path().join("wait_distribution.svg").exists());
}

/// The files of a run directory agree with each other and with the manifest.
fn assert_one_run(dir: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".procsim-manifest")).unwrap())
            .unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let len = std::fs::metadata(dir.join(name)).unwrap().len();
        assert_eq!(
            Some(len),
            f["bytes"].as_u64(),
            "{name} is not the size the manifest says"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let reps = summary["replications"].as_u64().unwrap();
    let rows = std::fs::read_to_string(dir.join("replications.csv")).unwrap();
    assert_eq!(rows.lines().count() as u64, reps + 1);
    let cases = std::fs::read_to_string(dir.join("cases.csv")).unwrap();
    let mut lines = cases.lines();
    assert!(lines.next().unwrap().starts_with("replication,case,"));
    let mut seen = std::collections::BTreeSet::new();
    for l in lines {
        assert_eq!(l.split(',').count(), 9, "torn line `{l}`");
        assert!(
            l.ends_with(",completed,true") || l.ends_with(",unfinished,true"),
            "`{l}`"
        );
        seen.insert(l.split(',').next().unwrap().parse::<u64>().unwrap());
    }
    assert_eq!(seen, (0..reps).collect(), "cases.csv is of another run");
}

/// Two runs into one `--out` at once, each (where `unshare` can) in its own
/// PID namespace, where both are process 1: they must not share a temporary,
/// remove each other's, or interleave their commits.
#[test]
fn two_runs_into_one_out_directory_keep_their_files_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let namespaces = Command::new("unshare")
        .args(["-p", "-f", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    let start = |reps: &str| {
        let mut c = match namespaces {
            true => {
                let mut c = Command::new("unshare");
                c.args(["-p", "-f", BIN]);
                c
            }
            false => Command::new(BIN),
        };
        c.args([
            "run",
            s(&station()),
            "--out",
            s(&dir),
            "-q",
            "--threads",
            "1",
        ])
        .args(["--reps", reps])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let mut long = start("800");
    until_writing(&mut long, &dir);
    let mut short = start("4");
    let short_status = wait_for(&mut short, Duration::from_secs(60));
    let short_err = stderr_of(&mut short);
    assert!(
        long.try_wait().unwrap().is_none(),
        "the long run ended first: make it longer"
    );
    let long_status = wait_for(&mut long, Duration::from_secs(120));
    let long_err = stderr_of(&mut long);
    assert_eq!(short_status.code(), Some(0), "{short_err}");
    assert_eq!(long_status.code(), Some(0), "{long_err}");
    assert_one_run(&dir);
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[test]
fn a_later_run_removes_the_stale_files_of_an_earlier_one_and_only_those() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, station) = (tmp.path().join("out"), station());
    let run = |extra: &[&str]| {
        let mut args = vec!["run", s(&station), "--out", s(&dir), "-q"];
        args.extend_from_slice(extra);
        let out = procsim(&args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
    };
    run(&["--events"]);
    assert!(dir.join("events.csv").is_file());
    std::fs::write(dir.join("notes.txt"), "the user's").unwrap();
    run(&[]);
    assert!(!dir.join("events.csv").exists(), "stale events.csv left");
    assert!(dir.join("cases.csv").is_file() && dir.join("summary.json").is_file());
    assert_one_run(&dir);
    // A file of the last run that the user changed since is no longer ours.
    let mut hourly = std::fs::read_to_string(dir.join("hourly.csv")).unwrap();
    hourly.push_str("# checked by hand\n");
    std::fs::write(dir.join("hourly.csv"), &hourly).unwrap();
    // A shard writes partial.json and its cases: the whole run's summary must go.
    run(&["--shard", "0/2"]);
    assert!(dir.join("partial.json").is_file() && dir.join("cases.csv").is_file());
    for gone in [
        "summary.json",
        "replications.csv",
        "charts/wait_distribution.svg",
    ] {
        assert!(!dir.join(gone).exists(), "stale {gone} beside partial.json");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("hourly.csv")).unwrap(),
        hourly
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "the user's"
    );
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
}

#[test]
fn sigterm_and_sighup_stop_a_run_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    for (sig, code) in [("TERM", 143), ("HUP", 129)] {
        let dir = tmp.path().join(sig);
        let mut child = Command::new(BIN)
            .args([
                "run",
                s(&fixture("long.yaml")),
                "--out",
                s(&dir),
                "--events",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        until_writing(&mut child, &dir);
        signal(&child, sig);
        let status = wait_for(&mut child, Duration::from_secs(30));
        let stderr = stderr_of(&mut child);
        assert_eq!(status.code(), Some(code), "SIG{sig}: {status:?}\n{stderr}");
        assert!(
            stderr.contains(&format!("interrupted by SIG{sig}")),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "SIG{sig} left {left:?}");
    }
}

#[test]
fn a_killed_runs_temporaries_are_removed_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let mut child = Command::new(BIN)
        .args(["run", s(&fixture("long.yaml")), "--out", s(&dir), "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    until_writing(&mut child, &dir);
    signal(&child, "KILL");
    let _ = child.wait();
    assert!(
        !temporaries(&dir).is_empty(),
        "SIGKILL leaves its temporaries"
    );
    let out = procsim(&["run", s(&station()), "--out", s(&dir), "-q"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(temporaries(&dir).is_empty(), "{:?}", temporaries(&dir));
    assert_one_run(&dir);
}

/// `procsim run ... 2>&1 | head`: the reader goes away; stderr (progress
/// lines, error messages) and stdout are closed pipes.
#[test]
fn closed_stderr_and_stdout_end_quietly_without_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "name: [").unwrap();
    let (station, out) = (station(), tmp.path().join("o"));
    let cases: [(&[&str], i32); 3] = [
        // Progress lines on stderr while the run goes on, then the table.
        (&["run", s(&station), "--reps", "20", "--timing"], 0),
        (&["run", s(&station), "--json", "--out", s(&out)], 0),
        // An error message to a closed stderr.
        (&["run", s(&bad)], 2),
    ];
    for (args, code) in cases {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        drop(child.stdout.take());
        let status = wait_for(&mut child, Duration::from_secs(60));
        assert_eq!(
            status.code(),
            Some(code),
            "{args:?}: {status:?} (101 is a panic)"
        );
    }
}

#[test]
fn a_result_that_cannot_be_written_to_stdout_is_exit_2() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(BIN)
        .args(["run", s(&station()), "--json", "-q"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
