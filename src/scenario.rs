//! Scenario files: YAML text -> located node tree -> validated [`Model`].
//!
//! The YAML crate (serde-saphyr) lives only here, behind [`parse`], so the
//! choice stays reversible. [`load`] reads a file with explicit limits
//! (size, depth, nodes, aliases), so hostile input ends in an error, never a
//! panic or an out-of-memory kill.

// One module per section of the format; the key lists they accept are
// `pub(crate)` so `crate::schema` can be checked against them.
pub(crate) mod arrivals;
pub(crate) mod calendar;
mod checker;
pub(crate) mod costs;
pub mod design;
pub(crate) mod dist;
pub mod error;
pub mod node;
mod patch;
pub(crate) mod pools;
pub(crate) mod processes;
pub(crate) mod steps;
pub(crate) mod targets;
mod units;
pub(crate) mod validate;

pub use design::{resolve, Design, Lever};
pub use error::{Problem, ScenarioErrors};
pub use node::{Node, Value};

use crate::model::Model;

/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// Most replications of one run: the file's `replications` and any
/// override (`--reps`, a sweep of `replications`) are held to it, since a
/// run keeps every replication's KPI values.
pub const MAX_REPLICATIONS: u32 = 100_000;

/// Parser budget: YAML nesting deeper than this is refused.
pub const MAX_DEPTH: usize = 64;

/// Parses YAML text into a located node tree, under resource budgets.
pub fn parse(text: &str, file: &str) -> Result<Node, ScenarioErrors> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ScenarioErrors::whole_file(
            file,
            format!(
                "the file is {} bytes; scenario files are limited to {} bytes",
                text.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    if text.trim().is_empty() {
        return Err(ScenarioErrors::whole_file(
            file,
            "the file is empty; a scenario needs at least `name`, `horizon`, `pools`, `processes` and `arrivals`".into(),
        ));
    }
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = 250_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    // YAML 1.2 booleans only: `on`, `off`, `yes`, `no`, `y`, `n` stay text
    // (a pool named `on` is a name; the format has no true/false keys).
    options.strict_booleans = true;
    let spanned: Result<serde_saphyr::Spanned<Value>, _> =
        serde_saphyr::from_str_with_options(text, options);
    match spanned {
        Ok(s) => Ok(Node::from(s)),
        Err(e) => {
            let location = e.location();
            let mut message = e.to_string();
            // The crate's message may repeat the position; keep the first line.
            if let Some(first) = message.lines().next() {
                message = first.to_string();
            }
            if message.contains("DuplicateKeyPolicy")
                || message.to_lowercase().contains("duplicate")
            {
                message = "a key appears twice in the same mapping; keep one".into();
            } else if message.contains("Documents") {
                message = "the file holds several YAML documents (---); a scenario is one document"
                    .into();
            } else if message.contains("budget") || message.contains("Budget") {
                message = format!("the document is too large, too deeply nested (over {MAX_DEPTH} levels) or uses too many aliases for a scenario");
            }
            Err(ScenarioErrors {
                file: file.to_string(),
                problems: vec![Problem {
                    line: location.map(|l| l.line() as u32).filter(|&l| l > 0),
                    column: location.map(|l| l.column() as u32).filter(|&c| c > 0),
                    path: String::new(),
                    message: format!("invalid YAML: {message}"),
                    file: None,
                }],
            })
        }
    }
}

/// Parses and validates scenario text; `file` names it in messages. Every
/// lever is applied; `extends:` is refused (see [`design::resolve_bytes`]).
pub fn load_str(text: &str, file: &str) -> Result<Model, ScenarioErrors> {
    load_bytes(text.as_bytes(), file)
}

/// Parses and validates scenario bytes (checked to be UTF-8).
pub fn load_bytes(bytes: &[u8], file: &str) -> Result<Model, ScenarioErrors> {
    design::resolve_bytes(bytes, file)?.full()
}

/// Reads, parses and validates a scenario file (and the bases it extends).
pub fn load(path: &std::path::Path) -> Result<Model, ScenarioErrors> {
    resolve(path)?.full()
}

/// The bytes as UTF-8 text, or a problem about the whole file.
fn utf8<'b>(bytes: &'b [u8], file: &str) -> Result<&'b str, ScenarioErrors> {
    std::str::from_utf8(bytes).map_err(|e| {
        ScenarioErrors::whole_file(
            file,
            format!(
                "the file is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                e.valid_up_to()
            ),
        )
    })
}

