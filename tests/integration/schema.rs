//! `procsim schema` prints a draft-07 JSON Schema that accepts every shipped
//! scenario and rejects typical mistakes.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn schema() -> Value {
    let out = Command::cargo_bin("procsim")
        .expect("the procsim binary is built")
        .arg("schema")
        .output()
        .expect("procsim runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("`procsim schema` prints JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&schema()).expect("the schema compiles")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Every `*.yaml` under `scenarios/SUB` (all of `scenarios/` for "").
fn scenarios(sub: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    yaml_files(&Path::new(MANIFEST).join("scenarios").join(sub), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no scenarios under scenarios/");
    files
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).expect("valid YAML")
}

fn load(path: &Path) -> Value {
    yaml(&std::fs::read_to_string(path).unwrap())
}

/// A small scenario the loader accepts, to mutate.
const BASE: &str = "\
name: base
horizon: 1d
pools:
  desk:
    servers: 2
processes:
  license:
    steps:
      - id: intake
        serve: desk
        time: {exp: 5min}
      - rework: {p: 0.2, after: 1d, to: intake}
arrivals:
  - rate: 10/h
    process: license
targets:
  - {kpi: wait_min, max: 15}
";

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn schema_is_draft7_and_valid_against_its_meta_schema() {
    let s = schema();
    assert_eq!(
        s["$schema"],
        json!("http://json-schema.org/draft-07/schema#")
    );
    if let Err(e) = jsonschema::meta::validate(&s) {
        panic!("the schema breaks the draft-07 meta-schema: {e}");
    }
    // Required unless the file extends a base (then it gives only changes).
    assert_eq!(s["if"], json!({"not": {"required": ["extends"]}}));
    let required: Vec<&str> = s["then"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for key in ["name", "horizon", "pools", "processes", "arrivals"] {
        assert!(
            required.contains(&key),
            "`{key}` is not required by the schema"
        );
    }
}

/// Checks every file and reports all mismatches at once.
fn all_match(files: &[PathBuf]) {
    let v = validator();
    let mut failures = Vec::new();
    for path in files {
        let errs = errors(&v, &load(path));
        if !errs.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), errs.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "scenarios that do not match the schema:\n{}",
        failures.join("\n")
    );
}

#[test]
fn textbook_scenarios_match_the_schema() {
    let files = scenarios("textbook");
    assert!(files.len() >= 8, "{files:?}");
    all_match(&files);
}

#[test]
fn every_shipped_scenario_matches_the_schema() {
    all_match(&scenarios(""));
}

