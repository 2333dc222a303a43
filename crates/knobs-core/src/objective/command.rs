//! An external command as the objective, so users can tune their own training script.
//!
//! **Running.** For each trial the command runs as the leader of its own process group (see
//! `process.rs`: a timeout, Stop, or Knobs being told to quit ends the whole group, SIGTERM
//! then SIGKILL after [`GRACE_SECONDS`], and nothing it started survives), in its working
//! folder (a session's own folder by default), with the parameters three ways:
//! `--name value …` appended to its arguments, one JSON object on stdin (written from a
//! thread, so a script that never reads stdin never blocks), and `KNOBS_PARAMS_JSON` in its
//! environment (left out when over 32 KiB: read stdin then), beside `KNOBS_TRIAL_NUMBER`
//! and `KNOBS_STUDY`. A trial that runs longer than its timeout (default
//! [`DEFAULT_TRIAL_TIMEOUT_SECONDS`], one hour) fails. The trial ends when the command
//! exits, whatever its children do with the pipes.
//!
//! **Protocol.** Each stdout line is one of:
//! - an intermediate value, `{"step": 3, "value": 0.91}` or `knobs: step 3 value 0.91`,
//!   stored on the trial and streamed while the trial runs (a learning curve);
//! - a user attribute, `{"attr": "epochs_run", "value": 12}` (a number, text or flag);
//! - anything else: the last such line that is not empty is the trial's value, a number or
//!   a JSON object with a numeric `value`.
//!
//! A non-zero exit, a signal, a timeout, or a final line without a finite number fails the
//! trial; the reason quotes at most a few short lines of stderr. stdout and stderr are read
//! with caps (the last 64 KiB of each is kept), so a chatty script cannot fill the memory.
//!
//! The command line is split like a shell would split words (single and double quotes,
//! backslash escapes) but no shell runs: no pipes, globs or variables.

use super::process::{Ending, ExitStatus, Group};
use super::{BuildError, Evaluation, Objective, ObjectiveError, TrialContext};
use crate::space::{Params, Space, Value};
use crate::study::{AttrValue, Direction, Intermediate};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// A trial's time limit when the user sets none: an hour, so a script that hangs cannot
/// hang the study, yet ordinary training runs fit. `--trial-timeout` changes it.
pub(crate) const DEFAULT_TRIAL_TIMEOUT_SECONDS: f64 = 3600.0;
/// Seconds between SIGTERM and SIGKILL when a trial's process group is ended: time for a
/// script to save a checkpoint or clean up.
pub const GRACE_SECONDS: f64 = 3.0;
/// How much of each of stdout and stderr is kept (the end of it).
const TAIL_BYTES: usize = 64 * 1024;
/// How many lines of stderr a failure reason quotes, and how long each may be.
const REASON_LINES: usize = 4;
const REASON_LINE_CHARS: usize = 200;
/// Largest parameter JSON put in the environment (Linux refuses single environment
/// strings over 128 KiB; stdin has no limit).
const ENV_PARAMS_MAX: usize = 32 * 1024;
/// Most intermediate values kept per trial; later ones are still streamed.
const MAX_INTERMEDIATE: usize = 10_000;
/// How long to wait for the pipes to close once the group is gone (a process that left
/// the group may still hold them).
const PIPE_WAIT: Duration = Duration::from_secs(1);

/// The longest trial timeout accepted: a year. Longer (or infinite) values are refused,
/// not converted, since `Duration::from_secs_f64` panics past its range.
pub(crate) const MAX_TIMEOUT_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

/// A command ready to run trials.
#[derive(Clone, Debug)]
pub struct CommandObjective {
    program: String,
    args: Vec<String>,
    timeout: Duration,
    grace: Duration,
    workdir: Option<PathBuf>,
}

