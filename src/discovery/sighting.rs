//! What the service keeps of a name seen on a host: when it was first and last seen, how many
//! reports named it, and a few paths it was seen on. Nothing about who saw it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::SeenKind;
use crate::consent::millis;

/// Example paths kept per name.
const PAGES_KEPT: usize = 5;

/// A name's history on one host, as stored (`discoveries-v1`) and listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sighting {
    #[serde(with = "millis")]
    pub(crate) first_seen: OffsetDateTime,
    #[serde(with = "millis")]
    pub(crate) last_seen: OffsetDateTime,
    /// Reports that named it: about the browsers that hold it, each reporting once a day.
    pub(crate) times_seen: u64,
    /// The first few distinct paths it was reported on.
    pub(crate) pages: Vec<String>,
}

impl Sighting {
    pub(crate) fn first(now: OffsetDateTime, path: &str) -> Sighting {
        Sighting {
            first_seen: now,
            last_seen: now,
            times_seen: 1,
            pages: vec![path.to_owned()],
        }
    }

    /// Counts one more report, from `path`.
    pub(crate) fn again(&mut self, now: OffsetDateTime, path: &str) {
        self.first_seen = self.first_seen.min(now);
        self.last_seen = self.last_seen.max(now);
        self.times_seen = self.times_seen.saturating_add(1);
        if self.pages.len() < PAGES_KEPT && !self.pages.iter().any(|p| p == path) {
            self.pages.push(path.to_owned());
        }
    }
}

/// One name, where it was seen, and its history.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Discovered {
    pub(crate) host: String,
    pub(crate) kind: SeenKind,
    pub(crate) name: String,
    pub(crate) sighting: Sighting,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_sighting_counts_reports_and_keeps_a_few_distinct_paths() {
        let t0 = datetime!(2026-12-01 10:00 UTC);
        let mut s = Sighting::first(t0, "/a");
        for (i, path) in ["/a", "/b", "/c", "/d", "/e", "/f"].iter().enumerate() {
            s.again(t0 + time::Duration::hours(i as i64 + 1), path);
        }
        assert_eq!(s.times_seen, 7);
        assert_eq!(s.pages, ["/a", "/b", "/c", "/d", "/e"]);
        assert_eq!(s.first_seen, t0);
        assert_eq!(s.last_seen, datetime!(2026-12-01 16:00 UTC));
        // A report that arrives late does not move the last sighting back.
        s.again(t0 - time::Duration::hours(1), "/a");
        assert_eq!(s.first_seen, datetime!(2026-12-01 09:00 UTC));
        assert_eq!(s.last_seen, datetime!(2026-12-01 16:00 UTC));
    }

    #[test]
    fn a_sighting_is_stored_with_its_four_fields_only() {
        let s = Sighting::first(datetime!(2026-12-01 10:00 UTC), "/a");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"first_seen": "2026-12-01T10:00:00.000Z",
                "last_seen": "2026-12-01T10:00:00.000Z", "times_seen": 1, "pages": ["/a"]})
        );
        assert_eq!(serde_json::from_value::<Sighting>(json).unwrap(), s);
    }
}
