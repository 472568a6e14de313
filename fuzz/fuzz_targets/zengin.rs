//! 全銀協 01/03 files from anyone's bank export: the parser may refuse, never panic, and
//! what it accepts must add up (its trailer checks are the parser's own promise).
#![no_main]

use chrono::NaiveDate;
use invoicepilot_domain::bank::zengin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
    let _ = zengin::looks_like_zengin(data);
    if let Ok(statements) = zengin::parse(data, today) {
        for s in statements {
            for t in s.transactions {
                assert!(t.record >= 1);
                let _ = invoicepilot_domain::bank::payer_name::normalise(&t.payer_name);
            }
        }
    }
});
