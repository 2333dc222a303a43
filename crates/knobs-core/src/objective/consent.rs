//! Nothing runs unasked: which external commands the user has agreed to run.
//!
//! A session file can carry a command objective (its race part too), and a session can come
//! from anyone. So a command that came from a file runs only once the user has seen it in
//! full and confirmed it (the window's dialog, `knobs run --allow-command`), and the answer
//! is remembered per command text *and* working folder in a small JSON file in the
//! platform's configuration folder (`$KNOBS_CONFIG_DIR` overrides it, for tests and
//! sandboxes). A changed command, or the same one in another folder, asks again.

use super::{ObjectiveSpec, split_words};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A command objective as the user is asked to confirm it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandApproval {
    /// The command text exactly as stored.
    pub command: String,
    /// The absolute folder it runs in.
    pub folder: PathBuf,
}

impl CommandApproval {
    /// The approval a spec needs, if it is a command objective: its command and the folder
    /// it would run in (its working folder, else the current one).
    pub fn of(spec: &ObjectiveSpec) -> Option<CommandApproval> {
        let ObjectiveSpec::Command {
            command, workdir, ..
        } = spec
        else {
            return None;
        };
        let folder = match workdir {
            Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        };
        Some(CommandApproval {
            command: command.clone(),
            folder,
        })
    }

    /// The command in full, for a confirmation: the program, each argument, the folder.
    pub fn describe(&self) -> String {
        let words = split_words(&self.command).unwrap_or_else(|_| vec![self.command.clone()]);
        let mut text = String::new();
        if let Some((program, args)) = words.split_first() {
            text.push_str(&format!("  program: {program}\n"));
            for a in args {
                text.push_str(&format!("  argument: {a}\n"));
            }
        }
        text.push_str(&format!("  in folder: {}", self.folder.display()));
        text
    }

    /// Whether the user has confirmed this command in this folder before.
    pub fn is_remembered(&self) -> bool {
        remembered().contains(self)
    }

    /// Remember the user's confirmation, so the same command in the same folder runs
    /// without asking again.
    pub fn remember(&self) -> Result<(), String> {
        let mut all = remembered();
        if all.contains(self) {
            return Ok(());
        }
        all.push(self.clone());
        let path = store_path().ok_or("no configuration folder (set HOME or KNOBS_CONFIG_DIR)")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
        crate::session::write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string())
    }
}

/// The configuration folder: `$KNOBS_CONFIG_DIR`, else the platform's (`$XDG_CONFIG_HOME`
/// or `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on
/// Windows) with `knobs` appended.
pub(crate) fn config_dir() -> Option<PathBuf> {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("KNOBS_CONFIG_DIR") {
        return Some(dir);
    }
    let base = if cfg!(windows) {
        env("APPDATA")?
    } else if cfg!(target_os = "macos") {
        env("HOME")?.join("Library").join("Application Support")
    } else {
        env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|h| h.join(".config")))?
    };
    Some(base.join("knobs"))
}

fn store_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("allowed-commands.json"))
}

/// Every remembered confirmation (none if the file is missing or unreadable: asking again
/// is the safe side).
fn remembered() -> Vec<CommandApproval> {
    store_path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}
