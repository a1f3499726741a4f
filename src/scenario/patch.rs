//! Patches: one node tree written as the changes to another, the rule
//! behind `extends:` and `levers:` (see `design.rs`).
//!
//! Mappings merge key by key; any other value (a number, a string, a list)
//! replaces the base's whole value; `null` removes the key. Lists are not
//! merged element by element because an entry's position carries no name a
//! patch could point at.

use super::checker::{join, Checker};
use super::node::{Node, Value};

/// Applies `patch` to `base` in place; a `null` that removes nothing is
/// reported to `c` (a misspelt key would otherwise be ignored in silence).
pub(super) fn apply(c: &mut Checker, base: &mut Node, patch: &Node, path: &str) {
    let (Value::Map(entries), Value::Map(changes)) = (&mut base.value, &patch.value) else {
        *base = patch.clone();
        return;
    };
    for (key, value) in changes {
        let sub = join(path, &key_text(key));
        let at = entries.iter().position(|(k, _)| k.value == key.value);
        match (at, &value.value) {
            (Some(i), Value::Null) => {
                entries.remove(i);
            }
            (None, Value::Null) => {
                let known: Vec<String> = entries.iter().map(|(k, _)| key_text(k)).collect();
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                c.err(
                    key,
                    &sub,
                    format!(
                        "`null` removes a key, but the base has no `{}` here{}",
                        key_text(key),
                        super::checker::did_you_mean_hint(&key_text(key), &known)
                    ),
                );
            }
            (Some(i), _) => apply(c, &mut entries[i].1, value, &sub),
            (None, _) => entries.push((key.clone(), value.clone())),
        }
    }
    // The merged mapping is located where the patch wrote it: a problem of
    // the mapping as a whole (a missing key) is then shown in the file
    // being edited.
    base.line = patch.line;
    base.column = patch.column;
    base.source = patch.source;
}

/// A mapping key as text, for paths and messages.
pub(super) fn key_text(key: &Node) -> String {
    match &key.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.describe().to_string(),
    }
}

/// Marks every node of `node` as read from file number `source`.
pub(super) fn set_source(node: &mut Node, source: u16) {
    node.source = source;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| set_source(n, source)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            set_source(k, source);
            set_source(v, source);
        }),
        _ => {}
    }
}
