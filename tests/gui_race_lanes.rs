//! Race lanes as (strategy, pruner) pairs, driven headlessly with egui_kittest: a lane gets a
//! pruner from its picker, the race runs the MLP on iris, and the ranking shows each lane's
//! resource and pruned trials; the curves switch to cumulative resource; lesson 7's race
//! (the same TPE search with no pruner, the median rule and ASHA) reopens finished and what
//! its description says holds; and a wgpu snapshot of that race drawn against resource.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{Queryable, by};
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::KnobsApp;
use knobs::gui::app::Action;
use knobs::gui::race::state::{Lane, Race, RacerState};
use knobs::gui::state::{Tab, Workbench};
use knobs::pruner::{AshaSettings, PrunerSpec};
use knobs::runner::FinishReason;
use knobs::session::Session;
use knobs::space::{Domain, Value};
use knobs::study::Study;
use std::path::Path;

/// Epochs per trial in the quick race (few, so the test stays fast).
const EPOCHS: i64 = 4;
/// Trials per lane in the quick race.
const BUDGET: usize = 10;

/// Lesson 7's search (TPE on the MLP on iris) without trials or pruner, with `epochs` epochs,
/// `budget` trials and `strategy`.
fn mlp_study(epochs: i64, budget: usize, strategy: &str) -> Study {
    let mut study = Session::load(&lesson7("none")).unwrap().study;
    study.trials.clear();
    study.strategy_state = None;
    study.pruner = PrunerSpec::None;
    study.budget = budget;
    study.strategy = knobs::strategy::StrategySpec::from_name(strategy).unwrap();
    let mut params = study.space.params().to_vec();
    for p in &mut params {
        if p.name == "epochs" {
            p.domain = Domain::Fixed(Value::Int(epochs));
        }
    }
    study.space = knobs::space::Space::new(params).unwrap();
    study
}

fn lesson7(which: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("sessions/lesson7_pruning_{which}.ron"))
}

