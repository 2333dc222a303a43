//! Step mode: one trial at a time, with the reasons for each point shown before it is
//! evaluated.
//!
//! - [`why`]: the "why this point?" view of each strategy's [`Explanation`](crate::strategy::Explanation).

pub mod why;
