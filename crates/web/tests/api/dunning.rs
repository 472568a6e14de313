//! Dunning: one reminder per (invoice, level) whatever runs twice, concurrently or after a
//! restart; holds, paid and void invoices skipped; interest stated; the scheduler takes each
//! slot once. Time moves through the clock.

use crate::helpers::*;
use invoicepilot_app::devtools::SmtpSink;
use invoicepilot_app::{App, dunning, scheduler};
use invoicepilot_store::entity::dunning_notice;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

/// An invoice of 2026-11-02 due 2026-11-30 (末締め翌月末 would be later, so an explicit date).
async fn due_invoice(app: &TestApp, customer: i64) -> i64 {
    let mut body = worked_example(customer, "2026-11-02");
    body["due_date"] = json!("2026-11-30");
    let d = app.post("/api/v1/invoices", body).await;
    assert_eq!(d.status, 201, "{:?}", d.body);
    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", d.body["id"]), None, &[]).await;
    assert_eq!(r.status, 200);
    d.body["id"].as_i64().unwrap()
}

async fn customer(app: &TestApp, name: &str, email: Option<&str>, hold: bool) -> i64 {
    let r = app.post("/api/v1/customers", json!({"name": name, "email": email, "dunning_hold": hold})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

async fn notices(app: &TestApp) -> u64 {
    dunning_notice::Entity::find().count(app.app.db.conn()).await.unwrap()
}

#[tokio::test]
async fn each_level_is_sent_once_whatever_runs_it() {
    let sink = SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    let c = customer(&app, "株式会社青山商事", Some("keiri@aoyama.example.jp"), false).await;
    let inv = due_invoice(&app, c).await;
    app.drain().await;

    // 2026-11-27 (Friday), three days before the due date: the notice.
    let s = dunning::run(&app.app, app.company_id, date("2026-11-27")).await.unwrap();
    assert_eq!((s.queued, s.already_sent), (1, 0));
    let again = dunning::run(&app.app, app.company_id, date("2026-11-27")).await.unwrap();
    assert_eq!((again.queued, again.already_sent), (0, 1), "a second run the same day sends nothing");
    // Two runs at once, and a "restarted" instance (a new App on the same database).
    let other = App::with_clock(app.app.db.clone(), app.clock.clone()).with_config(mail_to(sink.port));
    let (a, b) = tokio::join!(
        dunning::run(&app.app, app.company_id, date("2026-11-27")),
        dunning::run(&other, app.company_id, date("2026-11-27")),
    );
    assert_eq!(a.unwrap().queued + b.unwrap().queued, 0);
    assert_eq!(notices(&app).await, 1);
    app.drain().await;
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].header("Message-ID").unwrap().starts_with(&format!("<reminder-{inv}.")));

    // A week late (2026-12-07, Monday): level 2; two concurrent runs still queue one.
    let (a, b) = tokio::join!(
        dunning::run(&app.app, app.company_id, date("2026-12-07")),
        dunning::run(&other, app.company_id, date("2026-12-07")),
    );
    assert_eq!(a.unwrap().queued + b.unwrap().queued, 1);
    // Two weeks late (2026-12-14): level 3 states the interest at the legal 3%:
    // ⌊30,682 × 3% × 14 / 365⌋ = 35.
    let s = dunning::run(&app.app, app.company_id, date("2026-12-14")).await.unwrap();
    assert_eq!(s.queued, 1);
    app.drain().await;
    assert_eq!(notices(&app).await, 3);
    let got = sink.received();
    assert_eq!(got.len(), 3);
    let notice = got[0].text();
    assert!(notice.contains("お支払期日が近づいて") && !notice.contains("遅延損害金"), "{notice}");
    let third = got[2].text();
    for needle in ["督促状", "2026年11月30日", "¥30,682", "遅延損害金：¥35（年3%、14日分）"] {
        assert!(third.contains(needle), "{needle} missing from:\n{third}");
    }
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={inv}&limit=200")).await.body;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "invoice.reminder_queued").count(), 3, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "invoice.reminder_sent").count(), 3, "{actions:?}");
    let level3 = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "invoice.reminder_queued" && r["changes"]["after"]["level"] == 3)
        .unwrap();
    assert_eq!(level3["changes"]["after"]["interest"], 35);
}

