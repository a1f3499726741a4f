//! Reports: one data model (summaries, comparisons), many exporters. Every
//! exporter returns a string or bytes so tests can pin them; writing files
//! happens in [`files`], atomically.

pub mod csv;
pub mod files;
pub mod table;

/// Formats a KPI value for people: about four significant digits.
pub fn format_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 && a < 1e15 {
        format!("{v:.0}")
    } else if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}
