//! Scale-out: a sharded run or sweep writes a partial result, `merge`
//! combines the partials into the output a single-machine run gives.
//!
//! Replication r's random streams depend only on (seed, r, source), so
//! running replications 0..5 on one machine and 5..10 on another draws the
//! same numbers as running 0..10 on one; merging the per-replication KPI
//! values in replication order then gives a byte-identical `summary.json`,
//! `replications.csv` and `cases.csv`.
//!
//! A sweep is sharded over its (sweep point, replication) pairs rather than
//! its points, so N shards get near-equal work whether the sweep has 3
//! points or 300 (see [`sweep_shares`]). Each shard writes, for every point,
//! a run [`Partial`] of its replications of that point (empty when its share
//! lies elsewhere); merging is then [`merge`] per point.

use crate::engine::area;
use crate::model::{Model, Target};
use crate::simulate::{Run, RunData, RunSettings};
use crate::stats::{ArrivalHour, Quantiles};
use crate::summary::{kpi_keys, KpiValues, Summary};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The file a shard of `run` writes.
pub const PARTIAL_FILE: &str = "partial.json";
/// The file a shard of `sweep` writes.
pub const SWEEP_PARTIAL_FILE: &str = "sweep-partial.json";

/// The part files a run shard may write next to its partial, concatenated
/// by `merge` in shard order.
pub const PART_FILES: [&str; 3] = ["cases.csv", "events.csv", "tickets.csv"];

/// Most shards a merge accepts. Far more than any batch system hands out;
/// the bound keeps a damaged or tampered count from sizing an allocation.
pub const MAX_SHARDS: u32 = 100_000;

/// 64-bit FNV-1a (Fowler, Noll, Vo), fed in pieces: the checksum of part
/// files and the hash behind [`design_fingerprint`]. Not cryptographic: it
/// catches damage and mix-ups, not an adversary who edits the partial too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The hash as 16 hex digits (a string in JSON: a u64 above 2^53 would
    /// lose digits in JavaScript-based readers).
    pub(crate) fn hex(self) -> String {
        format!("{:016x}", self.0)
    }

    pub(crate) fn of(text: &str) -> String {
        let mut h = Fnv::new();
        h.update(text.as_bytes());
        h.hex()
    }
}

/// A fingerprint of what a model simulates: the FNV hash of the validated
/// [`Model`]'s `Debug` text, with the fields that do not change a single
/// draw or event blanked: the file path and description (the same scenario
/// copied elsewhere is the same design), the seed and replication count
/// (recorded and checked on their own, and a `--seed`/`--reps` override
/// does not change the model), and the targets (judged, not simulated; a
/// sweep records them per point). The `Debug` text rather than a
/// hand-written canonical form because it covers every field, including
/// ones added later, without anyone having to remember this function; it is
/// stable within a program version, and partials of different versions are
/// refused before their fingerprints are compared.
pub fn design_fingerprint(model: &Model) -> String {
    let mut m = model.clone();
    m.file = String::new();
    m.description = String::new();
    m.seed = 0;
    m.replications = 0;
    m.targets = Vec::new();
    Fnv::of(&format!("{m:?}"))
}

/// What a part file held when its shard wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartFile {
    /// File name in the part directory (`cases.csv`, `events.csv`).
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Rows below the header.
    pub rows: u64,
    /// FNV-1a of the whole file, 16 hex digits.
    pub fnv1a: String,
}

impl PartFile {
    /// "R rows, B bytes, checksum C", for messages.
    fn describe(&self) -> String {
        format!(
            "{} rows, {} bytes, checksum {}",
            self.rows, self.bytes, self.fnv1a
        )
    }

    /// Reads `dir/name` in pieces (a part file may be large) and records it.
    fn read(dir: &Path, name: &str) -> io::Result<PartFile> {
        let mut f = std::fs::File::open(dir.join(name))?;
        let (mut hash, mut bytes, mut lines) = (Fnv::new(), 0u64, 0u64);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            bytes += n as u64;
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        Ok(PartFile {
            name: name.to_string(),
            bytes,
            rows: lines.saturating_sub(1),
            fnv1a: hash.hex(),
        })
    }
}

