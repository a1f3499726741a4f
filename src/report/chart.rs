//! Charts with plotters, as SVG (inline in the HTML report) and PNG.
//!
//! Text is drawn with an embedded font (a subset of Noto Sans CJK SC, OFL,
//! see `assets/fonts/`), measured as a browser draws the SVG and rasterized
//! for PNGs by `font::Fixed`, so Chinese names show in PNGs too and
//! labels sized to fit do fit. Layout rules (what matplotlib and ggplot
//! users expect): the title and a legend with the full series names
//! (wrapped) sit above the plot, never over the data; category labels that
//! do not fit under vertical bars turn the bars horizontal, with the labels
//! wrapped beside them; axes span the data (shares stop at 100%); ticks are
//! formatted for their unit (`Ticks`); lines break where there is no data
//! (the hall is closed); intervals have caps and their numbers beside them.

pub(crate) mod font;

use font::{width, wrap, Fixed};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Series colours, in order. The first eight are Okabe and Ito's (2008)
/// palette, told apart with any common colour-vision deficiency; the last
/// four are from Paul Tol's "muted" scheme (indigo, wine, green, sand),
/// chosen so that no two of the twelve are closer (CIELAB distance, with
/// deuteranopia and protanopia simulated after Machado et al. 2009) than
/// the closest two of Okabe and Ito's eight. Past twelve: [`series_color`].
const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
    RGBColor(51, 34, 136),
    RGBColor(136, 34, 85),
    RGBColor(17, 119, 51),
    RGBColor(221, 204, 119),
];

/// The colour of series `i`: the palette's, then for series 13 to 24 the
/// same twelve halfway to white (told apart from the first twelve by
/// lightness, not hue); past 24 the colours repeat.
fn series_color(i: usize) -> RGBColor {
    let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
    if (i / PALETTE.len()).is_multiple_of(2) {
        return RGBColor(r, g, b);
    }
    let tint = |c: u8| ((u16::from(c) + 255) / 2) as u8;
    RGBColor(tint(r), tint(g), tint(b))
}
const GREEN: RGBColor = RGBColor(0, 140, 90);
const RED: RGBColor = RGBColor(200, 50, 30);
const GRAY: RGBColor = RGBColor(120, 120, 120);
const GRID: RGBColor = RGBColor(232, 232, 232);
const TEXT: RGBColor = RGBColor(40, 40, 40);

/// Font sizes (plotters sizes: the em is size / 1.24 pixels).
const TITLE: f64 = 26.0;
const LABEL: f64 = 19.0;
const TICK: f64 = 17.0;
const MARGIN: i32 = 16;

/// How an axis's tick values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ticks {
    /// Numbers, trailing zeros dropped ("10", "2.5").
    Plain,
    /// Whole numbers only (counts, servers).
    Integer,
    /// Hours of the day ("09:00").
    Hour,
    /// Shares of 1 shown in percent ("45%").
    Share,
    /// Values already in percent, signed ("+12%", "-40%").
    Percent,
    /// Differences of shares in percentage points ("+5.2 pp").
    Points,
}

/// A tick formatted for its axis, with as many decimals as an axis
/// spanning `span` needs to tell its ticks apart.
pub(crate) fn tick(v: f64, t: Ticks, span: f64) -> String {
    let v = if v.abs() < 1e-12 { 0.0 } else { v };
    let scale = match t {
        Ticks::Share | Ticks::Points => 100.0,
        _ => 1.0,
    };
    let step = (span * scale / 5.0).abs().max(1e-12);
    let d = (1.0 - step.log10().floor()).clamp(0.0, 9.0) as usize;
    let fixed = |x: f64| trim(&format!("{x:.d$}"));
    match t {
        Ticks::Plain => fixed(v),
        Ticks::Integer => {
            if (v - v.round()).abs() < 1e-6 {
                format!("{}", v.round())
            } else {
                String::new()
            }
        }
        Ticks::Hour => {
            let minutes = (v * 60.0).round() as i64;
            format!(
                "{:02}:{:02}",
                minutes.div_euclid(60),
                minutes.rem_euclid(60)
            )
        }
        Ticks::Share => format!("{}%", fixed(v * 100.0)),
        Ticks::Percent => signed(fixed(v), "%"),
        Ticks::Points => signed(fixed(v * 100.0), " pp"),
    }
}

/// Drops trailing zeros and a trailing point ("10.0" -> "10"), and the
/// sign of a zero.
fn trim(s: &str) -> String {
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// A value (not a tick) for its axis's unit: three significant digits.
pub(crate) fn value(v: f64, t: Ticks) -> String {
    match t {
        Ticks::Percent => super::signed_pct(v),
        Ticks::Points => format!("{} pp", super::signed(super::sig3(v * 100.0))),
        Ticks::Share => format!("{}%", super::sig3(v * 100.0)),
        _ => super::sig3(v),
    }
}

/// A signed number with a unit: "+12%", "-4.5 pp", "0%".
fn signed(s: String, unit: &str) -> String {
    format!("{}{unit}", super::signed(s))
}
/// A named line; a non-finite y breaks it (no data there).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// Legend text.
    pub name: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
}

