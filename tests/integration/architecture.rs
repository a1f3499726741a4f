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
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != m && src.join(format!("{name}.rs")).exists() {
                uses.insert(name);
            }
        }
    }
    g
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
    for m in g.keys() {
        let mut path = vec![m.clone()];
        if let Some(c) = cycle_from(&g, m, m, &mut path) {
            panic!("import cycle: {}", c.join(" -> "));
        }
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
