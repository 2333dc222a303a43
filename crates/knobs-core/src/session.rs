//! Sessions: a whole study saved as RON, reopened and resumed later.
//!
//! The file is a [`Session`]: a format version, the study (definition and every trial) and,
//! optionally, a race ([`RaceSession`]) with every one of its runs, so the GUI's Race tab
//! reopens exactly as it was saved. The race part is optional and defaults to none, so files
//! written before races were saved read unchanged (same format version).
//! Saving is atomic: the text goes to a temporary file beside the target, which is then
//! renamed over it, so a crash mid-save never leaves a half-written session.

use crate::strategy::StrategySpec;
use crate::study::{Study, Trial};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The session format this build writes and reads. Bump it when a change is not
/// backward-compatible, and keep reading the old versions where possible.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// What a session file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The format version the file was written with.
    pub version: u32,
    /// The study, trials included.
    pub study: Study,
    /// The race run on the study's problem, if one was saved with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceSession>,
    /// What loading repaired in the study (trials renumbered over a gap, a stored NaN
    /// failed, running trials to ask again), one sentence each, for the user to read. Never
    /// saved.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// A race as saved: its setup and every run's trials, enough to redraw its curves and
/// ranking without rerunning anything, and to continue it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaceSession {
    /// The raced problem: objective, space, direction, budget, base seed and window (no
    /// trials; each run's strategy and seed are in its [`RaceRun`]).
    pub problem: Study,
    /// The strategies picked, by name, in pick order.
    pub picked: Vec<String>,
    /// Runs per strategy, on seeds `seed`, `seed + 1`, ….
    pub repeats: usize,
    /// The ranking's "within x% of the best" threshold, in percent.
    pub within_percent: f64,
    /// The objective's known minimum as the race used it (regret curves), saved so reopening
    /// never has to build the objective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_minimum: Option<f64>,
    /// Every run, grouped by strategy in pick order, repeats in seed order.
    pub runs: Vec<RaceRun>,
}

/// One run of a race: one strategy on one seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaceRun {
    /// The strategy, with its settings.
    pub strategy: StrategySpec,
    /// The lane's pruner, with its settings: a race lane is a (strategy, pruner) pair. Absent
    /// in older sessions and for lanes without one.
    #[serde(default, skip_serializing_if = "crate::pruner::PrunerSpec::is_none")]
    pub pruner: crate::pruner::PrunerSpec,
    /// The run's seed.
    pub seed: u64,
    /// How the run stood when saved.
    pub outcome: RaceOutcome,
    /// Seconds spent inside the strategy, once the run finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_seconds: Option<f64>,
    /// Its finished trials, in trial order.
    pub trials: Vec<Trial>,
    /// The strategy's state when the run ended, so continuing it costs about one ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_state: Option<Box<crate::strategy::SavedState>>,
}

/// How a saved run stood: the runner's finish reasons, plus the two states a run can be
/// saved in before it finishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RaceOutcome {
    /// Still running or waiting its turn when saved; it can be continued.
    Unfinished,
    /// Every trial of the budget ran.
    BudgetSpent,
    /// Stopped by the user; it can be continued.
    Stopped,
    /// The strategy had nothing more to propose, and said why.
    Exhausted(String),
    /// The strategy failed, and said why.
    StrategyFailed(String),
    /// The run could not start or its runner died, and why.
    Failed(String),
}

/// Why a session could not be read or written. Messages name the file, and the line and
/// column for syntax errors.
#[derive(Debug, Error)]
pub enum SessionError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file, as given.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The file (through its temporary copy) could not be written, synced or renamed into
    /// place.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file, as given.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The text is not RON, or not the shape of a session.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file, as given.
        path: PathBuf,
        /// 1-based line number of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The file declares a format version this build does not read.
    #[error(
        "{path}: session format version {found} is not supported (this build reads {FORMAT_VERSION})"
    )]
    Version {
        /// The file, as given.
        path: PathBuf,
        /// The version the file declares.
        found: u32,
    },
    /// The session could not be turned into RON text (the serializer's message).
    #[error("cannot encode the session: {0}")]
    Encode(String),
    /// The session's study does not fit its own definition, in a way repair cannot fix.
    #[error("{path}: {source}")]
    Invalid {
        /// The file, as given.
        path: PathBuf,
        /// What is wrong, naming the trial.
        source: crate::study::StudyError,
    },
}

#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

impl Session {
    /// Wrap a study in the current format.
    pub fn new(study: Study) -> Self {
        Session {
            version: FORMAT_VERSION,
            study,
            race: None,
            notes: Vec::new(),
        }
    }

    /// Wrap a study and the race run on its problem.
    pub fn with_race(study: Study, race: Option<RaceSession>) -> Self {
        Session {
            race,
            ..Session::new(study)
        }
    }

    /// Parse session text and check its study (`Study::repair`: what can be fixed without
    /// losing a result is, and said in `notes`; the rest is an error naming the trial).
    /// `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SessionError> {
        let syntax = |e: ron::error::SpannedError| SessionError::Syntax {
            path: path.to_owned(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        };
        // Check the version before the shape, so an old or newer file says so plainly.
        let probe: VersionProbe = ron::from_str(text).map_err(syntax)?;
        if probe.version != FORMAT_VERSION {
            return Err(SessionError::Version {
                path: path.to_owned(),
                found: probe.version,
            });
        }
        let mut session: Session = ron::from_str(text).map_err(syntax)?;
        session.notes = session
            .study
            .repair()
            .map_err(|source| SessionError::Invalid {
                path: path.to_owned(),
                source,
            })?;
        Ok(session)
    }

