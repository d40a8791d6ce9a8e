//! Consent decisions as the domain sees them: parsed once at the edge from a posted body, checked
//! against the exact banner snapshot the visitor saw, and turned into the record that is stored.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use std::sync::LazyLock;

use base64::Engine;
use base64::alphabet::Alphabet;
use base64::engine::GeneralPurpose;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::registry::{Authority, suggest};

/// Longest user agent kept; longer ones are cut (on a character boundary).
const USER_AGENT_MAX: usize = 512;
/// Longest `page` accepted, before its query is dropped.
const PAGE_MAX: usize = 2048;

/// A posted field was missing, of the wrong type, not acceptable or unknown; names the field.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub code: &'static str,
    /// Owned only for an unknown field, whose name is the client's.
    pub field: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    fn new(
        code: &'static str,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> FieldError {
        FieldError {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A visitor's opaque id: 48 bits of creation time (milliseconds) then 144 random bits, written
/// in URL-safe base64 with its alphabet in ASCII order (32 characters). Ids made close in time
/// sort close together, as UUIDv7s do, so the per-visitor index grows at one end instead of
/// being written all over: random ids made the index the store's main cost in memory and time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConsentId(String);

/// The base64url characters, sorted, so that the text sorts like the bytes.
const SORTED_BASE64: &str = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

static ID_ENGINE: LazyLock<GeneralPurpose> = LazyLock::new(|| {
    let alphabet = Alphabet::new(SORTED_BASE64).expect("64 distinct printable characters");
    GeneralPurpose::new(&alphabet, base64::engine::general_purpose::NO_PAD)
});

/// Set in the 48-bit time field of generated ids. Milliseconds stay far below it (until the year
/// 6429), so without it every id would start with zero bits, that is with '-', which
/// spreadsheets read as a minus sign; with it ids start with a letter and still sort by time,
/// after every id made before it was set.
const TIME_MARK: u64 = 1 << 47;

impl ConsentId {
    pub fn generate(now: OffsetDateTime) -> ConsentId {
        let mut bytes = [0u8; 24];
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let time = (millis % TIME_MARK) | TIME_MARK;
        bytes[..6].copy_from_slice(&time.to_be_bytes()[2..]);
        // The OS random source failing is not something a request can recover from.
        getrandom::fill(&mut bytes[6..]).expect("the operating system's random source works");
        ConsentId(ID_ENGINE.encode(bytes))
    }

    /// Accepts what `generate` makes, and any id of 22 to 64 URL-safe characters (≥ 128 bits).
    pub fn parse(s: &str) -> Result<ConsentId, FieldError> {
        if url_safe_id(s) {
            Ok(ConsentId(s.to_owned()))
        } else {
            Err(FieldError::new(
                "invalid-consent-id",
                "consent_id",
                "consent_id must be 22 to 64 characters from A-Z, a-z, 0-9, '-' and '_'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The millisecond an id made by `generate` was made in; `None` for other ids.
    pub fn created_millis(&self) -> Option<u64> {
        let bytes = ID_ENGINE.decode(&self.0).ok()?;
        let time: [u8; 6] = bytes.get(..6)?.try_into().ok()?;
        (bytes.len() == 24).then(|| {
            let mut be = [0u8; 8];
            be[2..].copy_from_slice(&time);
            // Ids made before `TIME_MARK` lack it; both decode to their millisecond.
            u64::from_be_bytes(be) & !TIME_MARK
        })
    }
}

impl TryFrom<String> for ConsentId {
    type Error = FieldError;
    fn try_from(s: String) -> Result<ConsentId, FieldError> {
        ConsentId::parse(&s)
    }
}

impl From<ConsentId> for String {
    fn from(id: ConsentId) -> String {
        id.0
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One decision of a visitor, named by the banner (CONTRACT §4.4) so that a retry of a post
/// that got no answer is recognised and never stored twice.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DecisionId(String);

impl DecisionId {
    /// 22 to 64 URL-safe characters, as for consent ids.
    pub fn parse(s: &str) -> Result<DecisionId, FieldError> {
        if url_safe_id(s) {
            Ok(DecisionId(s.to_owned()))
        } else {
            Err(FieldError::new(
                "invalid-decision-id",
                "decision_id",
                "decision_id must be 22 to 64 characters from A-Z, a-z, 0-9, '-' and '_'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 22 to 64 characters of base64url's alphabet: at least 128 bits when random.
fn url_safe_id(s: &str) -> bool {
    (22..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the visitor did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    AcceptAll,
    RejectAll,
    Custom,
    Gpc,
    Withdraw,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::AcceptAll,
        Action::RejectAll,
        Action::Custom,
        Action::Gpc,
        Action::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::AcceptAll => "accept-all",
            Action::RejectAll => "reject-all",
            Action::Custom => "custom",
            Action::Gpc => "gpc",
            Action::Withdraw => "withdraw",
        }
    }

    fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Actions that may grant nothing beyond the required categories.
    fn denies_optional(self) -> bool {
        matches!(self, Action::RejectAll | Action::Gpc | Action::Withdraw)
    }
}

/// The page a decision was made on: origin and path, never user info, query, fragment or
/// `;parameters` (where servers put session ids: `/cart;jsessionid=...`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Page(String);

impl Page {
    /// The page is only context for a decision, never a reason to refuse one: what is not an
    /// http(s) URL (an iframe's `about:srcdoc`, a relative path) gives `None`, and a page longer
    /// than `PAGE_MAX` is shortened, so the visitor's decision is still recorded.
    pub fn parse(s: &str) -> Option<Page> {
        let url = Authority::parse(s).ok()?;
        let path_end = url.rest.find(['?', '#']).unwrap_or(url.rest.len());
        // Rebuilt from the parts, so a user name or password in the URL is never stored.
        let port = url.port.map(|p| format!(":{p}")).unwrap_or_default();
        let mut page = format!("{}://{}{port}", url.scheme, url.host);
        // Each segment's parameters go (RFC 3986 §3.3); the first piece is what precedes the
        // path's leading '/', so it is empty.
        for (i, segment) in url.rest[..path_end].split('/').enumerate() {
            if i > 0 {
                page.push('/');
            }
            page.push_str(segment.split(';').next().unwrap_or(""));
        }
        if page.len() > PAGE_MAX {
            let origin = url.scheme.len() + "://".len() + url.host.len() + port.len();
            if origin >= PAGE_MAX {
                return None;
            }
            let mut cut = PAGE_MAX;
            while !page.is_char_boundary(cut) {
                cut -= 1;
            }
            // Not in the middle of a percent escape, which would name another character.
            while let Some(percent) = page.as_bytes()[cut.saturating_sub(2)..cut]
                .iter()
                .position(|b| *b == b'%')
            {
                cut = cut.saturating_sub(2) + percent;
            }
            page.truncate(cut);
        }
        Some(Page(page))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Page> for String {
    fn from(page: Page) -> String {
        page.0
    }
}

/// The fields of a posted decision (CONTRACT §4.3); any other is refused, so that a misspelled
/// `consent_id` cannot silently start a new visitor.
const DECISION_FIELDS: [&str; 8] = [
    "consent_id",
    "decision_id",
    "revision",
    "shown",
    "accepted",
    "action",
    "language",
    "page",
];

/// A decision as posted (CONTRACT §4.3), parsed but not yet checked against a snapshot.
/// Serialized, it is the body it was parsed from in canonical form (what property tests
/// parse again).
#[derive(Debug, PartialEq, Serialize)]
pub struct Decision {
    consent_id: Option<ConsentId>,
    decision_id: Option<DecisionId>,
    revision: String,
    shown: String,
    accepted: BTreeSet<String>,
    action: Action,
    language: Option<String>,
    page: Option<Page>,
}

impl Decision {
    /// Parses a posted body; every problem names the field it is about.
    pub fn parse(body: &[u8]) -> Result<Decision, FieldError> {
        let UniqueKeys { map, repeated } = serde_json::from_slice(body).map_err(|e| {
            let why = match e.classify() {
                serde_json::error::Category::Data => "the body must be a JSON object",
                _ => "the body is not valid JSON",
            };
            FieldError::new("malformed-json", "body", format!("{why}: {e}"))
        })?;
        if let Some(key) = repeated {
            // The name is the client's: cut it, on a character boundary, to keep answers small.
            let name: String = key.chars().take(64).collect();
            return Err(FieldError::new(
                "duplicate-field",
                name.clone(),
                format!("the key {name:?} appears more than once; name each field once"),
            ));
        }
        if let Some(unknown) = map.keys().find(|k| !DECISION_FIELDS.contains(&k.as_str())) {
            let hint = suggest(unknown, &DECISION_FIELDS)
                .map(|f| format!("did you mean {f:?}?"))
                .unwrap_or_else(|| format!("the fields are {}", DECISION_FIELDS.join(", ")));
            // The name is the client's: cut it, on a character boundary, to keep answers small.
            let name: String = unknown.chars().take(64).collect();
            return Err(FieldError::new(
                "unknown-field",
                name.clone(),
                format!("unknown field {name:?}; {hint}"),
            ));
        }
        let consent_id = optional_string(&map, "consent_id")?
            .map(ConsentId::parse)
            .transpose()?;
        let decision_id = optional_string(&map, "decision_id")?
            .map(DecisionId::parse)
            .transpose()?;
        let revision = required_string(&map, "revision")?;
        let shown = required_string(&map, "shown")?;
        let action = required_string(&map, "action")?;
        let action = Action::parse(action).ok_or_else(|| {
            FieldError::new(
                "unknown-action",
                "action",
                format!(
                    "unknown action {action:?}; one of accept-all, reject-all, custom, gpc, withdraw"
                ),
            )
        })?;
        let accepted = match map.get("accepted") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(FieldError::new(
                        "invalid-accepted",
                        "accepted",
                        "accepted must be a list of category ids (strings)",
                    )),
                })
                .collect::<Result<BTreeSet<_>, _>>()?,
            None | Some(Value::Null) => {
                return Err(FieldError::new(
                    "missing-field",
                    "accepted",
                    "accepted is required: the list of granted category ids",
                ));
            }
            Some(_) => {
                return Err(FieldError::new(
                    "invalid-accepted",
                    "accepted",
                    "accepted must be a list of category ids (strings)",
                ));
            }
        };
        let language = optional_string(&map, "language")?.map(str::to_owned);
        let page = optional_string(&map, "page")?.and_then(Page::parse);
        Ok(Decision {
            consent_id,
            decision_id,
            revision: revision.to_owned(),
            shown: shown.to_owned(),
            accepted,
            action,
            language,
            page,
        })
    }

    /// The snapshot the visitor saw, to be looked up before the record is made.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// The body's top-level object, with the first key it repeats: serde_json's `Value` keeps the
/// last of repeated keys silently, so `"action":"reject-all", …, "action":"custom"` would be
/// stored as `custom` although a reader of the body may well have seen `reject-all`.
struct UniqueKeys {
    map: Map<String, Value>,
    repeated: Option<String>,
}

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UniqueKeys, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueKeys, A::Error> {
                let mut map = Map::new();
                let mut repeated = None;
                // Read to the end even past a repeat, so a body that is not JSON at all is
                // refused as such, whatever it repeats first.
                while let Some(key) = access.next_key::<String>()? {
                    let value: Value = access.next_value()?;
                    if map.contains_key(&key) {
                        repeated.get_or_insert(key);
                    } else {
                        map.insert(key, value);
                    }
                }
                Ok(UniqueKeys { map, repeated })
            }
        }
        d.deserialize_map(Keys)
    }
}

fn required_string<'a>(
    map: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, FieldError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) => Err(FieldError::new(
            "missing-field",
            field,
            format!("{field} is required"),
        )),
        Some(_) => Err(FieldError::new(
            "invalid-field",
            field,
            format!("{field} must be a non-empty string"),
        )),
    }
}

fn optional_string<'a>(
    map: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'a str>, FieldError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(FieldError::new(
            "invalid-field",
            field,
            format!("{field} must be a string"),
        )),
    }
}

/// What a `shown` snapshot fixes for a decision: read back from the archived banner
/// configuration, so a revision served before a reload is judged by its own categories.
#[derive(Debug, Deserialize)]
pub struct Terms {
    pub revision: String,
    pub language: String,
    pub consent_days: u32,
    pub categories: Vec<TermsCategory>,
}

#[derive(Debug, Deserialize)]
pub struct TermsCategory {
    pub id: String,
    /// Snapshots may leave `required: false` out.
    #[serde(default)]
    pub required: bool,
}

impl Terms {
    pub fn from_snapshot(json: &[u8]) -> Result<Terms, serde_json::Error> {
        serde_json::from_slice(json)
    }
}

/// Facts about the request that the record keeps, gathered by the route.
pub struct RequestFacts {
    pub user_agent: Option<String>,
    pub ip: Option<IpAddr>,
    pub sec_gpc: bool,
    pub now: OffsetDateTime,
}

/// The stored evidence of one decision (CONTRACT §4.3), plus `sec_gpc`: whether the browser sent
/// the Global Privacy Control header with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub consent_id: ConsentId,
    #[serde(with = "millis")]
    pub recorded_at: OffsetDateTime,
    pub revision: String,
    pub shown: String,
    /// Every category of the revision, in the registry's order.
    #[serde(with = "ordered_map")]
    pub categories: Vec<(String, bool)>,
    pub action: Action,
    pub language: String,
    pub page: Option<String>,
    pub user_agent: Option<String>,
    pub ip_prefix: Option<String>,
    #[serde(with = "millis")]
    pub expires_at: OffsetDateTime,
    #[serde(default)]
    pub sec_gpc: bool,
    /// The banner's name for this decision (CONTRACT §4.4): a post repeating it under the same
    /// `consent_id` is answered with this record instead of making another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
    /// The id was made for this record: it is the visitor's first decision, stored in the
    /// millisecond its id names (see `ConsentId`), so the store needs no index entry to find it.
    #[serde(skip)]
    pub first_decision: bool,
}

impl ConsentRecord {
    /// Checks a decision against what the visitor was shown and builds its record.
    pub fn new(
        decision: Decision,
        terms: &Terms,
        facts: RequestFacts,
    ) -> Result<ConsentRecord, FieldError> {
        if decision.revision != terms.revision {
            return Err(FieldError::new(
                "unknown-revision",
                "revision",
                format!(
                    "revision {:?} is not the revision of the banner snapshot {:?}",
                    decision.revision, decision.shown
                ),
            ));
        }
        if let Some(lang) = &decision.language
            && *lang != terms.language
        {
            return Err(FieldError::new(
                "invalid-language",
                "language",
                format!(
                    "language {lang:?} is not the language of the banner snapshot ({:?})",
                    terms.language
                ),
            ));
        }
        if let Some(unknown) = decision
            .accepted
            .iter()
            .find(|id| !terms.categories.iter().any(|c| c.id == **id))
        {
            return Err(FieldError::new(
                "unknown-category",
                "accepted",
                format!(
                    "accepted lists {unknown:?}, which is not a category of revision {}",
                    terms.revision
                ),
            ));
        }
        let categories: Vec<(String, bool)> = terms
            .categories
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.required || decision.accepted.contains(&c.id),
                )
            })
            .collect();
        let coherent = match decision.action {
            Action::AcceptAll => categories.iter().all(|(_, granted)| *granted),
            a if a.denies_optional() => terms
                .categories
                .iter()
                .all(|c| c.required || !decision.accepted.contains(&c.id)),
            _ => true,
        };
        if !coherent {
            return Err(FieldError::new(
                "inconsistent-decision",
                "accepted",
                format!(
                    "accepted does not match action {:?}",
                    decision.action.as_str()
                ),
            ));
        }
        // Milliseconds keep the record readable; the store's keys order records within one.
        let millis = facts.now.nanosecond() / 1_000_000 * 1_000_000;
        let recorded_at = facts.now.replace_nanosecond(millis).unwrap_or(facts.now);
        Ok(ConsentRecord {
            first_decision: decision.consent_id.is_none(),
            consent_id: decision
                .consent_id
                .unwrap_or_else(|| ConsentId::generate(facts.now)),
            recorded_at,
            revision: terms.revision.clone(),
            shown: decision.shown,
            categories,
            action: decision.action,
            language: terms.language.clone(),
            page: decision.page.map(|p| p.0),
            user_agent: facts.user_agent.map(truncate_user_agent),
            ip_prefix: facts.ip.map(ip_prefix),
            expires_at: recorded_at + Duration::days(i64::from(terms.consent_days)),
            sec_gpc: facts.sec_gpc,
            decision_id: decision.decision_id.map(|d| d.0),
        })
    }

    pub fn granted(&self, category: &str) -> Option<bool> {
        self.categories
            .iter()
            .find(|(id, _)| id == category)
            .map(|(_, g)| *g)
    }
}

