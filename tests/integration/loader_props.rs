//! Property: no input makes the scenario loader panic. Arbitrary bytes,
//! random YAML trees over the format's keys, and a full scenario template
//! whose values are swapped for valid, edge-case and random tokens all end
//! in `Ok` or `Err`, and every error is well-formed.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Loads `bytes` and checks the shape of any error.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match procsim::scenario::load_bytes(bytes, "x.yaml") {
        Ok(_) => Ok(()),
        Err(e) => {
            prop_assert!(!e.problems.is_empty(), "an error without problems");
            prop_assert_eq!(e.file.as_str(), "x.yaml");
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            for p in &e.problems {
                prop_assert!(!p.message.is_empty(), "an empty message: {:?}", p);
                if let Some(line) = p.line {
                    prop_assert!(
                        line >= 1 && line <= lines + 1,
                        "line {} of a {}-line file: {:?}",
                        line,
                        lines,
                        p
                    );
                }
            }
            let text = e.to_string();
            prop_assert_eq!(
                text.lines().count(),
                e.problems.len(),
                "one line per problem: {}",
                text
            );
            prop_assert!(
                text.lines().all(|l| l.starts_with("error: x.yaml:")),
                "{}",
                text
            );
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- tokens

/// Values the format knows, edge cases around them, and YAML oddities.
const TOKENS: &[&str] = &[
    "5min",
    "1.5h",
    "3d",
    "2wd",
    "90s",
    "0d",
    "0min",
    "-3min",
    "-1wd",
    "1e308d",
    "1e-300s",
    "5",
    "0",
    "-1",
    "1.5",
    "0.5",
    "1",
    "2",
    "100000",
    "100001",
    "9223372036854775807",
    "18446744073709551616",
    "1e400",
    "-0",
    "nan",
    ".nan",
    ".inf",
    "-.inf",
    "9/min",
    "120/h",
    "1000/s",
    "0/h",
    "-1/h",
    "1e300/s",
    "/min",
    "5/weeks",
    "09:00",
    "24:00",
    "25:00",
    "9:61",
    "00:00",
    "09:00-17:00",
    "17:00-09:00",
    "09:00-09:00",
    "00:00-24:00",
    "2019-09-02",
    "2019-02-30",
    "9999-12-31",
    "-009999-01-01",
    "mon",
    "sun",
    "monday",
    "fifo",
    "priority",
    "send_home",
    "finish",
    "hall",
    "online",
    "desk",
    "back",
    "p1",
    "p2",
    "intake",
    "review",
    "nowhere",
    "wait_min",
    "pools.desk.utilization",
    "processes.p1.lead_time_wd",
    "pools.nope.wait_min",
    "~",
    "null",
    "true",
    "false",
    "''",
    "\"\"",
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "5weeks",
    "1e1s",
    "1e",
    "e5s",
    ".5min",
    "5.min",
    "+5min",
    "--5min",
    "5 min",
    "0x10",
    "0o7",
    "1_000",
    "!!str 5",
    "!!int 5min",
    "!!float x",
    "!!binary aGk=",
    "&a 5min",
    "*a",
    "*undefined",
    "\"\\u0000\"",
    "\"\\xff\"",
    "é",
    "数",
    "\u{200b}",
];

fn token() -> BoxedStrategy<String> {
    prop_oneof![
        8 => proptest::sample::select(TOKENS).prop_map(str::to_string),
        2 => "[a-z0-9_.:/-]{0,12}",
        1 => "[ -~]{0,12}",
    ]
    .boxed()
}

// ---------------------------------------------------------------- random trees

const KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "replications",
    "horizon",
    "warmup",
    "drain_limit",
    "calendar",
    "start",
    "hours",
    "days",
    "holidays",
    "extra_workdays",
    "pools",
    "servers",
    "discipline",
    "at_close",
    "processes",
    "time_limit",
    "limit",
    "from",
    "priority",
    "steps",
    "id",
    "serve",
    "work",
    "wait",
    "rework",
    "p",
    "after",
    "to",
    "max_rework",
    "parallel",
    "choose",
    "time",
    "patience",
    "balk_at",
    "arrivals",
    "rate",
    "daily",
    "profile",
    "interarrival",
    "appointments",
    "every",
    "per_slot",
    "no_show",
    "punctuality",
    "process",
    "mix",
    "channel",
    "targets",
    "kpi",
    "min",
    "max",
    "mode",
    "mean",
    "sd",
    "k",
    "shape",
    "scale",
    "exp",
    "lognormal",
    "normal",
    "gamma",
    "erlang",
    "triangular",
    "uniform",
    "weibull",
    "empirical",
    "desk",
    "p1",
    "09:00",
];

