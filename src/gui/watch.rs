//! Watching a shared study live: the window shows a study that lives in a storage (a journal
//! file, SQLite, PostgreSQL) while Optuna or Knobs workers write it, and every plot updates as
//! trials land.
//!
//! A thread follows the storage ([`crate::storage::catalog::Follower`]: a cheap change check
//! about once a second, a read only after a change) and compares each read with the last one
//! it sent, so it sends only what changed, as the same [`LiveEvent`]s a run sends ([`diff`]);
//! the window applies them through the [`StudyEditor`](super::editor::StudyEditor), like a
//! run's events. A read that fails (a dropped connection, a file being replaced) is shown in
//! the top bar and tried again at the next poll; the thread never blocks a frame.
//!
//! Watching is a [`Mode`] (`Mode::Watching`) rather than a flag beside the mode: the watch
//! owns its thread and channel, and while it is the mode there can be no run, step mode or
//! replay writing into the same study; the definition is locked as during a run. "Stop
//! watching" ends the watch and makes the study the window's own: a study Knobs wrote keeps
//! its unbroken run of finished trials from number 0 (what a resume replays; later, running
//! or interrupted trials are asked again) and Run continues it in this window, writing its
//! own journal, not the shared storage (coordinating external workers is the Run with
//! "workers: external"); a study Optuna wrote stays shown but cannot be run, as its objective
//! is unknown.

use super::i18n::{fill, tr};
use super::jobs::Waker;
use super::live::LiveEvent;
use super::mode::Mode;
use super::shared::{Role, SharedStudy};
use super::state::Workbench;
use crate::storage::catalog::Follower;
use crate::storage::url::StorageUrl;
use crate::storage::{Recovered, journal::INTERRUPTED};
use crate::study::{Study, TrialState};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, unbounded};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the watch thread checks the storage for changes.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// What the watch thread tells the window.
#[derive(Debug)]
pub enum News {
    /// The study changed in the storage.
    Changed(Change),
    /// The storage could not be read; the thread tries again at its next poll.
    Failed(String),
    /// The storage reads again after a failure (nothing in the study changed meanwhile).
    Back,
}

/// What changed in a watched study, as the window applies it.
#[derive(Debug, PartialEq)]
pub enum Change {
    /// New and changed trials, as a run's events (in trial order), and the study's budget.
    Events {
        /// The study's budget as stored now (an Optuna study's grows with its trials).
        budget: usize,
        /// What happened to the trials.
        events: Vec<LiveEvent>,
    },
    /// The definition changed or trials went away (rare: a study replaced in its storage):
    /// the whole study as stored now.
    Replace(Box<Study>),
}

/// A watch in progress: the thread following the storage and what it last said.
pub struct Watch {
    news: Receiver<News>,
    /// Dropped with the watch: the thread sees its end at its next wait and stops.
    _stop: Sender<()>,
    /// The thread; not joined (a read in progress, e.g. a slow PostgreSQL query, finishes
    /// on its own and its result is dropped).
    _thread: JoinHandle<()>,
    /// When the last change arrived (or the watch started).
    pub last_update: Instant,
    /// Why the last read failed, until a read succeeds again.
    pub error: Option<String>,
    /// Changes applied so far.
    pub updates: usize,
}

impl Watch {
    /// Start following `follower`, whose study the window now shows as `shown`; `wake` is
    /// called after each piece of news.
    pub fn start(
        follower: Follower,
        shown: Study,
        wake: Option<Waker>,
        every: Duration,
    ) -> Result<Watch, String> {
        let (news_tx, news) = unbounded();
        let (stop, stop_rx) = bounded::<()>(1);
        let thread = std::thread::Builder::new()
            .name("knobs-watch".into())
            .spawn(move || follow(follower, shown, &news_tx, &stop_rx, wake.as_deref(), every))
            .map_err(|e| format!("cannot start the watch thread: {e}"))?;
        Ok(Watch {
            news,
            _stop: stop,
            _thread: thread,
            last_update: Instant::now(),
            error: None,
            updates: 0,
        })
    }
}

