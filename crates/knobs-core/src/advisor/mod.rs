//! The range advisor: reads a study's trials (and the GP fitted to them) and says, for every
//! numeric parameter, whether its range was guessed well, with the evidence and a new range.
//!
//! People guess ranges by hand, and no common tool tells them when the guess was wrong: the
//! best trials pressed against a bound, a good region that is a sliver of the range, a linear
//! range over several decades, a log range spending half its draws where nothing is good.
//! Every figure is measured on the parameter's own scale (the logarithm for a log range), the
//! scale the strategies search on, so "within 2% of the upper bound" means the same share of
//! the search on a log range and on a linear one.
//!
//! Thresholds (each a constant below, with its reason):
//! - the *best trials* are the best `TOP_MIN` or the best `TOP_SHARE` of the completed
//!   trials, whichever is more, but never more than half of them, and nothing is said before
//!   [`MIN_TRIALS`] completed trials;
//! - a trial is *at a bound* within `EDGE_BAND` of the range's width on its scale; the best
//!   trials are *pressed* against it when at least `PRESSED_SHARE` of them (and at least
//!   `PRESSED_MIN`) are there;
//! - the GP's optimum (the lowest posterior mean, searched by coordinate sweeps from the best
//!   trials) counts as on a bound within the same band;
//! - the *good region* is narrow when the best trials span at most `NARROW_SPAN` of the range
//!   and there are at least `NARROW_MIN_TRIALS` completed trials;
//! - a linear range over at least `DECADES_FOR_LOG` decades is better searched in log when
//!   most of the best trials (`PRESSED_SHARE`) sit in its lowest tenth;
//! - a log range wastes its trials when at least `WASTED_SHARE` of them fall below its top
//!   decade and none of the best trials do.
//!
//! Suggested ranges: a pressed bound moves outward by one width of the range on its scale
//! (0.01..1 on a log scale becomes ..100) and the other end moves in to just below the best
//! trials; a narrow region is kept with a margin of half its span on each side. See
//! [`Study::from_advice`] for the study that follows the advice.

use crate::gp::surrogate::Surrogate;
use crate::space::{Domain, Param, Space, SpaceError, Value};
use crate::study::{Study, Trial};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub mod adaptive;
mod adopt;
#[cfg(test)]
mod tests;

/// Completed trials before the advisor says anything: fewer cannot tell a trend from noise.
pub const MIN_TRIALS: usize = 8;
/// The best trials are at least this many (the "best 10" a person would look at)...
pub(crate) const TOP_MIN: usize = 10;
/// ...or this share of the completed trials when that is more, so a long study's advice
/// rests on more than its ten luckiest trials.
pub(crate) const TOP_SHARE: f64 = 0.2;
/// "At a bound": within this share of the range's width (on the parameter's scale). Two per
/// cent is close enough that a strategy pushing there is pushing against the wall, and wide
/// enough that a GP's proposals, which rarely land exactly on it, are counted.
pub(crate) const EDGE_BAND: f64 = 0.02;
/// The share of the best trials at one bound that makes it pressed: at 30% the bound holds
/// far more of the best trials than its 2% of the range would by chance.
pub(crate) const PRESSED_SHARE: f64 = 0.3;
/// And at least this many trials, so two lucky points do not move a range.
pub(crate) const PRESSED_MIN: usize = 3;
/// The best trials' span below which the good region is called narrow: a quarter of the
/// range means three quarters of the draws land where nothing good was found.
pub(crate) const NARROW_SPAN: f64 = 0.25;
/// Completed trials before a narrow region is believed (a few best trials are always close).
pub(crate) const NARROW_MIN_TRIALS: usize = 20;
/// A linear range this many decades wide (high / low ≥ 10^this) is a candidate for log:
/// over two decades a linear range gives the lowest decade under 10% of its draws.
pub(crate) const DECADES_FOR_LOG: f64 = 2.0;
/// The share of a log range's trials below its top decade (with none of the best there) that
/// makes the log scale wasteful: half the budget spent where nothing is good.
pub(crate) const WASTED_SHARE: f64 = 0.5;

/// What the advisor noticed about one parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FindingKind {
    /// The best trials sit at a bound: the optimum may lie beyond it.
    BestAtBound,
    /// The GP's optimum sits at a bound (it extrapolates the trend past the range).
    GpOptimumAtBound,
    /// The best trials fill a small part of the range: narrowing it spends fewer trials.
    NarrowRegion,
    /// A linear range over decades with the best trials at its bottom: search it in log.
    TryLog,
    /// A log range spending half its trials below its top decade where nothing is good.
    TryLinear,
}

