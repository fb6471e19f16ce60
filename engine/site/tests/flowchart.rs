//! The flowchart SVG, parsed back: no two boxes or branch labels overlap, text stays inside
//! its box, every edge starts and ends on a box, for every built-in playbook and for dense
//! generated graphs with loops and long edges.

use deskbook_content::playbook::Playbook;
use deskbook_content::{LayerSpec, PlaybookBody};
use deskbook_site::flowchart::{self, Links};

struct NoLinks;
impl Links for NoLinks {
    fn playbook(&self, id: &str) -> Option<String> {
        Some(format!("{id}.html"))
    }
}

#[derive(Debug, Clone, Copy)]
struct R {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl R {
    fn overlaps(&self, o: &R) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x - 0.5
            && x <= self.x + self.w + 0.5
            && y >= self.y - 0.5
            && y <= self.y + self.h + 0.5
    }
}

fn num(n: roxmltree::Node<'_, '_>, a: &str) -> f64 {
    n.attribute(a)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{a} on {n:?}"))
}

/// Parse the SVG and check it; returns the number of boxes and labels.
fn check(svg: &str, what: &str) -> (usize, usize) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{what}: {e}"));
    let class = |n: &roxmltree::Node<'_, '_>| n.attribute("class").unwrap_or("").to_string();
    let mut boxes = Vec::new();
    let mut labels = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        let r = R {
            x: num(n, "x"),
            y: num(n, "y"),
            w: num(n, "width"),
            h: num(n, "height"),
        };
        match class(&n).as_str() {
            "fc-box" => boxes.push((r, n)),
            "fc-label-box" => labels.push((r, n)),
            other => panic!("{what}: unexpected rect {other}"),
        }
    }
    let all: Vec<R> = boxes.iter().chain(&labels).map(|(r, _)| *r).collect();
    for a in 0..all.len() {
        for b in a + 1..all.len() {
            assert!(
                !all[a].overlaps(&all[b]),
                "{what}: {:?} overlaps {:?}",
                all[a],
                all[b]
            );
        }
    }
    let width = num(doc.root_element(), "width");
    let height = num(doc.root_element(), "height");
    for r in &all {
        assert!(
            r.x >= 0.0 && r.y >= 0.0 && r.x + r.w <= width && r.y + r.h <= height,
            "{what}: {r:?} outside"
        );
    }
    // Text inside its box: every line's estimated width (7.1 px a character at 12 px,
    // 7.9 for the bold heading) fits, and the last line's baseline is above the bottom.
    for (r, n) in &boxes {
        let g = n.parent().expect("group");
        for t in g.children().filter(|c| c.has_tag_name("text")) {
            let bold = class(&t) == "fc-head";
            let lines: Vec<String> = if t.children().any(|c| c.has_tag_name("tspan")) {
                t.children()
                    .filter(|c| c.has_tag_name("tspan"))
                    .map(|c| c.text().unwrap_or("").to_string())
                    .collect()
            } else {
                vec![t.text().unwrap_or("").to_string()]
            };
            let x = num(t, "x");
            let mut y = num(t, "y");
            for (k, line) in lines.iter().enumerate() {
                if k > 0 {
                    y += 15.0;
                }
                let w = line.chars().count() as f64 * if bold { 7.9 } else { 7.1 };
                assert!(x + w <= r.x + r.w, "{what}: `{line}` is wider than its box");
                assert!(y + 3.0 <= r.y + r.h, "{what}: `{line}` is below its box");
            }
        }
    }
    for (r, n) in &labels {
        let t = n.next_sibling_element().expect("label text");
        let w = t.text().unwrap_or("").chars().count() as f64 * 6.7;
        assert!(w <= r.w, "{what}: label wider than its box");
    }
    // Edges start and end on a box.
    let rects: Vec<R> = boxes.iter().map(|(r, _)| *r).collect();
    for p in doc.descendants().filter(|n| class(n) == "fc-edge") {
        let d = p.attribute("d").expect("d");
        let nums: Vec<f64> = d
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().expect("number"))
            .collect();
        let (sx, sy) = (nums[0], nums[1]);
        let (ex, ey) = (nums[nums.len() - 2], nums[nums.len() - 1]);
        assert!(
            rects.iter().any(|r| r.contains(sx, sy)),
            "{what}: edge starts off a box: {d}"
        );
        assert!(
            rects.iter().any(|r| r.contains(ex, ey)),
            "{what}: edge ends off a box: {d}"
        );
    }
    (boxes.len(), labels.len())
}

#[test]
fn builtin_flowcharts_have_no_overlaps() {
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    let mut drawn = 0;
    for doc in &content.playbooks {
        let PlaybookBody::Yaml(pb) = &doc.body else {
            continue;
        };
        let svg = flowchart::svg(pb, &NoLinks).expect("drawn");
        let (boxes, labels) = check(&svg, &doc.id);
        assert_eq!(boxes, pb.steps.len(), "{}", doc.id);
        assert!(labels > 0, "{}", doc.id);
        drawn += 1;
    }
    assert!(drawn >= 5, "{drawn} YAML playbooks");
    // The triage playbook stays readable at 100%: no wider than two screens.
    let triage = content
        .playbook("tier1-triage")
        .and_then(|d| d.yaml())
        .expect("triage");
    let svg = flowchart::svg(triage, &NoLinks).expect("drawn");
    let doc = roxmltree::Document::parse(&svg).expect("svg");
    assert!(num(doc.root_element(), "width") < 2400.0);
}

/// A deterministic dense playbook: every question branches three ways, forwards, back to an
/// earlier step, and far ahead, with long labels.
fn dense(n: usize, seed: u64) -> Playbook {
    let mut rng = seed;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut y = String::from("id: dense\ntitle: Dense\nsummary: generated\nstart: s0\nsteps:\n");
    for i in 0..n {
        if i + 3 >= n {
            y.push_str(&format!(
                "  - id: s{i}\n    end: not-fixed\n    category: other\n    escalate: tier2\n"
            ));
            continue;
        }
        let a = i + 1;
        let b = (i + 2 + (next() % 5) as usize).min(n - 1);
        let c = (next() % (i as u64 + 1)) as usize;
        y.push_str(&format!(
            "  - id: s{i}\n    ask: \"Question number {i} with a long text that wraps over several lines of the box\"\n    choices: {{\"yes it works\": s{a}, \"no, not at all {i}\": s{b}, \"again\": s{c}}}\n"
        ));
    }
    serde_yaml::from_str(&y).expect("dense playbook")
}

#[test]
fn dense_generated_flowcharts_have_no_overlaps() {
    for (n, seed) in [(12, 7), (30, 11), (45, 3), (60, 99)] {
        let pb = dense(n, seed);
        let svg = flowchart::svg(&pb, &NoLinks).expect("drawn");
        let (boxes, labels) = check(&svg, &format!("dense {n}/{seed}"));
        assert_eq!(boxes, n);
        assert!(labels >= (n - 3) * 2);
    }
}
