//! Charts with plotters, as SVG (inline in the HTML report) and PNG.
//!
//! Text is drawn with an embedded font (a subset of Noto Sans CJK SC, OFL,
//! see `assets/fonts/`) registered as "sans-serif" through plotters'
//! pure-Rust `ab_glyph` backend, so charts render the same on a bare
//! machine and Chinese pool or process names show in PNGs too.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-subset.otf");
static REGISTER: Once = Once::new();

/// Colour-blind-safe palette (Okabe and Ito 2008).
pub(crate) const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];
const GREEN: RGBColor = RGBColor(0, 140, 90);
const RED: RGBColor = RGBColor(200, 50, 30);
const GRAY: RGBColor = RGBColor(120, 120, 120);

fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A named line.
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
        /// Step lines (for ECDFs).
        steps: bool,
    },
    /// Grouped bars over categories.
    Bars {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label.
        y_label: String,
        /// Category names.
        categories: Vec<String>,
        /// (series name, value per category).
        series: Vec<(String, Vec<Option<f64>>)>,
    },
    /// Point estimates with intervals, one row each.
    Forest {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Rows.
        rows: Vec<ForestRow>,
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
    },
}

/// A rendered chart.
pub(crate) struct Rendered {
    /// SVG text.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Chart size in pixels.
pub(crate) const SIZE: (u32, u32) = (900, 520);

/// Renders a chart as SVG and PNG.
pub(crate) fn render(spec: &ChartSpec) -> Result<Rendered, String> {
    register_font();
    // A forest plot grows with its rows so labels stay readable.
    let size = match spec {
        ChartSpec::Forest { rows, .. } => (SIZE.0, SIZE.1.max(110 + 24 * rows.len() as u32)),
        _ => SIZE,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, spec)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let (w, h) = size;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        draw(&root, spec)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&buf).map_err(|e| e.to_string())?;
    }
    Ok(Rendered {
        svg,
        png: png_bytes,
    })
}

