//! Adjusting an issued invoice from its page: a correction (修正) and credit notes
//! (返還インボイス) with their PDFs.

use super::failure::UiError;
use super::form::{FormFields, PathId, QueryFields};
use super::invoices::{jp_date, parse_amount, yen};
use super::session::Signed;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::credit_notes::{self, CreditNoteInput};
use invoicepilot_app::invoices::{self, InvoiceView};

/// A credit note on the invoice page.
pub struct CreditRow {
    pub id: i64,
    pub number: String,
    pub credited_on: String,
    pub kind: &'static str,
    pub reason: String,
    pub total: String,
    pub omitted: bool,
}

fn kind_label(code: &str) -> &'static str {
    match code {
        "return" => "返品",
        "transfer_fee" => "振込手数料",
        _ => "値引き",
    }
}

/// The credit notes of `v` and the invoices its corrections link.
pub async fn of_invoice(
    s: &Signed,
    v: &InvoiceView,
) -> Result<(Vec<CreditRow>, Option<(i64, String)>, Option<(i64, String)>), UiError> {
    let notes = credit_notes::of_invoice(&s.app, &s.ctx, v.id).await?;
    let rows = notes
        .into_iter()
        .filter(|n| n.status == "issued")
        .map(|n| CreditRow {
            id: n.id,
            number: n.number.unwrap_or_default(),
            credited_on: jp_date(&n.credited_on),
            kind: kind_label(&n.kind),
            reason: n.reason,
            total: yen(n.total),
            omitted: n.document_omitted,
        })
        .collect();
    let link = |id: Option<i64>| async move {
        match id {
            Some(id) => invoices::get(&s.app, &s.ctx, id)
                .await
                .map(|o| Some((id, o.number.unwrap_or_else(|| "（下書き）".into())))),
            None => Ok(None),
        }
    };
    Ok((rows, link(v.corrects_invoice_id).await?, link(v.corrected_by_invoice_id).await?))
}

/// `POST /invoices/{id}/correct`: a linked draft, opened in the editor.
pub async fn correct(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    match invoices::start_correction(&s.app, &s.ctx, id).await {
        Ok(d) => Ok(Redirect::to(&format!("/invoices/{}/edit", d.id)).into_response()),
        Err(AppError::Conflict(m)) => {
            let msg = if m.contains("correction draft") {
                "この請求書の修正版（下書き）がすでにあります。"
            } else if m.contains("payments") {
                "入金が消し込まれているため修正できません。先に入金を取り消してください。"
            } else if m.contains("credit notes") {
                "返還インボイスを発行済みのため修正できません。"
            } else {
                "この請求書は修正できません。"
            };
            super::invoice_detail::refused(&s, id, StatusCode::CONFLICT, msg.into()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /invoices/{id}/credit-notes`: an amount including tax, divided over the rates.
pub async fn create_credit(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let Some(amount) = f.text("amount").as_deref().and_then(parse_amount) else {
        let msg = "返還する金額（税込）を入力してください。".to_owned();
        return super::invoice_detail::refused(&s, id, StatusCode::UNPROCESSABLE_ENTITY, msg).await;
    };
    let input = CreditNoteInput {
        kind: f.text("kind"),
        credited_on: f.text("credited_on"),
        reason: f.text("reason"),
        amount: Some(amount),
        lines: None,
    };
    match credit_notes::create(&s.app, &s.ctx, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/invoices/{id}")).into_response()),
        Err(AppError::Validation(errs)) => {
            let msg = errs
                .iter()
                .map(|e| match (e.field.as_str(), e.code.as_str()) {
                    ("amount", "exceeds_balance") => "返還額が請求書の残高を超えています。".to_owned(),
                    ("credited_on", _) => "返還日は請求日以降の日付にしてください。".to_owned(),
                    _ => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join(" / ");
            super::invoice_detail::refused(&s, id, StatusCode::UNPROCESSABLE_ENTITY, msg).await
        }
        Err(AppError::Conflict(_)) => {
            let msg = "残高のある発行済みの請求書にだけ返還インボイスを発行できます。".to_owned();
            super::invoice_detail::refused(&s, id, StatusCode::CONFLICT, msg).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A row of the credit-note search.
pub struct CreditListRow {
    pub row: CreditRow,
    pub customer: String,
    pub invoice_id: i64,
}

/// `GET /credit-notes`: the 電帳法 search of credit notes (date, amount, counterparty).
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "credit_notes.html")]
pub struct CreditNotesPage {
    pub chrome: super::session::Chrome,
    pub customers: Vec<(i64, String)>,
    pub from: String,
    pub to: String,
    pub min: String,
    pub max: String,
    pub customer_id: String,
    pub rows: Vec<CreditListRow>,
    pub next_cursor: Option<String>,
    pub query: String,
}

/// `GET /credit-notes?credited_on_from&credited_on_to&total_min&total_max&customer_id`.
pub async fn list(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let amount = |k: &str| -> Result<Option<i64>, UiError> {
        match q.text(k) {
            None => Ok(None),
            Some(v) => parse_amount(&v)
                .map(Some)
                .ok_or_else(|| UiError::BadRequest("金額は数字（例: 10000）で入力してください。".into())),
        }
    };
    let filter = credit_notes::CreditNoteFilter {
        invoice_id: None,
        customer_id: q.text("customer_id").and_then(|c| c.parse().ok()),
        credited_on_from: q.text("credited_on_from"),
        credited_on_to: q.text("credited_on_to"),
        total_min: amount("total_min")?,
        total_max: amount("total_max")?,
    };
    let page = invoicepilot_app::pagination::PageRequest::parse(Some(50), q.get("cursor"))?;
    let found = credit_notes::list(&s.app, &s.ctx, filter, page).await.map_err(|e| match e {
        AppError::Validation(_) => UiError::BadRequest("日付は YYYY-MM-DD で入力してください。".into()),
        other => other.into(),
    })?;
    let customers = super::invoices::customer_choices(&s.app, &s.ctx).await?;
    let name_of = |id: i64| customers.iter().find(|c| c.0 == id).map(|c| c.1.clone()).unwrap_or_default();
    let rows = found
        .items
        .into_iter()
        .map(|n| CreditListRow {
            customer: name_of(n.customer_id),
            invoice_id: n.invoice_id,
            row: CreditRow {
                id: n.id,
                number: n.number.unwrap_or_default(),
                credited_on: jp_date(&n.credited_on),
                kind: kind_label(&n.kind),
                reason: n.reason,
                total: yen(n.total),
                omitted: n.document_omitted,
            },
        })
        .collect();
    let keep = ["credited_on_from", "credited_on_to", "total_min", "total_max", "customer_id"];
    let query =
        keep.iter().filter_map(|k| q.text(k).map(|v| format!("{k}={}", urlencoding(&v)))).collect::<Vec<_>>().join("&");
    Ok(CreditNotesPage {
        chrome: s.chrome.clone_at("invoices"),
        from: q.raw("credited_on_from"),
        to: q.raw("credited_on_to"),
        min: q.raw("total_min"),
        max: q.raw("total_max"),
        customer_id: q.raw("customer_id"),
        customers,
        rows,
        next_cursor: found.next_cursor,
        query,
    }
    .into_response())
}

fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET /credit-notes/{id}/pdf`.
pub async fn credit_pdf(s: Signed, PathId(id): PathId, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let p = invoicepilot_app::documents::credit_note_pdf(&s.app, &s.ctx, id).await?;
    Ok(crate::download::pdf(p, q.get("download").is_none()))
}
