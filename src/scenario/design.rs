//! Designs written as changes: a file may start with `extends: base.yaml`
//! and give only what differs (merged as `patch.rs` says), and may group
//! its changes into named `levers:`, each a patch on the same base.
//!
//! The chain of files is read first, each node tagged with its file's
//! number ([`Node::source`]), then merged from the deepest base up; the
//! validator then reports every problem in the file that holds its line.

use super::checker::Checker;
use super::error::{Problem, ScenarioErrors};
use super::node::{Node, Value};
use super::patch::{apply, diff, key_text, shift_source};
use crate::model::Model;
use std::path::{Path, PathBuf};

/// The top-level keys that assemble a design rather than describe it.
pub(crate) const DESIGN_KEYS: &[&str] = &["extends", "levers"];

/// Longest chain of `extends` followed.
pub const MAX_CHAIN: usize = 32;

/// A named group of changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    /// Its name, a key of `levers:`.
    pub name: String,
    /// The changes, a mapping merged onto the design's base.
    pub patch: Node,
}

/// A scenario file with its `extends` chain resolved and its levers apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// The files it was assembled from, as named in messages: the file
    /// loaded, then the base it extends, that base's base, ...
    pub sources: Vec<String>,
    /// The base it extends (resolved path), if any.
    pub extends: Option<PathBuf>,
    /// The design without its levers: the bases merged with the file's own
    /// entries (its own `levers` removed, the bases' applied).
    pub base: Node,
    /// The file's levers, in file order.
    pub levers: Vec<Lever>,
}

impl Design {
    /// The file loaded, as named in messages.
    pub fn file(&self) -> &str {
        self.sources.first().map_or("", String::as_str)
    }

    /// The node tree of the base with the levers `chosen(i)` applied, in
    /// file order.
    pub fn node(&self, chosen: impl Fn(usize) -> bool) -> Result<Node, ScenarioErrors> {
        let mut c = Checker::with_sources(self.file(), &self.sources);
        let mut node = self.base.clone();
        for (i, lever) in self.levers.iter().enumerate() {
            if chosen(i) {
                apply(&mut c, &mut node, &lever.patch, "");
            }
        }
        c.finish(&self.base, Some(node))
    }

    /// The validated model of the base with the levers `chosen(i)`.
    pub fn model(&self, chosen: impl Fn(usize) -> bool) -> Result<Model, ScenarioErrors> {
        let node = self.node(chosen)?;
        self.validate(&node)
    }

    /// The validated model of the levers `chosen(i)`, for simulation
    /// only: the file's `targets` are left out, since a target may name a
    /// pool that only one of the levers creates.
    pub fn model_to_simulate(
        &self,
        chosen: impl Fn(usize) -> bool,
    ) -> Result<Model, ScenarioErrors> {
        let mut node = self.node(chosen)?;
        if let Value::Map(fields) = &mut node.value {
            fields.retain(|(key, _)| !matches!(&key.value, Value::Str(k) if k == "targets"));
        }
        self.validate(&node)
    }

    /// The design itself: every lever applied.
    pub fn full(&self) -> Result<Model, ScenarioErrors> {
        self.model(|_| true)
    }

    /// Validates a node tree assembled from this design's files.
    pub fn validate(&self, node: &Node) -> Result<Model, ScenarioErrors> {
        super::validate::model_from(node, &self.sources)
    }
}

/// Top-level keys that never make a lever between two designs: they do
/// not change what is simulated (`name`, `description`, `targets`), or
/// must be the same for the runs to be paired (`seed`, `replications`).
/// The design's values are used for every subset.
pub const NOT_LEVERS: &[&str] = &["name", "description", "seed", "replications", "targets"];

/// Sections of named entries, where each entry that differs is a lever of
/// its own (`pools.window`).
const BY_ENTRY: &[&str] = &["pools", "processes"];