/// A row of a forest plot.
#[derive(Debug, Clone)]
pub(crate) struct ForestRow {
    /// Heading of the group the row opens (a design's name), if any.
    pub group: Option<String>,
    /// Row label.
    pub label: String,
    /// Point estimate.
    pub mean: f64,
    /// Interval, low and high end.
    pub interval: (f64, f64),
    /// +1 better, -1 worse, 0 neither.
    pub verdict: i8,
}

/// A named line of (x, mean, half-width) points.
pub(crate) type ErrorSeries = (String, Vec<(f64, f64, f64)>);

/// What to draw.
#[derive(Debug, Clone)]
pub(crate) enum ChartSpec {
    /// Lines (ECDFs, hourly profiles).
    Lines {
        /// Title.
        title: String,
        /// X axis label with unit.
        x_label: String,
        /// Y axis label with unit.
        y_label: String,
        /// Lines.
        series: Vec<Series>,
        /// Step lines of distributions (y from 0 to 1): the x axis starts at
        /// 0 and stops at the largest 99th percentile when the tail is long,
        /// saying so.
        steps: bool,
        /// X tick format.
        x_ticks: Ticks,
        /// Y tick format.
        y_ticks: Ticks,
    },
    /// Grouped bars over categories.
    Bars {
        /// Title.
        title: String,
        /// Category axis label.
        x_label: String,
        /// Value axis label.
        y_label: String,
        /// Category names.
        categories: Vec<String>,
        /// (series name, value per category).
        series: Vec<(String, Vec<Option<f64>>)>,
        /// Value tick format.
        y_ticks: Ticks,
    },
    /// Point estimates with intervals, one row each.
    Forest {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Rows.
        rows: Vec<ForestRow>,
        /// X tick format (also of the numbers beside the rows).
        x_ticks: Ticks,
    },
    /// Lines with error bars and optional horizontal bounds (sweeps).
    ErrorLines {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label.
        y_label: String,
        /// (name, [(x, mean, half-width)]).
        series: Vec<ErrorSeries>,
        /// (label, y) dashed bounds.
        bounds: Vec<(String, f64)>,
        /// X tick format.
        x_ticks: Ticks,
        /// Y tick format.
        y_ticks: Ticks,
    },
}

impl ChartSpec {
    /// The chart's title.
    pub(crate) fn title(&self) -> &str {
        match self {
            ChartSpec::Lines { title, .. }
            | ChartSpec::Bars { title, .. }
            | ChartSpec::Forest { title, .. }
            | ChartSpec::ErrorLines { title, .. } => title,
        }
    }
}

/// A rendered chart.
pub(crate) struct Rendered {
    /// SVG text.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Chart width, and height of a chart that does not grow with its rows.
pub(crate) const SIZE: (u32, u32) = (900, 540);

/// Registers the embedded font as plotters' "sans-serif" (plotters looks
/// it up when it builds text styles, although [`Fixed`] measures and draws).
fn register_font() {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, font::FONT);
    });
}

/// Renders a chart as SVG and PNG.
pub(crate) fn render(spec: &ChartSpec) -> Result<Rendered, ChartError> {
    register_font();
    let layout = Layout::of(spec);
    let size = (SIZE.0, layout.height);
    let mut svg = String::new();
    {
        let root = Fixed {
            inner: SVGBackend::with_string(&mut svg, size),
            raster: false,
        }
        .into_drawing_area();
        draw(&root, spec, &layout)?;
        root.present().map_err(err)?;
    }
    let (w, h) = size;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = Fixed {
            inner: BitMapBackend::with_buffer(&mut buf, size),
            raster: true,
        }
        .into_drawing_area();
        draw(&root, spec, &layout)?;
        root.present().map_err(err)?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(&buf).map_err(err)?;
    }
    Ok(Rendered {
        svg,
        png: png_bytes,
    })
}

/// Drawing failed in the plotting backend or the PNG encoder (a bug, or
/// out of memory: the specs themselves are always drawable).
#[derive(Debug, thiserror::Error)]
#[error("drawing a chart failed: {0}")]
pub(crate) struct ChartError(String);

fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// A legend entry's mark.
#[derive(Clone, Copy)]
enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Box(RGBColor),
}

