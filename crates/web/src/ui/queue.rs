//! キュー: the company's jobs at a glance — waiting, running, failed, recent throughput —
//! and the failed ones with their error text, to retry or forget. Admins and owners only;
//! the whole installation's queue is the operator's (`invoicepilot queue …`).

use super::failure::UiError;
use super::form::PathId;
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::dashboard::local_time;
use invoicepilot_app::jobs::admin::{self, FailedJob, QueueStatus, Selection};

/// `GET /queue`.
#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub struct QueuePage {
    pub chrome: Chrome,
    pub status: QueueStatus,
    pub failed: Vec<FailedJob>,
    pub time_zone: String,
}

impl QueuePage {
    /// A failure time in the company's zone.
    pub fn when(&self, rfc3339: &str) -> String {
        local_time(rfc3339, &self.time_zone)
    }
}

/// `GET /queue`.
pub async fn show(s: Signed) -> Result<Response, UiError> {
    let company = Some(s.ctx.company_id);
    let time_zone = invoicepilot_app::company::load(&s.app, s.ctx.company_id).await?.model.time_zone;
    Ok(QueuePage {
        status: admin::status(&s.app, company).await?,
        failed: admin::failed(&s.app, company, 100).await?,
        chrome: s.chrome.at("queue"),
        time_zone,
    }
    .into_response())
}

/// `POST /queue/failed/{id}/retry`.
pub async fn retry(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    admin::retry(&s.app, Selection::One(id), Some(s.ctx.company_id)).await?;
    Ok(Redirect::to("/queue").into_response())
}

/// `POST /queue/retry-all`.
pub async fn retry_all(s: Signed) -> Result<Response, UiError> {
    admin::retry(&s.app, Selection::All, Some(s.ctx.company_id)).await?;
    Ok(Redirect::to("/queue").into_response())
}

/// `POST /queue/failed/{id}/forget`.
pub async fn forget(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    admin::forget(&s.app, id, Some(s.ctx.company_id)).await?;
    Ok(Redirect::to("/queue").into_response())
}
