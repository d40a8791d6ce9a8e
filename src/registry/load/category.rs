//! `[[category]]`: ids, titles, descriptions, and the Consent Mode signals each grants.

use std::collections::HashMap;

use toml::Spanned;
use toml::de::DeValue;

use super::Checker;
use super::reader::{Section, Value};
use crate::registry::{Category, CategoryId, Cookie, GOOGLE_SIGNALS, Lang};
use crate::suggest::suggest;

const CATEGORY_KEYS: &[&str] = &["id", "title", "description", "required", "google_consent"];

impl Checker<'_> {
    pub(super) fn categories(&mut self, v: Option<&Value>, langs: &[Lang]) -> Vec<Category> {
        let Some(v) = v else {
            self.error(
                &(0..0),
                "no [[category]]; declare at least one, e.g. id = \"necessary\" with required = true",
            );
            return Vec::new();
        };
        let mut out: Vec<Category> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in self.array_of_tables(v, "category").into_iter().enumerate() {
            let Some(mut s) = self.section(item, "[[category]]") else {
                continue;
            };
            let id = s.get("id").and_then(|v| v.get_ref().as_str()).unwrap_or("");
            s.name = if id.is_empty() {
                format!("[[category]] #{}", i + 1)
            } else {
                format!("[[category]] \"{id}\"")
            };
            self.check_keys(&s, CATEGORY_KEYS);
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
            if let (Some(id), Some(title), Some(description)) = (id, title, description) {
                out.push(Category {
                    id,
                    title,
                    description,
                    required,
                    google_consent,
                });
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

    pub(super) fn unused_categories(
        &mut self,
        v: Option<&Value>,
        categories: &[Category],
        cookies: &[Cookie],
    ) {
        let Some(DeValue::Array(items)) = v.map(Spanned::get_ref) else {
            return;
        };
        for (category, item) in categories.iter().zip(items.iter()) {
            if !category.required && !cookies.iter().any(|c| c.category == category.id) {
                self.warn(
                    &item.span(),
                    format!(
                        "optional category \"{}\" has no cookies; visitors would be asked about nothing (remove it or declare its cookies)",
                        category.id
                    ),
                );
            }
        }
    }
}
