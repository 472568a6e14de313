//! Fixtures built field by field from the published layouts (`japan-rules.md` §5.2–5.3).

use super::*;

/// A 200-byte record: each field at its 1-based position, N fields zero-padded on the left,
/// C fields CP932-encoded and space-padded on the right.
fn record(fields: &[(usize, usize, &str)]) -> Vec<u8> {
    let mut r = vec![b' '; RECORD];
    for &(pos, len, value) in fields {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(value);
        assert!(!unmappable, "{value} is not CP932");
        assert!(bytes.len() <= len, "{value} is longer than {len}");
        let numeric = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        let start = if numeric { pos - 1 + len - bytes.len() } else { pos - 1 };
        if numeric {
            r[pos - 1..start].fill(b'0');
        }
        r[start..start + bytes.len()].copy_from_slice(&bytes);
    }
    r
}

fn header01() -> Vec<u8> {
    record(&[
        (1, 1, "1"),
        (2, 2, "01"),
        (4, 1, "0"),
        (5, 6, "081201"),
        (11, 6, "081201"),
        (17, 6, "081201"),
        (23, 4, "0009"),
        (27, 15, "ﾐﾂｲｽﾐﾄﾓ"),
        (42, 3, "123"),
        (45, 15, "ﾄｳｷﾖｳ"),
        (60, 1, "1"),
        (61, 7, "1234567"),
        (68, 40, "ｶ)ﾃｽﾄ"),
    ])
}

fn data01(reference: &str, amount: &str, name: &str, edi: &str, cancel: &str) -> Vec<u8> {
    record(&[
        (1, 1, "2"),
        (2, 6, reference),
        (8, 6, "081201"),
        (14, 6, "081201"),
        (20, 10, amount),
        (30, 10, "0"),
        (50, 48, name),
        (98, 15, "ﾐｽﾞﾎ"),
        (113, 15, "ｼﾌﾞﾔ"),
        (128, 1, cancel),
        (153, 20, edi),
    ])
}

fn trailer01(n: &str, total: &str, cn: &str, ctotal: &str) -> Vec<u8> {
    record(&[(1, 1, "8"), (2, 6, n), (8, 12, total), (20, 6, cn), (26, 12, ctotal)])
}

fn end() -> Vec<u8> {
    record(&[(1, 1, "9")])
}

fn file(records: &[Vec<u8>], sep: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(r);
        out.extend_from_slice(sep);
    }
    out
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

fn sample01() -> Vec<Vec<u8>> {
    vec![
        header01(),
        data01("000001", "108900", "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", "I-2026-0001", "0"),
        data01("000002", "54230", "ﾔﾏﾀﾞ ﾀﾛｳ", "", "0"),
        data01("000001", "108900", "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", "", "1"),
        trailer01("2", "163130", "1", "108900"),
        end(),
    ]
}

#[test]
fn transfer_notice_with_crlf_lf_or_no_separator() {
    for sep in [&b"\r\n"[..], b"\n", b""] {
        let bytes = file(&sample01(), sep);
        assert!(looks_like_zengin(&bytes));
        let s = parse(&bytes, today()).unwrap_or_else(|e| panic!("{sep:?}: {e:?}"));
        assert_eq!(s.len(), 1);
        let st = &s[0];
        assert_eq!(st.kind, ZenginKind::TransferNotice);
        assert_eq!(st.from, NaiveDate::from_ymd_opt(2026, 12, 1), "令和8年12月1日");
        assert_eq!(st.account.bank_code, "0009");
        assert_eq!(st.account.bank_name, "ﾐﾂｲｽﾐﾄﾓ");
        assert_eq!(st.account.account_number, "1234567");
        assert_eq!(st.account.account_name, "ｶ)ﾃｽﾄ");
        assert_eq!(st.transactions.len(), 3);
        let t = &st.transactions[0];
        assert_eq!((t.reference.as_str(), t.amount, t.payer_name.as_str()), ("000001", 108_900, "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ"));
        assert_eq!(t.edi, "I-2026-0001");
        assert_eq!(t.remitting_bank, "ﾐｽﾞﾎ");
        assert_eq!(t.record, 2);
        assert!(st.transactions[2].cancelled);
        assert_eq!(st.transactions[1].payer_name, "ﾔﾏﾀﾞ ﾀﾛｳ", "inner spaces kept as printed");
    }
}

#[test]
fn an_eof_byte_and_trailing_newlines_are_ignored() {
    let mut bytes = file(&sample01(), b"\r\n");
    bytes.extend_from_slice(b"\r\n\x1a");
    assert!(parse(&bytes, today()).is_ok());
}

#[test]
fn several_accounts_in_one_file() {
    let mut recs = sample01();
    recs.pop();
    recs.extend(sample01());
    let s = parse(&file(&recs, b"\r\n"), today()).unwrap();
    assert_eq!(s.len(), 2);
}

