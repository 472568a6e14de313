//! The messages: Japanese subject, plain text and HTML from templates embedded in the
//! binary, the invoice PDF attached, the delivery's stable Message-ID.

use super::delivery::Recipients;
use super::purpose;
use crate::App;
use crate::company;
use crate::context::Ctx;
use crate::documents;
use crate::invoices::{self, InvoiceView};
use crate::jobs::{ClaimedJob, JobError};
use askama::Template;
use invoicepilot_domain::Yen;
use invoicepilot_store::entity::delivery;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};

#[derive(Template)]
#[template(path = "mail/invoice.txt")]
struct InvoiceText<'a> {
    addressee: &'a str,
    company: &'a str,
    number: &'a str,
    amount_due: &'a str,
    due_date: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/invoice.html")]
struct InvoiceHtml<'a> {
    addressee: &'a str,
    company: &'a str,
    number: &'a str,
    amount_due: &'a str,
    due_date: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/reminder.txt")]
struct ReminderText<'a> {
    addressee: &'a str,
    company: &'a str,
    lead: &'a str,
    number: &'a str,
    issue_date: &'a str,
    due_date: &'a str,
    balance: &'a str,
    interest: Option<String>,
    rate: &'a str,
    days: i64,
    closing: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/reminder.html")]
struct ReminderHtml<'a> {
    title: &'a str,
    addressee: &'a str,
    company: &'a str,
    lead: &'a str,
    number: &'a str,
    issue_date: &'a str,
    due_date: &'a str,
    balance: &'a str,
    interest: Option<String>,
    rate: &'a str,
    days: i64,
    closing: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct ResetText<'a> {
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/password_reset.html")]
struct ResetHtml<'a> {
    link: &'a str,
}

fn render(t: &impl Template) -> Result<String, JobError> {
    t.render().map_err(|e| JobError::Permanent(format!("mail template: {e}")))
}

/// `2026-11-30` → `2026年11月30日`.
pub(crate) fn jp_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

