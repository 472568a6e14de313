//! Maximum lengths of text fields, in characters.

/// Customer and company names.
pub const NAME: usize = 200;
/// Kana readings.
pub const NAME_KANA: usize = 200;
/// Postal addresses.
pub const ADDRESS: usize = 500;
/// Phone numbers.
pub const PHONE: usize = 30;
/// Postal codes.
pub const POSTAL_CODE: usize = 10;
/// Line descriptions.
pub const DESCRIPTION: usize = 500;
/// Line units (個, 時間, 式).
pub const UNIT: usize = 20;
/// Invoice notes and void reasons.
pub const NOTES: usize = 2000;
/// Payment references and payer names.
pub const REFERENCE: usize = 200;
/// Lines per invoice.
pub const LINES: usize = 1000;
/// Bank accounts per company.
pub const BANK_ACCOUNTS: usize = 10;
