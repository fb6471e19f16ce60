//! The one place that parses YAML.
//!
//! Every YAML document in deskbook (front matter, taxonomy, playbooks, answer files, scenarios,
//! configs) goes through [`parse`]. `serde_yaml` is deprecated upstream; keeping it behind this
//! module makes a maintained fork with the same API a one-file swap. The limits of the parser
//! (alias expansion, nesting depth) are tested in `tests` below and in `tests/bad_input.rs`.
//!
//! serde_yaml gives no positions for values it deserialized well, so [`marks`] reads the same
//! text a second time with a marker-aware parser (yaml-rust2's event parser) into a tree of
//! positions: a diagnostic about `layers[2]` or step `scope` then points at the parser's own
//! mark for that node, never at the first place its text happens to appear.

use indexmap::IndexMap;
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;

/// A YAML problem with a 1-based position inside the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Largest document accepted, in bytes. Front matter and playbooks are far smaller.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Parse `text` into `T`, mapping the parser's errors to a position and a message.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(YamlError {
            line: 1,
            column: 1,
            message: format!(
                "YAML document is {} bytes; the limit is {} bytes",
                text.len(),
                MAX_DOCUMENT_BYTES
            ),
        });
    }
    check_depth(text)?;
    if needs_limit_check(text) {
        // Expanding into an untyped value enforces the parser's alias and depth limits before
        // typed deserialization (which may stop at a type error before reaching them).
        serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| convert(text, &e))?;
    }
    serde_yaml::from_str(text).map_err(|e| at_duplicate(text, convert(text, &e)))
}

/// A duplicate key (`duplicate key` from a map of ours, `duplicate field` from a struct) is
/// reported where the parser stood (the mapping that holds it); point at the second of
/// the two, where the mistake is.
fn at_duplicate(text: &str, mut e: YamlError) -> YamlError {
    let Some(key) = ["duplicate key `", "duplicate field `"]
        .iter()
        .find_map(|p| e.message.split(p).nth(1))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned)
    else {
        return e;
    };
    if let Some((line, column)) = marks(text).and_then(|m| second_key(&m, &key, (e.line, e.column)))
    {
        e.line = line;
        e.column = column;
        return e;
    }
    let key = key.as_str();
    let mut seen = 0;
    for (i, line) in text.lines().enumerate().skip(e.line.saturating_sub(1)) {
        let mut from = 0;
        while let Some(at) = line[from..].find(key) {
            let col = from + at;
            let before_ok =
                col == 0 || matches!(line.as_bytes()[col - 1], b' ' | b'{' | b',' | b'"' | b'\'');
            let after = &line[col + key.len()..];
            let after = after.trim_start_matches(['"', '\'']);
            if before_ok && after.starts_with(':') {
                seen += 1;
                if seen == 2 {
                    e.line = i + 1;
                    e.column = line[..col].chars().count() + 1;
                    return e;
                }
            }
            from = col + key.len();
        }
    }
    e
}

/// Where `key` is given the second time, in the first mapping (in document order) that
/// gives it twice and starts at or after `from`; else in the first such mapping at all.
fn second_key(root: &Mark, key: &str, from: (usize, usize)) -> Option<(usize, usize)> {
    /// (where the mapping starts, where its second `key` is)
    type Found = Vec<((usize, usize), (usize, usize))>;
    fn walk(m: &Mark, key: &str, found: &mut Found) {
        match &m.node {
            MarkNode::Map(entries) => {
                let mut same = entries.iter().filter(|(k, _, _)| k == key);
                if let (Some(_), Some((_, second, _))) = (same.next(), same.next()) {
                    found.push((m.pos(), second.pos()));
                }
                for (_, k, v) in entries {
                    walk(k, key, found);
                    walk(v, key, found);
                }
            }
            MarkNode::Seq(items) => items.iter().for_each(|i| walk(i, key, found)),
            MarkNode::Scalar(_) | MarkNode::Alias => {}
        }
    }
    let mut found = Vec::new();
    walk(root, key, &mut found);
    found
        .iter()
        .find(|(map, _)| *map >= from)
        .or(found.first())
        .map(|(_, second)| *second)
}

/// Deepest nesting accepted: flow brackets (`[`, `{`) plus block levels (indentation and
/// `- ` items). Real documents nest a few levels; the parser's own limit is 128, but it
/// only finds it after work that grows with the square of the size.
pub const MAX_DEPTH: usize = 64;

