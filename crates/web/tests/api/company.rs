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

#[tokio::test]
async fn the_audit_chain_notices_rows_cut_from_its_end() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let c = app.customer("A").await;
    app.issued(c, "2026-11-01").await;
    let max: i64 = app
        .app
        .db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(app.app.db.db_backend(), "SELECT MAX(seq) AS m FROM audit_logs"))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "m")
        .unwrap();
    let sql = format!("DELETE FROM audit_logs WHERE seq = {max}");
    app.app.db.conn().execute_unprepared(&sql).await.unwrap();
    let violations = invoicepilot_app::audit::verify_chain(&app.app, app.company_id).await.unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].problem.contains("chain head"), "{violations:?}");
}

#[tokio::test]
async fn the_audit_chain_verifies_while_the_company_keeps_writing() {
    // Found by the soak test: `check` on a busy company read the rows, then a head that had
    // moved on, and reported a cut chain.
    let app = std::sync::Arc::new(spawn_app().await);
    let c = app.customer("A").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    app.issued(c, "2026-11-30").await;
                }
            })
        })
        .collect();
    for _ in 0..30 {
        let violations = invoicepilot_app::audit::verify_chain(&app.app, app.company_id).await.unwrap();
        assert!(violations.is_empty(), "{violations:?}");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
}

#[tokio::test]
async fn check_passes_on_real_data_and_finds_broken_invariants() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let a = app.issued(c, "2026-11-01").await;
    let b = app.issued(c, "2026-11-02").await;
    app.draft(c, "2026-11-03").await;
    let pay = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": 50000, "received_on": "2026-11-30", "method": "bank_transfer"}),
        )
        .await;
    app.req("POST", &format!("/api/v1/payments/{}/reverse", pay.body["id"]), None, &[]).await;
    app.post(
        "/api/v1/payments",
        json!({"customer_id": c, "amount": 1000, "received_on": "2026-11-30", "method": "cash"}),
    )
    .await;
    app.post(&format!("/api/v1/invoices/{}/void", b["id"]), json!({"reason": "x"})).await;
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.invoices, 3);
    assert_eq!(report.payments_sum, 1000);
    assert!(report.latest_audit.is_some());

    // Intentional skips recorded by set-next are explained gaps.
    invoicepilot_app::numbering::set_next(&app.app, &invoicepilot_app::Ctx::system(app.company_id), "I", "2026", 10)
        .await
        .unwrap();
    let n = app.issued(c, "2026-11-04").await;
    assert_eq!(n["number"], "I-2026-0010");
    assert!(invoicepilot_app::check::run(&app.app).await.unwrap().violations.is_empty());

    let db = app.app.db.conn();
    db.execute_unprepared(&format!(
        "UPDATE invoices SET total = total + 1, amount_due = amount_due + 1, balance = balance + 1 WHERE id = {}",
        a["id"]
    ))
    .await
    .unwrap();
    db.execute_unprepared(&format!("UPDATE invoices SET number_seq = 5 WHERE id = {}", n["id"])).await.unwrap();
    let kinds: Vec<_> =
        invoicepilot_app::check::run(&app.app).await.unwrap().violations.into_iter().map(|v| v.kind).collect();
    assert!(kinds.contains(&"tax"), "{kinds:?}");
    assert!(kinds.contains(&"numbering"), "{kinds:?}");
    db.execute_unprepared("DELETE FROM payment_allocations").await.unwrap();
    let kinds: Vec<_> =
        invoicepilot_app::check::run(&app.app).await.unwrap().violations.into_iter().map(|v| v.kind).collect();
    assert!(kinds.contains(&"allocations") && kinds.contains(&"payment"), "{kinds:?}");
}
