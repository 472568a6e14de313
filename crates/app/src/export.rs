//! CSV for Excel in Japan: RFC 4180 quoting, UTF-8 with BOM (default) or CP932, and cells
//! that a spreadsheet would run as a formula neutralised.

/// Byte encoding of a CSV download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark, which Excel needs to detect UTF-8.
    Utf8Bom,
    /// Windows-31J (Shift_JIS as Excel in Japan writes it). Characters outside it become `?`.
    Cp932,
}

/// The `encoding` values [`CsvEncoding::parse`] takes, as a JSON Schema pattern.
pub const ENCODING_PATTERN: &str = "^(utf8|utf-8|cp932|sjis|shift_jis|windows-31j)?$";

impl CsvEncoding {
    /// `utf8` (default) or `cp932` / `sjis` / `shift_jis`, spelled as [`ENCODING_PATTERN`] says.
    pub fn parse(s: Option<&str>) -> Option<CsvEncoding> {
        match s {
            None | Some("") | Some("utf8") | Some("utf-8") => Some(CsvEncoding::Utf8Bom),
            Some("cp932") | Some("sjis") | Some("shift_jis") | Some("windows-31j") => Some(CsvEncoding::Cp932),
            _ => None,
        }
    }

    /// The `Content-Type` charset.
    pub fn charset(self) -> &'static str {
        match self {
            CsvEncoding::Utf8Bom => "utf-8",
            CsvEncoding::Cp932 => "Shift_JIS",
        }
    }
}

/// One cell: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` so spreadsheets show it as
/// text (OWASP CSV injection); quotes, commas and line breaks are quoted per RFC 4180.
pub fn cell(value: &str) -> String {
    let neutral = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if neutral.contains([',', '"', '\n', '\r']) || neutral.starts_with(' ') || neutral.ends_with(' ') {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A number cell: numbers are written as they are (a negative amount is not a formula).
pub fn number(value: i64) -> String {
    value.to_string()
}

/// The header of the invoice list download.
pub const INVOICE_HEADER: [&str; 12] = [
    "請求書番号",
    "状態",
    "請求日",
    "支払期限",
    "取引先",
    "小計",
    "消費税",
    "合計",
    "源泉徴収税額",
    "請求額",
    "入金済",
    "残高",
];

/// The invoice list as CSV rows (header first), cells already neutralised and quoted.
pub fn invoice_rows(invoices: &[crate::invoices::InvoiceView]) -> Vec<Vec<String>> {
    let mut rows = vec![INVOICE_HEADER.iter().map(|h| cell(h)).collect::<Vec<_>>()];
    for i in invoices {
        let status = i.status.parse::<invoicepilot_domain::InvoiceStatus>().map(|s| s.label_ja()).unwrap_or("");
        rows.push(vec![
            cell(i.number.as_deref().unwrap_or("")),
            cell(status),
            cell(&i.issue_date),
            cell(i.due_date.as_deref().unwrap_or("")),
            cell(&i.customer_name),
            number(i.subtotal),
            number(i.tax_total),
            number(i.total),
            number(i.withholding_tax),
            number(i.amount_due),
            number(i.amount_paid),
            number(i.balance),
        ]);
    }
    rows
}

/// Rows (already made of cells) to bytes, lines ended by CRLF.
pub fn encode(rows: &[Vec<String>], encoding: CsvEncoding) -> Vec<u8> {
    let mut text = String::new();
    for row in rows {
        text.push_str(&row.join(","));
        text.push_str("\r\n");
    }
    match encoding {
        CsvEncoding::Utf8Bom => {
            let mut out = vec![0xEF, 0xBB, 0xBF];
            out.extend_from_slice(text.as_bytes());
            out
        }
        CsvEncoding::Cp932 => {
            // encoding_rs would write an unmappable character as an HTML entity; a CSV cell
            // gets `?` instead, as Excel itself does.
            let mut out = Vec::with_capacity(text.len());
            let mut buf = [0u8; 4];
            for ch in text.chars() {
                let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(ch.encode_utf8(&mut buf));
                if unmappable { out.push(b'?') } else { out.extend_from_slice(&bytes) }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(cell("+81"), "'+81");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(number(-500), "-500");
    }

    #[test]
    fn rfc4180_quoting() {
        assert_eq!(cell("株式会社青山商事"), "株式会社青山商事");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn encodings() {
        let rows = vec![vec![cell("請求書番号"), cell("金額")], vec![cell("I-2026-0001"), number(30682)]];
        let utf8 = encode(&rows, CsvEncoding::Utf8Bom);
        assert_eq!(&utf8[..3], &[0xEF, 0xBB, 0xBF]);
        assert!(String::from_utf8(utf8[3..].to_vec()).unwrap().ends_with("I-2026-0001,30682\r\n"));
        let sjis = encode(&rows, CsvEncoding::Cp932);
        let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!had_errors);
        assert_eq!(decoded, "請求書番号,金額\r\nI-2026-0001,30682\r\n");
        // 請 is 0x90 0xBF in Shift_JIS.
        assert_eq!(&sjis[..2], &[0x90, 0xBF]);
        assert_eq!(encode(&[vec![cell("𠮷野家😀")]], CsvEncoding::Cp932), b"?\x96\xec\x89\xc6?\r\n".to_vec());
        assert_eq!(CsvEncoding::parse(Some("cp932")), Some(CsvEncoding::Cp932));
        assert_eq!(CsvEncoding::parse(None), Some(CsvEncoding::Utf8Bom));
        assert_eq!(CsvEncoding::parse(Some("latin1")), None);
    }
}