/// Rejects a document that nests deeper than [`MAX_DEPTH`] before the parser sees it, in
/// one pass over the text (time linear in its size). Quoted scalars and comments do not
/// count, and block scalars (`|`, `>`) are text.
fn check_depth(text: &str) -> Result<(), YamlError> {
    let too_deep = |line: usize, column: usize| YamlError {
        line,
        column,
        message: format!(
            "YAML is nested too deeply (more than {MAX_DEPTH} levels): the document is rejected"
        ),
    };
    // Indentation of the enclosing block levels, innermost last.
    let mut blocks: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    // Lines indented more than this are the text of a block scalar.
    let mut scalar_indent: Option<usize> = None;
    for (idx, line) in text.lines().enumerate() {
        let lineno = idx + 1;
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some(si) = scalar_indent {
            if rest.is_empty() || indent > si {
                continue;
            }
            scalar_indent = None;
        }
        if quote.is_none() && flow == 0 && !rest.is_empty() && !rest.starts_with('#') {
            while blocks.last().is_some_and(|&b| b >= indent) {
                blocks.pop();
            }
            blocks.push(indent);
        }
        let mut depth_here = blocks.len();
        let mut prev = ' ';
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match quote {
                Some('\'') => {
                    if c == '\'' {
                        if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    }
                }
                Some(_) => {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        quote = None;
                    }
                }
                None => match c {
                    '#' if prev == ' ' || prev == '\t' => break,
                    '\'' | '"' if matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':' | '-') => {
                        quote = Some(c)
                    }
                    '[' | '{' => {
                        flow += 1;
                        if blocks.len() + flow > MAX_DEPTH {
                            return Err(too_deep(lineno, indent + i + 1));
                        }
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    // `- - - x` and `a: - b` nest a block level per dash in one line.
                    '-' if flow == 0
                        && matches!(prev, ' ' | '\t')
                        && rest[i + 1..].starts_with(' ') =>
                    {
                        depth_here += 1;
                        if depth_here > MAX_DEPTH {
                            return Err(too_deep(lineno, indent + i + 1));
                        }
                    }
                    _ => {}
                },
            }
            prev = c;
        }
        if blocks.len() > MAX_DEPTH {
            return Err(too_deep(lineno, indent + 1));
        }
        if quote.is_none() && flow == 0 {
            let body = rest.split(" #").next().unwrap_or(rest).trim_end();
            let indicator =
                body.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
            if indicator.ends_with('|') || indicator.ends_with('>') {
                scalar_indent = Some(indent);
            }
        }
    }
    Ok(())
}

/// Whether a document uses anchors/aliases or nests deeply: only those can hit the limits.
fn needs_limit_check(text: &str) -> bool {
    let mut depth = 0usize;
    let mut prev = ' ';
    for c in text.chars() {
        match c {
            '[' | '{' => {
                depth += 1;
                if depth > 32 {
                    return true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            '&' | '*' if matches!(prev, ' ' | '[' | '{' | ',' | ':' | '-' | '\n') => return true,
            _ => {}
        }
        prev = c;
    }
    text.lines().any(|l| l.len() - l.trim_start().len() > 64)
}

/// A scalar written as string, number or boolean, kept as its text. Anything else is an
/// error that names what was written (`null`, a list, a map), at the value.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

const SCALAR: &str = "a string, a number or true/false";

impl<'de> serde::de::Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(SCALAR)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar(v.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Scalar, E> {
        Err(E::custom(format!(
            "expected {SCALAR}, got an empty value (null): write the value, quoted if need be"
        )))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Scalar, E> {
        self.visit_unit()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Err(serde::de::Error::custom(format!(
            "expected {SCALAR}, got a list: give one value"
        )))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Err(serde::de::Error::custom(format!(
            "expected {SCALAR}, got a map: give one value"
        )))
    }
}

/// The entries of a scalar map in file order; a key given twice is an error.
struct ScalarEntries(Vec<(String, String)>);

impl<'de> Deserialize<'de> for ScalarEntries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ScalarEntries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of names to values")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ScalarEntries, E> {
                Ok(ScalarEntries(Vec::new()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ScalarEntries, A::Error> {
                let mut seen: IndexMap<String, ()> = IndexMap::new();
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if seen.insert(key.clone(), ()).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate key `{key}`: each name may be given once"
                        )));
                    }
                    let Scalar(v) = map.next_value()?;
                    out.push((key, v));
                }
                Ok(ScalarEntries(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `deserialize_with` for maps whose values people write as strings, numbers or booleans
/// (`port: 445`, `ok: yes`): every value is kept as its text, in file order. `null` or an
/// absent map is empty; a key given twice, or a value that is not a scalar, is an error.
pub fn scalar_map<'de, D, M>(d: D) -> Result<M, D::Error>
where
    D: Deserializer<'de>,
    M: FromIterator<(String, String)>,
{
    let ScalarEntries(entries) = ScalarEntries::deserialize(d)?;
    Ok(entries.into_iter().collect())
}

/// Write `value` as YAML (a patched playbook shown in full).
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| e.to_string())
}

