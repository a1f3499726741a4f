//! `procsim validate`: parse and check files without simulating.

use super::failure::{emit, warn};
use super::snippet::with_snippets;
use crate::scenario::{self, Problem, ScenarioErrors};
use serde::Serialize;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

/// The name `-` stands for standard input.
const STDIN: &str = "-";

/// One file's verdict, as `--json` writes it.
#[derive(Serialize)]
struct Verdict {
    file: String,
    ok: bool,
    /// Each problem names its file (a base the file extends, or the file).
    problems: Vec<Problem>,
}

/// Checks each file (`-`: standard input); prints `ok: FILE` per good file
/// and every problem of a bad one, or with `json` one JSON document with a
/// verdict per file. Exit 2 when any file is bad.
pub(crate) fn validate(files: &[PathBuf], json: bool) -> i32 {
    let verdicts: Vec<Verdict> = files
        .iter()
        .map(|f| {
            let file = f.display().to_string();
            let loaded = if f.as_os_str() == STDIN {
                read_stdin().and_then(|bytes| scenario::load_bytes(&bytes, &file))
            } else {
                scenario::load(f)
            };
            match loaded {
                Ok(_) => Verdict {
                    file,
                    ok: true,
                    problems: Vec::new(),
                },
                Err(errors) => {
                    if !json {
                        report(&errors);
                    }
                    // Each problem names its file (a base's, or this one).
                    let problems = errors
                        .problems
                        .into_iter()
                        .map(|p| Problem {
                            file: Some(p.file.unwrap_or_else(|| file.clone())),
                            ..p
                        })
                        .collect();
                    Verdict {
                        file,
                        ok: false,
                        problems,
                    }
                }
            }
        })
        .collect();
    if json {
        let text = serde_json::to_string_pretty(&serde_json::json!({ "files": verdicts }))
            .expect("verdicts always serialize");
        emit(&format!("{text}\n"));
    } else {
        for v in verdicts.iter().filter(|v| v.ok) {
            emit(&format!("ok: {}\n", v.file));
        }
    }
    if verdicts.iter().all(|v| v.ok) {
        0
    } else {
        2
    }
}

/// Prints a bad file's problems on stderr: on a terminal with the lines
/// they point at, else one line each (for logs and `grep`).
fn report(errors: &ScenarioErrors) {
    if std::io::stderr().is_terminal() {
        warn(&with_snippets(errors, |file| {
            std::fs::read_to_string(Path::new(file)).ok()
        }));
    } else {
        warn(&errors.to_string());
    }
}

/// Standard input, at most [`scenario::MAX_FILE_BYTES`].
fn read_stdin() -> Result<Vec<u8>, ScenarioErrors> {
    let mut bytes = Vec::new();
    let limit = scenario::MAX_FILE_BYTES as u64 + 1;
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            ScenarioErrors::whole_file(STDIN, format!("cannot read standard input: {e}"))
        })?;
    if bytes.len() > scenario::MAX_FILE_BYTES {
        return Err(ScenarioErrors::whole_file(
            STDIN,
            format!(
                "standard input holds more than {} bytes, the limit of a scenario",
                scenario::MAX_FILE_BYTES
            ),
        ));
    }
    Ok(bytes)
}
