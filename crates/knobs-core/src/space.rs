//! The search space: named hyperparameters and their mapping to and from the unit cube.
//!
//! Strategies never see raw parameter values. They work in `[0, 1]^d`, one coordinate per
//! *free* parameter (fixed parameters take no coordinate), and the space maps those
//! coordinates to values:
//! - linear floats: `low + u (high − low)`;
//! - log floats: linear in `ln`, so a unit step is a constant ratio;
//! - ints: widened to `[low − 0.5, high + 0.5]` (in log space for log ints) and rounded, so
//!   every integer owns an equal share of the unit interval;
//! - categoricals: the interval split into `k` equal cells, cell `i` is choice `i`;
//! - numeric choices (`C=0.1,1,10`): kept sorted, the interval split into `k` equal cells,
//!   cell `i` is the `i`-th smallest value. Strategies thus search them as *ordered* values
//!   by rank (neighbouring cells are neighbouring values, whatever their spacing): random
//!   and Sobol draw each value with an equal share, a grid takes exactly the values, the GP
//!   and TPE treat the rank as a number (the GP snaps to cell centres as for ints), CMA-ES,
//!   the swarm, annealing and gradient steps move along the ranks.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A concrete value of one parameter, as an objective receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A real number.
    Float(f64),
    /// An integer.
    Int(i64),
    /// One of a categorical parameter's choices.
    Cat(String),
}

impl Value {
    /// The value as a number, for plots and models; categoricals have none.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            Value::Cat(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Float(x) => write!(f, "{x}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Cat(s) => f.write_str(s),
        }
    }
}

/// The set of values one parameter may take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Domain {
    /// A real interval, searched uniformly in the value or in its logarithm.
    Float {
        /// The lowest value.
        low: f64,
        /// The highest value, above `low`.
        high: f64,
        /// Searched uniformly in `ln x` rather than `x` (needs `low > 0`).
        log: bool,
    },
    /// An integer interval (both ends included), optionally searched in log scale.
    Int {
        /// The smallest value.
        low: i64,
        /// The largest value, above `low`.
        high: i64,
        /// Searched in log scale (needs `low > 0`).
        log: bool,
    },
    /// A finite set of named choices with no order.
    Categorical {
        /// The choices, in the order given: cell `i` of the unit interval is choice `i`.
        choices: Vec<String>,
    },
    /// A finite set of numbers searched in their order (`C=0.1,1,10`, as scikit-learn's
    /// `param_grid` lists them): a model gets each as a number (an `Int` when `int`), which a
    /// categorical of strings cannot give it. [`Space::new`] keeps `values` sorted ascending.
    Numbers {
        /// The numbers, ascending: cell `i` of the unit interval is `values[i]`.
        values: Vec<f64>,
        /// Every value is a whole number and is given to the objective as an `Int`.
        #[serde(default)]
        int: bool,
    },
    /// A value held constant: the objective sees it, strategies do not.
    Fixed(Value),
}

impl Domain {
    /// Whether a strategy searches this parameter (takes a unit-cube coordinate).
    pub fn is_free(&self) -> bool {
        !matches!(self, Domain::Fixed(_))
    }

    /// Whether values have an order and a distance (floats and ints), which gradient and
    /// kernel methods need.
    #[cfg(test)]
    pub(crate) fn is_numeric(&self) -> bool {
        matches!(
            self,
            Domain::Float { .. } | Domain::Int { .. } | Domain::Numbers { .. }
        )
    }

    /// Whether a strategy's coordinate snaps to a few cell centres (ints, numeric choices and
    /// categoricals) rather than taking any value.
    pub(crate) fn is_discrete(&self) -> bool {
        matches!(
            self,
            Domain::Int { .. } | Domain::Numbers { .. } | Domain::Categorical { .. }
        )
    }

    /// Whether the parameter is searched in log scale (plots use log axes for these).
    pub fn is_log(&self) -> bool {
        matches!(
            self,
            Domain::Float { log: true, .. } | Domain::Int { log: true, .. }
        )
    }

