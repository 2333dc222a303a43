//! The "why this point?" views: every strategy is run a dozen trials on Branin with real
//! values, asked for one more point, and its explanation drawn by `WhyView::show` in a
//! kittest harness until the background picture (GP) is in. Snapshots of the GP and CMA-ES
//! views are in tests/snapshots/ (regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test
//! gui_why` and look at them).

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::step::why::{WhyInput, WhyView, caption};
use knobs::gui::views::ViewParams;
use knobs::objective::{ObjectiveSpec, SyntheticFn};
use knobs::space::{Domain, Param, Space};
use knobs::strategy::{Explanation, Observation, StrategySpec};
use knobs::study::{Direction, Study, Trial};
use std::time::Duration;

/// A study, its next proposal and the strategy's reasons for it.
struct Scene {
    study: Study,
    proposal: Vec<f64>,
    explanation: Explanation,
    view: WhyView,
}

fn branin_space() -> Space {
    let (lo, hi) = (
        SyntheticFn::Branin.bounds(2)[0],
        SyntheticFn::Branin.bounds(2)[1],
    );
    Space::new(vec![
        Param::new(
            "x1",
            Domain::Float {
                low: lo.0,
                high: lo.1,
                log: false,
            },
        ),
        Param::new(
            "x2",
            Domain::Float {
                low: hi.0,
                high: hi.1,
                log: false,
            },
        ),
    ])
    .unwrap()
}

/// The one-parameter space of Forrester's function, `x` on [0, 1].
fn forrester_space() -> Space {
    Space::new(vec![Param::new(
        "x",
        Domain::Float {
            low: 0.0,
            high: 1.0,
            log: false,
        },
    )])
    .unwrap()
}

/// Ask and tell `told` trials of Branin, then ask one more and keep its explanation.
fn scene(name: &str, told: usize) -> Scene {
    scene_on(name, told, SyntheticFn::Branin)
}

/// As [`scene`], on `function` (Branin in 2-D or Forrester in 1-D).
fn scene_on(name: &str, told: usize, function: SyntheticFn) -> Scene {
    let spec = StrategySpec::from_name(name).unwrap();
    let (space, dims) = if function == SyntheticFn::Forrester {
        (forrester_space(), 1)
    } else {
        (branin_space(), 2)
    };
    let bounds = function.bounds(dims);
    let mut strategy = spec.build(&space, 1).unwrap();
    let mut study = Study {
        name: format!("{name} on {function:?}"),
        description: String::new(),
        description_zh: String::new(),
        direction: Direction::Minimize,
        objective: ObjectiveSpec::Synthetic {
            function,
            dims: None,
        },
        space: space.clone(),
        strategy: spec,
        seed: 1,
        budget: told + 1,
        window: Some(1),
        trials: vec![],
        pruner: Default::default(),
        resource_budget: None,
        strategy_state: None,
        adaptive: Default::default(),
        warm_start: None,
    };
    for n in 0..told {
        let s = strategy.ask(n).unwrap();
        let x: Vec<f64> = s
            .point
            .iter()
            .zip(&bounds)
            .map(|(u, (lo, hi))| lo + u * (hi - lo))
            .collect();
        let (value, grad) = function.eval(&x);
        // d value / d u: the chain rule through the linear map to each range.
        let unit_grad: Vec<f64> = grad
            .iter()
            .zip(&bounds)
            .map(|(g, (lo, hi))| g * (hi - lo))
            .collect();
        strategy.tell(Observation {
            number: n,
            point: &s.point,
            loss: Some(value),
            gradient: s.want_gradient.then_some(unit_grad.as_slice()),
        });
        let params = space.from_unit(&s.point);
        study.trials.push(Trial {
            label: s.label,
            ..Trial::complete(n, params, s.point, value)
        });
    }
    let proposal = strategy.ask(told).unwrap().point;
    let explanation = strategy.explain().expect("an explanation after ask");
    Scene {
        study,
        proposal,
        explanation,
        view: WhyView::default(),
    }
}

fn harness(scene: Scene) -> Harness<'static, Scene> {
    Harness::builder()
        .with_size([1100.0, 640.0])
        .build_ui_state(draw, scene)
}

fn draw(ui: &mut eframe::egui::Ui, s: &mut Scene) {
    let input = WhyInput {
        space: &s.study.space,
        study: &s.study,
        proposal: &s.proposal,
        explanation: &s.explanation,
        axes: ViewParams {
            x: 0,
            y: 1,
            slice: 0,
        },
        sequence: 7,
    };
    s.view.show(ui, &input);
}

