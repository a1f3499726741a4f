//! `procsim fit`'s patience: the family and mean of a Weibull patience
//! come back from a run's ticket log, no-shows (called and gone) are
//! left-censored waits that keep the estimate where dropping them biases
//! it, and no-shows are arrivals and abandonments.

use super::common::{fit_log, ticket_log, write};
use serde_json::Value;

/// One pool near saturation, patience Weibull(shape 2, scale 20 min): its
/// mean is 20 Γ(1.5) = 17.7245 min. About 11% of some 14,500 citizens
/// leave.
const WEIBULL_HALL: &str = "name: weibull patience
seed: 5
replications: 1
horizon: 40d
calendar:
  start: 2019-01-07
  hours: [\"09:00-17:00\"]
  days: [mon, tue, wed, thu, fri]
pools:
  front: {servers: 4}
processes:
  visit:
    steps:
      - {serve: front, time: {exp: 6min}, patience: {weibull: {shape: 2, scale: 20min}}}
arrivals:
  - {name: walk_ins, daily: 360, process: visit}
";
const TRUE_MEAN: f64 = 17.7245;

/// Runs `WEIBULL_HALL` and returns its ticket log.
fn weibull_log(dir: &std::path::Path) -> String {
    let scenario = write(dir, "hall.yaml", WEIBULL_HALL);
    std::fs::read_to_string(ticket_log(&scenario, &dir.join("sim"))).unwrap()
}

/// Fits the log `text` (without validation) and returns fit.json.
fn fit(dir: &std::path::Path, name: &str, text: &str) -> (Value, String) {
    let log = write(dir, &format!("{name}.csv"), text);
    let out = dir.join(name);
    let (json, _) = fit_log(&log, &out, &["--no-validate"]);
    let yaml = std::fs::read_to_string(out.join("scenario.yaml")).unwrap();
    (json, yaml)
}

#[test]
fn a_weibull_patience_is_fitted_back_as_weibull() {
    let dir = tempfile::tempdir().unwrap();
    let (fit, yaml) = fit(dir.path(), "log", &weibull_log(dir.path()));
    let p = &fit["patience"][0];
    assert_eq!(p["family"], "weibull", "{p}");
    // The scale's relative sd with d ≈ 1,600 who left is about
    // √(1.109/d)/2 = 1.3% (the mean's is of that order): 10% is many sd.
    let mean = p["family_mean_min"].as_f64().unwrap();
    assert!((mean / TRUE_MEAN - 1.0).abs() < 0.1, "mean {mean}: {p}");
    // With shape 2 the exponential is far worse: its AIC margin grows with
    // the sample (hundreds here), and the Weibull's shape near 2 (sd about
    // 2 √(0.608/d) = 0.035).
    let exp = p["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["family"] == "exp")
        .unwrap();
    let margin = exp["aic"].as_f64().unwrap() - p["families"][0]["aic"].as_f64().unwrap();
    assert!(margin > 50.0, "{p}");
    let shape = p["families"][0]["params"][0][1].as_f64().unwrap();
    assert!((shape - 2.0).abs() < 0.15, "shape {shape}");
    assert!(yaml.contains("patience: {weibull: {shape: "), "{yaml}");
    assert!(yaml.contains("weibull by AIC (next "), "{yaml}");
    // The Kaplan-Meier curve starts below 1 and falls; its band holds it.
    let km = p["kaplan_meier"]["points"].as_array().unwrap();
    assert!(km.len() > 100);
    for q in km {
        let (lo, sv, hi) = (
            q["low"].as_f64().unwrap(),
            q["survival"].as_f64().unwrap(),
            q["high"].as_f64().unwrap(),
        );
        assert!(lo <= sv && sv <= hi, "{q}");
    }
    eprintln!(
        "weibull: shape {shape:.3} (2), mean {mean:.2} min ({TRUE_MEAN}), exp AIC +{margin:.1}, {} left",
        p["left"]
    );
}

/// The log's rows, split into fields.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn no_shows_keep_the_patience_where_dropping_them_biases_it() {
    // Every other `left` ticket becomes a no-show: its leaving time is
    // removed and its call is the call of the next ticket served after it
    // in issue order (its turn, in a first-come first-served queue), later
    // than its leaving. Fitted with them as left-censored waits the mean
    // stays within 10% of the truth; dropping them removes early leavers
    // and the estimate grows by tens of percent.
    let dir = tempfile::tempdir().unwrap();
    let text = weibull_log(dir.path());
    let header = text.lines().next().unwrap().to_string();
    let (issued, called, ended, outcome) = (5, 6, 7, 8);
    let mut r = rows(&text);
    r.sort_by(|a, b| a[issued].cmp(&b[issued]));
    let mut turned = 0;
    let mut dropped_rows = Vec::new();
    let mut alternate = false;
    for i in 0..r.len() {
        if r[i][outcome] != "left" {
            continue;
        }
        alternate = !alternate;
        if !alternate {
            continue;
        }
        let next = r[i + 1..]
            .iter()
            .find(|x| x[outcome] == "served")
            .map(|x| x[called].clone());
        let Some(call) = next.filter(|c| c[..10] == r[i][issued][..10]) else {
            continue;
        };
        assert!(call > r[i][ended], "FIFO: called after leaving");
        r[i][called] = call;
        r[i][ended] = String::new();
        r[i][outcome] = "no_show".into();
        turned += 1;
        dropped_rows.push(i);
    }
    let render = |rows: &[&Vec<String>]| {
        let mut t = header.clone() + "\n";
        for x in rows {
            t += &(x.join(",") + "\n");
        }
        t
    };
    let all: Vec<&Vec<String>> = r.iter().collect();
    let kept: Vec<&Vec<String>> = r.iter().filter(|x| x[outcome] != "no_show").collect();
    let (with, yaml) = fit(dir.path(), "with", &render(&all));
    let (without, _) = fit(dir.path(), "without", &render(&kept));
    let p = &with["patience"][0];
    assert_eq!(p["no_show"].as_u64().unwrap(), turned);
    assert!(turned > 500, "{turned}");
    let m_with = p["family_mean_min"].as_f64().unwrap();
    let m_without = without["patience"][0]["family_mean_min"].as_f64().unwrap();
    let msg = format!(
        "patience mean with {turned} no-shows {m_with:.2} min, dropping them {m_without:.2} min, truth {TRUE_MEAN}"
    );
    eprintln!("{msg}");
    // Half the leavers now give only a bound; the information is still at
    // least that of the other half, so the sd grows by about √2 at most
    // (to about 2%): 10% is several sd.
    assert!((m_with / TRUE_MEAN - 1.0).abs() < 0.1, "{msg}");
    assert!(m_without / TRUE_MEAN - 1.0 > 0.1, "{msg}");
    assert!(yaml.contains(&format!("{turned} no-shows (gone before the call)")));
    // No-shows are arrivals: every case of the log is one.
    assert_eq!(
        with["arrivals"]["cases"].as_u64().unwrap() as usize,
        all.len()
    );
    assert_eq!(
        without["arrivals"]["cases"].as_u64().unwrap() as usize,
        kept.len()
    );
}

const HEADER: &str = "ticket,case,item,pool,window,issued,called,ended,outcome\n";

#[test]
fn no_shows_are_arrivals_and_abandonments_and_need_their_call() {
    // Four tickets on one morning: a served, a left, a no-show called at
    // 09:40, a no-show without its call (skipped, counted). Three cases
    // arrive; two of them abandon (2/3).
    let text = format!(
        "{HEADER}1,a,permit,front,w1,2019-01-07T09:00:00,2019-01-07T09:10:00,2019-01-07T09:20:00,served\n\
         2,b,permit,front,,2019-01-07T09:05:00,,2019-01-07T09:25:00,left\n\
         3,c,permit,front,,2019-01-07T09:10:00,2019-01-07T09:40:00,,no_show\n\
         4,d,permit,front,,2019-01-07T09:15:00,,,no_show\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", &text);
    let out = dir.path().join("out");
    let (fit, o) = fit_log(&log, &out, &[]);
    assert!(
        o.stderr
            .contains("skipped 1 rows: no_show without a called time"),
        "{}",
        o.stderr
    );
    assert_eq!(fit["arrivals"]["cases"], 3);
    let p = &fit["patience"][0];
    assert_eq!(
        (&p["left"], &p["no_show"], &p["served"]),
        (&1.into(), &1.into(), &1.into())
    );
    assert_eq!(p["exp_only"], true);
    let figures = fit["validation"]["figures"].as_array().unwrap();
    let abandonment = figures.iter().find(|f| f["name"] == "abandonment").unwrap();
    assert!((abandonment["observed"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    // The exponential with one leave at 20 min, a call at 10 and a no-show
    // gone before 30 maximises −ln m − 30/m + ln(1 − e^(−30/m)); its score
    // −1/m + 30/m² − 30 e^(−30/m)/(m² (1 − e^(−30/m))) is 0 at the mean.
    let m = p["mean_min"].as_f64().unwrap();
    let e = (-30.0 / m).exp();
    let score = -1.0 / m + 30.0 / (m * m) - 30.0 * e / (m * m * (1.0 - e));
    assert!(score.abs() < 1e-6, "mean {m}, score {score}");
}
