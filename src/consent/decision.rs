//! A decision as posted (CONTRACT §4.3): parsed at the edge, every refusal naming its field.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json::{UniqueKeys, optional_string, required_string};
use super::{ConsentId, DecisionId, Page};
use crate::registry::suggest;

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
    pub(super) fn new(
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
/// parse again).
#[derive(Debug, PartialEq, Serialize)]
pub struct Decision {
    pub(super) consent_id: Option<ConsentId>,
    pub(super) decision_id: Option<DecisionId>,
    pub(super) revision: String,
    pub(super) shown: String,
    pub(super) accepted: BTreeSet<String>,
    pub(super) action: Action,
    pub(super) language: Option<String>,
    pub(super) page: Option<Page>,
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

#[cfg(test)]
mod properties;
