//! Text templates (tera) over a run's inputs and saved variables.
//!
//! Templates are parsed once per run (all of a playbook's at start, into one [`Tera`]), so
//! a step renders without parsing. Text without template syntax is never given to tera.
//! [`variables`] lists the variables a template reads, for `deskbook check`.
//! The organisation's variables are one more value, `org`, under every run's own
//! ([`Templates::with_org`]): `{{ org.escalation_contact }}`.
//!
//! Playbook text is written by an organisation's staff and rendered on an agent's
//! computer, so templates get a small language that cannot reach anything or run without
//! end ([`sandbox_check`], used by `check` and before every render):
//! - `{{ … }}`, `{% if %}`, `{% for %}` (nested at most [`MAX_LOOP_NESTING`] deep),
//!   `break`/`continue`, comments and `raw`. No `include`, `extends`, `import`, `macro`
//!   (so no recursion), `block`, `filter` sections or `set` (which could double a value
//!   on each use).
//! - One function, `range`, of at most [`MAX_RANGE`] numbers per call and
//!   [`MAX_RANGE_TOTAL`] per render. Nothing that reads the environment, files, the clock
//!   or randomness (`get_env`, `now`, `get_random` are refused, and replaced by functions
//!   that fail should one ever be reached).
//! - The filters in [`FILTERS`], none of which makes text grow faster than its arguments
//!   (`replace` only when `to` is a literal no longer than `from`).
//! - Rendering stops at [`MAX_OUTPUT`] bytes or after [`MAX_RENDER_TIME`].

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tera::ast::{Expr, ExprVal, Node};
use tera::{Context, Tera};

/// The name templates read organisation variables under.
pub const ORG: &str = "org";

/// Whether `text` uses template syntax at all.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Most bytes one template renders to (a step's text, a probe argument).
pub const MAX_OUTPUT: usize = 64 * 1024;
/// Longest one template may take to render.
pub const MAX_RENDER_TIME: Duration = Duration::from_secs(1);
/// Most numbers one `range` call makes.
pub const MAX_RANGE: usize = 1000;
/// Most numbers all `range` calls of one render make together (nested loops included).
pub const MAX_RANGE_TOTAL: usize = 10_000;
/// How deep `{% for %}` loops may nest.
pub const MAX_LOOP_NESTING: usize = 2;
/// How deep brackets and tags may nest in a template's text (checked before tera's parser
/// sees it, so it cannot recurse without bound).
pub const MAX_NESTING: usize = 32;

/// The filters a template may use.
pub const FILTERS: &[&str] = &[
    "upper",
    "lower",
    "trim",
    "trim_start",
    "trim_end",
    "truncate",
    "wordcount",
    "capitalize",
    "title",
    "length",
    "reverse",
    "join",
    "first",
    "last",
    "nth",
    "default",
    "int",
    "float",
    "round",
    "abs",
    "as_str",
    "split",
    "sort",
    "unique",
    "slice",
    "get",
    "pluralize",
    "replace",
];

/// Parse one template and check it against the sandbox; the error is one line.
pub fn parse(text: &str) -> Result<tera::Template, String> {
    check_nesting(text)?;
    let t = tera::Template::new("template", None, text).map_err(|e| clean_error(&e))?;
    sandbox_check(&t)?;
    Ok(t)
}

/// Rejects text whose brackets or block tags nest deeper than [`MAX_NESTING`], in one pass.
fn check_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut tags = 0usize;
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'{' if bytes.get(i + 1) == Some(&b'%') => {
                let tag = text[i + 2..].trim_start_matches(['-', ' ', '\t', '\n', '\r']);
                if tag.starts_with("end") {
                    tags = tags.saturating_sub(1);
                } else if ["if", "for", "macro", "filter", "block", "raw"]
                    .iter()
                    .any(|t| tag.starts_with(t))
                {
                    tags += 1;
                }
            }
            _ => continue,
        }
        if depth > MAX_NESTING || tags > MAX_NESTING {
            return Err(format!(
                "the template nests deeper than {MAX_NESTING} levels (brackets or tags)"
            ));
        }
    }
    Ok(())
}

