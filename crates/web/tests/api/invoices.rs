//! Invoice lifecycle through the API.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn worked_example_totals_and_issue() {
    let app = spawn_app().await;
    let c = app.customer("株式会社サンプル").await;
    let d = app.draft(c, "2026-04-30").await;
    assert_eq!(d["status"], "draft");
    assert_eq!(d["number"], json!(null));
    assert_eq!(d["currency"], "JPY");
    assert_eq!(d["subtotal"], 28009);
    assert_eq!(d["tax_total"], 2673);
    assert_eq!(d["total"], 30682);
    assert_eq!(d["amount_due"], 30682);
    assert_eq!(
        d["tax_breakdown"],
        json!([
            {"rate": "10", "taxable_amount": 21689, "tax": 2168, "amount_including_tax": 23857},
            {"rate": "8", "taxable_amount": 6320, "tax": 505, "amount_including_tax": 6825}
        ])
    );
    assert_eq!(d["lines"][1]["amount"], 6789);
    // 月末締め翌月末払い: 2026-05-31 is a Sunday → next business day.
    assert_eq!(d["due_date"], "2026-06-01");

    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", d["id"]), None, &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["number"], "I-2026-0001");
    assert_eq!(r.body["status"], "issued");
    assert_eq!(r.body["issue_date"], "2026-04-30");
    assert_eq!(r.body["issuer"]["registration_number"], "T7120001168421");
    assert_eq!(r.body["customer"]["name"], "株式会社サンプル");
    assert!(r.body["issued_at"].is_string());
    assert_eq!(r.etag().as_deref(), Some(&*format!("\"{}\"", r.body["version"])));
    // The due date has passed (today is 2026-11-30) with the whole amount open.
    assert_eq!(r.body["overdue"], true);

    let again = app.req("POST", &format!("/api/v1/invoices/{}/issue", d["id"]), None, &[]).await;
    assert_problem(&again, 409);

    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", d["id"])).await;
    assert_eq!(audit.status, 200);
    let actions: Vec<_> =
        audit.body["items"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["invoice.issued", "invoice.created"]);
    // The PDF is stored by the job the issue enqueued.
    app.drain().await;
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", d["id"])).await;
    assert_eq!(audit.body["items"][0]["action"], "invoice.pdf_stored");
}

#[tokio::test]
async fn issued_invoices_are_immutable() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let inv = app.issued(c, "2026-11-01").await;
    let path = format!("/api/v1/invoices/{}", inv["id"]);
    let v = format!("\"{}\"", inv["version"]);
    let put = app.req("PUT", &path, Some(worked_example(c, "2026-11-01")), &[("If-Match", &v)]).await;
    assert_problem(&put, 409);
    let put = app.req("PUT", &path, Some(worked_example(c, "2026-11-01")), &[]).await;
    assert_problem(&put, 409);
    let del = app.req("DELETE", &path, None, &[("If-Match", &v)]).await;
    assert_problem(&del, 409);
    let after = app.get(&path).await;
    assert_eq!(after.body["total"], inv["total"]);
    assert_eq!(after.body["version"], inv["version"]);
}

#[tokio::test]
async fn drafts_need_if_match_and_detect_stale_versions() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let d = app.draft(c, "2026-11-01").await;
    let path = format!("/api/v1/invoices/{}", d["id"]);
    let mut body = worked_example(c, "2026-11-02");
    body["notes"] = json!("振込手数料は貴社負担でお願いします");

    assert_problem(&app.req("PUT", &path, Some(body.clone()), &[]).await, 428);
    let ok = app.req("PUT", &path, Some(body.clone()), &[("If-Match", "\"1\"")]).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["version"], 2);
    assert_eq!(ok.etag().as_deref(), Some("\"2\""));
    assert_eq!(ok.body["notes"], "振込手数料は貴社負担でお願いします");
    assert_eq!(ok.body["issue_date"], "2026-11-02");

    let stale = app.req("PUT", &path, Some(body.clone()), &[("If-Match", "1")]).await;
    assert_problem(&stale, 412);
    assert_eq!(stale.body["current_version"], 2);

    assert_problem(&app.req("DELETE", &path, None, &[]).await, 428);
    assert_problem(&app.req("DELETE", &path, None, &[("If-Match", "\"1\"")]).await, 412);
    let del = app.req("DELETE", &path, None, &[("If-Match", "2")]).await;
    assert_eq!(del.status, 204);
    assert_problem(&app.get(&path).await, 404);
}

#[tokio::test]
async fn issuing_needs_lines() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let r = app.post("/api/v1/invoices", json!({"customer_id": c, "lines": []})).await;
    assert_eq!(r.status, 201);
    let issue = app.req("POST", &format!("/api/v1/invoices/{}/issue", r.body["id"]), None, &[]).await;
    assert_problem(&issue, 409);
}

