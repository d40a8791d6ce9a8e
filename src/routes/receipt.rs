//! `GET /consent/{consent_id}`: the visitor's receipt, which the banner's preferences dialog
//! links to. Their decisions in their language, each with its log entry and a link to its
//! inclusion proof, and how to check them without trusting the site. Public, as
//! `GET /api/v1/consents/{id}` is (the id is the visitor's to give), but never cached, never
//! indexed, and never sent on as a referrer.

use std::collections::{BTreeMap, VecDeque};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::policy::{self, LangLink};
use super::{Access, Endpoint};
use crate::consent::ConsentId;
use crate::error::AppError;
use crate::i18n::{self, Lang, ReceiptTexts, evidence_texts, receipt_texts};
use crate::receipt::{Line, LogPlace, lines};
use crate::state::State;
use crate::store::HistoryPage;

/// Under the consent surface's rate limit (`consents::configure`), as the JSON it mirrors is:
/// each answer reads a visitor's whole history, and ids can be guessed at.
pub(super) const ENDPOINTS: &[Endpoint] = &[Endpoint::new(
    actix_web::http::Method::GET,
    "/consent/{consent_id}",
    Access::Consent,
    |r| r.to(receipt),
)];

/// Where the receipt lives: a scope of its own, wrapped like the consent surface's.
pub(super) const SCOPE: &str = "/consent";

/// Decisions one receipt lists at most, the newest: far past any visitor's, and a bound on
/// the memory one page takes.
const MAX_DECISIONS: usize = 5_000;

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    lang: &'a Lang,
    /// The language `t` is in: `lang`, or English where Consentry has no texts in it.
    texts_lang: &'a str,
    t: &'a ReceiptTexts,
    /// The language switcher's name.
    switcher: &'a str,
    site_name: &'a str,
    site_url: &'a str,
    /// The banner's label for the id, as the visitor read it there.
    id_label: &'a str,
    policy_title: &'a str,
    skip: &'a str,
    languages: Vec<LangLink>,
    shown: Shown,
}

/// What the page has to say.
enum Shown {
    /// Not an id the banner makes.
    Invalid,
    /// A well-formed id with no decisions (never used, or erased).
    Unknown {
        id: String,
    },
    Decisions {
        id: String,
        lines: Vec<Line>,
    },
}

impl ReceiptPage<'_> {
    fn site(&self, text: &str) -> String {
        text.replace("{site}", self.site_name)
    }

    fn entry(&self, index: &u64) -> String {
        self.t.log_entry.replace("{index}", &index.to_string())
    }
}

#[utoipa::path(get, path = "/consent/{consent_id}", tag = "pages",
    params(("consent_id" = String, Path, description = "The visitor's id, as the banner shows it"),
        policy::Query),
    responses(
        (status = 200, description = "The visitor's receipt (HTML)", body = String,
            content_type = "text/html"),
        (status = 400, description = "Not a consent id (HTML)", body = String,
            content_type = "text/html"),
        (status = 404, description = "No decisions under this id (HTML)", body = String,
            content_type = "text/html"),
        (status = 503, description = "The store is unavailable", body = crate::error::ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub(crate) async fn receipt(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<policy::Query>,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    let served = state.live.get();
    let registry = &served.registry;
    let lang = policy::page_lang(&req, registry, &query);
    let view = &served.views[&lang];
    let t = receipt_texts(&lang);
    let (status, shown) = match ConsentId::parse(&path) {
        Err(_) => (StatusCode::BAD_REQUEST, Shown::Invalid),
        Ok(id) => match decisions(&state, &id, &lang, t).await? {
            Some(lines) => (
                StatusCode::OK,
                Shown::Decisions {
                    id: id.to_string(),
                    lines,
                },
            ),
            None => (StatusCode::NOT_FOUND, Shown::Unknown { id: id.to_string() }),
        },
    };
    let page = ReceiptPage {
        lang: &lang,
        texts_lang: if i18n::has_builtin(&lang) {
            lang.as_str()
        } else {
            "en"
        },
        t,
        switcher: &view.texts.policy.policy_language,
        site_name: &view.site_name,
        site_url: registry.site.url.as_str(),
        id_label: &view.texts.banner.consent_id,
        policy_title: &view.texts.policy.policy_title,
        skip: &view.texts.policy.skip_to_content,
        languages: policy::languages(registry, &lang),
        shown,
    };
    let html = match page.render() {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "the receipt page did not render");
            return Ok(HttpResponse::InternalServerError().finish());
        }
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, lang.to_string()))
        .insert_header((header::VARY, "Accept-Language"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(html))
}

/// The visitor's decisions as the page shows them; `None` when there are none.
async fn decisions(
    state: &State,
    id: &ConsentId,
    lang: &Lang,
    t: &ReceiptTexts,
) -> Result<Option<Vec<Line>>, AppError> {
    // Every page of the history, keeping the newest `MAX_DECISIONS` (each numbered as it
    // stands in the whole history).
    let mut records: VecDeque<Value> = VecDeque::new();
    let mut total = 0;
    let mut page = HistoryPage {
        after: None,
        limit: 1000,
    };
    loop {
        let history = state.store.history(id, page).await?;
        for record in &history.records {
            let Ok(record) = serde_json::from_slice(record) else {
                continue;
            };
            total += 1;
            records.push_back(record);
            if records.len() > MAX_DECISIONS {
                records.pop_front();
            }
        }
        match history.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    if records.is_empty() {
        return Ok(None);
    }
    let records = Vec::from(records);
    let mut snapshots = BTreeMap::new();
    for record in &records {
        let Some(shown) = record["shown"].as_str() else {
            continue;
        };
        if snapshots.contains_key(shown) {
            continue;
        }
        let bytes = state.store.snapshot(shown).await?;
        if let Some(snapshot) = bytes.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
            snapshots.insert(shown.to_owned(), snapshot);
        }
    }
    let signed = state
        .store
        .blocking(|store| store.log_latest_checkpoint())
        .await?
        .map_or(0, |c| c.size);
    let skipped = total - records.len();
    Ok(Some(lines(
        &records,
        skipped,
        total,
        &snapshots,
        signed,
        t,
        evidence_texts(lang),
    )))
}
