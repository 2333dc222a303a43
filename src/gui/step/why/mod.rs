//! "Why this point?": one view per kind of [`Explanation`], drawn before the point is
//! evaluated.

use crate::gui::views::ViewParams;
use crate::space::Space;
use crate::strategy::Explanation;
use crate::study::Study;
use eframe::egui;

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
pub struct WhyView {}

impl WhyView {
    /// Draw the reasons for the proposed point into `ui`.
    pub fn show(&mut self, ui: &mut egui::Ui, input: &WhyInput<'_>) {
        ui.label(caption(input.explanation));
    }
}

/// One line saying why, shown above every view.
pub fn caption(explanation: &Explanation) -> String {
    match explanation {
        Explanation::Order(o) => match o.total {
            Some(total) => format!("Point {} of {} in a fixed order", o.index + 1, total),
            None => format!("Point {} of a fixed sequence", o.index + 1),
        },
        Explanation::Startup(s) => format!(
            "Start-up point {} of {} ({}), before the model decides",
            s.index + 1,
            s.of,
            s.method
        ),
        Explanation::Gp(g) => format!(
            "The maximum of {} over the GP posterior",
            g.acquisition.name()
        ),
        Explanation::Tpe(t) => format!(
            "The best of {} candidates by l(x)/g(x) ({} good trials, {} bad)",
            t.candidates.len(),
            t.n_below,
            t.n_above
        ),
        Explanation::CmaEs(c) => format!(
            "Member {} of {} drawn from generation {}'s distribution (σ = {:.3})",
            c.member + 1,
            c.lambda,
            c.generation,
            c.sigma
        ),
        Explanation::Swarm(s) => match s.moving {
            Some(p) => format!("Particle {} moves by its velocity", p + 1),
            None => "A probe outside the swarm's moves".to_owned(),
        },
        Explanation::Anneal(a) => format!(
            "A neighbour of the current state (temperature {:.3}, scale {:.3})",
            a.temperature, a.scale
        ),
        Explanation::Gradient(g) => g.role.clone(),
    }
}
