//! The two databases behind one small interface: run a statement, read rows, begin and end
//! a transaction. Every query of the store is written once, with `$1`-style parameters and
//! plain types (TEXT, BIGINT); SQLite gets the parameters renamed to `?1`, PostgreSQL takes
//! the text as it is. Values are [`Val`]s: NULL, an integer or a text.

use postgres::types::{ToSql, Type};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::cell::RefCell;
use std::collections::HashMap;

/// A value bound to a parameter or read from a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}

impl From<&String> for Val {
    fn from(s: &String) -> Val {
        Val::Text(s.clone())
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Val {
        Val::Int(n)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// One row of a result.
#[derive(Debug, Clone)]
pub(crate) struct Row(Vec<Val>);

impl Row {
    pub fn text(&self, i: usize) -> String {
        match self.0.get(i) {
            Some(Val::Text(s)) => s.clone(),
            Some(Val::Int(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Val::Null) | None => None,
            Some(_) => Some(self.text(i)),
        }
    }

    pub fn int(&self, i: usize) -> i64 {
        self.opt_int(i).unwrap_or(0)
    }

    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Val::Int(n)) => Some(*n),
            Some(Val::Text(s)) => s.parse().ok(),
            _ => None,
        }
    }
}

/// A failure of either database, kept whole so the store can classify it.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
}

impl DbError {
    /// A row with the same key is already there: another writer took this `seq` first.
    pub(crate) fn is_unique_violation(&self) -> bool {
        match self {
            // A primary key or unique clash only: NOT NULL or CHECK failures are not a race.
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            ),
            DbError::Sqlite(_) => false,
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "{e}"),
            DbError::Postgres(e) => match e.as_db_error() {
                Some(db) => write!(f, "{}", db.message()),
                None => match std::error::Error::source(e) {
                    Some(src) => write!(f, "{e}: {src}"),
                    None => write!(f, "{e}"),
                },
            },
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError::Sqlite(e)
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

pub(crate) type DbResult<T> = Result<T, DbError>;

/// Which kind of database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An open connection.
pub(crate) enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

/// A PostgreSQL client and its prepared statements (the store runs a handful of
/// statements thousands of times).
pub(crate) struct Pg {
    client: RefCell<postgres::Client>,
    prepared: RefCell<HashMap<String, postgres::Statement>>,
}

impl Pg {
    pub fn new(client: postgres::Client) -> Pg {
        Pg {
            client: RefCell::new(client),
            prepared: RefCell::new(HashMap::new()),
        }
    }

    fn statement(&self, sql: &str) -> DbResult<postgres::Statement> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client.borrow_mut().prepare(sql)?;
        self.prepared
            .borrow_mut()
            .insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    /// The parameters as the statement's types want them (a NULL must still be typed).
    fn bind(stmt: &postgres::Statement, params: &[Val]) -> Vec<Box<dyn ToSql + Sync>> {
        params
            .iter()
            .enumerate()
            .map(|(i, v)| -> Box<dyn ToSql + Sync> {
                let ty = stmt.params().get(i).cloned().unwrap_or(Type::TEXT);
                let int = ty == Type::INT8 || ty == Type::INT4 || ty == Type::INT2;
                match v {
                    Val::Null if int => Box::new(None::<i64>),
                    Val::Null => Box::new(None::<String>),
                    Val::Int(n) if ty == Type::INT4 => {
                        Box::new(i32::try_from(*n).unwrap_or(i32::MAX))
                    }
                    Val::Int(n) if int => Box::new(*n),
                    Val::Int(n) => Box::new(n.to_string()),
                    Val::Text(s) => Box::new(s.clone()),
                }
            })
            .collect()
    }

    fn read(row: &postgres::Row) -> Row {
        let vals = row
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let t = c.type_();
                if *t == Type::INT8 {
                    row.get::<_, Option<i64>>(i).map_or(Val::Null, Val::Int)
                } else if *t == Type::INT4 {
                    row.get::<_, Option<i32>>(i)
                        .map_or(Val::Null, |n| Val::Int(n.into()))
                } else if *t == Type::INT2 {
                    row.get::<_, Option<i16>>(i)
                        .map_or(Val::Null, |n| Val::Int(n.into()))
                } else if *t == Type::BOOL {
                    row.get::<_, Option<bool>>(i)
                        .map_or(Val::Null, |b| Val::Int(b.into()))
                } else {
                    row.try_get::<_, Option<String>>(i)
                        .ok()
                        .flatten()
                        .map_or(Val::Null, Val::Text)
                }
            })
            .collect();
        Row(vals)
    }
}

/// `$1` → `?1` for SQLite (outside quoted text).
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(if c == '$' && !quoted { '?' } else { c });
    }
    out
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Run one statement; the number of rows it changed.
    pub fn exec(&self, sql: &str, params: &[Val]) -> DbResult<u64> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql(sql))?;
                let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
                Ok(n as u64)
            }
            Db::Postgres(pg) => {
                let stmt = pg.statement(sql)?;
                let bound = Pg::bind(&stmt, params);
                let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
                Ok(pg.client.borrow_mut().execute(&stmt, &refs)?)
            }
        }
    }

    /// Every row of a query.
    pub fn query(&self, sql: &str, params: &[Val]) -> DbResult<Vec<Row>> {
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql(sql))?;
                let n = stmt.column_count();
                let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                    let mut vals = Vec::with_capacity(n);
                    for i in 0..n {
                        vals.push(match r.get_ref(i)? {
                            ValueRef::Null => Val::Null,
                            ValueRef::Integer(n) => Val::Int(n),
                            ValueRef::Real(x) => Val::Text(x.to_string()),
                            ValueRef::Text(t) | ValueRef::Blob(t) => {
                                Val::Text(String::from_utf8_lossy(t).into_owned())
                            }
                        });
                    }
                    Ok(Row(vals))
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            }
            Db::Postgres(pg) => {
                let stmt = pg.statement(sql)?;
                let bound = Pg::bind(&stmt, params);
                let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
                let rows = pg.client.borrow_mut().query(&stmt, &refs)?;
                Ok(rows.iter().map(Pg::read).collect())
            }
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt(&self, sql: &str, params: &[Val]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Several statements without parameters (DDL).
    pub fn batch(&self, sql: &str) -> DbResult<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(pg) => Ok(pg.client.borrow_mut().batch_execute(sql)?),
        }
    }

    /// Begin a write transaction. SQLite takes the write lock now (`IMMEDIATE`), so two
    /// writers queue on the busy timeout instead of one failing when it upgrades a read.
    pub fn begin(&self) -> DbResult<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch("BEGIN IMMEDIATE")?),
            Db::Postgres(pg) => Ok(pg.client.borrow_mut().batch_execute("BEGIN")?),
        }
    }

    pub fn commit(&self) -> DbResult<()> {
        self.batch("COMMIT")
    }

    /// Roll back after a failure; a second failure (a lost connection) changes nothing.
    pub fn rollback(&self) {
        let _ = self.batch("ROLLBACK");
    }

    /// Run `f` in one transaction: all of it is committed, or none.
    pub fn transaction<T>(&self, f: impl FnOnce(&Db) -> DbResult<T>) -> DbResult<T> {
        self.begin()?;
        match f(self).and_then(|v| self.commit().map(|()| v)) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parameters_are_renamed_outside_quotes() {
        assert_eq!(
            super::sqlite_sql("SELECT '$x' FROM t WHERE a = $1 AND b = $2"),
            "SELECT '$x' FROM t WHERE a = ?1 AND b = ?2"
        );
    }
}
