//! Every strategy, described once.
//!
//! A strategy's file holds its settings struct, and that struct says everything the program
//! needs about the strategy through [`StrategySettings`]: the name `--strategy` takes, its
//! aliases, the line `knobs list` prints, how its settings are checked (in linfa's
//! `ParamGuard` style: [`StrategySettings::check`] turns settings into [`Checked`] ones,
//! and only checked settings build a strategy), and how it is built. The `registry!` list
//! at the bottom of this file then makes [`StrategySpec`] (one variant per strategy, saved
//! in sessions), [`STRATEGIES`] and the name lookups from one line per strategy.
//!
//! Session files keep the shape they always had: unit strategies are written as `Random`,
//! strategies with settings as a struct variant (`Gp(n_startup: None, …)`), and the gradient
//! strategy as the newtype variant it has always been (`Gradient((…))`). The
//! [`StrategySpec`] serde impls below write and read exactly those shapes.

use super::{Strategy, StrategyError};
use crate::space::Space;
use serde::de::{self, DeserializeOwned, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use serde::ser::{self, Impossible, SerializeStruct, SerializeStructVariant};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// What the program knows about one strategy, written once beside the strategy itself.
pub trait StrategySettings:
    Clone + Default + PartialEq + fmt::Debug + Serialize + DeserializeOwned + Into<StrategySpec>
{
    /// The short name `knobs run --strategy NAME` takes and sessions and reports show.
    const NAME: &'static str;
    /// Other names `--strategy` accepts for it.
    const ALIASES: &'static [&'static str] = &[];
    /// One line about it (English; the window translates it), for `knobs list` and the
    /// strategy picker's tooltips.
    const SUMMARY: &'static str;

    /// Reject settings no search could run with (NaN, a zero population, a count so large
    /// that allocating for it would fail), naming the setting. Space-dependent limits (a
    /// categorical parameter under gradient search) are the constructor's business.
    fn validate(&self) -> Result<(), StrategyError>;

    /// A fresh strategy over `space` from checked settings, seeded.
    fn build(
        settings: &Checked<Self>,
        space: &Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError>;

    /// The settings, checked: the only way to a [`Checked`] value, so nothing unchecked is
    /// ever built.
    fn check(self) -> Result<Checked<Self>, StrategyError> {
        self.validate()?;
        Ok(Checked(self))
    }
}

/// Settings that passed [`StrategySettings::check`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Checked<S>(S);

impl<S> Checked<S> {
    /// The checked settings.
    pub fn get(&self) -> &S {
        &self.0
    }

    /// The checked settings, by value.
    pub fn into_inner(self) -> S {
        self.0
    }
}

/// One strategy as lists see it: `knobs list`, the strategy picker, the race's choices.
#[derive(Clone, Copy, Debug)]
pub struct StrategyInfo {
    /// The name `--strategy` takes.
    pub name: &'static str,
    /// Other accepted names.
    pub(crate) aliases: &'static [&'static str],
    /// One line about it.
    pub summary: &'static str,
    /// The strategy with its default settings.
    pub default: fn() -> StrategySpec,
}

impl StrategyInfo {
    const fn of<S: StrategySettings>() -> Self {
        StrategyInfo {
            name: S::NAME,
            aliases: S::ALIASES,
            summary: S::SUMMARY,
            default: default_spec::<S>,
        }
    }

    /// Whether `name` names this strategy (its name or an alias, exactly).
    pub(crate) fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

fn default_spec<S: StrategySettings>() -> StrategySpec {
    S::default().into()
}

fn build_from<S: StrategySettings>(
    settings: &S,
    space: &Space,
    seed: u64,
) -> Result<Box<dyn Strategy>, StrategyError> {
    S::build(&settings.clone().check()?, space, seed)
}

impl StrategySpec {
    /// The spec with default settings for a strategy name or alias (`--strategy NAME`).
    pub fn from_name(name: &str) -> Result<Self, StrategyError> {
        match STRATEGIES.iter().find(|s| s.answers_to(name)) {
            Some(info) => Ok((info.default)()),
            None => Err(StrategyError::BadSetting(format!(
                "unknown strategy `{name}` (known: {})",
                STRATEGIES
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The strategy's entry in [`STRATEGIES`].
    pub fn info(&self) -> &'static StrategyInfo {
        let name = self.name();
        STRATEGIES
            .iter()
            .find(|s| s.name == name)
            .expect("every variant of StrategySpec is generated from an entry of STRATEGIES")
    }
}

/// A setting that must be a finite number above zero.
pub(super) fn positive(what: &str, value: f64) -> Result<(), StrategyError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(StrategyError::BadSetting(format!(
            "{what} must be a finite number > 0, got {value}"
        )))
    }
}

/// A setting that must be a finite number, zero or more.
pub(super) fn non_negative(what: &str, value: f64) -> Result<(), StrategyError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(StrategyError::BadSetting(format!(
            "{what} must be a finite number ≥ 0, got {value}"
        )))
    }
}

/// A count that must lie in `min..=max`; the upper bound keeps what is allocated for it
/// (grid axes, candidates, particles) within reach.
pub(super) fn count(what: &str, value: usize, min: usize, max: usize) -> Result<(), StrategyError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(StrategyError::BadSetting(format!(
            "{what} must be from {min} to {max}, got {value}"
        )))
    }
}

