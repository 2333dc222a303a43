//! The study editor: the one owner of the window's study and of the widget drafts that edit
//! it, changed only through methods.
//!
//! Every method that changes the study bumps [`StudyEditor::revision`] itself, so a cache
//! keyed on the revision (the view worker's request, the table's order) cannot miss a change
//! because some caller forgot to say so. Panels read the study through
//! [`StudyEditor::study`] and hand edits to the methods here; they never hold a `&mut Study`.

use super::live::{self, LiveEvent};
use super::panels::objective::CommandDraft;
use crate::space::{Domain, Param, Space, Value};
use crate::strategy::StrategySpec;
use crate::study::{Direction, Study};
use std::collections::BTreeMap;

/// A parameter being edited whose current value the space rejects: kept, with the reason,
/// until the user makes it valid, so the row shows what was typed and why it is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    /// The edited parameter.
    pub param: Param,
    /// Why the space rejects it.
    pub error: String,
}

/// The study and everything the editing widgets keep between frames.
pub struct StudyEditor {
    study: Study,
    revision: u64,
    /// Parameters whose edits the space rejected, by name.
    drafts: BTreeMap<String, Draft>,
    /// The domain a parameter had before it was fixed, to restore when it is included again.
    unfixed: BTreeMap<String, Domain>,
    /// The range each parameter's sliders span, fixed when the row is first drawn so the
    /// sliders do not move under the pointer while the bounds change.
    slider_ranges: BTreeMap<String, (f64, f64)>,
    /// Every choice a categorical has had, so an unchecked choice can be checked again.
    all_choices: BTreeMap<String, Vec<String>>,
    /// Why the strategy's settings cannot be used, if they cannot.
    strategy_error: Option<String>,
    /// Why the last objective edit was refused (a bad CSV, with file, line and column).
    objective_error: Option<String>,
    /// Why the last pruner edit was refused (a setting out of its range).
    pruner_error: Option<String>,
    /// The external command being edited in the objective panel, while that choice is on.
    command_draft: Option<CommandDraft>,
}

impl StudyEditor {
    /// An editor on `study`.
    pub fn new(study: Study) -> Self {
        StudyEditor {
            study,
            revision: 0,
            drafts: BTreeMap::new(),
            unfixed: BTreeMap::new(),
            slider_ranges: BTreeMap::new(),
            all_choices: BTreeMap::new(),
            strategy_error: None,
            objective_error: None,
            pruner_error: None,
            command_draft: None,
        }
    }

    /// The study as the window shows it.
    pub fn study(&self) -> &Study {
        &self.study
    }

    /// Changes with every change of the study: what caches of the study key on.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The study to change; every caller of this marks the study changed, so no edit can
    /// leave a cache stale.
    fn study_mut(&mut self) -> &mut Study {
        self.revision = self.revision.wrapping_add(1);
        &mut self.study
    }

    /// Make every cache of the study recompute although nothing changed (the frame benchmark
    /// simulates a streaming run with it; edits never need it).
    pub fn invalidate(&mut self) {
        self.study_mut();
    }

    /// Parameters whose edits the space rejected, by name, with the reason.
    pub fn drafts(&self) -> &BTreeMap<String, Draft> {
        &self.drafts
    }

    /// Why the strategy's settings cannot be used, if they cannot.
    pub fn strategy_error(&self) -> Option<&str> {
        self.strategy_error.as_deref()
    }

    /// Why the last objective edit was refused, shown under the objective editor; the study
    /// keeps its previous objective.
    pub fn objective_error(&self) -> Option<&str> {
        self.objective_error.as_deref()
    }

    /// The external command being edited, while that choice is on.
    pub fn command_draft(&self) -> Option<&CommandDraft> {
        self.command_draft.as_ref()
    }

    /// Start, keep or drop the command draft (the objective panel's "command" choice).
    pub fn set_command_draft(&mut self, draft: Option<CommandDraft>) {
        self.command_draft = draft;
    }

    /// Replace the whole study (opened, new): the drafts of the old one are forgotten.
    pub fn replace(&mut self, study: Study) {
        *self.study_mut() = study;
        self.reset_edits();
        self.command_draft = None;
        self.validate_strategy();
    }

    /// Forget per-parameter editing state (drafts, slider ranges, remembered choices): the
    /// space was replaced.
    fn reset_edits(&mut self) {
        self.drafts.clear();
        self.unfixed.clear();
        self.slider_ranges.clear();
        self.all_choices.clear();
    }

    /// Put a trial-level event from a runner or stepper into the study (see [`live`]).
    pub fn apply(&mut self, event: LiveEvent) {
        live::apply(self.study_mut(), event);
    }