fn harness_on(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

/// Drive frames (bounded) while the race runs, then finish what is left blocking, so a slow
/// machine never hangs the test.
fn drive_to_the_end(harness: &mut Harness<'static, KnobsApp>) {
    for _ in 0..20_000 {
        if !harness.state().race.is_running() {
            break;
        }
        harness.step();
    }
    harness.state_mut().race.finish_blocking();
    harness.run_steps(2);
}

#[test]
fn a_lane_given_asha_in_its_picker_races_its_strategy_unpruned_and_shows_resource_and_pruned_trials()
 {
    let mut bench = Workbench::new(mlp_study(EPOCHS, BUDGET, "random"));
    bench.workers.jobs = 2;
    bench.view.tab = Tab::Race;
    let mut harness = harness_on(KnobsApp::from_bench(bench));
    harness.run_steps(2);
    // keep random search only, then add a second lane of it and give it ASHA
    harness.get_by_label("sobol").click();
    harness.get_by_label("gp").click();
    harness.run_steps(1);
    harness.get_by_label("Add lane").click();
    harness.run_steps(2);
    assert_eq!(harness.state().race.picked, ["random", "random + median"]);
    harness
        .get(by().role(Role::ComboBox).label("pruner of lane 2"))
        .click();
    harness.run_steps(2);
    harness.get_by_label("asha").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().race.picked,
        [
            Lane::new("random"),
            Lane::pruned("random", PrunerSpec::Asha(AshaSettings::default()))
        ]
    );
    harness.get_by_label("Start race").click();
    harness.run_steps(1);
    drive_to_the_end(&mut harness);

    let race = &harness.state().race;
    for racer in &race.racers {
        assert_eq!(
            racer.state,
            RacerState::Finished(FinishReason::BudgetSpent),
            "{}",
            racer.name
        );
    }
    let ranking = race.ranking();
    let row = |name: &str| ranking.iter().find(|r| r.name == name).unwrap().clone();
    let (full, asha) = (row("random"), row("random + asha"));
    // every unpruned trial trains all its epochs; ASHA stops some after fewer
    assert_eq!(full.pruned, 0);
    assert_eq!(full.resource, BUDGET as u64 * EPOCHS as u64);
    assert!(asha.pruned > 0, "ASHA pruned nothing");
    assert!(asha.resource < full.resource);
    // the same search: the lanes ask the same first point (same strategy and seed)
    assert_eq!(
        race.racers[0].study.trials[0].params,
        race.racers[1].study.trials[0].params
    );
    // the lane summary shows the lane, its resource and its pruned count
    for label in ["random + asha", "resource", "pruned"] {
        assert!(harness.query_all_by_label(label).count() >= 1, "{label}");
    }
    assert!(
        harness
            .query_all_by_label(&full.resource.to_string())
            .count()
            >= 1
    );
    assert!(
        harness
            .query_all_by_label(&asha.resource.to_string())
            .count()
            >= 1
    );
    assert!(harness.query_all_by_label(&asha.pruned.to_string()).count() >= 1);

    // by trial, each lane's curve ends at its last trial; by resource, at what it spent
    let last_x = |race: &Race, name: &str| {
        race.curves()
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.band.last())
            .map(|p| p.trial)
    };
    assert_eq!(last_x(race, "random + asha"), Some(BUDGET));
    assert!(!race.by_resource);
    harness.get_by_label("by resource").click();
    harness.run_steps(2);
    let race = &harness.state().race;
    assert!(race.by_resource);
    assert_eq!(last_x(race, "random + asha"), Some(asha.resource as usize));
    assert_eq!(last_x(race, "random"), Some(full.resource as usize));
    // pruned trials are marked where they stopped, at the resource spent by then
    let marks = race.pruned_marks();
    assert_eq!(marks.len(), asha.pruned);
    assert!(
        marks.iter().all(|&(name, x, _)| {
            name == "random + asha" && x >= 1.0 && x <= asha.resource as f64
        })
    );
}

#[test]
fn a_resource_budget_stops_every_lane_at_the_same_cost() {
    let mut study = mlp_study(EPOCHS, 3, "random");
    study.budget = 3;
    let mut race = Race::new();
    race.picked = vec![
        Lane::new("random"),
        Lane::pruned("random", PrunerSpec::Asha(AshaSettings::default())),
    ];
    race.resource_budget = Some(24);
    assert!(race.start(&study, 2, None));
    race.finish_blocking();
    for racer in &race.racers {
        assert_eq!(racer.state, RacerState::Finished(FinishReason::BudgetSpent));
        let spent = racer.study.resource_used();
        // the trial budget (3) is lifted: resource is what stops a lane; the overshoot is at
        // most the trials already asked when the budget was reached (the runner's window)
        assert!(spent >= 24, "{}: {spent}", racer.name);
        let window = knobs::runner::PRUNING_WINDOW as u64;
        assert!(
            spent < 24 + window * EPOCHS as u64,
            "{}: {spent}",
            racer.name
        );
        assert!(racer.study.trials.len() > 3, "{}", racer.name);
    }
    // the budget is saved with the race
    let back = Race::from_session(race.to_session().unwrap());
    assert_eq!(back.resource_budget, Some(24));
}

const LESSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sessions/lesson7_race_pruners.ron"
);

/// Lesson 7's search, raced in three lanes: no pruner, the lesson's median rule, ASHA.
fn lesson_lanes() -> Vec<Lane> {
    let median = Session::load(&lesson7("median")).unwrap().study.pruner;
    vec![
        Lane::new("tpe"),
        Lane::pruned("tpe", median),
        Lane::pruned("tpe", PrunerSpec::Asha(AshaSettings::default())),
    ]
}

