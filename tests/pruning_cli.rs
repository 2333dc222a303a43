//! `knobs run --pruner` on a real script that prints its learning curve: hopeless trials are
//! pruned, their processes ended, and the summary counts pruned trials and resource.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

mod common;
use common::{json_of, knobs};
use std::path::Path;
use std::time::{Duration, Instant};

/// Reports its `--x` at steps 1..3, then, when x < 0.5, sleeps as if training for ever: only
/// a pruner ending its group lets such a trial finish. Writes its process group to `pids`.
const SCRIPT: &str = r#"echo $$ >> "$(dirname "$0")/pids"
x=$2
for k in 1 2 3; do echo "{\"step\": $k, \"value\": $x}"; done
if awk "BEGIN { exit !($x < 0.5) }"; then sleep 1000; fi
echo "$x"
"#;

/// Whether any process of group `pgid` is still alive (zombies aside).
fn group_alive(pgid: u32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    dir.filter_map(Result::ok).any(|e| {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            return false;
        };
        let Some(close) = stat.rfind(')') else {
            return false;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        fields.first() != Some(&"Z") && fields.get(2) == Some(&pgid.to_string().as_str())
    })
}

fn run_script(dir: &Path, budget: &str, extra: &[&str]) -> std::process::Output {
    let script = dir.join("train.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    let command = format!("sh {}", script.display());
    let csv = dir.join("trials.csv");
    let mut args = vec![
        "run",
        "--command",
        &command,
        "--param",
        "x=0..1",
        "--direction",
        "maximize",
        "--budget",
        budget,
        "--seed",
        "3",
        "--trial-timeout",
        "120",
        "--trials-csv",
        csv.to_str().unwrap(),
        "--json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    knobs(&args)
}

#[test]
fn a_script_below_the_threshold_is_pruned_at_its_step_and_its_processes_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_script(
        dir.path(),
        "8",
        &[
            "--pruner",
            "patience",
            "--pruner-opt",
            "patience=null",
            "--pruner-opt",
            "lower=0.5",
            "--jobs",
            "2",
        ],
    );
    let j = json_of(&out);
    let csv = std::fs::read_to_string(dir.path().join("trials.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 8);
    let (mut pruned, mut resource) = (0, 0);
    for r in &rows {
        let x: f64 = r[6].parse().unwrap();
        if x < 0.5 {
            // Pruned at its first report, having used one step; not failed by the timeout.
            assert_eq!((r[1], r[4], r[5]), ("pruned", "1", "1"), "{r:?}");
            pruned += 1;
            resource += 1;
        } else {
            assert_eq!((r[1], r[4], r[5]), ("complete", "3", ""), "{r:?}");
            resource += 3;
        }
    }
    assert!(pruned > 0 && pruned < 8, "{csv}");
    assert_eq!(j["pruned"], pruned);
    assert_eq!(j["failed"], 0);
    assert_eq!(j["resource"], resource);
    assert_eq!(j["pruner"], "patience");
    // Every pruned trial's group (the script and its sleep) is gone.
    let pids = std::fs::read_to_string(dir.path().join("pids")).unwrap();
    let groups: Vec<u32> = pids.lines().filter_map(|l| l.trim().parse().ok()).collect();
    assert_eq!(groups.len(), 8);
    let deadline = Instant::now() + Duration::from_secs(10);
    while groups.iter().any(|g| group_alive(*g)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !groups.iter().any(|g| group_alive(*g)),
        "a pruned script lives on"
    );
}

#[test]
fn a_resource_budget_ends_the_run_and_the_summary_says_how_much_was_used() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_script(
        dir.path(),
        "100",
        &[
            "--pruner",
            "patience",
            "--pruner-opt",
            "patience=null",
            "--pruner-opt",
            "lower=0.5",
            "--resource-budget",
            "6",
        ],
    );
    let j = json_of(&out);
    let resource = j["resource"].as_u64().unwrap();
    assert!(resource >= 6, "{j}");
    assert!(j["trials"].as_u64().unwrap() < 100, "{j}");
    assert_eq!(j["resource_budget"], 6);
}

#[test]
fn unknown_pruners_and_settings_are_refused_with_the_known_ones() {
    let out = knobs(&["run", "--pruner", "sometimes", "--budget", "1", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("asha") && err.contains("hyperband"), "{err}");
    let out = knobs(&[
        "run",
        "--pruner",
        "asha",
        "--pruner-opt",
        "eta=3",
        "--budget",
        "1",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reduction_factor"), "{err}");
}

/// Rows of a `--trials-csv` file after its header, split at commas.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let csv = std::fs::read_to_string(path).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// What a 20-step run under ASHA's defaults (rungs at steps 1, 4 and 16) must show, whatever
/// reported the steps: pruned trials stopped at a rung having used exactly that many steps,
/// complete ones used all 20, at least one of each, and the summary counts both.
fn assert_pruned_at_asha_rungs(summary: &serde_json::Value, rows: &[Vec<String>]) {
    let (mut pruned, mut resource) = (0, 0);
    for r in rows {
        let used: u64 = r[4].parse().unwrap();
        match r[1].as_str() {
            "pruned" => {
                assert!(["1", "4", "16"].contains(&r[5].as_str()), "{r:?}");
                assert_eq!(r[5], r[4], "{r:?}");
                pruned += 1;
            }
            "complete" => assert_eq!((used, r[5].as_str()), (20, ""), "{r:?}"),
            other => panic!("a trial ended {other}: {r:?}"),
        }
        resource += used;
    }
    assert!(pruned > 0 && pruned < rows.len(), "{rows:?}");
    assert_eq!(summary["pruned"], pruned);
    assert_eq!(summary["resource"], resource);
    assert_eq!(summary["pruner"], "asha");
}

#[test]
fn a_script_printing_its_curve_is_pruned_at_asha_rungs_as_the_mlp_is() {
    let curve = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/curve.sh");
    let command = format!("sh {}", curve.display());
    let dir = tempfile::tempdir().unwrap();
    let script_csv = dir.path().join("script.csv");
    let mlp_csv = dir.path().join("mlp.csv");
    let common = [
        "--pruner", "asha", "--budget", "20", "--seed", "1", "--json", "--quiet",
    ];
    let mut script_args = vec![
        "run",
        "--command",
        &command,
        "--param",
        "x=0..1",
        "--direction",
        "maximize",
        "--trials-csv",
        script_csv.to_str().unwrap(),
    ];
    script_args.extend_from_slice(&common);
    let script = json_of(&knobs(&script_args));
    let script_rows = csv_rows(&script_csv);
    assert_eq!(script_rows.len(), 20);
    assert_pruned_at_asha_rungs(&script, &script_rows);
    // Every curve has the same shape, so the trial with the best final value is never pruned.
    let best_x = script_rows
        .iter()
        .max_by(|a, b| {
            let q = |r: &Vec<String>| -(r[6].parse::<f64>().unwrap() - 0.3).abs();
            q(a).total_cmp(&q(b))
        })
        .unwrap();
    assert_eq!(best_x[1], "complete", "{script_rows:?}");

    let mut mlp_args = vec![
        "run",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--strategy",
        "tpe",
        "--trials-csv",
        mlp_csv.to_str().unwrap(),
    ];
    mlp_args.extend_from_slice(&common);
    let mlp = json_of(&knobs(&mlp_args));
    let mlp_rows = csv_rows(&mlp_csv);
    assert_eq!(mlp_rows.len(), 20);
    assert_pruned_at_asha_rungs(&mlp, &mlp_rows);
}