    /// Read a session file. Its objectives' files (datasets, folds) and a command's working
    /// folder are found from the session's own folder, not the current one: relative paths
    /// are joined to it, and a command with no working folder runs there.
    pub fn load(path: &Path) -> Result<Self, SessionError> {
        let text = std::fs::read_to_string(path).map_err(|source| SessionError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut session = Self::parse(&text, path)?;
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let folder = std::path::absolute(&folder).unwrap_or(folder);
        session.study.objective = session.study.objective.rebased(&folder);
        for text in [
            &mut session.study.description,
            &mut session.study.description_zh,
        ] {
            *text = number_lesson(text, path);
        }
        if let Some(race) = &mut session.race {
            race.problem.objective = race.problem.objective.rebased(&folder);
        }
        Ok(session)
    }

    /// The session as pretty RON text.
    pub fn to_ron(&self) -> Result<String, SessionError> {
        // Deep enough for a race's runs to keep one trial per line, as the study's do.
        let depth = if self.race.is_some() { 5 } else { 4 };
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(depth)
            .indentor("  ".to_owned());
        ron::ser::to_string_pretty(self, config).map_err(|e| SessionError::Encode(e.to_string()))
    }

    /// Write the session atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        let text = self.to_ron()?;
        write_atomic(path, text.as_bytes())
    }
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so
/// readers see the old file or the new one, never a torn one. The file is synced before the
/// rename and the folder after it, so once this returns the new file survives a power cut.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SessionError> {
    use std::io::Write;
    let err = |source| SessionError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_folder(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Make a rename in `dir` durable (on Unix a folder is synced through a handle to it; other
/// systems have no such call and commit renames themselves).
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// A lesson's description with `{lesson}` and `{lessons}` filled in, so the lessons are
/// numbered in one place, their file names: a lesson is the sessions named `lessonN_*.ron`,
/// `{lesson}` is this file's `N` and `{lessons}` the highest `N` among the `lesson*_*.ron`
/// files beside it. Adding or renumbering a lesson is adding or renaming files; no
/// description says "of 5" while six ship. Text without the holes is returned as it is.
pub fn number_lesson(text: &str, path: &Path) -> String {
    if !text.contains("{lesson") {
        return text.to_owned();
    }
    let number_of = |name: &str| -> Option<usize> {
        let rest = name.strip_prefix("lesson")?;
        let (digits, tail) = rest.split_once('_')?;
        tail.ends_with(".ron").then_some(())?;
        digits.parse().ok()
    };
    let own = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(number_of);
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let count = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(number_of))
        .max()
        .into_iter()
        .chain(own)
        .max();
    let (Some(own), Some(count)) = (own, count) else {
        return text.to_owned();
    };
    text.replace("{lessons}", &count.to_string())
        .replace("{lesson}", &own.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::ObjectiveSpec;
    use crate::strategy::StrategySpec;
    use crate::study::Direction;

    fn study() -> Study {
        let objective = ObjectiveSpec::from_name("branin").unwrap();
        Study {
            name: "t".into(),
            description: String::new(),
            description_zh: String::new(),
            direction: Direction::Minimize,
            space: objective.build().unwrap().default_space(),
            objective,
            strategy: StrategySpec::Random,
            seed: 3,
            budget: 5,
            window: None,
            trials: Vec::new(),
            pruner: Default::default(),
            resource_budget: None,
            strategy_state: None,
            adaptive: Default::default(),
            warm_start: None,
        }
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.ron");
        let session = Session::new(study());
        session.save(&path).unwrap();
        assert_eq!(Session::load(&path).unwrap(), session);
        // no temporary file left behind
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_race_part_round_trips_and_old_files_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.ron");
        let mut trial_study = study();
        let objective = trial_study.objective.build().unwrap();
        let (done, _, _) =
            crate::runner::run_to_end(trial_study.clone(), std::sync::Arc::from(objective), 1)
                .unwrap();
        trial_study.trials.clear();
        let race = RaceSession {
            problem: trial_study,
            picked: vec!["random".into(), "sobol".into()],
            repeats: 1,
            within_percent: 1.0,
            known_minimum: Some(0.397887),
            runs: vec![RaceRun {
                strategy: StrategySpec::Random,
                pruner: crate::pruner::PrunerSpec::None,
                seed: 3,
                outcome: RaceOutcome::Exhausted("a reason".into()),
                strategy_seconds: Some(0.125),
                trials: done.trials,
                strategy_state: None,
            }],
        };
        let session = Session::with_race(study(), Some(race));
        session.save(&path).unwrap();
        assert_eq!(Session::load(&path).unwrap(), session);
        // a session without a race writes no race part, and text without one reads as before
        let plain = Session::new(study()).to_ron().unwrap();
        assert!(!plain.contains("race"));
        assert_eq!(Session::parse(&plain, &path).unwrap().race, None);
    }

    #[test]
    fn errors_name_file_line_and_version() {
        let path = Path::new("bad.ron");
        let err = Session::parse("(version: 1, study: (direction: Sideways))", path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.ron:1:"), "{msg}");
        let text = Session::new(study())
            .to_ron()
            .unwrap()
            .replace("version: 1", "version: 99");
        let msg = Session::parse(&text, path).unwrap_err().to_string();
        assert!(msg.contains("version 99"), "{msg}");
    }
}
