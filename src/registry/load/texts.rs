//! `[texts.<lang>]`: a site's overrides of the built-in interface texts.

use std::collections::BTreeMap;

use super::Checker;
use super::reader::Value;
use crate::i18n;
use crate::registry::Lang;

impl Checker<'_> {
    pub(super) fn texts(
        &mut self,
        v: Option<&Value>,
        langs: &[Lang],
    ) -> BTreeMap<Lang, BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let Some(s) = v.and_then(|v| self.section(v, "[texts]")) else {
            return out;
        };
        for (lk, lv) in s.table.iter() {
            let raw = lk.get_ref().as_ref();
            let Some(lang) = Lang::parse(raw).filter(|l| langs.contains(l)) else {
                if self.broken.languages {
                    continue;
                }
                self.error(
                    &lk.span(),
                    format!("[texts.{raw}]: \"{raw}\" is not one of the site's languages; add it to [site] languages or remove this table"),
                );
                continue;
            };
            let Some(mut section) = self.section(lv, &format!("[texts.{raw}]")) else {
                continue;
            };
            let keys = i18n::keys();
            self.check_keys(&mut section, &keys);
            let mut texts = BTreeMap::new();
            for key in keys {
                if let Some((text, _)) = self.string(&section, key) {
                    texts.insert((*key).to_owned(), text);
                }
            }
            out.insert(lang, texts);
        }
        out
    }
}
