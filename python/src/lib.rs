//! `procsim._native`: the Rust side of the Python package `procsim`
//! (distributed as `procsim-hall`). Thin: each function loads scenarios
//! with the library, runs it with the GIL released, and hands back what
//! the command line would write (files, CSV and JSON text); the Python
//! side (`python/procsim/`) turns those into pandas DataFrames. Ctrl-C
//! stops a simulation (see [`interruptible`]).

use procsim::multiplicity::{Adjustment, Multiplicity};
use procsim::scenario::{self, ScenarioErrors};
use procsim::{Model, RunSettings, Simulation};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The `procsim.ScenarioError` for every problem of `e`: the first
/// problem's place as its attributes, all of them in `problems`.
fn scenario_error(py: Python<'_>, e: &ScenarioErrors) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let problems = PyList::empty(py);
        for p in &e.problems {
            let file = p.file.clone().unwrap_or_else(|| e.file.clone());
            problems.append((file, p.line, p.column, p.path.clone(), p.message.clone()))?;
        }
        scenario_error_of(py, &e.to_string(), problems)
    };
    make().unwrap_or_else(|err| err)
}

/// `procsim.ScenarioError(text, problems)`.
fn scenario_error_of(py: Python<'_>, text: &str, problems: Bound<'_, PyList>) -> PyResult<PyErr> {
    let class = py.import("procsim._errors")?.getattr("ScenarioError")?;
    Ok(PyErr::from_value(class.call1((text, problems))?))
}

/// A problem planning the levers of `explain`: a design or base that does
/// not validate, or levers that do not without one another (the text
/// holds the validator's first problem), is a `procsim.ScenarioError`, as
/// from `validate`; no levers or too many, a `ValueError` (the command
/// line's usage errors, exit 2).
fn explain_error(py: Python<'_>, e: procsim::explain::ExplainError) -> PyErr {
    use procsim::explain::ExplainError;
    match e {
        ExplainError::Scenario(e) => scenario_error(py, &e),
        e @ ExplainError::Dependent { .. } => {
            scenario_error_of(py, &e.to_string(), PyList::empty(py)).unwrap_or_else(|err| err)
        }
        e => PyValueError::new_err(e.to_string()),
    }
}

fn simulation_error(e: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(e.to_string())
}

/// Loads a scenario from a file, or from YAML text named `<string>`.
fn load(py: Python<'_>, path: Option<&str>, yaml: Option<&str>) -> PyResult<Model> {
    let loaded = match (path, yaml) {
        (Some(p), None) => scenario::load(Path::new(p)),
        (None, Some(text)) => scenario::load_str(text, "<string>"),
        _ => return Err(PyValueError::new_err("give a scenario file or YAML text")),
    };
    loaded.map_err(|e| scenario_error(py, &e))
}

/// The file's settings with the caller's overrides, checked.
fn settings(
    model: &Model,
    reps: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<RunSettings> {
    let mut s = RunSettings::from_model(model);
    if let Some(r) = reps {
        s.replications = r;
    }
    if let Some(seed) = seed {
        s.seed = seed;
    }
    s.threads = threads.unwrap_or(0);
    s.check(model).map_err(simulation_error)?;
    Ok(s)
}

/// Runs `work` on a thread of its own, the GIL released, while this
/// thread looks for Python's signals every 50 ms: Ctrl-C (a
/// KeyboardInterrupt, also Jupyter's "interrupt kernel") sets the stop
/// flag `work` is given, waits for it to end, and raises.
fn interruptible<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> T + Send,
) -> PyResult<T> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| work(&stop));
        let mut signal = Ok(());
        while !worker.is_finished() {
            py.detach(|| std::thread::sleep(Duration::from_millis(50)));
            if signal.is_ok() {
                signal = py.check_signals();
                if signal.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        let result = worker
            .join()
            .map_err(|_| PyRuntimeError::new_err("the simulation panicked"))?;
        signal.map(|()| result)
    })
}

/// Checks a scenario; returns the overload warnings (raises ScenarioError).
#[pyfunction]
#[pyo3(signature = (path=None, yaml=None))]
fn validate(py: Python<'_>, path: Option<&str>, yaml: Option<&str>) -> PyResult<Vec<String>> {
    let model = load(py, path, yaml)?;
    Ok(warnings(&model))
}

fn warnings(model: &Model) -> Vec<String> {
    procsim::overload::overload_warnings(model)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Runs a scenario into `out` (the files of `procsim run --out`); returns
/// the overload warnings.
#[pyfunction]
#[pyo3(signature = (out, path=None, yaml=None, reps=None, seed=None, threads=None, events=false))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    out: PathBuf,
    path: Option<&str>,
    yaml: Option<&str>,
    reps: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    events: bool,
) -> PyResult<Vec<String>> {
    let model = load(py, path, yaml)?;
    let s = settings(&model, reps, seed, threads)?;
    interruptible(py, |stop| {
        procsim::report::run_to_dir(&model, &s, &out, events, stop)
    })?
    .map_err(simulation_error)?;
    Ok(warnings(&model))
}