impl Design {
    /// `after` written as levers on `before`: each entry of `pools` and
    /// `processes` and each other top-level key that differs between the
    /// two (every lever of each applied) is one lever, named by its key
    /// path (`pools.window`, `calendar`, `arrivals`). The base is `before`
    /// with `after`'s [`NOT_LEVERS`] keys.
    pub fn changes(before: &Design, after: &Design) -> Result<Design, ScenarioErrors> {
        let new = after.node(|_| true)?;
        let mut old = before.node(|_| true)?;
        // `before`'s files follow `after`'s in one list of sources.
        shift_source(
            &mut old,
            u16::try_from(after.sources.len()).unwrap_or(u16::MAX),
        );
        let mut sources = after.sources.clone();
        sources.extend(before.sources.iter().cloned());
        let mut c = Checker::with_sources(&sources[0], &sources);
        let mut levers = Vec::new();
        let mut base = old.clone();
        if let Some(Value::Map(patch)) = diff(&old, &new).map(|d| d.value) {
            for (key, change) in patch {
                let name = key_text(&key);
                let top = |value: Node| Node {
                    value: Value::Map(vec![(key.clone(), value)]),
                    ..change.clone()
                };
                if NOT_LEVERS.contains(&name.as_str()) {
                    apply(&mut c, &mut base, &top(change.clone()), "");
                } else if let (true, Value::Map(entries)) =
                    (BY_ENTRY.contains(&name.as_str()), &change.value)
                {
                    for (entry, value) in entries {
                        let inner = Node {
                            value: Value::Map(vec![(entry.clone(), value.clone())]),
                            ..change.clone()
                        };
                        levers.push(Lever {
                            name: format!("{name}.{}", key_text(entry)),
                            patch: top(inner),
                        });
                    }
                } else {
                    levers.push(Lever {
                        name,
                        patch: top(change.clone()),
                    });
                }
            }
        }
        let design = Design {
            sources: sources.clone(),
            extends: None,
            base,
            levers,
        };
        c.finish(&new, Some(design))
    }
}

/// One file of a chain, parsed.
struct Link {
    /// Resolved path (for cycle detection), when the text came from a file.
    path: Option<PathBuf>,
    root: Node,
}

/// Reads a scenario file and the chain of bases it extends (paths
/// relative to the file that names them).
pub fn resolve(path: &Path) -> Result<Design, ScenarioErrors> {
    let bytes = super::read(path)?;
    let file = path.display().to_string();
    let root = super::parse(super::utf8(&bytes, &file)?, &file)?;
    let mut sources = vec![file];
    let mut chain = vec![Link {
        path: std::fs::canonicalize(path).ok(),
        root,
    }];
    read_chain(&mut chain, &mut sources)?;
    assemble(chain, sources)
}

/// Resolves scenario text named `file` without reading any other file:
/// text with `extends:` is refused, since text given to the library (an
/// upload, a test) should not make it read files; [`resolve`] follows it.
pub fn resolve_bytes(bytes: &[u8], file: &str) -> Result<Design, ScenarioErrors> {
    let root = super::parse(super::utf8(bytes, file)?, file)?;
    let sources = vec![file.to_string()];
    if let Some(node) = entry(&root, "extends") {
        return Err(located(
            &sources,
            0,
            node,
            "extends",
            "`extends` is followed only when a scenario is loaded from its file (procsim's commands, `scenario::load`), not from text".into(),
        ));
    }
    assemble(vec![Link { path: None, root }], sources)
}

/// Follows `extends` from the last link of `chain` to the end.
fn read_chain(chain: &mut Vec<Link>, sources: &mut Vec<String>) -> Result<(), ScenarioErrors> {
    loop {
        let i = chain.len() - 1;
        let Some(node) = entry(&chain[i].root, "extends") else {
            return Ok(());
        };
        let fail = |message: String| located(sources, i, node, "extends", message);
        let Value::Str(rel) = &node.value else {
            return Err(fail(format!(
                "expected the path of a scenario file (relative to this file), found {}",
                node.value.describe()
            )));
        };
        if chain.len() >= MAX_CHAIN {
            return Err(fail(format!(
                "more than {MAX_CHAIN} files extend one another; shorten the chain"
            )));
        }
        let folder = Path::new(&sources[i])
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let path = folder.join(rel);
        let name = path.display().to_string();
        let resolved = std::fs::canonicalize(&path)
            .map_err(|e| fail(format!("cannot read the base `{name}`: {e}")))?;
        if let Some(start) = chain
            .iter()
            .position(|l| l.path.as_ref() == Some(&resolved))
        {
            let mut names: Vec<&str> = sources[start..].iter().map(String::as_str).collect();
            names.push(&sources[start]);
            return Err(fail(format!(
                "`extends` makes a cycle: {}; one of these files must not extend another",
                names.join(" -> ")
            )));
        }
        let bytes = super::read(&path).map_err(|e| {
            let why = e.problems.first().map_or("", |p| p.message.as_str());
            fail(format!("cannot read the base `{name}`: {why}"))
        })?;
        let source = u16::try_from(chain.len()).unwrap_or(u16::MAX);
        let mut root = match super::utf8(&bytes, &name).and_then(|t| super::parse(t, &name)) {
            Ok(root) => root,
            Err(mut e) => {
                // A broken base is reported in the base, as from the file loaded.
                for p in &mut e.problems {
                    p.file = Some(name.clone());
                }
                e.file = sources[0].clone();
                return Err(e);
            }
        };
        shift_source(&mut root, source);
        sources.push(name);
        chain.push(Link {
            path: Some(resolved),
            root,
        });
    }
}

