//! The CSV reader behind [`Dataset::from_path`] and [`Dataset::from_bytes`]: one pass over
//! a stream, every kept cell parsed straight into one row-major `f64` buffer (numbers as
//! themselves, categories as their level's index, gaps as NaN), so a large file costs about
//! the size of its numeric data and never a `String` per row.
//!
//! Errors name the file, the 1-based line and the column, and say how to fix the file or
//! which flag to use.

use super::csv::{
    Classes, ColumnKind, DataError, Dataset, LoadOptions, MAX_INFERRED_CLASSES, MAX_LEVELS, Target,
    Task,
};
use ndarray::Array2;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;

/// How far a load has got, for a progress bar or line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadProgress {
    /// Bytes read so far.
    pub bytes: u64,
    /// The file's size, when known.
    pub total: Option<u64>,
}

impl LoadProgress {
    /// The fraction read, in `0..=1` (0 when the size is unknown).
    pub fn fraction(&self) -> f32 {
        match self.total {
            Some(t) if t > 0 => (self.bytes as f64 / t as f64).min(1.0) as f32,
            _ => 0.0,
        }
    }
}

/// Bytes between two progress reports: a hundredth of the file, within these bounds.
const REPORT_EVERY: (u64, u64) = (64 << 10, 4 << 20);

/// Whether a field stands for a missing value.
pub(super) fn is_missing(text: &str) -> bool {
    matches!(text, "" | "NA" | "N/A" | "?")
}

/// Watches the bytes the CSV reader pulls through it: counts them for progress and follows
/// quotes to find one never closed (the `csv` crate silently reads such a field to the end
/// of the file, which would turn one typo into a confusing error far away).
struct Tracked<'p, R> {
    inner: R,
    bytes: u64,
    total: Option<u64>,
    next_report: u64,
    step: u64,
    progress: &'p mut dyn FnMut(LoadProgress),
    quotes: QuoteScan,
}

impl<R: Read> Read for Tracked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes.feed(&buf[..n]);
        self.bytes += n as u64;
        if self.bytes >= self.next_report {
            self.next_report = self.bytes + self.step;
            (self.progress)(LoadProgress {
                bytes: self.bytes,
                total: self.total,
            });
        }
        Ok(n)
    }
}

/// An incremental scan for quoted fields, fed the file's bytes in order.
#[derive(Default)]
struct QuoteScan {
    line: u64,
    field: usize,
    started: bool,
    mid_field: bool,
    /// Where the open quote opened: 1-based line, 0-based field.
    open: Option<(u64, usize)>,
    /// A quote seen inside a quoted field: an escaped `""` or the closing quote, decided
    /// by the next byte.
    pending: bool,
    /// Bytes of a leading UTF-8 byte-order mark still to skip.
    position: u64,
}

impl QuoteScan {
    fn feed(&mut self, bytes: &[u8]) {
        if !self.started {
            self.started = true;
            self.line = 1;
        }
        for &b in bytes {
            let at = self.position;
            self.position += 1;
            if at < 3 && b == [0xEF, 0xBB, 0xBF][at as usize] && !self.mid_field {
                continue;
            }
            if self.open.is_some() {
                if self.pending {
                    self.pending = false;
                    if b == b'"' {
                        continue; // an escaped quote inside the field
                    }
                    self.open = None;
                } else {
                    if b == b'"' {
                        self.pending = true;
                    } else if b == b'\n' {
                        self.line += 1;
                    }
                    continue;
                }
            }
            match b {
                b'"' if !self.mid_field => self.open = Some((self.line, self.field)),
                b',' => {
                    self.field += 1;
                    self.mid_field = false;
                    continue;
                }
                b'\n' => {
                    self.line += 1;
                    self.field = 0;
                    self.mid_field = false;
                    continue;
                }
                _ => {}
            }
            self.mid_field = true;
        }
    }

    /// The quote never closed, if any, once the whole file has been fed.
    fn unclosed(&self) -> Option<(u64, usize)> {
        if self.pending { None } else { self.open }
    }
}

