//! UI pages over HTTP: first-run setup, company switching, token revocation, error pages
//! and htmx fragments, live editor figures.

use crate::helpers::*;
use invoicepilot_domain::Role;
use reqwest::redirect::Policy;

const PASSWORD: &str = "correct horse battery staple";

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).cookie_store(true).build().unwrap()
}

async fn signed_in(app: &TestApp, email: &str, role: Role) -> reqwest::Client {
    invoicepilot_app::accounts::create_user(&app.app, email, PASSWORD, app.company_id, role).await.unwrap();
    let c = browser();
    let r = c.post(format!("{}/login", app.address)).form(&[("email", email), ("password", PASSWORD)]).send();
    assert_eq!(r.await.unwrap().status(), 303);
    c
}

#[tokio::test]
async fn first_run_setup_creates_the_owner_once() {
    let (db, _tmp) = fresh_db().await;
    let app = invoicepilot_app::App::new(db);
    let token = invoicepilot_app::members::issue_setup_token(&app).await.unwrap().expect("no user yet");
    let state = invoicepilot_web::AppState::new(
        app.clone(),
        invoicepilot_web::WebConfig { api_rate_limit: 0, storage_path: std::env::temp_dir(), app_url: None },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(invoicepilot_web::serve(listener, state, std::future::pending()));

    let c = browser();
    assert_eq!(c.get(format!("{base}/setup?token=wrong")).send().await.unwrap().status(), 404);
    let form = c.get(format!("{base}/setup?token={token}")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let short = c
        .post(format!("{base}/setup"))
        .form(&[
            ("token", token.as_str()),
            ("company_name", "株式会社初期"),
            ("email", "o@example.com"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("パスワード"), "the message names the field");
    let done = c
        .post(format!("{base}/setup"))
        .form(&[
            ("token", token.as_str()),
            ("company_name", "株式会社初期"),
            ("registration_number", "T7120001168421"),
            ("email", "owner@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let home = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), 200, "the owner is signed in");
    let html = home.text().await.unwrap();
    assert!(html.contains("株式会社初期") && html.contains("オーナー"));
    // The token is spent and no second setup is possible.
    assert_eq!(browser().get(format!("{base}/setup?token={token}")).send().await.unwrap().status(), 404);
    assert!(invoicepilot_app::members::issue_setup_token(&app).await.unwrap().is_none());
}

#[tokio::test]
async fn a_member_of_two_companies_switches_between_them() {
    let app = spawn_app().await;
    let c = signed_in(&app, "both@example.com", Role::Accountant).await;
    let other = invoicepilot_app::company::create(&app.app, "株式会社もう一社", None).await.unwrap();
    let owner_there = invoicepilot_app::Ctx::system(other.model.id);
    invoicepilot_app::members::add(&app.app, &owner_there, "both@example.com", "", Role::Viewer).await.unwrap();
    let home = c.get(format!("{}/", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("name=\"company_id\"") && home.contains("株式会社もう一社"), "the switcher shows");
    let r = c
        .post(format!("{}/switch-company", app.address))
        .form(&[("company_id", other.model.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let home = c.get(format!("{}/", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("閲覧のみ"), "the role of the chosen company applies");
    assert_eq!(c.get(format!("{}/customers/new", app.address)).send().await.unwrap().status(), 403);
    // A company the user does not belong to cannot be chosen.
    let stranger = invoicepilot_app::company::create(&app.app, "株式会社無関係", None).await.unwrap();
    let r = c
        .post(format!("{}/switch-company", app.address))
        .form(&[("company_id", stranger.model.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_token_created_in_the_ui_works_until_revoked() {
    let app = spawn_app().await;
    let c = signed_in(&app, "dev@example.com", Role::Accountant).await;
    let page = c.post(format!("{}/tokens", app.address)).form(&[("name", "会計ソフト連携")]).send().await.unwrap();
    assert_eq!(page.status(), 201);
    let html = page.text().await.unwrap();
    let token = html.split("<code id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(app.req_as(&token, "GET", "/api/v1/customers", None, &[]).await.status, 200);
    let list = c.get(format!("{}/tokens", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("会計ソフト連携") && !list.contains(&token), "the list never shows the secret again");
    let id = list.split("/tokens/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let r = c.post(format!("{}/tokens/{id}/revoke", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.req_as(&token, "GET", "/api/v1/customers", None, &[]).await.status, 401, "revoked at once");
}

#[tokio::test]
async fn errors_are_friendly_pages_and_htmx_gets_fragments() {
    let app = spawn_app().await;
    let other = invoicepilot_app::company::create(&app.app, "株式会社他社", None).await.unwrap();
    let theirs = new_token(&app.app, other.model.id, Role::Owner, "other").await;
    let cust =
        app.req_as(&theirs, "POST", "/api/v1/customers", Some(serde_json::json!({"name": "他社の顧客"})), &[]).await;
    let foreign = app
        .req_as(
            &theirs,
            "POST",
            "/api/v1/invoices",
            Some(worked_example(cust.body["id"].as_i64().unwrap(), "2026-11-01")),
            &[],
        )
        .await;
    let c = signed_in(&app, "mine@example.com", Role::Owner).await;
    let url = format!("{}/invoices/{}", app.address, foreign.body["id"]);
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 404, "another company's invoice does not exist here");
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = r.text().await.unwrap();
    assert!(html.contains("見つかりません") && html.contains(&id), "Japanese page with the request id");
    assert!(!html.contains("他社の顧客"));
    let r = c.get(&url).header("hx-request", "true").send().await.unwrap();
    assert_eq!(r.status(), 404);
    let fragment = r.text().await.unwrap();
    assert!(fragment.starts_with("<div class=\"error\"") && !fragment.contains("<html"), "{fragment}");
    let r = c.get(format!("{}/no/such/page", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("お探しのページは見つかりませんでした"));
}

#[tokio::test]
async fn the_editor_prices_typed_lines_on_the_server() {
    let app = spawn_app().await;
    let c = signed_in(&app, "typing@example.com", Role::Accountant).await;
    let form = [
        ("customer_id", ""),
        ("description", "保守"),
        ("quantity", "1.5"),
        ("unit", "時間"),
        ("unit_price", "3,333"),
        ("tax_rate", "10"),
        ("description", "お茶"),
        ("quantity", "2"),
        ("unit", "袋"),
        ("unit_price", "１０８０"),
        ("tax_rate", "8"),
        ("description", "書きかけ"),
        ("quantity", "x"),
        ("unit", ""),
        ("unit_price", ""),
        ("tax_rate", "10"),
        ("prices_include_tax", "on"),
    ];
    let r = c.post(format!("{}/invoices/preview", app.address)).header("hx-request", "true").form(&form).send();
    let html = r.await.unwrap().text().await.unwrap();
    // 1.5 × 3,333 = 4,999.5 → 4,999 (truncate); inclusive: tax ⌊4999 × 10 / 110⌋ = 454.
    assert!(html.contains("¥4,999") && html.contains("¥454"), "{html}");
    // 2 × 1,080 = 2,160 at 8% inclusive: tax ⌊2160 × 8 / 108⌋ = 160, marked ※.
    assert!(html.contains("¥2,160 ※") && html.contains("¥160"), "{html}");
    assert!(html.contains("3行目は入力途中"), "the unfinished row is named, not priced: {html}");
    assert!(html.contains("hx-swap-oob"), "row amounts update out of band");
    let added = c
        .post(format!("{}/invoices/preview", app.address))
        .form(&[
            ("op", "add"),
            ("description", "a"),
            ("quantity", "1"),
            ("unit", "式"),
            ("unit_price", "1"),
            ("tax_rate", "10"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(added.matches("<tr class=\"line\">").count(), 2, "a row was added");
}
