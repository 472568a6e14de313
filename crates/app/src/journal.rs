//! Accounting exports: the period's sales (issued invoices and credit notes, one entry per
//! rate) and receipts (payments, reversals swapped, withholding and deducted fees booked)
//! as journal rows for 弥生会計 (仕訳日記帳, 弥生インポート形式), マネーフォワード クラウド会計
//! (仕訳帳インポート) and freee (sales as 取引インポート, one 収入 per invoice and rate left
//! 未決済; receipts as a 仕訳インポート journal clearing 売掛金), and the payment register. Cells go through `export::cell` (formula-safe).

use crate::App;
use crate::context::Ctx;
use crate::error::AppError;
use crate::export::{CsvEncoding, cell, encode, number};
use crate::input::Checker;
use crate::invoices::RateTotalView;
use chrono::NaiveDate;
use invoicepilot_domain::{InvoiceStatus, Permission};
use invoicepilot_store::entity::{credit_note, customer, invoice, payment};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use std::str::FromStr;

/// Most rows one export holds (a year of a busy small business).
pub const MAX_ROWS: usize = 100_000;

/// Which accounting software.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalFormat {
    /// 弥生会計.
    Yayoi,
    /// freee会計.
    Freee,
    /// マネーフォワード クラウド会計.
    MoneyForward,
}

impl FromStr for JournalFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "yayoi" => Ok(JournalFormat::Yayoi),
            "freee" => Ok(JournalFormat::Freee),
            "moneyforward" | "mf" => Ok(JournalFormat::MoneyForward),
            _ => Err("expected yayoi, freee or moneyforward".into()),
        }
    }
}

/// Sales or receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalKind {
    /// 売上 (issued invoices, credit notes).
    Sales,
    /// 入金 (payments).
    Receipts,
}

impl FromStr for JournalKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sales" => Ok(JournalKind::Sales),
            "receipts" => Ok(JournalKind::Receipts),
            _ => Err("expected sales or receipts".into()),
        }
    }
}

/// One side of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Side {
    account: &'static str,
    sub: String,
    tax: &'static str,
    amount: i64,
    tax_amount: i64,
}

/// One single-line journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    slip: usize,
    date: NaiveDate,
    debit: Side,
    credit: Side,
    memo: String,
    number: String,
}

fn side(account: &'static str, sub: &str, tax: &'static str, amount: i64, tax_amount: i64) -> Side {
    Side { account, sub: sub.to_owned(), tax, amount, tax_amount }
}

/// 弥生's 税区分 name of a sale at `rate` (税込 amounts with the tax beside them).
fn sales_tax(rate: &str, returned: bool) -> &'static str {
    match (rate, returned) {
        ("10", false) => "課税売上10%",
        ("8", false) => "課税売上8%(軽)",
        ("10", true) => "課税売上返還10%",
        ("8", true) => "課税売上返還8%(軽)",
        ("0", _) => "輸出売上",
        ("exempt", _) => "非課税売上",
        _ => "対象外",
    }
}

fn account_of(method: &str, reference: Option<&str>) -> &'static str {
    match method {
        "bank_transfer" => "普通預金",
        "cash" => "現金",
        "card" => "未収入金",
        _ if reference.is_some_and(|r| r.contains("振込手数料")) => "支払手数料",
        _ => "雑収入",
    }
}