/// The units (replications, or a sweep's (point, replication) pairs) that
/// shard `i` of `n` runs: `total*i/n .. total*(i+1)/n`. The shares are
/// contiguous, cover every unit once in order, and differ in size by at
/// most one.
pub fn share(total: u64, (i, n): (u32, u32)) -> Range<u64> {
    // u128: total * i overflows u64 for a large sweep split many ways.
    let bound = |k: u32| (u128::from(total) * u128::from(k) / u128::from(n)) as u64;
    bound(i)..bound(i + 1)
}

/// The replications of each sweep point that a shard runs. The sweep's
/// (point, replication) pairs are numbered point by point (point 0's
/// replications, then point 1's, ...) and split with [`share`]; `replications`
/// holds each point's replication count.
pub fn sweep_shares(replications: &[u32], shard: (u32, u32)) -> Vec<Range<u32>> {
    let total = replications.iter().map(|&r| u64::from(r)).sum();
    let mine = share(total, shard);
    let mut start = 0u64;
    replications
        .iter()
        .map(|&r| {
            let point = start..start + u64::from(r);
            start = point.end;
            let lo = mine.start.clamp(point.start, point.end) - point.start;
            let hi = mine.end.clamp(point.start, point.end) - point.start;
            // Both are at most r, a u32; an empty share is written 0..0.
            if lo < hi {
                lo as u32..hi as u32
            } else {
                0..0
            }
        })
        .collect()
}

/// What one shard of a run writes (`partial.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// Program version (merging across versions is refused).
    pub procsim: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// [`design_fingerprint`] of the model the shard ran.
    pub design: String,
    /// Master seed.
    pub seed: u64,
    /// Replications of the whole run.
    pub replications_total: u32,
    /// This shard's index and the shard count.
    pub shard: (u32, u32),
    /// KPI keys (columns of `values`).
    pub keys: Vec<String>,
    /// Replication numbers of this shard.
    pub replications: Vec<u32>,
    /// KPI values per replication.
    pub values: Vec<KpiValues>,
    /// Pool names (rows of `hourly`).
    pub pools: Vec<String>,
    /// Per pool and hour: the level areas of [`area`] (summed over the shard).
    pub hourly: Vec<Vec<[i64; area::COUNT]>>,
    /// Per pool and hour of joining a `serve` queue: services and waits
    /// (absent from partials of older versions: then empty).
    #[serde(default)]
    pub by_arrival_hour: Vec<Vec<ArrivalHour>>,
    /// Per pool, whether citizens queue there in person (for the charts).
    pub hall: Vec<bool>,
    /// Serve waits in minutes (the shard's histogram, for the charts).
    pub wait: Quantiles,
    /// Lead times in working days (the shard's histogram).
    pub lead_wd: Quantiles,
    /// Completed cases by number of visits (last bin: 20 or more).
    pub visit_counts: Vec<u64>,
    /// The part files next to this partial, as written (see
    /// [`Partial::with_part_files`]); `merge` checks each against its record.
    pub files: Vec<PartFile>,
}

impl Partial {
    /// The partial result of a shard's run.
    pub fn of(run: &Run, shard: (u32, u32)) -> Partial {
        Partial::new(&run.model, &run.settings, &run.data, shard)
    }

    /// The same without the wait and lead-time histograms (a merge of such
    /// partials has empty distributions: enough for summaries and sweeps).
    pub(crate) fn without_distributions(self) -> Partial {
        Partial {
            wait: Quantiles::new(),
            lead_wd: Quantiles::new(),
            by_arrival_hour: Vec::new(),
            ..self
        }
    }

