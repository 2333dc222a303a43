//! Knobs' functional ANOVA of the GP mean for a study in a journal, as JSON, for
//! `examples/ped_anova_compare.py` to print beside Optuna's PED-ANOVA and fANOVA:
//!
//!     cargo run --release --no-default-features --example surrogate_anova -- STUDY.journal
//!
//! Prints one JSON object: the parameters, the main-effect shares `V_i / V`, the same
//! normalised to sum to one (as Optuna reports), the pairwise interaction shares and the
//! leave-one-out coverage of the GP's 95% intervals. For a synthetic objective it adds the
//! same decomposition of the true function (`truth_main_normalised`, `truth_pairs`), what
//! every estimate should be compared with.

use knobs::explain::{Anova, Design, Diagnostics, PartialDependence};
use knobs::gp::Surrogate;
use knobs::objective::ObjectiveSpec;
use knobs::study::Study;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: surrogate_anova STUDY.journal");
        return ExitCode::from(2);
    };
    let study = match knobs::storage::journal::read(&path) {
        Ok(r) => r.study,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let Some(surrogate) = Surrogate::fit(&study) else {
        eprintln!(
            "{}: the GP needs at least two completed trials",
            path.display()
        );
        return ExitCode::FAILURE;
    };
    let n = study
        .trials
        .iter()
        .filter(|t| t.completed_value().is_some())
        .count();
    let (anova, _) = Anova::of_surrogate(&surrogate, Design::for_cost(surrogate.dim(), n));
    let loo = Diagnostics::of_surrogate(&surrogate);
    let names: Vec<&str> = study.space.free().map(|p| p.name.as_str()).collect();
    let pairs: Vec<serde_json::Value> = anova
        .pairs
        .iter()
        .map(|&(i, j, v)| serde_json::json!({"params": [names[i], names[j]], "share": v}))
        .collect();
    let truth = truth(&study);
    let truth_pairs: Option<Vec<serde_json::Value>> = truth.as_ref().map(|t| {
        t.pairs
            .iter()
            .map(|&(i, j, v)| serde_json::json!({"params": [names[i], names[j]], "share": v}))
            .collect()
    });
    let out = serde_json::json!({
        "truth_main_normalised": truth.as_ref().map(Anova::normalised_main),
        "truth_pairs": truth_pairs,
        "study": study.name,
        "trials": n,
        "params": names,
        "main": anova.main,
        "main_normalised": anova.normalised_main(),
        "pairs": pairs,
        "higher_order": anova.higher_order(),
        "loo_inside_95": loo.inside,
        "loo_correlation": loo.correlation,
    });
    println!("{out}");
    ExitCode::SUCCESS
}

/// The decomposition of a synthetic objective's true function on a fine design; `None` for
/// other objectives.
fn truth(study: &Study) -> Option<Anova> {
    if !matches!(study.objective, ObjectiveSpec::Synthetic { .. }) {
        return None;
    }
    let f = study.objective.build().ok()?;
    let batch = |pts: &[Vec<f64>]| -> Vec<f64> {
        pts.iter()
            .map(|u| {
                f.evaluate(&study.space.from_unit(u), false)
                    .map_or(f64::NAN, |e| e.value)
            })
            .collect()
    };
    let design = Design {
        grid1: 48,
        grid2: 24,
        samples: 512,
        total: 8192,
        seed: 11,
    };
    Some(Anova::of(&PartialDependence::compute(
        &batch,
        study.space.dim(),
        design,
    )))
}
