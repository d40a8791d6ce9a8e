//! Reading values out of a TOML table: each helper reports what is wrong with a value where it is
//! and returns what it could read, so the checker goes on and finds every other problem too.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Checker;
use super::report::{Diagnostic, Severity};
use crate::registry::{Lang, Text};
use crate::suggest::suggest;

pub(super) type Value<'a> = Spanned<DeValue<'a>>;

/// One table being read, with the name used for it in messages.
pub(super) struct Section<'t, 'a> {
    pub(super) table: &'t DeTable<'a>,
    pub(super) span: Range<usize>,
    pub(super) name: String,
    /// Misspelled keys read as the key they were meant to be (`categroy` as `category`): the
    /// typo is one error, and the checker goes on as if it were spelled right, so it does not
    /// also report the key as missing, or what depends on its value as broken.
    aliases: Vec<(&'static str, &'t Value<'a>)>,
}

impl<'t, 'a> Section<'t, 'a> {
    pub(super) fn new(table: &'t DeTable<'a>, span: Range<usize>, name: String) -> Self {
        Section {
            table,
            span,
            name,
            aliases: Vec::new(),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'t Value<'a>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
            .or_else(|| {
                self.aliases
                    .iter()
                    .find(|(good, _)| *good == key)
                    .map(|(_, v)| *v)
            })
    }

    /// Reads each unknown key that is a likely typo of an allowed one absent from the table as
    /// that key. `check_keys` reports the typo itself.
    pub(super) fn read_typos_as_meant(&mut self, allowed: &[&'static str]) {
        for (key, v) in self.table.iter() {
            let k = key.get_ref().as_ref();
            if allowed.contains(&k) {
                continue;
            }
            let Some(good) = suggest(k, allowed) else {
                continue;
            };
            if self.get(good).is_none() {
                self.aliases.push((good, v));
            }
        }
    }
}

impl Checker<'_> {
    fn at(&mut self, severity: Severity, span: &Range<usize>, message: String) {
        self.diags
            .push(Diagnostic::at(self.src, span.start, severity, message));
    }

    pub(super) fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.at(Severity::Error, span, message.into());
    }

    /// How many errors have been reported so far: an item whose reading raised the count was
    /// reported as broken, and what depends on it is not reported again.
    pub(super) fn error_count(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub(super) fn warn(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.at(Severity::Warning, span, message.into());
    }

    pub(super) fn section<'t, 'a>(
        &mut self,
        v: &'t Value<'a>,
        name: &str,
    ) -> Option<Section<'t, 'a>> {
        match v.get_ref() {
            DeValue::Table(table) => Some(Section::new(table, v.span(), name.to_owned())),
            _ => {
                self.error(&v.span(), format!("{name} must be a table"));
                None
            }
        }
    }

    /// The tables of an array of tables (`[[category]]`), or an error.
    pub(super) fn array_of_tables<'t, 'a>(
        &mut self,
        v: &'t Value<'a>,
        name: &str,
    ) -> Vec<&'t Value<'a>> {
        match v.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            _ => {
                self.error(
                    &v.span(),
                    format!("{name} must be an array of tables: write each as [[{name}]]"),
                );
                Vec::new()
            }
        }
    }

    /// Reports every unknown key of `s`, with a "did you mean" when one is close; the close
    /// ones are then read as meant (see `Section::read_typos_as_meant`).
    pub(super) fn check_keys(&mut self, s: &mut Section, allowed: &[&'static str]) {
        s.read_typos_as_meant(allowed);
        for (key, _) in s.table.iter() {
            let k = key.get_ref().as_ref();
            if allowed.contains(&k) {
                continue;
            }
            let hint = match suggest(k, allowed) {
                Some(good) => format!("; did you mean \"{good}\"?"),
                None => format!("; expected one of: {}", allowed.join(", ")),
            };
            self.error(
                &key.span(),
                format!("unknown key \"{k}\" in {}{hint}", s.name),
            );
        }
    }

    pub(super) fn missing(&mut self, s: &Section, key: &str, example: &str) {
        self.error(
            &s.span,
            format!(
                "missing key \"{key}\" in {}; add e.g. {key} = {example}",
                s.name
            ),
        );
    }

    pub(super) fn string(&mut self, s: &Section, key: &str) -> Option<(String, Range<usize>)> {
        let v = s.get(key)?;
        match v.get_ref() {
            DeValue::String(text) if text.trim().is_empty() => {
                self.error(&v.span(), format!("\"{key}\" in {} is empty", s.name));
                None
            }
            DeValue::String(text) => Some((text.to_string(), v.span())),
            _ => {
                self.error(
                    &v.span(),
                    format!("\"{key}\" in {} must be a string in quotes", s.name),
                );
                None
            }
        }
    }

    pub(super) fn required_string(
        &mut self,
        s: &Section,
        key: &str,
        example: &str,
    ) -> Option<(String, Range<usize>)> {
        if s.get(key).is_none() {
            self.missing(s, key, example);
        }
        self.string(s, key)
    }

    pub(super) fn boolean(&mut self, s: &Section, key: &str, default: bool) -> bool {
        let Some(v) = s.get(key) else { return default };
        match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => {
                self.error(
                    &v.span(),
                    format!(
                        "\"{key}\" in {} must be true or false (without quotes)",
                        s.name
                    ),
                );
                default
            }
        }
    }

