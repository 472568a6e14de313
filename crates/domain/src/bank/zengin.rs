//! 全銀協 fixed-length bank files of 200-byte records (`japan-rules.md` §5): 振込入金通知
//! (種別コード 01) and 入出金取引明細 (03), in Shift_JIS/CP932, with CR LF, LF or no record
//! separator. A file holds one or more header … data … trailer groups and an end record.
//! Every record is checked (type, field syntax, trailer totals); the first problem of each
//! record is reported with its record number and field, and a file with any problem yields
//! no statement at all, so nothing is ever imported partially.

use super::wareki;
use chrono::NaiveDate;
use serde::Serialize;

/// Bytes per record.
pub const RECORD: usize = 200;

/// Which 全銀協 format a statement came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZenginKind {
    /// 振込入金通知 (01): incoming transfers only.
    TransferNotice,
    /// 入出金取引明細 (03): every movement of the account.
    AccountStatement,
}

/// The account a statement is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankAccountRef {
    /// 銀行コード (4 digits).
    pub bank_code: String,
    /// 銀行名 (half-width kana).
    pub bank_name: String,
    /// 支店コード (3 digits).
    pub branch_code: String,
    /// 支店名.
    pub branch_name: String,
    /// 預金種目: 1 普通, 2 当座, 4 貯蓄, 9 その他.
    pub account_type: u8,
    /// 口座番号 (leading zeros kept as printed, 7 digits on 01 files).
    pub account_number: String,
    /// 口座名義.
    pub account_name: String,
}

/// One movement of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankTransaction {
    /// Record number in the file (1-based), for messages.
    pub record: usize,
    /// 照会番号: the bank's reference, unique per account and date.
    pub reference: String,
    /// 勘定日: the booking date.
    pub booked_on: NaiveDate,
    /// 起算日 / 預入・払出日, when given.
    pub value_on: Option<NaiveDate>,
    /// Yen; positive for money received, negative for money paid out.
    pub amount: i64,
    /// 振込依頼人コード, when given.
    pub payer_code: String,
    /// 振込依頼人名 as printed (half-width kana).
    pub payer_name: String,
    /// 仕向銀行名.
    pub remitting_bank: String,
    /// 仕向店名.
    pub remitting_branch: String,
    /// EDI情報: the payer's reference, often an invoice number.
    pub edi: String,
    /// 摘要 (03 files).
    pub description: String,
    /// 取消区分 = 1: the bank cancels an earlier notification of the same reference.
    pub cancelled: bool,
}

/// One header … trailer group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZenginStatement {
    /// The format.
    pub kind: ZenginKind,
    /// 作成日.
    pub created_on: Option<NaiveDate>,
    /// 勘定日(自).
    pub from: Option<NaiveDate>,
    /// 勘定日(至).
    pub to: Option<NaiveDate>,
    /// The account.
    pub account: BankAccountRef,
    /// 取引前残高 (03 files).
    pub opening_balance: Option<i64>,
    /// 取引後残高 (03 files).
    pub closing_balance: Option<i64>,
    /// The movements, in file order.
    pub transactions: Vec<BankTransaction>,
}

/// A problem in one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("record {record}, {field}: {message}")]
pub struct RecordError {
    /// Record number (1-based; the line number when records are on lines).
    pub record: usize,
    /// The field (its 全銀協 name).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// True when `bytes` look like a 全銀協 file (first record a 01 or 03 header).
pub fn looks_like_zengin(bytes: &[u8]) -> bool {
    bytes.len() >= RECORD && bytes[0] == b'1' && (&bytes[1..3] == b"01" || &bytes[1..3] == b"03")
}

/// Splits the file into records: on line breaks when it has them, else every 200 bytes. A
/// trailing EOF byte (0x1A) and blank lines at the end are ignored.
fn records(bytes: &[u8]) -> Result<Vec<&[u8]>, RecordError> {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], 0x1A | b'\r' | b'\n') {
        end -= 1;
    }
    let body = &bytes[..end];
    if body.contains(&b'\n') || body.contains(&b'\r') {
        return Ok(body.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect());
    }
    if !body.len().is_multiple_of(RECORD) {
        return Err(RecordError {
            record: body.len() / RECORD + 1,
            field: "レコード長",
            message: format!(
                "the file is {} bytes, not a multiple of {RECORD}: truncated or not a 全銀協 file",
                body.len()
            ),
        });
    }
    Ok(body.chunks(RECORD).collect())
}

/// Reader of one record's fields.
struct Rec<'a> {
    bytes: &'a [u8],
    n: usize,
    today: NaiveDate,
}

