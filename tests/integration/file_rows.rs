//! What `cases.csv` and `events.csv` hold (`docs/files.md`), row by row,
//! on small deterministic runs computed by hand in each test.

use crate::common::{procsim, s, write};

/// The rows of a CSV file as maps from header to field (no quoted commas
/// in these files).
fn rows(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn run(yaml: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.yaml", yaml);
    let out = tmp.path().join("out");
    let o = procsim(&["run", s(&file), "--out", s(&out), "--events", "-q"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    (tmp, out)
}

/// One window, 25 min a citizen, patience 12 min, balking at 1 waiting;
/// a citizen every 10 min (at 10, 20, ..., 50 min); warm-up 15 min; the
/// run stops at 55 min. By hand: #0 (10, warm-up) is served 10-35; #1
/// (20) joins and reneges at 32; #2 (30) balks (#1 is waiting); #3 (40)
/// is served from 40, still in service at 55; #4 (50) joins and has
/// waited 5 min at 55.
const QUEUE: &str = "\
name: queue events
replications: 1
horizon: 55min
warmup: 15min
drain_limit: 55min
pools:
  w: {servers: 1}
processes:
  p:
    steps: [{id: desk, serve: w, time: 25min, patience: 12min, balk_at: 1}]
arrivals:
  - interarrival: 10min
    process: p
";

#[test]
fn cases_csv_has_warm_up_cases_and_waits_so_far() {
    let (_tmp, out) = run(QUEUE);
    let mut cases = rows(&out.join("cases.csv"));
    cases.sort_by_key(|r| r["case"].parse::<u64>().unwrap());
    let got: Vec<(&str, &str, &str, &str)> = cases
        .iter()
        .map(|r| {
            (
                r["case"].as_str(),
                r["outcome"].as_str(),
                r["wait_min"].as_str(),
                r["counted"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("0", "completed", "0.000", "false"),
            ("1", "abandoned", "12.000", "true"),
            ("2", "abandoned", "0.000", "true"),
            ("3", "unfinished", "0.000", "true"),
            ("4", "unfinished", "5.000", "true"),
        ]
    );
}

#[test]
fn events_csv_has_queue_joins_and_leaves_with_their_own_columns() {
    let (_tmp, out) = run(QUEUE);
    let events = rows(&out.join("events.csv"));
    let got: Vec<(String, &str, &str, &str, &str)> = events
        .iter()
        .map(|r| {
            assert_eq!(
                r["case:concept:name"],
                format!("{}-{}", r["replication"], r["case"])
            );
            assert_eq!(r["start_timestamp"], r["time:timestamp"]);
            assert_eq!(r["concept:name"], "desk");
            assert_eq!(r["org:resource"], "w");
            (
                r["case"].clone(),
                r["event"].as_str(),
                r["lifecycle:transition"].as_str(),
                // The time of day, after the date's 'T'.
                &r["time:timestamp"][11..16],
                r["replication"].as_str(),
            )
        })
        .collect();
    let want = [
        ("1", "join", "schedule", "00:20"),
        ("2", "balk", "withdraw", "00:30"),
        ("1", "renege", "withdraw", "00:32"),
        ("3", "join", "schedule", "00:40"),
        ("4", "join", "schedule", "00:50"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.0.as_str(), g.1, g.2, g.3, g.4),
            (w.0, w.1, w.2, w.3, "0")
        );
    }
}

#[test]
fn work_taken_during_overtime_shows_when_it_really_starts() {
    // One server open 09:00-17:00, `finish` at closing, priority queue.
    // Three citizens at 09:00, 4.5 h each: 09:00-13:30, 13:30-18:00, and
    // the third still queued at closing. An online file (priority 1)
    // reaches the queue at 14:00, ahead of the third citizen. Overtime is
    // for the citizens kept at closing: the third is served 18:00-22:30
    // (330 min past closing), and the file's hour of work is done at the
    // opening, Tuesday 09:00-10:00, the row's start and end. (The file
    // used to be taken at 18:00 and hold the server all night, the row
    // starting at 18:00, and the citizen waited for Tuesday 10:00.)
    let yaml = "\
name: overtime work
replications: 1
horizon: 1d
calendar: {start: 2019-01-07, hours: [\"09:00-17:00\"]}
pools:
  w: {servers: 1, at_close: finish, discipline: priority}
processes:
  p:
    steps: [{serve: w, time: 4.5h}]
  f:
    priority: 1
    steps: [{id: file, work: w, time: 1h}]
arrivals:
  - appointments: {every: 8h, per_slot: 3}
    process: p
  - interarrival: 14h
    channel: online
    process: f
";
    let (_tmp, out) = run(yaml);
    let events = rows(&out.join("events.csv"));
    let file = events
        .iter()
        .find(|r| r["concept:name"] == "file" && r["event"] == "step")
        .expect("the file's work row");
    assert_eq!(file["start_timestamp"], "2019-01-08T09:00:00.000");
    assert_eq!(file["time:timestamp"], "2019-01-08T10:00:00.000");
    let mut served: Vec<(&str, &str)> = events
        .iter()
        .filter(|r| r["concept:name"] == "serve w" && r["event"] == "step")
        .map(|r| (r["start_timestamp"].as_str(), r["time:timestamp"].as_str()))
        .collect();
    served.sort();
    assert_eq!(
        served,
        [
            ("2019-01-07T09:00:00.000", "2019-01-07T13:30:00.000"),
            ("2019-01-07T13:30:00.000", "2019-01-07T18:00:00.000"),
            ("2019-01-07T18:00:00.000", "2019-01-07T22:30:00.000"),
        ]
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // One open day: 330 min past closing.
    assert_eq!(summary["kpis"]["overtime_min"]["mean"], 330.0);
    assert_eq!(summary["pools"]["w"]["overtime_min"]["mean"], 330.0);
}

#[test]
fn a_retry_shows_as_its_own_row_and_a_new_join() {
    // One window, 25 min a citizen, patience 10 min, and everyone who
    // reneges comes back 30 min later. #0 (10 min) is served 10-35; #1
    // (20) joins, reneges at 30 and comes back at 60 to a free window:
    // served 60-85, two visits, 10 min of wait in all.
    let yaml = "name: retry rows\nreplications: 1\nhorizon: 25min\npools:\n  w: {servers: 1}\nprocesses:\n  p:\n    steps: [{id: desk, serve: w, time: 25min, patience: {time: 10min, retry: {p: 1, after: 30min}}}]\narrivals:\n  - interarrival: 10min\n    process: p\n";
    let (_tmp, out) = run(yaml);
    let got: Vec<(String, String, String, String)> = rows(&out.join("events.csv"))
        .into_iter()
        .filter(|r| r["event"] != "step")
        .map(|r| {
            (
                r["case"].clone(),
                r["event"].clone(),
                r["lifecycle:transition"].clone(),
                r["time:timestamp"][11..16].to_string(),
            )
        })
        .collect();
    let want = [
        ("0", "join", "schedule", "00:10"),
        ("1", "join", "schedule", "00:20"),
        ("1", "renege", "withdraw", "00:30"),
        ("1", "retry", "suspend", "00:30"),
        ("1", "join", "schedule", "01:00"),
    ];
    let got: Vec<(&str, &str, &str, &str)> = got
        .iter()
        .map(|g| (g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str()))
        .collect();
    assert_eq!(got, want);
    let cases = rows(&out.join("cases.csv"));
    let one = cases.iter().find(|r| r["case"] == "1").unwrap();
    assert_eq!(
        (
            one["outcome"].as_str(),
            one["visits"].as_str(),
            one["wait_min"].as_str()
        ),
        ("completed", "2", "10.000")
    );
}