    /// The partial result of running `settings.range()` of a model (`data`
    /// may be empty: a sweep shard that runs none of a point's replications).
    pub fn new(
        model: &Model,
        settings: &RunSettings,
        data: &RunData,
        shard: (u32, u32),
    ) -> Partial {
        Partial {
            procsim: env!("CARGO_PKG_VERSION").to_string(),
            scenario: model.name.clone(),
            file: model.file.clone(),
            design: design_fingerprint(model),
            seed: settings.seed,
            replications_total: settings.replications,
            shard,
            keys: kpi_keys(model),
            replications: data.replications.clone(),
            values: data.values.clone(),
            pools: model.pools.iter().map(|p| p.name.clone()).collect(),
            hourly: data.hourly.iter().map(|h| h.to_vec()).collect(),
            by_arrival_hour: data.by_arrival_hour.iter().map(|h| h.to_vec()).collect(),
            hall: model.hall_pools(),
            wait: data.wait.clone(),
            lead_wd: data.lead_wd.clone(),
            visit_counts: data.visit_counts.to_vec(),
            files: Vec::new(),
        }
    }

    /// Records the part files ([`PART_FILES`]) the shard wrote into `dir`,
    /// so that `merge` can tell a missing, truncated, duplicated or altered
    /// one. Call it once they are complete, and write the partial after them:
    /// a `partial.json` then vouches for every file beside it.
    pub fn with_part_files(self, dir: &Path) -> io::Result<Partial> {
        let mut files = Vec::new();
        for name in PART_FILES {
            if dir.join(name).is_file() {
                files.push(PartFile::read(dir, name)?);
            }
        }
        Ok(Partial { files, ..self })
    }
}

/// What one shard of a sweep writes (`sweep-partial.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepPartial {
    /// Program version (merging across versions is refused).
    pub procsim: String,
    /// Scenario name (of the first point: the sweep's title).
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// The swept key.
    pub key: String,
    /// Its values, in the order given.
    pub values: Vec<String>,
    /// KPI keys the sweep tabulates.
    pub kpis: Vec<String>,
    /// This shard's index and the shard count.
    pub shard: (u32, u32),
    /// Per value, in the same order.
    pub points: Vec<PointShare>,
}

/// A sweep shard's share of one point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointShare {
    /// The point's targets (a `--set` may change them), to judge the merged summary.
    pub targets: Vec<Target>,
    /// This shard's replications of the point; empty when its share lies
    /// elsewhere, but with the point's seed and replication count either way.
    pub part: Partial,
    /// Why the design is overloaded at this value, when this shard's share
    /// found it so (the merged point is then overloaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overloaded: Option<String>,
}

/// A part directory's content.
pub enum Part {
    /// Written by `run --shard`.
    Run(Box<Partial>),
    /// Written by `sweep --shard`.
    Sweep(SweepPartial),
}

/// One point of a merged sweep.
pub struct MergedPoint {
    /// The value as written.
    pub value: String,
    /// The point's targets.
    pub targets: Vec<Target>,
    /// Summary over all the point's replications, or why the design is
    /// overloaded at this value (a shard found it so).
    pub summary: Result<Summary, String>,
}

/// A merged sweep: what `sweep` needs to tabulate and write it.
pub struct MergedSweep {
    /// Scenario name.
    pub scenario: String,
    /// The swept key.
    pub key: String,
    /// KPI keys tabulated.
    pub kpis: Vec<String>,
    /// Points in the order given.
    pub points: Vec<MergedPoint>,
}

/// The merged result.
pub struct Merged {
    /// Summary over all replications.
    pub summary: Summary,
    /// The merged distributions and hourly areas, as a single run keeps them.
    pub data: RunData,
    /// Pool names.
    pub pools: Vec<String>,
    /// Per pool, whether citizens queue there in person.
    pub hall: Vec<bool>,
    /// KPI keys (the columns of `data.values`).
    pub keys: Vec<String>,
    /// The part files to concatenate ([`PART_FILES`] the shards recorded).
    pub files: Vec<String>,
    /// The part directories in shard order (empty from [`merge`]).
    pub part_dirs: Vec<PathBuf>,
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|source| MergeError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    // The version first: another version's partial may not parse as this one's.
    #[derive(Deserialize)]
    struct Version {
        procsim: String,
    }
    if let Ok(v) = serde_json::from_str::<Version>(&text) {
        if v.procsim != env!("CARGO_PKG_VERSION") {
            return Err(MergeError::OtherVersion {
                part: path.display().to_string(),
                found: v.procsim,
            });
        }
    }
    serde_json::from_str(&text).map_err(|source| MergeError::NotAPartial {
        path: path.to_path_buf(),
        source,
    })
}

