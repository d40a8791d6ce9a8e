//! `Decision::parse` takes the internet's input: whatever it gets, it never panics, every
//! refusal is a typed error with a code and the field to fix, and every accepted body
//! parses again, from its serialized form, to the same decision.

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
        // A posted id may not start with `-` (ConsentId::parse_posted).
        proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_-]{21,63}"),
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
            let (code, field) = (e.code(), e.field());
            prop_assert!(CODES.contains(&code), "untyped code {}", code);
            prop_assert!(!e.to_string().is_empty());
            match code {
                // The key as the client sent it, cut to 64 characters.
                "unknown-field" | "duplicate-field" => {
                    prop_assert!(field.chars().count() <= 64)
                }
                _ => prop_assert!(
                    field == "body" || DECISION_FIELDS.contains(&field),
                    "field {:?} for {}",
                    field,
                    code
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
