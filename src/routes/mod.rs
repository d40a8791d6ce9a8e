//! HTTP surfaces, one file each; handlers stay thin and hand work to the domain modules.

mod admin;
mod assets;
mod banner;
mod charts;
pub(crate) mod consents;
mod demo;
pub(crate) mod discoveries;
mod evidence;
mod gpc;
mod health;
mod log;
mod log_check;
pub(crate) mod metrics;
mod openapi;
mod policy;
mod receipt;
mod registry;

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::AppError;

/// Who may call a route, which decides what it is registered under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone.
    Public,
    /// Anyone, cross-origin from the registry's origins only, under the consent rate limit
    /// (`consents::configure`).
    Consent,
    /// The Bearer admin token; not registered at all while no token is configured.
    Admin,
    /// Anyone, but only while the admin surface is open: the dashboard and its script, which
    /// carry no data.
    Dashboard,
}

/// One route of the service. Every route is registered from these tables (`endpoints`), and
/// the OpenAPI document is checked against them, so the two cannot drift apart.
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    /// The full path pattern, as actix matches it and metrics and logs name it.
    pub(crate) path: &'static str,
    pub(crate) access: Access,
    /// Puts the handler on a route of `method`.
    handler: fn(actix_web::Route) -> actix_web::Route,
}

impl Endpoint {
    pub(crate) const fn new(
        method: Method,
        path: &'static str,
        access: Access,
        handler: fn(actix_web::Route) -> actix_web::Route,
    ) -> Endpoint {
        Endpoint {
            method,
            path,
            access,
            handler,
        }
    }

    pub(crate) const fn get(
        path: &'static str,
        handler: fn(actix_web::Route) -> actix_web::Route,
    ) -> Endpoint {
        Endpoint::new(Method::GET, path, Access::Public, handler)
    }

    /// The route, with the token guard when it needs one. Methods are guards of routes, not of
    /// resources (as `#[get]` and `cfg.route` make them), so a wrong method on a known path
    /// reaches the resource and is answered 405 with `Allow`.
    fn route(&self) -> actix_web::Route {
        let route = (self.handler)(web::method(self.method.clone()));
        match self.access {
            Access::Admin => admin::guarded(route),
            _ => route,
        }
    }
}

/// The public pages and documents; the other surfaces keep their tables in their own files.
const PUBLIC: &[Endpoint] = &[
    Endpoint::get("/healthz", |r| r.to(health::healthz)),
    Endpoint::get("/readyz", |r| r.to(health::readyz)),
    Endpoint::get("/api/v1/registry", |r| r.to(registry::registry)),
    Endpoint::get("/api/v1/openapi.json", |r| r.to(openapi::document)),
    Endpoint::get("/cookie-policy", |r| r.to(policy::cookie_policy)),
    Endpoint::get("/banner.js", |r| r.to(banner::banner)),
    Endpoint::get("/", |r| r.to(demo::index)),
    Endpoint::get("/demo/embed", |r| r.to(demo::embed)),
    Endpoint::get("/demo/{file}", |r| r.to(demo::asset)),
    Endpoint::get("/static/{file}", |r| r.to(assets::asset)),
];

/// Every route the service has with the admin surface open, in the order they are registered.
pub(crate) fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    [
        PUBLIC,
        gpc::ENDPOINTS,
        admin::ENDPOINTS,
        charts::ENDPOINTS,
        evidence::ENDPOINTS,
        consents::ENDPOINTS,
        discoveries::ENDPOINTS,
        log::ENDPOINTS,
        log_check::ENDPOINTS,
        receipt::ENDPOINTS,
    ]
    .into_iter()
    .flatten()
}

/// `endpoints` grouped by path, in order of first appearance: one resource per path, with a
/// route per method.
pub(crate) fn by_path<'a>(
    endpoints: impl Iterator<Item = &'a Endpoint>,
) -> Vec<(&'static str, Vec<&'a Endpoint>)> {
    let mut groups: Vec<(&'static str, Vec<&'a Endpoint>)> = Vec::new();
    for endpoint in endpoints {
        match groups.iter_mut().find(|(path, _)| *path == endpoint.path) {
            Some((_, group)) => group.push(endpoint),
            None => groups.push((endpoint.path, vec![endpoint])),
        }
    }
    groups
}

/// `path`'s resource with a route for each of `group`.
pub(crate) fn resource(path: &str, group: &[&Endpoint]) -> actix_web::Resource {
    group
        .iter()
        .fold(web::resource(path), |resource, e| resource.route(e.route()))
}

/// Every route but the consent and discovery surfaces' (`consents::configure`,
/// `discoveries::configure`); the admin routes only when
/// `admin_open`, else `/admin` says how to open it.
pub(crate) fn configure(cfg: &mut web::ServiceConfig, admin_open: bool) {
    let served = |e: &&Endpoint| match e.access {
        Access::Public => true,
        Access::Admin | Access::Dashboard => admin_open,
        Access::Consent => false,
    };
    for (path, group) in by_path(endpoints().filter(served)) {
        cfg.service(resource(path, &group));
    }
    if !admin_open {
        admin::configure_closed(cfg);
    }
}

/// Unknown paths answer a JSON 404 like every other error.
pub(crate) async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound(format!("no such page: {}", req.path())))
}

/// `HEAD` is answered as `GET` (RFC 9110 §9.3.2), so uptime monitors can use it on every page:
/// routes are declared for GET, and the HTTP layer, which knows the request was a HEAD, sends
/// the answer's headers (its length included) without its body.
pub(crate) async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// A wrong method on a known path: actix answers a bare 405 with `Allow`; this makes it a JSON
/// error like every other (a GET route takes HEAD too).
pub(crate) async fn method_not_allowed(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let res = next.call(req).await?;
    if res.status() != StatusCode::METHOD_NOT_ALLOWED {
        return Ok(res.map_into_left_body());
    }
    let allow = res
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let methods: Vec<&str> = v.split(',').map(str::trim).collect();
            let head = methods.contains(&"GET") && !methods.contains(&"HEAD");
            if head {
                format!("{v}, HEAD")
            } else {
                v.to_owned()
            }
        });
    let (req, _) = res.into_parts();
    let mut answer = AppError::MethodNotAllowed(req.method().clone()).error_response();
    if let Some(allow) = allow.and_then(|v| HeaderValue::try_from(v).ok()) {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ServiceResponse::new(req, answer).map_into_right_body())
}

/// Content-Security-Policy of our own HTML pages: no inline script or style anywhere.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response, and a CSP on every HTML page.
pub(crate) async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page that names a visitor in its address (the receipt) keeps its stricter policy.
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A page that sets its own policy (the demo's embed, which may be framed) keeps it.
    if is_html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(res)
}

/// One structured line and one measurement per request; never the client's address, cookies
/// or tokens, and the route's pattern rather than its path, so that no consent id
/// (`/api/v1/consents/{consent_id}`) outlives its erasure in the logs, nor becomes a metric.
pub(crate) async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    // Known only once routed; a path no route matched may hold anything, so it is not logged.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let status = res.status().as_u16();
    let took = started.elapsed();
    if let Some(state) = res.request().app_data::<web::Data<crate::state::State>>() {
        state.metrics.request(&method, &route, status, took);
    }
    let micros = took.as_micros() as u64;
    if status >= 500 {
        tracing::warn!(%method, %route, status, micros, "request");
    } else {
        tracing::info!(%method, %route, status, micros, "request");
    }
    Ok(res)
}

/// True when the request's `If-None-Match` names `etag` (or `*`).
pub(crate) fn etag_matches(req: &actix_web::HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}