impl FindingKind {
    /// A short name for tables and JSON (`best_at_bound`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::BestAtBound => "best_at_bound",
            FindingKind::GpOptimumAtBound => "gp_optimum_at_bound",
            FindingKind::NarrowRegion => "narrow_region",
            FindingKind::TryLog => "try_log",
            FindingKind::TryLinear => "try_linear",
        }
    }
}

/// One piece of advice about one parameter: what, the evidence in words and in numbers, and
/// the range that follows from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The parameter it is about.
    pub param: String,
    /// What was noticed.
    pub kind: FindingKind,
    /// The evidence in a sentence ("7 of the best 10 trials have C within 2% of the upper
    /// bound 1").
    pub message: String,
    /// The figures behind the message, by name (`count`, `of`, `bound`, ...), for JSON and
    /// tests.
    pub numbers: Vec<(String, f64)>,
    /// The range the advisor suggests instead.
    pub suggested: Domain,
}

impl Finding {
    /// A named figure of the evidence.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.numbers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }
}

/// Everything the advisor says about a study.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    /// Findings in the space's parameter order, at most one range per parameter (the first
    /// finding of a parameter carries the range [`Study::from_advice`] uses).
    pub findings: Vec<Finding>,
    /// How many completed trials the advice rests on.
    pub trials: usize,
}

impl Advice {
    /// The findings about one parameter (for the slider it is drawn beside).
    pub fn for_param<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.param == name)
    }

    /// Whether there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Why advice could not be turned into a study.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AdviceError {
    /// The advice names a parameter the study does not have (advice for another study).
    #[error("the advice is about parameter `{0}`, which the study does not have")]
    UnknownParam(String),
    /// The suggested range is not a valid range.
    #[error("the suggested range is invalid: {0}")]
    Space(#[from] SpaceError),
    /// There is nothing to change.
    #[error("the advisor has no finding to follow")]
    NoFindings,
}

/// Advise on a study: fit the GP to its trials (this takes a while on a long study: call it on
/// a worker, never in a frame) and read every numeric parameter.
pub fn advise(study: &Study) -> Advice {
    let surrogate = Surrogate::fit(study);
    advise_with(study, surrogate.as_ref())
}

/// Advise with a GP already fitted (or none): what [`advise`] does after fitting.
pub(crate) fn advise_with(study: &Study, surrogate: Option<&Surrogate>) -> Advice {
    let ranked = ranked_trials(study);
    let n = ranked.len();
    let mut advice = Advice {
        findings: Vec::new(),
        trials: n,
    };
    if n < MIN_TRIALS {
        return advice;
    }
    let k = top_count(n);
    let optimum = surrogate.and_then(|s| gp_optimum(s, study, &ranked));
    let mut coord = 0;
    for param in study.space.params() {
        if !param.domain.is_free() {
            continue;
        }
        let at = coord;
        coord += 1;
        let Some(scale) = Scale::of(&param.domain) else {
            continue;
        };
        let values: Vec<f64> = ranked
            .iter()
            .filter_map(|t| param_value(t, &param.name))
            .collect();
        if values.len() != n {
            continue;
        }
        let gp_at = optimum
            .as_ref()
            .and_then(|u| u.get(at))
            .and_then(|&u| param.domain.from_unit(u).as_f64());
        let reader = Reader {
            param,
            scale,
            values: &values,
            k,
            gp_optimum: gp_at,
        };
        advice.findings.extend(reader.findings());
    }
    advice
}

/// The completed trials, best first (ties keep trial order).
fn ranked_trials(study: &Study) -> Vec<&Trial> {
    let mut ranked: Vec<&Trial> = study
        .trials
        .iter()
        .filter(|t| t.completed_value().is_some())
        .collect();
    ranked.sort_by(|a, b| {
        let (la, lb) = (
            study
                .direction
                .to_loss(a.completed_value().unwrap_or(f64::NAN)),
            study
                .direction
                .to_loss(b.completed_value().unwrap_or(f64::NAN)),
        );
        la.total_cmp(&lb).then(a.number.cmp(&b.number))
    });
    ranked
}

/// How many trials count as the best of `n`: [`TOP_MIN`] or [`TOP_SHARE`], at most half.
pub(crate) fn top_count(n: usize) -> usize {
    let share = (n as f64 * TOP_SHARE).round() as usize;
    share.max(TOP_MIN).min(n / 2).max(1)
}

