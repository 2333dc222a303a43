//! Storage URLs: `--storage journal:PATH | sqlite:PATH | postgresql://USER[:PW]@HOST[:PORT]/DB`
//! parsed into a typed value before anything is opened, so a typo is named at once.
//!
//! PostgreSQL URLs follow libpq: `postgres://` is accepted too, user and password are
//! percent-decoded, and `?host=/socket/dir` (with an empty host part, or instead of it)
//! connects through the Unix socket in that folder; `?port=N` is accepted as well.
//! SQLAlchemy's `sqlite:///relative.db` and `sqlite:////absolute.db` (what Optuna users type)
//! are read as the same paths.

use std::fmt;
use std::path::PathBuf;

/// Where a study is stored, as a `--storage` URL names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageUrl {
    /// Optuna's journal file.
    Journal(PathBuf),
    /// An SQLite database file (Optuna's RDB schema).
    Sqlite(PathBuf),
    /// A PostgreSQL database (Optuna's RDB schema).
    Postgres(PgTarget),
}

/// A PostgreSQL server, database and login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgTarget {
    /// The user to log in as.
    pub user: String,
    /// The password, if the URL gives one (never shown in messages).
    pub password: Option<String>,
    /// Where the server listens.
    pub host: PgHost,
    /// The port (5432 unless given; also names the socket file in a socket folder).
    pub port: u16,
    /// The database.
    pub dbname: String,
}

/// How to reach a PostgreSQL server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PgHost {
    /// A host name or address, over TCP.
    Tcp(String),
    /// The folder holding the server's Unix socket.
    Socket(PathBuf),
}

/// Why a `--storage` URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    /// Nothing says which storage it is.
    #[error(
        "`{0}` is not a storage URL: write journal:PATH, sqlite:PATH or \
         postgresql://USER@HOST/DB"
    )]
    NoScheme(String),
    /// A scheme Knobs does not know.
    #[error("`{scheme}:` is not a storage Knobs knows (journal:, sqlite:, postgresql:) in `{url}`")]
    UnknownScheme {
        /// The scheme as written.
        scheme: String,
        /// The whole URL.
        url: String,
    },
    /// The URL is recognised but a part of it is wrong.
    #[error("malformed storage URL `{url}`: {why}")]
    Malformed {
        /// The URL, its password hidden.
        url: String,
        /// What is wrong.
        why: String,
    },
}

impl StorageUrl {
    /// Parse a `--storage` value.
    pub fn parse(text: &str) -> Result<StorageUrl, UrlError> {
        let Some((scheme, rest)) = text.split_once(':') else {
            return Err(UrlError::NoScheme(text.to_owned()));
        };
        let malformed = |why: &str| UrlError::Malformed {
            url: hide_password(text),
            why: why.to_owned(),
        };
        match scheme.to_ascii_lowercase().as_str() {
            "journal" | "sqlite" => {
                let path = match rest.strip_prefix("///") {
                    Some(p) => p,
                    None if rest.starts_with("//") => {
                        return Err(malformed(
                            "a file path follows `sqlite:` (sqlite:runs/x.db or sqlite:///runs/x.db)",
                        ));
                    }
                    None => rest,
                };
                if path.is_empty() {
                    return Err(malformed("the file path is empty"));
                }
                Ok(if scheme.eq_ignore_ascii_case("journal") {
                    StorageUrl::Journal(PathBuf::from(path))
                } else {
                    StorageUrl::Sqlite(PathBuf::from(path))
                })
            }
            "postgresql" | "postgres" => {
                parse_pg(rest)
                    .map(StorageUrl::Postgres)
                    .map_err(|why| UrlError::Malformed {
                        url: hide_password(text),
                        why,
                    })
            }
            _ => Err(UrlError::UnknownScheme {
                scheme: scheme.to_owned(),
                url: hide_password(text),
            }),
        }
    }
}

