//! Storage URLs: `--storage journal:PATH | sqlite:PATH | postgresql://USER[:PW]@HOST[:PORT]/DB`
//! parsed into a typed value before anything is opened, so a typo is named at once.
//!
//! PostgreSQL URLs follow libpq: `postgres://` is accepted too, user and password are
//! percent-decoded, and `?host=/socket/dir` (with an empty host part, or instead of it)
//! connects through the Unix socket in that folder; `?port=N` is accepted as well.
//! SQLAlchemy's `sqlite:///relative.db` and `sqlite:////absolute.db` (what Optuna users type)
//! are read as the same paths.

use std::fmt::{self, Write as _};
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
        // A file URL carries no password: it is quoted as written.
        let malformed = |why: &str| UrlError::Malformed {
            url: text.to_owned(),
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
        Some((u, p)) => (
            decode(u)?,
            // Never quoted: an error naming the bad escape would show part of the password.
            Some(decode(p).map_err(|_| {
                "the password holds a `%` that is not a percent escape (write %25 for %)".to_owned()
            })?),
        ),
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
        let value = if key == "password" {
            decode(value).map_err(|_| {
                "the password holds a `%` that is not a percent escape (write %25 for %)".to_owned()
            })?
        } else {
            decode(value)?
        };
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
                    // The escape as written, up to 3 characters (not bytes: a byte cut
                    // could fall inside a character).
                    let escape: String = text[i..].chars().take(3).collect();
                    format!("`{escape}` is not a percent escape")
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

/// `url` with the password of a PostgreSQL URL replaced by `***`, for messages: whatever
/// stands between the first `:` of the user part and the last `@` (a password typed with a
/// raw `/`, `?` or `@` in it is hidden too, at the cost of hiding more), and the value of a
/// `password=` parameter.
fn hide_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let (head, rest) = url.split_at(start);
    let rest = match rest.rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{user}:***{}", &rest[at..]),
            None => rest.to_owned(),
        },
        None => rest.to_owned(),
    };
    let rest = match rest.split_once('?') {
        Some((main, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{main}?{}", pairs.join("&"))
        }
        None => rest,
    };
    format!("{head}{rest}")
}

/// `text` percent-encoded for a URL: every byte but ASCII letters, digits, `-._~` and those
/// in `keep`, so [`StorageUrl::parse`] reads back exactly what [`fmt::Display`] wrote.
fn encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A TCP host as a URL writes it: an IPv6 address in brackets, anything else encoded.
fn host_text(host: &str) -> String {
    let ipv6 = host.contains(':')
        && host
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    if ipv6 {
        format!("[{host}]")
    } else {
        encode(host, "")
    }
}

/// A file path as a `journal:`/`sqlite:` URL writes it: a path starting with `//` gets
/// SQLAlchemy's `///` before it (else it would read as `sqlite://HOST`).
fn path_text(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    if text.starts_with("//") {
        format!("///{text}")
    } else {
        text
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
    /// The URL without its password, its parts percent-encoded where they need it, so it
    /// parses back to this target (less the password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = encode(&self.user, "");
        let dbname = encode(&self.dbname, "");
        match &self.host {
            PgHost::Tcp(h) => write!(
                f,
                "postgresql://{user}@{}:{}/{dbname}",
                host_text(h),
                self.port
            ),
            PgHost::Socket(d) => write!(
                f,
                "postgresql://{user}@/{dbname}?host={}&port={}",
                encode(&d.display().to_string(), "/"),
                self.port
            ),
        }
    }
}

impl fmt::Display for StorageUrl {
    /// The URL as a user would write it, without a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageUrl::Journal(p) => write!(f, "journal:{}", path_text(p)),
            StorageUrl::Sqlite(p) => write!(f, "sqlite:{}", path_text(p)),
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

