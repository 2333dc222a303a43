//! Property tests: the parsers that read what a user hands Knobs — CSV data, fold files,
//! RON sessions, journals and `--param` specs — fed arbitrary bytes and mutations of the real files
//! in `assets/datasets/` and `sessions/`. Each must answer with a value that is valid or an
//! error with a message; never a panic (a panic fails the property).
//!
//! 10,000 cases per parser by default, in CI time; set `PROPTEST_CASES` for a longer run.
//! The journal reader gets the same, plus edits by whole lines (duplicated, dropped and
//! swapped lines, wrong op codes) and must name the line it refuses.

#![allow(clippy::unwrap_used)]

use knobs_core::data::{Dataset, Folds, LoadOptions, Task};
use knobs_core::session::Session;
use knobs_core::space::{Space, parse_param};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::path::Path;

/// Cases per property: `PROPTEST_CASES` if set, else 10,000.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(relative: &str) -> Vec<u8> {
    std::fs::read(root().join(relative)).unwrap()
}

/// The first `lines` lines of a file: big files cut to keep 10,000 cases fast.
fn head(relative: &str, lines: usize) -> Vec<u8> {
    let text = read(relative);
    let mut out = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n').take(lines) {
        out.extend_from_slice(line);
    }
    out
}

/// Bytes that matter to the parsers: separators, quotes, signs, exponents, line ends, a
/// BOM's first byte, invalid UTF-8.
const INTERESTING: &[u8] = b",\"\n\r-+.e0123456789:=;() \t\xEF\xFF\x00NaInf";

