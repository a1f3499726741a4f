//! CSV exporters (UTF-8, header row, `NA`-free: empty cells for missing values,
//! which pandas and R read as missing).

use crate::engine::area;
use crate::kpi::{self, Level};
use crate::simulate::Run;
use crate::stats::ArrivalHour;
use crate::summary::{kpi_keys, Summary};

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

/// `summary.csv`: the summary in long form, one row per KPI entry of
/// `summary.json` in its order: `scenario, level, name, kpi, unit, mean,
/// ci95, min, max`. `level` is `scenario`, `pool` or `process`; `name` the
/// pool or process (empty at the scenario level); `kpi` the registry key
/// within its level, so one KPI of every pool is one filter. An entry
/// without data has empty numbers; so has `ci95` with one replication
/// (no interval, where `summary.json` writes 0).
pub fn summary(s: &Summary) -> String {
    let mut rows = vec![[
        "scenario", "level", "name", "kpi", "unit", "mean", "ci95", "min", "max",
    ]
    .map(String::from)
    .to_vec()];
    for (key, entry) in s.entries() {
        let (level, name, kpi) = kpi::split_key(&key).unwrap_or((Level::Scenario, None, &key));
        let level = match level {
            Level::Scenario => "scenario",
            Level::Pool => "pool",
            Level::Process => "process",
        };
        let unit = kpi::find(&key).map_or("", |k| k.unit);
        let mut row = vec![
            s.scenario.clone(),
            level.to_string(),
            name.unwrap_or_default().to_string(),
            kpi.to_string(),
            unit.to_string(),
        ];
        row.extend(match entry {
            Some(e) => [
                Some(e.mean),
                super::summary_half_width(&e, s.replications),
                Some(e.min),
                Some(e.max),
            ]
            .map(cell),
            None => Default::default(),
        });
        rows.push(row);
    }
    to_string(rows)
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

#[cfg(test)]
mod tests {
    use crate::summary::Summary;

    #[test]
    fn summary_rows_have_level_name_and_unit_and_no_interval_from_one_replication() {
        let keys = [
            "wait_min",
            "pools.front desk.utilization",
            "processes.tax.visits",
        ]
        .map(String::from);
        let one = Summary::from_values(
            "hall",
            "h.yaml",
            1,
            &keys,
            &[vec![Some(2.5), None, Some(1.0)]],
        );
        assert_eq!(
            super::summary(&one),
            "scenario,level,name,kpi,unit,mean,ci95,min,max\n\
             hall,scenario,,wait_min,min,2.5,,2.5,2.5\n\
             hall,pool,front desk,utilization,,,,,\n\
             hall,process,tax,visits,,1,,1,1\n"
        );
        // With two replications there is an interval: values 1 and 3, sd
        // sqrt(2), standard error 1, so t(0.975, 1 df) = 12.7062 itself.
        let two = Summary::from_values(
            "hall",
            "h.yaml",
            1,
            &keys[..1],
            &[vec![Some(1.0)], vec![Some(3.0)]],
        );
        let csv = super::summary(&two);
        let ci95: f64 = csv
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(6)
            .unwrap()
            .parse()
            .unwrap();
        assert!((ci95 - 12.706_204_736).abs() < 1e-6, "{csv}");
    }
}
