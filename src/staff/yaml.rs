//! The staffed scenario: the input file's text with each staffed pool's
//! `servers:` value replaced by its schedule, everything else (comments,
//! order, other pools) kept as written.

use crate::scenario::{Node, Value};

/// The text of `original` (the file `design` was read from) with
/// `pools.NAME.servers` set to `value` for each `(NAME, value)`. Only a
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
        let node = find(root, &["pools", pool, "servers"])
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