impl CommandObjective {
    /// Parse `command` into words; `timeout_seconds` bounds each trial (default
    /// `DEFAULT_TRIAL_TIMEOUT_SECONDS`).
    pub fn new(
        command: &str,
        timeout_seconds: Option<f64>,
    ) -> Result<CommandObjective, BuildError> {
        let mut words = split_words(command).map_err(BuildError::Invalid)?;
        if words.is_empty() {
            return Err(BuildError::Invalid("the command is empty".into()));
        }
        let seconds = timeout_seconds.unwrap_or(DEFAULT_TRIAL_TIMEOUT_SECONDS);
        // Checked before conversion: `Duration::from_secs_f64` panics past its range (1e20 s).
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
            return Err(BuildError::Invalid(format!(
                "the trial timeout must be a positive number of seconds up to \
                 {MAX_TIMEOUT_SECONDS} (a year), got {seconds}"
            )));
        }
        let program = words.remove(0);
        Ok(CommandObjective {
            program,
            args: words,
            timeout: Duration::from_secs_f64(seconds),
            grace: Duration::from_secs_f64(GRACE_SECONDS),
            workdir: None,
        })
    }

    /// Run in `folder` (`None`: the current folder).
    pub fn in_folder(mut self, folder: Option<PathBuf>) -> Self {
        self.workdir = folder;
        self
    }

    /// Wait `grace` between SIGTERM and SIGKILL when ending a trial's group.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The program run, as the confirmation shows it.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The command's own arguments (before the parameters), as the confirmation shows them.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The working folder, if one is set.
    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    /// The process, configured for one trial (not yet started).
    fn command_for(&self, params: &Params, context: &TrialContext, json: &str) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        for (name, value) in params {
            cmd.arg(format!("--{name}")).arg(value.to_string());
        }
        cmd.env("KNOBS_TRIAL_NUMBER", context.number.to_string())
            .env("KNOBS_STUDY", &context.study);
        if json.len() <= ENV_PARAMS_MAX {
            cmd.env("KNOBS_PARAMS_JSON", json);
        } else {
            cmd.env_remove("KNOBS_PARAMS_JSON");
        }
        if let Some(dir) = &self.workdir {
            cmd.current_dir(dir);
        }
        cmd
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

/// What one line of a command's stdout says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Report {
    /// An intermediate value (`{"step": 3, "value": 0.91}`, `knobs: step 3 value 0.91`).
    Step(Intermediate),
    /// A user attribute (`{"attr": "epochs_run", "value": 12}`).
    Attr(String, AttrValue),
    /// A candidate final value: a number, or JSON with a numeric `value` (possibly not
    /// finite, which fails the trial if it is the last).
    Value(f64),
    /// Anything else (log output); if it is the last line, the trial fails.
    Other,
}

/// Read one stdout line (trimmed) under the protocol.
pub(crate) fn classify_line(line: &str) -> Report {
    let line = line.trim();
    if let Ok(v) = line.parse::<f64>() {
        return Report::Value(v);
    }
    if let Some(rest) = line.strip_prefix("knobs:") {
        let words: Vec<&str> = rest.split_whitespace().collect();
        if let ["step", step, "value", value] = words.as_slice()
            && let (Ok(step), Ok(value)) = (step.parse::<u64>(), value.parse::<f64>())
        {
            return Report::Step(Intermediate { step, value });
        }
        return Report::Other;
    }
    if !line.starts_with('{') {
        return Report::Other;
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(line) else {
        return Report::Other;
    };
    let value = map.get("value");
    if let Some(name) = map.get("attr").and_then(serde_json::Value::as_str) {
        let attr = match value {
            Some(serde_json::Value::Number(n)) => n.as_f64().map(AttrValue::Number),
            Some(serde_json::Value::String(s)) => Some(AttrValue::Text(s.clone())),
            Some(serde_json::Value::Bool(b)) => Some(AttrValue::Flag(*b)),
            _ => None,
        };
        return attr.map_or(Report::Other, |a| Report::Attr(name.to_owned(), a));
    }
    let Some(value) = value.and_then(serde_json::Value::as_f64) else {
        return Report::Other;
    };
    match map.get("step") {
        Some(step) => match step.as_u64() {
            Some(step) => Report::Step(Intermediate { step, value }),
            None => Report::Other,
        },
        None => Report::Value(value),
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// The last few non-empty lines of `text`, each shortened, for a failure reason.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let from = lines.len().saturating_sub(REASON_LINES);
    lines[from..]
        .iter()
        .map(|l| shorten(l, REASON_LINE_CHARS))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// What a reader thread has gathered from one pipe so far.
#[derive(Default)]
struct Gathered {
    /// The last `TAIL_BYTES` bytes.
    tail: Vec<u8>,
    /// The last non-empty line that was not a step or attribute report.
    last_line: Option<String>,
    intermediate: Vec<Intermediate>,
    attrs: BTreeMap<String, AttrValue>,
}

impl Gathered {
    fn push_tail(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * TAIL_BYTES {
            let cut = self.tail.len() - TAIL_BYTES;
            self.tail.drain(..cut);
        }
    }

    fn tail_text(&self) -> String {
        let from = self.tail.len().saturating_sub(TAIL_BYTES);
        String::from_utf8_lossy(&self.tail[from..]).into_owned()
    }
}

/// Read a pipe to its end on a thread, keeping its tail and, for stdout, following the
/// protocol line by line. The receiver hears once the pipe is closed.
fn gather(
    mut pipe: impl Read + Send + 'static,
    into: Arc<Mutex<Gathered>>,
    protocol: bool,
    progress: Option<super::ProgressFn>,
) -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    let on_line = move |g: &mut Gathered, line: &[u8]| {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if !protocol || text.is_empty() {
            return;
        }
        match classify_line(text) {
            Report::Step(step) => {
                if g.intermediate.len() < MAX_INTERMEDIATE {
                    g.intermediate.push(step);
                }
                if let Some(p) = &progress {
                    // The verdict is acted on by the progress function itself (it flags the
                    // trial pruned; the waiting thread then ends the group).
                    let _ = p(step.step, step.value);
                }
            }
            Report::Attr(name, value) => {
                g.attrs.insert(name, value);
            }
            Report::Value(_) | Report::Other => g.last_line = Some(text.to_owned()),
        }
    };
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        let mut line: Vec<u8> = Vec::new();
        loop {
            let n = match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let Ok(mut g) = into.lock() else { break };
            g.push_tail(&buf[..n]);
            for &b in &buf[..n] {
                if b == b'\n' {
                    on_line(&mut g, &line);
                    line.clear();
                } else if line.len() < TAIL_BYTES {
                    // A longer line is cut: it can only be log output or garbage.
                    line.push(b);
                }
            }
        }
        if let Ok(mut g) = into.lock() {
            on_line(&mut g, &line);
        }
        let _ = tx.send(());
    });
    rx
}

