//! Where things go in a chart's SVG: the plot area inside its `viewBox`, a column's place on
//! the x axis, a value's height, and the ticks and labels of both axes. Numbers only; the
//! template draws them (templates/charts.html).

/// The `viewBox`: the SVG scales to its box, so these are proportions, not pixels. The
/// margins hold the tick labels at the largest size the stylesheet gives them (19 units, on a
/// phone, where the chart is drawn at about two thirds of this width).
pub(crate) const WIDTH: f64 = 560.0;
pub(crate) const HEIGHT: f64 = 240.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;
/// At most this many labels under the x axis, so they never run into each other.
const X_LABELS: usize = 6;

/// A number as an SVG attribute takes it: one decimal, enough at this scale.
fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// A rectangle in the `viewBox`'s units, written as its attributes take it.
#[derive(Debug, PartialEq)]
pub(crate) struct Rect {
    pub(crate) x: String,
    pub(crate) y: String,
    pub(crate) width: String,
    pub(crate) height: String,
}

/// A gridline across the plot at `y`, labelled on the left.
#[derive(Debug)]
pub(crate) struct Tick {
    pub(crate) y: String,
    pub(crate) label: String,
}

/// A label under the column centred on `x`.
#[derive(Debug)]
pub(crate) struct XLabel {
    pub(crate) x: String,
    pub(crate) label: String,
}

/// The plot of `columns` columns whose values run from 0 to `top`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    columns: usize,
    top: f64,
}

impl Frame {
    pub(crate) fn new(columns: usize, top: f64) -> Frame {
        Frame {
            columns: columns.max(1),
            top: if top > 0.0 { top } else { 1.0 },
        }
    }

    fn plot_width() -> f64 {
        WIDTH - LEFT - RIGHT
    }

    fn plot_height() -> f64 {
        HEIGHT - TOP - BOTTOM
    }

    fn slot(&self) -> f64 {
        Frame::plot_width() / self.columns as f64
    }

    fn y_of(&self, value: f64) -> f64 {
        TOP + Frame::plot_height() * (1.0 - value.clamp(0.0, self.top) / self.top)
    }

    /// The bar of column `index` from `from` up to `to` (values, not units). A gap of a
    /// fifth of the slot keeps neighbours apart; at least one unit wide, so that a decade of
    /// months still shows each.
    pub(crate) fn bar(&self, index: usize, from: f64, to: f64) -> Rect {
        let slot = self.slot();
        let width = (slot * 0.8).max(1.0).min(slot);
        let x = LEFT + slot * index as f64 + (slot - width) / 2.0;
        let (y_from, y_to) = (self.y_of(from), self.y_of(to));
        Rect {
            x: n(x),
            y: n(y_to),
            width: n(width),
            height: n(y_from - y_to),
        }
    }

    /// Gridlines at each of `values`, labelled by `label`.
    pub(crate) fn ticks(&self, values: &[f64], label: impl Fn(f64) -> String) -> Vec<Tick> {
        values
            .iter()
            .map(|v| Tick {
                y: n(self.y_of(*v)),
                label: label(*v),
            })
            .collect()
    }

    /// Labels under at most `X_LABELS` evenly spaced columns, the first always among them.
    pub(crate) fn x_labels(&self, labels: &[String]) -> Vec<XLabel> {
        let step = self.columns.div_ceil(X_LABELS).max(1);
        let slot = self.slot();
        labels
            .iter()
            .enumerate()
            .step_by(step)
            .map(|(i, label)| XLabel {
                x: n(LEFT + slot * (i as f64 + 0.5)),
                label: label.clone(),
            })
            .collect()
    }

    /// Where the axes meet and end: the x axis's y, and the plot's left and right edges.
    pub(crate) fn baseline() -> (String, String, String) {
        (n(TOP + Frame::plot_height()), n(LEFT), n(WIDTH - RIGHT))
    }

    /// The label column's right edge, where tick labels end.
    pub(crate) fn label_x() -> String {
        n(LEFT - 6.0)
    }

    /// The y of the labels under the x axis.
    pub(crate) fn x_label_y() -> String {
        n(HEIGHT - 8.0)
    }
}

/// Ticks for counts up to `max`: 0 and a few round steps (1, 2 or 5 times a power of ten),
/// the last at or above `max`.
pub(crate) fn count_ticks(max: u64) -> Vec<f64> {
    let max = max.max(1) as f64;
    let mut step = 1.0;
    'find: loop {
        for factor in [1.0, 2.0, 5.0] {
            if max / (step * factor) <= 4.0 {
                step *= factor;
                break 'find;
            }
        }
        step *= 10.0;
    }
    let steps = (max / step).ceil() as u32;
    (0..=steps).map(|i| f64::from(i) * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_ticks_are_round_and_reach_the_maximum() {
        assert_eq!(count_ticks(0), [0.0, 1.0]);
        assert_eq!(count_ticks(3), [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(count_ticks(7), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(count_ticks(120), [0.0, 50.0, 100.0, 150.0]);
        assert_eq!(count_ticks(1000), [0.0, 500.0, 1000.0]);
    }

    #[test]
    fn a_full_bar_spans_the_plot_and_an_empty_one_has_no_height() {
        let frame = Frame::new(2, 10.0);

        let full = frame.bar(1, 0.0, 10.0);
        let empty = frame.bar(0, 0.0, 0.0);

        assert_eq!(full.y, n(TOP));
        assert_eq!(full.height, n(HEIGHT - TOP - BOTTOM));
        assert_eq!(empty.height, "0.0");
        let right = full.x.parse::<f64>().unwrap() + full.width.parse::<f64>().unwrap();
        assert!(right <= WIDTH - RIGHT, "{right}");
    }

    #[test]
    fn at_most_six_labels_go_under_the_x_axis() {
        let labels: Vec<String> = (1..=30).map(|d| format!("Nov {d}")).collect();

        let shown = Frame::new(30, 1.0).x_labels(&labels);

        assert_eq!(shown.len(), 6);
        assert_eq!(shown[0].label, "Nov 1");
        assert_eq!(shown[1].label, "Nov 6");
    }
}
