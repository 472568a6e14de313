//! Invoice number formats as a company types them: parsing may refuse, never panic; a
//! format that parses renders every sequence of every period to a number that fits the
//! `invoices.number` column (60 characters) and never gives two sequences the same number.
#![no_main]

use chrono::NaiveDate;
use invoicepilot_domain::InvoiceNumberFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let (head, text) = data.split_at(12);
    let Ok(s) = std::str::from_utf8(text) else { return };
    let Ok(format) = s.parse::<InvoiceNumberFormat>() else { return };
    let days = i32::from(u16::from_le_bytes([head[0], head[1]]));
    let date = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date") + chrono::Days::new(days as u64);
    let month = u32::from(head[2] % 12) + 1;
    let a = i64::from_le_bytes(head[3..11].try_into().expect("8 bytes")).unsigned_abs() as i64 & i64::MAX;
    let b = a.wrapping_add(1 + i64::from(head[11])) & i64::MAX;
    let (na, nb) = (format.render(date, month, a), format.render(date, month, b));
    assert!(na.chars().count() <= 60, "{na:?} is longer than the number column");
    if a != b {
        assert_ne!(na, nb, "sequences {a} and {b} render alike");
    }
    let _ = format.period_key(date, month);
});