    /// The numeric bounds of the domain as floats, for axes and sliders.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match self {
            Domain::Float { low, high, .. } => Some((*low, *high)),
            Domain::Int { low, high, .. } => Some((*low as f64, *high as f64)),
            Domain::Numbers { values, .. } => Some((
                values.first().copied().unwrap_or(0.0),
                values.last().copied().unwrap_or(0.0),
            )),
            _ => None,
        }
    }

    /// The value of a numeric choice's `i`-th cell, typed as the objective receives it.
    fn number(values: &[f64], int: bool, i: usize) -> Value {
        let x = values.get(i).copied().unwrap_or(0.0);
        if int {
            Value::Int(x as i64)
        } else {
            Value::Float(x)
        }
    }

    /// The index of the numeric choice equal to `x` (to a relative 1e-9, so a value written
    /// to a file and read back still finds its cell).
    pub(crate) fn number_index(values: &[f64], x: f64) -> Option<usize> {
        values
            .iter()
            .position(|v| (v - x).abs() <= 1e-9 * v.abs().max(x.abs()).max(f64::MIN_POSITIVE))
    }

    /// Number of distinct values a grid takes along this parameter when asked for `n` points:
    /// every choice of a categorical, at most every integer of an int range.
    pub fn grid_len(&self, n: usize) -> usize {
        match self {
            Domain::Categorical { choices } => choices.len(),
            Domain::Numbers { values, .. } => values.len(),
            Domain::Int { low, high, .. } => n.min((high - low + 1) as usize).max(1),
            Domain::Float { .. } => n.max(1),
            Domain::Fixed(_) => 1,
        }
    }

    /// Map a unit coordinate to a value. `u` is clamped to `[0, 1]` first.
    pub fn from_unit(&self, u: f64) -> Value {
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        match self {
            Domain::Float { low, high, log } => {
                // The ends map exactly to the bounds (a log grid includes both ends).
                let x = if u == 0.0 {
                    *low
                } else if u == 1.0 {
                    *high
                } else if *log {
                    (low.ln() + u * (high.ln() - low.ln())).exp()
                } else {
                    low + u * (high - low)
                };
                Value::Float(x.clamp(*low, *high))
            }
            Domain::Int { low, high, log } => {
                let (lo, hi) = (*low as f64 - 0.5, *high as f64 + 0.5);
                let x = if *log {
                    let (llo, lhi) = ((*low as f64 - 0.5).max(0.5).ln(), hi.ln());
                    (llo + u * (lhi - llo)).exp()
                } else {
                    lo + u * (hi - lo)
                };
                Value::Int((x.round() as i64).clamp(*low, *high))
            }
            Domain::Categorical { choices } => {
                let k = choices.len();
                let i = ((u * k as f64) as usize).min(k.saturating_sub(1));
                Value::Cat(choices.get(i).cloned().unwrap_or_default())
            }
            Domain::Numbers { values, int } => {
                let k = values.len();
                let i = ((u * k as f64) as usize).min(k.saturating_sub(1));
                Domain::number(values, *int, i)
            }
            Domain::Fixed(v) => v.clone(),
        }
    }

    /// Map a value back to the centre of its unit cell (the exact point for floats).
    pub fn to_unit(&self, value: &Value) -> Option<f64> {
        match (self, value) {
            (Domain::Float { low, high, log }, v) => {
                let x = v.as_f64()?;
                let u = if *log {
                    (x.ln() - low.ln()) / (high.ln() - low.ln())
                } else {
                    (x - low) / (high - low)
                };
                Some(u.clamp(0.0, 1.0))
            }
            (Domain::Int { low, high, log }, v) => {
                let x = v.as_f64()?;
                let hi = *high as f64 + 0.5;
                let u = if *log {
                    let llo = (*low as f64 - 0.5).max(0.5).ln();
                    (x.ln() - llo) / (hi.ln() - llo)
                } else {
                    let lo = *low as f64 - 0.5;
                    (x - lo) / (hi - lo)
                };
                Some(u.clamp(0.0, 1.0))
            }
            (Domain::Categorical { choices }, Value::Cat(s)) => {
                let i = choices.iter().position(|c| c == s)?;
                Some((i as f64 + 0.5) / choices.len() as f64)
            }
            (Domain::Numbers { values, .. }, v) => {
                let i = Domain::number_index(values, v.as_f64()?)?;
                Some((i as f64 + 0.5) / values.len() as f64)
            }
            _ => None,
        }
    }

    /// The derivative d value / d u at a value, to carry an objective's gradient into the
    /// unit cube (chain rule). `None` for categoricals and fixed values.
    pub(crate) fn dvalue_du(&self, value: &Value) -> Option<f64> {
        let x = value.as_f64()?;
        match self {
            Domain::Float { low, high, log } => Some(if *log {
                x * (high.ln() - low.ln())
            } else {
                high - low
            }),
            Domain::Int { low, high, log } => {
                let hi = *high as f64 + 0.5;
                Some(if *log {
                    x * (hi.ln() - (*low as f64 - 0.5).max(0.5).ln())
                } else {
                    hi - (*low as f64 - 0.5)
                })
            }
            _ => None,
        }
    }

    /// A short human description, as the CLI spells it (`0.01..1000:log`, `a,b,c`).
    pub fn describe(&self) -> String {
        match self {
            Domain::Float { low, high, log } => {
                format!("{low}..{high}{}", if *log { ":log" } else { "" })
            }
            Domain::Int { low, high, log } => {
                format!("{low}..{high}:int{}", if *log { ":log" } else { "" })
            }
            Domain::Categorical { choices } => choices.join(","),
            Domain::Numbers { values, .. } => values
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            Domain::Fixed(v) => v.to_string(),
        }
    }
}