#[tokio::test]
async fn inclusive_prices_and_withholding() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let r = app
        .post(
            "/api/v1/invoices",
            json!({"customer_id": c, "issue_date": "2026-11-01", "prices_include_tax": true, "lines": [
                {"description": "a", "quantity": "1", "unit": "式", "unit_price": 23857, "tax_rate": "10"},
                {"description": "b", "quantity": "1", "unit": "式", "unit_price": 6825, "tax_rate": "8"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["tax_breakdown"][0]["tax"], 2168);
    assert_eq!(r.body["tax_breakdown"][0]["taxable_amount"], 23857 - 2168);
    assert_eq!(r.body["tax_breakdown"][1]["tax"], 505);
    assert_eq!(r.body["total"], 23857 + 6825);

    let r = app
        .post(
            "/api/v1/invoices",
            json!({"customer_id": c, "issue_date": "2026-11-01", "withholding": true, "lines": [
                {"description": "原稿料", "quantity": "1", "unit": "式", "unit_price": 150000, "tax_rate": "10"}]}),
        )
        .await;
    assert_eq!(r.body["total"], 165000);
    assert_eq!(r.body["withholding_tax"], 15315);
    assert_eq!(r.body["amount_due"], 149685);
    assert_eq!(r.body["balance"], 149685);
}

#[tokio::test]
async fn due_dates_follow_customer_terms() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/customers",
            json!({"name": "二十日締め", "payment_terms": {"closing_day": 20, "months_after": 1, "payment_day": 10, "holiday_rule": "previous_business_day"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let c = r.body["id"].as_i64().unwrap();
    // Closes 2026-12-20; 2027-01-10 is Sunday and 1/11 成人の日 → previous business day 1/8.
    let d = app.draft(c, "2026-12-05").await;
    assert_eq!(d["due_date"], "2027-01-08");
    // An explicit due date wins.
    let mut body = worked_example(c, "2026-12-05");
    body["due_date"] = json!("2026-12-25");
    let r = app.post("/api/v1/invoices", body).await;
    assert_eq!(r.body["due_date"], "2026-12-25");
}

#[tokio::test]
async fn numbers_roll_over_with_the_issue_date_in_the_company_time_zone() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let a = app.issued(c, "2026-12-31").await;
    assert_eq!(a["number"], "I-2026-0001");
    // 2026-12-31T15:30Z is already 2027-01-01 in Tokyo: the default issue date is JST's.
    app.clock.set("2026-12-31T15:30:00Z".parse().unwrap());
    let mut body = worked_example(c, "x");
    body.as_object_mut().unwrap().remove("issue_date");
    let d = app.post("/api/v1/invoices", body).await;
    assert_eq!(d.body["issue_date"], "2027-01-01");
    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", d.body["id"]), None, &[]).await;
    assert_eq!(r.body["number"], "I-2027-0001");
    let b = app.issued(c, "2026-12-30").await;
    assert_eq!(b["number"], "I-2026-0002");
}

#[tokio::test]
async fn void_keeps_the_number() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let inv = app.issued(c, "2026-11-01").await;
    let path = format!("/api/v1/invoices/{}/void", inv["id"]);
    assert_problem(&app.post(&path, json!({})).await, 422);
    let r = app.post(&path, json!({"reason": "二重発行のため"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "void");
    assert_eq!(r.body["number"], inv["number"]);
    assert_eq!(r.body["void_reason"], "二重発行のため");
    assert_problem(&app.post(&path, json!({"reason": "again"})).await, 409);
    // The next invoice does not reuse the number.
    let next = app.issued(c, "2026-11-02").await;
    assert_eq!(next["number"], "I-2026-0002");
}

#[tokio::test]
async fn list_filters_combine() {
    let app = spawn_app().await;
    let a = app.customer("青山商事").await;
    let b = app.customer("Bravo").await;
    let i1 = app.issued(a, "2026-01-15").await;
    let _i2 = app.issued(b, "2026-06-15").await;
    let d3 = app
        .post(
            "/api/v1/invoices",
            json!({"customer_id": a, "issue_date": "2026-11-20", "lines": [
                {"description": "x", "quantity": "1", "unit": "式", "unit_price": 500000, "tax_rate": "10"}]}),
        )
        .await;
    let count = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        async move {
            let r = app.get(&format!("/api/v1/invoices?{q}")).await;
            assert_eq!(r.status, 200, "{q}: {:?}", r.body);
            r.body["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("").await, 3);
    assert_eq!(count("status=draft").await, 1);
    assert_eq!(count("status=issued").await, 2);
    assert_eq!(count(&format!("customer_id={a}")).await, 2);
    assert_eq!(count("issue_date_from=2026-06-01&issue_date_to=2026-12-31").await, 2);
    assert_eq!(count("total_min=100000").await, 1);
    assert_eq!(count("total_max=40000&issue_date_from=2026-01-01").await, 2);
    assert_eq!(count(&format!("customer_id={a}&total_min=100000&issue_date_from=2026-11-01")).await, 1);
    assert_eq!(count("overdue=true").await, 2);
    assert_eq!(count("overdue=false").await, 1);
    assert_eq!(count("q=%E9%9D%92%E5%B1%B1").await, 2);
    assert_eq!(count(&format!("q={}", i1["number"].as_str().unwrap())).await, 1);
    assert_eq!(count("q=bravo").await, 1);
    assert_eq!(d3.body["status"], "draft");
    assert_problem(&app.get("/api/v1/invoices?status=bogus").await, 422);
    assert_problem(&app.get("/api/v1/invoices?issue_date_from=2026-13-01").await, 422);
}

#[tokio::test]
async fn pagination_walks_every_row_once() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    for _ in 0..7 {
        app.draft(c, "2026-11-01").await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/invoices?limit=3&cursor={c}"),
            None => "/api/v1/invoices?limit=3".into(),
        };
        let r = app.get(&path).await;
        for i in r.body["items"].as_array().unwrap() {
            seen.push(i["id"].as_i64().unwrap());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 7);
    assert_problem(&app.get("/api/v1/invoices?limit=500").await, 422);
    assert_problem(&app.get("/api/v1/invoices?cursor=garbage").await, 422);
}