/// Runs a baseline and designs (paired when they can be) and compares
/// them; returns (comparison JSON, comparison CSV, warnings).
#[pyfunction]
#[pyo3(signature = (scenarios, reps=None, seed=None, threads=None, adjust="holm", headline_family=false))]
fn compare(
    py: Python<'_>,
    scenarios: Vec<(Option<String>, Option<String>)>,
    reps: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    adjust: &str,
    headline_family: bool,
) -> PyResult<(String, String, Vec<String>)> {
    let adjustment = Adjustment::CHOICES
        .iter()
        .find(|(word, _)| *word == adjust)
        .map(|(_, a)| *a)
        .ok_or_else(|| {
            PyValueError::new_err(format!("adjust={adjust:?}: write holm, bh or none"))
        })?;
    let mut loaded = Vec::new();
    let mut warned = Vec::new();
    for (path, yaml) in &scenarios {
        let model = load(py, path.as_deref(), yaml.as_deref())?;
        let s = settings(&model, reps, seed, threads)?;
        warned.extend(warnings(&model));
        loaded.push((model, s));
    }
    if loaded.len() < 2 {
        return Err(PyValueError::new_err(
            "compare needs a baseline and at least one design",
        ));
    }
    let runs = interruptible(py, |stop| {
        loaded
            .iter()
            .map(|(m, s)| Simulation::new(m).settings(s.clone()).stop(stop).run())
            .collect::<Result<Vec<_>, _>>()
    })?
    .map_err(simulation_error)?;
    let multiplicity = Multiplicity {
        adjustment,
        headline_family,
    };
    let c = procsim::compare::compare_with(&runs[0], &runs[1..], multiplicity);
    let json = serde_json_string(&c)?;
    Ok((json, procsim::report::comparison_csv(&c), warned))
}

/// Explains a design's change by its levers (as `procsim explain`);
/// returns (explanation JSON, explain CSV).
#[pyfunction]
#[pyo3(signature = (after, before=None, kpis=Vec::new(), reps=None, seed=None, threads=None, samples=None))]
#[allow(clippy::too_many_arguments)]
fn explain(
    py: Python<'_>,
    after: PathBuf,
    before: Option<PathBuf>,
    kpis: Vec<String>,
    reps: Option<u32>,
    seed: Option<u64>,
    threads: Option<usize>,
    samples: Option<usize>,
) -> PyResult<(String, String)> {
    let resolve = |p: &Path| scenario::resolve(p).map_err(|e| scenario_error(py, &e));
    let design = resolve(&after)?;
    let design = match (&before, design.levers.is_empty()) {
        (Some(b), true) => scenario::Design::changes(&resolve(b)?, &design)
            .map_err(|e| scenario_error(py, &e))?,
        (None, true) => match &design.extends {
            Some(base) => scenario::Design::changes(&resolve(base)?, &design)
                .map_err(|e| scenario_error(py, &e))?,
            None => {
                return Err(PyValueError::new_err(format!(
                    "{} has neither `levers:` nor `extends:`; give the baseline as before=",
                    after.display()
                )))
            }
        },
        (Some(_), false) => {
            return Err(PyValueError::new_err(
                "the design has `levers:`; they are explained against the design without them, so before= is not used",
            ))
        }
        (None, false) => design,
    };
    let full = design.full().map_err(|e| scenario_error(py, &e))?;
    let s = settings(&full, reps, seed, threads)?;
    let plan = procsim::explain::plan(&design, samples, false, s.seed)
        .map_err(|e| explain_error(py, e))?;
    let kpis = if kpis.is_empty() {
        procsim::kpi::headlines()
            .iter()
            .map(|k| k.name.to_string())
            .collect()
    } else {
        kpis
    };
    procsim::explain::check_kpis(&plan, &kpis).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let runs = interruptible(py, |stop| {
        procsim::explain::run(&plan, &s, &|_, _| {}, stop)
    })?
    .map_err(simulation_error)?;
    let x = procsim::explain::explain(design.file(), &plan, &runs, &kpis);
    Ok((
        serde_json_string(&x)?,
        procsim::report::explain::explain_csv(&x),
    ))
}

fn serde_json_string(v: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// One KPI of the registry: (level, key, unit, better, label, definition,
/// measured only with `costs:`).
type KpiRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

/// The KPI registry, a row per KPI.
#[pyfunction]
fn kpis() -> Vec<KpiRow> {
    use procsim::kpi::{Better, Level};
    let mut out = Vec::new();
    for (level, word) in [
        (Level::Scenario, "scenario"),
        (Level::Pool, "pool"),
        (Level::Process, "process"),
    ] {
        for k in procsim::kpi::at(level) {
            let better = match k.better {
                Better::Lower => "lower",
                Better::Higher => "higher",
                Better::Neutral => "neutral",
            };
            out.push((
                word,
                k.name,
                k.unit,
                better,
                k.label,
                k.definition,
                k.costs_only,
            ));
        }
    }
    out
}

/// The `procsim` command: runs the command line `argv` (program name
/// first) and returns its exit code.
#[pyfunction]
fn cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| procsim::cli::main_with(argv))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(kpis, m)?)?;
    m.add_function(wrap_pyfunction!(cli, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