/// One named hyperparameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The name the objective knows it by (`C`, `gamma`, `x0`).
    pub name: String,
    /// The values it may take.
    pub domain: Domain,
}

impl Param {
    /// A convenience constructor.
    pub fn new(name: impl Into<String>, domain: Domain) -> Self {
        Param {
            name: name.into(),
            domain,
        }
    }
}

/// Why a space or a parameter spec was rejected.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SpaceError {
    /// A range whose low end is not below its high end.
    #[error("parameter `{name}`: low ({low}) must be below high ({high})")]
    EmptyRange {
        /// The parameter's name.
        name: String,
        /// The low end, as given (an int range's converted to a float).
        low: f64,
        /// The high end, as given.
        high: f64,
    },
    /// A log-scale range whose low end is zero or below, where the logarithm is undefined.
    #[error("parameter `{name}`: a log scale needs low > 0 (got {low})")]
    LogNeedsPositive {
        /// The parameter's name.
        name: String,
        /// The low end, as given.
        low: f64,
    },
    /// A float bound, a numeric choice or a fixed float that is NaN or infinite.
    #[error("parameter `{name}`: bounds must be finite numbers")]
    NotFinite {
        /// The parameter's name.
        name: String,
    },
    /// A float range with finite ends whose width `high − low` still overflows to infinity.
    #[error(
        "parameter `{name}`: the range {low}..{high} is too wide (its width overflows a number)"
    )]
    TooWide {
        /// The parameter's name.
        name: String,
        /// The low end, as given.
        low: f64,
        /// The high end, as given.
        high: f64,
    },
    /// An int bound or whole-number choice beyond ±2^53, where integers stop being exact as
    /// floats (the unit-cube mapping works in floats).
    #[error(
        "parameter `{name}`: integer bounds must lie within ±{MAX_INT} (2^53, where every integer \
         is still exact as a number), got {value}"
    )]
    IntOutOfRange {
        /// The parameter's name.
        name: String,
        /// The offending bound or choice.
        value: i64,
    },
    /// A categorical or numeric choice set with no choice.
    #[error("parameter `{name}`: a categorical needs at least one choice")]
    NoChoices {
        /// The parameter's name.
        name: String,
    },
    /// A choice listed twice (for numeric choices, two equal numbers): its two cells would
    /// give one value twice the share of the others.
    #[error("parameter `{name}`: choice `{choice}` is listed twice")]
    DuplicateChoice {
        /// The parameter's name.
        name: String,
        /// The repeated choice, as text.
        choice: String,
    },
    /// A choice with a fractional part in a set of int choices.
    #[error("parameter `{name}`: choice {value} is not a whole number, but the choices are ints")]
    NotWhole {
        /// The parameter's name.
        name: String,
        /// The first choice that is not a whole number.
        value: f64,
    },
    /// Two parameters share this name.
    #[error("parameter `{0}` is defined twice")]
    DuplicateName(String),
    /// A parameter whose name is empty or blank.
    #[error("a parameter needs a name")]
    EmptyName,
    /// A CLI parameter spec ([`parse_param`]) that does not parse.
    #[error("bad parameter spec `{spec}`: {reason}")]
    BadSpec {
        /// The spec, as the user wrote it.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A validated, ordered set of parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(try_from = "Vec<Param>", into = "Vec<Param>")]
pub struct Space {
    params: Vec<Param>,
}

impl TryFrom<Vec<Param>> for Space {
    type Error = SpaceError;
    fn try_from(params: Vec<Param>) -> Result<Self, SpaceError> {
        Space::new(params)
    }
}

impl From<Space> for Vec<Param> {
    fn from(space: Space) -> Self {
        space.params
    }
}

/// An assignment of a value to every parameter of a space, in the space's order.
pub type Params = Vec<(String, Value)>;

impl Space {
    /// Validate and build a space; the order of `params` is kept everywhere (tables, CSV, unit
    /// coordinates).
    pub fn new(mut params: Vec<Param>) -> Result<Self, SpaceError> {
        let mut seen = std::collections::HashSet::new();
        for p in &mut params {
            sort_numbers(p);
            validate(p)?;
            if !seen.insert(p.name.as_str()) {
                return Err(SpaceError::DuplicateName(p.name.clone()));
            }
        }
        Ok(Space { params })
    }

    /// All parameters, fixed ones included.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The parameter with this name.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The parameters strategies search, in unit-cube coordinate order.
    pub fn free(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.domain.is_free())
    }

    /// The number of unit-cube coordinates.
    pub fn dim(&self) -> usize {
        self.free().count()
    }

    /// Replace a parameter (same name) or append a new one, keeping the space valid.
    pub fn upsert(&mut self, mut param: Param) -> Result<(), SpaceError> {
        sort_numbers(&mut param);
        validate(&param)?;
        match self.params.iter_mut().find(|p| p.name == param.name) {
            Some(slot) => *slot = param,
            None => self.params.push(param),
        }
        Ok(())
    }

    /// Map a unit-cube point (one coordinate per free parameter) to a full assignment.
    pub fn from_unit(&self, u: &[f64]) -> Params {
        let mut coords = u.iter();
        self.params
            .iter()
            .map(|p| {
                let v = if p.domain.is_free() {
                    p.domain.from_unit(coords.next().copied().unwrap_or(0.5))
                } else {
                    p.domain.from_unit(0.0)
                };
                (p.name.clone(), v)
            })
            .collect()
    }

    /// Map an assignment back to unit-cube coordinates (cell centres for ints and
    /// categoricals). Missing or mistyped values map to the centre, 0.5.
    pub fn to_unit(&self, params: &Params) -> Vec<f64> {
        self.free()
            .map(|p| {
                params
                    .iter()
                    .find(|(n, _)| *n == p.name)
                    .and_then(|(_, v)| p.domain.to_unit(v))
                    .unwrap_or(0.5)
            })
            .collect()
    }

    /// Snap a unit point to the cell centres its values map to, so two points that give the
    /// same parameters also have the same coordinates.
    pub fn snap(&self, u: &[f64]) -> Vec<f64> {
        self.to_unit(&self.from_unit(u))
    }
}

