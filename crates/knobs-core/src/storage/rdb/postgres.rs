//! The PostgreSQL backend: the `postgres` crate over TCP or a Unix socket, no TLS.
//!
//! Every statement goes through the simple query protocol: a commit's statements travel as
//! one text in one round trip, and every value comes back as text (parsed by the shared
//! mapping), so the two backends share one SQL text and one reader.

use super::{Cells, Conn, Dialect};
use crate::storage::url::{PgHost, PgTarget};
use postgres::error::SqlState;
use postgres::{Client, NoTls, SimpleQueryMessage};
use std::time::Duration;

/// A connection to a PostgreSQL database.
pub struct Postgres {
    client: Client,
    location: String,
}

impl Postgres {
    /// Connect to `target`; the error says which of malformed, refused password, missing
    /// database or unreachable server it is.
    pub fn connect(target: &PgTarget) -> Result<Postgres, String> {
        let mut config = postgres::Config::new();
        config
            .user(&target.user)
            .dbname(&target.dbname)
            .port(target.port)
            .connect_timeout(Duration::from_secs(10))
            .application_name("knobs");
        if let Some(pw) = &target.password {
            config.password(pw);
        }
        match &target.host {
            PgHost::Tcp(host) => config.host(host),
            PgHost::Socket(dir) => config.host_path(dir),
        };
        let client = config.connect(NoTls).map_err(|e| explain(target, &e))?;
        Ok(Postgres {
            client,
            location: target.to_string(),
        })
    }
}

/// One sentence for a failed connection, naming what went wrong.
fn explain(target: &PgTarget, e: &postgres::Error) -> String {
    let server = target.server();
    match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD => format!(
            "wrong password for user `{}` (the server at {server} refused it)",
            target.user
        ),
        Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => format!(
            "the server at {server} refused user `{}`: {}",
            target.user,
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned())
        ),
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            format!("the server at {server} has no database `{}`", target.dbname)
        }
        Some(_) => format!(
            "the server at {server} refused the connection: {}",
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned())
        ),
        None => {
            let why = std::error::Error::source(e).map_or_else(|| e.to_string(), |s| s.to_string());
            format!("cannot reach the server at {server}: {why}")
        }
    }
}

impl Conn for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn batch(&mut self, sql: &str) -> Result<(), String> {
        self.client.batch_execute(sql).map_err(|e| db_message(&e))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Cells>, String> {
        let messages = self.client.simple_query(sql).map_err(|e| db_message(&e))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

/// The server's message for a failed statement (not the crate's "db error:" wrapper).
fn db_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => e.to_string(),
    }
}
