//! A layered (Sugiyama-style) layout for directed graphs with labelled edges: cycles broken
//! by reversing back edges, longest-path ranks, label and dummy nodes on every rank an edge
//! crosses, barycentre ordering, and x positions by ordered least squares (pool adjacent
//! violators), so items of one rank keep their order and their gaps.
//!
//! Every box and every edge label is an item of exactly one rank; ranks are horizontal bands
//! that do not overlap, and items of a band are separated by `GAP_X`. So no two boxes or
//! labels overlap by construction, and an edge only runs in the gaps between bands or
//! through the slot its own dummy reserves.

/// Horizontal space between neighbours on a rank.
pub const GAP_X: f64 = 28.0;
/// Vertical space between ranks.
pub const GAP_Y: f64 = 22.0;
/// The width a dummy (an edge passing a rank) reserves.
const DUMMY_W: f64 = 10.0;
/// Page margin around the drawing.
pub const MARGIN: f64 = 12.0;

/// A box to place: its size.
#[derive(Debug, Clone, Copy)]
pub struct NodeSize {
    pub w: f64,
    pub h: f64,
}

/// An edge to draw, with the size of its label if it has one.
#[derive(Debug, Clone)]
pub struct EdgeSpec {
    pub from: usize,
    pub to: usize,
    pub label: Option<NodeSize>,
}

/// A placed rectangle (top-left corner and size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// A routed edge: its points from the source box to the target box, and its label's place.
#[derive(Debug, Clone)]
pub struct EdgePath {
    pub points: Vec<(f64, f64)>,
    pub label: Option<Rect>,
}

/// The whole placed drawing.
#[derive(Debug, Clone)]
pub struct Layout {
    pub nodes: Vec<Rect>,
    /// In the order of the input edges; self-loops have no path (`points` empty).
    pub edges: Vec<EdgePath>,
    pub width: f64,
    pub height: f64,
}

/// An item on a rank: a real node, an edge label or a bare dummy.
#[derive(Debug, Clone)]
struct Item {
    w: f64,
    h: f64,
    rank: usize,
    /// Items of the previous / next rank connected to this one.
    up: Vec<usize>,
    down: Vec<usize>,
}

