//! The document in words for the person who reads it first (a DPO, an auditor, the visitor):
//! who (the consent id), and for each decision when, what the banner asked (the categories its
//! snapshot shows, by their titles there) and what was chosen. In the language of the visitor's
//! latest decision. A reading aid, not evidence: `consentry verify` checks the records and
//! snapshots it is made from, not these sentences.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Summary;
use crate::i18n::{EvidenceTexts, Lang, evidence_texts};

pub(super) fn of(id: &str, records: &[Value], snapshots: &BTreeMap<String, String>) -> Summary {
    let language = records
        .last()
        .and_then(|r| r["language"].as_str())
        .and_then(Lang::parse)
        .unwrap_or_else(|| Lang::parse("en").expect("en is a language tag"));
    let texts = evidence_texts(&language);
    let mut lines = vec![texts.title.replace("{id}", id)];
    for record in records {
        let snapshot: Value = record["shown"]
            .as_str()
            .and_then(|shown| snapshots.get(shown))
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null);
        lines.push(decision(texts, record, &snapshot));
    }
    Summary {
        language: language.as_str().to_owned(),
        lines,
    }
}

/// One decision's line.
fn decision(texts: &EvidenceTexts, record: &Value, snapshot: &Value) -> String {
    let title = |id: &str| {
        snapshot["categories"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["id"] == id))
            .and_then(|c| c["title"].as_str())
            .unwrap_or(id)
            .to_owned()
    };
    let asked: Vec<String> = snapshot["categories"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|c| c["id"].as_str())
                .map(title)
                .collect()
        })
        .unwrap_or_default();
    let chosen = |granted: bool| -> Vec<String> {
        record["categories"]
            .as_object()
            .map(|all| {
                all.iter()
                    .filter(|(_, v)| v.as_bool() == Some(granted))
                    .map(|(id, _)| title(id))
                    .collect()
            })
            .unwrap_or_default()
    };
    let list = |items: Vec<String>| {
        if items.is_empty() {
            texts.none.clone()
        } else {
            items.join(", ")
        }
    };
    let action = match record["action"].as_str().unwrap_or_default() {
        "accept-all" => &texts.action_accept_all,
        "reject-all" => &texts.action_reject_all,
        "gpc" => &texts.action_gpc,
        "withdraw" => &texts.action_withdraw,
        _ => &texts.action_custom,
    };
    texts
        .decision
        .replace("{when}", record["recorded_at"].as_str().unwrap_or_default())
        .replace("{asked}", &list(asked))
        .replace("{action}", action)
        .replace("{accepted}", &list(chosen(true)))
        .replace("{refused}", &list(chosen(false)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_summary_says_what_was_asked_and_chosen_in_the_visitors_language() {
        let snapshot = json!({"categories": [
            {"id": "necessary", "title": "Strictement nécessaires", "required": true},
            {"id": "analytics", "title": "Mesure d'audience"}]});
        let snapshots = BTreeMap::from([("abc".to_owned(), snapshot.to_string())]);
        let record = json!({"shown": "abc", "language": "fr", "action": "custom",
            "recorded_at": "2026-11-22T05:00:00.000Z",
            "categories": {"necessary": true, "analytics": false}});

        let summary = of("k3Jd", &[record], &snapshots);

        assert_eq!(summary.language, "fr");
        assert_eq!(summary.lines[0], "Preuve de consentement du visiteur k3Jd");
        assert_eq!(
            summary.lines[1],
            "2026-11-22T05:00:00.000Z : la bannière demandait Strictement nécessaires, Mesure \
             d'audience ; choix (choix personnalisé) : acceptés Strictement nécessaires ; \
             refusés Mesure d'audience."
        );
    }
}
