//! Static assets embedded in the binary: the stylesheet, htmx and the UI fonts. Nothing is
//! loaded from another origin.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

fn asset(content_type: &'static str, max_age: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(max_age)),
        ],
        body,
    )
        .into_response()
}

/// `GET /static/app.css`.
pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", "public, max-age=3600", include_bytes!("../../static/app.css"))
}

/// `GET /static/htmx.min.js` (htmx 2.0.11, 0BSD, see `static/vendor/README.md`).
pub async fn htmx() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        "public, max-age=86400",
        include_bytes!("../../static/vendor/htmx-2.0.11.min.js"),
    )
}

const FONT_CACHE: &str = "public, max-age=31536000, immutable";

/// `GET /static/fonts/BIZUDPGothic-Regular.ttf` (SIL OFL, `assets/fonts/OFL.txt`).
pub async fn font_regular() -> Response {
    asset(
        "font/ttf",
        FONT_CACHE,
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts/BIZUDPGothic-Regular.ttf")),
    )
}

/// `GET /static/fonts/BIZUDPGothic-Bold.ttf`.
pub async fn font_bold() -> Response {
    asset(
        "font/ttf",
        FONT_CACHE,
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts/BIZUDPGothic-Bold.ttf")),
    )
}
