//! Accounting exports open in a CSV reader with the columns each software expects, CP932
//! round-trips Japanese text, and a name that looks like a formula stays text.

use crate::helpers::*;
use serde_json::json;

async fn download(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.client.get(format!("{}{path}", app.address)).bearer_auth(&app.token).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

fn records(bytes: &[u8], cp932: bool) -> Vec<Vec<String>> {
    let text = if cp932 {
        let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
        assert!(!bad, "valid CP932");
        t.into_owned()
    } else {
        String::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).expect("a BOM").to_vec()).unwrap()
    };
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(false).from_reader(text.as_bytes());
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

async fn books(app: &TestApp) -> (serde_json::Value, serde_json::Value) {
    let c = app.post("/api/v1/customers", json!({"name": "=HYPERLINK(\"evil\")", "name_kana": "イービル"})).await.body
        ["id"]
        .as_i64()
        .unwrap();
    let aoyama = app.customer("株式会社青山商事").await;
    let inv = app.issued(aoyama, "2026-11-10").await;
    app.issued(c, "2026-11-12").await;
    let total = inv["total"].as_i64().unwrap();
    let p = app
        .post("/api/v1/payments", json!({"customer_id": aoyama, "amount": total, "received_on": "2026-11-25", "method": "bank_transfer", "payer_name": "ｱｵﾔﾏｼﾖｳｼﾞ"}))
        .await
        .body;
    app.req("POST", &format!("/api/v1/payments/{}/reverse", p["id"]), None, &[]).await;
    (inv, p)
}

#[tokio::test]
async fn yayoi_journals_round_trip_in_cp932_with_one_entry_per_rate() {
    let app = spawn_app().await;
    let (inv, _) = books(&app).await;
    let (status, ct, bytes) =
        download(&app, "/api/v1/exports/journal?format=yayoi&kind=sales&from=2026-11-01&to=2026-11-30&encoding=cp932")
            .await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/csv; charset=Shift_JIS");
    let rows = records(&bytes, true);
    // Two invoices of the worked example, each at 10% and 8%.
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r.len() == 25 && r[0] == "2000"), "{rows:?}");
    let first = &rows[0];
    assert_eq!(first[3], "2026/11/10");
    assert_eq!((first[4].as_str(), first[10].as_str()), ("売掛金", "売上高"));
    assert_eq!(first[5], "株式会社青山商事");
    assert_eq!(first[13], "課税売上10%");
    assert_eq!(first[17], inv["number"].as_str().unwrap());
    let sum: i64 = rows[..2].iter().map(|r| r[14].parse::<i64>().unwrap()).sum();
    assert_eq!(sum, inv["total"].as_i64().unwrap());
    let tax: i64 = rows[..2].iter().map(|r| r[15].parse::<i64>().unwrap()).sum();
    assert_eq!(tax, inv["tax_total"].as_i64().unwrap());
    assert!(rows.iter().any(|r| r[13] == "課税売上8%(軽)"));
    assert!(rows.iter().any(|r| r[5] == "'=HYPERLINK(\"evil\")"), "formula neutralised: {rows:?}");

    // Receipts: the payment and its reversal the other way round.
    let (_, _, bytes) =
        download(&app, "/api/v1/exports/journal?format=yayoi&kind=receipts&from=2026-11-01&to=2026-11-30").await;
    let rows = records(&bytes, false);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][4].as_str(), rows[0][10].as_str()), ("普通預金", "売掛金"));
    assert_eq!((rows[1][4].as_str(), rows[1][10].as_str()), ("売掛金", "普通預金"));
    assert!(rows[0][16].contains("ｱｵﾔﾏｼﾖｳｼﾞ"));
}

#[tokio::test]
async fn moneyforward_freee_and_the_payment_register_have_their_headers() {
    let app = spawn_app().await;
    let (inv, _) = books(&app).await;
    let (_, _, bytes) =
        download(&app, "/api/v1/exports/journal?format=moneyforward&kind=sales&from=2026-11-01&to=2026-11-30").await;
    let rows = records(&bytes, false);
    assert_eq!(rows[0][..3], ["取引No", "取引日", "借方勘定科目"]);
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    assert_eq!(rows.len(), 1 + 4);
    assert_eq!(rows[1][5], "株式会社青山商事");

    let (_, _, bytes) =
        download(&app, "/api/v1/exports/journal?format=freee&kind=sales&from=2026-11-01&to=2026-11-30").await;
    let rows = records(&bytes, false);
    assert_eq!(rows[0][..4], ["収支区分", "管理番号", "発生日", "決済期日"]);
    assert_eq!(rows.len(), 1 + 4);
    assert!(rows[1..].iter().all(|r| r[0] == "収入"));
    assert!(rows.iter().any(|r| r[1] == inv["number"].as_str().unwrap() && r[6] == "課税売上8%（軽）"));
    // freee receipts: a 仕訳インポート journal (the payment and its reversal) clearing 売掛金.
    let (status, _, bytes) =
        download(&app, "/api/v1/exports/journal?format=freee&kind=receipts&from=2026-11-01&to=2026-11-30").await;
    assert_eq!(status, 200);
    let rows = records(&bytes, false);
    assert_eq!(rows[0][..2], ["取引日", "借方勘定科目"]);
    assert_eq!(rows.len(), 1 + 2);
    assert_eq!(
        (rows[1][1].as_str(), rows[1][5].as_str(), rows[1][6].as_str()),
        ("普通預金", "売掛金", "株式会社青山商事")
    );

    let (_, _, bytes) = download(&app, "/api/v1/exports/payments?from=2026-11-01&to=2026-11-30&encoding=cp932").await;
    let rows = records(&bytes, true);
    assert_eq!(rows[0][..3], ["入金ID", "入金日", "取引先"]);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][2], "株式会社青山商事");
    assert_eq!(rows[1][3], "銀行振込");

    for bad in [
        "/api/v1/exports/journal?format=sage&kind=sales&from=2026-11-01&to=2026-11-30",
        "/api/v1/exports/journal?format=yayoi&kind=sales&from=2026-11-30&to=2026-11-01",
        "/api/v1/exports/journal?format=yayoi&kind=sales",
        "/api/v1/exports/payments?from=2026-11-01&to=2026-11-30&encoding=latin1",
    ] {
        assert_eq!(download(&app, bad).await.0, 422, "{bad}");
    }
}
