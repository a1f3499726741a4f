//! Text for charts: measuring, wrapping, and drawing it into PNGs.
//!
//! plotters 0.3.7 draws ab_glyph text one glyph bitmap after another from
//! the pen position, without the glyph's left bearing and with the pen
//! rounded down to whole pixels, so PNG text came out as "Ch ange". It also
//! sizes text as if the font's ascent-to-descent height were the em, while
//! its SVG backend writes `font-size = size / 1.24`: a browser then draws
//! SVG text a good deal wider than plotters measured it, and labels sized to
//! fit were clipped. [`Fixed`] wraps a backend so both measure text the way
//! a browser draws it (em = size / 1.24) and, for bitmaps, draws it with the
//! bearings and sub-pixel pen positions the font asks for.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};
use std::sync::OnceLock;

/// The embedded font (a subset of Noto Sans CJK SC, OFL; `assets/fonts/`).
pub(crate) static FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-subset.otf");

fn font() -> Option<&'static FontRef<'static>> {
    static F: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    F.get_or_init(|| FontRef::try_from_slice(FONT).ok())
        .as_ref()
}

/// The em of a plotters font size, in pixels (what the SVG backend writes).
pub(crate) fn em(size: f64) -> f32 {
    (size / 1.24) as f32
}

/// ab_glyph's scale for an em in pixels (ab_glyph scales the
/// ascent-to-descent height, not the em).
fn scale(f: &FontRef, em: f32) -> PxScale {
    let upem = f.units_per_em().unwrap_or(1000.0);
    PxScale::from(em * f.height_unscaled() / upem)
}

/// The width in pixels of `text` at plotters font size `size`.
pub(crate) fn width(text: &str, size: f64) -> f64 {
    let Some(f) = font() else {
        // No font: about half an em per character.
        return text.chars().count() as f64 * f64::from(em(size)) * 0.55;
    };
    let sf = f.as_scaled(scale(f, em(size)));
    let mut w = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let g = sf.glyph_id(c);
        if let Some(p) = prev {
            w += sf.kern(p, g);
        }
        w += sf.h_advance(g);
        prev = Some(g);
    }
    f64::from(w)
}

/// `text` broken into lines of at most `max` pixels at font size `size`:
/// at spaces, or anywhere between CJK characters; a single word longer than
/// `max` is cut between characters too (never hidden).
pub(crate) fn wrap(text: &str, size: f64, max: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    // Tokens: a word with its trailing space, or one wide character.
    let mut tokens: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if !c.is_ascii() && !c.is_whitespace() {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            tokens.push(c.to_string());
        } else {
            word.push(c);
            if c == ' ' {
                tokens.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    for t in tokens {
        let candidate = format!("{line}{t}");
        if width(candidate.trim_end(), size) <= max || line.is_empty() {
            line = candidate;
        } else {
            lines.push(line.trim_end().to_string());
            line = t;
        }
        // A token wider than the line on its own: cut it by characters.
        while width(line.trim_end(), size) > max && line.chars().count() > 1 {
            let mut cut = String::new();
            for c in line.chars() {
                if width(&format!("{cut}{c}"), size) > max && !cut.is_empty() {
                    break;
                }
                cut.push(c);
            }
            let rest: String = line.chars().skip(cut.chars().count()).collect();
            lines.push(cut);
            line = rest;
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// A backend whose text is measured (and, with `raster`, drawn) as a
/// browser draws the SVG: see the module doc.
pub(crate) struct Fixed<B> {
    /// The wrapped backend.
    pub inner: B,
    /// Draw text pixel by pixel (bitmaps) instead of passing it on (SVG).
    pub raster: bool,
}

impl<B: DrawingBackend> DrawingBackend for Fixed<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        p: BackendCoord,
        c: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_pixel(p, c)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_line(a, b, s)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_rect(a, b, s, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_path(path, s)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        r: u32,
        s: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_circle(c, r, s, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        s: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.fill_polygon(vert, s)
    }
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        Ok((
            width(text, style.size()).ceil() as u32,
            em(style.size()).ceil() as u32,
        ))
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        if !self.raster {
            return self.inner.draw_text(text, style, pos);
        }
        let Some(f) = font() else {
            return self.inner.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let em = em(style.size());
        let sf = f.as_scaled(scale(f, em));
        let w = width(text, style.size()) as f32;
        // The anchor as the SVG backend places it: text-anchor start,
        // middle or end; dy 0.76em (top), 0.5ex (centre), -0.5ex (bottom),
        // taking an ex as half an em.
        let x0 = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let baseline = match style.anchor().v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.25 * em,
            VPos::Bottom => -0.25 * em,
        };
        let trans = style.transform();
        let (cw, ch) = self.get_size();
        let mut pen = x0;
        let mut prev = None;
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                pen += sf.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(sf.scale(), ab_glyph::point(pen, baseline));
            if let Some(o) = f.outline_glyph(glyph) {
                let b = o.px_bounds();
                o.draw(|x, y, cov| {
                    pixels.push((b.min.x as i32 + x as i32, b.min.y as i32 + y as i32, cov));
                });
            }
            pen += sf.h_advance(id);
        }
        for (x, y, cov) in pixels {
            if cov <= 0.0 {
                continue;
            }
            let (x, y) = match trans {
                FontTransform::None => (x, y),
                ref t => t.transform(x, y),
            };
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && (x as u32) < cw && (y as u32) < ch {
                let c = BackendColor {
                    alpha: color.alpha * f64::from(cov.min(1.0)),
                    rgb: color.rgb,
                };
                self.inner.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_between_cjk_characters() {
        let size = 17.0;
        let one = width("abc", size);
        assert!(one > 0.0);
        // Every line fits, and joining them gives back the words.
        let text = "a fairly long design name that needs two lines";
        let lines = wrap(text, size, width("a fairly long design", size) + 1.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines
            .iter()
            .all(|l| width(l, size) <= width("a fairly long design", size) + 1.0));
        assert_eq!(lines.join(" "), text);
        let cjk = "长沙市政务服务中心综合窗口改革方案";
        let lines = wrap(cjk, size, width("长沙市政务", size) + 0.5);
        assert_eq!(lines.concat(), cjk);
        assert!(lines.iter().all(|l| l.chars().count() <= 5), "{lines:?}");
    }

    #[test]
    fn widths_add_up_without_kerning_pairs() {
        // Monospaced digits in Noto: "00" is twice "0".
        let size = 14.0;
        assert!((width("00", size) - 2.0 * width("0", size)).abs() < 0.01);
    }
}
