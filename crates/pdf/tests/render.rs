//! Rendered PDFs, read back with poppler's `pdftotext` and `pdfinfo`: every required item is
//! printed, text stays text, long tables break with a repeated header, the same data gives
//! the same bytes. Without poppler the tests skip loudly locally and fail under `CI=true`.

use invoicepilot_pdf::{Addressee, BankAccount, Document, DocumentKind, Issuer, Line, RateTotal, render};
use std::io::Write;
use std::process::Command;

fn poppler() -> bool {
    let ok = Command::new("pdftotext").arg("-v").output().is_ok();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("pdftotext (poppler-utils) is required in CI");
        }
        eprintln!("\n===== SKIPPING PDF text checks: pdftotext missing (apt-get install poppler-utils) =====\n");
    }
    ok
}

fn text_of(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ip-pdf-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("doc.pdf");
    std::fs::File::create(&path).unwrap().write_all(pdf).unwrap();
    let out = Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-").output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout).unwrap()
}

fn pages_of(pdf: &[u8]) -> usize {
    let dir = std::env::temp_dir().join(format!("ip-pdfinfo-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfinfo").arg(&path).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap()).unwrap()
}

/// Keeps a sample under `target/tmp/pdf-samples/` for people to look at.
fn keep(name: &str, pdf: &[u8]) {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pdf-samples");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), pdf).unwrap();
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos() as u64
}

fn line(description: &str, qty: &str, unit: &str, price: i64, amount: i64, rate: &str) -> Line {
    Line {
        description: description.into(),
        quantity: qty.into(),
        unit: unit.into(),
        unit_price: price,
        amount,
        tax_rate: rate.into(),
    }
}

/// japan-rules.md §1.4: three 10% lines and two 8% lines.
fn worked_example() -> Document {
    Document {
        kind: DocumentKind::Invoice,
        number: Some("I-2026-0001".into()),
        issue_date: "2026-11-30".into(),
        due_date: Some("2026-12-31".into()),
        draft: false,
        issuer: Issuer {
            name: "株式会社インボイスパイロット".into(),
            postal_code: Some("1000001".into()),
            address: Some("東京都千代田区千代田1-1".into()),
            phone: Some("03-1234-5678".into()),
            registration_number: Some("T7120001168421".into()),
        },
        addressee: Addressee {
            name: "株式会社青山商事".into(),
            honorific: "御中".into(),
            postal_code: Some("1070062".into()),
            address: Some("東京都港区南青山1-2-3".into()),
        },
        subject: Some("11月分 保守費用".into()),
        lines: vec![
            line("Webサイト保守（月額）", "1", "式", 12345, 12345, "10"),
            line("デザイン修正", "3", "時間", 2263, 6789, "10"),
            line("サーバー費用", "1", "月", 2555, 2555, "10"),
            line("菓子詰め合わせ", "1", "箱", 4321, 4321, "8"),
            line("コーヒー豆 200g", "1", "袋", 1999, 1999, "8"),
        ],
        rates: vec![
            RateTotal { rate: "10".into(), taxable_amount: 21689, tax: 2168 },
            RateTotal { rate: "8".into(), taxable_amount: 6320, tax: 505 },
        ],
        subtotal: 28009,
        tax_total: 2673,
        total: 30682,
        withholding_tax: None,
        amount_due: 30682,
        prices_include_tax: false,
        bank_accounts: vec![BankAccount {
            bank_name: "みずほ銀行".into(),
            bank_code: "0001".into(),
            branch_name: "東京営業部".into(),
            branch_code: "001".into(),
            account_type: "普通".into(),
            account_number: "1234567".into(),
            account_name_kana: "ｶ)ｲﾝﾎﾞｲｽﾊﾟｲﾛｯﾄ".into(),
        }],
        notes: Some("お支払いは銀行振込でお願いいたします。".into()),
        original: None,
        seal_png: None,
    }
}