    /// Drop the trials but keep the definition, so the space can be edited again.
    pub(crate) fn clear_trials(&mut self) {
        self.study_mut().trials.clear();
    }

    /// Show `study` in place of the current one without touching the drafts (a replay
    /// moving through the same study's history).
    pub(crate) fn show_history(&mut self, study: Study) {
        *self.study_mut() = study;
    }

    /// Use `strategy`; its settings are checked at once and a rejection kept for the panel.
    pub fn set_strategy(&mut self, strategy: StrategySpec) {
        if strategy != self.study.strategy {
            self.study_mut().strategy = strategy;
            self.validate_strategy();
        }
    }

    /// Use `pruner` (rule and settings); settings out of range are kept out of the study and
    /// their reason shown, so a study never holds a pruner the runner would refuse.
    pub fn set_pruner(&mut self, pruner: crate::pruner::PrunerSpec) {
        match pruner.check() {
            Ok(()) => {
                self.pruner_error = None;
                if pruner != self.study.pruner {
                    self.study_mut().pruner = pruner;
                }
            }
            Err(e) => self.pruner_error = Some(e.to_string()),
        }
    }

    /// Why the last pruner edit was refused, if it was.
    pub fn pruner_error(&self) -> Option<&str> {
        self.pruner_error.as_deref()
    }

    /// Trials outstanding at once (`None`: the strategy's default).
    pub fn set_window(&mut self, window: Option<usize>) {
        if window != self.study.window {
            self.study_mut().window = window;
        }
    }

    /// Turn adaptive ranges on (the default rule) or off; the widenings made so far stay
    /// recorded.
    pub fn set_adaptive(&mut self, on: bool) {
        if on != self.study.adaptive.rule.is_some() {
            self.study_mut().adaptive.rule =
                on.then(crate::advisor::adaptive::AdaptiveRule::default);
        }
    }

    /// Total trials, counting those already run.
    pub fn set_budget(&mut self, budget: usize) {
        if budget != self.study.budget {
            self.study_mut().budget = budget;
        }
    }

    /// The study's seed; the strategy is checked again, as some settings depend on it.
    pub fn set_seed(&mut self, seed: u64) {
        if seed != self.study.seed {
            self.study_mut().seed = seed;
            self.validate_strategy();
        }
    }

    /// Seed the study with a finished study's trials, or stop (`None`).
    pub fn set_warm_start(&mut self, warm: Option<Box<crate::strategy::warm::WarmStart>>) {
        if warm != self.study.warm_start {
            self.study_mut().warm_start = warm;
        }
    }

    /// Use a built objective with its own default space and direction; the per-parameter
    /// drafts of the old space go.
    pub fn set_objective(
        &mut self,
        spec: crate::objective::ObjectiveSpec,
        space: Space,
        direction: Direction,
    ) {
        let study = self.study_mut();
        study.objective = spec;
        study.space = space;
        study.direction = direction;
        self.objective_error = None;
        self.command_draft = None;
        self.reset_edits();
        self.validate_strategy();
    }

    /// Use an external command as the objective, keeping the study's space (a command has
    /// no parameters of its own); the command draft stays open.
    pub fn set_command_objective(
        &mut self,
        spec: crate::objective::ObjectiveSpec,
        direction: Direction,
    ) {
        if spec == self.study.objective && direction == self.study.direction {
            return;
        }
        let study = self.study_mut();
        study.objective = spec;
        study.direction = direction;
        self.objective_error = None;
        self.validate_strategy();
    }

    /// Refuse an objective edit: the study keeps its objective and the reason is shown.
    pub fn refuse_objective(&mut self, why: String) {
        self.objective_error = Some(why);
    }

    /// Replace parameter `index` with an edited version. A rejected edit is kept as a draft
    /// with the reason, so the row can show both. Returns whether the space changed.
    pub fn edit_param(&mut self, index: usize, param: Param) -> bool {
        let name = param.name.clone();
        let mut params = self.study.space.params().to_vec();
        if index >= params.len() {
            return false;
        }
        params[index] = param.clone();
        match Space::new(params) {
            Ok(space) => {
                self.study_mut().space = space;
                self.drafts.remove(&name);
                true
            }
            Err(e) => {
                self.drafts.insert(
                    name,
                    Draft {
                        param,
                        error: e.to_string(),
                    },
                );
                false
            }
        }
    }

