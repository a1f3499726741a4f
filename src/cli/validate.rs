//! `procsim validate`: parse and check files without simulating.

use super::failure::emit;
use std::path::PathBuf;

/// Prints `ok: FILE` per good file and every problem of a bad one; exit 2
/// when any file is bad.
pub(crate) fn validate(files: &[PathBuf]) -> i32 {
    let mut code = 0;
    for f in files {
        match crate::scenario::load(f) {
            Ok(_) => emit(&format!("ok: {}\n", f.display())),
            Err(e) => {
                super::failure::warn(&e.to_string());
                code = 2;
            }
        }
    }
    code
}