/// Where the title, legend and plot go, computed before drawing (the
/// height depends on wrapped text and on rows).
struct Layout {
    title: Vec<String>,
    /// Legend rows: (mark, lines of its text, x offset) per entry.
    legend: Vec<Vec<(Mark, Vec<String>, i32)>>,
    /// Where the plot starts.
    top: i32,
    height: u32,
    /// Horizontal bars: the category labels, wrapped.
    row_labels: Vec<Vec<String>>,
    /// Width of the row label column.
    label_width: i32,
    /// Height of each row (horizontal bars, forest plots).
    row_height: i32,
    /// Room at the right of the plot for the numbers of forest rows.
    right: i32,
}

/// Line heights: a browser's box of a line of the embedded font is about
/// 1.45 em high (its ascent plus descent), so lines closer than that overlap.
const LINE: i32 = 23;
const TITLE_LINE: i32 = 32;
const ROW_LINE: i32 = 20;
/// Room for the value axis under a plot: ticks and the axis label.
const X_AXIS: i32 = 70;

impl Layout {
    fn of(spec: &ChartSpec) -> Layout {
        let w = SIZE.0 as f64 - 2.0 * f64::from(MARGIN);
        let title = wrap(spec.title(), TITLE, w);
        let entries: Vec<(Mark, String)> = match spec {
            ChartSpec::Lines { series, .. } => series
                .iter()
                .enumerate()
                .map(|(i, s)| (Mark::Line(series_color(i)), s.name.clone()))
                .collect(),
            ChartSpec::Bars { series, .. } => series
                .iter()
                .enumerate()
                .map(|(i, s)| (Mark::Box(series_color(i)), s.0.clone()))
                .collect(),
            ChartSpec::ErrorLines { series, bounds, .. } => series
                .iter()
                .enumerate()
                .map(|(i, s)| (Mark::Line(series_color(i)), s.0.clone()))
                .chain(bounds.iter().map(|b| (Mark::Dashed(RED), b.0.clone())))
                .collect(),
            ChartSpec::Forest { .. } => vec![
                (Mark::Box(GREEN), "better".into()),
                (Mark::Box(RED), "worse".into()),
                (
                    Mark::Box(GRAY),
                    "no significant change, or no better direction".into(),
                ),
            ],
        };
        // A legend of one line (a single series) says nothing the title does not.
        let legend = if entries.len() > 1 {
            flow_legend(&entries, w)
        } else {
            Vec::new()
        };
        let title_h = title.len() as i32 * TITLE_LINE + 8;
        let legend_h: i32 = legend
            .iter()
            .map(|row| row.iter().map(|e| e.1.len() as i32).max().unwrap_or(1) * LINE + 4)
            .sum();
        let top = MARGIN + title_h + legend_h + if legend.is_empty() { 0 } else { 8 };
        let mut l = Layout {
            title,
            legend,
            top,
            height: SIZE.1,
            row_labels: Vec::new(),
            label_width: 0,
            row_height: 0,
            right: 0,
        };
        match spec {
            ChartSpec::Bars {
                categories, series, ..
            } if !vertical_bars_fit(categories) => l.rows(categories, series.len().max(1), 240.0),
            ChartSpec::Forest { rows, x_ticks, .. } => {
                l.right = rows
                    .iter()
                    .map(|r| width(&row_text(r, *x_ticks), TICK - 1.0) as i32 + 24)
                    .max()
                    .unwrap_or(0);
                let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
                l.rows(&labels, 1, 300.0);
                // Group headings take a row of their own.
                let groups = rows.iter().filter(|r| r.group.is_some()).count() as i32;
                l.height += (groups * l.row_height) as u32;
            }
            _ => l.height = l.height.max((top + 380) as u32),
        }
        l
    }

    /// Rows with wrapped labels of at most `max_label` pixels, `bars` bars high.
    fn rows(&mut self, labels: &[String], bars: usize, max_label: f64) {
        self.row_labels = labels.iter().map(|c| wrap(c, TICK, max_label)).collect();
        let widest = self
            .row_labels
            .iter()
            .flatten()
            .map(|l| width(l, TICK))
            .fold(0.0, f64::max);
        self.label_width = widest.ceil() as i32 + 14;
        let lines = self.row_labels.iter().map(Vec::len).max().unwrap_or(1) as i32;
        self.row_height = (lines * ROW_LINE + 8).max(bars as i32 * 7 + 10).max(30);
        self.height = (self.top + self.row_height * labels.len().max(1) as i32 + X_AXIS + MARGIN)
            .max(260) as u32;
    }
}

