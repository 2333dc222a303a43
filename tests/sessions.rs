//! Every session shipped in `sessions/` loads and runs.

use knobs::session::Session;
use std::sync::Arc;

#[test]
fn shipped_sessions_load_and_run() {
    let mut count = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/sessions")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let session = Session::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut study = session.study;
        assert!(
            !study.name.is_empty() && !study.description.is_empty(),
            "{path:?}"
        );
        study.budget = study.budget.min(study.trials.len() + 5);
        let objective = Arc::from(study.objective.build().unwrap());
        let (done, _, _) = knobs::runner::run_to_end(study, objective, 2).unwrap();
        assert!(done.best_trial().is_some(), "{path:?}");
        count += 1;
    }
    assert!(count >= 3);
}