/// The largest integer bound (in magnitude): 2^53, the end of the integers an `f64` holds
/// exactly. Ints map to and from the unit cube through `f64`, and a range's width must not
/// wrap, so `--param n=-9.2e18..9.2e18:int` is refused rather than mis-searched or panicking.
pub(crate) const MAX_INT: i64 = 1 << 53;

/// Keep a numeric choice's values ascending, the order its unit cells take.
fn sort_numbers(p: &mut Param) {
    if let Domain::Numbers { values, .. } = &mut p.domain {
        values.sort_by(f64::total_cmp);
    }
}

fn validate(p: &Param) -> Result<(), SpaceError> {
    let name = || p.name.clone();
    if p.name.trim().is_empty() {
        return Err(SpaceError::EmptyName);
    }
    match &p.domain {
        Domain::Float { low, high, log } => {
            if !low.is_finite() || !high.is_finite() {
                return Err(SpaceError::NotFinite { name: name() });
            }
            check_range(&p.name, *low, *high, *log)?;
            if !(high - low).is_finite() {
                return Err(SpaceError::TooWide {
                    name: name(),
                    low: *low,
                    high: *high,
                });
            }
            Ok(())
        }
        Domain::Int { low, high, log } => {
            for value in [*low, *high] {
                if !(-MAX_INT..=MAX_INT).contains(&value) {
                    return Err(SpaceError::IntOutOfRange {
                        name: name(),
                        value,
                    });
                }
            }
            check_range(&p.name, *low as f64, *high as f64, *log)
        }
        Domain::Categorical { choices } => {
            if choices.is_empty() {
                return Err(SpaceError::NoChoices { name: name() });
            }
            let mut seen = std::collections::HashSet::new();
            for c in choices {
                if !seen.insert(c) {
                    return Err(SpaceError::DuplicateChoice {
                        name: name(),
                        choice: c.clone(),
                    });
                }
            }
            Ok(())
        }
        Domain::Numbers { values, int } => validate_numbers(&p.name, values, *int),
        Domain::Fixed(Value::Float(x)) if !x.is_finite() => {
            Err(SpaceError::NotFinite { name: name() })
        }
        Domain::Fixed(_) => Ok(()),
    }
}

