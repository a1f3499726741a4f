//! Structure-aware companion of `pipeline`: the fuzzer's bytes drive a
//! generator that writes a *mostly valid* scenario (YAML text), which then
//! goes through the same loader, clamp, simulation and checks.
//!
//! Byte-level mutation of YAML mostly produces files the validator rejects
//! (about 4% of the `pipeline` corpus loads), so the engine is reached
//! rarely; here most inputs simulate, with calendars, schedules, priority
//! pools, send-home, patience, balking, rework, parallel and choose
//! branches, time limits and every arrival pattern.
//!
//! Replay an input as YAML: `PROCSIM_FUZZ_PRINT=1 cargo fuzz run generated FILE`.
#![no_main]

mod common;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(yaml) = scenario(&mut u) else {
        return;
    };
    if std::env::var_os("PROCSIM_FUZZ_PRINT").is_some() {
        eprintln!("{yaml}");
    }
    let model = match procsim::scenario::load_str(&yaml, "generated.yaml") {
        Ok(m) => m,
        Err(e) => {
            if std::env::var_os("PROCSIM_FUZZ_PRINT").is_some() {
                eprintln!("(not loaded: {e})");
            }
            return;
        }
    };
    if let Some(model) = common::clamp(model) {
        common::simulate_and_check(&model);
    }
});

fn pick<'a, T: ?Sized>(u: &mut Unstructured, items: &[&'a T]) -> Result<&'a T> {
    Ok(items[u.choose_index(items.len())?])
}

fn int(u: &mut Unstructured, lo: i64, hi: i64) -> Result<i64> {
    u.int_in_range(lo..=hi)
}

/// A duration in one unit: a small integer or a simple fraction.
fn amount(u: &mut Unstructured, unit: &str, lo: i64, hi: i64) -> Result<String> {
    let n = int(u, lo, hi)?;
    Ok(if u.ratio(1, 6)? {
        format!("{n}.5{unit}")
    } else {
        format!("{n}{unit}")
    })
}

/// A random duration (`Dist`) whose values use `unit`.
fn dist(u: &mut Unstructured, unit: &str) -> Result<String> {
    let a = int(u, 1, 40)?;
    let b = int(u, 1, 40)?;
    let c = int(u, 0, 40)?;
    Ok(match u.choose_index(10)? {
        0 => amount(u, unit, 0, 40)?,
        1 => format!("{{exp: {a}{unit}}}"),
        2 => format!("{{lognormal: {{mean: {a}{unit}, sd: {b}{unit}}}}}"),
        3 => format!("{{normal: {{mean: {a}{unit}, sd: {b}{unit}}}}}"),
        4 => format!("{{gamma: {{mean: {a}{unit}, sd: {b}{unit}}}}}"),
        5 => format!("{{erlang: {{k: {}, mean: {a}{unit}}}}}", int(u, 1, 5)?),
        6 => format!(
            "{{triangular: {{min: {b}{unit}, mode: {}{unit}, max: {}{unit}}}}}",
            b + c / 2,
            b + c + 1
        ),
        7 => format!("{{uniform: {{min: {b}{unit}, max: {}{unit}}}}}", b + c),
        8 => format!(
            "{{weibull: {{shape: {}, scale: {a}{unit}}}}}",
            pick(u, &["0.5", "1", "1.5", "3"])?
        ),
        _ => {
            let n = int(u, 1, 4)?;
            let mut parts = Vec::new();
            for _ in 0..n {
                parts.push(format!("{}{unit}", int(u, 0, 30)?));
            }
            format!("{{empirical: [{}]}}", parts.join(", "))
        }
    })
}

fn clock_unit(u: &mut Unstructured) -> Result<&'static str> {
    pick(u, &["s", "min", "min", "min", "h"])
}

fn time_of_day(u: &mut Unstructured) -> Result<String> {
    let h = int(u, 1, 23)?;
    let m = *pick(u, &[&0, &15, &30, &45])?;
    Ok(format!("{h:02}:{m:02}"))
}

struct Ctx {
    pools: Vec<String>,
    has_calendar: bool,
    step_counter: usize,
}

