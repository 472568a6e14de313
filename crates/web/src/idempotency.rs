//! `Idempotency-Key` on POST requests, plus the request id in every 5xx problem body.

use crate::AppState;
use crate::error::ApiError;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::accounts::authenticate;
use invoicepilot_app::idempotency::{Claim, claim, complete, fingerprint, release};
use serde_json::{Value, json};

const REPLAYED: &str = "idempotent-replayed";

/// Replays, refuses or records POSTs that carry `Idempotency-Key`.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A key that is not visible ASCII is kept as an empty one, which the claim refuses (422),
    // rather than dropped: a request that asked for idempotency must not run without it.
    let key = req.headers().get("idempotency-key").map(|v| v.to_str().unwrap_or_default().to_owned());
    match key {
        Some(key) if req.method() == Method::POST && req.uri().path().starts_with("/api/") => {
            idempotent(&state, key, req, next).await
        }
        _ => next.run(req).await,
    }
}

/// Makes every API error a problem body (also those of outer layers, such as 413 from the
/// body limit) and puts the request id into every 5xx body.
pub async fn problem_bodies(req: Request, next: Next) -> Response {
    let request_id = crate::request_id::of(req.headers());
    let is_api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_api && status.is_client_error() && !is_problem {
        let detail = match status.as_u16() {
            413 => "the request body is too large",
            _ => "the request could not be processed",
        };
        return ApiError::new(status, "http", detail).into_response();
    }
    // The UI's own 5xx pages (maintenance, failure) are HTML for people and stay as they are.
    let is_html = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if status.is_server_error() && (is_api || !is_html) {
        with_request_id(response, request_id).await
    } else {
        response
    }
}

async fn idempotent(state: &AppState, key: String, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, t)| t.trim().to_owned());
    let principal = match token {
        Some(t) => authenticate(&state.app, &t).await.ok(),
        None => None,
    };
    let Some(principal) = principal else {
        // Unauthenticated: let the handler answer 401.
        return next.run(Request::from_parts(parts, body)).await;
    };
    let bytes = match to_bytes(body, crate::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "the request body is too large",
            )
            .into_response();
        }
    };
    let hash = fingerprint(parts.method.as_str(), parts.uri.path(), &bytes);
    let claimed = match claim(&state.app, principal.company_id, principal.token_id, &key, &hash).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match claimed {
        Claim::Replay { status, body } => replay(status, &body),
        Claim::Proceed(id) => {
            let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let status = resp.status();
            let (rparts, rbody) = resp.into_parts();
            let rbytes = to_bytes(rbody, usize::MAX).await.unwrap_or_default();
            if status.is_server_error() {
                let _ = release(&state.app, id).await;
            } else {
                let stored = json!({
                    "etag": rparts.headers.get(header::ETAG).and_then(|v| v.to_str().ok()),
                    "content_type": rparts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
                    "body": String::from_utf8_lossy(&rbytes),
                });
                if let Err(e) = complete(&state.app, id, status.as_u16(), &stored.to_string()).await {
                    tracing::error!(error = %e, "could not store idempotent response");
                }
            }
            Response::from_parts(rparts, Body::from(rbytes))
        }
    }
}

fn replay(status: u16, stored: &str) -> Response {
    let v: Value = serde_json::from_str(stored).unwrap_or(Value::Null);
    let body = v["body"].as_str().unwrap_or("").to_owned();
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
    let h = resp.headers_mut();
    if let Some(ct) = v["content_type"].as_str().and_then(|s| HeaderValue::from_str(s).ok()) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Some(etag) = v["etag"].as_str().and_then(|s| HeaderValue::from_str(s).ok()) {
        h.insert(header::ETAG, etag);
    }
    h.insert(REPLAYED, HeaderValue::from_static("true"));
    resp
}

async fn with_request_id(resp: Response, request_id: Option<String>) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = to_bytes(body, 1024 * 1024).await.unwrap_or_default();
    let mut v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        json!({"type": "urn:invoicepilot:problem:internal", "title": parts.status.canonical_reason().unwrap_or("Error"),
               "status": parts.status.as_u16(), "detail": "an internal error occurred"})
    });
    if let Some(obj) = v.as_object_mut() {
        obj.insert("request_id".into(), json!(request_id));
    }
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(v.to_string()))
}
