//! The staffed scenario: the input file's text with each staffed pool's
//! `servers:` value replaced by its schedule, everything else (comments,
//! order, other pools) kept as written.

use crate::scenario::{Node, Value};

/// The text of `original` (the file `design` was read from) with
/// `pools.NAME.servers` (or a lever's) set to `value` for each `(NAME, value)`. Only a
/// value written on one line of that file itself can be replaced; `Err`
/// names the first that cannot (a block mapping, or a value set in a base
/// the file `extends`).
pub fn staffed_yaml(
    original: &str,
    root: &Node,
    sets: &[(String, String)],
) -> Result<String, String> {
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    // Replace from the last position back, so earlier columns stay valid.
    let mut spots = Vec::new();
    for (pool, value) in sets {
        let node = servers_node(root, pool)
            .ok_or_else(|| format!("pools.{pool}.servers is not written in this file"))?;
        if node.source != 0 || node.line == 0 {
            return Err(format!(
                "pools.{pool}.servers is set in a base file, not in this one"
            ));
        }
        spots.push((node.line as usize, node.column as usize, &node.value, value));
    }
    spots.sort_by_key(|s| std::cmp::Reverse((s.0, s.1)));
    for (line, column, old, value) in spots {
        let text = lines
            .get_mut(line - 1)
            .ok_or_else(|| format!("line {line} is past the end of the file"))?;
        let start = text
            .char_indices()
            .nth(column - 1)
            .map_or(text.len(), |(i, _)| i);
        let rest = &text[start..];
        let end = match old {
            Value::Map(_) if rest.starts_with('{') => rest.find('}').map(|i| i + 1),
            Value::Int(_) | Value::Float(_) | Value::Str(_) => Some(
                rest.find(|c: char| c.is_whitespace() || c == ',' || c == '}')
                    .unwrap_or(rest.len()),
            ),
            _ => None,
        }
        .ok_or_else(|| format!("the servers value at line {line} spans several lines; write the schedule there by hand"))?;
        text.replace_range(start..start + end, value);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

/// Where this file sets the servers of `pool`: under `pools:`, else in the
/// last lever that sets them (a design's levers all apply).
fn servers_node<'a>(root: &'a Node, pool: &str) -> Option<&'a Node> {
    let top = find(root, &["pools", pool, "servers"]);
    let Some(Node {
        value: Value::Map(levers),
        ..
    }) = find(root, &["levers"])
    else {
        return top;
    };
    levers
        .iter()
        .rev()
        .find_map(|(_, lever)| find(lever, &["pools", pool, "servers"]))
        .or(top)
}

fn find<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let Value::Map(entries) = &node.value else {
        return None;
    };
    let (_, v) = entries
        .iter()
        .find(|(k, _)| k.value == Value::Str((*first).to_string()))?;
    find(v, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staffed(text: &str, pool: &str, value: &str) -> Result<String, String> {
        let root = crate::scenario::parse(text, "t.yaml").map_err(|e| e.to_string())?;
        staffed_yaml(text, &root, &[(pool.into(), value.into())])
    }

    #[test]
    fn a_scalar_or_flow_value_is_replaced_and_the_rest_kept() {
        let text =
            "pools:\n  a:\n    servers: 12   # twelve\n  b: {servers: 3, at_close: finish}\n";
        let out = staffed(text, "a", "{\"09:00\": 4}").unwrap();
        assert_eq!(
            out,
            "pools:\n  a:\n    servers: {\"09:00\": 4}   # twelve\n  b: {servers: 3, at_close: finish}\n"
        );
        let out = staffed(text, "b", "{\"09:00\": 4, \"12:00\": 2}").unwrap();
        assert!(out.ends_with("b: {servers: {\"09:00\": 4, \"12:00\": 2}, at_close: finish}\n"));
    }

    #[test]
    fn a_lever_setting_the_servers_is_where_they_are_replaced() {
        let text = "extends: base.yaml\nlevers:\n  desk:\n    pools:\n      d: {servers: 36}\n";
        let out = staffed(text, "d", "{\"08:30\": 20}").unwrap();
        assert!(out.contains("d: {servers: {\"08:30\": 20}}"), "{out}");
        let block = "pools:\n  a:\n    servers:\n      \"09:00\": 3\n";
        assert!(staffed(block, "a", "{}")
            .unwrap_err()
            .contains("several lines"));
        assert!(staffed(block, "zz", "{}")
            .unwrap_err()
            .contains("not written"));
    }
}
