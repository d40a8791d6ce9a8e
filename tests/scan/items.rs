//! Every item the full fixture sets, as the JSON report of one scan lists it: its attributes,
//! phases, registry entry or catalog suggestion, and violations (CONTRACT §5).

use crate::check::{self, assert_none};
use crate::expected::FULL;
use crate::run::full_scan;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn every_item_is_reported_with_its_domain_party_flags_lifetime_and_first_page() {
    let scanned = full_scan();
    let differences = check::attributes(&scanned.report, &scanned.fixture, FULL);
    assert_none("items reported wrong", differences, &scanned.report);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn each_item_is_reported_in_exactly_the_phases_the_browser_held_it() {
    let scanned = full_scan();
    let differences = check::phases(&scanned.report, FULL);
    assert_none("items in the wrong phases", differences, &scanned.report);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn each_item_names_the_registry_entry_covering_it_or_the_catalogs_suggestion() {
    let scanned = full_scan();
    let differences = check::matches(&scanned.report, FULL);
    assert_none("items matched wrong", differences, &scanned.report);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn each_item_carries_exactly_the_violations_of_its_case() {
    let scanned = full_scan();
    let differences = check::violations(&scanned.report, FULL);
    assert_none("wrong violations", differences, &scanned.report);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn nothing_is_reported_that_the_reachable_pages_do_not_set() {
    let scanned = full_scan();
    let differences = check::nothing_else(&scanned.report, FULL);
    assert_none(
        "items that should not be there",
        differences,
        &scanned.report,
    );
}
