//! A real PostgreSQL server for the tests: `initdb` and `pg_ctl` on a temporary folder and a
//! free port, run as the unprivileged user `postgres` when the tests run as root (PostgreSQL
//! refuses root), stopped and deleted on drop. Local socket logins are trusted; TCP logins
//! need the password [`PASSWORD`], so a wrong one can be tested.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The password of user `knobs` over TCP.
pub const PASSWORD: &str = "knobs-secret";

/// A running server; stopped on drop.
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The TCP port (the socket file in `dir` has the same number).
    pub port: u16,
}

/// The folder holding `initdb` and `pg_ctl`, if PostgreSQL is installed.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PgServer {
    /// Start a server, or `None` (with the reason printed) when PostgreSQL is not installed.
    pub fn start() -> Option<PgServer> {
        let Some(bin) = bin_dir() else {
            eprintln!("skipped: PostgreSQL's initdb was not found under /usr/lib/postgresql");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("knobs-pg")
            .tempdir()
            .unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = PgServer { dir, bin, port };
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(server.dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown of the server folder failed");
        }
        let data = server.dir.path().join("data");
        server.run(&[
            server.bin.join("initdb").to_str().unwrap(),
            "-A",
            "trust",
            "--auth-host=scram-sha-256",
            "-U",
            "knobs",
            "-D",
            data.to_str().unwrap(),
        ]);
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            server.dir.path().display()
        );
        server.run(&[
            server.bin.join("pg_ctl").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-o",
            &options,
            "-l",
            server.dir.path().join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
        server.sql(
            "postgres",
            &format!("ALTER USER knobs PASSWORD '{PASSWORD}'"),
        );
        Some(server)
    }

    fn run(&self, args: &[&str]) {
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]);
            c.args(args);
            c
        } else {
            let mut c = Command::new(args[0]);
            c.args(&args[1..]);
            c
        };
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The folder of the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Run `sql` in database `db` through the socket.
    pub fn sql(&self, db: &str, sql: &str) {
        use knobs::storage::rdb::Conn;
        let target = knobs::storage::url::PgTarget {
            user: "knobs".into(),
            password: None,
            host: knobs::storage::url::PgHost::Socket(self.socket_dir().to_owned()),
            port: self.port,
            dbname: db.into(),
        };
        let mut conn = knobs::storage::rdb::postgres::Postgres::connect(&target).unwrap();
        conn.batch(sql).unwrap();
    }

    /// Load the plain-SQL dump `file` into database `db` with `psql -f`, through the socket
    /// as user `knobs` (as the harness connects), stopping at the first error.
    pub fn load_dump(&self, db: &str, file: &Path) {
        let out = Command::new(self.bin.join("psql"))
            .arg("-h")
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", "knobs", "-d", db])
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql -f {} failed: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new empty database `name`, and its URL through the socket.
    pub fn database(&self, name: &str) -> String {
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        format!(
            "postgresql://knobs@/{name}?host={}&port={}",
            self.socket_dir().display(),
            self.port
        )
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"));
            c
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = command
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}
