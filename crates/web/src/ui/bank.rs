//! 消込 page: statement upload, the 未消込 queue (accept a suggestion, assign to a customer
//! with 「この名義を記憶する」, set aside) and recent matches with undo.

use super::failure::UiError;
use super::form::{FormFields, PathId, QueryFields};
use super::invoices::{customer_choices, jp_date, yen};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::bank::{self, AssignInput, ImportFormat, StatementImport, TransactionView};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_domain::bank::csv_statement::PRESETS;

/// One suggestion as shown.
pub struct SuggestionRow {
    pub index: usize,
    pub customer: String,
    pub invoices: String,
    pub fee: String,
    pub reason: &'static str,
    pub score: u8,
}

/// A queued or matched transaction as shown.
pub struct TransactionRow {
    pub id: i64,
    pub booked_on: String,
    pub payer_name: String,
    pub amount: String,
    pub edi: String,
    pub status: &'static str,
    pub suggestions: Vec<SuggestionRow>,
    pub customer: String,
    pub reason: &'static str,
}

/// `GET /bank`.
#[derive(Template, WebTemplate)]
#[template(path = "bank.html")]
pub struct BankPage {
    pub chrome: Chrome,
    pub formats: Vec<(&'static str, &'static str)>,
    pub open: Vec<TransactionRow>,
    pub matched: Vec<TransactionRow>,
    pub customers: Vec<(i64, String)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

/// Japanese label of a match reason code.
pub fn reason_label(code: &str) -> &'static str {
    match code {
        "invoice_number" => "請求書番号が一致",
        "name_and_amount" => "名義と金額が一致",
        "name_and_invoice_set" => "名義と複数請求書の合計が一致",
        "name_and_fee_shortfall" => "名義が一致・振込手数料の差引",
        "name_only" => "名義のみ一致",
        "amount_only" => "金額のみ一致",
        "manual" => "手動で消込",
        _ => "",
    }
}

/// Japanese label of a transaction status.
pub fn status_label(code: &str) -> &'static str {
    match code {
        "unmatched" => "未消込",
        "suggested" => "候補あり",
        "matched" => "消込済み",
        "ignored" => "対象外",
        "outgoing" => "出金",
        "cancelled" => "銀行取消",
        _ => "",
    }
}

fn row(t: TransactionView, customers: &[(i64, String)]) -> TransactionRow {
    let name_of = |id: i64| customers.iter().find(|c| c.0 == id).map(|c| c.1.clone()).unwrap_or_default();
    TransactionRow {
        id: t.id,
        booked_on: jp_date(&t.booked_on),
        payer_name: t.payer_name,
        amount: yen(t.amount),
        edi: t.edi,
        status: status_label(&t.status),
        suggestions: t
            .suggestions
            .into_iter()
            .enumerate()
            .map(|(index, s)| SuggestionRow {
                index,
                customer: s.customer_name,
                invoices: s
                    .allocations
                    .iter()
                    .map(|a| format!("{} {}", a.number, yen(a.amount)))
                    .collect::<Vec<_>>()
                    .join("、"),
                fee: if s.fee > 0 { yen(s.fee) } else { String::new() },
                reason: reason_label(&s.reason),
                score: s.score,
            })
            .collect(),
        customer: t.customer_id.map(name_of).unwrap_or_default(),
        reason: t.match_reason.as_deref().map(reason_label).unwrap_or(""),
    }
}

async fn page(s: &Signed, notice: Option<String>, errors: Vec<String>) -> Result<BankPage, UiError> {
    let customers = customer_choices(&s.app, &s.ctx).await?;
    let open = bank::list_transactions(&s.app, &s.ctx, Some("open"), PageRequest::parse(Some(200), None)?).await?;
    let matched = bank::list_transactions(&s.app, &s.ctx, Some("matched"), PageRequest::parse(Some(20), None)?).await?;
    let mut formats = vec![("auto", "自動判定"), ("zengin", "全銀協（振込入金通知・入出金取引明細）")];
    formats.extend(PRESETS.iter().map(|p| (p.id, p.label)));
    Ok(BankPage {
        chrome: s.chrome.clone_at("bank"),
        formats,
        open: open.items.into_iter().map(|t| row(t, &customers)).collect(),
        matched: matched.items.into_iter().map(|t| row(t, &customers)).collect(),
        customers,
        notice,
        errors,
    })
}