    pub(super) fn strings(
        &mut self,
        s: &Section,
        key: &str,
    ) -> Option<Vec<(String, Range<usize>)>> {
        let v = s.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.error(
                &v.span(),
                format!(
                    "\"{key}\" in {} must be a list of strings, e.g. [\"a\", \"b\"]",
                    s.name
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(text) => out.push((text.to_string(), item.span())),
                _ => self.error(
                    &item.span(),
                    format!("every entry of \"{key}\" in {} must be a string", s.name),
                ),
            }
        }
        Some(out)
    }

    /// A text: a string in the default language, or a table by language.
    pub(super) fn text(&mut self, s: &Section, key: &str, langs: &[Lang]) -> Option<Text> {
        let v = s.get(key)?;
        let default = &langs[0];
        let mut by_lang = BTreeMap::new();
        match v.get_ref() {
            DeValue::String(text) => {
                by_lang.insert(default.clone(), text.to_string());
            }
            DeValue::Table(table) => {
                let mut stand_in = None;
                for (lk, lv) in table.iter() {
                    let raw = lk.get_ref().as_ref();
                    let Some(lang) = Lang::parse(raw).filter(|l| langs.contains(l)) else {
                        // A language mistyped here, or one of those meant by a broken
                        // `languages`, which was reported: it stands in for the default, so
                        // that the text is not reported again as lacking it.
                        if let DeValue::String(text) = lv.get_ref() {
                            stand_in.get_or_insert_with(|| text.to_string());
                        }
                        if self.broken.languages {
                            continue;
                        }
                        let declared: Vec<&str> = langs.iter().map(Lang::as_str).collect();
                        self.error(
                            &lk.span(),
                            format!(
                                "\"{raw}\" in \"{key}\" of {} is not one of the site's languages ({}); add it to [site] languages or remove it",
                                s.name,
                                declared.join(", ")
                            ),
                        );
                        continue;
                    };
                    match lv.get_ref() {
                        DeValue::String(text) => {
                            by_lang.insert(lang, text.to_string());
                        }
                        _ => self.error(
                            &lv.span(),
                            format!("\"{key}.{raw}\" in {} must be a string", s.name),
                        ),
                    }
                }
                if let Some(text) = stand_in.filter(|_| !by_lang.contains_key(default)) {
                    by_lang.insert(default.clone(), text);
                }
                if !by_lang.contains_key(default) && !table.is_empty() {
                    self.error(
                        &v.span(),
                        format!(
                            "\"{key}\" in {} has no \"{default}\" text, the default language; add {default} = \"...\"",
                            s.name
                        ),
                    );
                    return None;
                }
            }
            _ => {
                self.error(
                    &v.span(),
                    format!(
                        "\"{key}\" in {} must be a string or a table by language, e.g. {{ en = \"...\", fr = \"...\" }}",
                        s.name
                    ),
                );
                return None;
            }
        }
        if let Some((lang, _)) = by_lang.iter().find(|(_, t)| t.trim().is_empty()) {
            self.error(
                &v.span(),
                format!("\"{key}\" in {} is empty in \"{lang}\"", s.name),
            );
            return None;
        }
        if by_lang.is_empty() {
            self.error(&v.span(), format!("\"{key}\" in {} is empty", s.name));
            return None;
        }
        Some(Text::new(by_lang))
    }

    pub(super) fn required_text(&mut self, s: &Section, key: &str, langs: &[Lang]) -> Option<Text> {
        if s.get(key).is_none() {
            self.missing(s, key, "\"...\"");
            return None;
        }
        self.text(s, key, langs)
    }
}