fn param_value(trial: &Trial, name: &str) -> Option<f64> {
    trial
        .params
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.as_f64())
}

/// The lowest posterior mean (as a loss), searched by two rounds of coordinate sweeps (51
/// values per coordinate) from each of the three best trials: deterministic, and cheap
/// against the fit itself. Returns the unit-cube point.
fn gp_optimum(surrogate: &Surrogate, study: &Study, ranked: &[&Trial]) -> Option<Vec<f64>> {
    const STEPS: usize = 50;
    let dim = surrogate.dim();
    let loss = |p: &[f64]| {
        let (mean, _) = surrogate.predict(&[p.to_vec()]);
        study
            .direction
            .to_loss(mean.first().copied().unwrap_or(f64::NAN))
    };
    let mut best: Option<(f64, Vec<f64>)> = None;
    for start in ranked.iter().take(3).filter(|t| t.point.len() == dim) {
        let mut point = start.point.clone();
        let mut current = loss(&point);
        for _round in 0..2 {
            for d in 0..dim {
                let sweep: Vec<Vec<f64>> = (0..=STEPS)
                    .map(|i| {
                        let mut p = point.clone();
                        p[d] = i as f64 / STEPS as f64;
                        p
                    })
                    .collect();
                let (means, _) = surrogate.predict(&sweep);
                for (p, m) in sweep.into_iter().zip(means) {
                    let l = study.direction.to_loss(m);
                    if l < current {
                        current = l;
                        point = p;
                    }
                }
            }
        }
        if best.as_ref().is_none_or(|(b, _)| current < *b) {
            best = Some((current, point));
        }
    }
    best.map(|(_, p)| p)
}

/// A numeric range on its own scale: positions 0 at the lower bound and 1 at the upper.
#[derive(Clone, Copy, Debug)]
struct Scale {
    low: f64,
    high: f64,
    log: bool,
    int: bool,
}

impl Scale {
    fn of(domain: &Domain) -> Option<Scale> {
        match *domain {
            Domain::Float { low, high, log } => Some(Scale {
                low,
                high,
                log,
                int: false,
            }),
            Domain::Int { low, high, log } => Some(Scale {
                low: low as f64,
                high: high as f64,
                log,
                int: true,
            }),
            _ => None,
        }
    }

    fn f(&self, x: f64) -> f64 {
        if self.log { x.ln() } else { x }
    }

    fn f_inv(&self, y: f64) -> f64 {
        if self.log { y.exp() } else { y }
    }

    /// Where `x` sits: 0 at `low`, 1 at `high`, on the parameter's scale.
    fn position(&self, x: f64) -> f64 {
        (self.f(x) - self.f(self.low)) / (self.f(self.high) - self.f(self.low))
    }

    /// The value at a position (outside 0..1 beyond the bounds).
    fn at(&self, p: f64) -> f64 {
        self.f_inv(self.f(self.low) + p * (self.f(self.high) - self.f(self.low)))
    }

    /// A domain from `lo` to `hi` (positions), kept positive where the range was (a
    /// positive parameter such as C or a learning rate stays positive: below zero a linear
    /// extension stops at a tenth of the old lower bound), rounded outward for ints.
    fn domain(&self, lo: f64, hi: f64, log: bool) -> Domain {
        let mut low = self.at(lo);
        let high = self.at(hi);
        if self.low > 0.0 && low <= 0.0 {
            low = self.low / 10.0;
        }
        if self.int {
            let (mut l, h) = (low.floor() as i64, high.ceil() as i64);
            if log {
                l = l.max(1);
            }
            Domain::Int {
                low: l,
                high: h.max(l + 1),
                log,
            }
        } else {
            Domain::Float {
                low: tidy(low),
                high: tidy(high),
                log,
            }
        }
    }

    fn describe_bound(&self, x: f64) -> String {
        format_number(x)
    }
}

/// A value rounded to four significant digits, so a suggested range reads as a person would
/// type it (0.08 rather than 0.0794328...).
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 4 - x.abs().log10().floor() as i32 - 1;
    let factor = 10f64.powi(digits);
    (x * factor).round() / factor
}

/// A number as a message shows it: up to four significant digits.
pub fn format_number(x: f64) -> String {
    Value::Float(tidy(x)).to_string()
}

