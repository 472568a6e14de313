//! Stored XSS: a corpus of payloads goes into every text field through the UI forms and the
//! API, then every page is rendered — in Chromium no dialog fires and no injected element
//! or attribute exists, and no page's HTML carries a payload unescaped.

use crate::driver::{Browser, browser};
use crate::helpers::{TestApp, spawn_app};
use crate::{PASSWORD, user};
use invoicepilot_domain::Role;
use serde_json::json;

/// Script tags, event handlers, `javascript:` URLs, SVG and MathML, broken markup, htmx
/// attributes, template syntax and Unicode tricks.
pub const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>alert(1)//<</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<object data=\"javascript:alert(1)\">",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<div style=\"background:url(javascript:alert(1))\">",
    "{{7*7}}<img src=x onerror=alert(1)>",
    "${alert(1)}<b>x</b>",
    "\u{202e}<script>alert(1)</script>",
    "＜script＞alert(1)＜/script＞",
    "<img src=x onerror=&#97;lert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<video><source onerror=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "<div hx-post=\"/logout\" hx-trigger=\"load\">x</div>",
    "<template><script>alert(1)</script></template>",
    "<scr\u{200b}ipt>alert(1)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
];

/// True when a payload could change markup if printed raw.
fn is_markup(p: &str) -> bool {
    p.chars().any(|c| matches!(c, '<' | '>' | '"' | '\'' | '&'))
}

/// Stores payloads through the API in every text field it takes; returns the pages that show them.
async fn store_through_api(app: &TestApp) -> Vec<String> {
    let mut pages = vec!["/".to_owned(), "/customers".into(), "/invoices".into(), "/payments".into()];
    let mut company = app.get("/api/v1/company").await;
    let etag = company.etag().unwrap();
    let body = json!({"name": PAYLOADS[0], "address": PAYLOADS[1], "phone": "<b onclick=a()>"});
    company = app.req("PUT", "/api/v1/company", Some(body), &[("if-match", &etag)]).await;
    assert_eq!(company.status, 200, "{:?}", company.body);
    for (i, p) in PAYLOADS.iter().enumerate() {
        let r = app
            .post(
                "/api/v1/customers",
                json!({"name": p, "name_kana": p, "address": p, "email": format!("c{i}@example.com")}),
            )
            .await;
        assert_eq!(r.status, 201, "{p}: {:?}", r.body);
        let customer = r.body["id"].as_i64().unwrap();
        let unit: String = p.chars().take(20).collect();
        let r = app
            .post(
                "/api/v1/invoices",
                json!({"customer_id": customer, "issue_date": "2026-09-01", "notes": p,
                       "lines": [{"description": p, "quantity": "1", "unit": unit, "unit_price": 1000 + i as i64, "tax_rate": "8"}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{p}: {:?}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        if i % 3 == 0 {
            pages.push(format!("/invoices/{id}/edit"));
        } else {
            let r = app.req("POST", &format!("/api/v1/invoices/{id}/issue"), None, &[]).await;
            assert_eq!(r.status, 200);
            if i % 3 == 1 {
                let r = app.post(&format!("/api/v1/invoices/{id}/void"), json!({"reason": p})).await;
                assert_eq!(r.status, 200, "{:?}", r.body);
            } else {
                let r = app
                    .post(
                        "/api/v1/payments",
                        json!({"customer_id": customer, "amount": 500, "received_on": "2026-11-20", "method": "bank_transfer",
                               "payer_name": p, "reference": p}),
                    )
                    .await;
                assert_eq!(r.status, 201, "{:?}", r.body);
            }
        }
        pages.push(format!("/invoices/{id}"));
        pages.push(format!("/invoices/{id}/history"));
        pages.push(format!("/customers/{customer}/edit"));
        pages.push(format!("/payments/new?customer_id={customer}"));
    }
    pages
}

/// Stores payloads through the UI forms: customer, invoice editor, token names.
async fn store_through_ui(b: &Browser) {
    for p in &PAYLOADS[..6] {
        b.open("/customers/new").await;
        b.fill("input[name=name]", p).await;
        b.fill("input[name=address]", p).await;
        b.click("#save").await;
        b.wait_for_path("/customers").await;
        b.open("/tokens").await;
        b.fill("#create-token input[name=name]", p).await;
        b.click("#create-token button").await;
        b.el("#new-token").await;
    }
    b.open("/invoices/new").await;
    b.el("#customer").await.select_by_index(1).await.expect("a customer");
    b.fill("tr.line:nth-child(1) input[name=description]", PAYLOADS[13]).await;
    b.fill("tr.line:nth-child(1) input[name=unit]", PAYLOADS[1].chars().take(20).collect::<String>().as_str()).await;
    b.fill("tr.line:nth-child(1) input[name=unit_price]", "1000").await;
    b.fill("textarea[name=notes]", PAYLOADS[15]).await;
    b.click("#save-draft").await;
    b.el("#invoice-status").await;
}

/// In the live DOM: nothing but our own script, no inline handlers, no `javascript:` links,
/// no element carrying htmx attributes that our templates do not write.
const DOM_CHECK: &str = r#"
  const bad = [];
  document.querySelectorAll('script').forEach(s => { if (s.getAttribute('src') !== '/static/htmx.min.js') bad.push('script'); });
  document.querySelectorAll('*').forEach(e => {
    for (const a of e.attributes) {
      if (a.name.startsWith('on')) bad.push(e.tagName + ' ' + a.name);
      const url = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster'].includes(a.name);
      if (url && /^\s*javascript:/i.test(a.value)) bad.push(e.tagName + ' ' + a.name + '=javascript:');
    }
  });
  document.querySelectorAll('iframe,object,embed,svg animate,meta[http-equiv],[hx-trigger="load"]').forEach(e => bad.push(e.tagName));
  return bad;
"#;

#[tokio::test]
async fn stored_payloads_render_as_text_on_every_page() {
    let app = spawn_app().await;
    let Some(b) = browser(&app.address, "xss").await else { return };
    assert!(PAYLOADS.len() >= 30);
    let email = user(&app, "owner@example.com", Role::Owner).await;
    let mut pages = store_through_api(&app).await;
    b.login(&email, PASSWORD).await;
    store_through_ui(&b).await;
    pages.extend(["/settings", "/settings/users", "/tokens", "/invoices?q=%3Cscript%3E"].map(str::to_owned));

    let cookie = b.cookie_header().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (n, path) in pages.iter().enumerate() {
        let resp = http.get(format!("{}{path}", app.address)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        let html = resp.text().await.unwrap();
        for p in PAYLOADS.iter().filter(|p| is_markup(p)) {
            assert!(!html.contains(p), "{path} prints {p:?} unescaped");
        }
        b.open(path).await;
        assert!(!b.dialog_open().await, "a dialog fired on {path}");
        let bad = b.client.execute(DOM_CHECK, vec![]).await.expect("dom check");
        assert_eq!(bad, json!([]), "injected markup on {path}");
        if n < 12 {
            b.screenshot(&format!("page-{n}")).await;
        }
    }
    b.close().await;
}
