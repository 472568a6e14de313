//! The accountant's day in the browser: sign in, create a customer, write an invoice with
//! two 10% lines and one 8% line (live per-rate figures and the ※ mark), issue it, record a
//! partial and then a full payment, run the 電帳法 search by amount and download the CSV.

use crate::driver::browser;
use crate::helpers::spawn_app;
use crate::{PASSWORD, user};
use fantoccini::Locator;
use invoicepilot_domain::Role;

#[tokio::test]
async fn invoice_life_cycle_in_the_browser() {
    let app = spawn_app().await;
    let Some(b) = browser(&app.address, "invoice_life_cycle").await else { return };
    let email = user(&app, "keiri@example.com", Role::Accountant).await;

    // Sign in: the dashboard.
    b.login(&email, PASSWORD).await;
    assert!(b.text("h1").await.contains("ダッシュボード"));
    b.screenshot("dashboard").await;

    // A customer.
    b.open("/customers").await;
    b.click("#new-customer").await;
    b.fill("input[name=name]", "株式会社青山商事").await;
    b.fill("input[name=name_kana]", "アオヤマショウジ").await;
    b.fill("input[name=email]", "keiri@aoyama.example.jp").await;
    b.screenshot("customer-form").await;
    b.click("#save").await;
    b.wait_for_path("/customers").await;
    assert!(b.text("#customer-list").await.contains("株式会社青山商事"));
    b.screenshot("customers").await;

    // An invoice: two 10% lines and one 8% line; the figures follow the typing.
    b.open("/invoices").await;
    b.click("#new-invoice").await;
    b.el("#customer").await.select_by_label("株式会社青山商事").await.expect("choose customer");
    let rows = [
        ("Webサイト保守", "1", "式", "12345", "10"),
        ("デザイン修正", "3", "時間", "2263", "10"),
        ("菓子詰め合わせ", "1", "箱", "4321", "8"),
    ];
    for (i, (desc, qty, unit, price, rate)) in rows.iter().enumerate() {
        let n = i + 1;
        b.fill(&format!("tr.line:nth-child({n}) input[name=description]"), desc).await;
        b.fill(&format!("tr.line:nth-child({n}) input[name=quantity]"), qty).await;
        b.fill(&format!("tr.line:nth-child({n}) input[name=unit]"), unit).await;
        b.fill(&format!("tr.line:nth-child({n}) input[name=unit_price]"), price).await;
        b.select(&format!("tr.line:nth-child({n}) select[name=tax_rate]"), rate).await;
    }
    let breakdown = b.wait_for_text("#breakdown", "8%対象").await;
    assert!(
        breakdown.contains("10%対象") && breakdown.contains("¥19,134") && breakdown.contains("¥1,913"),
        "{breakdown}"
    );
    assert!(breakdown.contains("¥4,321") && breakdown.contains("¥345"), "tax once per rate: {breakdown}");
    b.wait_for_text("#total", "¥25,713").await;
    assert!(b.text("#amount-2").await.contains("※"), "the 8% line carries the mark");
    assert!(!b.text("#amount-0").await.contains("※"));
    assert!(b.text("#totals").await.contains("※は軽減税率対象"));
    b.screenshot("invoice-editor").await;

    // Rows come and go live; the tax-inclusive switch re-prices on the server.
    b.click("#add-line").await;
    wait_rows(&b, 4).await;
    b.click("tr.line:nth-child(4) .remove-line").await;
    wait_rows(&b, 3).await;
    b.click("#prices-include-tax").await;
    b.wait_for_text("#total", "¥23,455").await;
    b.click("#prices-include-tax").await;
    b.wait_for_text("#total", "¥25,713").await;

    b.click("#save-draft").await;
    assert_eq!(b.text("#invoice-status").await, "下書き");
    assert!(b.text("#reduced-legend").await.contains("※は軽減税率対象"));
    b.screenshot("invoice-draft").await;

    // Issue: the number appears, the document is frozen.
    b.click("#issue").await;
    b.wait_for_text("#invoice-number", "I-2026-0001").await;
    assert_eq!(b.text("#invoice-status").await, "発行済");
    assert_eq!(b.text("#amount-due").await, "¥25,713");
    assert!(b.client.find(Locator::Css("#edit")).await.is_err(), "an issued invoice offers no edit");
    b.screenshot("invoice-issued").await;
    let invoice_path = b.client.current_url().await.unwrap().path().to_owned();

    // The PDF the page offers, with the browser's session; fetching it changes nothing.
    let href = b.el("#pdf-download").await.attr("href").await.unwrap().expect("pdf link");
    let resp = reqwest::Client::new()
        .get(format!("{}{href}", app.address))
        .header("cookie", b.cookie_header().await)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF-"));
    b.open(&invoice_path).await;
    assert_eq!(b.text("#invoice-status").await, "発行済");

    // A partial payment, then the rest.
    b.click("#record-payment").await;
    let prefilled = b.el("#payment-amount").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(prefilled, "25713", "the form offers the balance");
    b.fill("#payment-amount", "10,000").await;
    b.fill("input[name^=alloc_]", "10000").await;
    b.fill("input[name=payer_name]", "ｱｵﾔﾏｼﾖｳｼﾞ").await;
    b.screenshot("payment-form").await;
    b.click("#save-payment").await;
    b.wait_for_path("/payments").await;
    assert!(b.text("#payment-list").await.contains("¥10,000"));
    b.screenshot("payments").await;
    b.open(&invoice_path).await;
    assert_eq!(b.text("#invoice-status").await, "一部入金");
    assert_eq!(b.text("#balance").await, "¥15,713");
    b.screenshot("invoice-partially-paid").await;

    b.click("#record-payment").await;
    assert_eq!(b.el("#payment-amount").await.prop("value").await.unwrap().unwrap_or_default(), "15713");
    b.click("#save-payment").await;
    b.wait_for_path("/payments").await;
    b.open(&invoice_path).await;
    assert_eq!(b.text("#invoice-status").await, "入金済");
    assert_eq!(b.text("#balance").await, "¥0");
    assert!(b.text("#history").await.contains("請求書を発行"), "the audit history is on the page");
    b.screenshot("invoice-paid").await;

    // The 電帳法 search by amount range finds ours and not another invoice.
    let c = app.customer("株式会社別件").await;
    let other = app.issued(c, "2026-11-02").await;
    assert_eq!(other["number"], "I-2026-0002");
    b.open("/invoices").await;
    b.fill("input[name=total_min]", "25000").await;
    b.fill("input[name=total_max]", "26000").await;
    b.click("#search-button").await;
    // The list before the search holds our invoice too: wait for the searched page itself.
    b.wait_for_url("total_min=25000").await;
    let list = b.wait_for_text("#invoice-list", "I-2026-0001").await;
    assert!(!list.contains("I-2026-0002"), "{list}");
    b.screenshot("invoice-search").await;

    // The CSV of the same search, as the link offers it, with the browser's session.
    let href = b.el("#csv-utf8").await.attr("href").await.unwrap().expect("csv link");
    let url = if href.starts_with("http") { href } else { format!("{}{href}", app.address) };
    let resp = reqwest::Client::new().get(&url).header("cookie", b.cookie_header().await).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with BOM for Excel");
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(csv.starts_with("請求書番号,状態,請求日"), "{csv}");
    assert!(csv.contains("I-2026-0001,入金済,2026-11-30") && !csv.contains("I-2026-0002"), "{csv}");
    assert!(csv.contains(",25713,"), "{csv}");
    let cp932 = b.el("#csv-cp932").await.attr("href").await.unwrap().expect("cp932 link");
    let resp = reqwest::Client::new()
        .get(format!("{}{cp932}", app.address))
        .header("cookie", b.cookie_header().await)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"].to_str().unwrap().to_ascii_lowercase(), "text/csv; charset=shift_jis");
    let raw = resp.bytes().await.unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&raw);
    assert!(!bad && text.contains("I-2026-0001,入金済"), "{text}");

    // The remaining pages, for the record.
    for (path, name) in [
        (format!("{invoice_path}/history"), "invoice-history"),
        ("/payments/new".to_owned(), "payment-new"),
        ("/tokens".to_owned(), "tokens"),
        ("/".to_owned(), "dashboard-after"),
    ] {
        b.open(&path).await;
        b.screenshot(name).await;
    }
    b.close().await;
}

