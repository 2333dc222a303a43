//! The eframe application: each frame it applies the runner's events under a time budget,
//! polls the view worker, draws the panels and the chosen plot, and then handles every
//! [`Action`] the menus, buttons and shortcuts produced — in one place, once per frame.

use super::i18n::{self, Lang, fill, tr};
use super::panels::{replay_bar, run_bar, study, table};
use super::plots::{self, Textures};
use super::state::{Prefs, Tab, Workbench};
use crate::runner::Command;
use eframe::egui;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Time per frame the UI may spend applying runner events, so a flood of fast trials never
/// stalls drawing.
const EVENT_BUDGET: Duration = Duration::from_millis(3);

/// The key eframe stores the preferences under.
const PREFS_KEY: &str = "knobs-prefs";

/// Something the user asked for. Paths are `None` when a file dialog should ask; tests pass
/// paths so they go through exactly the code the menus use.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start over on the default study.
    New,
    /// Start the study the range advisor suggests, carrying the trials inside its ranges.
    NewFromAdvice,
    /// Open a session file.
    Open(Option<PathBuf>),
    /// Save to the current session file (asks for one if there is none).
    Save,
    /// Save to a new session file.
    SaveAs(Option<PathBuf>),
    /// Use a CSV file as the dataset (asks for one when `None`).
    OpenCsv(Option<PathBuf>),
    /// Write the trials as CSV.
    ExportCsv(Option<PathBuf>),
    /// Write the JSON summary.
    ExportJson(Option<PathBuf>),
    /// Write a PNG of the window.
    ExportPng(Option<PathBuf>),
    /// Start or continue the run.
    Run,
    /// Start the run despite the warning that its trials may need too much.
    RunAnyway,
    /// Pause the run.
    Pause,
    /// Resume a paused run.
    Resume,
    /// Stop the run after the running trials.
    Stop,
    /// Drop the trials so the space can be edited.
    ClearTrials,
    /// Replay the study trial by trial (the replay bar then drives it).
    Replay,
    /// Show the About window.
    About,
    /// Show the keyboard shortcuts.
    Shortcuts,
    /// Show the interface in another language.
    SetLang(Lang),
    /// Seed the study with a finished study's trials (asks for the session when `None`).
    WarmStart(Option<PathBuf>),
    /// Stop seeding the study with a finished study's trials.
    NoWarmStart,
    /// Show the Open storage window (File ▸ Open storage…).
    OpenStorage,
    /// Open a study of a shared storage and watch it live (the Open storage window's Open).
    OpenStoredStudy(crate::storage::url::StorageUrl, String),
    /// Stop watching the shared study: it becomes the window's own.
    StopWatching,
}

/// The eframe application.
pub struct KnobsApp {
    /// Everything the window shows and controls.
    pub bench: Workbench,
    /// The Race tab's strategies, runners and ranking.
    pub race: super::race::Race,
    /// The Playground tab's problem, observations and GP.
    pub playground: super::playground::Playground,
    /// The Surrogate tab's sub-view, what-if point and workers.
    pub surrogate: plots::surrogate::SurrogatePanel,
    /// The Open storage window: its URL, listing and worker.
    pub storage: super::storage_browser::StorageBrowser,
    textures: Textures,
    actions: Vec<Action>,
    show_about: bool,
    show_shortcuts: bool,
    /// The interface language (labels are looked up each frame, so a switch shows at once).
    pub lang: Lang,
    /// Whether the CJK font has been added to the context.
    fonts_installed: bool,
    /// Where a requested window screenshot goes, and what became of it.
    png: Arc<Mutex<Option<String>>>,
}

