//! A decision as posted (CONTRACT §4.3): parsed at the edge, every refusal naming its field.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json::{UniqueKeys, optional_string, required_string};
use super::{ConsentId, DecisionId, IdError, Page};
use crate::suggest::suggest;

/// What a posted body can get wrong by itself, before it is checked against its snapshot.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecisionError {
    /// `why` says whether the body was not JSON at all or JSON but not an object.
    #[error("{why}: {source}")]
    Malformed {
        why: &'static str,
        source: serde_json::Error,
    },
    /// The key as the client sent it, cut to 64 characters.
    #[error("the key {0:?} appears more than once; name each field once")]
    Duplicate(String),
    /// The key as the client sent it, cut to 64 characters, with a hint at the right one.
    #[error("unknown field {name:?}; {hint}")]
    Unknown { name: String, hint: String },
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("accepted is required: the list of granted category ids")]
    MissingAccepted,
    /// A required field that is not a non-empty string.
    #[error("{0} must be a non-empty string")]
    NotText(&'static str),
    /// An optional field that is not a string.
    #[error("{0} must be a string")]
    NotAString(&'static str),
    #[error("accepted must be a list of category ids (strings)")]
    Accepted,
    #[error("unknown action {0:?}; one of accept-all, reject-all, custom, gpc, withdraw")]
    Action(String),
    #[error(transparent)]
    Id(#[from] IdError),
}

impl DecisionError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            DecisionError::Malformed { .. } => "malformed-json",
            DecisionError::Duplicate(_) => "duplicate-field",
            DecisionError::Unknown { .. } => "unknown-field",
            DecisionError::Missing(_) | DecisionError::MissingAccepted => "missing-field",
            DecisionError::NotText(_) | DecisionError::NotAString(_) => "invalid-field",
            DecisionError::Accepted => "invalid-accepted",
            DecisionError::Action(_) => "unknown-action",
            DecisionError::Id(e) => e.code(),
        }
    }

    /// The field to fix: `body` when it is not a JSON object, the client's key when that key
    /// is repeated or unknown.
    pub(crate) fn field(&self) -> &str {
        match self {
            DecisionError::Malformed { .. } => "body",
            DecisionError::Duplicate(name) | DecisionError::Unknown { name, .. } => name,
            DecisionError::Missing(field)
            | DecisionError::NotText(field)
            | DecisionError::NotAString(field) => field,
            DecisionError::MissingAccepted | DecisionError::Accepted => "accepted",
            DecisionError::Action(_) => "action",
            DecisionError::Id(e) => e.field(),
        }
    }
}

/// What the visitor did.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Action {
    AcceptAll,
    RejectAll,
    Custom,
    Gpc,
    Withdraw,
}

impl Action {
    pub(crate) const ALL: [Action; 5] = [
        Action::AcceptAll,
        Action::RejectAll,
        Action::Custom,
        Action::Gpc,
        Action::Withdraw,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::AcceptAll => "accept-all",
            Action::RejectAll => "reject-all",
            Action::Custom => "custom",
            Action::Gpc => "gpc",
            Action::Withdraw => "withdraw",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Actions that may grant nothing beyond the required categories.
    pub(super) fn denies_optional(self) -> bool {
        matches!(self, Action::RejectAll | Action::Gpc | Action::Withdraw)
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
/// parse again); its schema is the body's in the OpenAPI document. No other field is accepted.
#[derive(Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(
    description = "A decision as the banner posts it (CONTRACT §4.3); no other field is \
    accepted, and none may be given twice."
)]
pub(crate) struct Decision {
    /// The visitor's id from an earlier decision (22 to 64 URL-safe characters); without it
    /// the service makes one.
    #[schema(value_type = Option<String>)]
    pub(super) consent_id: Option<ConsentId>,
    /// The banner's name for this decision (22 to 64 URL-safe characters): a post repeating it
    /// under the same `consent_id` is answered with the stored record.
    #[schema(value_type = Option<String>)]
    pub(super) decision_id: Option<DecisionId>,
    /// The registry revision the visitor saw.
    pub(super) revision: String,
    /// The hash of what the banner displayed, as `banner.js` was served.
    pub(super) shown: String,
    /// The granted category ids.
    #[schema(value_type = Vec<String>)]
    pub(super) accepted: BTreeSet<String>,
    pub(super) action: Action,
    pub(super) language: Option<String>,
    /// The page the decision was made on; kept as origin and path.
    #[schema(value_type = Option<String>)]
    pub(super) page: Option<Page>,
}

impl Decision {
    /// Parses a posted body; every problem names the field it is about.
    pub(crate) fn parse(body: &[u8]) -> Result<Decision, DecisionError> {
        let UniqueKeys { map, repeated } =
            serde_json::from_slice(body).map_err(|source| DecisionError::Malformed {
                why: match source.classify() {
                    serde_json::error::Category::Data => "the body must be a JSON object",
                    _ => "the body is not valid JSON",
                },
                source,
            })?;
        if let Some(key) = repeated {
            return Err(DecisionError::Duplicate(client_key(&key)));
        }
        if let Some(unknown) = map.keys().find(|k| !DECISION_FIELDS.contains(&k.as_str())) {
            let hint = suggest(unknown, &DECISION_FIELDS)
                .map(|f| format!("did you mean {f:?}?"))
                .unwrap_or_else(|| format!("the fields are {}", DECISION_FIELDS.join(", ")));
            return Err(DecisionError::Unknown {
                name: client_key(unknown),
                hint,
            });
        }
        let consent_id = optional_string(&map, "consent_id")?
            .map(ConsentId::parse_posted)
            .transpose()?;
        let decision_id = optional_string(&map, "decision_id")?
            .map(DecisionId::parse)
            .transpose()?;
        let revision = required_string(&map, "revision")?;
        let shown = required_string(&map, "shown")?;
        let action = required_string(&map, "action")?;
        let action =
            Action::parse(action).ok_or_else(|| DecisionError::Action(action.to_owned()))?;
        let accepted = match map.get("accepted") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(DecisionError::Accepted),
                })
                .collect::<Result<BTreeSet<_>, _>>()?,
            None | Some(Value::Null) => return Err(DecisionError::MissingAccepted),
            Some(_) => return Err(DecisionError::Accepted),
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
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    pub(crate) fn action(&self) -> Action {
        self.action
    }
}

/// A key as the client sent it, cut on a character boundary to keep answers small.
fn client_key(key: &str) -> String {
    key.chars().take(64).collect()
}

#[cfg(test)]
mod properties;