/// Parse into an untyped value (for callers that inspect shape before typing it).
pub fn parse_value(text: &str) -> Result<serde_json::Value, YamlError> {
    parse::<serde_json::Value>(text)
}

fn convert(text: &str, e: &serde_yaml::Error) -> YamlError {
    let raw = e.to_string();
    // A problem the reader finds (a control character, bad UTF-8) comes with a byte offset
    // only ("... at position 16"): turn it into the line and column it is at.
    if let Some((message, offset)) = reader_offset(&raw) {
        let (line, column) = crate::diag::position(text, offset);
        let mut message = clean_message(&message);
        if let Some(c) = text.get(offset..).and_then(|t| t.chars().next()) {
            if c.is_control() {
                message.push_str(&format!(" (found U+{:04X})", u32::from(c)));
            }
        }
        return YamlError {
            line,
            column,
            message,
        };
    }
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    YamlError {
        line: line.max(1),
        column: column.max(1),
        message: clean_message(&raw),
    }
}

/// The message without its " at position N", and N, when the parser gave a byte offset.
fn reader_offset(raw: &str) -> Option<(String, usize)> {
    let idx = raw.find(" at position ")?;
    let tail = &raw[idx + " at position ".len()..];
    let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let offset = tail[..digits].parse().ok()?;
    Some((format!("{}{}", &raw[..idx], &tail[digits..]), offset))
}

/// serde_yaml appends " at line N column M" to its messages; the position is reported
/// separately, so strip it, and phrase the parser's limits for people.
fn clean_message(raw: &str) -> String {
    let msg = strip_positions(raw);
    if msg.contains("repetition limit exceeded") {
        return "YAML aliases expand too far (an alias bomb?): the document is rejected".into();
    }
    if msg.contains("recursion limit exceeded") {
        return "YAML is nested too deeply: the document is rejected".into();
    }
    msg
}

