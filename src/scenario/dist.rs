//! Distributions of durations: a plain duration (a constant) or a one-key
//! mapping naming the family, `{exp: 5min}`, `{lognormal: {mean: 4h, sd:
//! 2h}}`, ... Built into a validated [`Dist`]; one distribution uses clock
//! units or working days, not both.

use super::checker::{join, Checker};
use super::node::{Node, Value};
use crate::dist::{Dist, Family};
use std::collections::BTreeSet;

/// The family names, the keys of a distribution mapping.
pub(crate) const FAMILIES: &[&str] = &[
    "exp",
    "lognormal",
    "normal",
    "gamma",
    "erlang",
    "triangular",
    "uniform",
    "weibull",
    "empirical",
];

/// Parameters of `lognormal`, `normal` and `gamma`.
const MEAN_SD_KEYS: &[&str] = &["mean", "sd"];
/// Parameters of `erlang`.
const ERLANG_KEYS: &[&str] = &["k", "mean"];
/// Parameters of `triangular`.
const TRIANGULAR_KEYS: &[&str] = &["min", "mode", "max"];
/// Parameters of `uniform`.
const UNIFORM_KEYS: &[&str] = &["min", "max"];
/// Parameters of `weibull`.
const WEIBULL_KEYS: &[&str] = &["shape", "scale"];

/// The families whose body is a mapping of parameters, with their keys; the
/// others (`exp`: a duration, `empirical`: a list) take no keys.
pub(crate) const FAMILY_PARAMS: &[(&str, &[&str])] = &[
    ("lognormal", MEAN_SD_KEYS),
    ("normal", MEAN_SD_KEYS),
    ("gamma", MEAN_SD_KEYS),
    ("erlang", ERLANG_KEYS),
    ("triangular", TRIANGULAR_KEYS),
    ("uniform", UNIFORM_KEYS),
    ("weibull", WEIBULL_KEYS),
];

/// Whether every duration inside a distribution's node is written in
/// calendar days (`d`); numbers such as `k` and `shape` do not count.
fn written_in_days(node: &Node) -> bool {
    fn walk(node: &Node, found: &mut bool) -> bool {
        match &node.value {
            Value::Str(s) => {
                *found = true;
                crate::time::is_in_calendar_days(s)
            }
            Value::Map(entries) => entries.iter().all(|(_, v)| walk(v, found)),
            Value::Seq(items) => items.iter().all(|v| walk(v, found)),
            _ => true,
        }
    }
    let mut found = false;
    walk(node, &mut found) && found
}

impl Checker<'_> {
    /// A distribution of durations (a plain duration is a constant).
    pub(super) fn dist(&mut self, node: &Node, path: &str, allow_negative: bool) -> Option<Dist> {
        let mut wd_seen = BTreeSet::new();
        let family = self.family(node, path, &mut wd_seen)?;
        let in_days = written_in_days(node);
        if wd_seen.len() > 1 {
            self.err(node, path, "mixes clock units and working days; use one family (s/min/h/d, or wd) inside one distribution");
            return None;
        }
        let working_days = wd_seen.contains(&true);
        match Dist::new(family, working_days, allow_negative) {
            Ok(d) => Some(d.written_in_days(in_days)),
            Err(e) => {
                self.err(node, path, e);
                None
            }
        }
    }

    /// A distribution in clock units only: working days are refused, saying
    /// `why` they have no meaning here.
    pub(super) fn clock_dist(&mut self, node: &Node, path: &str, why: &str) -> Option<Dist> {
        self.clock_dist_signed(node, path, false, why)
    }

    /// [`Checker::clock_dist`], negative values allowed if `allow_negative`.
    pub(super) fn clock_dist_signed(
        &mut self,
        node: &Node,
        path: &str,
        allow_negative: bool,
        why: &str,
    ) -> Option<Dist> {
        let d = self.dist(node, path, allow_negative)?;
        if d.working_days() {
            self.err(
                node,
                path,
                format!("use a clock unit here (s, min, h, d), not working days (wd): {why}"),
            );
            return None;
        }
        Some(d)
    }

    /// A duration's amount; records in `wd` whether it is in working days.
    fn amount(&mut self, node: &Node, path: &str, wd: &mut BTreeSet<bool>) -> Option<f64> {
        let d = self.duration(node, path)?;
        wd.insert(d.is_working_days());
        Some(d.amount())
    }

    /// The family and its parameters, before [`Dist::new`] checks them.
    fn family(&mut self, node: &Node, path: &str, wd: &mut BTreeSet<bool>) -> Option<Family> {
        if !matches!(node.value, Value::Map(_)) {
            return Some(Family::Constant(self.amount(node, path, wd)?));
        }
        let fields = self.map(node, path, FAMILIES)?;
        if fields.entries.len() != 1 {
            self.err(
                node,
                path,
                format!(
                    "a distribution is a one-key mapping naming its family ({}), found {} keys",
                    FAMILIES.join(", "),
                    fields.entries.len()
                ),
            );
            return None;
        }
        let (name, body) = fields.entries[0];
        let p = join(path, name);
        // The parameter keys, in the order the arms below read them.
        let keys = FAMILY_PARAMS
            .iter()
            .find(|f| f.0 == name)
            .map_or(&[][..], |f| f.1);
        let mut params = |c: &mut Self, keys: &[&str]| -> Option<Vec<f64>> {
            let f = c.map(body, &p, keys)?;
            let mut out = Vec::new();
            let mut ok = true;
            for k in keys {
                match c.require(&f, &p, k, "a parameter of this family") {
                    Some(n) => {
                        let kp = join(&p, k);
                        let v = if *k == "k" || *k == "shape" {
                            c.number(n, &kp)
                        } else {
                            c.amount(n, &kp, wd)
                        };
                        match v {
                            Some(v) => out.push(v),
                            None => ok = false,
                        }
                    }
                    None => ok = false,
                }
            }
            ok.then_some(out)
        };
        Some(match name {
            "exp" => Family::Exponential {
                mean: self.amount(body, &p, wd)?,
            },
            "lognormal" => {
                let v = params(self, keys)?;
                Family::Lognormal {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "normal" => {
                let v = params(self, keys)?;
                Family::Normal {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "gamma" => {
                let v = params(self, keys)?;
                Family::Gamma {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "erlang" => {
                let v = params(self, keys)?;
                if v[0].fract() != 0.0 || v[0] < 1.0 || v[0] > 1000.0 {
                    self.err(
                        body,
                        &join(&p, "k"),
                        "k must be a whole number from 1 to 1000",
                    );
                    return None;
                }
                Family::Erlang {
                    k: v[0] as u32,
                    mean: v[1],
                }
            }
            "triangular" => {
                let v = params(self, keys)?;
                Family::Triangular {
                    min: v[0],
                    mode: v[1],
                    max: v[2],
                }
            }
            "uniform" => {
                let v = params(self, keys)?;
                Family::Uniform {
                    min: v[0],
                    max: v[1],
                }
            }
            "weibull" => {
                let v = params(self, keys)?;
                Family::Weibull {
                    shape: v[0],
                    scale: v[1],
                }
            }
            "empirical" => {
                let Value::Seq(items) = &body.value else {
                    self.err(
                        body,
                        &p,
                        "expected a list of durations, e.g. [3min, 4min, 7min]",
                    );
                    return None;
                };
                let mut values = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    values.push(self.amount(item, &format!("{p}[{i}]"), wd)?);
                }
                Family::Empirical(values)
            }
            // `map` above let only the names in FAMILIES through.
            _ => return None,
        })
    }
}
