//! Snapshot tests of the main views, rendered with egui_kittest's wgpu renderer (on CI
//! machines: Mesa's software Vulkan, `apt-get install mesa-vulkan-drivers`, which `.ci/run`
//! installs). The images live in `tests/snapshots/`; after an intended change, regenerate
//! them with `UPDATE_SNAPSHOTS=1 cargo test --test gui_snapshots` and look at the diff.
//!
//! The study is made deterministic first: a seeded GP run, durations and start times zeroed,
//! no run clock, and the view worker's grids awaited before the frame is drawn. The surface,
//! GP slice, σ and importance views draw `knobs::gp::Surrogate`, so a change to the GP code
//! changes them too: regenerate and look at the diff.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::KnobsApp;
use knobs::gui::state::{Tab, Workbench};
use std::time::Duration;

fn app(tab: Tab, selected: Option<usize>) -> KnobsApp {
    let mut study = Workbench::default_study();
    study.budget = 16;
    // Sobol points do not depend on the GP strategy's internals, so only the views that draw
    // the GP itself change when the GP code does.
    study.strategy = knobs::strategy::StrategySpec::Sobol;
    let mut run = Workbench::new(study);
    run.jobs = 1;
    run.run();
    run.finish_blocking();
    let mut study = run.study().clone();
    for t in &mut study.trials {
        t.duration = 0.0;
        t.started_at = 0.0;
    }
    let mut bench = Workbench::new(study);
    bench.view.tab = tab;
    bench.selection.selected = selected;
    assert!(bench.wait_views(Duration::from_secs(120)), "no views");
    KnobsApp::from_bench(bench)
}

fn snapshot(name: &str, tab: Tab, selected: Option<usize>) {
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app(tab, selected));
    // The objective panel's data preview loads on a background thread: wait for it.
    harness.run_steps(1);
    let task = harness
        .state()
        .bench
        .study()
        .objective
        .model_task()
        .unwrap();
    let bench = &mut harness.state_mut().bench;
    assert!(knobs::gui::panels::objective::wait_preview(
        bench,
        &task,
        Duration::from_secs(60)
    ));
    harness.run_steps(3);
    // Software rasterisers differ by a few anti-aliased pixels between CPUs: allow 0.05%.
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options(name, &options);
}

#[test]
fn overview_snapshot() {
    snapshot("overview", Tab::Overview, Some(3));
}

#[test]
fn gp_slice_snapshot() {
    snapshot("gp_slice", Tab::GpSlice, None);
}

#[test]
fn parallel_coordinates_snapshot() {
    snapshot("parallel", Tab::Parallel, Some(3));
}

#[test]
fn gp_std_snapshot() {
    snapshot("gp_std", Tab::GpStd, None);
}

#[test]
fn importance_snapshot() {
    snapshot("importance", Tab::Importance, None);
}