/// Remove every " at line N column M" (positions relative to the YAML text).
fn strip_positions(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(idx) = rest.find(" at line ") {
        out.push_str(&rest[..idx]);
        let tail = &rest[idx + " at line ".len()..];
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = &tail[digits..];
        match after.strip_prefix(" column ") {
            Some(col) if digits > 0 => {
                let n = col.len() - col.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                rest = &col[n..];
            }
            _ => {
                out.push_str(" at line ");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a node of a YAML document starts (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub line: usize,
    pub column: usize,
    pub node: MarkNode,
}

/// The shape of a node, with the marks of its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkNode {
    Scalar(String),
    Seq(Vec<Mark>),
    /// Keys (as written) with the mark of the key and of its value.
    Map(Vec<(String, Mark, Mark)>),
    Alias,
}

impl Mark {
    /// (line, column) of this node.
    pub fn pos(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    /// For a mapping, where its first key is (the parser marks a block mapping at its first
    /// `:`, a flow mapping at its `{`); for anything else, [`Mark::pos`].
    pub fn first_key_pos(&self) -> (usize, usize) {
        match &self.node {
            MarkNode::Map(entries) if !entries.is_empty() => entries[0].1.pos(),
            _ => self.pos(),
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Mark> {
        match &self.node {
            MarkNode::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|e| &e.2),
            _ => None,
        }
    }

    /// The key `key` itself in a mapping (where a field is named).
    pub fn key(&self, key: &str) -> Option<&Mark> {
        match &self.node {
            MarkNode::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|e| &e.1),
            _ => None,
        }
    }

    /// Item `i` of a sequence.
    pub fn at(&self, i: usize) -> Option<&Mark> {
        match &self.node {
            MarkNode::Seq(items) => items.get(i),
            _ => None,
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Mark] {
        match &self.node {
            MarkNode::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(String, Mark, Mark)] {
        match &self.node {
            MarkNode::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The scalar text, when this is a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.node {
            MarkNode::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// One step of a path into a document's marks.
#[derive(Debug, Clone, Copy)]
pub enum Seg<'a> {
    /// The value of a mapping key.
    Key(&'a str),
    /// The key itself (where a field is named).
    KeyName(&'a str),
    /// An item of a sequence.
    Index(usize),
}

/// (line, column) of the node at `path`, or of its nearest existing parent; (1, 1) without
/// marks.
pub fn pos_at(root: Option<&Mark>, path: &[Seg<'_>]) -> (usize, usize) {
    let Some(mut cur) = root else { return (1, 1) };
    for seg in path {
        let next = match seg {
            Seg::Key(k) => cur.get(k),
            Seg::KeyName(k) => cur.key(k),
            Seg::Index(i) => cur.at(*i),
        };
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    cur.pos()
}

/// The marks of the first document of `text`, or `None` when the marker parser refuses the
/// text (then [`parse`] has an error of its own to report).
pub fn marks(text: &str) -> Option<Mark> {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;

    #[derive(Default)]
    struct Builder {
        /// Open collections: their mark, items, and (for maps) a pending key.
        stack: Vec<(Mark, Option<(String, Mark)>)>,
        done: Option<Mark>,
        depth_exceeded: bool,
    }
    impl Builder {
        fn push_value(&mut self, m: Mark) {
            let Some((top, pending)) = self.stack.last_mut() else {
                if self.done.is_none() {
                    self.done = Some(m);
                }
                return;
            };
            match &mut top.node {
                MarkNode::Seq(items) => items.push(m),
                MarkNode::Map(entries) => match pending.take() {
                    None => {
                        let key = match &m.node {
                            MarkNode::Scalar(s) => s.clone(),
                            _ => String::new(),
                        };
                        *pending = Some((key, m));
                    }
                    Some((key, key_mark)) => entries.push((key, key_mark, m)),
                },
                _ => {}
            }
        }
    }
    impl MarkedEventReceiver for Builder {
        fn on_event(&mut self, ev: Event, at: Marker) {
            let mark = |node| Mark {
                line: at.line().max(1),
                column: at.col() + 1,
                node,
            };
            match ev {
                Event::Scalar(s, ..) => self.push_value(mark(MarkNode::Scalar(s))),
                Event::Alias(_) => self.push_value(mark(MarkNode::Alias)),
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    if self.stack.len() > 256 {
                        self.depth_exceeded = true;
                    }
                    let node = if matches!(ev, Event::SequenceStart(..)) {
                        MarkNode::Seq(Vec::new())
                    } else {
                        MarkNode::Map(Vec::new())
                    };
                    self.stack.push((mark(node), None));
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some((m, _)) = self.stack.pop() {
                        self.push_value(m);
                    }
                }
                _ => {}
            }
        }
    }
    if text.len() > MAX_DOCUMENT_BYTES || needs_limit_check(text) {
        // Aliases and deep nesting are serde_yaml's to refuse; positions are not needed then.
        return None;
    }
    let mut b = Builder::default();
    Parser::new_from_str(text).load(&mut b, false).ok()?;
    if b.depth_exceeded {
        return None;
    }
    b.done
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn reports_position_of_syntax_error() {
        let err = parse::<serde_json::Value>("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(
            err.message.contains("did not find expected"),
            "{}",
            err.message
        );
        assert!(!err.message.contains(" at line "));
    }

    // Guards the "billion laughs" limit: nine levels of nine aliases must be refused quickly.
    #[test]
    fn alias_bomb_is_refused() {
        let mut doc = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..10 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
            ));
        }
        let err = parse::<serde_json::Value>(&doc).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{}", err.message);
    }

    // Guards the depth limit: ten thousand nested sequences must fail cleanly, not overflow.
    #[test]
    fn deep_nesting_is_refused() {
        let doc = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse::<serde_json::Value>(&doc).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{}", err.message);
    }

    #[test]
    fn oversized_document_is_refused() {
        let doc = "x: ".to_string() + &"y".repeat(MAX_DOCUMENT_BYTES);
        let err = parse::<BTreeMap<String, String>>(&doc).unwrap_err();
        assert!(err.message.contains("limit"), "{}", err.message);
    }

    #[test]
    fn type_errors_keep_serde_wording() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            n: u32,
        }
        let err = parse::<T>("n: many\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }

    // Guards marker positions: flow style and a value repeated elsewhere in the text.
    #[test]
    fn marks_point_at_each_node() {
        let text = "a: x\nlist: [x, \"y\", x]\nmap:\n  - {id: x, next: x}\n  - id: y\n";
        let m = marks(text).expect("parses");
        assert_eq!(m.get("a").map(Mark::pos), Some((1, 4)));
        let list = m.get("list").expect("list");
        assert_eq!(list.at(2).map(Mark::pos), Some((2, 16)));
        assert_eq!(list.at(1).and_then(Mark::scalar), Some("y"));
        let second = m.get("map").and_then(|s| s.at(0)).expect("map");
        assert_eq!(second.get("next").map(Mark::pos), Some((4, 19)));
        assert_eq!(second.key("next").map(Mark::pos), Some((4, 13)));
        let third = m.get("map").and_then(|s| s.at(1)).expect("second");
        assert_eq!(third.get("id").map(Mark::pos), Some((5, 9)));
        assert_eq!(m.key("map").map(Mark::pos), Some((3, 1)));
    }
}
