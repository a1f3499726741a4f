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

/// The patch that turns `before` into `after` (`None`: they are the same):
/// changed keys of mappings recursively, added keys, and `null` for keys
/// `after` does not have.
pub(super) fn diff(before: &Node, after: &Node) -> Option<Node> {
    let (Value::Map(old), Value::Map(new)) = (&before.value, &after.value) else {
        return (!same(before, after)).then(|| after.clone());
    };
    let mut changes = Vec::new();
    for (k, v) in new {
        match old.iter().find(|(ok, _)| ok.value == k.value) {
            Some((_, ov)) => changes.extend(diff(ov, v).map(|d| (k.clone(), d))),
            None => changes.push((k.clone(), v.clone())),
        }
    }
    for (k, _) in old {
        if !new.iter().any(|(nk, _)| nk.value == k.value) {
            changes.push((k.clone(), located(Value::Null, after)));
        }
    }
    (!changes.is_empty()).then(|| located(Value::Map(changes), after))
}

/// `value` located where `at` is.
fn located(value: Value, at: &Node) -> Node {
    Node {
        value,
        line: at.line,
        column: at.column,
        source: at.source,
    }
}

/// Whether two trees hold the same values, wherever they were written
/// (mappings in any key order).
pub(super) fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(yk, _)| yk.value == k.value)
                        .is_some_and(|(_, yv)| same(v, yv))
                })
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (x, y) => x == y,
    }
}

/// Adds `by` to the file number of every node of `node`.
pub(super) fn shift_source(node: &mut Node, by: u16) {
    node.source = node.source.saturating_add(by);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift_source(n, by)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift_source(k, by);
            shift_source(v, by);
        }),
        _ => {}
    }
}
