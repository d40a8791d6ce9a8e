use time::macros::date;

use super::*;
use crate::store::DayStats;

fn named(id: &str, title: &str, required: bool) -> Named {
    Named {
        id: id.to_owned(),
        title: title.to_owned(),
        required,
    }
}

/// Two days: three decisions on the first (two accept all, one custom granting nothing
/// optional), one reject all on the second, with a category the registry no longer has.
fn stats() -> Stats {
    let day = |date: &str, actions: &[(Action, u64)], granted: &[(&str, u64)], offered: u64| {
        let decisions = actions.iter().map(|(_, n)| n).sum();
        DayStats {
            date: date.to_owned(),
            decisions,
            actions: actions.iter().copied().collect(),
            granted: granted.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(),
            offered: ["necessary", "analytics", "old"]
                .iter()
                .map(|c| ((*c).to_owned(), offered))
                .collect(),
            ..DayStats::default()
        }
    };
    let days = vec![
        day(
            "2026-11-20",
            &[(Action::AcceptAll, 2), (Action::Custom, 1)],
            &[("necessary", 3), ("analytics", 2), ("old", 2)],
            3,
        ),
        day(
            "2026-11-22",
            &[(Action::RejectAll, 1)],
            &[("necessary", 1)],
            1,
        ),
    ];
    Stats {
        days,
        decisions: 4,
        share_granted: [("necessary", 1.0), ("analytics", 0.5), ("old", 0.5)]
            .iter()
            .map(|(c, s)| ((*c).to_owned(), *s))
            .collect(),
        ..Stats::default()
    }
}

fn charts() -> Charts {
    let registry = vec![
        named("necessary", "Necessary", true),
        named("analytics", "Analytics", false),
    ];
    Charts::build(
        &stats(),
        date!(2026 - 11 - 16),
        date!(2026 - 11 - 22),
        registry,
    )
}

#[test]
fn categories_come_in_the_registrys_order_then_those_only_the_records_name() {
    let charts = charts();

    let order: Vec<(&str, bool)> = charts
        .categories
        .iter()
        .map(|c| (c.category.id.as_str(), c.in_registry))
        .collect();
    assert_eq!(
        order,
        [("necessary", true), ("analytics", true), ("old", false)]
    );
    assert!(charts.categories[0].category.required);
}

#[test]
fn a_category_table_has_a_row_per_day_that_offered_it_with_the_share_the_api_gives() {
    let charts = charts();
    let analytics = &charts.categories[1];

    let rows: Vec<(&str, u64, u64, &str)> = analytics
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.granted, r.offered, r.share.as_str()))
        .collect();

    assert_eq!(
        rows,
        [
            ("2026-11-20", 2, 3, "66.67 %"),
            ("2026-11-22", 0, 1, "0.00 %")
        ]
    );
    assert_eq!(analytics.total.share, "50.00 %");
    assert_eq!(analytics.bars.len(), 2, "one bar per day that offered it");
    assert!(
        analytics.desc.contains("the highest 66.67 % (2026-11-20)"),
        "{}",
        analytics.desc
    );
}

#[test]
fn the_action_chart_stacks_only_the_actions_that_occurred_and_counts_each_day() {
    let charts = charts();
    let actions = charts.actions.expect("decisions, so a chart");

    let legend: Vec<(&str, u64)> = actions.legend.iter().map(|k| (k.code, k.total)).collect();
    assert_eq!(
        legend,
        [("accept-all", 2), ("reject-all", 1), ("custom", 1)]
    );
    let rows: Vec<(&str, u64, &[u64])> = actions
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.decisions, r.counts.as_slice()))
        .collect();
    assert_eq!(
        rows,
        [
            ("2026-11-20", 3, &[2, 0, 1][..]),
            ("2026-11-22", 1, &[0, 1, 0][..])
        ]
    );
    assert_eq!(
        actions.segments.len(),
        3,
        "two on the 20th, one on the 22nd"
    );
    assert_eq!(charts.days, 7);
    assert_eq!(charts.decisions, 4);
}

#[test]
fn a_period_without_decisions_has_no_action_chart() {
    let empty = Stats::default();

    let charts = Charts::build(&empty, date!(2026 - 11 - 16), date!(2026 - 11 - 22), vec![]);

    assert!(charts.actions.is_none());
    assert!(charts.categories.is_empty());
}