/// Run frames until the background picture is in (bounded), then a blocking wait as the
/// last resort on a slow machine.
fn settle(harness: &mut Harness<'_, Scene>) {
    harness.run_steps(2);
    for _ in 0..200 {
        if !harness.state().view.computing() {
            break;
        }
        harness.step();
    }
    assert!(
        harness.state_mut().view.wait(Duration::from_secs(120)),
        "the GP picture never came"
    );
    harness.run_steps(2);
}

fn check(name: &str, told: usize, kind: fn(&Explanation) -> bool) {
    let scene = scene(name, told);
    assert!(kind(&scene.explanation), "{name}: {:?}", scene.explanation);
    let text = caption(&scene.explanation);
    let mut harness = harness(scene);
    settle(&mut harness);
    harness.get_by_label(&text);
    assert!(harness.query_by_label("computing…").is_none());
}

#[test]
fn gp_view_shows_the_posterior_after_computing() {
    check("gp", 12, |e| matches!(e, Explanation::Gp(_)));
}

#[test]
fn tpe_view() {
    check("tpe", 12, |e| matches!(e, Explanation::Tpe(_)));
}

#[test]
fn cmaes_view() {
    check("cmaes", 14, |e| matches!(e, Explanation::CmaEs(_)));
}

#[test]
fn swarm_view() {
    check("pso", 14, |e| matches!(e, Explanation::Swarm(_)));
}

#[test]
fn anneal_view() {
    check("anneal", 12, |e| matches!(e, Explanation::Anneal(_)));
}

#[test]
fn gradient_view() {
    check("gradient", 12, |e| matches!(e, Explanation::Gradient(_)));
}

#[test]
fn order_views() {
    check("grid", 12, |e| matches!(e, Explanation::Order(_)));
    check("random", 12, |e| matches!(e, Explanation::Order(_)));
    check("sobol", 12, |e| matches!(e, Explanation::Order(_)));
}

#[test]
fn startup_view() {
    check("gp", 4, |e| matches!(e, Explanation::Startup(_)));
}

#[test]
fn gp_view_says_computing_until_the_picture_is_in() {
    let mut harness = harness(scene("gp", 12));
    harness.run_steps(1);
    // The first frame sends the request to the worker. Whether the answer is in by the end of
    // that frame depends on the machine, so only check the two states agree with the label.
    let computing = harness.state().view.computing();
    assert_eq!(harness.query_by_label("computing…").is_some(), computing);
    settle(&mut harness);
    assert!(!harness.state().view.computing());
    assert!(harness.query_by_label("computing…").is_none());
}

fn snapshot(name: &str, strategy: &str, told: usize) {
    snapshot_of(name, scene(strategy, told));
}

fn snapshot_of(name: &str, scene: Scene) {
    let mut harness = Harness::builder()
        .with_size([1100.0, 640.0])
        .wgpu()
        .build_ui_state(draw, scene);
    settle(&mut harness);
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options(name, &options);
}

#[test]
fn why_gp_snapshot() {
    snapshot("why_gp", "gp", 12);
}

#[test]
fn why_cmaes_snapshot() {
    snapshot("why_cmaes", "cmaes", 14);
}

/// The strategies whose views are drawn on an x/y plane, each with the explanation it gives
/// and a legend entry only its 1-D form draws.
const LINE_VIEWS: [(&str, usize, &str); 5] = [
    ("cmaes", 9, "sampling density"),
    ("pso", 9, "velocities"),
    ("anneal", 9, "chain of trials"),
    ("gradient", 9, "trajectory"),
    ("grid", 4, "order"),
];

#[test]
fn in_a_one_parameter_study_every_plane_view_draws_its_form_along_the_axis() {
    for (name, told, entry) in LINE_VIEWS {
        let scene = scene_on(name, told, SyntheticFn::Forrester);
        assert_eq!(scene.study.space.dim(), 1);
        let mut harness = harness(scene);
        settle(&mut harness);
        assert!(
            harness
                .query_by_label("This view needs two free parameters.")
                .is_none(),
            "{name} still shows only a note"
        );
        assert!(
            harness.query_by_label(entry).is_some(),
            "{name}: no `{entry}` in its 1-D view"
        );
    }
}

/// The 1-D form of view `index` of [`LINE_VIEWS`], as a snapshot (one harness per test).
fn line_snapshot(index: usize) {
    let (name, told, _) = LINE_VIEWS[index];
    snapshot_of(
        &format!("why_{name}_1d"),
        scene_on(name, told, SyntheticFn::Forrester),
    );
}

#[test]
fn why_cmaes_1d_snapshot() {
    line_snapshot(0);
}

#[test]
fn why_swarm_1d_snapshot() {
    line_snapshot(1);
}

#[test]
fn why_anneal_1d_snapshot() {
    line_snapshot(2);
}

#[test]
fn why_gradient_1d_snapshot() {
    line_snapshot(3);
}

#[test]
fn why_order_1d_snapshot() {
    line_snapshot(4);
}
