//! Scale-out: a run split into 4 shards and merged equals the single run,
//! byte for byte (data files and charts).

use assert_cmd::Command;

const SCENARIO: &str = "name: shards\nseed: 5\nreplications: 10\nhorizon: 3d\nwarmup: 2h\ncalendar: {hours: [\"09:00-17:00\"]}\npools:\n  w: {servers: 3}\n  office: {servers: 8}\nprocesses:\n  p:\n    steps:\n      - {id: intake, serve: w, time: {exp: 5min}}\n      - rework: {p: 0.2, after: 1d, to: intake}\n      - {work: office, time: {exp: 20min}}\narrivals:\n  - {name: a, rate: 20/h, process: p}\n";

fn procsim() -> Command {
    Command::cargo_bin("procsim").expect("binary")
}

#[test]
fn four_shards_merged_equal_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let full = dir.path().join("full");
    procsim()
        .args(["run", "-q", "--out"])
        .arg(&full)
        .arg(&file)
        .assert()
        .success();
    let mut parts = Vec::new();
    for i in 0..4 {
        let part = dir.path().join(format!("part{i}"));
        procsim()
            .args(["run", "-q", "--shard", &format!("{i}/4"), "--out"])
            .arg(&part)
            .arg(&file)
            .assert()
            .success();
        assert!(
            !part.join("summary.json").exists(),
            "a shard must not write a summary"
        );
        parts.push(part);
    }
    // Parts given out of order on purpose.
    let merged = dir.path().join("merged");
    procsim()
        .args(["merge", "-q", "--out"])
        .arg(&merged)
        .arg(&parts[2])
        .arg(&parts[0])
        .arg(&parts[3])
        .arg(&parts[1])
        .assert()
        .success();
    let charts = [
        "wait_distribution",
        "queue_by_hour",
        "utilization_by_pool",
        "lead_time_distribution",
        "visits_per_case",
    ]
    .iter()
    .flat_map(|c| [format!("charts/{c}.svg"), format!("charts/{c}.png")]);
    let data = [
        "summary.json",
        "summary.csv",
        "replications.csv",
        "hourly.csv",
        "cases.csv",
    ]
    .iter()
    .map(|n| n.to_string());
    for name in data.chain(charts) {
        let a = std::fs::read(full.join(&name)).unwrap();
        let b = std::fs::read(merged.join(&name)).unwrap();
        assert!(
            a == b,
            "{name} differs between the single run and the merged shards"
        );
    }
}

#[test]
fn merge_refuses_an_incomplete_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let part = dir.path().join("part0");
    procsim()
        .args(["run", "-q", "--shard", "0/2", "--out"])
        .arg(&part)
        .arg(&file)
        .assert()
        .success();
    let out = procsim()
        .args(["merge", "--out"])
        .arg(dir.path().join("m"))
        .arg(&part)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("each of [0, 1]"), "{stderr}");
}

#[test]
fn merge_refuses_a_part_of_another_version_before_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let mut parts = Vec::new();
    for i in 0..2 {
        let part = dir.path().join(format!("part{i}"));
        procsim()
            .args(["run", "-q", "--shard", &format!("{i}/2"), "--out"])
            .arg(&part)
            .arg(&file)
            .assert()
            .success();
        parts.push(part);
    }
    // Part 1 as an older procsim wrote it: another version, and a layout
    // (4 hourly areas instead of 6) this version cannot read.
    let path = parts[1].join("partial.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json["procsim"] = "0.1.0".into();
    for pool in json["hourly"].as_array_mut().unwrap() {
        for hour in pool.as_array_mut().unwrap() {
            hour.as_array_mut().unwrap().truncate(4);
        }
    }
    std::fs::write(&path, json.to_string()).unwrap();
    let merged = dir.path().join("m");
    let out = procsim()
        .args(["merge", "--out"])
        .arg(&merged)
        .args(&parts)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("written by procsim 0.1.0, this is ")
            && stderr.contains("run every shard with the same version"),
        "{stderr}"
    );
    assert!(!merged.exists(), "nothing written");
}

#[test]
fn shard_index_from_the_batch_system() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let part = dir.path().join("p");
    procsim()
        .env("SLURM_ARRAY_TASK_ID", "1")
        .args(["run", "-q", "--shard", "auto/2", "--out"])
        .arg(&part)
        .arg(&file)
        .assert()
        .success();
    let partial: serde_json::Value =
        serde_json::from_slice(&std::fs::read(part.join("partial.json")).unwrap()).unwrap();
    assert_eq!(partial["shard"], serde_json::json!([1, 2]));
    assert_eq!(partial["replications"], serde_json::json!([5, 6, 7, 8, 9]));
}

