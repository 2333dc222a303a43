//! Replay: step through a finished study's history, every view showing the study as it was
//! after trial `k`.
//!
//! The workbench keeps the full study aside in a [`Replay`] (its
//! [`Mode::Replaying`](crate::gui::mode::Mode::Replaying)) and shows a prefix of its trials
//! as the study, so every plot, the table, the best value and the GP views need no
//! change at all: they draw a study, which happens to be an earlier one. While replaying the
//! study cannot be run or edited (the workbench's `run_blocker` and `space_editable` say so),
//! saving writes the full study (the CSV and JSON exports write what is shown), and leaving
//! restores the full study exactly.

use crate::gui::mode::Mode;
use crate::gui::state::Workbench;
use crate::study::Study;
use std::time::{Duration, Instant};

/// Time between two steps while playing.
pub const PLAY_STEP: Duration = Duration::from_millis(400);

/// A replay in progress: the full study and how many of its trials are shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    full: Study,
    at: usize,
    playing: bool,
    last_step: Option<Instant>,
}

impl Replay {
    /// The study being replayed, with all its trials (what saving writes).
    pub fn full(&self) -> &Study {
        &self.full
    }

    /// How many trials are shown (the state after trial `at`; 0 is before any).
    pub fn at(&self) -> usize {
        self.at
    }

    /// How many trials the full study has: the slider's end.
    pub fn len(&self) -> usize {
        self.full.trials.len()
    }

    /// Whether the full study has no trials (then there is nothing to replay).
    pub fn is_empty(&self) -> bool {
        self.full.trials.is_empty()
    }

    /// Whether Play is advancing the replay.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// The full study cut after its first `at` trials (its definition cloned without the
    /// whole history).
    fn prefix(&mut self) -> Study {
        let trials = std::mem::take(&mut self.full.trials);
        let mut study = self.full.clone();
        self.full.trials = trials;
        study.trials = self.full.trials[..self.at].to_vec();
        study
    }
}

impl Workbench {
    /// The replay in progress, if any.
    pub fn replay(&self) -> Option<&Replay> {
        match &self.mode {
            Mode::Replaying(replay) => Some(replay),
            _ => None,
        }
    }

    /// Whether the window shows an earlier state of the study.
    pub fn is_replaying(&self) -> bool {
        matches!(self.mode, Mode::Replaying(_))
    }

    /// Start replaying the study, at its last trial (so nothing changes until the slider
    /// moves). Refused while a run goes on or when there are no trials; returns whether a
    /// replay is now in progress.
    pub fn start_replay(&mut self) -> bool {
        if self.is_replaying() {
            return true;
        }
        if self.is_busy() {
            self.status = "stop the run or step mode before replaying".into();
            return false;
        }
        if self.study().trials.is_empty() {
            self.status = "no trials to replay".into();
            return false;
        }
        let at = self.study().trials.len();
        self.mode = Mode::Replaying(Box::new(Replay {
            full: self.study().clone(),
            at,
            playing: false,
            last_step: None,
        }));
        self.status = "replaying: the study after each trial".into();
        true
    }

    /// Show the study after its first `k` trials (clamped to the history).
    pub fn replay_to(&mut self, k: usize) {
        let Mode::Replaying(replay) = &mut self.mode else {
            return;
        };
        let k = k.min(replay.len());
        if k == replay.at && self.editor.study().trials.len() == k {
            return;
        }
        replay.at = k;
        self.editor.show_history(replay.prefix());
    }

    /// Move the replay `delta` trials forwards (or backwards when negative).
    pub fn replay_step(&mut self, delta: isize) {
        if let Some(at) = self.replay().map(Replay::at) {
            self.replay_to(at.saturating_add_signed(delta));
        }
    }

    /// Start or stop playing; playing from the end starts again from the first trial.
    pub fn set_playing(&mut self, playing: bool) {
        let restart = match &mut self.mode {
            Mode::Replaying(r) => {
                r.playing = playing;
                r.last_step = None;
                playing && r.at >= r.len()
            }
            _ => false,
        };
        if restart {
            self.replay_to(0);
        }
    }

    /// Advance a playing replay by one trial if [`PLAY_STEP`] has passed since the last step;
    /// returns how long until the next step is due (`None` when not playing). Playing stops
    /// at the last trial.
    pub fn replay_tick(&mut self, now: Instant) -> Option<Duration> {
        let Mode::Replaying(r) = &mut self.mode else {
            return None;
        };
        if !r.playing {
            return None;
        }
        let due = r
            .last_step
            .is_none_or(|t| now.duration_since(t) >= PLAY_STEP);
        if !due {
            let since = r
                .last_step
                .map_or(Duration::ZERO, |t| now.duration_since(t));
            return Some(PLAY_STEP.saturating_sub(since));
        }
        r.last_step = Some(now);
        let next = r.at + 1;
        if next >= r.len() {
            r.playing = false;
        }
        let playing = r.playing;
        self.replay_step(1);
        playing.then_some(PLAY_STEP)
    }

    /// Leave the replay: the full study comes back exactly as it was.
    pub fn stop_replay(&mut self) {
        if !self.is_replaying() {
            return;
        }
        if let Mode::Replaying(r) = std::mem::replace(&mut self.mode, Mode::Idle) {
            self.editor.show_history(r.full);
            self.status = "replay ended".into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::StrategySpec;

    fn finished(n: usize) -> Workbench {
        let mut study = Workbench::branin_study();
        study.strategy = StrategySpec::Sobol;
        study.budget = n;
        let mut bench = Workbench::new(study);
        bench.workers.jobs = 1;
        bench.run();
        bench.finish_blocking();
        bench
    }

    #[test]
    fn replay_shows_a_prefix_and_leaving_restores_everything() {
        let mut bench = finished(10);
        let full = bench.study().clone();
        assert!(bench.start_replay());
        assert_eq!(bench.study(), &full);
        bench.replay_to(4);
        assert_eq!(bench.study().trials, full.trials[..4]);
        assert_eq!(bench.replay().map(Replay::at), Some(4));
        assert!(bench.run_blocker().is_some());
        assert!(!bench.space_editable());
        bench.run();
        assert!(!bench.is_running());
        bench.replay_step(-10);
        assert!(bench.study().trials.is_empty());
        bench.replay_step(25);
        assert_eq!(bench.study().trials.len(), 10);
        bench.replay_to(3);
        bench.stop_replay();
        assert_eq!(bench.study(), &full);
        assert!(bench.run_blocker().is_none());
    }

    #[test]
    fn play_advances_one_trial_per_step_and_stops_at_the_end() {
        let mut bench = finished(3);
        assert!(bench.replay_tick(Instant::now()).is_none());
        bench.start_replay();
        bench.set_playing(true);
        // playing from the end starts over
        assert_eq!(bench.study().trials.len(), 0);
        let t0 = Instant::now();
        assert_eq!(bench.replay_tick(t0), Some(PLAY_STEP));
        assert_eq!(bench.study().trials.len(), 1);
        // not due yet: nothing moves
        assert!(bench.replay_tick(t0).is_some());
        assert_eq!(bench.study().trials.len(), 1);
        bench.replay_tick(t0 + PLAY_STEP);
        assert_eq!(bench.study().trials.len(), 2);
        assert_eq!(bench.replay_tick(t0 + PLAY_STEP * 2), None);
        assert_eq!(bench.study().trials.len(), 3);
        assert!(!bench.replay().unwrap().is_playing());
    }
}
