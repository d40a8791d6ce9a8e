//! The report for a person at a terminal: what is wrong first, then everything seen.

use std::fmt::Write;

use super::report::{Item, Report};

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(
        out,
        "Scan of {} ({} pages, phases: {}), registry revision {}",
        report.start.join(", "),
        s.pages,
        report
            .phases
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        report.registry_revision
    );
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let items = report.items_by_severity();
    let (bad, good): (Vec<&Item>, Vec<&Item>) =
        items.into_iter().partition(|i| !i.violations.is_empty());
    out.push('\n');
    if bad.is_empty() {
        out.push_str("No violations.\n");
    } else {
        let _ = writeln!(out, "VIOLATIONS ({} in {} items)", s.violations, bad.len());
        for item in &bad {
            line(&mut out, item);
            for v in &item.violations {
                let _ = writeln!(out, "      - {}: {}", v.as_str(), v.explain());
            }
        }
    }
    if !good.is_empty() {
        let _ = writeln!(out, "\nDeclared and in order ({})", good.len());
        for item in &good {
            line(&mut out, item);
        }
    }
    if !report.declared_not_seen.is_empty() {
        out.push_str("\nDeclared but never seen\n");
        for d in &report.declared_not_seen {
            let _ = writeln!(out, "  {} ({})", d.name, d.category);
        }
    }
    if !report.requests.is_empty() {
        out.push_str("\nHosts asked\n");
        for r in &report.requests {
            let phases: Vec<&str> = r.phases.iter().map(|p| p.as_str()).collect();
            let party = if r.third_party {
                "third party"
            } else {
                "first party"
            };
            let _ = writeln!(out, "  {} ({party}; {})", r.host, phases.join(", "));
        }
    }
    let failed: Vec<_> = report
        .pages
        .iter()
        .filter(|p| p.status.is_none_or(|s| s >= 400))
        .collect();
    if !failed.is_empty() {
        out.push_str("\nPages that failed\n");
        for p in failed {
            let status = p
                .status
                .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
            let why = p.error.as_deref().unwrap_or("");
            let _ = writeln!(out, "  {} ({}): {status} {why}", p.url, p.phase.as_str());
        }
    }
    if !report.suggest.is_empty() {
        out.push_str("\nSuggested for cookies.toml\n\n");
        out.push_str(&report.suggest);
    }
    let _ = writeln!(
        out,
        "\n{} items, {} undeclared, {} violations",
        s.items, s.undeclared, s.violations
    );
    out
}

fn line(out: &mut String, item: &Item) {
    let phases: Vec<&str> = item.phases.iter().map(|p| p.as_str()).collect();
    let declared = match (&item.declared, &item.suggested) {
        (Some(d), _) => format!("declared as {} ({})", d.name, d.category),
        (None, Some(s)) => format!(
            "undeclared; the catalog knows it: {} ({})",
            s.provider, s.category
        ),
        (None, None) => "undeclared; unknown to the catalog".to_owned(),
    };
    let _ = writeln!(
        out,
        "  {} [{}] on {}, {}; {}",
        item.name,
        item.kind_label(),
        item.domain,
        phases.join(", "),
        declared
    );
}
