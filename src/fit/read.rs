//! Reading a queue-ticket log (CSV) into [`Ticket`]s: the first stage of
//! `fit`. Columns are found by their header names ([`Columns`]); every bad
//! row is an error that names its row, column and value, and rows that are
//! well formed but of no use to the fit are skipped and counted by reason.
//!
//! A year of a big hall is millions of rows, so the file is read row by
//! row and a ticket is small: its names are shared ([`Name`]) and its
//! case is a number ([`Case`]), the ids' order kept.

use jiff::civil::DateTime;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

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

/// An item, pool or window name, shared by every ticket that has it (a
/// log of millions of tickets has a few dozen distinct names). An
/// `Arc<String>` rather than an `Arc<str>`: a thin pointer, 8 bytes a
/// field instead of 16.
pub type Name = Arc<String>;

/// A case, numbered in the sort order of the log's case ids: maps keyed by
/// it iterate in the order maps keyed by the ids themselves would, and
/// per-case tables are vectors (a log has about one case per ticket, so
/// the ids themselves would be most of its memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Case(pub u32);

impl Case {
    /// The case's index in per-case tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One row of the log.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Data row number (1 = the first row after the header).
    pub row: usize,
    /// Case (the ticket's own row, `row N`, when the log has no case ids).
    pub case: Case,
    /// Item (process name).
    pub item: Name,
    /// Pool.
    pub pool: Name,
    /// Window, if the log has them.
    pub window: Option<Name>,
    /// Joined the queue.
    pub issued: DateTime,
    /// Service start and end, for served tickets.
    pub service: Option<(DateTime, DateTime)>,
    /// When the citizen left, for `left` tickets whose log says (`ended`,
    /// else `called`); for a `no_show`, when it was called and the citizen
    /// was gone (they left at some time before).
    pub left_at: Option<DateTime>,
    /// How it ended.
    pub outcome: TicketOutcome,
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
    /// A header that names a column twice, or gives two roles one column.
    #[error("{file}: row 0 (header): {why}")]
    Header {
        /// The file.
        file: String,
        /// What is wrong and what would be right.
        why: String,
    },
    /// Rows were read, but every one was skipped.
    #[error("{file}: no usable ticket: all {rows} rows were skipped ({skipped}); a fit needs tickets with an issued time, served ones with called and ended times")]
    NoTickets {
        /// The file.
        file: String,
        /// Data rows.
        rows: usize,
        /// Why they were skipped, with counts.
        skipped: String,
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
/// without fractions of a second; a space may replace the `T`; an offset
/// such as `+08:00` is ignored, the time being the hall's clock). A date
/// alone (10 characters) is refused: it has no time of day to fit.
pub fn parse_time(s: &str) -> Option<DateTime> {
    let s = s.trim();
    (s.len() > 10).then(|| s.parse::<DateTime>().ok()).flatten()
}

/// Why `s` is not a time [`parse_time`] reads, and what would be.
pub(super) fn time_error(s: &str) -> &'static str {
    let s = s.trim();
    if s.ends_with(['Z', 'z']) {
        "a UTC time (ending in Z); write the hall's local time, e.g. 2019-01-07T09:03:12"
    } else if s.len() <= 10 && s.parse::<jiff::civil::Date>().is_ok() {
        "a date without a time of day; write the date and time, e.g. 2019-01-07T09:03:12"
    } else {
        "not an ISO 8601 date and time, e.g. 2019-01-07T09:03:12"
    }
}

/// The longest item or pool name, in characters: a name is a key of the
/// fitted scenario, and YAML allows a key of at most 1024 characters
/// (written quoted, a control character takes six).
pub const MAX_NAME: usize = 100;

/// Why `name` cannot be an item or pool name, if it cannot.
pub(super) fn name_error(name: &str) -> Option<String> {
    let n = name.chars().count();
    (n > MAX_NAME).then(|| format!("a name of {n} characters; names are at most {MAX_NAME}"))
}

/// Reads the log at `path`, row by row: the file is never held whole.
pub fn read(path: &Path, columns: &Columns) -> Result<Log, ReadError> {
    let file = path.display().to_string();
    let input = std::fs::File::open(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    read_from(input, &file, columns)
}

/// Reads a log from `input` (`file` names it in errors): a ticket log,
/// or procsim's own `events.csv` (recognised by its columns).
pub fn read_from<R: Read>(input: R, file: &str, columns: &Columns) -> Result<Log, ReadError> {
    // The CSV reader buffers its input itself.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .buffer_capacity(1 << 16)
        .from_reader(input);
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
        return super::events::read_events(reader, &header, file);
    }
    check_header(&header, columns, file)?;
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
    let mut names = Names::default();
    let mut case_ids = CaseIds::default();
    let mut record = csv::StringRecord::new();
    while let Some(row) = next_row(&mut reader, &mut record, &mut log, file, &header)? {
        let bad = |col: usize, why: &str| bad_value(file, row, &header, &record, col, why);
        let text_at = |col: Option<usize>| col.map_or("", |c| record[c].trim());
        let time = |col: usize| -> Result<Option<DateTime>, ReadError> {
            match record[col].trim() {
                "" => Ok(None),
                s => parse_time(s)
                    .map(Some)
                    .ok_or_else(|| bad(col, time_error(s))),
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
        for (col, text) in [(Some(item), name), (pool, text_at(pool))] {
            if let (Some(col), Some(why)) = (col, name_error(text)) {
                return Err(bad(col, &why));
            }
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
        let text = |col: Option<usize>| col.map(|c| record[c].trim());
        // Every ticket pushed pushes its case id ([`CaseIds::assign`]).
        match text(case) {
            Some(id) => case_ids.push(id),
            None => case_ids.push(&format!("row {row}")),
        }
        log.tickets.push(Ticket {
            row,
            case: Case::default(),
            item: names.get(name),
            pool: names.get(text(pool).filter(|p| !p.is_empty()).unwrap_or("hall")),
            window: text(window).filter(|w| !w.is_empty()).map(|w| names.get(w)),
            issued: t_issued,
            service,
            left_at: match out {
                TicketOutcome::Left => t_ended.or(t_called),
                TicketOutcome::NoShow => t_called,
                TicketOutcome::Served => None,
            },
            outcome: out,
        });
    }
    case_ids.assign(&mut log.tickets);
    usable(log, file)
}

/// `log`, unless it has no data rows or no usable ticket (each an error).
pub(super) fn usable(log: Log, file: &str) -> Result<Log, ReadError> {
    if log.rows == 0 {
        return Err(ReadError::Empty {
            file: file.to_string(),
            what: "data rows",
        });
    }
    if log.tickets.is_empty() {
        return Err(ReadError::NoTickets {
            file: file.to_string(),
            rows: log.rows,
            skipped: log
                .skipped
                .iter()
                .map(|(why, n)| format!("{n}: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    Ok(log)
}

/// Refuses a header that names a column the log reads twice (which one
/// is meant?), or `--columns` that give two roles the same header.
fn check_header(
    header: &csv::StringRecord,
    columns: &Columns,
    file: &str,
) -> Result<(), ReadError> {
    let roles = [
        ("ticket", &columns.ticket),
        ("case", &columns.case),
        ("item", &columns.item),
        ("pool", &columns.pool),
        ("window", &columns.window),
        ("issued", &columns.issued),
        ("called", &columns.called),
        ("ended", &columns.ended),
        ("outcome", &columns.outcome),
    ];
    let error = |why: String| ReadError::Header {
        file: file.to_string(),
        why,
    };
    for (i, (role, h)) in roles.iter().enumerate() {
        let at: Vec<String> = (header.iter().enumerate())
            .filter(|(_, x)| x.trim() == h.as_str())
            .map(|(k, _)| (k + 1).to_string())
            .collect();
        if at.len() > 1 {
            return Err(error(format!(
                "column `{h}` ({role}) is named {} times, in columns {}; rename all but one, or name the one to read with --columns {role}=HEADER",
                at.len(),
                at.join(", ")
            )));
        }
        if let Some((other, _)) = roles[..i].iter().find(|(_, o)| o == h) {
            return Err(error(format!(
                "column `{h}` is given two roles, {other} and {role}; give each its own with --columns NAME=HEADER"
            )));
        }
    }
    Ok(())
}

/// Interns names: each distinct one is stored once and shared.
#[derive(Default)]
pub(super) struct Names(HashMap<String, Name>);

impl Names {
    /// The shared copy of `name`.
    pub(super) fn get(&mut self, name: &str) -> Name {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n = Name::new(name.to_string());
        self.0.insert(name.to_string(), n.clone());
        n
    }
}

/// The case ids of the tickets as read, one per ticket in one buffer,
/// until they are numbered into [`Case`]s.
#[derive(Default)]
pub(super) struct CaseIds {
    text: String,
    ends: Vec<usize>,
}

impl CaseIds {
    /// The next ticket's case id.
    pub(super) fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Sets each of `tickets` (those pushed, in order) to its case,
    /// numbered in the ids' sort order.
    pub(super) fn assign(self, tickets: &mut [Ticket]) {
        assert_eq!(
            self.ends.len(),
            tickets.len(),
            "a case id for every ticket (a bug of the reader)"
        );
        // Sorted by the first eight bytes, then the whole id: most
        // comparisons stay inside the array being sorted.
        let prefix = |id: &str| {
            let mut b = [0u8; 8];
            let n = id.len().min(8);
            b[..n].copy_from_slice(&id.as_bytes()[..n]);
            u64::from_be_bytes(b)
        };
        let mut order: Vec<(u64, u32)> = (0..self.ends.len())
            .map(|i| (prefix(self.id(i)), i as u32))
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| self.id(a.1 as usize).cmp(self.id(b.1 as usize)))
        });
        let mut n = 0u32;
        for (k, &(_, i)) in order.iter().enumerate() {
            if k > 0 && self.id(i as usize) != self.id(order[k - 1].1 as usize) {
                n += 1;
            }
            tickets[i as usize].case = Case(n);
        }
    }
}

/// Reads the next data row into `record` and counts it in `log.rows`:
/// its row number (1 = the first after the header), or `None` at the end.
pub(super) fn next_row<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    log: &mut Log,
    file: &str,
    header: &csv::StringRecord,
) -> Result<Option<usize>, ReadError> {
    let row = log.rows + 1;
    match reader.read_record(record) {
        Ok(true) => {
            log.rows = row;
            Ok(Some(row))
        }
        Ok(false) => Ok(None),
        Err(e) => Err(row_error(file, row, header, &e)),
    }
}

/// A row the CSV reader could not split into the header's fields.
fn row_error(file: &str, row: usize, header: &csv::StringRecord, e: &csv::Error) -> ReadError {
    let line =
        |pos: Option<&csv::Position>| pos.map_or(String::new(), |p| format!("line {}: ", p.line()));
    let (column, why) = match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, len, .. } => (
            "-".to_string(),
            format!(
                "{}{len} fields, but the header has {}; a value with a comma needs double quotes (\"a, b\")",
                line(pos.as_ref()),
                header.len()
            ),
        ),
        csv::ErrorKind::Utf8 { pos, err } => (
            header.get(err.field()).unwrap_or("-").to_string(),
            format!(
                "{}not UTF-8 text; save the log as UTF-8",
                line(pos.as_ref())
            ),
        ),
        _ => ("-".to_string(), format!("not a CSV row: {e}")),
    };
    ReadError::BadValue {
        file: file.to_string(),
        row,
        column,
        value: String::new(),
        why,
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

/// The first ticket of each case (its arrival), by case.
pub struct FirstTickets<'a> {
    first: Vec<Option<&'a Ticket>>,
    cases: usize,
}

/// The first ticket of each case of `tickets` (the first in the log of
/// those issued earliest).
pub fn first_tickets(tickets: &[Ticket]) -> FirstTickets<'_> {
    let slots = tickets
        .iter()
        .map(|t| t.case.index() + 1)
        .max()
        .unwrap_or(0);
    let mut first: Vec<Option<&Ticket>> = vec![None; slots];
    for t in tickets {
        let f = &mut first[t.case.index()];
        if f.is_none_or(|f| t.issued < f.issued) {
            *f = Some(t);
        }
    }
    let cases = first.iter().flatten().count();
    FirstTickets { first, cases }
}

impl<'a> FirstTickets<'a> {
    /// Cases.
    pub fn len(&self) -> usize {
        self.cases
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.cases == 0
    }

    /// The first tickets, by case.
    pub fn values(&self) -> impl Iterator<Item = &'a Ticket> + '_ {
        self.first.iter().flatten().copied()
    }

    /// The first ticket of `case`, if it has tickets.
    pub fn get(&self, case: Case) -> Option<&'a Ticket> {
        self.first.get(case.index()).copied().flatten()
    }
}

impl std::ops::Index<Case> for FirstTickets<'_> {
    type Output = Ticket;

    /// The first ticket of `case`, which must be a case of the tickets.
    fn index(&self, case: Case) -> &Ticket {
        match self.get(case) {
            Some(t) => t,
            None => panic!("case {} has no tickets", case.0),
        }
    }
}

/// The tickets by case, each case's by time of issue and then in log order.
pub fn by_case(tickets: &[Ticket]) -> Vec<&Ticket> {
    let mut order: Vec<&Ticket> = tickets.iter().collect();
    // Stable: tickets issued at once keep their order in the log.
    order.sort_by_key(|t| (t.case, t.issued));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year of a big hall is millions of tickets: 96 bytes each (six
    /// words of names, row and case, and 56 bytes of times and outcome)
    /// keep two million under 200 MB.
    #[test]
    fn a_ticket_takes_at_most_96_bytes() {
        assert!(std::mem::size_of::<Ticket>() <= 96);
    }

    #[test]
    fn cases_are_numbered_in_the_order_of_their_ids() {
        let ticket = |row| Ticket {
            row,
            case: Case::default(),
            item: Name::new("a".into()),
            pool: Name::new("p".into()),
            window: None,
            issued: DateTime::default(),
            service: None,
            left_at: None,
            outcome: TicketOutcome::Served,
        };
        let ids = [
            "row 2",
            "row 10",
            "",
            "row 2",
            "case-123456789",
            "case-12345678",
        ];
        let mut tickets: Vec<Ticket> = (1..=ids.len()).map(ticket).collect();
        let mut case_ids = CaseIds::default();
        for id in ids {
            case_ids.push(id);
        }
        case_ids.assign(&mut tickets);
        // Sorted by hand: "", "case-12345678", "case-123456789", "row 10", "row 2".
        let got: Vec<u32> = tickets.iter().map(|t| t.case.0).collect();
        assert_eq!(got, [4, 3, 0, 4, 2, 1]);
    }
}
