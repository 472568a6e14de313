//! Bank statement import and 消込 through the API: the matching table of issue 7, the fee
//! shortfall booked both ways, duplicates, malformed files, the 未消込 queue and undo. After
//! every scenario the books balance (`check`).

use crate::helpers::*;
use serde_json::{Value, json};

/// A customer with a katakana reading and optional extra fields.
async fn customer(app: &TestApp, name: &str, kana: &str, extra: Value) -> i64 {
    let mut body = json!({"name": name, "name_kana": kana});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = app.post("/api/v1/customers", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

/// An issued one-line invoice of `price` yen before tax at `rate`.
async fn invoice(app: &TestApp, customer_id: i64, price: i64, rate: &str, date: &str) -> Value {
    let d = app
        .post(
            "/api/v1/invoices",
            json!({"customer_id": customer_id, "issue_date": date, "due_date": "2026-11-30",
                   "lines": [{"description": "業務委託", "quantity": "1", "unit": "式", "unit_price": price, "tax_rate": rate}]}),
        )
        .await;
    assert_eq!(d.status, 201, "{:?}", d.body);
    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", d.body["id"]), None, &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

/// An SBI-style CSV (UTF-8 with BOM) of incoming transfers `(date, payer, amount, memo)`.
fn sbi(rows: &[(&str, &str, i64, &str)]) -> Vec<u8> {
    let mut out = "\u{feff}\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\",\"残高(円)\",\"メモ\"\n".to_owned();
    let mut balance = 1_000_000;
    for (date, payer, amount, memo) in rows {
        balance += amount;
        out.push_str(&format!("\"{date}\",\"振込＊{payer}\",\"\",\"{amount}\",\"{balance}\",\"{memo}\"\n"));
    }
    out.into_bytes()
}

async fn import(app: &TestApp, bytes: Vec<u8>) -> Value {
    let r = app.raw("POST", "/api/v1/bank-statements?file_name=meisai.csv", bytes, Some("text/csv")).await;
    assert!(r.status == 201 || r.status == 200, "{} {:?}", r.status, r.body);
    r.body
}

fn counts(v: &Value) -> [i64; 5] {
    ["imported", "duplicates", "matched", "suggested", "unmatched"].map(|k| v[k].as_i64().unwrap_or(-1))
}

async fn get_invoice(app: &TestApp, id: &Value) -> Value {
    app.get(&format!("/api/v1/invoices/{id}")).await.body
}

async fn open_queue(app: &TestApp) -> Vec<Value> {
    app.get("/api/v1/bank-transactions?status=open").await.body["items"].as_array().cloned().unwrap_or_default()
}

/// Σ allocations ≤ Σ payments, balances add up, numbering and the audit chain hold.
async fn books_balance(app: &TestApp) {
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

#[tokio::test]
async fn exact_amount_and_legal_form_variants_are_matched_automatically() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社山田商事", "カブシキガイシャヤマダショウジ", json!({})).await;
    let inv = invoice(&app, c, 100_000, "10", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/28", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", 110_000, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    let i = get_invoice(&app, &inv["id"]).await;
    assert_eq!((i["status"].as_str(), i["balance"].as_i64()), (Some("paid"), Some(0)));
    let txns = app.get("/api/v1/bank-transactions").await.body;
    let t = &txns["items"][0];
    assert_eq!(t["status"], "matched");
    assert_eq!(t["match_reason"], "name_and_amount");
    let p = app.get(&format!("/api/v1/payments/{}", t["payment_id"])).await.body;
    assert_eq!(p["method"], "bank_transfer");
    assert_eq!(p["payer_name"], "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ");
    assert_eq!(p["allocations"], json!([{"invoice_id": inv["id"], "amount": 110_000}]));
    // The match is in the invoice's audit history.
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", inv["id"])).await.body;
    assert!(audit["items"].as_array().unwrap().iter().any(|a| a["action"] == "invoice.payment_applied"), "{audit:?}");
    books_balance(&app).await;
}

#[tokio::test]
async fn one_transfer_for_several_invoices_pays_them_all() {
    let app = spawn_app().await;
    let c = customer(&app, "合同会社さくらデザイン", "サクラデザイン", json!({})).await;
    let a = invoice(&app, c, 50_000, "10", "2026-10-01").await;
    let b = invoice(&app, c, 30_000, "10", "2026-10-15").await;
    let other = invoice(&app, c, 70_000, "10", "2026-10-20").await;
    // 55,000 + 33,000: the first two, not the third.
    let out = import(&app, sbi(&[("2026/11/30", "ﾄﾞ)ｻｸﾗﾃﾞｻﾞｲﾝ", 88_000, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &a["id"]).await["status"], "paid");
    assert_eq!(get_invoice(&app, &b["id"]).await["status"], "paid");
    assert_eq!(get_invoice(&app, &other["id"]).await["status"], "issued");
    let t = &app.get("/api/v1/bank-transactions").await.body["items"][0];
    assert_eq!(t["match_reason"], "name_and_invoice_set");
    books_balance(&app).await;
}

#[tokio::test]
async fn a_fee_shortfall_is_booked_as_a_discount_at_the_invoices_rate() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    // 8% goods: 100,000 + 8,000.
    let inv = invoice(&app, c, 100_000, "8", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/30", "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", 107_560, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    let i = get_invoice(&app, &inv["id"]).await;
    assert_eq!(
        (i["status"].as_str(), i["balance"].as_i64(), i["amount_paid"].as_i64()),
        (Some("paid"), Some(0), Some(107_560))
    );
    let t = &app.get("/api/v1/bank-transactions").await.body["items"][0];
    assert_eq!(t["match_reason"], "name_and_fee_shortfall");
    assert!(t["credit_note_id"].is_i64(), "{t:?}");
    assert!(t["fee_payment_id"].is_null());
    // The credit note: 440 at 8%, no document under ¥10,000, no number.
    let note = app.get(&format!("/api/v1/credit-notes/{}", t["credit_note_id"])).await.body;
    assert_eq!(
        (note["total"].as_i64(), note["tax_total"].as_i64(), note["subtotal"].as_i64()),
        (Some(440), Some(32), Some(408))
    );
    assert_eq!(note["document_omitted"], true);
    assert!(note["number"].is_null());
    assert_eq!(note["kind"], "transfer_fee");
    assert_eq!(note["invoice_id"], inv["id"]);
    assert_eq!(
        note["tax_breakdown"],
        json!([{"rate": "8", "taxable_amount": 408, "tax": 32, "amount_including_tax": 440}])
    );
    books_balance(&app).await;
}

#[tokio::test]
async fn a_fee_shortfall_is_booked_as_an_expense_when_the_customer_says_so() {
    let app = spawn_app().await;
    let c = customer(
        &app,
        "株式会社青山商事",
        "アオヤマショウジ",
        json!({"transfer_fee_booking": "expense", "transfer_fee_tolerance": 660}),
    )
    .await;
    let inv = invoice(&app, c, 100_000, "10", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/30", "ｱｵﾔﾏｼﾖｳｼﾞ", 109_340, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    let i = get_invoice(&app, &inv["id"]).await;
    assert_eq!((i["status"].as_str(), i["amount_paid"].as_i64()), (Some("paid"), Some(110_000)));
    let t = &app.get("/api/v1/bank-transactions").await.body["items"][0];
    let fee = app.get(&format!("/api/v1/payments/{}", t["fee_payment_id"])).await.body;
    assert_eq!((fee["method"].as_str(), fee["amount"].as_i64()), (Some("other"), Some(660)));
    books_balance(&app).await;

    // Beyond the customer's tolerance (661 short): a person decides.
    let inv2 = invoice(&app, c, 100_000, "10", "2026-11-02").await;
    let out = import(&app, sbi(&[("2026/12/01", "ｱｵﾔﾏｼﾖｳｼﾞ", 109_339, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 0, 1, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &inv2["id"]).await["status"], "issued");
}

#[tokio::test]
async fn a_name_the_bank_truncated_still_matches() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社ミナトロジスティクスサービス", "ミナトロジスティクスサービス", json!({})).await;
    let inv = invoice(&app, c, 20_000, "10", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/30", "ｶ)ﾐﾅﾄﾛｼﾞｽﾃｲｸｽｻ", 22_000, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
}

#[tokio::test]
async fn two_customers_answering_to_the_name_wait_for_a_person() {
    let app = spawn_app().await;
    let a = customer(&app, "株式会社山田商事", "ヤマダショウジ", json!({})).await;
    let b = customer(&app, "山田商事有限会社", "ヤマダショウジ", json!({})).await;
    let ia = invoice(&app, a, 10_000, "10", "2026-11-01").await;
    let ib = invoice(&app, b, 10_000, "10", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/30", "ﾔﾏﾀﾞｼﾖｳｼﾞ", 11_000, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 0, 1, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &ia["id"]).await["status"], "issued");
    assert_eq!(get_invoice(&app, &ib["id"]).await["status"], "issued");
    let q = open_queue(&app).await;
    let customers: Vec<i64> =
        q[0]["suggestions"].as_array().unwrap().iter().map(|s| s["customer_id"].as_i64().unwrap()).collect();
    assert!(customers.contains(&a) && customers.contains(&b), "{q:?}");
}

#[tokio::test]
async fn the_amount_alone_is_only_a_suggestion() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    let inv = invoice(&app, c, 10_000, "10", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/30", "ｽｽﾞｷ ｲﾁﾛｳ", 11_000, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 0, 1, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "issued");
    let q = open_queue(&app).await;
    assert_eq!(q[0]["suggestions"][0]["reason"], "amount_only");
    assert_eq!(q[0]["suggestions"][0]["allocations"][0]["invoice_id"], inv["id"]);

    // Accepting it, remembering the name: the next transfer of that payer matches alone.
    let id = q[0]["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/bank-transactions/{id}/accept"), json!({"remember_payer_name": true})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
    let next = invoice(&app, c, 20_000, "10", "2026-11-15").await;
    let out = import(&app, sbi(&[("2026/12/01", "ｽｽﾞｷ ｲﾁﾛｳ", 22_000, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &next["id"]).await["status"], "paid");
    books_balance(&app).await;
}

#[tokio::test]
async fn an_invoice_number_in_the_memo_decides_whoever_paid() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    let _older = invoice(&app, c, 10_000, "10", "2026-10-01").await;
    let inv = invoice(&app, c, 10_000, "10", "2026-11-01").await;
    let number = inv["number"].as_str().unwrap().to_owned();
    let out = import(&app, sbi(&[("2026/11/30", "ｵﾔｶﾞｲｼﾔ", 11_000, &number)])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
}

#[tokio::test]
async fn importing_a_file_or_a_transaction_twice_creates_nothing_new() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    invoice(&app, c, 10_000, "10", "2026-11-01").await;
    let rows = [("2026/11/29", "ｱｵﾔﾏｼﾖｳｼﾞ", 11_000, "-"), ("2026/11/30", "ﾀﾅｶ ﾊﾅｺ", 5_000, "-")];
    let file = sbi(&rows);
    let first = import(&app, file.clone()).await;
    assert_eq!(counts(&first), [2, 0, 1, 0, 1], "{first:?}");
    let again = app.raw("POST", "/api/v1/bank-statements", file, Some("text/csv")).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(counts(&again.body), [0, 2, 0, 0, 0]);
    // An overlapping later export: only the new movement is new.
    let mut longer = rows.to_vec();
    longer.push(("2026/12/01", "ﾀﾅｶ ﾊﾅｺ", 3_000, "-"));
    let overlap = import(&app, sbi(&longer)).await;
    assert_eq!(counts(&overlap), [1, 2, 0, 0, 1], "{overlap:?}");
    let all = app.get("/api/v1/bank-transactions").await.body;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let payments = app.get("/api/v1/payments").await.body;
    assert_eq!(payments["items"].as_array().unwrap().len(), 1);
    books_balance(&app).await;
}

#[tokio::test]
async fn a_malformed_file_is_refused_whole_with_the_line_and_field() {
    let app = spawn_app().await;
    let mut file = String::from_utf8(sbi(&[("2026/11/29", "ｱｵﾔﾏｼﾖｳｼﾞ", 11_000, "-")])).unwrap();
    file.push_str("\"2026/13/45\",\"振込＊ﾀﾅｶ\",\"\",\"1000\",\"1012000\",\"-\"\n");
    file.push_str("\"2026/11/30\",\"振込＊ﾀﾅｶ\",\"\",\"12万\",\"1013000\",\"-\"\n");
    let r = app.raw("POST", "/api/v1/bank-statements", file.into_bytes(), Some("text/csv")).await;
    assert_problem(&r, 422);
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["line[3].日付", "line[4].入金金額(円)"], "{:?}", r.body);
    assert!(app.get("/api/v1/bank-transactions").await.body["items"].as_array().unwrap().is_empty());
    assert!(app.get("/api/v1/bank-statements").await.body["items"].as_array().unwrap().is_empty());
    let unknown = app.raw("POST", "/api/v1/bank-statements", b"hello,world\n1,2\n".to_vec(), Some("text/csv")).await;
    assert_problem(&unknown, 422);
    let bad_format = app.raw("POST", "/api/v1/bank-statements?format=csv:xyz", b"x".to_vec(), None).await;
    assert_problem(&bad_format, 422);
}

/// A 200-byte 全銀協 record: N fields zero-padded left, C fields CP932 space-padded right.
fn record(fields: &[(usize, usize, &str)]) -> Vec<u8> {
    let mut r = vec![b' '; 200];
    for &(pos, len, value) in fields {
        let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(value);
        assert!(!bad && bytes.len() <= len);
        let numeric = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        let start = if numeric { pos - 1 + len - bytes.len() } else { pos - 1 };
        if numeric {
            r[pos - 1..start].fill(b'0');
        }
        r[start..start + bytes.len()].copy_from_slice(&bytes);
    }
    r
}

/// A 振込入金通知 (01) of `(reference, amount, payer, edi, cancelled)`, CR LF separated.
fn zengin01(rows: &[(&str, i64, &str, &str, bool)]) -> Vec<u8> {
    let mut recs = vec![record(&[
        (1, 1, "1"),
        (2, 2, "01"),
        (4, 1, "0"),
        (5, 6, "081201"),
        (11, 6, "081130"),
        (17, 6, "081130"),
        (23, 4, "0009"),
        (27, 15, "ﾐﾂｲｽﾐﾄﾓ"),
        (42, 3, "123"),
        (45, 15, "ﾄｳｷﾖｳ"),
        (60, 1, "1"),
        (61, 7, "7654321"),
        (68, 40, "ｶ)ﾃｽﾄ"),
    ])];
    let (mut n, mut total, mut cn, mut ctotal) = (0, 0, 0, 0);
    for (reference, amount, payer, edi, cancelled) in rows {
        let a = amount.to_string();
        recs.push(record(&[
            (1, 1, "2"),
            (2, 6, reference),
            (8, 6, "081130"),
            (14, 6, "081130"),
            (20, 10, &a),
            (30, 10, "0"),
            (50, 48, payer),
            (98, 15, "ﾐｽﾞﾎ"),
            (113, 15, "ｼﾌﾞﾔ"),
            (128, 1, if *cancelled { "1" } else { "0" }),
            (153, 20, edi),
        ]));
        if *cancelled {
            cn += 1;
            ctotal += amount;
        } else {
            n += 1;
            total += amount;
        }
    }
    let t = [n.to_string(), total.to_string(), cn.to_string(), ctotal.to_string()];
    recs.push(record(&[(1, 1, "8"), (2, 6, &t[0]), (8, 12, &t[1]), (20, 6, &t[2]), (26, 12, &t[3])]));
    recs.push(record(&[(1, 1, "9")]));
    recs.into_iter()
        .flat_map(|mut r| {
            r.extend_from_slice(b"\r\n");
            r
        })
        .collect()
}

#[tokio::test]
async fn a_zengin_transfer_notice_is_matched_and_a_cancelled_notice_is_not_a_payment() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    let tanaka = customer(&app, "田中花子", "タナカハナコ", json!({"honorific": "様"})).await;
    let inv = invoice(&app, c, 99_000, "10", "2026-11-01").await;
    let t_inv = invoice(&app, tanaka, 20_000, "10", "2026-11-01").await;
    let file = zengin01(&[
        ("000001", 108_900, "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", "", false),
        ("000002", 22_000, "ﾀﾅｶ ﾊﾅｺ", "", false),
        ("000002", 22_000, "ﾀﾅｶ ﾊﾅｺ", "", true),
    ]);
    let r = app.raw("POST", "/api/v1/bank-statements?format=zengin", file, None).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // Three records stored; the cancelled pair is neither matched nor queued.
    assert_eq!(counts(&r.body), [3, 0, 1, 0, 0], "{:?}", r.body);
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
    assert_eq!(get_invoice(&app, &t_inv["id"]).await["status"], "issued");
    let cancelled = app.get("/api/v1/bank-transactions?status=cancelled").await.body;
    assert_eq!(cancelled["items"].as_array().unwrap().len(), 2);
    let s = &app.get("/api/v1/bank-statements").await.body["items"][0];
    assert_eq!(s["format"], "zengin_01");
    assert_eq!(s["account"]["account_number"], "7654321");
    books_balance(&app).await;
}

#[tokio::test]
async fn the_queue_assigns_ignores_and_undoes() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    let a = invoice(&app, c, 10_000, "10", "2026-10-01").await;
    let b = invoice(&app, c, 10_000, "10", "2026-11-01").await;
    let out = import(
        &app,
        sbi(&[
            ("2026/11/30", "ｱｵﾔﾏ ﾀﾛｳ", 15_000, "-"),
            ("2026/11/30", "ﾘｿｸ", 12, "-"),
            ("2026/12/01", "ｱｵﾔﾏｼﾖｳｼﾞ", 10_560, "-"),
        ]),
    )
    .await;
    // 10,560 = the 11,000 of the oldest less a 440 fee; 15,000 and 12 fit nothing.
    assert_eq!(counts(&out), [3, 0, 1, 0, 2], "{out:?}");
    let q = open_queue(&app).await;
    let by_amount = |n: i64| q.iter().find(|t| t["amount"] == n).unwrap()["id"].as_i64().unwrap();

    // A person books the 15,000 to the customer (oldest open first: b, as the fee match
    // settled a) and remembers the name; the rest is kept as credit.
    let id = by_amount(15_000);
    let r = app
        .post(&format!("/api/v1/bank-transactions/{id}/assign"), json!({"customer_id": c, "remember_payer_name": true}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "matched");
    assert_eq!(r.body["match_reason"], "manual");
    let p = app.get(&format!("/api/v1/payments/{}", r.body["payment_id"])).await.body;
    assert_eq!(p["allocations"], json!([{"invoice_id": b["id"], "amount": 11_000}]));
    assert_eq!(p["unallocated"], 4_000);
    assert_eq!(get_invoice(&app, &b["id"]).await["status"], "paid");
    let twice = app.post(&format!("/api/v1/bank-transactions/{id}/assign"), json!({"customer_id": c})).await;
    assert_problem(&twice, 409);

    // Interest is no customer payment.
    let r = app.post(&format!("/api/v1/bank-transactions/{}/ignore", by_amount(12)), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(open_queue(&app).await.is_empty());

    // Undoing the automatic fee match reopens the invoice and voids the fee credit; the
    // payment itself cannot be reversed behind the match's back.
    let all = app.get("/api/v1/bank-transactions?status=matched").await.body;
    let fee_match = all["items"].as_array().unwrap().iter().find(|t| t["amount"] == 10_560).unwrap().clone();
    assert!(fee_match["credit_note_id"].is_i64());
    let direct = app.req("POST", &format!("/api/v1/payments/{}/reverse", fee_match["payment_id"]), None, &[]).await;
    assert_problem(&direct, 409);
    let r = app.post(&format!("/api/v1/bank-transactions/{}/unmatch", fee_match["id"]), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "unmatched");
    let ai = get_invoice(&app, &a["id"]).await;
    assert_eq!(
        (ai["status"].as_str(), ai["balance"].as_i64(), ai["amount_paid"].as_i64()),
        (Some("issued"), Some(11_000), Some(0))
    );
    books_balance(&app).await;

    // The remembered name now matches by itself.
    let c_inv = invoice(&app, c, 5_000, "10", "2026-11-20").await;
    let out = import(&app, sbi(&[("2026/12/02", "ｱｵﾔﾏ ﾀﾛｳ", 5_500, "-")])).await;
    assert_eq!(counts(&out), [1, 0, 1, 0, 0], "{out:?}");
    assert_eq!(get_invoice(&app, &c_inv["id"]).await["status"], "paid");
    books_balance(&app).await;
}

#[tokio::test]
async fn a_viewer_sees_the_queue_but_cannot_import() {
    let app = spawn_app().await;
    let token = new_token(&app.app, app.company_id, invoicepilot_domain::Role::Viewer, "viewer").await;
    let r = app
        .client
        .post(format!("{}/api/v1/bank-statements", app.address))
        .bearer_auth(&token)
        .body(sbi(&[("2026/11/30", "ﾀﾅｶ", 1_000, "-")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r =
        app.client.get(format!("{}/api/v1/bank-transactions", app.address)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// An 入出金取引明細 (03) of `(reference, date, in?, amount, payer, edi)`, records unseparated.
fn zengin03(rows: &[(&str, &str, bool, i64, &str, &str)]) -> Vec<u8> {
    let mut recs = vec![record(&[
        (1, 1, "1"),
        (2, 2, "03"),
        (4, 1, "0"),
        (5, 6, "081201"),
        (11, 6, "081101"),
        (17, 6, "081130"),
        (23, 4, "0005"),
        (27, 15, "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ"),
        (42, 3, "001"),
        (45, 15, "ﾎﾝﾃﾝ"),
        (60, 3, "000"),
        (63, 1, "1"),
        (64, 10, "0001234567"),
        (74, 40, "ｶ)ﾃｽﾄ"),
        (114, 1, "1"),
        (116, 14, "1000000"),
    ])];
    let (mut n_in, mut sum_in, mut n_out, mut sum_out) = (0, 0, 0, 0);
    for (reference, date, incoming, amount, payer, edi) in rows {
        let a = amount.to_string();
        recs.push(record(&[
            (1, 1, "2"),
            (2, 8, reference),
            (10, 6, date),
            (16, 6, date),
            (22, 1, if *incoming { "1" } else { "2" }),
            (23, 2, if *incoming { "11" } else { "14" }),
            (25, 12, &a),
            (37, 12, "0"),
            (82, 48, payer),
            (130, 15, "ﾕｳﾁﾖ"),
            (160, 20, if *incoming { "ﾌﾘｺﾐ" } else { "ﾔﾁﾝ" }),
            (180, 20, edi),
        ]));
        if *incoming {
            n_in += 1;
            sum_in += amount;
        } else {
            n_out += 1;
            sum_out += amount;
        }
    }
    let closing = (1_000_000 + sum_in - sum_out).to_string();
    let t = [n_in.to_string(), sum_in.to_string(), n_out.to_string(), sum_out.to_string(), (rows.len()).to_string()];
    recs.push(record(&[
        (1, 1, "8"),
        (2, 6, &t[0]),
        (8, 13, &t[1]),
        (21, 6, &t[2]),
        (27, 13, &t[3]),
        (40, 1, "1"),
        (41, 14, &closing),
        (55, 7, &t[4]),
    ]));
    recs.push(record(&[(1, 1, "9")]));
    recs.concat()
}

#[tokio::test]
async fn an_account_statement_stores_withdrawals_without_queueing_them() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    let inv = invoice(&app, c, 98_600, "10", "2026-11-01").await;
    let number = inv["number"].as_str().unwrap().to_owned();
    let file = zengin03(&[
        ("00000001", "081110", true, 220_000, "ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ", ""),
        ("00000002", "081115", false, 55_000, "", ""),
        ("00000003", "081130", true, 108_460, "ｱｵﾔﾏｼﾖｳｼﾞ", &number),
    ]);
    let r = app.raw("POST", "/api/v1/bank-statements", file, None).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(counts(&r.body), [3, 0, 1, 0, 1], "{:?}", r.body);
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
    let out = app.get("/api/v1/bank-transactions?status=outgoing").await.body;
    assert_eq!(out["items"][0]["amount"], -55_000);
    assert_eq!(app.get("/api/v1/bank-statements").await.body["items"][0]["format"], "zengin_03");
    books_balance(&app).await;
}

#[tokio::test]
async fn a_cp932_bank_csv_is_read_with_its_preset_and_japanese_intact() {
    let app = spawn_app().await;
    let c = customer(&app, "合同会社さくらデザイン", "サクラデザイン", json!({})).await;
    let inv = invoice(&app, c, 200_000, "10", "2026-11-01").await;
    let text = "\"日付\",\"摘要\",\"摘要内容\",\"支払い金額\",\"預かり金額\",\"差引残高\",\"メモ\",\"未資金化区分\",\"入払区分\"\r\n\
                \"2026/11/10\",\"振込１\",\"ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ\",\"\",\"220,000\",\"1,220,000\",\"\",\"\",\"入金\"\r\n";
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad);
    let r = app.raw("POST", "/api/v1/bank-statements?format=csv:mufg", bytes.into_owned(), Some("text/csv")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(counts(&r.body), [1, 0, 1, 0, 0], "{:?}", r.body);
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
    let t = &app.get("/api/v1/bank-transactions").await.body["items"][0];
    assert_eq!(t["payer_name"], "ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ");
    assert_eq!(app.get("/api/v1/bank-statements").await.body["items"][0]["format"], "csv:mufg");
}

#[tokio::test]
async fn remembered_payer_names_are_listed_added_and_forgotten() {
    let app = spawn_app().await;
    let c = customer(&app, "株式会社青山商事", "アオヤマショウジ", json!({})).await;
    let r = app.post(&format!("/api/v1/customers/{c}/payer-names"), json!({"name": "ｱｵﾔﾏ ｹｲﾘ(ｶ"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body[0]["name"], "ｱｵﾔﾏｹｲﾘ");
    // Once only.
    let again = app.post(&format!("/api/v1/customers/{c}/payer-names"), json!({"name": "アオヤマ　ケイリ"})).await;
    assert_eq!(again.body.as_array().unwrap().len(), 1);
    assert_problem(&app.post(&format!("/api/v1/customers/{c}/payer-names"), json!({"name": "(ｶ)"})).await, 422);
    let inv = invoice(&app, c, 10_000, "10", "2026-11-01").await;
    let out = import(&app, sbi(&[("2026/11/30", "ｱｵﾔﾏ ｹｲﾘ", 11_000, "-")])).await;
    assert_eq!(counts(&out)[2], 1, "{out:?}");
    assert_eq!(get_invoice(&app, &inv["id"]).await["status"], "paid");
    let id = r.body[0]["id"].as_i64().unwrap();
    assert_eq!(app.req("DELETE", &format!("/api/v1/payer-names/{id}"), None, &[]).await.status, 204);
    assert!(app.get(&format!("/api/v1/customers/{c}/payer-names")).await.body.as_array().unwrap().is_empty());
    assert_eq!(app.req("DELETE", &format!("/api/v1/payer-names/{id}"), None, &[]).await.status, 404);
}
