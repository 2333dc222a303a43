//! The replay bar under the run bar while a replay is in progress: a slider over the trials,
//! ‹ › to step one trial (the default fonts have no ◀ ▶), Play / Pause, and Leave replay. The state it drives is
//! [`crate::gui::replay`].

use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use eframe::egui;

/// Draw the replay bar.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench) {
    let Some(replay) = bench.replay() else {
        return;
    };
    let (at, len, playing) = (replay.at(), replay.len(), replay.is_playing());
    ui.horizontal(|ui| {
        ui.strong(tr("Replay"));
        if ui
            .add_enabled(at > 0, egui::Button::new(tr("‹")))
            .on_hover_text(tr("one trial back"))
            .clicked()
        {
            bench.set_playing(false);
            bench.replay_step(-1);
        }
        let mut k = at;
        let slider = ui.add(
            egui::Slider::new(&mut k, 0..=len)
                .text(fill(tr("of {} trials shown"), &[&len]))
                .integer(),
        );
        if slider.changed() {
            bench.set_playing(false);
            bench.replay_to(k);
        }
        if ui
            .add_enabled(at < len, egui::Button::new(tr("›")))
            .on_hover_text(tr("one trial forward"))
            .clicked()
        {
            bench.set_playing(false);
            bench.replay_step(1);
        }
        let play = if playing {
            tr("Pause replay")
        } else {
            tr("Play")
        };
        if ui
            .button(play)
            .on_hover_text(tr("advance one trial at a time"))
            .clicked()
        {
            bench.set_playing(!playing);
        }
        if ui
            .button(tr("Leave replay"))
            .on_hover_text(tr("back to the full study"))
            .clicked()
        {
            bench.stop_replay();
        }
        ui.label(
            egui::RichText::new(tr(
                "every plot, the table and the best value show the study after these trials",
            ))
            .weak(),
        );
    });
}
