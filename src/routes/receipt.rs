//! `GET /consent/{consent_id}`: the visitor's receipt, which the banner's preferences dialog
//! links to. Their decisions in their language, each with its log entry and a link to its
//! inclusion proof, and how to check them without trusting the site. Public, as
//! `GET /api/v1/consents/{id}` is (the id is the visitor's to give), but never cached, never
//! indexed, and never sent on as a referrer.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::Endpoint;
use super::policy::{self, LangLink, negotiate};
use crate::consent::ConsentId;
use crate::error::AppError;
use crate::i18n::{Lang, ReceiptTexts, evidence_texts, receipt_texts};
use crate::receipt::{Line, LogPlace, lines};
use crate::state::State;
use crate::store::HistoryPage;

pub(super) const ENDPOINTS: &[Endpoint] =
    &[Endpoint::get("/consent/{consent_id}", |r| r.to(receipt))];

/// Decisions one receipt lists at most: far past any visitor's, and a bound on one page's work.
const MAX_DECISIONS: usize = 5_000;

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    lang: &'a Lang,
    t: &'a ReceiptTexts,
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
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = negotiate(registry, query.lang.as_deref(), accept);
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
        t,
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
    let mut records: Vec<Value> = Vec::new();
    let mut page = HistoryPage {
        after: None,
        limit: 1000,
    };
    loop {
        let history = state.store.history(id, page).await?;
        records.extend(
            history
                .records
                .iter()
                .filter_map(|r| serde_json::from_slice(r).ok()),
        );
        match history.next {
            Some(next) if records.len() < MAX_DECISIONS => page.after = Some(next),
            _ => break,
        }
    }
    if records.is_empty() {
        return Ok(None);
    }
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
    Ok(Some(lines(
        &records,
        &snapshots,
        signed,
        t,
        evidence_texts(lang),
    )))
}
