//! Results as the CLI writes them: a JSON summary and a CSV of trials.

use crate::advisor::{Advice, Finding, advise, advise_with};

/// The most trials a summary fits the advisor's GP on (see [`Summary::of`]).
const ADVICE_GP_TRIALS: usize = 400;
use crate::session::{SessionError, write_atomic};
use crate::space::Value;
use crate::study::{Study, TrialState};
use serde_json::{Map, Value as Json, json};
use std::path::Path;

/// The figures `--json` prints.
pub struct Summary {
    json: Json,
    /// The range advisor's findings, listed in the text report too.
    advice: Advice,
}

fn to_json(value: &Value) -> Json {
    match value {
        Value::Float(x) => json!(x),
        Value::Int(i) => json!(i),
        Value::Cat(s) => json!(s),
    }
}

impl Summary {
    /// Summarise a finished study.
    pub fn of(study: &Study, wall_seconds: f64, strategy_seconds: f64) -> Self {
        let best = study.best_trial();
        let best_params: Map<String, Json> = best
            .map(|t| {
                t.params
                    .iter()
                    .map(|(n, v)| (n.clone(), to_json(v)))
                    .collect()
            })
            .unwrap_or_default();
        let history: Vec<Json> = study
            .trials
            .iter()
            .map(|t| t.completed_value().map_or(Json::Null, |v| json!(v)))
            .collect();
        // One GP fit: the advisor reads the finished study as the window's panel does. Past
        // a few hundred trials the exact GP's cubic cost would dominate a summary, and the
        // trials alone say enough: the advisor then reads them without the GP.
        let advice = if study.trials.len() <= ADVICE_GP_TRIALS {
            advise(study)
        } else {
            advise_with(study, None)
        };
        let findings: Vec<Json> = advice.findings.iter().map(finding_json).collect();
        Summary {
            advice,
            json: json!({
                "best_value": best.and_then(|t| t.value),
                "best_params": best_params,
                "trials": study.trials.len(),
                "failed": study.failed(),
                "pruned": study.pruned(),
                "pruner": study.pruner.name(),
                "resource": study.resource_used(),
                "resource_budget": study.resource_budget,
                "wall_seconds": wall_seconds,
                "strategy_seconds": strategy_seconds,
                "history": history,
                "advice": findings,
                "range_changes": study.adaptive.changes.iter().map(|c| json!({
                    "param": c.param,
                    "from": c.from.describe(),
                    "to": c.to.describe(),
                    "trial": c.trial,
                    "told": c.told,
                    "reason": c.reason,
                })).collect::<Vec<_>>(),
            }),
        }
    }

    /// One line of JSON.
    pub fn to_json(&self) -> String {
        self.json.to_string()
    }

    /// A short readable report.
    pub fn to_text(&self, study: &Study) -> String {
        // Name the pruner beside its count: "19 pruned" alone does not say by which rule.
        let by = if study.pruner.is_active() {
            format!(" by {}", study.pruner.name())
        } else {
            String::new()
        };
        let mut out = format!(
            "{}: {} trials ({} failed, {} pruned{by}), resource {}",
            study.name,
            study.trials.len(),
            study.failed(),
            study.pruned(),
            study.resource_used()
        );
        if let Some(best) = study.best_trial() {
            let params: Vec<String> = best
                .params
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            out += &format!(
                "\nbest {} = {} at trial {}: {}",
                study.direction.as_str(),
                best.value.unwrap_or(f64::NAN),
                best.number,
                params.join(" ")
            );
        }
        for c in &study.adaptive.changes {
            out += &format!(
                "\nadaptive range from trial {}: {} {} -> {}",
                c.trial,
                c.param,
                c.from.describe(),
                c.to.describe()
            );
        }
        for f in &self.advice.findings {
            out += &format!("\nadvice on {}: {}", f.param, f.message);
        }
        out
    }
}

/// A finding as the JSON summary lists it: the suggested range in the CLI's own spelling,
/// so it can be pasted back into `--param`.
fn finding_json(f: &Finding) -> Json {
    let numbers: Map<String, Json> = f
        .numbers
        .iter()
        .map(|(n, v)| (n.clone(), json!(v)))
        .collect();
    json!({
        "param": f.param,
        "kind": f.kind.as_str(),
        "message": f.message,
        "numbers": numbers,
        "suggested": f.suggested.describe(),
    })
}

/// Write `number,state,value,duration_seconds,resource,pruned_step,<one column per
/// parameter>` atomically.
pub fn write_trials_csv(study: &Study, path: &Path) -> Result<(), SessionError> {
    let encode = |e: csv::Error| SessionError::Encode(e.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "number".to_owned(),
        "state".into(),
        "value".into(),
        "duration_seconds".into(),
        "resource".into(),
        "pruned_step".into(),
    ];
    header.extend(study.space.params().iter().map(|p| p.name.clone()));
    writer.write_record(&header).map_err(encode)?;
    for t in &study.trials {
        let state = match &t.state {
            TrialState::Running => "running",
            TrialState::Complete => "complete",
            TrialState::Failed(_) => "failed",
            TrialState::Pruned { .. } => "pruned",
        };
        let mut row = vec![
            t.number.to_string(),
            state.to_owned(),
            t.completed_value()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            t.duration.to_string(),
            t.resource().to_string(),
            t.pruned_at().map(|s| s.to_string()).unwrap_or_default(),
        ];
        row.extend(study.space.params().iter().map(|p| {
            t.params
                .iter()
                .find(|(n, _)| *n == p.name)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        }));
        writer.write_record(&row).map_err(encode)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| SessionError::Encode(e.to_string()))?;
    write_atomic(path, &bytes)
}
