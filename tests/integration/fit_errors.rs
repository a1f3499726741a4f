//! `fit` on nasty logs: every bad one is a located error with exit 2 and
//! nothing written; every odd but good one gives a scenario that validates.

use super::common::{fit_log, procsim, s, write};
use std::path::Path;

const HEADER: &str = "ticket,case,item,pool,window,issued,called,ended,outcome";

/// A served ticket of `item` at `pool`, issued at 09:MM of 7 January 2019.
fn served(n: u32, item: &str, pool: &str) -> String {
    format!(
        "t{n},c{n},{item},{pool},w{},2019-01-07T09:{n:02}:00,2019-01-07T09:{n:02}:30,2019-01-07T09:{:02}:10,served",
        n % 2,
        n + 1
    )
}

/// A log of twenty served tickets with the names given (CSV-quoted as needed).
fn log_of(item: &str, pool: &str) -> String {
    let rows: Vec<String> = (0..20).map(|n| served(n, item, pool)).collect();
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

/// Fits `text` (a file named `name`): the exit code, stderr, and whether
/// anything was written.
fn fit_named(name: &str, text: &[u8], flags: &[&str]) -> (Option<i32>, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(name);
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["fit", s(&log), "--out", s(&out)];
    args.extend_from_slice(flags);
    let o = procsim(&args);
    (o.code, o.stderr, out.exists())
}

/// Asserts that `text` is refused with exit 2, nothing written, and
/// every one of `words` in the message.
fn refused(text: &str, flags: &[&str], words: &[&str]) {
    let (code, err, written) = fit_named("log.csv", text.as_bytes(), flags);
    assert_eq!(code, Some(2), "{text:?}: {err}");
    assert!(!written, "{text:?}: an output was written");
    assert!(!err.contains("a bug of procsim fit"), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
}

/// Asserts that the scenario fitted into `out` validates.
fn validates(out: &Path) {
    let o = procsim(&["validate", s(&out.join("scenario.yaml"))]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn a_log_whose_rows_are_all_skipped_says_so() {
    // Served without times, and a no-show never called: nothing to fit.
    let text = format!(
        "{HEADER}\nt1,c1,a,p,,2019-01-07T09:00:00,,2019-01-07T09:10:00,served\nt2,c2,a,p,,2019-01-07T09:01:00,,,no_show\n"
    );
    refused(
        &text,
        &[],
        &[
            "log.csv: no usable ticket: all 2 rows were skipped",
            "1: no_show without a called time",
            "1: served without both called and ended times",
        ],
    );
}

#[test]
fn a_column_named_twice_or_given_two_roles_is_refused() {
    let text = format!("{HEADER},item\n{},other\n", served(1, "a", "p"));
    refused(
        &text,
        &[],
        &["row 0 (header): column `item` (item) is named 2 times, in columns 3, 10"],
    );
    refused(
        &log_of("a", "p"),
        &["--columns", "issued=item"],
        &["row 0 (header): column `item` is given two roles, item and issued"],
    );
}

#[test]
fn times_without_a_local_clock_are_located_errors() {
    let utc = log_of("a", "p").replacen(":30,", ":30Z,", 1);
    refused(
        &utc,
        &[],
        &[
            "row 1, column `called`",
            "a UTC time (ending in Z)",
            "local time",
        ],
    );
    let date = log_of("a", "p").replacen("2019-01-07T09:00:00", "2019-01-07", 1);
    refused(
        &date,
        &[],
        &[
            "row 1, column `issued`",
            "\"2019-01-07\"",
            "a date without a time of day",
        ],
    );
}

#[test]
fn rows_the_csv_reader_cannot_split_are_located() {
    let mut text = log_of("a", "p");
    text = text.replacen("t2,c2,a,p,w0,", "t2,c2,a,p,", 1);
    refused(
        &text,
        &[],
        &[
            "row 3",
            "line 4: 8 fields, but the header has 9",
            "double quotes",
        ],
    );
    let mut bytes = format!("{HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"t1,c1,caf\xe9,p,w1,2019-01-07T09:00:00,,,left\n");
    let (code, err, written) = fit_named("log.csv", &bytes, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!written);
    assert!(
        err.contains("row 1, column `item`") && err.contains("line 2: not UTF-8 text"),
        "{err}"
    );
}

#[test]
fn names_too_long_for_a_yaml_key_are_refused_and_the_longest_allowed_fits() {
    let long = "x".repeat(101);
    refused(
        &log_of(&long, "p"),
        &[],
        &[
            "row 1, column `item`",
            "a name of 101 characters; names are at most 100",
        ],
    );
    refused(
        &log_of("a", &long),
        &[],
        &["row 1, column `pool`", "a name of 101 characters"],
    );
    // 100 control characters, written \u0001 in the YAML: 602 characters
    // with the quotes, under YAML's 1024.
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", &log_of(&"\u{1}".repeat(100), "p"));
    fit_log(&log, &dir.path().join("out"), &["--no-validate"]);
    validates(&dir.path().join("out"));
}

#[test]
fn yaml_special_names_and_file_names_give_a_scenario_that_validates() {
    let names = [
        "on",
        "null",
        "true",
        "- x",
        "a: b",
        "a #b",
        "户籍办理",
        "\"\"q\"\"",
        "\"x\ny\"",
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in names.iter().enumerate() {
        let log = write(dir.path(), &format!("{i}.csv"), &log_of(name, name));
        let out = dir.path().join(format!("out{i}"));
        fit_log(&log, &out, &["--no-validate"]);
        validates(&out);
    }
    // A file name with a line break is in the scenario's first comment.
    let log = write(dir.path(), "a\nname: b.csv", &log_of("a", "p"));
    let out = dir.path().join("nl");
    fit_log(&log, &out, &["--no-validate"]);
    validates(&out);
    let yaml = std::fs::read_to_string(out.join("scenario.yaml")).unwrap();
    assert!(
        yaml.starts_with("# Fitted by `procsim fit` from a\\nname: b.csv:"),
        "{yaml}"
    );
}

#[test]
fn an_event_log_with_an_empty_pool_or_without_its_process_column_is_refused() {
    let header = "case:concept:name,replication,case,concept:name,lifecycle:transition,event,org:resource,start_timestamp,time:timestamp,process";
    let join =
        "0-1,0,1,service,schedule,join,window,2019-01-08T09:00:00,2019-01-08T09:00:00,customer";
    let step =
        "0-1,0,1,service,complete,step,window,2019-01-08T09:01:00,2019-01-08T09:05:00,customer";
    refused(
        &format!("{header}\n{}\n{step}\n", join.replace(",window,", ",,")),
        &[],
        &["row 1, column `org:resource`", "empty"],
    );
    let cut = |line: &str| line.rsplit_once(',').unwrap().0.to_string();
    refused(
        &format!("{}\n{}\n{}\n", cut(header), cut(join), cut(step)),
        &[],
        &["row 0 (header): no column `process`, which procsim's events.csv has"],
    );
    // Joined but never served when the log ends: no usable ticket.
    refused(
        &format!("{header}\n{join}\n"),
        &[],
        &[
            "no usable ticket: all 1 rows were skipped",
            "joined a queue",
        ],
    );
}

#[test]
fn an_out_directory_keeps_files_that_are_not_ours() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", &log_of("a", "p"));
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    write(&out, "notes.txt", "mine");
    write(&out, "scenario.yaml", "mine");
    let o = procsim(&["fit", s(&log), "--out", s(&out), "--no-validate"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("scenario.yaml already there"),
        "{}",
        o.stderr
    );
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    assert_eq!(read("scenario.yaml"), "mine");
    // Without it the fit is written beside the other file, and written
    // again over its own outputs; once the scenario is edited, not.
    std::fs::remove_file(out.join("scenario.yaml")).unwrap();
    fit_log(&log, &out, &["--no-validate"]);
    fit_log(&log, &out, &["--no-validate"]);
    assert_eq!(read("notes.txt"), "mine");
    let edited = read("scenario.yaml") + "# edited\n";
    write(&out, "scenario.yaml", &edited);
    let o = procsim(&["fit", s(&log), "--out", s(&out), "--no-validate"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert_eq!(read("scenario.yaml"), edited);
    // A file where the directory should be.
    let file = write(dir.path(), "file", "mine");
    let o = procsim(&["fit", s(&log), "--out", s(&file)]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("cannot write to"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}