impl Rec<'_> {
    fn err(&self, field: &'static str, message: impl Into<String>) -> RecordError {
        RecordError { record: self.n, field, message: message.into() }
    }

    /// Field at 1-based `pos` of `len` bytes, decoded from CP932, trailing spaces removed.
    fn text(&self, pos: usize, len: usize) -> String {
        let raw = &self.bytes[pos - 1..pos - 1 + len];
        let (s, _, _) = encoding_rs::SHIFT_JIS.decode(raw);
        s.trim_end_matches([' ', '\u{3000}']).trim_start().to_owned()
    }

    /// An N field: digits, possibly space-padded; blank reads as 0.
    fn num(&self, pos: usize, len: usize, field: &'static str) -> Result<i64, RecordError> {
        let t = self.text(pos, len);
        if t.is_empty() {
            return Ok(0);
        }
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(field, format!("{t:?} is not a number")));
        }
        t.parse().map_err(|_| self.err(field, format!("{t:?} is too large")))
    }

    fn date(&self, pos: usize, field: &'static str, required: bool) -> Result<Option<NaiveDate>, RecordError> {
        let t = self.text(pos, 6);
        if t.is_empty() || t == "000000" {
            return if required { Err(self.err(field, "missing")) } else { Ok(None) };
        }
        wareki::yymmdd(&t, self.today)
            .map(Some)
            .ok_or_else(|| self.err(field, format!("{t:?} is not a date (和暦 YYMMDD)")))
    }
}

/// A group being read.
struct Open {
    statement: ZenginStatement,
    header: usize,
}