fn check_version(shard: u32, procsim: &str) -> Result<(), MergeError> {
    if procsim != env!("CARGO_PKG_VERSION") {
        return Err(MergeError::OtherVersion {
            part: format!("part {shard}"),
            found: procsim.to_string(),
        });
    }
    Ok(())
}

/// Each shard 0..n once (`shards` sorted); `what` is "run" or "sweep".
/// `n` is bounded by the caller; nothing here is sized by it.
fn check_complete(shards: &[u32], n: u32, what: &'static str) -> Result<(), MergeError> {
    let complete = shards.len() as u64 == u64::from(n)
        && shards
            .iter()
            .enumerate()
            .all(|(i, &s)| i as u64 == u64::from(s));
    if !complete {
        let shown: Vec<u32> = shards.iter().copied().take(20).collect();
        let more = if shards.len() > 20 { " ..." } else { "" };
        let needed = if n <= 20 {
            format!("{:?}", (0..n).collect::<Vec<u32>>())
        } else {
            format!("0..{n}")
        };
        return Err(MergeError::Incomplete {
            given: format!("{shown:?}{more}"),
            needed,
            what,
        });
    }
    Ok(())
}

/// A shard (i, n) that can be part of a merge: i < n <= [`MAX_SHARDS`].
fn check_shard((i, n): (u32, u32), label: &str) -> Result<(), MergeError> {
    if n == 0 || n > MAX_SHARDS || i >= n {
        return Err(MergeError::Damaged {
            part: label.to_string(),
            what: format!(
                "shard {i}/{n} is impossible (the shard count must be 1..={MAX_SHARDS} and the index below it)"
            ),
        });
    }
    Ok(())
}

/// The lengths inside one partial agree with each other and with its
/// shard's share of the replications. Checked before any of them sizes an
/// allocation: a partial is untrusted input.
fn check_shape(p: &Partial, label: &str) -> Result<(), MergeError> {
    check_shard(p.shard, label)?;
    let damaged = |what: String| {
        Err(MergeError::Damaged {
            part: label.to_string(),
            what,
        })
    };
    // A shard's replications are consecutive (a run's share, or a sweep
    // point's part of a sweep's share); that the shards together cover
    // them all is checked in `merge_parts`.
    let consecutive = p
        .replications
        .windows(2)
        .all(|w| w[0].checked_add(1) == Some(w[1]));
    if !consecutive
        || p.replications
            .last()
            .is_some_and(|&r| r >= p.replications_total)
    {
        return damaged(format!(
            "replications {:?} are not a consecutive share of {}",
            p.replications.iter().take(20).collect::<Vec<_>>(),
            p.replications_total
        ));
    }
    if p.values.len() != p.replications.len() {
        return damaged(format!(
            "{} replications but {} rows of values",
            p.replications.len(),
            p.values.len()
        ));
    }
    if let Some(row) = p.values.iter().find(|v| v.len() != p.keys.len()) {
        return damaged(format!(
            "a row of {} values for {} KPI keys",
            row.len(),
            p.keys.len()
        ));
    }
    if p.hourly.len() != p.pools.len() || p.hall.len() != p.pools.len() {
        return damaged(format!(
            "{} pools but {} hourly profiles and {} hall flags",
            p.pools.len(),
            p.hourly.len(),
            p.hall.len()
        ));
    }
    if p.hourly.iter().any(|h| h.len() != 24) {
        return damaged("an hourly profile without 24 hours".into());
    }
    if p.visit_counts.len() != RunData::new(0).visit_counts.len() {
        return damaged(format!("{} visit-count bins", p.visit_counts.len()));
    }
    Ok(())
}

