//! GP-BO's reasons: the posterior along a slice through the proposal with the acquisition
//! below it on a linked x axis, and the acquisition over the x/y parameters as a heatmap.
//! Everything is computed by [`super::worker`] from the strategy's own surrogate.

use super::worker::{GpJob, GpPicture, GpWorker, Key};
use super::{Frame, MODEL, PROPOSAL, WhyInput, mark_proposal, objective_value, short};
use crate::gui::i18n::{fill, tr};
use crate::gui::jobs::Poll;
use crate::gui::plots::{
    Textures, colour_bar, heatmap_image, linked_slice_plot, on_slice, two_sigma_band,
};
use crate::strategy::explain::GpWhy;
use eframe::egui::{self, Color32};
use egui_plot::{FilledArea, Legend, Line, MarkerShape, Points, VLine};

/// The GP view's state: its worker (started on first use), the newest picture and the
/// heatmap texture.
#[derive(Default)]
pub struct GpState {
    worker: Option<GpWorker>,
    failed: Option<String>,
    picture: Option<GpPicture>,
    asked: Option<Key>,
    stamp: u64,
    textures: Textures,
}

impl GpState {
    /// Whether the picture for the last request is still being computed.
    pub fn computing(&self) -> bool {
        self.failed.is_none()
            && self
                .asked
                .is_some_and(|k| self.picture.as_ref().map(|p| p.key) != Some(k))
    }

    /// Block up to `timeout` for the picture being computed (tests); whether it is in.
    pub fn wait(&mut self, timeout: std::time::Duration) -> bool {
        if !self.computing() {
            return true;
        }
        if let Some(w) = &mut self.worker {
            let polled = w.wait(timeout);
            self.take(polled);
        }
        !self.computing()
    }

    /// Keep what polling the worker found.
    fn take(&mut self, polled: Poll<GpPicture>) {
        match polled {
            Poll::Ready(p) => {
                self.picture = Some(p);
                self.stamp += 1;
            }
            Poll::Failed(why) => {
                if let Some(key) = self.asked {
                    self.picture = Some(GpPicture::failed(key, why));
                    self.stamp += 1;
                }
            }
            Poll::Gone => self.failed = Some(tr("the why-view thread stopped").into()),
            Poll::Nothing => {}
        }
    }

    /// Collect a finished picture and ask for the one `key` needs.
    fn update(&mut self, ctx: &egui::Context, input: &WhyInput<'_>, why: &GpWhy, key: Key) {
        if let Some(w) = &mut self.worker {
            let polled = w.poll();
            self.take(polled);
        }
        let have = self.picture.as_ref().map(|p| p.key) == Some(key);
        if have || self.asked == Some(key) || self.failed.is_some() {
            return;
        }
        if self.worker.is_none() {
            match super::worker::spawn(ctx.clone()) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    self.failed = Some(e);
                    return;
                }
            }
        }
        let job = GpJob {
            key,
            surrogate: why.surrogate.clone(),
            acquisition: why.acquisition,
            proposal: input.proposal.to_vec(),
        };
        if self.worker.as_mut().is_some_and(|w| w.request(key, job)) {
            self.asked = Some(key);
        } else {
            self.failed = Some(tr("the why-view thread stopped").into());
        }
    }

    /// Draw the slice and the map, or "computing…" until they are ready.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        input: &WhyInput<'_>,
        frame: &Frame,
        why: &GpWhy,
        height: f32,
    ) {
        let key = Key {
            sequence: input.sequence,
            params: frame.params,
        };
        self.update(ui.ctx(), input, why, key);
        if let Some(e) = &self.failed {
            ui.colored_label(crate::gui::plots::FAILED, e);
            return;
        }
        let Some(picture) = self.picture.as_ref().filter(|p| p.key == key) else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr("computing…"));
            });
            return;
        };
        if let Some(e) = &picture.error {
            ui.colored_label(crate::gui::plots::FAILED, e);
            return;
        }
        ui.label(fill(
            tr("{0} is {1} at the proposal, its largest value over the whole space. Left: the posterior along {2} through the proposal (trials projected onto it); right: {0} over {3} and {4}."),
            &[
                &why.acquisition.name(),
                &short(why.value),
                &frame.slice_axis().name,
                &frame.axes[frame.params.x].name,
                &frame.axes[frame.params.y].name,
            ],
        ));
        let picture = picture.clone();
        if frame.pair().is_some() && picture.grid.is_some() {
            ui.columns(2, |cols| {
                slice(&mut cols[0], input, frame, why, &picture, height);
                self.map(&mut cols[1], input, frame, &picture, height);
            });
        } else {
            slice(ui, input, frame, why, &picture, height);
        }
    }

    /// The acquisition heatmap over x/y with the trials and the proposal.
    fn map(
        &mut self,
        ui: &mut egui::Ui,
        input: &WhyInput<'_>,
        frame: &Frame,
        picture: &GpPicture,
        height: f32,
    ) {
        let (Some(grid), Some((xa, ya)), Some(projected)) = (
            picture.grid.as_ref(),
            frame.pair(),
            frame.projected(input.study),
        ) else {
            return;
        };
        let texture =
            self.textures
                .heatmap(ui.ctx(), "why_gp_acquisition", self.stamp, grid, false);
        let proposal = frame.xy(input.proposal);
        ui.horizontal(|ui| {
            let width = (ui.available_width() - 64.0).max(100.0);
            crate::gui::plots::axes_plot("why_gp_map", xa, ya)
                .height(height)
                .width(width)
                .legend(Legend::default())
                .show(ui, |plot| {
                    plot.image(heatmap_image(tr("acquisition"), &texture, xa, ya));
                    projected.draw(plot);
                    if let Some(p) = proposal {
                        mark_proposal(plot, p);
                    }
                });
            colour_bar(ui, grid.min, grid.max, false, height);
        });
    }
}

