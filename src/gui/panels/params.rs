//! One row per parameter: include (search it) or fix it, its kind, and its range — sliders
//! (logarithmic for log parameters) for quick changes and exact number fields beside them;
//! integers; categorical choices as checkboxes. The space's own validation decides what is
//! allowed, and its message is shown under the row while the edit is invalid.

use crate::gui::app::Action;
use crate::gui::i18n::tr;
use crate::gui::state::Workbench;
use crate::space::{Domain, Param, Value};
use eframe::egui;

/// Draw the parameter rows.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, actions: &mut Vec<Action>) {
    let editable = bench.space_editable();
    if !editable && !bench.is_busy() {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(tr("locked: the study has trials")).weak());
            if ui
                .button(tr("Clear trials"))
                .on_hover_text(tr(
                    "keep the study's settings, drop its trials, and edit the space",
                ))
                .clicked()
            {
                actions.push(Action::ClearTrials);
            }
        });
    }
    let count = bench.study().space.params().len();
    for i in 0..count {
        let Some(stored) = bench.study().space.params().get(i).cloned() else {
            continue;
        };
        let (shown, error) = match bench.editor.drafts().get(&stored.name) {
            Some(d) => (d.param.clone(), Some(d.error.clone())),
            None => (stored.clone(), None),
        };
        ui.push_id(("param", i), |ui| {
            ui.add_enabled_ui(editable, |ui| {
                row(ui, bench, i, &shown, error.as_deref());
            });
            findings(ui, bench, &stored);
        });
        ui.add_space(4.0);
    }
    advice_action(ui, bench, actions);
}

/// The range advisor's findings about one parameter, under its sliders: a short line each,
/// the full evidence and the suggested range on hover.
fn findings(ui: &mut egui::Ui, bench: &Workbench, param: &Param) {
    let Some(advised) = bench.advice() else {
        return;
    };
    for finding in advised.advice.for_param(&param.name) {
        let line = crate::gui::advice::short_line(finding, &param.domain);
        ui.label(egui::RichText::new(line).color(ADVICE))
            .on_hover_text(crate::gui::advice::hover_text(finding, &param.domain));
    }
}

/// The *adaptive ranges* switch (see [`crate::advisor::adaptive`]), in the run settings.
pub fn adaptive_toggle(ui: &mut egui::Ui, bench: &mut Workbench) {
    let mut adaptive = bench.study().adaptive.rule.is_some();
    let toggle = ui.add_enabled(
        !bench.is_busy(),
        egui::Checkbox::new(&mut adaptive, tr("adaptive ranges")),
    );
    if toggle
        .on_hover_text(tr("during a run, widen a bound when 3 of the 5 best trials sit within 5% of it (after 10 trials, then every 5; at most 3 times per parameter)"))
        .changed()
    {
        bench.editor.set_adaptive(adaptive);
    }
}

/// The advice's colour: a warm amber that reads on the light and the dark theme.
const ADVICE: egui::Color32 = egui::Color32::from_rgb(0xd0, 0x8a, 0x10);

/// **New study from advice**, under the parameters while the advisor has findings.
fn advice_action(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    if let Some(why) = bench.advice_failure() {
        ui.label(egui::RichText::new(crate::gui::i18n::tr_message(why)).weak());
    }
    let Some(advised) = bench.advice() else {
        return;
    };
    if advised.advice.is_empty() {
        return;
    }
    let hover = crate::gui::i18n::fill(
        tr(
            "a new study over the suggested ranges, with the trials that fall inside them (from {} completed trials)",
        ),
        &[&advised.advice.trials],
    );
    let button = ui.add_enabled(
        !bench.is_busy(),
        egui::Button::new(tr("New study from advice")),
    );
    if button.on_hover_text(hover).clicked() {
        actions.push(Action::NewFromAdvice);
    }
}

fn kind(domain: &Domain) -> &'static str {
    match domain {
        Domain::Float { log: true, .. } => "float, log",
        Domain::Float { .. } => "float",
        Domain::Int { log: true, .. } => "int, log",
        Domain::Int { .. } => "int",
        Domain::Categorical { .. } => "choice",
        Domain::Numbers { .. } => "numbers",
        Domain::Fixed(_) => "fixed",
    }
}

/// The slider span for a parameter: fixed the first time the row is drawn.
fn span(bench: &mut Workbench, name: &str, low: f64, high: f64, log: bool) -> (f64, f64) {
    bench.editor.slider_span(name, || {
        if log && low > 0.0 {
            (low / 100.0, high * 100.0)
        } else {
            let w = (high - low).abs().max(1.0);
            (low - w, high + w)
        }
    })
}

