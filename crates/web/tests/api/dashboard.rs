//! The dashboard's figures, computed by the database: unpaid total, aging buckets by days past
//! due, the overdue count and the oldest ten, this month's sales.

use crate::helpers::*;
use invoicepilot_app::{Ctx, dashboard};
use serde_json::{Value, json};

/// Issues the worked example (¥31,342) on `issue_date`, due on `due_date`.
async fn issued_due(t: &TestApp, c: i64, issue_date: &str, due_date: &str) -> Value {
    let mut body = worked_example(c, issue_date);
    body["due_date"] = json!(due_date);
    let d = t.post("/api/v1/invoices", body).await;
    assert_eq!(d.status, 201, "{}", d.body);
    let r = t.post(&format!("/api/v1/invoices/{}/issue", d.body["id"]), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

#[tokio::test]
async fn the_dashboard_sums_ages_and_lists_what_is_overdue() {
    // The test clock stands at 2026-11-30 (JST).
    let t = spawn_app().await;
    let c = t.customer("株式会社青山商事").await;
    let b0 = issued_due(&t, c, "2026-10-01", "2026-11-20").await; // 10 days late
    let b1 = issued_due(&t, c, "2026-09-01", "2026-10-16").await; // 45 days
    let b2 = issued_due(&t, c, "2026-08-01", "2026-09-01").await; // 90 days: still 61–90
    let b3 = issued_due(&t, c, "2026-06-01", "2026-07-01").await; // 152 days
    issued_due(&t, c, "2026-11-10", "2026-12-31").await; // not due yet
    let paid = issued_due(&t, c, "2026-06-02", "2026-07-02").await; // overdue but paid
    let total = paid["amount_due"].as_i64().unwrap();
    let r = t
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": total, "received_on": "2026-11-01", "method": "bank_transfer",
                   "allocations": [{"invoice_id": paid["id"], "amount": total}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Part of b1 is paid: only its balance ages.
    let r = t
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": 1000, "received_on": "2026-11-01", "method": "bank_transfer",
                   "allocations": [{"invoice_id": b1["id"], "amount": 1000}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    t.draft(c, "2026-11-05").await; // drafts count nowhere

    let d = dashboard::load(&t.app, &Ctx::system(t.company_id)).await.unwrap();
    let due = b0["amount_due"].as_i64().unwrap();
    assert_eq!(d.aging, [due, due - 1000, due, due]);
    assert_eq!(d.unpaid_total, 5 * due - 1000, "four overdue and one not yet due");
    assert_eq!(d.overdue_count, 4);
    let ids: Vec<i64> = d.overdue.iter().map(|o| o.id).collect();
    assert_eq!(ids, [&b3, &b2, &b1, &b0].map(|v| v["id"].as_i64().unwrap()), "oldest due first");
    assert_eq!((d.overdue[0].days, d.overdue[3].days), (152, 10));
    assert_eq!(d.month_sales, due, "only the invoice issued in November");
    assert_eq!(d.month.to_string(), "2026-11-01");
}
