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
    run.workers.jobs = 1;
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

/// A real `sh` script's learning curves: ten steps per trial falling towards a floor that
/// depends on x and y; trials with x > 0.85 fail after three steps (drawn dimmed).
#[cfg(unix)]
const CURVES_SCRIPT: &str = r#"while [ $# -gt 1 ]; do case $1 in --x) x=$2;; --y) y=$2;; esac; shift 2; done
awk -v x="$x" -v y="$y" 'BEGIN {
  floor = (x - 0.3)^2 + (y - 0.6)^2
  steps = (x > 0.85) ? 3 : 10
  for (k = 1; k <= steps; k++) printf "{\"step\": %d, \"value\": %.4f}\n", k, floor + (0.5 + y) / k
  if (x > 0.85) exit 1
  printf "%.4f\n", floor + (0.5 + y) / 10
}'
"#;

#[cfg(unix)]
#[test]
fn learning_curves_snapshot() {
    curves_snapshot(
        "learning_curves",
        "knobs-curves-snapshot",
        knobs::pruner::PrunerSpec::None,
    );
}

/// The same script's curves under ASHA (η = 3): the pruned trials end in crosses at rung 1
/// or 3, and the rungs are dashed vertical lines.
#[cfg(unix)]
#[test]
fn pruned_learning_curves_snapshot() {
    let asha = knobs::pruner::PrunerSpec::Asha(knobs::pruner::AshaSettings {
        reduction_factor: 3,
        ..Default::default()
    });
    curves_snapshot(
        "learning_curves_pruned",
        "knobs-curves-pruned-snapshot",
        asha,
    );
}

/// Run `CURVES_SCRIPT` for 12 Sobol trials with `pruner`, in the temporary folder `folder`,
/// and snapshot the learning-curves tab as `name`.
#[cfg(unix)]
fn curves_snapshot(name: &str, folder: &str, pruner: knobs::pruner::PrunerSpec) {
    // A fixed folder, as the objective panel shows it.
    let dir = std::env::temp_dir().join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("train.sh"), CURVES_SCRIPT).unwrap();
    let mut study = Workbench::default_study();
    study.description = "A shell script's learning curves: ten steps per trial.".into();
    study.objective = knobs::objective::ObjectiveSpec::Command {
        command: "sh train.sh".into(),
        trial_timeout: Some(60.0),
        workdir: Some(dir),
    };
    study.direction = knobs::study::Direction::Minimize;
    study.space = knobs::space::Space::new(vec![
        knobs::space::parse_param("x=0..1").unwrap(),
        knobs::space::parse_param("y=0..1").unwrap(),
    ])
    .unwrap();
    study.strategy = knobs::strategy::StrategySpec::Sobol;
    study.budget = 12;
    let pruning = pruner.is_active();
    study.pruner = pruner;
    let mut run = Workbench::new(study);
    run.workers.jobs = 1;
    let approval = knobs::objective::consent::CommandApproval::of(&run.study().objective);
    run.consent.confirmed.extend(approval);
    run.run();
    run.finish_blocking();
    let mut study = run.study().clone();
    assert_eq!(study.trials.len(), 12, "{}", run.status);
    assert!(study.trials.iter().any(|t| t.failure().is_some()) || pruning);
    assert_eq!(
        study.pruned() > 0,
        pruning,
        "pruned trials only with a pruner"
    );
    for t in &mut study.trials {
        t.duration = 0.0;
        t.started_at = 0.0;
        t.fit_seconds = None;
        // Measured cost varies run to run: a fixed one, so the table's column is drawn.
        t.resources = Some(knobs::study::Resources {
            wall_seconds: 0.01,
            cpu_seconds: None,
            peak_rss_bytes: Some(3 << 20),
        });
    }
    let mut bench = Workbench::new(study);
    bench.view.tab = Tab::Curves;
    bench.selection.selected = Some(3);
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        );
    harness.run_steps(3);
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options(name, &options);
}

/// A robust study (an SVC on breast_cancer, wine and digits, worst case; 8 Sobol trials):
/// the Datasets tab shows each dataset's scores per trial and the table of own bests.
#[test]
fn robust_datasets_snapshot() {
    use egui_kittest::kittest::Queryable;
    use knobs::objective::robust::{Aggregate, Robust};
    use knobs::objective::{DatasetSource, ModelTask, ObjectiveSpec};
    let mut task = ModelTask::new(
        DatasetSource::Bundled("breast_cancer".into()),
        knobs::models::ModelSpec::Svc {
            kernel: knobs::models::KernelKind::Rbf,
        },
    );
    task.robust = Some(Robust {
        also: vec![
            DatasetSource::Bundled("wine".into()),
            DatasetSource::Bundled("digits".into()),
        ],
        aggregate: Aggregate::Worst,
        repeats: 1,
    });
    let spec = ObjectiveSpec::from_model_task(task.clone());
    let mut study = Workbench::default_study();
    study.name = "robust SVC".into();
    study.description = "One SVC for three datasets, worst case.".into();
    study.space = spec.build().unwrap().default_space();
    study.objective = spec;
    study.direction = knobs::study::Direction::Maximize;
    study.strategy = knobs::strategy::StrategySpec::Sobol;
    study.budget = 8;
    let mut run = Workbench::new(study);
    run.workers.jobs = 1;
    run.run();
    run.finish_blocking();
    let mut study = run.study().clone();
    for t in &mut study.trials {
        t.duration = 0.0;
        t.started_at = 0.0;
        t.fit_seconds = None;
    }
    assert_eq!(study.trials.len(), 8);
    let summary = knobs::objective::robust::Summary::of(&study).unwrap();
    let mut bench = Workbench::new(study);
    bench.view.tab = Tab::Datasets;
    assert!(bench.wait_views(Duration::from_secs(120)), "no views");
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        );
    harness.run_steps(1);
    let bench = &mut harness.state_mut().bench;
    assert!(knobs::gui::panels::objective::wait_preview(
        bench,
        &task,
        Duration::from_secs(60)
    ));
    harness.run_steps(3);
    // The tab is offered, and the table names the robust optimum and every dataset.
    harness.get_by_label("Datasets");
    harness.get_by_label(&format!(
        "robust optimum: trial {} (aggregate {:.4})",
        summary.robust_trial, summary.robust_value
    ));
    for name in ["breast_cancer", "wine", "digits"] {
        assert!(summary.rows.iter().any(|r| r.name == name));
    }
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("robust_datasets", &options);
}
