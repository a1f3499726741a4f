//! CSV exporters (UTF-8, header row, `NA`-free: empty cells for missing values,
//! which pandas and R read as missing).

use crate::simulate::Run;
use crate::summary::kpi_keys;

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

fn to_string(rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `replications.csv`: one row per replication, one column per KPI key.
pub fn replications(run: &Run) -> String {
    let mut header = vec!["replication".to_string()];
    header.extend(kpi_keys(&run.model));
    let mut rows = vec![header];
    for (r, values) in run.data.replications.iter().zip(&run.data.values) {
        let mut row = vec![r.to_string()];
        row.extend(values.iter().map(|v| cell(*v)));
        rows.push(row);
    }
    to_string(rows)
}

/// `hourly.csv`: per pool and hour of day, mean queue length and utilization
/// over the replications' [warmup, horizon] windows.
pub fn hourly(run: &Run) -> String {
    let mut rows = vec![vec![
        "pool".into(),
        "hour".into(),
        "queue_mean".into(),
        "utilization".into(),
        "servers_mean".into(),
    ]];
    for (pool, bins) in run.model.pools.iter().zip(&run.data.hourly) {
        for (h, b) in bins.iter().enumerate() {
            let queue = (b[3] > 0.0).then(|| b[0] / b[3]);
            let util = (b[2] > 0.0).then(|| b[1] / b[2]);
            let servers = (b[3] > 0.0).then(|| b[2] / b[3]);
            rows.push(vec![
                pool.name.clone(),
                h.to_string(),
                cell(queue),
                cell(util),
                cell(servers),
            ]);
        }
    }
    to_string(rows)
}
