//! The runner's hook for adaptive ranges ([`crate::advisor::adaptive`]): right after each
//! tell, on the schedule (never on timing), the rule may widen a bound; the study moves to the
//! wider space, and a strategy built on it is taught every trial told so far, as a resume
//! teaches a fresh strategy its stored trials.

use super::{Coordinator, Event, Schedule, build_strategy, tell_stored};
use crate::advisor::adaptive;

impl Coordinator {
    /// Apply the adaptive rule after a tell. Trials already asked keep their values (the
    /// wider range contains them); their points, the queue's too, are recomputed on the new
    /// space, and the new strategy makes (and drops) the asks the old one made, so trial
    /// numbers and the schedule go on unchanged. Returns why the strategy could not be
    /// rebuilt, which ends the run as a strategy failure.
    pub(super) fn adapt(&mut self, s: &mut Schedule) -> Result<(), String> {
        if s.asked >= s.budget || s.resource_spent() {
            // No trial would be asked on a wider range.
            return Ok(());
        }
        let Some((space, change)) = adaptive::decide(&self.study, s.told, s.asked) else {
            return Ok(());
        };
        let old = self.study.space.clone();
        adaptive::apply(&mut self.study, space, change.clone());
        for (_, suggestion) in s.queue.iter_mut() {
            let params = old.from_unit(&suggestion.point);
            suggestion.point = self.study.space.to_unit(&params);
        }
        let mut strategy =
            build_strategy(&self.study.strategy, &self.study).map_err(|e| e.to_string())?;
        // Asks below `s.asked` were made already: the fresh strategy's are dropped.
        let mut fresh = Schedule::new(s.window, s.budget, s.asked);
        fresh.resource_budget = s.resource_budget;
        fresh.untold = (0..s.told).collect();
        tell_stored(strategy.as_mut(), &self.study, &mut fresh).map_err(|e| e.to_string())?;
        while fresh.asked < s.asked {
            // Only the numbering matters; a strategy that cannot propose it has nothing to
            // drop.
            let _ = strategy.ask(fresh.asked);
            fresh.asked += 1;
        }
        // Asks the fresh strategy made beyond the old ones are new trials to evaluate.
        s.queue.extend(fresh.queue.drain(..));
        s.told_at_ask.append(&mut fresh.told_at_ask);
        s.asked = s.asked.max(fresh.asked);
        if fresh.stop_asking.is_some() {
            s.stop_asking = fresh.stop_asking.take();
        }
        s.snapshots = std::mem::take(&mut fresh.snapshots);
        self.strategy = strategy;
        let definition = crate::study::Study {
            trials: Vec::new(),
            strategy_state: None,
            ..self.study.clone()
        };
        self.emit(Event::RangeWidened {
            change,
            definition: Box::new(definition),
        });
        Ok(())
    }
}
