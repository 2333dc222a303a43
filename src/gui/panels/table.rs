//! The trial table: one row per trial, virtualised (only visible rows are laid out, so 10,000
//! trials cost the same as 20), sortable by clicking any column header (again to reverse),
//! failed trials in red with their reason, and a click on a row selects that trial in every
//! plot. Trials whose cost was measured (external commands) show it in a resources column:
//! wall time and peak memory, failed ones included, since a script that ran out of memory
//! or time is exactly the one to look at.

use crate::gui::i18n::{fill, tr};
use crate::gui::plots::{BEST, FAILED};
use crate::gui::state::{Column, Workbench};
use crate::study::{Resources, TrialState};
use eframe::egui::{self, Label, RichText, Sense};

const W_NUMBER: f32 = 54.0;
const W_STATE: f32 = 70.0;
const W_VALUE: f32 = 96.0;
const W_SECONDS: f32 = 64.0;
const W_PARAM: f32 = 84.0;
const W_RESOURCES: f32 = 130.0;

/// Draw the table, filling the space it is given.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench) {
    let names: Vec<String> = bench
        .study()
        .space
        .params()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let measured = bench.study().trials.iter().any(|t| t.resources.is_some());
    egui::ScrollArea::horizontal()
        .id_salt("trial_table_h")
        .show(ui, |ui| {
            ui.vertical(|ui| {
                header(ui, bench, &names, row_height, measured);
                ui.separator();
                body(ui, bench, row_height, measured);
            });
        });
}

/// Memory in bytes as people read it (`812 KiB`, `45.2 MiB`, `1.50 GiB`).
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let x = n as f64;
    if x < KIB * KIB {
        format!("{:.0} KiB", x / KIB)
    } else if x < KIB * KIB * KIB {
        format!("{:.1} MiB", x / (KIB * KIB))
    } else {
        format!("{:.2} GiB", x / (KIB * KIB * KIB))
    }
}

/// A trial's measured cost as the resources cell shows it: wall time and peak memory.
pub fn resources_cell(r: &Resources) -> String {
    match r.peak_rss_bytes {
        Some(peak) => format!("{:.2} s · {}", r.wall_seconds, bytes(peak)),
        None => format!("{:.2} s", r.wall_seconds),
    }
}

/// The resources cell's hover text: every measurement, named.
fn resources_hover(r: &Resources) -> String {
    let mut lines = vec![fill(
        tr("wall time: {} s"),
        &[&format!("{:.3}", r.wall_seconds)],
    )];
    if let Some(cpu) = r.cpu_seconds {
        lines.push(fill(tr("CPU time: {} s"), &[&format!("{cpu:.3}")]));
    }
    if let Some(peak) = r.peak_rss_bytes {
        lines.push(fill(tr("peak memory: {}"), &[&bytes(peak)]));
    }
    lines.join("\n")
}

fn header(ui: &mut egui::Ui, bench: &mut Workbench, names: &[String], h: f32, measured: bool) {
    let mut columns = vec![
        (Column::Number, "#".to_owned(), W_NUMBER),
        (Column::State, tr("state").to_owned(), W_STATE),
        (Column::Value, tr("value").to_owned(), W_VALUE),
        (Column::Duration, tr("seconds").to_owned(), W_SECONDS),
    ];
    columns.extend(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (Column::Param(i), n.clone(), W_PARAM)),
    );
    ui.horizontal(|ui| {
        for (column, title, width) in columns {
            let text = if bench.selection.sort.column == column {
                format!(
                    "{title} {}",
                    if bench.selection.sort.ascending {
                        "^"
                    } else {
                        "v"
                    }
                )
            } else {
                title
            };
            let clicked = ui
                .add_sized(
                    [width, h],
                    Label::new(RichText::new(text).strong()).sense(Sense::click()),
                )
                .on_hover_text(tr("sort by this column (click again to reverse)"))
                .clicked();
            if clicked {
                bench.sort_by(column);
            }
        }
        if measured {
            ui.add_sized(
                [W_RESOURCES, h],
                Label::new(RichText::new(tr("resources")).strong()),
            )
            .on_hover_text(tr(
                "wall time and peak memory of the trial's processes, where measured",
            ));
        }
        ui.add_sized([160.0, h], Label::new(RichText::new(tr("note")).strong()));
    });
}

