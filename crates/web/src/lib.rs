//! The HTTP face of InvoicePilot: the JSON API (`/api/v1`), its OpenAPI document and
//! `/health`. Handlers extract, call one `app` use-case, and render.

pub mod api;
pub mod auth;
pub mod client_ip;
pub mod download;
pub mod error;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod maintenance;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;
mod request_id;
pub mod security;
pub mod ui;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use axum::response::IntoResponse;
use invoicepilot_app::App;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyDeadlineLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// How long a client may take to send a whole request body (408 after).
pub const DEFAULT_BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Requests per second per token (0 disables); the burst is ten times that.
    pub api_rate_limit: u32,
    /// The storage folder whose volume `/health` reports.
    pub storage_path: PathBuf,
    /// `APP_URL`, the public base URL (https turns on HSTS and secure cookies).
    pub app_url: Option<String>,
    /// `TRUSTED_PROXIES`: peers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Time allowed for a request body from the first byte to the last.
    pub body_deadline: std::time::Duration,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use-cases.
    pub app: App,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Per-token flood control.
    pub limiter: Arc<rate_limit::RateLimiter>,
    /// The OpenAPI document, built once.
    pub openapi: Arc<serde_json::Value>,
    /// The maintenance flag, cached briefly.
    pub maintenance: Arc<maintenance::Gate>,
    /// Latencies since the last p95 reading.
    pub latency: Arc<metrics::LatencyWindow>,
}

impl AppState {
    /// State for `app` with `config`.
    pub fn new(app: App, config: WebConfig) -> AppState {
        let limiter = Arc::new(rate_limit::RateLimiter::new(config.api_rate_limit));
        let (_, doc) = api::router().split_for_parts();
        let doc = openapi::finish(doc);
        metrics::install();
        AppState {
            app,
            config: Arc::new(config),
            limiter,
            openapi: Arc::new(doc),
            maintenance: Arc::default(),
            latency: Arc::default(),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api, _) = api::router().split_for_parts();
    Router::new()
        .merge(api)
        .merge(ui::router(&state))
        .route("/api/openapi.json", axum::routing::get(openapi::serve))
        .route("/metrics", axum::routing::get(metrics::serve))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::middleware))
        .layer(CatchPanicLayer::custom(|_| error::internal_response(None).into_response()))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::middleware))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(RequestBodyDeadlineLayer::new(state.config.body_deadline))
        .layer(axum::middleware::from_fn_with_state(state.clone(), maintenance::middleware))
        .layer(axum::middleware::from_fn(idempotency::problem_bodies))
        .layer(axum::middleware::from_fn_with_state(
            security::Https::from_app_url(state.config.app_url.as_deref()),
            security::headers,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span))
        .layer(SetRequestIdLayer::new(REQUEST_ID, request_id::MakeId))
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
