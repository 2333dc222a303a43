//! Lesson 7, pruning: the same TPE search of the built-in MLP on iris, once with every trial
//! trained to the end and once under the median pruner. The shipped sessions
//! (`sessions/lesson7_pruning_*.ron`) state the measured numbers; the test here runs both
//! searches again and checks that they give the very trials stored and that the numbers in
//! the descriptions are theirs.
#![allow(clippy::unwrap_used)]

use knobs::objective::{DatasetSource, FoldSpec, ObjectiveSpec};
use knobs::pruner::{MedianSettings, PrunerSpec};
use knobs::session::Session;
use knobs::space::{Domain, Space, Value};
use knobs::study::{Direction, Study};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Epochs every trial trains for when nobody stops it.
const EPOCHS: i64 = 20;
/// Trials in each search.
const BUDGET: usize = 30;

fn path(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("sessions/lesson7_pruning_{which}.ron"))
}

/// The search both sessions run: TPE on the MLP's default space (learning rate, batch size,
/// hidden units and layers, weight decay) with the epochs fixed, iris's reference folds.
fn search(pruner: PrunerSpec) -> Study {
    let mut study = knobs::study::default_study();
    study.objective = ObjectiveSpec::Model {
        dataset: DatasetSource::Bundled("iris".into()),
        target: None,
        task: None,
        model: knobs::models::ModelSpec::Mlp,
        metric: None,
        folds: FoldSpec::Bundled("iris".into()),
        data: Default::default(),
        robust: None,
    };
    let mut params = knobs::models::ModelSpec::Mlp
        .default_space()
        .params()
        .to_vec();
    for p in &mut params {
        if p.name == "epochs" {
            p.domain = Domain::Fixed(Value::Int(EPOCHS));
        }
    }
    study.space = Space::new(params).unwrap();
    study.direction = Direction::Maximize;
    study.strategy = knobs::strategy::StrategySpec::from_name("tpe").unwrap();
    study.seed = 0;
    study.budget = BUDGET;
    study.pruner = pruner;
    study
}

/// The median rule of the lesson: Optuna's defaults but for two warm-up epochs (a network's
/// first epochs say little).
fn median() -> PrunerSpec {
    PrunerSpec::Median(MedianSettings {
        n_warmup_steps: 2,
        ..MedianSettings::default()
    })
}

fn run(study: Study) -> Study {
    let objective = Arc::from(study.objective.build().unwrap());
    knobs::runner::run_to_end(study, objective, 2).unwrap().0
}

/// What the descriptions state: each search's best accuracy and epochs, the pruned trials,
/// and the share of the epochs the pruned search spent.
struct Numbers {
    best_full: f64,
    best_pruned: f64,
    epochs_full: u64,
    epochs_pruned: u64,
    pruned: usize,
    percent: u64,
}

impl Numbers {
    fn of(full: &Study, pruned: &Study) -> Self {
        let best = |s: &Study| s.best_trial().and_then(|t| t.value).unwrap();
        let (epochs_full, epochs_pruned) = (full.resource_used(), pruned.resource_used());
        Numbers {
            best_full: best(full),
            best_pruned: best(pruned),
            epochs_full,
            epochs_pruned,
            pruned: pruned.pruned(),
            percent: (100.0 * epochs_pruned as f64 / epochs_full as f64).round() as u64,
        }
    }

    /// The sentences with the numbers, as the descriptions carry them.
    fn facts(&self) -> [String; 3] {
        [
            format!(
                "every trial trained its {EPOCHS} epochs: {} epochs in all, best accuracy {:.4}",
                self.epochs_full, self.best_full
            ),
            format!(
                "the median pruner stopped {} of the {BUDGET} trials: {} epochs in all, {}% of the full search's, best accuracy {:.4}",
                self.pruned, self.epochs_pruned, self.percent, self.best_pruned
            ),
            format!(
                "每个试验都训练满 {EPOCHS} 轮：共 {} 轮，最优准确率 {:.4}",
                self.epochs_full, self.best_full
            ),
        ]
    }
}

