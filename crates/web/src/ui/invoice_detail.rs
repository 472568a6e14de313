//! An invoice's page: status, lines with the ※ mark, the per-rate summary, payments and the
//! audit history, with the actions its state allows (issue, void with a reason, delete,
//! record a payment).

use super::failure::UiError;
use super::form::{FormFields, PathId, QueryFields};
use super::invoice_editor::{RateRow, rate_label, rate_rows};
use super::invoices::{jp_date, status_label, yen};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::audit::{self, AuditFilter, AuditLogView};
use invoicepilot_app::dashboard::{action_label, local_time};
use invoicepilot_app::invoices::{self, InvoiceView, VoidInput};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::{App, AppError, Ctx, company, payments};
use invoicepilot_domain::{InvoiceStatus, Permission};
use serde_json::Value;

/// A line as the invoice shows it.
pub struct LineRow {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub rate: &'static str,
    pub amount: String,
    pub reduced: bool,
}

/// A payment's share of this invoice.
pub struct PaymentRow {
    pub received_on: String,
    pub method: &'static str,
    pub amount: String,
    pub note: &'static str,
}

/// One e-mail of the invoice.
pub struct DeliveryRow {
    pub status: &'static str,
    pub status_code: String,
    pub when: String,
    pub to: String,
    pub error: String,
}

/// One audit row for people.
pub struct HistoryRow {
    pub at: String,
    pub who: String,
    pub action: String,
    pub details: Vec<String>,
}

/// `GET /invoices/{id}`.
#[derive(Template, WebTemplate)]
#[template(path = "invoice.html")]
pub struct InvoicePage {
    pub chrome: Chrome,
    pub id: i64,
    pub version: i64,
    pub number: String,
    pub status: &'static str,
    pub status_code: String,
    pub customer: String,
    pub customer_id: i64,
    pub issue_date: String,
    pub due_date: String,
    pub overdue: bool,
    pub prices_include_tax: bool,
    pub lines: Vec<LineRow>,
    pub has_reduced: bool,
    pub rates: Vec<RateRow>,
    pub subtotal: String,
    pub tax_total: String,
    pub total: String,
    pub withholding_tax: Option<String>,
    pub amount_due: String,
    pub amount_paid: String,
    pub balance: String,
    pub notes: String,
    pub void_reason: String,
    pub payments: Vec<PaymentRow>,
    pub history: Vec<HistoryRow>,
    pub more_history: bool,
    pub error: Option<String>,
    pub delivery: Option<DeliveryRow>,
    pub reminders: Vec<DeliveryRow>,
    pub dunning_hold: bool,
    pub customer_email: String,
    pub credit_notes: Vec<super::adjustments::CreditRow>,
    /// `(id, number)` of the invoice this one corrects.
    pub corrects: Option<(i64, String)>,
    /// `(id, number)` of the invoice that corrected this one.
    pub corrected_by: Option<(i64, String)>,
}

impl InvoicePage {
    /// True when a correction may be started (issued, nothing paid or credited).
    pub fn can_correct(&self) -> bool {
        self.status_code == InvoiceStatus::Issued.code() && self.credit_notes.is_empty() && self.corrected_by.is_none()
    }

    /// True while the invoice is a draft.
    pub fn is_draft(&self) -> bool {
        self.status_code == InvoiceStatus::Draft.code()
    }

    /// True when the invoice can still receive a payment.
    pub fn is_open(&self) -> bool {
        self.status_code == InvoiceStatus::Issued.code() || self.status_code == InvoiceStatus::PartiallyPaid.code()
    }

    /// True when void is allowed (issued, nothing allocated or credited).
    pub fn can_void(&self) -> bool {
        self.status_code == InvoiceStatus::Issued.code() && self.credit_notes.is_empty()
    }
}

/// `GET /invoices/{id}/history`.
#[derive(Template, WebTemplate)]
#[template(path = "invoice_history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub id: i64,
    pub number: String,
    pub history: Vec<HistoryRow>,
    pub next_cursor: Option<String>,
}

/// The Japanese name of a payment method code.
pub fn method_label(code: &str) -> &'static str {
    match code {
        "bank_transfer" => "銀行振込",
        "cash" => "現金",
        "card" => "カード",
        "other" => "その他",
        _ => "",
    }
}

