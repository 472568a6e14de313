//! Request ids: set on every request, echoed in `x-request-id`, logged, and carried by
//! audit rows and 5xx bodies.

use axum::http::{HeaderValue, Request};
use rand::RngCore;
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes a random 128-bit id per request.
#[derive(Clone, Copy, Default)]
pub struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let mut b = [0u8; 16];
        rand::rng().fill_bytes(&mut b);
        HeaderValue::from_str(&hex::encode(b)).ok().map(RequestId::new)
    }
}

/// The tracing span of a request, with its id.
pub fn span<B>(req: &Request<B>) -> tracing::Span {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

/// The id of a request, from its headers.
pub fn of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}
