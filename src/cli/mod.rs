//! The command line: clap commands -> library calls. The only module that
//! prints, reads the environment or decides exit codes (0 done, 1 check
//! failed, 2 bad input, 3 could not finish, 128 + N stopped by signal N; the mapping
//! from typed errors is in `failure.rs`). One file per command.

mod check;
mod compare;
mod completions;
mod explain;
mod failure;
mod fit;
mod man;
mod merge;
mod precision;
mod progress;
mod run;
mod select;
mod settings;
mod snippet;
mod staff;
mod sweep;
mod validate;

use crate::multiplicity::Adjustment;
use clap::{Args, Parser, Subcommand};
use failure::{emit, warn, Failure};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Set by SIGINT, SIGTERM or SIGHUP; the engine polls it.
static STOP: AtomicBool = AtomicBool::new(false);
/// The last stop signal's number (0: none), for the exit code 128 + N.
static SIGNAL: AtomicUsize = AtomicUsize::new(0);

const ABOUT: &str = "Discrete-event simulator for service processes: citizens arrive, queue at windows, \
hand in materials, and their cases go through back-office approval. Describe a design in a YAML scenario, \
simulate many replications, compare designs with paired confidence intervals.";

const AFTER_HELP: &str = "\
Examples:
  procsim validate scenarios/**/*.yaml              check files without simulating
  procsim run scenarios/textbook/mmc.yaml           KPI table of one design
  procsim run s.yaml --out out/ --events            files: summary.json, replications.csv, cases.csv, events.csv
  procsim compare before.yaml after.yaml --out report/   paired comparison, report/report.html
  procsim explain after.yaml                        what each lever contributes to the change
  procsim check scenarios/changsha/*.yaml           CI: exit 1 when a target is missed
  procsim sweep s.yaml --set pools.hall.servers=8..14    capacity planning
  procsim fit tickets.csv --out fitted/              baseline scenario from a queue-ticket log
  procsim schema > scenario.schema.json             JSON Schema for editors
  source <(procsim completions bash)                tab completion (also zsh, fish, elvish, powershell)

Exit codes: 0 done (check: all targets held), 1 check failed, 2 bad input or usage,
3 could not finish (overloaded design), 128 + N stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
Reference: docs/ in the repository (format.md, commands.md, files.md, kpis.md); `procsim kpis` lists every KPI.";

/// procsim command line.
#[derive(Parser, Debug)]
#[command(name = "procsim", version, about = ABOUT, after_help = AFTER_HELP, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads for replications (default: all cores). Output is identical for any value.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar or progress lines on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Colour in tables: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: progress::ColorChoice,
}

/// Run-time overrides shared by commands that simulate.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct Overrides {
    /// Replications (overrides the file's `replications`).
    #[arg(long, value_name = "N")]
    pub(crate) reps: Option<u32>,
    /// Master seed (overrides the file's `seed`).
    #[arg(long, value_name = "S")]
    pub(crate) seed: Option<u64>,
    /// Refuse a scenario expected to generate more cases than this per replication.
    #[arg(long, value_name = "N", default_value_t = 20_000_000)]
    pub(crate) max_cases: u64,
    /// Stop with exit 3 when a pool's queue grows past this many waiting cases.
    #[arg(long, value_name = "N", default_value_t = 250_000)]
    pub(crate) max_queue: usize,
    /// Stop with exit 3 when more cases than this are in progress at once (default: as many as fit in 512 MiB).
    #[arg(long, value_name = "N")]
    pub(crate) max_live: Option<usize>,
    /// Report the results of a design found overloaded (a queue growing without bound,
    /// cases left open at drain_limit) instead of stopping with exit 3.
    #[arg(long)]
    pub(crate) allow_overload: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate one scenario and print its KPI table.
    #[command(
        after_help = "Example:\n  procsim run scenarios/textbook/mmc.yaml --reps 20 --out out/\n\nWith --out DIR (each file described in docs/files.md):\n  summary.json      every KPI across the replications (what --json prints)\n  summary.csv       the same entries, one row per KPI entry\n  replications.csv  one row per replication, one column per KPI\n  hourly.csv        each pool's daily profile, one row per pool and hour\n  cases.csv         one row per case\n  charts/           waits, queue by hour, utilization, lead times, visits (SVG and PNG)\n  events.csv        with --events: one row per step and queue event (PM4Py's column names)\n  tickets.csv       with --log tickets: a queue-ticket log, one row per visit to a serve step\n  .procsim-manifest the files written and their sizes, last\nWith --shard: partial.json (for procsim merge) and cases.csv (events.csv) instead."
    )]
    Run {
        /// Scenario file (YAML).
        scenario: PathBuf,
        /// Write summary.json, summary.csv, replications.csv, hourly.csv, cases.csv and charts/ here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the summary JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Also write events.csv (one row per step, for process-mining tools).
        #[arg(long)]
        events: bool,
        /// Also write a log in this format: `tickets` (tickets.csv, a queue-ticket log as `fit` reads).
        #[arg(long, value_name = "FORMAT")]
        log: Option<run::LogFormat>,
        /// Print events, cases, wall time and their rates to stderr.
        #[arg(long)]
        timing: bool,
        /// Run only shard I of N (I from 0, or `auto/N` from the batch system's array index).
        #[arg(long, value_name = "I/N", conflicts_with_all = ["precision", "precision_abs"])]
        shard: Option<String>,
        #[command(flatten)]
        overrides: Overrides,
        #[command(flatten)]
        precision: precision::PrecisionArgs,
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
        /// Write comparison.csv for Excel: with a UTF-8 byte order mark, so
        /// Chinese names open correctly (alias --bom).
        #[arg(long, alias = "bom", requires = "out")]
        excel: bool,
        /// How the p-values behind the ▲/▼ markers are adjusted over each design's KPIs: holm
        /// (familywise error 5%), bh (Benjamini-Hochberg, false discovery rate 5%) or none.
        #[arg(long, value_name = "METHOD", default_value = "holm", value_parser = adjustment)]
        adjust: Adjustment,
        /// Adjust the headline KPIs as a family of their own (and the other KPIs as another).
        #[arg(long)]
        headline_family: bool,
        #[command(flatten)]
        overrides: Overrides,
        #[command(flatten)]
        precision: precision::PrecisionArgs,
        #[command(flatten)]
        select: select::SelectArgs,
    },
    /// Explain a design's change against its baseline: each lever's Shapley contribution per KPI.
    #[command(
        after_help = "Examples:\n  procsim explain scenarios/examples/changsha-levers.yaml --kpi wait_min\n  procsim explain after.yaml before.yaml --kpi wait_min --out explain/\n\nLevers are AFTER's `levers:`; without them, each pool, process or other top-level entry that\ndiffers from BEFORE (default: the file AFTER extends) is one. Every subset of the levers is\nsimulated with the same seed and replications (paired); up to 8 levers all 2^k subsets (exact),\nbeyond (or with --samples N) the subsets along N random orders of the levers."
    )]
    Explain {
        /// The design (a scenario with `levers:`, or one to compare with BEFORE).
        after: PathBuf,
        /// The baseline (default: the file AFTER extends); not used when AFTER has levers.
        before: Option<PathBuf>,
        /// KPIs to explain (repeatable; default: the headline KPIs).
        #[arg(long, value_name = "KPI")]
        kpi: Vec<String>,
        /// Write explain.json, explain.csv and charts/explain_KPI.svg|png here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the explanation JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Sample N random orders of the levers instead of simulating every subset (default beyond 8 levers: 50).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=100_000))]
        samples: Option<u32>,
        /// Merge levers that only validate together into one instead of stopping with exit 2.
        #[arg(long)]
        group_dependent: bool,
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
        #[arg(long, value_name = "PCT", default_value_t = 0.0, value_parser = non_negative)]
        tolerance: f64,
        /// Worsening in the KPI's own unit tolerated as well (a regression must exceed both); helps where a baseline mean is 0.
        #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = non_negative)]
        tolerance_abs: f64,
        /// A scenario without a baseline of its name (or a baseline file of another scenario)
        /// is a warning instead of an error (exit 2).
        #[arg(long)]
        allow_missing_baseline: bool,
        /// How the baseline comparison's p-values are adjusted over its KPIs: holm (familywise
        /// error 5%), bh (Benjamini-Hochberg, false discovery rate 5%) or none.
        #[arg(long, value_name = "METHOD", default_value = "holm", value_parser = adjustment)]
        adjust: Adjustment,
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
        after_help = "Example:\n  procsim validate scenarios/*.yaml\n  procsim validate --json s.yaml    for editors and scripts\n  generate | procsim validate -     a scenario on standard input\n\nPrints `ok: FILE` per good file and every problem of a bad one (file:line:column: key path: message; on a terminal also the line, with a caret under the column)."
    )]
    Validate {
        /// Scenario files; `-` reads one from standard input (where
        /// `extends` is refused: there is no file to be relative to).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// One JSON document on stdout: per file, `ok` and its problems
        /// (file, line, column, path, message).
        #[arg(long)]
        json: bool,
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
        /// KPIs to tabulate and chart (default: wait_min, wait_p90_min and the targets' KPIs).
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
    /// The fewest servers per interval of the day that meet a service target.
    #[command(
        after_help = "Example:\n  procsim staff scenarios/textbook/mmc.yaml --pool window --target delay_probability<=0.2 --out staff/\n\nTargets: delay_probability, wait_mean_min, wait_p90_min, abandonment_share, each held by interval of arrival. With --out DIR: staffed.yaml (the scenario with the found schedules) and staffing.json."
    )]
    Staff {
        /// Scenario file.
        scenario: PathBuf,
        /// A pool to staff (repeatable: several are staffed together).
        #[arg(long, value_name = "POOL", required = true)]
        pool: Vec<String>,
        /// KPI<=VALUE, held in every interval.
        #[arg(long, value_name = "KPI<=VALUE")]
        target: String,
        /// Interval length: 15min, 30min, 60min.
        #[arg(long, value_name = "LENGTH", default_value = "60min")]
        interval: String,
        /// Write staffed.yaml and staffing.json here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the staffing JSON instead of the table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Print the JSON Schema of the scenario format (for editors).
    #[command(
        after_help = "Example:\n  procsim schema > scenario.schema.json\n  # then first line of a scenario: # yaml-language-server: $schema=./scenario.schema.json\n  # (the repository keeps it as docs/scenario.schema.json)"
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
    /// Fit a baseline scenario to a queue-ticket log.
    #[command(
        after_help = "Example:\n  procsim run scenarios/textbook/mmc.yaml --reps 1 --out sim/ --log tickets\n  procsim fit sim/tickets.csv --out fitted/\n  procsim run fitted/scenario.yaml\n\nWrites scenario.yaml (every fitted value with a comment: n, family, KS) and fit.json (the evidence).\nColumns (header names, change with --columns name=header): ticket, case, item, pool, window,\nissued, called, ended, outcome (served, left or no_show). Required: item, issued, called, ended, outcome."
    )]
    Fit {
        /// The ticket log (CSV with a header line).
        log: PathBuf,
        /// Write scenario.yaml and fit.json here.
        #[arg(long, value_name = "DIR", required = true)]
        out: PathBuf,
        /// Header name of a column, e.g. `issued=TakeTime` (repeatable).
        #[arg(long, value_name = "NAME=HEADER", num_args = 1..)]
        columns: Vec<String>,
        /// Skip the validation by simulation (no `validation` in fit.json).
        #[arg(long)]
        no_validate: bool,
    },
    /// Print the KPI glossary (every KPI key, its unit, direction and definition) as Markdown.
    #[command(after_help = "Example:\n  procsim kpis > docs/kpis.md")]
    Kpis,
    /// Print the shell completion script for procsim's commands and flags.
    #[command(
        after_help = "Examples:\n  source <(procsim completions bash)     in this bash session\n  procsim completions bash > ~/.local/share/bash-completion/completions/procsim\n  procsim completions zsh > ~/.zfunc/_procsim        (with ~/.zfunc in $fpath)\n  procsim completions fish > ~/.config/fish/completions/procsim.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of procsim, or of one of its commands.
    #[command(
        after_help = "Examples:\n  procsim man | man -l -                 read it\n  procsim man > procsim.1; procsim man run > procsim-run.1"
    )]
    Man {
        /// A command (default: procsim itself, with the list of commands).
        command: Option<String>,
    },
}

/// Settings every simulating command shares.
pub(crate) struct Context {
    /// Worker threads (0 = all).
    pub(crate) threads: usize,
    /// No progress output.
    pub(crate) quiet: bool,
    /// `--color`.
    pub(crate) color: progress::ColorChoice,
}

/// Entry point of the `procsim` binary: runs the command line and returns the exit code.
pub fn main() -> i32 {
    main_with(std::env::args_os())
}

/// [`main`] with the command line given (its first item the program's
/// name), for a program that embeds procsim: the Python package's
/// `procsim` command, whose process arguments are the interpreter's.
pub fn main_with<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
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
    handle_stop_signals();
    match dispatch(cli) {
        Ok(code) => code,
        Err(f) => {
            warn(&f.message);
            f.code
        }
    }
}

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP (what Slurm and Kubernetes send)
/// set the stop flag: the run stops at its next poll, removes its
/// temporaries and exits 128 + the signal's number. A second signal ends
/// the process at once with that code (for a stop that hangs); the next
/// run removes what it left, its lock being free (see report::files).
fn handle_stop_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    #[cfg(unix)]
    let signals = [SIGINT, SIGTERM, signal_hook::consts::SIGHUP];
    #[cfg(not(unix))]
    let signals = [SIGINT, SIGTERM];
    for sig in signals {
        // In this order: each action runs after the ones registered before
        // it, so the shutdown sees the flag of an earlier signal only, and
        // the number is there before the flag is.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, &STOP);
        let _ = signal_hook::flag::register_usize(sig, &SIGNAL, sig as usize);
        let _ = signal_hook::flag::register(sig, &STOP);
    }
}

fn dispatch(cli: Cli) -> Result<i32, Failure> {
    let ctx = Context {
        threads: cli.threads.unwrap_or(0),
        quiet: cli.quiet,
        color: cli.color,
    };
    match cli.command {
        Command::Validate { scenarios, json } => Ok(validate::validate(&scenarios, json)),
        Command::Schema => {
            emit(&crate::schema::scenario_schema_text());
            Ok(0)
        }
        Command::Kpis => {
            emit(&crate::kpi::glossary());
            Ok(0)
        }
        Command::Completions { shell } => Ok(completions::completions(shell)),
        Command::Man { command } => man::man(command.as_deref()),
        Command::Run {
            scenario,
            out,
            json,
            events,
            log,
            timing,
            shard,
            overrides,
            precision,
        } => run::run(
            &ctx,
            &run::RunArgs {
                path: &scenario,
                out: out.as_deref(),
                json,
                events,
                log,
                shard: shard.as_deref(),
                timing,
                precision: &precision,
            },
            &overrides,
        ),
        Command::Check {
            scenarios,
            baseline,
            tolerance,
            tolerance_abs,
            allow_missing_baseline,
            adjust,
            junit,
            json,
            overrides,
        } => check::check(
            &ctx,
            &check::CheckArgs {
                scenarios: &scenarios,
                baseline: baseline.as_deref(),
                tolerance: crate::check::Tolerance {
                    pct: tolerance,
                    abs: tolerance_abs,
                },
                allow_missing_baseline,
                adjustment: adjust,
                junit: junit.as_deref(),
                json,
            },
            &overrides,
        ),
        Command::Compare {
            baseline,
            designs,
            out,
            json,
            markdown,
            excel,
            adjust,
            headline_family,
            overrides,
            precision,
            select,
        } => compare::compare(
            &ctx,
            compare::CompareArgs {
                baseline: &baseline,
                designs: &designs,
                out: out.as_deref().map(|dir| compare::ReportOut { dir, excel }),
                json,
                markdown: markdown.as_deref(),
                multiplicity: crate::multiplicity::Multiplicity {
                    adjustment: adjust,
                    headline_family,
                },
                precision: &precision,
                select: &select,
            },
            &overrides,
        ),
        Command::Sweep {
            scenario,
            set,
            kpi,
            out,
            json,
            shard,
            overrides,
        } => sweep::sweep(
            &ctx,
            &sweep::SweepArgs {
                path: &scenario,
                set: &set,
                kpis: &kpi,
                out: out.as_deref(),
                json,
                shard: shard.as_deref(),
            },
            &overrides,
        ),
        Command::Staff {
            scenario,
            pool,
            target,
            interval,
            out,
            json,
            overrides,
        } => staff::staff(
            &ctx,
            &staff::StaffArgs {
                path: &scenario,
                pools: &pool,
                target: &target,
                interval: &interval,
                out: out.as_deref(),
                json,
            },
            &overrides,
        ),
        Command::Explain {
            after,
            before,
            kpi,
            out,
            json,
            samples,
            group_dependent,
            overrides,
        } => explain::explain(
            &ctx,
            &explain::ExplainArgs {
                after: &after,
                before: before.as_deref(),
                kpis: &kpi,
                out: out.as_deref(),
                json,
                samples: samples.map(|n| n as usize),
                group_dependent,
            },
            &overrides,
        ),
        Command::Merge { parts, out, json } => merge::merge(&parts, &out, json),
        Command::Fit {
            log,
            out,
            columns,
            no_validate,
        } => fit::fit(&ctx, &log, &out, &columns, !no_validate),
    }
}

/// A finite number >= 0 (a tolerance: NaN would let every regression pass).
/// `--adjust holm|bh|none`.
fn adjustment(text: &str) -> Result<Adjustment, String> {
    Adjustment::CHOICES
        .iter()
        .find(|(word, _)| *word == text.trim())
        .map(|c| c.1)
        .ok_or_else(|| format!("`{text}` is not one of holm, bh, none"))
}

fn non_negative(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("`{text}` is not a finite number >= 0")),
    }
}

/// The stop flag, set by a stop signal.
fn stop_flag() -> &'static AtomicBool {
    &STOP
}

/// Whether a stop signal came.
fn interrupted() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The number of the stop signal that came, if one did.
fn stop_signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        n => i32::try_from(n).ok(),
    }
}