/// Legend entries flowed into rows across `w` pixels; a name too long for
/// a row of its own is wrapped.
fn flow_legend(entries: &[(Mark, String)], w: f64) -> Vec<Vec<(Mark, Vec<String>, i32)>> {
    const SWATCH: f64 = 34.0;
    const GAP: f64 = 26.0;
    let mut rows: Vec<Vec<(Mark, Vec<String>, i32)>> = vec![Vec::new()];
    let mut x = 0.0;
    for (mark, name) in entries {
        let lines = wrap(name, LABEL - 1.0, w - SWATCH);
        let ew = SWATCH
            + lines
                .iter()
                .map(|l| width(l, LABEL - 1.0))
                .fold(0.0, f64::max);
        let row = rows.len() - 1;
        if x > 0.0 && (x + ew > w || lines.len() > 1) {
            rows.push(Vec::new());
            x = 0.0;
        }
        let row = if rows[row].is_empty() {
            row
        } else {
            rows.len() - 1
        };
        rows[row].push((*mark, lines.clone(), x as i32));
        x += ew + GAP;
        if lines.len() > 1 {
            x = w; // a wrapped entry keeps its row to itself
        }
    }
    rows.retain(|r| !r.is_empty());
    rows
}

/// Whether every category label fits under its group of vertical bars.
fn vertical_bars_fit(categories: &[String]) -> bool {
    let plot = f64::from(SIZE.0) - 2.0 * f64::from(MARGIN) - 90.0;
    let slot = plot / categories.len().max(1) as f64;
    categories.len() <= 12 && categories.iter().all(|c| width(c, TICK) + 6.0 <= slot)
}

fn text_style(size: f64, pos: Pos, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&color).pos(pos)
}

/// Draws the title and legend; returns the area below them.
fn head<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    l: &Layout,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let w = SIZE.0 as i32;
    let mut y = MARGIN;
    for line in &l.title {
        root.draw(&Text::new(
            line.clone(),
            (w / 2, y),
            text_style(TITLE, Pos::new(HPos::Center, VPos::Top), TEXT),
        ))
        .map_err(err)?;
        y += TITLE_LINE;
    }
    y += 8;
    for row in &l.legend {
        let mut row_lines = 1;
        for (mark, lines, x) in row {
            let x = MARGIN + x;
            let my = y + LINE / 2 - 2;
            match mark {
                Mark::Line(c) => root
                    .draw(&PathElement::new(
                        vec![(x, my), (x + 26, my)],
                        c.stroke_width(4),
                    ))
                    .map_err(err)?,
                Mark::Dashed(c) => {
                    for s in [0, 10, 20] {
                        root.draw(&PathElement::new(
                            vec![(x + s, my), (x + s + 6, my)],
                            c.stroke_width(3),
                        ))
                        .map_err(err)?;
                    }
                }
                Mark::Box(c) => root
                    .draw(&Rectangle::new(
                        [(x + 4, my - 7), (x + 22, my + 7)],
                        c.filled(),
                    ))
                    .map_err(err)?,
            }
            for (i, line) in lines.iter().enumerate() {
                root.draw(&Text::new(
                    line.clone(),
                    (x + 34, y + i as i32 * LINE + 2),
                    text_style(LABEL - 1.0, Pos::new(HPos::Left, VPos::Top), TEXT),
                ))
                .map_err(err)?;
            }
            row_lines = row_lines.max(lines.len() as i32);
        }
        y += row_lines * LINE + 4;
    }
    Ok(root.clone().split_vertically(l.top).1)
}

/// The range of values, padded 5% on the open sides; from zero when asked
/// (and the data are not negative); shares stop at 100% when no value
/// passes it.
fn range_of(values: impl Iterator<Item = f64>, from_zero: bool, t: Ticks) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + if t == Ticks::Share { 0.1 } else { 1.0 };
    }
    let pad = (hi - lo) * 0.05;
    let top = if t == Ticks::Share && hi <= 1.0 {
        (hi + pad).min(1.0)
    } else {
        hi + pad
    };
    (if from_zero && lo >= 0.0 { lo } else { lo - pad }, top)
}

/// How many ticks to ask for: whole numbers only where they are integers.
fn tick_count(lo: f64, hi: f64, t: Ticks, most: usize) -> usize {
    match t {
        Ticks::Integer | Ticks::Hour => ((hi - lo).floor() as usize + 1).clamp(2, most),
        _ => most,
    }
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

type Mesh<'a, 'b, DB> = plotters::chart::MeshStyle<
    'a,
    'b,
    plotters::coord::types::RangedCoordf64,
    plotters::coord::types::RangedCoordf64,
    DB,
>;

/// A plot inside the chart's margins: `left` pixels for the labels at its
/// left, `right` for any text at its right, the value axis below.
fn plot<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    left: i32,
    right: i32,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, DB>, ChartError> {
    ChartBuilder::on(area)
        .margin_left(MARGIN)
        .margin_right(right)
        .margin_bottom(MARGIN)
        .margin_top(4)
        .x_label_area_size(X_AXIS - 14)
        .y_label_area_size(left)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// Every chart's axes: their fonts, a light grid at the ticks only, grey
/// axis lines.
fn house_style<'m, 'a, 'b, DB: DrawingBackend>(
    mesh: &'m mut Mesh<'a, 'b, DB>,
) -> &'m mut Mesh<'a, 'b, DB> {
    mesh.axis_desc_style(("sans-serif", LABEL).into_font().color(&TEXT))
        .label_style(("sans-serif", TICK).into_font().color(&TEXT))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(GRAY)
}