/// Checks a parsed template against the sandbox (module docs): the first thing it may not
/// use, in words.
pub fn sandbox_check(t: &tera::Template) -> Result<(), String> {
    if let Some(name) = t.macros.keys().next() {
        return Err(format!(
            "`{{% macro {name} %}}` is not allowed in playbook templates (macros can recurse without end)"
        ));
    }
    check_nodes(&t.ast, 0)
}

fn check_nodes(ast: &[Node], loops: usize) -> Result<(), String> {
    for node in ast {
        match node {
            Node::Super | Node::Text(_) | Node::Raw(..) | Node::Comment(..) => {}
            Node::Break(_) | Node::Continue(_) => {}
            Node::VariableBlock(_, e) => check_expr(e)?,
            Node::MacroDefinition(_, m, _) => {
                return Err(format!(
                    "`{{% macro {} %}}` is not allowed in playbook templates (macros can recurse without end)",
                    m.name
                ))
            }
            Node::Extends(..) => return Err(refused_tag("extends", "reads another template")),
            Node::Include(..) => return Err(refused_tag("include", "reads another template")),
            Node::ImportMacro(..) => return Err(refused_tag("import", "reads another template")),
            Node::Set(..) => {
                return Err(refused_tag(
                    "set",
                    "a value set from itself doubles on every use",
                ))
            }
            Node::FilterSection(..) => {
                return Err(refused_tag("filter", "use a filter in `{{ … }}` instead"))
            }
            Node::Block(..) => return Err(refused_tag("block", "blocks belong to site templates")),
            Node::Forloop(_, f, _) => {
                if loops >= MAX_LOOP_NESTING {
                    return Err(format!(
                        "`{{% for %}}` loops may nest at most {MAX_LOOP_NESTING} deep in playbook templates"
                    ));
                }
                check_expr(&f.container)?;
                check_nodes(&f.body, loops + 1)?;
                if let Some(empty) = &f.empty_body {
                    check_nodes(empty, loops)?;
                }
            }
            Node::If(cond, _) => {
                for (_, e, body) in &cond.conditions {
                    check_expr(e)?;
                    check_nodes(body, loops)?;
                }
                if let Some((_, body)) = &cond.otherwise {
                    check_nodes(body, loops)?;
                }
            }
        }
    }
    Ok(())
}

fn refused_tag(tag: &str, why: &str) -> String {
    format!("`{{% {tag} %}}` is not allowed in playbook templates ({why})")
}

fn check_expr(e: &Expr) -> Result<(), String> {
    check_expr_val(&e.val)?;
    for f in &e.filters {
        if !FILTERS.contains(&f.name.as_str()) {
            return Err(format!(
                "unknown filter `{}` (playbook templates may use: {})",
                f.name,
                FILTERS.join(", ")
            ));
        }
        if f.name == "replace" && !shrinks(f) {
            return Err(
                "`replace` may not make text longer in playbook templates: `to` must be a literal no longer than `from`".into(),
            );
        }
        for a in f.args.values() {
            check_expr(a)?;
        }
    }
    Ok(())
}

/// `replace(from="…", to="…")` with literals where `to` is no longer than `from`.
fn shrinks(f: &tera::ast::FunctionCall) -> bool {
    let lit = |k: &str| match f.args.get(k).map(|e| &e.val) {
        Some(ExprVal::String(s)) => Some(s.len()),
        _ => None,
    };
    matches!((lit("from"), lit("to")), (Some(from), Some(to)) if to <= from)
}