fn validate_numbers(name: &str, values: &[f64], int: bool) -> Result<(), SpaceError> {
    if values.is_empty() {
        return Err(SpaceError::NoChoices {
            name: name.to_owned(),
        });
    }
    if values.iter().any(|x| !x.is_finite()) {
        return Err(SpaceError::NotFinite {
            name: name.to_owned(),
        });
    }
    if int {
        if let Some(&value) = values.iter().find(|x| x.fract() != 0.0) {
            return Err(SpaceError::NotWhole {
                name: name.to_owned(),
                value,
            });
        }
        if let Some(&x) = values.iter().find(|x| x.abs() > MAX_INT as f64) {
            return Err(SpaceError::IntOutOfRange {
                name: name.to_owned(),
                value: x as i64,
            });
        }
    }
    // Sorted by `Space::new`; equal neighbours are a choice listed twice.
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if let Some(pair) = sorted
        .windows(2)
        .find(|w| Domain::number_index(&w[..1], w[1]).is_some())
    {
        return Err(SpaceError::DuplicateChoice {
            name: name.to_owned(),
            choice: pair[1].to_string(),
        });
    }
    Ok(())
}

fn check_range(name: &str, low: f64, high: f64, log: bool) -> Result<(), SpaceError> {
    if low >= high {
        return Err(SpaceError::EmptyRange {
            name: name.to_owned(),
            low,
            high,
        });
    }
    if log && low <= 0.0 {
        return Err(SpaceError::LogNeedsPositive {
            name: name.to_owned(),
            low,
        });
    }
    Ok(())
}

