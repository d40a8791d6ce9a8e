//! The report as one self-contained page (no script, no outside link but the scanned pages'
//! own URLs as text) that a privacy engineer can hand on: violations first. Everything the
//! site gave (names, URLs) is escaped by askama.

use askama::Template;

use super::report::{Item, Report};

#[derive(Template)]
#[template(path = "scan_report.html")]
struct Page<'a> {
    report: &'a Report,
    bad: Vec<Row<'a>>,
    good: Vec<Row<'a>>,
    failed: Vec<&'a super::report::PageVisit>,
}

struct Row<'a> {
    item: &'a Item,
    kind: &'static str,
    phases: String,
    verdict: String,
}

pub(super) fn render(report: &Report) -> String {
    let rows: Vec<Row> = report
        .items_by_severity()
        .into_iter()
        .map(|item| Row {
            item,
            kind: item.kind_label(),
            phases: item
                .phases
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            verdict: match (&item.declared, &item.suggested) {
                (Some(d), _) => format!("{} ({})", d.name, d.category),
                (None, Some(s)) => format!("not declared; catalog: {}, {}", s.provider, s.category),
                (None, None) => "not declared; unknown to the catalog".to_owned(),
            },
        })
        .collect();
    let (bad, good) = rows
        .into_iter()
        .partition(|r| !r.item.violations.is_empty());
    let failed = report
        .pages
        .iter()
        .filter(|p| p.status.is_none_or(|s| s >= 400))
        .collect();
    let page = Page {
        report,
        bad,
        good,
        failed,
    };
    page.render()
        .unwrap_or_else(|e| format!("the report could not be rendered: {e}"))
}