fn check_expr_val(v: &ExprVal) -> Result<(), String> {
    match v {
        ExprVal::FunctionCall(f) => {
            if f.name != "range" {
                return Err(format!(
                    "unknown function `{}` (playbook templates may call only `range`; nothing reads the environment, files, the clock or randomness)",
                    f.name
                ));
            }
            for a in f.args.values() {
                check_expr(a)?;
            }
            let lit = |k: &str, default: i64| match f.args.get(k).map(|e| &e.val) {
                Some(ExprVal::Int(n)) => Some(*n),
                Some(_) => None,
                None => Some(default),
            };
            if let (Some(start), Some(end), Some(step)) =
                (lit("start", 0), lit("end", 0), lit("step_by", 1))
            {
                let count = end.saturating_sub(start).max(0) / step.max(1);
                if count > MAX_RANGE as i64 {
                    return Err(format!(
                        "`range` would make {count} numbers; the limit is {MAX_RANGE}"
                    ));
                }
            }
            Ok(())
        }
        ExprVal::MacroCall(m) => Err(format!(
            "macro call `{}::{}` is not allowed in playbook templates (macros can recurse without end)",
            m.namespace, m.name
        )),
        ExprVal::Math(m) => {
            check_expr(&m.lhs)?;
            check_expr(&m.rhs)
        }
        ExprVal::Logic(l) => {
            check_expr(&l.lhs)?;
            check_expr(&l.rhs)
        }
        ExprVal::Test(t) => t.args.iter().try_for_each(check_expr),
        ExprVal::Array(items) => items.iter().try_for_each(check_expr),
        ExprVal::StringConcat(c) => c.values.iter().try_for_each(check_expr_val),
        ExprVal::In(i) => {
            check_expr(&i.lhs)?;
            check_expr(&i.rhs)
        }
        ExprVal::Ident(_)
        | ExprVal::String(_)
        | ExprVal::Int(_)
        | ExprVal::Float(_)
        | ExprVal::Bool(_) => Ok(()),
    }
}

/// `range(start, end, step_by)` that refuses more than [`MAX_RANGE`] numbers in one call
/// and more than [`MAX_RANGE_TOTAL`] in one render.
struct BoundedRange {
    made: Arc<AtomicUsize>,
}

impl tera::Function for BoundedRange {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let num = |k: &str, default: Option<u64>| -> tera::Result<u64> {
            match args.get(k) {
                Some(v) => v.as_u64().ok_or_else(|| {
                    tera::Error::msg(format!("`range` takes whole numbers, and `{k}` is {v}"))
                }),
                None => default.ok_or_else(|| tera::Error::msg("`range` needs `end`")),
            }
        };
        let start = num("start", Some(0))?;
        let end = num("end", None)?;
        let step = num("step_by", Some(1))?.max(1);
        let count = end.saturating_sub(start).div_ceil(step);
        if count > MAX_RANGE as u64 {
            return Err(tera::Error::msg(format!(
                "`range` would make {count} numbers; the limit is {MAX_RANGE}"
            )));
        }
        let count = count as usize;
        let total = self.made.fetch_add(count, Ordering::Relaxed) + count;
        if total > MAX_RANGE_TOTAL {
            return Err(tera::Error::msg(format!(
                "the template's loops would make more than {MAX_RANGE_TOTAL} numbers with `range`"
            )));
        }
        Ok(Value::Array(
            (0..count as u64)
                .map(|i| Value::from(start + i * step))
                .collect(),
        ))
    }
}

/// A function that is never allowed; `sandbox_check` refuses calls to it before a render,
/// so reaching this is a defect, and it still reads nothing.
fn refused_function(_: &HashMap<String, Value>) -> tera::Result<Value> {
    Err(tera::Error::msg(
        "this function is not available in playbook templates",
    ))
}

/// A tera instance with the sandbox's functions: bounded `range`, and no `get_env`,
/// `now`, `get_random` or `throw`.
fn sandbox_tera(made: &Arc<AtomicUsize>) -> Tera {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![]);
    tera.register_function(
        "range",
        BoundedRange {
            made: Arc::clone(made),
        },
    );
    for name in ["get_env", "now", "get_random", "throw"] {
        tera.register_function(name, refused_function);
    }
    tera
}

