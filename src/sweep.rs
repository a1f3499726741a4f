//! `procsim sweep`: one run per parameter value.
use crate::cli::{Context, Failure, OverrideSettings};
use std::path::Path;

/// Runs `sweep` from the CLI.
pub fn cli_sweep(_ctx: &Context, _s: &Path, _set: &str, _k: &[String], _o: Option<&Path>, _json: bool, _ov: &OverrideSettings) -> Result<i32, Failure> {
    Err(Failure { code: 2, message: "error: sweep is not built yet".into() })
}
