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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_untouched() {
        assert!(matches!(printable("窗口 A"), Cow::Borrowed(_)));
        assert_eq!(printable("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(markdown_cell("x|y\r\n"), "x\\|y\\r\\n");
    }
}
