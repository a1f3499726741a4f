//! The error-collecting checker every section of the validator writes to,
//! and the generic checks it offers: mappings with known keys (unknown ones
//! reported with a did-you-mean hint), required keys, text, numbers,
//! probabilities, whole numbers and fixed word choices.
//!
//! A check reports its problem and returns `None`, so the walk goes on and
//! a file's problems are all reported at once.

use super::error::{Problem, ScenarioErrors};
use super::node::{Node, Value};
use crate::suggest::did_you_mean;

/// Collects the problems found while walking one file.
pub(super) struct Checker<'a> {
    /// The file as named by the user.
    pub(super) file: &'a str,
    /// The files a design was assembled from, by [`Node::source`] (the
    /// first is `file`): a problem is reported in the file of its node.
    sources: &'a [String],
    problems: Vec<Problem>,
}

/// A mapping's entries, after unknown keys were reported.
pub(super) struct Fields<'n> {
    /// The mapping itself (where a missing key is reported).
    pub(super) node: &'n Node,
    /// The known keys and their values, in file order.
    pub(super) entries: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// The value under `key`, if given.
    pub(super) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Whether `key` is given.
    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// `path.key`, or `key` at the top level.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether a value is a number (whole or not).
pub(super) fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

/// Rounds to 6 decimals, for sums shown in messages.
pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl<'a> Checker<'a> {
    /// A checker for the file named `file`, with no problem yet.
    pub(super) fn new(file: &'a str) -> Self {
        Checker {
            file,
            sources: &[],
            problems: Vec::new(),
        }
    }

    /// A checker for a design assembled from `sources` (the file loaded
    /// first, then the bases it extends).
    pub(super) fn with_sources(file: &'a str, sources: &'a [String]) -> Self {
        Checker {
            sources,
            ..Checker::new(file)
        }
    }

    /// The built value if no problem was found, else every problem in file
    /// order (`root` locates the catch-all one when nothing was reported).
    pub(super) fn finish<T>(mut self, root: &Node, built: Option<T>) -> Result<T, ScenarioErrors> {
        match built {
            Some(m) if self.problems.is_empty() => Ok(m),
            _ => {
                if self.problems.is_empty() {
                    self.err(root, "", "the scenario is incomplete");
                }
                let mut problems = self.problems;
                // The loaded file's problems first, then each base's.
                problems.sort_by(|a, b| {
                    (&a.file, a.line.unwrap_or(0), a.column.unwrap_or(0)).cmp(&(
                        &b.file,
                        b.line.unwrap_or(0),
                        b.column.unwrap_or(0),
                    ))
                });
                Err(ScenarioErrors {
                    file: self.file.to_string(),
                    problems,
                })
            }
        }
    }

    /// Reports a problem at `node`, under the key path `path`.
    pub(super) fn err(&mut self, node: &Node, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            line: (node.line > 0).then_some(node.line),
            column: (node.column > 0).then_some(node.column),
            path: path.to_string(),
            message: message.into(),
            file: (node.source > 0)
                .then(|| self.sources.get(usize::from(node.source)).cloned())
                .flatten(),
        });
    }

    /// A mapping with only `allowed` keys (unknown ones are reported with a
    /// hint); an empty `allowed` accepts any key.
    pub(super) fn map<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.err(
                node,
                path,
                format!(
                    "expected a mapping of keys, found {}",
                    node.value.describe()
                ),
            );
            return None;
        };
        let mut fields = Fields {
            node,
            entries: Vec::new(),
        };
        for (key, value) in entries {
            let Value::Str(k) = &key.value else {
                self.err(
                    key,
                    path,
                    format!("keys must be names, found {}", key.value.describe()),
                );
                continue;
            };
            if !allowed.is_empty() && !allowed.contains(&k.as_str()) {
                let hint = match did_you_mean(k, allowed) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys: {}", allowed.join(", ")),
                };
                self.err(key, &join(path, k), format!("unknown key `{k}`; {hint}"));
                continue;
            }
            fields.entries.push((k.as_str(), value));
        }
        Some(fields)
    }

    /// The value under `key`, or a problem saying `what` it should hold.
    pub(super) fn require<'n>(
        &mut self,
        fields: &Fields<'n>,
        path: &str,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let found = fields.get(key);
        if found.is_none() {
            self.err(
                fields.node,
                path,
                format!("missing required key `{key}` ({what})"),
            );
        }
        found
    }

    /// Text.
    pub(super) fn string<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n str> {
        match &node.value {
            Value::Str(s) => Some(s.as_str()),
            other => {
                self.err(
                    node,
                    path,
                    format!("expected text, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// One of a fixed set of words (the first is the default when absent).
    pub(super) fn choice<T: Copy>(
        &mut self,
        node: Option<&Node>,
        path: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let Some(node) = node else {
            return options.first().map(|o| o.1);
        };
        let word = self.string(node, path)?;
        match options.iter().find(|o| o.0 == word) {
            Some(o) => Some(o.1),
            None => {
                let names: Vec<&str> = options.iter().map(|o| o.0).collect();
                let key = path.rsplit('.').next().unwrap_or(path);
                self.err(
                    node,
                    path,
                    format!("unknown {key} `{word}`; use {}", names.join(" or ")),
                );
                None
            }
        }
    }

    /// A finite number.
    pub(super) fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        let v = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            ref other => {
                self.err(
                    node,
                    path,
                    format!("expected a number, found {}", other.describe()),
                );
                return None;
            }
        };
        if !v.is_finite() {
            self.err(node, path, "expected a finite number");
            return None;
        }
        Some(v)
    }

    /// A number from 0 to 1.
    pub(super) fn probability(&mut self, node: &Node, path: &str) -> Option<f64> {
        let p = self.number(node, path)?;
        if !(0.0..=1.0).contains(&p) {
            self.err(
                node,
                path,
                format!("a probability must be between 0 and 1, found {p}"),
            );
            return None;
        }
        Some(p)
    }

    /// A whole number from `min` to `max`.
    pub(super) fn integer(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        let Value::Int(i) = node.value else {
            if is_number(&node.value) {
                self.err(
                    node,
                    path,
                    format!("expected a whole number between {min} and {max}"),
                );
            } else {
                self.err(
                    node,
                    path,
                    format!("expected a whole number, found {}", node.value.describe()),
                );
            }
            return None;
        };
        if i < min || i > max {
            self.err(
                node,
                path,
                format!("must be between {min} and {max}, found {i}"),
            );
            return None;
        }
        Some(i)
    }
}

/// Names defined under a mapping key, in file order, with their key and
/// value nodes.
pub(super) fn named_entries<'n>(
    c: &mut Checker,
    node: &'n Node,
    path: &str,
    what: &str,
) -> Vec<(&'n str, &'n Node, &'n Node)> {
    let Value::Map(entries) = &node.value else {
        c.err(
            node,
            path,
            format!(
                "expected a mapping of {what} by name, found {}",
                node.value.describe()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        match &k.value {
            Value::Str(s) if !s.is_empty() => out.push((s.as_str(), k, v)),
            _ => c.err(k, path, format!("{what} names must be non-empty text")),
        }
    }
    if out.is_empty() {
        c.err(node, path, format!("define at least one of the {what}"));
    }
    out
}

/// ` (did you mean `x`?)` when `name` is close to one of `known`, else
/// nothing: the hint in messages about an undefined name.
pub(super) fn did_you_mean_hint(name: &str, known: &[&str]) -> String {
    did_you_mean(name, known)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}
