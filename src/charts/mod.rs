//! The dashboard's charts: decisions by action, and the share granted of each category, over
//! the period the stats API covers, as numbers a template draws as SVG beside a table of the
//! same numbers (templates/charts.html). Built from the stats API's own answer, so the charts
//! and the API cannot disagree.

mod frame;
mod period;

use time::Date;

use frame::{Frame, HEIGHT, Rect, Tick, WIDTH, XLabel, count_ticks};
use period::Period;

use crate::consent::Action;
use crate::registry::Registry;
use crate::store::Stats;

/// How the page names an action; its code (`accept-all`) names it in the API and the export.
fn action_name(action: Action) -> &'static str {
    match action {
        Action::AcceptAll => "Accept all",
        Action::RejectAll => "Reject all",
        Action::Custom => "Custom",
        Action::Gpc => "GPC signal",
        Action::Withdraw => "Withdrawal",
    }
}

/// A share as the page writes it: the stats API's four decimals as a percentage.
fn percent(share: f64) -> String {
    format!("{:.2} %", share * 100.0)
}

/// `granted / offered` rounded to four decimals, as the stats API rounds it.
fn share(granted: u64, offered: u64) -> f64 {
    (granted as f64 / offered.max(1) as f64 * 10_000.0).round() / 10_000.0
}

/// A category as the dashboard names it: from the live registry, or only its id when the
/// records name one the registry no longer has.
pub(crate) struct Named {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) required: bool,
}

/// The live registry's categories in its order, titled in its default language.
pub(crate) fn named(registry: &Registry) -> Vec<Named> {
    let lang = registry.default_lang();
    registry
        .categories
        .iter()
        .map(|c| Named {
            id: c.id.to_string(),
            title: c.title.get(lang, lang).to_owned(),
            required: c.required,
        })
        .collect()
}

/// Every chart of one period.
pub(crate) struct Charts {
    pub(crate) first: Date,
    pub(crate) last: Date,
    pub(crate) days: i64,
    /// "day", "week" or "month": what one column covers.
    pub(crate) grain: &'static str,
    pub(crate) decisions: u64,
    /// `None` when the period holds no decision: there is nothing to draw.
    pub(crate) actions: Option<ActionChart>,
    /// The registry's categories in its order, then any the records name that it lacks.
    pub(crate) categories: Vec<CategoryChart>,
    pub(crate) axes: Axes,
}

/// What every chart's frame shares: its `viewBox` and where its axes go.
pub(crate) struct Axes {
    pub(crate) view_box: String,
    pub(crate) baseline: String,
    pub(crate) left: String,
    pub(crate) right: String,
    pub(crate) label_x: String,
    pub(crate) x_label_y: String,
}

/// An action that occurs in the period: its code, its name and its decisions.
pub(crate) struct ActionKey {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) total: u64,
}

/// One action's part of one column's stacked bar.
pub(crate) struct Segment {
    pub(crate) code: &'static str,
    pub(crate) rect: Rect,
}

/// A row of the action table: a column with decisions, its count per action of the legend.
pub(crate) struct ActionRow {
    pub(crate) label: String,
    pub(crate) decisions: u64,
    pub(crate) counts: Vec<u64>,
}

pub(crate) struct ActionChart {
    pub(crate) legend: Vec<ActionKey>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) ticks: Vec<Tick>,
    pub(crate) x_labels: Vec<XLabel>,
    pub(crate) rows: Vec<ActionRow>,
    /// What the chart shows, in words, for a screen reader (its `<desc>`).
    pub(crate) desc: String,
}

/// A row of a category's table: a column whose decisions offered the category.
pub(crate) struct ShareRow {
    pub(crate) label: String,
    pub(crate) granted: u64,
    pub(crate) offered: u64,
    pub(crate) share: String,
}

pub(crate) struct CategoryChart {
    /// Its place among the charts, for element ids: a title may hold anything.
    pub(crate) index: usize,
    pub(crate) category: Named,
    /// False when only the records name it.
    pub(crate) in_registry: bool,
    pub(crate) bars: Vec<Rect>,
    pub(crate) ticks: Vec<Tick>,
    pub(crate) x_labels: Vec<XLabel>,
    pub(crate) rows: Vec<ShareRow>,
    pub(crate) total: ShareRow,
    pub(crate) desc: String,
}

impl Charts {
    /// The charts of `stats`, the stats API's answer for the days `first` to `last`, with the
    /// registry's `categories` in its order.
    pub(crate) fn build(stats: &Stats, first: Date, last: Date, categories: Vec<Named>) -> Charts {
        let period = Period::of(stats, first, last);
        let labels: Vec<String> = period
            .columns
            .iter()
            .map(|c| c.short_label(period.grain))
            .collect();
        let decisions: u64 = period.columns.iter().map(|c| c.decisions).sum();
        let actions = (decisions > 0).then(|| action_chart(&period, &labels, decisions));
        let known = categories.len();
        let mut named = categories;
        for id in stats.share_granted.keys() {
            if !named.iter().any(|c| &c.id == id) {
                named.push(Named {
                    id: id.clone(),
                    title: id.clone(),
                    required: false,
                });
            }
        }
        let categories = named
            .into_iter()
            .enumerate()
            .map(|(index, category)| category_chart(&period, &labels, index, known, category))
            .collect();
        let (baseline, left, right) = Frame::baseline();
        Charts {
            first,
            last,
            days: period.days(),
            grain: period.grain.word(),
            decisions,
            actions,
            categories,
            axes: Axes {
                view_box: format!("0 0 {WIDTH} {HEIGHT}"),
                baseline,
                left,
                right,
                label_x: Frame::label_x(),
                x_label_y: Frame::x_label_y(),
            },
        }
    }
}

