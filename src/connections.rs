//! How many connections one client address may hold open. A slowly sent body holds its
//! connection (and a file descriptor) until the body deadline; without a ceiling per address,
//! one machine opening a thousand of them exhausts the descriptors and every real visitor's
//! post times out. Counted when a connection is accepted, released when it closes; a request
//! on a connection over the ceiling is answered 429 and the connection closed, before any body
//! is read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;
use crate::routes::consents::client_key;

/// Open connections per client (`client_key`: an IPv4 address or an IPv6 /64).
#[derive(Clone, Debug)]
pub(crate) struct ConnectionLimit {
    per_address: u32,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// Kept with a connection's data for as long as the connection lives; its drop releases the
/// connection's place.
struct Slot {
    key: IpAddr,
    over: Option<u32>,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl ConnectionLimit {
    pub(crate) fn new(per_address: u32) -> ConnectionLimit {
        ConnectionLimit {
            per_address,
            open: Arc::default(),
        }
    }

    /// For `HttpServer::on_connect`: counts a new connection by its peer address.
    pub(crate) fn on_connect(&self, conn: &dyn std::any::Any, data: &mut Extensions) {
        let Some(peer) = conn
            .downcast_ref::<actix_web::rt::net::TcpStream>()
            .and_then(|stream| stream.peer_addr().ok())
        else {
            return;
        };
        let key = client_key(peer.ip().to_canonical());
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(key).or_insert(0);
        *count += 1;
        let over = (*count > self.per_address).then_some(self.per_address);
        data.insert(Slot {
            key,
            over,
            open: self.open.clone(),
        });
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

/// Answers 429 and closes a connection its address holds beyond the ceiling.
pub(crate) async fn refuse_over_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(limit) = req.conn_data::<Slot>().and_then(|slot| slot.over) {
        let (req, _) = req.into_parts();
        let answer = AppError::TooManyConnections(limit).error_response();
        return Ok(ServiceResponse::new(req, answer).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