fn range_of(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
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
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    (if from_zero && lo >= 0.0 { lo } else { lo - pad }, hi + pad)
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &ChartSpec) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let title_font = ("sans-serif", 24).into_font();
    let label_font = ("sans-serif", 17).into_font();
    match spec {
        ChartSpec::Lines {
            title,
            x_label,
            y_label,
            series,
            steps,
        } => {
            // ECDFs (step lines) start at 0; profiles fit their data.
            let (x0, x1) = range_of(
                series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
                *steps,
            );
            let (y0, y1) = range_of(
                series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                true,
            );
            let mut chart = xy_chart(root, title, x_label, y_label, x0..x1, y0..y1)?;
            for (i, s) in series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                let pts: Vec<(f64, f64)> = if *steps {
                    let mut v = Vec::new();
                    for w in s.points.windows(2) {
                        v.push(w[0]);
                        v.push((w[1].0, w[0].1));
                    }
                    if let Some(l) = s.points.last() {
                        v.push(*l);
                    }
                    v
                } else {
                    // A profile marks its points, so gaps (closed hours) show.
                    chart
                        .draw_series(s.points.iter().map(|p| Circle::new(*p, 4, color.filled())))
                        .map_err(err)?;
                    s.points.clone()
                };
                chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(3)))
                    .map_err(err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                    });
            }
            legend(
                &mut chart,
                if *steps {
                    SeriesLabelPosition::LowerRight
                } else {
                    SeriesLabelPosition::UpperRight
                },
            )?;
        }
        ChartSpec::Bars {
            title,
            x_label,
            y_label,
            categories,
            series,
        } => {
            let n = categories.len().max(1) as f64;
            let (_, y1) = range_of(
                series.iter().flat_map(|s| s.1.iter().flatten().copied()),
                true,
            );
            // Head room for the legend.
            let y1 = y1 * (1.0 + 0.08 * series.len() as f64);
            let mut chart = ChartBuilder::on(root)
                .caption(title, title_font)
                .margin(16)
                .x_label_area_size(if categories.len() > 6 { 130 } else { 60 })
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..n, 0.0..y1)
                .map_err(err)?;
            let cats = categories.clone();
            let rotate = categories.len() > 6;
            let x_style = if rotate {
                ("sans-serif", 13)
                    .into_font()
                    .transform(FontTransform::Rotate90)
            } else {
                ("sans-serif", 14).into_font()
            };
            chart
                .configure_mesh()
                .x_desc(x_label.as_str())
                .y_desc(y_label.as_str())
                .axis_desc_style(label_font.clone())
                .label_style(("sans-serif", 14))
                .x_label_style(x_style)
                .disable_x_mesh()
                .x_labels(categories.len() * 2 + 1)
                .x_label_formatter(&move |x| {
                    let i = x.floor() as usize;
                    if (x - x.floor() - 0.5).abs() < 0.01 && i < cats.len() {
                        if rotate {
                            // Rotated labels are centred on the tick: pad them
                            // so the text starts at the axis and runs down.
                            let width: usize = cats[i]
                                .chars()
                                .map(|c| if c.is_ascii() { 1 } else { 2 })
                                .sum();
                            format!("{}{}", " ".repeat(width * 2 + 2), cats[i])
                        } else {
                            cats[i].clone()
                        }
                    } else {
                        String::new()
                    }
                })
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(err)?;
            let k = series.len().max(1) as f64;
            for (si, (name, values)) in series.iter().enumerate() {
                let color = PALETTE[si % PALETTE.len()];
                let bars: Vec<Rectangle<(f64, f64)>> = values
                    .iter()
                    .enumerate()
                    .filter_map(|(ci, v)| {
                        let v = (*v)?;
                        let left = ci as f64 + 0.1 + 0.8 * si as f64 / k;
                        Some(Rectangle::new(
                            [(left, 0.0), (left + 0.8 / k * 0.92, v)],
                            color.filled(),
                        ))
                    })
                    .collect();
                chart
                    .draw_series(bars)
                    .map_err(err)?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled())
                    });
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        ChartSpec::Forest {
            title,
            x_label,
            rows,
        } => {
            let n = rows.len().max(1) as f64;
            let (x0, x1) = range_of(
                rows.iter()
                    .flat_map(|r| [r.interval.0, r.interval.1])
                    .chain([0.0]),
                false,
            );
            let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
            let mut chart = ChartBuilder::on(root)
                .caption(title, title_font)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(230)
                .build_cartesian_2d(x0..x1, 0.0..n)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(x_label.as_str())
                .axis_desc_style(label_font.clone())
                .label_style(("sans-serif", 14))
                .disable_y_mesh()
                .y_labels(rows.len() * 2 + 1)
                .y_label_formatter(&move |y| {
                    let i = y.floor() as usize;
                    let row = labels.len().wrapping_sub(1).wrapping_sub(i);
                    if (y - y.floor() - 0.5).abs() < 0.01 && row < labels.len() {
                        labels[row].clone()
                    } else {
                        String::new()
                    }
                })
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (0.0, n)],
                    BLACK.stroke_width(1),
                )))
                .map_err(err)?;
            for (i, r) in rows.iter().enumerate() {
                let y = n - i as f64 - 0.5;
                let color = match r.verdict {
                    1 => GREEN,
                    -1 => RED,
                    _ => GRAY,
                };
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(r.interval.0, y), (r.interval.1, y)],
                        color.stroke_width(3),
                    )))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Circle::new((r.mean, y), 6, color.filled())))
                    .map_err(err)?;
            }
        }
        ChartSpec::ErrorLines {
            title,
            x_label,
            y_label,
            series,
            bounds,
        } => {
            let (x0, x1) = range_of(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)), false);
            let (y0, y1) = range_of(
                series
                    .iter()
                    .flat_map(|s| s.1.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
                    .chain(bounds.iter().map(|b| b.1)),
                true,
            );
            let mut chart = xy_chart(root, title, x_label, y_label, x0..x1, y0..y1)?;
            for (i, (name, pts)) in series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|p| (p.0, p.1)),
                        color.stroke_width(3),
                    ))
                    .map_err(err)?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                    });
                chart
                    .draw_series(
                        pts.iter()
                            .map(|p| Circle::new((p.0, p.1), 5, color.filled())),
                    )
                    .map_err(err)?;
                chart
                    .draw_series(pts.iter().map(|p| {
                        PathElement::new(
                            vec![(p.0, p.1 - p.2), (p.0, p.1 + p.2)],
                            color.stroke_width(2),
                        )
                    }))
                    .map_err(err)?;
            }
            for (label, y) in bounds {
                let y = *y;
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x0, y), (x1, y)],
                        8,
                        6,
                        RED.stroke_width(2),
                    ))
                    .map_err(err)?
                    .label(label.as_str())
                    .legend(move |(x, yy)| {
                        PathElement::new(vec![(x, yy), (x + 24, yy)], RED.stroke_width(2))
                    });
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
    }
    Ok(())
}

/// A numeric x-y chart with title, axis labels and a light grid (lines, sweeps).
fn xy_chart<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 24).into_font())
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style(("sans-serif", 17).into_font())
        .label_style(("sans-serif", 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(err)
}

/// The embedded font (for the HTML report's @font-face).
pub(crate) fn font_bytes() -> &'static [u8] {
    FONT
}
