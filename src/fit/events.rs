//! procsim's own event log (`events.csv`, the process-mining columns) read
//! as a ticket log: every visit to a hall queue becomes a ticket.
//!
//! A `join` row opens a ticket at its pool (`org:resource`) for its case;
//! the case's next `step` row at that pool is the service (its
//! `start_timestamp` the call, its `time:timestamp` the end); a `renege`
//! row ends the ticket unserved, and a `balk` row is a ticket that left at
//! once. `work`, `wait` and `rework` rows (no queue joined in the hall)
//! are not tickets. The log is one history: rows of any replication but the
//! first are skipped, and counted.

use super::read::{
    bad_value, header_names, name_error, next_row, parse_time, time_error, usable, Case, CaseIds,
    Log, Names, ReadError, Ticket, TicketOutcome,
};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;

/// The columns that mark a file as procsim's event log.
pub const EVENT_COLUMNS: [&str; 6] = [
    "case:concept:name",
    "replication",
    "event",
    "org:resource",
    "start_timestamp",
    "time:timestamp",
];

/// Whether `header` is that of an event log.
pub fn is_event_log(header: &csv::StringRecord) -> bool {
    EVENT_COLUMNS
        .iter()
        .all(|c| header.iter().any(|h| h.trim() == *c))
}

/// Reads an event log's rows into tickets: `reader` is past the
/// `header` (`file` names it in errors).
pub fn read_events<R: Read>(
    mut reader: csv::Reader<R>,
    header: &csv::StringRecord,
    file: &str,
) -> Result<Log, ReadError> {
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| ReadError::Header {
                file: file.to_string(),
                why: format!(
                    "no column `{name}`, which procsim's events.csv has; the header has {}",
                    header_names(header)
                ),
            })
    };
    let case = column("case:concept:name")?;
    let replication = column("replication")?;
    let event = column("event")?;
    let pool = column("org:resource")?;
    let start = column("start_timestamp")?;
    let end = column("time:timestamp")?;
    let process = column("process")?;
    let mut log = Log {
        rows: 0,
        tickets: Vec::new(),
        skipped: BTreeMap::new(),
        has_case: true,
        has_window: false,
    };
    // Open tickets (their index in `log.tickets`) per case and pool, in
    // the order joined.
    let mut open: HashMap<(String, String), VecDeque<usize>> = HashMap::new();
    let mut first_replication: Option<String> = None;
    let mut names = Names::default();
    let mut case_ids = CaseIds::default();
    let mut record = csv::StringRecord::new();
    while let Some(row) = next_row(&mut reader, &mut record, &mut log, file, header)? {
        let bad = |col: usize, why: &str| bad_value(file, row, header, &record, col, why);
        let this_replication = record[replication].trim();
        let first = first_replication.get_or_insert_with(|| this_replication.to_string());
        if this_replication != first {
            *log.skipped
                .entry(format!(
                    "rows of replications other than {first} (a log is one history)"
                ))
                .or_default() += 1;
            continue;
        }
        let time =
            |col: usize| parse_time(&record[col]).ok_or_else(|| bad(col, time_error(&record[col])));
        let key = (
            record[case].trim().to_string(),
            record[pool].trim().to_string(),
        );
        match record[event].trim() {
            "join" | "balk" => {
                for col in [process, pool] {
                    let name = record[col].trim();
                    if name.is_empty() {
                        return Err(bad(col, "empty; a join or balk names its process and pool"));
                    }
                    if let Some(why) = name_error(name) {
                        return Err(bad(col, &why));
                    }
                }
                let at = time(end)?;
                let balked = record[event].trim() == "balk";
                case_ids.push(&key.0);
                log.tickets.push(Ticket {
                    row,
                    case: Case::default(),
                    item: names.get(record[process].trim()),
                    pool: names.get(&key.1),
                    window: None,
                    issued: at,
                    service: None,
                    left_at: balked.then_some(at),
                    outcome: if balked {
                        TicketOutcome::Left
                    } else {
                        TicketOutcome::Served
                    },
                });
                if !balked {
                    open.entry(key)
                        .or_default()
                        .push_back(log.tickets.len() - 1);
                }
            }
            "step" | "renege" => {
                let Some(index) = open.get_mut(&key).and_then(VecDeque::pop_front) else {
                    // A step without a queue joined: back office, a wait.
                    continue;
                };
                let ticket = &mut log.tickets[index];
                if record[event].trim() == "renege" {
                    ticket.outcome = TicketOutcome::Left;
                    ticket.left_at = Some(time(end)?);
                } else {
                    let (called, ended) = (time(start)?, time(end)?);
                    if called < ticket.issued || ended < called {
                        return Err(bad(end, "a service that ends before it starts, or starts before its queue was joined"));
                    }
                    ticket.service = Some((called, ended));
                }
            }
            "retry" => {}
            other => {
                return Err(bad(
                    event,
                    &format!(
                    "unknown event `{other}`; events.csv has step, join, renege, balk and retry"
                ),
                ))
            }
        }
    }
    case_ids.assign(&mut log.tickets);
    // Tickets still open when the log ends were never served in it.
    let unfinished: Vec<usize> = open.into_values().flatten().collect();
    if !unfinished.is_empty() {
        *log.skipped
            .entry("joined a queue but not served or gone when the log ends".into())
            .or_default() += unfinished.len();
        let mut drop = vec![false; log.tickets.len()];
        for i in unfinished {
            drop[i] = true;
        }
        let mut keep = drop.iter().map(|d| !d);
        log.tickets.retain(|_| keep.next().unwrap_or(true));
    }
    usable(log, file)
}