/// Numbers a hostile file would carry, spliced in place of a number.
const HOSTILE_NUMBERS: &[&str] = &[
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "9223372036854775807",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-inf",
    "4294967296",
];

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Edit {
    /// Overwrite the byte at (position mod length).
    Set(usize, u8),
    /// Insert a byte.
    Insert(usize, u8),
    /// Remove up to `n` bytes.
    Remove(usize, usize),
    /// Cut the text here.
    Truncate(usize),
    /// Copy a slice somewhere else (duplicated lines, fields).
    Duplicate(usize, usize, usize),
    /// Replace the number starting at or after a position with a hostile one.
    Number(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        3 => prop::sample::select(INTERESTING),
        1 => any::<u8>(),
    ];
    prop_oneof![
        byte.clone()
            .prop_flat_map(|b| any::<usize>().prop_map(move |p| Edit::Set(p, b))),
        byte.prop_flat_map(|b| any::<usize>().prop_map(move |p| Edit::Insert(p, b))),
        (any::<usize>(), 1..40usize).prop_map(|(p, n)| Edit::Remove(p, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1..80usize, any::<usize>()).prop_map(|(p, n, q)| Edit::Duplicate(p, n, q)),
        (any::<usize>(), 0..HOSTILE_NUMBERS.len()).prop_map(|(p, i)| Edit::Number(p, i)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len();
    let at = |p: usize| if len == 0 { 0 } else { p % (len + 1) };
    match *edit {
        Edit::Set(p, b) if len > 0 => bytes[p % len] = b,
        Edit::Set(..) => bytes.push(0),
        Edit::Insert(p, b) => bytes.insert(at(p), b),
        Edit::Remove(p, n) => {
            let start = at(p);
            let end = (start + n).min(len);
            bytes.drain(start..end);
        }
        Edit::Truncate(p) => bytes.truncate(at(p)),
        Edit::Duplicate(p, n, q) => {
            let start = at(p);
            let piece = bytes[start..(start + n).min(len)].to_vec();
            let to = at(q);
            bytes.splice(to..to, piece);
        }
        Edit::Number(p, i) => {
            let from = at(p);
            let Some(start) = bytes[from..].iter().position(u8::is_ascii_digit) else {
                return;
            };
            let start = from + start;
            let end = bytes[start..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                .map_or(len, |e| start + e);
            bytes.splice(start..end, HOSTILE_NUMBERS[i].bytes());
        }
    }
}

/// Arbitrary bytes (a third of cases) or a real file with a few edits.
fn mutated(files: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let real = (
        prop::sample::select(files),
        prop::collection::vec(edit(), 1..6),
    )
        .prop_map(|(mut bytes, edits)| {
            for e in &edits {
                apply(&mut bytes, e);
            }
            bytes
        });
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => prop::collection::vec(prop::sample::select(INTERESTING), 0..300),
        4 => real,
    ]
}

fn csv_files() -> Vec<Vec<u8>> {
    vec![
        read("assets/datasets/iris.csv"),
        head("assets/datasets/wine.csv", 40),
        head("assets/datasets/moons.csv", 60),
        head("assets/datasets/diabetes.csv", 30),
        head("assets/datasets/digits.csv", 12),
        b"a,b,label\n1,2,x\n\"3\",4,y\n5,6,\"x\"\n".to_vec(),
    ]
}

fn fold_files() -> Vec<Vec<u8>> {
    vec![
        read("assets/datasets/iris.folds.csv"),
        read("assets/datasets/wine.folds.csv"),
        head("assets/datasets/moons.folds.csv", 50),
    ]
}

/// Session texts: the shipped sessions (the big race file aside) and one with trials,
/// gradients, folds and labels written by a real run.
fn session_files() -> Vec<Vec<u8>> {
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(root().join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() < 10_000)
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    files.sort();
    let mut study = knobs_core::study::default_study();
    study.budget = 6;
    study.strategy = knobs_core::strategy::StrategySpec::from_name("tpe").unwrap();
    let objective = study.objective.build().unwrap();
    let (run, _, _) =
        knobs_core::runner::run_to_end(study, std::sync::Arc::from(objective), 1).unwrap();
    files.push(Session::new(run).to_ron().unwrap().into_bytes());
    files
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_csv_parser_returns_a_dataset_or_an_error_naming_the_file(
        bytes in mutated(csv_files()),
        task in prop_oneof![Just(None), Just(Some(Task::Regression)), Just(Some(Task::Classification))],
    ) {
        let options = LoadOptions { task, ..LoadOptions::default() };
        match Dataset::from_bytes("fuzz.csv", &bytes, &options) {
            Ok(d) => {
                prop_assert!(d.n_samples() > 0);
                prop_assert_eq!(d.feature_names().len(), d.n_features());
                // Every cell is a finite number, a category's index, or a gap (NaN).
                prop_assert!(d.x().iter().all(|v| v.is_finite() || v.is_nan()));
                prop_assert_eq!(d.kinds().len(), d.n_features());
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz"), "{}", e),
        }
    }

    #[test]
    fn the_fold_file_parser_returns_valid_folds_or_an_error_naming_the_file(
        bytes in mutated(fold_files()),
        n_rows in prop_oneof![Just(150usize), Just(178), 0..200usize],
    ) {
        match Folds::from_bytes("fuzz.folds.csv", &bytes, n_rows) {
            Ok(f) => {
                prop_assert!(f.k() >= 2);
                prop_assert_eq!(f.n_rows(), n_rows);
                prop_assert!(f.fold_sizes().iter().all(|&s| s > 0));
                prop_assert_eq!(f.splits().count(), f.k());
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz"), "{}", e),
        }
    }

    #[test]
    fn the_session_loader_returns_a_runnable_study_or_an_error_naming_the_file(
        bytes in mutated(session_files()),
    ) {
        let text = String::from_utf8_lossy(&bytes);
        match Session::parse(&text, Path::new("fuzz.ron")) {
            Ok(session) => {
                let study = &session.study;
                // repaired on load: what remains runs as stored
                prop_assert!(study.validate().is_ok(), "{:?}", study.validate());
                // building its strategy never panics or allocates without bound
                let _ = study.strategy.build(&study.space, study.seed);
                let _ = study.best_trial();
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz.ron"), "{}", e),
        }
    }

    #[test]
    fn the_parameter_spec_parser_returns_a_valid_parameter_or_a_reason(
        spec in prop_oneof![
            1 => any::<String>(),
            2 => spec_text(),
        ],
        u in 0.0..=1.0f64,
    ) {
        match parse_param(&spec) {
            Ok(param) => {
                let space = Space::new(vec![param.clone()]);
                prop_assert!(space.is_ok(), "{:?}", space);
                let space = space.unwrap();
                let params = space.from_unit(&vec![u; space.dim()]);
                let back = space.to_unit(&params);
                prop_assert!(back.iter().all(|x| (0.0..=1.0).contains(x)));
                let _ = param.domain.grid_len(usize::MAX);
                let _ = knobs_core::strategy::StrategySpec::Grid(knobs_core::strategy::GridSettings { points: 5 }).build(&space, 0);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// The mutations keep enough of the real files that a good share still loads, so the
/// properties above reach the loaders' deep checks and not only their first line.
#[test]
fn mutated_real_files_often_still_load() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let sessions = mutated(session_files());
    let csvs = mutated(csv_files());
    let (mut sessions_ok, mut csvs_ok) = (0, 0);
    for _ in 0..400 {
        let text = sessions.new_tree(&mut runner).unwrap().current();
        sessions_ok += usize::from(
            Session::parse(&String::from_utf8_lossy(&text), Path::new("s.ron")).is_ok(),
        );
        let bytes = csvs.new_tree(&mut runner).unwrap().current();
        csvs_ok += usize::from(Dataset::from_bytes("d", &bytes, &LoadOptions::default()).is_ok());
    }
    assert!(
        sessions_ok >= 20,
        "{sessions_ok} of 400 mutated sessions loaded"
    );
    assert!(csvs_ok >= 10, "{csvs_ok} of 400 mutated CSV files loaded");
    eprintln!("loaded: {sessions_ok}/400 sessions, {csvs_ok}/400 CSV files");
}

/// Specs shaped like real ones, with hostile numbers and suffixes.
fn spec_text() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        prop::sample::select(HOSTILE_NUMBERS).prop_map(str::to_owned),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|x| x.to_string()),
        "[-+]?[0-9]{0,3}(\\.[0-9]{0,3})?(e[-+]?[0-9]{1,3})?",
    ];
    let suffix = prop::sample::select(vec![
        "", ":log", ":int", ":int:log", ":log:int", ":cube", ":",
    ]);
    prop_oneof![
        (number.clone(), number.clone(), suffix).prop_map(|(a, b, s)| format!("x={a}..{b}{s}")),
        "[a-c ,]{0,12}".prop_map(|c| format!("k={c}")),
        number.prop_map(|n| format!("n={n}")),
    ]
}

/// Journal texts: one a Knobs run wrote as it ran (trials started and finished live, a
/// categorical, an int and a fixed parameter, the end of the run, a strategy state), the
/// same study re-created from its finished trials, and the start of the Optuna fixture.
fn journal_files() -> Vec<Vec<u8>> {
    use knobs_core::space::{Domain, Param, Value};
    use knobs_core::storage::journal::JournalStorage;
    let dir = tempfile::tempdir().unwrap();
    let mut study = knobs_core::study::default_study();
    study.budget = 6;
    study.strategy = knobs_core::strategy::StrategySpec::from_name("tpe").unwrap();
    for param in [
        Param::new(
            "kind",
            Domain::Categorical {
                choices: vec!["a".into(), "b".into()],
            },
        ),
        Param::new(
            "n",
            Domain::Int {
                low: 1,
                high: 100,
                log: true,
            },
        ),
        Param::new("fixed", Domain::Fixed(Value::Float(0.25))),
    ] {
        study.space.upsert(param).unwrap();
    }
    let live = dir.path().join("live.journal");
    let storage = JournalStorage::create(&live, &study).unwrap();
    let objective = std::sync::Arc::from(study.objective.build().unwrap());
    let handle =
        knobs_core::runner::start_with(study, objective, 2, None, Some(Box::new(storage))).unwrap();
    let done = handle.join().unwrap();
    let stored = dir.path().join("stored.journal");
    drop(JournalStorage::create(&stored, &done).unwrap());
    vec![
        std::fs::read(&live).unwrap(),
        std::fs::read(&stored).unwrap(),
        head("tests/fixtures/optuna_journal.log", 30),
    ]
}

/// Op codes a hostile journal carries: Optuna's, the next ones, and numbers that are not
/// codes at all.
const OP_CODES: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "99",
    "-1",
    "1e20",
    "18446744073709551615",
    "null",
    "\"4\"",
];

/// An edit of a journal by whole lines: what a bad merge, a copy or a second writer leaves.
#[derive(Clone, Debug)]
enum LineEdit {
    /// Copy line `from` before line `to` (a trial created or finished twice, a study twice).
    Duplicate(usize, usize),
    /// Drop a line (a trial never created, a state never set).
    Remove(usize),
    /// Swap two lines (a trial finished before it started).
    Swap(usize, usize),
    /// Give a line another op code.
    OpCode(usize, usize),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| LineEdit::Duplicate(a, b)),
        any::<usize>().prop_map(LineEdit::Remove),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| LineEdit::Swap(a, b)),
        (any::<usize>(), 0..OP_CODES.len()).prop_map(|(a, c)| LineEdit::OpCode(a, c)),
    ]
}

fn apply_lines(bytes: &[u8], edit: &LineEdit) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        return bytes.to_vec();
    }
    let n = lines.len();
    match *edit {
        LineEdit::Duplicate(a, b) => {
            let line = lines[a % n].clone();
            lines.insert(b % (n + 1), line);
        }
        LineEdit::Remove(a) => {
            lines.remove(a % n);
        }
        LineEdit::Swap(a, b) => lines.swap(a % n, b % n),
        LineEdit::OpCode(a, c) => {
            let text = String::from_utf8_lossy(&lines[a % n]).into_owned();
            if let Some(at) = text.find("\"op_code\":") {
                let start = at + "\"op_code\":".len();
                let end = text[start..]
                    .find([',', '}'])
                    .map_or(text.len(), |e| start + e);
                lines[a % n] =
                    format!("{}{}{}", &text[..start], OP_CODES[c], &text[end..]).into_bytes();
            }
        }
    }
    lines.concat()
}