fn row(ui: &mut egui::Ui, bench: &mut Workbench, i: usize, p: &Param, error: Option<&str>) {
    let mut edited = p.clone();
    let mut include = p.domain.is_free();
    ui.horizontal(|ui| {
        if ui
            .checkbox(&mut include, egui::RichText::new(&p.name).strong())
            .on_hover_text(tr("searched (checked) or fixed at one value"))
            .changed()
        {
            bench.set_included(i, include);
        }
        ui.label(egui::RichText::new(tr(kind(&p.domain))).weak());
    });
    if include != p.domain.is_free() {
        return;
    }
    match &mut edited.domain {
        Domain::Float { low, high, log } => {
            let (lo, hi) = span(bench, &p.name, *low, *high, *log);
            let step = speed(*low, *high);
            range_rows(ui, low, high, log, (lo, hi), Some(step));
        }
        Domain::Int { low, high, log } => {
            let (lo, hi) = span(bench, &p.name, *low as f64, *high as f64, *log);
            let (lo, hi) = (lo.floor() as i64, hi.ceil() as i64);
            range_rows(ui, low, high, log, (lo, hi), None);
        }
        Domain::Categorical { choices } => {
            let all = bench.editor.known_choices(&p.name, choices);
            ui.horizontal_wrapped(|ui| {
                let mut next = Vec::new();
                for c in &all {
                    let mut on = choices.contains(c);
                    ui.checkbox(&mut on, c);
                    if on {
                        next.push(c.clone());
                    }
                }
                *choices = next;
            });
        }
        Domain::Numbers { .. } => numbers_row(ui, &p.name, &mut edited.domain),
        Domain::Fixed(value) => {
            ui.horizontal(|ui| {
                let l = ui.label(tr("value"));
                let id = l.id;
                match value {
                    Value::Float(x) => {
                        ui.add(egui::DragValue::new(x).speed(0.01).max_decimals(6))
                            .labelled_by(id);
                    }
                    Value::Int(n) => {
                        ui.add(egui::DragValue::new(n)).labelled_by(id);
                    }
                    Value::Cat(s) => {
                        ui.text_edit_singleline(s).labelled_by(id);
                    }
                }
            });
        }
    }
    if edited != *p {
        bench.edit_param(i, edited);
    }
    if let Some(e) = error {
        ui.colored_label(crate::gui::plots::FAILED, crate::gui::i18n::tr_message(e));
    }
}

/// A numeric choice set as an editable comma list (`0.1, 1, 10`). The text being typed is
/// kept in the row's memory, and the domain changes only when the whole list parses, so a
/// half-typed `0.` never reaches the space; a list that does not parse is said under it.
fn numbers_row(ui: &mut egui::Ui, name: &str, domain: &mut Domain) {
    let shown = match domain {
        Domain::Numbers { values, .. } => values
            .iter()
            .map(f64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        _ => return,
    };
    let id = ui.make_persistent_id(("numbers", name));
    let mut text: String = ui
        .data_mut(|d| d.get_temp(id))
        .unwrap_or_else(|| shown.clone());
    let mut done = false;
    ui.horizontal(|ui| {
        let l = ui.label(tr("values"));
        let response = ui
            .add(egui::TextEdit::singleline(&mut text).desired_width(160.0))
            .labelled_by(l.id)
            .on_hover_text(tr(
                "numbers separated by commas, searched in their order (a grid takes exactly these)",
            ));
        if response.changed()
            && let Some(parsed) = crate::space::parse_numbers(&text)
        {
            *domain = parsed;
        }
        done = response.lost_focus();
    });
    let parses = crate::space::parse_numbers(&text).is_some();
    if !parses {
        ui.colored_label(
            crate::gui::plots::FAILED,
            tr("every entry must be a number, e.g. 0.1, 1, 10"),
        );
    }
    if text == shown || (done && parses) {
        ui.data_mut(|d| d.remove::<String>(id));
    } else {
        ui.data_mut(|d| d.insert_temp(id, text));
    }
}

/// Drag speed: about a thousandth of the range per point.
fn speed(low: f64, high: f64) -> f64 {
    let w = (high - low).abs();
    if w.is_finite() && w > 0.0 {
        w / 1000.0
    } else {
        0.01
    }
}

/// The "from … to … log" row and the low and high sliders of a numeric range; `step` is the
/// drag speed of float entries (ints drag by whole numbers).
fn range_rows<N: egui::emath::Numeric>(
    ui: &mut egui::Ui,
    low: &mut N,
    high: &mut N,
    log: &mut bool,
    (lo, hi): (N, N),
    step: Option<f64>,
) {
    fn entry<N: egui::emath::Numeric>(value: &mut N, step: Option<f64>) -> egui::DragValue<'_> {
        let drag = egui::DragValue::new(value);
        match step {
            Some(s) => drag.speed(s).max_decimals(6),
            None => drag,
        }
    }
    ui.horizontal(|ui| {
        let from = ui.label(tr("from"));
        ui.add(entry(low, step))
            .on_hover_text(tr("low"))
            .labelled_by(from.id);
        let to = ui.label(tr("to"));
        ui.add(entry(high, step))
            .on_hover_text(tr("high"))
            .labelled_by(to.id);
        ui.checkbox(log, tr("log"));
    });
    let slider_log = *log && lo.to_f64() > 0.0;
    ui.add(
        egui::Slider::new(low, lo..=hi)
            .logarithmic(slider_log)
            .text(tr("low")),
    );
    ui.add(
        egui::Slider::new(high, lo..=hi)
            .logarithmic(slider_log)
            .text(tr("high")),
    );
}