fn action_chart(period: &Period, labels: &[String], decisions: u64) -> ActionChart {
    let legend: Vec<ActionKey> = Action::ALL
        .into_iter()
        .filter_map(|action| {
            let total: u64 = period
                .columns
                .iter()
                .filter_map(|c| c.actions.get(&action))
                .sum();
            (total > 0).then(|| ActionKey {
                code: action.as_str(),
                name: action_name(action),
                total,
            })
        })
        .collect();
    let most = period
        .columns
        .iter()
        .map(|c| c.decisions)
        .max()
        .unwrap_or(0);
    let ticks = count_ticks(most);
    let frame = Frame::new(period.columns.len(), ticks.last().copied().unwrap_or(1.0));
    let mut segments = Vec::new();
    let mut rows = Vec::new();
    for (index, column) in period.columns.iter().enumerate() {
        let mut below = 0.0;
        for action in Action::ALL {
            let count = column.actions.get(&action).copied().unwrap_or(0);
            if count > 0 {
                let top = below + count as f64;
                segments.push(Segment {
                    code: action.as_str(),
                    rect: frame.bar(index, below, top),
                });
                below = top;
            }
        }
        if column.decisions > 0 {
            rows.push(ActionRow {
                label: column.label(period.grain),
                decisions: column.decisions,
                counts: legend
                    .iter()
                    .map(|key| {
                        Action::ALL
                            .into_iter()
                            .find(|a| a.as_str() == key.code)
                            .and_then(|a| column.actions.get(&a).copied())
                            .unwrap_or(0)
                    })
                    .collect(),
            });
        }
    }
    let busiest = period
        .columns
        .iter()
        .max_by_key(|c| c.decisions)
        .map(|c| c.label(period.grain))
        .unwrap_or_default();
    let parts: Vec<String> = legend
        .iter()
        .map(|k| format!("{} {}", k.name, k.total))
        .collect();
    let desc = format!(
        "Decisions per {}, {} to {}, each bar stacked by action: {decisions} in all ({}). \
         The most in one {}: {most}, {busiest}. The table beside the chart has the numbers.",
        period.grain.word(),
        period.first,
        period.last,
        parts.join(", "),
        period.grain.word(),
    );
    ActionChart {
        legend,
        segments,
        ticks: frame.ticks(&ticks, |v| format!("{v}")),
        x_labels: frame.x_labels(labels),
        rows,
        desc,
    }
}

fn category_chart(
    period: &Period,
    labels: &[String],
    index: usize,
    known: usize,
    category: Named,
) -> CategoryChart {
    let frame = Frame::new(period.columns.len(), 1.0);
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    let (mut granted, mut offered) = (0, 0);
    for (i, column) in period.columns.iter().enumerate() {
        let (g, o) = column.share(&category.id);
        if o == 0 {
            continue;
        }
        granted += g;
        offered += o;
        bars.push(frame.bar(i, 0.0, share(g, o)));
        rows.push(ShareRow {
            label: column.label(period.grain),
            granted: g,
            offered: o,
            share: percent(share(g, o)),
        });
    }
    let total = ShareRow {
        label: format!("All {} days", period.days()),
        granted,
        offered,
        share: percent(share(granted, offered)),
    };
    let shares = || {
        period
            .columns
            .iter()
            .filter_map(|c| match c.share(&category.id) {
                (_, 0) => None,
                (g, o) => Some((share(g, o), c.label(period.grain))),
            })
    };
    let highest = shares().max_by(|a, b| a.0.total_cmp(&b.0));
    let lowest = shares().min_by(|a, b| a.0.total_cmp(&b.0));
    let desc = match (highest, lowest) {
        (Some((high, on_high)), Some((low, on_low))) => format!(
            "The share of decisions that granted {}, per {}, {} to {}: {} overall ({granted} \
             of {offered}); the highest {} ({on_high}), the lowest {} ({on_low}). The table \
             beside the chart has the numbers.",
            category.title,
            period.grain.word(),
            period.first,
            period.last,
            total.share,
            percent(high),
            percent(low),
        ),
        _ => format!(
            "No decision offered {} from {} to {}.",
            category.title, period.first, period.last
        ),
    };
    CategoryChart {
        index,
        in_registry: index < known,
        category,
        bars,
        ticks: frame.ticks(&[0.0, 0.25, 0.5, 0.75, 1.0], |v| {
            format!("{:.0} %", v * 100.0)
        }),
        x_labels: frame.x_labels(labels),
        rows,
        total,
        desc,
    }
}

#[cfg(test)]
mod tests;
