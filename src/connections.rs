//! How many connections one client address may hold open, and how long a body nobody reads
//! may hold one. A slowly sent body holds its connection (and a file descriptor) until the body
//! deadline; without a ceiling per address, one machine opening a thousand of them exhausts the
//! descriptors and every real visitor's post times out. Counted when a connection is accepted,
//! released when it closes; a connection over the ceiling is answered 429 and shut down as it
//! is accepted, before it sends anything, so it holds its descriptor for no longer than the
//! worker takes to drop it.
//!
//! actix closes a connection whose request body was left unread when its answer went out, but
//! not when that body is chunked and its stream was dropped: then it drains the rest, with no
//! deadline (`payload_drainable` in actix-http's h1 dispatcher), and a client sending a chunk
//! now and then holds the connection for ever, past a 408 or 429 `connection: close` too.
//! `close_after_unread_body` keeps every body's stream alive until its answer has been sent,
//! so actix takes the "unread" branch for chunked bodies as for sized ones: the answer goes out
//! with `connection: close`, and the connection is closed after the disconnect timeout (1 s).

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{IpAddr, Shutdown};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError};
use futures_util::Stream;

use crate::error::AppError;
use crate::proxies::client_key;

/// Open connections per client (`client_key`: an IPv4 address or an IPv6 /64).
#[derive(Clone, Debug)]
pub(crate) struct ConnectionLimit {
    per_address: u32,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
    /// The whole 429 answer, written to a refused connection as it is accepted.
    refusal: Bytes,
    /// Counts the connections refused.
    refused: metrics::Counter,
}

/// Kept with an admitted connection's data for as long as the connection lives; its drop
/// releases the connection's place.
struct Slot {
    key: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// Marks a connection refused at accept (over a ceiling of this many), which takes no place:
/// it ends at once, and counting it would refuse an admissible one accepted meanwhile.
struct Refused(u32);

impl ConnectionLimit {
    /// `refused` counts the connections refused at accept.
    pub(crate) fn new(per_address: u32, refused: metrics::Counter) -> ConnectionLimit {
        ConnectionLimit {
            per_address,
            open: Arc::default(),
            refusal: refusal(per_address),
            refused,
        }
    }

    /// For `HttpServer::on_connect`: counts a new connection by its peer address, or, over the
    /// ceiling, writes it the 429 answer and shuts it down.
    pub(crate) fn on_connect(&self, conn: &dyn std::any::Any, data: &mut Extensions) {
        let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let key = client_key(peer.ip().to_canonical());
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(key).or_insert(0);
        if *count < self.per_address {
            *count += 1;
            drop(open);
            data.insert(Slot {
                key,
                open: self.open.clone(),
            });
            return;
        }
        drop(open);
        self.refused.increment(1);
        // The answer comes before any request, so a client learns why (a new socket's send
        // buffer takes it whole; a short write only shortens the answer). Shut both ways, the
        // connection ends as soon as its worker polls it: it reads the end at once.
        let socket = socket2::SockRef::from(stream);
        let _ = socket.send(&self.refusal);
        let _ = socket.shutdown(Shutdown::Both);
        data.insert(Refused(self.per_address));
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// The 429 answer as it goes on the wire.
fn refusal(limit: u32) -> Bytes {
    let answer = AppError::TooManyConnections(limit).error_response();
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.into_body().try_into_bytes().unwrap_or_default();
    // The headers the shared error answer carries (its type, Retry-After), not a copy of them.
    let mut wire = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    for (name, value) in &headers {
        if let Ok(value) = value.to_str() {
            wire.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    wire.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut wire = wire.into_bytes();
    wire.extend_from_slice(&body);
    Bytes::from(wire)
}

/// Answers 429 to a request on a connection its address holds beyond the ceiling: one whose
/// head was already in the socket when `on_connect` shut it down. Its handler never runs.
pub(crate) async fn refuse_over_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(&Refused(limit)) = req.conn_data::<Refused>() {
        let (req, _) = req.into_parts();
        let answer = AppError::TooManyConnections(limit).error_response();
        return Ok(ServiceResponse::new(req, answer).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Keeps a request's body stream alive until its answer has been sent (see the module's
/// comment): the handler reads it through a shared handle, and the answer's body holds the
/// other. A body that arrived whole is unaffected: actix lets its stream go when it ends.
pub(crate) async fn close_after_unread_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<KeepPayload>, actix_web::Error> {
    let payload = match req.take_payload() {
        Payload::None => None,
        payload => {
            let shared = Rc::new(RefCell::new(payload));
            req.set_payload(Payload::from(Box::pin(SharedPayload(shared.clone()))
                as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>));
            Some(shared)
        }
    };
    // An error passes through: actix-web answers a handler's errors itself, so none comes here
    // from a route; one from a middleware would be answered after the stream is gone.
    let answer = next.call(req).await?.map_into_boxed_body();
    Ok(answer.map_body(|_, body| KeepPayload {
        body,
        _payload: payload,
    }))
}

struct SharedPayload(Rc<RefCell<Payload>>);

impl Stream for SharedPayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut *self.0.borrow_mut()).poll_next(cx)
    }
}

/// An answer's body, holding its request's body stream for as long as actix holds it.
pub(crate) struct KeepPayload {
    body: BoxBody,
    _payload: Option<Rc<RefCell<Payload>>>,
}

impl MessageBody for KeepPayload {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}