/// One parameter's trials, best first, and what they say.
struct Reader<'a> {
    param: &'a Param,
    scale: Scale,
    /// The parameter's value in each completed trial, best trial first.
    values: &'a [f64],
    /// How many of them are the best.
    k: usize,
    /// The parameter's value at the GP's optimum.
    gp_optimum: Option<f64>,
}

/// Which end of a range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Low,
    High,
}

impl Reader<'_> {
    fn findings(&self) -> Vec<Finding> {
        // On a linear range over decades the best trials at the bottom look pressed against
        // the lower bound; the scale is the fault there, so it is named first.
        let mut out: Vec<Finding> = self.try_log().into_iter().collect();
        if out.is_empty() {
            out.extend(self.pressed_bound());
            out.extend(self.gp_at_bound());
        }
        // A bound pressed (by the trials or the GP) says the range is in the wrong place:
        // narrowing it or changing its scale would answer a question not asked yet.
        if out.is_empty() {
            out.extend(self.try_linear());
        }
        if out.is_empty() {
            out.extend(self.narrow());
        }
        out
    }

    fn best_positions(&self) -> Vec<f64> {
        self.values
            .iter()
            .take(self.k)
            .map(|&x| self.scale.position(x))
            .collect()
    }

    /// The range that moves past a pressed bound by one width and keeps the best trials
    /// (less a tenth of the width) at the other end.
    fn widened(&self, side: Side) -> Domain {
        let best = self.best_positions();
        let lowest = best.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = best.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = match side {
            Side::High => ((lowest - 0.1).max(0.0), 2.0),
            Side::Low => (-1.0, (highest + 0.1).min(1.0)),
        };
        self.scale.domain(lo, hi, self.scale.log)
    }

    fn side_words(side: Side) -> &'static str {
        match side {
            Side::Low => "lower",
            Side::High => "upper",
        }
    }

    fn pressed_bound(&self) -> Option<Finding> {
        let best = self.best_positions();
        let near_low = best.iter().filter(|&&p| p <= EDGE_BAND).count();
        let near_high = best.iter().filter(|&&p| p >= 1.0 - EDGE_BAND).count();
        let (side, count) = if near_high >= near_low {
            (Side::High, near_high)
        } else {
            (Side::Low, near_low)
        };
        let needed = ((self.k as f64 * PRESSED_SHARE).ceil() as usize).max(PRESSED_MIN);
        if count < needed {
            return None;
        }
        let bound = match side {
            Side::Low => self.scale.low,
            Side::High => self.scale.high,
        };
        let suggested = self.widened(side);
        let message = format!(
            "{count} of the best {} trials have {} within {}% of the {} bound {}: the best \
             value may lie beyond it. Try {}.",
            self.k,
            self.param.name,
            EDGE_BAND * 100.0,
            Self::side_words(side),
            self.scale.describe_bound(bound),
            suggested.describe()
        );
        Some(Finding {
            param: self.param.name.clone(),
            kind: FindingKind::BestAtBound,
            message,
            numbers: vec![
                ("count".into(), count as f64),
                ("of".into(), self.k as f64),
                ("bound".into(), bound),
                ("band".into(), EDGE_BAND),
            ],
            suggested,
        })
    }

    fn gp_at_bound(&self) -> Option<Finding> {
        let x = self.gp_optimum?;
        let p = self.scale.position(x);
        let side = if p >= 1.0 - EDGE_BAND {
            Side::High
        } else if p <= EDGE_BAND {
            Side::Low
        } else {
            return None;
        };
        let suggested = self.widened(side);
        let message = format!(
            "The GP's optimum has {} = {}, at the {} bound: the fitted trend still improves \
             there. Try {}.",
            self.param.name,
            format_number(x),
            Self::side_words(side),
            suggested.describe()
        );
        Some(Finding {
            param: self.param.name.clone(),
            kind: FindingKind::GpOptimumAtBound,
            message,
            numbers: vec![("optimum".into(), x), ("position".into(), p)],
            suggested,
        })
    }

    fn try_log(&self) -> Option<Finding> {
        let s = self.scale;
        if s.log || s.low <= 0.0 || (s.high / s.low).log10() < DECADES_FOR_LOG {
            return None;
        }
        let tenth = s.at(0.1);
        let count = self.values[..self.k]
            .iter()
            .filter(|&&x| x <= tenth)
            .count();
        let needed = ((self.k as f64 * PRESSED_SHARE).ceil() as usize).max(PRESSED_MIN);
        if count < needed || count * 2 < self.k {
            return None;
        }
        let decades = (s.high / s.low).log10();
        let suggested = s.domain(0.0, 1.0, true);
        let message = format!(
            "{count} of the best {} trials have {} below {}, the lowest tenth of a linear range \
             over {:.1} decades: the score changes over decades. Try the log range {}.",
            self.k,
            self.param.name,
            format_number(tenth),
            decades,
            suggested.describe()
        );
        Some(Finding {
            param: self.param.name.clone(),
            kind: FindingKind::TryLog,
            message,
            numbers: vec![
                ("count".into(), count as f64),
                ("of".into(), self.k as f64),
                ("decades".into(), decades),
            ],
            suggested,
        })
    }

    fn try_linear(&self) -> Option<Finding> {
        let s = self.scale;
        if !s.log || s.high / s.low <= 10.0 {
            return None;
        }
        let top_decade = s.high / 10.0;
        let best_below = self.values[..self.k]
            .iter()
            .filter(|&&x| x < top_decade)
            .count();
        let below = self.values.iter().filter(|&&x| x < top_decade).count();
        let share = below as f64 / self.values.len() as f64;
        if best_below > 0 || share < WASTED_SHARE {
            return None;
        }
        let suggested = s.domain(0.0, 1.0, false);
        let message = format!(
            "{below} of {} trials ({:.0}%) have {} below {}, and none of the best {} does: the \
             log range spends them where nothing is good. Try the linear range {}.",
            self.values.len(),
            share * 100.0,
            self.param.name,
            format_number(top_decade),
            self.k,
            suggested.describe()
        );
        Some(Finding {
            param: self.param.name.clone(),
            kind: FindingKind::TryLinear,
            message,
            numbers: vec![
                ("wasted".into(), below as f64),
                ("of".into(), self.values.len() as f64),
                ("share".into(), share),
            ],
            suggested,
        })
    }

    fn narrow(&self) -> Option<Finding> {
        if self.values.len() < NARROW_MIN_TRIALS {
            return None;
        }
        let best = self.best_positions();
        let lowest = best.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = best.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = highest - lowest;
        if span > NARROW_SPAN {
            return None;
        }
        let margin = (span / 2.0).max(EDGE_BAND);
        let (lo, hi) = ((lowest - margin).max(0.0), (highest + margin).min(1.0));
        let suggested = self.scale.domain(lo, hi, self.scale.log);
        let message = format!(
            "The best {} trials have {} between {} and {}, {:.0}% of the range: narrow it to \
             {} and spend the trials there.",
            self.k,
            self.param.name,
            format_number(self.scale.at(lowest)),
            format_number(self.scale.at(highest)),
            span * 100.0,
            suggested.describe()
        );
        Some(Finding {
            param: self.param.name.clone(),
            kind: FindingKind::NarrowRegion,
            message,
            numbers: vec![
                ("low".into(), self.scale.at(lowest)),
                ("high".into(), self.scale.at(highest)),
                ("span".into(), span),
            ],
            suggested,
        })
    }
}