/// What the reader learns about one kept column (a feature or the target) as it goes.
struct Column {
    name: String,
    is_target: bool,
    /// Read as categories from the start (`--categorical`).
    forced: bool,
    /// Holds level indices (forced, or switched on meeting text).
    categorical: bool,
    levels: HashMap<String, u32>,
    level_names: Vec<String>,
    /// Cells written as integers (no point, no exponent) so far.
    all_int: bool,
    numbers: usize,
    texts: usize,
    missing: usize,
    first_missing: Option<u64>,
    first_text: Option<(u64, String)>,
}

impl Column {
    fn level(&mut self, text: &str) -> f64 {
        if let Some(&code) = self.levels.get(text) {
            return f64::from(code);
        }
        let code = u32::try_from(self.level_names.len()).unwrap_or(u32::MAX);
        self.levels.insert(text.to_owned(), code);
        self.level_names.push(text.to_owned());
        f64::from(code)
    }
}

/// The file's roles: which header columns are kept, and where the target is among them.
struct Layout {
    columns: Vec<String>,
    kept: Vec<Column>,
    /// For each header column, its place among the kept ones.
    slot: Vec<Option<usize>>,
    target: usize,
}

fn layout(columns: Vec<String>, options: &LoadOptions, file: &str) -> Result<Layout, DataError> {
    let known = || columns.join(", ");
    let find = |name: &String, role: &'static str| {
        columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| DataError::UnknownColumn {
                file: file.to_owned(),
                column: name.clone(),
                role,
                known: known(),
            })
    };
    let target = match &options.target {
        None => columns.len().saturating_sub(1),
        Some(t) => columns
            .iter()
            .position(|c| c == t)
            .ok_or_else(|| DataError::UnknownTarget {
                file: file.to_owned(),
                column: t.clone(),
                known: known(),
            })?,
    };
    let mut ignored = vec![false; columns.len()];
    for name in &options.ignore {
        let i = find(name, "ignore")?;
        if i == target {
            return Err(DataError::IgnoredTarget {
                file: file.to_owned(),
                column: name.clone(),
            });
        }
        ignored[i] = true;
    }
    let mut forced = vec![false; columns.len()];
    for name in &options.categorical {
        forced[find(name, "read as categories")?] = true;
    }
    let n_features = (0..columns.len())
        .filter(|&i| i != target && !ignored[i])
        .count();
    if n_features == 0 {
        return Err(DataError::NoFeatures {
            file: file.to_owned(),
            column: columns.get(target).cloned().unwrap_or_default(),
        });
    }
    let mut kept = Vec::new();
    let mut slot = vec![None; columns.len()];
    let mut target_slot = 0;
    for (i, name) in columns.iter().enumerate() {
        if ignored[i] {
            continue;
        }
        if i == target {
            target_slot = kept.len();
        }
        slot[i] = Some(kept.len());
        kept.push(Column {
            name: name.clone(),
            is_target: i == target,
            forced: forced[i] && i != target,
            categorical: forced[i] && i != target,
            levels: HashMap::new(),
            level_names: Vec::new(),
            all_int: true,
            numbers: 0,
            texts: 0,
            missing: 0,
            first_missing: None,
            first_text: None,
        });
    }
    Ok(Layout {
        columns,
        kept,
        slot,
        target: target_slot,
    })
}

/// A field as trimmed UTF-8 text.
fn text<'a>(field: &'a [u8], file: &str, line: u64, column: &str) -> Result<&'a str, DataError> {
    std::str::from_utf8(field)
        .map(str::trim)
        .map_err(|_| DataError::NotUtf8 {
            file: file.to_owned(),
            line,
            column: column.to_owned(),
        })
}

/// The cells read so far, row-major over the kept columns.
struct Cells {
    values: Vec<f64>,
    width: usize,
    rows: usize,
    last_line: u64,
}

impl Cells {
    /// Turn column `slot`'s numbers so far into level indices, the numbers written back as
    /// text (a column found to be text after some numeric cells).
    fn turn_into_levels(&mut self, column: &mut Column, slot: usize) {
        for r in 0..self.rows {
            let cell = &mut self.values[r * self.width + slot];
            if !cell.is_nan() {
                *cell = column.level(&format!("{cell}"));
            }
        }
        column.categorical = true;
    }
}

