//! The command line: clap commands -> library calls. The only module that
//! prints or decides exit codes (0 done, 1 check failed, 2 bad input,
//! 3 could not finish, 130 interrupted).

use crate::engine::{EngineError, Limits};
use crate::model::Model;
use crate::report::{self, files::OutDir};
use crate::simulate::{self, Run, RunSettings};
use crate::{scenario, summary::Summary};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by Ctrl-C; the engine polls it.
static STOP: AtomicBool = AtomicBool::new(false);

const ABOUT: &str = "Discrete-event simulator for service processes: citizens arrive, queue at windows, \
hand in materials, and their cases go through back-office approval. Describe a design in a YAML scenario, \
simulate many replications, compare designs with paired confidence intervals.";

const AFTER_HELP: &str = "\
Examples:
  procsim validate scenarios/**/*.yaml              check files without simulating
  procsim run scenarios/textbook/mmc.yaml           KPI table of one design
  procsim run s.yaml --out out/ --events            files: summary.json, replications.csv, cases.csv, events.csv
  procsim compare before.yaml after.yaml --out report/   paired comparison, report/report.html
  procsim check scenarios/changsha/*.yaml           CI: exit 1 when a target is missed
  procsim sweep s.yaml --set pools.hall.servers=8..14    capacity planning
  procsim schema > scenario.schema.json             JSON Schema for editors

Exit codes: 0 done (check: all targets held), 1 check failed, 2 bad input or usage,
3 could not finish (overloaded design), 130 interrupted.
Scenario format: see the README and spec/scenario-format.md.";

/// procsim command line.
#[derive(Parser, Debug)]
#[command(name = "procsim", version, about = ABOUT, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads for replications (default: all cores). Output is identical for any value.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar or progress lines on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
}

/// Run-time overrides shared by commands that simulate.
#[derive(Args, Debug, Clone, Default)]
struct Overrides {
    /// Replications (overrides the file's `replications`).
    #[arg(long, value_name = "N")]
    reps: Option<u32>,
    /// Master seed (overrides the file's `seed`).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Refuse a scenario expected to generate more cases than this per replication.
    #[arg(long, value_name = "N", default_value_t = 20_000_000)]
    max_cases: u64,
    /// Stop with exit 3 when a pool's queue grows past this many waiting cases.
    #[arg(long, value_name = "N", default_value_t = 250_000)]
    max_queue: usize,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate one scenario and print its KPI table.
    #[command(
        after_help = "Example:\n  procsim run scenarios/textbook/mmc.yaml --reps 20 --out out/\n\nWith --out DIR: summary.json, replications.csv, hourly.csv, cases.csv, charts/ (waits, queue by hour, utilization, lead times, visits; SVG and PNG), and events.csv with --events (PM4Py's column names)."
    )]
    Run {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Write summary.json, replications.csv, hourly.csv, cases.csv and charts/ here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the summary JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Also write events.csv (one row per step, for process-mining tools).
        #[arg(long)]
        events: bool,
        /// Print events, cases, wall time and their rates to stderr.
        #[arg(long)]
        timing: bool,
        /// Run only shard I of N (I from 0, or `auto/N` from the batch system's array index).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Compare a baseline with one or more designs (same seeds: paired).
    #[command(
        after_help = "Example:\n  procsim compare scenarios/changsha/s0-before.yaml scenarios/changsha/s3-after.yaml --out report/\n\nEach design's replication i sees the same citizens as the baseline's replication i, so differences are paired."
    )]
    Compare {
        /// The baseline scenario.
        baseline: PathBuf,
        /// Designs to compare with it.
        #[arg(required = true)]
        designs: Vec<PathBuf>,
        /// Write report.html, comparison.json, comparison.csv and charts/ here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the comparison JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Print a Markdown table of these KPIs instead (repeatable; default: the main scenario KPIs).
        #[arg(long, value_name = "KPI", num_args = 0.., default_missing_value = "")]
        markdown: Option<Vec<String>>,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Run scenarios and test their targets (and a baseline); exit 1 on a miss.
    #[command(
        after_help = "Example:\n  procsim check scenarios/changsha/*.yaml --baseline baselines/ --junit junit.xml\n\nA target holds when the KPI's mean over the replications is within its bounds."
    )]
    Check {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// A summary.json from an earlier `run --out`, or a directory of them (matched by scenario name).
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Worsening (percent of the baseline mean) tolerated before a significant regression fails.
        #[arg(long, value_name = "PCT", default_value_t = 0.0)]
        tolerance: f64,
        /// Worsening in the KPI's own unit tolerated as well (a regression must exceed both); helps where a baseline mean is 0.
        #[arg(long, value_name = "X", default_value_t = 0.0)]
        tolerance_abs: f64,
        /// Write JUnit XML here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Print results as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Parse and check scenario files without simulating.
    #[command(
        after_help = "Example:\n  procsim validate scenarios/*.yaml\n\nPrints `ok: FILE` per good file and every problem of a bad one (file:line:column: key path: message)."
    )]
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a scenario for each value of one parameter.
    #[command(
        after_help = "Examples:\n  procsim sweep scenarios/textbook/mmc.yaml --set pools.window.servers=10..14 --out sweep/\n  procsim sweep s.yaml --set pools.w.servers=8..14 --shard 3/8 --out part3/   one of 8 shares\n  procsim merge part*/ --out sweep/        the 8 shares: the files and table of the whole sweep\n\nKeys: pools.NAME.servers, replications, seed, arrivals.N.daily. Values: a,b,c or a range a..b."
    )]
    Sweep {
        /// Scenario file.
        scenario: PathBuf,
        /// KEY=V1,V2,... or KEY=A..B
        #[arg(long, value_name = "KEY=VALUES")]
        set: String,
        /// KPIs to tabulate and chart (default: wait_min, wait_p90_min, on_time_rate, and the targets' KPIs).
        #[arg(long, value_name = "KPI")]
        kpi: Vec<String>,
        /// Write sweep.csv, sweep.json and charts here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Run only shard I of N (I from 0, or `auto/N` from the batch system's array index) and
        /// write sweep-partial.json to --out for `procsim merge`. The sweep's (value, replication)
        /// pairs are numbered value by value and shard I takes pairs TOTAL*I/N up to
        /// TOTAL*(I+1)/N, so shares are equal within one pair however many values there are.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Print the JSON Schema of the scenario format (for editors).
    #[command(
        after_help = "Example:\n  procsim schema > scenario.schema.json\n  # then first line of a scenario: # yaml-language-server: $schema=./scenario.schema.json"
    )]
    Schema,
    /// Combine the partial results of a sharded run or sweep.
    #[command(
        after_help = "Example:\n  procsim merge part-*/ --out merged/\n\nThe output (files, table, --json) is what the run or sweep gives on one machine."
    )]
    Merge {
        /// Directories written by `run --shard I/N --out DIR` or `sweep --shard I/N --out DIR`.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Write the merged output here.
        #[arg(long, value_name = "DIR", required = true)]
        out: PathBuf,
        /// Print the merged summary (or sweep) JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// An error the CLI reports: message and exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Text for stderr.
    pub message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Interrupted => Failure {
                code: 130,
                message: "interrupted; no output was written".into(),
            },
            other => Failure {
                code: 3,
                message: format!("error: {other}"),
            },
        }
    }
}

