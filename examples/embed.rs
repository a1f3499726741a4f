//! procsim embedded in another program: load a scenario, run it, read a KPI.
//!
//! Run with `cargo run --release --example embed [SCENARIO]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("scenarios/textbook/mmc.yaml".into());
    let model = procsim::load(path.as_ref())?;
    let run = procsim::Simulation::new(&model)
        .replications(5)
        .seed(7)
        .threads(2)
        .run()?;
    let wait = run
        .summary
        .get("wait_min")
        .copied()
        .flatten()
        .ok_or("no wait measured")?;
    println!(
        "{}: mean wait {:.2} ± {:.2} min",
        model.name, wait.mean, wait.ci95
    );
    assert_eq!(run.summary.replications, 5);
    Ok(())
}