/// The progress function a command's stdout reader calls: it passes each report on to the
/// trial's context, and when the verdict is [`super::Verdict::Prune`] notes where and sets
/// `halt`, which makes the waiting thread end the process group. Reports after that are
/// not passed on.
fn pruning_progress(
    context: &TrialContext,
    pruned: Arc<Mutex<Option<(u64, f64)>>>,
    halt: Arc<AtomicBool>,
) -> super::ProgressFn {
    let context = context.clone();
    Arc::new(move |step: u64, value: f64| {
        if halt.load(Ordering::SeqCst) {
            return super::Verdict::Prune;
        }
        let verdict = context.report(step, value);
        if verdict == super::Verdict::Prune {
            if let Ok(mut p) = pruned.lock() {
                *p = Some((step, value));
            }
            halt.store(true, Ordering::SeqCst);
        }
        verdict
    })
}

/// The value on the last line that is not a report: a finite number, or why not.
fn final_value(last_line: Option<&str>) -> Result<f64, String> {
    let Some(line) = last_line else {
        return Err(
            "the command printed no value on stdout (the last line must be a number \
                    or JSON with `value`)"
                .into(),
        );
    };
    match classify_line(line) {
        Report::Value(v) if v.is_finite() => Ok(v),
        Report::Value(v) => Err(format!("the command reported {v}")),
        _ => Err(format!(
            "the last line of stdout is neither a number nor JSON with `value`: `{}`",
            shorten(line, REASON_LINE_CHARS)
        )),
    }
}

/// A human name for a signal number.
fn signal_name(sig: i32) -> String {
    #[cfg(unix)]
    {
        let name = match sig {
            libc::SIGHUP => "SIGHUP",
            libc::SIGINT => "SIGINT",
            libc::SIGABRT => "SIGABRT",
            libc::SIGKILL => "SIGKILL",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGPIPE => "SIGPIPE",
            libc::SIGTERM => "SIGTERM",
            libc::SIGBUS => "SIGBUS",
            libc::SIGFPE => "SIGFPE",
            _ => return format!("signal {sig}"),
        };
        format!("signal {sig} ({name})")
    }
    #[cfg(not(unix))]
    {
        format!("signal {sig}")
    }
}

impl Objective for CommandObjective {
    fn evaluate(&self, params: &Params, want_gradient: bool) -> Result<Evaluation, ObjectiveError> {
        self.evaluate_in(params, want_gradient, &TrialContext::detached())
    }

