//! Text templates (tera) over a run's inputs and saved variables.
//!
//! Templates are parsed once per run (all of a playbook's at start, into one [`Tera`]), so
//! a step renders without parsing. Text without template syntax is never given to tera.
//! [`variables`] lists the variables a template reads, for `deskbook check`.
//! The organisation's variables are one more value, `org`, under every run's own
//! ([`Templates::with_org`]): `{{ org.escalation_contact }}`.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};
use tera::ast::{Expr, ExprVal, Node};
use tera::{Context, Tera};

/// The name templates read organisation variables under.
pub const ORG: &str = "org";

/// Whether `text` uses template syntax at all.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Parse one template; the error is tera's explanation in one line.
pub fn parse(text: &str) -> Result<tera::Template, String> {
    tera::Template::new("template", None, text).map_err(|e| clean_error(&e))
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
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
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
            return Tera::one_off(text, &self.context(vars), false).map_err(|e| clean_error(&e));
        }
        match self.tera.render(name, &self.context(vars)) {
            Ok(out) => Ok(out),
            // Not prepared (a caller's own text): parse it now.
            Err(e) if matches!(e.kind, tera::ErrorKind::TemplateNotFound(_)) => {
                Tera::one_off(text, &self.context(vars), false).map_err(|e| clean_error(&e))
            }
            Err(e) => Err(clean_error(&e)),
        }
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
        let t = parse(text).expect("parses");
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
