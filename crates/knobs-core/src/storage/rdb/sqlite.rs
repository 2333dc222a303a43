//! The SQLite backend: one `rusqlite` connection (the bundled library, no system package).
//!
//! A database Knobs creates or coordinates runs in WAL mode with `synchronous=FULL`: a commit
//! returns once its WAL frame is fsynced (durable through a power cut), and readers (the
//! window, the coordinator) do not block the writer. WAL is a setting stored in the file, so
//! it is switched on only by a run that writes the study (`create`): opening a database to
//! list or watch it (an Optuna study, a committed fixture) leaves the file as it was. Writes take the lock at `BEGIN IMMEDIATE`, so a claim reads and updates
//! with no other writer in between; a busy database is waited on, not failed.

use super::{Cells, Conn, Dialect};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another process's transaction before failing.
const BUSY: Duration = Duration::from_secs(60);

/// An open SQLite database.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

impl Sqlite {
    /// Open the database at `path`; `create` makes the file when it is missing (a run),
    /// otherwise a missing file is an error (a listing must not leave an empty database).
    pub fn open(path: &Path, create: bool) -> Result<Sqlite, String> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if !path.exists() {
            return Err("no such file".into());
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
        conn.busy_timeout(BUSY).map_err(|e| e.to_string())?;
        let pragmas = if create {
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        } else {
            "PRAGMA synchronous=FULL;"
        };
        conn.execute_batch(pragmas).map_err(|e| e.to_string())?;
        Ok(Sqlite {
            conn,
            path: path.to_owned(),
        })
    }
}

impl Conn for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn batch(&mut self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Cells>, String> {
        let mut statement = self.conn.prepare(sql).map_err(|e| e.to_string())?;
        let width = statement.column_count();
        let mut rows = statement.query([]).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                let cell = match row.get_ref(i).map_err(|e| e.to_string())? {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(x) => Some(format!("{x:?}")),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                };
                cells.push(cell);
            }
            out.push(cells);
        }
        Ok(out)
    }

    fn location(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}
