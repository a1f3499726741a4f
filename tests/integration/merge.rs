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