#[test]
fn the_base_scenario_matches_the_schema_and_loads() {
    assert!(procsim::scenario::load_str(BASE, "base.yaml").is_ok());
    let v = validator();
    let errs = errors(&v, &yaml(BASE));
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// Applies `change` to the base scenario and checks that both the schema and
/// the loader refuse the result.
fn refused(what: &str, change: impl FnOnce(&mut Value)) {
    let v = validator();
    let mut instance = yaml(BASE);
    change(&mut instance);
    assert!(
        !v.is_valid(&instance),
        "the schema accepts {what}: {instance}"
    );
    let text = serde_json::to_string(&instance).unwrap(); // JSON is YAML
    assert!(
        procsim::scenario::load_str(&text, "x.yaml").is_err(),
        "the loader accepts {what}"
    );
}

#[test]
fn working_days_and_costs_where_they_mean_something_are_valid() {
    let v = validator();
    let mut instance = yaml(BASE);
    instance["horizon"] = json!("20wd");
    instance["warmup"] = json!("2wd");
    instance["drain_limit"] = json!("40wd");
    instance["pools"]["office"] = json!({"servers": 1});
    instance["processes"]["license"]["steps"]
        .as_array_mut()
        .unwrap()
        .push(json!({"work": "office", "time": {"exp": "0.5wd"}}));
    instance["costs"] = json!({"currency": "CNY", "staff_per_hour": {"default": 60, "pools": {"desk": 80}},
        "citizen_value_per_hour": 30, "travel_time": "40min", "travel_cost": 10});
    let errs = errors(&v, &instance);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let text = serde_json::to_string(&instance).unwrap();
    if let Err(e) = procsim::scenario::load_str(&text, "x.yaml") {
        panic!("the loader refuses what the schema accepts: {e}");
    }
}

#[test]
fn unknown_top_level_key_is_invalid() {
    refused("an unknown top-level key", |s| {
        s["horizn"] = json!("1d");
    });
}

#[test]
fn bare_number_duration_is_invalid() {
    refused("a bare-number horizon", |s| s["horizon"] = json!(30));
    refused("a bare-number service time", |s| {
        s["processes"]["license"]["steps"][0]["time"] = json!(5);
    });
    refused("a bare-number exp mean", |s| {
        s["processes"]["license"]["steps"][0]["time"] = json!({"exp": 5});
    });
}

#[test]
fn other_typical_mistakes_are_invalid() {
    refused("a missing horizon", |s| {
        s.as_object_mut().unwrap().remove("horizon");
    });
    refused("an unknown unit", |s| s["horizon"] = json!("3weeks"));
    refused("a rate without a unit", |s| {
        s["arrivals"][0]["rate"] = json!("10")
    });
    refused("two kind keys on one step", |s| {
        s["processes"]["license"]["steps"][0]["wait"] = json!("1h");
    });
    refused("rework p of 1", |s| {
        s["processes"]["license"]["steps"][1]["rework"]["p"] = json!(1);
    });
    refused("an empty serve list", |s| {
        s["processes"]["license"]["steps"][0]["serve"] = json!([]);
    });
    refused("an unknown distribution family", |s| {
        s["processes"]["license"]["steps"][0]["time"] = json!({"expo": "5min"});
    });
    refused("a pool without servers", |s| {
        s["pools"]["desk"] = json!({"discipline": "fifo"});
    });
    refused("an arrival stream with two kinds", |s| {
        s["arrivals"][0]["daily"] = json!(100);
    });
    refused("a target without bounds", |s| {
        s["targets"][0] = json!({"kpi": "wait_min"})
    });
    refused("an unknown weekday", |s| {
        s["calendar"] = json!({"days": ["monday-ish"]})
    });
    refused("working days as a service time", |s| {
        s["processes"]["license"]["steps"][0]["time"] = json!({"exp": "0.1wd"});
    });
    refused("working days as patience", |s| {
        s["processes"]["license"]["steps"][0]["patience"] = json!("1wd");
    });
    refused("an unknown key under costs", |s| {
        s["costs"] = json!({"staff_per_hour": 60, "travel_cots": 5});
    });
    refused("a negative price", |s| {
        s["costs"] = json!({"staff_per_hour": {"default": -1}});
    });
    refused("working days of travel", |s| {
        s["costs"] = json!({"travel_time": "1wd"});
    });
    refused("a no_show above 1", |s| {
        s["arrivals"][0] = json!({"appointments": {"every": "15min", "per_slot": 2, "no_show": 1.5}, "process": "license"});
    });
}

#[test]
fn steps_and_arrivals_are_patched_by_name_only_in_a_file_that_extends_a_base() {
    let v = validator();
    let patch = yaml(
        "extends: base.yaml\nprocesses:\n  license:\n    steps: {intake: {time: {exp: 4min}}, old: null}\narrivals:\n  walk_ins: {rate: 12/h}\n",
    );
    let errs = errors(&v, &patch);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    refused("steps as a mapping in a file that extends nothing", |s| {
        s["processes"]["license"]["steps"] = json!({"intake": {"time": {"exp": "4min"}}});
    });
    refused(
        "arrivals as a mapping in a file that extends nothing",
        |s| {
            s["arrivals"] = json!({"walk_ins": {"rate": "12/h"}});
        },
    );
}

/// Every shipped scenario names the committed schema on its first line, so
/// that VS Code's YAML extension completes and checks it with no setup.
#[test]
fn every_shipped_scenario_points_editors_at_the_committed_schema() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = root.join("docs/scenario.schema.json");
    let mut scenarios = Vec::new();
    let mut dirs = vec![root.join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // Generated outputs (a staffed or fitted scenario) are not
                // shipped scenarios.
                if path.file_name().is_some_and(|n| n != "results") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "yaml") {
                scenarios.push(path);
            }
        }
    }
    assert!(scenarios.len() >= 20, "{scenarios:?}");
    for path in scenarios {
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: first line is {first:?}", path.display()));
        let resolved = path.parent().unwrap().join(target);
        assert_eq!(
            std::fs::canonicalize(&resolved).ok(),
            std::fs::canonicalize(&schema).ok(),
            "{}: {target} is not docs/scenario.schema.json",
            path.display()
        );
    }
}
