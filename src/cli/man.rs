//! `procsim man [COMMAND]`: the manual page in roff, generated from the
//! command definitions (clap_mangen): procsim(1), or procsim-COMMAND(1) for
//! one command with all its flags.

use super::failure::{emit, Failure};
use super::Cli;
use clap::CommandFactory;

/// Prints the page of procsim, or of its `command`.
pub(crate) fn man(command: Option<&str>) -> Result<i32, Failure> {
    // Built, the subcommands carry their display names (`procsim-run`),
    // which become the pages' names.
    let mut procsim = Cli::command();
    procsim.build();
    let page = match command {
        None => procsim,
        Some(name) => procsim.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = procsim
                .get_subcommands()
                .map(clap::Command::get_name)
                .collect();
            Failure::usage(format!(
                "no command `{name}`; the commands are {}",
                names.join(", ")
            ))
        })?,
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("procsim {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|e| Failure::write("rendering the manual page", e))?;
    emit(&String::from_utf8_lossy(&roff));
    Ok(0)
}
