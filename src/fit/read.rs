//! Reading a queue-ticket log (CSV) into [`Ticket`]s: the first stage of
//! `fit`. Columns are found by their header names ([`Columns`]); every bad
//! row is an error that names its row, column and value, and rows that are
//! well formed but of no use to the fit are skipped and counted by reason.

use jiff::civil::DateTime;
use std::collections::BTreeMap;
use std::path::Path;

/// The header names of the log's columns (`fit --columns name=header`).
#[derive(Debug, Clone)]
pub struct Columns {
    /// Ticket id (optional in the file).
    pub ticket: String,
    /// Case id, tying the visits of one case together (optional).
    pub case: String,
    /// Item, the process name (required).
    pub item: String,
    /// Pool or department (optional: one pool `hall` without it).
    pub pool: String,
    /// Window id (optional: windows are then counted from overlaps).
    pub window: String,
    /// When the ticket was issued (required).
    pub issued: String,
    /// When service started (required, may be empty for unserved tickets).
    pub called: String,
    /// When service ended (required, may be empty for unserved tickets).
    pub ended: String,
    /// `served`, `left` or `no_show` (required).
    pub outcome: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            ticket: "ticket".into(),
            case: "case".into(),
            item: "item".into(),
            pool: "pool".into(),
            window: "window".into(),
            issued: "issued".into(),
            called: "called".into(),
            ended: "ended".into(),
            outcome: "outcome".into(),
        }
    }
}

impl Columns {
    /// Renames one column: `name` is one of the field names above.
    pub fn set(&mut self, name: &str, header: &str) -> Result<(), String> {
        let slot = match name {
            "ticket" => &mut self.ticket,
            "case" => &mut self.case,
            "item" => &mut self.item,
            "pool" => &mut self.pool,
            "window" => &mut self.window,
            "issued" => &mut self.issued,
            "called" => &mut self.called,
            "ended" => &mut self.ended,
            "outcome" => &mut self.outcome,
            _ => {
                return Err(format!(
                "unknown column `{name}`; the columns are ticket, case, item, pool, window, issued, called, ended, outcome"
            ))
            }
        };
        *slot = header.to_string();
        Ok(())
    }
}

/// How a ticket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketOutcome {
    /// Called and served.
    Served,
    /// Left the queue unserved (reneged or balked).
    Left,
    /// Called but not there.
    NoShow,
}

/// One row of the log.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Data row number (1 = the first row after the header).
    pub row: usize,
    /// Case id (the ticket's own row number when the log has none).
    pub case: String,
    /// Item (process name).
    pub item: String,
    /// Pool.
    pub pool: String,
    /// Window, if the log has them.
    pub window: Option<String>,
    /// Joined the queue.
    pub issued: DateTime,
    /// Service start and end, for served tickets.
    pub service: Option<(DateTime, DateTime)>,
    /// When the citizen left, for `left` tickets whose log says (`ended`,
    /// else `called`).
    pub left_at: Option<DateTime>,
    /// How it ended.
    pub outcome: TicketOutcome,
    /// When a `no_show` ticket was called and the citizen was gone (they
    /// left at some time before it).
    pub no_show_at: Option<DateTime>,
}

/// A read log: its usable tickets and what was skipped.
#[derive(Debug, Clone)]
pub struct Log {
    /// Data rows in the file.
    pub rows: usize,
    /// Usable tickets, in file order.
    pub tickets: Vec<Ticket>,
    /// Rows skipped, by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Whether the log has case ids (else each ticket is its own case).
    pub has_case: bool,
    /// Whether the log has window ids.
    pub has_window: bool,
}

/// Why a log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No header or no data rows.
    #[error("{file}: the log is empty (no {what}); a ticket log has a header line and one row per ticket")]
    Empty {
        /// The file.
        file: String,
        /// `header` or `data rows`.
        what: &'static str,
    },
    /// A required column is missing from the header.
    #[error("{file}: row 0 (header): no column `{column}`; the header has {found}; name it with --columns {name}=HEADER")]
    MissingColumn {
        /// The file.
        file: String,
        /// The header name looked for.
        column: String,
        /// The column's role.
        name: &'static str,
        /// The header's names.
        found: String,
    },
    /// A bad value.
    #[error("{file}: row {row}, column `{column}`: {value:?}: {why}")]
    BadValue {
        /// The file.
        file: String,
        /// Data row number (1 = the first after the header).
        row: usize,
        /// Column header.
        column: String,
        /// The value.
        value: String,
        /// What is wrong and what would be right.
        why: String,
    },
}

/// Parses an ISO 8601 local date and time (`2019-01-07T09:03:12`, with or
/// without fractions of a second; a space may replace the `T`).
pub fn parse_time(s: &str) -> Option<DateTime> {
    s.trim().parse::<DateTime>().ok()
}

/// Reads the log at `path`.
pub fn read(path: &Path, columns: &Columns) -> Result<Log, ReadError> {
    let file = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    read_bytes(&text, &file, columns)
}