/// Runs `run --shard i/n` of `yaml` into `dir/name{i}` for every i.
fn shards(
    dir: &std::path::Path,
    yaml: &str,
    name: &str,
    n: u32,
    extra: &[&str],
) -> Vec<std::path::PathBuf> {
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, yaml).unwrap();
    (0..n)
        .map(|i| {
            let part = dir.join(format!("{name}{i}"));
            procsim()
                .args(["run", "-q", "--shard", &format!("{i}/{n}"), "--out"])
                .arg(&part)
                .args(extra)
                .arg(&file)
                .assert()
                .success();
            part
        })
        .collect()
}

/// `merge` of `parts` into `dir/m`: exit 2, nothing written; returns stderr.
fn merge_fails(dir: &std::path::Path, parts: &[&std::path::Path]) -> String {
    let merged = dir.join("m");
    let out = procsim()
        .args(["merge", "--out"])
        .arg(&merged)
        .args(parts)
        .assert()
        .code(2);
    assert!(!merged.join("summary.json").exists(), "nothing written");
    String::from_utf8_lossy(&out.get_output().stderr).to_string()
}

#[test]
fn merge_refuses_shards_of_different_designs() {
    // Same name and seed; one pool has a window less, then the rate is halved.
    let dir = tempfile::tempdir().unwrap();
    let a = shards(dir.path(), SCENARIO, "a", 2, &[]);
    for (name, changed) in [
        (
            "fewer",
            SCENARIO.replace("w: {servers: 3}", "w: {servers: 2}"),
        ),
        ("slower", SCENARIO.replace("rate: 20/h", "rate: 10/h")),
    ] {
        let b = shards(dir.path(), &changed, name, 2, &[]);
        let stderr = merge_fails(dir.path(), &[&a[0], &b[1]]);
        assert!(
            stderr.contains("designs")
                && stderr.contains(&a[0].display().to_string())
                && stderr.contains(&b[1].display().to_string()),
            "{stderr}"
        );
    }
}

#[test]
fn merge_checks_every_part_file_against_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(dir.path(), SCENARIO, "part", 2, &["--events"]);
    let cases = parts[1].join("cases.csv");
    let original = std::fs::read(&cases).unwrap();
    let rows_end = original.len() - 1;
    let mut altered = original.clone();
    // One digit of the last row changed: same length, same rows.
    let digit = altered.iter().rposition(|b| b.is_ascii_digit()).unwrap();
    altered[digit] = if altered[digit] == b'1' { b'2' } else { b'1' };
    let header_end = original.iter().position(|&b| b == b'\n').unwrap() + 1;
    let doubled = [&original[..], &original[header_end..]].concat();
    let cases_cases: [(&str, Option<Vec<u8>>, &str); 4] = [
        ("missing", None, "No such file"),
        (
            "truncated",
            Some(original[..rows_end / 2].to_vec()),
            "is truncated",
        ),
        ("duplicated", Some(doubled), "more than its shard wrote"),
        ("altered", Some(altered), "was altered"),
    ];
    for (what, content, says) in cases_cases {
        match &content {
            Some(c) => std::fs::write(&cases, c).unwrap(),
            None => std::fs::remove_file(&cases).unwrap(),
        }
        let stderr = merge_fails(dir.path(), &[&parts[0], &parts[1]]);
        assert!(
            stderr.contains(&cases.display().to_string()) && stderr.contains(says),
            "{what}: {stderr}"
        );
        std::fs::write(&cases, &original).unwrap();
    }
    // events.csv too.
    let events = parts[0].join("events.csv");
    let text = std::fs::read(&events).unwrap();
    std::fs::write(&events, &text[..text.len() - 10]).unwrap();
    let stderr = merge_fails(dir.path(), &[&parts[0], &parts[1]]);
    assert!(
        stderr.contains("events.csv") && stderr.contains("is truncated"),
        "{stderr}"
    );
    std::fs::write(&events, &text).unwrap();
    procsim()
        .args(["merge", "-q", "--out"])
        .arg(dir.path().join("ok"))
        .args(&parts)
        .assert()
        .success();
}

#[test]
fn merge_refuses_absurd_counts_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(dir.path(), SCENARIO, "part", 2, &[]);
    let path = parts[1].join("partial.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let tamper = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
        f(&mut json);
        std::fs::write(&path, json.to_string()).unwrap();
    };
    type Tamper<'a> = &'a dyn Fn(&mut serde_json::Value);
    let cases: [(&str, Tamper); 4] = [
        ("shard count", &|j| {
            j["shard"] = serde_json::json!([1, 4_000_000_000u32])
        }),
        ("replications", &|j| {
            j["replications_total"] = 4_000_000_000u32.into()
        }),
        ("values", &|j| {
            j["values"].as_array_mut().unwrap().pop();
        }),
        ("hourly", &|j| {
            j["hourly"][0].as_array_mut().unwrap().pop();
        }),
    ];
    for (what, f) in cases {
        tamper(f);
        let stderr = merge_fails(dir.path(), &[&parts[0], &parts[1]]);
        assert!(
            stderr.contains("damaged") || stderr.contains("differ"),
            "{what}: {stderr}"
        );
    }
}
