//! `procsim check`: targets and baselines for CI.
use crate::cli::{Context, Failure, OverrideSettings};
use std::path::{Path, PathBuf};

/// Runs `check` from the CLI.
pub fn cli_check(_ctx: &Context, _s: &[PathBuf], _b: Option<&Path>, _t: f64, _j: Option<&Path>, _json: bool, _o: &OverrideSettings) -> Result<i32, Failure> {
    Err(Failure { code: 2, message: "error: check is not built yet".into() })
}