/// Lay out `nodes` with `edges`, ranks growing downwards from `start`.
pub fn layout(nodes: &[NodeSize], edges: &[EdgeSpec], start: usize) -> Layout {
    let n = nodes.len();
    if n == 0 {
        return Layout {
            nodes: Vec::new(),
            edges: Vec::new(),
            width: 0.0,
            height: 0.0,
        };
    }
    let reversed = back_edges(n, edges, start);
    let rank = ranks(n, edges, &reversed, start);

    // Items: the real nodes first (same indices), then label and dummy items per edge.
    let mut items: Vec<Item> = nodes
        .iter()
        .enumerate()
        .map(|(i, s)| Item {
            w: s.w,
            h: s.h,
            rank: rank[i],
            up: Vec::new(),
            down: Vec::new(),
        })
        .collect();
    // For each edge: its chain of items from the upper end to the lower end, and where
    // the label sits in it.
    let mut chains: Vec<(Vec<usize>, Option<usize>)> = Vec::with_capacity(edges.len());
    for (e, spec) in edges.iter().enumerate() {
        if spec.from == spec.to || spec.from >= n || spec.to >= n {
            chains.push((Vec::new(), None));
            continue;
        }
        let (top, bottom) = if reversed[e] {
            (spec.to, spec.from)
        } else {
            (spec.from, spec.to)
        };
        // The label sits next to the edge's own source: below it for a downward edge,
        // above the source for an upward (reversed) one.
        let label_rank = if reversed[e] {
            rank[bottom] - 1
        } else {
            rank[top] + 1
        };
        let mut chain = vec![top];
        let mut label_at = None;
        for r in rank[top] + 1..rank[bottom] {
            let (w, h) = match (spec.label, r == label_rank) {
                (Some(l), true) => (l.w, l.h),
                _ => (DUMMY_W, 0.0),
            };
            if spec.label.is_some() && r == label_rank {
                label_at = Some(chain.len());
            }
            items.push(Item {
                w,
                h,
                rank: r,
                up: Vec::new(),
                down: Vec::new(),
            });
            chain.push(items.len() - 1);
        }
        chain.push(bottom);
        for pair in chain.windows(2) {
            items[pair[0]].down.push(pair[1]);
            items[pair[1]].up.push(pair[0]);
        }
        chains.push((chain, label_at));
    }

    let ranks_count = items.iter().map(|i| i.rank).max().unwrap_or(0) + 1;
    let mut order = initial_order(&items, ranks_count, start);
    reduce_crossings(&items, &mut order);
    let x = positions(&items, &order);

    // Bands: the height of each rank and its top.
    let mut band_h = vec![0.0f64; ranks_count];
    for it in &items {
        band_h[it.rank] = band_h[it.rank].max(it.h);
    }
    let mut band_y = vec![MARGIN; ranks_count];
    for r in 1..ranks_count {
        band_y[r] = band_y[r - 1] + band_h[r - 1] + GAP_Y;
    }
    let min_x = items
        .iter()
        .enumerate()
        .map(|(i, it)| x[i] - it.w / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = MARGIN - min_x;
    let rect_of = |i: usize| -> Rect {
        let it = &items[i];
        // Labels sit in the middle of their band, nodes at its top.
        let y = if i < n {
            band_y[it.rank]
        } else {
            band_y[it.rank] + (band_h[it.rank] - it.h) / 2.0
        };
        Rect {
            x: x[i] - it.w / 2.0 + shift,
            y,
            w: it.w,
            h: it.h,
        }
    };

    let node_rects: Vec<Rect> = (0..n).map(rect_of).collect();
    let mut paths = Vec::with_capacity(edges.len());
    for (e, (chain, label_at)) in chains.iter().enumerate() {
        if chain.is_empty() {
            paths.push(EdgePath {
                points: Vec::new(),
                label: None,
            });
            continue;
        }
        let mut pts = Vec::with_capacity(chain.len() * 2);
        for (k, &it) in chain.iter().enumerate() {
            let r = rect_of(it);
            let cx = r.x + r.w / 2.0;
            let band_top = band_y[items[it].rank];
            let band_bottom = band_top + band_h[items[it].rank];
            if k == 0 {
                pts.push((port(&items, &x, shift, it, chain[1], true), r.y + r.h));
            } else if k == chain.len() - 1 {
                pts.push((port(&items, &x, shift, it, chain[k - 1], false), r.y));
            } else {
                // Pass the band straight down through the reserved slot.
                pts.push((cx, band_top));
                pts.push((cx, band_bottom));
            }
        }
        if reversed[e] {
            pts.reverse();
        }
        paths.push(EdgePath {
            points: pts,
            label: label_at.map(|k| rect_of(chain[k])),
        });
    }

    let width = (0..items.len())
        .map(|i| {
            let r = rect_of(i);
            r.x + r.w
        })
        .fold(0.0, f64::max)
        + MARGIN;
    let height = band_y[ranks_count - 1] + band_h[ranks_count - 1] + MARGIN;
    Layout {
        nodes: node_rects,
        edges: paths,
        width,
        height,
    }
}

/// Where an edge leaves (`bottom`) or enters a node: spread along the side in the order of
/// the items it connects to, so parallel edges do not start on one point.
fn port(items: &[Item], x: &[f64], shift: f64, node: usize, other: usize, bottom: bool) -> f64 {
    let it = &items[node];
    let mut peers: Vec<usize> = if bottom {
        it.down.clone()
    } else {
        it.up.clone()
    };
    peers.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
    peers.dedup();
    let k = peers.iter().position(|p| *p == other).unwrap_or(0);
    let slots = peers.len() as f64;
    let usable = (it.w - 24.0).max(0.0);
    let left = x[node] - usable / 2.0 + shift;
    if slots <= 1.0 {
        x[node] + shift
    } else {
        left + usable * (k as f64 + 0.5) / slots
    }
}

/// Edges that close a cycle (found by depth-first search from `start`, then from every
/// node not reached yet), to be drawn upwards.
fn back_edges(n: usize, edges: &[EdgeSpec], start: usize) -> Vec<bool> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e, s) in edges.iter().enumerate() {
        if s.from < n && s.to < n && s.from != s.to {
            out_edges[s.from].push(e);
        }
    }
    // 0 = unseen, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut reversed = vec![false; edges.len()];
    let roots = std::iter::once(start.min(n - 1)).chain(0..n);
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&e) = out_edges[v].get(*next) {
                *next += 1;
                let w = edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Longest-path ranks over the acyclic orientation; real nodes take even ranks so that a
/// label rank lies between any two of them.
fn ranks(n: usize, edges: &[EdgeSpec], reversed: &[bool], start: usize) -> Vec<usize> {
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for (e, s) in edges.iter().enumerate() {
        if s.from >= n || s.to >= n || s.from == s.to {
            continue;
        }
        let (a, b) = if reversed[e] {
            (s.to, s.from)
        } else {
            (s.from, s.to)
        };
        succ[a].push(b);
        indeg[b] += 1;
    }
    let mut rank = vec![0usize; n];
    // Kahn's order, the start first among the sources.
    let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    if indeg[start.min(n - 1)] == 0 {
        queue.push_back(start.min(n - 1));
    }
    for (i, &d) in indeg.iter().enumerate() {
        if d == 0 && i != start {
            queue.push_back(i);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &w in &succ[v] {
            rank[w] = rank[w].max(rank[v] + 2);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    rank
}

/// The first order of each rank: breadth-first from the start, following edges in order.
fn initial_order(items: &[Item], ranks: usize, start: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    let mut seen = vec![false; items.len()];
    let mut queue = std::collections::VecDeque::new();
    let roots = std::iter::once(start).chain(0..items.len());
    for root in roots {
        if root >= items.len() || seen[root] {
            continue;
        }
        seen[root] = true;
        queue.push_back(root);
        while let Some(v) = queue.pop_front() {
            order[items[v].rank].push(v);
            for &w in &items[v].down {
                if !seen[w] {
                    seen[w] = true;
                    queue.push_back(w);
                }
            }
        }
    }
    order
}

/// Barycentre sweeps down and up; keeps the order with the fewest crossings.
fn reduce_crossings(items: &[Item], order: &mut [Vec<usize>]) {
    let mut pos = vec![0.0f64; items.len()];
    let index = |order: &[Vec<usize>], pos: &mut [f64]| {
        for rank in order {
            for (k, &i) in rank.iter().enumerate() {
                pos[i] = k as f64;
            }
        }
    };
    index(order, &mut pos);
    let mut best = order.to_vec();
    let mut best_crossings = crossings(items, order, &pos);
    for iter in 0..24 {
        let down = iter % 2 == 0;
        let ranks: Vec<usize> = if down {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for r in ranks {
            let mut keyed: Vec<(f64, usize)> = order[r]
                .iter()
                .map(|&i| {
                    let nb = if down { &items[i].up } else { &items[i].down };
                    let key = if nb.is_empty() {
                        pos[i]
                    } else {
                        nb.iter().map(|&j| pos[j]).sum::<f64>() / nb.len() as f64
                    };
                    (key, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            order[r] = keyed.into_iter().map(|(_, i)| i).collect();
            for (k, &i) in order[r].iter().enumerate() {
                pos[i] = k as f64;
            }
        }
        let c = crossings(items, order, &pos);
        if c < best_crossings {
            best_crossings = c;
            best = order.to_vec();
        }
        if best_crossings == 0 {
            break;
        }
    }
    order.clone_from_slice(&best);
}

/// Edge crossings between adjacent ranks.
fn crossings(items: &[Item], order: &[Vec<usize>], pos: &[f64]) -> usize {
    let mut total = 0;
    for rank in order {
        let mut segs: Vec<(f64, f64)> = Vec::new();
        for &i in rank {
            for &j in &items[i].down {
                segs.push((pos[i], pos[j]));
            }
        }
        for a in 0..segs.len() {
            for b in a + 1..segs.len() {
                let (p, q) = (segs[a], segs[b]);
                if (p.0 - q.0) * (p.1 - q.1) < 0.0 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Centre x of every item: each rank packed in its order, then pulled towards its
/// neighbours' centres (down, up, then both) under the order and gap constraints.
fn positions(items: &[Item], order: &[Vec<usize>]) -> Vec<f64> {
    let mut x = vec![0.0f64; items.len()];
    for rank in order {
        let mut at = 0.0;
        for &i in rank {
            x[i] = at + items[i].w / 2.0;
            at += items[i].w + GAP_X;
        }
    }
    for iter in 0..8 {
        let ranks: Vec<usize> = if iter % 2 == 0 {
            (0..order.len()).collect()
        } else {
            (0..order.len()).rev().collect()
        };
        for r in ranks {
            let desired: Vec<f64> = order[r]
                .iter()
                .map(|&i| {
                    let nb: Vec<usize> = match iter % 3 {
                        0 => items[i].up.clone(),
                        1 => items[i].down.clone(),
                        _ => items[i].up.iter().chain(&items[i].down).copied().collect(),
                    };
                    if nb.is_empty() {
                        x[i]
                    } else {
                        nb.iter().map(|&j| x[j]).sum::<f64>() / nb.len() as f64
                    }
                })
                .collect();
            let widths: Vec<f64> = order[r].iter().map(|&i| items[i].w).collect();
            let placed = ordered_fit(&desired, &widths);
            for (k, &i) in order[r].iter().enumerate() {
                x[i] = placed[k];
            }
        }
    }
    x
}

/// Centres as close as possible (least squares) to `desired`, keeping the order and at
/// least `GAP_X` between neighbours: pool adjacent violators on the shifted positions.
pub(crate) fn ordered_fit(desired: &[f64], widths: &[f64]) -> Vec<f64> {
    let n = desired.len();
    let mut offset = vec![0.0f64; n];
    for k in 1..n {
        offset[k] = offset[k - 1] + widths[k - 1] / 2.0 + GAP_X + widths[k] / 2.0;
    }
    // Blocks of (sum, count) whose mean is the common shifted position.
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(n);
    for k in 0..n {
        blocks.push((desired[k] - offset[k], 1));
        while blocks.len() > 1 {
            let (s2, c2) = blocks[blocks.len() - 1];
            let (s1, c1) = blocks[blocks.len() - 2];
            if s1 / c1 as f64 > s2 / c2 as f64 {
                blocks.pop();
                blocks.pop();
                blocks.push((s1 + s2, c1 + c2));
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut k = 0;
    for (s, c) in blocks {
        let mean = s / c as f64;
        for _ in 0..c {
            out.push(mean + offset[k]);
            k += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(w: f64) -> NodeSize {
        NodeSize { w, h: 40.0 }
    }

    #[test]
    fn ordered_fit_keeps_order_and_gaps() {
        let x = ordered_fit(&[0.0, 0.0, 0.0], &[100.0, 100.0, 100.0]);
        assert!((x[1] - x[0] - (100.0 + GAP_X)).abs() < 1e-9);
        assert!((x[2] - x[1] - (100.0 + GAP_X)).abs() < 1e-9);
        // Centred on the desired point.
        assert!(x[1].abs() < 1e-9);
        let far = ordered_fit(&[0.0, 1000.0], &[10.0, 10.0]);
        assert_eq!(far, vec![0.0, 1000.0]);
    }

    #[test]
    fn cycles_and_long_edges_leave_no_overlap() {
        // 0 -> 1 -> 2 -> 3, 3 -> 1 (a loop back), 0 -> 3 (a long edge), labelled.
        let nodes = vec![sq(120.0), sq(80.0), sq(200.0), sq(60.0)];
        let lab = Some(NodeSize { w: 50.0, h: 16.0 });
        let edges = vec![
            EdgeSpec {
                from: 0,
                to: 1,
                label: lab,
            },
            EdgeSpec {
                from: 1,
                to: 2,
                label: None,
            },
            EdgeSpec {
                from: 2,
                to: 3,
                label: lab,
            },
            EdgeSpec {
                from: 3,
                to: 1,
                label: lab,
            },
            EdgeSpec {
                from: 0,
                to: 3,
                label: lab,
            },
        ];
        let l = layout(&nodes, &edges, 0);
        let mut rects = l.nodes.clone();
        rects.extend(l.edges.iter().filter_map(|e| e.label));
        assert_eq!(rects.len(), 8);
        for a in 0..rects.len() {
            for b in a + 1..rects.len() {
                assert!(
                    !rects[a].overlaps(&rects[b]),
                    "{:?} and {:?}",
                    rects[a],
                    rects[b]
                );
            }
        }
        // The loop back is drawn upwards: it starts below where it ends.
        let back = &l.edges[3].points;
        assert!(back.first().map(|p| p.1) > back.last().map(|p| p.1));
        for r in &rects {
            assert!(r.x >= 0.0 && r.x + r.w <= l.width && r.y + r.h <= l.height);
        }
    }
}