/// Checks each part file a partial recorded against the file in `dir`.
fn check_part_files((i, n): (u32, u32), files: &[PartFile], dir: &Path) -> Result<(), MergeError> {
    for rec in files {
        let path = dir.join(&rec.name);
        let shard = format!("shard {i}/{n}");
        let found =
            PartFile::read(dir, &rec.name).map_err(|source| MergeError::PartFileMissing {
                path: path.clone(),
                shard: shard.clone(),
                rows: rec.rows,
                source,
            })?;
        if found != *rec {
            let how = if found.bytes < rec.bytes {
                "is truncated"
            } else if found.bytes > rec.bytes {
                "has more than its shard wrote (duplicated or appended rows?)"
            } else {
                "was altered"
            };
            return Err(MergeError::PartFileChanged {
                path,
                how,
                found: found.describe(),
                shard,
                recorded: rec.describe(),
            });
        }
    }
    Ok(())
}

/// Merges partials (any order) into one result; checks they belong
/// together. Each comes with a label for messages (its directory).
fn merge_parts(mut parts: Vec<(Partial, String)>) -> Result<Merged, MergeError> {
    if parts.is_empty() {
        return Err(MergeError::NoParts);
    }
    for (p, label) in &parts {
        check_version(p.shard.0, &p.procsim)?;
        check_shape(p, label)?;
    }
    parts.sort_by_key(|p| p.0.shard.0);
    let (first, first_label) = &parts[0];
    let file_names =
        |p: &Partial| -> Vec<String> { p.files.iter().map(|f| f.name.clone()).collect() };
    for (p, label) in &parts {
        let differ: Vec<&str> = [
            ("scenario names", p.scenario != first.scenario),
            ("designs (the scenarios differ)", p.design != first.design),
            ("seeds", p.seed != first.seed),
            ("KPI keys", p.keys != first.keys),
            (
                "replication counts",
                p.replications_total != first.replications_total,
            ),
            ("shard counts", p.shard.1 != first.shard.1),
            ("part files", file_names(p) != file_names(first)),
        ]
        .into_iter()
        .filter_map(|(what, differs)| differs.then_some(what))
        .collect();
        if !differ.is_empty() {
            return Err(MergeError::RunPartsDiffer {
                part: format!(
                    "{label} (shard {} of `{}`, {})",
                    p.shard.0, p.scenario, p.file
                ),
                first: format!(
                    "{first_label} (shard {} of `{}`, {})",
                    first.shard.0, first.scenario, first.file
                ),
                differ: differ.join(", "),
            });
        }
    }
    let shards: Vec<u32> = parts.iter().map(|p| p.0.shard.0).collect();
    check_complete(&shards, first.shard.1, "run")?;
    let parts: Vec<Partial> = parts.into_iter().map(|p| p.0).collect();
    let first = &parts[0];
    let all = parts.iter().flat_map(|p| p.replications.iter().copied());
    if !all.eq(0..first.replications_total) {
        return Err(MergeError::ReplicationsMissing {
            total: first.replications_total,
        });
    }
    let mut replications = Vec::new();
    let mut values = Vec::new();
    let mut hourly = vec![vec![[0i64; area::COUNT]; 24]; first.pools.len()];
    let mut data = RunData::new(first.pools.len());
    for p in &parts {
        replications.extend(p.replications.iter().copied());
        values.extend(p.values.iter().cloned());
        data.wait.merge(&p.wait);
        data.lead_wd.merge(&p.lead_wd);
        // Saturating: a damaged count must not overflow (and abort).
        for (a, b) in data.visit_counts.iter_mut().zip(&p.visit_counts) {
            *a = a.saturating_add(*b);
        }
        for (acc, h) in data.by_arrival_hour.iter_mut().zip(&p.by_arrival_hour) {
            for (a, b) in acc.iter_mut().zip(h) {
                a.merge(b);
            }
        }
        for (acc, h) in hourly.iter_mut().zip(&p.hourly) {
            for (a, b) in acc.iter_mut().zip(h) {
                for (x, y) in a.iter_mut().zip(b) {
                    *x = x.saturating_add(*y);
                }
            }
        }
    }
    let summary = Summary::from_values(
        &first.scenario,
        &first.file,
        first.seed,
        &first.keys,
        &values,
    );
    let hourly_arrays: Vec<[[i64; area::COUNT]; 24]> = hourly
        .iter()
        .map(|h| std::array::from_fn(|i| h[i]))
        .collect();
    data.hourly = hourly_arrays;
    data.replications = replications;
    data.values = values;
    Ok(Merged {
        summary,
        data,
        pools: first.pools.clone(),
        hall: first.hall.clone(),
        keys: first.keys.clone(),
        files: first.files.iter().map(|f| f.name.clone()).collect(),
        part_dirs: Vec::new(),
    })
}