#[test]
fn a_qualified_invoice_prints_every_required_item() {
    let pdf = render(&worked_example()).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    keep("invoice.pdf", &pdf);
    if !poppler() {
        return;
    }
    let t = text_of(&pdf);
    for needle in [
        "請求書",
        "適格請求書",
        "株式会社インボイスパイロット",
        "登録番号 T7120001168421",
        "〒100-0001",
        "TEL 03-1234-5678",
        "株式会社青山商事 御中",
        "2026年11月30日",
        "I-2026-0001",
        "2026年12月31日",
        "ご請求金額",
        "¥30,682-",
        "Webサイト保守（月額）",
        "デザイン修正",
        "8%※",
        "※は軽減税率対象",
        "10%対象（税抜）",
        "¥21,689",
        "¥2,168",
        "8%対象（軽減税率）（税抜）",
        "¥6,320",
        "¥505",
        "合計（税込）",
        "お振込先",
        "みずほ銀行（0001） 東京営業部（001） 普通 1234567",
        "備考",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    assert!(t.replace(' ', "").contains("1/1"), "page number");
}

#[test]
fn the_extracted_text_of_the_standard_invoice_is_snapshotted() {
    let pdf = render(&worked_example()).unwrap();
    if !poppler() {
        return;
    }
    // Columns vary with the layout engine's spacing; the words and their order do not.
    let words: Vec<String> = text_of(&pdf)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    insta::assert_snapshot!("worked_example_text", words.join("\n"));
}

#[test]
fn fonts_are_embedded_subset_and_bold_is_the_bold_face() {
    let pdf = render(&worked_example()).unwrap();
    assert!(pdf.len() < 100 * 1024, "a one-page invoice is {} bytes", pdf.len());
    if !poppler() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ip-fonts-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("doc.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = Command::new("pdffonts").arg(&path).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let fonts = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    assert!(rows.iter().any(|r| r.contains("BIZUDPGothic-Bold")), "{fonts}");
    assert!(rows.iter().any(|r| r.contains("BIZUDPGothic-Regular")), "{fonts}");
    for r in rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        // name type… encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!((cols[n - 5], cols[n - 4], cols[n - 3]), ("yes", "yes", "yes"), "embedded, subset, unicode: {r}");
    }
}

#[test]
fn hostile_text_in_every_field_renders() {
    let long_word = "あ".repeat(3000) + &"x".repeat(3000);
    let ten_thousand = "長".repeat(10_000);
    let mut d = worked_example();
    let nasty = [
        "#import \"@preview/x:1.0.0\": *",
        long_word.as_str(),
        ten_thousand.as_str(),
        "絵文字 😀🧾💴 👨‍👩‍👧",
        "\u{202e}右から左\u{202c} שלום عربى",
        "tab\there\r\nnewline\u{0007}bell\u{0000}nul",
        "]]]]]]]]))))}}}}",
        "\\\\\\",
    ];
    for (i, t) in nasty.iter().enumerate() {
        let n = d.lines.len();
        d.lines[i % n].description = t.to_string();
    }
    d.issuer.name = nasty[3].into();
    d.issuer.address = Some(nasty[4].into());
    d.issuer.phone = Some(nasty[5].into());
    d.addressee.name = nasty[1].into();
    d.addressee.honorific = nasty[6].into();
    d.addressee.address = Some(nasty[7].into());
    d.subject = Some(nasty[0].into());
    d.notes = Some(nasty[2].into());
    d.lines[0].unit = nasty[6].into();
    d.lines[0].quantity = nasty[7].into();
    d.bank_accounts[0].account_name_kana = nasty[3].into();
    let pdf = render(&d).expect("hostile text is only text");
    assert!(pdf.starts_with(b"%PDF-"));
    keep("hostile.pdf", &pdf);
}

#[test]
fn an_unregistered_issuer_gets_no_t_number_and_no_qualified_wording() {
    let mut d = worked_example();
    d.issuer.registration_number = None;
    let pdf = render(&d).unwrap();
    if !poppler() {
        return;
    }
    let t = text_of(&pdf);
    assert!(t.contains("請求書") && !t.contains("適格") && !t.contains("登録番号"), "{t}");
}

#[test]
fn withholding_prints_the_net_amount() {
    let mut d = worked_example();
    d.lines = vec![line("原稿料", "1", "式", 150000, 150000, "10")];
    d.rates = vec![RateTotal { rate: "10".into(), taxable_amount: 150000, tax: 15000 }];
    (d.subtotal, d.tax_total, d.total, d.withholding_tax, d.amount_due) = (150000, 15000, 165000, Some(15315), 149685);
    let pdf = render(&d).unwrap();
    if !poppler() {
        return;
    }
    let t = text_of(&pdf);
    assert!(t.contains("¥149,685-") && t.contains("源泉徴収税額") && t.contains("▲¥15,315"), "{t}");
    assert!(t.contains("差引ご請求金額") && !t.contains("※は軽減税率対象"), "{t}");
}

#[test]
fn user_text_prints_literally_and_never_as_markup() {
    let mut d = worked_example();
    let tricky = "#set page(fill: red) ] \\ {{7*7}} $x^2$ *bold* _it_ <label> @ref `raw` #import \"x\"";
    d.lines[0].description = tricky.into();
    d.addressee.name = "#eval(\"1+1\") ]".into();
    d.notes = Some("= 見出し\n- 箇条書き\n#read(\"/etc/passwd\")".into());
    let pdf = render(&d).expect("markup characters are data");
    if !poppler() {
        return;
    }
    let t = text_of(&pdf);
    for needle in [
        "#set page(fill: red) ]",
        "{{7*7}}",
        "$x^2$",
        "*bold*",
        "#eval(\"1+1\") ]",
        "#read(\"/etc/passwd\")",
        "= 見出し",
    ] {
        assert!(t.contains(needle), "{needle:?} not printed literally:\n{t}");
    }
    assert!(!t.contains("root:"), "no file was read");
}

#[test]
fn three_hundred_lines_break_across_pages_with_the_header_repeated() {
    let mut d = worked_example();
    d.lines = (1..=300)
        .map(|i| line(&format!("作業項目 {i:03}"), "1", "式", 1000, 1000, if i % 3 == 0 { "8" } else { "10" }))
        .collect();
    let pdf = render(&d).unwrap();
    keep("invoice-300-lines.pdf", &pdf);
    if !poppler() {
        return;
    }
    let pages = pages_of(&pdf);
    assert!(pages >= 4, "{pages} pages");
    let t = text_of(&pdf);
    let per_page: Vec<&str> = t.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert_eq!(per_page.len(), pages);
    for (i, page) in per_page.iter().enumerate() {
        if page.contains("作業項目") {
            assert!(
                page.contains("品目") && page.contains("数量") && page.contains("税率"),
                "page {} lacks the header",
                i + 1
            );
        }
        assert!(page.replace(' ', "").contains(&format!("{}/{pages}", i + 1)), "page {} lacks its number", i + 1);
    }
    assert!(per_page.iter().filter(|p| p.contains("作業項目")).count() >= 4, "the table spans pages");
    for i in [1, 150, 300] {
        assert!(t.contains(&format!("作業項目 {i:03}")), "line {i} missing");
    }
}

#[test]
fn the_same_data_gives_the_same_bytes() {
    let a = render(&worked_example()).unwrap();
    let b = render(&worked_example()).unwrap();
    assert_eq!(a, b);
    let mut other = worked_example();
    other.number = Some("I-2026-0002".into());
    assert_ne!(render(&other).unwrap(), a);
}

#[test]
fn drafts_carry_the_watermark() {
    let mut d = worked_example();
    d.draft = true;
    d.number = None;
    let pdf = render(&d).unwrap();
    if !poppler() {
        return;
    }
    let t = text_of(&pdf);
    assert!(t.contains("下書き"), "{t}");
}

#[test]
fn every_document_kind_renders_with_its_own_words() {
    for (kind, needles) in [
        (
            DocumentKind::Receipt,
            vec!["領収書", "上記正に領収いたしました", "但し 11月分 保守費用 として", "適格簡易請求書"],
        ),
        (DocumentKind::Quote, vec!["御見積書", "御見積金額", "有効期限"]),
        (
            DocumentKind::CreditNote,
            vec!["返還インボイス", "適格返還請求書", "返還金額", "2026年11月1日付 請求書 I-2026-0001"],
        ),
    ] {
        let mut d = worked_example();
        d.kind = kind;
        d.original = Some("対象: 2026年11月1日付 請求書 I-2026-0001".into());
        let pdf = render(&d).unwrap();
        keep(&format!("{kind:?}.pdf").to_lowercase(), &pdf);
        if !poppler() {
            return;
        }
        let t = text_of(&pdf);
        for n in needles {
            assert!(t.contains(n), "{kind:?} lacks {n:?}:\n{t}");
        }
        if kind == DocumentKind::Quote {
            assert!(!t.contains("登録番号") && !t.contains("お振込先"), "{t}");
        }
    }
}

#[test]
fn a_seal_must_be_a_small_png() {
    let mut d = worked_example();
    d.seal_png = Some(b"GIF89a not a png".to_vec());
    assert!(render(&d).is_err());
    d.seal_png = Some(tiny_png());
    assert!(render(&d).is_ok());
}

/// A valid 1×1 red PNG.
fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xDE, 0x00, 0x00, 0x00,
        0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18,
        0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}
