//! Bank CSV exports (any encoding, any shape): detection and every preset may refuse,
//! never panic; payer names from whatever the description holds normalise without panic.
#![no_main]

use chrono::NaiveDate;
use invoicepilot_domain::bank::{csv_statement, payer_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
    let _ = csv_statement::detect(data);
    for preset in csv_statement::PRESETS {
        if let Ok(rows) = csv_statement::parse(data, preset, today) {
            for t in rows {
                assert!(t.amount != 0, "zero movements are skipped");
                let n = payer_name::normalise(&t.payer_name);
                let _ = payer_name::matches(&n, &n);
            }
        }
    }
});
