//! The Surrogate tab: four questions put to the GP the study's views are drawn from.
//!
//! - [`SubView::Anova`]: a functional ANOVA of the posterior mean (main effects and pairwise
//!   interactions) beside the length-scale importance;
//! - [`SubView::Partial`]: the partial dependence matrix (1-D on the diagonal, 2-D below);
//! - [`SubView::Diagnostics`]: leave-one-out predicted against observed with 95% intervals;
//! - [`SubView::WhatIf`]: a slider per parameter and the predicted score ±2σ there, with
//!   "Evaluate this point" to run it as a trial.
//!
//! Every number comes from [`worker`], off the UI thread; the frame only draws the latest
//! answer and sends a new request when the study or the what-if point changed.

pub mod anova;
pub mod diagnostics;
pub mod partial;
pub mod whatif;
pub mod worker;

use crate::gui::i18n::{fill, tr};
use crate::gui::jobs::Poll;
use crate::gui::live::LiveEvent;
use crate::gui::state::Workbench;
use crate::gui::views::Snapshot;
use crate::study::Trial;
use eframe::egui;
use std::sync::Arc;
use std::time::{Duration, Instant};
use worker::{
    EvaluateRequest, EvaluateWorker, Explained, Key, SurrogateAnswer, SurrogateRequest,
    SurrogateWorker, key,
};

/// The sub-views of the Surrogate tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SubView {
    /// Functional ANOVA importance with interactions.
    #[default]
    Anova,
    /// The partial dependence matrix.
    Partial,
    /// Leave-one-out diagnostics.
    Diagnostics,
    /// Predicted score at a chosen point.
    WhatIf,
}

impl SubView {
    /// Every sub-view, in the order the selector shows them.
    pub const ALL: [SubView; 4] = [
        SubView::Anova,
        SubView::Partial,
        SubView::Diagnostics,
        SubView::WhatIf,
    ];

    /// The selector's label.
    pub fn title(self) -> &'static str {
        match self {
            SubView::Anova => "Importance (fANOVA)",
            SubView::Partial => "Partial dependence",
            SubView::Diagnostics => "Diagnostics",
            SubView::WhatIf => "What-if",
        }
    }
}

/// The tab's state: the chosen sub-view, the what-if point, the workers and their answers.
#[derive(Default)]
pub struct SurrogatePanel {
    /// The sub-view shown.
    pub view: SubView,
    /// The what-if point (unit cube); starts at the best trial once the GP is fitted.
    pub point: Option<Vec<f64>>,
    /// The latest answer of the explanation worker.
    pub answer: Option<SurrogateAnswer>,
    /// The trial "Evaluate this point" last added, or why it could not run.
    pub evaluated: Option<Result<Trial, String>>,
    worker: Option<SurrogateWorker>,
    requested: Option<Key>,
    evaluator: Option<EvaluateWorker>,
    /// Set when a worker could not start or stopped: no more requests are made.
    broken: Option<String>,
}

impl SurrogatePanel {
    /// The latest explanations, if the GP could be fitted.
    pub fn explained(&self) -> Option<&Arc<Explained>> {
        self.answer.as_ref().and_then(|a| a.explained.as_ref().ok())
    }

    /// Poll the workers and ask for what the tab shows now (cheap; called once per frame
    /// while the tab is shown).
    pub fn update(&mut self, bench: &mut Workbench) {
        self.poll_evaluation(bench);
        if let Some(w) = &mut self.worker {
            match w.poll() {
                Poll::Nothing => {}
                Poll::Ready(a) => self.accept(a),
                Poll::Failed(why) => {
                    self.answer = Some(SurrogateAnswer {
                        explained: Err(why),
                        prediction: None,
                    })
                }
                Poll::Gone => {
                    self.worker = None;
                    self.broken = Some(tr("the surrogate worker stopped").into());
                }
            }
        }
        self.request(bench);
    }

    /// Take an answer; the what-if point starts at the best trial.
    fn accept(&mut self, answer: SurrogateAnswer) {
        if let Ok(e) = &answer.explained
            && self.point.as_ref().is_none_or(|p| p.len() != e.best.len())
        {
            self.point = Some(e.best.clone());
        }
        self.answer = Some(answer);
    }