/// Writes a settings struct as a struct variant of [`StrategySpec`], so `Gp(GpSettings)`
/// is saved as `Gp(n_startup: …)` exactly as when the variant held the fields itself.
struct AsStructVariant<S> {
    inner: S,
    index: u32,
    variant: &'static str,
}

/// A settings struct's fields, written into the struct variant they became.
struct VariantFields<V>(V);

impl<V: SerializeStructVariant> SerializeStruct for VariantFields<V> {
    type Ok = V::Ok;
    type Error = V::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.0.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<Self::Ok, Self::Error> {
        self.0.end()
    }
}

/// The serializer methods a settings struct never calls.
macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
            Err(ser::Error::custom(NOT_A_STRUCT))
        }
    )*};
}

const NOT_A_STRUCT: &str = "strategy settings must serialize as a struct";

impl<S: Serializer> Serializer for AsStructVariant<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = VariantFields<S::SerializeStructVariant>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        self.inner
            .serialize_struct_variant("StrategySpec", self.index, self.variant, len)
            .map(VariantFields)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(ser::Error::custom(NOT_A_STRUCT))
    }
}

/// Reads a struct variant's fields into a settings struct (its derived `Deserialize`, with
/// its serde defaults).
struct FieldsInto<S>(PhantomData<S>);