impl From<scenario::ScenarioErrors> for Failure {
    fn from(e: scenario::ScenarioErrors) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

/// Prints to stdout; a closed pipe (e.g. `| head`) ends the program quietly.
/// Prints to stdout (see `emit`).
pub fn print(text: &str) {
    emit(text)
}

fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// Entry point: returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if e.use_stderr() {
                let _ = e.print();
            } else {
                emit(&e.render().to_string());
            }
            return code;
        }
    };
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    match dispatch(cli) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("{}", f.message);
            f.code
        }
    }
}

fn dispatch(cli: Cli) -> Result<i32, Failure> {
    let ctx = Context {
        threads: cli.threads.unwrap_or(0),
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Validate { scenarios } => Ok(validate(&scenarios)),
        Command::Schema => {
            let text =
                serde_json::to_string_pretty(&crate::schema::scenario_schema()).unwrap_or_default();
            emit(&format!("{text}\n"));
            Ok(0)
        }
        Command::Run {
            scenario,
            out,
            json,
            events,
            timing,
            shard,
            overrides,
        } => run(
            &ctx,
            &scenario,
            out.as_deref(),
            json,
            events,
            shard.as_deref(),
            &overrides,
            timing,
        ),
        Command::Check {
            scenarios,
            baseline,
            tolerance,
            tolerance_abs,
            junit,
            json,
            overrides,
        } => crate::check::cli_check(
            &ctx,
            &scenarios,
            baseline.as_deref(),
            crate::check::Tolerance {
                pct: tolerance,
                abs: tolerance_abs,
            },
            junit.as_deref(),
            json,
            &overrides_settings(&overrides),
        ),
        Command::Compare {
            baseline,
            designs,
            out,
            json,
            markdown,
            overrides,
        } => crate::compare::cli_compare(
            &ctx,
            &baseline,
            &designs,
            out.as_deref(),
            json,
            markdown.as_deref(),
            &overrides_settings(&overrides),
        ),
        Command::Sweep {
            scenario,
            set,
            kpi,
            out,
            json,
            shard,
            overrides,
        } => crate::sweep::cli_sweep(
            &ctx,
            &scenario,
            &set,
            &kpi,
            out.as_deref(),
            json,
            shard.as_deref(),
            &overrides_settings(&overrides),
        ),
        Command::Merge { parts, out, json } => merge(&parts, &out, json),
    }
}