    /// Send a request when the study or the point changed since the last one.
    fn request(&mut self, bench: &Workbench) {
        if self.broken.is_some() {
            return;
        }
        let revision = bench.revision();
        let want = key(revision, self.point.as_deref());
        if self.requested.as_ref() == Some(&want) {
            return;
        }
        if self.worker.is_none() {
            match worker::spawn(bench.waker()) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    self.broken = Some(e);
                    return;
                }
            }
        }
        let Some(w) = &mut self.worker else {
            return;
        };
        // While a fit runs, later questions wait: the newest is sent when it is done.
        if w.is_busy() {
            return;
        }
        w.request(
            want.clone(),
            SurrogateRequest {
                revision,
                snapshot: Arc::new(Snapshot::of(bench.study())),
                point: self.point.clone(),
            },
        );
        self.requested = Some(want);
    }

    /// Block until the answer matches the study and the what-if point (tests, screenshots);
    /// returns whether it does.
    pub fn wait(&mut self, bench: &mut Workbench, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.update(bench);
            let want = key(bench.revision(), self.point.as_deref());
            let answered = self.requested.as_ref() == Some(&want)
                && !self.worker.as_ref().is_some_and(|w| w.is_busy())
                && self.answer.is_some();
            if answered {
                return true;
            }
            let now = Instant::now();
            if now >= deadline || self.broken.is_some() {
                return false;
            }
            if let Some(w) = &mut self.worker {
                match w.wait(deadline - now) {
                    Poll::Ready(a) => self.accept(a),
                    Poll::Failed(why) => {
                        self.answer = Some(SurrogateAnswer {
                            explained: Err(why),
                            prediction: None,
                        })
                    }
                    Poll::Nothing | Poll::Gone => {}
                }
            }
        }
    }

    /// Run the what-if point as a trial on the evaluation worker, with the study's objective
    /// built as a run builds it. Refused while a run or step is under way, and for a command
    /// the user has not confirmed yet (Run asks).
    pub fn evaluate(&mut self, bench: &mut Workbench) {
        let Some(point) = self.point.clone() else {
            return;
        };
        if bench.is_busy() {
            self.evaluated = Some(Err(tr("wait for the run to end").into()));
            return;
        }
        if let Some(approval) =
            crate::objective::consent::CommandApproval::of(&bench.study().objective)
            && !approval.is_remembered()
            && !bench.consent.confirmed.contains(&approval)
        {
            self.evaluated = Some(Err(tr(
                "the command has not been confirmed yet: press Run once to confirm it",
            )
            .into()));
            return;
        }
        let objective = match crate::gui::panels::objective::objective_for_run(bench) {
            Ok(o) => o,
            Err(e) => {
                self.evaluated = Some(Err(e));
                return;
            }
        };
        if self.evaluator.is_none() {
            match worker::spawn_evaluator(bench.waker()) {
                Ok(w) => self.evaluator = Some(w),
                Err(e) => {
                    self.evaluated = Some(Err(e));
                    return;
                }
            }
        }
        if let Some(w) = &mut self.evaluator {
            let k = point.iter().map(|x| x.to_bits()).collect();
            w.request(
                k,
                EvaluateRequest {
                    study: bench.study().clone(),
                    objective,
                    point,
                },
            );
        }
    }

    /// Whether a what-if trial is being evaluated.
    pub fn evaluating(&self) -> bool {
        self.evaluator.as_ref().is_some_and(|w| w.is_busy())
    }

    /// Block until the what-if trial is evaluated and added (tests).
    pub fn wait_evaluation(&mut self, bench: &mut Workbench, timeout: Duration) -> bool {
        if let Some(w) = &mut self.evaluator {
            match w.wait(timeout) {
                Poll::Ready(trial) => self.add_trial(bench, trial),
                Poll::Failed(why) => self.evaluated = Some(Err(why)),
                Poll::Nothing | Poll::Gone => {}
            }
        }
        !self.evaluating()
    }

    fn poll_evaluation(&mut self, bench: &mut Workbench) {
        let Some(w) = &mut self.evaluator else {
            return;
        };
        match w.poll() {
            Poll::Ready(trial) => self.add_trial(bench, trial),
            Poll::Failed(why) => self.evaluated = Some(Err(why)),
            Poll::Gone => {
                self.evaluator = None;
                self.evaluated = Some(Err(tr("the evaluation worker stopped").into()));
            }
            Poll::Nothing => {}
        }
    }

    /// Add an evaluated trial to the study (unless a run started meanwhile, which numbers
    /// trials itself).
    fn add_trial(&mut self, bench: &mut Workbench, trial: Trial) {
        if bench.is_busy() {
            self.evaluated = Some(Err(tr("a run started: the trial was not added").into()));
            return;
        }
        bench.editor.apply(LiveEvent::TrialStarted(trial.clone()));
        bench.status = fill(tr("what-if trial {} added"), &[&trial.number]);
        self.evaluated = Some(Ok(trial));
    }
}

/// Draw the tab: the sub-view selector and the chosen sub-view, `height` points tall.
pub fn show(
    ui: &mut egui::Ui,
    panel: &mut SurrogatePanel,
    bench: &mut Workbench,
    textures: &mut super::Textures,
    height: f32,
) {
    panel.update(bench);
    ui.horizontal(|ui| {
        ui.strong(tr("Surrogate"));
        for v in SubView::ALL {
            if ui
                .add(egui::Button::selectable(panel.view == v, tr(v.title())))
                .clicked()
            {
                panel.view = v;
            }
        }
    });
    let explained = match panel.answer.as_ref().map(|a| &a.explained) {
        Some(Ok(e)) => e.clone(),
        Some(Err(why)) => {
            ui.label(tr(why));
            return;
        }
        None => {
            let why = panel
                .broken
                .clone()
                .unwrap_or_else(|| tr("fitting the GP…").into());
            ui.label(why);
            return;
        }
    };
    let stale = explained.revision != bench.revision();
    ui.label(fill(
        tr("GP fitted on {} trials{}"),
        &[
            &explained.gp_trials,
            &if stale { tr(" (updating…)") } else { "" },
        ],
    ))
    .on_hover_text(format!("{:.2} s", explained.seconds));
    let h = (height - 48.0).max(100.0);
    match panel.view {
        SubView::Anova => anova::show(ui, bench, &explained, h),
        SubView::Partial => partial::show(ui, bench, &explained, textures, h),
        SubView::Diagnostics => diagnostics::show(ui, &explained, h),
        SubView::WhatIf => whatif::show(ui, panel, bench, h),
    }
}
