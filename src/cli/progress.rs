//! Progress on stderr: a bar on a terminal; otherwise (a CI log, a file)
//! one line per scenario, design or sweep value as it starts, naming it,
//! never a line per replication; nothing with `--quiet`.

use super::Context;
use crate::report::text::printable;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

/// A progress reporter over a number of replications.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    label: String,
    total: u64,
    plain: bool,
    done: AtomicU64,
    /// Parts already announced on a plain stderr.
    announced: std::sync::Mutex<Vec<String>>,
}

impl Progress {
    /// Progress over `total` replications of `label`.
    pub(crate) fn new(ctx: &Context, label: &str, total: u64) -> Self {
        // A scenario's name on one line, whatever it holds.
        let label = printable(label);
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
            done: AtomicU64::new(0),
            announced: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// One replication finished.
    pub(crate) fn tick(&self, replication: u32) {
        self.tick_of(None, replication);
    }

    /// One replication of a part of the job finished (`part`: e.g. the
    /// sweep value `pools.window.servers=11`), named in the line or bar.
    pub(crate) fn tick_of(&self, part: Option<&str>, replication: u32) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let label = match part {
            Some(part) => format!("{} {}", self.label, printable(part)),
            None => self.label.clone(),
        };
        if let Some(b) = &self.bar {
            if part.is_some() {
                b.set_message(label);
            }
            b.inc(1);
        } else if self.plain {
            let mut announced = self.announced.lock().unwrap_or_else(|e| e.into_inner());
            if !announced.contains(&label) {
                super::failure::warn(&format!(
                    "{label}: running (first replication done: {replication}; {n} of {} in all)",
                    self.total
                ));
                announced.push(label);
            }
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (to anything but "").
    Auto,
    /// Always, also into a file or a pipe.
    Always,
    /// Never.
    Never,
}

/// Whether to colour stdout.
pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
