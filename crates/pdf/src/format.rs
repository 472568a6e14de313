//! Turns a [`Document`] into the strings the templates print: dates as 2026年11月30日,
//! yen with separators, the ※ mark and legend, labels per kind. The templates only lay
//! these out, so every rule of presentation is here and unit-tested.

use crate::document::{Document, DocumentKind, RateTotal};
use serde_json::{Value, json};
use std::sync::OnceLock;

/// Shown for a character the bundled font cannot draw (the 〓 geta mark Japanese printing
/// uses for a missing glyph). PDF/A refuses undrawable text, so it must never reach typst.
pub const MISSING_GLYPH: char = '〓';

fn font() -> &'static ttf_parser::Face<'static> {
    static FACE: OnceLock<ttf_parser::Face<'static>> = OnceLock::new();
    FACE.get_or_init(|| ttf_parser::Face::parse(crate::FONT_REGULAR, 0).expect("the bundled font parses"))
}

/// Invisible format characters (joiners, direction overrides, variation selectors, BOM):
/// dropped, as they would print as nothing anyway.
fn is_format(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFE00..=0xFE0F | 0xFEFF)
}

/// Text as the document can print it: line breaks kept, tabs as spaces, control and format
/// characters dropped, characters the font lacks (emoji, scripts it does not cover) as 〓.
pub fn printable(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() || is_format(c) => None,
            c if c == ' ' || font().glyph_index(c).is_some() => Some(c),
            _ => Some(MISSING_GLYPH),
        })
        .collect()
}

/// Applies [`printable`] to every string of a prepared document.
fn printable_all(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(printable(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(printable_all).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, printable_all(v))).collect()),
        other => other,
    }
}

/// `¥12,345`; negative amounts (discounts) as `−¥500`.
pub fn yen(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("−¥{out}") } else { format!("¥{out}") }
}

/// `2026-11-30` → `2026年11月30日` (anything else is printed as given).
pub fn jp_date(iso: &str) -> String {
    match parts(iso) {
        Some((y, m, d)) => format!("{y}年{m}月{d}日"),
        None => iso.to_owned(),
    }
}

fn parts(iso: &str) -> Option<(i32, u32, u32)> {
    let mut it = iso.splitn(3, '-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok().filter(|m| (1..=12).contains(m))?;
    let d = it.next()?.parse().ok().filter(|d| (1..=31).contains(d))?;
    (iso.len() == 10).then_some((y, m, d))
}

/// `1000001` or `100-0001` → `〒100-0001`.
pub fn postal(code: &str) -> String {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 7 { format!("〒{}-{}", &digits[..3], &digits[3..]) } else { format!("〒{code}") }
}

/// The rate column: `10%`, `8%※`, `0%`, `非課税`, `不課税`.
pub fn rate_cell(code: &str) -> &'static str {
    match code {
        "10" => "10%",
        "8" => "8%※",
        "0" => "0%",
        "exempt" => "非課税",
        _ => "不課税",
    }
}

fn rate_label(code: &str, inclusive: bool) -> String {
    let base = match code {
        "10" => "10%対象",
        "8" => "8%対象（軽減税率）",
        "0" => "0%対象",
        "exempt" => "非課税",
        _ => "不課税",
    };
    let taxed = matches!(code, "10" | "8");
    match (taxed, inclusive) {
        (true, true) => format!("{base}（税込）"),
        (true, false) => format!("{base}（税抜）"),
        _ => base.to_owned(),
    }
}

fn rate_row(r: &RateTotal, inclusive: bool) -> Value {
    let taxed = matches!(r.rate.as_str(), "10" | "8");
    let shown = if inclusive && taxed { r.taxable_amount + r.tax } else { r.taxable_amount };
    let tax_label = if !taxed {
        ""
    } else if inclusive {
        "内消費税"
    } else {
        "消費税"
    };
    json!({
        "label": rate_label(&r.rate, inclusive),
        "taxable": yen(shown),
        "tax_label": tax_label,
        "tax": if taxed { yen(r.tax) } else { String::new() },
    })
}

