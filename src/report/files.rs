//! Writing output files safely.
//!
//! Every file goes to a temporary name in the output directory and is
//! renamed into place only when the whole command has succeeded; on any
//! error (or a stop signal) the temporaries are removed and the files
//! already in the directory are left untouched. Four rules keep a run from
//! writing over what is not its own:
//!
//! - only regular files are replaced: a symbolic link, a device, a FIFO, a
//!   socket or a directory where an output would go is refused before
//!   anything is renamed, and left as it is;
//! - temporaries have names no other run can have (`.NAME.procsim-tmp-TOKEN-N`,
//!   TOKEN random per run, each created with `create_new`), so runs in
//!   separate PID namespaces writing into one directory cannot share one;
//! - a run removes only its own temporaries, and those of dead runs: each
//!   run holds an advisory lock (`flock`) on `.procsim-tmp-TOKEN.lock` while
//!   it lives, and the kernel releases it when the process ends however it
//!   ends (SIGKILL included), so a lock that can be taken belongs to a dead run;
//! - commits into one directory are serialised (a lock on the directory), and
//!   with a manifest (`.procsim-manifest`, the files of the last commit and
//!   their sizes) the files an earlier commit wrote and this one does not are
//!   removed, so stale outputs cannot be mistaken for this run's.

pub(crate) use super::tickets::TICKETS_HEADER;
use crate::engine::{CaseRecord, Observer, QueueRecord, StepRecord};
use crate::model::{Model, StepKind};
use crate::tickets::TicketLog;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What every temporary's name contains, before its owner's token.
const TMP_MARK: &str = ".procsim-tmp-";
/// The manifest of the last commit into a directory written with
/// [`OutDir::prepare_with_manifest`]. Not `.json`: `check --baseline DIR`
/// reads every `*.json` file of a directory as a summary.
pub const MANIFEST: &str = ".procsim-manifest";
/// A lock file without temporaries is removed only when older than this:
/// its owner creates it a moment before it locks it (see `sweep_dead_runs`).
const BARE_LOCK_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// An output directory being written.
pub struct OutDir {
    dir: PathBuf,
    scratch: Scratch,
    /// This run's lock file, locked while this value lives.
    lock: Option<(PathBuf, File)>,
    /// Temporaries to rename into place, with their names under `dir`.
    pending: Vec<(PathBuf, String)>,
    /// Whether commits keep a manifest and remove what the last one listed.
    manifest: bool,
}

/// Creates this run's temporaries in one directory; cloned into the
/// replications' observers (part files).
#[derive(Clone)]
pub(crate) struct Scratch {
    dir: PathBuf,
    token: String,
    next: Arc<AtomicU64>,
}