/// Draws each series' bars in its colour; `corners(series, category,
/// value)` places one bar.
fn draw_bars<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    series: &[(String, Vec<Option<f64>>)],
    corners: impl Fn(usize, usize, f64) -> [(f64, f64); 2],
) -> Result<(), ChartError> {
    for (si, (_, values)) in series.iter().enumerate() {
        let color = series_color(si);
        let bars = values
            .iter()
            .enumerate()
            .filter_map(|(ci, v)| Some(Rectangle::new(corners(si, ci, (*v)?), color.filled())));
        chart.draw_series(bars).map_err(err)?;
    }
    Ok(())
}

/// A numeric x-y plot with axis labels, formatted ticks and a light grid.
#[allow(clippy::too_many_arguments)]
fn xy<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    x: (f64, f64),
    y: (f64, f64),
    x_ticks: Ticks,
    y_ticks: Ticks,
) -> Result<Chart<'a, DB>, ChartError> {
    let y_width = [y.0, y.1, (y.0 + y.1) / 2.0]
        .iter()
        .map(|v| width(&tick(*v, y_ticks, y.1 - y.0), TICK))
        .fold(0.0, f64::max);
    let mut chart = plot(area, y_width as i32 + 48, MARGIN + 10, x.0..x.1, y.0..y.1)?;
    let xf = move |v: &f64| tick(*v, x_ticks, x.1 - x.0);
    let yf = move |v: &f64| tick(*v, y_ticks, y.1 - y.0);
    house_style(&mut chart.configure_mesh())
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(tick_count(x.0, x.1, x_ticks, 11))
        .y_labels(tick_count(y.0, y.1, y_ticks, 8))
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    l: &Layout,
) -> Result<(), ChartError> {
    let area = head(root, l)?;
    match spec {
        ChartSpec::Lines {
            x_label,
            y_label,
            series,
            steps,
            x_ticks,
            y_ticks,
            ..
        } => lines(&area, x_label, y_label, series, *steps, *x_ticks, *y_ticks),
        ChartSpec::Bars {
            x_label,
            y_label,
            categories,
            series,
            y_ticks,
            ..
        } => {
            if vertical_bars_fit(categories) {
                vertical_bars(&area, x_label, y_label, categories, series, *y_ticks)
            } else {
                horizontal_bars(root, &area, l, y_label, series, *y_ticks)
            }
        }
        ChartSpec::Forest {
            x_label,
            rows,
            x_ticks,
            ..
        } => forest(root, &area, l, x_label, rows, *x_ticks),
        ChartSpec::ErrorLines {
            x_label,
            y_label,
            series,
            bounds,
            x_ticks,
            y_ticks,
            ..
        } => {
            let (x0, x1) = range_of(
                series.iter().flat_map(|s| s.1.iter().map(|p| p.0)),
                false,
                *x_ticks,
            );
            let (y0, y1) = range_of(
                series
                    .iter()
                    .flat_map(|s| s.1.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
                    .chain(bounds.iter().map(|b| b.1)),
                true,
                *y_ticks,
            );
            let mut chart = xy(
                &area,
                x_label,
                y_label,
                (x0, x1),
                (y0, y1),
                *x_ticks,
                *y_ticks,
            )?;
            let cap = (x1 - x0) * 0.008;
            for (i, (_, pts)) in series.iter().enumerate() {
                let color = series_color(i);
                chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|p| (p.0, p.1)),
                        color.stroke_width(3),
                    ))
                    .map_err(err)?;
                chart
                    .draw_series(
                        pts.iter()
                            .map(|p| Circle::new((p.0, p.1), 5, color.filled())),
                    )
                    .map_err(err)?;
                for p in pts {
                    let (lo, hi) = (p.1 - p.2, p.1 + p.2);
                    chart
                        .draw_series([
                            PathElement::new(vec![(p.0, lo), (p.0, hi)], color.stroke_width(2)),
                            PathElement::new(
                                vec![(p.0 - cap, lo), (p.0 + cap, lo)],
                                color.stroke_width(2),
                            ),
                            PathElement::new(
                                vec![(p.0 - cap, hi), (p.0 + cap, hi)],
                                color.stroke_width(2),
                            ),
                        ])
                        .map_err(err)?;
                }
            }
            for (_, y) in bounds {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x0, *y), (x1, *y)],
                        8,
                        6,
                        RED.stroke_width(2),
                    ))
                    .map_err(err)?;
            }
            Ok(())
        }
    }
}