/// Arbitrary bytes, or a real journal with a few line edits and a few byte edits (flipped
/// bytes, cut lines, hostile numbers).
fn mutated_journal(files: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let real = (
        prop::sample::select(files),
        prop::collection::vec(line_edit(), 0..4),
        prop::collection::vec(edit(), 0..3),
    )
        .prop_map(|(bytes, lines, edits)| {
            let mut bytes = lines.iter().fold(bytes, |b, e| apply_lines(&b, e));
            for e in &edits {
                apply(&mut bytes, e);
            }
            bytes
        });
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => prop::collection::vec(prop::sample::select(INTERESTING), 0..300),
        6 => real,
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_journal_reader_returns_a_study_with_notes_or_an_error_naming_the_file_and_line(
        bytes in mutated_journal(journal_files()),
    ) {
        use knobs_core::storage::{StorageError, journal};
        let path = Path::new("fuzz.journal");
        match journal::read_bytes(path, &bytes, None) {
            Ok(recovered) => {
                // What a window shows and a resume replays never panics.
                let _ = recovered.study.best_trial();
                let _ = recovered.is_finished();
                let resumable = recovered.resumable();
                if recovered.knobs_definition {
                    let _ = resumable.strategy.build(&resumable.space, resumable.seed);
                }
                for t in &recovered.study.trials {
                    prop_assert_eq!(t.point.len(), recovered.study.space.dim());
                }
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("fuzz.journal"), "{}", msg);
                if let StorageError::Malformed { line, .. } = e {
                    let lines = bytes.split(|&b| b == b'\n').count();
                    prop_assert!(line >= 1 && line <= lines, "line {} of {}: {}", line, lines, msg);
                    prop_assert!(msg.contains(&format!("fuzz.journal:{line}:")), "{}", msg);
                }
            }
        }
    }
}

/// The journal mutations keep enough of the real files that a good share still loads (the
/// property reaches the replay and the mapping to Knobs' study, not only the JSON parser).
#[test]
fn mutated_journals_often_still_load() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let journals = mutated_journal(journal_files());
    let mut ok = 0;
    for _ in 0..400 {
        let bytes = journals.new_tree(&mut runner).unwrap().current();
        ok += usize::from(
            knobs_core::storage::journal::read_bytes(Path::new("j"), &bytes, None).is_ok(),
        );
    }
    assert!(ok >= 40, "{ok} of 400 mutated journals loaded");
    eprintln!("loaded: {ok}/400 journals");
}