fn truncate_user_agent(mut ua: String) -> String {
    if ua.len() > USER_AGENT_MAX {
        let mut cut = USER_AGENT_MAX;
        while !ua.is_char_boundary(cut) {
            cut -= 1;
        }
        ua.truncate(cut);
    }
    ua
}

/// The network an address belongs to, never the address: IPv4 /24, IPv6 /48. IPv4-mapped
/// addresses arrive unwrapped, by `routes::consents::client_ip`.
pub fn ip_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            format!("{net}/48")
        }
    }
}

/// Times as RFC 3339 in UTC with exactly three decimals, so that records sort as text too.
pub(crate) mod millis {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );

    pub fn format(t: OffsetDateTime) -> String {
        t.to_offset(time::UtcOffset::UTC)
            .format(FORMAT)
            .unwrap_or_default()
    }

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}

/// `categories` as a JSON object that keeps the registry's order.
pub(crate) mod ordered_map {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[(String, bool)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, g) in v {
            map.serialize_entry(k, g)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, bool)>, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Vec<(String, bool)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from category id to granted")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry::<String, bool>()? {
                    out.push(entry);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Ordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_carry_at_least_128_random_bits() {
        let now = OffsetDateTime::now_utc();
        let id = ConsentId::generate(now);
        assert_eq!(id.as_str().len(), 32, "6 bytes of time and 18 random bytes");
        assert!(ConsentId::parse(id.as_str()).is_ok());
        assert_ne!(id, ConsentId::generate(now));
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).expect("after 1970");
        assert_eq!(id.created_millis(), Some(millis));
        let foreign = ConsentId::parse("someone-elses-id-of-22-chars").expect("well formed");
        assert_eq!(foreign.created_millis(), None);
    }

    #[test]
    fn generated_ids_start_with_a_letter_or_digit_never_a_sign() {
        for days in [0, 20_000, 30_000, 2_000_000] {
            let id = ConsentId::generate(OffsetDateTime::UNIX_EPOCH + Duration::days(days));
            assert!(
                id.as_str().starts_with(|c: char| c.is_ascii_alphanumeric()),
                "{id}"
            );
        }
    }

    #[test]
    fn ids_made_before_the_time_mark_still_name_their_millisecond() {
        let millis: u64 = 1_795_000_000_123;
        let mut bytes = [7u8; 24];
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        let old = ConsentId::parse(&ID_ENGINE.encode(bytes)).expect("well formed");
        assert!(old.as_str().starts_with('-'), "{old}");
        let new = ConsentId::generate(
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                .expect("a time"),
        );

        assert_eq!(old.created_millis(), Some(millis));
        assert_eq!(new.created_millis(), Some(millis));
        assert!(old.as_str() < new.as_str());
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let t = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let ids: Vec<ConsentId> = [0, 1, 255, 256, 65_536, 86_400_000]
            .into_iter()
            .map(|ms| ConsentId::generate(t + Duration::milliseconds(ms)))
            .collect();
        assert!(
            ids.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
            "{ids:?}"
        );
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "short",
            "has space in it 123456789",
            "ünïcödé_ünïcödé_ünïcödé",
            &"a".repeat(65),
        ] {
            assert!(ConsentId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pages_keep_origin_and_path_only() {
        let cases = [
            (
                "https://www.example.com/a/b?q=1#top",
                "https://www.example.com/a/b",
            ),
            ("https://www.example.com#x", "https://www.example.com"),
            ("http://example.com:8080/p", "http://example.com:8080/p"),
            (
                "https://user:secret@www.example.com/a?token=x",
                "https://www.example.com/a",
            ),
            (
                "https://www.example.com:80@evil.example/x",
                "https://evil.example/x",
            ),
            (
                "https://www.example.com/cart;jsessionid=0A1B/x;y=1;z/?q;r",
                "https://www.example.com/cart/x/",
            ),
            ("https://www.example.com/;a", "https://www.example.com/"),
        ];
        for (input, kept) in cases {
            assert_eq!(Page::parse(input).map(|p| p.0).as_deref(), Some(kept));
        }
        for not_a_url in [
            "about:srcdoc",
            "javascript:alert(1)",
            "/relative",
            "https://",
            "https://a b.com/",
            "https://user@/path",
            "https://www.example.com:99999/",
            "https://www.exa_mple.com/",
        ] {
            assert_eq!(Page::parse(not_a_url), None, "{not_a_url:?}");
        }
    }

    #[test]
    fn a_long_page_is_cut_on_a_character_and_outside_a_percent_escape() {
        for tail in ["a", "é", "€", "%41", "a%4", "ab%", "%%"] {
            let long = format!("https://www.example.com/{}", tail.repeat(2000));
            let page = Page::parse(&long).expect("kept");
            assert!(page.0.len() <= PAGE_MAX, "{tail}");
            assert!(long.starts_with(&page.0), "{tail}");
            let end = &page.0.as_bytes()[page.0.len() - 2..];
            assert!(!end.contains(&b'%'), "{tail}: ends with {end:?}");
            assert_eq!(Page::parse(&page.0), Some(page.clone()), "{tail}: stable");
        }
        let huge_host = format!("https://{}.example/", "a".repeat(2100));
        assert_eq!(Page::parse(&huge_host), None);
    }

    #[test]
    fn ip_prefixes_hide_the_host() {
        let cases = [
            ("203.0.113.77", "203.0.113.0/24"),
            ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ];
        for (ip, prefix) in cases {
            assert_eq!(ip_prefix(ip.parse().expect("an address")), prefix);
        }
    }

    /// `Decision::parse` takes the internet's input: whatever it gets, it never panics, every
    /// refusal is a typed error with a code and the field to fix, and every accepted body
    /// parses again, from its serialized form, to the same decision.
    mod properties {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::TestCaseError;

        const CODES: [&str; 9] = [
            "malformed-json",
            "duplicate-field",
            "unknown-field",
            "missing-field",
            "invalid-field",
            "invalid-accepted",
            "unknown-action",
            "invalid-consent-id",
            "invalid-decision-id",
        ];

        fn config() -> ProptestConfig {
            ProptestConfig {
                cases: 256,
                // Nothing written into the source tree; a failure prints its input.
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(vec![
                    "accept-all",
                    "reject-all",
                    "custom",
                    "gpc",
                    "withdraw",
                    "",
                    "about:srcdoc",
                    "https://www.example.com/cart;jsessionid=1?q#f",
                    "https://u:p@www.example.com:8443/a",
                ])
                .prop_map(str::to_owned),
                "[A-Za-z0-9_-]{20,66}",
                "https?://[a-z.\\[\\]:]{1,16}(:[0-9]{1,6})?(/[a-z;=%@]{0,8}){0,3}",
                "[a-z]{1,9}",
                any::<String>(),
            ]
        }

        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                text().prop_map(Value::String),
            ];
            leaf.prop_recursive(2, 8, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec(("[a-z]{1,4}", inner), 0..3)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::sample::select(DECISION_FIELDS.to_vec()).prop_map(str::to_owned),
                1 => "[a-z_]{0,12}",
                1 => any::<String>(),
            ]
        }

        /// An object written out by hand, so that a key may come twice.
        fn body() -> impl Strategy<Value = String> {
            prop::collection::vec((key(), json()), 0..10).prop_map(|entries| {
                let fields: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
                    .collect();
                format!("{{{}}}", fields.join(","))
            })
        }

        /// A body the service accepts, to be spoiled.
        fn valid_body() -> impl Strategy<Value = String> {
            (
                prop::sample::select(Action::ALL.to_vec()),
                prop::collection::vec("[a-z]{1,8}", 0..4),
                proptest::option::of("[A-Za-z0-9_-]{22,64}"),
                proptest::option::of(prop_oneof![
                    text(),
                    // Over PAGE_MAX, to be shortened.
                    "https://www\\.example\\.com/[a-zé€%;=/]{2040,2100}",
                ]),
            )
                .prop_map(|(action, accepted, id, page)| {
                    serde_json::json!({
                        "consent_id": id, "revision": "c64277f7", "shown": "9b85831d1f2c1c3c",
                        "accepted": accepted, "action": action, "language": "en", "page": page,
                    })
                    .to_string()
                })
        }

        fn check(body: &[u8]) -> Result<(), TestCaseError> {
            match Decision::parse(body) {
                Ok(decision) => {
                    let again = serde_json::to_vec(&decision).expect("a decision serializes");
                    let reparsed = Decision::parse(&again);
                    prop_assert!(reparsed.is_ok(), "{reparsed:?}");
                    prop_assert_eq!(reparsed.ok(), Some(decision));
                }
                Err(e) => {
                    prop_assert!(CODES.contains(&e.code), "untyped code {}", e.code);
                    prop_assert!(!e.message.is_empty());
                    match e.code {
                        // The key as the client sent it, cut to 64 characters.
                        "unknown-field" | "duplicate-field" => {
                            prop_assert!(e.field.chars().count() <= 64)
                        }
                        _ => prop_assert!(
                            e.field == "body" || DECISION_FIELDS.contains(&e.field.as_ref()),
                            "field {:?} for {}",
                            e.field,
                            e.code
                        ),
                    }
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn generated_bodies_are_refused_with_a_code_and_field_or_round_trip(body in body()) {
                check(body.as_bytes())?;
            }

            #[test]
            fn arbitrary_bytes_never_panic_and_are_refused_as_typed_errors(
                bytes in prop::collection::vec(any::<u8>(), 0..200)
            ) {
                check(&bytes)?;
            }

            #[test]
            fn every_valid_body_is_accepted_and_round_trips(body in valid_body()) {
                prop_assert!(Decision::parse(body.as_bytes()).is_ok(), "{body}");
                check(body.as_bytes())?;
            }

            #[test]
            fn spoiled_valid_bodies_are_refused_with_a_code_and_field_or_round_trip(
                body in valid_body(),
                edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..4),
            ) {
                prop_assert!(Decision::parse(body.as_bytes()).is_ok(), "{body}");
                let mut bytes = body.into_bytes();
                for (at, byte, how) in edits {
                    let i = at.index(bytes.len() + 1);
                    match how {
                        0 => bytes.insert(i, byte),
                        1 if i < bytes.len() => { bytes.remove(i); }
                        _ if i < bytes.len() => bytes[i] = byte,
                        _ => bytes.push(byte),
                    }
                }
                check(&bytes)?;
            }
        }
    }
}
