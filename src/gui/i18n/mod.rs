//! The interface language: English or Simplified Chinese (the language the project's source
//! text was written in).
//!
//! Every label goes through [`tr`], which looks the English text up in the Chinese table
//! when Chinese is chosen and falls back to the English text when a string has no entry, so
//! a missing translation shows English rather than nothing. The language is per thread: the
//! UI draws on one thread, and UI tests running side by side each keep their own.
//!
//! The Chinese glyphs come from a subset of Noto Sans CJK SC bundled in `assets/fonts/`
//! (the GB2312 level-1 characters plus punctuation, so Chinese column names in a user's CSV
//! render too); `scripts/subset_cjk_font.sh` rebuilds it.

mod core_text;
mod zh;

pub use core_text::{tr_message, tr_trial_label};

use eframe::egui;
use serde::{Deserialize, Serialize};
use std::cell::Cell;

/// A language the interface can be shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// English, the language of the source strings.
    #[default]
    English,
    /// Simplified Chinese.
    Chinese,
}

impl Lang {
    /// Every language, in the order the menu lists them.
    pub const ALL: [Lang; 2] = [Lang::English, Lang::Chinese];

    /// The language's own name, as the menu shows it whatever language is current.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::English => "English",
            Lang::Chinese => "简体中文",
        }
    }

    /// The language the system asks for (`LC_ALL`, `LC_MESSAGES` or `LANG` starting with
    /// `zh`), for a first launch before the user has chosen.
    pub fn from_environment() -> Self {
        let chinese = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .is_some_and(|v| v.starts_with("zh"));
        if chinese {
            Lang::Chinese
        } else {
            Lang::English
        }
    }
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::English) };
}

/// Show the interface drawn on this thread in `lang` from the next label on.
pub fn set_lang(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

/// The language labels drawn on this thread are shown in.
pub fn lang() -> Lang {
    CURRENT.with(Cell::get)
}

/// `english` in the current language.
pub fn tr(english: &str) -> &str {
    match lang() {
        Lang::English => english,
        Lang::Chinese => zh::translate(english).unwrap_or(english),
    }
}

/// Every English string that has a Chinese translation, with it (for the completeness and
/// font-coverage tests).
pub fn chinese_table() -> &'static [(&'static str, &'static str)] {
    zh::TABLE
}

/// The bundled CJK font (a subset of Noto Sans CJK SC, SIL Open Font License).
const CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-subset.otf");

/// Add the CJK font as the last fallback of both families, so Chinese text renders in either
/// language while Latin text keeps egui's own fonts.
pub fn install_fonts(ctx: &egui::Context) {
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| egui::epaint::text::InsertFontFamily {
            family,
            priority: egui::epaint::text::FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(egui::epaint::text::FontInsert::new(
        "noto-sans-sc",
        egui::FontData::from_static(CJK_FONT),
        families,
    ));
}

/// `template` (already translated) with its holes filled from `args`: `{}` takes the next
/// argument, `{0}`, `{1}`… a given one. Labels with numbers in them are translated as whole
/// sentences with holes, since word order differs between languages.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 8 * args.len());
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let index = if close == 0 {
            next += 1;
            Some(next - 1)
        } else {
            after[..close].parse::<usize>().ok()
        };
        match index {
            Some(i) => {
                if let Some(a) = args.get(i) {
                    out.push_str(&a.to_string());
                }
            }
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// How many holes a template has (`{}` or `{n}`), for checking translations keep them all.
#[cfg(test)]
fn holes(template: &str) -> usize {
    template.matches("{}").count()
        + (0..10)
            .filter(|i| template.contains(&format!("{{{i}}}")))
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_puts_arguments_in_order() {
        assert_eq!(fill("{} of {} trials", &[&3, &"10"]), "3 of 10 trials");
        assert_eq!(fill("no holes", &[&1]), "no holes");
        assert_eq!(fill("{1} 次中的 {0} 次", &[&5, &20]), "20 次中的 5 次");
        assert_eq!(fill("a {b} c", &[&1]), "a {b} c");
    }

    #[test]
    fn english_is_the_fallback() {
        set_lang(Lang::Chinese);
        let untranslated = "a string nobody translated";
        assert_eq!(tr(untranslated), untranslated);
        assert_eq!(tr("Run"), "运行");
        set_lang(Lang::English);
        assert_eq!(tr("Run"), "Run");
    }

    #[test]
    fn each_english_text_has_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for (en, _) in chinese_table() {
            assert!(seen.insert(en), "two entries for {en:?}");
        }
    }

    #[test]
    fn translations_keep_their_holes() {
        for (en, zh) in chinese_table() {
            assert_eq!(holes(en), holes(zh), "{en} → {zh}");
        }
    }

    /// Every literal passed to `tr` in the GUI's sources, so a label added without a translation
    /// fails here rather than showing English in a Chinese window.
    fn literals() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir)
                .expect("src/gui is readable")
                .flatten()
            {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                    let mut rest = text.as_str();
                    while let Some(at) = rest.find("tr(\"") {
                        let after = &rest[at + 4..];
                        let end = after.find('"').unwrap_or(after.len());
                        out.push(after[..end].replace("\\n", "\n"));
                        rest = &after[end..];
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gui"),
            &mut out,
        );
        out
    }

    #[test]
    fn every_label_has_a_chinese_translation() {
        let missing: Vec<String> = literals()
            .into_iter()
            .filter(|s| zh::translate(s).is_none())
            .collect();
        assert!(missing.is_empty(), "no Chinese for: {missing:#?}");
    }

    #[test]
    fn the_bundled_font_draws_every_translation() {
        let ctx = egui::Context::default();
        install_fonts(&ctx);
        let mut frame = ctx.run_ui(Default::default(), |_| {});
        frame.textures_delta.clear();
        let font = egui::FontId::proportional(14.0);
        // The table, and the Chinese descriptions of the shipped lessons.
        let mut text: String = chinese_table().iter().map(|(_, zh)| *zh).collect();
        let sessions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sessions");
        for entry in std::fs::read_dir(sessions)
            .expect("sessions/ is readable")
            .flatten()
        {
            text += &std::fs::read_to_string(entry.path()).unwrap_or_default();
        }
        let missing: Vec<char> = ctx.fonts_mut(|f| {
            text.chars()
                .filter(|c| *c as u32 > 0x2E80 && !f.has_glyph(&font, *c))
                .collect()
        });
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }
}