/// Merges a chain from the deepest base up: each base is taken as a
/// design (its levers applied); the first file's levers are kept apart.
fn assemble(chain: Vec<Link>, sources: Vec<String>) -> Result<Design, ScenarioErrors> {
    let extends = chain.get(1).and_then(|l| l.path.clone());
    let top = chain[0].root.clone();
    let mut c = Checker::with_sources(&sources[0], &sources);
    let mut merged: Option<Node> = None;
    let mut levers = Vec::new();
    for (depth, link) in chain.into_iter().enumerate().rev() {
        let (own, file_levers) = split(&mut c, link.root);
        let mut node = match merged.take() {
            Some(mut base) => {
                apply(&mut c, &mut base, &own, "");
                base
            }
            None => own,
        };
        if depth == 0 {
            levers = file_levers;
        } else {
            for lever in &file_levers {
                apply(&mut c, &mut node, &lever.patch, "");
            }
        }
        merged = Some(node);
    }
    let base = merged.unwrap_or(top.clone());
    let design = Design {
        sources: sources.clone(),
        extends,
        base,
        levers,
    };
    c.finish(&top, Some(design))
}

/// A file's own entries (without `extends` and `levers`) and its levers.
fn split(c: &mut Checker, mut root: Node) -> (Node, Vec<Lever>) {
    let mut levers = Vec::new();
    if let Value::Map(entries) = &mut root.value {
        let mut kept = Vec::new();
        for (k, v) in std::mem::take(entries) {
            match &k.value {
                Value::Str(s) if s == "extends" => {}
                Value::Str(s) if s == "levers" => levers = read_levers(c, &v),
                _ => kept.push((k, v)),
            }
        }
        *entries = kept;
    }
    (root, levers)
}

/// `levers:` as a mapping of names to patches.
fn read_levers(c: &mut Checker, node: &Node) -> Vec<Lever> {
    let Value::Map(entries) = &node.value else {
        c.err(
            node,
            "levers",
            format!(
                "expected a mapping of lever names to changes, found {}",
                node.value.describe()
            ),
        );
        return Vec::new();
    };
    let mut levers = Vec::new();
    for (k, v) in entries {
        let name = key_text(k);
        let path = format!("levers.{name}");
        let Value::Map(changes) = &v.value else {
            c.err(
                v,
                &path,
                format!(
                    "a lever is a mapping of changes to the base (the same keys as a scenario), found {}",
                    v.value.describe()
                ),
            );
            continue;
        };
        for (key, _) in changes {
            if let Value::Str(s) = &key.value {
                if DESIGN_KEYS.contains(&s.as_str()) {
                    c.err(
                        key,
                        &format!("{path}.{s}"),
                        format!("`{s}` is not allowed inside a lever; give it at the top level"),
                    );
                }
            }
        }
        levers.push(Lever {
            name,
            patch: v.clone(),
        });
    }
    levers
}

/// The value of a top-level key.
fn entry<'n>(root: &'n Node, key: &str) -> Option<&'n Node> {
    match &root.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.value == Value::Str(key.into()))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// One problem at `node` of chain file `index`.
fn located(
    sources: &[String],
    index: usize,
    node: &Node,
    path: &str,
    message: String,
) -> ScenarioErrors {
    ScenarioErrors {
        file: sources[0].clone(),
        problems: vec![Problem {
            line: (node.line > 0).then_some(node.line),
            column: (node.column > 0).then_some(node.column),
            path: path.to_string(),
            message,
            file: (index > 0).then(|| sources[index].clone()),
        }],
    }
}