/// Read one cell of a kept column into the buffer.
fn cell(
    cells: &mut Cells,
    column: &mut Column,
    slot: usize,
    t: &str,
    file: &str,
    line: u64,
) -> Result<(), DataError> {
    if is_missing(t) {
        column.missing += 1;
        column.first_missing.get_or_insert(line);
        cells.values.push(f64::NAN);
        return Ok(());
    }
    if column.forced {
        let code = column.level(t);
        cells.values.push(code);
        return Ok(());
    }
    let parsed = t.parse::<f64>().ok();
    match parsed {
        Some(v) if v.is_finite() => {
            column.numbers += 1;
            if column.all_int {
                column.all_int = t.parse::<i64>().is_ok();
            }
            if column.categorical {
                let code = column.level(&format!("{v}"));
                cells.values.push(code);
            } else {
                cells.values.push(v);
            }
        }
        Some(_) if !column.is_target => {
            return Err(DataError::NotFinite {
                file: file.to_owned(),
                line,
                column: column.name.clone(),
                text: t.to_owned(),
            });
        }
        _ => {
            column.texts += 1;
            column
                .first_text
                .get_or_insert_with(|| (line, t.to_owned()));
            if !column.categorical {
                cells.turn_into_levels(column, slot);
            }
            let code = column.level(t);
            cells.values.push(code);
        }
    }
    Ok(())
}

/// Parse CSV from `reader` into a dataset; `file` names the source in errors, `name` the
/// dataset, `total` is the size in bytes when known (for progress and to size the buffer).
pub(super) fn load<R: Read>(
    file: &str,
    name: String,
    reader: R,
    total: Option<u64>,
    options: &LoadOptions,
    progress: &mut dyn FnMut(LoadProgress),
) -> Result<Dataset, DataError> {
    let step = total.map_or(REPORT_EVERY.1, |t| {
        (t / 100).clamp(REPORT_EVERY.0, REPORT_EVERY.1)
    });
    let tracked = Tracked {
        inner: reader,
        bytes: 0,
        total,
        next_report: step,
        step,
        progress,
        quotes: QuoteScan::default(),
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(tracked);
    let mut header = Vec::new();
    let parsed = read_all(&mut reader, file, total, options, &mut header);
    // A quote never closed explains any error after it, so it is reported first.
    let mut rest = reader.into_inner();
    let drained = std::io::copy(&mut rest, &mut std::io::sink());
    if let (Ok(_), Some((line, field))) = (drained, rest.quotes.unclosed()) {
        let column = match header.get(field) {
            Some(c) if line > 1 => c.clone(),
            _ => format!("column {}", field + 1),
        };
        return Err(DataError::UnterminatedQuote {
            file: file.to_owned(),
            line,
            column,
        });
    }
    let (layout, cells) = parsed?;
    finish(file, name, layout, cells, options)
}

type CsvReader<'p, R> = ::csv::Reader<Tracked<'p, R>>;

/// A CSV error as a data error, at the line the reader reports (else `line`).
fn csv_error(file: &str, e: &::csv::Error, line: u64) -> DataError {
    DataError::Csv {
        file: file.to_owned(),
        line: e.position().map_or(line, |p| p.line()),
        message: e.to_string(),
    }
}

/// The header row: distinct, UTF-8 column names (blank lines before it skipped).
fn read_header<R: Read>(
    reader: &mut CsvReader<'_, R>,
    file: &str,
) -> Result<Vec<String>, DataError> {
    let mut record = ::csv::ByteRecord::new();
    loop {
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(file, &e, 1))?
        {
            return Err(DataError::Empty {
                file: file.to_owned(),
            });
        }
        if record.iter().any(|f| !f.trim_ascii().is_empty()) {
            break;
        }
    }
    let mut columns = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = text(field, file, 1, &format!("column {}", i + 1))?;
        if let Some(first) = columns.iter().position(|c: &String| c == name) {
            return Err(DataError::DuplicateColumn {
                file: file.to_owned(),
                column: name.to_owned(),
                first: first + 1,
                second: i + 1,
            });
        }
        columns.push(name.to_owned());
    }
    Ok(columns)
}