/// ECDFs and profiles.
#[allow(clippy::too_many_arguments)]
fn lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    steps: bool,
    x_ticks: Ticks,
    y_ticks: Ticks,
) -> Result<(), ChartError> {
    let xs = || {
        series
            .iter()
            .flat_map(|s| s.points.iter().filter(|p| p.1.is_finite()).map(|p| p.0))
    };
    let (mut x0, mut x1) = range_of(xs(), steps, x_ticks);
    let mut x_label = x_label.to_string();
    if steps {
        // Distributions: cut a long tail at the largest 99th percentile
        // (saying so), and start a little left of 0 so a curve that rises
        // at 0 is not hidden in the axis.
        let p99 = series
            .iter()
            .filter_map(|s| s.points.iter().find(|p| p.1 >= 0.99).map(|p| p.0))
            .fold(f64::NAN, f64::max);
        let max = xs().fold(f64::NAN, f64::max);
        if p99.is_finite() && max > 1.5 * p99 && p99 > 0.0 {
            x1 = p99 * 1.1;
            x_label = format!(
                "{x_label}; axis cut at {} (the largest 99th percentile), longest {}",
                value(p99, x_ticks),
                value(max, x_ticks)
            );
        }
        x0 = -(x1 - x0) * 0.015;
    } else if x_ticks == Ticks::Hour {
        // Whole hours around the points (drawn at the middle of their hour),
        // and a quarter hour more so the first hour's label clears the y axis's.
        x0 = (x0 + 0.05).floor() - 0.25;
        x1 = (x1 - 0.05).ceil() + 0.25;
    }
    let (y0, y1) = if steps {
        (0.0, 1.0)
    } else {
        range_of(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
            true,
            y_ticks,
        )
    };
    let y1 = if steps { y1 + 0.02 } else { y1 };
    let mut chart = xy(
        area,
        &x_label,
        y_label,
        (x0, x1),
        (y0, y1),
        x_ticks,
        y_ticks,
    )?;
    // Hours no series has data for (the hall is closed): a grey band.
    if !steps {
        if let Some(first) = series.first() {
            for p in first.points.iter().filter(|p| !p.1.is_finite()) {
                let all = series.iter().all(|s| {
                    s.points
                        .iter()
                        .any(|q| (q.0 - p.0).abs() < 1e-9 && !q.1.is_finite())
                });
                if all {
                    let (a, b) = (p.0 - 0.5, p.0 + 0.5);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(a, y0), (b, y1)],
                            RGBColor(240, 240, 240).filled(),
                        )))
                        .map_err(err)?;
                    chart
                        .draw_series(std::iter::once(Text::new(
                            "closed",
                            (p.0, y1 - (y1 - y0) * 0.03),
                            text_style(TICK - 2.0, Pos::new(HPos::Center, VPos::Top), GRAY),
                        )))
                        .map_err(err)?;
                }
            }
        }
    }
    for (i, s) in series.iter().enumerate() {
        let color = series_color(i);
        let segments = s
            .points
            .split(|p| !p.1.is_finite())
            .filter(|seg| !seg.is_empty());
        for seg in segments {
            let pts: Vec<(f64, f64)> = if steps {
                let mut v = Vec::new();
                for w in seg.windows(2) {
                    v.push(w[0]);
                    v.push((w[1].0, w[0].1));
                }
                v.extend(seg.last());
                v.into_iter().map(|p| (p.0.min(x1), p.1)).collect()
            } else {
                chart
                    .draw_series(seg.iter().map(|p| Circle::new(*p, 4, color.filled())))
                    .map_err(err)?;
                seg.to_vec()
            };
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(3)))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Few categories with short names: bars side by side under each.
fn vertical_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    categories: &[String],
    series: &[(String, Vec<Option<f64>>)],
    y_ticks: Ticks,
) -> Result<(), ChartError> {
    let n = categories.len().max(1) as f64;
    let (_, y1) = range_of(
        series.iter().flat_map(|s| s.1.iter().flatten().copied()),
        true,
        y_ticks,
    );
    let left = width(&tick(y1, y_ticks, y1), TICK) as i32 + 48;
    let mut chart = plot(area, left, MARGIN + 10, 0.0..n, 0.0..y1)?;
    let cats = categories.to_vec();
    let yf = move |v: &f64| tick(*v, y_ticks, y1);
    house_style(&mut chart.configure_mesh())
        .x_desc(x_label)
        .y_desc(y_label)
        .disable_x_mesh()
        .x_labels(categories.len() * 2 + 1)
        .x_label_formatter(&move |x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 0.01 && i < cats.len() {
                cats[i].clone()
            } else {
                String::new()
            }
        })
        .y_labels(tick_count(0.0, y1, y_ticks, 8))
        .y_label_formatter(&yf)
        .draw()
        .map_err(err)?;
    let k = series.len().max(1) as f64;
    draw_bars(&mut chart, series, |si, ci, v| {
        let left = ci as f64 + 0.1 + 0.8 * si as f64 / k;
        [(left, 0.0), (left + 0.8 / k * 0.92, v)]
    })
}