/// The part after `postgresql:`.
fn parse_pg(rest: &str) -> Result<PgTarget, String> {
    let rest = rest
        .strip_prefix("//")
        .ok_or("`postgresql:` is followed by `//USER@HOST/DB`")?;
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (rest, None),
    };
    let (authority, dbname) = main
        .split_once('/')
        .ok_or("no database: end the URL with /DBNAME")?;
    let dbname = decode(dbname)?;
    if dbname.is_empty() {
        return Err("no database: end the URL with /DBNAME".into());
    }
    let (userinfo, hostport) = authority
        .rsplit_once('@')
        .ok_or("no user: write postgresql://USER@HOST/DB")?;
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (decode(u)?, Some(decode(p)?)),
        None => (decode(userinfo)?, None),
    };
    if user.is_empty() {
        return Err("no user: write postgresql://USER@HOST/DB".into());
    }
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (
            h,
            Some(
                p.parse::<u16>()
                    .map_err(|_| format!("port `{p}` is not a number from 0 to 65535"))?,
            ),
        ),
        _ => (hostport, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut target = PgTarget {
        user,
        password,
        host: PgHost::Tcp(if host.is_empty() {
            "localhost".into()
        } else {
            decode(host)?
        }),
        port: port.unwrap_or(5432),
        dbname,
    };
    let mut socket = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not KEY=VALUE"))?;
        let value = decode(value)?;
        match key {
            "host" if value.starts_with('/') => socket = Some(PathBuf::from(value)),
            "host" => target.host = PgHost::Tcp(value),
            "port" => {
                target.port = value
                    .parse()
                    .map_err(|_| format!("port `{value}` is not a number from 0 to 65535"))?;
            }
            "user" => target.user = value,
            "password" => target.password = Some(value),
            "dbname" => target.dbname = value,
            other => {
                return Err(format!(
                    "unknown parameter `{other}` (Knobs takes host, port, user, password, dbname)"
                ));
            }
        }
    }
    if let Some(dir) = socket {
        if !host.is_empty() {
            return Err(format!(
                "both a host (`{host}`) and a socket folder (`?host=`) are given; leave one out"
            ));
        }
        target.host = PgHost::Socket(dir);
    }
    Ok(target)
}

/// Percent-decoding, as URLs carry a password with `@` or `:` in it.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "`{}` is not a percent escape",
                        &text[i..(i + 3).min(text.len())]
                    )
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a percent escape is not UTF-8".into())
}

/// `url` with the password of a PostgreSQL URL replaced by `***`, for messages.
fn hide_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((userinfo, _)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..start], &rest[userinfo.len()..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl PgTarget {
    /// The server as messages name it: `host:port` or the socket folder.
    pub fn server(&self) -> String {
        match &self.host {
            PgHost::Tcp(h) => format!("{h}:{}", self.port),
            PgHost::Socket(d) => format!("{} (socket, port {})", d.display(), self.port),
        }
    }
}

impl fmt::Display for PgTarget {
    /// The URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            PgHost::Tcp(h) => write!(
                f,
                "postgresql://{}@{h}:{}/{}",
                self.user, self.port, self.dbname
            ),
            PgHost::Socket(d) => write!(
                f,
                "postgresql://{}@/{}?host={}&port={}",
                self.user,
                self.dbname,
                d.display(),
                self.port
            ),
        }
    }
}

impl fmt::Display for StorageUrl {
    /// The URL as a user would write it, without a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageUrl::Journal(p) => write!(f, "journal:{}", p.display()),
            StorageUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            StorageUrl::Postgres(t) => t.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_schemes_parse_into_typed_targets() {
        assert_eq!(
            StorageUrl::parse("journal:runs/a.journal").unwrap(),
            StorageUrl::Journal("runs/a.journal".into())
        );
        assert_eq!(
            StorageUrl::parse("sqlite:////tmp/x.db").unwrap(),
            StorageUrl::Sqlite("/tmp/x.db".into())
        );
        let StorageUrl::Postgres(t) =
            StorageUrl::parse("postgresql://me:p%40ss@db.lan:6543/tune").unwrap()
        else {
            panic!("not postgres");
        };
        assert_eq!(t.password.as_deref(), Some("p@ss"));
        assert_eq!(t.host, PgHost::Tcp("db.lan".into()));
        assert_eq!((t.port, t.dbname.as_str()), (6543, "tune"));
        let StorageUrl::Postgres(s) =
            StorageUrl::parse("postgresql://knobs@/db?host=/tmp/pg&port=5555").unwrap()
        else {
            panic!("not postgres");
        };
        assert_eq!(s.host, PgHost::Socket("/tmp/pg".into()));
        assert_eq!(s.port, 5555);
    }

    #[test]
    fn malformed_urls_say_what_is_wrong_and_hide_the_password() {
        let e = StorageUrl::parse("mysql://u@h/d").unwrap_err().to_string();
        assert!(e.contains("`mysql:` is not a storage"), "{e}");
        let e = StorageUrl::parse("postgresql://u:secret@h:99999/d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("port `99999`") && !e.contains("secret"), "{e}");
        let e = StorageUrl::parse("postgresql://h/d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no user"), "{e}");
        assert!(matches!(
            StorageUrl::parse("runs.db"),
            Err(UrlError::NoScheme(_))
        ));
    }
}
