//! Bank statements exported as CSV. There is no national standard (`japan-rules.md` §5.3),
//! so each [`CsvPreset`] names the header of every column it needs; the header row is found
//! by those names (so column order and extra columns do not matter), the encoding is
//! detected (UTF-8 with or without BOM, else CP932), dates may be 西暦 or 和暦, amounts may
//! carry commas, `円` or a leading `△`/`▲`/`-`. The presets are modelled on the exports of
//! ANSER-type regional banks, 三菱UFJ銀行 and 住信SBIネット銀行; they must be checked against a
//! real file of the bank before production use (see `docs/decisions.md`).

use super::wareki;
use super::zengin::BankTransaction;
use chrono::NaiveDate;

/// How a preset finds its columns: each role lists the header names it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvPreset {
    /// `csv:anser`, … as `--format` takes it.
    pub id: &'static str,
    /// For people.
    pub label: &'static str,
    /// 勘定日 / 取引日.
    pub date: &'static [&'static str],
    /// 起算日, when the bank gives one.
    pub value_date: &'static [&'static str],
    /// Money in.
    pub deposit: &'static [&'static str],
    /// Money out.
    pub withdrawal: &'static [&'static str],
    /// Where the payer's name is (often 摘要 / 内容).
    pub payer: &'static [&'static str],
    /// The bank's reference number, when given.
    pub reference: &'static [&'static str],
    /// The balance after the movement, when given (identifies repeated equal movements).
    pub balance: &'static [&'static str],
    /// A memo or EDI column, when given.
    pub memo: &'static [&'static str],
}

/// ANSER-type CSV of regional banks.
pub const ANSER: CsvPreset = CsvPreset {
    id: "csv:anser",
    label: "ANSER形式（地方銀行など）",
    date: &["勘定日"],
    value_date: &["起算日"],
    deposit: &["入金金額"],
    withdrawal: &["出金金額"],
    payer: &["摘要"],
    reference: &["番号"],
    balance: &["残高"],
    memo: &[],
};

/// 三菱UFJ銀行's 入出金明細 CSV.
pub const MUFG: CsvPreset = CsvPreset {
    id: "csv:mufg",
    label: "三菱UFJ銀行",
    date: &["日付"],
    value_date: &[],
    deposit: &["預かり金額"],
    withdrawal: &["支払い金額"],
    payer: &["摘要内容"],
    reference: &[],
    balance: &["差引残高"],
    memo: &["メモ"],
};

/// 住信SBIネット銀行's 入出金明細 CSV.
pub const SBI: CsvPreset = CsvPreset {
    id: "csv:sbi",
    label: "住信SBIネット銀行",
    date: &["日付"],
    value_date: &[],
    deposit: &["入金金額(円)", "入金金額"],
    withdrawal: &["出金金額(円)", "出金金額"],
    payer: &["内容"],
    reference: &[],
    balance: &["残高(円)", "残高"],
    memo: &["メモ"],
};

/// Every preset, in the order `auto` tries them.
pub const PRESETS: &[CsvPreset] = &[ANSER, MUFG, SBI];

/// A problem in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {field}: {message}")]
pub struct CsvError {
    /// 1-based line.
    pub line: usize,
    /// The column (its header) or `file`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn file_error(message: impl Into<String>) -> CsvError {
    CsvError { line: 1, field: "file".into(), message: message.into() }
}

/// The text of the file: UTF-8 (a BOM is dropped) when it is valid UTF-8, else CP932.
pub fn decode(bytes: &[u8]) -> Result<String, CsvError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok(s.to_owned());
    }
    let (s, _, bad) = encoding_rs::SHIFT_JIS.decode(body);
    if bad {
        return Err(file_error("neither UTF-8 nor Shift_JIS (CP932) text"));
    }
    Ok(s.into_owned())
}

/// Full-width digits and signs as ASCII.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | 'ー' => '-',
            '，' => ',',
            c => c,
        })
        .collect()
}

/// `1,234`, `¥1,234`, `1234円`, `△1,234`; blank is 0.
pub fn amount(raw: &str) -> Option<i64> {
    let t = ascii_digits(raw.trim());
    let (negative, t) = match t.strip_prefix(['△', '▲', '-']) {
        Some(rest) => (true, rest.to_owned()),
        None => (false, t),
    };
    let digits: String = t.chars().filter(|c| !matches!(c, ',' | '円' | '¥' | '￥' | ' ')).collect();
    if digits.is_empty() {
        return Some(0);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if negative { -v } else { v })
}