/// Many categories or long names: one row per category, its label wrapped
/// at the left, the bars running right.
fn horizontal_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    l: &Layout,
    value_label: &str,
    series: &[(String, Vec<Option<f64>>)],
    ticks: Ticks,
) -> Result<(), ChartError> {
    let n = l.row_labels.len().max(1) as f64;
    let (_, x1) = range_of(
        series.iter().flat_map(|s| s.1.iter().flatten().copied()),
        true,
        ticks,
    );
    let mut chart = rows_chart(area, l, value_label, (0.0, x1), n, ticks)?;
    row_labels(root, &chart, l, 0.0, n, |i| i)?;
    let k = series.len().max(1) as f64;
    draw_bars(&mut chart, series, |si, ci, v| {
        // Row ci from the top; its bars in series order, top down.
        let top = n - ci as f64 - 0.1 - 0.8 * si as f64 / k;
        [(0.0, top), (v, top - 0.8 / k * 0.9)]
    })
}

/// A plot of `n` rows with the layout's wrapped row labels at the left and
/// a value axis below.
fn rows_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    l: &Layout,
    value_label: &str,
    x: (f64, f64),
    n: f64,
    ticks: Ticks,
) -> Result<Chart<'a, DB>, ChartError> {
    let right = if let Some(extra) = area_right_text(l) {
        extra
    } else {
        MARGIN + 10
    };
    let mut chart = plot(area, l.label_width, right, x.0..x.1, 0.0..n)?;
    let xf = move |v: &f64| tick(*v, ticks, x.1 - x.0);
    house_style(&mut chart.configure_mesh())
        .x_desc(value_label)
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(tick_count(x.0, x.1, ticks, 8))
        .x_label_formatter(&xf)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Room at the right of forest plots for the numbers of each row.
fn area_right_text(l: &Layout) -> Option<i32> {
    (l.right > 0).then_some(l.right)
}

/// The numbers beside a forest row: "-65% (-68% to -61%)".
fn row_text(r: &ForestRow, t: Ticks) -> String {
    format!(
        "{} ({} to {})",
        value(r.mean, t),
        value(r.interval.0, t),
        value(r.interval.1, t)
    )
}

