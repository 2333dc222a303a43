//! Pruning in the window, driven headlessly with egui_kittest: the pruner is chosen and set
//! up in the strategy panel, and lesson 7's search of the built-in MLP under a median pruner
//! shows its pruned trials in the learning-curves view and the table, and step mode explains
//! them.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use knobs::gui::KnobsApp;
use knobs::gui::state::{Tab, Workbench};
use knobs::pruner::{AshaSettings, PrunerSpec};
use knobs::study::Study;

fn harness(bench: Workbench) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 2000.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        )
}

#[test]
fn a_test_function_has_no_pruner_to_choose() {
    let mut harness = harness(Workbench::new(Workbench::default_study()));
    harness.run_steps(2);
    assert!(
        harness
            .query(by().role(Role::ComboBox).label("pruner"))
            .is_none()
    );
}

#[test]
fn choosing_asha_in_the_strategy_panel_gives_the_study_that_pruner_and_shows_its_settings() {
    // Lesson 7's search without its trials or pruner: an MLP, which reports every epoch.
    let mut study = pruned_mlp_study();
    study.trials.clear();
    study.pruner = PrunerSpec::None;
    let mut harness = harness(Workbench::new(study));
    harness.run_steps(2);
    let revision = harness.state().bench.editor.revision();
    harness
        .get(by().role(Role::ComboBox).label("pruner"))
        .click();
    harness.run_steps(2);
    harness.get_by_label("asha").click();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert_eq!(
        bench.study().pruner,
        PrunerSpec::Asha(AshaSettings::default())
    );
    assert_ne!(bench.editor.revision(), revision, "the edit is a new study");
    // ASHA's typed settings are rows of their own, named as --pruner-opt names them.
    harness.get_by_label("reduction_factor");
    harness.get_by_label("min_resource");
    // A model trained in epochs has the Learning curves tab.
    harness
        .get(by().role(Role::Button).label("Learning curves"))
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.view.tab, Tab::Curves);
}

/// Lesson 7's pruned search: TPE on the MLP on iris under the median pruner, trials included.
fn pruned_mlp_study() -> Study {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sessions/lesson7_pruning_median.ron");
    knobs::session::Session::load(&path).unwrap().study
}

#[test]
fn a_study_with_pruned_trials_marks_them_in_the_curves_view_and_step_mode_says_why() {
    let study = pruned_mlp_study();
    let pruned = study.pruned();
    assert!(pruned > 0, "the median rule pruned nothing");
    let mut bench = Workbench::new(study.clone());
    bench.view.tab = Tab::Curves;
    let mut harness = harness(bench);
    harness.run_steps(3);
    harness.get_by_label_contains(&format!("; {pruned} pruned (crosses)"));
    // The table says where each pruned trial stopped.
    let first = study
        .trials
        .iter()
        .find(|t| t.pruned_at().is_some())
        .unwrap();
    let step = first.pruned_at().unwrap();
    assert!(
        harness
            .query_all_by_label_contains(&format!("pruned at step {step}"))
            .next()
            .is_some()
    );
    // Step mode explains the latest trial's stop: the lesson's last trial was pruned.
    let last = study.trials.iter().max_by_key(|t| t.number).unwrap();
    let text = knobs::pruner::explain(&study, last.number).unwrap();
    assert!(text.contains("below the median"), "{text}");
    harness
        .get(by().role(Role::Button).label("Step mode"))
        .click();
    harness.run_steps(2);
    harness.get_by_label(&text);
    // Every pruned trial has an explanation naming the median it fell below.
    for t in study.trials.iter().filter(|t| t.pruned_at().is_some()) {
        let text = knobs::pruner::explain(&study, t.number).unwrap();
        assert!(
            text.starts_with(&format!("trial {} stopped at step", t.number)),
            "{text}"
        );
    }
}
