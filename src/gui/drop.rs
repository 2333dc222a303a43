//! Files coming in by every desktop route besides the dialog: dropped on the window, or
//! typed into the path field (see [`crate::gui::panels::objective::path_field`]); and the
//! file dialog itself, which on a desktop without a file-dialog portal returns at once
//! with nothing, so the window says so instead of doing nothing.

use super::app::Action;
use eframe::egui;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The action that opens `path`: a session (`.ron`) or journal (`.journal`, `.log`) opens
/// as the study, anything else as the data (CSV).
pub fn action_for(path: PathBuf) -> Action {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "ron" | "journal" | "log" | "jsonl" => Action::Open(Some(path)),
        _ => Action::OpenCsv(Some(path)),
    }
}

/// The actions for the files dropped on the window this frame (the last one wins when
/// several are dropped at once), and a hint painted over the window while files hover.
pub fn dropped(ctx: &egui::Context) -> Vec<Action> {
    let (hovering, files) =
        ctx.input(|i| (!i.raw.hovered_files.is_empty(), i.raw.dropped_files.clone()));
    if hovering {
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("drop_hint"),
        ));
        let rect = ctx.content_rect();
        painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            super::i18n::tr("drop a CSV file or a session to open it"),
            egui::FontId::proportional(22.0),
            egui::Color32::WHITE,
        );
    }
    files
        .iter()
        .map(|f| f.path().to_path_buf())
        .rfind(|p| !p.as_os_str().is_empty())
        .map(action_for)
        .into_iter()
        .collect()
}

/// Quicker than any person closes a dialog: a dialog that returns nothing this fast never
/// showed.
const NO_DIALOG: Duration = Duration::from_millis(250);

/// The egui memory slot saying the path field is wanted even for a bundled dataset.
fn path_field_id() -> egui::Id {
    egui::Id::unique("knobs_path_field_wanted")
}

/// Whether the objective panel should offer its path field although the data is bundled
/// (after a file dialog failed to open).
pub fn path_field_wanted(ctx: &egui::Context) -> bool {
    ctx.data(|d| d.get_temp(path_field_id()).unwrap_or(false))
}

/// Show `dialog`'s file picker; when it returns nothing at once (no portal, no dialog
/// program), say so in `status` and bring up the path field.
pub fn pick_file(
    dialog: rfd::FileDialog,
    status: &mut String,
    ctx: &egui::Context,
) -> Option<PathBuf> {
    let started = Instant::now();
    let picked = dialog.pick_file();
    if picked.is_none() && started.elapsed() < NO_DIALOG {
        ctx.data_mut(|d| d.insert_temp(path_field_id(), true));
        *status = super::i18n::tr(
            "the file dialog could not open on this desktop (no file-dialog portal?): type or paste the path in the field under the dataset, or drop the file on the window",
        )
        .to_owned();
    }
    picked
}