impl Scratch {
    fn new(dir: &Path) -> Self {
        Scratch {
            dir: dir.to_path_buf(),
            token: random_token(),
            next: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Creates a new temporary for `name` (which may contain `/`), exclusively.
    pub(crate) fn create(&self, name: &str) -> io::Result<(PathBuf, File)> {
        let flat = name.replace('/', "_");
        loop {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            let path = self
                .dir
                .join(format!(".{flat}{TMP_MARK}{}-{n}", self.token));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => return Ok((path, f)),
                // Not ours (a name the token cannot make unique would be a
                // bug, but the next number is as good): never open it.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(lock_name(&self.token))
    }

    /// Removes every temporary of this run (not its lock).
    fn remove_all(&self) {
        for (path, owner) in temporaries(&self.dir) {
            if owner == Owner::Temp(self.token.clone()) {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// 128 random bits as hex. The `rand` crate here has no OS source, but
/// std's `RandomState` keys are drawn from the OS; uniqueness does not rest
/// on this (every temporary is created with `create_new`), only the
/// improbability that two runs pick one token.
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let word = |i: u8| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u8(i);
        h.finish()
    };
    format!("{:016x}{:016x}", word(0), word(1))
}

fn lock_name(token: &str) -> String {
    format!("{TMP_MARK}{token}.lock")
}

/// Whose a file in an output directory is, by its name.
#[derive(Debug, PartialEq)]
enum Owner {
    /// A temporary of the run with this token.
    Temp(String),
    /// The lock file of the run with this token.
    Lock(String),
}

fn is_token(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn owner(name: &str) -> Option<Owner> {
    if let Some(token) = name
        .strip_prefix(TMP_MARK)
        .and_then(|s| s.strip_suffix(".lock"))
    {
        return is_token(token).then(|| Owner::Lock(token.to_string()));
    }
    let (head, tail) = name.rsplit_once(TMP_MARK)?;
    let (token, n) = tail.split_once('-')?;
    let ours = head.len() > 1
        && head.starts_with('.')
        && is_token(token)
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit());
    ours.then(|| Owner::Temp(token.to_string()))
}

/// The files of `dir` named as procsim's temporaries or locks.
fn temporaries(dir: &Path) -> Vec<(PathBuf, Owner)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| Some((e.path(), owner(&e.file_name().to_string_lossy())?)))
        .collect()
}

/// Removes the temporaries and lock files of dead runs in `dir` (any
/// token but `own`). A run is dead when its lock file can be locked: the
/// owner locks it before it creates any temporary and holds the lock until
/// it has removed them, and the kernel drops the lock when the process
/// dies. A lock file that is gone while temporaries remain means the owner
/// finished (or a sweeper before us found it dead). A lock file without
/// temporaries may belong to a run that has just created it and not yet
/// locked it, so it is only taken when older than [`BARE_LOCK_AGE`]. Where
/// locks cannot be taken (no `flock`), nothing is removed.
fn sweep_dead_runs(dir: &Path, own: &str) {
    let mut runs: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for (path, owner) in temporaries(dir) {
        match owner {
            Owner::Temp(t) => runs.entry(t).or_default().push(path),
            Owner::Lock(t) => {
                runs.entry(t).or_default();
            }
        }
    }
    for (token, temps) in runs {
        if token == own {
            continue;
        }
        let lock_path = dir.join(lock_name(&token));
        let held = match File::open(&lock_path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound && !temps.is_empty() => None,
            Err(_) => continue,
            Ok(f) => {
                let young = f
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_none_or(|age| age < BARE_LOCK_AGE);
                let alive = !matches!(lock::try_lock(&f), Ok(true));
                if alive || (temps.is_empty() && young) {
                    continue;
                }
                Some(f)
            }
        };
        for t in temps {
            let _ = fs::remove_file(t);
        }
        if held.is_some() {
            let _ = fs::remove_file(&lock_path);
        }
    }
}

/// Refuses to replace `path` unless it is a regular file or absent.
fn check_target(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    if meta.file_type().is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {}, not a regular file; procsim replaces only regular files, so it was left as it is",
            path.display(),
            file_kind(&meta.file_type())
        ),
    ))
}

/// A subdirectory of an output directory (`charts/`): created if absent,
/// and never a symbolic link, which would lead the files elsewhere.
fn check_subdir(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(path),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_dir() => Ok(()),
        Ok(m) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {}, not a directory; procsim writes only into real directories, so it was left as it is",
                path.display(),
                file_kind(&m.file_type())
            ),
        )),
    }
}

fn file_kind(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The manifest of a commit: the files it wrote, with their sizes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// The version of procsim that wrote it.
    procsim: String,
    files: Vec<ManifestFile>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ManifestFile {
    name: String,
    bytes: u64,
}

/// A name a manifest may list: relative, inside the directory.
fn inside(name: &str) -> bool {
    !name.is_empty()
        && name != MANIFEST
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// The files the previous manifest lists that this commit does not write,
/// still as that commit left them (a regular file of the listed size): a
/// file changed since, or put there by anyone else, is not ours to remove.
fn stale_files(dir: &Path, writing: &BTreeMap<String, u64>) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let Ok(previous) = serde_json::from_str::<Manifest>(&text) else {
        return Vec::new();
    };
    previous
        .files
        .into_iter()
        .filter(|f| inside(&f.name) && !writing.contains_key(&f.name))
        .map(|f| (dir.join(&f.name), f.bytes))
        .filter(|(p, bytes)| {
            fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file() && m.len() == *bytes)
        })
        .map(|(p, _)| p)
        .collect()
}

/// Those of `names` that are in `dir` but not as its manifest lists them
/// (a regular file of the listed size, as `stale_files` judges): files of
/// the same names as a command's outputs that no earlier commit wrote, or
/// changed since (a user's own `scenario.yaml`), for a command that should
/// not overwrite them.
pub fn unlisted(dir: &Path, names: &[&str]) -> Vec<String> {
    let listed: Vec<ManifestFile> = fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|text| serde_json::from_str::<Manifest>(&text).ok())
        .map(|m| m.files)
        .unwrap_or_default();
    names
        .iter()
        .filter(|n| {
            fs::symlink_metadata(dir.join(n)).is_ok_and(|m| {
                !(m.file_type().is_file()
                    && listed.iter().any(|l| l.name == **n && l.bytes == m.len()))
            })
        })
        .map(|n| n.to_string())
        .collect()
}

