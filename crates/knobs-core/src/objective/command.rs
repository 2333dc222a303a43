//! An external command as the objective, so users can tune any training script.
//!
//! For each trial the command runs with the parameters both as arguments
//! (`--name value …`, appended to the command's own arguments) and as one JSON object on
//! stdin (`{"name": value, …}`). Its value is the last non-empty line of stdout: a number,
//! or a JSON object with a numeric `value` field. A non-zero exit, a timeout (the child is
//! killed) or a last line without a number fails the trial, with the tail of stderr in
//! the reason.
//!
//! The command line is split like a shell would split words (single and double quotes,
//! backslash escapes) but no shell runs: no pipes, globs or variables.

use super::{BuildError, Evaluation, Objective, ObjectiveError};
use crate::space::{Params, Space, Value};
use crate::study::Direction;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How much of stderr a failure reason keeps.
const STDERR_TAIL_CHARS: usize = 600;

/// The longest trial timeout accepted: a year. Longer (or infinite) values are refused,
/// not converted, since `Duration::from_secs_f64` panics past its range.
pub const MAX_TIMEOUT_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

/// A command ready to run trials.
#[derive(Clone, Debug)]
pub struct CommandObjective {
    program: String,
    args: Vec<String>,
    timeout: Option<Duration>,
}

impl CommandObjective {
    /// Parse `command` into words; `timeout_seconds` bounds each trial.
    pub fn new(
        command: &str,
        timeout_seconds: Option<f64>,
    ) -> Result<CommandObjective, BuildError> {
        let mut words = split_words(command).map_err(BuildError::Invalid)?;
        if words.is_empty() {
            return Err(BuildError::Invalid("the command is empty".into()));
        }
        let timeout = match timeout_seconds {
            // `try_from` refuses what a `Duration` cannot hold (1e20 s) instead of panicking.
            Some(s) if s > 0.0 && s <= MAX_TIMEOUT_SECONDS => Duration::try_from_secs_f64(s).ok(),
            Some(s) => {
                return Err(BuildError::Invalid(format!(
                    "the trial timeout must be a positive number of seconds up to \
                     {MAX_TIMEOUT_SECONDS} (a year), got {s}"
                )));
            }
            None => None,
        };
        let program = words.remove(0);
        Ok(CommandObjective {
            program,
            args: words,
            timeout,
        })
    }
}

/// Split a command line into words: whitespace separates, quotes group, `\` escapes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err(format!("unterminated ' in `{line}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch) => word.push(ch),
                            None => return Err(format!("trailing \\ in `{line}`")),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err(format!("unterminated \" in `{line}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(ch) => word.push(ch),
                    None => return Err(format!("trailing \\ in `{line}`")),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Float(x) => serde_json::json!(x),
        Value::Int(i) => serde_json::json!(i),
        Value::Cat(s) => serde_json::json!(s),
    }
}

/// The last `STDERR_TAIL_CHARS` characters of `text`, trimmed, for failure reasons.
fn tail(text: &str) -> String {
    let t = text.trim();
    let n = t.chars().count();
    if n <= STDERR_TAIL_CHARS {
        t.to_owned()
    } else {
        let s: String = t.chars().skip(n - STDERR_TAIL_CHARS).collect();
        format!("…{s}")
    }
}

/// The value on the last non-empty line: a number or a JSON object with `value`.
fn parse_value(stdout: &str) -> Result<f64, String> {
    let last = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or("the command printed nothing on stdout")?;
    if let Ok(v) = last.parse::<f64>() {
        return Ok(v);
    }
    match serde_json::from_str::<serde_json::Value>(last) {
        Ok(serde_json::Value::Object(map)) => map
            .get("value")
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| format!("the last line's JSON has no numeric `value`: `{last}`")),
        _ => Err(format!(
            "the last line of stdout is neither a number nor JSON with `value`: `{last}`"
        )),
    }
}

