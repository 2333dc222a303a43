//! The advisor on constructed trial sets, one per finding.

use super::*;
use crate::space::{Param, Space, Value};
use crate::study::{Direction, Study, Trial, default_study};

/// A one-parameter study whose trials have `x` at `values` and score `score(x)`.
fn study_1d(
    domain: Domain,
    direction: Direction,
    values: &[f64],
    score: impl Fn(f64) -> f64,
) -> Study {
    let mut study = default_study();
    study.name = "constructed".into();
    study.direction = direction;
    study.space = Space::new(vec![Param::new("x", domain)]).unwrap();
    study.trials = values
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let params = vec![("x".to_owned(), Value::Float(x))];
            let point = study.space.to_unit(&params);
            Trial::complete(i, params, point, score(x))
        })
        .collect();
    study
}

fn log_range(low: f64, high: f64) -> Domain {
    Domain::Float {
        low,
        high,
        log: true,
    }
}

fn lin_range(low: f64, high: f64) -> Domain {
    Domain::Float {
        low,
        high,
        log: false,
    }
}

/// `n` values evenly spread on `domain`'s own scale, both ends included.
fn spread(domain: &Domain, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            domain
                .from_unit(i as f64 / (n - 1) as f64)
                .as_f64()
                .unwrap()
        })
        .collect()
}

/// A study where C in 0.01..1 (log) scores better the larger it is and a strategy pushed 7
/// trials against the upper bound: the C of lesson 8.
fn pressed_study() -> Study {
    let domain = log_range(0.01, 1.0);
    let mut values = spread(&domain, 14);
    values.pop();
    values.extend([0.96, 0.97, 0.975, 0.98, 0.99, 0.995, 1.0]);
    let mut study = study_1d(domain, Direction::Maximize, &values, f64::ln);
    study.space = Space::new(vec![Param::new(
        "C",
        study.space.params()[0].domain.clone(),
    )])
    .unwrap();
    for t in &mut study.trials {
        t.params[0].0 = "C".into();
    }
    study
}

#[test]
fn best_trials_against_the_upper_bound_suggest_extending_it_on_the_log_scale() {
    let study = pressed_study();
    let advice = advise_with(&study, None);
    assert_eq!(advice.trials, 20);
    let f = advice
        .for_param("C")
        .find(|f| f.kind == FindingKind::BestAtBound)
        .expect("a bound finding");
    assert!(
        f.message
            .starts_with("7 of the best 10 trials have C within 2% of the upper bound 1:"),
        "{}",
        f.message
    );
    assert_eq!(f.number("count"), Some(7.0));
    assert_eq!(f.number("of"), Some(10.0));
    // One width (two decades) past the upper bound; the lower end moves in to below the best.
    let Domain::Float { low, high, log } = f.suggested else {
        panic!("{:?}", f.suggested)
    };
    assert!(log);
    assert!((high - 100.0).abs() < 1e-9, "{high}");
    assert!(low > 0.01 && low < 0.3, "{low}");
}

#[test]
fn best_trials_against_the_lower_bound_of_a_linear_range_extend_it_down() {
    let domain = lin_range(2.0, 3.0);
    let mut values = spread(&domain, 12);
    values.extend([2.0, 2.005, 2.01, 2.015]);
    let study = study_1d(domain, Direction::Minimize, &values, |x| x);
    let f = advise_with(&study, None).findings.remove(0);
    assert_eq!(f.kind, FindingKind::BestAtBound);
    assert!(f.message.contains("lower bound 2"), "{}", f.message);
    assert_eq!(f.suggested, lin_range(1.0, 2.373));
}

#[test]
fn a_positive_linear_range_stays_positive_when_extended_down() {
    let domain = lin_range(0.5, 10.0);
    let mut values = spread(&domain, 12);
    values.extend([0.5, 0.55, 0.6, 0.62]);
    let study = study_1d(domain, Direction::Minimize, &values, |x| x);
    let f = advise_with(&study, None).findings.remove(0);
    let Domain::Float { low, .. } = f.suggested else {
        panic!()
    };
    assert!((low - 0.05).abs() < 1e-12, "{low}");
}