    fn evaluate_in(
        &self,
        params: &Params,
        _want_gradient: bool,
        context: &TrialContext,
    ) -> Result<Evaluation, ObjectiveError> {
        let json = serde_json::Value::Object(
            params
                .iter()
                .map(|(n, v)| (n.clone(), json_value(v)))
                .collect(),
        )
        .to_string();
        let mut cmd = self.command_for(params, context, &json);
        let mut group = Group::spawn(&mut cmd).map_err(|e| {
            let place = self
                .workdir
                .as_ref()
                .map(|d| format!(" in {}", d.display()))
                .unwrap_or_default();
            ObjectiveError::Failed(format!("cannot start `{}`{place}: {e}", self.program))
        })?;
        let child = group.child_mut();
        if let Some(mut stdin) = child.stdin.take() {
            // A command that ignores stdin may never read it, or exit first: neither blocks
            // the trial nor is an error.
            std::thread::spawn(move || {
                let _ = stdin.write_all(json.as_bytes());
                let _ = stdin.write_all(b"\n");
            });
        }
        let out = Arc::new(Mutex::new(Gathered::default()));
        let err = Arc::new(Mutex::new(Gathered::default()));
        let mut closed = Vec::new();
        let pruned = Arc::new(Mutex::new(None));
        let halt = Arc::new(AtomicBool::new(false));
        if let Some(pipe) = child.stdout.take() {
            let progress = pruning_progress(context, Arc::clone(&pruned), Arc::clone(&halt));
            closed.push(gather(pipe, out.clone(), true, Some(progress)));
        }
        if let Some(pipe) = child.stderr.take() {
            closed.push(gather(pipe, err.clone(), false, None));
        }
        let finished = group.wait(self.timeout, self.grace, &context.cancel, &halt);
        // The group is gone; the pipes close now unless a process escaped the group.
        for rx in closed {
            let _ = rx.recv_timeout(PIPE_WAIT);
        }
        let take = |g: &Arc<Mutex<Gathered>>| {
            g.lock()
                .map(|mut g| std::mem::take(&mut *g))
                .unwrap_or_default()
        };
        let (out, err) = (take(&out), take(&err));
        let fail = |why: String| {
            let quoted = last_lines(&err.tail_text());
            ObjectiveError::FailedAfter {
                reason: if quoted.is_empty() {
                    why
                } else {
                    format!("{why}; stderr: {quoted}")
                },
                partial: Box::new(super::Partial {
                    intermediate: out.intermediate.clone(),
                    attrs: out.attrs.clone(),
                    resources: Some(finished.resources),
                }),
            }
        };
        if finished.ending == Ending::Cancelled {
            return Err(ObjectiveError::Cancelled);
        }
        // Read after the pipes closed, so every report was judged: a script told to stop is
        // pruned even if it exited by itself before its group was ended (timing never decides).
        if halt.load(Ordering::SeqCst) {
            let at = pruned.lock().ok().and_then(|p| *p);
            let (step, value) = at.unwrap_or((0, f64::NAN));
            return Err(ObjectiveError::Pruned { step, value });
        }
        match finished.ending {
            Ending::Cancelled | Ending::Halted => return Err(ObjectiveError::Cancelled),
            Ending::TimedOut => {
                return Err(fail(format!(
                    "timed out after {:.1} s (its processes were ended)",
                    self.timeout.as_secs_f64()
                )));
            }
            Ending::Exited => {}
        }
        match finished.status {
            ExitStatus::Code(0) => {}
            ExitStatus::Code(c) => return Err(fail(format!("the command exited with code {c}"))),
            ExitStatus::Signal(s) => {
                return Err(fail(format!(
                    "the command was killed by {}",
                    signal_name(s)
                )));
            }
            ExitStatus::Unknown => {
                return Err(fail("the command's exit status is unknown".into()));
            }
        }
        let value = final_value(out.last_line.as_deref()).map_err(fail)?;
        Ok(Evaluation {
            value,
            fit_seconds: Some(finished.resources.wall_seconds),
            intermediate: out.intermediate,
            attrs: out.attrs,
            resources: Some(finished.resources),
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
    fn lines_are_read_under_the_protocol() {
        let step = |step, value| Report::Step(Intermediate { step, value });
        assert_eq!(classify_line("0.25"), Report::Value(0.25));
        assert_eq!(
            classify_line("{\"value\": -3, \"other\": 1}"),
            Report::Value(-3.0)
        );
        assert_eq!(
            classify_line("{\"step\": 3, \"value\": 0.91}"),
            step(3, 0.91)
        );
        assert_eq!(classify_line("knobs: step 4 value 0.5"), step(4, 0.5));
        assert_eq!(
            classify_line("{\"attr\": \"epochs_run\", \"value\": 12}"),
            Report::Attr("epochs_run".into(), AttrValue::Number(12.0))
        );
        assert_eq!(classify_line("done"), Report::Other);
        assert_eq!(classify_line("{\"loss\": 1}"), Report::Other);
        assert_eq!(classify_line("knobs: step x value 1"), Report::Other);
    }

    #[test]
    fn the_final_value_must_be_a_finite_number() {
        assert_eq!(final_value(Some("0.5")), Ok(0.5));
        assert!(final_value(None).is_err());
        assert!(final_value(Some("nan")).unwrap_err().contains("NaN"));
        assert!(final_value(Some("inf")).unwrap_err().contains("inf"));
        let long = "x".repeat(10_000);
        assert!(final_value(Some(&long)).unwrap_err().chars().count() < 400);
    }

    #[test]
    fn failure_reasons_quote_only_a_few_short_lines() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        assert_eq!(last_lines(&text), "line 96 | line 97 | line 98 | line 99");
        assert!(last_lines(&"y".repeat(5000)).chars().count() <= REASON_LINE_CHARS + 1);
    }

    #[test]
    fn bad_commands_and_timeouts_are_refused_when_built() {
        assert!(CommandObjective::new("", None).is_err());
        assert!(CommandObjective::new("true", Some(0.0)).is_err());
        assert!(CommandObjective::new("echo 'oops", None).is_err());
    }
}
