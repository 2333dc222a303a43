//! Resuming a study from a saved strategy state instead of replaying every trial.
//!
//! **Where a state is taken.** Just before every ask (and, when only the budget stops the
//! next ask, at that moment) the schedule keeps the strategy's [`StrategyState`] together
//! with how many trials had been told and asked. Only states with `asked ≥ told` are kept,
//! so there are at most `window + 1` of them. When a run ends with `N` stored trials, the
//! kept state with the largest `asked ≤ N` goes into the study: normally the one taken just
//! before trial `N` was (or would have been) asked. Every ask it covers belongs to a stored
//! trial, and it is exactly the point where a run with a larger budget would go on asking.
//!
//! **Resuming.** If the study's state fits (same strategy settings, seed and window, and the
//! stored trials it covers unchanged: [`fingerprint`]), the strategy is restored from it and
//! the trials it covers, and the schedule continues from its `told`/`asked` position: the
//! last few stored trials (at most a window's worth) are told the usual way, asking ahead as
//! the schedule allows. Otherwise every trial is replayed as before.

use super::{Schedule, loss_gradient};
use crate::strategy::state::fingerprint;
use crate::strategy::{Observation, SavedState, Strategy, StrategyState};
use crate::study::Study;

/// A state the schedule kept: trials told and asked when it was taken, and the state.
pub(crate) struct Snapshot {
    told: usize,
    asked: usize,
    state: StrategyState,
}

/// Keep the strategy's state at the schedule's current position, unless one is kept there
/// already; forget states no resume can want any more (`asked < told`).
pub(crate) fn keep_state(strategy: &dyn Strategy, s: &mut Schedule) {
    let (told, asked) = (s.told, s.asked);
    s.snapshots.retain(|k| k.asked >= told);
    if s.snapshots.iter().any(|k| k.asked == asked) {
        return;
    }
    if let Some(state) = strategy.save() {
        s.snapshots.push(Snapshot { told, asked, state });
    }
}

/// The state to store with `study` (whose trials are what the run leaves behind): the kept
/// state with the largest `asked` that every stored trial covers.
pub(crate) fn saved_state(s: &Schedule, study: &Study, window: usize) -> Option<Box<SavedState>> {
    saved_state_upto(s, study, window, study.trials.len())
}

/// [`saved_state`] covering only the first `n` trials: a checkpoint during a run, whose
/// trials from `n` on may be running (a resume after a kill keeps only the finished ones).
pub(crate) fn saved_state_upto(
    s: &Schedule,
    study: &Study,
    window: usize,
    n: usize,
) -> Option<Box<SavedState>> {
    let best = s
        .snapshots
        .iter()
        .filter(|k| k.asked <= n)
        .max_by_key(|k| k.asked)?;
    Some(Box::new(SavedState {
        strategy: study.strategy.clone(),
        seed: study.seed,
        window,
        told: best.told,
        asked: best.asked,
        fingerprint: fingerprint(&study.trials, best.told, best.asked)?,
        state: best.state.clone(),
    }))
}