fn compact(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => "（なし）".into(),
        other => other.to_string(),
    };
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s }
}

/// `項目: 前 → 後` lines of an audit row's `changes`, or the whole document when it has
/// no before/after shape.
pub fn change_lines(changes: &Value) -> Vec<String> {
    let (before, after) = (changes.get("before"), changes.get("after"));
    let mut out = Vec::new();
    match (before.and_then(Value::as_object), after.and_then(Value::as_object)) {
        (b, Some(a)) => {
            for (k, v) in a {
                match b.and_then(|b| b.get(k)) {
                    Some(old) => out.push(format!("{k}: {} → {}", compact(old), compact(v))),
                    None => out.push(format!("{k}: {}", compact(v))),
                }
            }
        }
        (Some(b), None) => out.extend(b.iter().map(|(k, v)| format!("{k}: {} → （削除）", compact(v)))),
        (None, None) => {}
    }
    if let Some(obj) = changes.as_object() {
        for (k, v) in obj.iter().filter(|(k, _)| *k != "before" && *k != "after") {
            out.push(format!("{k}: {}", compact(v)));
        }
    }
    out
}

/// Audit rows with actors resolved and times in the company's zone.
pub async fn history_rows(app: &App, ctx: &Ctx, rows: Vec<AuditLogView>) -> Result<Vec<HistoryRow>, UiError> {
    let tz = company::load(app, ctx.company_id).await?.model.time_zone;
    let names = audit::actor_labels(app, rows.iter().map(|r| r.actor.as_str())).await?;
    Ok(rows
        .into_iter()
        .map(|r| HistoryRow {
            at: local_time(&r.at, &tz),
            who: names.get(&r.actor).cloned().unwrap_or_else(|| r.actor.clone()),
            action: action_label(&r.action).to_owned(),
            details: change_lines(&r.changes),
        })
        .collect())
}

fn filter_of(id: i64) -> AuditFilter {
    AuditFilter { target_type: Some("invoice".into()), target_id: Some(id), action: None }
}

fn delivery_status(code: &str) -> &'static str {
    match code {
        "sent" => "送信済み",
        "failed" => "送信失敗",
        _ => "送信待ち",
    }
}

fn delivery_row(d: &invoicepilot_app::mail::DeliveryView, tz: &str) -> DeliveryRow {
    DeliveryRow {
        status: delivery_status(&d.status),
        status_code: d.status.clone(),
        when: d.sent_at.as_deref().map(|t| local_time(t, tz)).unwrap_or_default(),
        to: d.to.iter().chain(d.cc.iter()).cloned().collect::<Vec<_>>().join(", "),
        error: d.error.clone().unwrap_or_default(),
    }
}

