//! Patches: one node tree written as the changes to another, the rule
//! behind `extends:` and `levers:` (see `design.rs`).
//!
//! - A mapping on a mapping merges key by key.
//! - A mapping on a list of named entries patches the entries it names:
//!   steps by `id` (also inside `parallel` and `choose` branches, since
//!   step ids are unique within a process), arrival streams by `name`.
//!   Without this, two levers that change different steps of one process
//!   would each give the whole list, and the later would undo the other.
//! - Any other value (a number, a string, a list) replaces the base's
//!   whole value: a list patch has positions, not names, so it could not
//!   say which entry it changes.
//! - `null` removes the key, or the named entry.

use super::checker::{did_you_mean_hint, join, Checker};
use super::node::{Node, Value};
use super::steps::Kind;

/// The keys that name an entry of a list: a step's `id`, an arrival
/// stream's `name`.
const NAME_KEYS: &[&str] = &["id", "name"];

/// Where lists of steps nest inside a step: under each kind key, a list of
/// branches, each a list of steps (`None`) or a mapping holding its steps
/// under the key given (`choose: [{p, steps}]`).
const BRANCHES: &[(&str, Option<&str>)] = &[
    (Kind::Parallel.key(), None),
    (Kind::Choose.key(), Some("steps")),
];

/// Applies `patch` to `base` in place. A `null` that removes nothing, and
/// a name that no entry of a list has, are reported to `c` (a misspelt key
/// would otherwise be ignored in silence).
pub(super) fn apply(c: &mut Checker, base: &mut Node, patch: &Node, path: &str) {
    match (&mut base.value, &patch.value) {
        (Value::Map(entries), Value::Map(changes)) => merge_map(c, entries, changes, path),
        (Value::Seq(items), Value::Map(changes)) => patch_entries(c, items, changes, path),
        _ => {
            *base = patch.clone();
            return;
        }
    }
    // The merged value is located where the patch wrote it: a problem of
    // the value as a whole (a missing key, an empty list) is then shown in
    // the file being edited.
    base.line = patch.line;
    base.column = patch.column;
    base.source = patch.source;
}

/// Merges the mapping `changes` into the mapping `entries`, key by key.
fn merge_map(
    c: &mut Checker,
    entries: &mut Vec<(Node, Node)>,
    changes: &[(Node, Node)],
    path: &str,
) {
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
                        did_you_mean_hint(&key_text(key), &known)
                    ),
                );
            }
            (Some(i), _) => apply(c, &mut entries[i].1, value, &sub),
            (None, _) => entries.push((key.clone(), value.clone())),
        }
    }
}

/// Patches the entries of the list `items` that the keys of `changes`
/// name (see [`find_entry`]): each value patches its entry by the usual
/// rules, `null` removes it. A name no entry has is an error.
fn patch_entries(c: &mut Checker, items: &mut Vec<Node>, changes: &[(Node, Node)], path: &str) {
    for (key, value) in changes {
        let name = key_text(key);
        let sub = join(path, &name);
        match find_entry(items, &name) {
            Ok((list, i)) if value.value == Value::Null => {
                list.remove(i);
            }
            Ok((list, i)) => apply(c, &mut list[i], value, &sub),
            Err(known) if known.is_empty() => c.err(
                key,
                &sub,
                "a mapping patches a list entry by entry, naming each by its `id` (steps) or \
                 `name` (arrival streams), but no entry of this list has one; give the whole \
                 new list instead (a list replaces the base's)",
            ),
            Err(known) => {
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                c.err(
                    key,
                    &sub,
                    format!(
                        "no entry of the base's list has the id or name `{name}`{} (a mapping \
                         patches only entries the base has; to add one, give the whole new list)",
                        did_you_mean_hint(&name, &known)
                    ),
                );
            }
        }
    }
}

/// The entry of the list tree `items` whose `id` or `name` is `name`: the
/// list that holds it and its index there. The tree is `items` and, depth
/// first, the branches nested in its entries (see [`branches`]). When no
/// entry has that name: every name the tree has, in file order.
fn find_entry<'n>(
    items: &'n mut Vec<Node>,
    name: &str,
) -> Result<(&'n mut Vec<Node>, usize), Vec<String>> {
    if let Some(i) = items
        .iter()
        .position(|e| entry_name(e).as_deref() == Some(name))
    {
        return Ok((items, i));
    }
    let mut known: Vec<String> = items.iter().filter_map(entry_name).collect();
    for entry in items.iter_mut() {
        for branch in branches(entry) {
            match find_entry(branch, name) {
                Ok(found) => return Ok(found),
                Err(inner) => known.extend(inner),
            }
        }
    }
    Err(known)
}

/// The name a list entry is patched by: its `id` or `name`, if it is a
/// mapping with one that is a plain value.
fn entry_name(entry: &Node) -> Option<String> {
    let Value::Map(fields) = &entry.value else {
        return None;
    };
    fields
        .iter()
        .find(|(k, _)| matches!(&k.value, Value::Str(s) if NAME_KEYS.contains(&s.as_str())))
        .filter(|(_, v)| {
            matches!(
                v.value,
                Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
            )
        })
        .map(|(_, v)| key_text(v))
}

/// The lists of steps nested in the step `entry`, as [`BRANCHES`] says
/// (none for any other node).
fn branches(entry: &mut Node) -> Vec<&mut Vec<Node>> {
    let mut lists = Vec::new();
    let Value::Map(fields) = &mut entry.value else {
        return lists;
    };
    for (key, value) in fields.iter_mut() {
        let Some((_, inner)) = BRANCHES
            .iter()
            .find(|(kind, _)| matches!(&key.value, Value::Str(s) if s == kind))
        else {
            continue;
        };
        let Value::Seq(arms) = &mut value.value else {
            continue;
        };
        for arm in arms.iter_mut() {
            let list = match inner {
                None => Some(arm),
                Some(steps) => field_mut(arm, steps),
            };
            if let Some(Node {
                value: Value::Seq(steps),
                ..
            }) = list
            {
                lists.push(steps);
            }
        }
    }
    lists
}

