//! A playbook's flowchart as an inline SVG: questions and actions as boxes, branches
//! labelled with the answer, calls linking to the called playbook's page, ends coloured by
//! status and labelled with category and escalation. The graph comes from the playbook
//! crate's `graph::links`; the placement from [`layout`].

pub mod layout;

use deskbook_content::playbook::{FromSpec, Playbook, Step, StepBody, Vantage};
use deskbook_playbook::graph;

use layout::{EdgeSpec, NodeSize, Rect};

/// Width of every box.
const BOX_W: f64 = 236.0;
const PAD: f64 = 10.0;
/// Estimated advance of one character (DejaVu Sans is among the widest sans fonts; this
/// errs on the wide side so text stays inside its box).
const CHAR_W: f64 = 7.1;
const HEAD_CHAR_W: f64 = 7.9;
const LINE_H: f64 = 15.0;
const HEAD_H: f64 = 18.0;
const BODY_LINES: usize = 4;
const LABEL_CHAR_W: f64 = 6.7;
const LABEL_H: f64 = 18.0;
const LABEL_MAX: usize = 26;
/// Largest playbook drawn; bigger ones are listed as steps only.
pub const MAX_STEPS: usize = 400;

/// How the flowchart links out of a box.
pub trait Links {
    /// The page of a called playbook, when the reader may see it.
    fn playbook(&self, id: &str) -> Option<String>;

    /// Step text as the reader sees it (template variables filled in or marked).
    fn text(&self, template: &str) -> String {
        reader_text(template, &serde_json::Map::new())
    }
}

/// The SVG of `pb`'s flowchart, or `None` when it is too big to draw legibly.
pub fn svg(pb: &Playbook, links: &dyn Links) -> Option<String> {
    if pb.steps.is_empty() || pb.steps.len() > MAX_STEPS {
        return None;
    }
    let index: std::collections::HashMap<&str, usize> = pb
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let boxes: Vec<BoxText> = pb.steps.iter().map(|s| box_text(s, links)).collect();
    let sizes: Vec<NodeSize> = boxes
        .iter()
        .map(|b| NodeSize {
            w: BOX_W,
            h: PAD * 2.0 + HEAD_H + LINE_H * b.lines.len() as f64,
        })
        .collect();
    let mut edges = Vec::new();
    let mut labels = Vec::new();
    for (i, s) in pb.steps.iter().enumerate() {
        for l in graph::links(s) {
            let Some(&to) = index.get(l.target.as_str()) else {
                continue;
            };
            let text = l.label.as_deref().map(|t| truncate(t, LABEL_MAX));
            edges.push(EdgeSpec {
                from: i,
                to,
                label: text.as_ref().map(|t| NodeSize {
                    w: t.chars().count() as f64 * LABEL_CHAR_W + 12.0,
                    h: LABEL_H,
                }),
            });
            labels.push(text);
        }
    }
    let start = index.get(pb.start.as_str()).copied().unwrap_or(0);
    let placed = layout::layout(&sizes, &edges, start);

    let (w, h) = (placed.width.ceil(), placed.height.ceil());
    let mut out = String::with_capacity(4096 + pb.steps.len() * 700);
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flowchart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"fc-title\">\n<title id=\"fc-title\">Flowchart: {}</title>\n",
        esc(&pb.title)
    ));
    out.push_str("<defs><marker id=\"fc-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path class=\"fc-arrowhead\" d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n");
    out.push_str("<g class=\"fc-edges\">\n");
    for (e, path) in placed.edges.iter().enumerate() {
        if path.points.len() < 2 {
            continue;
        }
        let from = &pb.steps[edges[e].from].id;
        let to = &pb.steps[edges[e].to].id;
        out.push_str(&format!(
            "<path class=\"fc-edge\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" marker-end=\"url(#fc-arrow)\"/>\n",
            esc(from),
            esc(to),
            path_data(&path.points)
        ));
    }
    out.push_str("</g>\n<g class=\"fc-labels\">\n");
    for (e, path) in placed.edges.iter().enumerate() {
        if let (Some(r), Some(text)) = (path.label, &labels[e]) {
            out.push_str(&format!(
                "<g class=\"fc-label\"><rect class=\"fc-label-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"9\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>\n",
                n(r.x), n(r.y), n(r.w), n(r.h), n(r.x + r.w / 2.0), n(r.y + 13.0), esc(text)
            ));
        }
    }
    out.push_str("</g>\n<g class=\"fc-nodes\">\n");
    for (i, s) in pb.steps.iter().enumerate() {
        let b = &boxes[i];
        let r = placed.nodes[i];
        let href = match s.callee() {
            Some(callee) => links
                .playbook(callee)
                .unwrap_or_else(|| format!("#step-{}", s.id)),
            None => format!("#step-{}", s.id),
        };
        node(&mut out, s, b, r, &href);
    }
    out.push_str("</g>\n</svg>\n");
    Some(out)
}