async fn page(s: &Signed, v: InvoiceView, error: Option<String>) -> Result<InvoicePage, UiError> {
    let paid = payments::of_invoice(&s.app, &s.ctx, v.id).await?;
    let tz = company::load(&s.app, s.ctx.company_id).await?.model.time_zone;
    let deliveries = invoicepilot_app::mail::delivery_of(&s.app, &s.ctx, v.id).await?;
    let delivery = deliveries.iter().find(|(p, _)| p == "invoice").map(|(_, d)| delivery_row(d, &tz));
    let reminders = deliveries.iter().filter(|(p, _)| p == "reminder").map(|(_, d)| delivery_row(d, &tz)).collect();
    let customer_email = invoicepilot_app::customers::get(&s.app, &s.ctx, v.customer_id)
        .await
        .ok()
        .and_then(|c| c.email)
        .unwrap_or_default();
    let (history, more_history) = if s.ctx.role.can(Permission::ReadAudit) {
        let p = audit::list(&s.app, &s.ctx, filter_of(v.id), PageRequest::parse(Some(20), None)?).await?;
        (history_rows(&s.app, &s.ctx, p.items).await?, p.next_cursor.is_some())
    } else {
        (vec![], false)
    };
    let (credit_notes, corrects, corrected_by) = super::adjustments::of_invoice(s, &v).await?;
    let lines: Vec<LineRow> = v
        .lines
        .iter()
        .map(|l| LineRow {
            description: l.description.clone(),
            quantity: l.quantity.clone(),
            unit: l.unit.clone(),
            unit_price: yen(l.unit_price),
            rate: rate_label(&l.tax_rate),
            amount: yen(l.amount),
            reduced: l.tax_rate == "8",
        })
        .collect();
    Ok(InvoicePage {
        chrome: s.chrome.clone_at("invoices"),
        id: v.id,
        version: v.version,
        number: v.number.clone().unwrap_or_else(|| "（下書き）".into()),
        status: status_label(&v.status),
        status_code: v.status.clone(),
        customer: v.customer_name.clone(),
        customer_id: v.customer_id,
        issue_date: jp_date(&v.issue_date),
        due_date: v.due_date.as_deref().map(jp_date).unwrap_or_default(),
        overdue: v.overdue,
        prices_include_tax: v.prices_include_tax,
        has_reduced: lines.iter().any(|l| l.reduced),
        lines,
        rates: rate_rows(&v.tax_breakdown),
        subtotal: yen(v.subtotal),
        tax_total: yen(v.tax_total),
        total: yen(v.total),
        withholding_tax: v.withholding.then(|| yen(v.withholding_tax)),
        amount_due: yen(v.amount_due),
        amount_paid: yen(v.amount_paid),
        balance: yen(v.balance),
        notes: v.notes.clone().unwrap_or_default(),
        void_reason: v.void_reason.clone().unwrap_or_default(),
        payments: paid
            .into_iter()
            .map(|p| PaymentRow {
                received_on: jp_date(&p.received_on),
                method: method_label(&p.method),
                amount: yen(p.amount),
                note: if p.is_reversal {
                    "取消（反対仕訳）"
                } else if p.reversed {
                    "取消済み"
                } else {
                    ""
                },
            })
            .collect(),
        history,
        more_history,
        error,
        delivery,
        reminders,
        dunning_hold: v.dunning_hold,
        customer_email,
        credit_notes,
        corrects,
        corrected_by,
    })
}

/// `GET /invoices/{id}`.
pub async fn show(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let v = invoices::get(&s.app, &s.ctx, id).await?;
    Ok(page(&s, v, None).await?.into_response())
}

/// Shows the invoice again with why an action was refused.
pub(super) async fn refused(s: &Signed, id: i64, status: StatusCode, message: String) -> Result<Response, UiError> {
    let v = invoices::get(&s.app, &s.ctx, id).await?;
    Ok((status, page(s, v, Some(message)).await?).into_response())
}

/// The actions of this page, for wording refusals.
#[derive(Clone, Copy)]
enum Action {
    Issue,
    Void,
    Delete,
    Send,
}

/// What a refused action tells the user, or the error page for the rest.
async fn outcome(s: Signed, id: i64, action: Action, result: Result<String, AppError>) -> Result<Response, UiError> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(AppError::Conflict(m)) => refused(&s, id, StatusCode::CONFLICT, conflict_message(action, &m).into()).await,
        Err(AppError::VersionMismatch { .. }) => {
            let msg = "他のユーザーがこの請求書を変更しました。最新の内容を確認してから、もう一度操作してください。";
            refused(&s, id, StatusCode::CONFLICT, msg.into()).await
        }
        Err(AppError::Validation(errs)) => {
            refused(&s, id, StatusCode::UNPROCESSABLE_ENTITY, super::customers::messages(&errs).join(" / ")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Why the use-case refused, in Japanese.
fn conflict_message(action: Action, m: &str) -> &'static str {
    match action {
        Action::Issue if m.contains("without lines") => "明細が1行もない請求書は発行できません。",
        Action::Issue => "この請求書はすでに発行されています。",
        Action::Void if m.contains("has payments") => {
            "入金が消し込まれているため取り消せません。先に入金を取り消してください。"
        }
        Action::Void if m.contains("is paid") => "入金済みの請求書は取り消せません。",
        Action::Void if m.contains("credit notes") => "返還インボイスを発行済みの請求書は取り消せません。",
        Action::Void if m.contains("already void") => "この請求書はすでに取り消されています。",
        Action::Void => "下書きには番号がないため取り消せません。削除してください。",
        Action::Delete => "発行済みの請求書は削除できません（取消のみ可能です）。",
        Action::Send if m.contains("draft") => "下書きは送信できません。先に発行してください。",
        Action::Send => "取り消された請求書は送信できません。",
    }
}

/// The version the page showed: an action on a document someone changed since is refused.
fn shown_version(f: &super::form::Fields) -> Option<i64> {
    f.get("version").and_then(|v| v.parse().ok())
}

/// `POST /invoices/{id}/issue` with the version shown.
pub async fn issue(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let r = invoices::issue(&s.app, &s.ctx, id, shown_version(&f)).await.map(|v| format!("/invoices/{}", v.id));
    outcome(s, id, Action::Issue, r).await
}

/// `POST /invoices/{id}/void` with `reason` and the version shown.
pub async fn void(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let input = VoidInput { reason: f.text("reason") };
    let r = invoices::void(&s.app, &s.ctx, id, shown_version(&f), input).await.map(|v| format!("/invoices/{}", v.id));
    outcome(s, id, Action::Void, r).await
}

/// `POST /invoices/{id}/delete`: drafts only, at the version shown.
pub async fn delete(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let r = invoices::delete_draft(&s.app, &s.ctx, id, shown_version(&f)).await.map(|_| "/invoices".to_owned());
    outcome(s, id, Action::Delete, r).await
}

fn list_of(raw: &str) -> Option<Vec<String>> {
    let v: Vec<String> =
        raw.split([',', '、', ';', ' ', '\n']).map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned).collect();
    (!v.is_empty()).then_some(v)
}

