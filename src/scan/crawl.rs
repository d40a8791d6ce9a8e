//! The three phases: a breadth-first crawl before consent that finds the pages, then the same
//! pages after "Accept all" and after "Reject all", each phase in a fresh profile.

use std::collections::{HashSet, VecDeque};

use futures_util::future::join_all;
use url::Url;

use super::browser::{Chromium, Loaded, Patience, find_chromium};
use super::classify::{self, Hosts};
use super::knowledge::Catalogued;
use super::observed::{Observed, SeenCookie};
use super::report::{PageVisit, Phase, Report};
use super::{ScanError, ScanOptions};
use crate::registry::Registry;

/// Links to these are files, not pages: a browser would download them.
const NOT_PAGES: [&str; 14] = [
    ".pdf", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".mp4", ".mp3",
    ".css", ".js", ".xml",
];

pub(crate) async fn scan(
    options: &ScanOptions,
    registry: &Registry,
    patience: Patience,
) -> Result<Report, ScanError> {
    let start: Vec<Url> = options
        .start
        .iter()
        .map(|s| match Url::parse(s) {
            Ok(u) if super::is_start_url(s) => Ok(u),
            _ => Err(ScanError::BadUrl(s.clone())),
        })
        .collect::<Result<_, _>>()?;
    let Some(first) = start.first().cloned() else {
        return Err(ScanError::BadUrl(String::new()));
    };
    let executable = find_chromium(options.chromium.as_deref())?;
    let scope = Scope::of(&start);
    let progress = Progress::new(options.progress, options.pages);
    let mut observed = Observed::default();

    // Before consent: no interaction at all, and the crawl that finds the pages.
    let chromium = Chromium::launch(&executable).await?;
    let pages = crawl(
        &chromium,
        &start,
        &scope,
        options,
        patience,
        &mut observed,
        &progress,
    )
    .await;
    chromium.close().await;
    let pages = pages?;
    observed.phases.push(Phase::BeforeConsent);

    if observed.banner_found {
        progress.grow(pages.len() * 2);
        let accept = after(
            Phase::AfterAccept,
            &executable,
            &first,
            &pages,
            options,
            patience,
            &progress,
        );
        let reject = after(
            Phase::AfterReject,
            &executable,
            &first,
            &pages,
            options,
            patience,
            &progress,
        );
        let (accept, reject) = tokio::join!(accept, reject);
        for phase in [accept?, reject?] {
            observed.merge(phase);
        }
        observed
            .phases
            .extend([Phase::AfterAccept, Phase::AfterReject]);
    } else {
        observed.notes.push(format!(
            "{first} has no Consentry banner (no element with id \"consentry\"): only the before-consent phase ran"
        ));
    }
    progress.finish();
    let hosts = Hosts(scope.hosts.clone());
    let start = start.iter().map(Url::to_string).collect();
    Ok(classify::report(
        observed,
        registry,
        &hosts,
        start,
        &Catalogued,
    ))
}

/// The start URLs' hosts (and ports): the crawl never leaves them.
struct Scope {
    authorities: Vec<(String, Option<u16>)>,
    hosts: Vec<String>,
}

impl Scope {
    fn of(start: &[Url]) -> Scope {
        let authorities = start
            .iter()
            .filter_map(|u| {
                Some((
                    u.host_str()?.to_ascii_lowercase(),
                    u.port_or_known_default(),
                ))
            })
            .collect::<Vec<_>>();
        let hosts = authorities.iter().map(|(h, _)| h.clone()).collect();
        Scope { authorities, hosts }
    }

    /// The link as a page to visit: on a start host, http(s), no fragment, not a file.
    fn page(&self, link: &str) -> Option<Url> {
        let mut url = Url::parse(link).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let authority = (
            url.host_str()?.to_ascii_lowercase(),
            url.port_or_known_default(),
        );
        if !self.authorities.contains(&authority) {
            return None;
        }
        let path = url.path().to_ascii_lowercase();
        if NOT_PAGES.iter().any(|ext| path.ends_with(ext)) {
            return None;
        }
        url.set_fragment(None);
        Some(url)
    }
}

/// Breadth first from the start URLs, a few tabs at once, up to `--pages` pages. A page that
/// fails is noted and skipped; the first page failing stops the scan (there is nothing to
/// scan). Returns the pages visited, in the order they were found.
async fn crawl(
    chromium: &Chromium,
    start: &[Url],
    scope: &Scope,
    options: &ScanOptions,
    patience: Patience,
    observed: &mut Observed,
    progress: &Progress,
) -> Result<Vec<Url>, ScanError> {
    let mut queue: VecDeque<Url> = start.iter().cloned().collect();
    let mut known: HashSet<Url> = start.iter().cloned().collect();
    let mut found = Vec::new();
    let limit = options.pages.max(1);
    loop {
        let mut wave = Vec::new();
        while wave.len() < options.concurrency.max(1) && found.len() < limit {
            let Some(url) = queue.pop_front() else { break };
            found.push(url.clone());
            wave.push(url);
        }
        if wave.is_empty() {
            break;
        }
        for (url, loaded) in visit(chromium, &wave, patience).await {
            progress.step(Phase::BeforeConsent, url.as_str());
            match loaded {
                Ok(mut loaded) => {
                    if *url == start[0] {
                        observed.banner_found = loaded.read.banner;
                    }
                    for link in &loaded.read.links {
                        if let Some(next) = scope.page(link)
                            && known.insert(next.clone())
                        {
                            queue.push_back(next);
                        }
                    }
                    record(&mut loaded, Phase::BeforeConsent, url.as_str(), observed);
                    loaded.close().await;
                }
                Err(e) if *url == start[0] => {
                    return Err(ScanError::Unreachable {
                        url: url.to_string(),
                        why: e.to_string(),
                    });
                }
                Err(e) => failed(observed, url, Phase::BeforeConsent, &e),
            }
        }
        cookies(chromium, Phase::BeforeConsent, wave[0].as_str(), observed).await;
    }
    Ok(found)
}

