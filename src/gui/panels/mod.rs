//! The panels around the plots: the top bar (menus, run controls, progress), the study panel
//! on the left (objective, parameters, strategy, budget), and the trial table, and the replay bar. Panels only
//! edit the workbench or push an [`Action`](crate::gui::app::Action); the app handles the
//! actions in one place after drawing.

pub mod objective;
pub mod params;
pub mod pruner;
pub mod replay_bar;
pub mod run_bar;
pub mod strategy;
pub mod study;
pub mod table;
