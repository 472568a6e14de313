//! The same three movements exported by three banks read as the same transactions.

use super::*;
use crate::bank::payer_name::normalise;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

fn cp932(s: &str) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::SHIFT_JIS.encode(s);
    assert!(!bad);
    b.into_owned()
}

fn anser() -> Vec<u8> {
    cp932(
        "\"照会口座\",\"番号\",\"勘定日\",\"起算日\",\"出金金額\",\"入金金額\",\"小切手区分\",\"残高\",\"取引区分\",\"明細区分\",\"金融機関名\",\"支店名\",\"摘要\"\r\n\
         \"1234567\",\"101\",\"R8.11.10\",\"R8.11.10\",\"\",\"220,000\",\"\",\"1,220,000\",\"11\",\"1\",\"ﾁﾊﾞｷﾞﾝｺｳ\",\"ﾎﾝﾃﾝ\",\"ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ\"\r\n\
         \"1234567\",\"102\",\"R8.11.15\",\"R8.11.15\",\"55,000\",\"\",\"\",\"1,165,000\",\"14\",\"1\",\"ﾁﾊﾞｷﾞﾝｺｳ\",\"ﾎﾝﾃﾝ\",\"ﾔﾁﾝ\"\r\n\
         \"1234567\",\"103\",\"R8.11.30\",\"R8.11.30\",\"\",\"108,460\",\"\",\"1,273,460\",\"11\",\"1\",\"ﾁﾊﾞｷﾞﾝｺｳ\",\"ﾎﾝﾃﾝ\",\"ｱｵﾔﾏｼﾖｳｼﾞ\"\r\n",
    )
}

fn mufg() -> Vec<u8> {
    cp932(
        "\"日付\",\"摘要\",\"摘要内容\",\"支払い金額\",\"預かり金額\",\"差引残高\",\"メモ\",\"未資金化区分\",\"入払区分\"\r\n\
         \"2026/11/10\",\"振込１\",\"ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ\",\"\",\"220,000\",\"1,220,000\",\"\",\"\",\"入金\"\r\n\
         \"2026/11/15\",\"口座振替\",\"ﾔﾁﾝ\",\"55,000\",\"\",\"1,165,000\",\"\",\"\",\"支払い\"\r\n\
         \"2026/11/30\",\"振込１\",\"ｱｵﾔﾏｼﾖｳｼﾞ\",\"\",\"108,460\",\"1,273,460\",\"I-2026-0002\",\"\",\"入金\"\r\n",
    )
}

fn sbi() -> Vec<u8> {
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(
        "\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\",\"残高(円)\",\"メモ\"\n\
         \"2026/11/10\",\"振込＊ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ\",\"\",\"220,000\",\"1,220,000\",\"-\"\n\
         \"2026/11/15\",\"口座振替 ﾔﾁﾝ\",\"55,000\",\"\",\"1,165,000\",\"-\"\n\
         \"2026/11/30\",\"振込＊ｱｵﾔﾏｼﾖｳｼﾞ\",\"\",\"108,460\",\"1,273,460\",\"-\"\n"
            .as_bytes(),
    );
    b
}

/// What matching needs of a transaction.
fn essence(ts: &[BankTransaction]) -> Vec<(NaiveDate, i64, String)> {
    ts.iter().map(|t| (t.booked_on, t.amount, normalise(&t.payer_name))).collect()
}

#[test]
fn three_presets_read_the_same_movements() {
    let a = parse(&anser(), &ANSER, today()).unwrap();
    let m = parse(&mufg(), &MUFG, today()).unwrap();
    let s = parse(&sbi(), &SBI, today()).unwrap();
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    let expected = vec![
        (d(10), 220_000, "ｻｸﾗﾃﾞｻﾞｲﾝ".to_owned()),
        (d(15), -55_000, String::new()),
        (d(30), 108_460, "ｱｵﾔﾏｼﾖｳｼﾞ".to_owned()),
    ];
    assert_eq!(essence(&a), expected, "ANSER");
    assert_eq!(essence(&m), expected, "MUFG");
    assert_eq!(essence(&s), expected, "SBI");
    assert_eq!(a[0].reference, "101", "the bank's number when there is one");
    assert_eq!(m[0].reference, "bal:1220000", "else the balance after the movement");
    assert_eq!(m[2].edi, "I-2026-0002", "the memo column");
    assert_eq!(a[1].description, "ﾔﾁﾝ");
}

