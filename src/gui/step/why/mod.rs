//! "Why this point?": one view per kind of [`Explanation`], drawn before the point is
//! evaluated.
//!
//! [`WhyView::show`] puts the caption on top and offers the explanation to each strategy's
//! entry in [`crate::gui::strategies`], which draws it with one file per kind: [`gp`]
//! (posterior slice, acquisition and its 2-D map), [`tpe`] (good and bad densities and their
//! ratio), [`cmaes`] (the sampling ellipses), [`swarm`] (particles and velocities),
//! [`anneal`] (the chain, temperature and the last move's fate), [`gradient`] (the gradient
//! and the step); what no strategy claims, [`order`] draws (fixed sequences and start-up
//! points). A one-parameter study gets each of these in its 1-D form from [`line`] (the
//! parameter across, the trial number up). Shared here: [`Frame`], the
//! axes a view draws on, and [`pair_plot`], a plot over the x/y parameters with the trials
//! under and the proposal on top. Only the GP views need model predictions; they run on the
//! background thread in [`worker`] and are cached by (`sequence`, axes).

pub mod anneal;
pub mod cmaes;
pub mod gp;
pub mod gradient;
pub mod line;
pub mod order;
pub mod swarm;
pub mod tpe;
pub mod worker;

use crate::gui::i18n::{fill, tr};
use crate::gui::plots::{Axis, Projected, free_axes};
use crate::gui::views::ViewParams;
use crate::space::Space;
use crate::strategy::Explanation;
use crate::study::{Direction, Study};
use eframe::egui::{self, Color32};
use egui_plot::{Legend, MarkerShape, PlotUi, Points};

/// Colour of the proposed point in every view.
pub const PROPOSAL: Color32 = Color32::from_rgb(255, 110, 40);
/// Colour of the model's own marks (means, current states, ellipses).
pub const MODEL: Color32 = Color32::from_rgb(110, 170, 255);

/// What a why-view draws from.
pub struct WhyInput<'a> {
    /// The study's space (axis names, log scales, categorical choices).
    pub space: &'a Space,
    /// The trials told so far.
    pub study: &'a Study,
    /// The proposed point, in the unit cube of the free parameters.
    pub proposal: &'a [f64],
    /// The strategy's reasons.
    pub explanation: &'a Explanation,
    /// Which free parameters the 2-D and 1-D views look at.
    pub axes: ViewParams,
    /// Changes whenever the explanation does, so cached pictures know when to redo.
    pub sequence: u64,
}

/// The views' state: cached pictures of the current explanation.
#[derive(Default)]
pub struct WhyView {
    /// The GP views' pictures, computed in the background.
    pub(in crate::gui) gp: gp::GpState,
    /// The TPE views' densities.
    pub(in crate::gui) tpe: tpe::TpeCache,
}

impl WhyView {
    /// Draw the reasons for the proposed point into `ui`.
    pub fn show(&mut self, ui: &mut egui::Ui, input: &WhyInput<'_>) {
        ui.label(egui::RichText::new(caption(input.explanation)).strong());
        let frame = Frame::of(input);
        if frame.axes.is_empty() {
            ui.label(tr("The space has no free parameters to draw."));
            return;
        }
        let height = (ui.available_height() - 30.0).clamp(220.0, 700.0);
        if !crate::gui::strategies::why(self, ui, input, &frame, height) {
            order::show(ui, input, &frame, height);
        }
    }

    /// Whether a background picture for the last shown explanation is still being computed
    /// (the view then says "computing…" and repaints when it arrives).
    pub fn computing(&self) -> bool {
        self.gp.computing()
    }

    /// Block up to `timeout` for the background picture (tests and benchmarks; the UI never
    /// blocks). Returns whether nothing is left computing.
    pub fn wait(&mut self, timeout: std::time::Duration) -> bool {
        self.gp.wait(timeout)
    }
}

