//! Writing output files safely: every file goes to a temporary name in the
//! output directory and is renamed into place only when the whole run has
//! succeeded; on any error (or Ctrl-C) the temporaries are removed and files
//! already in the directory are left untouched.

use crate::engine::{CaseRecord, Observer, StepRecord};
use crate::model::{Model, StepKind};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// An output directory being written.
pub struct OutDir {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
}

fn temp_name(dir: &Path, name: &str) -> PathBuf {
    let flat = name.replace('/', "_");
    dir.join(format!(".{flat}.procsim-tmp-{}", std::process::id()))
}

impl OutDir {
    /// Creates the directory if needed and checks that it is writable,
    /// before any simulation starts.
    pub fn prepare(dir: &Path) -> io::Result<OutDir> {
        fs::create_dir_all(dir)?;
        let probe = temp_name(dir, "probe");
        File::create(&probe)?;
        fs::remove_file(&probe)?;
        Ok(OutDir {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A temporary path for `name` (relative, may contain one `/`), registered
    /// to be renamed into place on [`OutDir::commit`].
    pub(crate) fn reserve(&mut self, name: &str) -> io::Result<PathBuf> {
        let target = self.dir.join(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = temp_name(&self.dir, name);
        self.pending.push((tmp.clone(), target));
        Ok(tmp)
    }

    /// Writes a whole file (to its temporary name).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.reserve(name)?;
        let mut f = BufWriter::new(File::create(&tmp)?);
        f.write_all(bytes)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(())
    }

    /// Renames every file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        for (tmp, target) in pending {
            fs::rename(&tmp, &target)?;
        }
        Ok(())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        for (tmp, _) in &self.pending {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// ISO 8601 timestamp of simulated time `t` (seconds since the calendar's start date).
pub fn timestamp(start: jiff::civil::Date, t: f64) -> String {
    let base = start.to_datetime(jiff::civil::Time::midnight());
    let ms = (t * 1000.0).round() as i64;
    match base.checked_add(jiff::SignedDuration::from_millis(ms)) {
        Ok(dt) => dt.strftime("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        Err(_) => format!("{t}"),
    }
}

/// Streams one replication's cases (and optionally its steps) to part files.
pub(crate) struct CsvObserver<'m> {
    model: &'m Model,
    labels: &'m [Vec<String>],
    replication: u32,
    cases: Option<BufWriter<File>>,
    events: Option<BufWriter<File>>,
    /// Part files written (cases, events).
    pub parts: (Option<PathBuf>, Option<PathBuf>),
    /// First write error, if any.
    pub error: Option<io::Error>,
}

/// Activity labels of every step, by route and position (the step id, or its kind and pool).
pub(crate) fn activity_labels(model: &Model) -> Vec<Vec<String>> {
    model
        .routes
        .iter()
        .map(|r| {
            r.steps
                .iter()
                .map(|s| match (&s.id, &s.kind) {
                    (Some(id), _) => id.clone(),
                    (None, StepKind::Serve { pools, .. }) => {
                        format!("serve {}", model.pools[pools[0]].name)
                    }
                    (None, StepKind::Work { pool, .. }) => {
                        format!("work {}", model.pools[*pool].name)
                    }
                    (None, StepKind::Wait { .. }) => "wait".into(),
                    (None, StepKind::Rework { .. }) => "rework".into(),
                    (None, StepKind::Parallel { .. }) => "parallel".into(),
                    (None, StepKind::Choose { .. }) => "choose".into(),
                })
                .collect()
        })
        .collect()
}

impl<'m> CsvObserver<'m> {
    /// Opens part files in `dir` for replication `replication`.
    pub fn new(
        model: &'m Model,
        labels: &'m [Vec<String>],
        dir: &Path,
        replication: u32,
        cases: bool,
        events: bool,
    ) -> Self {
        let mut o = CsvObserver {
            model,
            labels,
            replication,
            cases: None,
            events: None,
            parts: (None, None),
            error: None,
        };
        let open = |name: String| -> io::Result<(PathBuf, BufWriter<File>)> {
            let p = temp_name(dir, &name);
            Ok((
                p.clone(),
                BufWriter::with_capacity(1 << 16, File::create(&p)?),
            ))
        };
        if cases {
            match open(format!("cases.part{replication}")) {
                Ok((p, w)) => {
                    o.parts.0 = Some(p);
                    o.cases = Some(w);
                }
                Err(e) => o.error = Some(e),
            }
        }
        if events {
            match open(format!("events.part{replication}")) {
                Ok((p, w)) => {
                    o.parts.1 = Some(p);
                    o.events = Some(w);
                }
                Err(e) => o.error = Some(e),
            }
        }
        o
    }

    /// Flushes the part files.
    pub fn close(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some(w) = &mut self.cases {
            w.flush()?;
        }
        if let Some(w) = &mut self.events {
            w.flush()?;
        }
        self.cases = None;
        self.events = None;
        Ok(())
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Observer for CsvObserver<'_> {
    fn wants_steps(&self) -> bool {
        self.events.is_some()
    }

    fn case(&mut self, r: &CaseRecord) {
        if !r.counted {
            return;
        }
        if let Some(w) = &mut self.cases {
            let res = writeln!(
                w,
                "{},{},{},{:.3},{},{:.3},{:.3},{}",
                self.replication,
                r.case,
                csv_field(&self.model.processes[r.process].name),
                r.arrival / 60.0,
                r.visits,
                r.wait / 60.0,
                r.lead_time / 60.0,
                r.outcome.as_str()
            );
            if let Err(e) = res {
                self.error.get_or_insert(e);
            }
        }
    }

    fn step(&mut self, r: &StepRecord) {
        let start = self.model.calendar.days().start;
        if let Some(w) = &mut self.events {
            let resource = r
                .pool
                .map(|p| self.model.pools[p].name.as_str())
                .unwrap_or("");
            let res = writeln!(
                w,
                "{}-{},{},{},{},{},{}",
                self.replication,
                r.case,
                csv_field(&self.labels[r.route][r.position]),
                csv_field(resource),
                timestamp(start, r.start),
                timestamp(start, r.end),
                csv_field(&self.model.processes[r.process].name)
            );
            if let Err(e) = res {
                self.error.get_or_insert(e);
            }
        }
    }
}

/// Header of `cases.csv` (times in minutes since simulated time 0).
pub(crate) const CASES_HEADER: &str =
    "replication,case,process,arrival_min,visits,wait_min,lead_time_min,outcome\n";
/// Header of `events.csv`, in PM4Py's column names.
pub(crate) const EVENTS_HEADER: &str =
    "case:concept:name,concept:name,org:resource,start_timestamp,time:timestamp,process\n";

/// Appends a part file to an open writer and removes it.
pub(crate) fn append_part(into: &mut BufWriter<File>, part: &Path) -> io::Result<()> {
    let mut f = File::open(part)?;
    io::copy(&mut f, into)?;
    fs::remove_file(part)?;
    Ok(())
}
