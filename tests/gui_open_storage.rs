//! File ▸ Open storage… and watching a shared study live, driven through the window as a user
//! drives it (the menu's action, the URL field, List studies, Open, Stop watching): a study a
//! Knobs run wrote to SQLite is listed with its trials and opens with them; the committed
//! Optuna fixture opens with its 12 trials, says what it cannot map and refuses Run with the
//! reason; while a study is watched, trials another writer appends through the core storage
//! API appear in the window's study. Waits block on the background workers' channels or
//! pump frames until a condition holds (bounded), never sleep.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::state::Workbench;
use knobs::gui::{Action, KnobsApp, storage_browser};
use knobs::runner::{self, Event};
use knobs::storage::Storage;
use knobs::storage::journal::{self, JournalStorage};
use knobs::storage::rdb::{self, RdbStorage};
use knobs::storage::url::StorageUrl;
use knobs::study::{Study, default_study};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

const WAIT: Duration = Duration::from_secs(60);

fn harness(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

fn study(name: &str, budget: usize) -> Study {
    let mut s = default_study();
    s.name = name.into();
    s.budget = budget;
    s.seed = 5;
    s
}

/// Run `study` into `url` as `knobs run --storage` does (a new study there, or the existing
/// one of its name continued to `study.budget`), as another process would.
fn run_into(study: Study, url: &StorageUrl) {
    let (storage, study): (Box<dyn Storage>, Study) = match url {
        StorageUrl::Journal(path) if path.exists() => {
            let (mut storage, back) = JournalStorage::open(path).unwrap();
            let mut more = back.resumable();
            more.budget = study.budget;
            storage.set_definition(&more).unwrap();
            (Box::new(storage), more)
        }
        StorageUrl::Journal(path) => (
            Box::new(JournalStorage::create(path, &study).unwrap()),
            study,
        ),
        _ => {
            let conn = rdb::connect(url, true).unwrap();
            match RdbStorage::open(conn, Some(&study.name)).unwrap() {
                Some((mut storage, back)) => {
                    let mut more = back.resumable();
                    more.budget = study.budget;
                    storage.set_definition(&more).unwrap();
                    (Box::new(storage), more)
                }
                None => {
                    let conn = rdb::connect(url, true).unwrap();
                    (Box::new(RdbStorage::create(conn, &study).unwrap()), study)
                }
            }
        }
    };
    let objective = Arc::from(study.objective.build().unwrap());
    let handle = runner::start_with(study, objective, 1, None, Some(storage)).unwrap();
    let _: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
}

/// Type `url` in the Open storage window (opened from the File menu's action) and press
/// List studies; wait for the listing.
fn list(harness: &mut Harness<'static, KnobsApp>, url: &str) {
    let ctx = harness.ctx.clone();
    harness.state_mut().handle(Action::OpenStorage, &ctx);
    harness.run_steps(2);
    harness.state_mut().storage.url = url.to_owned();
    harness.get_by_label("List studies").click();
    harness.run_steps(2);
    assert!(
        storage_browser::wait(harness.state_mut(), WAIT),
        "no listing"
    );
    harness.run_steps(2);
}

/// Press the listed study's Open and wait until the window watches it.
fn open_listed(harness: &mut Harness<'static, KnobsApp>) {
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    assert!(
        storage_browser::wait(harness.state_mut(), WAIT),
        "not opened"
    );
    harness.run_steps(2);
    let app = harness.state();
    assert!(
        app.bench.is_watching(),
        "{:?} {}",
        app.storage.error,
        app.bench.status
    );
}

#[test]
fn a_knobs_study_in_sqlite_is_listed_with_its_trials_and_opens_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("knobs.db");
    let url = StorageUrl::Sqlite(path.clone());
    run_into(study("svc sweep", 7), &url);
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(
        Workbench::branin_study(),
    )));
    list(&mut harness, &format!("sqlite:{}", path.display()));
    let listed = &harness.state().storage.listed.as_ref().unwrap().1;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].complete),
        ("svc sweep", 7)
    );
    assert!(listed[0].knobs);
    // The table shows it, as Knobs'.
    harness.get_by_label("svc sweep");
    harness.get_by_label("Knobs");
    open_listed(&mut harness);
    let app = harness.state();
    assert_eq!(app.bench.study().name, "svc sweep");
    assert_eq!(app.bench.study().trials.len(), 7);
    let shared = app.bench.shared.as_ref().unwrap();
    assert_eq!(shared.role, knobs::gui::shared::Role::Watching);
    assert_eq!(shared.url, url);
    // The storage is remembered, and the Run is refused while watching, with the reason.
    assert_eq!(app.storage.recent, vec![url.to_string()]);
    assert!(app.bench.run_blocker().unwrap().contains("stop watching"));
    // Stop watching: the study is the window's own, and Run is offered.
    harness.get_by_label("Stop watching").click();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert!(!bench.is_watching() && bench.shared.is_none());
    assert_eq!(bench.study().trials.len(), 7);
    assert_eq!(bench.run_blocker(), None);
    assert!(!bench.has_unsaved_work());
}

