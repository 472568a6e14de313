//! What a document says, as plain data: the caller fills it from its own records; this
//! crate only lays it out. Amounts are yen (integers), dates `YYYY-MM-DD`.

use serde::Serialize;

/// Which document to lay out (one template each, sharing their parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 請求書 (a qualified invoice when the issuer is registered).
    Invoice,
    /// 領収書.
    Receipt,
    /// 見積書.
    Quote,
    /// 返還インボイス (適格返還請求書): a credit note against earlier sales.
    CreditNote,
}

impl DocumentKind {
    /// The template file of this kind.
    pub(crate) fn template(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice.typ",
            DocumentKind::Receipt => "receipt.typ",
            DocumentKind::Quote => "quote.typ",
            DocumentKind::CreditNote => "credit_note.typ",
        }
    }
}

/// The issuer (発行者).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Issuer {
    /// 氏名又は名称.
    pub name: String,
    /// 郵便番号.
    pub postal_code: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 電話番号.
    pub phone: Option<String>,
    /// 登録番号 (`T` + 13 digits); `None` for an unregistered issuer, whose document then
    /// carries no T-number and no qualified-invoice wording.
    pub registration_number: Option<String>,
}

/// The addressee (宛名).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Addressee {
    /// 氏名又は名称.
    pub name: String,
    /// `御中` or `様`.
    pub honorific: String,
    /// 郵便番号.
    pub postal_code: Option<String>,
    /// 住所.
    pub address: Option<String>,
}

/// One line of the table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Line {
    /// 品目.
    pub description: String,
    /// 数量, as entered (`1.5`).
    pub quantity: String,
    /// 単位.
    pub unit: String,
    /// 単価 (yen).
    pub unit_price: i64,
    /// 金額 (yen).
    pub amount: i64,
    /// `10`, `8`, `0`, `exempt` or `out_of_scope`.
    pub tax_rate: String,
}

/// One rate's totals (税率ごとに区分して合計した対価の額と消費税額).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RateTotal {
    /// The rate code, as on the lines.
    pub rate: String,
    /// Taxable amount excluding tax.
    pub taxable_amount: i64,
    /// Tax, computed once for the rate.
    pub tax: i64,
}

/// A 振込先.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BankAccount {
    /// 金融機関名.
    pub bank_name: String,
    /// 4-digit bank code.
    pub bank_code: String,
    /// 支店名.
    pub branch_name: String,
    /// 3-digit branch code.
    pub branch_code: String,
    /// 普通, 当座 or 貯蓄.
    pub account_type: String,
    /// 7 digits.
    pub account_number: String,
    /// 口座名義 (kana).
    pub account_name_kana: String,
}

/// Everything one document states.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Which document.
    pub kind: DocumentKind,
    /// The number (`I-2026-0001`); `None` on a draft.
    pub number: Option<String>,
    /// 発行日 / 請求日, `YYYY-MM-DD`.
    pub issue_date: String,
    /// お支払期限 (invoices) or 有効期限 (quotes), `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// A draft prints 「下書き」 across every page.
    pub draft: bool,
    /// 発行者.
    pub issuer: Issuer,
    /// 宛名.
    pub addressee: Addressee,
    /// 件名 (optional).
    pub subject: Option<String>,
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// Per-rate totals in the order 10, 8, 0, exempt, out_of_scope.
    pub rates: Vec<RateTotal>,
    /// Σ taxable amounts.
    pub subtotal: i64,
    /// Σ taxes.
    pub tax_total: i64,
    /// subtotal + tax.
    pub total: i64,
    /// 源泉徴収税額, when withheld.
    pub withholding_tax: Option<i64>,
    /// What the addressee pays (total − withholding).
    pub amount_due: i64,
    /// Whether unit prices were entered including tax.
    pub prices_include_tax: bool,
    /// 振込先.
    pub bank_accounts: Vec<BankAccount>,
    /// 備考.
    pub notes: Option<String>,
    /// For credit notes and corrections: the number and date of the original document.
    pub original: Option<String>,
    /// The company seal (角印) as PNG bytes.
    #[serde(skip)]
    pub seal_png: Option<Vec<u8>>,
}
