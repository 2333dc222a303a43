//! The Surrogate tab driven headlessly with egui_kittest: each sub-view draws what the
//! background worker computed, "Evaluate this point" adds a trial, and a snapshot of each
//! sub-view (wgpu, Mesa's software Vulkan; regenerate with `UPDATE_SNAPSHOTS=1`).

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::KnobsApp;
use knobs::gui::plots::surrogate::SubView;
use knobs::gui::state::{Tab, Workbench};
use knobs::objective::{ObjectiveSpec, SyntheticFn};
use knobs::strategy::StrategySpec;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(120);

/// A 3-D Rosenbrock study of 24 Sobol trials (its `x₁ − x₀²` valley is an interaction), run
/// to the end, with times zeroed so the window is the same on every machine.
fn bench() -> Workbench {
    let mut study = knobs::study::default_study();
    study.objective = ObjectiveSpec::Synthetic {
        function: SyntheticFn::Rosenbrock,
        dims: Some(3),
    };
    study.space = study.objective.build().unwrap().default_space();
    study.strategy = StrategySpec::Sobol;
    study.budget = 24;
    let mut run = Workbench::new(study);
    run.workers.jobs = 1;
    run.run();
    run.finish_blocking();
    let mut study = run.study().clone();
    for t in &mut study.trials {
        t.duration = 0.0;
        t.started_at = 0.0;
    }
    let mut bench = Workbench::new(study);
    bench.view.tab = Tab::Surrogate;
    assert!(bench.wait_views(WAIT), "no views");
    bench
}

/// The app on the Surrogate tab with `view` shown and the worker's answer in.
fn app(view: SubView) -> KnobsApp {
    let mut app = KnobsApp::from_bench(bench());
    app.surrogate.view = view;
    assert!(app.surrogate.wait(&mut app.bench, WAIT), "no explanations");
    app
}

fn harness(app: KnobsApp, wgpu: bool) -> Harness<'static, KnobsApp> {
    let builder = Harness::builder().with_size([1280.0, 800.0]);
    let builder = if wgpu { builder.wgpu() } else { builder };
    builder.build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

#[test]
fn the_anova_view_shows_main_effects_and_interactions() {
    let app = app(SubView::Anova);
    let e = app.surrogate.explained().unwrap().clone();
    assert_eq!(e.anova.main.len(), 3);
    assert_eq!(e.anova.pairs.len(), 3);
    let mut h = harness(app, false);
    h.run_steps(2);
    h.get_by_label("Functional ANOVA of the GP mean");
    h.get_by_label("Parameter importance");
}

#[test]
fn the_partial_dependence_view_draws_the_matrix() {
    let app = app(SubView::Partial);
    let e = app.surrogate.explained().unwrap().clone();
    assert_eq!(e.partial.one.len(), 3);
    assert_eq!(e.partial.two.len(), 3);
    let mut h = harness(app, false);
    h.run_steps(2);
    h.get_by_label(
        "GP mean with the other parameters averaged out: 1-D on the diagonal, 2-D below",
    );
}

#[test]
fn the_diagnostics_view_counts_trials_inside_their_intervals() {
    let app = app(SubView::Diagnostics);
    let d = app.surrogate.explained().unwrap().diagnostics.clone();
    assert_eq!(d.points.len(), 24);
    let inside = d.points.iter().filter(|p| p.inside()).count();
    let mut h = harness(app, false);
    h.run_steps(2);
    h.get_by_label_contains(&format!("leave-one-out: {inside} of 24 trials"));
}

#[test]
fn the_what_if_view_predicts_at_the_best_trial_and_evaluates_the_point_as_a_trial() {
    let app = app(SubView::WhatIf);
    let best = app.bench.study().best_trial().unwrap().clone();
    assert_eq!(app.surrogate.point.as_ref(), Some(&best.point));
    let (p, mean, sd) = app
        .surrogate
        .answer
        .as_ref()
        .unwrap()
        .prediction
        .clone()
        .unwrap();
    assert_eq!(p, best.point);
    // The GP nearly interpolates its own trial.
    let v = best.value.unwrap();
    assert!(
        (mean - v).abs() <= 2.0 * sd + 1e-6 * v.abs().max(1.0),
        "{mean} ± {sd} vs {v}"
    );
    let mut h = harness(app, false);
    h.run_steps(2);
    h.get_by_label("Evaluate this point").click();
    h.run_steps(1);
    let state = h.state_mut();
    assert!(state.surrogate.wait_evaluation(&mut state.bench, WAIT));
    let trials = &h.state().bench.study().trials;
    assert_eq!(trials.len(), 25);
    let added = trials.last().unwrap();
    assert_eq!(added.number, 24);
    assert_eq!(added.label.as_deref(), Some("what-if"));
    assert_eq!(added.point, best.point);
    // The objective is deterministic: the same point gives the best trial's value again.
    assert_eq!(added.value, best.value);
}

fn snapshot(name: &str, view: SubView) {
    let mut h = harness(app(view), true);
    h.run_steps(3);
    let options = SnapshotOptions::new().max_failed_pixels(500);
    h.snapshot_options(name, &options);
}

#[test]
fn surrogate_anova_snapshot() {
    snapshot("surrogate_anova", SubView::Anova);
}

#[test]
fn surrogate_partial_snapshot() {
    snapshot("surrogate_partial", SubView::Partial);
}

#[test]
fn surrogate_diagnostics_snapshot() {
    snapshot("surrogate_diagnostics", SubView::Diagnostics);
}

#[test]
fn surrogate_what_if_snapshot() {
    snapshot("surrogate_what_if", SubView::WhatIf);
}
