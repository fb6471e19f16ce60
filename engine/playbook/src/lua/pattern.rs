//! Lua's string patterns (`string.find`, `match`, `gmatch`, `gsub`) with a deadline.
//!
//! Lua's own matcher is C code that backtracks inside one call, where the instruction
//! hook never runs: `string.rep("a", 200000) .. "b"` searched with `.-.-.-.-.-.-.-.-.-.-c`
//! runs for minutes and nothing can stop it. These functions replace the four in the
//! sandbox's `string` table (so `s:find(…)` uses them too). They follow Lua 5.4's
//! `lstrlib.c` exactly (classes, sets, `%b`, `%f`, back references, position captures,
//! the 200-level match depth and 32 captures) and count their steps: every few thousand
//! steps they look at the step's deadline, so the time limit holds inside a pattern too.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use mlua::{Function, Lua, LuaString, MultiValue, Table, Value};

/// Lua's limit on captures in one pattern (`LUA_MAXCAPTURES`).
const MAX_CAPTURES: usize = 32;
/// Lua's limit on pattern recursion (`MAXCCALLS`).
const MAX_DEPTH: usize = 200;
/// Steps between two looks at the clock.
const CLOCK_EVERY: u32 = 4096;

const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;

/// Why a match stopped early.
enum Stop {
    /// A malformed pattern, in Lua's words.
    Bad(String),
    /// The step's deadline passed.
    Late,
}

type Res<T> = Result<T, Stop>;

struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    level: usize,
    capture: [(usize, isize); MAX_CAPTURES],
    depth: usize,
    steps: u32,
    deadline: Option<Instant>,
}

fn bad<T>(msg: &str) -> Res<T> {
    Err(Stop::Bad(msg.to_owned()))
}

impl<'a> Matcher<'a> {
    fn new(src: &'a [u8], pat: &'a [u8], deadline: Option<Instant>) -> Self {
        Matcher {
            src,
            pat,
            level: 0,
            capture: [(0, 0); MAX_CAPTURES],
            depth: MAX_DEPTH,
            steps: 0,
            deadline,
        }
    }

    fn reset(&mut self) {
        self.level = 0;
        self.depth = MAX_DEPTH;
    }

    fn tick(&mut self) -> Res<()> {
        self.steps = self.steps.wrapping_add(1);
        if self.steps.is_multiple_of(CLOCK_EVERY) {
            if let Some(d) = self.deadline {
                if Instant::now() > d {
                    return Err(Stop::Late);
                }
            }
        }
        Ok(())
    }

