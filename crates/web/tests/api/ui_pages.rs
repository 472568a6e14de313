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
        invoicepilot_web::WebConfig {
            api_rate_limit: 0,
            storage_path: std::env::temp_dir(),
            app_url: None,
            trusted_proxies: vec![],
            body_deadline: invoicepilot_web::DEFAULT_BODY_DEADLINE,
        },
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

fn reset_link(sink: &invoicepilot_app::devtools::SmtpSink) -> String {
    let text = sink.received().pop().expect("a reset mail").text();
    let start = text.find("https://keiri.example.jp/reset?token=").expect("the link, built from APP_URL");
    text[start..].split(['\r', '\n', '<', '"', ' ']).next().unwrap().to_owned()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_through_a_mailed_link() {
    let sink = invoicepilot_app::devtools::SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    invoicepilot_app::accounts::create_user(&app.app, "forgot@example.com", PASSWORD, app.company_id, Role::Viewer)
        .await
        .unwrap();
    let c = browser();
    let ask = |email: &'static str| {
        c.post(format!("{}/forgot", app.address)).header("host", "evil.test").form(&[("email", email)]).send()
    };
    let known = ask("forgot@example.com").await.unwrap();
    let unknown = ask("nobody@example.com").await.unwrap();
    assert_eq!((known.status(), unknown.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap(), "the same answer for every address");
    app.drain().await;
    assert_eq!(sink.received().len(), 1, "only the known address gets mail");
    let link = reset_link(&sink);
    assert!(!link.contains("evil.test"));
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert!(token.len() >= 43, "at least 256 bits: {token}");
    assert_eq!(c.get(link.replace("https://keiri.example.jp", &app.address)).send().await.unwrap().status(), 200);

    let r = c
        .post(format!("{}/reset", app.address))
        .form(&[
            ("token", token.as_str()),
            ("password", "a brand new secret"),
            ("password_again", "a brand new secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(format!("{}/", app.address)).send().await.unwrap().status(), 200, "signed in");
    let login = |pw: &'static str| {
        browser()
            .post(format!("{}/login", app.address))
            .form(&[("email", "forgot@example.com"), ("password", pw)])
            .send()
    };
    assert_eq!(login(PASSWORD).await.unwrap().status(), 401, "the old password is gone");
    assert_eq!(login("a brand new secret").await.unwrap().status(), 303);
    // Single use.
    let again = c
        .post(format!("{}/reset", app.address))
        .form(&[
            ("token", token.as_str()),
            ("password", "yet another secret"),
            ("password_again", "yet another secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    // A second link expires after 60 minutes, checked on the final POST too.
    ask("forgot@example.com").await.unwrap();
    app.drain().await;
    let link = reset_link(&sink);
    let token = link.split("token=").nth(1).unwrap().to_owned();
    app.clock.advance(std::time::Duration::from_secs(61 * 60));
    let late = c
        .post(format!("{}/reset", app.address))
        .form(&[("token", token.as_str()), ("password", "too late a secret"), ("password_again", "too late a secret")])
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 409);
    assert_eq!(login("a brand new secret").await.unwrap().status(), 303, "nothing changed");
}

#[tokio::test]
async fn the_invoice_page_sends_mail_and_shows_the_delivery() {
    let sink = invoicepilot_app::devtools::SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    let c = signed_in(&app, "mailer@example.com", Role::Accountant).await;
    let cust = app
        .post("/api/v1/customers", serde_json::json!({"name": "株式会社青山商事", "email": "keiri@aoyama.example.jp"}))
        .await;
    let draft = app.draft(cust.body["id"].as_i64().unwrap(), "2026-11-30").await;
    let page = c.get(format!("{}/invoices/{}", app.address, draft["id"])).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("発行してメール送信") && page.contains("placeholder=\"keiri@aoyama.example.jp\""));
    let r = c
        .post(format!("{}/invoices/{}/issue-and-send", app.address, draft["id"]))
        .form(&[("version", draft["version"].to_string()), ("to", "".into()), ("cc", "boss@aoyama.example.jp".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(format!("{}/invoices/{}", app.address, draft["id"])).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("I-2026-0001") && page.contains("送信待ち"), "issued and queued together");
    app.drain().await;
    let page = c.get(format!("{}/invoices/{}", app.address, draft["id"])).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("送信済み") && page.contains("keiri@aoyama.example.jp, boss@aoyama.example.jp"), "{page}");
    assert_eq!(sink.received()[0].to, vec!["keiri@aoyama.example.jp".to_owned(), "boss@aoyama.example.jp".to_owned()]);
}

#[tokio::test]
async fn admins_see_failed_jobs_and_retry_them() {
    let sink = invoicepilot_app::devtools::SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    let admin = signed_in(&app, "admin@example.com", Role::Admin).await;
    let cust =
        app.post("/api/v1/customers", serde_json::json!({"name": "株式会社青山商事", "email": "x@example.jp"})).await;
    let inv = app.issued(cust.body["id"].as_i64().unwrap(), "2026-11-30").await;
    app.drain().await;
    sink.script([invoicepilot_app::devtools::Reply::Reject("550 5.1.1 mailbox unavailable".into())]);
    app.post(&format!("/api/v1/invoices/{}/send", inv["id"]), serde_json::json!({})).await;
    app.drain().await;
    let page = admin.get(format!("{}/queue", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("mail.send") && page.contains("550 5.1.1 mailbox unavailable"), "{page}");
    let id = page.split("/queue/failed/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    // Another company's failed job cannot be touched from here.
    let r = admin.post(format!("{}/queue/failed/999999/retry", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = admin.post(format!("{}/queue/failed/{id}/retry", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    app.drain().await;
    assert_eq!(sink.received().len(), 1, "delivered on the retry");
    let page = admin.get(format!("{}/queue", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("失敗した処理はありません。"));
    let viewer = signed_in(&app, "viewer@example.com", Role::Viewer).await;
    assert_eq!(viewer.get(format!("{}/queue", app.address)).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_bank_page_imports_a_statement_and_works_the_queue() {
    let app = spawn_app().await;
    let c = app
        .post("/api/v1/customers", serde_json::json!({"name": "株式会社青山商事", "name_kana": "アオヤマショウジ"}))
        .await;
    let customer = c.body["id"].as_i64().unwrap();
    let inv = app.issued(customer, "2026-11-01").await;
    let total = inv["total"].as_i64().unwrap();
    let ui = signed_in(&app, "keiri@example.jp", Role::Accountant).await;
    let csv = format!(
        "\u{feff}\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\",\"残高(円)\",\"メモ\"\n\
         \"2026/11/30\",\"振込＊ｱｵﾔﾏ ｹｲﾘ\",\"\",\"{total}\",\"2000000\",\"-\"\n"
    );
    let form = reqwest::multipart::Form::new()
        .text("format", "auto")
        .part("statement", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("meisai.csv"));
    let r = ui.post(format!("{}/bank/import", app.address)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("imported=1") && to.contains("suggested=1"), "{to}");
    let page = ui.get(format!("{}{to}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("1件を取り込みました"), "{page}");
    assert!(
        page.contains("ｱｵﾔﾏ ｹｲﾘ") && page.contains("金額のみ一致") && page.contains("この名義を記憶する"),
        "{page}"
    );

    // Assign it to the customer and remember the name.
    let q = app.get("/api/v1/bank-transactions?status=open").await.body;
    let id = q["items"][0]["id"].as_i64().unwrap();
    let r = ui
        .post(format!("{}/bank/transactions/{id}/assign", app.address))
        .form(&[("customer_id", customer.to_string()), ("remember", "on".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", inv["id"])).await.body["status"], "paid");
    let page = ui.get(format!("{}/bank", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("未消込の入金はありません。") && page.contains("手動で消込"), "{page}");
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=customer&target_id={customer}")).await.body;
    assert!(audit["items"].as_array().unwrap().iter().any(|a| a["action"] == "customer.payer_name_remembered"));

    // A bad file is refused with the line named, nothing imported.
    let form = reqwest::multipart::Form::new().part(
        "statement",
        reqwest::multipart::Part::bytes(
            "\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\",\"残高(円)\",\"メモ\"\n\"2026/11/31\",\"振込＊ﾀﾅｶ\",\"\",\"1\",\"2\",\"\"\n"
                .as_bytes()
                .to_vec(),
        )
        .file_name("bad.csv"),
    );
    let r = ui.post(format!("{}/bank/import", app.address)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("一部だけの取り込みはしていません") && body.contains("line 2"), "{body}");

    // A viewer sees the page without the forms.
    let viewer = signed_in(&app, "view@example.jp", Role::Viewer).await;
    let page = viewer.get(format!("{}/bank", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("statement-upload"), "{page}");
    let r = viewer.post(format!("{}/bank/transactions/{id}/unmatch", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_invoice_page_issues_credit_notes_and_starts_corrections() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let inv = app.issued(c, "2026-11-01").await;
    let id = inv["id"].as_i64().unwrap();
    let ui = signed_in(&app, "keiri@example.jp", Role::Accountant).await;
    let page = ui.get(format!("{}/invoices/{id}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"correct\"") && page.contains("id=\"credit-form\""), "{page}");

    let r = ui
        .post(format!("{}/invoices/{id}/credit-notes", app.address))
        .form(&[("kind", "discount"), ("amount", "12,000"), ("credited_on", "2026-12-01"), ("reason", "値引き")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = ui.get(format!("{}/invoices/{id}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("C-2026-0001") && page.contains("¥12,000"), "{page}");
    // Credited: no correction any more.
    assert!(!page.contains("id=\"correct\""), "{page}");
    let found = ui
        .get(format!("{}/credit-notes?credited_on_from=2026-12-01&total_max=12000", app.address))
        .send()
        .await
        .unwrap();
    assert!(found.text().await.unwrap().contains("C-2026-0001"));
    let none =
        ui.get(format!("{}/credit-notes?total_min=20000", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(!none.contains("C-2026-0001") && none.contains("返品・値引きはありません。"), "{none}");
    let note = app.get(&format!("/api/v1/credit-notes?invoice_id={id}")).await.body["items"][0]["id"].as_i64().unwrap();
    let pdf = ui.get(format!("{}/credit-notes/{note}/pdf", app.address)).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let too_much = ui
        .post(format!("{}/invoices/{id}/credit-notes", app.address))
        .form(&[("amount", "99999999")])
        .send()
        .await
        .unwrap();
    assert_eq!(too_much.status(), 422);
    assert!(too_much.text().await.unwrap().contains("残高を超えています"));

    let other = app.issued(c, "2026-11-02").await;
    let r = ui.post(format!("{}/invoices/{}/correct", app.address, other["id"])).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let edit = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(edit.ends_with("/edit"), "{edit}");
    let draft_id: i64 = edit.trim_start_matches("/invoices/").trim_end_matches("/edit").parse().unwrap();
    let draft = app.get(&format!("/api/v1/invoices/{draft_id}")).await.body;
    assert_eq!(draft["corrects_invoice_id"], other["id"]);
    let page = ui.get(format!("{}/invoices/{draft_id}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"corrects\"") && page.contains(other["number"].as_str().unwrap()), "{page}");
    let again = ui.post(format!("{}/invoices/{}/correct", app.address, other["id"])).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("修正版（下書き）がすでにあります"));
}

#[tokio::test]
async fn the_exports_page_downloads_journals_and_the_payment_register() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    app.issued(c, "2026-11-10").await;
    let ui = signed_in(&app, "view@example.jp", Role::Viewer).await;
    let page = ui.get(format!("{}/exports", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    // Today is 2026-11-30: last month by default.
    assert!(page.contains("value=\"2026-10-01\"") && page.contains("value=\"2026-10-31\""), "{page}");
    let r = ui
        .get(format!(
            "{}/exports/journal.csv?format=yayoi&kind=sales&from=2026-11-01&to=2026-11-30&encoding=cp932",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=Shift_JIS");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("yayoi_sales_20261101-20261130.csv"));
    let bytes = r.bytes().await.unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad && text.contains("株式会社青山商事"));
    let r = ui
        .get(format!("{}/exports/payments.csv?from=2026-11-01&to=2026-11-30&encoding=utf8", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = ui
        .get(format!("{}/exports/journal.csv?format=yayoi&kind=sales&from=2026-11-30&to=2026-11-01", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_quote_is_written_issued_and_accepted_into_an_invoice_in_the_ui() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let ui = signed_in(&app, "keiri@example.jp", Role::Accountant).await;
    let form = ui.get(format!("{}/quotes/new?customer_id={c}", app.address)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("id=\"quote-form\""));
    let c = c.to_string();
    let fields = [
        ("customer_id", c.as_str()),
        ("issue_date", "2026-11-20"),
        ("valid_until", "2026-12-20"),
        ("subject", "保守のお見積り"),
        ("description", "保守作業"),
        ("quantity", "2"),
        ("unit", "式"),
        ("unit_price", "30,000"),
        ("tax_rate", "10"),
        ("description", ""),
        ("quantity", "1"),
        ("unit", ""),
        ("unit_price", ""),
        ("tax_rate", "10"),
    ];
    let r = ui.post(format!("{}/quotes", app.address)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_owned();
    let page = ui.get(format!("{}{at}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("¥66,000") && page.contains("id=\"issue-quote\""), "{page}");
    let r = ui.post(format!("{}{at}/issue", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = ui.get(format!("{}{at}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Q-2026-0001") && page.contains("id=\"accept-quote\""), "{page}");
    let r = ui.post(format!("{}{at}/accept", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let invoice = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(invoice.starts_with("/invoices/"), "{invoice}");
    let page = ui.get(format!("{}{invoice}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("保守作業") && page.contains("¥66,000"), "{page}");
    let list = ui.get(format!("{}/quotes?status=accepted", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Q-2026-0001"), "{list}");
    let bad = ui
        .post(format!("{}/quotes", app.address))
        .form(&[("description", "x"), ("unit_price", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn recurring_schedules_and_summary_invoices_are_made_in_the_ui() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let ui = signed_in(&app, "keiri@example.jp", Role::Accountant).await;
    let page = ui.get(format!("{}/recurring", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"recurring-form\"") && page.contains("{YYYY}年{M}月分"), "{page}");
    let c_s = c.to_string();
    let r = ui
        .post(format!("{}/recurring", app.address))
        .form(&[
            ("customer_id", c_s.as_str()),
            ("name", "保守契約"),
            ("start_period", "2026-11"),
            ("day_of_month", "31"),
            ("interval_months", "1"),
            ("mode", "draft"),
            ("description", "{YYYY}年{M}月分 保守料"),
            ("quantity", "1"),
            ("unit", "式"),
            ("unit_price", "50000"),
            ("tax_rate", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = ui.get(format!("{}/recurring", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("保守契約") && page.contains("2026-11") && page.contains("1か月ごと・末日"), "{page}");
    let s = app.get("/api/v1/recurring-invoices").await.body["items"][0].clone();
    let r = ui.post(format!("{}/recurring/{}/toggle", app.address, s["id"])).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&format!("/api/v1/recurring-invoices/{}", s["id"])).await.body["status"], "paused");
    let bad = ui
        .post(format!("{}/recurring", app.address))
        .form(&[("customer_id", c_s.as_str()), ("day_of_month", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    // Two November drafts become one summary invoice.
    for d in ["2026-11-05", "2026-11-25"] {
        let mut body = worked_example(c, d);
        body.as_object_mut().unwrap().remove("due_date");
        assert_eq!(app.post("/api/v1/invoices", body).await.status, 201);
    }
    let r = ui
        .post(format!("{}/invoices/summary", app.address))
        .form(&[("customer_id", c_s.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_owned();
    let page = ui.get(format!("{}{at}", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("締め分（納品2件）の合計請求書です"), "{page}");
    let none = ui
        .post(format!("{}/invoices/summary", app.address))
        .form(&[("customer_id", c_s.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 400);
    assert!(none.text().await.unwrap().contains("下書きの請求書（納品分）がありません"));
}

#[tokio::test]
async fn remembered_payer_names_are_managed_on_the_customer_page() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let ui = signed_in(&app, "keiri@example.jp", Role::Accountant).await;
    let r = ui
        .post(format!("{}/customers/{c}/payer-names", app.address))
        .form(&[("name", "ｱｵﾔﾏ ｹｲﾘ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = ui.get(format!("{}/customers/{c}/edit", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("ｱｵﾔﾏ ｹｲﾘ") && page.contains("id=\"payer-names\""), "{page}");
    let id = app.get(&format!("/api/v1/customers/{c}/payer-names")).await.body[0]["id"].as_i64().unwrap();
    let r = ui.post(format!("{}/payer-names/{id}/delete", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(app.get(&format!("/api/v1/customers/{c}/payer-names")).await.body.as_array().unwrap().is_empty());
}
