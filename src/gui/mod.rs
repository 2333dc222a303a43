//! The desktop app. State ([`state::Workbench`]) is kept apart from drawing ([`app`]) so the
//! tests can drive the state without a window.

mod app;
pub mod state;

pub use app::KnobsApp;

use std::path::PathBuf;

/// Open the window (on a session, if given, and running it at once if `autorun`) and return
/// the process exit code.
pub fn run(session: Option<PathBuf>, autorun: bool) -> i32 {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Knobs")
            .with_inner_size([1280.0, 800.0]),
        ..Default::default()
    };
    let result = eframe::run_native(
        "Knobs",
        options,
        Box::new(move |cc| Ok(Box::new(KnobsApp::new(cc, session, autorun)))),
    );
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("knobs: cannot open the window: {e}");
            1
        }
    }
}