/// Parses a whole file (see the module documentation); `today` decides 和暦 against 西暦.
pub fn parse(bytes: &[u8], today: NaiveDate) -> Result<Vec<ZenginStatement>, Vec<RecordError>> {
    let recs = records(bytes).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut done = Vec::new();
    let mut open: Option<Open> = None;
    let mut ended = false;
    for (i, bytes) in recs.iter().enumerate() {
        let r = Rec { bytes, n: i + 1, today };
        if bytes.len() != RECORD {
            errors.push(r.err("レコード長", format!("{} bytes, expected {RECORD}", bytes.len())));
            continue;
        }
        if ended {
            errors.push(r.err("データ区分", "a record after the end record"));
            continue;
        }
        let result = match bytes[0] {
            b'1' => header(&r).map(|s| {
                if let Some(o) = open.take() {
                    errors.push(RecordError {
                        record: o.header,
                        field: "トレーラ",
                        message: "the group has no trailer record".into(),
                    });
                }
                open = Some(Open { statement: s, header: r.n });
            }),
            b'2' => match open.as_mut() {
                Some(o) => data(&r, o.statement.kind).map(|t| o.statement.transactions.push(t)),
                None => Err(r.err("データ区分", "a data record before any header")),
            },
            b'8' => match open.take() {
                Some(mut o) => trailer(&r, &mut o.statement).map(|()| done.push(o.statement)),
                None => Err(r.err("データ区分", "a trailer without a header")),
            },
            b'9' => {
                ended = true;
                match open.take() {
                    Some(o) => Err(RecordError {
                        record: o.header,
                        field: "トレーラ",
                        message: "the group has no trailer record".into(),
                    }),
                    None => Ok(()),
                }
            }
            other => Err(r.err("データ区分", format!("{:?} is not 1, 2, 8 or 9", other as char))),
        };
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if !ended {
        errors.push(RecordError {
            record: recs.len(),
            field: "エンド",
            message: "the end record (9) is missing: truncated file".into(),
        });
    }
    if done.is_empty() && errors.is_empty() {
        errors.push(RecordError { record: 1, field: "ヘッダー", message: "no statement in the file".into() });
    }
    if errors.is_empty() { Ok(done) } else { Err(errors) }
}

fn header(r: &Rec) -> Result<ZenginStatement, RecordError> {
    let kind = match r.text(2, 2).as_str() {
        "01" => ZenginKind::TransferNotice,
        "03" => ZenginKind::AccountStatement,
        other => {
            return Err(
                r.err("種別コード", format!("{other:?}: only 01 (振込入金通知) and 03 (入出金取引明細) are read"))
            );
        }
    };
    match r.text(4, 1).as_str() {
        "0" | "" => {}
        other => return Err(r.err("コード区分", format!("{other:?}: only 0 (JIS / Shift_JIS) is read, not EBCDIC"))),
    }
    let created_on = r.date(5, "作成日", false)?;
    let from = r.date(11, "勘定日(自)", false)?;
    let to = r.date(17, "勘定日(至)", false)?;
    let digits = |pos, len, field| -> Result<String, RecordError> {
        let t = r.text(pos, len);
        if t.bytes().all(|b| b.is_ascii_digit()) { Ok(t) } else { Err(r.err(field, format!("{t:?} is not digits"))) }
    };
    let (account_type_at, number_at, number_len, name_at) = match kind {
        ZenginKind::TransferNotice => (60, 61, 7, 68),
        ZenginKind::AccountStatement => (63, 64, 10, 74),
    };
    let account = BankAccountRef {
        bank_code: digits(23, 4, "銀行コード")?,
        bank_name: r.text(27, 15),
        branch_code: digits(42, 3, "支店コード")?,
        branch_name: r.text(45, 15),
        account_type: r.num(account_type_at, 1, "預金種目")? as u8,
        account_number: digits(number_at, number_len, "口座番号")?,
        account_name: r.text(name_at, 40),
    };
    let opening_balance = match kind {
        ZenginKind::AccountStatement => {
            let b = r.num(116, 14, "取引前残高")?;
            // 貸越区分 2 = overdrawn: the balance is a debt.
            Some(if r.text(114, 1) == "2" { -b } else { b })
        }
        ZenginKind::TransferNotice => None,
    };
    Ok(ZenginStatement {
        kind,
        created_on,
        from,
        to,
        account,
        opening_balance,
        closing_balance: None,
        transactions: vec![],
    })
}

fn data(r: &Rec, kind: ZenginKind) -> Result<BankTransaction, RecordError> {
    match kind {
        ZenginKind::TransferNotice => {
            let amount = r.num(20, 10, "金額")?;
            let wide = r.num(129, 12, "金額(2)")?;
            let cancelled = match r.text(128, 1).as_str() {
                "" | "0" => false,
                "1" => true,
                other => return Err(r.err("取消区分", format!("{other:?} is not 0 or 1"))),
            };
            Ok(BankTransaction {
                record: r.n,
                reference: r.text(2, 6),
                booked_on: r.date(8, "勘定日", true)?.unwrap_or_default(),
                value_on: r.date(14, "起算日", false)?,
                amount: if wide > 0 { wide } else { amount },
                payer_code: r.text(40, 10),
                payer_name: r.text(50, 48),
                remitting_bank: r.text(98, 15),
                remitting_branch: r.text(113, 15),
                edi: r.text(153, 20),
                description: String::new(),
                cancelled,
            })
        }
        ZenginKind::AccountStatement => {
            let sign = match r.text(22, 1).as_str() {
                "1" => 1,
                "2" => -1,
                other => return Err(r.err("入払区分", format!("{other:?} is not 1 (入金) or 2 (出金)"))),
            };
            Ok(BankTransaction {
                record: r.n,
                reference: r.text(2, 8),
                booked_on: r.date(10, "勘定日", true)?.unwrap_or_default(),
                value_on: r.date(16, "預入・払出日", false)?,
                amount: sign * r.num(25, 12, "取引金額")?,
                payer_code: r.text(72, 10),
                payer_name: r.text(82, 48),
                remitting_bank: r.text(130, 15),
                remitting_branch: r.text(145, 15),
                edi: r.text(180, 20),
                description: r.text(160, 20),
                cancelled: r.text(23, 2) == "19",
            })
        }
    }
}

fn trailer(r: &Rec, s: &mut ZenginStatement) -> Result<(), RecordError> {
    let mismatch = |field: &'static str, stated: i64, found: i64| {
        r.err(field, format!("the trailer says {stated}, the data records add up to {found}"))
    };
    let sum = |pred: &dyn Fn(&BankTransaction) -> bool| -> (i64, i64) {
        let picked: Vec<_> = s.transactions.iter().filter(|t| pred(t)).collect();
        (picked.len() as i64, picked.iter().map(|t| t.amount.abs()).sum())
    };
    match s.kind {
        ZenginKind::TransferNotice => {
            let (n, total) = sum(&|t| !t.cancelled);
            let (cn, ctotal) = sum(&|t| t.cancelled);
            for (field, stated, found) in [
                ("振込合計件数", r.num(2, 6, "振込合計件数")?, n),
                ("振込合計金額", r.num(8, 12, "振込合計金額")?, total),
                ("取消合計件数", r.num(20, 6, "取消合計件数")?, cn),
                ("取消合計金額", r.num(26, 12, "取消合計金額")?, ctotal),
            ] {
                if stated != found {
                    return Err(mismatch(field, stated, found));
                }
            }
        }
        ZenginKind::AccountStatement => {
            let (n_in, total_in) = sum(&|t| t.amount >= 0);
            let (n_out, total_out) = sum(&|t| t.amount < 0);
            for (field, stated, found) in [
                ("入金件数", r.num(2, 6, "入金件数")?, n_in),
                ("入金額合計", r.num(8, 13, "入金額合計")?, total_in),
                ("出金件数", r.num(21, 6, "出金件数")?, n_out),
                ("出金額合計", r.num(27, 13, "出金額合計")?, total_out),
            ] {
                if stated != found {
                    return Err(mismatch(field, stated, found));
                }
            }
            let records = r.num(55, 7, "データレコード件数")?;
            if records != 0 && records != s.transactions.len() as i64 {
                return Err(mismatch("データレコード件数", records, s.transactions.len() as i64));
            }
            let b = r.num(41, 14, "取引後残高")?;
            s.closing_balance = Some(if r.text(40, 1) == "2" { -b } else { b });
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "zengin_tests.rs"]
mod tests;