#[derive(Debug, Clone)]
enum Tree {
    Scalar(String),
    Map(Vec<(String, Tree)>),
    List(Vec<Tree>),
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        9 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-z_]{1,8}",
    ]
    .boxed()
}

fn tree() -> impl Strategy<Value = Tree> {
    token()
        .prop_map(Tree::Scalar)
        .prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                3 => proptest::collection::vec((key(), inner.clone()), 0..6).prop_map(Tree::Map),
                1 => proptest::collection::vec(inner, 0..4).prop_map(Tree::List),
            ]
        })
}

fn flow(t: &Tree, out: &mut String) {
    match t {
        Tree::Scalar(s) => out.push_str(s),
        Tree::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                flow(v, out);
            }
            out.push('}');
        }
        Tree::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(v, out);
            }
            out.push(']');
        }
    }
}

/// Block style, switching to flow style below `flow_below` levels.
fn block(t: &Tree, indent: usize, flow_below: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let inline = |v: &Tree| match v {
        Tree::Scalar(_) => true,
        Tree::Map(m) => m.is_empty(),
        Tree::List(l) => l.is_empty(),
    };
    match t {
        Tree::Map(entries) => {
            for (k, v) in entries {
                if inline(v) || indent / 2 >= flow_below {
                    let mut s = String::new();
                    flow(v, &mut s);
                    out.push_str(&format!("{pad}{k}: {s}\n"));
                } else {
                    out.push_str(&format!("{pad}{k}:\n"));
                    block(v, indent + 2, flow_below, out);
                }
            }
        }
        Tree::List(items) => {
            for v in items {
                if inline(v) || indent / 2 >= flow_below {
                    let mut s = String::new();
                    flow(v, &mut s);
                    out.push_str(&format!("{pad}- {s}\n"));
                } else {
                    out.push_str(&format!("{pad}-\n"));
                    block(v, indent + 2, flow_below, out);
                }
            }
        }
        Tree::Scalar(s) => out.push_str(&format!("{pad}{s}\n")),
    }
}

fn tree_document() -> impl Strategy<Value = String> {
    (proptest::collection::vec((key(), tree()), 1..10), 0usize..6).prop_map(
        |(entries, flow_below)| {
            let mut out = String::new();
            block(&Tree::Map(entries), 0, flow_below, &mut out);
            out
        },
    )
}

// ---------------------------------------------------------------- scenario template

