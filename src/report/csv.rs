//! CSV exporters (UTF-8, header row, `NA`-free: empty cells for missing values,
//! which pandas and R read as missing).

use crate::engine::area;
use crate::simulate::Run;
use crate::stats::ArrivalHour;
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
    replications_from(
        &kpi_keys(&run.model),
        &run.data.replications,
        &run.data.values,
    )
}

/// `replications.csv` from KPI keys and per-replication values.
pub(crate) fn replications_from(
    keys: &[String],
    replications: &[u32],
    values: &[crate::summary::KpiValues],
) -> String {
    let mut header = vec!["replication".to_string()];
    header.extend(keys.iter().cloned());
    let mut rows = vec![header];
    for (r, values) in replications.iter().zip(values) {
        let mut row = vec![r.to_string()];
        row.extend(values.iter().map(|v| cell(*v)));
        rows.push(row);
    }
    to_string(rows)
}

/// `hourly.csv`: per pool and hour of day, mean queue length and utilization
/// over the replications' [warmup, horizon] windows, and the mean queue
/// while the pool is open (closed days and hours left out).
pub fn hourly(run: &Run) -> String {
    let names: Vec<String> = run.model.pools.iter().map(|p| p.name.clone()).collect();
    hourly_from(&names, &run.data.hourly, &run.data.by_arrival_hour)
}

/// `hourly.csv` from pool names and summed areas (see [`area`]).
pub(crate) fn hourly_from(
    pools: &[String],
    hourly: &[[[i64; area::COUNT]; 24]],
    by_arrival_hour: &[[ArrivalHour; 24]],
) -> String {
    let mut rows = vec![vec![
        "pool".into(),
        "hour".into(),
        "queue_mean".into(),
        "utilization".into(),
        "servers_mean".into(),
        "queue_mean_open".into(),
        "open_share".into(),
        "delay_probability".into(),
        "wait_mean_min".into(),
        "wait_p90_min".into(),
    ]];
    let none = ArrivalHour::default();
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    for (i, (pool, bins)) in pools.iter().zip(hourly).enumerate() {
        for (h, b) in bins.iter().enumerate() {
            let b = b.map(|x| x as f64);
            let service = by_arrival_hour.get(i).map_or(&none, |s| &s[h]);
            rows.push(vec![
                pool.clone(),
                h.to_string(),
                cell(ratio(b[area::QUEUE], b[area::TIME])),
                cell(ratio(b[area::BUSY], b[area::CAPACITY])),
                cell(ratio(b[area::CAPACITY], b[area::TIME])),
                cell(ratio(b[area::QUEUE_OPEN], b[area::TIME_OPEN])),
                cell(ratio(b[area::TIME_OPEN], b[area::TIME])),
                cell(service.delay_probability()),
                cell(service.wait_mean_min()),
                cell(service.wait_quantile(0.9)),
            ]);
        }
    }
    to_string(rows)
}