#[test]
fn a_gp_whose_optimum_is_on_a_bound_says_so_though_the_trials_are_spread() {
    let domain = lin_range(0.0, 1.0);
    let mut values = spread(&domain, 11);
    values.pop();
    values.push(0.99);
    let study = study_1d(domain, Direction::Maximize, &values, |x| x);
    let advice = advise(&study);
    assert!(
        advice
            .for_param("x")
            .all(|f| f.kind != FindingKind::BestAtBound)
    );
    let f = advice
        .for_param("x")
        .find(|f| f.kind == FindingKind::GpOptimumAtBound)
        .expect("the GP's optimum at the bound");
    assert!(f.number("position").unwrap() >= 1.0 - EDGE_BAND);
    assert!(f.message.contains("upper bound"), "{}", f.message);
}

#[test]
fn a_small_good_region_suggests_narrowing_to_it_with_a_margin() {
    let domain = lin_range(0.0, 10.0);
    let values = spread(&domain, 40);
    let study = study_1d(domain, Direction::Maximize, &values, |x| -(x - 5.0).powi(2));
    let advice = advise_with(&study, None);
    assert_eq!(advice.findings.len(), 1, "{:?}", advice.findings);
    let f = &advice.findings[0];
    assert_eq!(f.kind, FindingKind::NarrowRegion);
    let (lo, hi) = (f.number("low").unwrap(), f.number("high").unwrap());
    assert!(lo > 3.5 && lo < 5.0 && hi > 5.0 && hi < 6.5, "{lo} {hi}");
    let Domain::Float { low, high, log } = f.suggested else {
        panic!()
    };
    assert!(
        !log && low < lo && high > hi && high - low < 5.0,
        "{low} {high}"
    );
}

#[test]
fn a_linear_range_over_decades_with_the_best_at_its_bottom_suggests_log() {
    let domain = lin_range(0.001, 100.0);
    let mut values = spread(&domain, 30);
    values.extend(spread(&log_range(0.001, 1.0), 10));
    // Minimised: the loss is the distance from 0.01 in decades.
    let study = study_1d(domain, Direction::Minimize, &values, |x| {
        (x.log10() + 2.0).abs()
    });
    let advice = advise_with(&study, None);
    assert_eq!(advice.findings.len(), 1, "{:?}", advice.findings);
    let f = &advice.findings[0];
    assert_eq!(f.kind, FindingKind::TryLog);
    assert_eq!(f.suggested, log_range(0.001, 100.0));
    assert_eq!(f.number("decades"), Some(5.0));
}

#[test]
fn a_log_range_wasting_its_lower_decades_suggests_linear() {
    let domain = log_range(0.01, 100.0);
    let values = spread(&domain, 40);
    let study = study_1d(domain, Direction::Maximize, &values, |x| {
        -(x - 60.0).powi(2)
    });
    let advice = advise_with(&study, None);
    assert_eq!(advice.findings.len(), 1, "{:?}", advice.findings);
    let f = &advice.findings[0];
    assert_eq!(f.kind, FindingKind::TryLinear);
    assert_eq!(f.suggested, lin_range(0.01, 100.0));
    assert!(f.number("share").unwrap() >= WASTED_SHARE);
}

#[test]
fn too_few_trials_give_no_advice() {
    let study = study_1d(log_range(0.01, 1.0), Direction::Maximize, &[1.0; 7], |x| x);
    assert!(advise(&study).is_empty());
}

#[test]
fn a_well_placed_range_gives_no_advice() {
    let domain = lin_range(0.0, 10.0);
    let values = spread(&domain, 15);
    let study = study_1d(domain, Direction::Maximize, &values, |x| -(x - 5.0).powi(2));
    assert!(advise_with(&study, None).is_empty());
}

