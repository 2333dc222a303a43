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
