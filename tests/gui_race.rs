//! The Race tab driven headlessly with egui_kittest: pick strategies by clicking, start the
//! race, drive frames until every racer is done, and check the state and the ranking table.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::KnobsApp;
use knobs::gui::race::state::RacerState;
use knobs::gui::state::{Tab, Workbench};
use knobs::runner::FinishReason;

const BUDGET: usize = 15;

fn harness() -> Harness<'static, KnobsApp> {
    let mut study = Workbench::branin_study();
    study.budget = BUDGET;
    let mut bench = Workbench::new(study);
    bench.jobs = 2;
    bench.view.tab = Tab::Race;
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        )
}

#[test]
fn a_race_of_random_sobol_and_gp_on_branin_runs_to_the_end_and_is_ranked() {
    let mut harness = harness();
    harness.run_steps(2);
    // random, sobol and gp are picked by default
    assert_eq!(harness.state().race.picked, ["random", "sobol", "gp"]);
    harness.get_by_label("Start race").click();
    harness.run_steps(1);
    assert_eq!(harness.state().race.racers.len(), 3);
    // drive frames (bounded) until every racer has finished
    for _ in 0..20_000 {
        if !harness.state().race.is_running() {
            break;
        }
        harness.step();
    }
    // never hang the test on a slow machine: the blocking drain finishes what is left
    harness.state_mut().race.finish_blocking();
    harness.run_steps(2);
    let race = &harness.state().race;
    for racer in &race.racers {
        assert_eq!(
            racer.state,
            RacerState::Finished(FinishReason::BudgetSpent),
            "{}",
            racer.name
        );
        assert_eq!(racer.study.trials.len(), BUDGET, "{}", racer.name);
        assert!(racer.strategy_seconds.is_some());
    }
    // Branin's minimum is known: curves are log regret, one per racer, one point per trial
    assert!(race.known_minimum.is_some());
    let curves = race.curves();
    assert_eq!(curves.len(), 3);
    assert!(curves.iter().all(|(_, c)| c.len() == BUDGET));
    let ranking = race.ranking();
    assert_eq!(ranking.len(), 3);
    let bests: Vec<f64> = ranking.iter().map(|r| r.best.unwrap()).collect();
    assert!(bests.windows(2).all(|w| w[0] <= w[1]), "{bests:?}");
    let overall = race
        .racers
        .iter()
        .flat_map(|r| r.study.trials.iter().filter_map(|t| t.value))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(bests[0], overall);
    assert!(ranking[0].trials_needed.is_some());
    // the table shows every racer, the winner's best value first
    for name in ["random", "sobol", "gp"] {
        assert!(harness.query_all_by_label(name).count() >= 1, "{name}");
    }
    harness.get_by_label(&format!("{:.6}", bests[0]));
    assert_eq!(
        harness
            .query_all_by_label_contains("done (15 trials)")
            .count(),
        3
    );
}

#[test]
fn a_race_needs_two_strategies() {
    let mut harness = harness();
    harness.run_steps(1);
    harness.get_by_label("sobol").click();
    harness.get_by_label("gp").click();
    harness.run_steps(1);
    assert_eq!(harness.state().race.picked, ["random"]);
    let started = {
        let app = harness.state_mut();
        let study = app.bench.study.clone();
        app.race.start(&study, 1, None)
    };
    assert!(!started);
    assert!(harness.state().race.racers.is_empty());
    assert!(harness.state().race.status.contains("pick 2"));
}
