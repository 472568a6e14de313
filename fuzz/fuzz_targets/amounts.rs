//! Money and quantity text as people type it: parsing may refuse, never panic, and a
//! parsed quantity prints back to a value that parses to the same quantity.
#![no_main]

use invoicepilot_domain::Quantity;
use invoicepilot_domain::bank::csv_statement;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = csv_statement::amount(s);
    let _ = invoicepilot_domain::bank::wareki::any(s, chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("date"));
    if let Ok(q) = s.parse::<Quantity>() {
        let again: Quantity = q.to_string().parse().expect("a printed quantity parses");
        assert_eq!(again, q);
    }
});
