//! Frame-time benchmark: CPU milliseconds per frame of the workbench with 10,000 finished
//! trials, drawn headlessly (egui layout plus tessellation, no GPU), per view.
//!
//! ```sh
//! cargo run --release --example bench_frame            # 10,000 trials, 60 frames per view
//! cargo run --release --example bench_frame -- 2000 30 # trials, frames
//! ```
//!
//! Each frame moves the pointer over the plot (so hover labels are computed too). "live"
//! marks the study as changed before every frame, as when trials stream in: the table is
//! re-sorted and the view worker is asked for new grids (throttled) on those frames.
//! The goal is under 8 ms per frame.

use eframe::egui::{self, Event, Pos2, RawInput, Rect, vec2};
use knobs::gui::KnobsApp;
use knobs::gui::state::{Column, Sort, Tab, Workbench};
use knobs::objective::ObjectiveSpec;
use knobs::runner;
use knobs::strategy::StrategySpec;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let trials: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let frames: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(60);

    let mut study = Workbench::branin_study();
    study.strategy = StrategySpec::Random;
    study.budget = trials;
    let objective = ObjectiveSpec::default().build().expect("branin builds");
    let t0 = Instant::now();
    let (study, _, _) =
        runner::run_to_end(study, Arc::from(objective), 2).expect("the synthetic study runs");
    println!(
        "{} trials ({} failed) of random search on Branin in {:.2} s",
        study.trials.len(),
        study.failed(),
        t0.elapsed().as_secs_f64()
    );

    let mut bench = Workbench::new(study);
    let t0 = Instant::now();
    let ready = bench.wait_views(Duration::from_secs(300));
    println!(
        "view worker: grids {} after {:.2} s (GP on {} trials), off the UI thread",
        if ready { "ready" } else { "NOT ready" },
        t0.elapsed().as_secs_f64(),
        bench
            .background
            .view_result
            .as_ref()
            .and_then(|r| r.gp_trials)
            .unwrap_or(0)
    );
    bench.selection.sort = Sort {
        column: Column::Value,
        ascending: true,
    };
    bench.selection.selected = Some(trials / 2);
    let mut app = KnobsApp::from_bench(bench);
    let ctx = egui::Context::default();
    let screen = Rect::from_min_size(Pos2::ZERO, vec2(1280.0, 800.0));

    println!(
        "\n{:<28} {:>10} {:>10} {:>10}",
        "view", "median ms", "p95 ms", "max ms"
    );
    let mut worst_median: f64 = 0.0;
    let mut clock = 0u64;
    let cases: Vec<(Tab, bool)> = Tab::ALL
        .iter()
        .map(|t| (*t, false))
        .chain([(Tab::Overview, true)])
        .collect();
    for (tab, live) in cases {
        app.bench.view.tab = tab;
        let mut times = Vec::with_capacity(frames);
        // A few frames to settle layout and upload textures.
        for i in 0..(frames + 5) {
            if live {
                app.bench.editor.invalidate();
            }
            let pointer = Pos2::new(700.0 + (i % 40) as f32 * 5.0, 250.0 + (i % 20) as f32 * 4.0);
            let input = RawInput {
                screen_rect: Some(screen),
                time: Some(clock as f64 / 60.0),
                events: vec![Event::PointerMoved(pointer)],
                ..Default::default()
            };
            clock += 1;
            let start = Instant::now();
            let mut output = ctx.run_ui(input, |ui| app.show(ui));
            // No GPU here: the texture uploads are dropped deliberately.
            output.textures_delta.clear();
            let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
            let ms = start.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(primitives);
            if i >= 5 {
                times.push(ms);
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let p95 = times[((times.len() as f64 * 0.95) as usize).min(times.len() - 1)];
        let max = times[times.len() - 1];
        worst_median = worst_median.max(median);
        let name = format!("{}{}", tab.title(), if live { ", live" } else { "" });
        println!("{name:<28} {median:>10.2} {p95:>10.2} {max:>10.2}");
    }
    println!(
        "\nworst median {worst_median:.2} ms per frame ({} the 8 ms goal)",
        if worst_median < 8.0 { "within" } else { "OVER" }
    );
}
