//! Bar charts drawn as SVG by hand: stacked bars with a title, axis labels, ticks with grid
//! lines, and a legend, in text sized to read at 100% zoom. No plotting library: the three
//! charts of the report need bars and axes only, and hand-written markup keeps every bar
//! one `<g class="bar">` that a test (or a reader's tools) can count.

use std::fmt::Write;

/// One stacked part of every bar.
pub struct Series {
    pub name: String,
    pub color: &'static str,
}

/// One bar: a value per series (stacked in series order) and the text of its tooltip.
pub struct Bar {
    pub label: String,
    pub values: Vec<f64>,
    pub tooltip: String,
}

/// A chart. `slots` are the positions on the category axis; a slot without a bar (a week
/// without calls) keeps its place so time reads evenly.
pub struct Chart<'a> {
    pub id: &'a str,
    pub title: String,
    /// The axis the bars stand on (categories, weeks).
    pub category_axis: String,
    /// The axis of the values.
    pub value_axis: String,
    pub series: Vec<Series>,
    pub slots: Vec<(String, Option<Bar>)>,
    /// Bars grow to the right (long category names read on the left) or upwards.
    pub horizontal: bool,
    /// The largest value the axis shows (`Some(1.0)` for a rate); else from the data.
    pub max: Option<f64>,
    /// How a tick value reads.
    pub tick: fn(f64) -> String,
}

const FONT: &str = "font-family=\"DejaVu Sans, Verdana, sans-serif\"";
const WIDTH: f64 = 880.0;

/// Longest axis label before it is cut with `…` (the tooltip keeps it whole).
const LABEL_CHARS: usize = 36;

pub fn render(c: &Chart<'_>) -> String {
    if c.horizontal {
        horizontal(c)
    } else {
        vertical(c)
    }
}

/// The largest stacked total, rounded up to a tick, and the ticks from 0.
fn scale(c: &Chart<'_>) -> (f64, Vec<f64>) {
    let data_max = c
        .slots
        .iter()
        .filter_map(|(_, b)| b.as_ref())
        .map(|b| b.values.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let max = c.max.unwrap_or(data_max).max(f64::MIN_POSITIVE);
    let step = nice_step(max / 5.0);
    let top = (max / step).ceil() * step;
    let n = (top / step).round() as usize;
    (top, (0..=n).map(|i| i as f64 * step).collect())
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

fn head(c: &Chart<'_>, height: f64) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"chart-{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"chart-{id}-title\" {FONT} font-size=\"13\">\
         <title id=\"chart-{id}-title\">{t}</title>\
         <text class=\"chart-title\" x=\"{x}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\" fill=\"#1a1a1a\">{t}</text>",
        id = c.id,
        t = esc(&c.title),
        x = WIDTH / 2.0,
    );
    s
}

/// The legend, one swatch per series, centred on line `y`.
fn legend(c: &Chart<'_>, y: f64) -> String {
    let widths: Vec<f64> = c
        .series
        .iter()
        .map(|s| 22.0 + s.name.chars().count() as f64 * 7.5 + 18.0)
        .collect();
    let mut x = (WIDTH - widths.iter().sum::<f64>()) / 2.0;
    let mut s = String::from("<g class=\"legend\">");
    for (series, w) in c.series.iter().zip(widths) {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"14\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#1a1a1a\">{}</text>",
            y - 11.0,
            series.color,
            x + 20.0,
            y,
            esc(&series.name)
        );
        x += w;
    }
    s.push_str("</g>");
    s
}

