//! The shape of the code, checked: the top-level modules of `src/` form no
//! import cycle (each arrow of the pipeline points one way), and only the
//! command line prints, exits or reads the environment. Run with
//! `cargo test --release architecture -- --nocapture` to see the module
//! graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The top-level module a file of `src/` belongs to (`src/report/html.rs`
/// and `src/report.rs` are both `report`); `None` for lib.rs and main.rs.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The code of a file without its `#[cfg(test)]` module and comments, so
/// that tests and prose do not count as imports or prints.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module -> the modules it uses (`crate::NAME`).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in sources(&src) {
        let Some(m) = module_of(&src, &f) else {
            continue;
        };
        let text = code(&std::fs::read_to_string(&f).unwrap());
        let uses = g.entry(m.clone()).or_default();
        for name in crate_names(&text) {
            if name != m && src.join(format!("{name}.rs")).exists() {
                uses.insert(name);
            }
        }
    }
    g
}

/// The first names after each `crate::` of `text`: `crate::a::B` gives
/// `a`, and a group `use crate::{a::B, c::{D, E}}` gives `a` and `c` (a
/// group once slipped past a check that read only `crate::NAME`).
fn crate_names(text: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            names.push(ident(rest));
            continue;
        };
        // The entries at the group's own depth, each up to `,` or its end.
        let (mut depth, mut start) = (0, 0);
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                '}' | ',' if depth == 0 => {
                    names.push(ident(&group[start..j]));
                    start = j + 1;
                    if c == '}' {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// An import cycle of `g`, if it has one.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    g.keys().find_map(|m| {
        let mut path = vec![m.clone()];
        cycle_from(g, m, m, &mut path)
    })
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    g: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    at: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    for next in g.get(at).into_iter().flatten() {
        if next == start {
            let mut c = path.clone();
            c.push(start.to_string());
            return Some(c);
        }
        if !path.contains(next) {
            path.push(next.clone());
            if let Some(c) = cycle_from(g, start, next, path) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn modules_form_no_import_cycle() {
    let g = graph();
    for (m, uses) in &g {
        println!(
            "{m} -> {}",
            uses.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    assert!(
        g.contains_key("engine") && g["cli"].contains("simulate"),
        "{g:?}"
    );
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle: {}", c.join(" -> "));
    }
    // The pipeline's direction: nothing below the command line uses it.
    for (m, uses) in &g {
        assert!(m == "cli" || !uses.contains("cli"), "{m} uses cli");
    }
}

#[test]
fn only_the_command_line_prints_exits_or_reads_the_environment() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for f in sources(&src) {
        let m = module_of(&src, &f);
        if m.as_deref() == Some("cli") || m.is_none() {
            continue;
        }
        let text = code(&std::fs::read_to_string(&f).unwrap());
        for word in [
            "println!",
            "eprintln!",
            "print!(",
            "process::exit",
            "env::var",
        ] {
            assert!(!text.contains(word), "{} uses {word}", f.display());
        }
    }
}

#[test]
fn imports_are_read_singly_grouped_and_nested() {
    let text = "use crate::engine::{Run, Sim};\nuse crate::{calendar, dist::Dist};\n\
                use crate::{\n    kpi::{Kpi, KPIS},\n    model,\n};\nlet d = crate::time::DAY;";
    assert_eq!(
        crate_names(text),
        ["engine", "calendar", "dist", "kpi", "model", "time"]
    );
}

#[test]
fn the_cycle_check_finds_a_cycle_and_only_a_cycle() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            g.entry(from.to_string())
                .or_default()
                .insert(to.to_string());
            g.entry(to.to_string()).or_default();
        }
        g
    };
    // A diamond and a chain: no cycle.
    let acyclic = graph(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]);
    assert_eq!(find_cycle(&acyclic), None);
    // e -> b closes b -> d -> e.
    let mut cyclic = acyclic.clone();
    cyclic.get_mut("e").unwrap().insert("b".to_string());
    assert_eq!(
        find_cycle(&cyclic),
        Some(vec!["b".into(), "d".into(), "e".into(), "b".into()])
    );
}
