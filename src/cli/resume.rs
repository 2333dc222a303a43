//! Resuming a session from the command line safely: flags that would change what its
//! stored trials measured are refused (or start a new study with `--new-study`), and
//! numeric flags are range-checked before anything is allocated or converted.

use super::{CliError, RunArgs};
use crate::objective::ObjectiveSpec;
use crate::space::Space;
use crate::study::Study;
use std::path::Path;

/// The most worker threads `--jobs` may ask for: far beyond any machine Knobs runs on, and
/// checked before threads are spawned (a huge value used to panic while spawning).
pub const MAX_JOBS: usize = 1024;

use crate::study::MAX_WINDOW;

/// Range-check the numeric flags that are used as sizes, before anything uses them.
/// (`--dims`, `--grid-points` and `--trial-timeout` are checked where they are built, which
/// also covers the same fields read from a session.)
pub(super) fn check_limits(args: &RunArgs) -> Result<(), CliError> {
    if let Some(j) = args.jobs
        && !(1..=MAX_JOBS).contains(&j)
    {
        return Err(CliError::Input(format!(
            "--jobs must be between 1 and {MAX_JOBS}, got {j}"
        )));
    }
    if let Some(w) = args.window
        && !(1..=MAX_WINDOW).contains(&w)
    {
        return Err(CliError::Input(format!(
            "--window must be between 1 and {MAX_WINDOW}, got {w}"
        )));
    }
    Ok(())
}

/// Refuse a resume whose flags changed the objective, the space or the direction of a
/// session that holds trials: those trials measured something else, and mixing them into
/// the new study would be silently wrong (a Branin study "reaching" −2.63). With
/// `new_study` the changes are kept and the trials dropped instead: a new study from the
/// old one's settings.
pub(super) fn check_resume(
    path: &Path,
    stored: &Study,
    study: &mut Study,
    new_study: bool,
) -> Result<(), CliError> {
    if new_study {
        study.trials.clear();
        return Ok(());
    }
    if stored.trials.is_empty() {
        return Ok(());
    }
    let changes = resume_changes(stored, study);
    if changes.is_empty() {
        return Ok(());
    }
    Err(CliError::Input(format!(
        "{}: the flags change {} of a study with {} stored trials, which were measured \
         without that change and cannot be mixed into it. To start a new study from this \
         session's settings with these changes (its trials dropped), add --new-study; to \
         resume it, leave the objective, space and direction as saved",
        path.display(),
        changes.join(", "),
        stored.trials.len()
    )))
}

/// What the flags changed of a stored study that its trials depend on (the objective, the
/// space, the direction), one phrase each; empty when nothing did. Shared by every resume
/// (a session, a journal, an SQL storage), so each refuses the same changes.
pub(super) fn resume_changes(stored: &Study, study: &Study) -> Vec<String> {
    let mut changes = Vec::new();
    if !same_measure(&stored.objective, &study.objective) {
        changes.push(format!(
            "the objective ({} → {})",
            stored.objective.label(),
            study.objective.label()
        ));
    }
    if stored.space != study.space {
        changes.push(format!(
            "the space ({})",
            space_changes(&stored.space, &study.space)
        ));
    }
    if stored.direction != study.direction {
        changes.push(format!(
            "the direction ({} → {})",
            stored.direction.as_str(),
            study.direction.as_str()
        ));
    }
    changes
}

/// Whether two objective specs measure the same thing: equal, except that a command's
/// timeout and a synthetic function's spelled-out default dimension do not count.
fn same_measure(a: &ObjectiveSpec, b: &ObjectiveSpec) -> bool {
    match (a, b) {
        (ObjectiveSpec::Command { command: a, .. }, ObjectiveSpec::Command { command: b, .. }) => {
            a == b
        }
        (
            ObjectiveSpec::Synthetic {
                function: fa,
                dims: da,
            },
            ObjectiveSpec::Synthetic {
                function: fb,
                dims: db,
            },
        ) => fa == fb && da.unwrap_or(fa.default_dims()) == db.unwrap_or(fb.default_dims()),
        _ => a == b,
    }
}

/// The parameters added, removed or changed between two spaces, as `name: old → new`.
fn space_changes(old: &Space, new: &Space) -> String {
    let mut out = Vec::new();
    for p in old.params() {
        match new.get(&p.name) {
            None => out.push(format!("{} removed", p.name)),
            Some(q) if q.domain != p.domain => out.push(format!(
                "{}: {} → {}",
                p.name,
                p.domain.describe(),
                q.domain.describe()
            )),
            Some(_) => {}
        }
    }
    for q in new.params() {
        if old.get(&q.name).is_none() {
            out.push(format!("{} added ({})", q.name, q.domain.describe()));
        }
    }
    if out.is_empty() {
        out.push("parameters reordered".into());
    }
    out.join("; ")
}