fn cut(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

/// Categories down the left, values along the bottom.
fn horizontal(c: &Chart<'_>) -> String {
    let longest = c
        .slots
        .iter()
        .map(|(l, _)| cut(l).chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * 7.2 + 20.0).clamp(90.0, 300.0);
    let right = 40.0;
    let top = 48.0;
    let row = 26.0;
    let plot_h = row * c.slots.len().max(1) as f64;
    let height = top + plot_h + 86.0;
    let plot_w = WIDTH - left - right;
    let (max, ticks) = scale(c);
    let mut s = head(c, height);
    // Grid lines and value ticks.
    for t in &ticks {
        let x = left + t / max * plot_w;
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d0d0d0\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            top + plot_h,
            top + plot_h + 18.0,
            esc(&(c.tick)(*t))
        );
    }
    let _ = write!(
        s,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        left + plot_w / 2.0,
        top + plot_h + 40.0,
        esc(&c.value_axis),
        left - 8.0,
        top - 8.0,
        esc(&c.category_axis)
    );
    s.push_str("<g class=\"bars\">");
    for (i, (label, bar)) in c.slots.iter().enumerate() {
        let y = top + i as f64 * row;
        let _ = write!(
            s,
            "<text class=\"tick-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#1a1a1a\">{}</text>",
            left - 8.0,
            y + row / 2.0 + 4.5,
            esc(&cut(label))
        );
        let Some(bar) = bar else { continue };
        let _ = write!(s, "<g class=\"bar\" data-label=\"{}\">", esc(label));
        let mut x = left;
        for (v, series) in bar.values.iter().zip(&c.series) {
            let w = v / max * plot_w;
            if *v > 0.0 {
                let _ = write!(
                    s,
                    "<rect class=\"segment\" data-series=\"{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect>",
                    esc(&series.name),
                    y + 4.0,
                    row - 8.0,
                    series.color,
                    esc(&bar.tooltip),
                    esc(&format!("{} {}", (c.tick)(*v), series.name))
                );
            }
            x += w;
        }
        s.push_str("</g>");
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#333\"/>",
        top + plot_h
    );
    s.push_str(&legend(c, height - 14.0));
    s.push_str("</svg>");
    s
}

/// Slots along the bottom (labels turned when they would collide), values up the left.
fn vertical(c: &Chart<'_>) -> String {
    let left = 72.0;
    let right = 24.0;
    let top = 44.0;
    let plot_h = 260.0;
    let n = c.slots.len().max(1) as f64;
    let plot_w = WIDTH - left - right;
    let band = plot_w / n;
    let longest = c
        .slots
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let turned = longest * 7.5 > band - 4.0;
    let label_h = if turned { longest * 5.6 + 16.0 } else { 22.0 };
    // Every label when they fit turned, else every k-th.
    let every = ((14.0 / band).ceil() as usize).max(1);
    let height = top + plot_h + label_h + 64.0;
    let (max, ticks) = scale(c);
    let mut s = head(c, height);
    let base = top + plot_h;
    for t in &ticks {
        let y = base - t / max * plot_h;
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#d0d0d0\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{}</text>",
            left + plot_w,
            left - 8.0,
            y + 4.5,
            esc(&(c.tick)(*t))
        );
    }
    let _ = write!(
        s,
        "<text class=\"axis-label\" transform=\"translate(18 {:.1}) rotate(-90)\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
        top + plot_h / 2.0,
        esc(&c.value_axis),
        left + plot_w / 2.0,
        base + label_h + 22.0,
        esc(&c.category_axis)
    );
    s.push_str("<g class=\"bars\">");
    for (i, (label, bar)) in c.slots.iter().enumerate() {
        let cx = left + (i as f64 + 0.5) * band;
        if i.is_multiple_of(every) {
            if turned {
                let _ = write!(
                    s,
                    "<text class=\"tick-label\" transform=\"translate({cx:.1} {:.1}) rotate(-45)\" text-anchor=\"end\" font-size=\"12\" fill=\"#1a1a1a\">{}</text>",
                    base + 14.0,
                    esc(&cut(label))
                );
            } else {
                let _ = write!(
                    s,
                    "<text class=\"tick-label\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>",
                    base + 18.0,
                    esc(&cut(label))
                );
            }
        }
        let Some(bar) = bar else { continue };
        let w = (band * 0.7).max(1.0);
        let _ = write!(s, "<g class=\"bar\" data-label=\"{}\">", esc(label));
        let mut y = base;
        for (v, series) in bar.values.iter().zip(&c.series) {
            let h = v / max * plot_h;
            y -= h;
            let _ = write!(
                s,
                "<rect class=\"segment\" data-series=\"{}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {}</title></rect>",
                esc(&series.name),
                cx - w / 2.0,
                series.color,
                esc(&bar.tooltip),
                esc(&(c.tick)(*v))
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"#333\"/>",
        left + plot_w
    );
    s.push_str(&legend(c, height - 12.0));
    s.push_str("</svg>");
    s
}

/// Text and attribute values in XML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters, and the bidirectional controls and line separators that
            // would make the text read in another order.
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}') =>
            {
                out.push('?')
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.2), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(14.0), 20.0);
        assert_eq!(nice_step(2_000.0), 2_000.0);
        assert_eq!(nice_step(2_001.0), 5_000.0);
    }

    #[test]
    fn markup_in_labels_is_text() {
        assert_eq!(esc("<script>&\"'\u{1b}"), "&lt;script&gt;&amp;&quot;&#39;?");
    }
}