/// Where a render writes: stops at [`MAX_OUTPUT`] bytes or at the deadline.
struct Bounded {
    out: Vec<u8>,
    deadline: Instant,
    stopped: Option<String>,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > MAX_OUTPUT {
            self.stopped = Some(format!(
                "the template's text passed {MAX_OUTPUT} bytes (the limit for one rendered text)"
            ));
        } else if Instant::now() > self.deadline {
            self.stopped = Some(format!(
                "rendering the template took longer than {} ms (the limit for one rendered text)",
                MAX_RENDER_TIME.as_millis()
            ));
        }
        if let Some(why) = &self.stopped {
            return Err(std::io::Error::other(why.clone()));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The variables a template reads and does not bind itself (`{% for %}`, `{% set %}`): the
/// first segment of each name (`smb` for `smb.open`).
pub fn variables(template: &tera::Template) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut bound = BTreeSet::new();
    nodes(&template.ast, &mut bound, &mut out);
    out
}

fn nodes(ast: &[Node], bound: &mut BTreeSet<String>, out: &mut BTreeSet<String>) {
    for node in ast {
        match node {
            Node::VariableBlock(_, e) => expr(e, bound, out),
            Node::Set(_, set) => {
                expr(&set.value, bound, out);
                bound.insert(set.key.clone());
            }
            Node::FilterSection(_, section, _) => {
                for arg in section.filter.args.values() {
                    expr(arg, bound, out);
                }
                nodes(&section.body, bound, out);
            }
            Node::Block(_, block, _) => nodes(&block.body, bound, out),
            Node::Forloop(_, forloop, _) => {
                expr(&forloop.container, bound, out);
                let mut inner = bound.clone();
                inner.insert(forloop.value.clone());
                inner.insert("loop".into());
                if let Some(k) = &forloop.key {
                    inner.insert(k.clone());
                }
                nodes(&forloop.body, &mut inner, out);
                if let Some(empty) = &forloop.empty_body {
                    nodes(empty, bound, out);
                }
            }
            Node::If(cond, _) => {
                for (_, e, body) in &cond.conditions {
                    expr(e, bound, out);
                    nodes(body, bound, out);
                }
                if let Some((_, body)) = &cond.otherwise {
                    nodes(body, bound, out);
                }
            }
            _ => {}
        }
    }
}

fn expr(e: &Expr, bound: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    expr_val(&e.val, bound, out);
    for f in &e.filters {
        for arg in f.args.values() {
            expr(arg, bound, out);
        }
    }
}

fn ident(name: &str, bound: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    let root = name.split(['.', '[']).next().unwrap_or(name);
    if !root.is_empty() && !bound.contains(root) && !root.starts_with("__tera") {
        out.insert(root.to_string());
    }
}

fn expr_val(v: &ExprVal, bound: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match v {
        ExprVal::Ident(name) => ident(name, bound, out),
        ExprVal::Math(m) => {
            expr(&m.lhs, bound, out);
            expr(&m.rhs, bound, out);
        }
        ExprVal::Logic(l) => {
            expr(&l.lhs, bound, out);
            expr(&l.rhs, bound, out);
        }
        ExprVal::Test(t) => {
            // `x is defined` is how a template asks whether a variable exists.
            if t.name != "defined" && t.name != "undefined" {
                ident(&t.ident, bound, out);
            }
            for a in &t.args {
                expr(a, bound, out);
            }
        }
        ExprVal::MacroCall(m) => {
            for a in m.args.values() {
                expr(a, bound, out);
            }
        }
        ExprVal::FunctionCall(f) => {
            for a in f.args.values() {
                expr(a, bound, out);
            }
        }
        ExprVal::Array(items) => {
            for a in items {
                expr(a, bound, out);
            }
        }
        ExprVal::StringConcat(c) => {
            for v in &c.values {
                expr_val(v, bound, out);
            }
        }
        ExprVal::In(i) => {
            expr(&i.lhs, bound, out);
            expr(&i.rhs, bound, out);
        }
        ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
    }
}

/// tera's error, and its causes, as one line (the parser's arrow drawing dropped).
pub fn clean_error(e: &tera::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        // Parse errors: "Failed to parse ..\n --> 1:7\n  |\n1 | ..\n  |  ^--\n  |\n  = expected ..."
        let expected = text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("= "))
            .map(str::to_string);
        let at = text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("--> "))
            .map(str::to_string);
        let line = match (expected, at) {
            (Some(exp), Some(at)) => format!("{exp} (template position {at})"),
            (Some(exp), None) => exp,
            _ => text.lines().next().unwrap_or("").to_string(),
        };
        if !line.is_empty() && !parts.contains(&line) && !line.starts_with("Failed to render") {
            parts.push(line);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        "the template cannot be rendered".into()
    } else {
        parts.join(": ")
    }
}