/// Read the header and every row into the buffer.
fn read_all<R: Read>(
    reader: &mut CsvReader<'_, R>,
    file: &str,
    total: Option<u64>,
    options: &LoadOptions,
    header: &mut Vec<String>,
) -> Result<(Layout, Cells), DataError> {
    let columns = read_header(reader, file)?;
    header.clone_from(&columns);
    let mut layout = layout(columns, options, file)?;
    let n_cols = layout.columns.len();
    let mut cells = Cells {
        values: Vec::new(),
        width: layout.kept.len(),
        rows: 0,
        last_line: 1,
    };
    let mut record = ::csv::ByteRecord::new();
    let mut data_start = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e, cells.last_line + 1)),
        }
        let line = record.position().map_or(cells.last_line + 1, |p| p.line());
        cells.last_line = line;
        if record.len() != n_cols {
            let column = layout.columns[record.len().min(n_cols - 1)].clone();
            return Err(DataError::Ragged {
                file: file.to_owned(),
                line,
                column,
                expected: n_cols,
                found: record.len(),
            });
        }
        for (i, field) in record.iter().enumerate() {
            let Some(slot) = layout.slot[i] else { continue };
            let column = &mut layout.kept[slot];
            let t = text(field, file, line, &column.name)?;
            cell(&mut cells, column, slot, t, file, line)?;
        }
        cells.rows += 1;
        // Size the buffer once from the first rows' length, not by repeated doubling
        // (which would briefly hold two copies of a large file's numbers).
        let offset = record.position().map_or(0, |p| p.byte());
        let start = *data_start.get_or_insert(offset);
        if cells.rows == 1000
            && let Some(total) = total
            && offset > start
        {
            let per_row = (offset - start) as f64 / 999.0;
            let rows = (total as f64 / per_row * 1.02) as usize;
            cells.values.reserve(
                rows.saturating_mul(cells.width)
                    .saturating_sub(cells.values.len()),
            );
        }
    }
    if cells.rows == 0 {
        return Err(DataError::HeaderOnly {
            file: file.to_owned(),
        });
    }
    Ok((layout, cells))
}

/// Sort a categorical column's levels (numerically when all are integers, else byte-wise)
/// and renumber its cells, so codes do not depend on row order.
fn sort_levels(cells: &mut Cells, column: &mut Column, slot: usize) -> Vec<String> {
    let mut order: Vec<usize> = (0..column.level_names.len()).collect();
    let ints: Option<Vec<i64>> = column
        .level_names
        .iter()
        .map(|l| l.parse::<i64>().ok())
        .collect();
    match &ints {
        Some(ints) => order.sort_by_key(|&i| ints[i]),
        None => order.sort_by(|&a, &b| column.level_names[a].cmp(&column.level_names[b])),
    }
    let mut new_code = vec![0.0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_code[old] = new as f64;
    }
    for r in 0..cells.rows {
        let v = &mut cells.values[r * cells.width + slot];
        if !v.is_nan() {
            *v = new_code[*v as usize];
        }
    }
    order
        .into_iter()
        .map(|i| std::mem::take(&mut column.level_names[i]))
        .collect()
}

/// Check and settle each column's kind, decode the target and build the dataset.
fn finish(
    file: &str,
    name: String,
    mut layout: Layout,
    mut cells: Cells,
    options: &LoadOptions,
) -> Result<Dataset, DataError> {
    let mut kinds = Vec::with_capacity(layout.kept.len() - 1);
    let mut names = Vec::with_capacity(layout.kept.len() - 1);
    let target_slot = layout.target;
    for (slot, column) in layout.kept.iter_mut().enumerate() {
        if slot == target_slot {
            continue;
        }
        let kind = feature_kind(file, &mut cells, column, slot)?;
        kinds.push(kind);
        names.push(column.name.clone());
    }
    let target_column = &mut layout.kept[target_slot];
    let target = target(file, &name, &mut cells, target_column, target_slot, options)?;
    let width = cells.width;
    let rows = cells.rows;
    let mut values = cells.values;
    // Drop the target's cells in place: every row moves left, never onto unread cells.
    let mut w = 0;
    for r in 0..rows {
        for c in 0..width {
            if c != target_slot {
                values[w] = values[r * width + c];
                w += 1;
            }
        }
    }
    values.truncate(w);
    let x =
        Array2::from_shape_vec((rows, width - 1), values).map_err(|e| DataError::Inconsistent {
            name: name.clone(),
            reason: e.to_string(),
        })?;
    Dataset::with_kinds(name, names, kinds, x, target)
}

