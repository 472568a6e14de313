//! Credit notes (適格返還請求書): numbered from ¥10,000 in their own gapless series,
//! recorded without a document below it, divided over the invoice's rates, reducing the
//! balance, searchable, and printed with every item the rules require.

use crate::helpers::*;
use serde_json::{Value, json};

async fn issued(app: &TestApp) -> Value {
    let c = app.customer("株式会社青山商事").await;
    app.issued(c, "2026-11-01").await
}

async fn credit(app: &TestApp, invoice: &Value, body: Value) -> Resp {
    app.post(&format!("/api/v1/invoices/{}/credit-notes", invoice["id"]), body).await
}

#[tokio::test]
async fn a_credit_note_of_ten_thousand_yen_or_more_is_numbered_and_lowers_the_balance() {
    let app = spawn_app().await;
    let inv = issued(&app).await;
    let balance = inv["balance"].as_i64().unwrap();
    let r = credit(
        &app,
        &inv,
        json!({"kind": "discount", "amount": 11_000, "credited_on": "2026-12-01", "reason": "品質不良による値引き"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["number"], "C-2026-0001");
    assert_eq!(r.body["document_omitted"], false);
    assert_eq!(r.body["original_sale_date"], "2026-11-01");
    assert_eq!(r.body["total"], 11_000);
    let parts: i64 =
        r.body["tax_breakdown"].as_array().unwrap().iter().map(|p| p["amount_including_tax"].as_i64().unwrap()).sum();
    assert_eq!(parts, 11_000);
    // The worked example has 10% and 8% lines: the discount is divided over both.
    assert_eq!(r.body["tax_breakdown"].as_array().unwrap().len(), 2, "{:?}", r.body);
    let after = app.get(&format!("/api/v1/invoices/{}", inv["id"])).await.body;
    assert_eq!(after["balance"].as_i64(), Some(balance - 11_000));
    assert_eq!(after["status"], "issued");

    // Under ¥10,000: recorded, no number, and the series stays gapless.
    let small = credit(&app, &inv, json!({"amount": 500, "credited_on": "2026-12-02"})).await;
    assert_eq!(small.status, 201, "{:?}", small.body);
    assert!(small.body["number"].is_null());
    assert_eq!(small.body["document_omitted"], true);
    let next = credit(&app, &inv, json!({"amount": 10_000, "credited_on": "2026-12-03"})).await;
    assert_eq!(next.body["number"], "C-2026-0002");
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    // A credited sale cannot be voided away from under its credit notes.
    let void = app.post(&format!("/api/v1/invoices/{}/void", inv["id"]), json!({"reason": "誤り"})).await;
    assert_problem(&void, 409);

    // The invoice's audit history carries the links.
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", inv["id"])).await.body;
    let credited: Vec<&Value> =
        audit["items"].as_array().unwrap().iter().filter(|a| a["action"] == "invoice.credited").collect();
    assert_eq!(credited.len(), 3);
    assert_eq!(credited.iter().filter(|a| a["changes"]["credit_note_id"] == r.body["id"]).count(), 1);
}

#[tokio::test]
async fn returned_lines_are_priced_like_the_invoice_and_must_fit() {
    let app = spawn_app().await;
    let inv = issued(&app).await;
    let r = credit(
        &app,
        &inv,
        json!({"kind": "return", "reason": "返品", "lines": [
            {"description": "コーヒー豆（返品）", "quantity": "2", "unit": "袋", "unit_price": 1_250, "tax_rate": "8"}]}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // 2,500 at 8%, tax-exclusive: 2,500 + ⌊200⌋.
    assert_eq!(
        r.body["tax_breakdown"],
        json!([{"rate": "8", "taxable_amount": 2_500, "tax": 200, "amount_including_tax": 2_700}])
    );
    assert_eq!(r.body["lines"][0]["amount"], 2_500);
    assert_eq!(r.body["kind"], "return");

    let wrong_rate = credit(
        &app,
        &inv,
        json!({"lines": [{"description": "x", "quantity": "1", "unit": "式", "unit_price": 100, "tax_rate": "0"}]}),
    )
    .await;
    assert_problem(&wrong_rate, 422);
    assert_eq!(wrong_rate.body["errors"][0]["field"], "lines[0].tax_rate");
    let too_much = credit(&app, &inv, json!({"amount": inv["total"].as_i64().unwrap()})).await;
    assert_problem(&too_much, 422);
    assert_problem(&credit(&app, &inv, json!({})).await, 422);
    assert_problem(&credit(&app, &inv, json!({"amount": 100, "lines": []})).await, 422);
    assert_problem(&credit(&app, &inv, json!({"amount": 100, "credited_on": "2026-10-31"})).await, 422);
    assert_problem(&credit(&app, &inv, json!({"amount": 100, "kind": "transfer_fee"})).await, 422);
    let c = app.customer("下書きの取引先").await;
    let draft = app.draft(c, "2026-11-01").await;
    assert_problem(&credit(&app, &draft, json!({"amount": 100})).await, 409);
}

#[tokio::test]
async fn credit_notes_are_found_by_date_amount_and_counterparty() {
    let app = spawn_app().await;
    let inv = issued(&app).await;
    let a = credit(&app, &inv, json!({"amount": 12_000, "credited_on": "2026-11-20"})).await.body;
    let b = credit(&app, &inv, json!({"amount": 800, "credited_on": "2026-12-05"})).await.body;
    let ids =
        |v: Value| -> Vec<i64> { v["items"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect() };
    let find = |q: String| {
        let app = &app;
        async move { ids(app.get(&format!("/api/v1/credit-notes?{q}")).await.body) }
    };
    assert_eq!(find(String::new()).await, [b["id"].as_i64().unwrap(), a["id"].as_i64().unwrap()]);
    assert_eq!(find("credited_on_from=2026-12-01".into()).await, [b["id"].as_i64().unwrap()]);
    assert_eq!(find("total_min=10000&credited_on_to=2026-11-30".into()).await, [a["id"].as_i64().unwrap()]);
    assert_eq!(find(format!("customer_id={}&total_max=1000", inv["customer_id"])).await, [b["id"].as_i64().unwrap()]);
    assert_eq!(find(format!("invoice_id={}", inv["id"])).await.len(), 2);
    assert_problem(&app.get("/api/v1/credit-notes?credited_on_from=2026-13-01").await, 422);
}

#[tokio::test]
async fn the_credit_note_pdf_states_every_required_item() {
    let app = spawn_app().await;
    let inv = issued(&app).await;
    let note =
        credit(&app, &inv, json!({"amount": 11_000, "credited_on": "2026-12-01", "reason": "数量不足分の値引き"}))
            .await
            .body;
    let r = app
        .client
        .get(format!("{}/api/v1/credit-notes/{}/pdf", app.address, note["id"]))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap().to_vec();
    let Some(t) = crate::pdf::text(&bytes) else { return };
    let number = inv["number"].as_str().unwrap();
    for needle in [
        "返還インボイス",
        "適格返還請求書",
        "株式会社テスト",
        "T7120001168421",
        "C-2026-0001",
        "2026年12月1日",
        "2026年11月1日",
        number,
        "数量不足分の値引き",
        "10%",
        "8%",
        "軽減税率",
    ] {
        assert!(t.contains(needle), "the credit note lacks {needle:?}:\n{t}");
    }
    for rate in note["tax_breakdown"].as_array().unwrap() {
        let tax = rate["tax"].as_i64().unwrap();
        let shown = invoicepilot_domain::Yen(tax).display_jp();
        assert!(t.contains(shown.trim_start_matches('¥')), "tax {shown} missing:\n{t}");
    }
}