/// Settings every simulating command shares.
pub struct Context {
    /// Worker threads (0 = all).
    pub threads: usize,
    /// No progress output.
    pub quiet: bool,
}

/// Overrides as plain values (for library-side commands).
#[derive(Debug, Clone)]
pub struct OverrideSettings {
    /// Replications override.
    pub reps: Option<u32>,
    /// Seed override.
    pub seed: Option<u64>,
    /// Case-count guard.
    pub max_cases: u64,
    /// Queue guard.
    pub max_queue: usize,
}

fn overrides_settings(o: &Overrides) -> OverrideSettings {
    OverrideSettings {
        reps: o.reps,
        seed: o.seed,
        max_cases: o.max_cases,
        max_queue: o.max_queue,
    }
}

fn validate(files: &[PathBuf]) -> i32 {
    let mut code = 0;
    for f in files {
        match scenario::load(f) {
            Ok(_) => emit(&format!("ok: {}\n", f.display())),
            Err(e) => {
                eprintln!("{e}");
                code = 2;
            }
        }
    }
    code
}

/// Loads a scenario and applies overrides and guards; exit 2 on bad input.
pub fn load_model(path: &Path, o: &OverrideSettings) -> Result<(Model, RunSettings), Failure> {
    let model = scenario::load(path)?;
    let settings = settings_for(&model, o)?;
    Ok((model, settings))
}

/// Applies overrides and the up-front guards (case count, overload warning) to a loaded model.
pub fn settings_for(model: &Model, o: &OverrideSettings) -> Result<RunSettings, Failure> {
    settings_checked(model, o, true)
}

/// As [`settings_for`]; `warn` prints the overload warnings.
pub fn settings_checked(
    model: &Model,
    o: &OverrideSettings,
    warn: bool,
) -> Result<RunSettings, Failure> {
    let mut settings = RunSettings::from_model(model);
    if let Some(r) = o.reps {
        if r == 0 {
            return Err(Failure::usage("error: --reps must be at least 1"));
        }
        settings.replications = r;
        settings.range = 0..r;
    }
    if let Some(s) = o.seed {
        settings.seed = s;
    }
    settings.limits = Limits {
        max_queue: o.max_queue,
    };
    let expected: f64 = model.arrivals.iter().map(|a| a.mean_rate).sum::<f64>() * model.horizon;
    if expected > o.max_cases as f64 {
        return Err(Failure::usage(format!(
            "error: {}: this scenario would generate about {:.3e} cases per replication, over the limit of {} (--max-cases); shorten the horizon or lower the rates",
            model.file, expected, o.max_cases
        )));
    }
    for (i, pool) in model.pools.iter().enumerate() {
        let (offered, capacity) = model.pool_load(i);
        if warn && offered > capacity {
            let relief = model.overload_relief(i);
            let outlook = if relief.is_empty() {
                "; its queue may grow until the run stops (exit 3)".to_string()
            } else {
                format!(
                    "; the run can still settle ({}), expect long waits",
                    relief.join(", ")
                )
            };
            eprintln!(
                "warning: {}: pool `{}` may be overloaded: offered load {:.2} servers vs {:.2} available on average{outlook}",
                model.file, pool.name, offered, capacity
            );
        }
    }
    Ok(settings)
}

