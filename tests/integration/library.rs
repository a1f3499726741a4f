//! The library as someone embedding it uses it: the `Simulation` builder
//! runs what it is asked (replications, seed, threads) without a stop flag
//! or a progress closure, and `RunSettings` cannot say one replication
//! count and run another.

use procsim::{RunSettings, Simulation};

const MM2: &str = "name: mm2\nseed: 4\nreplications: 10\nhorizon: 1d\n\
pools: {w: {servers: 2}}\nprocesses: {p: {steps: [{serve: w, time: {exp: 1min}}]}}\n\
arrivals: [{name: a, rate: 1.2/min, process: p}]\n";

#[test]
fn the_builder_runs_what_it_is_asked() {
    let model = procsim::load_str(MM2, "mm2.yaml").unwrap();
    let run = Simulation::new(&model)
        .replications(3)
        .seed(9)
        .threads(1)
        .run()
        .unwrap();
    assert_eq!(run.summary.replications, 3);
    assert_eq!(run.data.replications, [0, 1, 2]);
    assert_eq!(run.summary.seed, 9);
    // Any thread count gives the same numbers.
    let again = Simulation::new(&model)
        .replications(3)
        .seed(9)
        .threads(2)
        .run()
        .unwrap();
    assert_eq!(run.summary, again.summary);
    // Another seed, other citizens.
    let other = Simulation::new(&model)
        .replications(3)
        .seed(10)
        .run()
        .unwrap();
    assert_ne!(run.summary.kpis["arrived"], other.summary.kpis["arrived"]);
}

#[test]
fn settings_run_the_replications_they_name() {
    // Setting `replications` used to leave the range at the file's 0..10.
    let model = procsim::load_str(MM2, "mm2.yaml").unwrap();
    let mut settings = RunSettings::from_model(&model);
    settings.replications = 3;
    assert_eq!(settings.range(), 0..3);
    let run = Simulation::new(&model).settings(settings).run().unwrap();
    assert_eq!(run.summary.replications, 3);
    let mut zero = RunSettings::from_model(&model);
    zero.replications = 0;
    assert!(Simulation::new(&model).settings(zero).run().is_err());
}

#[test]
fn run_to_dir_writes_the_files_of_run_out_and_a_stopped_run_writes_none() {
    use std::sync::atomic::AtomicBool;
    let model = procsim::load_str(MM2, "mm2.yaml").unwrap();
    let settings = RunSettings::from_model(&model);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let stopped = AtomicBool::new(true);
    let err = procsim::report::run_to_dir(&model, &settings, &dir, false, &stopped).unwrap_err();
    assert!(err.to_string().contains("interrupted"), "{err}");
    assert!(
        !dir.join("summary.csv").exists(),
        "a stopped run wrote files"
    );
    let run = procsim::report::run_to_dir(&model, &settings, &dir, true, &AtomicBool::new(false))
        .unwrap();
    for name in [
        "summary.json",
        "summary.csv",
        "replications.csv",
        "hourly.csv",
        "cases.csv",
        "events.csv",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    // The files are the run's: summary.csv is its summary in long form.
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(csv, procsim::report::csv::summary(&run.summary));
}