/// Draws the wrapped label of each row, right-aligned against the plot,
/// centred on its row (rows counted from the top, `row_of` maps label
/// index to row).
fn row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart<DB>,
    l: &Layout,
    x0: f64,
    n: f64,
    row_of: impl Fn(usize) -> usize,
) -> Result<(), ChartError> {
    for (i, lines) in l.row_labels.iter().enumerate() {
        let r = row_of(i) as f64;
        let (px, py) = chart.backend_coord(&(x0, n - r - 0.5));
        let top = py - (lines.len() as i32 * ROW_LINE) / 2;
        for (j, line) in lines.iter().enumerate() {
            root.draw(&Text::new(
                line.clone(),
                (px - 8, top + j as i32 * ROW_LINE),
                text_style(TICK, Pos::new(HPos::Right, VPos::Top), TEXT),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

/// Point estimates with capped interval bars, the numbers at the right,
/// rows grouped under headings.
fn forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    l: &Layout,
    x_label: &str,
    rows: &[ForestRow],
    ticks: Ticks,
) -> Result<(), ChartError> {
    // Row positions: a group heading takes a row.
    let mut at = Vec::with_capacity(rows.len());
    let mut r = 0usize;
    let mut headings = Vec::new();
    for row in rows {
        if let Some(g) = &row.group {
            headings.push((r, g.clone()));
            r += 1;
        }
        at.push(r);
        r += 1;
    }
    let n = r.max(1) as f64;
    let (x0, x1) = range_of(
        rows.iter()
            .flat_map(|r| [r.interval.0, r.interval.1, r.mean])
            .chain([0.0]),
        false,
        ticks,
    );
    let chart = rows_chart(area, l, x_label, (x0, x1), n, ticks)?;
    let mut chart = chart;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n)],
            BLACK.stroke_width(1),
        )))
        .map_err(err)?;
    row_labels(root, &chart, l, x0, n, |i| at[i])?;
    let plain = root;
    for (r, g) in &headings {
        let (_, py) = chart.backend_coord(&(x0, n - *r as f64 - 0.5));
        let lines = wrap(g, TICK, f64::from(SIZE.0) - 2.0 * f64::from(MARGIN));
        plain
            .draw(&Text::new(
                lines.join(" "),
                (MARGIN, py),
                ("sans-serif", TICK, FontStyle::Bold)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
    }
    // Caps a fixed 10 pixels high: visible however narrow the interval.
    let half_row = 0.5 * n / f64::from(area.dim_in_pixel().1.max(1));
    let cap = (10.0 * half_row).max(0.0);
    for (i, row) in rows.iter().enumerate() {
        let y = n - at[i] as f64 - 0.5;
        let color = match row.verdict {
            1 => GREEN,
            -1 => RED,
            _ => GRAY,
        };
        let (lo, hi) = row.interval;
        chart
            .draw_series([
                PathElement::new(vec![(lo, y), (hi, y)], color.stroke_width(3)),
                PathElement::new(vec![(lo, y - cap), (lo, y + cap)], color.stroke_width(3)),
                PathElement::new(vec![(hi, y - cap), (hi, y + cap)], color.stroke_width(3)),
            ])
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (row.mean, y),
                6,
                color.filled(),
            )))
            .map_err(err)?;
        let (px, py) = chart.backend_coord(&(x1, y));
        let text = row_text(row, ticks);
        plain
            .draw(&Text::new(
                text,
                (px + 10, py),
                text_style(TICK - 1.0, Pos::new(HPos::Left, VPos::Center), color),
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// The embedded font (for the HTML report's @font-face).
pub(crate) fn font_bytes() -> &'static [u8] {
    font::FONT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_in_their_unit() {
        assert_eq!(tick(9.0, Ticks::Hour, 100.0), "09:00");
        assert_eq!(tick(13.5, Ticks::Hour, 100.0), "13:30");
        assert_eq!(tick(10.0, Ticks::Plain, 100.0), "10");
        assert_eq!(tick(0.30000000000000004, Ticks::Plain, 1.0), "0.3");
        assert_eq!(tick(-0.0, Ticks::Plain, 100.0), "0");
        assert_eq!(tick(2.0, Ticks::Integer, 100.0), "2");
        assert_eq!(tick(2.5, Ticks::Integer, 100.0), "");
        assert_eq!(tick(0.45, Ticks::Share, 100.0), "45%");
        assert_eq!(tick(12.0, Ticks::Percent, 100.0), "+12%");
        assert_eq!(tick(-40.0, Ticks::Percent, 100.0), "-40%");
        assert_eq!(tick(0.0, Ticks::Percent, 100.0), "0%");
        assert_eq!(tick(-0.052, Ticks::Points, 0.1), "-5.2 pp");
        assert_eq!(tick(-0.0002, Ticks::Points, 0.0003), "-0.02 pp");
        assert_eq!(tick(2.5, Ticks::Plain, 10.0), "2.5");
    }

    #[test]
    fn shares_stop_at_one_and_data_bound_the_axis() {
        let (lo, hi) = range_of([0.2, 0.81].into_iter(), true, Ticks::Share);
        assert_eq!(lo, 0.0);
        // 0.81 + 5% of 0.81 (the pad), not 1.2.
        assert!((hi - 0.8505).abs() < 1e-12, "{hi}");
        let (_, hi) = range_of([0.2, 0.99].into_iter(), true, Ticks::Share);
        assert_eq!(hi, 1.0);
    }

    #[test]
    fn twenty_four_series_have_distinct_colours_then_repeat() {
        let colours: Vec<RGBColor> = (0..24).map(series_color).collect();
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // The first six (every chart of up to six designs) are unchanged.
        assert_eq!(series_color(0), RGBColor(0, 114, 178));
        assert_eq!(series_color(5), RGBColor(86, 180, 233));
        // The tint is halfway to white: (0 + 255) / 2 and (114 + 255) / 2.
        assert_eq!(series_color(12), RGBColor(127, 184, 216));
        assert_eq!(series_color(24), series_color(0));
    }

    #[test]
    fn many_or_long_categories_turn_bars_horizontal() {
        let short: Vec<String> = ["0", "1", "2", "3", "4", "5+"].map(String::from).into();
        assert!(vertical_bars_fit(&short));
        let long: Vec<String> = (0..20).map(|i| format!("pool number {i}")).collect();
        assert!(!vertical_bars_fit(&long));
    }

    #[test]
    fn every_chart_kind_renders_at_extreme_inputs() {
        let names: Vec<String> = (0..6)
            .map(|i| format!("长沙市政务服务中心 方案{i} — 综合窗口改革，后台分类审批，前台综合受理，统一出件"))
            .collect();
        let pools: Vec<String> = (0..60)
            .map(|i| format!("综合受理窗口第{i}组 (window group {i})"))
            .collect();
        let bars = ChartSpec::Bars {
            title: "Utilization by pool".into(),
            x_label: "pool".into(),
            y_label: "utilization".into(),
            categories: pools.clone(),
            series: names
                .iter()
                .map(|n| (n.clone(), pools.iter().map(|_| Some(0.5)).collect()))
                .collect(),
            y_ticks: Ticks::Share,
        };
        let r = render(&bars).unwrap();
        // Every pool name is in the SVG, whole (wrapped lines joined).
        for p in &pools {
            let first = p.split(' ').next().unwrap();
            assert!(r.svg.contains(first), "{first} missing");
        }
        assert!(r.png.starts_with(b"\x89PNG"));
    }
}