fn body(ui: &mut egui::Ui, bench: &mut Workbench, row_height: f32, measured: bool) {
    let order: Vec<usize> = bench.table_order().to_vec();
    let best = bench.study().best_trial().map(|t| t.number);
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("trial_table_v")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, order.len(), |ui, rows| {
            for row in rows {
                let Some(t) = order.get(row).and_then(|&i| bench.study().trials.get(i)) else {
                    continue;
                };
                let selected = bench.selection.selected == Some(t.number);
                ui.horizontal(|ui| {
                    ui.set_height(row_height);
                    let number = ui.add_sized(
                        [W_NUMBER, row_height],
                        egui::Button::selectable(selected, t.number.to_string()),
                    );
                    if number.clicked() {
                        clicked = Some(t.number);
                    }
                    let (state, colour, hover) = match &t.state {
                        TrialState::Complete => ("complete", None, None),
                        TrialState::Running => {
                            ("running", Some(ui.visuals().weak_text_color()), None)
                        }
                        TrialState::Failed(why) => ("failed", Some(FAILED), Some(why.as_str())),
                        TrialState::Pruned { .. } => {
                            ("pruned", Some(ui.visuals().weak_text_color()), None)
                        }
                    };
                    let mut text = RichText::new(tr(state));
                    if let Some(c) = colour {
                        text = text.color(c);
                    }
                    let cell = ui.add_sized(
                        [W_STATE, row_height],
                        Label::new(text).sense(Sense::click()),
                    );
                    let cell = match hover {
                        Some(why) => cell.on_hover_text(why),
                        None => cell,
                    };
                    if cell.clicked() {
                        clicked = Some(t.number);
                    }
                    let value = t
                        .completed_value()
                        .map(|v| format!("{v:.6}"))
                        .unwrap_or_default();
                    let mut value = RichText::new(value).monospace();
                    if best == Some(t.number) {
                        value = value.color(BEST).strong();
                    }
                    cell_click(ui, W_VALUE, row_height, value, &mut clicked, t.number);
                    cell_click(
                        ui,
                        W_SECONDS,
                        row_height,
                        RichText::new(format!("{:.3}", t.duration)).monospace(),
                        &mut clicked,
                        t.number,
                    );
                    for (_, v) in &t.params {
                        let s = match v.as_f64() {
                            Some(x) => crate::gui::plots::number(x),
                            None => v.to_string(),
                        };
                        cell_click(
                            ui,
                            W_PARAM,
                            row_height,
                            RichText::new(s).monospace(),
                            &mut clicked,
                            t.number,
                        );
                    }
                    if measured {
                        resources_ui(ui, t, row_height, &mut clicked);
                    }
                    note(ui, bench.study(), t);
                });
            }
        });
    if let Some(n) = clicked {
        let again = bench.selection.selected == Some(n);
        bench.select(if again { None } else { Some(n) });
    }
}

/// The note column: why a trial failed or was pruned, or its strategy's label, after the
/// adaptive-range marker on the first trial of a widened range.
fn note(ui: &mut egui::Ui, study: &crate::study::Study, t: &crate::study::Trial) {
    let note = match (&t.state, &t.label) {
        (TrialState::Failed(why), _) => {
            RichText::new(crate::gui::i18n::tr_message(why)).color(FAILED)
        }
        (TrialState::Pruned { step, value }, _) => {
            RichText::new(format!("pruned at step {step} ({value:.4})")).weak()
        }
        (_, Some(label)) => RichText::new(crate::gui::i18n::tr_trial_label(label)).weak(),
        _ => RichText::new(""),
    };
    widened_marker(ui, study, t.number);
    ui.add(Label::new(note).truncate());
}

/// On the first trial asked after an adaptive widening: which range changed, the rule's
/// evidence on hover.
fn widened_marker(ui: &mut egui::Ui, study: &crate::study::Study, number: usize) {
    for change in study.adaptive.change_at(number) {
        let text = crate::gui::i18n::fill(
            tr("range widened: {} {} -> {}"),
            &[
                &change.param,
                &change.from.describe(),
                &change.to.describe(),
            ],
        );
        ui.label(RichText::new(text).color(egui::Color32::from_rgb(0xd0, 0x8a, 0x10)))
            .on_hover_text(&change.reason);
    }
}

/// A trial's resources cell (empty when its cost was not measured), every measurement on
/// hover.
fn resources_ui(
    ui: &mut egui::Ui,
    t: &crate::study::Trial,
    row_height: f32,
    clicked: &mut Option<usize>,
) {
    let text = t.resources.as_ref().map(resources_cell).unwrap_or_default();
    let cell = ui.add_sized(
        [W_RESOURCES, row_height],
        Label::new(RichText::new(text).monospace()).sense(Sense::click()),
    );
    let cell = match &t.resources {
        Some(r) => cell.on_hover_text(resources_hover(r)),
        None => cell,
    };
    if cell.clicked() {
        *clicked = Some(t.number);
    }
}

fn cell_click(
    ui: &mut egui::Ui,
    w: f32,
    h: f32,
    text: RichText,
    clicked: &mut Option<usize>,
    number: usize,
) {
    if ui
        .add_sized([w, h], Label::new(text).sense(Sense::click()))
        .clicked()
    {
        *clicked = Some(number);
    }
}

#[cfg(test)]
mod tests {
    use super::{bytes, resources_cell};
    use crate::study::Resources;

    #[test]
    fn memory_and_time_read_as_people_write_them() {
        assert_eq!(bytes(812 * 1024), "812 KiB");
        assert_eq!(bytes(45 * 1024 * 1024 + 200 * 1024), "45.2 MiB");
        assert_eq!(bytes(3 << 29), "1.50 GiB");
        let r = Resources {
            wall_seconds: 1.234,
            cpu_seconds: Some(0.5),
            peak_rss_bytes: Some(2 * 1024 * 1024),
        };
        assert_eq!(resources_cell(&r), "1.23 s · 2.0 MiB");
        let r = Resources {
            peak_rss_bytes: None,
            ..r
        };
        assert_eq!(resources_cell(&r), "1.23 s");
    }
}
