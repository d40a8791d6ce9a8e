//! A visitor's receipt (`/consent/{id}`): their decisions in words, in their language, each
//! with its place in the consent log and how to check it. Made from the records as stored and
//! the snapshot each `shown` names, so the categories read as the banner titled them when the
//! visitor chose. Only what the visitor's own browser already holds is shown: never the user
//! agent, the address prefix or the page a record keeps as context.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::i18n::{EvidenceTexts, ReceiptTexts};

/// One decision as the receipt shows it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// "Decision 1 of 2".
    pub heading: String,
    pub recorded: Moment,
    /// The action, in words ("Accept all").
    pub action: String,
    /// The categories granted and refused, by their titles in the banner the visitor saw.
    pub accepted: Vec<String>,
    pub refused: Vec<String>,
    /// When the banner asks again.
    pub expires: Option<Moment>,
    pub log: LogPlace,
}

/// A time, for people and for `<time datetime>`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Moment {
    pub text: String,
    pub iso: String,
}

/// Where a decision stands in the consent log.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LogPlace {
    /// In the tree of the latest signed checkpoint: its inclusion can be proved now.
    Signed { index: u64, tree_size: u64 },
    /// Sequenced, in no signed checkpoint yet (one comes within seconds).
    Sequenced { index: u64 },
    /// Not sequenced yet (within the 10 s merge delay).
    Waiting,
}

/// Decisions of one visitor, oldest first. `records` are stored JSON values, the last of a
/// history of `total` that starts `skipped` decisions before them; `snapshots` the parsed
/// snapshots by `shown` (absent: the titles fall back to the ids), and `signed` the size of
/// the latest signed checkpoint.
pub(crate) fn lines(
    records: &[Value],
    skipped: usize,
    total: usize,
    snapshots: &BTreeMap<String, Value>,
    signed: u64,
    texts: &ReceiptTexts,
    words: &EvidenceTexts,
) -> Vec<Line> {
    let count = total.to_string();
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let snapshot = record["shown"]
                .as_str()
                .and_then(|shown| snapshots.get(shown))
                .unwrap_or(&Value::Null);
            let (accepted, refused) = chosen(record, snapshot);
            Line {
                heading: texts
                    .decision
                    .replace("{n}", &(skipped + i + 1).to_string())
                    .replace("{count}", &count),
                recorded: moment(record["recorded_at"].as_str().unwrap_or_default()),
                action: capitalized(action(words, record["action"].as_str())),
                accepted,
                refused,
                expires: record["expires_at"].as_str().map(moment),
                log: place(record, signed),
            }
        })
        .collect()
}

fn action<'a>(words: &'a EvidenceTexts, action: Option<&str>) -> &'a str {
    match action.unwrap_or_default() {
        "accept-all" => &words.action_accept_all,
        "reject-all" => &words.action_reject_all,
        "gpc" => &words.action_gpc,
        "withdraw" => &words.action_withdraw,
        _ => &words.action_custom,
    }
}

/// The granted and refused categories' titles, in the order the banner listed them; any the
/// snapshot does not name (it may not be archived) follow by their ids.
fn chosen(record: &Value, snapshot: &Value) -> (Vec<String>, Vec<String>) {
    let Some(choices) = record["categories"].as_object() else {
        return (Vec::new(), Vec::new());
    };
    let listed: Vec<(&str, &str)> = snapshot["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["id"].as_str()?, c["title"].as_str()?)))
        .collect();
    let mut order: Vec<(&str, &str)> = listed
        .iter()
        .copied()
        .filter(|(id, _)| choices.contains_key(*id))
        .collect();
    for id in choices.keys() {
        if !listed.iter().any(|(known, _)| known == id) {
            order.push((id, id));
        }
    }
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for (id, title) in order {
        let side = if choices[id].as_bool() == Some(true) {
            &mut accepted
        } else {
            &mut refused
        };
        side.push(title.to_owned());
    }
    (accepted, refused)
}

fn place(record: &Value, signed: u64) -> LogPlace {
    match record["log"]["index"].as_u64() {
        Some(index) if index < signed => LogPlace::Signed {
            index,
            tree_size: signed,
        },
        Some(index) => LogPlace::Sequenced { index },
        None => LogPlace::Waiting,
    }
}

/// "2026-11-22 05:00 UTC" from a record's RFC 3339 time; the text itself if it is not one.
fn moment(iso: &str) -> Moment {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let text = OffsetDateTime::parse(iso, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(format).ok())
        .unwrap_or_else(|| iso.to_owned());
    Moment {
        text,
        iso: iso.to_owned(),
    }
}

/// Evidence words are written to sit inside a sentence; a receipt's line starts with one.
fn capitalized(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, evidence_texts, receipt_texts};
    use serde_json::json;

    #[test]
    fn a_decision_reads_with_the_titles_the_visitor_saw_and_its_place_in_the_log() {
        let fr = Lang::parse("fr").expect("fr");
        let snapshot = json!({"categories": [
            {"id": "necessary", "title": "Strictement nécessaires"},
            {"id": "analytics", "title": "Mesure d'audience"},
            {"id": "marketing", "title": "Publicité"}]});
        let snapshots = BTreeMap::from([("abc".to_owned(), snapshot)]);
        let records = [
            json!({"shown": "abc", "action": "custom", "recorded_at": "2026-11-22T05:00:00.000Z",
                "expires_at": "2027-05-23T05:00:00.000Z", "log": {"index": 4, "salt": "x"},
                "categories": {"marketing": false, "analytics": true, "necessary": true}}),
            json!({"shown": "gone", "action": "withdraw", "recorded_at": "2026-11-23T06:30:00.000Z",
                "log": {"index": 9, "salt": "y"}, "categories": {"necessary": true, "analytics": false}}),
            json!({"shown": "abc", "action": "gpc", "recorded_at": "not a time",
                "categories": {"necessary": true}}),
        ];

        let texts = (receipt_texts(&fr), evidence_texts(&fr));
        let lines = lines(&records, 0, 3, &snapshots, 5, texts.0, texts.1);
        let newest = super::lines(&records[2..], 2, 3, &snapshots, 5, texts.0, texts.1);
        assert_eq!(
            newest[0].heading, "Décision 3 sur 3",
            "numbered in the whole history"
        );

        assert_eq!(lines[0].heading, "Décision 1 sur 3");
        assert_eq!(lines[0].recorded.text, "2026-11-22 05:00 UTC");
        assert_eq!(lines[0].action, "Choix personnalisé");
        assert_eq!(
            lines[0].accepted,
            ["Strictement nécessaires", "Mesure d'audience"]
        );
        assert_eq!(lines[0].refused, ["Publicité"]);
        assert_eq!(
            lines[0].expires.as_ref().map(|e| e.iso.as_str()),
            Some("2027-05-23T05:00:00.000Z")
        );
        assert_eq!(
            lines[0].log,
            LogPlace::Signed {
                index: 4,
                tree_size: 5
            }
        );
        // A snapshot not archived: the ids stand in for the titles.
        assert_eq!(lines[1].accepted, ["necessary"]);
        assert_eq!(lines[1].refused, ["analytics"]);
        assert_eq!(lines[1].action, "Retrait");
        assert_eq!(lines[1].log, LogPlace::Sequenced { index: 9 });
        assert_eq!(lines[2].log, LogPlace::Waiting);
        assert_eq!(lines[2].recorded.text, "not a time");
        assert_eq!(lines[2].expires, None);
    }
}