/// A scenario that uses every part of the format. `${x}` is a value whose
/// default is `x`; `%{x}` is a distribution whose default is `x`. Each
/// generated document swaps a random share of its holes for other values, so
/// some files are valid, many are nearly so and reach the deep checks, and
/// some are noise.
const TEMPLATE: &[&str] = &[
    "name: ${generated}",
    "description: ${free text}",
    "seed: ${7}",
    "replications: ${3}",
    "horizon: ${10d}",
    "warmup: ${1d}",
    "drain_limit: ${100d}",
    "calendar:",
    "  start: ${2019-09-02}",
    "  hours: [\"${09:00-12:00}\", \"${13:30-17:00}\"]",
    "  days: [${mon}, ${tue}, ${wed}, ${thu}, ${fri}]",
    "  holidays: [${2019-10-01}]",
    "  extra_workdays: [${2019-09-29}]",
    "pools:",
    "  desk:",
    "    servers: ${3}",
    "    discipline: ${priority}",
    "    at_close: ${send_home}",
    "  back:",
    "    servers: {\"${09:00}\": ${2}, \"${14:00}\": ${4}}",
    "    hours: [\"${08:30-12:00}\"]",
    "processes:",
    "  p1:",
    "    time_limit: {limit: ${5wd}, from: ${review}}",
    "    priority: ${1}",
    "    steps:",
    "      - id: ${intake}",
    "        serve: [${desk}, ${back}]",
    "        time: %{{lognormal: {mean: 12min, sd: 5min}}}",
    "        patience: %{{exp: 40min}}",
    "        balk_at: ${60}",
    "      - rework:",
    "          p: ${0.25}",
    "          after: %{{uniform: {min: 1d, max: 3d}}}",
    "          to: ${intake}",
    "          max_rework: ${3}",
    "      - id: ${review}",
    "        work: ${back}",
    "        time: %{{triangular: {min: 1h, mode: 2h, max: 6h}}}",
    "      - parallel:",
    "          - [{work: ${back}, time: %{{exp: 4h}}}]",
    "          - [{wait: %{2wd}}, {wait: %{{weibull: {shape: 1.5, scale: 10min}}}}]",
    "      - choose:",
    "          - {p: ${0.7}, steps: [{wait: %{{exp: 1d}}}]}",
    "          - {p: ${0.3}, steps: [{serve: ${desk}, time: %{3min}}]}",
    "  p2:",
    "    time_limit: ${2wd}",
    "    steps:",
    "      - wait: %{{empirical: [3min, 4min, 7min]}}",
    "      - serve: ${desk}",
    "        time: %{{erlang: {k: 3, mean: 9min}}}",
    "      - work: ${desk}",
    "        time: %{{gamma: {mean: 8min, sd: 4min}}}",
    "arrivals:",
    "  - name: ${walk_ins}",
    "    rate: ${9/h}",
    "    process: ${p1}",
    "  - daily: ${120}",
    "    profile: {\"${09:00}\": ${1.4}, \"${13:30}\": ${0.9}}",
    "    mix: {p1: ${0.4}, p2: ${0.6}}",
    "  - interarrival: %{{uniform: {min: 40min, max: 80min}}}",
    "    process: ${p2}",
    "    channel: ${online}",
    "  - appointments:",
    "      every: ${15min}",
    "      per_slot: ${2}",
    "      no_show: ${0.1}",
    "      punctuality: %{{normal: {mean: -3min, sd: 4min}}}",
    "    process: ${p1}",
    "targets:",
    "  - {kpi: ${wait_min}, max: ${15}}",
    "  - {kpi: ${pools.desk.utilization}, min: ${0.1}, max: ${0.9}}",
    "  - {kpi: ${processes.p1.lead_time_wd}, max: ${20}}",
];

/// A distribution in flow style, built from tokens.
fn dist() -> BoxedStrategy<String> {
    let two = |family: &'static str, a: &'static str, b: &'static str| {
        (token(), token()).prop_map(move |(x, y)| format!("{{{family}: {{{a}: {x}, {b}: {y}}}}}"))
    };
    prop_oneof![
        token(),
        token().prop_map(|x| format!("{{exp: {x}}}")),
        two("lognormal", "mean", "sd"),
        two("normal", "mean", "sd"),
        two("gamma", "mean", "sd"),
        two("erlang", "k", "mean"),
        two("uniform", "min", "max"),
        two("weibull", "shape", "scale"),
        (token(), token(), token())
            .prop_map(|(a, b, c)| format!("{{triangular: {{min: {a}, mode: {b}, max: {c}}}}}")),
        proptest::collection::vec(token(), 0..4)
            .prop_map(|v| format!("{{empirical: [{}]}}", v.join(", "))),
        (token(), token()).prop_map(|(a, b)| format!("{{uniform: {{min: {a}}}, exp: {b}}}")),
    ]
    .boxed()
}