/// Merges the partials of a sharded sweep (any order): checks they belong
/// together, then [`merge`]s each point's shares.
fn merge_sweep_parts(mut parts: Vec<SweepPartial>) -> Result<MergedSweep, MergeError> {
    if parts.is_empty() {
        return Err(MergeError::NoParts);
    }
    parts.sort_by_key(|p| p.shard.0);
    let first = &parts[0];
    // Per value: seed, replications, targets.
    let per_value = |p: &SweepPartial| -> (Vec<u64>, Vec<u32>, Vec<Vec<Target>>) {
        (
            p.points.iter().map(|x| x.part.seed).collect(),
            p.points.iter().map(|x| x.part.replications_total).collect(),
            p.points.iter().map(|x| x.targets.clone()).collect(),
        )
    };
    let (seeds, replications, targets) = per_value(first);
    for p in &parts {
        check_version(p.shard.0, &p.procsim)?;
        check_shard(p.shard, &format!("sweep part {}", p.shard.0))?;
        if p.points.len() != p.values.len() {
            return Err(MergeError::Damaged {
                part: format!("sweep part {}", p.shard.0),
                what: format!("{} values but {} points", p.values.len(), p.points.len()),
            });
        }
        // Per-value fields are compared only for the same values (otherwise
        // "values" already says it).
        let same_values = p.values == first.values;
        let (s, r, t) = per_value(p);
        let differ: Vec<&str> = [
            ("scenario names", p.scenario != first.scenario),
            ("scenario files", p.file != first.file),
            ("swept keys", p.key != first.key),
            ("values", !same_values),
            ("KPIs", p.kpis != first.kpis),
            ("seeds", same_values && s != seeds),
            ("replications", same_values && r != replications),
            ("targets", same_values && t != targets),
            ("shard counts", p.shard.1 != first.shard.1),
        ]
        .into_iter()
        .filter_map(|(what, differs)| differs.then_some(what))
        .collect();
        if !differ.is_empty() {
            return Err(MergeError::SweepPartsDiffer {
                part: format!("sweep part {} of `{}`", p.shard.0, p.scenario),
                first: format!("part {} of `{}`", first.shard.0, first.scenario),
                differ: differ.join(", "),
            });
        }
    }
    let shards: Vec<u32> = parts.iter().map(|p| p.shard.0).collect();
    check_complete(&shards, first.shard.1, "sweep")?;
    let (scenario, key, kpis, values) = (
        first.scenario.clone(),
        first.key.clone(),
        first.kpis.clone(),
        first.values.clone(),
    );
    // Turn shard-major into point-major: each point's shares in shard order.
    let mut shares: Vec<Vec<(Partial, String)>> = vec![Vec::new(); values.len()];
    let mut overloaded: Vec<Option<String>> = vec![None; values.len()];
    for p in parts {
        for ((column, why), point) in shares.iter_mut().zip(&mut overloaded).zip(p.points) {
            column.push((point.part, format!("sweep part {}", p.shard.0)));
            if why.is_none() {
                *why = point.overloaded;
            }
        }
    }
    let mut points = Vec::new();
    for (((value, targets), column), why) in
        values.into_iter().zip(targets).zip(shares).zip(overloaded)
    {
        let summary = match why {
            Some(why) => Err(why),
            None => Ok(merge_parts(column)
                .map_err(|e| MergeError::SweepPoint {
                    point: format!("{key}={value}"),
                    source: Box::new(e),
                })?
                .summary),
        };
        points.push(MergedPoint {
            value,
            targets,
            summary,
        });
    }
    Ok(MergedSweep {
        scenario,
        key,
        kpis,
        points,
    })
}

