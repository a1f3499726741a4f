//! `tickets.csv`: the rows of a replication's [`TicketLog`].

use super::files::{csv_field, timestamp};
use crate::model::Model;
use crate::tickets::{End, TicketLog};
use std::io::{self, Write};

/// Header of `tickets.csv`: one row per visit to a `serve` step
/// (`case` is `replication-case`; times as in `events.csv`; `outcome`
/// `served` or `left`; `ended` of a `left` ticket is when the citizen left).
pub(crate) const TICKETS_HEADER: &str =
    "ticket,case,item,pool,window,issued,called,ended,outcome\n";

/// Writes the rows of replication `rep` of `log` to `out`, in the order
/// the tickets ended, and empties the log.
pub(crate) fn write(
    log: &mut TicketLog,
    model: &Model,
    rep: u32,
    out: &mut impl Write,
) -> io::Result<()> {
    let start = model.calendar.days().start;
    for (n, t) in log.take(model).iter().enumerate() {
        let pool = &model.pools[t.pool].name;
        let (win, called, ended, outcome) = match t.end {
            End::Served(s, e) => (
                csv_field(&format!("{pool}-{}", t.window)),
                timestamp(start, s),
                timestamp(start, e),
                "served",
            ),
            End::Left(l) => (String::new(), String::new(), timestamp(start, l), "left"),
        };
        writeln!(
            out,
            "{rep}-{n},{rep}-{case},{},{},{win},{},{called},{ended},{outcome}",
            csv_field(&model.processes[t.process].name),
            csv_field(pool),
            timestamp(start, t.issued),
            n = n + 1,
            case = t.case,
        )?;
    }
    Ok(())
}