impl OutDir {
    /// Creates the directory if needed and checks that it is writable,
    /// before any simulation starts; removes dead runs' temporaries. Files
    /// of other names are never touched: for a file written beside others
    /// (`check --junit`).
    pub fn prepare(dir: &Path) -> io::Result<OutDir> {
        fs::create_dir_all(dir)?;
        let scratch = Scratch::new(dir);
        // Creating the lock file is the test that the directory is writable.
        let lock_path = scratch.lock_path();
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)?;
        // Without flock (some network file systems) the run goes on, and no
        // other run will take it for dead.
        let _ = lock::try_lock(&file);
        sweep_dead_runs(dir, &scratch.token);
        Ok(OutDir {
            dir: dir.to_path_buf(),
            scratch,
            lock: Some((lock_path, file)),
            pending: Vec::new(),
            manifest: false,
        })
    }

    /// [`OutDir::prepare`] for a directory of one command's outputs
    /// (`--out DIR`): each commit writes the manifest `.procsim-manifest`,
    /// and removes the files the previous manifest listed that it does not
    /// write (an old `events.csv`, a `summary.json` beside a shard's
    /// `partial.json`).
    pub fn prepare_with_manifest(dir: &Path) -> io::Result<OutDir> {
        let mut out = OutDir::prepare(dir)?;
        out.manifest = true;
        Ok(out)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where this run's temporaries are created.
    pub(crate) fn scratch(&self) -> &Scratch {
        &self.scratch
    }

    /// A new temporary file for `name` (relative, may contain `/`),
    /// registered to be renamed into place on [`OutDir::commit`]; refused
    /// when `name` is something other than a regular file.
    pub(crate) fn reserve(&mut self, name: &str) -> io::Result<File> {
        self.check_place(name)?;
        let (tmp, file) = self.scratch.create(name)?;
        self.pending.push((tmp, name.to_string()));
        Ok(file)
    }

    /// Writes a whole file (to its temporary name).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut f = BufWriter::new(self.reserve(name)?);
        f.write_all(bytes)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(())
    }

    /// Renames every file into place, together: no other commit into the
    /// directory runs meanwhile, and every target is checked before the
    /// first rename. Should a rename still fail, the error names the files
    /// already replaced and those still old.
    pub fn commit(mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let _commit = lock::DirLock::acquire(&self.dir)?;
        for (_, name) in &pending {
            self.check_place(name)?;
        }
        let mut writing = BTreeMap::new();
        for (tmp, name) in &pending {
            writing.insert(name.clone(), fs::metadata(tmp)?.len());
        }
        let manifest = match self.manifest {
            true => Some(self.prepare_manifest(&writing)?),
            false => None,
        };
        let stale = match self.manifest {
            true => stale_files(&self.dir, &writing),
            false => Vec::new(),
        };
        // No manifest while the files change: one that is there describes
        // a complete commit.
        if manifest.is_some() {
            match fs::remove_file(self.dir.join(MANIFEST)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        for (i, (tmp, name)) in pending.iter().enumerate() {
            if let Err(e) = fs::rename(tmp, self.dir.join(name)) {
                return Err(half_committed(name, &pending[..i], &pending[i + 1..], e));
            }
        }
        for p in stale {
            let _ = fs::remove_file(p);
        }
        if let Some(tmp) = manifest {
            fs::rename(tmp, self.dir.join(MANIFEST))?;
        }
        // Make the renames durable (a directory's entries are its data);
        // best effort: the files themselves are already on disk.
        #[cfg(unix)]
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Checks that `name` may be written: its subdirectory (if any) a real
    /// directory (created if absent), and it a regular file or absent. The
    /// directory itself may be a symbolic link: the user named it. Done by
    /// [`OutDir::write`] and again before the commit; call it to refuse a
    /// target before the work that produces it (`check --junit FILE`).
    pub fn check_place(&self, name: &str) -> io::Result<()> {
        if let Some(parent) = Path::new(name).parent() {
            if !parent.as_os_str().is_empty() {
                check_subdir(&self.dir.join(parent))?;
            }
        }
        check_target(&self.dir.join(name))
    }

    /// Writes the manifest of `writing` to a temporary.
    fn prepare_manifest(&self, writing: &BTreeMap<String, u64>) -> io::Result<PathBuf> {
        check_target(&self.dir.join(MANIFEST))?;
        let m = Manifest {
            procsim: env!("CARGO_PKG_VERSION").to_string(),
            files: writing
                .iter()
                .map(|(name, &bytes)| ManifestFile {
                    name: name.clone(),
                    bytes,
                })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&m).map_err(io::Error::other)?;
        let (tmp, mut f) = self.scratch.create(MANIFEST)?;
        f.write_all(format!("{text}\n").as_bytes())?;
        f.sync_all()?;
        Ok(tmp)
    }
}

/// The error of a commit whose rename of `failed` failed after `done` were
/// renamed: which outputs are new, which old.
fn half_committed(
    failed: &str,
    done: &[(PathBuf, String)],
    left: &[(PathBuf, String)],
    e: io::Error,
) -> io::Error {
    let names = |v: &[(PathBuf, String)]| match v.len() {
        0 => "none".to_string(),
        _ => v
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut old = vec![(PathBuf::new(), failed.to_string())];
    old.extend_from_slice(left);
    io::Error::new(
        e.kind(),
        format!(
            "renaming {failed} into place: {e}; the outputs are now mixed: new from this run: {}; old (or absent): {}",
            names(done),
            names(&old)
        ),
    )
}

impl Drop for OutDir {
    /// Removes this run's temporaries (uncommitted files, part files), then
    /// its lock file, while still holding the lock.
    fn drop(&mut self) {
        self.scratch.remove_all();
        if let Some((path, file)) = self.lock.take() {
            let _ = fs::remove_file(path);
            drop(file);
        }
    }
}

/// Advisory locks (`flock`): released by the kernel when the process ends.
mod lock {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    /// Takes the exclusive lock on `file` if free: `Ok(true)` taken,
    /// `Ok(false)` held by another open file (a live run).
    #[cfg(unix)]
    pub(super) fn try_lock(file: &File) -> io::Result<bool> {
        use std::os::unix::io::AsRawFd;
        // SAFETY: the descriptor belongs to `file`, open for the whole call.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) => Ok(false),
            _ => Err(e),
        }
    }

    /// Without `flock` no lock is ever free: nothing is taken for dead.
    #[cfg(not(unix))]
    pub(super) fn try_lock(_file: &File) -> io::Result<bool> {
        Ok(false)
    }

    /// The exclusive lock on a directory, held while committing into it.
    pub(super) struct DirLock(#[allow(dead_code)] Option<File>);

    impl DirLock {
        /// Waits for the lock (another run's commit: a few renames).
        #[cfg(unix)]
        pub(super) fn acquire(dir: &Path) -> io::Result<DirLock> {
            use std::os::unix::io::AsRawFd;
            // An unreadable (write-only) directory cannot be locked: commit
            // unserialised, as before.
            let Ok(f) = File::open(dir) else {
                return Ok(DirLock(None));
            };
            loop {
                // SAFETY: the descriptor belongs to `f`, open for the whole call.
                let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
                if r == 0 {
                    return Ok(DirLock(Some(f)));
                }
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    // No flock here: commit unserialised, as before.
                    _ => return Ok(DirLock(None)),
                }
            }
        }

        #[cfg(not(unix))]
        pub(super) fn acquire(_dir: &Path) -> io::Result<DirLock> {
            Ok(DirLock(None))
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
    tickets: Option<(BufWriter<File>, TicketLog)>,
    /// Part files written (cases, events, tickets).
    pub parts: (Option<PathBuf>, Option<PathBuf>, Option<PathBuf>),
    /// First write error, if any.
    pub error: Option<io::Error>,
}

/// Which files a [`CsvObserver`] streams.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Streams {
    /// `cases.csv`.
    pub cases: bool,
    /// `events.csv`.
    pub events: bool,
    /// `tickets.csv`.
    pub tickets: bool,
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
    /// Opens part files (temporaries of `scratch`) for replication `replication`.
    pub fn new(
        model: &'m Model,
        labels: &'m [Vec<String>],
        scratch: &Scratch,
        replication: u32,
        streams: Streams,
    ) -> Self {
        let mut o = CsvObserver {
            model,
            labels,
            replication,
            cases: None,
            events: None,
            tickets: None,
            parts: (None, None, None),
            error: None,
        };
        let open = |name: String| -> io::Result<(PathBuf, BufWriter<File>)> {
            let (p, f) = scratch.create(&name)?;
            Ok((p, BufWriter::with_capacity(1 << 16, f)))
        };
        if streams.cases {
            match open(format!("cases.part{replication}")) {
                Ok((p, w)) => {
                    o.parts.0 = Some(p);
                    o.cases = Some(w);
                }
                Err(e) => o.error = Some(e),
            }
        }
        if streams.events {
            match open(format!("events.part{replication}")) {
                Ok((p, w)) => {
                    o.parts.1 = Some(p);
                    o.events = Some(w);
                }
                Err(e) => o.error = Some(e),
            }
        }
        if streams.tickets {
            match open(format!("tickets.part{replication}")) {
                Ok((p, out)) => {
                    o.parts.2 = Some(p);
                    o.tickets = Some((out, TicketLog::default()));
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
        if let Some((out, log)) = &mut self.tickets {
            super::tickets::write(log, self.model, self.replication, out)?;
            out.flush()?;
        }
        self.cases = None;
        self.events = None;
        self.tickets = None;
        Ok(())
    }
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Observer for CsvObserver<'_> {
    fn wants_steps(&self) -> bool {
        self.events.is_some() || self.tickets.is_some()
    }

    fn case(&mut self, r: &CaseRecord) {
        if let Some(w) = &mut self.cases {
            let res = writeln!(
                w,
                "{},{},{},{:.3},{},{:.3},{:.3},{},{}",
                self.replication,
                r.case,
                csv_field(&self.model.processes[r.process].name),
                r.arrival / 60.0,
                r.visits,
                r.wait / 60.0,
                r.lead_time / 60.0,
                r.outcome.as_str(),
                r.counted
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
                "{rep}-{case},{rep},{case},{},complete,step,{},{},{},{}",
                csv_field(&self.labels[r.route][r.position]),
                csv_field(resource),
                timestamp(start, r.start),
                timestamp(start, r.end),
                csv_field(&self.model.processes[r.process].name),
                rep = self.replication,
                case = r.case,
            );
            if let Err(e) = res {
                self.error.get_or_insert(e);
            }
        }
        if let Some((_, log)) = &mut self.tickets {
            log.step(self.model, r);
        }
    }

    fn queue(&mut self, r: &QueueRecord) {
        let start = self.model.calendar.days().start;
        if let Some(w) = &mut self.events {
            let at = timestamp(start, r.time);
            let res = writeln!(
                w,
                "{rep}-{case},{rep},{case},{},{},{},{},{at},{at},{}",
                csv_field(&self.labels[r.route][r.position]),
                r.event.lifecycle(),
                r.event.as_str(),
                csv_field(&self.model.pools[r.pool].name),
                csv_field(&self.model.processes[r.process].name),
                rep = self.replication,
                case = r.case,
            );
            if let Err(e) = res {
                self.error.get_or_insert(e);
            }
        }
        if let Some((_, log)) = &mut self.tickets {
            log.queue(r);
        }
    }
}

/// Header of `cases.csv` (times in minutes since simulated time 0; every
/// case, `counted` saying whether it arrived after the warm-up).
pub(crate) const CASES_HEADER: &str =
    "replication,case,process,arrival_min,visits,wait_min,lead_time_min,outcome,counted\n";
/// Header of `events.csv`, in PM4Py's column names (`replication` and
/// `case` are the two parts of `case:concept:name`; `event` is `step`,
/// `join`, `renege` or `balk`).
pub(crate) const EVENTS_HEADER: &str = "case:concept:name,replication,case,concept:name,lifecycle:transition,event,org:resource,start_timestamp,time:timestamp,process\n";

/// Appends a part file to an open writer and removes it.
pub(crate) fn append_part(into: &mut BufWriter<File>, part: &Path) -> io::Result<()> {
    let mut f = File::open(part)?;
    io::copy(&mut f, into)?;
    fs::remove_file(part)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_procsim_makes_are_taken_for_its_temporaries() {
        let t = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            owner(&format!(".cases.csv.procsim-tmp-{t}-7")),
            Some(Owner::Temp(t.into()))
        );
        assert_eq!(
            owner(&format!(".procsim-tmp-{t}.lock")),
            Some(Owner::Lock(t.into()))
        );
        for name in [
            "cases.csv",
            ".cases.csv.procsim-tmp-1234", // an older procsim's, by process id
            &format!("cases.csv.procsim-tmp-{t}-7"), // not hidden
            &format!(".cases.csv.procsim-tmp-{t}-"),
            &format!(".cases.csv.procsim-tmp-{t}x-1"),
            &format!(".procsim-tmp-{t}-1"),
            &format!(".procsim-tmp-{t}.lock.bak"),
        ] {
            assert_eq!(owner(name), None, "{name}");
        }
    }

    #[test]
    fn a_manifest_names_only_files_inside_the_directory() {
        assert!(inside("cases.csv") && inside("charts/waits.svg"));
        for name in ["", "../x", "/etc/passwd", "charts/../../x", MANIFEST] {
            assert!(!inside(name), "{name}");
        }
    }
}