/// Parse the CLI's parameter spec: `NAME=LOW..HIGH[:log][:int]`, `NAME=a,b,c` (categorical),
/// `NAME=0.1,1,10` (numeric choices: every entry a number; ints when every one is an
/// integer) or `NAME=VALUE` (fixed).
pub fn parse_param(spec: &str) -> Result<Param, SpaceError> {
    let bad = |reason: &str| SpaceError::BadSpec {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let (name, rest) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=LOW..HIGH, NAME=a,b,c or NAME=VALUE"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(SpaceError::EmptyName);
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(bad("no value after `=`"));
    }
    let domain = if let Some((low, tail)) = rest.split_once("..") {
        let mut parts = tail.split(':');
        let high = parts.next().unwrap_or_default();
        let (mut log, mut int) = (false, false);
        for flag in parts {
            match flag.trim() {
                "log" => log = true,
                "int" => int = true,
                other => {
                    return Err(bad(&format!(
                        "unknown suffix `:{other}` (use :log or :int)"
                    )));
                }
            }
        }
        if int {
            let parse = |s: &str| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| bad(&format!("`{}` is not an integer", s.trim())))
            };
            Domain::Int {
                low: parse(low)?,
                high: parse(high)?,
                log,
            }
        } else {
            let parse = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| bad(&format!("`{}` is not a number", s.trim())))
            };
            Domain::Float {
                low: parse(low)?,
                high: parse(high)?,
                log,
            }
        }
    } else if rest.contains(',') {
        let choices: Vec<String> = rest
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        numbers(&choices).unwrap_or(Domain::Categorical { choices })
    } else if let Ok(i) = rest.parse::<i64>() {
        Domain::Fixed(Value::Int(i))
    } else if let Ok(x) = rest.parse::<f64>() {
        Domain::Fixed(Value::Float(x))
    } else {
        Domain::Fixed(Value::Cat(rest.to_owned()))
    };
    let mut param = Param::new(name, domain);
    sort_numbers(&mut param);
    validate(&param)?;
    Ok(param)
}

/// The numeric choice set a comma list spells (`0.1, 1, 10`), sorted, for editors that take
/// the list as text; `None` unless every entry is a finite number.
pub fn parse_numbers(list: &str) -> Option<Domain> {
    let choices: Vec<String> = list
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    let mut domain = numbers(&choices)?;
    if let Domain::Numbers { values, .. } = &mut domain {
        values.sort_by(f64::total_cmp);
    }
    Some(domain)
}