/// `GET /bank`.
pub async fn show(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let notice = q.text("imported").map(|imported| {
        let n = |k: &str| q.text(k).unwrap_or_else(|| "0".into());
        format!(
            "{}件を取り込みました（重複 {}件）。自動消込 {}件、候補あり {}件、未消込 {}件。",
            imported,
            n("duplicates"),
            n("matched"),
            n("suggested"),
            n("unmatched")
        )
    });
    Ok(page(&s, notice, vec![]).await?.into_response())
}

async fn with_errors(s: &Signed, errors: Vec<String>) -> Result<Response, UiError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page(s, None, errors).await?).into_response())
}

/// `POST /bank/import`: a statement file from a multipart form.
pub async fn import(s: Signed, mut form: axum::extract::Multipart) -> Result<Response, UiError> {
    let unreadable = || UiError::BadRequest("アップロードを読み取れませんでした。".into());
    let (mut bytes, mut file_name, mut format) = (None, None, "auto".to_owned());
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("statement") => {
                file_name = field.file_name().map(str::to_owned);
                bytes = Some(field.bytes().await.map_err(|_| unreadable())?.to_vec());
            }
            Some("format") => format = field.text().await.map_err(|_| unreadable())?,
            _ => {}
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return with_errors(&s, vec!["取り込む明細ファイルを選んでください。".into()]).await;
    };
    let Ok(format) = format.parse::<ImportFormat>() else {
        return with_errors(&s, vec!["ファイル形式を選び直してください。".into()]).await;
    };
    match bank::import_statement(&s.app, &s.ctx, StatementImport { bytes, format, file_name }).await {
        Ok(out) => {
            let m = out.summary;
            Ok(Redirect::to(&format!(
                "/bank?imported={}&duplicates={}&matched={}&suggested={}&unmatched={}",
                m.imported, m.duplicates, m.matched, m.suggested, m.unmatched
            ))
            .into_response())
        }
        Err(AppError::Validation(errs)) => {
            let mut lines = vec!["明細ファイルを取り込めませんでした（一部だけの取り込みはしていません）。".to_owned()];
            lines.extend(errs.into_iter().take(20).map(|e| e.message));
            with_errors(&s, lines).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Answers a queue action: back to the page, or the page with the reason it failed.
async fn done(s: &Signed, r: Result<TransactionView, AppError>) -> Result<Response, UiError> {
    match r {
        Ok(_) => Ok(Redirect::to("/bank").into_response()),
        Err(AppError::Conflict(_)) => {
            with_errors(s, vec!["この入金明細は他の操作で変更されました。最新の状態を確認してください。".into()]).await
        }
        Err(AppError::Validation(errs)) => {
            with_errors(s, errs.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /bank/transactions/{id}/accept`.
pub async fn accept(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let index = f.text("index").and_then(|i| i.parse().ok()).unwrap_or(0);
    let r = bank::accept_suggestion(&s.app, &s.ctx, id, index, f.checked("remember")).await;
    done(&s, r).await
}

/// `POST /bank/transactions/{id}/assign`: to a customer's oldest open invoices.
pub async fn assign(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let Some(customer_id) = f.text("customer_id").and_then(|c| c.parse().ok()) else {
        return with_errors(&s, vec!["消込先の取引先を選んでください。".into()]).await;
    };
    let input = AssignInput {
        customer_id: Some(customer_id),
        remember_payer_name: Some(f.checked("remember")),
        ..Default::default()
    };
    let r = bank::assign(&s.app, &s.ctx, id, input).await;
    done(&s, r).await
}

/// `POST /bank/transactions/{id}/ignore`.
pub async fn ignore(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let r = bank::ignore(&s.app, &s.ctx, id).await;
    done(&s, r).await
}

/// `POST /bank/transactions/{id}/unmatch`.
pub async fn unmatch(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let r = bank::unmatch(&s.app, &s.ctx, id).await;
    done(&s, r).await
}