impl KnobsApp {
    /// The app on a session file, or on the default study; preferences (recent sessions,
    /// plot settings) come from eframe's storage.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        session: Option<PathBuf>,
        autorun: bool,
        tab: Option<Tab>,
    ) -> Self {
        let mut bench = Workbench::new(Workbench::default_study());
        let mut lang = Lang::from_environment();
        let mut storages = Vec::new();
        if let Some(prefs) = cc
            .storage
            .and_then(|s| eframe::get_value::<Prefs>(s, PREFS_KEY))
        {
            lang = prefs.lang.unwrap_or(lang);
            storages.clone_from(&prefs.storages);
            bench.apply_prefs(prefs);
        }
        // Status messages written while opening the session are in the chosen language.
        i18n::set_lang(lang);
        let ctx = cc.egui_ctx.clone();
        bench.set_waker(Arc::new(move || ctx.request_repaint()));
        // Runs of unsaved studies journal to the data folder; what a crash left there (or
        // beside a recent session) is offered once the scan is in.
        bench.recovery.dir = super::recovery::platform_dir();
        let scan = super::recovery::Scan {
            dir: bench.recovery.dir.clone(),
            recent: bench.files.recent.clone(),
        };
        bench.recovery.start_scan(scan, bench.waker());
        if let Some(path) = session {
            super::loading::start(&mut bench, super::loading::Load::Session(path));
        }
        if let Some(tab) = tab {
            bench.view.tab = tab;
        }
        // Once the session is read and its objective built, off the UI thread.
        bench.loading.run_waiting = autorun;
        let mut app = Self::from_bench(bench);
        app.lang = lang;
        app.storage.recent = storages;
        app
    }

    /// The app around a workbench (tests and benchmarks).
    pub fn from_bench(bench: Workbench) -> Self {
        KnobsApp {
            bench,
            race: super::race::Race::new(),
            playground: super::playground::Playground::new(),
            surrogate: Default::default(),
            storage: Default::default(),
            textures: Textures::default(),
            actions: Vec::new(),
            show_about: false,
            show_shortcuts: false,
            lang: Lang::English,
            fonts_installed: false,
            png: Arc::new(Mutex::new(None)),
        }
    }

    /// Draw one frame into `ui` (also used by the UI tests and the frame benchmark).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        i18n::set_lang(self.lang);
        if !self.fonts_installed {
            i18n::install_fonts(&ctx);
            self.fonts_installed = true;
        }
        if !self.bench.has_waker() {
            let c = ctx.clone();
            self.bench.set_waker(Arc::new(move || c.request_repaint()));
        }
        self.bench.drain_events(EVENT_BUDGET);
        self.bench.drain_step(EVENT_BUDGET);
        self.bench.drain_watch();
        self.race.drain(EVENT_BUDGET);
        self.shortcuts(&ctx);
        self.actions.extend(super::drop::dropped(&ctx));
        if let Some(wait) = self.bench.replay_tick(std::time::Instant::now()) {
            ctx.request_repaint_after(wait);
        }
        self.bench.update_views();
        self.bench.update_advice();
        super::panels::objective::poll_builds(&mut self.bench);
        super::loading::poll(self, &ctx);
        super::storage_browser::poll(self);
        self.bench.recovery.poll_scan();
        if let Some(wait) = super::workers::update(&mut self.bench) {
            ctx.request_repaint_after(wait);
        }
        if self.bench.is_running() || self.bench.is_watching() {
            // Keep the clock and the time left moving between events.
            ctx.request_repaint_after(Duration::from_millis(500));
        }

        let mut actions = std::mem::take(&mut self.actions);
        egui::Panel::top("run_bar").show(ui, |ui| run_bar::show(ui, &self.bench, &mut actions));
        if self.bench.is_replaying() {
            egui::Panel::top("replay_bar").show(ui, |ui| replay_bar::show(ui, &mut self.bench));
        }
        egui::Panel::left("study")
            .default_size(300.0)
            .resizable(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| study::show(ui, &mut self.bench, &mut actions));
            });
        let table_height = self.bench.view.table_height;
        let table = egui::Panel::bottom("trials")
            .default_size(table_height)
            .resizable(true)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.strong(tr("Trials"));
                    ui.label(
                        egui::RichText::new(tr(
                            "click a header to sort, a row to highlight the trial in every plot",
                        ))
                        .weak(),
                    );
                });
                table::show(ui, &mut self.bench);
            });
        self.bench.view.table_height = table.response.rect.height();
        egui::CentralPanel::default().show(ui, |ui| self.centre(ui));
        self.actions = actions;
        self.windows(&ctx);
        let asked = super::storage_browser::show(self, &ctx);
        self.actions.extend(asked);
        super::unsaved::show(self, &ctx);
        for action in std::mem::take(&mut self.actions) {
            self.handle(action, &ctx);
        }
        if let Ok(mut msg) = self.png.lock()
            && let Some(m) = msg.take()
        {
            self.bench.status = m;
        }
    }

    fn centre(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            // A tab that does not fit goes to the next row whole, never split mid-word.
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            let boundary = self.bench.boundary_available();
            let curves = plots::curves::available(self.bench.study());
            let datasets = plots::datasets::available(self.bench.study());
            for tab in Tab::ALL {
                if tab == Tab::Curves && !curves && self.bench.view.tab != tab {
                    continue;
                }
                if tab == Tab::Datasets && !datasets && self.bench.view.tab != tab {
                    continue;
                }
                if tab == Tab::Workers && !super::workers::available(&self.bench) {
                    continue;
                }
                // A plain widget (not a child ui), so the row wraps before it when it does
                // not fit.
                let on = self.bench.view.tab == tab;
                let clicked = ui
                    .add_enabled(
                        tab != Tab::Boundary || boundary,
                        egui::Button::selectable(on, tr(tab.title())),
                    )
                    .on_disabled_hover_text(tr(
                        "for a classifier or regressor on a dataset with two features",
                    ))
                    .clicked();
                if clicked {
                    self.bench.view.tab = tab;
                }
            }
        });
        ui.separator();
        let h = (ui.available_height() - 40.0).max(120.0);
        match self.bench.view.tab {
            Tab::Overview => {
                ui.columns(2, |cols| {
                    plots::convergence::show(&mut cols[0], &mut self.bench, h);
                    plots::surface::show(
                        &mut cols[1],
                        &mut self.bench,
                        &mut self.textures,
                        h - 24.0,
                    );
                });
            }
            Tab::Convergence => plots::convergence::show(ui, &mut self.bench, h),
            Tab::Curves => plots::curves::show(ui, &mut self.bench, h),
            Tab::Surface => plots::surface::show(ui, &mut self.bench, &mut self.textures, h),
            Tab::Parallel => plots::parallel::show(ui, &self.bench, h),
            Tab::Importance => plots::importance::show(ui, &self.bench, h),
            Tab::GpSlice => plots::gp_slice::show(ui, &mut self.bench, h - 24.0),
            Tab::GpStd => plots::gp_std::show(ui, &mut self.bench, &mut self.textures, h),
            Tab::Race => super::race::view::show(ui, &mut self.race, &mut self.bench, h),
            Tab::Step => super::step::view::show(ui, &mut self.bench),
            Tab::Truth => plots::truth::show(ui, &mut self.bench, &mut self.textures, h - 24.0),
            Tab::Playground => {
                super::playground::view::show(ui, &mut self.playground, &mut self.textures, h)
            }
            Tab::Boundary => plots::boundary::show(ui, &mut self.bench, &mut self.textures, h),
            Tab::Surrogate => plots::surrogate::show(
                ui,
                &mut self.surrogate,
                &mut self.bench,
                &mut self.textures,
                h,
            ),
            Tab::Datasets => plots::datasets::show(ui, &mut self.bench, h),
            Tab::Workers => super::workers::show(ui, &self.bench),
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        use egui::{Key, Modifiers};
        let (save, open) = ctx.input_mut(|i| {
            (
                i.consume_key(Modifiers::COMMAND, Key::S),
                i.consume_key(Modifiers::COMMAND, Key::O),
            )
        });
        if save {
            self.actions.push(Action::Save);
        }
        if open {
            self.actions.push(Action::Open(None));
        }
        if !ctx.egui_wants_keyboard_input()
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Space))
        {
            self.actions.push(match self.bench.run_state() {
                _ if !self.bench.is_running() => Action::Run,
                super::state::RunState::Paused => Action::Resume,
                _ => Action::Pause,
            });
        }
    }

    fn windows(&mut self, ctx: &egui::Context) {
        egui::Window::new(tr("About Knobs"))
            .open(&mut self.show_about)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(format!("Knobs {}", env!("CARGO_PKG_VERSION")));
                ui.label(tr(env!("CARGO_PKG_DESCRIPTION")));
                ui.label(tr(
                    "Everything the window does also runs headlessly: `knobs run --help`.",
                ));
            });
        egui::Window::new(tr("Keyboard shortcuts"))
            .open(&mut self.show_shortcuts)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("shortcuts").num_columns(2).show(ui, |ui| {
                    for (k, what) in [
                        ("Ctrl+S", "save the session"),
                        ("Ctrl+O", "open a session"),
                        ("Space", "run / pause / resume"),
                        ("N", "step mode: evaluate the proposed point"),
                        ("double-click a plot", "reset its zoom"),
                        ("drag / scroll a plot", "pan / zoom"),
                    ] {
                        ui.monospace(tr(k));
                        ui.label(tr(what));
                        ui.end_row();
                    }
                });
            });
        let mut dismiss = false;
        if let Some(err) = &self.bench.error {
            egui::Window::new(tr("Problem"))
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ctx, |ui| {
                    ui.colored_label(plots::FAILED, crate::gui::i18n::tr_message(err));
                    ui.label(tr("The study is unchanged."));
                    if ui.button(tr("OK")).clicked() {
                        dismiss = true;
                    }
                });
        }
        if dismiss {
            self.bench.error = None;
        }
        if let Some(why) = self.bench.cost.warning.clone() {
            egui::Window::new(tr("Dataset too large?"))
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ctx, |ui| {
                    ui.label(why);
                    ui.label(tr(
                        "Fewer rows, fewer folds or a lighter model would be quicker.",
                    ));
                    ui.horizontal(|ui| {
                        if ui.button(tr("Run anyway")).clicked() {
                            self.actions.push(Action::RunAnyway);
                        }
                        if ui.button(tr("Cancel")).clicked() {
                            self.bench.cost.warning = None;
                            self.bench.status = "run cancelled".into();
                        }
                    });
                });
        }
        if let Some(approval) = self.bench.consent.pending.clone() {
            egui::Window::new(tr("Run this command?"))
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ctx, |ui| {
                    ui.label(tr(
                        "This study runs an external command for every trial. Run it only if you trust this session.",
                    ));
                    ui.monospace(&approval.command);
                    ui.monospace(approval.describe());
                    ui.horizontal(|ui| {
                        if ui.button(tr("Confirm and run")).clicked() {
                            self.bench.confirm_command();
                            super::race::view::after_consent(&mut self.race, &mut self.bench, ctx);
                        }
                        if ui.button(tr("Cancel")).clicked() {
                            self.bench.consent.pending = None;
                            self.bench.status = tr("run cancelled").into();
                        }
                    });
                });
        }
    }

    /// Carry out one action: the single place menus, buttons and shortcuts end up.
    pub fn handle(&mut self, action: Action, ctx: &egui::Context) {
        match action {
            Action::New
            | Action::NewFromAdvice
            | Action::Open(_)
            | Action::OpenCsv(_)
            | Action::Save
            | Action::SaveAs(_) => self.handle_file(action, ctx),
            Action::ExportCsv(_) | Action::ExportJson(_) | Action::ExportPng(_) => {
                self.handle_export(action, ctx);
            }
            Action::Run => self.bench.run(),
            Action::RunAnyway => self.bench.run_anyway(),
            Action::Pause => self.bench.command(Command::Pause),
            Action::Resume => self.bench.command(Command::Resume),
            Action::Stop => self.bench.command(Command::Stop),
            Action::ClearTrials => self.bench.clear_trials(),
            Action::Replay => {
                self.bench.start_replay();
            }
            Action::About => self.show_about = true,
            Action::Shortcuts => self.show_shortcuts = true,
            Action::SetLang(lang) => {
                self.lang = lang;
                i18n::set_lang(lang);
            }
            Action::WarmStart(path) => {
                let picked = path.or_else(|| {
                    let dialog = rfd::FileDialog::new().add_filter("Knobs session", &["ron"]);
                    super::drop::pick_file(dialog, &mut self.bench.status, ctx)
                });
                if let Some(p) = picked {
                    super::panels::study::warm_start_from(&mut self.bench, &p);
                }
            }
            Action::NoWarmStart => self.bench.editor.set_warm_start(None),
            Action::OpenStorage => self.storage.shown = true,
            Action::OpenStoredStudy(url, study) => {
                use super::unsaved::{Pending, may_proceed, proceed};
                let pending = Pending::Storage(url, study);
                if self.bench.is_busy() {
                    self.bench.status =
                        tr("stop the run or the watch before opening another study").into();
                } else if may_proceed(self, pending.clone()) {
                    proceed(self, pending, ctx);
                }
            }
            Action::StopWatching => self.bench.stop_watching(),
        }
    }

    /// The study's name as a file name, for the save and export dialogs.
    fn stem(&self) -> String {
        let name = &self.bench.study().name;
        if name.is_empty() {
            "study".to_owned()
        } else {
            name.replace(['/', '\\', ' '], "_")
        }
    }

    /// New, Open, Open CSV, Save and Save as.
    fn handle_file(&mut self, action: Action, ctx: &egui::Context) {
        use super::unsaved::{Pending, may_proceed, proceed};
        let session = || rfd::FileDialog::new().add_filter("Knobs session", &["ron"]);
        match action {
            Action::New if may_proceed(self, Pending::New) => proceed(self, Pending::New, ctx),
            Action::New => {}
            Action::NewFromAdvice if may_proceed(self, Pending::NewFromAdvice) => {
                proceed(self, Pending::NewFromAdvice, ctx);
            }
            Action::NewFromAdvice => {}
            Action::Open(path) => {
                if self.race.is_running() {
                    self.bench.status = "stop the race before opening another session".into();
                } else if may_proceed(self, Pending::Open(path.clone())) {
                    // Read off the UI thread; the Race tab then shows the session's race.
                    proceed(self, Pending::Open(path), ctx);
                }
            }
            Action::OpenCsv(path) => {
                let picked = path.or_else(|| {
                    let dialog = rfd::FileDialog::new().add_filter("CSV", &["csv"]);
                    super::drop::pick_file(dialog, &mut self.bench.status, ctx)
                });
                if let Some(p) = picked {
                    let spec = super::panels::objective::with_csv(&self.bench.study().objective, p);
                    super::panels::objective::apply(&mut self.bench, spec);
                }
            }
            Action::Save => match self.bench.files.path.clone() {
                Some(p) => self.save_with_race(&p),
                None => self.handle(Action::SaveAs(None), ctx),
            },
            Action::SaveAs(path) => {
                let stem = self.stem();
                if let Some(p) =
                    path.or_else(|| session().set_file_name(format!("{stem}.ron")).save_file())
                {
                    self.save_with_race(&p);
                }
            }
            _ => {}
        }
    }

    /// Save the study and the race to `path`; once saved, the race's journals are
    /// redundant (the session holds its runs) and go, unless its runs are still writing.
    fn save_with_race(&mut self, path: &std::path::Path) {
        let race = self.race.to_session();
        let has_race = race.is_some();
        self.bench.save_with_race(path, race);
        if has_race && !self.bench.has_unsaved_work() && !self.race.is_running() {
            self.race.journals.drop_folder();
        }
    }

    /// The CSV, JSON and PNG exports.
    fn handle_export(&mut self, action: Action, ctx: &egui::Context) {
        let stem = self.stem();
        let dialog = |name: &str, ext: &str| {
            rfd::FileDialog::new()
                .add_filter(name, &[ext])
                .set_file_name(format!("{stem}.{ext}"))
        };
        match action {
            Action::ExportCsv(path) => {
                if let Some(p) = path.or_else(|| dialog("CSV", "csv").save_file()) {
                    self.bench.export_csv(&p);
                }
            }
            Action::ExportJson(path) => {
                if let Some(p) = path.or_else(|| dialog("JSON", "json").save_file()) {
                    self.bench.export_json(&p);
                }
            }
            Action::ExportPng(path) => {
                if let Some(p) = path.or_else(|| dialog("PNG", "png").save_file()) {
                    self.export_png(p, ctx);
                }
            }
            _ => {}
        }
    }

    /// Ask for a screenshot of the window and write it to `path` as a PNG when it comes.
    fn export_png(&mut self, path: PathBuf, ctx: &egui::Context) {
        let slot = self.png.clone();
        let wake = ctx.clone();
        ctx.request_screenshot(move |image| {
            let [w, h] = image.size;
            let bytes = super::png::encode(w as u32, h as u32, image.as_raw());
            let msg = match crate::session::write_atomic(&path, &bytes) {
                Ok(()) => fill(tr("wrote {}"), &[&path.display()]),
                Err(e) => e.to_string(),
            };
            if let Ok(mut s) = slot.lock() {
                *s = Some(msg);
            }
            wake.request_repaint();
        });
        self.bench.status = "taking a screenshot…".into();
    }
}

impl eframe::App for KnobsApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let mut prefs = self.bench.prefs();
        prefs.lang = Some(self.lang);
        prefs.storages.clone_from(&self.storage.recent);
        eframe::set_value(storage, PREFS_KEY, &prefs);
    }

    /// Closing the window ends every running trial command (each whole process group), so
    /// nothing Knobs started outlives it.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let grace = crate::objective::GRACE_SECONDS + 2.0;
        crate::objective::terminate_all(std::time::Duration::from_secs_f64(grace));
    }
}