/// The signature under every mail: the company's own, else its name, address and phone.
fn signature(c: &invoicepilot_store::entity::company::Model) -> String {
    if let Some(s) = c.email_signature.as_deref().filter(|s| !s.trim().is_empty()) {
        return s.to_owned();
    }
    [Some(c.name.clone()), c.address.clone(), c.phone.clone().map(|p| format!("TEL {p}"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
}

fn addressee(v: &InvoiceView) -> String {
    let honorific = v.customer.as_ref().and_then(|c| c["honorific"].as_str()).unwrap_or("御中");
    format!("{} {honorific}", v.customer_name)
}

fn envelope(
    from: &Mailbox,
    company_name: &str,
    d: &delivery::Model,
    subject: &str,
) -> Result<lettre::message::MessageBuilder, JobError> {
    let from = if from.name.is_some() {
        from.clone()
    } else {
        Mailbox::new(Some(company_name.to_owned()), from.email.clone())
    };
    let r: Recipients = serde_json::from_str(&d.recipients).unwrap_or_default();
    let mut b = Message::builder().from(from).subject(subject).message_id(Some(d.message_id.clone()));
    for to in &r.to {
        b = b.to(to.parse().map_err(|e| JobError::Permanent(format!("recipient {to}: {e}")))?);
    }
    for cc in &r.cc {
        b = b.cc(cc.parse().map_err(|e| JobError::Permanent(format!("recipient {cc}: {e}")))?);
    }
    Ok(b)
}

fn finish(
    b: lettre::message::MessageBuilder,
    text: String,
    html: String,
    pdf: Option<documents::Pdf>,
) -> Result<Message, JobError> {
    let body = MultiPart::alternative_plain_html(text, html);
    let built = match pdf {
        Some(p) => {
            let kind = ContentType::parse("application/pdf").map_err(|e| JobError::Permanent(e.to_string()))?;
            b.multipart(MultiPart::mixed().multipart(body).singlepart(Attachment::new(p.file_name).body(p.bytes, kind)))
        }
        None => b.multipart(body),
    };
    built.map_err(|e| JobError::Permanent(format!("building the message: {e}")))
}

/// The message of a delivery.
pub(crate) async fn message(
    app: &App,
    d: &delivery::Model,
    job: &ClaimedJob,
    from: &Mailbox,
) -> Result<Message, JobError> {
    let ctx = Ctx::system(d.company_id);
    let settings = company::load(app, d.company_id).await?;
    let c = &settings.model;
    let sig = signature(c);
    match d.purpose.as_str() {
        purpose::INVOICE => {
            let id = d.invoice_id.ok_or_else(|| JobError::Permanent("invoice mail without invoice".into()))?;
            // The stored document (stored now if the storing job has not run yet).
            documents::store_invoice_pdf(app, d.company_id, id).await?;
            let pdf = documents::invoice_pdf(app, &ctx, id).await?;
            let v = invoices::get(app, &ctx, id).await?;
            let number = v.number.clone().unwrap_or_default();
            let (who, amount, due) =
                (addressee(&v), Yen(v.amount_due).display_jp(), v.due_date.as_deref().map(jp_date).unwrap_or_default());
            let t = InvoiceText {
                addressee: &who,
                company: &c.name,
                number: &number,
                amount_due: &amount,
                due_date: &due,
                signature: &sig,
            };
            let h = InvoiceHtml {
                addressee: &who,
                company: &c.name,
                number: &number,
                amount_due: &amount,
                due_date: &due,
                signature: &sig,
            };
            let subject = format!("【請求書送付】{number} {}", c.name);
            finish(envelope(from, &c.name, d, &subject)?, render(&t)?, render(&h)?, Some(pdf))
        }
        purpose::REMINDER => {
            let id = d.invoice_id.ok_or_else(|| JobError::Permanent("reminder without invoice".into()))?;
            let level = job.payload["level"].as_i64().unwrap_or(0) as i32;
            let v = invoices::get(app, &ctx, id).await?;
            let r = crate::dunning::reminder_content(app, &settings, &v, level, d.id).await?;
            let number = v.number.clone().unwrap_or_default();
            let who = addressee(&v);
            let (issue, due, balance) = (
                jp_date(&v.issue_date),
                v.due_date.as_deref().map(jp_date).unwrap_or_default(),
                Yen(v.balance).display_jp(),
            );
            let interest = r.interest.map(|i| Yen(i).display_jp());
            let t = ReminderText {
                addressee: &who,
                company: &c.name,
                lead: &r.lead,
                number: &number,
                issue_date: &issue,
                due_date: &due,
                balance: &balance,
                interest: interest.clone(),
                rate: &r.rate_label,
                days: r.days_late,
                closing: &r.closing,
                signature: &sig,
            };
            let h = ReminderHtml {
                title: &r.title,
                addressee: &who,
                company: &c.name,
                lead: &r.lead,
                number: &number,
                issue_date: &issue,
                due_date: &due,
                balance: &balance,
                interest,
                rate: &r.rate_label,
                days: r.days_late,
                closing: &r.closing,
                signature: &sig,
            };
            let subject = format!("【{}】請求書 {number}（{}）", r.title, c.name);
            // A reminder without its invoice would be a lesser mail; a failure here is retried.
            let pdf = Some(documents::invoice_pdf(app, &ctx, id).await?);
            finish(envelope(from, &c.name, d, &subject)?, render(&t)?, render(&h)?, pdf)
        }
        purpose::PASSWORD_RESET => {
            let token =
                job.payload["token"].as_str().ok_or_else(|| JobError::Permanent("reset mail without token".into()))?;
            let base = app
                .config
                .app_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned())
                .ok_or_else(|| JobError::Permanent("APP_URL is not set; reset links need it".into()))?;
            let link = format!("{base}/reset?token={token}");
            let subject = "【InvoicePilot】パスワード再設定のご案内";
            finish(
                envelope(from, "InvoicePilot", d, subject)?,
                render(&ResetText { link: &link })?,
                render(&ResetHtml { link: &link })?,
                None,
            )
        }
        other => Err(JobError::Permanent(format!("unknown mail purpose {other}"))),
    }
}