/// The value under `key` of a mapping node.
fn field_mut<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    let Value::Map(fields) = &mut node.value else {
        return None;
    };
    fields
        .iter_mut()
        .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
        .map(|(_, v)| v)
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

#[cfg(test)]
mod tests {
    use super::{apply, same};
    use crate::scenario::checker::Checker;
    use crate::scenario::node::Node;
    use crate::scenario::parse;

    fn node(text: &str) -> Node {
        parse(text, "t.yaml").unwrap_or_else(|e| panic!("{e}"))
    }

    /// `base` with `patch` applied, or the problems reported.
    fn patched(base: &str, patch: &str) -> Result<Node, String> {
        let mut merged = node(base);
        let mut c = Checker::new("t.yaml");
        apply(&mut c, &mut merged, &node(patch), "");
        c.finish(&merged.clone(), Some(merged))
            .map_err(|e| e.to_string())
    }

    fn assert_patches_to(base: &str, patch: &str, expected: &str) {
        let merged = patched(base, patch).unwrap_or_else(|e| panic!("{e}"));
        assert!(same(&merged, &node(expected)), "{merged:#?}");
    }

    const STEPS: &str = "\
steps:
  - {id: intake, serve: desk, time: {exp: 12min}}
  - {id: resubmit, rework: {p: 0.25, after: 1d, to: intake}}
  - {wait: 1d}
";

    #[test]
    fn a_mapping_on_a_list_patches_the_steps_it_names_and_keeps_the_rest() {
        assert_patches_to(
            STEPS,
            "steps: {intake: {time: {exp: 9min}}, resubmit: {rework: {p: 0.2}}}",
            "\
steps:
  - {id: intake, serve: desk, time: {exp: 9min}}
  - {id: resubmit, rework: {p: 0.2, after: 1d, to: intake}}
  - {wait: 1d}
",
        );
    }

    #[test]
    fn null_removes_the_named_entry() {
        assert_patches_to(
            STEPS,
            "steps: {resubmit: null}",
            "steps: [{id: intake, serve: desk, time: {exp: 12min}}, {wait: 1d}]",
        );
    }

    #[test]
    fn a_list_still_replaces_a_list() {
        assert_patches_to(STEPS, "steps: [{wait: 2d}]", "steps: [{wait: 2d}]");
    }

    #[test]
    fn steps_inside_parallel_and_choose_branches_are_found_by_id() {
        let base = "\
steps:
  - parallel:
      - [{id: fire, work: fire, time: 4h}]
      - [{work: plan, time: 6h}, {id: notice, wait: 2wd}]
  - choose:
      - {p: 0.7, steps: [{id: mail, wait: 1d}]}
      - {p: 0.3, steps: [{id: collect, serve: desk, time: 3min}]}
";
        assert_patches_to(
            base,
            "steps: {notice: {wait: 3wd}, collect: {time: 5min}, fire: null}",
            "\
steps:
  - parallel:
      - []
      - [{work: plan, time: 6h}, {id: notice, wait: 3wd}]
  - choose:
      - {p: 0.7, steps: [{id: mail, wait: 1d}]}
      - {p: 0.3, steps: [{id: collect, serve: desk, time: 5min}]}
",
        );
    }

    #[test]
    fn choose_branches_are_found_by_name() {
        let base = "\
steps:
  - id: channel
    choose:
      - {name: online, p: 0, steps: [{id: check, wait: 1d}]}
      - {name: window, p: 1, steps: [{id: intake, serve: desk, time: 3min}]}
";
        assert_patches_to(
            base,
            "steps: {channel: {choose: {online: {p: 0.2}, window: {p: 0.8}}}}",
            "\
steps:
  - id: channel
    choose:
      - {name: online, p: 0.2, steps: [{id: check, wait: 1d}]}
      - {name: window, p: 0.8, steps: [{id: intake, serve: desk, time: 3min}]}
",
        );
    }

    #[test]
    fn arrival_streams_are_found_by_name() {
        assert_patches_to(
            "arrivals: [{name: citizens, daily: 600, process: p}, {name: online, rate: 1/h, process: p}]",
            "arrivals: {citizens: {daily: 700}}",
            "arrivals: [{name: citizens, daily: 700, process: p}, {name: online, rate: 1/h, process: p}]",
        );
    }

    #[test]
    fn an_unknown_name_is_located_at_its_key_with_a_hint() {
        // The hint also looks inside branches.
        let base = "steps: [{id: intake, serve: desk}, {choose: [{p: 1, steps: [{id: collect, wait: 1d}]}]}]";
        assert_eq!(
            patched(base, "steps:\n  colect: {wait: 2d}\n").unwrap_err(),
            "error: t.yaml:2:3: steps.colect: no entry of the base's list has the id or name \
             `colect` (did you mean `collect`?) (a mapping patches only entries the base has; \
             to add one, give the whole new list)"
        );
    }

    #[test]
    fn a_list_without_names_cannot_be_patched_by_a_mapping() {
        let err = patched(
            "targets: [{kpi: wait_min, max: 5}]",
            "targets:\n  wait_min: {max: 4}\n",
        )
        .unwrap_err();
        assert!(
            err.starts_with("error: t.yaml:2:3: targets.wait_min: a mapping patches a list entry by entry, naming each by its `id`"),
            "{err}"
        );
        assert!(err.contains("a list replaces the base's"), "{err}");
    }
}