/// Parts that cannot be read or do not belong together (what is wrong, and what to do).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// A partial result file cannot be read.
    #[error("{}: {source} (is this a directory written by `run --shard I/N --out DIR` or `sweep --shard I/N --out DIR`?)", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A partial result file is not JSON of this version's shape.
    #[error("{}: not a procsim partial result: {source}", path.display())]
    NotAPartial {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A part was written by another version of procsim.
    #[error("{part}: written by procsim {found}, this is {}; run every shard with the same version", env!("CARGO_PKG_VERSION"))]
    OtherVersion {
        /// The part (file or shard).
        part: String,
        /// The version that wrote it.
        found: String,
    },
    /// A directory holds the partials of both a run and a sweep.
    #[error("{}: holds both {PARTIAL_FILE} (a shard of `run`) and {SWEEP_PARTIAL_FILE} (a shard of `sweep`); give each shard its own --out directory", dir.display())]
    BothKinds {
        /// The directory.
        dir: PathBuf,
    },
    /// Nothing to merge.
    #[error("no parts to merge")]
    NoParts,
    /// A part's contents contradict each other.
    #[error("{part}: {what}; the file is damaged")]
    Damaged {
        /// The part.
        part: String,
        /// What contradicts what.
        what: String,
    },
    /// Shards missing or given twice.
    #[error("shards {given} given; a complete {what} needs each of {needed} once")]
    Incomplete {
        /// The shard indices given.
        given: String,
        /// The shard indices needed.
        needed: String,
        /// "run" or "sweep".
        what: &'static str,
    },
    /// The shards' replications do not make up the whole run.
    #[error("the shards' replications do not make up 0..{total}: a part file is damaged")]
    ReplicationsMissing {
        /// Replications the run has.
        total: u32,
    },
    /// Parts of different runs.
    #[error(
        "{part} does not belong with {first}: their {differ} differ; merge the shards of one run"
    )]
    RunPartsDiffer {
        /// The part that differs.
        part: String,
        /// The first part.
        first: String,
        /// What differs.
        differ: String,
    },
    /// Parts of different sweeps.
    #[error("{part} does not belong with {first}: their {differ} differ")]
    SweepPartsDiffer {
        /// The part that differs.
        part: String,
        /// The first part.
        first: String,
        /// What differs.
        differ: String,
    },
    /// A sweep point's shares do not merge.
    #[error("sweep point {point}: {source}")]
    SweepPoint {
        /// `key=value`.
        point: String,
        /// Why.
        source: Box<MergeError>,
    },
    /// A file a shard recorded is missing or unreadable.
    #[error("{}: {source}; {shard} recorded it ({rows} rows); copy the shard's directory whole, or run the shard again", path.display())]
    PartFileMissing {
        /// The file.
        path: PathBuf,
        /// `shard i/n`.
        shard: String,
        /// Rows the shard recorded.
        rows: u64,
        /// Why.
        source: io::Error,
    },
    /// A file a shard recorded is not what it wrote.
    #[error("{}: {how}: {found}; {shard} wrote {recorded}; copy the shard's directory whole, or run the shard again", path.display())]
    PartFileChanged {
        /// The file.
        path: PathBuf,
        /// Truncated, longer, or altered.
        how: &'static str,
        /// Rows, bytes and checksum found.
        found: String,
        /// `shard i/n`.
        shard: String,
        /// Rows, bytes and checksum recorded.
        recorded: String,
    },
}

