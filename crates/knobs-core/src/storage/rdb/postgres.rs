//! The PostgreSQL backend: the `postgres` crate over TCP or a Unix socket, no TLS.
//!
//! Every statement goes through the simple query protocol: a commit's statements travel as
//! one text in one round trip, and every value comes back as text (parsed by the shared
//! mapping), so the two backends share one SQL text and one reader. Several statements sent
//! as one text without `BEGIN` run as one implicit transaction (all or nothing, durable when
//! the answer comes), which is how the queue claims, finishes and enqueues in one round trip.
//! An idle worker waits on `LISTEN`/`NOTIFY` (the coordinator notifies when it enqueues).

use super::{Cells, Conn, Dialect};
use crate::storage::url::{PgHost, PgTarget};
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls, SimpleQueryMessage};
use std::time::Duration;

/// A connection to a PostgreSQL database.
pub struct Postgres {
    client: Client,
    location: String,
    /// The channel this connection has run `LISTEN` on, if any.
    listening: Option<String>,
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
            listening: None,
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

    fn query_all(&mut self, statements: &[String]) -> Result<Vec<Vec<Cells>>, String> {
        let messages = self
            .client
            .simple_query(&statements.join(";\n"))
            .map_err(|e| db_message(&e))?;
        // Each statement's rows end with its CommandComplete.
        let mut out = Vec::with_capacity(statements.len());
        let mut rows = Vec::new();
        for m in messages {
            match m {
                SimpleQueryMessage::Row(row) => rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                SimpleQueryMessage::CommandComplete(_) => out.push(std::mem::take(&mut rows)),
                _ => {}
            }
        }
        if out.len() != statements.len() {
            return Err(format!(
                "{} statement(s) sent, {} answered",
                statements.len(),
                out.len()
            ));
        }
        Ok(out)
    }

    fn wait_notify(&mut self, channel: &str, timeout: Duration) -> Result<bool, String> {
        if self.listening.as_deref() != Some(channel) {
            self.client
                .batch_execute(&format!("LISTEN {channel}"))
                .map_err(|e| db_message(&e))?;
            self.listening = Some(channel.to_owned());
            return Ok(true);
        }
        let mut notifications = self.client.notifications();
        notifications
            .timeout_iter(timeout)
            .next()
            .map_err(|e| db_message(&e))?;
        // One wake for however many were sent meanwhile.
        while notifications
            .iter()
            .next()
            .map_err(|e| db_message(&e))?
            .is_some()
        {}
        Ok(true)
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
