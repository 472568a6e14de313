//! 入金 pages: the list with reversal, and recording a payment with its allocation to the
//! customer's open invoices (oldest first when nothing is entered).

use super::failure::UiError;
use super::form::{Fields, FormFields, PathId, QueryFields};
use super::invoice_detail::method_label;
use super::invoices::{customer_choices, jp_date, parse_amount, yen};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::invoices::{self, InvoiceFilter};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::payments::{self, AllocationInput, PaymentInput, PaymentView};
use invoicepilot_app::{Actor, AppError, Ctx, idempotency};
use invoicepilot_domain::InvoiceStatus;
use rand::RngCore;
use std::collections::HashMap;

/// A row of the payment list.
pub struct PaymentRow {
    pub id: i64,
    pub received_on: String,
    pub customer: String,
    pub method: &'static str,
    pub amount: String,
    pub allocated_to: String,
    pub unallocated: String,
    pub payer_name: String,
    pub reference: String,
    pub state: &'static str,
    pub reversible: bool,
}

/// `GET /payments`.
#[derive(Template, WebTemplate)]
#[template(path = "payments.html")]
pub struct PaymentsPage {
    pub chrome: Chrome,
    pub rows: Vec<PaymentRow>,
    pub customers: Vec<(i64, String)>,
    pub customer_id: String,
    pub next_cursor: Option<String>,
    pub error: Option<String>,
}

/// An open invoice offered for allocation.
pub struct OpenInvoice {
    pub id: i64,
    pub number: String,
    pub issue_date: String,
    pub due_date: String,
    pub balance: String,
    pub balance_value: i64,
    pub overdue: bool,
    pub entered: String,
}

/// The payment form's values, as typed.
#[derive(Default)]
pub struct PaymentForm {
    pub form_key: String,
    pub customer_id: String,
    pub amount: String,
    pub received_on: String,
    pub method: String,
    pub reference: String,
    pub payer_name: String,
}

/// `GET /payments/new`.
#[derive(Template, WebTemplate)]
#[template(path = "payment_form.html")]
pub struct PaymentFormPage {
    pub chrome: Chrome,
    pub customers: Vec<(i64, String)>,
    pub f: PaymentForm,
    pub open: Vec<OpenInvoice>,
    pub methods: Vec<(&'static str, &'static str)>,
    pub errors: Vec<String>,
}

const METHODS: [&str; 4] = ["bank_transfer", "cash", "card", "other"];

async fn invoice_numbers(s: &Signed, payments: &[PaymentView]) -> Result<HashMap<i64, String>, UiError> {
    let mut ids: Vec<i64> = Vec::new();
    for p in payments {
        ids.extend(p.allocations.iter().map(|a| a.invoice_id));
    }
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for id in ids {
        let v = invoices::get(&s.app, &s.ctx, id).await?;
        out.insert(id, v.number.unwrap_or_default());
    }
    Ok(out)
}

/// `GET /payments[?customer_id=]`.
pub async fn list(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    list_page(s, &q, StatusCode::OK, None).await
}

async fn list_page(s: Signed, q: &Fields, status: StatusCode, error: Option<String>) -> Result<Response, UiError> {
    let customer_id = q.text("customer_id").and_then(|c| c.parse().ok());
    let page = payments::list(&s.app, &s.ctx, customer_id, PageRequest::parse(Some(50), q.get("cursor"))?).await?;
    let customers = customer_choices(&s.app, &s.ctx).await?;
    let numbers = invoice_numbers(&s, &page.items).await?;
    let name = |id: i64| customers.iter().find(|(c, _)| *c == id).map(|(_, n)| n.clone()).unwrap_or_default();
    let rows = page
        .items
        .iter()
        .map(|p| PaymentRow {
            id: p.id,
            received_on: jp_date(&p.received_on),
            customer: name(p.customer_id),
            method: method_label(&p.method),
            amount: yen(p.amount),
            allocated_to: p
                .allocations
                .iter()
                .map(|a| format!("{} {}", numbers.get(&a.invoice_id).cloned().unwrap_or_default(), yen(a.amount)))
                .collect::<Vec<_>>()
                .join("、"),
            unallocated: yen(p.unallocated),
            payer_name: p.payer_name.clone().unwrap_or_default(),
            reference: p.reference.clone().unwrap_or_default(),
            state: if p.reverses_payment_id.is_some() {
                "取消（反対仕訳）"
            } else if p.reversed_by_payment_id.is_some() {
                "取消済み"
            } else {
                ""
            },
            reversible: p.reverses_payment_id.is_none() && p.reversed_by_payment_id.is_none(),
        })
        .collect();
    let body = PaymentsPage {
        chrome: s.chrome.at("payments"),
        rows,
        customers,
        customer_id: q.raw("customer_id"),
        next_cursor: page.next_cursor,
        error,
    };
    Ok((status, body).into_response())
}

