//! 合計請求書: the drafts of one closing period become one invoice whose tax is rounded
//! once per rate on the period totals (not per delivery).

use crate::helpers::*;
use serde_json::json;

async fn delivery(app: &TestApp, c: i64, date: &str, price: i64, rate: &str) -> serde_json::Value {
    let r = app
        .post(
            "/api/v1/invoices",
            json!({"customer_id": c, "issue_date": date,
                   "lines": [{"description": "納品", "quantity": "1", "unit": "式", "unit_price": price, "tax_rate": rate}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

#[tokio::test]
async fn the_drafts_of_a_closing_period_become_one_invoice_taxed_on_the_totals() {
    let app = spawn_app().await;
    // 20日締め翌月末払い.
    let c = app
        .post(
            "/api/v1/customers",
            json!({"name": "株式会社青山商事", "payment_terms": {"closing_day": 20, "months_after": 1, "payment_day": 31, "holiday_rule": "none"}}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    // Three 8% deliveries of 1,005 yen: per delivery ⌊80.4⌋ = 80 each (240); on the total
    // ⌊3,015 × 8 %⌋ = 241.
    let a = delivery(&app, c, "2026-10-21", 1_005, "8").await;
    delivery(&app, c, "2026-11-05", 1_005, "8").await;
    delivery(&app, c, "2026-11-20", 1_005, "8").await;
    let outside = delivery(&app, c, "2026-11-21", 5_000, "10").await;
    let r = app
        .post("/api/v1/invoices/summary", json!({"customer_id": c, "closing_date": "2026-11-20", "issue": true}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let s = &r.body;
    assert_eq!(s["status"], "issued");
    assert_eq!(s["issue_date"], "2026-11-20");
    assert_eq!(s["due_date"], "2026-12-31");
    assert_eq!(s["lines"].as_array().unwrap().len(), 3);
    assert_eq!(s["lines"][0]["description"], "10/21 納品");
    assert_eq!(
        s["tax_breakdown"],
        json!([{"rate": "8", "taxable_amount": 3_015, "tax": 241, "amount_including_tax": 3_256}])
    );
    assert!(s["notes"].as_str().unwrap().contains("2026年10月21日〜2026年11月20日締め分（納品3件）"), "{s:?}");
    // The period's drafts are consumed; the next period's stays.
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", a["id"])).await.status, 404);
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", outside["id"])).await.body["status"], "draft");
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", a["id"])).await.body;
    assert_eq!(audit["items"][0]["action"], "invoice.summarized");
    assert_eq!(audit["items"][0]["changes"]["into_invoice_id"], s["id"]);
    // Nothing left in that period.
    let again = app.post("/api/v1/invoices/summary", json!({"customer_id": c, "closing_date": "2026-11-20"})).await;
    assert_problem(&again, 422);
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[tokio::test]
async fn the_default_period_is_the_last_closing_and_mixed_pricing_is_refused() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    // Today is 2026-11-30 (month-end closing): November.
    delivery(&app, c, "2026-11-02", 10_000, "10").await;
    let mut inclusive = worked_example(c, "2026-11-03");
    inclusive["prices_include_tax"] = json!(true);
    inclusive.as_object_mut().unwrap().remove("due_date");
    assert_eq!(app.post("/api/v1/invoices", inclusive).await.status, 201);
    let r = app.post("/api/v1/invoices/summary", json!({"customer_id": c})).await;
    assert_problem(&r, 422);
    assert_problem(&app.post("/api/v1/invoices/summary", json!({})).await, 422);
}
