//! `procsim staff`: the fewest servers per interval of the day meeting a
//! service target (the Iterative Staffing Algorithm); a table, JSON, and
//! with `--out` the staffed scenario and `staffing.json`.

use super::failure::{emit, warn, Failure};
use super::settings::settings_for;
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::report::files::OutDir;
use crate::scenario::resolve;
use crate::staff::{self, schedule_yaml, StaffError, StaffRequest};
use std::path::Path;

/// The arguments of `staff`.
pub(crate) struct StaffArgs<'a> {
    pub(crate) path: &'a Path,
    pub(crate) pools: &'a [String],
    pub(crate) target: &'a str,
    pub(crate) interval: &'a str,
    pub(crate) out: Option<&'a Path>,
    pub(crate) json: bool,
}

impl From<StaffError> for Failure {
    fn from(e: StaffError) -> Self {
        match e {
            StaffError::Scenario(e) => e.into(),
            StaffError::Engine(e) => e.into(),
            other => Failure::usage(other),
        }
    }
}

pub(crate) fn staff(ctx: &Context, a: &StaffArgs, o: &Overrides) -> Result<i32, Failure> {
    let target =
        staff::parse_target(a.target).map_err(|m| Failure::usage(format!("--target {m}")))?;
    let interval_min =
        staff::parse_interval(a.interval).map_err(|m| Failure::usage(format!("--interval {m}")))?;
    let design = resolve(a.path)?;
    let full = design.full()?;
    // No overload warning: the input's servers are replaced anyway.
    let settings = settings_for(ctx, &full, o)?;
    let request = StaffRequest {
        pools: a.pools.to_vec(),
        target,
        interval_min,
    };
    let mut outdir = match a.out {
        Some(dir) => Some(
            OutDir::prepare_with_manifest(dir)
                .map_err(|e| Failure::write(format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let quiet = ctx.quiet;
    let progress = |stage: &str| {
        if !quiet {
            warn(&format!("staff: simulating, {stage}"));
        }
    };
    let staffing = staff::staff(&design, &request, &settings, &progress, stop_flag())?;
    if interrupted() {
        return Err(EngineError::Interrupted.into());
    }
    if let Some(dir) = outdir.as_mut() {
        let sets: Vec<(String, String)> = staffing
            .pools
            .iter()
            .map(|p| (p.pool.clone(), schedule_yaml(&p.schedule)))
            .collect();
        let text = std::fs::read_to_string(a.path)
            .map_err(|e| Failure::write(format!("reading {}", a.path.display()), e))?;
        let root = crate::scenario::parse(&text, &a.path.display().to_string())?;
        match staff::staffed_yaml(&text, &root, &sets) {
            Ok(yaml) => {
                // The staffed file must validate. One that `extends:` a base
                // is checked through the same merged tree the staffing ran on;
                // its base path (and the editor's schema path) are rewritten
                // to hold from the output folder.
                if design.extends.is_none() {
                    crate::scenario::load_str(&yaml, "staffed.yaml")?;
                }
                let from = a.path.parent().unwrap_or(Path::new("."));
                let yaml = a
                    .out
                    .map_or(yaml.clone(), |to| rebase_relative_paths(&yaml, from, to));
                dir.write("staffed.yaml", yaml.as_bytes())
                    .map_err(|e| Failure::write("writing output", e))?;
            }
            Err(why) => warn(&format!(
                "warning: staffed.yaml not written ({why}); the schedules are in staffing.json"
            )),
        }
        staff::write_staffing(dir, &staffing).map_err(|e| Failure::write("writing output", e))?;
    }
    if let Some(dir) = outdir {
        dir.commit()
            .map_err(|e| Failure::write("writing output", e))?;
    }
    if a.json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&staffing).unwrap_or_default()
        ));
    } else {
        emit(&staff::staffing_table(&staffing));
    }
    Ok(0)
}

/// `text` with the top-level `extends:` path and the first line's
/// `yaml-language-server` schema path, written relative to `from`, made
/// relative to `to` instead (so that the staffed file works where it is
/// written). A path that cannot be resolved is left as it was.
fn rebase_relative_paths(text: &str, from: &Path, to: &Path) -> String {
    const SCHEMA: &str = "# yaml-language-server: $schema=";
    let rebase = |rel: &str| -> Option<String> {
        let target = std::fs::canonicalize(from.join(rel.trim().trim_matches('"'))).ok()?;
        let base = std::fs::canonicalize(to).ok()?;
        Some(relative_path(&base, &target).to_string_lossy().into_owned())
    };
    let mut out: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let rewritten = if let Some(rel) = line.strip_prefix("extends: ") {
            rebase(rel).map(|p| format!("extends: {p}"))
        } else if let Some(rel) = line.strip_prefix(SCHEMA).filter(|_| i == 0) {
            rebase(rel).map(|p| format!("{SCHEMA}{p}"))
        } else {
            None
        };
        out.push(rewritten.unwrap_or_else(|| line.to_string()));
    }
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// The path of `target` relative to the directory `base` (both absolute).
fn relative_path(base: &Path, target: &Path) -> std::path::PathBuf {
    let (b, t): (Vec<_>, Vec<_>) = (base.components().collect(), target.components().collect());
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut rel = std::path::PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_to_the_output_folder() {
        assert_eq!(
            relative_path(Path::new("/a/b/results/x"), Path::new("/a/b/base.yaml")),
            Path::new("../../base.yaml")
        );
        assert_eq!(
            relative_path(Path::new("/a"), Path::new("/a/c/d.yaml")),
            Path::new("c/d.yaml")
        );
        let dir = tempfile::tempdir().unwrap();
        let scenarios = dir.path().join("s");
        let out = scenarios.join("results/staff");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(scenarios.join("base.yaml"), "").unwrap();
        let text = "# yaml-language-server: $schema=base.yaml\nextends: base.yaml\nname: x\n";
        assert_eq!(
            rebase_relative_paths(text, &scenarios, &out),
            "# yaml-language-server: $schema=../../base.yaml\nextends: ../../base.yaml\nname: x\n"
        );
    }
}