/// The numeric choice set a list spells, when every entry is a finite number (`1,10,100` are
/// ints, `0.1,1,10` floats); `None` keeps it a categorical of names.
fn numbers(choices: &[String]) -> Option<Domain> {
    if choices.is_empty() {
        return None;
    }
    let values = choices
        .iter()
        .map(|c| c.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<Vec<f64>>>()?;
    let int = choices.iter().all(|c| c.parse::<i64>().is_ok());
    Some(Domain::Numbers { values, int })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> Space {
        Space::new(vec![
            parse_param("C=0.01..1000:log").unwrap(),
            parse_param("depth=1..10:int").unwrap(),
            parse_param("kernel=rbf,poly,linear").unwrap(),
            parse_param("seed=7").unwrap(),
            parse_param("x=-1..1").unwrap(),
        ])
        .unwrap()
    }

    #[test]
    fn parses_every_kind_of_spec() {
        let s = space();
        assert_eq!(s.dim(), 4);
        assert_eq!(
            s.get("C").unwrap().domain,
            Domain::Float {
                low: 0.01,
                high: 1000.0,
                log: true
            }
        );
        assert_eq!(s.get("seed").unwrap().domain, Domain::Fixed(Value::Int(7)));
        assert!(matches!(
            parse_param("n=1..100:int:log").unwrap().domain,
            Domain::Int { log: true, .. }
        ));
    }

    #[test]
    fn rejects_bad_specs_with_reasons() {
        for (spec, needle) in [
            ("C=10..1", "below"),
            ("C=0..1:log", "log scale"),
            ("C=a..b", "not a number"),
            ("C=1..2:cube", "unknown suffix"),
            ("C", "expected NAME="),
            ("=1..2", "needs a name"),
            ("k=a,a", "twice"),
            ("n=1.5..3:int", "not an integer"),
        ] {
            let err = parse_param(spec).unwrap_err().to_string();
            assert!(err.contains(needle), "{spec}: {err}");
        }
        let dup = Space::new(vec![
            parse_param("a=0..1").unwrap(),
            parse_param("a=0..2").unwrap(),
        ]);
        assert_eq!(dup, Err(SpaceError::DuplicateName("a".into())));
    }

    #[test]
    fn unit_cube_round_trips() {
        let s = space();
        let params = s.from_unit(&[0.0, 1.0, 0.5, 0.25]);
        assert_eq!(params[0].1, Value::Float(0.01));
        assert_eq!(params[1].1, Value::Int(10));
        assert_eq!(params[2].1, Value::Cat("poly".into()));
        assert_eq!(params[3].1, Value::Int(7));
        assert_eq!(params[4].1, Value::Float(-0.5));
        let u = s.to_unit(&params);
        assert_eq!(s.from_unit(&u), params);
        // log midpoint is the geometric mean
        let mid = s.from_unit(&[0.5, 0.5, 0.5, 0.5])[0].1.as_f64().unwrap();
        assert!((mid - (0.01f64 * 1000.0).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn ints_get_equal_shares_of_the_interval() {
        let d = Domain::Int {
            low: 1,
            high: 4,
            log: false,
        };
        let mut counts = [0; 4];
        for i in 0..4000 {
            if let Value::Int(v) = d.from_unit((i as f64 + 0.5) / 4000.0) {
                counts[(v - 1) as usize] += 1;
            }
        }
        assert_eq!(counts, [1000; 4]);
    }

    #[test]
    fn a_list_of_numbers_is_a_sorted_numeric_choice_set_searched_by_rank() {
        let c = parse_param("C=10, 0.1,1").unwrap();
        assert_eq!(
            c.domain,
            Domain::Numbers {
                values: vec![0.1, 1.0, 10.0],
                int: false
            }
        );
        assert!(c.domain.is_numeric() && c.domain.is_discrete());
        assert_eq!(c.domain.bounds(), Some((0.1, 10.0)));
        assert_eq!(c.domain.grid_len(50), 3);
        // Three equal cells, in ascending order.
        assert_eq!(c.domain.from_unit(0.0), Value::Float(0.1));
        assert_eq!(c.domain.from_unit(0.5), Value::Float(1.0));
        assert_eq!(c.domain.from_unit(0.99), Value::Float(10.0));
        assert_eq!(c.domain.to_unit(&Value::Float(10.0)), Some(2.5 / 3.0));
        assert_eq!(c.domain.to_unit(&Value::Float(2.0)), None);
        let k = parse_param("k=5,1,3").unwrap();
        assert_eq!(
            k.domain,
            Domain::Numbers {
                values: vec![1.0, 3.0, 5.0],
                int: true
            }
        );
        assert_eq!(k.domain.from_unit(0.5), Value::Int(3));
        // Names, or a mix of names and numbers, stay categorical.
        assert!(matches!(
            parse_param("gamma=scale,0.1").unwrap().domain,
            Domain::Categorical { .. }
        ));
        assert!(
            parse_param("C=1,1.0")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert_eq!(
            parse_numbers(" 10, 0.5 ,2"),
            Some(Domain::Numbers {
                values: vec![0.5, 2.0, 10.0],
                int: false
            })
        );
        assert_eq!(parse_numbers("1, x"), None);
    }

    #[test]
    fn numeric_choices_round_trip_through_ron_and_a_file_without_the_int_flag_loads() {
        let s = Space::new(vec![
            parse_param("C=0.1,1,10").unwrap(),
            parse_param("k=1,2").unwrap(),
        ])
        .unwrap();
        let text = ron::to_string(&s).unwrap();
        assert_eq!(ron::from_str::<Space>(&text).unwrap(), s);
        // Written by hand, unsorted and without `int`: sorted on load, floats.
        let hand = "[(name: \"C\", domain: Numbers(values: [10.0, 0.1, 1.0]))]";
        let loaded = ron::from_str::<Space>(hand).unwrap();
        assert_eq!(
            loaded.params()[0].domain,
            Domain::Numbers {
                values: vec![0.1, 1.0, 10.0],
                int: false
            }
        );
    }

    #[test]
    fn serde_validates_on_load() {
        let bad = "[(name: \"a\", domain: Float(low: 2.0, high: 1.0, log: false))]";
        assert!(ron::from_str::<Space>(bad).is_err());
        let s = space();
        let text = ron::to_string(&s).unwrap();
        assert_eq!(ron::from_str::<Space>(&text).unwrap(), s);
    }
}
