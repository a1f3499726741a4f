//! Names from a scenario as they may be shown: on a terminal (no control
//! characters or escape sequences reach it) and in a Markdown table cell
//! (no line breaks, no `|`). Names are the user's text, so anything can be
//! in them.

use std::borrow::Cow;

/// `s` with every control character (line breaks, tabs, the ESC that
/// starts a terminal escape sequence, C1 controls, DEL) written as an
/// escape (`\n`, `\u{1b}`), so printing it cannot move the cursor,
/// recolour the terminal or forge output lines.
pub(crate) fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `s` as one Markdown table cell: printable, with `|` escaped.
pub(crate) fn markdown_cell(s: &str) -> String {
    printable(s).replace('|', "\\|")
}

/// Terminal columns of a character: two for wide (CJK) characters.
fn columns(c: char) -> usize {
    if c.is_ascii() || ('\u{2000}'..'\u{2e80}').contains(&c) {
        1
    } else {
        2
    }
}

/// `s` wrapped to lines of at most `width` terminal columns: at spaces,
/// or between wide (CJK) characters, which count two columns.
pub(crate) fn wrap_columns(s: &str, width: usize) -> String {
    let mut out = String::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        let mut tokens: Vec<String> = Vec::new();
        for c in para.chars() {
            match tokens.last_mut() {
                Some(t)
                    if c != ' '
                        && columns(c) == 1
                        && !t.ends_with(' ')
                        && t.chars().last().is_some_and(|l| columns(l) == 1) =>
                {
                    t.push(c)
                }
                _ => tokens.push(c.to_string()),
            }
        }
        for t in tokens {
            let w: usize = t.chars().map(columns).sum();
            if used + w > width && used > 0 {
                out.push_str(line.trim_end());
                out.push('\n');
                line.clear();
                used = 0;
                if t == " " {
                    continue;
                }
            }
            line.push_str(&t);
            used += w;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_to_terminal_columns_counting_wide_characters_twice() {
        let s = "长沙市政务服务中心 S3 — comprehensive windows, same 52 staff (after reform)";
        let w = wrap_columns(s, 30);
        for l in w.lines() {
            assert!(l.chars().map(columns).sum::<usize>() <= 30, "{l}");
        }
        assert_eq!(w.replace('\n', " ").replace("  ", " "), s);
        assert_eq!(wrap_columns("a b", 80), "a b");
    }

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_untouched() {
        assert!(matches!(printable("窗口 A"), Cow::Borrowed(_)));
        assert_eq!(printable("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(markdown_cell("x|y\r\n"), "x\\|y\\r\\n");
    }
}