/// What a box says: its class, its heading and up to four lines of text.
struct BoxText {
    class: String,
    head: String,
    lines: Vec<String>,
    full: String,
}

fn box_text(s: &Step, links: &dyn Links) -> BoxText {
    let per_line = ((BOX_W - 2.0 * PAD) / CHAR_W).floor() as usize;
    let head_max = ((BOX_W - 2.0 * PAD) / HEAD_CHAR_W).floor() as usize;
    let mut lines = Vec::new();
    let body = s.body();
    let (class, kind, text) = match body {
        Some(StepBody::End { status }) => {
            lines.push(truncate(status_title(status), per_line));
            // A long category goes on to a second line rather than being cut.
            if let Some(c) = &s.category {
                lines.extend(wrap(&format!("category: {}", links.text(c)), per_line, 2));
            }
            if let Some(e) = &s.escalate {
                lines.push(truncate(
                    &format!("escalate to {}", links.text(e)),
                    per_line,
                ));
            }
            (format!("fc-end fc-{status}"), "end", String::new())
        }
        Some(StepBody::Call(callee)) => {
            lines.push(truncate(&format!("call playbook {callee}"), per_line));
            ("fc-call".to_string(), "call", String::new())
        }
        Some(StepBody::Ask { text, .. }) => ("fc-ask".to_string(), "question", text.to_string()),
        Some(StepBody::Do { text, .. }) => ("fc-do".to_string(), "do", text.to_string()),
        Some(StepBody::Lua(_)) => (
            "fc-lua".to_string(),
            "lua",
            "Decided by a Lua chunk.".to_string(),
        ),
        Some(StepBody::Probe(p)) => (
            "fc-probe".to_string(),
            "probe",
            format!(
                "Run the {} probe {}.",
                p.name,
                vantage(p.from.as_ref(), &|t| links.text(t))
            ),
        ),
        None => (
            "fc-step".to_string(),
            "step",
            s.say.clone().unwrap_or_default(),
        ),
    };
    // Markdown code marks mean nothing in a box.
    let text = links.text(&text).replace('`', "");
    // A pre-fill probe or a command takes two lines under the text.
    let under = matches!(
        body,
        Some(
            StepBody::Ask { probe: Some(_), .. }
                | StepBody::Do {
                    command: Some(_),
                    ..
                }
        )
    );
    if !text.is_empty() {
        lines = wrap(&text, per_line, BODY_LINES - usize::from(under));
    }
    // A question's pre-fill probe is named under its text.
    if let Some(StepBody::Ask { probe: Some(p), .. }) = body {
        lines.push(truncate(&format!("probe: {}", p.name), per_line));
        lines.push(truncate(
            &vantage(p.from.as_ref(), &|t| links.text(t)),
            per_line,
        ));
    }
    // So is the computer a `do` step's command runs on.
    if let Some(StepBody::Do {
        command: Some(a), ..
    }) = body
    {
        let what = match (&a.task, &a.argv) {
            (Some(task), _) => task.clone(),
            (None, Some(argv)) => argv.first().cloned().unwrap_or_default(),
            (None, None) => String::new(),
        };
        lines.push(truncate(&format!("command: {what}"), per_line));
        lines.push(truncate(
            &vantage(a.from.as_ref(), &|t| links.text(t)),
            per_line,
        ));
    }
    let full = if text.is_empty() {
        lines.join(" ")
    } else {
        squash(&text)
    };
    BoxText {
        class,
        head: truncate(&format!("{} · {kind}", s.id), head_max),
        lines,
        full,
    }
}

