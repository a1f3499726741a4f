//! `procsim completions SHELL`: the shell's completion script for every
//! command and flag, generated from the command definitions (clap_complete),
//! so it cannot fall behind them.

use super::failure::emit;
use super::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

/// Prints the completion script of `shell`.
pub(crate) fn completions(shell: Shell) -> i32 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "procsim", &mut script);
    emit(&String::from_utf8_lossy(&script));
    0
}