    fn class_end(&self, mut p: usize) -> Res<usize> {
        let pat = self.pat;
        let c = pat[p];
        p += 1;
        if c == b'%' {
            if p >= pat.len() {
                return bad("malformed pattern (ends with '%')");
            }
            return Ok(p + 1);
        }
        if c == b'[' {
            if pat.get(p) == Some(&b'^') {
                p += 1;
            }
            loop {
                if p >= pat.len() {
                    return bad("malformed pattern (missing ']')");
                }
                let cc = pat[p];
                p += 1;
                if cc == b'%' && p < pat.len() {
                    p += 1;
                }
                if pat.get(p) == Some(&b']') {
                    break;
                }
                if p >= pat.len() {
                    return bad("malformed pattern (missing ']')");
                }
            }
            return Ok(p + 1);
        }
        Ok(p)
    }

    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            b'%' => match_class(c, self.pat[p + 1]),
            b'[' => self.match_bracket(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// `[set]` from `p` (the `[`) to `ec` (the `]`).
    fn match_bracket(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let pat = self.pat;
        let mut sig = true;
        if pat.get(p + 1) == Some(&b'^') {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            if pat[p] == b'%' {
                p += 1;
                if match_class(c, pat[p]) {
                    return sig;
                }
            } else if pat.get(p + 1) == Some(&b'-') && p + 2 < ec {
                p += 2;
                if pat[p - 2] <= c && c <= pat[p] {
                    return sig;
                }
            } else if pat[p] == c {
                return sig;
            }
        }
        !sig
    }

    fn do_match(&mut self, s: usize, p: usize) -> Res<Option<usize>> {
        if self.depth == 0 {
            return bad("pattern too complex");
        }
        self.depth -= 1;
        let r = self.match_here(s, p);
        self.depth += 1;
        r
    }

    fn match_here(&mut self, mut s: usize, mut p: usize) -> Res<Option<usize>> {
        let pat = self.pat;
        loop {
            self.tick()?;
            if p == pat.len() {
                return Ok(Some(s));
            }
            match pat[p] {
                b'(' => {
                    return if pat.get(p + 1) == Some(&b')') {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                b'%' if pat.get(p + 1) == Some(&b'b') => match self.match_balance(s, p + 2)? {
                    Some(e) => {
                        s = e;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                b'%' if pat.get(p + 1) == Some(&b'f') => {
                    p += 2;
                    if pat.get(p) != Some(&b'[') {
                        return bad("missing '[' after '%f' in pattern");
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 { 0 } else { self.src[s - 1] };
                    let cur = self.src.get(s).copied().unwrap_or(0);
                    if !self.match_bracket(prev, p, ep - 1) && self.match_bracket(cur, p, ep - 1) {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                b'%' if pat.get(p + 1).is_some_and(u8::is_ascii_digit) => {
                    match self.match_capture(s, pat[p + 1])? {
                        Some(e) => {
                            s = e;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {}
            }
            let ep = self.class_end(p)?;
            let quant = pat.get(ep).copied();
            if !self.single_match(s, p, ep) {
                if matches!(quant, Some(b'*' | b'?' | b'-')) {
                    p = ep + 1;
                    continue;
                }
                return Ok(None);
            }
            match quant {
                Some(b'?') => {
                    if let Some(r) = self.do_match(s + 1, ep + 1)? {
                        return Ok(Some(r));
                    }
                    p = ep + 1;
                }
                Some(b'+') => return self.max_expand(s + 1, p, ep),
                Some(b'*') => return self.max_expand(s, p, ep),
                Some(b'-') => return self.min_expand(s, p, ep),
                _ => {
                    s += 1;
                    p = ep;
                }
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Res<Option<usize>> {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            self.tick()?;
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Res<Option<usize>> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> Res<Option<usize>> {
        if self.level >= MAX_CAPTURES {
            return bad("too many captures");
        }
        self.capture[self.level] = (s, what);
        self.level += 1;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.level -= 1;
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Res<Option<usize>> {
        let Some(l) = (0..self.level)
            .rev()
            .find(|&i| self.capture[i].1 == CAP_UNFINISHED)
        else {
            return bad("invalid pattern capture");
        };
        self.capture[l].1 = (s - self.capture[l].0) as isize;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.capture[l].1 = CAP_UNFINISHED;
        }
        Ok(r)
    }

    fn match_balance(&mut self, s: usize, p: usize) -> Res<Option<usize>> {
        if p + 1 >= self.pat.len() {
            return bad("malformed pattern (missing arguments to '%b')");
        }
        let (b, e) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&b) {
            return Ok(None);
        }
        let mut cont = 1;
        let mut i = s + 1;
        while i < self.src.len() {
            self.tick()?;
            let c = self.src[i];
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == b {
                cont += 1;
            }
            i += 1;
        }
        Ok(None)
    }

    fn match_capture(&mut self, s: usize, digit: u8) -> Res<Option<usize>> {
        let l = usize::from(digit).wrapping_sub(usize::from(b'1'));
        if l >= self.level || self.capture[l].1 == CAP_UNFINISHED {
            return Err(Stop::Bad(format!(
                "invalid capture index %{}",
                l.wrapping_add(1) as isize
            )));
        }
        let (init, len) = self.capture[l];
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        let src = self.src;
        if src.len() - s >= len && src[init..init + len] == src[s..s + len] {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }

    /// Capture `i` of the match `s..e` (the whole match when there are no captures).
    fn capture_value(&self, lua: &Lua, i: usize, s: usize, e: usize) -> Res<Value> {
        if i >= self.level {
            if i != 0 {
                return Err(Stop::Bad(format!("invalid capture index %{}", i + 1)));
            }
            return lua_str(lua, &self.src[s..e]);
        }
        let (init, len) = self.capture[i];
        if len == CAP_UNFINISHED {
            return bad("unfinished capture");
        }
        if len == CAP_POSITION {
            return Ok(Value::Integer(init as i64 + 1));
        }
        lua_str(lua, &self.src[init..init + len as usize])
    }

    /// Every capture (or the whole match when `whole` and there are none).
    fn captures(&self, lua: &Lua, s: usize, e: usize, whole: bool) -> Res<Vec<Value>> {
        let n = if self.level == 0 && whole {
            1
        } else {
            self.level
        };
        (0..n).map(|i| self.capture_value(lua, i, s, e)).collect()
    }
}

fn lua_str(lua: &Lua, bytes: &[u8]) -> Res<Value> {
    lua.create_string(bytes)
        .map(Value::String)
        .map_err(|e| Stop::Bad(e.to_string()))
}

fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        _ => return cl == c,
    };
    if cl.is_ascii_uppercase() {
        !res
    } else {
        res
    }
}

/// Lua's `posrelatI`: a 1-based start position from an argument that may be negative.
fn start_at(init: Option<i64>, len: usize) -> usize {
    let len = len as i64;
    let pos = init.unwrap_or(1);
    let p = if pos > 0 {
        pos
    } else if pos == 0 || pos < -len {
        1
    } else {
        len + pos + 1
    };
    p as usize
}

fn has_specials(p: &[u8]) -> bool {
    p.iter().any(|c| b"^$*+?.([%-".contains(c))
}

/// The four functions, installed into `string`; `deadline` is the sandbox's step deadline
/// and `late` builds the error a step past it gets.
pub(crate) fn install(
    lua: &Lua,
    string: &Table,
    deadline: Rc<Cell<Option<Instant>>>,
    late: Rc<dyn Fn() -> mlua::Error>,
) -> mlua::Result<()> {
    let fail = {
        let late = late.clone();
        move |stop: Stop| match stop {
            Stop::Bad(m) => mlua::Error::RuntimeError(m),
            Stop::Late => late(),
        }
    };
    for (name, find) in [("find", true), ("match", false)] {
        let deadline = deadline.clone();
        let fail = fail.clone();
        let f = lua.create_function(
            move |lua, (s, p, init, plain): (LuaString, LuaString, Option<i64>, Option<bool>)| {
                let (s, p) = (s.as_bytes().to_vec(), p.as_bytes().to_vec());
                let init = start_at(init, s.len());
                if init > s.len() + 1 {
                    return Ok(MultiValue::from_vec(vec![Value::Nil]));
                }
                if find && (plain.unwrap_or(false) || !has_specials(&p)) {
                    let at = if p.is_empty() {
                        Some(0)
                    } else {
                        s[init - 1..].windows(p.len()).position(|w| w == &p[..])
                    };
                    return Ok(MultiValue::from_vec(match at {
                        Some(i) => vec![
                            Value::Integer((init + i) as i64),
                            Value::Integer((init + i + p.len() - 1) as i64),
                        ],
                        None => vec![Value::Nil],
                    }));
                }
                let (anchor, pat) = match p.strip_prefix(b"^") {
                    Some(rest) => (true, rest),
                    None => (false, &p[..]),
                };
                let mut m = Matcher::new(&s, pat, deadline.get());
                let mut s1 = init - 1;
                loop {
                    m.reset();
                    if let Some(e) = m.do_match(s1, 0).map_err(&fail)? {
                        let mut out = Vec::new();
                        if find {
                            out.push(Value::Integer(s1 as i64 + 1));
                            out.push(Value::Integer(e as i64));
                            out.extend(m.captures(lua, s1, e, false).map_err(&fail)?);
                        } else {
                            out.extend(m.captures(lua, s1, e, true).map_err(&fail)?);
                        }
                        return Ok(MultiValue::from_vec(out));
                    }
                    s1 += 1;
                    if anchor || s1 > s.len() {
                        return Ok(MultiValue::from_vec(vec![Value::Nil]));
                    }
                }
            },
        )?;
        string.set(name, f)?;
    }
    let gmatch = {
        let deadline = deadline.clone();
        let fail = fail.clone();
        lua.create_function(
            move |lua, (s, p, init): (LuaString, LuaString, Option<i64>)| {
                let src = s.as_bytes().to_vec();
                let pat = p.as_bytes().to_vec();
                let start = start_at(init, src.len());
                let pos = Rc::new(Cell::new(start.saturating_sub(1).min(src.len() + 1)));
                let last: Rc<Cell<Option<usize>>> = Rc::new(Cell::new(None));
                let deadline = deadline.clone();
                let fail = fail.clone();
                lua.create_function(move |lua, ()| {
                    let mut m = Matcher::new(&src, &pat, deadline.get());
                    let mut at = pos.get();
                    while at <= src.len() {
                        m.reset();
                        if let Some(e) = m.do_match(at, 0).map_err(&fail)? {
                            if Some(e) != last.get() {
                                pos.set(e);
                                last.set(Some(e));
                                return Ok(MultiValue::from_vec(
                                    m.captures(lua, at, e, true).map_err(&fail)?,
                                ));
                            }
                        }
                        at += 1;
                    }
                    pos.set(at);
                    Ok(MultiValue::from_vec(vec![Value::Nil]))
                })
            },
        )?
    };
    string.set("gmatch", gmatch)?;
    let gsub = lua.create_function(
        move |lua, (s, p, repl, max_n): (LuaString, LuaString, Value, Option<i64>)| {
            let src = s.as_bytes().to_vec();
            let p = p.as_bytes().to_vec();
            match &repl {
                Value::String(_)
                | Value::Integer(_)
                | Value::Number(_)
                | Value::Table(_)
                | Value::Function(_) => {}
                other => {
                    return Err(mlua::Error::RuntimeError(format!(
                        "bad argument #3 to 'gsub' (string/function/table expected, got {})",
                        other.type_name()
                    )))
                }
            }
            let repl_text = match &repl {
                Value::String(_) | Value::Integer(_) | Value::Number(_) => lua
                    .coerce_string(repl.clone())?
                    .map(|r| r.as_bytes().to_vec()),
                _ => None,
            };
            let (anchor, pat) = match p.strip_prefix(b"^") {
                Some(rest) => (true, rest),
                None => (false, &p[..]),
            };
            let max_n = max_n.unwrap_or(src.len() as i64 + 1);
            let mut m = Matcher::new(&src, pat, deadline.get());
            let mut out: Vec<u8> = Vec::with_capacity(src.len());
            let mut at = 0usize;
            let mut last: Option<usize> = None;
            let mut n = 0i64;
            while n < max_n {
                m.reset();
                let e = m.do_match(at, 0).map_err(&fail)?;
                match e {
                    Some(e) if Some(e) != last => {
                        n += 1;
                        let whole = &src[at..e];
                        match &repl_text {
                            Some(r) => add_text(&m, lua, r, at, e, &mut out).map_err(&fail)?,
                            None => {
                                let first = m.capture_value(lua, 0, at, e).map_err(&fail)?;
                                let value = match &repl {
                                    Value::Table(t) => t.get::<Value>(first)?,
                                    Value::Function(f) => {
                                        let args = m.captures(lua, at, e, true).map_err(&fail)?;
                                        let f: &Function = f;
                                        f.call::<Value>(MultiValue::from_vec(args))?
                                    }
                                    _ => Value::Nil,
                                };
                                match value {
                                    Value::Nil | Value::Boolean(false) => {
                                        out.extend_from_slice(whole)
                                    }
                                    v @ (Value::String(_)
                                    | Value::Integer(_)
                                    | Value::Number(_)) => {
                                        if let Some(text) = lua.coerce_string(v)? {
                                            out.extend_from_slice(&text.as_bytes());
                                        }
                                    }
                                    other => {
                                        return Err(mlua::Error::RuntimeError(format!(
                                            "invalid replacement value (a {})",
                                            other.type_name()
                                        )))
                                    }
                                }
                            }
                        }
                        at = e;
                        last = Some(e);
                    }
                    _ if at < src.len() => {
                        out.push(src[at]);
                        at += 1;
                    }
                    _ => break,
                }
                if anchor {
                    break;
                }
            }
            if at < src.len() {
                out.extend_from_slice(&src[at..]);
            }
            Ok((lua.create_string(&out)?, n))
        },
    )?;
    string.set("gsub", gsub)?;
    Ok(())
}

/// A `gsub` replacement string: `%0`–`%9` and `%%`.
fn add_text(
    m: &Matcher<'_>,
    lua: &Lua,
    r: &[u8],
    s: usize,
    e: usize,
    out: &mut Vec<u8>,
) -> Res<()> {
    let mut i = 0;
    while i < r.len() {
        let c = r[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let Some(&d) = r.get(i) else {
            return bad("invalid use of '%' in replacement string");
        };
        i += 1;
        if d == b'%' {
            out.push(b'%');
        } else if d.is_ascii_digit() {
            if d == b'0' {
                out.extend_from_slice(&m.src[s..e]);
            } else {
                match m.capture_value(lua, usize::from(d - b'1'), s, e)? {
                    Value::String(v) => out.extend_from_slice(&v.as_bytes()),
                    Value::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
                    _ => {}
                }
            }
        } else {
            return bad("invalid use of '%' in replacement string");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lua's own C functions and these, side by side in one interpreter.
    fn both() -> Lua {
        let lua = Lua::new();
        let ours = lua.create_table().expect("table");
        let late: Rc<dyn Fn() -> mlua::Error> =
            Rc::new(|| mlua::Error::RuntimeError("late".into()));
        install(&lua, &ours, Rc::new(Cell::new(None)), late).expect("install");
        lua.globals().set("ours", ours).expect("set");
        lua
    }

    /// Every pattern feature, against Lua 5.4's own matcher: the same results, the same
    /// errors (as text), for find, match, gmatch and gsub.
    #[test]
    fn results_are_those_of_lua_itself() {
        let lua = both();
        let compare: Function = lua
            .load(
                r#"
                local function pack(ok, ...) return { ok = ok, n = select('#', ...), ... } end
                local function show(t)
                  if not t.ok then return 'error: ' .. tostring(t[1]):match('^[^\n]*'):gsub('^.-: ', '') end
                  local out = {}
                  for i = 1, t.n do out[#out + 1] = type(t[i]) .. ':' .. tostring(t[i]) end
                  return table.concat(out, ' ')
                end
                local function iter(gm, s, p, init)
                  local out = {}
                  local ok, err = pcall(function()
                    for a, b in gm(s, p, init) do out[#out + 1] = tostring(a) .. '/' .. tostring(b) end
                  end)
                  if not ok then return 'error: ' .. tostring(err):match('^[^\n]*'):gsub('^.-: ', '') end
                  return table.concat(out, ',')
                end
                return function(s, p, init, repl)
                  local diffs = {}
                  for _, name in ipairs({ 'find', 'match' }) do
                    local a = show(pack(pcall(string[name], s, p, init)))
                    local b = show(pack(pcall(ours[name], s, p, init)))
                    if a ~= b then diffs[#diffs + 1] = name .. ': lua ' .. a .. ' | ours ' .. b end
                  end
                  local a, b = iter(string.gmatch, s, p, init), iter(ours.gmatch, s, p, init)
                  if a ~= b then diffs[#diffs + 1] = 'gmatch: lua ' .. a .. ' | ours ' .. b end
                  for _, r in ipairs({ repl, '<%0>', '%1-%%', { a = 'A', hello = false }, function(x) if type(x) == 'string' then return #x end return x end }) do
                    local a = show(pack(pcall(string.gsub, s, p, r)))
                    local b = show(pack(pcall(ours.gsub, s, p, r)))
                    if a ~= b then diffs[#diffs + 1] = 'gsub ' .. tostring(r) .. ': lua ' .. a .. ' | ours ' .. b end
                  end
                  local a = show(pack(pcall(string.find, s, p, init, true)))
                  local b = show(pack(pcall(ours.find, s, p, init, true)))
                  if a ~= b then diffs[#diffs + 1] = 'plain find: lua ' .. a .. ' | ours ' .. b end
                  return table.concat(diffs, '\n')
                end
                "#,
            )
            .eval()
            .expect("compare");
        let subjects = [
            "hello world from Lua",
            "  trim me  ",
            "Version: 10.0.17763 Build 1",
            "key=value; other = 42",
            "THE (quick) [brown] {fox}",
            "aaab",
            "",
            "x",
            "THE (quick) fox, the ((nested) one)",
            "192.0.2.10 255.255.255.0",
            "IKE SA 4-4-4 established",
            "a,b,,c",
            "tab\there\nnew line",
        ];
        let patterns = [
            "o",
            "o w",
            "l+",
            "l*",
            "l-",
            "l?",
            "^h",
            "a$",
            "^$",
            "(%a+)",
            "(%a+) (%a+)",
            "%s*(.-)%s*$",
            "^%s*(.-)%s*$",
            "(%d+)%.(%d+)",
            "%d+",
            "%D+",
            "[%w_]+",
            "[^%s]+",
            "[a-f]+",
            "[%]]",
            "[]]",
            "%b()",
            "%b[]",
            "%f[%a]%a+",
            "%f[%w]%w+",
            "()ll()",
            "(a*(.)%w(%s*))",
            "(.)%1",
            "(%a)%1",
            "%u+",
            "%l+",
            "%p",
            "%x+",
            "%c",
            "[%-]",
            "a-b",
            ".-b",
            "(h)(e)(l)(l)(o)",
            "%",
            "[a",
            "(",
            ")",
            "%b",
            "%f",
            "%fx",
            "%1",
            "(()",
            "%g+",
            "[^]]",
            "^(%w+)=(%w+)",
            "(%w+)%s*=%s*(%w+)",
            ",",
            ",,",
            "[,]?",
            "%0",
            "(x)%2",
            ".",
            "^.",
            ".$",
            "$^",
            "[%a-]",
            "[a-]",
            "[-a]",
            "%.",
            "[%d%.]+",
        ];
        let mut failures = Vec::new();
        for s in subjects {
            for p in patterns {
                for init in [None, Some(1), Some(3), Some(-4), Some(0), Some(100)] {
                    let diff: String = compare.call((s, p, init, "#")).expect("comparison runs");
                    if !diff.is_empty() {
                        failures.push(format!("{s:?} {p:?} init {init:?}:\n{diff}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    /// Regression: this pattern ran for minutes inside one C call, past every limit.
    #[test]
    fn a_backtracking_pattern_stops_at_the_deadline() {
        let lua = Lua::new();
        let ours = lua.create_table().expect("table");
        let late: Rc<dyn Fn() -> mlua::Error> =
            Rc::new(|| mlua::Error::RuntimeError("too late".into()));
        let deadline = Rc::new(Cell::new(Some(
            Instant::now() + std::time::Duration::from_millis(200),
        )));
        install(&lua, &ours, deadline, late).expect("install");
        lua.globals().set("ours", ours).expect("set");
        let began = Instant::now();
        let err = lua
            .load(r#"return ours.find(string.rep("a", 200000) .. "b", ".-.-.-.-.-.-.-.-.-.-c")"#)
            .exec()
            .expect_err("stopped");
        assert!(err.to_string().contains("too late"), "{err}");
        assert!(
            began.elapsed() < std::time::Duration::from_secs(5),
            "took {:?}",
            began.elapsed()
        );
    }
}
