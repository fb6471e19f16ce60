//! Values between Lua and the engine's JSON variables.
//!
//! Only data crosses: strings, numbers, booleans and tables of them (nested at most
//! [`MAX_DEPTH`] deep). Functions, threads and userdata are refused with a message.

use mlua::{Lua, Table, Value};
use serde_json::{Map, Number, Value as Json};

/// Deepest nesting of tables converted.
pub const MAX_DEPTH: usize = 16;

pub(crate) fn to_lua(lua: &Lua, v: &Json) -> mlua::Result<Value> {
    Ok(match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::String(lua.create_string(s)?),
        Json::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for item in items {
                t.raw_push(to_lua(lua, item)?)?;
            }
            Value::Table(t)
        }
        Json::Object(map) => Value::Table(map_to_lua(lua, map)?),
    })
}

pub(crate) fn map_to_lua(lua: &Lua, map: &Map<String, Json>) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, map.len())?;
    for (k, v) in map {
        t.raw_set(k.as_str(), to_lua(lua, v)?)?;
    }
    Ok(t)
}

/// A Lua value as JSON. A table with keys 1..n only is an array; other tables are objects
/// whose keys must be strings or numbers.
pub(crate) fn to_json(v: &Value, depth: usize) -> Result<Json, String> {
    if depth > MAX_DEPTH {
        return Err(format!("tables nest deeper than {MAX_DEPTH} levels"));
    }
    Ok(match v {
        Value::Nil => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::Number((*i).into()),
        Value::Number(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.to_string_lossy()),
        Value::Table(t) => {
            let len = t.raw_len();
            let mut count = 0usize;
            for pair in t.pairs::<Value, Value>() {
                pair.map_err(|e| e.to_string())?;
                count += 1;
            }
            if len > 0 && count == len {
                let mut items = Vec::with_capacity(len);
                for i in 1..=len {
                    let item: Value = t.raw_get(i).map_err(|e| e.to_string())?;
                    items.push(to_json(&item, depth + 1)?);
                }
                Json::Array(items)
            } else {
                let mut map = Map::new();
                for pair in t.pairs::<Value, Value>() {
                    let (k, val) = pair.map_err(|e| e.to_string())?;
                    let key = match &k {
                        Value::String(s) => s.to_string_lossy(),
                        Value::Integer(i) => i.to_string(),
                        Value::Number(n) => n.to_string(),
                        other => {
                            return Err(format!(
                                "a table key is a {}: only strings and numbers can be kept",
                                other.type_name()
                            ))
                        }
                    };
                    map.insert(key, to_json(&val, depth + 1)?);
                }
                Json::Object(map)
            }
        }
        other => {
            return Err(format!(
                "a {} cannot be kept in a variable (only strings, numbers, booleans and tables)",
                other.type_name()
            ))
        }
    })
}

/// A Lua value as text (`tostring` for numbers and booleans); `None` for anything else.
pub(crate) fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string_lossy()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}