#[test]
fn presets_are_detected_from_the_header_in_any_encoding() {
    assert_eq!(detect(&anser()).map(|p| p.id), Some("csv:anser"));
    assert_eq!(detect(&mufg()).map(|p| p.id), Some("csv:mufg"));
    assert_eq!(detect(&sbi()).map(|p| p.id), Some("csv:sbi"));
    assert_eq!(detect(b"a,b,c\n1,2,3\n"), None);
    // Account details above the header are skipped.
    let mut with_intro = cp932("\"口座番号\",\"1234567\"\r\n\"期間\",\"2026/11/01-2026/11/30\"\r\n");
    with_intro.extend(mufg());
    assert_eq!(parse(&with_intro, &MUFG, today()).unwrap().len(), 3);
}

#[test]
fn amounts_in_every_spelling() {
    for (raw, v) in [
        ("1,234", 1234),
        ("¥1,234", 1234),
        ("1234円", 1234),
        ("１，２３４", 1234),
        ("△500", -500),
        ("-500", -500),
        ("", 0),
    ] {
        assert_eq!(amount(raw), Some(v), "{raw}");
    }
    assert_eq!(amount("12a"), None);
}

#[test]
fn the_payer_is_taken_out_of_the_description() {
    assert_eq!(payer_from_description("振込＊ﾔﾏﾀﾞ ﾀﾛｳ"), "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_eq!(payer_from_description("ﾌﾘｺﾐ ｶ)ｱｵﾔﾏ"), "ｶ)ｱｵﾔﾏ");
    assert_eq!(payer_from_description("ｱｵﾔﾏｼﾖｳｼﾞ"), "ｱｵﾔﾏｼﾖｳｼﾞ");
}

#[test]
fn bad_rows_are_named_and_nothing_is_returned() {
    let text = "\"日付\",\"摘要\",\"摘要内容\",\"支払い金額\",\"預かり金額\",\"差引残高\"\n\
                \"2026/11/10\",\"振込１\",\"ﾕ)ｻｸﾗ\",\"\",\"220,000\",\"1,220,000\"\n\
                \"2026/13/01\",\"振込１\",\"ｱｵﾔﾏ\",\"\",\"1,000\",\"1,221,000\"\n\
                \"2026/11/20\",\"振込１\",\"ｱｵﾔﾏ\",\"\",\"千円\",\"1,221,000\"\n";
    let errors = parse(text.as_bytes(), &MUFG, today()).unwrap_err();
    let at: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(at, vec![(3, "日付"), (4, "預かり金額")]);
    let e = parse(b"x,y\n1,2\n", &SBI, today()).unwrap_err();
    assert!(e[0].message.contains("住信SBI"), "{e:?}");
    assert!(parse(&[0xFF, 0xFE, 0x80, 0x81], &SBI, today()).is_err());
}

#[test]
fn repeated_equal_movements_without_reference_or_balance_stay_apart() {
    let text = "\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\"\n\
                \"2026/11/10\",\"振込＊ｱｵﾔﾏ\",\"\",\"1,000\"\n\
                \"2026/11/10\",\"振込＊ｱｵﾔﾏ\",\"\",\"1,000\"\n";
    let t = parse(text.as_bytes(), &SBI, today()).unwrap();
    assert_eq!((t[0].reference.as_str(), t[1].reference.as_str()), ("seq:1", "seq:2"));
}
