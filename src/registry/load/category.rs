//! `[[category]]`: ids, titles, descriptions, and the Consent Mode signals each grants.

use std::collections::HashMap;

use super::Checker;
use super::reader::{Section, Value};
use crate::registry::{Category, CategoryId, Cookie, GOOGLE_SIGNALS, Lang};
use crate::suggest::suggest;

const CATEGORY_KEYS: &[&str] = &["id", "title", "description", "required", "google_consent"];

impl Checker<'_> {
    pub(super) fn categories(&mut self, v: Option<&Value>, langs: &[Lang]) -> Vec<Category> {
        self.category_spans.clear();
        let Some(v) = v else {
            self.error(
                &(0..0),
                "no [[category]]; declare at least one, e.g. id = \"necessary\" with required = true",
            );
            // Whatever the cookies name was meant to be declared.
            self.broken.categories.push(None);
            return Vec::new();
        };
        let mut out: Vec<Category> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let items = self.array_of_tables(v, "category");
        if items.is_empty() {
            self.broken.categories.push(None);
        }
        for (i, item) in items.into_iter().enumerate() {
            let errors = self.error_count();
            let Some(mut s) = self.section(item, "[[category]]") else {
                self.broken.categories.push(None);
                continue;
            };
            s.read_typos_as_meant(CATEGORY_KEYS);
            let id = s.get("id").and_then(|v| v.get_ref().as_str()).unwrap_or("");
            s.name = if id.is_empty() {
                format!("[[category]] #{}", i + 1)
            } else {
                format!("[[category]] \"{id}\"")
            };
            self.check_keys(&mut s, CATEGORY_KEYS);
            // The id as written, when it was one the cookies could name.
            let raw_id = s
                .get("id")
                .and_then(|v| v.get_ref().as_str())
                .and_then(CategoryId::parse)
                .map(|id| id.as_str().to_owned());
            let used_before = raw_id.as_ref().is_some_and(|raw| seen.contains_key(raw));
            let id = self
                .required_string(&s, "id", "\"analytics\"")
                .and_then(|(raw, span)| {
                    let Some(id) = CategoryId::parse(&raw) else {
                        self.error(
                            &span,
                            format!(
                                "category id \"{raw}\" may use only a-z, 0-9, _ and -, e.g. \"analytics\""
                            ),
                        );
                        return None;
                    };
                    if let Some(line) = seen.get(&raw) {
                        self.error(
                            &span,
                            format!("category id \"{raw}\" is already used by the [[category]] on line {line}"),
                        );
                        return None;
                    }
                    let line = self.src[..span.start].matches('\n').count() + 1;
                    seen.insert(raw, line);
                    Some(id)
                });
            let title = self.required_text(&s, "title", langs);
            let description = self.required_text(&s, "description", langs);
            let required = self.boolean(&s, "required", false);
            let google_consent = self.google_signals(&s);
            match (id, title, description) {
                (Some(id), Some(title), Some(description)) => {
                    self.category_spans.push(item.span());
                    out.push(Category {
                        id,
                        title,
                        description,
                        required,
                        google_consent,
                    });
                }
                // A second category with a used id: the cookies naming it have the first.
                (None, ..) if used_before => {}
                _ => {
                    debug_assert!(self.error_count() > errors, "left out without an error");
                    self.broken.categories.push(raw_id);
                }
            }
        }
        out
    }

    fn google_signals(&mut self, s: &Section) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (raw, span) in self.strings(s, "google_consent").unwrap_or_default() {
            match GOOGLE_SIGNALS.iter().find(|g| **g == raw) {
                Some(g) if out.contains(g) => {
                    self.error(&span, format!("\"{raw}\" is listed twice in {}", s.name))
                }
                Some(g) => out.push(*g),
                None => {
                    let hint = suggest(&raw, &GOOGLE_SIGNALS)
                        .map(|g| format!("did you mean \"{g}\"?"))
                        .unwrap_or_else(|| format!("use one of {}", GOOGLE_SIGNALS.join(", ")));
                    self.error(
                        &span,
                        format!("\"{raw}\" is not a Google Consent Mode v2 signal; {hint}"),
                    );
                }
            }
        }
        out
    }

    pub(super) fn unused_categories(&mut self, categories: &[Category], cookies: &[Cookie]) {
        if self.broken.cookies || self.broken.cookie_categories.contains(&None) {
            return;
        }
        let spans = std::mem::take(&mut self.category_spans);
        for (category, span) in categories.iter().zip(spans) {
            let named = |c: &Cookie| c.category == category.id;
            // A cookie that was reported as broken may be the one it holds.
            let meant = |raw: &Option<String>| raw.as_deref() == Some(category.id.as_str());
            if !category.required
                && !cookies.iter().any(named)
                && !self.broken.cookie_categories.iter().any(meant)
            {
                self.warn(
                    &span,
                    format!(
                        "optional category \"{}\" has no cookies; visitors would be asked about nothing (remove it or declare its cookies)",
                        category.id
                    ),
                );
            }
        }
    }
}