/// The watch thread: poll, compare, send, until the window stops watching.
fn follow(
    mut follower: Follower,
    mut last: Study,
    news: &Sender<News>,
    stop: &Receiver<()>,
    wake: Option<&(dyn Fn() + Send + Sync)>,
    every: Duration,
) {
    let mut failing = false;
    loop {
        match stop.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) => {}
            // The window stopped watching (the sender is gone).
            _ => return,
        }
        let item = match follower.poll() {
            Ok(None) if failing => News::Back,
            Ok(None) => continue,
            Ok(Some(recovered)) => {
                let change = diff(&last, &recovered.study);
                last = recovered.study;
                match change {
                    Some(c) => News::Changed(c),
                    None if failing => News::Back,
                    None => continue,
                }
            }
            Err(e) => News::Failed(e.to_string()),
        };
        failing = matches!(item, News::Failed(_));
        if news.send(item).is_err() {
            return;
        }
        if let Some(wake) = wake {
            wake();
        }
    }
}

/// What turns `old` (the study as the window shows it) into `new` (as the storage holds it
/// now), or `None` when nothing the window shows changed: trial events when only trials
/// were added or changed (and the budget), else the whole study.
pub fn diff(old: &Study, new: &Study) -> Option<Change> {
    let vanished = old.trials.iter().any(|t| find(new, t.number).is_none());
    if !same_definition(old, new) || vanished {
        return Some(Change::Replace(Box::new(new.clone())));
    }
    let mut events = Vec::new();
    let mut top = old.trials.iter().map(|t| t.number).max();
    for t in &new.trials {
        match find(old, t.number) {
            Some(before) if before == t => {}
            Some(before) if only_progressed(before, t) => {
                for point in &t.intermediate[before.intermediate.len()..] {
                    events.push(LiveEvent::Progress {
                        number: t.number,
                        point: *point,
                    });
                }
            }
            // A trial after every shown one starts as a run's would; any other new or changed
            // trial takes its place by number.
            None if t.state == TrialState::Running && top.is_none_or(|n| t.number > n) => {
                events.push(LiveEvent::TrialStarted(t.clone()));
            }
            _ => events.push(LiveEvent::TrialFinished(t.clone())),
        }
        top = top.max(Some(t.number));
    }
    (!events.is_empty() || old.budget != new.budget).then_some(Change::Events {
        budget: new.budget,
        events,
    })
}

/// Trial `number` of `study` (kept in number order by every writer).
fn find(study: &Study, number: usize) -> Option<&crate::study::Trial> {
    match study.trials.get(number) {
        Some(t) if t.number == number => Some(t),
        _ => study
            .trials
            .binary_search_by_key(&number, |t| t.number)
            .ok()
            .map(|i| &study.trials[i]),
    }
}

/// Whether `now` is `before` with more intermediate values and nothing else changed (a
/// running trial reporting).
fn only_progressed(before: &crate::study::Trial, now: &crate::study::Trial) -> bool {
    now.state == TrialState::Running
        && before.state == TrialState::Running
        && now.intermediate.len() > before.intermediate.len()
        && now.intermediate.starts_with(&before.intermediate)
        && {
            let mut grown = before.clone();
            grown.intermediate = now.intermediate.clone();
            &grown == now
        }
}

/// Whether two reads of a study have the same definition (everything but the trials, the
/// budget and the strategy's saved state).
fn same_definition(a: &Study, b: &Study) -> bool {
    a.name == b.name
        && a.direction == b.direction
        && a.objective == b.objective
        && a.space == b.space
        && a.strategy == b.strategy
        && a.seed == b.seed
        && a.window == b.window
        && a.pruner == b.pruner
        && a.resource_budget == b.resource_budget
        && a.adaptive == b.adaptive
        && a.warm_start == b.warm_start
}