/// Labels that differ between document kinds.
struct Words {
    title: &'static str,
    date_label: &'static str,
    number_label: &'static str,
    greeting: Option<&'static str>,
    headline_label: &'static str,
    due_label: &'static str,
    shows_bank: bool,
    qualified_name: Option<&'static str>,
}

fn words(kind: DocumentKind, qualified: bool) -> Words {
    match kind {
        DocumentKind::Invoice => Words {
            title: "請求書",
            date_label: "請求日",
            number_label: "請求書番号",
            greeting: Some("下記のとおりご請求申し上げます。"),
            headline_label: "ご請求金額",
            due_label: "お支払期限",
            shows_bank: true,
            qualified_name: Some("適格請求書"),
        },
        DocumentKind::Receipt => Words {
            title: "領収書",
            date_label: "発行日",
            number_label: "領収書番号",
            greeting: None,
            headline_label: "金額",
            due_label: "",
            shows_bank: false,
            qualified_name: Some("適格簡易請求書"),
        },
        DocumentKind::Quote => Words {
            title: "御見積書",
            date_label: "見積日",
            number_label: "見積番号",
            greeting: Some("下記のとおりお見積り申し上げます。"),
            headline_label: "御見積金額",
            due_label: "有効期限",
            shows_bank: false,
            qualified_name: None,
        },
        DocumentKind::CreditNote => Words {
            title: if qualified { "返還インボイス" } else { "返品・値引明細書" },
            date_label: "発行日",
            number_label: "番号",
            greeting: Some("下記のとおり返品・値引きを承りました。"),
            headline_label: "返還金額",
            due_label: "",
            shows_bank: false,
            qualified_name: Some("適格返還請求書"),
        },
    }
}

/// The legend for reduced-rate lines: none, 「※は軽減税率対象」, or, when every taxed line is
/// reduced, 「全品目が軽減税率（8%）対象です」 as the rules ask.
fn legend(doc: &Document) -> Option<&'static str> {
    let taxed: Vec<&str> = doc.lines.iter().map(|l| l.tax_rate.as_str()).filter(|r| matches!(*r, "10" | "8")).collect();
    if !taxed.contains(&"8") {
        None
    } else if taxed.iter().all(|r| *r == "8") {
        Some("※は軽減税率対象（全品目が軽減税率（8%）対象です）")
    } else {
        Some("※は軽減税率対象")
    }
}

/// The data the templates print, every string printable with the bundled font.
pub fn prepare(doc: &Document) -> Value {
    printable_all(prepare_raw(doc))
}