/// Splits a template line into literal text and holes: (is_dist, default).
fn holes(line: &str) -> Vec<Result<String, (bool, String)>> {
    let mut parts = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find(['$', '%']) {
        if rest[i + 1..].starts_with('{') {
            parts.push(Ok(rest[..i].to_string()));
            let is_dist = rest.as_bytes()[i] == b'%';
            // The default runs to the matching brace.
            let body = &rest[i + 2..];
            let mut depth = 1;
            let mut end = 0;
            for (j, c) in body.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = j;
                    break;
                }
            }
            parts.push(Err((is_dist, body[..end].to_string())));
            rest = &body[end + 1..];
        } else {
            parts.push(Ok(rest[..=i].to_string()));
            rest = &rest[i + 1..];
        }
    }
    parts.push(Ok(rest.to_string()));
    parts
}

/// One piece of a generated line: literal text, or a hole with a roll that
/// decides (against the document's mutation rate) between the default and
/// another value.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Hole {
        roll: u8,
        default: String,
        other: String,
    },
}

fn line_pieces(line: &'static str) -> BoxedStrategy<(u8, Vec<Piece>)> {
    let parts: Vec<BoxedStrategy<Piece>> = holes(line)
        .into_iter()
        .map(|p| match p {
            Ok(text) => Just(Piece::Text(text)).boxed(),
            Err((is_dist, default)) => {
                let other = if is_dist { dist() } else { token() };
                (any::<u8>(), other)
                    .prop_map(move |(roll, other)| Piece::Hole {
                        roll,
                        default: default.clone(),
                        other,
                    })
                    .boxed()
            }
        })
        .collect();
    (any::<u8>(), parts).boxed()
}

fn template_document() -> impl Strategy<Value = String> {
    let lines: Vec<BoxedStrategy<(u8, Vec<Piece>)>> =
        TEMPLATE.iter().map(|l| line_pieces(l)).collect();
    // The share of holes (out of 256) that get another value: from none
    // (the valid defaults) to most of them.
    let rate = proptest::sample::select(vec![0u8, 1, 2, 4, 8, 32, 128, 255]);
    (rate, lines).prop_map(|(rate, lines)| {
        let mut out = String::new();
        for (drop_roll, pieces) in lines {
            if drop_roll < rate / 8 {
                continue; // a line goes missing
            }
            for piece in pieces {
                match piece {
                    Piece::Text(t) => out.push_str(&t),
                    Piece::Hole {
                        roll,
                        default,
                        other,
                    } => out.push_str(if roll < rate { &other } else { &default }),
                }
            }
            out.push('\n');
        }
        out
    })
}

fn defaults() -> String {
    TEMPLATE
        .iter()
        .map(|l| {
            holes(l)
                .into_iter()
                .map(|p| match p {
                    Ok(t) => t,
                    Err((_, d)) => d,
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn template_with_defaults_is_a_valid_scenario() {
    let text = defaults();
    if let Err(e) = procsim::scenario::load_str(&text, "template.yaml") {
        panic!("the template's defaults should load:\n{e}\n---\n{text}");
    }
}

#[test]
fn mutated_scenarios_reach_both_outcomes() {
    // A guard on the generator: it should give valid files as well as invalid
    // ones, so the property exercises the deep checks and model building.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = template_document();
    let (mut ok, mut err) = (0, 0);
    for _ in 0..100 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        match procsim::scenario::load_str(&text, "x.yaml") {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    eprintln!("{ok} valid and {err} invalid of 100 generated files");
    assert!(
        ok >= 3 && err >= 30,
        "{ok} valid and {err} invalid of 100 generated files"
    );
}

// ---------------------------------------------------------------- properties

/// `n` cases (about 500 over the four properties), or `PROPTEST_CASES` when
/// set, for a longer search.
fn config(n: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(100))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes)?;
    }

    #[test]
    fn yaml_like_bytes_never_panic(
        bytes in proptest::collection::vec(
            proptest::sample::select(b" \n\t-:{}[],&*!|>?'\"#%@`~.0159aemdhswnk\\".to_vec()), 0..512)
    ) {
        check(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn random_yaml_trees_never_panic(text in tree_document()) {
        check(text.as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn mutated_scenarios_never_panic(text in template_document()) {
        check(text.as_bytes())?;
    }
}