#[tokio::test]
async fn paid_void_held_and_unreachable_invoices_are_skipped() {
    let sink = SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    let ok = customer(&app, "普通の取引先", Some("a@example.jp"), false).await;
    let held = customer(&app, "保留中の取引先", Some("b@example.jp"), true).await;
    let silent = customer(&app, "メールなし", None, false).await;
    let open = due_invoice(&app, ok).await;
    let paid = due_invoice(&app, ok).await;
    let void = due_invoice(&app, ok).await;
    let on_hold = due_invoice(&app, ok).await;
    due_invoice(&app, held).await;
    due_invoice(&app, silent).await;
    let r = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": ok, "amount": 30682, "received_on": "2026-11-20", "method": "bank_transfer",
                   "allocations": [{"invoice_id": paid, "amount": 30682}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = app.post(&format!("/api/v1/invoices/{void}/void"), json!({"reason": "誤発行"})).await;
    assert_eq!(r.status, 200);
    let r = app.post(&format!("/api/v1/invoices/{on_hold}/dunning-hold"), json!({"hold": true})).await;
    assert_eq!((r.status, r.body["dunning_hold"].as_bool()), (200, Some(true)));
    let s = dunning::run(&app.app, app.company_id, date("2026-12-07")).await.unwrap();
    assert_eq!((s.queued, s.skipped), (1, 2), "{s:?}");
    app.drain().await;
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].header("Message-ID").unwrap().starts_with(&format!("<reminder-{open}.")));
    // Not a business day (2026-12-05 is a Saturday; 2027-01-01 a holiday): nothing at all.
    let s = dunning::run(&app.app, app.company_id, date("2026-12-05")).await.unwrap();
    assert!(!s.business_day && s.queued == 0);
    assert!(!dunning::run(&app.app, app.company_id, date("2027-01-01")).await.unwrap().business_day);
}

#[tokio::test]
async fn the_scheduler_takes_each_slot_once() {
    // Monday 2026-12-07 09:05 in Tokyo.
    let app = spawn_app_with(Options { now: "2026-12-07T00:05:00Z", ..Options::default() }).await;
    let task = format!("dunning:{}", app.company_id);
    let first = scheduler::tick(&app.app).await.unwrap();
    assert!(first.contains(&task), "{first:?}");
    assert!(!scheduler::tick(&app.app).await.unwrap().contains(&task), "taken already");
    let restarted = App::with_clock(app.app.db.clone(), app.clock.clone());
    let (a, b) = tokio::join!(scheduler::tick(&restarted), scheduler::tick(&app.app));
    assert!(!a.unwrap().contains(&task) && !b.unwrap().contains(&task));
    // The next slot is Tuesday 09:00; at 08:59 there is none yet.
    app.clock.set("2026-12-07T23:59:00Z".parse().unwrap());
    assert!(!scheduler::tick(&app.app).await.unwrap().contains(&task));
    app.clock.set("2026-12-08T00:00:30Z".parse().unwrap());
    let (a, b) = tokio::join!(scheduler::tick(&restarted), scheduler::tick(&app.app));
    let taken = a.unwrap().iter().chain(b.unwrap().iter()).filter(|t| **t == task).count();
    assert_eq!(taken, 1, "two instances, one run");
    // The dunning jobs ran on a business day and found nothing to send.
    assert_eq!(
        app.drain().await,
        2 + 3 + 3,
        "two dunning runs, the minute's queue checks, three hourly recurring runs"
    );
}

/// A reminder goes out with its invoice attached or not at all: when the PDF cannot be read,
/// the mail waits for its next try instead of leaving without it.
#[tokio::test]
async fn a_reminder_waits_for_its_pdf_rather_than_going_without_it() {
    use invoicepilot_store::entity::job;
    let sink = SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    let c = customer(&app, "株式会社青山商事", Some("keiri@aoyama.example.jp"), false).await;
    due_invoice(&app, c).await;
    app.drain().await;
    let s = dunning::run(&app.app, app.company_id, date("2026-11-27")).await.unwrap();
    assert_eq!(s.queued, 1);

    app.app.failpoints.arm("documents.invoice_pdf", 1);
    app.drain().await;
    assert_eq!(sink.count(), 0, "no reminder went out without its invoice");
    let waiting = job::Entity::find().all(app.app.db.conn()).await.unwrap();
    assert_eq!(waiting.len(), 1, "the reminder waits for another try");
    assert!(waiting[0].errors.contains("documents.invoice_pdf"), "{waiting:?}");

    app.clock.advance(std::time::Duration::from_secs(3600));
    app.drain().await;
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].data.contains("application/pdf"), "the invoice is attached");
}
