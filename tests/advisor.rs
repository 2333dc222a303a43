//! Lesson 8: the range advisor finds that SVC's best C lies above the starting range, and the
//! study it suggests carries the right trials and finds a better C.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use knobs::advisor::{FindingKind, advise};
use knobs::session::Session;
use std::sync::Arc;

fn lesson8() -> knobs::study::Study {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sessions/lesson8_range_advisor.ron"
    );
    Session::load(std::path::Path::new(path)).unwrap().study
}

fn run(study: knobs::study::Study) -> knobs::study::Study {
    let objective = Arc::from(study.objective.build().unwrap());
    knobs::runner::run_to_end(study, objective, 2).unwrap().0
}

#[test]
fn lesson8_advisor_finds_the_best_c_above_the_range_and_the_new_study_goes_there() {
    let lesson = lesson8();
    assert!(lesson.description.starts_with("Lesson 8 of "));
    let done = run(lesson);
    let advice = advise(&done);
    let first = advice.for_param("C").next().expect("advice on C");
    assert_eq!(first.kind, FindingKind::BestAtBound, "{}", first.message);
    assert_eq!(first.number("bound"), Some(1.0));
    assert!(
        first
            .message
            .contains("of the best 10 trials have C within 2% of the upper bound 1"),
        "{}",
        first.message
    );
    assert!(advice.for_param("gamma").next().is_none());
    let knobs::space::Domain::Float { low, high, log } = first.suggested else {
        panic!("{:?}", first.suggested)
    };
    assert!(log && (high - 100.0).abs() < 1e-9 && low > 0.01 && low < 1.0);

    let advised = done.from_advice(&advice.findings).unwrap();
    let inside: Vec<_> = done
        .trials
        .iter()
        .filter(|t| {
            let c = t.params[0].1.as_f64().unwrap();
            c >= low && c <= high
        })
        .collect();
    assert!(!inside.is_empty() && inside.len() < done.trials.len());
    assert_eq!(advised.trials.len(), inside.len());
    for (new, old) in advised.trials.iter().zip(&inside) {
        assert_eq!((&new.params, new.value), (&old.params, old.value));
    }
    // The strategy is taught the carried trials, then asks ten more over the new range.
    let mut advised = advised;
    advised.budget = advised.trials.len() + 10;
    let carried = advised.trials.len();
    let better = run(advised);
    let best = better.best_trial().unwrap();
    let old_best = done.best_trial().unwrap().value.unwrap();
    assert!(best.number >= carried, "the best trial is a new one");
    assert!(
        best.value.unwrap() > old_best + 0.02,
        "{best:?} vs {old_best}"
    );
    assert!(best.params[0].1.as_f64().unwrap() > 1.0);
}

/// Lesson 8 with adaptive ranges on and a longer budget, run with `jobs` workers.
fn adaptive_lesson8(jobs: usize) -> knobs::study::Study {
    let mut study = lesson8();
    study.budget = 30;
    study.adaptive.rule = Some(knobs::advisor::adaptive::AdaptiveRule::default());
    let objective = Arc::from(study.objective.build().unwrap());
    knobs::runner::run_to_end(study, objective, jobs).unwrap().0
}

#[test]
fn adaptive_ranges_widen_c_past_the_lesson8_range_and_find_a_c_above_one() {
    let done = adaptive_lesson8(2);
    let changes = &done.adaptive.changes;
    assert!(!changes.is_empty(), "no widening");
    let first = &changes[0];
    assert_eq!(first.param, "C");
    assert_eq!(
        first.from,
        knobs::space::Domain::Float {
            low: 0.01,
            high: 1.0,
            log: true
        }
    );
    let knobs::space::Domain::Float { high, .. } = first.to else {
        panic!("{:?}", first.to)
    };
    assert!((high - 100.0).abs() < 1e-9, "{:?}", first.to);
    assert!(first.trial >= first.told && first.told >= 10);
    // The study ends on the widened space, every trial's point on it.
    let knobs::space::Domain::Float { high: last, .. } = done.space.params()[0].domain else {
        panic!()
    };
    assert_eq!(
        last,
        match changes.last().unwrap().to {
            knobs::space::Domain::Float { high, .. } => high,
            _ => panic!(),
        }
    );
    for t in &done.trials {
        let again = done.space.to_unit(&t.params);
        assert!(
            t.point
                .iter()
                .zip(&again)
                .all(|(a, b)| (a - b).abs() < 1e-9),
            "{t:?}"
        );
    }
    let best = done.best_trial().unwrap();
    assert!(best.params[0].1.as_f64().unwrap() > 1.0, "{best:?}");
    assert!(
        done.trials
            .iter()
            .filter(|t| t.number < first.trial)
            .all(|t| t.params[0].1.as_f64().unwrap() <= 1.0)
    );
    // Saved and loaded, the record survives.
    let text = ron::to_string(&Session::new(done.clone())).unwrap();
    let back: Session = ron::from_str(&text).unwrap();
    assert_eq!(back.study.adaptive, done.adaptive);
}

#[test]
fn adaptive_ranges_give_the_same_trials_with_one_job_and_with_two() {
    let one = adaptive_lesson8(1);
    let two = adaptive_lesson8(2);
    assert_eq!(one.adaptive, two.adaptive);
    assert_eq!(one.space, two.space);
    let strip = |s: &knobs::study::Study| -> Vec<_> {
        s.trials
            .iter()
            .map(|t| (t.params.clone(), t.value, t.point.clone()))
            .collect()
    };
    assert_eq!(strip(&one), strip(&two));
}

#[test]
fn the_cli_says_each_adaptive_widening_and_lists_them_in_the_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("lesson8.ron");
    let saved = dir.path().join("done.ron");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sessions/lesson8_range_advisor.ron"
        ),
        &session,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_knobs"))
        .arg("run")
        .arg(&session)
        .args([
            "--budget",
            "30",
            "--adaptive",
            "--json",
            "--jobs",
            "2",
            "--save",
        ])
        .arg(&saved)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("adaptive range from trial ") && stderr.contains("C 0.01..1:log -> "),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let changes = json["range_changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "{json}");
    assert_eq!(changes[0]["param"], "C");
    assert!(changes[0]["trial"].as_u64().unwrap() >= 10);
    // The session keeps the rule and the record.
    let saved = Session::load(&saved).unwrap().study;
    assert!(saved.adaptive.rule.is_some());
    assert_eq!(saved.adaptive.changes.len(), changes.len());
    // So does the journal written beside it: a recovery reads the widened space.
    let journal = knobs::storage::journal::read(&dir.path().join("done.journal")).unwrap();
    assert_eq!(journal.study.space, saved.space);
    assert_eq!(journal.study.adaptive, saved.adaptive);
    assert_eq!(journal.study.trials.len(), saved.trials.len());
}