impl<'de, S: DeserializeOwned> de::Visitor<'de> for FieldsInto<S> {
    type Value = S;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the strategy's settings")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<S, M::Error> {
        S::deserialize(de::value::MapAccessDeserializer::new(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S, A::Error> {
        S::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }
}

/// A variant's name (or index, for formats that write indices).
struct VariantName(String);

impl<'de> Deserialize<'de> for VariantName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl de::Visitor<'_> for Name {
            type Value = VariantName;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a strategy name")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<VariantName, E> {
                Ok(VariantName(v.to_owned()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<VariantName, E> {
                usize::try_from(v)
                    .ok()
                    .and_then(|i| VARIANTS.get(i))
                    .map(|n| VariantName((*n).to_owned()))
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

fn variant_index(variant: &str) -> u32 {
    VARIANTS
        .iter()
        .position(|v| *v == variant)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(0)
}

/// How a variant is matched, shown, written and read, by the shape it is saved in.
macro_rules! variant {
    (pat unit $v:ident $s:ident) => {
        StrategySpec::$v
    };
    (pat $shape:ident $v:ident $s:ident) => {
        StrategySpec::$v($s)
    };
    (settings unit $ty:ty, $s:ident) => {
        &<$ty>::default()
    };
    (settings $shape:ident $ty:ty, $s:ident) => {
        $s
    };
    (write unit $v:ident $s:ident $out:ident) => {
        $out.serialize_unit_variant(
            "StrategySpec",
            variant_index(stringify!($v)),
            stringify!($v),
        )
    };
    (write newtype $v:ident $s:ident $out:ident) => {
        $out.serialize_newtype_variant(
            "StrategySpec",
            variant_index(stringify!($v)),
            stringify!($v),
            $s,
        )
    };
    (write fields $v:ident $s:ident $out:ident) => {
        $s.serialize(AsStructVariant {
            inner: $out,
            index: variant_index(stringify!($v)),
            variant: stringify!($v),
        })
    };
    (read unit $v:ident $ty:ty, $access:ident) => {
        $access.unit_variant().map(|()| StrategySpec::$v)
    };
    (read newtype $v:ident $ty:ty, $access:ident) => {
        $access.newtype_variant::<$ty>().map(StrategySpec::$v)
    };
    (read fields $v:ident $ty:ty, $access:ident) => {
        $access
            .struct_variant(&[], FieldsInto::<$ty>(PhantomData))
            .map(StrategySpec::$v)
    };
}

/// The enum's variants: a unit variant for `unit` strategies, a one-field variant for the
/// others (a tt-muncher, since a variant's shape cannot come from a macro call).
macro_rules! spec_enum {
    ([$($done:tt)*]) => {
        /// A strategy and its settings, as chosen by the user and saved in a session.
        #[derive(Clone, Debug, PartialEq)]
        pub enum StrategySpec { $($done)* }
    };
    ([$($done:tt)*] $(#[$doc:meta])* unit $v:ident($ty:ty), $($rest:tt)*) => {
        spec_enum!([$($done)* $(#[$doc])* $v,] $($rest)*);
    };
    ([$($done:tt)*] $(#[$doc:meta])* $shape:ident $v:ident($ty:ty), $($rest:tt)*) => {
        spec_enum!([$($done)* $(#[$doc])* $v($ty),] $($rest)*);
    };
}

/// From one line per strategy (`shape Variant(Settings)`, the shape being how sessions
/// spell it): [`StrategySpec`], [`STRATEGIES`] in that order, and the spec's name, build
/// and serde.
macro_rules! registry {
    ($($(#[$doc:meta])* $shape:ident $v:ident($ty:ty),)*) => {
        spec_enum!([] $($(#[$doc])* $shape $v($ty),)*);

        /// Every strategy, in the order `knobs list` and the window show them.
        pub const STRATEGIES: &[StrategyInfo] = &[$(StrategyInfo::of::<$ty>()),*];

        const VARIANTS: &[&str] = &[$(stringify!($v)),*];

        $(
            impl From<$ty> for StrategySpec {
                #[allow(unused_variables)]
                fn from(settings: $ty) -> StrategySpec {
                    variant!(pat $shape $v settings)
                }
            }
        )*

        impl StrategySpec {
            /// The short name, as `from_name` takes it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(variant!(pat $shape $v _s) => <$ty as StrategySettings>::NAME,)*
                }
            }

            /// Check the settings without building (what [`StrategySpec::build`] checks
            /// first).
            pub fn check(&self) -> Result<(), StrategyError> {
                match self {
                    $(variant!(pat $shape $v s) => variant!(settings $shape $ty, s).validate(),)*
                }
            }

            /// Build a fresh strategy for a space, seeded, from checked settings.
            pub fn build(
                &self,
                space: &Space,
                seed: u64,
            ) -> Result<Box<dyn Strategy>, StrategyError> {
                match self {
                    $(variant!(pat $shape $v s) => {
                        build_from(variant!(settings $shape $ty, s), space, seed)
                    })*
                }
            }
        }

        impl Serialize for StrategySpec {
            fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(variant!(pat $shape $v s) => variant!(write $shape $v s out),)*
                }
            }
        }

        impl<'de> Deserialize<'de> for StrategySpec {
            fn deserialize<D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
                struct Spec;
                impl<'de> de::Visitor<'de> for Spec {
                    type Value = StrategySpec;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a strategy")
                    }

                    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<StrategySpec, A::Error> {
                        let (VariantName(name), access) = data.variant::<VariantName>()?;
                        $(if name == stringify!($v) {
                            return variant!(read $shape $v $ty, access);
                        })*
                        Err(de::Error::unknown_variant(&name, VARIANTS))
                    }
                }
                input.deserialize_enum("StrategySpec", VARIANTS, Spec)
            }
        }
    };
}

registry! {
    /// Every combination of `points` values per numeric parameter and every choice of each
    /// categorical.
    fields Grid(super::grid::GridSettings),
    /// Independent uniform draws in the unit cube.
    unit Random(super::random::RandomSettings),
    /// Owen-scrambled Sobol points: fills the cube more evenly than random draws.
    unit Sobol(super::sobol::SobolSettings),
    /// Bayesian optimisation with a Gaussian process (see [`super::GpSearch`]).
    fields Gp(super::gp::GpSettings),
    /// CMA-ES with IPOP restarts (see [`super::CmaEs`]).
    fields CmaEs(super::cmaes::CmaEsSettings),
    /// Tree-structured Parzen estimator as Optuna defines it (see [`super::Tpe`]).
    fields Tpe(super::tpe::TpeSettings),
    /// Particle swarm with Clerc's constriction (see [`super::Pso`]).
    fields Pso(super::pso::PsoSettings),
    /// Simulated annealing (see [`super::Anneal`]).
    fields Anneal(super::anneal::AnnealSettings),
    /// Adam or gradient descent with analytic, central-difference or SPSA gradients (see
    /// `super::GradientSearch`).
    newtype Gradient(super::gradient::GradientSettings),
}

impl Default for StrategySpec {
    /// Random search: the baseline, with nothing to set.
    fn default() -> Self {
        StrategySpec::Random
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::{Acquisition, KernelKind};
    use crate::strategy::gradient::GradientSettings;
    use crate::strategy::{
        AnnealSettings, CmaEsSettings, GpSettings, GridSettings, PsoSettings, TpeSettings,
    };

    /// Compact RON of every default spec and three edited ones, as written before the
    /// registry (commit 232ccd0): session files must keep this shape.
    const GOLDEN: &[&str] = &[
        "Grid(points:5)",
        "Random",
        "Sobol",
        "Gp(n_startup:None,acquisition:LogEi,kernel:Matern52)",
        "CmaEs(sigma0:0.16666666666666666,popsize:None,restarts:true)",
        "Tpe(n_startup:10,n_candidates:24,prior_weight:1.0,multivariate:true)",
        "Pso(swarm:None,inertia:0.729,cognitive:1.49445,social:1.49445,v_max:0.2)",
        "Anneal(budget:100,scale0:0.25,scale_end:0.01,t0:1.0,t_end:0.001)",
        "Gradient((optimizer:Adam,learning_rate:0.05,estimator:Central,step:0.001))",
        "Gp(n_startup:Some(3),acquisition:Ucb(kappa:2.0),kernel:Rbf)",
        "CmaEs(sigma0:0.3,popsize:Some(12),restarts:false)",
        "Pso(swarm:Some(7),inertia:0.5,cognitive:1.0,social:2.0,v_max:0.1)",
    ];

    /// The same specs in a struct, pretty-printed as sessions are, before the registry.
    const PRETTY: &str = r#"(
  strategy: Gp(
    n_startup: None,
    acquisition: LogEi,
    kernel: Matern52,
  ),
  list: [
    Grid(
      points: 5,
    ),
    Random,
    Sobol,
    Gp(
      n_startup: None,
      acquisition: LogEi,
      kernel: Matern52,
    ),
    CmaEs(
      sigma0: 0.16666666666666666,
      popsize: None,
      restarts: true,
    ),
    Tpe(
      n_startup: 10,
      n_candidates: 24,
      prior_weight: 1.0,
      multivariate: true,
    ),
    Pso(
      swarm: None,
      inertia: 0.729,
      cognitive: 1.49445,
      social: 1.49445,
      v_max: 0.2,
    ),
    Anneal(
      budget: 100,
      scale0: 0.25,
      scale_end: 0.01,
      t0: 1.0,
      t_end: 0.001,
    ),
    Gradient((
      optimizer: Adam,
      learning_rate: 0.05,
      estimator: Central,
      step: 0.001,
    )),
    Gp(
      n_startup: Some(3),
      acquisition: Ucb(
        kappa: 2.0,
      ),
      kernel: Rbf,
    ),
    CmaEs(
      sigma0: 0.3,
      popsize: Some(12),
      restarts: false,
    ),
    Pso(
      swarm: Some(7),
      inertia: 0.5,
      cognitive: 1.0,
      social: 2.0,
      v_max: 0.1,
    ),
  ],
)"#;

    fn golden_specs() -> Vec<StrategySpec> {
        let mut specs: Vec<StrategySpec> = STRATEGIES.iter().map(|s| (s.default)()).collect();
        specs.push(StrategySpec::Gp(GpSettings {
            n_startup: Some(3),
            acquisition: Acquisition::Ucb { kappa: 2.0 },
            kernel: KernelKind::Rbf,
        }));
        specs.push(StrategySpec::CmaEs(CmaEsSettings {
            sigma0: 0.3,
            popsize: Some(12),
            restarts: false,
        }));
        specs.push(StrategySpec::Pso(PsoSettings {
            swarm: Some(7),
            inertia: 0.5,
            cognitive: 1.0,
            social: 2.0,
            v_max: 0.1,
        }));
        specs
    }

    #[test]
    fn specs_are_written_exactly_as_before_the_registry() {
        let written: Vec<String> = golden_specs()
            .iter()
            .map(|s| ron::to_string(s).unwrap())
            .collect();
        assert_eq!(written, GOLDEN);
    }

    #[test]
    fn pretty_session_text_keeps_its_layout() {
        #[derive(Serialize, Deserialize)]
        struct Wrapper {
            strategy: StrategySpec,
            list: Vec<StrategySpec>,
        }
        let specs = golden_specs();
        let wrapper = Wrapper {
            strategy: specs[3].clone(),
            list: specs,
        };
        // The session writer's settings (see `Session::to_ron`).
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(4)
            .indentor("  ".to_owned());
        let text = ron::ser::to_string_pretty(&wrapper, config).unwrap();
        assert_eq!(text, PRETTY);
        let back: Wrapper = ron::from_str(PRETTY).unwrap();
        assert_eq!(back.list, golden_specs());
    }

    #[test]
    fn specs_read_back_from_the_old_text() {
        for (text, spec) in GOLDEN.iter().zip(golden_specs()) {
            assert_eq!(ron::from_str::<StrategySpec>(text).unwrap(), spec, "{text}");
        }
    }

    #[test]
    fn missing_settings_take_their_defaults_as_before() {
        let gp: StrategySpec = ron::from_str("Gp(acquisition: LogEi, kernel: Matern52)").unwrap();
        assert_eq!(gp, StrategySpec::from_name("gp").unwrap());
        let tpe: StrategySpec = ron::from_str("Tpe(n_candidates: 48)").unwrap();
        let StrategySpec::Tpe(t) = tpe else {
            panic!("{tpe:?}")
        };
        assert_eq!(
            (t.n_startup, t.n_candidates, t.multivariate),
            (10, 48, true)
        );
        assert!(
            ron::from_str::<StrategySpec>("Grid()").is_err(),
            "points has no default"
        );
        let err = ron::from_str::<StrategySpec>("Telepathy").unwrap_err();
        assert!(err.to_string().contains("Telepathy"), "{err}");
    }

    #[test]
    fn every_name_and_alias_finds_its_strategy() {
        for info in STRATEGIES {
            assert_eq!((info.default)().name(), info.name);
            assert_eq!((info.default)().info().name, info.name);
            for alias in info.aliases {
                assert_eq!(StrategySpec::from_name(alias).unwrap().name(), info.name);
            }
        }
        assert_eq!(StrategySpec::from_name("bayes").unwrap().name(), "gp");
        assert_eq!(StrategySpec::from_name("cma-es").unwrap().name(), "cmaes");
        assert_eq!(StrategySpec::from_name("adam").unwrap().name(), "gradient");
        let err = StrategySpec::from_name("telepathy")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown strategy `telepathy` (known: grid, random"),
            "{err}"
        );
    }

    #[test]
    fn every_default_passes_its_check() {
        for info in STRATEGIES {
            assert_eq!((info.default)().check(), Ok(()), "{}", info.name);
        }
    }

    #[test]
    fn checks_reject_nan_zero_populations_and_huge_counts_before_allocating() {
        let bad = [
            StrategySpec::Grid(GridSettings { points: 0 }),
            StrategySpec::Grid(GridSettings { points: usize::MAX }),
            StrategySpec::CmaEs(CmaEsSettings {
                sigma0: f64::NAN,
                ..CmaEsSettings::default()
            }),
            StrategySpec::CmaEs(CmaEsSettings {
                popsize: Some(usize::MAX),
                ..CmaEsSettings::default()
            }),
            StrategySpec::Tpe(TpeSettings {
                n_candidates: 0,
                ..TpeSettings::default()
            }),
            StrategySpec::Tpe(TpeSettings {
                n_candidates: usize::MAX,
                ..TpeSettings::default()
            }),
            StrategySpec::Tpe(TpeSettings {
                prior_weight: f64::NAN,
                ..TpeSettings::default()
            }),
            StrategySpec::Pso(PsoSettings {
                swarm: Some(0),
                ..PsoSettings::default()
            }),
            StrategySpec::Pso(PsoSettings {
                swarm: Some(usize::MAX),
                ..PsoSettings::default()
            }),
            StrategySpec::Pso(PsoSettings {
                inertia: f64::NAN,
                ..PsoSettings::default()
            }),
            StrategySpec::Anneal(AnnealSettings {
                t0: f64::INFINITY,
                ..AnnealSettings::default()
            }),
            StrategySpec::Gp(GpSettings {
                acquisition: Acquisition::Ucb { kappa: f64::NAN },
                ..GpSettings::default()
            }),
            StrategySpec::Gradient(GradientSettings {
                learning_rate: f64::NAN,
                ..GradientSettings::default()
            }),
        ];
        let space = Space::new(vec![crate::space::Param::new(
            "x",
            crate::space::Domain::Float {
                low: 0.0,
                high: 1.0,
                log: false,
            },
        )])
        .unwrap();
        for spec in bad {
            let Err(StrategyError::BadSetting(why)) = spec.check() else {
                panic!("{spec:?} passed its check")
            };
            assert!(!why.is_empty());
            assert!(spec.build(&space, 0).is_err(), "{spec:?} built");
        }
    }
}