/// The customer's issued and partially paid invoices, oldest due first.
async fn open_invoices(s: &Signed, customer_id: i64, entered: &Fields) -> Result<Vec<OpenInvoice>, UiError> {
    let mut found = Vec::new();
    for status in [InvoiceStatus::Issued, InvoiceStatus::PartiallyPaid] {
        let filter =
            InvoiceFilter { status: Some(status.code().into()), customer_id: Some(customer_id), ..Default::default() };
        let mut cursor: Option<String> = None;
        loop {
            let p = invoices::list(&s.app, &s.ctx, filter.clone(), PageRequest::parse(Some(200), cursor.as_deref())?)
                .await?;
            found.extend(p.items);
            match p.next_cursor {
                Some(c) if found.len() < 1000 => cursor = Some(c),
                _ => break,
            }
        }
    }
    found.sort_by(|a, b| (&a.due_date, &a.issue_date, a.id).cmp(&(&b.due_date, &b.issue_date, b.id)));
    Ok(found
        .into_iter()
        .map(|v| OpenInvoice {
            entered: entered.raw(&format!("alloc_{}", v.id)),
            id: v.id,
            number: v.number.unwrap_or_default(),
            issue_date: jp_date(&v.issue_date),
            due_date: v.due_date.as_deref().map(jp_date).unwrap_or_default(),
            balance: yen(v.balance),
            balance_value: v.balance,
            overdue: v.overdue,
        })
        .collect())
}

fn new_form_key() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

async fn form_page(
    s: &Signed,
    f: PaymentForm,
    entered: &Fields,
    errors: Vec<String>,
) -> Result<PaymentFormPage, UiError> {
    let open = match f.customer_id.parse::<i64>() {
        Ok(c) => open_invoices(s, c, entered).await?,
        Err(_) => vec![],
    };
    Ok(PaymentFormPage {
        chrome: s.chrome.clone_at("payments"),
        customers: customer_choices(&s.app, &s.ctx).await?,
        f,
        open,
        methods: METHODS.iter().map(|m| (*m, method_label(m))).collect(),
        errors,
    })
}

/// `GET /payments/new[?customer_id=&invoice_id=]`: an invoice id prefills its balance.
pub async fn new(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let today = invoicepilot_app::clock::today_in(
        s.app.clock.as_ref(),
        &invoicepilot_app::company::load(&s.app, s.ctx.company_id).await?.model.time_zone,
    );
    let mut entered = Fields::default();
    let mut amount = String::new();
    if let Some(id) = q.text("invoice_id").and_then(|i| i.parse::<i64>().ok()) {
        let v = invoices::get(&s.app, &s.ctx, id).await?;
        if v.balance > 0 {
            entered.0.push((format!("alloc_{id}"), v.balance.to_string()));
            amount = v.balance.to_string();
        }
    }
    let f = PaymentForm {
        form_key: new_form_key(),
        customer_id: q.raw("customer_id"),
        amount,
        received_on: today.to_string(),
        method: "bank_transfer".into(),
        ..Default::default()
    };
    Ok(form_page(&s, f, &entered, vec![]).await?.into_response())
}

fn form_from(f: &Fields) -> PaymentForm {
    PaymentForm {
        form_key: f.raw("form_key"),
        customer_id: f.raw("customer_id"),
        amount: f.raw("amount"),
        received_on: f.raw("received_on"),
        method: f.raw("method"),
        reference: f.raw("reference"),
        payer_name: f.raw("payer_name"),
    }
}

