//! procsim's integration tests, in one binary so that a change to the
//! library relinks one test program, not fifteen. Each module is one
//! subject; `common` holds the helpers they share.

mod architecture;
mod bounds;
mod calendar;
mod check;
mod cli;
mod common;
mod compare;
mod costs;
mod determinism;
mod errors;
mod explain;
mod extends;
mod file_rows;
mod fit;
mod fit_errors;
mod fit_original;
mod fit_patience;
mod fuzz_regressions;
mod invariants;
mod library;
mod loader_props;
mod merge;
mod multiplicity;
mod outputs;
mod overload;
mod precision;
mod report_browser;
mod returns;
mod schema;
mod selection;
mod small_samples;
mod staff;
mod sweep;
mod theory;
