//! The core's own English, translated where the window shows it.
//!
//! The core (strategies, the data layer, the models) writes trial labels ("Sobol start-up",
//! "step 3 (Adam)") and error messages ("iris.csv: line 4: column `x`: `a` is not a number")
//! in English, with numbers, names and file paths inside them; it knows nothing of the
//! window's language and should not. The window translates them here, at the display edge:
//! trial labels by their known shapes, messages by replacing their fixed phrases and leaving
//! what the user wrote (file names, column names, values) as it is. Text with no known
//! shape or phrase stays English, as [`tr`](super::tr) falls back.

use super::{Lang, lang};

/// Fixed phrases of the core's messages and trial labels, longest first where one contains
/// another, with their Chinese.
const PHRASES: &[(&str, &str)] = &[
    // Data layer (data/csv.rs, data/folds.rs)
    ("cannot read the file", "无法读取文件"),
    (
        "the file is empty (expected a header row of column names)",
        "文件是空的（应有一行列名作为表头）",
    ),
    (
        "the file is empty (expected the header `index,fold`)",
        "文件是空的（应有表头 `index,fold`）",
    ),
    (
        "expected the header `index,fold`, found",
        "应为表头 `index,fold`，实际为",
    ),
    ("only a header row, no data rows", "只有表头，没有数据行"),
    ("only the target column", "只有目标列"),
    ("no feature columns", "没有特征列"),
    ("appears twice", "出现了两次"),
    ("no target column", "没有目标列"),
    (
        "a quote opened here is never closed",
        "此处开始的引号没有闭合",
    ),
    ("not valid UTF-8 text", "不是有效的 UTF-8 文本"),
    ("missing value", "缺少值"),
    ("is not a finite number", "不是有限的数"),
    ("is not a number", "不是数字"),
    ("no bundled dataset", "没有内置数据集"),
    ("no bundled folds for", "没有内置的折："),
    ("was already given on line", "已在此行给出：第"),
    ("cross-validation needs at least 2", "交叉验证至少需要 2 折"),
    ("has no rows", "没有行"),
    ("(bundled:", "（内置："),
    ("(columns:", "（列："),
    // Models (models/*.rs)
    ("must be a positive number, got", "必须是正数，实际为"),
    ("must be a whole number", "必须是整数"),
    ("is missing", "缺失"),
    ("expected a choice, got", "应为一个选项，实际为"),
    ("parameter", "参数"),
    // Strategies' trial labels (strategy/gp.rs, strategy/gradient.rs)
    ("Sobol start-up", "Sobol 初始点"),
    (
        "extra probe while the step's results are outstanding",
        "本步结果未齐时的额外探测",
    ),
    (
        "back to the best point at half the step",
        "以一半步长回到最优点",
    ),
    ("from the best scouting point", "从最好的侦察点出发"),
    ("scouting point", "侦察点"),
    ("difference probe", "差分探测"),
    ("SPSA probe", "SPSA 探测"),
    ("restart", "重启"),
    ("start", "开始"),
    ("descent", "梯度下降"),
    ("column", "列"),
];

/// A trial label a strategy wrote, in the window's language: "step 3 (Adam)" becomes
/// "第 3 步（Adam）", "start: scouting point 2 of 5" becomes "开始：侦察点 2/5".
pub fn tr_trial_label(label: &str) -> String {
    if lang() == Lang::English {
        return label.to_owned();
    }
    if let Some(rest) = label.strip_prefix("step ") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let tail = &rest[digits.len()..];
        if !digits.is_empty() {
            if let Some(why) = tail.strip_prefix(" (").and_then(|t| t.strip_suffix(')')) {
                return format!("第 {digits} 步（{}）", phrases(why));
            }
            if let Some(probe) = tail.strip_prefix(": ") {
                return format!("第 {digits} 步：{}", phrases(probe));
            }
        }
    }
    if let Some((why, scout)) = label.split_once(": scouting point ")
        && let Some((i, n)) = scout.split_once(" of ")
    {
        return format!("{}：侦察点 {i}/{n}", phrases(why));
    }
    phrases(label)
}

/// A message from the core (a data-layer error, a failed trial's reason) in the window's
/// language: its fixed phrases translated, `line N` as 第 N 行, and every file name, column
/// name and value kept as written.
pub fn tr_message(message: &str) -> String {
    if lang() == Lang::English {
        return message.to_owned();
    }
    phrases(message)
}

/// Replace every known phrase, and `line N` with 第 N 行, keeping the rest.
fn phrases(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    'scan: while !rest.is_empty() {
        // Only at a word's start, so "restart" is not read as "re" + "start".
        let at_word = out
            .chars()
            .last()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if at_word {
            if let Some(after) = rest.strip_prefix("line ") {
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                if !digits.is_empty() {
                    out.push_str(&format!("第 {digits} 行"));
                    rest = &after[digits.len()..];
                    continue;
                }
            }
            for (en, zh) in PHRASES {
                if let Some(after) = rest.strip_prefix(en)
                    && after
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
                {
                    out.push_str(zh);
                    rest = after;
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(match c {
                ':' => '：',
                ',' if rest.starts_with(", ") => '，',
                c => c,
            });
            rest = chars.as_str();
            if c == ':' || (c == ',' && rest.starts_with(' ')) {
                rest = rest.strip_prefix(' ').unwrap_or(rest);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::set_lang;
    use super::*;

    #[test]
    fn strategy_labels_are_chinese_in_chinese_mode_and_untouched_in_english() {
        set_lang(Lang::Chinese);
        assert_eq!(tr_trial_label("Sobol start-up"), "Sobol 初始点");
        assert_eq!(tr_trial_label("step 3 (Adam)"), "第 3 步（Adam）");
        assert_eq!(
            tr_trial_label("step 12 (descent, back to the best point at half the step)"),
            "第 12 步（梯度下降，以一半步长回到最优点）"
        );
        assert_eq!(
            tr_trial_label("restart 2: scouting point 4 of 5"),
            "重启 2：侦察点 4/5"
        );
        assert_eq!(
            tr_trial_label("step 1: SPSA probe +"),
            "第 1 步：SPSA 探测 +"
        );
        assert_eq!(tr_trial_label("LogEI -3.210"), "LogEI -3.210");
        set_lang(Lang::English);
        assert_eq!(tr_trial_label("step 3 (Adam)"), "step 3 (Adam)");
    }

    #[test]
    fn data_errors_keep_file_column_and_value_and_translate_the_rest() {
        set_lang(Lang::Chinese);
        assert_eq!(
            tr_message("my data.csv: line 4: column `petal width`: `abc` is not a number"),
            "my data.csv：第 4 行：列 `petal width`：`abc` 不是数字"
        );
        assert_eq!(
            tr_message("parameter `C`: `0.1` is not a number"),
            "参数 `C`：`0.1` 不是数字"
        );
        // A phrase inside a user's word is left alone.
        assert_eq!(tr_message("columns.csv: line 1"), "columns.csv：第 1 行");
        set_lang(Lang::English);
    }
}
