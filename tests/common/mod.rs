//! Helpers shared by the tests that run the built `knobs` binary.

use serde_json::Value;
use std::process::{Command, Output};

/// Run the built binary with `args`.
pub fn knobs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_knobs"))
        .args(args)
        .output()
        .expect("running knobs")
}

/// The JSON summary `--json` prints as the last line, after checking the run succeeded.
pub fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "knobs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("some output");
    serde_json::from_str(last).expect("the last line is JSON")
}
