//! A scenario error with the line it points at, as compilers show it:
//!
//! ```text
//! error: hall.yaml:14:15: processes.p.steps[0].time: a bare number needs a unit
//!    |
//! 14 |     time: 5
//!    |           ^
//! ```

use crate::scenario::ScenarioErrors;

/// Every problem of `errors` as its one-line message, followed, where the
/// problem has a line and `source` gives the file's text, by that line and
/// a caret under the column.
pub(crate) fn with_snippets(
    errors: &ScenarioErrors,
    source: impl Fn(&str) -> Option<String>,
) -> String {
    let one_line = errors.to_string();
    let mut out = Vec::new();
    for (message, problem) in one_line.split('\n').zip(&errors.problems) {
        out.push(message.to_string());
        let file = problem.file.as_deref().unwrap_or(&errors.file);
        let Some(line) = problem.line else { continue };
        // `-` is standard input, already read: no file to show lines from.
        let Some(text) = (file != "-").then(|| source(file)).flatten() else {
            continue;
        };
        let Some(shown) = text.lines().nth(line as usize - 1) else {
            continue;
        };
        let number = line.to_string();
        let gutter = " ".repeat(number.len());
        // The caret goes under the column-th character (not byte).
        let column = problem.column.unwrap_or(1).max(1) as usize;
        let indent: String = shown
            .chars()
            .take(column - 1)
            .map(|c| match c {
                '\t' => "\t",
                c if wide(c) => "  ",
                _ => " ",
            })
            .collect();
        out.push(format!("{gutter} |"));
        out.push(format!("{number} | {shown}"));
        out.push(format!("{gutter} | {indent}^"));
    }
    out.join("\n")
}

/// Whether a terminal shows `c` two columns wide (CJK ideographs, Hangul,
/// fullwidth forms: the wide characters a scenario's names may hold).
fn wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Problem;

    fn problem(line: Option<u32>, column: Option<u32>) -> Problem {
        Problem {
            line,
            column,
            path: "a.b".into(),
            message: "wrong".into(),
            file: None,
        }
    }

    #[test]
    fn the_caret_stands_under_the_column() {
        let errors = ScenarioErrors {
            file: "s.yaml".into(),
            problems: vec![problem(Some(2), Some(6)), problem(None, None)],
        };
        let text = "x: 1\nb: 日本x\n";
        let shown = with_snippets(&errors, |f| (f == "s.yaml").then(|| text.to_string()));
        assert_eq!(
            shown,
            "error: s.yaml:2:6: a.b: wrong\n  |\n2 | b: 日本x\n  |        ^\nerror: s.yaml: a.b: wrong"
        );
        // Without the file's text, the one-line messages alone.
        assert_eq!(with_snippets(&errors, |_| None), errors.to_string());
    }
}
