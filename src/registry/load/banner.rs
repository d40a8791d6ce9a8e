//! `[banner]`: presentation switches for the banner.

use super::Checker;
use super::reader::Value;
use crate::registry::BannerOptions;

const BANNER_KEYS: &[&str] = &["floating_button", "discover"];

impl Checker<'_> {
    pub(super) fn banner(&mut self, v: Option<&Value>) -> BannerOptions {
        let Some(mut s) = v.and_then(|v| self.section(v, "[banner]")) else {
            return BannerOptions::default();
        };
        self.check_keys(&mut s, BANNER_KEYS);
        BannerOptions {
            floating_button: self.boolean(&s, "floating_button", false),
            discover: self.boolean(&s, "discover", false),
        }
    }
}