/// Runs lesson 7's race and writes `sessions/lesson7_race_pruners.ron` with the app's own
/// save action. Run it by hand after a change to the MLP, TPE or a pruner:
/// `cargo test --test gui_race_lanes -- --ignored write_lesson7_race`, then update
/// [`LESSON_TEXT`] from what the shipped-lesson test reports.
#[test]
#[ignore]
fn write_lesson7_race() {
    let mut study = mlp_study(20, 30, "tpe");
    study.name = "Lesson 7c: a race of pruners".into();
    study.description = LESSON_TEXT.into();
    study.description_zh = LESSON_TEXT_ZH.into();
    study.seed = 0;
    let mut bench = Workbench::new(study.clone());
    bench.workers.jobs = 2;
    bench.view.tab = Tab::Race;
    let mut app = KnobsApp::from_bench(bench);
    app.race.picked = lesson_lanes();
    app.race.by_resource = true;
    assert!(app.race.start(&study, 2, None));
    app.race.finish_blocking();
    app.handle(
        Action::SaveAs(Some(Path::new(LESSON).to_owned())),
        &egui::Context::default(),
    );
    assert!(app.bench.error.is_none(), "{:?}", app.bench.error);
}

const LESSON_TEXT: &str = "Lesson {lesson} of {lessons}, the companion race: pruners side by side. Lesson 7's TPE search (seed 0, 30 trials of the built-in neural network on iris, 20 epochs each) runs in three lanes: without a pruner, under the lesson's median rule, and under ASHA with its defaults (the top quarter goes on at epochs 1, 4 and 16). Open the Race tab: the curves are each lane's best accuracy so far against the epochs it has spent ('by resource'; untick it to see them by trial), and crosses mark the pruned trials. The ranking reads: tpe: best 0.9733, 600 epochs, 0 pruned; tpe + median: best 0.9800, 280 epochs, 18 pruned; tpe + asha: best 0.9600, 166 epochs, 26 pruned. The first two lanes are lesson 7's two sessions, trial for trial. What to look for: the median lane reaches a better accuracy than the full search for under half its epochs. ASHA spends fewer still but stops too much: 26 of the 30 trials, most after one epoch, when a network's accuracy says little, and with 30 trials its best stays below the others'. For a comparison at equal cost, tick 'resource budget', set it to 600 and start the race again: every lane then spends 600 epochs, and the pruned lanes spend what they saved on more trials and end higher: tpe: best 0.9733, 30 trials; tpe + median: best 0.9800, 107 trials; tpe + asha: best 0.9867, 127 trials.";
const LESSON_TEXT_ZH: &str = "第 {lesson} 课（共 {lessons} 课），配套竞赛：几种提前停止规则并排比较。第 7 课的 TPE 搜索（种子 0，在 iris 上对内置神经网络做 30 个试验，每个 20 轮）在三条赛道上运行：不用提前停止规则、用本课的中位数规则、用默认设置的 ASHA（在第 1、4、16 轮只让前四分之一继续）。打开“竞赛”标签页：曲线是每条赛道的当前最优准确率随已消耗轮数的变化（“按资源”；取消勾选则按试验显示），叉号标出被提前停止的试验。排名为：tpe：最优 0.9733，600 轮，0 个提前停止；tpe + median：最优 0.9800，280 轮，18 个提前停止；tpe + asha：最优 0.9600，166 轮，26 个提前停止。前两条赛道与第 7 课的两个会话逐个试验相同。要注意的是：中位数赛道用不到一半的轮数就得到比完整搜索更好的准确率。ASHA 用的轮数更少，但停止得太多：30 个试验中停止了 26 个，大多只训练了一轮，而网络在一轮后的准确率说明不了什么，所以在 30 个试验内它的最优值低于其他赛道。要在相同成本下比较，请勾选“资源预算”，设为 600，再次开始竞赛：每条赛道都消耗 600 轮，带提前停止的赛道把省下的轮数用于更多试验，结果也更好：tpe：最优 0.9733，30 个试验；tpe + median：最优 0.9800，107 个试验；tpe + asha：最优 0.9867，127 个试验。";