#[test]
fn an_optuna_study_opens_with_its_trials_says_what_is_not_mapped_and_cannot_run() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optuna_rdb.db");
    // A copy: the watch never writes, but the fixture stays untouched whatever happens.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("optuna.db");
    std::fs::copy(&fixture, &path).unwrap();
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(
        Workbench::branin_study(),
    )));
    list(&mut harness, &format!("sqlite:///{}", path.display()));
    {
        let listed = &harness.state().storage.listed.as_ref().unwrap().1;
        assert_eq!(listed.len(), 1);
        let s = &listed[0];
        assert_eq!((s.complete, s.pruned, s.failed, s.running), (10, 1, 1, 0));
        assert!(!s.knobs);
    }
    harness.get_by_label("Optuna");
    open_listed(&mut harness);
    let app = harness.state();
    assert_eq!(app.bench.study().trials.len(), 12);
    // What cannot be mapped is said, in a note the user dismisses.
    assert!(
        app.storage
            .notes
            .iter()
            .any(|n| n.contains("objective is unknown")),
        "{:?}",
        app.storage.notes
    );
    harness.get_by_label("About the opened study");
    let why = harness.state().bench.run_blocker().unwrap();
    assert!(why.contains("written by Optuna"), "{why}");
    // Still refused once it is the window's own.
    harness.get_by_label("Stop watching").click();
    harness.run_steps(2);
    let bench = &mut harness.state_mut().bench;
    assert!(!bench.is_watching());
    assert!(
        bench
            .run_blocker()
            .unwrap()
            .contains("objective is unknown")
    );
    bench.run();
    assert!(!bench.is_running());
    assert!(
        bench.status.contains("objective is unknown"),
        "{}",
        bench.status
    );
    harness.get_by_label("OK").click();
    harness.run_steps(2);
    assert!(harness.state().storage.notes.is_empty());
    // Saved and reopened, it still cannot run: the unknown objective is part of the study,
    // so no other function is ever evaluated on its space.
    let session = dir.path().join("optuna.ron");
    harness.state_mut().bench.save(&session);
    let reopened = knobs::session::Session::load(&session).unwrap().study;
    assert_eq!(reopened.trials.len(), 12);
    let bench = Workbench::new(reopened);
    let why = bench.run_blocker().unwrap();
    assert!(why.contains("objective is unknown"), "{why}");
}

/// Open study `live` (4 trials) of `url` in the window, have another writer continue it to
/// 10, and wait (pumping frames, at most 30 s) until the window's study holds them all.
fn trials_appear_while_watched(url: &StorageUrl) {
    run_into(study("live", 4), url);
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(
        Workbench::branin_study(),
    )));
    list(&mut harness, &url.to_string());
    open_listed(&mut harness);
    assert_eq!(harness.state().bench.study().trials.len(), 4);
    let writer = {
        let url = url.clone();
        std::thread::spawn(move || run_into(study("live", 10), &url))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().bench.study().finished() < 10 {
        assert!(
            Instant::now() < deadline,
            "only {} trials after 30 s",
            harness.state().bench.study().trials.len()
        );
        harness.state_mut().bench.wait_watch(Duration::from_secs(2));
        harness.step();
    }
    writer.join().unwrap();
    let shown = harness.state().bench.study().clone();
    let stored = match url {
        StorageUrl::Journal(path) => journal::read(path).unwrap().study,
        _ => rdb::read(url, Some("live")).unwrap().study,
    };
    assert_eq!(shown.trials, stored.trials);
    assert_eq!(shown.budget, 10);
    // The top bar says what is watched.
    harness.get_by_label_contains("· last update");
}

#[test]
fn trials_another_process_writes_appear_while_an_sqlite_study_is_watched() {
    let dir = tempfile::tempdir().unwrap();
    trials_appear_while_watched(&StorageUrl::Sqlite(dir.path().join("live.db")));
}

#[test]
fn trials_another_process_writes_appear_while_a_journal_study_is_watched() {
    let dir = tempfile::tempdir().unwrap();
    trials_appear_while_watched(&StorageUrl::Journal(dir.path().join("live.journal")));
}

/// PostgreSQL through a server the harness starts (skipped, saying why, when PostgreSQL is
/// not installed): the live watch, and a wrong password said in the window.
#[test]
fn a_postgres_study_is_watched_live_and_a_wrong_password_is_said() {
    let Some(pg) = support::PgServer::start() else {
        return;
    };
    trials_appear_while_watched(&StorageUrl::parse(&pg.database("live")).unwrap());
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(
        Workbench::branin_study(),
    )));
    list(
        &mut harness,
        &format!("postgresql://knobs:wrong@127.0.0.1:{}/live", pg.port),
    );
    let e = harness.state().storage.error.clone().unwrap();
    assert!(e.contains("wrong password for user `knobs`"), "{e}");
    assert!(!e.contains("wrong@"), "{e}");
    assert!(harness.state().storage.recent.is_empty());
}

#[test]
fn a_malformed_url_and_a_missing_file_are_said_in_the_window() {
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(
        Workbench::branin_study(),
    )));
    list(&mut harness, "mysql://u@h/d");
    let e = harness.state().storage.error.clone().unwrap();
    assert!(e.contains("`mysql:` is not a storage"), "{e}");
    harness.get_by_label_contains("is not a storage");
    let dir = tempfile::tempdir().unwrap();
    list(
        &mut harness,
        &format!("sqlite:{}", dir.path().join("none.db").display()),
    );
    let e = harness.state().storage.error.clone().unwrap();
    assert!(e.contains("none.db"), "{e}");
}

/// The Open storage window listing the Optuna fixture, copied to a fixed folder so the URL
/// it shows is the same everywhere.
#[test]
fn open_storage_window_snapshot() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optuna_rdb.db");
    let dir = std::env::temp_dir().join("knobs-open-storage-snapshot");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("optuna.db");
    std::fs::copy(&fixture, &path).unwrap();
    let mut bench = Workbench::new(Workbench::branin_study());
    assert!(bench.wait_views(Duration::from_secs(120)), "no views");
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        );
    list(&mut harness, &format!("sqlite:{}", path.display()));
    assert!(harness.state().storage.error.is_none());
    // No pointer resting on a button.
    harness.event(egui::Event::PointerGone);
    harness.run_steps(3);
    let options = egui_kittest::SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("open_storage", &options);
}