/// Reads a scenario file's bytes, at most [`MAX_FILE_BYTES`] of them,
/// whatever the file is: a regular file is refused by its size before
/// reading, and a pipe or device (`<(yes)`, `/dev/zero`), whose size is
/// unknown, once the read passes the limit.
pub fn read(path: &std::path::Path) -> Result<Vec<u8>, ScenarioErrors> {
    use std::io::Read;
    let file = path.display().to_string();
    let cannot =
        |e: std::io::Error| ScenarioErrors::whole_file(&file, format!("cannot read the file: {e}"));
    let too_large = |size: String| {
        ScenarioErrors::whole_file(
            &file,
            format!(
                "the file is {size} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes"
            ),
        )
    };
    let metadata = std::fs::metadata(path).map_err(cannot)?;
    if metadata.is_dir() {
        return Err(ScenarioErrors::whole_file(
            &file,
            "this is a directory; give a scenario file (.yaml)".into(),
        ));
    }
    if metadata.len() > MAX_FILE_BYTES as u64 {
        return Err(too_large(metadata.len().to_string()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(format!("over {MAX_FILE_BYTES}")));
    }
    Ok(bytes)
}

/// Parses and validates scenario text after setting `key` (a dotted path
/// such as `pools.hall.servers`, `arrivals[0].daily`,
/// `arrivals.walk_ins.rate` or `processes.p.steps[1].time`) to `value`,
/// itself read as YAML. Used by `procsim sweep`.
pub fn load_str_with(
    text: &str,
    file: &str,
    key: &str,
    value: &str,
) -> Result<Model, ScenarioErrors> {
    design::resolve_bytes(text.as_bytes(), file)?.model_with(key, value)
}

impl Design {
    /// The design (every lever applied) with `key` set to `value`, as
    /// [`load_str_with`] does; used by `procsim sweep`.
    pub fn model_with(&self, key: &str, value: &str) -> Result<Model, ScenarioErrors> {
        self.model_with_each(&[(key.to_string(), value.to_string())])
    }

    /// The design with each `(key, value)` set in turn, as
    /// [`Design::model_with`] sets one; used by `procsim staff`.
    pub fn model_with_each(&self, sets: &[(String, String)]) -> Result<Model, ScenarioErrors> {
        let mut root = self.node(|_| true)?;
        for (key, value) in sets {
            let new_value = parse(value, &format!("--set {key}"))?;
            set_path(&mut root, key, new_value).map_err(|e| {
                ScenarioErrors::whole_file(self.file(), format!("--set {key}: {e}"))
            })?;
        }
        self.validate(&root)
    }
}

fn set_path(root: &mut Node, key: &str, value: Node) -> Result<(), String> {
    let mut segments: Vec<String> = Vec::new();
    for part in key.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                segments.push(rest[..i].to_string());
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped
                    .find(']')
                    .ok_or_else(|| format!("unclosed [ in `{key}`"))?;
                segments.push(format!("[{}]", &stripped[..end]));
                rest = &stripped[end + 1..];
            }
        } else {
            segments.push(rest.to_string());
        }
    }
    let mut node = root;
    for (depth, seg) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        let index = seg
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .and_then(|s| s.parse::<usize>().ok());
        node = match &mut node.value {
            Value::Seq(items) => {
                let i = match index.or_else(|| seg.parse::<usize>().ok()) {
                    Some(i) => i,
                    // A list of named entries (arrival streams): find by name.
                    None => items
                        .iter()
                        .position(|it| matches!(&it.value, Value::Map(m) if m.iter().any(|(k, v)| k.value == Value::Str("name".into()) && v.value == Value::Str(seg.clone()))))
                        .ok_or_else(|| format!("no entry named `{seg}`"))?,
                };
                let len = items.len();
                items
                    .get_mut(i)
                    .ok_or_else(|| format!("index {i} is past the end of a list of {len}"))?
            }
            Value::Map(entries) => {
                let pos = entries
                    .iter()
                    .position(|(k, _)| k.value == Value::Str(seg.clone()));
                match pos {
                    Some(p) => &mut entries[p].1,
                    None if last => {
                        entries.push((
                            Node {
                                value: Value::Str(seg.clone()),
                                line: 0,
                                column: 0,
                                source: 0,
                            },
                            value.clone(),
                        ));
                        return Ok(());
                    }
                    None => return Err(format!("no key `{seg}` here")),
                }
            }
            _ => {
                return Err(format!(
                    "`{seg}` goes inside a value that is neither a mapping nor a list"
                ))
            }
        };
    }
    *node = value;
    Ok(())
}
