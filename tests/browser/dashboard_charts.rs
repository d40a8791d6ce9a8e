//! The dashboard's chart tables as a person reads them, held to `GET /api/v1/admin/stats`:
//! the same days, counts and shares, a table per optional category in the registry's order.

use serde_json::{Value, json};

use crate::harness::Harness;

/// The chart tables as shown: per row of the action table, the day, its decisions and its
/// count per action; per category table, its id and the day, granted, offered and share.
fn chart_tables(h: &mut Harness) -> Value {
    h.browser.evaluate(
        "(() => {
           const text = (row) => [...row.cells].map((c) => c.textContent.trim());
           const actions = document.querySelector('table[data-chart=actions]');
           const codes = [...actions.querySelectorAll('thead th[data-action]')]
             .map((th) => th.dataset.action);
           return {
             actions: [...actions.tBodies[0].rows].map((r) => {
               const [day, decisions, ...counts] = text(r);
               return [day, Number(decisions), Object.fromEntries(codes.map((c, i) => [c, Number(counts[i])]))];
             }),
             categories: [...document.querySelectorAll('table[data-chart=category]')]
               .map((t) => [t.dataset.category, [...t.tBodies[0].rows].map(text)]),
           };
         })()",
    )
}

/// The chart tables must say what `GET /api/v1/admin/stats` says, category by category in
/// the registry's order.
pub(crate) fn assert_charts_match_the_stats(h: &mut Harness) {
    let stats = h.service.admin_json("/api/v1/admin/stats?days=30");
    let registry = h.service.registry();
    let shown = chart_tables(h);

    let days = stats["days"].as_array().expect("days");
    let expected: Vec<Value> = days
        .iter()
        .map(|d| {
            let actions: serde_json::Map<String, Value> = d["actions"]
                .as_object()
                .expect("actions")
                .iter()
                .map(|(a, n)| (a.clone(), n.clone()))
                .collect();
            json!([d["date"], d["decisions"], actions])
        })
        .collect();
    let mut seen: Vec<Value> = shown["actions"].as_array().expect("rows").clone();
    // The table lists every action of the period; a day lacking one shows 0 where the
    // API leaves it out.
    for row in &mut seen {
        if let Some(counts) = row[2].as_object_mut() {
            counts.retain(|_, n| n.as_u64() != Some(0));
        }
    }
    assert_eq!(seen, expected, "the action table against the stats API");

    let optional: Vec<&str> = registry["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .filter(|c| c["required"] != true)
        .filter_map(|c| c["id"].as_str())
        .collect();
    let tables = shown["categories"].as_array().expect("category tables");
    let order: Vec<&str> = tables.iter().filter_map(|t| t[0].as_str()).collect();
    assert_eq!(
        order, optional,
        "one table per optional category, in the registry's order"
    );
    for table in tables {
        let id = table[0].as_str().unwrap_or_default();
        let expected: Vec<Value> = days
            .iter()
            .filter(|d| d["offered"][id].is_u64())
            .map(|d| {
                let share = d["share_granted"][id].as_f64().expect("a share") * 100.0;
                json!([
                    d["date"],
                    d["granted"][id].as_u64().unwrap_or(0).to_string(),
                    d["offered"][id].to_string(),
                    format!("{share:.2} %"),
                ])
            })
            .collect();
        assert_eq!(
            table[1],
            json!(expected),
            "{id}'s table against the stats API"
        );
    }
}