/// The top bar's line about a watch.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchLine {
    /// The study watched.
    pub study: String,
    /// Its storage, without a password.
    pub storage: String,
    /// The storage in short, for the top bar: a file's name, or a server's database.
    pub place: String,
    /// Seconds since the last change arrived.
    pub seconds: f64,
    /// Why the last read failed, if it did.
    pub error: Option<String>,
}

impl Workbench {
    /// Show `recovered` (the study `study` of the storage `url`, just read by `follower`) and
    /// watch it: new trials stream in until [`Workbench::stop_watching`]. Refused while a
    /// run, step mode or another watch holds the study.
    pub fn watch(&mut self, url: StorageUrl, follower: Follower, recovered: Recovered) {
        if self.is_busy() {
            self.status = tr("stop the run or the watch before opening another study").into();
            return;
        }
        let name = follower.study().to_owned();
        let study = recovered.study;
        let watch = match Watch::start(follower, study.clone(), self.waker(), POLL_EVERY) {
            Ok(w) => w,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.replace_study(study);
        self.files.path = None;
        self.status = fill(
            tr("opened “{}”: {} trials, watched live"),
            &[&name, &self.study().trials.len()],
        );
        self.shared = Some(SharedStudy {
            url,
            study: name,
            role: Role::Watching,
        });
        self.mode = Mode::Watching(Box::new(watch));
    }

    /// Whether the study is being watched live.
    pub fn is_watching(&self) -> bool {
        matches!(self.mode, Mode::Watching(_))
    }

    /// Apply what the watch thread sent since the last frame. Cheap; once a frame.
    pub fn drain_watch(&mut self) {
        let Mode::Watching(watch) = &mut self.mode else {
            return;
        };
        let news: Vec<News> = watch.news.try_iter().collect();
        for item in news {
            self.apply_news(item);
        }
    }

    /// Apply one piece of the watch thread's news.
    fn apply_news(&mut self, item: News) {
        match item {
            News::Changed(change) => {
                self.apply_change(change);
                if let Mode::Watching(watch) = &mut self.mode {
                    watch.error = None;
                    watch.updates += 1;
                    watch.last_update = Instant::now();
                }
            }
            News::Failed(why) => {
                if let Mode::Watching(watch) = &mut self.mode {
                    watch.error = Some(why);
                }
            }
            News::Back => {
                if let Mode::Watching(watch) = &mut self.mode {
                    watch.error = None;
                }
            }
        }
    }

    /// Block up to `timeout` for the watch thread's next news and apply it with any that
    /// follows (tests and scripts; the window only drains). Returns whether news came.
    pub fn wait_watch(&mut self, timeout: Duration) -> bool {
        let Mode::Watching(watch) = &self.mode else {
            return false;
        };
        let Ok(first) = watch.news.recv_timeout(timeout) else {
            return false;
        };
        self.apply_news(first);
        self.drain_watch();
        true
    }

    /// Put a watched study's change into the study, through the editor.
    fn apply_change(&mut self, change: Change) {
        match change {
            Change::Events { budget, events } => {
                self.editor.set_budget(budget);
                for event in events {
                    self.editor.apply(event);
                }
            }
            Change::Replace(study) => self.editor.replace(*study),
        }
    }

    /// Stop watching: the study becomes the window's own (see the module docs for what Run
    /// then does). Nothing is written to the storage.
    pub fn stop_watching(&mut self) {
        if !self.is_watching() {
            return;
        }
        self.mode = Mode::Idle;
        self.shared = None;
        let study = self.study();
        let runnable = !matches!(
            study.objective,
            crate::objective::ObjectiveSpec::Unknown { .. }
        );
        let kept = if runnable {
            resumable(study)
        } else {
            let mut s = study.clone();
            s.discard_unfinished();
            s
        };
        let left = study.trials.len() - kept.trials.len();
        self.editor.replace(kept);
        // The storage holds what the window shows: nothing is unsaved yet.
        self.recovery.baseline = Some(self.study().clone());
        self.status = if left == 0 {
            tr("stopped watching: the study is the window's own now").into()
        } else {
            fill(
                tr(
                    "stopped watching: the study is the window's own now ({} running, interrupted or later trials are left out)",
                ),
                &[&left],
            )
        };
    }

    /// What the top bar says about the watch, while there is one.
    pub fn watch_line(&self) -> Option<WatchLine> {
        let Mode::Watching(watch) = &self.mode else {
            return None;
        };
        let shared = self.shared.as_ref()?;
        Some(WatchLine {
            study: shared.study.clone(),
            storage: shared.url.to_string(),
            place: short_place(&shared.url),
            seconds: watch.last_update.elapsed().as_secs_f64(),
            error: watch.error.clone(),
        })
    }
}

/// A file storage's file name, or a PostgreSQL database as `db on host:port`.
fn short_place(url: &StorageUrl) -> String {
    match url {
        StorageUrl::Journal(p) | StorageUrl::Sqlite(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string()),
        StorageUrl::Postgres(t) => format!("{} @ {}", t.dbname, t.server()),
    }
}

/// The unbroken run of finished trials from number 0 of a study Knobs wrote (what a resume
/// replays), its strategy state dropped if trials were cut.
fn resumable(study: &Study) -> Study {
    let cut =
        study.finished_prefix(|t| matches!(&t.state, TrialState::Failed(w) if w == INTERRUPTED));
    let mut kept = study.clone();
    if cut < kept.trials.len() {
        kept.trials.truncate(cut);
        kept.strategy_state = None;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::{Intermediate, Trial};

    fn running(n: usize) -> Trial {
        let mut t = Trial::complete(n, Vec::new(), Vec::new(), 0.0);
        t.state = TrialState::Running;
        t.value = None;
        t
    }

    #[test]
    fn the_diff_sends_new_trials_progress_and_results_and_nothing_when_unchanged() {
        let mut old = crate::study::default_study();
        old.trials = vec![Trial::complete(0, Vec::new(), Vec::new(), 1.0), running(1)];
        assert_eq!(diff(&old, &old.clone()), None);
        let mut new = old.clone();
        new.trials[1].intermediate.push(Intermediate {
            step: 0,
            value: 0.5,
        });
        new.trials.push(running(2));
        let Some(Change::Events { events, .. }) = diff(&old, &new) else {
            panic!("expected events");
        };
        assert!(matches!(events[0], LiveEvent::Progress { number: 1, .. }));
        assert!(matches!(&events[1], LiveEvent::TrialStarted(t) if t.number == 2));
        // Applied, the events give the new study.
        let mut shown = old.clone();
        for e in events {
            crate::gui::live::apply(&mut shown, e);
        }
        assert_eq!(shown.trials, new.trials);
        let mut done = new.clone();
        done.trials[2] = Trial::complete(2, Vec::new(), Vec::new(), 3.0);
        let Some(Change::Events { events, .. }) = diff(&new, &done) else {
            panic!("expected events");
        };
        assert_eq!(
            events,
            vec![LiveEvent::TrialFinished(done.trials[2].clone())]
        );
    }

    #[test]
    fn a_changed_definition_replaces_the_study() {
        let old = crate::study::default_study();
        let mut new = old.clone();
        new.seed += 1;
        assert!(matches!(diff(&old, &new), Some(Change::Replace(_))));
    }

    #[test]
    fn a_detached_study_keeps_its_unbroken_finished_prefix() {
        let mut s = crate::study::default_study();
        s.trials = vec![
            Trial::complete(0, Vec::new(), Vec::new(), 1.0),
            running(1),
            Trial::complete(2, Vec::new(), Vec::new(), 2.0),
        ];
        assert_eq!(resumable(&s).trials.len(), 1);
    }
}