/// The shipped race reopens finished, its unpruned and median lanes are lesson 7's two
/// searches trial for trial, and the numbers its description states are its own.
#[test]
fn lesson7_race_reopens_finished_and_its_description_holds() {
    let session = Session::load(Path::new(LESSON)).unwrap();
    let numbered = |text: &str| knobs::session::number_lesson(text, Path::new(LESSON));
    assert_eq!(session.study.description, numbered(LESSON_TEXT));
    assert_eq!(session.study.description_zh, numbered(LESSON_TEXT_ZH));
    let race = Race::from_session(session.race.unwrap());
    assert_eq!(race.picked, lesson_lanes());
    assert_eq!(race.picked, ["tpe", "tpe + median", "tpe + asha"]);
    assert!(!race.is_running());
    for r in &race.racers {
        assert_eq!(r.state, RacerState::Finished(FinishReason::BudgetSpent));
        assert_eq!(r.study.trials.len(), 30);
    }
    // the first two lanes are lesson 7's sessions: same trials, same pruned ones
    for (lane, which) in [(0, "none"), (1, "median")] {
        let lesson = Session::load(&lesson7(which)).unwrap().study;
        let raced = &race.racers[lane].study;
        for (a, b) in raced.trials.iter().zip(&lesson.trials) {
            assert_eq!((&a.params, &a.state), (&b.params, &b.state), "{which}");
        }
    }
    let ranking = race.ranking();
    let row = |name: &str| ranking.iter().find(|r| r.name == name).unwrap().clone();
    let numbers: Vec<String> = ["tpe", "tpe + median", "tpe + asha"]
        .iter()
        .map(|name| {
            let r = row(name);
            format!(
                "{name}: best {:.4}, {} epochs, {} pruned",
                r.best.unwrap().mean,
                r.resource,
                r.pruned
            )
        })
        .collect();
    let text = numbers.join("; ");
    assert!(
        LESSON_TEXT.contains(&text),
        "the description should say: {text}"
    );
}

/// What the description says of the race at equal cost holds: run again with a resource
/// budget of 600 epochs, every lane spends them and each lane's best and trials are the ones
/// stated.
#[test]
fn lesson7_race_at_equal_cost_gives_what_its_description_states() {
    let mut race = Race::new();
    race.picked = lesson_lanes();
    race.resource_budget = Some(600);
    assert!(race.start(&mlp_study(20, 30, "tpe"), 2, None));
    race.finish_blocking();
    let ranking = race.ranking();
    let stated: Vec<String> = ["tpe", "tpe + median", "tpe + asha"]
        .iter()
        .map(|name| {
            let row = ranking.iter().find(|r| r.name == *name).unwrap();
            // every lane stops at the budget: none overshoots by a whole trial
            assert!(
                (600..620).contains(&row.resource),
                "{name}: {}",
                row.resource
            );
            format!(
                "{name}: best {:.4}, {} trials",
                row.best.unwrap().mean,
                row.trials
            )
        })
        .collect();
    let text = stated.join("; ");
    assert!(
        LESSON_TEXT.contains(&text),
        "the description should say: {text}"
    );
}

/// The lesson's race drawn against resource with wgpu (saved times, so the frame is the same
/// on every run). Regenerate with `UPDATE_SNAPSHOTS=1` and look at it.
#[test]
fn race_by_resource_snapshot() {
    let session = Session::load(Path::new(LESSON)).unwrap();
    let mut bench = Workbench::new(session.study);
    bench.workers.jobs = 2;
    bench.view.tab = Tab::Race;
    let mut app = KnobsApp::from_bench(bench);
    app.race = Race::from_session(session.race.unwrap());
    app.race.by_resource = true;
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app);
    harness.run_steps(3);
    // Software rasterisers differ by a few anti-aliased pixels between CPUs: allow 0.05%.
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("race_by_resource", &options);
}
