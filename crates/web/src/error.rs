//! RFC 9457 problem details: the one place an error becomes a response.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use invoicepilot_app::{AppError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

/// An `application/problem+json` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// Field errors (422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The stored version (412).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// The request id, also in the server log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error on its way to becoming a problem response (boxed: errors travel in `Result`s).
#[derive(Debug)]
pub struct ApiError(Box<ProblemParts>);

#[derive(Debug)]
struct ProblemParts {
    status: StatusCode,
    kind: &'static str,
    detail: String,
    errors: Option<Vec<FieldError>>,
    current_version: Option<i64>,
    retry_after: Option<u64>,
    request_id: Option<String>,
}

impl ApiError {
    /// A problem with a status, kind and detail.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(ProblemParts {
            status,
            kind,
            detail: detail.into(),
            errors: None,
            current_version: None,
            retry_after: None,
            request_id: None,
        }))
    }

    /// 400: the body or query could not be read as the declared types.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "too many requests; slow down");
        e.0.retry_after = Some(retry_after);
        e
    }

    /// Attaches the request id (always done for 5xx).
    pub fn with_request_id(mut self, id: Option<String>) -> ApiError {
        self.0.request_id = id;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use StatusCode as S;
        match e {
            AppError::NotFound(what) => ApiError::new(S::NOT_FOUND, "not-found", format!("{what} not found")),
            AppError::Conflict(msg) => ApiError::new(S::CONFLICT, "conflict", msg),
            AppError::VersionMismatch { current } => {
                let mut a = ApiError::new(
                    S::PRECONDITION_FAILED,
                    "version-mismatch",
                    format!("the resource was changed by someone else; its current version is {current}"),
                );
                a.0.current_version = Some(current);
                a
            }
            AppError::PreconditionRequired => ApiError::new(
                S::PRECONDITION_REQUIRED,
                "precondition-required",
                "send If-Match with the version (ETag) you last read",
            ),
            AppError::Validation(errors) => {
                let detail =
                    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                let mut a = ApiError::new(S::UNPROCESSABLE_ENTITY, "validation", detail);
                a.0.errors = Some(errors);
                a
            }
            AppError::Forbidden => ApiError::new(S::FORBIDDEN, "forbidden", "your role does not allow this"),
            AppError::Unauthorized => ApiError::new(S::UNAUTHORIZED, "unauthorized", "missing or invalid bearer token"),
            AppError::ConcurrentChange => {
                ApiError::new(S::CONFLICT, "concurrent-change", "the resource was changed concurrently; try again")
            }
            AppError::IdempotencyInFlight => ApiError::new(
                S::CONFLICT,
                "idempotency-in-flight",
                "a request with this Idempotency-Key is still being processed",
            ),
            AppError::Db(err) => {
                tracing::error!(error = %err, "database error");
                let unreachable = invoicepilot_app::error::is_unavailable(&err);
                if unreachable {
                    ApiError::new(
                        S::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "the database is unavailable; try again shortly",
                    )
                } else {
                    ApiError::new(S::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred")
                }
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                ApiError::new(S::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred")
            }
        }
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let p = *self.0;
        let body = Problem {
            kind: format!("urn:invoicepilot:problem:{}", p.kind),
            title: title(p.status),
            status: p.status.as_u16(),
            detail: p.detail,
            errors: p.errors,
            current_version: p.current_version,
            request_id: p.request_id,
        };
        let mut resp = (p.status, Json(body)).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = p.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// 500 with only a request id.
pub fn internal_response(request_id: Option<String>) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "an internal error occurred")
        .with_request_id(request_id)
}

/// Unknown paths: a problem body under `/api/`, the UI's 404 page elsewhere.
pub async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("no route {}", uri.path())).into_response()
    } else {
        crate::ui::not_found_page(&headers)
    }
}

/// Known paths with an unsupported method.
pub async fn method_not_allowed(uri: Uri, headers: HeaderMap) -> Response {
    let _ = headers;
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", format!("method not allowed on {}", uri.path()))
        .into_response()
}
