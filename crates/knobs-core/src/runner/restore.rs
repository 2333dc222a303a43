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

use super::{Schedule, ask_ahead, loss_gradient, tell};
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
        s.snapshots.push(Snapshot {
            told,
            asked,
            state,
        });
    }
}

/// The state to store with `study` (whose trials are what the run leaves behind): the kept
/// state with the largest `asked` that every stored trial covers.
pub(crate) fn saved_state(
    s: &Schedule,
    study: &Study,
    window: usize,
) -> Option<Box<SavedState>> {
    let n = study.trials.len();
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
            loss: t.completed_value().map(|v| direction.to_loss(v)),
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

/// Bring a fresh strategy up to the study's stored trials (the first `s.replayed`) on the
/// schedule a live run follows, untimed: from the saved state where it fits, else by
/// replaying every trial (asks are made and their points replaced by the stored ones).
/// Returns whether the saved state was used.
pub(crate) fn catch_up(
    strategy: &mut dyn Strategy,
    study: &mut Study,
    s: &mut Schedule,
    window: usize,
) -> bool {
    let restored = restore(strategy, study, s, window);
    let history = std::mem::take(&mut study.trials);
    for (i, trial) in history.into_iter().enumerate() {
        if i < s.told {
            study.trials.push(trial);
            continue;
        }
        ask_ahead(strategy, s, None);
        study.trials.push(trial);
        tell(strategy, study, s.told, None);
        s.told += 1;
    }
    restored
}