fn description(numbers: &Numbers, this: &str) -> (String, String) {
    let [full, pruned, full_zh] = numbers.facts();
    let english = format!(
        "Lesson {{lesson}} of {{lessons}}, two sessions: pruning. The same TPE search (seed 0, {BUDGET} trials) tunes the built-in neural network (mlp: learning rate, batch size, hidden units and layers, weight decay) on iris with its reference folds; each trial reports its validation accuracy after every epoch. Without a pruner {full}. With one, {pruned}. {this} Open the Learning curves tab: the pruned trials' curves are dimmed and end in a cross at the epoch they stopped, below the median of the finished trials at that epoch. Then tick 'by resource' in the Convergence tab of both sessions: the pruned search reaches at least the same best accuracy for under half the epochs. In step mode, a step whose trial is pruned says why: the trial's best so far and the median it fell below."
    );
    let chinese = format!(
        "第 {{lesson}} 课（共 {{lessons}} 课），两个会话：提前停止。同一个 TPE 搜索（种子 0，{BUDGET} 个试验）在 iris 上调节内置的神经网络（mlp：学习率、批大小、隐藏单元数和层数、权重衰减）；每个试验在每一轮之后报告验证准确率。不用提前停止规则时，{full_zh}。用中位数规则时，{} 个试验被提前停止，共 {} 轮，为完整搜索的 {}%，最优准确率 {:.4}。打开“学习曲线”标签页：被提前停止的试验曲线变暗，并在停止的那一轮以叉号结束。",
        numbers.pruned, numbers.epochs_pruned, numbers.percent, numbers.best_pruned
    );
    (english, chinese)
}

/// Runs both searches and writes the two lesson sessions with their measured numbers. Run it
/// by hand after a change to the MLP, TPE or the pruner:
/// `cargo test --test lesson7 -- --ignored write_lesson7`.
#[test]
#[ignore]
fn write_lesson7() {
    let full = run(search(PrunerSpec::None));
    let pruned = run(search(median()));
    let numbers = Numbers::of(&full, &pruned);
    for (mut study, which, name, this) in [
        (
            full,
            "none",
            "Lesson 7a: an MLP on iris, every trial to the end",
            "This session is the search without a pruner; its twin lesson7_pruning_median is the one with.",
        ),
        (
            pruned,
            "median",
            "Lesson 7b: the same search under the median pruner",
            "This session is the search with the median pruner; its twin lesson7_pruning_none is the one without.",
        ),
    ] {
        let (english, chinese) = description(&numbers, this);
        study.name = name.into();
        study.description = english;
        study.description_zh = chinese;
        for t in &mut study.trials {
            t.duration = 0.0;
            t.started_at = 0.0;
            t.fit_seconds = None;
            t.resources = None;
        }
        Session::new(study).save(&path(which)).unwrap();
    }
    println!(
        "full: best {:.4}, {} epochs; pruned: best {:.4}, {} epochs ({}%), {} pruned",
        numbers.best_full,
        numbers.epochs_full,
        numbers.best_pruned,
        numbers.epochs_pruned,
        numbers.percent,
        numbers.pruned
    );
}

#[test]
fn lesson7_the_pruned_search_reaches_the_same_best_for_a_fraction_of_the_epochs() {
    let full = Session::load(&path("none")).unwrap().study;
    let pruned = Session::load(&path("median")).unwrap().study;
    assert_eq!(full.pruner, PrunerSpec::None);
    assert_eq!(pruned.pruner, median());
    // The stored trials are what the searches give today (same seed, same trials).
    let again_full = run(search(PrunerSpec::None));
    let again_pruned = run(search(median()));
    for (stored, again) in [(&full, &again_full), (&pruned, &again_pruned)] {
        let states = |s: &Study| -> Vec<_> {
            s.trials
                .iter()
                .map(|t| (t.number, t.state.clone(), t.value, t.intermediate.clone()))
                .collect()
        };
        assert_eq!(states(stored), states(again), "{}", stored.name);
    }
    let numbers = Numbers::of(&again_full, &again_pruned);
    assert!(
        numbers.best_pruned >= numbers.best_full,
        "{} < {}",
        numbers.best_pruned,
        numbers.best_full
    );
    assert!(numbers.percent < 50, "{}% of the epochs", numbers.percent);
    assert!(numbers.pruned >= BUDGET / 3, "{} pruned", numbers.pruned);
    let [full_fact, pruned_fact, zh_fact] = numbers.facts();
    for study in [&full, &pruned] {
        for fact in [&full_fact, &pruned_fact] {
            assert!(
                study.description.contains(fact.as_str()),
                "{}: {fact}",
                study.name
            );
        }
        assert!(
            study.description_zh.contains(zh_fact.as_str()),
            "{}",
            study.name
        );
    }
}
