//! `procsim compare`: paired differences between designs.
use crate::cli::{Context, Failure, OverrideSettings};
use std::path::{Path, PathBuf};

/// Runs `compare` from the CLI.
pub fn cli_compare(_ctx: &Context, _b: &Path, _d: &[PathBuf], _o: Option<&Path>, _json: bool, _ov: &OverrideSettings) -> Result<i32, Failure> {
    Err(Failure { code: 2, message: "error: compare is not built yet".into() })
}
