//! A backup file as `restore` meets it, possibly damaged or hostile: reading must refuse
//! with an error, never panic, and accept nothing whose checksums do not hold.
#![no_main]

use invoicepilot_store::backup::Reader;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("invoicepilot-fuzz-backup-{}.tar", std::process::id()));
    let Ok(mut f) = std::fs::File::create(&path) else { return };
    if f.write_all(data).is_err() {
        return;
    }
    drop(f);
    if let Ok(reader) = Reader::open_verified(&path) {
        // Verified: reading the rows again must agree with the manifest.
        let mut rows = 0u64;
        reader.rows(|_, _| {
            rows += 1;
            Ok(())
        })
        .expect("a verified backup reads back");
        assert_eq!(rows, reader.manifest.parts.iter().map(|p| p.rows).sum::<u64>());
    }
});
