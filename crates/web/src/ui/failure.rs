//! Failures of UI requests: a friendly page with the request id, or for htmx requests a
//! small fragment (never a whole page inside a page). Internals are logged, never shown.

use super::i18n::Lang;
use super::pages::MessagePage;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::error::is_unavailable;

/// Why a page could not be shown.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in.
    SignIn,
    /// Signed in but member of no company.
    NoCompany,
    /// The role does not allow it.
    Forbidden,
    /// No such thing in this company (another company's object included).
    NotFound,
    /// The request conflicts with the current state.
    Conflict(String),
    /// The input is not acceptable.
    BadRequest(String),
    /// The database cannot be reached.
    Unavailable,
    /// Anything else (logged, not shown).
    Internal(String),
    /// The same failure, worded in `Lang`.
    Localised(Box<UiError>, Lang),
}

impl UiError {
    /// Words the message in `lang`.
    pub fn in_lang(self, lang: Lang) -> UiError {
        match self {
            UiError::Localised(e, _) => UiError::Localised(e, lang),
            e => UiError::Localised(Box::new(e), lang),
        }
    }
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => UiError::NotFound,
            AppError::Forbidden => UiError::Forbidden,
            AppError::Unauthorized => UiError::SignIn,
            AppError::Conflict(m) => UiError::Conflict(m),
            AppError::VersionMismatch { .. } | AppError::ConcurrentChange | AppError::PreconditionRequired => {
                UiError::Conflict("他のユーザーが変更しました。再読み込みしてください。".into())
            }
            AppError::Validation(errs) => UiError::BadRequest(
                errs.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join(" / "),
            ),
            AppError::IdempotencyInFlight => {
                UiError::Conflict("同じ操作を処理中です。しばらくしてから再読み込みしてください。".into())
            }
            AppError::Db(ref d) if is_unavailable(d) => UiError::Unavailable,
            other => UiError::Internal(other.to_string()),
        }
    }
}

/// What the failure middleware renders, carried in the response's extensions.
#[derive(Clone)]
struct Failure {
    heading: &'static str,
    message: String,
    lang: Lang,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (inner, lang) = match self {
            UiError::Localised(e, lang) => (*e, lang),
            e => (e, Lang::Ja),
        };
        let (status, heading, message) = match inner {
            UiError::SignIn => {
                let mut resp = Redirect::to("/login").into_response();
                resp.headers_mut().insert("hx-redirect", HeaderValue::from_static("/login"));
                return resp;
            }
            UiError::NoCompany => (
                StatusCode::FORBIDDEN,
                "所属している会社がありません",
                lang.t("所属している会社がありません。管理者に招待を依頼してください。").to_owned(),
            ),
            UiError::Forbidden => {
                (StatusCode::FORBIDDEN, "権限がありません", lang.t("この操作は許可されていません。").to_owned())
            }
            UiError::NotFound => {
                (StatusCode::NOT_FOUND, "見つかりません", lang.t("お探しのページは見つかりませんでした。").to_owned())
            }
            UiError::Conflict(m) => (StatusCode::CONFLICT, "操作できません", m),
            UiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "入力内容をご確認ください", m),
            UiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "ただいま利用できません",
                lang.t("データベースに接続できません。しばらくしてから再度お試しください。").to_owned(),
            ),
            UiError::Internal(detail) => {
                tracing::error!(error = %detail, "UI request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました",
                    lang.t("処理中にエラーが発生しました。お手数ですがリクエストIDを添えて管理者にお知らせください。")
                        .to_owned(),
                )
            }
            UiError::Localised(..) => unreachable!("flattened above"),
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(Failure { heading, message, lang });
        resp
    }
}

/// A message page outside the signed-in frame (login and setup failures, unknown paths).
pub fn page(
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    heading: &'static str,
    message: &'static str,
) -> Response {
    let page = MessagePage {
        heading: heading.into(),
        message: message.into(),
        request_id: crate::request_id::of(headers),
        lang: Lang::Ja,
    };
    (status, page).into_response()
}

/// Renders failures: a page for normal requests, a fragment for htmx requests.
pub async fn render(req: Request, next: Next) -> Response {
    let htmx = req.headers().contains_key("hx-request");
    let request_id = crate::request_id::of(req.headers());
    let resp = next.run(req).await;
    let Some(f) = resp.extensions().get::<Failure>().cloned() else { return resp };
    let (mut parts, _) = resp.into_parts();
    let heading = f.lang.t(f.heading).to_owned();
    let body = if htmx {
        let id = request_id.as_deref().map(|id| format!(" ({} {id})", f.lang.t("リクエストID:"))).unwrap_or_default();
        Html(format!(
            "<div class=\"error\" role=\"alert\">{}: {}{}</div>",
            askama_escape(&heading),
            askama_escape(&f.message),
            askama_escape(&id)
        ))
        .into_response()
    } else {
        MessagePage { heading, message: f.message, request_id, lang: f.lang }.into_response()
    };
    let (body_parts, body) = body.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        body_parts.headers.get(header::CONTENT_TYPE).cloned().unwrap_or(HeaderValue::from_static("text/html")),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

/// HTML-escapes text for the hand-written fragment.
fn askama_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_escape_markup() {
        assert_eq!(askama_escape("<script>\"'&"), "&lt;script&gt;&quot;&#x27;&amp;");
    }
}
