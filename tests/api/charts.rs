//! `GET /api/v1/admin/charts`: the stats drawn as SVG beside tables of the same numbers, an
//! HTML fragment for the dashboard. Who may call it is in `admin.rs`.

use scraper::Html;
use serde_json::Value;

use crate::helpers::*;
use crate::policy::{select, text};

/// The fragment, parsed; it must answer 200 as HTML.
async fn charts(app: &TestApp, query: &str) -> Html {
    let (status, body) = app.charts(query).await;
    assert_eq!(status, 200, "{body}");
    Html::parse_fragment(&body)
}

/// Each body row of the table `css`, its cells as text.
fn rows(doc: &Html, css: &str) -> Vec<Vec<String>> {
    select(doc, &format!("{css} tbody tr"))
        .iter()
        .map(|row| select_cells(row))
        .collect()
}

fn select_cells(row: &scraper::ElementRef) -> Vec<String> {
    let cells = scraper::Selector::parse("th, td").expect("a selector");
    row.select(&cells).map(|c| text(&c)).collect()
}

#[actix_rt::test]
async fn the_charts_tables_hold_the_stats_apis_numbers_with_an_accessible_svg_each() {
    let app = spawn_unlimited().await;
    app.post_decisions(2, "accept-all", &["necessary", "analytics"])
        .await;
    app.post_decisions(1, "reject-all", &["necessary"]).await;
    app.post_decisions(1, "custom", &["necessary"]).await;
    let (_, stats) = app.stats("?days=7").await;
    let stats: Value = serde_json::from_str(&stats).expect("stats JSON");
    let today = &stats["days"][0];

    let doc = charts(&app, "?days=7").await;

    let actions = rows(&doc, "table[data-chart=actions]");
    let header: Vec<String> = select(&doc, "table[data-chart=actions] thead th[data-action]")
        .iter()
        .map(|th| {
            th.value()
                .attr("data-action")
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(header, ["accept-all", "reject-all", "custom"]);
    let mut expected = vec![
        today["date"].as_str().expect("a date").to_owned(),
        today["decisions"].to_string(),
    ];
    expected.extend(header.iter().map(|a| today["actions"][a].to_string()));
    assert_eq!(actions, [expected]);
    let analytics = rows(&doc, "table[data-category=analytics]");
    assert_eq!(
        analytics,
        [[
            today["date"].as_str().expect("a date").to_owned(),
            today["granted"]["analytics"].to_string(),
            today["offered"]["analytics"].to_string(),
            format!(
                "{:.2} %",
                today["share_granted"]["analytics"].as_f64().unwrap_or(-1.0) * 100.0
            ),
        ]]
    );
    assert_eq!(analytics[0][1..3], ["2", "4"]);
    // Necessary is required: a sentence, not a chart of a constant 100 %.
    assert!(select(&doc, "table[data-category=necessary]").is_empty());
    let svgs = select(&doc, "svg.chart-svg");
    assert_eq!(svgs.len(), 2, "decisions by action, and analytics");
    for svg in &svgs {
        assert_eq!(svg.value().attr("role"), Some("img"));
        let labelled = svg.value().attr("aria-labelledby").unwrap_or_default();
        for id in labelled.split_whitespace() {
            let named = select(&doc, &format!("svg [id=\"{id}\"]"));
            assert!(
                named.first().is_some_and(|e| !text(e).is_empty()),
                "{id} names no text"
            );
        }
        assert!(
            labelled.contains("-title") && labelled.contains("-desc"),
            "{labelled}"
        );
    }
    assert!(
        select(&doc, "script, style, [style]").is_empty(),
        "the dashboard's CSP would refuse inline script or style"
    );
    let bars = select(&doc, "svg.chart-svg rect.segment");
    assert_eq!(bars.len(), 3, "one segment per action of today's column");
}

#[actix_rt::test]
async fn a_period_without_decisions_says_so_instead_of_drawing() {
    let app = spawn_unlimited().await;

    let doc = charts(&app, "").await;

    assert!(select(&doc, "svg").is_empty());
    let said = select(&doc, ".charts-none");
    assert!(
        said.first()
            .is_some_and(|p| text(p).contains("No decision"))
    );
    let period = text(&select(&doc, ".charts-period")[0]);
    assert!(period.contains("the last 30 days"), "{period}");
}

/// `SMALL` with an analytics title that is markup.
const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'&";

#[actix_rt::test]
async fn a_category_title_that_is_markup_is_shown_as_text_in_the_charts() {
    let registry = SMALL.replacen(
        r#"title = { en = "Analytics", fr = "Mesure d'audience" }"#,
        &format!("title = {:?}", HOSTILE),
        1,
    );
    assert_ne!(registry, SMALL, "the title was replaced");
    let app = spawn_app_configured(&registry, |s| s.rate_limit = None).await;
    app.post_decisions(1, "accept-all", &["necessary", "analytics"])
        .await;

    let (status, body) = app.charts("").await;
    let doc = Html::parse_fragment(&body);

    assert_eq!(status, 200, "{body}");
    assert!(select(&doc, "img").is_empty(), "markup got through: {body}");
    assert!(!body.contains("<img"), "{body}");
    let heading = text(&select(&doc, "figure h3")[1]);
    assert_eq!(heading, format!("{HOSTILE}: 100.00 % granted"));
    let title = text(&select(&doc, "svg title")[1]);
    assert!(title.starts_with(HOSTILE), "{title}");
}