/// A progress reporter: a bar on a terminal, plain lines otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    label: String,
    total: u64,
    plain: bool,
    done: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// Progress over `total` replications of `label`.
    pub fn new(ctx: &Context, label: &str, total: u64) -> Self {
        use is_terminal::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        let bar = (!ctx.quiet && terminal).then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {pos}/{len} replications, {elapsed} (eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_message(label.to_string());
            b
        });
        Progress {
            bar,
            label: label.to_string(),
            total,
            plain: !ctx.quiet && !terminal,
            done: Default::default(),
        }
    }

    /// One replication finished.
    pub fn tick(&self, replication: u32) {
        self.tick_of(None, replication);
    }

    /// One replication of a part of the job finished (`part`: e.g. the
    /// sweep value `pools.window.servers=11`), named in the line or bar.
    pub fn tick_of(&self, part: Option<&str>, replication: u32) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let label = match part {
            Some(part) => format!("{} {part}", self.label),
            None => self.label.clone(),
        };
        if let Some(b) = &self.bar {
            if part.is_some() {
                b.set_message(label);
            }
            b.inc(1);
        } else if self.plain {
            eprintln!(
                "{label}: replication {replication} done ({n}/{})",
                self.total
            );
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Parses `I/N` or `auto/N`.
pub fn parse_shard(text: &str) -> Result<(u32, u32), Failure> {
    let bad = || {
        Failure::usage(format!(
            "error: --shard `{text}`: write I/N with 0 <= I < N, or auto/N"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.parse().map_err(|_| bad())?;
    let i: u32 = if i == "auto" {
        let var = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]
            .iter()
            .find_map(|v| std::env::var(v).ok())
            .ok_or_else(|| Failure::usage("error: --shard auto/N needs SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX"))?;
        var.trim().parse().map_err(|_| bad())?
    } else {
        i.parse().map_err(|_| bad())?
    };
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Parses an optional `--shard`; a shard writes its partial result to `--out`, so it needs one.
pub fn shard_arg(shard: Option<&str>, out: Option<&Path>) -> Result<Option<(u32, u32)>, Failure> {
    let Some(text) = shard else {
        return Ok(None);
    };
    let shard = parse_shard(text)?;
    if out.is_none() {
        return Err(Failure::usage("error: --shard needs --out DIR (the partial result is written there for `procsim merge`)"));
    }
    Ok(Some(shard))
}

fn io_failure(what: &str, e: std::io::Error) -> Failure {
    Failure::usage(format!("error: {what}: {e}"))
}

#[allow(clippy::too_many_arguments)]
fn run(
    ctx: &Context,
    path: &Path,
    out: Option<&Path>,
    json: bool,
    events: bool,
    shard: Option<&str>,
    overrides: &Overrides,
    timing: bool,
) -> Result<i32, Failure> {
    let started = std::time::Instant::now();
    let (model, mut settings) = load_model(path, &overrides_settings(overrides))?;
    settings.threads = ctx.threads;
    let shard_index = shard_arg(shard, out)?;
    if let Some(shard) = shard_index {
        let range = crate::merge::share(u64::from(settings.replications), shard);
        // Within 0..=replications, so a u32.
        settings.range = range.start as u32..range.end as u32;
    }
    if events && out.is_none() {
        return Err(Failure::usage(
            "error: --events needs --out DIR (events.csv is written there)",
        ));
    }
    let mut outdir = match out {
        Some(dir) => Some(
            OutDir::prepare(dir)
                .map_err(|e| io_failure(&format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let progress = Progress::new(ctx, &model.name, u64::from(settings.range.len() as u32));
    let run = match &mut outdir {
        Some(dir) => run_with_files(&model, &settings, dir, events, &progress)?,
        None => simulate::simulate(&model, &settings, &|r| progress.tick(r), &STOP)?,
    };
    progress.finish();
    if timing {
        let wall = started.elapsed().as_secs_f64();
        let threads = if ctx.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            ctx.threads
        };
        eprintln!(
            "timing: {} events, {} cases, {:.3} s wall (load + simulate + statistics), {:.0} events/s, {:.0} cases/s, {} threads",
            run.data.events,
            run.data.cases,
            wall,
            run.data.events as f64 / wall,
            run.data.cases as f64 / wall,
            threads
        );
    }
    if let Some(mut dir) = outdir {
        match shard_index {
            // A shard writes only its partial result: no summary that could be
            // mistaken for the whole run's.
            Some(shard) => {
                let part = serde_json::to_string(&crate::merge::Partial::of(&run, shard))
                    .unwrap_or_default();
                dir.write("partial.json", part.as_bytes())
                    .map_err(|e| io_failure("writing output", e))?;
            }
            None => write_run_files(&run, &mut dir).map_err(|e| io_failure("writing output", e))?,
        }
        if STOP.load(Ordering::SeqCst) {
            return Err(EngineError::Interrupted.into());
        }
        dir.commit().map_err(|e| io_failure("writing output", e))?;
    }
    if let Some((i, n)) = shard_index {
        if !ctx.quiet {
            eprintln!(
                "shard {i}/{n}: replications {}..{} written to {}; combine the shards with `procsim merge`",
                settings.range.start,
                settings.range.end,
                out.map(|p| p.display().to_string()).unwrap_or_default()
            );
        }
        return Ok(0);
    }
    if json {
        emit(&format!("{}\n", summary_json(&run.summary)));
    } else {
        emit(&report::table::summary_table(&run.summary));
    }
    Ok(0)
}

fn merge(parts: &[PathBuf], out: &Path, json: bool) -> Result<i32, Failure> {
    use crate::merge::Part;
    let mut runs = Vec::new();
    let mut sweeps = Vec::new();
    for p in parts {
        match crate::merge::read_part(p).map_err(|e| Failure::usage(format!("error: {e}")))? {
            Part::Run(partial) => runs.push((*partial, p)),
            Part::Sweep(partial) => sweeps.push((partial, p)),
        }
    }
    match (runs.first(), sweeps.first()) {
        (Some((_, run)), Some((_, sweep))) => Err(Failure::usage(format!(
            "error: {} is a shard of `run` but {} is a shard of `sweep`; merge each command's shards on their own",
            run.display(),
            sweep.display()
        ))),
        (None, Some(_)) => {
            crate::sweep::cli_merge(sweeps.into_iter().map(|s| s.0).collect(), out, json)
        }
        _ => merge_run(runs, out, json),
    }
}

fn merge_run(
    parts: Vec<(crate::merge::Partial, &PathBuf)>,
    out: &Path,
    json: bool,
) -> Result<i32, Failure> {
    // Keep the part directories in shard order for the case files.
    let mut dirs: Vec<(u32, &PathBuf)> = parts.iter().map(|(p, d)| (p.shard.0, *d)).collect();
    dirs.sort_by_key(|d| d.0);
    let partials = parts.into_iter().map(|p| p.0).collect();
    let merged =
        crate::merge::merge(partials).map_err(|e| Failure::usage(format!("error: {e}")))?;
    let mut dir = OutDir::prepare(out)
        .map_err(|e| io_failure(&format!("cannot write to {}", out.display()), e))?;
    dir.write(
        "summary.json",
        format!("{}\n", summary_json(&merged.summary)).as_bytes(),
    )
    .map_err(|e| io_failure("writing output", e))?;
    dir.write("replications.csv", merged.replications_csv.as_bytes())
        .map_err(|e| io_failure("writing output", e))?;
    dir.write("hourly.csv", merged.hourly_csv.as_bytes())
        .map_err(|e| io_failure("writing output", e))?;
    let chart_input = report::ChartInput {
        name: &merged.summary.scenario,
        pools: merged.pools.iter().map(String::as_str).collect(),
        hall: merged.hall.clone(),
        summary: &merged.summary,
        data: &merged.data,
    };
    report::write_charts(&mut dir, report::run_charts(&[chart_input]))
        .map_err(|e| io_failure("writing output", e))?;
    for name in ["cases.csv", "events.csv"] {
        let files: Vec<PathBuf> = dirs
            .iter()
            .map(|(_, d)| d.join(name))
            .filter(|p| p.is_file())
            .collect();
        if files.is_empty() {
            continue;
        }
        let mut body = Vec::new();
        for (k, f) in files.iter().enumerate() {
            let text =
                std::fs::read(f).map_err(|e| io_failure(&format!("reading {}", f.display()), e))?;
            let start = if k == 0 {
                0
            } else {
                text.iter()
                    .position(|&b| b == b'\n')
                    .map_or(text.len(), |i| i + 1)
            };
            body.extend_from_slice(&text[start..]);
        }
        dir.write(name, &body)
            .map_err(|e| io_failure("writing output", e))?;
    }
    dir.commit().map_err(|e| io_failure("writing output", e))?;
    // As `run` prints: --quiet silences progress output, not the result.
    if json {
        emit(&format!("{}\n", summary_json(&merged.summary)));
    } else {
        emit(&report::table::summary_table(&merged.summary));
    }
    Ok(0)
}

/// The summary as pretty JSON.
pub fn summary_json(s: &Summary) -> String {
    serde_json::to_string_pretty(s).unwrap_or_default()
}

fn run_with_files(
    model: &Model,
    settings: &RunSettings,
    dir: &mut OutDir,
    events: bool,
    progress: &Progress,
) -> Result<Run, Failure> {
    use crate::report::files::{
        activity_labels, append_part, CsvObserver, CASES_HEADER, EVENTS_HEADER,
    };
    use std::io::BufWriter;
    let labels = activity_labels(model);
    let cases_tmp = dir
        .reserve("cases.csv")
        .map_err(|e| io_failure("writing output", e))?;
    let mut cases = BufWriter::new(
        std::fs::File::create(&cases_tmp).map_err(|e| io_failure("writing cases.csv", e))?,
    );
    cases
        .write_all(CASES_HEADER.as_bytes())
        .map_err(|e| io_failure("writing cases.csv", e))?;
    let mut events_out = if events {
        let p = dir
            .reserve("events.csv")
            .map_err(|e| io_failure("writing output", e))?;
        let mut w = BufWriter::new(
            std::fs::File::create(&p).map_err(|e| io_failure("writing events.csv", e))?,
        );
        w.write_all(EVENTS_HEADER.as_bytes())
            .map_err(|e| io_failure("writing events.csv", e))?;
        Some(w)
    } else {
        None
    };
    let root = dir.path().to_path_buf();
    let mut io_error: Option<std::io::Error> = None;
    let run = simulate::simulate_observed(
        model,
        settings,
        |r| CsvObserver::new(model, &labels, &root, r, true, events),
        |_, mut obs| {
            let res = (|| -> std::io::Result<()> {
                obs.close()?;
                if let Some(p) = &obs.parts.0 {
                    append_part(&mut cases, p)?;
                }
                if let (Some(p), Some(w)) = (&obs.parts.1, events_out.as_mut()) {
                    append_part(w, p)?;
                }
                Ok(())
            })();
            if let Err(e) = res {
                io_error.get_or_insert(e);
            }
            Ok(())
        },
        &|r| progress.tick(r),
        &STOP,
    );
    // Remove part files left by a failed or interrupted run.
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.contains(".part") && name.contains(".procsim-tmp-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let run = run?;
    if let Some(e) = io_error {
        return Err(io_failure("writing output", e));
    }
    cases
        .flush()
        .map_err(|e| io_failure("writing cases.csv", e))?;
    if let Some(w) = events_out.as_mut() {
        w.flush().map_err(|e| io_failure("writing events.csv", e))?;
    }
    Ok(run)
}

/// Writes summary.json, replications.csv, hourly.csv and charts/ (the
/// run's distributions and profiles as SVG and PNG).
pub fn write_run_files(run: &Run, dir: &mut OutDir) -> std::io::Result<()> {
    dir.write(
        "summary.json",
        format!("{}\n", summary_json(&run.summary)).as_bytes(),
    )?;
    dir.write(
        "replications.csv",
        report::csv::replications(run).as_bytes(),
    )?;
    dir.write("hourly.csv", report::csv::hourly(run).as_bytes())?;
    report::write_charts(dir, report::run_charts(&[report::ChartInput::from(run)]))?;
    Ok(())
}

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn use_color() -> bool {
    use is_terminal::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// The stop flag (for library commands run from the CLI).
pub fn stop_flag() -> &'static AtomicBool {
    &STOP
}
