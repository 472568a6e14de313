//! Bank data: statement formats and the payer names in them.

pub mod csv_statement;
pub mod matching;
pub mod payer_name;
pub mod wareki;
pub mod zengin;