fn read_all(mut r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

impl Objective for CommandObjective {
    fn evaluate(
        &self,
        params: &Params,
        _want_gradient: bool,
    ) -> Result<Evaluation, ObjectiveError> {
        let fail = |why: String, stderr: &str| {
            let t = tail(stderr);
            ObjectiveError::Failed(if t.is_empty() {
                why
            } else {
                format!("{why}; stderr: {t}")
            })
        };
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        for (name, value) in params {
            cmd.arg(format!("--{name}")).arg(value.to_string());
        }
        let stdin_json = serde_json::Value::Object(
            params
                .iter()
                .map(|(n, v)| (n.clone(), json_value(v)))
                .collect(),
        )
        .to_string();
        let started = Instant::now();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ObjectiveError::Failed(format!("cannot start `{}`: {e}", self.program)))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that ignores stdin may exit before reading it: not an error.
            let _ = stdin.write_all(stdin_json.as_bytes());
            let _ = stdin.write_all(b"\n");
        }
        let out = child.stdout.take().map(read_all);
        let err = child.stderr.take().map(read_all);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {}
                Err(e) => {
                    return Err(ObjectiveError::Failed(format!(
                        "waiting for the command: {e}"
                    )));
                }
            }
            if let Some(t) = self.timeout
                && started.elapsed() >= t
            {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        // A grandchild may still hold the pipes after a kill; do not wait for it forever.
        let collect = |rx: Option<mpsc::Receiver<String>>| {
            rx.and_then(|rx| rx.recv_timeout(Duration::from_secs(2)).ok())
                .unwrap_or_default()
        };
        let (stdout, stderr) = (collect(out), collect(err));
        let seconds = started.elapsed().as_secs_f64();
        let Some(status) = status else {
            return Err(fail(
                format!("timed out after {:.1} s (killed)", seconds),
                &stderr,
            ));
        };
        if !status.success() {
            let code = status
                .code()
                .map_or("a signal".to_owned(), |c| format!("code {c}"));
            return Err(fail(format!("the command exited with {code}"), &stderr));
        }
        let value = parse_value(&stdout).map_err(|why| fail(why, &stderr))?;
        if !value.is_finite() {
            return Err(fail(format!("the command reported {value}"), &stderr));
        }
        Ok(Evaluation {
            value,
            fit_seconds: Some(seconds),
            ..Evaluation::default()
        })
    }

    fn default_space(&self) -> Space {
        Space::default()
    }

    fn direction(&self) -> Direction {
        Direction::Minimize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_words(r#"python3 "my script.py" --flag 'a b' c\ d"#).unwrap(),
            vec!["python3", "my script.py", "--flag", "a b", "c d"]
        );
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
        assert!(split_words("echo 'oops").is_err());
    }

    #[test]
    fn values_come_from_the_last_line() {
        assert_eq!(parse_value("log\n0.25\n\n"), Ok(0.25));
        assert_eq!(parse_value("{\"value\": -3, \"other\": 1}"), Ok(-3.0));
        assert!(parse_value("").is_err());
        assert!(parse_value("done").is_err());
        assert!(parse_value("{\"loss\": 1}").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn runs_a_shell_command_with_params_as_arguments() {
        // `sh -c 'echo $2' sh --x 1.5` prints the value after --x.
        let o = CommandObjective::new("sh -c 'echo $2' sh", None).unwrap();
        let params = vec![("x".to_string(), Value::Float(1.5))];
        assert_eq!(o.evaluate(&params, false).unwrap().value, 1.5);
        let o = CommandObjective::new("sh -c 'echo broken >&2; exit 3'", None).unwrap();
        let e = o.evaluate(&params, false).unwrap_err().to_string();
        assert!(e.contains("code 3") && e.contains("broken"), "{e}");
        let o = CommandObjective::new("sh -c 'sleep 5' sh", Some(0.2)).unwrap();
        let e = o.evaluate(&params, false).unwrap_err().to_string();
        assert!(e.contains("timed out"), "{e}");
        assert!(
            CommandObjective::new("no-such-program-knobs", None)
                .unwrap()
                .evaluate(&params, false)
                .is_err()
        );
        assert!(CommandObjective::new("", None).is_err());
        assert!(CommandObjective::new("true", Some(0.0)).is_err());
    }
}