/// Reads a part directory: a run shard's `partial.json` or a sweep shard's
/// `sweep-partial.json`.
pub fn read_part(dir: &Path) -> Result<Part, MergeError> {
    let run = dir.join(PARTIAL_FILE);
    let sweep = dir.join(SWEEP_PARTIAL_FILE);
    match (run.is_file(), sweep.is_file()) {
        (true, true) => Err(MergeError::BothKinds {
            dir: dir.to_path_buf(),
        }),
        (false, true) => read_json(&sweep).map(Part::Sweep),
        _ => read_json(&run).map(|p| Part::Run(Box::new(p))),
    }
}

/// Merges the partials of a sharded run (any order) into one result;
/// checks that they belong together and that every shard is there once.
pub fn merge(parts: Vec<Partial>) -> Result<Merged, MergeError> {
    let labelled = parts
        .into_iter()
        .map(|p| {
            let label = format!("part {}", p.shard.0);
            (p, label)
        })
        .collect();
    merge_parts(labelled)
}

/// [`merge`] of the partials read from part directories, which also checks
/// every part file beside each partial against what its shard recorded (a
/// missing, truncated, duplicated or altered `cases.csv` is refused, named).
pub fn merge_dirs(parts: Vec<(Partial, PathBuf)>) -> Result<Merged, MergeError> {
    // What each shard recorded, in shard order, to check once the partials
    // are known to belong together.
    let mut records: Vec<((u32, u32), Vec<PartFile>, PathBuf)> = parts
        .iter()
        .map(|(p, d)| (p.shard, p.files.clone(), d.clone()))
        .collect();
    records.sort_by_key(|r| r.0 .0);
    let labelled = parts
        .into_iter()
        .map(|(p, d)| (p, d.display().to_string()))
        .collect();
    let mut merged = merge_parts(labelled)?;
    for (shard, files, dir) in &records {
        check_part_files(*shard, files, dir)?;
    }
    merged.part_dirs = records.into_iter().map(|r| r.2).collect();
    Ok(merged)
}

/// Merges the partials of a sharded sweep (any order) into per-point summaries.
pub fn merge_sweep(parts: Vec<SweepPartial>) -> Result<MergedSweep, MergeError> {
    merge_sweep_parts(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_unit_once_and_differ_by_at_most_one() {
        for total in [0u64, 1, 7, 10, 11, 1000] {
            for n in 1..=9 {
                let shares: Vec<Range<u64>> = (0..n).map(|i| share(total, (i, n))).collect();
                let all: Vec<u64> = shares.iter().flat_map(|r| r.clone()).collect();
                assert_eq!(all, (0..total).collect::<Vec<_>>());
                let sizes: Vec<u64> = shares.iter().map(|r| r.end - r.start).collect();
                let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
                assert!(hi.unwrap() - lo.unwrap() <= 1, "{total}/{n}: {sizes:?}");
            }
        }
    }

    #[test]
    fn a_sweep_is_split_over_its_point_replication_pairs() {
        // 3 points of 5 replications, 4 shards: 15 pairs, shares of 3, 4, 4, 4.
        let reps = [5, 5, 5];
        let got: Vec<Vec<Range<u32>>> = (0..4).map(|i| sweep_shares(&reps, (i, 4))).collect();
        assert_eq!(got[0], vec![0..3, 0..0, 0..0]);
        assert_eq!(got[1], vec![3..5, 0..2, 0..0]);
        assert_eq!(got[2], vec![0..0, 2..5, 0..1]);
        assert_eq!(got[3], vec![0..0, 0..0, 1..5]);
        // Points of different sizes (a sweep of `replications`).
        let reps = [2, 9, 1];
        for n in 1..=13 {
            let mut per_point = vec![Vec::new(); 3];
            for i in 0..n {
                for (p, r) in sweep_shares(&reps, (i, n)).into_iter().enumerate() {
                    per_point[p].extend(r);
                }
            }
            for (p, got) in per_point.iter().enumerate() {
                assert_eq!(got, &(0..reps[p]).collect::<Vec<_>>(), "{n} shards");
            }
        }
    }
}