/// Customer id → name, of the company.
async fn customer_names(app: &App, ctx: &Ctx) -> Result<HashMap<i64, String>, AppError> {
    Ok(customer::Entity::find()
        .filter(customer::Column::CompanyId.eq(ctx.company_id))
        .all(app.db.conn())
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// The issued (not void) invoices dated in the period, in date order.
async fn sales_of(app: &App, ctx: &Ctx, from: NaiveDate, to: NaiveDate) -> Result<Vec<invoice::Model>, AppError> {
    Ok(invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::Status.ne(InvoiceStatus::Draft.code()))
        .filter(invoice::Column::Status.ne(InvoiceStatus::Void.code()))
        .filter(invoice::Column::IssueDate.between(from, to))
        .order_by_asc(invoice::Column::IssueDate)
        .order_by_asc(invoice::Column::Id)
        .all(app.db.conn())
        .await?)
}

/// The issued credit notes dated in the period, in date order.
async fn credits_of(app: &App, ctx: &Ctx, from: NaiveDate, to: NaiveDate) -> Result<Vec<credit_note::Model>, AppError> {
    Ok(credit_note::Entity::find()
        .filter(credit_note::Column::CompanyId.eq(ctx.company_id))
        .filter(credit_note::Column::Status.eq("issued"))
        .filter(credit_note::Column::CreditedOn.between(from, to))
        .order_by_asc(credit_note::Column::CreditedOn)
        .order_by_asc(credit_note::Column::Id)
        .all(app.db.conn())
        .await?)
}

/// The entries of the period.
async fn entries(
    app: &App,
    ctx: &Ctx,
    kind: JournalKind,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Entry>, AppError> {
    let conn = app.db.conn();
    let names = customer_names(app, ctx).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut out = Vec::new();
    let mut slip = 0;
    match kind {
        JournalKind::Sales => {
            let invoices = sales_of(app, ctx, from, to).await?;
            for inv in invoices {
                slip += 1;
                let number = inv.number.clone().unwrap_or_default();
                let who = inv.customer_name.clone();
                let rates: Vec<RateTotalView> = serde_json::from_str(&inv.tax_breakdown).unwrap_or_default();
                for r in &rates {
                    out.push(Entry {
                        slip,
                        date: inv.issue_date,
                        debit: side("売掛金", &who, "対象外", r.amount_including_tax, 0),
                        credit: side("売上高", "", sales_tax(&r.rate, false), r.amount_including_tax, r.tax),
                        memo: format!("{who} {number}"),
                        number: number.clone(),
                    });
                }
                if inv.withholding_tax > 0 {
                    out.push(Entry {
                        slip,
                        date: inv.issue_date,
                        debit: side("仮払税金", "源泉所得税", "対象外", inv.withholding_tax, 0),
                        credit: side("売掛金", &who, "対象外", inv.withholding_tax, 0),
                        memo: format!("{who} {number} 源泉徴収税額"),
                        number: number.clone(),
                    });
                }
            }
            let notes = credits_of(app, ctx, from, to).await?;
            for n in notes {
                slip += 1;
                let who = name(n.customer_id);
                let number = n.number.clone().unwrap_or_else(|| format!("返還記録{}", n.id));
                let rates: Vec<RateTotalView> = serde_json::from_str(&n.tax_breakdown).unwrap_or_default();
                for r in &rates {
                    out.push(Entry {
                        slip,
                        date: n.credited_on,
                        debit: side("売上値引高", "", sales_tax(&r.rate, true), r.amount_including_tax, r.tax),
                        credit: side("売掛金", &who, "対象外", r.amount_including_tax, 0),
                        memo: format!("{who} {number} {}", n.reason),
                        number: number.clone(),
                    });
                }
            }
        }
        JournalKind::Receipts => {
            let payments = payment::Entity::find()
                .filter(payment::Column::CompanyId.eq(ctx.company_id))
                .filter(payment::Column::ReceivedOn.between(from, to))
                .order_by_asc(payment::Column::ReceivedOn)
                .order_by_asc(payment::Column::Id)
                .all(conn)
                .await?;
            for p in payments {
                slip += 1;
                let who = name(p.customer_id);
                let cash = account_of(&p.method, p.reference.as_deref());
                let (debit, credit) =
                    (side(cash, "", "対象外", p.amount.abs(), 0), side("売掛金", &who, "対象外", p.amount.abs(), 0));
                // A reversal is the same entry the other way round (no negative amounts).
                let (debit, credit) = if p.amount < 0 { (credit, debit) } else { (debit, credit) };
                let memo = match (&p.reference, &p.payer_name) {
                    (Some(r), Some(n)) => format!("{who} 入金 {n} {r}"),
                    (Some(r), None) => format!("{who} 入金 {r}"),
                    (None, Some(n)) => format!("{who} 入金 {n}"),
                    (None, None) => format!("{who} 入金"),
                };
                out.push(Entry { slip, date: p.received_on, debit, credit, memo, number: p.id.to_string() });
            }
        }
    }
    Ok(out)
}

/// One export: the bytes, and a file name.
#[derive(Debug, Clone)]
pub struct JournalFile {
    /// CSV bytes in the chosen encoding.
    pub bytes: Vec<u8>,
    /// `yayoi_sales_20261101-20261130.csv`.
    pub file_name: String,
}

/// The journal of `from`..=`to` for `format` (`from`/`to` YYYY-MM-DD).
pub async fn export_journal(
    app: &App,
    ctx: &Ctx,
    format: &str,
    kind: &str,
    from: Option<&str>,
    to: Option<&str>,
    encoding: CsvEncoding,
) -> Result<JournalFile, AppError> {
    ctx.require(Permission::Read)?;
    let mut c = Checker::default();
    let fmt = c.parse("format", format.parse::<JournalFormat>());
    let k = c.parse("kind", kind.parse::<JournalKind>());
    let from_d = c.required("from", from).and_then(|f| c.date("from", Some(f)));
    let to_d = c.required("to", to).and_then(|t| c.date("to", Some(t)));
    if let (Some(f), Some(t)) = (from_d, to_d)
        && t < f
    {
        c.push("to", "invalid", "to must not be before from");
    }
    c.finish(|| ())?;
    let (fmt, k, from_d, to_d) =
        (fmt.expect("checked"), k.expect("checked"), from_d.expect("checked"), to_d.expect("checked"));
    let rows = match fmt {
        JournalFormat::Yayoi => yayoi(&entries(app, ctx, k, from_d, to_d).await?),
        JournalFormat::MoneyForward => moneyforward(&entries(app, ctx, k, from_d, to_d).await?),
        JournalFormat::Freee if k == JournalKind::Sales => freee(app, ctx, from_d, to_d).await?,
        JournalFormat::Freee => freee_journal(&entries(app, ctx, k, from_d, to_d).await?),
    };
    if rows.len() > MAX_ROWS {
        return Err(AppError::Validation(vec![crate::FieldError::new(
            "from",
            "too_long",
            format!("more than {MAX_ROWS} rows: export a shorter period"),
        )]));
    }
    let name = match fmt {
        JournalFormat::Yayoi => "yayoi",
        JournalFormat::Freee => "freee",
        JournalFormat::MoneyForward => "moneyforward",
    };
    let kind_name = if k == JournalKind::Sales { "sales" } else { "receipts" };
    Ok(JournalFile {
        bytes: encode(&rows, encoding),
        file_name: format!("{name}_{kind_name}_{}-{}.csv", from_d.format("%Y%m%d"), to_d.format("%Y%m%d")),
    })
}

/// 弥生インポート形式: 25 columns, no header, 識別フラグ 2000 (one-line entries).
fn yayoi(entries: &[Entry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|e| {
            vec![
                "2000".into(),
                String::new(),
                String::new(),
                e.date.format("%Y/%m/%d").to_string(),
                cell(e.debit.account),
                cell(&e.debit.sub),
                String::new(),
                cell(e.debit.tax),
                number(e.debit.amount),
                number(e.debit.tax_amount),
                cell(e.credit.account),
                cell(&e.credit.sub),
                String::new(),
                cell(e.credit.tax),
                number(e.credit.amount),
                number(e.credit.tax_amount),
                cell(&e.memo),
                cell(&e.number),
                String::new(),
                "0".into(),
                String::new(),
                String::new(),
                "0".into(),
                "0".into(),
                "no".into(),
            ]
        })
        .collect()
}

/// The header of マネーフォワード クラウド会計's 仕訳帳 import.
pub const MF_HEADER: [&str; 22] = [
    "取引No",
    "取引日",
    "借方勘定科目",
    "借方補助科目",
    "借方部門",
    "借方取引先",
    "借方税区分",
    "借方インボイス",
    "借方金額(円)",
    "借方税額",
    "貸方勘定科目",
    "貸方補助科目",
    "貸方部門",
    "貸方取引先",
    "貸方税区分",
    "貸方インボイス",
    "貸方金額(円)",
    "貸方税額",
    "摘要",
    "仕訳メモ",
    "タグ",
    "MF仕訳タイプ",
];

fn mf_tax(t: &str) -> &str {
    match t {
        "課税売上8%(軽)" => "課税売上 (軽)8%",
        "課税売上10%" => "課税売上 10%",
        "課税売上返還10%" => "課税売上-返還等 10%",
        "課税売上返還8%(軽)" => "課税売上-返還等 (軽)8%",
        other => other,
    }
}

fn moneyforward(entries: &[Entry]) -> Vec<Vec<String>> {
    let mut rows = vec![MF_HEADER.iter().map(|h| cell(h)).collect::<Vec<_>>()];
    for e in entries {
        let partner = |s: &Side| if s.account == "売掛金" { s.sub.clone() } else { String::new() };
        rows.push(vec![
            e.slip.to_string(),
            e.date.format("%Y/%m/%d").to_string(),
            cell(e.debit.account),
            String::new(),
            String::new(),
            cell(&partner(&e.debit)),
            cell(mf_tax(e.debit.tax)),
            String::new(),
            number(e.debit.amount),
            number(e.debit.tax_amount),
            cell(e.credit.account),
            String::new(),
            String::new(),
            cell(&partner(&e.credit)),
            cell(mf_tax(e.credit.tax)),
            String::new(),
            number(e.credit.amount),
            number(e.credit.tax_amount),
            cell(&e.memo),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    rows
}

/// The header of freee's 取引インポート.
pub const FREEE_HEADER: [&str; 15] = [
    "収支区分",
    "管理番号",
    "発生日",
    "決済期日",
    "取引先",
    "勘定科目",
    "税区分",
    "金額",
    "税計算区分",
    "税額",
    "備考",
    "品目",
    "決済日",
    "決済口座",
    "決済金額",
];

fn freee_tax(rate: &str) -> &'static str {
    match rate {
        "10" => "課税売上10%",
        "8" => "課税売上8%（軽）",
        "0" => "輸出売上",
        "exempt" => "非課売上",
        _ => "対象外",
    }
}

/// One 収入 per invoice and rate, left 未決済: receipts come as journals (`freee_receipts`),
/// which clear the 売掛金 these create.
async fn freee(app: &App, ctx: &Ctx, from: NaiveDate, to: NaiveDate) -> Result<Vec<Vec<String>>, AppError> {
    let invoices = sales_of(app, ctx, from, to).await?;
    let mut rows = vec![FREEE_HEADER.iter().map(|h| cell(h)).collect::<Vec<_>>()];
    for inv in invoices {
        let rates: Vec<RateTotalView> = serde_json::from_str(&inv.tax_breakdown).unwrap_or_default();
        for r in &rates {
            rows.push(vec![
                cell("収入"),
                cell(inv.number.as_deref().unwrap_or("")),
                inv.issue_date.format("%Y/%m/%d").to_string(),
                inv.due_date.map(|d| d.format("%Y/%m/%d").to_string()).unwrap_or_default(),
                cell(&inv.customer_name),
                cell("売上高"),
                cell(freee_tax(&r.rate)),
                number(r.amount_including_tax),
                cell("内税"),
                number(r.tax),
                cell(inv.notes.as_deref().unwrap_or("")),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    // A 返品・値引 is a 支出 on 売上値引高 with the sale's 課税売上 tax category in freee.
    let notes = credits_of(app, ctx, from, to).await?;
    let names = customer_names(app, ctx).await?;
    for n in notes {
        let rates: Vec<RateTotalView> = serde_json::from_str(&n.tax_breakdown).unwrap_or_default();
        for r in &rates {
            rows.push(vec![
                cell("支出"),
                cell(&n.number.clone().unwrap_or_else(|| format!("返還記録{}", n.id))),
                n.credited_on.format("%Y/%m/%d").to_string(),
                String::new(),
                cell(names.get(&n.customer_id).map(String::as_str).unwrap_or("")),
                cell("売上値引高"),
                cell(freee_tax(&r.rate)),
                number(r.amount_including_tax),
                cell("内税"),
                number(r.tax),
                cell(&n.reason),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    Ok(rows)
}

/// The header of the journal freee's 仕訳インポート (振替伝票) reads, for receipts and the
/// credit notes of the period.
pub const FREEE_JOURNAL_HEADER: [&str; 10] = [
    "取引日",
    "借方勘定科目",
    "借方取引先",
    "借方税区分",
    "借方金額",
    "貸方勘定科目",
    "貸方取引先",
    "貸方税区分",
    "貸方金額",
    "摘要",
];

fn freee_journal(entries: &[Entry]) -> Vec<Vec<String>> {
    let mut rows = vec![FREEE_JOURNAL_HEADER.iter().map(|h| cell(h)).collect::<Vec<_>>()];
    for e in entries {
        let partner = |s: &Side| if s.account == "売掛金" { s.sub.clone() } else { String::new() };
        rows.push(vec![
            e.date.format("%Y/%m/%d").to_string(),
            cell(e.debit.account),
            cell(&partner(&e.debit)),
            cell(e.debit.tax),
            number(e.debit.amount),
            cell(e.credit.account),
            cell(&partner(&e.credit)),
            cell(e.credit.tax),
            number(e.credit.amount),
            cell(&e.memo),
        ]);
    }
    rows
}

/// The header of the payment register (入金台帳).
pub const PAYMENT_HEADER: [&str; 9] =
    ["入金ID", "入金日", "取引先", "入金方法", "金額", "消込額", "未消込", "振込名義", "参照番号・メモ"];

/// The payment register of `from`..=`to` (received dates).
pub async fn export_payments(
    app: &App,
    ctx: &Ctx,
    from: Option<&str>,
    to: Option<&str>,
    encoding: CsvEncoding,
) -> Result<JournalFile, AppError> {
    ctx.require(Permission::Read)?;
    let mut c = Checker::default();
    let from_d = c.required("from", from).and_then(|f| c.date("from", Some(f)));
    let to_d = c.required("to", to).and_then(|t| c.date("to", Some(t)));
    c.finish(|| ())?;
    let (from_d, to_d) = (from_d.expect("checked"), to_d.expect("checked"));
    let conn = app.db.conn();
    let names = customer_names(app, ctx).await?;
    let payments = payment::Entity::find()
        .filter(payment::Column::CompanyId.eq(ctx.company_id))
        .filter(payment::Column::ReceivedOn.between(from_d, to_d))
        .order_by_asc(payment::Column::ReceivedOn)
        .order_by_asc(payment::Column::Id)
        .all(conn)
        .await?;
    if payments.len() > MAX_ROWS {
        return Err(AppError::Validation(vec![crate::FieldError::new("from", "too_long", "export a shorter period")]));
    }
    let mut rows = vec![PAYMENT_HEADER.iter().map(|h| cell(h)).collect::<Vec<_>>()];
    for p in payments {
        rows.push(vec![
            number(p.id),
            p.received_on.to_string(),
            cell(names.get(&p.customer_id).map(String::as_str).unwrap_or("")),
            cell(match p.method.as_str() {
                "bank_transfer" => "銀行振込",
                "cash" => "現金",
                "card" => "カード",
                _ => "その他",
            }),
            number(p.amount),
            number(p.amount - p.unallocated),
            number(p.unallocated),
            cell(p.payer_name.as_deref().unwrap_or("")),
            cell(p.reference.as_deref().unwrap_or("")),
        ]);
    }
    Ok(JournalFile {
        bytes: encode(&rows, encoding),
        file_name: format!("payments_{}-{}.csv", from_d.format("%Y%m%d"), to_d.format("%Y%m%d")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(memo: &str) -> Entry {
        Entry {
            slip: 1,
            date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            debit: side("売掛金", "=HYPERLINK(\"x\")", "対象外", 11_000, 0),
            credit: side("売上高", "", "課税売上10%", 11_000, 1_000),
            memo: memo.into(),
            number: "I-2026-0001".into(),
        }
    }

    #[test]
    fn yayoi_rows_have_25_columns_without_header_and_neutral_cells() {
        let rows = yayoi(&[entry("@SUM(A1)")]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), 25);
        assert_eq!(rows[0][0], "2000");
        assert_eq!(rows[0][3], "2026/11/30");
        assert_eq!(rows[0][5], "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(rows[0][16], "'@SUM(A1)");
        assert_eq!((rows[0][8].as_str(), rows[0][14].as_str(), rows[0][15].as_str()), ("11000", "11000", "1000"));
    }

    #[test]
    fn moneyforward_rows_follow_its_header_and_name_the_partner() {
        let rows = moneyforward(&[entry("青山商事 I-2026-0001")]);
        assert_eq!(rows[0].len(), MF_HEADER.len());
        assert_eq!(rows[1].len(), MF_HEADER.len());
        assert_eq!(rows[1][14], "課税売上 10%");
        assert_eq!(rows[1][5], "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