/// A feature column's kind, or why the column cannot be used as it is.
fn feature_kind(
    file: &str,
    cells: &mut Cells,
    column: &mut Column,
    slot: usize,
) -> Result<ColumnKind, DataError> {
    if !column.categorical {
        return Ok(ColumnKind::Numeric);
    }
    if !column.forced && column.texts <= column.numbers {
        let (line, text) = column.first_text.clone().unwrap_or_default();
        return Err(DataError::StrayText {
            file: file.to_owned(),
            line,
            column: column.name.clone(),
            text,
            numbers: column.numbers,
        });
    }
    let levels = column.level_names.len();
    let present = cells.rows - column.missing;
    if levels > MAX_LEVELS || (levels > 100 && 2 * levels > present) {
        return Err(DataError::FreeText {
            file: file.to_owned(),
            column: column.name.clone(),
            levels,
            rows: present,
        });
    }
    Ok(ColumnKind::Categorical {
        levels: sort_levels(cells, column, slot),
    })
}

/// The target column decoded for its task (given or inferred; see
/// [`Dataset::from_bytes`]).
fn target(
    file: &str,
    name: &str,
    cells: &mut Cells,
    column: &mut Column,
    slot: usize,
    options: &LoadOptions,
) -> Result<Target, DataError> {
    if let Some(line) = column.first_missing {
        return Err(DataError::TargetGap {
            file: file.to_owned(),
            line,
            column: column.name.clone(),
            count: column.missing,
        });
    }
    let (width, rows) = (cells.width, cells.rows);
    let task = match options.task {
        Some(t) => t,
        None if column.categorical => Task::Classification,
        None if column.all_int => {
            let distinct: BTreeSet<i64> = (0..rows)
                .map(|r| cells.values[r * width + slot] as i64)
                .collect();
            if distinct.len() <= MAX_INFERRED_CLASSES {
                Task::Classification
            } else {
                Task::Regression
            }
        }
        None => Task::Regression,
    };
    let last_line = cells.last_line;
    match task {
        Task::Regression => {
            if let Some((line, text)) = column.first_text.clone() {
                let (file, column) = (file.to_owned(), column.name.clone());
                return Err(if text.parse::<f64>().is_ok() {
                    DataError::NotFinite {
                        file,
                        line,
                        column,
                        text,
                    }
                } else {
                    DataError::NotNumeric {
                        file,
                        line,
                        column,
                        text,
                    }
                });
            }
            Ok(Target::Values(
                (0..rows).map(|r| cells.values[r * width + slot]).collect(),
            ))
        }
        Task::Classification => {
            if !column.categorical {
                // Integer classes keep their numbers' order; other numbers become names.
                let all_int = column.all_int;
                for r in 0..rows {
                    let v = cells.values[r * width + slot];
                    let text = if all_int {
                        (v as i64).to_string()
                    } else {
                        format!("{v}")
                    };
                    cells.values[r * width + slot] = column.level(&text);
                }
                column.categorical = true;
            }
            let names = sort_levels(cells, column, slot);
            if names.len() < 2 {
                return Err(DataError::SingleClass {
                    file: file.to_owned(),
                    last_line,
                    column: column.name.clone(),
                    class: names.into_iter().next().unwrap_or_default(),
                });
            }
            let labels = (0..rows)
                .map(|r| cells.values[r * width + slot] as usize)
                .collect();
            let classes =
                Classes::new(labels, names).map_err(|reason| DataError::Inconsistent {
                    name: name.to_owned(),
                    reason,
                })?;
            Ok(Target::Classes(classes))
        }
    }
}