/// The templates of a run, parsed once.
pub struct Templates {
    /// Templates that need tera (tags, filters, expressions), parsed once at start.
    tera: Tera,
    /// Numbers `range` made in the current render.
    made: Arc<AtomicUsize>,
    /// Templates that only substitute variables, rendered without tera.
    simple: HashMap<String, Vec<Piece>>,
    /// The organisation's variables as the run's role sees them (`org.NAME`).
    org: Value,
}

/// A part of a template made only of text and `{{ name }}` / `{{ name.field }}`.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Var(Vec<String>),
}

/// Split `text` into text and plain variable references, or `None` when it uses anything
/// else of the template language (tags, comments, filters, expressions, whitespace control).
fn simple(text: &str) -> Option<Vec<Piece>> {
    if text.contains("{%") || text.contains("{#") {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        let inner = after[..close].trim();
        let path: Vec<String> = inner.split('.').map(str::to_string).collect();
        let ident = |s: &String| {
            let mut c = s.chars();
            matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
                && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        };
        if path.is_empty() || !path.iter().all(ident) {
            return None;
        }
        out.push(Piece::Var(path));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    Some(out)
}

/// The variables a template reads (first segment of each name); parses with tera unless
/// the template is plain substitution.
pub fn variables_of(text: &str) -> Result<BTreeSet<String>, String> {
    match simple(text) {
        Some(pieces) => Ok(pieces
            .into_iter()
            .filter_map(|p| match p {
                Piece::Var(path) => path.into_iter().next(),
                Piece::Text(_) => None,
            })
            .collect()),
        None => parse(text).map(|t| variables(&t)),
    }
}

/// Checks a template without rendering it: its syntax and the sandbox, as `deskbook
/// check` does for every step text.
pub fn check(text: &str) -> Result<(), String> {
    variables_of(text).map(|_| ())
}

/// Render plain substitution; `None` when a value is missing or is not a string, an
/// integer or a boolean (tera then renders it, or explains the problem).
fn render_simple(pieces: &[Piece], vars: &Map<String, Value>, org: &Value) -> Option<String> {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(path) => {
                let mut v = match vars.get(&path[0]) {
                    Some(v) => v,
                    None if path[0] == ORG => org,
                    None => return None,
                };
                for seg in &path[1..] {
                    v = v.as_object()?.get(seg)?;
                }
                match v {
                    Value::String(s) => out.push_str(s),
                    Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                    Value::Number(n) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
                    // A list of texts (an organisation's test hosts) reads as one line.
                    Value::Array(items) => {
                        let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                        out.push_str(&texts?.join(", "));
                    }
                    _ => return None,
                }
            }
        }
    }
    Some(out)
}

