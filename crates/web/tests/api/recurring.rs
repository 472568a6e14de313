//! Recurring invoices: one invoice per period with its period text, however often and on
//! however many instances the run goes; a downtime is caught up with exactly the missing
//! periods.

use crate::helpers::*;
use invoicepilot_app::recurring::run_company;
use invoicepilot_store::entity::invoice;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

fn schedule(customer_id: i64, mode: &str) -> serde_json::Value {
    json!({"customer_id": customer_id, "day_of_month": 31, "start_period": "2026-11", "mode": mode,
           "notes": "{YYYY}年{M}月分のご請求です",
           "lines": [{"description": "{YYYY}年{M}月分 保守料", "quantity": "1", "unit": "式", "unit_price": 50000, "tax_rate": "10"}]})
}

async fn invoices_of(app: &TestApp, customer_id: i64) -> Vec<invoice::Model> {
    invoice::Entity::find()
        .filter(invoice::Column::CustomerId.eq(customer_id))
        .order_by_asc(invoice::Column::IssueDate)
        .all(app.app.db.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn each_period_is_billed_once_and_a_downtime_makes_exactly_the_missing_ones() {
    // 2026-11-30 10:00 in Tokyo: November's month-end billing day has begun.
    let app = spawn_app_with(Options { now: "2026-11-30T01:00:00Z", ..Options::default() }).await;
    let c = app.customer("株式会社青山商事").await;
    let s = app.post("/api/v1/recurring-invoices", schedule(c, "issue")).await;
    assert_eq!(s.status, 201, "{:?}", s.body);
    assert_eq!(s.body["next_period"], "2026-11");

    let first = run_company(&app.app, app.company_id).await.unwrap();
    assert_eq!((first.created, first.issued), (1, 1));
    let again = run_company(&app.app, app.company_id).await.unwrap();
    assert_eq!((again.created, again.issued), (0, 0), "a second run bills nothing");
    let made = invoices_of(&app, c).await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].status, "issued");
    assert_eq!(made[0].issue_date.to_string(), "2026-11-30");
    assert_eq!(made[0].notes.as_deref(), Some("2026年11月分のご請求です"));
    let v = app.get(&format!("/api/v1/invoices/{}", made[0].id)).await.body;
    assert_eq!(v["lines"][0]["description"], "2026年11月分 保守料");
    assert_eq!(app.get(&format!("/api/v1/recurring-invoices/{}", s.body["id"])).await.body["next_period"], "2026-12");

    // Down until 2027-03-05: December, January and February are due, once each, even with
    // two instances running at the same moment.
    app.clock.set("2027-03-05T00:00:00Z".parse().unwrap());
    let second = invoicepilot_app::App::with_clock(open_db(&app.db_url).await, app.clock.clone());
    let (a, b) = tokio::join!(run_company(&app.app, app.company_id), run_company(&second, app.company_id));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.created + b.created, 3, "{a:?} {b:?}");
    let made = invoices_of(&app, c).await;
    let dates: Vec<String> = made.iter().map(|i| i.issue_date.to_string()).collect();
    assert_eq!(dates, ["2026-11-30", "2026-12-31", "2027-01-31", "2027-02-28"]);
    assert!(made.iter().all(|i| i.status == "issued"), "{made:?}");
    let numbers: Vec<Option<String>> = made.iter().map(|i| i.number.clone()).collect();
    assert_eq!(numbers.iter().flatten().count(), 4);
    assert_eq!(run_company(&app.app, app.company_id).await.unwrap().created, 0);
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[tokio::test]
async fn drafts_paused_schedules_and_bad_input() {
    let app = spawn_app_with(Options { now: "2026-11-30T01:00:00Z", ..Options::default() }).await;
    let c = app.customer("株式会社青山商事").await;
    let s = app.post("/api/v1/recurring-invoices", schedule(c, "draft")).await.body;
    run_company(&app.app, app.company_id).await.unwrap();
    let made = invoices_of(&app, c).await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].status, "draft");

    // Paused: nothing more is billed.
    let mut paused = schedule(c, "draft");
    paused["status"] = json!("paused");
    paused["start_period"] = json!("2026-12");
    let etag = format!("\"{}\"", s["version"]);
    let r =
        app.req("PUT", &format!("/api/v1/recurring-invoices/{}", s["id"]), Some(paused), &[("If-Match", &etag)]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.clock.set("2027-01-05T00:00:00Z".parse().unwrap());
    assert_eq!(run_company(&app.app, app.company_id).await.unwrap().created, 0);

    for (field, bad) in [
        ("day_of_month", json!({"day_of_month": 29})),
        ("start_period", json!({"start_period": "2026-13"})),
        ("mode", json!({"mode": "weekly"})),
        ("lines", json!({"lines": []})),
        (
            "lines[0].tax_rate",
            json!({"lines": [{"description": "x", "quantity": "1", "unit": "式", "unit_price": 1, "tax_rate": "5"}]}),
        ),
    ] {
        let mut body = schedule(c, "draft");
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app.post("/api/v1/recurring-invoices", body).await;
        assert_problem(&r, 422);
        assert_eq!(r.body["errors"][0]["field"], field, "{:?}", r.body);
    }
}