#[test]
fn the_advised_study_carries_over_exactly_the_trials_inside_the_new_range() {
    let study = pressed_study();
    let advice = advise_with(&study, None);
    let advised = study.from_advice(&advice.findings).unwrap();
    let Domain::Float { low, high, .. } = advised.space.params()[0].domain else {
        panic!()
    };
    let inside: Vec<&Trial> = study
        .trials
        .iter()
        .filter(|t| {
            let c = t.params[0].1.as_f64().unwrap();
            c >= low && c <= high
        })
        .collect();
    assert!(inside.len() < study.trials.len() && inside.len() >= 10);
    assert_eq!(advised.trials.len(), inside.len());
    for (i, (new, old)) in advised.trials.iter().zip(&inside).enumerate() {
        assert_eq!(new.number, i);
        assert_eq!(new.params, old.params);
        assert_eq!(new.value, old.value);
        assert_eq!(new.point, advised.space.to_unit(&new.params));
        assert!(
            new.point[0] >= 0.0 && new.point[0] <= 0.5,
            "{:?}",
            new.point
        );
    }
    assert_eq!(advised.budget, inside.len() + study.budget);
    assert!(advised.name.ends_with("(advised)"));
    advised.validate().unwrap();
}

#[test]
fn following_no_findings_is_an_error() {
    assert!(matches!(
        pressed_study().from_advice(&[]),
        Err(AdviceError::NoFindings)
    ));
}

#[test]
fn the_json_summary_and_text_report_list_the_findings() {
    let study = pressed_study();
    let summary = crate::report::Summary::of(&study, 0.0, 0.0);
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
    let first = &json["advice"][0];
    assert_eq!(first["param"], "C");
    assert_eq!(first["kind"], "best_at_bound");
    assert_eq!(first["numbers"]["count"], 7.0);
    assert!(first["suggested"].as_str().unwrap().ends_with("..100:log"));
    let text = summary.to_text(&study);
    assert!(
        text.contains(
            "\nadvice on C: 7 of the best 10 trials have C within 2% of the upper bound 1"
        ),
        "{text}"
    );
}

mod adaptive_rule {
    use super::*;
    use crate::advisor::adaptive::{AdaptiveRule, apply, decide};

    /// 12 trials on 1..10 (linear) where smaller x is better, three of them at the lower
    /// bound: the best five include those three.
    fn pressed_low() -> Study {
        let mut values = spread(&lin_range(1.0, 10.0), 9);
        values.extend([1.0, 1.1, 1.2]);
        let mut study = study_1d(lin_range(1.0, 10.0), Direction::Minimize, &values, |x| x);
        study.adaptive.rule = Some(AdaptiveRule::default());
        study
    }

    #[test]
    fn the_rule_fires_only_at_its_check_points_and_reads_only_told_trials() {
        let study = pressed_low();
        // 10 told: the three low trials (numbers 9..11) are not told yet.
        assert!(decide(&study, 10, 12).is_none());
        // Not a check point (10, 15, 20, ...).
        assert!(decide(&study, 12, 12).is_none());
        let mut off = study.clone();
        off.adaptive.rule = None;
        assert!(decide(&off, 15, 15).is_none());
    }

    #[test]
    fn a_pressed_lower_bound_of_a_positive_range_widens_and_stays_positive() {
        let mut study = pressed_low();
        study.trials.extend((12..15).map(|i| {
            let params = vec![("x".to_owned(), Value::Float(1.0))];
            let point = study.space.to_unit(&params);
            Trial::complete(i, params, point, 1.0)
        }));
        let (space, change) = decide(&study, 15, 17).expect("a widening");
        assert_eq!(change.trial, 17);
        assert_eq!(change.told, 15);
        // One width below 1 would be -8: a positive parameter stops at a tenth instead.
        assert_eq!(space.params()[0].domain, lin_range(0.1, 10.0));
        assert!(change.reason.contains("lower bound 1"), "{}", change.reason);
        apply(&mut study, space.clone(), change);
        assert_eq!(study.space, space);
        assert_eq!(study.adaptive.changes.len(), 1);
        for t in &study.trials {
            assert_eq!(t.point, space.to_unit(&t.params));
        }
    }
}