#[test]
fn malformed_records_are_named_by_record_and_field() {
    let mut recs = sample01();
    recs[2] = data01("000002", "54230", "ﾔﾏﾀﾞ ﾀﾛｳ", "", "0");
    recs[2][19] = b'X'; // inside 金額
    recs[1][7..13].copy_from_slice(b"081399"); // 勘定日 13月
    let errors = parse(&file(&recs, b"\r\n"), today()).unwrap_err();
    let fields: Vec<(usize, &str)> = errors.iter().map(|e| (e.record, e.field)).collect();
    assert!(fields.contains(&(2, "勘定日")), "{errors:?}");
    assert!(fields.contains(&(3, "金額")), "{errors:?}");
    assert!(errors.iter().all(|e| !e.message.is_empty()));
}

#[test]
fn trailer_totals_must_match() {
    let mut recs = sample01();
    recs[4] = trailer01("2", "163131", "1", "108900");
    let errors = parse(&file(&recs, b"\n"), today()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].record, errors[0].field), (5, "振込合計金額"));
    assert!(errors[0].message.contains("163131") && errors[0].message.contains("163130"));
}

#[test]
fn truncated_files_are_refused() {
    let bytes = file(&sample01(), b"");
    let e = parse(&bytes[..bytes.len() - 50], today()).unwrap_err();
    assert_eq!(e[0].field, "レコード長");
    let e = parse(&bytes[..bytes.len() - RECORD], today()).unwrap_err();
    assert!(e.iter().any(|e| e.field == "エンド"), "{e:?}");
    let lines = file(&sample01()[..4], b"\r\n");
    let e = parse(&lines, today()).unwrap_err();
    assert!(e.iter().any(|e| e.field == "トレーラ" || e.field == "エンド"), "{e:?}");
    assert!(parse(b"", today()).is_err());
}

#[test]
fn other_formats_and_codes_are_refused_clearly() {
    let mut recs = sample01();
    recs[0][1..3].copy_from_slice(b"21");
    let e = parse(&file(&recs, b"\n"), today()).unwrap_err();
    assert_eq!(e[0].field, "種別コード");
    let mut recs = sample01();
    recs[0][3] = b'1';
    let e = parse(&file(&recs, b"\n"), today()).unwrap_err();
    assert_eq!(e[0].field, "コード区分");
}

fn header03() -> Vec<u8> {
    record(&[
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
    ])
}

/// `[照会番号, 勘定日, 入払区分, 取引区分, 金額, 振込依頼人名, 摘要, EDI情報]`.
fn data03(f: [&str; 8]) -> Vec<u8> {
    let [reference, date, dir, kind, amount, name, memo, edi] = f;
    record(&[
        (1, 1, "2"),
        (2, 8, reference),
        (10, 6, date),
        (16, 6, date),
        (22, 1, dir),
        (23, 2, kind),
        (25, 12, amount),
        (37, 12, "0"),
        (82, 48, name),
        (130, 15, "ﾕｳﾁﾖ"),
        (160, 20, memo),
        (180, 20, edi),
    ])
}

#[test]
fn account_statement_with_money_in_and_out() {
    let recs = vec![
        header03(),
        data03(["00000001", "081110", "1", "11", "220000", "ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ", "ﾌﾘｺﾐ", ""]),
        data03(["00000002", "081115", "2", "14", "55000", "", "ﾔﾁﾝ", ""]),
        data03(["00000003", "081130", "1", "11", "108460", "ｱｵﾔﾏｼﾖｳｼﾞ", "ﾌﾘｺﾐ", "I-2026-0002"]),
        record(&[
            (1, 1, "8"),
            (2, 6, "2"),
            (8, 13, "328460"),
            (21, 6, "1"),
            (27, 13, "55000"),
            (40, 1, "1"),
            (41, 14, "1273460"),
            (55, 7, "3"),
        ]),
        end(),
    ];
    let s = parse(&file(&recs, b"\r\n"), today()).unwrap();
    let st = &s[0];
    assert_eq!(st.kind, ZenginKind::AccountStatement);
    assert_eq!(st.account.account_number, "0001234567");
    assert_eq!(st.account.bank_name, "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ");
    assert_eq!((st.opening_balance, st.closing_balance), (Some(1_000_000), Some(1_273_460)));
    let amounts: Vec<i64> = st.transactions.iter().map(|t| t.amount).collect();
    assert_eq!(amounts, vec![220_000, -55_000, 108_460]);
    assert_eq!(st.transactions[1].description, "ﾔﾁﾝ");
    assert_eq!(st.transactions[2].edi, "I-2026-0002");
    assert_eq!(st.transactions[0].booked_on, NaiveDate::from_ymd_opt(2026, 11, 10).unwrap());
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for len in [0usize, 1, 199, 200, 201, 400, 1000] {
        for _ in 0..50 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 256) as u8
                })
                .collect();
            let _ = parse(&bytes, today());
        }
    }
    // Every record of a valid file damaged in turn.
    let good = file(&sample01(), b"\r\n");
    for i in (0..good.len()).step_by(7) {
        let mut b = good.clone();
        b[i] = b'#';
        let _ = parse(&b, today());
    }
}