/// Whether a value lies in a domain (a carried-over trial must).
pub fn contains(domain: &Domain, value: &Value) -> bool {
    match (domain, value) {
        (Domain::Float { low, high, .. }, v) => v.as_f64().is_some_and(|x| x >= *low && x <= *high),
        (Domain::Int { low, high, .. }, Value::Int(i)) => i >= low && i <= high,
        (Domain::Categorical { choices }, Value::Cat(c)) => choices.contains(c),
        (Domain::Numbers { values, .. }, v) => v
            .as_f64()
            .is_some_and(|x| Domain::number_index(values, x).is_some()),
        (Domain::Fixed(f), v) => f == v,
        _ => false,
    }
}

/// The space with each advised parameter's range replaced (the first finding per parameter).
pub(crate) fn advised_space(space: &Space, advice: &[Finding]) -> Result<Space, AdviceError> {
    let mut params: Vec<Param> = space.params().to_vec();
    let mut done: Vec<&str> = Vec::new();
    for finding in advice {
        if done.contains(&finding.param.as_str()) {
            continue;
        }
        let slot = params
            .iter_mut()
            .find(|p| p.name == finding.param)
            .ok_or_else(|| AdviceError::UnknownParam(finding.param.clone()))?;
        slot.domain = finding.suggested.clone();
        done.push(&finding.param);
    }
    Ok(Space::new(params)?)
}