/// Opens a wave of pages at once and waits for all of them: the profile's cookies are read
/// only when every tab has settled, so a cookie one tab sets and its banner deletes a moment
/// later is never caught in between.
async fn visit<'a>(
    chromium: &Chromium,
    wave: &'a [Url],
    patience: Patience,
) -> Vec<(&'a Url, Result<Loaded, ScanError>)> {
    let loads = wave.iter().map(|url| chromium.open(url.as_str(), patience));
    wave.iter().zip(join_all(loads).await).collect()
}

/// A phase after a decision: a fresh profile, the banner's button on the first page, then
/// every other page again.
async fn after(
    phase: Phase,
    executable: &std::path::Path,
    first: &Url,
    pages: &[Url],
    options: &ScanOptions,
    patience: Patience,
    progress: &Progress,
) -> Result<Observed, ScanError> {
    let action = match phase {
        Phase::AfterReject => "reject-all",
        _ => "accept-all",
    };
    let mut observed = Observed::default();
    let owned = Chromium::launch(executable).await?;
    let chromium = &owned;
    let result = async {
        let mut loaded = chromium.open(first.as_str(), patience).await?;
        // What the first load asked for and set is the before-consent phase's, counted there.
        loaded.take_hosts();
        loaded.take_header_cookies();
        if !loaded.click(action, patience).await? {
            observed.notes.push(format!(
                "{phase}: the banner on {first} showed no \"{action}\" button; the pages were visited without a decision",
                phase = phase.as_str()
            ));
        }
        progress.step(phase, first.as_str());
        record(&mut loaded, phase, first.as_str(), &mut observed);
        loaded.close().await;
        cookies(chromium, phase, first.as_str(), &mut observed).await;
        let rest: Vec<Url> = pages.iter().filter(|u| *u != first).cloned().collect();
        for wave in rest.chunks(options.concurrency.max(1)) {
            for (url, loaded) in visit(chromium, wave, patience).await {
                progress.step(phase, url.as_str());
                match loaded {
                    Ok(mut loaded) => {
                        record(&mut loaded, phase, url.as_str(), &mut observed);
                        loaded.close().await;
                    }
                    Err(e) => failed(&mut observed, url, phase, &e),
                }
            }
            cookies(chromium, phase, wave[0].as_str(), &mut observed).await;
        }
        Ok::<(), ScanError>(())
    }
    .await;
    owned.close().await;
    result?;
    Ok(observed)
}

/// Notes what a settled page shows: its status, its storage keys and its frames', the hosts
/// it asked, and the cookies its scripts wrote and its responses set (which name the page a
/// cookie was first set on, whatever else the other tabs did meanwhile).
fn record(loaded: &mut Loaded, phase: Phase, page: &str, observed: &mut Observed) {
    observed.visits.push(PageVisit {
        url: page.to_owned(),
        phase,
        status: loaded.status,
        error: None,
    });
    for host in loaded.take_hosts() {
        observed.request(&host, phase);
    }
    let origin = loaded.origin.clone();
    for key in &loaded.read.local {
        observed.key(key, &origin, true, phase, page);
    }
    for key in &loaded.read.session {
        observed.key(key, &origin, false, phase, page);
    }
    for (origin, local, key) in &loaded.frame_keys {
        observed.key(key, origin, *local, phase, page);
    }
    let headers = loaded.take_header_cookies();
    for (name, by) in loaded.read.writes.iter().chain(&headers) {
        observed.set(name, by, page);
    }
}

/// Every cookie the profile holds once a wave has settled; `page` stands for where a cookie
/// was first seen when no page's own events said who set it.
async fn cookies(chromium: &Chromium, phase: Phase, page: &str, observed: &mut Observed) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    match chromium.cookies().await {
        Ok(cookies) => {
            for c in cookies {
                let lifetime = (!c.session).then(|| (c.expires - now).max(0.0) as u64);
                let seen = SeenCookie {
                    name: c.name,
                    domain: c.domain,
                    http_only: c.http_only,
                    secure: c.secure,
                    lifetime,
                };
                observed.cookie(seen, phase, page);
            }
        }
        Err(e) => observed
            .notes
            .push(format!("the cookies after {page} could not be read: {e}")),
    }
}

fn failed(observed: &mut Observed, url: &Url, phase: Phase, e: &ScanError) {
    tracing::warn!(page = %url, phase = phase.as_str(), error = %e, "page skipped");
    observed.visits.push(PageVisit {
        url: url.to_string(),
        phase,
        status: None,
        error: Some(e.to_string()),
    });
}

/// A progress bar on stderr for a person at a terminal; nothing otherwise.
struct Progress(indicatif::ProgressBar);

impl Progress {
    fn new(shown: bool, pages: usize) -> Progress {
        let bar = if shown {
            indicatif::ProgressBar::with_draw_target(
                Some(pages as u64),
                indicatif::ProgressDrawTarget::stderr(),
            )
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} pages  {wide_msg}")
        {
            bar.set_style(style);
        }
        Progress(bar)
    }

    fn grow(&self, by: usize) {
        let visited = self.0.position();
        self.0.set_length(visited + by as u64);
    }

    fn step(&self, phase: Phase, url: &str) {
        self.0.inc(1);
        self.0.set_message(format!("{} {url}", phase.as_str()));
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