    #[test]
    fn a_percent_before_a_wide_character_is_named_not_a_panic() {
        // The escape's third byte falls inside `é`: quoting it by bytes used to panic.
        let e = StorageUrl::parse("postgresql://u@h/%aé")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`%aé` is not a percent escape"), "{e}");
        let e = StorageUrl::parse("postgresql://u:%aé@h/d")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("password holds a `%`") && !e.contains("%aé"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod properties {
    //! Property tests: every URL Knobs writes reads back as the same target, any text given
    //! as `--storage` gives a value or an error naming it (never a panic), and a password is
    //! never in a message.

    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config;

    /// Cases per property: `PROPTEST_CASES` if set, else 2,000.
    fn config() -> Config {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(2_000);
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// Any printable text, non-ASCII and URL punctuation (`@:/?&=%#[]`) included.
    fn part() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{1,12}",
            "[a-z@:/?&=%#\\[\\] .]{1,12}",
            "[a-z][a-z0-9_.-]{0,10}",
        ]
    }

    fn target() -> impl Strategy<Value = PgTarget> {
        let host = prop_oneof![
            part().prop_map(PgHost::Tcp),
            Just(PgHost::Tcp("::1".into())),
            Just(PgHost::Tcp("fe80::1:2".into())),
            "/\\PC{0,20}".prop_map(|d| PgHost::Socket(d.into())),
        ];
        (part(), host, any::<u16>(), part()).prop_map(|(user, host, port, dbname)| PgTarget {
            user,
            password: None,
            host,
            port,
            dbname,
        })
    }

    fn file_url() -> impl Strategy<Value = StorageUrl> {
        (any::<bool>(), "\\PC{1,24}").prop_map(|(journal, path)| {
            if journal {
                StorageUrl::Journal(path.into())
            } else {
                StorageUrl::Sqlite(path.into())
            }
        })
    }

    /// Text that is, or nearly is, a storage URL: a scheme Knobs knows, one it does not, or
    /// none, then anything.
    fn storage_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            (
                prop::sample::select(vec![
                    "journal:",
                    "sqlite:",
                    "sqlite:///",
                    "sqlite://",
                    "postgresql://",
                    "postgres://",
                    "POSTGRESQL://",
                    "mysql://",
                    ":",
                    "",
                ]),
                "\\PC{0,40}",
            )
                .prop_map(|(scheme, rest)| format!("{scheme}{rest}")),
            "postgresql://[a-z%@:/?&=\\[\\]0-9]{0,30}",
        ]
    }

    /// A password no other part of a generated URL can contain by chance.
    fn password() -> impl Strategy<Value = String> {
        "\\PC{4,12}".prop_map(|p| format!("Zq{p}Qz"))
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn a_postgres_target_reads_back_from_its_url(target in target()) {
            let url = StorageUrl::Postgres(target.clone()).to_string();
            prop_assert_eq!(StorageUrl::parse(&url), Ok(StorageUrl::Postgres(target)), "{}", url);
        }

        #[test]
        fn a_target_with_a_password_reads_back_without_it_and_never_shows_it(
            target in target(),
            pw in password(),
        ) {
            let with = PgTarget { password: Some(pw.clone()), ..target.clone() };
            let url = with.to_string();
            prop_assert!(!url.contains(&pw), "{}", url);
            prop_assert_eq!(StorageUrl::parse(&url), Ok(StorageUrl::Postgres(target)));
        }

        #[test]
        fn a_file_url_reads_back_from_its_text(url in file_url()) {
            let text = url.to_string();
            prop_assert_eq!(StorageUrl::parse(&text), Ok(url), "{}", text);
        }

        #[test]
        fn any_text_gives_a_url_or_an_error_naming_it(text in storage_text()) {
            if let Err(e) = StorageUrl::parse(&text) {
                let message = e.to_string();
                prop_assert!(
                    message.contains(&text) || message.contains(&hide_password(&text)),
                    "{:?} → {}", text, message
                );
            }
        }

        #[test]
        fn a_password_is_never_in_an_error_whatever_else_is_wrong(
            pw in password(),
            mistake in 0usize..9,
            encoded in any::<bool>(),
        ) {
            let written = if encoded { encode(&pw, "") } else { pw.clone() };
            let url = match mistake {
                0 => format!("postgresql://me:{written}@db.lan:5432/tune"),
                1 => format!("postgresql://me:{written}@db.lan:notaport/tune"),
                2 => format!("postgresql://me:{written}@db.lan:5432"),
                3 => format!("postgresql://me:{written}@db.lan/tune?sslmode=require"),
                4 => format!("mysql://me:{written}@db.lan/tune"),
                5 => format!("postgresql://m%zz:{written}@db.lan/tune"),
                6 => format!("postgresql://me:{written}@db.lan/tune?host=/tmp/pg"),
                7 => format!("postgresql://:{written}@db.lan/tune"),
                _ => format!(
                    "postgresql://me@db.lan/tune?password={}&bogus=1",
                    encode(&pw, "")
                ),
            };
            let shown = match StorageUrl::parse(&url) {
                Ok(parsed) => parsed.to_string(),
                Err(e) => e.to_string(),
            };
            prop_assert!(!shown.contains(&pw), "{:?} → {}", url, shown);
            prop_assert!(!shown.contains(&encode(&pw, "")), "{:?} → {}", url, shown);
        }
    }
}