/// The payer in a description such as `振込＊ヤマダ　タロウ` or `ﾌﾘｺﾐ ｶ)ｱｵﾔﾏ`.
pub fn payer_from_description(desc: &str) -> String {
    let t = desc.trim();
    for prefix in ["振込入金", "振込", "ﾌﾘｺﾐ", "フリコミ", "ﾌﾘｺﾐﾆﾕｳｷﾝ", "振替"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            let rest = rest.trim_start_matches([' ', '　', '＊', '*', '：', ':']);
            if !rest.is_empty() {
                return rest.to_owned();
            }
        }
    }
    t.to_owned()
}

/// Where each role is in the header row.
struct Layout {
    date: usize,
    value_date: Option<usize>,
    deposit: usize,
    withdrawal: Option<usize>,
    payer: usize,
    reference: Option<usize>,
    balance: Option<usize>,
    memo: Option<usize>,
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.iter().any(|n| h.trim() == *n))
}

fn layout(header: &[String], p: &CsvPreset) -> Option<Layout> {
    Some(Layout {
        date: find(header, p.date)?,
        value_date: find(header, p.value_date),
        deposit: find(header, p.deposit)?,
        withdrawal: find(header, p.withdrawal),
        payer: find(header, p.payer)?,
        reference: find(header, p.reference),
        balance: find(header, p.balance),
        memo: find(header, p.memo),
    })
}

fn rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| CsvError {
            line: e.position().map(|p| p.line() as usize).unwrap_or(0),
            field: "file".into(),
            message: format!("not readable as CSV: {e}"),
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(out.len() + 1);
        out.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

/// The preset whose headers the file has, and where its header row is.
pub fn detect(bytes: &[u8]) -> Option<&'static CsvPreset> {
    let text = decode(bytes).ok()?;
    let rows = rows(&text).ok()?;
    PRESETS.iter().find(|p| rows.iter().take(20).any(|(_, r)| layout(r, p).is_some()))
}

/// Parses a CSV statement with `preset` (the header row may follow a few lines of account
/// details). Every bad row is reported; any error means no transactions at all.
pub fn parse(bytes: &[u8], preset: &CsvPreset, today: NaiveDate) -> Result<Vec<BankTransaction>, Vec<CsvError>> {
    let text = decode(bytes).map_err(|e| vec![e])?;
    let rows = rows(&text).map_err(|e| vec![e])?;
    let Some((at, lay)) = rows.iter().enumerate().take(20).find_map(|(i, (_, r))| layout(r, preset).map(|l| (i, l)))
    else {
        return Err(vec![file_error(format!("no header row with the columns of {} ({})", preset.label, preset.id))]);
    };
    let header = &rows[at].1;
    let mut errors = Vec::new();
    let mut out: Vec<BankTransaction> = Vec::new();
    for (line, r) in rows.iter().skip(at + 1) {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| r.get(i).map(|s| s.trim()).unwrap_or("");
        let bad = |i: usize, message: String| CsvError { line: *line, field: header[i].clone(), message };
        let Some(booked_on) = wareki::any(cell(lay.date), today) else {
            errors.push(bad(lay.date, format!("{:?} is not a date", cell(lay.date))));
            continue;
        };
        let deposit = amount(cell(lay.deposit));
        let withdrawal = lay.withdrawal.map(|i| amount(cell(i))).unwrap_or(Some(0));
        let (Some(deposit), Some(withdrawal)) = (deposit, withdrawal) else {
            let i = if deposit.is_none() { lay.deposit } else { lay.withdrawal.unwrap_or(lay.deposit) };
            errors.push(bad(i, format!("{:?} is not an amount", cell(i))));
            continue;
        };
        let value = deposit - withdrawal;
        if value == 0 {
            continue; // a balance or memo line
        }
        let description = cell(lay.payer).to_owned();
        let balance = lay.balance.map(|i| cell(i).to_owned()).unwrap_or_default();
        let reference = match lay.reference.map(cell).filter(|s| !s.is_empty()) {
            Some(r) => r.to_owned(),
            // No bank reference: the balance after the movement tells equal movements apart;
            // without it, their order within the day does.
            None if !balance.is_empty() => format!("bal:{}", amount(&balance).unwrap_or_default()),
            None => {
                let n = out
                    .iter()
                    .filter(|t| t.booked_on == booked_on && t.amount == value && t.description == description)
                    .count();
                format!("seq:{}", n + 1)
            }
        };
        out.push(BankTransaction {
            record: *line,
            reference,
            booked_on,
            value_on: lay.value_date.and_then(|i| wareki::any(cell(i), today)),
            amount: value,
            payer_code: String::new(),
            payer_name: if value > 0 { payer_from_description(&description) } else { String::new() },
            remitting_bank: String::new(),
            remitting_branch: String::new(),
            edi: lay.memo.map(|i| cell(i).to_owned()).unwrap_or_default(),
            description,
            cancelled: false,
        });
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
#[path = "csv_statement_tests.rs"]
mod tests;