/// A list of steps at `indent`; returns the ids given in this list.
fn steps(
    u: &mut Unstructured,
    ctx: &mut Ctx,
    out: &mut String,
    indent: usize,
    depth: u32,
) -> Result<Vec<String>> {
    let pad = " ".repeat(indent);
    let n = int(u, 1, if depth == 0 { 5 } else { 3 })?;
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..n {
        ctx.step_counter += 1;
        let id = format!("s{}", ctx.step_counter);
        let _ = writeln!(out, "{pad}- id: {id}");
        let p2 = format!("{pad}  ");
        let kind = u.choose_index(if depth >= 2 { 4 } else { 6 })?;
        match kind {
            0 => {
                let k = int(u, 1, ctx.pools.len().min(2) as i64)? as usize;
                let first = u.choose_index(ctx.pools.len())?;
                let chosen: Vec<&str> = (0..k)
                    .map(|i| ctx.pools[(first + i) % ctx.pools.len()].as_str())
                    .collect();
                if chosen.len() == 1 && u.arbitrary::<bool>()? {
                    let _ = writeln!(out, "{p2}serve: {}", chosen[0]);
                } else {
                    let _ = writeln!(out, "{p2}serve: [{}]", chosen.join(", "));
                }
                let unit = clock_unit(u)?;
                let _ = writeln!(out, "{p2}time: {}", dist(u, unit)?);
                if u.ratio(1, 3)? {
                    let unit = clock_unit(u)?;
                    let _ = writeln!(out, "{p2}patience: {}", dist(u, unit)?);
                }
                if u.ratio(1, 4)? {
                    let _ = writeln!(out, "{p2}balk_at: {}", int(u, 0, 20)?);
                }
            }
            1 => {
                let pool = &ctx.pools[u.choose_index(ctx.pools.len())?];
                let _ = writeln!(out, "{p2}work: {pool}");
                let unit = clock_unit(u)?;
                let _ = writeln!(out, "{p2}time: {}", dist(u, unit)?);
            }
            2 => {
                let unit = if ctx.has_calendar && u.ratio(1, 3)? {
                    "wd"
                } else {
                    pick(u, &["s", "min", "h", "d"])?
                };
                let _ = writeln!(out, "{p2}wait: {}", dist(u, unit)?);
            }
            3 if !ids.is_empty() => {
                let to = ids[u.choose_index(ids.len())?].clone();
                let p = pick(u, &["0", "0.1", "0.3", "0.5", "0.9", "0.99"])?;
                let unit = pick(u, &["s", "min", "h", "d"])?;
                let _ = writeln!(
                    out,
                    "{p2}rework: {{p: {p}, after: {}, to: {to}}}",
                    dist(u, unit)?
                );
                if u.ratio(1, 3)? {
                    let _ = writeln!(out, "{p2}max_rework: {}", int(u, 0, 4)?);
                }
            }
            3 => {
                let _ = writeln!(out, "{p2}wait: 0s");
            }
            4 => {
                let _ = writeln!(out, "{p2}parallel:");
                let branches = int(u, 1, 3)?;
                for _ in 0..branches {
                    let _ = writeln!(out, "{p2}  -");
                    steps(u, ctx, out, indent + 6, depth + 1)?;
                }
            }
            _ => {
                let _ = writeln!(out, "{p2}choose:");
                let shares: &[&str] = pick(
                    u,
                    &[
                        &["1"][..],
                        &["0.5", "0.5"][..],
                        &["0.3", "0.7"][..],
                        &["0.2", "0.3", "0.5"][..],
                        &["0", "1"][..],
                    ],
                )?;
                for p in shares {
                    let _ = writeln!(out, "{p2}  - p: {p}");
                    let _ = writeln!(out, "{p2}    steps:");
                    steps(u, ctx, out, indent + 6, depth + 1)?;
                }
            }
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A whole scenario as YAML text.
fn scenario(u: &mut Unstructured) -> Result<String> {
    let mut out = String::new();
    let _ = writeln!(out, "name: generated");
    let _ = writeln!(out, "seed: {}", u.arbitrary::<u32>()?);
    let _ = writeln!(out, "replications: 1");
    let horizon_h = int(u, 1, 48)?;
    let _ = writeln!(out, "horizon: {horizon_h}h");
    if u.ratio(1, 3)? {
        let _ = writeln!(out, "warmup: {}min", int(u, 0, horizon_h * 60 - 1)?);
    }
    if u.ratio(1, 3)? {
        let _ = writeln!(out, "drain_limit: {}h", horizon_h + int(u, 0, 72)?);
    }

    let has_calendar = u.ratio(2, 3)?;
    if has_calendar {
        let _ = writeln!(out, "calendar:");
        let start = pick(u, &["2024-09-02", "2024-09-06", "2024-09-07", "2024-02-28"])?;
        let _ = writeln!(out, "  start: {start}");
        let hours: &[&str] = pick(
            u,
            &[
                &["09:00-12:00", "13:00-17:00"][..],
                &["08:30-17:30"][..],
                &["00:00-24:00"][..],
                &["22:00-23:30"][..],
                &["09:00-09:15", "09:30-09:45"][..],
            ],
        )?;
        let quoted: Vec<String> = hours.iter().map(|h| format!("\"{h}\"")).collect();
        let _ = writeln!(out, "  hours: [{}]", quoted.join(", "));
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut days: Vec<&str> = all
            .iter()
            .copied()
            .filter(|_| u.ratio(3, 4).unwrap_or(true))
            .collect();
        if days.is_empty() {
            days.push("mon");
        }
        let _ = writeln!(out, "  days: [{}]", days.join(", "));
        if u.ratio(1, 3)? {
            let _ = writeln!(
                out,
                "  holidays: [{}]",
                pick(u, &["2024-09-03", "2024-09-02", "2024-09-06", "2024-02-29"])?
            );
        }
        if u.ratio(1, 4)? {
            let _ = writeln!(
                out,
                "  extra_workdays: [{}]",
                pick(u, &["2024-09-07", "2024-09-08", "2024-03-02"])?
            );
        }
    }

    let npools = int(u, 1, 3)? as usize;
    let pools: Vec<String> = (0..npools).map(|i| format!("p{i}")).collect();
    let _ = writeln!(out, "pools:");
    for p in &pools {
        let _ = writeln!(out, "  {p}:");
        if u.ratio(1, 4)? {
            let mut keys = vec![format!("\"00:00\": {}", int(u, 1, 4)?)];
            for _ in 0..int(u, 0, 2)? {
                keys.push(format!("\"{}\": {}", time_of_day(u)?, int(u, 0, 4)?));
            }
            let _ = writeln!(out, "    servers: {{{}}}", keys.join(", "));
        } else {
            // (an exhausted input reads as `true` from `ratio`: keep 0 the rare branch)
            let n = if u.ratio(39, 40)? { int(u, 1, 5)? } else { 0 };
            let _ = writeln!(out, "    servers: {n}");
        }
        if u.ratio(1, 3)? {
            let _ = writeln!(out, "    discipline: priority");
        }
        if has_calendar && u.ratio(1, 3)? {
            let _ = writeln!(out, "    at_close: {}", pick(u, &["finish", "send_home"])?);
        }
        if has_calendar && u.ratio(1, 8)? {
            let _ = writeln!(
                out,
                "    hours: [\"{}-{}\"]",
                pick(u, &["08:00", "09:00", "10:00"])?,
                pick(u, &["11:00", "12:00", "16:30"])?
            );
        }
    }

    let mut ctx = Ctx {
        pools: pools.clone(),
        has_calendar,
        step_counter: 0,
    };
    let nproc = int(u, 1, 3)? as usize;
    let processes: Vec<String> = (0..nproc).map(|i| format!("c{i}")).collect();
    let _ = writeln!(out, "processes:");
    for c in &processes {
        let _ = writeln!(out, "  {c}:");
        if u.ratio(1, 3)? {
            let _ = writeln!(out, "    priority: {}", int(u, -1, 2)?);
        }
        let time_limit = if u.ratio(1, 3)? {
            Some(if has_calendar && u.arbitrary::<bool>()? {
                format!("{}wd", int(u, 1, 5)?)
            } else {
                format!("{}h", int(u, 1, 48)?)
            })
        } else {
            None
        };
        let mut body = String::new();
        let ids = steps(u, &mut ctx, &mut body, 6, 0)?;
        if let Some(limit) = time_limit {
            if u.arbitrary::<bool>()? {
                let from = &ids[u.choose_index(ids.len())?];
                let _ = writeln!(out, "    time_limit: {{limit: {limit}, from: {from}}}");
            } else {
                let _ = writeln!(out, "    time_limit: {limit}");
            }
        }
        let _ = writeln!(out, "    steps:");
        out.push_str(&body);
    }

    let _ = writeln!(out, "arrivals:");
    for i in 0..int(u, 1, 3)? {
        let _ = writeln!(out, "  - name: a{i}");
        match u.choose_index(4)? {
            0 => {
                let _ = writeln!(out, "    rate: {}/h", int(u, 1, 60)?);
            }
            1 => {
                let _ = writeln!(out, "    daily: {}", int(u, 1, 400)?);
                if u.arbitrary::<bool>()? {
                    let _ = writeln!(out, "    profile:");
                    let _ = writeln!(out, "      \"00:00\": {}", pick(u, &["0.5", "1", "2"])?);
                    for _ in 0..int(u, 0, 2)? {
                        let _ = writeln!(
                            out,
                            "      \"{}\": {}",
                            time_of_day(u)?,
                            pick(u, &["0", "0.5", "1", "2"])?
                        );
                    }
                }
            }
            2 => {
                let unit = pick(u, &["min", "min", "h"])?;
                let _ = writeln!(out, "    interarrival: {}", dist(u, unit)?);
            }
            _ => {
                let _ = writeln!(out, "    appointments:");
                let _ = writeln!(out, "      every: {}min", int(u, 1, 60)?);
                let _ = writeln!(out, "      per_slot: {}", int(u, 1, 3)?);
                let _ = writeln!(
                    out,
                    "      no_show: {}",
                    pick(u, &["0", "0.1", "0.5", "0.99"])?
                );
                if u.arbitrary::<bool>()? {
                    let _ = writeln!(
                        out,
                        "      punctuality: {{normal: {{mean: -{}min, sd: {}min}}}}",
                        int(u, 0, 10)?,
                        int(u, 0, 10)?
                    );
                }
            }
        }
        if u.ratio(1, 4)? {
            let _ = writeln!(out, "    channel: {}", pick(u, &["hall", "online"])?);
        }
        if processes.len() > 1 && u.arbitrary::<bool>()? {
            let share = 1.0 / processes.len() as f64;
            let parts: Vec<String> = processes.iter().map(|p| format!("{p}: {share}")).collect();
            let _ = writeln!(out, "    mix: {{{}}}", parts.join(", "));
        } else {
            let _ = writeln!(
                out,
                "    process: {}",
                processes[u.choose_index(processes.len())?]
            );
        }
    }
    Ok(out)
}