fn node(out: &mut String, s: &Step, b: &BoxText, r: Rect, href: &str) {
    out.push_str(&format!(
        "<a href=\"{}\"><g class=\"fc-node {}\" data-step=\"{}\"><title>{}</title><rect class=\"fc-box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>",
        esc(href),
        b.class,
        esc(&s.id),
        esc(&b.full),
        n(r.x),
        n(r.y),
        n(r.w),
        n(r.h),
        if s.end_status().is_some() { 14 } else { 4 }
    ));
    let x = r.x + PAD;
    out.push_str(&format!(
        "<text class=\"fc-head\" x=\"{}\" y=\"{}\">{}</text>",
        n(x),
        n(r.y + PAD + 13.0),
        esc(&b.head)
    ));
    if !b.lines.is_empty() {
        out.push_str(&format!(
            "<text class=\"fc-text\" x=\"{}\" y=\"{}\">",
            n(x),
            n(r.y + PAD + HEAD_H + 12.0)
        ));
        for (k, line) in b.lines.iter().enumerate() {
            let dy = if k == 0 { 0.0 } else { LINE_H };
            out.push_str(&format!(
                "<tspan x=\"{}\" dy=\"{}\">{}</tspan>",
                n(x),
                n(dy),
                esc(line)
            ));
        }
        out.push_str("</text>");
    }
    out.push_str("</g></a>\n");
}

/// Where a probe or command runs, in words: "on the caller's computer", "on the target",
/// "on the help desk computer" (a step that does not say runs there), or, for a `from:`
/// made from an input, "on the computer ‹side› names".
pub fn vantage(from: Option<&FromSpec>, text: &dyn Fn(&str) -> String) -> String {
    match from {
        Some(FromSpec::Fixed(Vantage::Caller)) => "on the caller's computer".to_string(),
        Some(FromSpec::Fixed(Vantage::Target)) => "on the target".to_string(),
        Some(FromSpec::Fixed(Vantage::Helpdesk)) | None => "on the help desk computer".to_string(),
        Some(FromSpec::Template(t)) => format!("on the computer {} names", text(t)),
    }
}

/// The title of an end status, as the three statuses are named on the home page.
pub fn status_title(status: &str) -> &'static str {
    match status {
        "fixed-understood" => "Fixed, understood",
        "fixed-unclear" => "Fixed, unclear",
        "not-fixed" => "Not fixed",
        _ => "Ends",
    }
}

/// An SVG path through `pts`: straight down a band, a smooth curve between bands.
fn path_data(pts: &[(f64, f64)]) -> String {
    let mut d = format!("M{},{}", n(pts[0].0), n(pts[0].1));
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a.0 - b.0).abs() < 0.5 {
            d.push_str(&format!(" L{},{}", n(b.0), n(b.1)));
        } else {
            let mid = (a.1 + b.1) / 2.0;
            d.push_str(&format!(
                " C{},{} {},{} {},{}",
                n(a.0),
                n(mid),
                n(b.0),
                n(mid),
                n(b.0),
                n(b.1)
            ));
        }
    }
    d
}

/// A playbook text (a template) as a reader sees it, rendered by the same template engine
/// the runtime uses ([`deskbook_playbook::template`]): every variable but `org` has the
/// value `‹name›` (so `{{ target }}` reads ‹target› and a condition on an input takes its
/// general branch), `org` is the role's view of the organisation's variables. A text that
/// does not render this way has its `{% %}` and `{# #}` tags stripped and its `{{ }}`
/// marked by [`placeholders`], so no template syntax ever reaches a page.
pub fn reader_text(text: &str, org: &serde_json::Map<String, serde_json::Value>) -> String {
    use deskbook_playbook::template;
    if !template::is_template(text) {
        return text.to_string();
    }
    let rendered = template::variables_of(text).and_then(|names| {
        let vars: serde_json::Map<String, serde_json::Value> = names
            .into_iter()
            .filter(|n| n != template::ORG)
            .map(|n| {
                let shown = format!("‹{n}›");
                (n, serde_json::Value::String(shown))
            })
            .collect();
        let templates = template::Templates::new(std::iter::empty())
            .map_err(|(_, e)| e)?
            .with_org(org.clone());
        templates.render("site", text, &vars)
    });
    match rendered {
        Ok(out) if !template::is_template(&out) => out,
        Ok(out) => placeholders(&strip_tags(&out), org),
        Err(_) => placeholders(&strip_tags(text), org),
    }
}

