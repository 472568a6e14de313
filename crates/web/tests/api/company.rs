//! Company settings and the audit chain.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn company_settings_round_trip() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/company").await;
    assert_eq!(r.status, 200);
    let c = r.body.clone();
    assert_eq!(c["time_zone"], "Asia/Tokyo");
    assert_eq!(c["tax_rounding"], "truncate");
    assert_eq!(c["fiscal_year_start_month"], 1);
    assert_eq!(c["invoice_number_format"], "I-{YYYY}-{NNNN}");
    assert_eq!(c["registration_number_valid"], true);
    assert_eq!(
        c["default_payment_terms"],
        json!({"closing_day": 31, "months_after": 1, "payment_day": 31, "holiday_rule": "next_business_day"})
    );

    assert_problem(&app.req("PUT", "/api/v1/company", Some(c.clone()), &[]).await, 428);
    // Sending back everything GET returned (read-only fields included) works.
    let mut body = c.clone();
    body["tax_rounding"] = json!("round");
    body["invoice_number_format"] = json!("INV-{FY}-{NNNNN}");
    body["fiscal_year_start_month"] = json!(4);
    body["registration_number"] = json!("T2835678256246");
    body["bank_accounts"] = json!([{"bank_code": "0001", "bank_name": "みずほ銀行", "branch_code": "001", "branch_name": "東京営業部", "account_type": "普通", "account_number": "1234567", "account_name_kana": "ｶ)ﾃｽﾄ"}]);
    let r =
        app.req("PUT", "/api/v1/company", Some(body.clone()), &[("If-Match", &format!("\"{}\"", c["version"]))]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tax_rounding"], "round");
    assert_eq!(r.body["registration_number_valid"], false);
    assert_eq!(r.body["bank_accounts"][0]["account_number"], "1234567");
    assert_problem(
        &app.req("PUT", "/api/v1/company", Some(body.clone()), &[("If-Match", &format!("\"{}\"", c["version"]))]).await,
        412,
    );

    // New settings apply: half-up rounding and the fiscal-year format.
    let cust = app.customer("A").await;
    let inv = app.issued(cust, "2026-03-31").await;
    assert_eq!(inv["tax_breakdown"][0]["tax"], 2169);
    assert_eq!(inv["number"], "INV-2025-00001");

    let mut bad = r.body.clone();
    bad["invoice_number_format"] = json!("no-sequence");
    bad["fiscal_year_start_month"] = json!(13);
    bad["time_zone"] = json!("Mars/Base");
    let v = format!("{}", r.body["version"]);
    let e = app.req("PUT", "/api/v1/company", Some(bad), &[("If-Match", &v)]).await;
    assert_problem(&e, 422);
    assert_eq!(e.body["errors"].as_array().unwrap().len(), 3);
    assert_problem(&app.req("PUT", "/api/v1/company", Some(json!({"colour": 1})), &[("If-Match", &v)]).await, 400);
    // null restores defaults.
    let r = app
        .req("PUT", "/api/v1/company", Some(json!({"tax_rounding": null, "bank_accounts": null})), &[("If-Match", &v)])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tax_rounding"], "truncate");
    assert_eq!(r.body["bank_accounts"], json!([]));
}

#[tokio::test]
async fn the_audit_chain_detects_tampering() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let c = app.customer("A").await;
    app.issued(c, "2026-11-01").await;
    let violations = invoicepilot_app::audit::verify_chain(&app.app, app.company_id).await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    let rows = app.get("/api/v1/audit-logs").await.body["items"].as_array().unwrap().len();
    assert!(rows >= 4);
    app.app
        .db
        .conn()
        .execute_unprepared("UPDATE audit_logs SET changes = '{\"forged\":true}' WHERE action = 'invoice.created'")
        .await
        .unwrap();
    let violations = invoicepilot_app::audit::verify_chain(&app.app, app.company_id).await.unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    app.app.db.conn().execute_unprepared("DELETE FROM audit_logs WHERE action = 'invoice.issued'").await.unwrap();
    let violations = invoicepilot_app::audit::verify_chain(&app.app, app.company_id).await.unwrap();
    assert!(violations.len() >= 2, "a removed row breaks the sequence: {violations:?}");
}
