//! A tiny website on its own loopback address and port: it serves what a test puts into it,
//! with the status and headers (a Content-Security-Policy, `Set-Cookie` lines) the test gives,
//! and notes every path a browser asks for. The banner tests embed the banner in it
//! (`site.rs`); the scan tests build their fixture sites from it (`tests/scan/fixture.rs`).

// Each binary that includes it uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::rt::System;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use crate::common::SOON;

/// What the site answers at one path.
#[derive(Clone)]
pub struct Resource {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Headers added to the answer, in order (several `Set-Cookie` lines are several entries).
    pub headers: Vec<(&'static str, String)>,
}

impl Resource {
    /// A `200 OK` answer of `content_type`.
    pub fn new(content_type: &'static str, body: impl Into<String>) -> Resource {
        Resource {
            status: 200,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// A `200 OK` HTML page.
    pub fn html(body: impl Into<String>) -> Resource {
        Resource::new("text/html; charset=utf-8", body)
    }

    /// The same answer with `status`.
    pub fn status(mut self, status: u16) -> Resource {
        self.status = status;
        self
    }

    /// The same answer with one more header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Resource {
        self.headers.push((name, value.into()));
        self
    }
}

type Resources = Arc<Mutex<HashMap<String, Resource>>>;
type Hits = Arc<Mutex<Vec<String>>>;

/// A tiny website on its own loopback port, serving resources put into it and noting every
/// path the browser asks for.
pub struct HostSite {
    pub port: u16,
    /// The loopback address it listens on ("127.0.0.1", or "127.0.0.2" for another host).
    pub ip: &'static str,
    resources: Resources,
    hits: Hits,
    system: System,
}

impl HostSite {
    /// A site on 127.0.0.1.
    pub fn start() -> HostSite {
        HostSite::start_on("127.0.0.1")
    }

    /// A site on the loopback address `ip`: another address is another host (and site) to a
    /// browser, as a third party's server is.
    pub fn start_on(ip: &'static str) -> HostSite {
        let resources: Resources = Arc::default();
        let hits: Hits = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (r, h) = (resources.clone(), hits.clone());
        std::thread::spawn(move || {
            System::new().block_on(async move {
                let listener = std::net::TcpListener::bind((ip, 0))
                    .unwrap_or_else(|e| panic!("a free port on {ip}: {e}"));
                let port = listener.local_addr().expect("bound").port();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new((r.clone(), h.clone())))
                        .default_service(web::to(serve))
                })
                .workers(1)
                .listen(listener)
                .expect("listen")
                .run();
                tx.send((port, System::current())).expect("test waits");
                let _ = server.await;
            })
        });
        let (port, system) = rx.recv_timeout(SOON).expect("the website started");
        HostSite {
            port,
            ip,
            resources,
            hits,
            system,
        }
    }

    /// `http://IP:PORT`, the site's origin.
    pub fn origin(&self) -> String {
        format!("http://{}:{}", self.ip, self.port)
    }

    /// Serves `body` at `path`, with a Content-Security-Policy when `csp` is given.
    pub fn put(&self, path: &str, content_type: &'static str, body: String, csp: Option<String>) {
        let mut resource = Resource::new(content_type, body);
        if let Some(csp) = csp {
            resource = resource.header("Content-Security-Policy", csp);
        }
        self.serve(path, resource);
    }

    /// Answers `resource` at `path`.
    pub fn serve(&self, path: &str, resource: Resource) {
        self.resources
            .lock()
            .unwrap()
            .insert(path.to_owned(), resource);
    }

    /// How many times the browser asked for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

impl Drop for HostSite {
    fn drop(&mut self) {
        self.system.stop();
    }
}

async fn serve(req: HttpRequest, site: web::Data<(Resources, Hits)>) -> HttpResponse {
    let (resources, hits) = site.get_ref();
    hits.lock().unwrap().push(req.path().to_owned());
    let Some(found) = resources.lock().unwrap().get(req.path()).cloned() else {
        return HttpResponse::NotFound().body("not found");
    };
    let status = StatusCode::from_u16(found.status).expect("a test gives a valid status");
    let mut res = HttpResponse::build(status);
    res.content_type(found.content_type)
        .insert_header(("Cache-Control", "no-store"));
    for (name, value) in found.headers {
        res.append_header((name, value));
    }
    res.body(found.body)
}
