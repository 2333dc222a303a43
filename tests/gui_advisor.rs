//! The range advisor in the window: after lesson 8's run its finding about C appears under
//! C's sliders (computed on the advisor's worker), and **New study from advice** replaces the
//! study with one over the suggested range carrying the trials inside it. A snapshot of the
//! parameters panel with the finding is in `tests/snapshots/params_advice.png`.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{Queryable, by};
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::KnobsApp;
use knobs::gui::state::Workbench;
use knobs::session::Session;
use knobs::space::Domain;
use knobs::study::Study;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The advisor fits a GP on its worker: how long a test waits for it.
const WAIT: Duration = Duration::from_secs(120);

/// Lesson 8 run to its end (once per test binary: 20 SVC fits).
fn lesson8_done() -> Study {
    static DONE: OnceLock<Study> = OnceLock::new();
    DONE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sessions/lesson8_range_advisor.ron"
        );
        let study = Session::load(std::path::Path::new(path)).unwrap().study;
        let objective = Arc::from(study.objective.build().unwrap());
        let mut done = knobs::runner::run_to_end(study, objective, 2).unwrap().0;
        for t in &mut done.trials {
            t.duration = 0.0;
            t.started_at = 0.0;
        }
        done
    })
    .clone()
}

fn advised_bench() -> Workbench {
    let mut bench = Workbench::new(lesson8_done());
    assert!(bench.wait_advice(WAIT), "no advice");
    bench
}

#[test]
fn the_finding_about_c_appears_under_c_and_the_button_starts_the_advised_study() {
    let done = lesson8_done();
    let app = KnobsApp::from_bench(advised_bench());
    let mut harness = Harness::builder()
        // Tall enough that the side panel (objective, parameters, advice button) needs no scrolling.
        .with_size([1280.0, 1400.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app);
    harness.run_steps(2);

    // The short line sits between C's row and gamma's.
    let finding = harness.get_by_label_contains("of the best 10 trials at the upper bound 1");
    let below = finding.rect().top();
    // The parameters' include checkboxes (the table's headers carry the names too).
    let c = harness
        .get(by().label("C").role(Role::CheckBox))
        .rect()
        .top();
    let gamma = harness
        .get(by().label("gamma").role(Role::CheckBox))
        .rect()
        .top();
    assert!(
        c < below && below < gamma,
        "C {c}, finding {below}, gamma {gamma}"
    );
    assert_eq!(
        harness
            .query_all_by_label_contains("trials at the ")
            .count(),
        1
    );

    let advice = harness.state().bench.advice().unwrap().advice.clone();
    let expected = done.from_advice(&advice.findings).unwrap();
    harness.get_by_label("New study from advice").click();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    let study = bench.study();
    let Domain::Float { low, high, log } = study.space.params()[0].domain else {
        panic!("{:?}", study.space.params()[0].domain)
    };
    assert_eq!(
        study.space.params()[0].domain,
        advice.for_param("C").next().unwrap().suggested
    );
    assert!(log && (high - 100.0).abs() < 1e-9 && low < 1.0);
    // Exactly the old trials with C inside the new range, in their order.
    let inside: Vec<_> = done
        .trials
        .iter()
        .filter(|t| (low..=high).contains(&t.params[0].1.as_f64().unwrap()))
        .map(|t| (t.params.clone(), t.value))
        .collect();
    assert!(!inside.is_empty() && inside.len() < done.trials.len());
    let carried: Vec<_> = study
        .trials
        .iter()
        .map(|t| (t.params.clone(), t.value))
        .collect();
    assert_eq!(carried, inside);
    assert_eq!(*study, expected);
    assert!(bench.has_unsaved_work());
    assert!(bench.files.path.is_none());
}

#[test]
fn params_panel_with_a_finding_snapshot() {
    let bench = advised_bench();
    let mut harness = Harness::builder()
        .with_size([300.0, 250.0])
        .wgpu()
        .build_ui_state(
            |ui, bench: &mut Workbench| {
                let mut actions = Vec::new();
                egui::Frame::central_panel(ui.style()).show(ui, |ui| {
                    knobs::gui::panels::params::show(ui, bench, &mut actions);
                });
            },
            bench,
        );
    harness.run_steps(2);
    let options = SnapshotOptions::new().max_failed_pixels(200);
    harness.snapshot_options("params_advice", &options);
}
