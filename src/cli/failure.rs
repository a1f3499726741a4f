//! What the command line reports on failure, and the one place where
//! typed errors of the library become exit codes: 2 bad input or usage,
//! 3 the run could not finish (overload, resources), 128 + N stopped by
//! signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP). Also the two writers to
//! the standard streams, which never panic on a closed one.

use crate::check::BaselineError;
use crate::engine::EngineError;
use crate::explain::ExplainError;
use crate::merge::MergeError;
use crate::report::run_files::RunFilesError;
use crate::report::text::printable;
use crate::scenario::ScenarioErrors;
use crate::simulate::SimulationError;
use crate::sweep::SetError;
use std::io::Write;

/// An error the CLI reports: message and exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Exit code.
    pub(crate) code: i32,
    /// Text for stderr.
    pub(crate) message: String,
}

impl Failure {
    /// Bad input or usage (exit 2).
    pub(crate) fn usage(message: impl std::fmt::Display) -> Self {
        Failure {
            code: 2,
            message: format!("error: {message}"),
        }
    }

    /// An output file or directory that could not be written (exit 2).
    pub(crate) fn write(what: impl std::fmt::Display, e: std::io::Error) -> Self {
        Failure::usage(format!("{what}: {e}"))
    }

    /// Stopped by a signal: exit 128 + its number, by the shells'
    /// convention (130 when none is known: Ctrl-C's).
    fn stopped() -> Self {
        let signal = super::stop_signal();
        let name = match signal {
            Some(1) => "SIGHUP",
            Some(2) | None => "SIGINT",
            Some(15) => "SIGTERM",
            Some(_) => "a signal",
        };
        Failure {
            code: 128 + signal.unwrap_or(2),
            message: format!("interrupted by {name}; no output was written"),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Interrupted => Failure::stopped(),
            other => Failure {
                code: 3,
                message: format!("error: {other}"),
            },
        }
    }
}

impl From<SimulationError> for Failure {
    fn from(e: SimulationError) -> Self {
        match e {
            SimulationError::Engine(e) => e.into(),
            SimulationError::NoReplications => Failure::usage("--reps must be at least 1"),
            SimulationError::Overloaded(o) => Failure {
                code: 3,
                message: format!("error: {o}"),
            },
            other => Failure::usage(other),
        }
    }
}

impl From<RunFilesError> for Failure {
    fn from(e: RunFilesError) -> Self {
        match e {
            RunFilesError::Simulation(e) => e.into(),
            other => Failure::usage(other),
        }
    }
}

impl From<ScenarioErrors> for Failure {
    /// On a terminal, each located problem is followed by its line.
    fn from(e: ScenarioErrors) -> Self {
        use std::io::IsTerminal;
        let message = if std::io::stderr().is_terminal() {
            super::snippet::with_snippets(&e, |file| std::fs::read_to_string(file).ok())
        } else {
            e.to_string()
        };
        Failure { code: 2, message }
    }
}

impl From<BaselineError> for Failure {
    fn from(e: BaselineError) -> Self {
        Failure::usage(e)
    }
}

impl From<MergeError> for Failure {
    fn from(e: MergeError) -> Self {
        Failure::usage(e)
    }
}

impl From<ExplainError> for Failure {
    fn from(e: ExplainError) -> Self {
        match e {
            ExplainError::Scenario(e) => e.into(),
            other => Failure::usage(other),
        }
    }
}

impl From<SetError> for Failure {
    fn from(e: SetError) -> Self {
        match e {
            SetError::Scenario(e) => e.into(),
            other => Failure::usage(other),
        }
    }
}

/// Prints to stdout; a closed pipe (e.g. `| head`) ends the program
/// quietly, any other write error (a full disk, `> /dev/full`) with exit 2:
/// a result that was not delivered is not success.
pub(crate) fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            warn(&format!("error: writing to standard output: {e}"));
            std::process::exit(2);
        }
    }
}

/// Prints a line to stderr (a warning, a note, progress, an error
/// message); a closed or failing stderr (`2>&1 | head`) is ignored, where
/// `eprintln!` would panic. Every message on stderr goes through here.
/// Messages quote the user's names (a design, a pool), which may hold a
/// terminal escape sequence: every control character but the line breaks
/// between a message's lines is written as an escape.
pub(crate) fn warn(line: &str) {
    let safe: Vec<_> = line.split('\n').map(printable).collect();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", safe.join("\n"));
}