/// `text` without its `{% … %}` and `{# … #}` tags (an unclosed one is cut off).
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let open = [("{%", "%}"), ("{#", "#}")]
            .into_iter()
            .filter_map(|(o, c)| rest.find(o).map(|at| (at, c)))
            .min_by_key(|(at, _)| *at);
        let Some((at, close)) = open else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        match rest[at + 2..].find(close) {
            Some(len) => rest = &rest[at + 2 + len + 2..],
            None => break,
        }
    }
    out
}

/// Template variables as a reader sees them: `{{ org.NAME }}` is the organisation's value
/// from `org` (the role's view, so a restricted one reads `[withheld: NAME]`), any other
/// `{{ target }}` becomes `‹target›`, filled in when the call runs.
pub fn placeholders(text: &str, org: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        let Some(len) = rest[at..].find("}}") else {
            break;
        };
        out.push_str(&rest[..at]);
        let name = rest[at + 2..at + len].trim();
        match name.strip_prefix("org.").and_then(|n| org.get(n)) {
            Some(serde_json::Value::String(v)) => out.push_str(v),
            Some(serde_json::Value::Array(list)) => {
                let parts: Vec<String> = list
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect();
                out.push_str(&parts.join(", "));
            }
            Some(other) => out.push_str(&other.to_string()),
            None => {
                out.push('‹');
                out.push_str(name);
                out.push('›');
            }
        }
        rest = &rest[at + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Whitespace collapsed to single spaces.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words wrapped to `width` characters, at most `max` lines (the last ends in `…` when
/// text was left out).
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cut = false;
    for word in text.split_whitespace() {
        let word = truncate(word, width);
        let len = cur.chars().count() + word.chars().count() + usize::from(!cur.is_empty());
        if len > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            if lines.len() == max {
                cut = true;
                break;
            }
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cut && !cur.is_empty() {
        lines.push(cur);
    }
    if cut {
        if let Some(last) = lines.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{}…", keep.trim_end());
        }
    }
    lines
}

/// At most `max` characters, ending in `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{keep}…")
}

/// A coordinate with at most one decimal.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Text for SVG/HTML content and attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_cuts_with_an_ellipsis() {
        let w = wrap("one two three four five six seven", 9, 2);
        assert_eq!(w, vec!["one two".to_string(), "three…".to_string()]);
        assert_eq!(wrap("short", 10, 3), vec!["short".to_string()]);
        assert_eq!(truncate("abcdef", 4), "abc…");
        let none = serde_json::Map::new();
        assert_eq!(
            placeholders("ping {{ target }} and {{x}} {{ open", &none),
            "ping ‹target› and ‹x› {{ open"
        );
        let mut org = serde_json::Map::new();
        org.insert("hosts".into(), serde_json::json!(["a", "b"]));
        org.insert("contact".into(), serde_json::json!("ext. 4100"));
        assert_eq!(
            placeholders("{{ org.hosts }}; {{ org.contact }}; {{ org.nope }}", &org),
            "a, b; ext. 4100; ‹org.nope›"
        );
    }

    #[test]
    fn reader_text_takes_the_general_branch_and_never_shows_a_tag() {
        let mut org = serde_json::Map::new();
        org.insert("contact".into(), serde_json::json!("ext. 4100"));
        assert_eq!(
            reader_text(
                "{% if target is matching(\"^[0-9.]+$\") %}ping {{ target }}{% else %}look up {{ target | upper }}{% endif %}, then call {{ org.contact }}.",
                &org
            ),
            "look up ‹TARGET›, then call ext. 4100."
        );
        assert_eq!(
            reader_text(
                "{% if side == \"caller\" %}Ask.{% else %}Tell.{% endif %}",
                &org
            ),
            "Tell."
        );
        // What does not render (a field of a text value) is stripped of its tags.
        assert_eq!(
            reader_text(
                "{# note #}{% if smb.open %}open{% endif %} on {{ smb.host }}",
                &org
            ),
            "open on ‹smb.host›"
        );
        assert_eq!(reader_text("plain {x}", &org), "plain {x}");
        assert_eq!(strip_tags("a {% if %}b{% endif"), "a b");
    }
}