    /// Fix a parameter at a value (taken out of the search) or include it again with the
    /// range it had. Returns whether the space changed.
    pub fn set_included(&mut self, index: usize, include: bool) -> bool {
        let Some(p) = self.study.space.params().get(index).cloned() else {
            return false;
        };
        let mut edited = p.clone();
        if include {
            let Domain::Fixed(v) = &p.domain else {
                return false;
            };
            edited.domain = self.unfixed.remove(&p.name).unwrap_or_else(|| match v {
                Value::Float(x) => Domain::Float {
                    low: x - 1.0,
                    high: x + 1.0,
                    log: false,
                },
                Value::Int(i) => Domain::Int {
                    low: i - 5,
                    high: i + 5,
                    log: false,
                },
                Value::Cat(c) => Domain::Categorical {
                    choices: vec![c.clone()],
                },
            });
        } else {
            if !p.domain.is_free() {
                return false;
            }
            // Fix at the best trial's value if there is one, else the range's middle.
            let best = self
                .study
                .best_trial()
                .and_then(|t| t.params.iter().find(|(n, _)| *n == p.name))
                .map(|(_, v)| v.clone());
            let value = best.unwrap_or_else(|| p.domain.from_unit(0.5));
            self.unfixed.insert(p.name.clone(), p.domain.clone());
            edited.domain = Domain::Fixed(value);
        }
        self.drafts.remove(&p.name);
        self.edit_param(index, edited)
    }

    /// The span of parameter `name`'s sliders: `default` the first time it is asked for,
    /// then the same, so the sliders stay put while the bounds move.
    pub fn slider_span(&mut self, name: &str, default: impl FnOnce() -> (f64, f64)) -> (f64, f64) {
        *self
            .slider_ranges
            .entry(name.to_owned())
            .or_insert_with(default)
    }

    /// Every choice categorical `name` has had, `choices` (its current ones) included, so an
    /// unchecked choice can be checked again.
    pub fn known_choices(&mut self, name: &str, choices: &[String]) -> Vec<String> {
        let all = self
            .all_choices
            .entry(name.to_owned())
            .or_insert_with(|| choices.to_vec());
        for c in choices {
            if !all.contains(c) {
                all.push(c.clone());
            }
        }
        all.clone()
    }

    /// Check that the strategy can be built for the space with its settings, and remember
    /// why not.
    pub fn validate_strategy(&mut self) {
        self.strategy_error = if self.study.space.dim() == 0 {
            None
        } else {
            self.study
                .strategy
                .build(&self.study.space, self.study.seed)
                .err()
                .map(|e| e.to_string())
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edit_of_the_study_changes_the_revision() {
        let mut editor = StudyEditor::new(crate::study::default_study());
        let mut last = editor.revision();
        let mut changed = |editor: &StudyEditor| {
            let now = editor.revision();
            let moved = now != last;
            last = now;
            moved
        };
        let mut gp = StrategySpec::from_name("gp").unwrap();
        editor.set_strategy(gp.clone());
        assert!(changed(&editor));
        if let StrategySpec::Gp(settings) = &mut gp {
            settings.acquisition = crate::gp::Acquisition::Ucb { kappa: 2.0 };
        }
        editor.set_strategy(gp.clone());
        assert!(changed(&editor), "a new acquisition is a new study");
        editor.set_strategy(gp);
        assert!(!changed(&editor), "the same settings change nothing");
        editor.set_budget(7);
        assert!(changed(&editor));
        editor.set_seed(9);
        assert!(changed(&editor));
        editor.set_window(Some(3));
        assert!(changed(&editor));
        editor.set_pruner(crate::pruner::PrunerSpec::from_name("asha").unwrap());
        assert!(changed(&editor));
        editor.set_pruner(crate::pruner::PrunerSpec::Asha(
            crate::pruner::AshaSettings {
                reduction_factor: 1,
                ..Default::default()
            },
        ));
        assert!(!changed(&editor), "a refused pruner leaves the study alone");
        assert!(
            editor
                .pruner_error()
                .is_some_and(|e| e.contains("reduction_factor"))
        );
        assert!(editor.set_included(0, false));
        assert!(changed(&editor));
        editor.clear_trials();
        assert!(changed(&editor));
    }

    #[test]
    fn a_rejected_parameter_edit_is_a_draft_and_leaves_the_study_alone() {
        let mut editor = StudyEditor::new(crate::study::default_study());
        let before = editor.study().clone();
        let revision = editor.revision();
        let mut p = before.space.params()[0].clone();
        p.domain = Domain::Float {
            low: 2.0,
            high: 1.0,
            log: false,
        };
        assert!(!editor.edit_param(0, p));
        assert_eq!(editor.study(), &before);
        assert_eq!(editor.revision(), revision);
        assert!(editor.drafts().contains_key(&before.space.params()[0].name));
    }
}
