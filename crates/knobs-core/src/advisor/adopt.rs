//! Following the advice: a new study over the advised ranges that keeps what the old one
//! learned.

use super::{AdviceError, Finding, advised_space, contains};
use crate::study::{Study, TrialState};

impl Study {
    /// A new study with the ranges the findings suggest (the first finding per parameter),
    /// carrying over the finished trials whose values all fall inside the new ranges,
    /// renumbered from 0 in their old order with their points recomputed for the new space.
    /// The runner teaches a strategy stored trials before it asks (the resume path), so the
    /// new study's strategy starts from what the old trials showed instead of from nothing.
    ///
    /// The budget is the carried trials plus the old budget: following advice buys a full
    /// run on the better ranges. The strategy's saved state is dropped (it belongs to the old
    /// space). Trials that failed or were still running are left behind: a failure under the
    /// old range says nothing certain about the new one.
    pub fn from_advice(&self, findings: &[Finding]) -> Result<Study, AdviceError> {
        if findings.is_empty() {
            return Err(AdviceError::NoFindings);
        }
        let space = advised_space(&self.space, findings)?;
        let mut trials = Vec::new();
        for t in &self.trials {
            if !matches!(t.state, TrialState::Complete | TrialState::Pruned { .. }) {
                continue;
            }
            let inside = space.params().iter().all(|p| {
                t.params
                    .iter()
                    .find(|(n, _)| *n == p.name)
                    .is_some_and(|(_, v)| contains(&p.domain, v))
            });
            if !inside {
                continue;
            }
            let mut carried = t.clone();
            carried.number = trials.len();
            carried.point = space.to_unit(&carried.params);
            trials.push(carried);
        }
        let changed: Vec<String> = space
            .params()
            .iter()
            .zip(self.space.params())
            .filter(|(new, old)| new.domain != old.domain)
            .map(|(new, _)| format!("{} {}", new.name, new.domain.describe()))
            .collect();
        let mut study = self.clone();
        study.name = if self.name.is_empty() {
            "advised".to_owned()
        } else {
            format!("{} (advised)", self.name)
        };
        study.description = format!(
            "Ranges changed by the advisor ({}); {} of {} trials carried over from the study{}.",
            changed.join(", "),
            trials.len(),
            self.trials.len(),
            if self.name.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", self.name)
            }
        );
        study.description_zh = String::new();
        study.budget = trials.len() + self.budget;
        study.space = space;
        study.trials = trials;
        study.strategy_state = None;
        Ok(study)
    }
}