fn send_input(f: &super::form::Fields) -> invoicepilot_app::mail::SendInput {
    invoicepilot_app::mail::SendInput { to: list_of(&f.raw("to")), cc: list_of(&f.raw("cc")) }
}

/// `POST /invoices/{id}/send` with `to` and `cc` (comma separated; empty: the customer's).
pub async fn send(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let r = invoicepilot_app::mail::send_invoice(&s.app, &s.ctx, id, send_input(&f))
        .await
        .map(|_| format!("/invoices/{id}"));
    outcome(s, id, Action::Send, r).await
}

/// `POST /invoices/{id}/issue-and-send`: issues the draft and queues its mail together.
pub async fn issue_and_send(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let r = invoices::issue_and_send(&s.app, &s.ctx, id, shown_version(&f), send_input(&f))
        .await
        .map(|_| format!("/invoices/{id}"));
    outcome(s, id, Action::Issue, r).await
}

/// `POST /invoices/{id}/dunning-hold` with `hold` = `1` or `0`.
pub async fn dunning_hold(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let hold = f.get("hold") == Some("1");
    invoicepilot_app::dunning::set_invoice_hold(&s.app, &s.ctx, id, hold).await?;
    Ok(Redirect::to(&format!("/invoices/{id}")).into_response())
}

/// `GET /invoices/{id}/pdf[?download=1]`: preview in the browser, or download. Read-only.
pub async fn pdf(s: Signed, PathId(id): PathId, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let p = invoicepilot_app::documents::invoice_pdf(&s.app, &s.ctx, id).await?;
    Ok(crate::download::pdf(p, q.get("download").is_none()))
}

/// `GET /invoices/{id}/history`: every audit row of the invoice, newest first.
pub async fn history(s: Signed, PathId(id): PathId, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let v = invoices::get(&s.app, &s.ctx, id).await?;
    let p = audit::list(&s.app, &s.ctx, filter_of(id), PageRequest::parse(Some(50), q.get("cursor"))?).await?;
    Ok(HistoryPage {
        history: history_rows(&s.app, &s.ctx, p.items).await?,
        chrome: s.chrome.at("invoices"),
        id,
        number: v.number.unwrap_or_else(|| "（下書き）".into()),
        next_cursor: p.next_cursor,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_as_before_and_after() {
        let c = json!({"before": {"status": "issued"}, "after": {"status": "void", "balance": 0}, "reason": "誤発行"});
        assert_eq!(change_lines(&c), vec!["balance: 0", "status: issued → void", "reason: 誤発行"]);
        assert_eq!(change_lines(&json!({"before": {"name": "A"}})), vec!["name: A → （削除）"]);
        assert!(change_lines(&json!({"after": {"x": "y".repeat(200)}}))[0].ends_with('…'));
    }
}