fn prepare_raw(doc: &Document) -> Value {
    let registration = doc.issuer.registration_number.as_deref().map(str::trim).filter(|r| !r.is_empty());
    // Only a registered issuer's invoice, receipt or credit note is a qualified document.
    let qualified = registration.is_some() && words(doc.kind, true).qualified_name.is_some();
    let w = words(doc.kind, qualified);
    let inclusive = doc.prices_include_tax;
    let (y, m, d) = parts(&doc.issue_date).unwrap_or((1970, 1, 1));
    let number = doc.number.clone().unwrap_or_else(|| "（下書き）".into());

    let mut meta = vec![json!([w.date_label, jp_date(&doc.issue_date)]), json!([w.number_label, number])];
    if let (Some(due), false) = (&doc.due_date, w.due_label.is_empty()) {
        meta.push(json!([w.due_label, jp_date(due)]));
    }

    let mut issuer_lines = Vec::new();
    if let Some(p) = doc.issuer.postal_code.as_deref().filter(|p| !p.trim().is_empty()) {
        issuer_lines.push(postal(p));
    }
    issuer_lines.extend(doc.issuer.address.clone().filter(|a| !a.trim().is_empty()));
    if let Some(p) = doc.issuer.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        issuer_lines.push(format!("TEL {p}"));
    }
    let mut addressee_lines = Vec::new();
    if let Some(p) = doc.addressee.postal_code.as_deref().filter(|p| !p.trim().is_empty()) {
        addressee_lines.push(postal(p));
    }
    addressee_lines.extend(doc.addressee.address.clone().filter(|a| !a.trim().is_empty()));

    let headline_note =
        if doc.withholding_tax.is_some() { "（税込・源泉徴収税額控除後）" } else { "（税込）" };
    let mut facts = Vec::new();
    if let Some(s) = doc.subject.as_deref().filter(|s| !s.trim().is_empty()) {
        facts.push(json!(["件名", s]));
    }

    let mut totals = vec![
        json!([if inclusive { "小計（税抜換算）" } else { "小計（税抜）" }, yen(doc.subtotal)]),
        json!(["消費税", yen(doc.tax_total)]),
        json!(["合計（税込）", yen(doc.total)]),
    ];
    if let Some(w) = doc.withholding_tax {
        totals.push(json!(["源泉徴収税額", format!("▲{}", yen(w))]));
        totals.push(json!([format!("差引{}", w_label(doc.kind)), yen(doc.amount_due)]));
    }

    let banks: Vec<String> = if w.shows_bank {
        doc.bank_accounts
            .iter()
            .map(|b| {
                format!(
                    "{}（{}） {}（{}） {} {} {}",
                    b.bank_name,
                    b.bank_code,
                    b.branch_name,
                    b.branch_code,
                    b.account_type,
                    b.account_number,
                    b.account_name_kana
                )
            })
            .collect()
    } else {
        vec![]
    };
    let amount_label = if inclusive { "金額（税込）" } else { "金額" };
    let price_label = if inclusive { "単価（税込）" } else { "単価" };

    json!({
        "doc_title": format!("{} {}", w.title, number),
        "title": w.title,
        "subtitle": if qualified { w.qualified_name } else { None },
        "date": [y, m, d],
        "draft": doc.draft,
        "draft_label": "下書き",
        "footer": format!("{} {}", w.title, number),
        "meta": meta,
        "addressee": {
            "lines": addressee_lines,
            "name_line": format!("{} {}", doc.addressee.name, doc.addressee.honorific).trim().to_owned(),
        },
        "greeting": w.greeting,
        "issuer": {
            "name": doc.issuer.name,
            "lines": issuer_lines,
            "registration": registration.filter(|_| qualified).map(|r| format!("登録番号 {r}")),
        },
        "headline_label": w.headline_label,
        "headline": format!("{}-", yen(doc.amount_due)),
        "headline_note": headline_note,
        "facts": facts,
        "columns": ["品目", "数量", "単位", price_label, amount_label, "税率"],
        "lines": doc.lines.iter().map(|l| json!({
            "description": l.description,
            "quantity": l.quantity,
            "unit": l.unit,
            "unit_price": yen(l.unit_price),
            "amount": yen(l.amount),
            "rate": rate_cell(&l.tax_rate),
        })).collect::<Vec<_>>(),
        "legend": legend(doc),
        "rates": doc.rates.iter().map(|r| rate_row(r, inclusive)).collect::<Vec<_>>(),
        "totals": totals,
        "bank_label": "お振込先",
        "banks": banks,
        "bank_note": if w.shows_bank && !doc.bank_accounts.is_empty() { Some("恐れ入りますが、振込手数料は貴社にてご負担くださいますようお願い申し上げます。") } else { None },
        "notes_label": "備考",
        "notes": doc.notes.as_deref().filter(|n| !n.trim().is_empty()),
        "original": doc.original,
        "purpose": doc.subject.as_deref().filter(|s| !s.trim().is_empty()).map(|s| format!("但し {s} として")),
        "acknowledgement": "上記正に領収いたしました。",
    })
}

