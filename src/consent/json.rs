//! The posted body's JSON, read strictly: one object, each key once.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::DecisionError;

/// The body's top-level object, with the first key it repeats: serde_json's `Value` keeps the
/// last of repeated keys silently, so `"action":"reject-all", …, "action":"custom"` would be
/// stored as `custom` although a reader of the body may well have seen `reject-all`.
pub(super) struct UniqueKeys {
    pub(super) map: Map<String, Value>,
    pub(super) repeated: Option<String>,
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

pub(super) fn required_string<'a>(
    map: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, DecisionError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) => Err(DecisionError::Missing(field)),
        Some(_) => Err(DecisionError::NotText(field)),
    }
}

pub(super) fn optional_string<'a>(
    map: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'a str>, DecisionError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(DecisionError::NotAString(field)),
    }
}