impl Templates {
    /// Prepare every `(name, text)` that uses template syntax. The first error is returned
    /// with the name it belongs to.
    pub fn new<'a>(
        items: impl IntoIterator<Item = (String, &'a str)>,
    ) -> Result<Templates, (String, String)> {
        let made = Arc::new(AtomicUsize::new(0));
        let mut tera = sandbox_tera(&made);
        let mut simple_map = HashMap::new();
        let mut complex: Vec<(String, &str)> = Vec::new();
        for (name, text) in items {
            if !is_template(text) {
                continue;
            }
            match simple(text) {
                Some(pieces) => {
                    simple_map.insert(name, pieces);
                }
                None => complex.push((name, text)),
            }
        }
        for (name, text) in &complex {
            parse(text).map_err(|e| (name.clone(), e))?;
        }
        if let Err(e) = tera.add_raw_templates(complex.clone()) {
            // Say which template: parse them one by one.
            for (name, text) in &complex {
                if let Err(e) = tera::Template::new(name, None, text) {
                    return Err((name.clone(), clean_error(&e)));
                }
            }
            return Err((String::new(), clean_error(&e)));
        }
        Ok(Templates {
            tera,
            made,
            simple: simple_map,
            org: Value::Object(Map::new()),
        })
    }

    /// Give templates the organisation's variables as `org` (as the run's role sees them).
    pub fn with_org(mut self, org: Map<String, Value>) -> Templates {
        self.org = Value::Object(org);
        self
    }

    /// Render `text` (registered under `name` when it is a template) with `vars`.
    pub fn render(
        &self,
        name: &str,
        text: &str,
        vars: &Map<String, Value>,
    ) -> Result<String, String> {
        if !is_template(text) {
            return Ok(text.to_string());
        }
        if let Some(pieces) = self.simple.get(name) {
            if let Some(out) = render_simple(pieces, vars, &self.org) {
                return Ok(out);
            }
            return self.one_off(text, vars);
        }
        if self.tera.get_template(name).is_err() {
            // Not prepared (a caller's own text): check and parse it now.
            return self.one_off(text, vars);
        }
        self.render_bounded(&self.tera, name, vars)
    }

    /// Render text that was not prepared at start, after the same checks.
    fn one_off(&self, text: &str, vars: &Map<String, Value>) -> Result<String, String> {
        parse(text)?;
        let mut tera = sandbox_tera(&self.made);
        tera.add_raw_template("one-off", text)
            .map_err(|e| clean_error(&e))?;
        self.render_bounded(&tera, "one-off", vars)
    }

    /// Render within [`MAX_OUTPUT`], [`MAX_RENDER_TIME`] and the `range` budget.
    fn render_bounded(
        &self,
        tera: &Tera,
        name: &str,
        vars: &Map<String, Value>,
    ) -> Result<String, String> {
        self.made.store(0, Ordering::Relaxed);
        let mut out = Bounded {
            out: Vec::new(),
            deadline: Instant::now() + MAX_RENDER_TIME,
            stopped: None,
        };
        let rendered = tera.render_to(name, &self.context(vars), &mut out);
        if let Some(why) = out.stopped {
            return Err(why);
        }
        rendered.map_err(|e| clean_error(&e))?;
        String::from_utf8(out.out).map_err(|_| "the template rendered invalid UTF-8".into())
    }
}

impl Templates {
    /// The run's variables over the organisation's `org`.
    fn context(&self, vars: &Map<String, Value>) -> Context {
        let mut ctx = context(vars);
        if !vars.contains_key(ORG) {
            ctx.insert(ORG, &self.org);
        }
        ctx
    }
}

