//! Durations in a scenario file: a number with a unit (`5min`, `2h`, `3d`,
//! `2wd`), parsed by [`crate::time`]; a bare number is refused, as units are
//! never implicit.

use super::checker::{is_number, Checker};
use super::node::{Node, Value};
use crate::time::{self, Duration, Seconds};

impl Checker<'_> {
    /// A duration, in clock units or working days.
    pub(super) fn duration(&mut self, node: &Node, path: &str) -> Option<Duration> {
        match &node.value {
            Value::Str(s) => match time::parse_duration(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.err(node, path, e);
                    None
                }
            },
            v if is_number(v) => {
                self.err(
                    node,
                    path,
                    "a bare number needs a unit; write e.g. `5min`, `2h`, `3d` or `2wd`",
                );
                None
            }
            other => {
                self.err(
                    node,
                    path,
                    format!(
                        "expected a duration such as `5min`, found {}",
                        other.describe()
                    ),
                );
                None
            }
        }
    }

    /// A clock duration that must be positive (slot spacing...); `why`
    /// says why working days have no meaning there.
    pub(super) fn positive_clock(&mut self, node: &Node, path: &str, why: &str) -> Option<Seconds> {
        match self.duration(node, path)? {
            Duration::Clock(s) if s > 0.0 => Some(s),
            Duration::Clock(_) => {
                self.err(node, path, "must be greater than 0");
                None
            }
            Duration::WorkingDays(_) => {
                self.err(
                    node,
                    path,
                    format!("use a clock unit here (s, min, h, d), not working days (wd): {why}"),
                );
                None
            }
        }
    }
}
