//! Data into the window by every route besides the dialog (a typed path, a dropped file),
//! and the preview's per-column kinds, gaps and levels, with the kind chooser.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::state::Workbench;
use knobs::gui::{Action, KnobsApp};
use knobs::objective::{DatasetSource, ModelTask};
use knobs::strategy::StrategySpec;
use std::path::Path;
use std::time::Duration;

fn harness() -> Harness<'static, KnobsApp> {
    let mut study = Workbench::branin_study();
    study.budget = 4;
    study.strategy = StrategySpec::Random;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    Harness::builder()
        .with_size([1280.0, 1000.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        )
}

fn task(harness: &Harness<'static, KnobsApp>) -> ModelTask {
    harness
        .state()
        .bench
        .study()
        .objective
        .model_task()
        .unwrap()
}

/// Wait (bounded) for the edit being built and the preview of the result, and draw them.
fn settle(harness: &mut Harness<'static, KnobsApp>) {
    harness.run_steps(2);
    let bench = &mut harness.state_mut().bench;
    assert!(knobs::gui::panels::objective::wait_objective(
        bench,
        Duration::from_secs(60)
    ));
    harness.run_steps(1);
    let task = task(harness);
    let bench = &mut harness.state_mut().bench;
    assert!(
        knobs::gui::panels::objective::wait_preview(bench, &task, Duration::from_secs(60)),
        "the preview never arrived"
    );
    harness.run_steps(2);
}

/// A file as the desktop hands a drop to egui.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn dropped(path: &Path) -> egui::DroppedFileHandle {
    std::sync::Arc::new(Dropped(path.to_owned()))
}

fn write_people(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("people.csv");
    let mut text = String::from("pclass,sex,age,embarked,survived\n");
    for i in 0..60 {
        let age = if i % 10 == 3 {
            String::new()
        } else {
            (18 + i % 50).to_string()
        };
        let sex = ["female", "male"][i % 2];
        let port = ["S", "C", "Q"][i % 3];
        text += &format!("{},{sex},{age},{port},{}\n", 1 + i % 3, (i / 2) % 2);
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_typed_path_opens_the_csv_and_the_preview_shows_each_column_kind() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_people(dir.path());
    let first = dir.path().join("first.csv");
    std::fs::write(&first, "a,b\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n").unwrap();
    let mut harness = harness();
    harness.run_steps(2);
    // The path field comes with a file's data (or after a file dialog failed to open).
    harness
        .state_mut()
        .handle(Action::OpenCsv(Some(first)), &egui::Context::default());
    settle(&mut harness);

    harness.get_by_label("path").focus();
    harness.run_steps(1);
    harness
        .get_by_label("path")
        .type_text(csv.to_str().unwrap());
    harness.run_steps(1);
    harness.get_by_label("Open").click();
    settle(&mut harness);
    assert_eq!(task(&harness).dataset, DatasetSource::File(csv.clone()));

    // Text columns are categories with their levels; the gappy age is numeric with its
    // six missing cells and range; the integer class is numeric until the user says.
    harness.get_by_label("60 rows, 4 features, 2 classes");
    assert_eq!(harness.get_all_by_label("categorical").count(), 2);
    assert_eq!(harness.get_all_by_label("numeric").count(), 2);
    harness.get_by_label("female, male");
    harness.get_by_label("C, Q, S");
    harness.get_by_label("18 – 67");
    harness.get_by_label("6");
    // Read the class number as categories: the study stores it and the preview follows.
    harness
        .get_all_by_label("as categories")
        .next()
        .unwrap()
        .click();
    settle(&mut harness);
    assert_eq!(task(&harness).data.categorical, ["pclass"]);
    assert_eq!(harness.get_all_by_label("categorical").count(), 3);
    harness.get_by_label("1, 2, 3");
}

#[test]
fn a_dropped_csv_opens_as_the_data_and_a_dropped_session_as_the_study() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_people(dir.path());
    let mut harness = harness();
    harness.run_steps(2);
    harness.input_mut().dropped_files.push(dropped(&csv));
    settle(&mut harness);
    assert_eq!(task(&harness).dataset, DatasetSource::File(csv));

    let mut study = knobs::study::default_study();
    study.name = "dropped study".into();
    let session = dir.path().join("s.ron");
    knobs::session::Session::new(study).save(&session).unwrap();
    harness.input_mut().dropped_files.push(dropped(&session));
    harness.run_steps(3);
    // The dropped data changed the study: the window asks before the session replaces it.
    harness.get_by_label("Don't save").click();
    harness.run_steps(2);
    assert!(knobs::gui::loading::wait(
        harness.state_mut(),
        Duration::from_secs(30)
    ));
    harness.run_steps(2);
    assert_eq!(harness.state().bench.study().name, "dropped study");
}