/// A tera context holding `vars`.
pub fn context(vars: &Map<String, Value>) -> Context {
    let mut ctx = Context::new();
    for (k, v) in vars {
        ctx.insert(k.as_str(), v);
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars_of(text: &str) -> Vec<String> {
        // The tera parser alone: `variables` also reads tags the sandbox refuses.
        let t = tera::Template::new("t", None, text).expect("parses");
        variables(&t).into_iter().collect()
    }

    #[test]
    fn lists_free_variables() {
        assert_eq!(
            vars_of("ping {{ target }} from {{ caller | upper }}"),
            ["caller", "target"]
        );
        assert_eq!(vars_of("{{ smb.open }}"), ["smb"]);
        assert_eq!(
            vars_of("{% for a in addrs %}{{ a }}{{ loop.index }}{% endfor %}{{ a2 }}"),
            ["a2", "addrs"]
        );
        assert_eq!(vars_of("{% if x is defined %}{{ y }}{% endif %}"), ["y"]);
        assert_eq!(vars_of("{% set n = m %}{{ n }}"), ["m"]);
    }

    #[test]
    fn plain_substitution_skips_tera() {
        assert_eq!(
            simple("a {{ x }} b {{y.z}}"),
            Some(vec![
                Piece::Text("a ".into()),
                Piece::Var(vec!["x".into()]),
                Piece::Text(" b ".into()),
                Piece::Var(vec!["y".into(), "z".into()]),
            ])
        );
        assert_eq!(simple("{{ x | upper }}"), None);
        assert_eq!(simple("{{- x }}"), None);
        assert_eq!(simple("{% if x %}{% endif %}"), None);
        assert_eq!(simple("{{ x"), None);
        assert_eq!(
            variables_of("{{ a.b }} and {{ c | default(value=d) }}").ok(),
            parse("{{ a.b }} and {{ c | default(value=d) }}")
                .ok()
                .map(|t| variables(&t))
        );
    }

    fn refusal(text: &str) -> String {
        check(text)
            .err()
            .unwrap_or_else(|| panic!("{text} should be refused"))
    }

    /// Regression: `{{ get_env(name="HOME") }}` printed the agent's environment, and a
    /// recursive macro passed `check` and then overflowed the stack in `run`.
    #[test]
    fn the_sandbox_refuses_what_reaches_outside_or_never_ends() {
        let cases = [
            ("{{ get_env(name=\"HOME\") }}", "unknown function `get_env` (playbook templates may call only `range`; nothing reads the environment, files, the clock or randomness)"),
            ("{{ now() }}", "unknown function `now` (playbook templates may call only `range`; nothing reads the environment, files, the clock or randomness)"),
            ("{{ get_random(end=9) }}", "unknown function `get_random` (playbook templates may call only `range`; nothing reads the environment, files, the clock or randomness)"),
            ("{% include \"x\" %}", "`{% include %}` is not allowed in playbook templates (reads another template)"),
            ("{% extends \"x\" %}", "`{% extends %}` is not allowed in playbook templates (reads another template)"),
            ("{% import \"x\" as m %}", "`{% import %}` is not allowed in playbook templates (reads another template)"),
            ("{% macro m() %}{{ self::m() }}{% endmacro %}{{ self::m() }}", "`{% macro m %}` is not allowed in playbook templates (macros can recurse without end)"),
            ("{% set x = 1 %}{{ x }}", "`{% set %}` is not allowed in playbook templates (a value set from itself doubles on every use)"),
            ("{% filter upper %}x{% endfilter %}", "`{% filter %}` is not allowed in playbook templates (use a filter in `{{ … }}` instead)"),
            ("{{ x | indent(width=9) }}", "unknown filter `indent` (playbook templates may use: upper, lower, trim, trim_start, trim_end, truncate, wordcount, capitalize, title, length, reverse, join, first, last, nth, default, int, float, round, abs, as_str, split, sort, unique, slice, get, pluralize, replace)"),
            ("{{ x | replace(from=\"a\", to=\"aaaa\") }}", "`replace` may not make text longer in playbook templates: `to` must be a literal no longer than `from`"),
            ("{% for i in range(end=100000000) %}x{% endfor %}", "`range` would make 100000000 numbers; the limit is 1000"),
            ("{% for a in x %}{% for b in x %}{% for c in x %}.{% endfor %}{% endfor %}{% endfor %}", "`{% for %}` loops may nest at most 2 deep in playbook templates"),
        ];
        for (text, expected) in cases {
            assert_eq!(refusal(text), expected, "{text}");
        }
        let deep = format!("{{{{ {}x{} }}}}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(
            refusal(&deep),
            "the template nests deeper than 32 levels (brackets or tags)"
        );
        assert_eq!(
            check("{{ target | replace(from=\".\", to=\"-\") | upper }}"),
            Ok(())
        );
        assert_eq!(
            check("{% for i in range(end=3) %}{{ i }}{% endfor %}"),
            Ok(())
        );
    }

    /// The limits hold at render time too, for values `check` cannot see.
    #[test]
    fn rendering_stops_at_the_output_time_and_range_limits() {
        let render = |text: &str, vars: serde_json::Value| {
            let t = Templates::new(vec![("t".to_string(), text)]).expect("prepares");
            let vars = vars.as_object().cloned().unwrap_or_default();
            t.render("t", text, &vars)
        };
        assert_eq!(
            render("{% for i in range(end=n) %}x{% endfor %}", serde_json::json!({"n": 100_000_000})),
            Err("Function call 'range' failed: `range` would make 100000000 numbers; the limit is 1000".into())
        );
        assert_eq!(
            render(
                "{% for i in range(end=1000) %}{% for j in range(end=1000) %}{% endfor %}{% endfor %}",
                serde_json::json!({})
            ),
            Err("Function call 'range' failed: the template's loops would make more than 10000 numbers with `range`".into())
        );
        let big = "y".repeat(1000);
        assert_eq!(
            render(
                "{% for i in range(end=100) %}{{ big }}{% endfor %}",
                serde_json::json!({"big": big})
            ),
            Err("the template's text passed 65536 bytes (the limit for one rendered text)".into())
        );
        assert_eq!(
            render(
                "{% for i in range(end=3) %}{{ i }}{% endfor %}",
                serde_json::json!({})
            ),
            Ok("012".into())
        );
        // A caller's own text, not prepared at start, gets the same checks.
        let t = Templates::new(Vec::<(String, &str)>::new()).expect("prepares");
        assert_eq!(
            t.render("other", "{{ get_env(name=\"HOME\") }}", &Map::new()),
            Err("unknown function `get_env` (playbook templates may call only `range`; nothing reads the environment, files, the clock or randomness)".into())
        );
    }

    #[test]
    fn parse_errors_are_one_line() {
        let e = parse("Hello {{ target").err().unwrap_or_default();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("template position 1:"), "{e}");
    }

    #[test]
    fn renders_and_reports_undefined() {
        let t = Templates::new(vec![
            ("a".to_string(), "hi {{ who }}"),
            ("b".to_string(), "{{ who | upper }} {{ smb.port }}"),
            ("c".to_string(), "{{ smb.ratio }}"),
        ])
        .expect("ok");
        let mut vars = Map::new();
        vars.insert("who".into(), Value::String("<pc>".into()));
        vars.insert("smb".into(), serde_json::json!({"port": 445, "ratio": 0.5}));
        assert_eq!(
            t.render("a", "hi {{ who }}", &vars).as_deref(),
            Ok("hi <pc>")
        );
        assert_eq!(
            t.render("b", "{{ who | upper }} {{ smb.port }}", &vars)
                .as_deref(),
            Ok("<PC> 445")
        );
        // Not a string or an integer: tera renders it, as it would any template.
        assert_eq!(
            t.render("c", "{{ smb.ratio }}", &vars).as_deref(),
            Tera::one_off("{{ smb.ratio }}", &context(&vars), false)
                .map_err(|e| clean_error(&e))
                .as_deref()
        );
        let e = t
            .render("a", "hi {{ who }}", &Map::new())
            .err()
            .unwrap_or_default();
        assert!(e.contains("who"), "{e}");
        assert_eq!(t.render("z", "plain", &Map::new()).as_deref(), Ok("plain"));
    }
}
