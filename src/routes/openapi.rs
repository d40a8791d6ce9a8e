//! `GET /api/v1/openapi.json`: the HTTP API as an OpenAPI 3.1 document, generated from the
//! handlers' annotations and the types they take and answer. A test holds it to the routes the
//! service registers (`routes::endpoints`), both ways.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Consentry",
        description = "Self-hosted cookie consent: the registry, the policy page, the banner, \
            durable consent records and their administration. Every error is \
            `{\"error\", \"message\"}` (`ErrorBody`)."
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::registry::registry,
        document,
        super::policy::cookie_policy,
        super::receipt::receipt,
        super::banner::banner,
        super::demo::index,
        super::demo::embed,
        super::demo::asset,
        super::assets::asset,
        super::gpc::gpc_json,
        super::admin::export,
        super::admin::stats,
        super::charts::charts,
        super::admin::erase,
        super::admin::snapshot,
        super::evidence::evidence,
        super::admin::scan,
        super::admin::discoveries,
        super::discoveries::report,
        super::metrics::metrics,
        super::admin::dashboard,
        super::admin::dashboard_script,
        super::consents::record,
        super::consents::decisions,
        super::log::checkpoint,
        super::log::key,
        super::log::inclusion,
        super::log::consistency,
        super::log::checkpoints,
        super::log_check::consistency,
    ),
    components(schemas(crate::error::ErrorBody, crate::store::DayStats)),
    modifiers(&AdminToken),
    tags(
        (name = "consent", description = "Recording decisions and reading a visitor's back"),
        (name = "registry", description = "What the site declares"),
        (name = "admin", description = "Behind `CONSENTRY_ADMIN_TOKEN`; 404 while none is set"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "log", description = "The consent log: signed checkpoints and proofs anyone can check"),
        (name = "pages", description = "Pages, scripts and styles"),
    )
)]
struct ApiDoc;

/// The Bearer scheme the admin paths name.
struct AdminToken;

impl utoipa::Modify for AdminToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Authorization: Bearer <CONSENTRY_ADMIN_TOKEN>"))
                    .build(),
            ),
        );
    }
}

/// Built once: the document only changes with the code.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the document serializes")
});

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "This document (OpenAPI 3.1)", body = Object)))]
pub(crate) async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(DOCUMENT.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::DOCUMENT;
    use crate::routes::{Access, endpoints};

    fn document() -> Value {
        serde_json::from_str(&DOCUMENT).expect("the document is JSON")
    }

    /// Each operation of the document: its method (upper case), path and description.
    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let paths = doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                let item = item.as_object().expect("a path item");
                item.iter()
                    .map(move |(method, op)| (method.to_uppercase(), path.clone(), op))
            })
            .collect()
    }

    #[test]
    fn the_document_lists_exactly_the_routes_the_service_registers() {
        let doc = document();
        let documented: BTreeSet<(String, String)> = operations(&doc)
            .into_iter()
            .map(|(method, path, _)| (method, path))
            .collect();
        let served: BTreeSet<(String, String)> = endpoints()
            .map(|e| (e.method.to_string(), e.path.to_owned()))
            .collect();

        let undocumented: Vec<_> = served.difference(&documented).collect();
        let not_served: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served, not documented: {undocumented:?}"
        );
        assert!(
            not_served.is_empty(),
            "documented, not served: {not_served:?}"
        );
        assert_eq!(
            served.len(),
            endpoints().count(),
            "no route registered twice"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_admin_routes_behind_the_bearer_token() {
        let doc = document();

        let version = doc["openapi"].as_str().expect("a version");
        assert!(version.starts_with("3.1."), "{version}");
        assert_eq!(
            doc["components"]["securitySchemes"]["admin_token"]["scheme"],
            "bearer"
        );
        for endpoint in endpoints() {
            let op = &doc["paths"][endpoint.path][endpoint.method.as_str().to_lowercase()];
            let secured = op["security"] == serde_json::json!([{"admin_token": []}]);
            assert_eq!(
                secured,
                endpoint.access == Access::Admin,
                "{} {}: {}",
                endpoint.method,
                endpoint.path,
                op["security"]
            );
        }
    }

    #[test]
    fn every_json_error_answer_is_documented_as_the_error_body() {
        let doc = document();
        let error = serde_json::json!({"$ref": "#/components/schemas/ErrorBody"});
        let required = &doc["components"]["schemas"]["ErrorBody"]["required"];
        assert_eq!(*required, serde_json::json!(["error", "message"]));

        for (method, path, op) in operations(&doc) {
            let responses = op["responses"].as_object().expect("responses");
            for (status, answer) in responses {
                let json = &answer["content"]["application/json"]["schema"];
                if status.starts_with('4') || status.starts_with('5') {
                    let html = answer["content"].get("text/html").is_some();
                    assert!(*json == error || html, "{method} {path} {status}: {answer}");
                }
            }
        }
    }
}
