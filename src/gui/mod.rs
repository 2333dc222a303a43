//! The desktop app.
//!
//! - [`state`]: the [`Workbench`](state::Workbench) — study editor, mode, selection, files,
//!   view settings, background work — with no drawing, so tests drive it directly;
//! - [`editor`]: the [`StudyEditor`](editor::StudyEditor), the one owner of the study and its
//!   widget drafts; [`mode`]: what works on the study (idle, running, stepping, replaying);
//!   [`live`]: the one place runner and stepper events become trials;
//! - [`app`]: the eframe application: drains events under a time budget, draws the panels and
//!   plots, and handles every [`Action`](app::Action) (menus, buttons, shortcuts) in one place;
//! - [`panels`]: top bar, study setup, trial table; [`plots`]: one file per plot;
//! - [`recovery`]: each run's journal, and Recover / Discard at start; [`unsaved`]: Save /
//!   Don't save / Cancel before New, Open and close; [`loading`]: files read off the UI thread;
//! - [`jobs`]: the one background job layer (latest request wins, panics shown, the UI
//!   woken) behind every worker, the dataset preview and objective building;
//! - [`views`]: the background thread that computes surfaces and GP grids;
//! - [`race`]: strategies racing side by side on the study's problem;
//! - [`playground`]: click to observe a 1-D or 2-D function and watch the GP update;
//! - [`replay`]: the study as it was after trial k, for every view;
//! - [`shared`]: the storage a study shares with other processes (coordinated or watched);
//! - [`storage_browser`]: File ▸ Open storage…, a storage's studies listed off the UI thread;
//!   [`watch`]: a shared study followed live while other processes write it;
//! - [`step`]: step mode, one trial at a time with the reasons for each point;
//! - [`strategies`]: each strategy's settings editor and why-view, found by its name.

pub mod advice;
pub mod app;
pub mod drop;
pub mod editor;
pub mod i18n;
pub mod jobs;
pub mod live;
pub mod loading;
pub mod mode;
pub mod panels;
pub mod playground;
pub mod plots;
mod png;
pub mod race;
pub mod recovery;
pub mod replay;
pub mod shared;
pub mod state;
pub mod step;
pub mod storage_browser;
pub mod strategies;
pub mod unsaved;
pub mod views;
pub mod watch;
pub mod workers;

pub use app::{Action, KnobsApp};
pub use i18n::tr;

use std::path::PathBuf;

/// Open the window (on a session, if given, on a given tab, and running it at once if
/// `autorun`) and return the process exit code.
pub fn run(session: Option<PathBuf>, autorun: bool, tab: Option<state::Tab>) -> i32 {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Knobs")
            .with_inner_size([1280.0, 800.0]),
        ..Default::default()
    };
    let result = eframe::run_native(
        "Knobs",
        options,
        Box::new(move |cc| Ok(Box::new(KnobsApp::new(cc, session, autorun, tab)))),
    );
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("knobs: cannot open the window: {e}");
            1
        }
    }
}