/// The posterior (mean, ±2σ, trials) over the acquisition, both along the slice axis.
fn slice(
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    why: &GpWhy,
    picture: &GpPicture,
    height: f32,
) {
    let axis = frame.slice_axis();
    let direction = input.study.direction;
    let xs: Vec<f64> = picture.u.iter().map(|&u| axis.at(u)).collect();
    let mean: Vec<f64> = picture
        .mean
        .iter()
        .map(|&m| objective_value(direction, m))
        .collect();
    let (lo, hi) = two_sigma_band(&mean, &picture.std);
    let mean_line: Vec<[f64; 2]> = xs.iter().zip(&mean).map(|(x, m)| [*x, *m]).collect();
    let acq: Vec<[f64; 2]> = xs
        .iter()
        .zip(&picture.acquisition)
        .filter(|(_, a)| a.is_finite())
        .map(|(x, a)| [*x, *a])
        .collect();
    let pi = frame.index[frame.params.slice];
    let trials: Vec<[f64; 2]> = input
        .study
        .trials
        .iter()
        .filter_map(|t| on_slice(t, axis, pi))
        .collect();
    let px = input.proposal.get(frame.params.slice).map(|&u| axis.at(u));
    // LogEI is hundreds below its peak far from the data: show the top of it.
    let floor = acq.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max) - 12.0;
    let acq: Vec<[f64; 2]> = match why.acquisition {
        crate::gp::Acquisition::LogEi => acq.into_iter().filter(|p| p[1] >= floor).collect(),
        _ => acq,
    };
    let link = egui::Id::unique("why_gp_slice_x");
    let top = (height * 0.6).max(100.0);
    let bottom = (height - top - 8.0).max(70.0);
    linked_slice_plot("why_gp_posterior", axis, link, top)
        .y_axis_label(tr("value"))
        .include_x(axis.lo)
        .include_x(axis.hi)
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.add(
                FilledArea::new(tr("±2σ"), &xs, &lo, &hi)
                    .fill_color(Color32::from_rgba_unmultiplied(100, 150, 255, 50)),
            );
            plot.line(
                Line::new(tr("posterior mean"), mean_line)
                    .width(2.0)
                    .color(MODEL),
            );
            plot.points(
                Points::new(tr("trials"), trials)
                    .radius(2.5)
                    .color(Color32::WHITE),
            );
            if let Some(x) = px {
                plot.vline(VLine::new(tr("proposal"), x).color(PROPOSAL).width(1.5));
            }
        });
    linked_slice_plot("why_gp_acquisition", axis, link, bottom)
        .x_axis_label(axis.title())
        .y_axis_label(why.acquisition.name())
        .include_x(axis.lo)
        .include_x(axis.hi)
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.line(
                Line::new(why.acquisition.name(), acq)
                    .width(2.0)
                    .color(Color32::from_rgb(120, 200, 120)),
            );
            if let Some(x) = px {
                plot.vline(VLine::new(tr("proposal"), x).color(PROPOSAL).width(1.5));
                plot.points(
                    Points::new(tr("maximum (the proposal)"), vec![[x, why.value]])
                        .shape(MarkerShape::Up)
                        .radius(8.0)
                        .color(PROPOSAL),
                );
            }
        });
}
