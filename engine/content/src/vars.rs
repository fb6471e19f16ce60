//! Organisation variables (`vars:` of `deskbook.yaml`) and the `{{ org.NAME }}` references
//! that templates in playbooks and articles make to them.
//!
//! A restricted variable is seen as [`withheld`] by a role that may not see it: the value is
//! replaced before any template renders, so it never reaches a prompt, a JSON line or the
//! call store of such a run.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::model::Audience;
use crate::role::Role;

/// One variable: its value, who may see it and where it is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub value: VarValue,
    pub audience: Audience,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// A variable's value: one text or a list of texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    Text(String),
    List(Vec<String>),
}

impl VarValue {
    /// Text, numbers and booleans are kept as their text; a list holds only such scalars.
    pub fn from_json(v: &Value) -> Option<VarValue> {
        fn scalar(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        match v {
            Value::Array(items) => items
                .iter()
                .map(scalar)
                .collect::<Option<Vec<_>>>()
                .map(VarValue::List),
            other => scalar(other).map(VarValue::Text),
        }
    }

    /// The value as text: a list joined with `, `.
    pub fn text(&self) -> String {
        match self {
            VarValue::Text(s) => s.clone(),
            VarValue::List(l) => l.join(", "),
        }
    }

    fn json(&self) -> Value {
        match self {
            VarValue::Text(s) => Value::String(s.clone()),
            VarValue::List(l) => Value::Array(l.iter().cloned().map(Value::String).collect()),
        }
    }
}

/// The marker a role sees instead of a restricted variable's value.
pub fn withheld(name: &str) -> String {
    format!("[withheld: {name}]")
}

/// Every variable of the organisation, by name, in definition order.
pub type Vars = IndexMap<String, Var>;

/// The `org` object templates read, as `role` may see it: a restricted variable the role may
/// not see is its [`withheld`] marker (a list stays a list of one marker, so a `for` loop
/// over it still renders).
pub fn view(vars: &Vars, role: Role) -> Map<String, Value> {
    vars.iter()
        .map(|(name, var)| {
            let v = if role.may_see(var.audience) {
                var.value.json()
            } else {
                match var.value {
                    VarValue::Text(_) => Value::String(withheld(name)),
                    VarValue::List(_) => Value::Array(vec![Value::String(withheld(name))]),
                }
            };
            (name.clone(), v)
        })
        .collect()
}

/// `text` with every value of a variable `role` may not see replaced by its [`withheld`]
/// marker: for text recorded by a role that could see it (a Tier 2 call) and shown to one
/// that cannot. Values shorter than three characters are left alone (they would match
/// ordinary words).
pub fn redact<'a>(text: &'a str, vars: &Vars, role: Role) -> std::borrow::Cow<'a, str> {
    let mut out = std::borrow::Cow::Borrowed(text);
    for (name, var) in vars.iter().filter(|(_, v)| !role.may_see(v.audience)) {
        let values: Vec<&str> = match &var.value {
            VarValue::Text(t) => vec![t.as_str()],
            VarValue::List(l) => l.iter().map(String::as_str).collect(),
        };
        for v in values.into_iter().filter(|v| v.chars().count() >= 3) {
            if out.contains(v) {
                out = std::borrow::Cow::Owned(out.replace(v, &withheld(name)));
            }
        }
    }
    out
}

/// [`redact`] every string inside a JSON value.
pub fn redact_json(value: &mut Value, vars: &Vars, role: Role) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(r) = redact(s, vars, role) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_json(v, vars, role)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_json(v, vars, role)),
        _ => {}
    }
}

/// A `org.NAME` read inside a template block of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    pub name: String,
    /// Byte offset of `org` in the text.
    pub offset: usize,
}

/// Every `org.NAME` inside `{{ ... }}` and `{% ... %}` blocks of `text`, in order.
pub fn references(text: &str) -> Vec<OrgRef> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(rel) = find_open(&text[at..]) {
        let open = at + rel;
        let close_pat = if bytes.get(open + 1) == Some(&b'{') {
            "}}"
        } else {
            "%}"
        };
        let inner_start = open + 2;
        let inner_end = text[inner_start..]
            .find(close_pat)
            .map(|i| inner_start + i)
            .unwrap_or(text.len());
        scan_block(text, inner_start, inner_end, &mut out);
        at = (inner_end + 2).min(text.len());
        if at >= text.len() {
            break;
        }
    }
    out
}

fn find_open(text: &str) -> Option<usize> {
    let a = text.find("{{");
    let b = text.find("{%");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn scan_block(text: &str, start: usize, end: usize, out: &mut Vec<OrgRef>) {
    let bytes = text.as_bytes();
    let mut i = start;
    while i + 4 <= end {
        let boundary = i == start || !is_ident(bytes[i - 1]) && bytes[i - 1] != b'.';
        if boundary && &bytes[i..i + 4] == b"org." {
            let name_start = i + 4;
            let mut j = name_start;
            while j < end && is_ident(bytes[j]) {
                j += 1;
            }
            if j > name_start {
                out.push(OrgRef {
                    name: text[name_start..j].to_string(),
                    offset: i,
                });
            }
            i = j;
            continue;
        }
        i += 1;
    }
}

/// `text` with every plain `{{ org.NAME }}` replaced by the variable's text (an article's
/// body: Markdown, not a template language). `None` when nothing was replaced.
pub fn substitute(text: &str, vars: &Vars) -> Option<String> {
    if !text.contains("{{") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let inner = after[..close].trim();
        let value = inner
            .strip_prefix("org.")
            .and_then(|name| vars.get(name))
            .map(|v| v.value.text());
        out.push_str(&rest[..open]);
        match value {
            Some(v) => {
                out.push_str(&v);
                changed = true;
            }
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(v: VarValue, audience: Audience) -> Var {
        Var {
            value: v,
            audience,
            file: "deskbook.yaml".into(),
            line: 1,
            column: 1,
        }
    }

    #[test]
    fn finds_references_in_blocks_only() {
        let refs = references("org.no {{ org.a }} x {% for h in org.hosts %}{{ h }}{% endfor %} {{ borg.c }} {{ x.org.d }}");
        let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "hosts"]);
        assert_eq!(refs[0].offset, 10);
    }

    #[test]
    fn withholds_restricted_for_tier1() {
        let mut vars = Vars::new();
        vars.insert(
            "hosts".into(),
            var(
                VarValue::List(vec!["a".into(), "b".into()]),
                Audience::Restricted,
            ),
        );
        vars.insert(
            "desk".into(),
            var(VarValue::Text("ext 1".into()), Audience::Public),
        );
        let t1 = view(&vars, Role::Tier1);
        assert_eq!(t1["hosts"], serde_json::json!(["[withheld: hosts]"]));
        assert_eq!(t1["desk"], serde_json::json!("ext 1"));
        assert_eq!(
            view(&vars, Role::Tier2)["hosts"],
            serde_json::json!(["a", "b"])
        );
        assert_eq!(
            substitute(
                "Call {{ org.desk }} or {{ org.nope }}; {{org.hosts}}",
                &vars
            )
            .as_deref(),
            Some("Call ext 1 or {{ org.nope }}; a, b")
        );
        assert_eq!(substitute("plain", &vars), None);
    }
}