fn w_label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Quote => "御見積金額",
        _ => "ご請求金額",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Addressee, Issuer, Line};

    fn doc(kind: DocumentKind, registration: Option<&str>) -> Document {
        Document {
            kind,
            number: Some("I-2026-0001".into()),
            issue_date: "2026-11-30".into(),
            due_date: Some("2026-12-31".into()),
            draft: false,
            issuer: Issuer {
                name: "株式会社テスト".into(),
                postal_code: Some("1000001".into()),
                registration_number: registration.map(str::to_owned),
                ..Default::default()
            },
            addressee: Addressee {
                name: "株式会社青山商事".into(), honorific: "御中".into(), ..Default::default()
            },
            subject: None,
            lines: vec![
                Line {
                    description: "A".into(),
                    quantity: "1".into(),
                    unit: "式".into(),
                    unit_price: 100,
                    amount: 100,
                    tax_rate: "10".into(),
                },
                Line {
                    description: "B".into(),
                    quantity: "1".into(),
                    unit: "箱".into(),
                    unit_price: 100,
                    amount: 100,
                    tax_rate: "8".into(),
                },
            ],
            rates: vec![],
            subtotal: 200,
            tax_total: 18,
            total: 218,
            withholding_tax: None,
            amount_due: 218,
            prices_include_tax: false,
            bank_accounts: vec![],
            notes: None,
            original: None,
            seal_png: None,
        }
    }

    #[test]
    fn only_drawable_text_reaches_the_layout() {
        assert_eq!(printable("請求書 ABC ｶﾅ ①"), "請求書 ABC ｶﾅ ①");
        assert_eq!(printable("絵文字😀です"), "絵文字〓です");
        assert_eq!(printable("a\tb\u{7}c\u{202e}d\u{200d}e"), "a bcde");
        assert_eq!(printable("一行目\n二行目"), "一行目\n二行目");
    }

    #[test]
    fn yen_and_dates_print_as_japanese_documents_do() {
        assert_eq!(yen(30682), "¥30,682");
        assert_eq!(yen(1_000_000), "¥1,000,000");
        assert_eq!(yen(-500), "−¥500");
        assert_eq!(yen(0), "¥0");
        assert_eq!(jp_date("2026-11-30"), "2026年11月30日");
        assert_eq!(jp_date("2026-01-05"), "2026年1月5日");
        assert_eq!(postal("1000001"), "〒100-0001");
        assert_eq!(postal("100-0001"), "〒100-0001");
    }

    #[test]
    fn registered_issuers_get_the_t_number_and_qualified_wording() {
        let d = prepare(&doc(DocumentKind::Invoice, Some("T7120001168421")));
        assert_eq!(d["subtitle"], "適格請求書");
        assert_eq!(d["issuer"]["registration"], "登録番号 T7120001168421");
        let d = prepare(&doc(DocumentKind::Invoice, None));
        assert!(d["subtitle"].is_null() && d["issuer"]["registration"].is_null());
        // A quote is never a qualified document, registered or not.
        let d = prepare(&doc(DocumentKind::Quote, Some("T7120001168421")));
        assert!(d["subtitle"].is_null() && d["issuer"]["registration"].is_null());
        assert_eq!(d["title"], "御見積書");
    }

    #[test]
    fn reduced_lines_are_marked_with_a_legend() {
        let d = prepare(&doc(DocumentKind::Invoice, None));
        assert_eq!(d["lines"][1]["rate"], "8%※");
        assert_eq!(d["lines"][0]["rate"], "10%");
        assert_eq!(d["legend"], "※は軽減税率対象");
        let mut all8 = doc(DocumentKind::Invoice, None);
        all8.lines.remove(0);
        assert!(prepare(&all8)["legend"].as_str().unwrap().contains("全品目"));
        let mut none8 = doc(DocumentKind::Invoice, None);
        none8.lines.remove(1);
        assert!(prepare(&none8)["legend"].is_null());
    }

    #[test]
    fn withholding_shows_the_net_amount_due() {
        let mut d = doc(DocumentKind::Invoice, None);
        d.withholding_tax = Some(15315);
        d.amount_due = 149685;
        let p = prepare(&d);
        assert_eq!(p["headline"], "¥149,685-");
        let totals = p["totals"].as_array().unwrap();
        assert_eq!(totals[3], json!(["源泉徴収税額", "▲¥15,315"]));
        assert_eq!(totals[4], json!(["差引ご請求金額", "¥149,685"]));
    }

    #[test]
    fn inclusive_prices_show_tax_inside_the_rate_total() {
        let r = RateTotal { rate: "10".into(), taxable_amount: 19395, tax: 1939 };
        let v = rate_row(&r, true);
        assert_eq!(v["label"], "10%対象（税込）");
        assert_eq!(v["taxable"], "¥21,334");
        assert_eq!(v["tax_label"], "内消費税");
        let v = rate_row(&r, false);
        assert_eq!((v["label"].as_str(), v["taxable"].as_str()), (Some("10%対象（税抜）"), Some("¥19,395")));
    }
}
