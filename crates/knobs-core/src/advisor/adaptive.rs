//! Adaptive ranges: during a run, a bound the incumbent keeps hitting is widened, so a range
//! guessed too small is corrected without a person reading the advice.
//!
//! The rule ([`AdaptiveRule`], its defaults in brackets): after `startup` [10] told trials and
//! then every `every` [5] told trials, look at the best `top` [5] of the told trials that
//! completed; if at least `hits` [3] of them sit within `band` [5%] of one bound of a numeric
//! parameter (on the parameter's scale: the logarithm for a log range), move that bound
//! outward by `factor` [1] widths of the range on that scale (0.01..1 on a log scale becomes
//! 0.01..100), at most `max_widenings` [3] times per parameter. When both bounds qualify the
//! one with more hits moves (the upper on a tie). The lower bound of a positive parameter
//! stays positive (below zero a linear extension stops at a tenth of the old bound).
//!
//! The rule reads only the trials told so far (numbers below the told count), and the runner
//! applies it on its schedule, right after a tell: the decision never depends on which
//! results happened to arrive early, so a seed gives the same widenings whatever `--jobs`.

use super::Scale;
use crate::space::{Domain, Param, Space};
use crate::study::{Study, Trial};
use serde::{Deserialize, Serialize};

/// The adaptive-range rule (see the module docs); [`AdaptiveRule::default`] is what
/// `--adaptive` turns on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdaptiveRule {
    /// Told trials before the first check: fewer cannot tell a trend from the start-up's
    /// scatter.
    pub(crate) startup: usize,
    /// Told trials between two checks, so a widening is judged on trials asked after it.
    pub every: usize,
    /// How many of the best told trials are looked at.
    pub top: usize,
    /// How many of them must sit at one bound.
    pub(crate) hits: usize,
    /// "At a bound": within this share of the range's width on its scale.
    pub band: f64,
    /// How far a bound moves, in widths of the range on its scale.
    pub(crate) factor: f64,
    /// At most this many widenings per parameter, so a trend that never turns (a score
    /// that improves forever towards C → ∞) cannot grow a range without end.
    pub(crate) max_widenings: usize,
}

impl Default for AdaptiveRule {
    fn default() -> Self {
        AdaptiveRule {
            startup: 10,
            every: 5,
            top: 5,
            hits: 3,
            band: 0.05,
            factor: 1.0,
            max_widenings: 3,
        }
    }
}

/// One widening the rule made: which parameter, from what range to what, and where in the
/// run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RangeChange {
    /// The parameter widened.
    pub param: String,
    /// Its range before.
    pub from: Domain,
    /// Its range after.
    pub to: Domain,
    /// The first trial asked on the new range (trials before it were asked on the old one).
    pub trial: usize,
    /// How many trials had been told when the rule fired.
    pub told: usize,
    /// The evidence, in a sentence.
    pub reason: String,
}

/// A study's adaptive mode: the rule when it is on, and the widenings made so far. Saved
/// with the study (session and journal definition).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Adaptive {
    /// The rule, when adaptive ranges are on (off by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<AdaptiveRule>,
    /// Every widening so far, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RangeChange>,
}

impl Adaptive {
    /// Whether there is nothing to save (off, and nothing widened).
    pub(crate) fn is_off(&self) -> bool {
        self.rule.is_none() && self.changes.is_empty()
    }

    /// The widening whose first trial is `number`, if any (for the trial table's marker).
    pub fn change_at(&self, number: usize) -> impl Iterator<Item = &RangeChange> {
        self.changes.iter().filter(move |c| c.trial == number)
    }
}

/// What the rule decides once `told` trials are told: the widened space and the change, or
/// `None` (not a check point, or no bound hit often enough). `next_trial` is the first trial
/// number the new range will be asked for.
pub(crate) fn decide(
    study: &Study,
    told: usize,
    next_trial: usize,
) -> Option<(Space, RangeChange)> {
    let rule = study.adaptive.rule.as_ref()?;
    if told < rule.startup.max(1) || !(told - rule.startup).is_multiple_of(rule.every.max(1)) {
        return None;
    }
    let mut best: Vec<&Trial> = study
        .trials
        .iter()
        .filter(|t| t.number < told && t.completed_value().is_some())
        .collect();
    best.sort_by(|a, b| {
        let loss = |t: &Trial| {
            study
                .direction
                .to_loss(t.completed_value().unwrap_or(f64::NAN))
        };
        loss(a).total_cmp(&loss(b)).then(a.number.cmp(&b.number))
    });
    best.truncate(rule.top);
    if best.len() < rule.hits.max(1) {
        return None;
    }
    for param in study.space.params() {
        let done = study
            .adaptive
            .changes
            .iter()
            .filter(|c| c.param == param.name)
            .count();
        if done >= rule.max_widenings || !param.domain.is_free() {
            continue;
        }
        if let Some((domain, reason)) = widened(rule, param, &best) {
            let params: Vec<Param> = study
                .space
                .params()
                .iter()
                .map(|p| {
                    if p.name == param.name {
                        Param::new(p.name.clone(), domain.clone())
                    } else {
                        p.clone()
                    }
                })
                .collect();
            let space = Space::new(params).ok()?;
            let change = RangeChange {
                param: param.name.clone(),
                from: param.domain.clone(),
                to: domain,
                trial: next_trial,
                told,
                reason,
            };
            return Some((space, change));
        }
    }
    None
}

/// The parameter's widened range and the reason, when enough of `best` sit at a bound.
fn widened(rule: &AdaptiveRule, param: &Param, best: &[&Trial]) -> Option<(Domain, String)> {
    let scale = Scale::of(&param.domain)?;
    let positions: Vec<f64> = best
        .iter()
        .filter_map(|t| super::param_value(t, &param.name))
        .map(|x| scale.position(x))
        .collect();
    let high = positions.iter().filter(|&&p| p >= 1.0 - rule.band).count();
    let low = positions.iter().filter(|&&p| p <= rule.band).count();
    let (upper, count) = if high >= low {
        (true, high)
    } else {
        (false, low)
    };
    if count < rule.hits.max(1) {
        return None;
    }
    let domain = if upper {
        scale.domain(0.0, 1.0 + rule.factor, scale.log)
    } else {
        scale.domain(-rule.factor, 1.0, scale.log)
    };
    // Keep the untouched bound exactly (the scale's rounding must not move it).
    let domain = match (domain, &param.domain) {
        (
            Domain::Float { low, high, log },
            Domain::Float {
                low: l0, high: h0, ..
            },
        ) => {
            if upper {
                Domain::Float {
                    low: *l0,
                    high,
                    log,
                }
            } else {
                Domain::Float {
                    low,
                    high: *h0,
                    log,
                }
            }
        }
        (d, _) => d,
    };
    if domain == param.domain {
        return None;
    }
    let reason = format!(
        "{count} of the best {} trials have {} within {}% of the {} bound {}: widened to {}",
        positions.len(),
        param.name,
        rule.band * 100.0,
        if upper { "upper" } else { "lower" },
        super::format_number(if upper { scale.high } else { scale.low }),
        domain.describe()
    );
    Some((domain, reason))
}

/// The study on a widened space: every trial's point recomputed from its values (they all
/// lie inside the wider range), the change recorded.
pub fn apply(study: &mut Study, space: Space, change: RangeChange) {
    for t in &mut study.trials {
        if !t.params.is_empty() {
            t.point = space.to_unit(&t.params);
        }
    }
    study.space = space;
    study.adaptive.changes.push(change);
}