/// Reads a log from its bytes (`file` names it in errors): a ticket log,
/// or procsim's own `events.csv` (recognised by its columns).
pub fn read_bytes(bytes: &[u8], file: &str, columns: &Columns) -> Result<Log, ReadError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let io = |e: csv::Error| ReadError::Io {
        file: file.to_string(),
        source: std::io::Error::other(e.to_string()),
    };
    let header = reader.headers().map_err(io)?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].trim().is_empty()) {
        return Err(ReadError::Empty {
            file: file.to_string(),
            what: "header",
        });
    }
    if super::events::is_event_log(&header) {
        return super::events::read_events(bytes, file);
    }
    let find = |h: &str| header.iter().position(|x| x.trim() == h);
    let need = |h: &String, name: &'static str| {
        find(h).ok_or_else(|| ReadError::MissingColumn {
            file: file.to_string(),
            column: h.clone(),
            name,
            found: header_names(&header),
        })
    };
    let item = need(&columns.item, "item")?;
    let issued = need(&columns.issued, "issued")?;
    let called = need(&columns.called, "called")?;
    let ended = need(&columns.ended, "ended")?;
    let outcome = need(&columns.outcome, "outcome")?;
    let case = find(&columns.case);
    let pool = find(&columns.pool);
    let window = find(&columns.window);

    let mut log = Log {
        rows: 0,
        tickets: Vec::new(),
        skipped: BTreeMap::new(),
        has_case: case.is_some(),
        has_window: window.is_some(),
    };
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = record.map_err(|e| row_error(file, row, &header, &e))?;
        log.rows += 1;
        let bad = |col: usize, why: &str| bad_value(file, row, &header, &record, col, why);
        let time = |col: usize| -> Result<Option<DateTime>, ReadError> {
            match record[col].trim() {
                "" => Ok(None),
                s => parse_time(s).map(Some).ok_or_else(|| {
                    bad(
                        col,
                        "not an ISO 8601 date and time, e.g. 2019-01-07T09:03:12",
                    )
                }),
            }
        };
        let out = match record[outcome].trim() {
            "served" => TicketOutcome::Served,
            "left" => TicketOutcome::Left,
            "no_show" => TicketOutcome::NoShow,
            _ => {
                return Err(bad(
                    outcome,
                    "unknown outcome; write served, left or no_show",
                ))
            }
        };
        let name = record[item].trim();
        if name.is_empty() {
            return Err(bad(item, "an empty item; every ticket names its item"));
        }
        let t_issued = time(issued)?.ok_or_else(|| bad(issued, "no issued time"))?;
        let t_called = time(called)?;
        let t_ended = time(ended)?;
        if let Some(c) = t_called {
            if c < t_issued {
                return Err(bad(called, "called before it was issued"));
            }
        }
        if let (Some(c), Some(e)) = (t_called, t_ended) {
            if e < c {
                return Err(bad(ended, "ended before it was called"));
            }
        }
        if let Some(e) = t_ended {
            if e < t_issued {
                return Err(bad(ended, "ended before it was issued"));
            }
        }
        let service = match (out, t_called, t_ended) {
            (TicketOutcome::Served, Some(c), Some(e)) => Some((c, e)),
            (TicketOutcome::Served, _, _) => {
                *log.skipped
                    .entry("served without both called and ended times".into())
                    .or_default() += 1;
                continue;
            }
            _ => None,
        };
        if out == TicketOutcome::NoShow && t_called.is_none() {
            // Without its call a no-show says nothing of how long they
            // waited, nor when their turn came.
            *log.skipped
                .entry("no_show without a called time".into())
                .or_default() += 1;
            continue;
        }
        let text = |col: Option<usize>| col.map(|c| record[c].trim().to_string());
        log.tickets.push(Ticket {
            row,
            case: text(case).unwrap_or_else(|| format!("row {row}")),
            item: name.to_string(),
            pool: text(pool)
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "hall".into()),
            window: text(window).filter(|w| !w.is_empty()),
            issued: t_issued,
            service,
            left_at: match out {
                TicketOutcome::Left => t_ended.or(t_called),
                _ => None,
            },
            outcome: out,
            no_show_at: match out {
                TicketOutcome::NoShow => t_called,
                _ => None,
            },
        });
    }
    if log.rows == 0 {
        return Err(ReadError::Empty {
            file: file.to_string(),
            what: "data rows",
        });
    }
    Ok(log)
}

/// A row the CSV reader could not split into the header's fields.
pub(super) fn row_error(
    file: &str,
    row: usize,
    header: &csv::StringRecord,
    e: &csv::Error,
) -> ReadError {
    ReadError::BadValue {
        file: file.to_string(),
        row,
        column: "-".into(),
        value: String::new(),
        why: format!("not a CSV row of {} fields: {e}", header.len()),
    }
}

/// A bad value in column `col` of a data row.
pub(super) fn bad_value(
    file: &str,
    row: usize,
    header: &csv::StringRecord,
    record: &csv::StringRecord,
    col: usize,
    why: &str,
) -> ReadError {
    ReadError::BadValue {
        file: file.to_string(),
        row,
        column: header[col].to_string(),
        value: record[col].to_string(),
        why: why.to_string(),
    }
}

/// The header's names, quoted, for a missing-column message.
pub(super) fn header_names(header: &csv::StringRecord) -> String {
    header
        .iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first ticket of each case (its arrival), by case id.
pub fn first_tickets(tickets: &[Ticket]) -> BTreeMap<&str, &Ticket> {
    let mut first: BTreeMap<&str, &Ticket> = BTreeMap::new();
    for t in tickets {
        first
            .entry(&t.case)
            .and_modify(|f| {
                if t.issued < f.issued {
                    *f = t;
                }
            })
            .or_insert(t);
    }
    first
}