/// The use-case input; amounts people type (`12,000`, `１２０００円`) are read as yen.
fn input_of(f: &Fields) -> Result<PaymentInput, Vec<String>> {
    let mut errors = Vec::new();
    let customer_id = f.text("customer_id").and_then(|c| c.parse().ok());
    if customer_id.is_none() {
        errors.push("取引先を選んでください。".to_owned());
    }
    let amount = match f.text("amount") {
        None => {
            errors.push("入金額を入力してください。".to_owned());
            None
        }
        Some(a) => {
            let v = parse_amount(&a);
            if v.is_none() {
                errors.push("入金額は金額（例: 10000）で入力してください。".to_owned());
            }
            v
        }
    };
    let mut allocations = Vec::new();
    for (name, value) in &f.0 {
        let Some(id) = name.strip_prefix("alloc_").and_then(|i| i.parse::<i64>().ok()) else { continue };
        if value.trim().is_empty() {
            continue;
        }
        match parse_amount(value) {
            Some(a) => allocations.push(AllocationInput { invoice_id: Some(id), amount: Some(a) }),
            None => errors.push("消込額は金額で入力してください。".to_owned()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PaymentInput {
        customer_id,
        amount,
        received_on: f.text("received_on"),
        method: f.text("method"),
        reference: f.text("reference"),
        payer_name: f.text("payer_name"),
        allocations: (!allocations.is_empty()).then_some(allocations),
    })
}

/// Form keys are stored as idempotency keys of a pseudo-token per user (negative ids never
/// collide with API tokens), so a double-clicked or resent form records the payment once.
fn form_scope(ctx: &Ctx) -> i64 {
    match ctx.actor {
        Actor::User(id) => -id,
        Actor::System => 0,
    }
}

/// `POST /payments`: records the payment once per form, then shows the list.
pub async fn create(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let input = match input_of(&f) {
        Ok(i) => i,
        Err(errors) => {
            let page = form_page(&s, form_from(&f), &f, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let key = f.raw("form_key");
    let claim = if key.is_empty() {
        None
    } else {
        let hash = idempotency::fingerprint("POST", "/payments", key.as_bytes());
        match idempotency::claim(&s.app, s.ctx.company_id, form_scope(&s.ctx), &key, &hash).await {
            Ok(idempotency::Claim::Proceed(id)) => Some(id),
            Ok(idempotency::Claim::Replay { body, .. }) => return Ok(Redirect::to(&body).into_response()),
            Err(AppError::IdempotencyInFlight) => return Ok(Redirect::to("/payments").into_response()),
            Err(e) => return Err(e.into()),
        }
    };
    let result = payments::record(&s.app, &s.ctx, input).await;
    match (result, claim) {
        (Ok(_), claim) => {
            let to = "/payments".to_owned();
            if let Some(id) = claim {
                idempotency::complete(&s.app, id, 303, &to).await?;
            }
            Ok(Redirect::to(&to).into_response())
        }
        (Err(e), claim) => {
            if let Some(id) = claim {
                idempotency::release(&s.app, id).await?;
            }
            match e {
                AppError::Validation(errs) => {
                    let page = form_page(&s, form_from(&f), &f, super::customers::messages(&errs)).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
                e => Err(e.into()),
            }
        }
    }
}

/// `POST /payments/{id}/reverse`: a linked negative payment takes the allocations back.
pub async fn reverse(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    match payments::reverse(&s.app, &s.ctx, id, None).await {
        Ok(_) => Ok(Redirect::to("/payments").into_response()),
        Err(AppError::Conflict(_)) => {
            let msg = "この入金はすでに取り消されているか、取消の記録そのものです。".to_owned();
            list_page(s, &Fields::default(), StatusCode::CONFLICT, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_come_from_the_typed_amounts() {
        let f =
            Fields::parse("customer_id=2&amount=12%2C000&received_on=2026-11-30&method=cash&alloc_5=10000&alloc_6=");
        let i = input_of(&f).unwrap();
        assert_eq!(i.amount, Some(12000));
        let a = i.allocations.unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].invoice_id, a[0].amount), (Some(5), Some(10000)));
        let f = Fields::parse("customer_id=2&amount=1000");
        assert!(input_of(&f).unwrap().allocations.is_none(), "nothing typed: oldest first");
        assert_eq!(input_of(&Fields::parse("amount=x")).unwrap_err().len(), 2);
    }
}