/// Restore `strategy` from the study's saved state if it fits, moving the schedule to the
/// state's position; `false` (strategy and schedule untouched) when there is none or it
/// does not fit.
pub(crate) fn restore(
    strategy: &mut dyn Strategy,
    study: &Study,
    s: &mut Schedule,
    window: usize,
) -> bool {
    let Some(saved) = study.strategy_state.as_deref() else {
        return false;
    };
    let fits = saved.strategy == study.strategy
        && saved.seed == study.seed
        && saved.window == window
        && saved.told <= saved.asked
        && saved.asked <= study.trials.len()
        && s.told == 0
        && s.asked == 0
        && fingerprint(&study.trials, saved.told, saved.asked) == Some(saved.fingerprint);
    if !fits {
        return false;
    }
    let direction = study.direction;
    let told_trials = &study.trials[..saved.told];
    let gradients: Vec<Option<Vec<f64>>> = told_trials
        .iter()
        .map(|t| t.gradient.as_ref().map(|g| loss_gradient(g, direction)))
        .collect();
    let told: Vec<Observation<'_>> = told_trials
        .iter()
        .zip(&gradients)
        .map(|(t, g)| Observation {
            number: t.number,
            point: &t.point,
            loss: t.told_value().map(|v| direction.to_loss(v)),
            gradient: g.as_deref(),
        })
        .collect();
    let pending: Vec<(usize, &[f64])> = study.trials[saved.told..saved.asked]
        .iter()
        .map(|t| (t.number, t.point.as_slice()))
        .collect();
    if strategy.restore(&saved.state, &told, &pending).is_err() {
        return false;
    }
    s.told = saved.told;
    s.asked = saved.asked;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::runner::run_to_end;
    use crate::session::Session;
    use crate::strategy::StrategySpec;
    use std::path::Path;
    use std::sync::Arc;

    const NAMES: [&str; 9] = [
        "grid", "random", "sobol", "gp", "tpe", "cmaes", "anneal", "pso", "gradient",
    ];

    fn study(name: &str, window: Option<usize>, budget: usize) -> Study {
        let mut study = crate::study::default_study();
        study.strategy = StrategySpec::from_name(name).unwrap();
        if let StrategySpec::Gp(gp) = &mut study.strategy {
            // The GP phase starts early, so short runs resume inside it.
            gp.n_startup = Some(5);
        }
        study.seed = 3;
        study.window = window;
        study.budget = budget;
        study
    }

    fn objective(study: &Study) -> Arc<dyn Objective> {
        Arc::from(study.objective.build().unwrap())
    }

    fn run(study: Study, jobs: usize) -> Study {
        let o = objective(&study);
        run_to_end(study, o, jobs).unwrap().0
    }

    /// Through a session file and back, as a resume from disk sees it.
    fn saved_and_loaded(study: &Study) -> Study {
        let text = Session::new(study.clone()).to_ron().unwrap();
        Session::parse(&text, Path::new("resume.ron"))
            .unwrap()
            .study
    }

    #[test]
    fn a_journaled_run_checkpoints_its_strategy_so_a_killed_run_resumes_without_replaying() {
        use crate::runner::CHECKPOINT_TRIALS;
        use crate::storage::journal::{self, JournalStorage, STRATEGY_STATE_ATTR};
        let m = 2 * CHECKPOINT_TRIALS + 7;
        for name in ["gp", "tpe", "random", "cmaes"] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("run.journal");
            let whole = study(name, Some(1), m);
            let storage = JournalStorage::create(&path, &whole).unwrap();
            let o = objective(&whole);
            let handle =
                crate::runner::start_with(whole, o, 1, None, Some(Box::new(storage))).unwrap();
            let done = handle.join().unwrap();
            assert_eq!(done.trials.len(), m);
            // Killed just after the second checkpoint: the journal ends with it.
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let checkpoints: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    lines[i].contains(STRATEGY_STATE_ATTR) && lines[i].contains("\"asked\"")
                })
                .collect();
            assert!(
                checkpoints.len() >= 3,
                "{name}: {} states",
                checkpoints.len()
            );
            std::fs::write(&path, lines[..=checkpoints[1]].join("\n") + "\n").unwrap();
            let mut resumed = journal::recover(&path).unwrap().resumable();
            let saved = resumed.strategy_state.as_deref().unwrap();
            assert_eq!(saved.told, 2 * CHECKPOINT_TRIALS, "{name}");
            assert!(
                resumes_from_state(&resumed),
                "{name}: the checkpoint restores the strategy"
            );
            resumed.budget = m;
            assert_eq!(trials(&run(resumed, 1)), trials(&done), "{name}");
        }
    }

    fn resumes_from_state(study: &Study) -> bool {
        restores(study, nominal(study))
    }

    /// A trial's number, point, value and label: what the strategy decided and saw.
    type Essence = (usize, Vec<f64>, Option<f64>, Option<String>);

    /// What a strategy proposed and saw, trial by trial.
    fn trials(study: &Study) -> Vec<Essence> {
        study
            .trials
            .iter()
            .map(|t| (t.number, t.point.clone(), t.value, t.label.clone()))
            .collect()
    }

    /// Whether a fresh strategy for `study` takes its saved state (rather than replaying).
    fn restores(study: &Study, window: usize) -> bool {
        let mut strategy = crate::runner::build_strategy(&study.strategy, study).unwrap();
        let mut s = Schedule::new(window, study.budget, study.trials.len());
        restore(strategy.as_mut(), study, &mut s, window)
    }

    fn nominal(study: &Study) -> usize {
        let strategy = crate::runner::build_strategy(&study.strategy, study).unwrap();
        study.window.unwrap_or_else(|| strategy.default_window())
    }

    #[test]
    fn every_strategy_resumed_from_its_state_gives_the_uninterrupted_trials() {
        let m = 24;
        for name in NAMES {
            for window in [Some(1), Some(3), None] {
                let whole = run(study(name, window, m), 1);
                assert_eq!(whole.trials.len(), m, "{name}");
                for n in [2, 7, 13, 20] {
                    let mut part = saved_and_loaded(&run(study(name, window, n), 1));
                    assert_eq!(part.trials.len(), n, "{name} {window:?}");
                    assert!(
                        part.strategy_state.is_some(),
                        "{name} {window:?} {n}: no state saved"
                    );
                    assert!(
                        restores(&part, nominal(&part)),
                        "{name} {window:?} {n}: the saved state does not restore"
                    );
                    part.budget = m;
                    // More workers for the rest: the schedule, not the threads, decides.
                    let resumed = run(part, 2);
                    assert_eq!(
                        trials(&resumed),
                        trials(&whole),
                        "{name} window {window:?} resumed at {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_resumed_run_saves_a_state_the_next_resume_takes() {
        for name in NAMES {
            let whole = run(study(name, Some(2), 21), 1);
            let mut a = run(study(name, Some(2), 6), 1);
            a.budget = 14;
            let mut b = saved_and_loaded(&run(a, 2));
            assert!(restores(&b, 2), "{name}");
            b.budget = 21;
            assert_eq!(trials(&run(b, 1)), trials(&whole), "{name}");
        }
    }

    #[test]
    fn the_state_survives_json_as_a_journal_would_carry_it() {
        for name in NAMES {
            let done = run(study(name, None, 12), 1);
            let state = done.strategy_state.clone().unwrap();
            let json = serde_json::to_string(&state).unwrap();
            let back: SavedState = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *state, "{name}");
        }
    }

    #[test]
    fn a_state_that_no_longer_fits_is_ignored_and_the_resume_replays() {
        let whole = run(study("tpe", None, 20), 1);
        let part = run(study("tpe", None, 12), 1);

        let mut edited = part.clone();
        edited.trials[4].value = edited.trials[4].value.map(|v| v + 1.0);
        assert!(
            !restores(&edited, 1),
            "an edited trial invalidates the state"
        );

        let mut other_seed = part.clone();
        other_seed.seed += 1;
        assert!(!restores(&other_seed, 1));

        let mut other_window = part.clone();
        other_window.window = Some(4);
        assert!(!restores(&other_window, 4));

        let mut retuned = part.clone();
        retuned.strategy = StrategySpec::from_name("random").unwrap();
        assert!(!restores(&retuned, usize::MAX));

        let mut fewer = part.clone();
        fewer.trials.truncate(8);
        assert!(
            !restores(&fewer, 1),
            "the state covers trials no longer stored"
        );

        // Without a state, the replay still gives the uninterrupted run.
        let mut old = part;
        old.strategy_state = None;
        old.budget = 20;
        assert_eq!(trials(&run(old, 1)), trials(&whole));
    }

    /// Branin that holds its ninth evaluation until the test lets it go, so a command can
    /// be sent while trial 8 is running, whatever the machine's speed.
    struct Gate {
        inner: Box<dyn Objective>,
        count: std::sync::atomic::AtomicUsize,
        reached: crossbeam_channel::Sender<()>,
        release: crossbeam_channel::Receiver<()>,
    }

    impl Objective for Gate {
        fn evaluate(
            &self,
            params: &crate::space::Params,
            want_gradient: bool,
        ) -> Result<crate::objective::Evaluation, crate::objective::ObjectiveError> {
            let k = self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if k == 8 {
                self.reached.send(()).unwrap();
                self.release.recv().unwrap();
            }
            self.inner.evaluate(params, want_gradient)
        }
        fn default_space(&self) -> crate::space::Space {
            self.inner.default_space()
        }
        fn direction(&self) -> crate::study::Direction {
            self.inner.direction()
        }
    }

    #[test]
    fn a_stopped_run_keeps_the_state_before_its_first_unstarted_trial() {
        use crate::runner::{Command, start};
        let whole = run(study("cmaes", None, 30), 1);
        let s = study("cmaes", None, 30);
        let (reached_tx, reached) = crossbeam_channel::unbounded();
        let (release, release_rx) = crossbeam_channel::unbounded();
        let gate = Gate {
            inner: s.objective.build().unwrap(),
            count: Default::default(),
            reached: reached_tx,
            release: release_rx,
        };
        let handle = start(s, Arc::new(gate), 1, None).unwrap();
        reached.recv().unwrap();
        handle.commands.send(Command::Stop).unwrap();
        // The stop is in the runner's queue before trial 8 can finish.
        release.send(()).unwrap();
        for _ in handle.events.iter() {}
        let mut stopped = saved_and_loaded(&handle.join().unwrap());
        assert_eq!(
            stopped.trials.len(),
            9,
            "trials 0..=8 ran, the queued ones did not"
        );
        let state = stopped.strategy_state.as_deref().unwrap();
        assert_eq!(state.asked, 9);
        assert!(restores(&stopped, nominal(&stopped)));
        stopped.budget = 30;
        assert_eq!(trials(&run(stopped, 2)), trials(&whole));
    }

    /// Step `study` until it holds `n` trials, stop, and return it.
    fn step_to(study: Study, n: usize) -> Study {
        use crate::stepper::{StepCommand, StepEvent, start};
        let o = objective(&study);
        let handle = start(study, o, None).unwrap();
        for event in handle.events.iter() {
            match event {
                StepEvent::Proposed { number, .. } if number < n => {
                    handle.commands.send(StepCommand::Step).unwrap();
                }
                StepEvent::Proposed { .. } => handle.commands.send(StepCommand::Stop).unwrap(),
                StepEvent::Finished(_) => break,
                _ => {}
            }
        }
        handle.join().unwrap()
    }

    #[test]
    fn step_mode_and_the_runner_resume_from_each_others_states() {
        for name in NAMES {
            let whole = run(study(name, Some(1), 16), 1);
            // Stepped, then run on.
            let mut stepped = saved_and_loaded(&step_to(study(name, Some(1), 16), 9));
            assert_eq!(stepped.trials.len(), 9, "{name}");
            assert!(restores(&stepped, 1), "{name}: the stepper's state");
            stepped.budget = 16;
            assert_eq!(trials(&run(stepped, 2)), trials(&whole), "{name}");
            // Run, then stepped on.
            let ran = saved_and_loaded(&run(study(name, Some(1), 6), 1));
            let mut more = ran.clone();
            more.budget = 16;
            assert_eq!(trials(&step_to(more, 16)), trials(&whole), "{name}");
        }
    }
}