/// One line saying why, shown above every view.
pub fn caption(explanation: &Explanation) -> String {
    match explanation {
        Explanation::Order(o) => match o.total {
            Some(total) => fill(
                tr("Point {} of {} in a fixed order"),
                &[&(o.index + 1), &total],
            ),
            None => fill(tr("Point {} of a fixed sequence"), &[&(o.index + 1)]),
        },
        Explanation::Startup(s) => fill(
            tr("Start-up point {} of {} ({}), before the model decides"),
            &[&(s.index + 1), &s.of, &s.method],
        ),
        Explanation::Gp(g) => fill(
            tr("The maximum of {} over the GP posterior"),
            &[&g.acquisition.name()],
        ),
        Explanation::Tpe(t) => fill(
            tr("The best of {} candidates by l(x)/g(x) ({} good trials, {} bad)"),
            &[&t.candidates.len(), &t.n_below, &t.n_above],
        ),
        Explanation::CmaEs(c) => fill(
            tr("Member {} of {} drawn from generation {}'s distribution (σ = {})"),
            &[
                &(c.member + 1),
                &c.lambda,
                &c.generation,
                &format!("{:.3}", c.sigma),
            ],
        ),
        Explanation::Swarm(s) => match s.moving {
            Some(p) => fill(tr("Particle {} moves by its velocity"), &[&(p + 1)]),
            None => tr("A probe outside the swarm's moves").to_owned(),
        },
        Explanation::Anneal(a) => fill(
            tr("A neighbour of the current state (temperature {}, scale {})"),
            &[&format!("{:.3}", a.temperature), &format!("{:.3}", a.scale)],
        ),
        Explanation::Gradient(g) => g.role.clone(),
    }
}

/// The axes a view draws on: the free parameters' axes and the chosen x, y and slice.
pub struct Frame {
    /// Every free parameter's axis.
    pub axes: Vec<Axis>,
    /// Each free parameter's index among all parameters (where a trial's `params` hold it).
    pub index: Vec<usize>,
    /// The chosen axes, made valid for the space.
    pub params: ViewParams,
}

impl Frame {
    /// The frame of an input.
    pub fn of(input: &WhyInput<'_>) -> Self {
        let (axes, index) = free_axes(input.space);
        let params = input.axes.fitted(axes.len());
        Frame {
            axes,
            index,
            params,
        }
    }

    /// The x and y axes, when the space has two free parameters to show.
    pub fn pair(&self) -> Option<(&Axis, &Axis)> {
        (self.axes.len() >= 2).then(|| (&self.axes[self.params.x], &self.axes[self.params.y]))
    }

    /// A unit-cube point's position on the x/y plot.
    pub fn xy(&self, u: &[f64]) -> Option<[f64; 2]> {
        let (xa, ya) = self.pair()?;
        Some([xa.at(*u.get(self.params.x)?), ya.at(*u.get(self.params.y)?)])
    }

    /// A unit-cube displacement on the x/y plot (in plot units, for arrows).
    pub fn dxy(&self, d: &[f64]) -> Option<[f64; 2]> {
        let (xa, ya) = self.pair()?;
        Some([
            (xa.hi - xa.lo) * *d.get(self.params.x)?,
            (ya.hi - ya.lo) * *d.get(self.params.y)?,
        ])
    }

    /// The slice's axis.
    pub fn slice_axis(&self) -> &Axis {
        &self.axes[self.params.slice]
    }

    /// The completed trials projected on x/y (no selection).
    pub fn projected(&self, study: &Study) -> Option<Projected> {
        self.pair()?;
        let (x, y) = (self.params.x, self.params.y);
        Some(Projected::of(
            study,
            None,
            (&self.axes[x], self.index[x]),
            (&self.axes[y], self.index[y]),
        ))
    }
}

/// A value in the objective's own units from a loss (strategies minimise `loss`).
pub fn objective_value(direction: Direction, loss: f64) -> f64 {
    match direction {
        Direction::Minimize => loss,
        Direction::Maximize => -loss,
    }
}

/// A plot over the chosen x/y parameters: the completed trials under, `add`'s items, then
/// the proposal on top. Shows a note instead when the space has only one free parameter.
pub fn pair_plot(
    ui: &mut egui::Ui,
    id: &str,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
    add: impl FnOnce(&mut PlotUi<'_>),
) {
    let (Some((xa, ya)), Some(projected)) = (frame.pair(), frame.projected(input.study)) else {
        ui.label(tr("This view needs two free parameters."));
        return;
    };
    let proposal = frame.xy(input.proposal);
    crate::gui::plots::axes_plot(id, xa, ya)
        .height(height)
        .legend(Legend::default())
        .show(ui, |plot| {
            projected.draw(plot);
            add(plot);
            if let Some(p) = proposal {
                mark_proposal(plot, p);
            }
        });
}

/// The proposed point's marker: an orange ring with a cross.
pub fn mark_proposal(plot: &mut PlotUi<'_>, p: [f64; 2]) {
    plot.points(
        Points::new(tr("proposal"), vec![p])
            .shape(MarkerShape::Circle)
            .filled(false)
            .radius(9.0)
            .color(PROPOSAL),
    );
    plot.points(
        Points::new(tr("proposal"), vec![p])
            .shape(MarkerShape::Cross)
            .radius(6.0)
            .color(PROPOSAL),
    );
}

/// A short number for sentences.
pub fn short(x: f64) -> String {
    crate::gui::plots::number(x)
}