async fn wait_rows(b: &crate::driver::Browser, n: usize) {
    for _ in 0..100 {
        if b.client.find_all(Locator::Css("tr.line")).await.is_ok_and(|r| r.len() == n) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the editor never showed {n} rows");
}

#[tokio::test]
async fn owners_see_settings_and_switch_language() {
    let app = spawn_app().await;
    let Some(b) = browser(&app.address, "settings_and_language").await else { return };
    let email = user(&app, "owner@example.com", Role::Owner).await;
    b.login(&email, PASSWORD).await;

    b.open("/settings").await;
    assert_eq!(b.text("#next-number").await, "I-2026-0001");
    b.fill("#registration-number", "T7120001168422").await;
    b.fill("tr:nth-child(1) input[name=bank_code]", "0001").await;
    b.fill("tr:nth-child(1) input[name=bank_name]", "みずほ銀行").await;
    b.fill("tr:nth-child(1) input[name=branch_code]", "001").await;
    b.fill("tr:nth-child(1) input[name=branch_name]", "東京営業部").await;
    b.fill("tr:nth-child(1) input[name=account_number]", "1234567").await;
    b.fill("tr:nth-child(1) input[name=account_name_kana]", "ｶ)ﾃｽﾄ").await;
    b.click("#save-settings").await;
    b.wait_for_path("/settings").await;
    assert!(b.text("#registration-warning").await.contains("チェックデジット"), "a check-digit mismatch warns");
    assert_eq!(
        b.el("tr:nth-child(1) input[name=account_number]").await.prop("value").await.unwrap().unwrap(),
        "1234567"
    );
    b.screenshot("settings").await;

    b.open("/settings/users").await;
    assert!(b.text("#members").await.contains(&email));
    b.screenshot("users").await;

    // English for this user, on the next page and after.
    b.click("#language").await;
    b.wait_for_text("h1", "Users and roles").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/settings/users", "back where the switch was");
    b.open("/invoices").await;
    assert_eq!(b.text("h1").await, "Invoices");
    b.screenshot("invoices-english").await;
    b.click("#language").await;
    b.wait_for_text("h1", "請求書").await;
    b.close().await;
}
