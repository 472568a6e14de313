//! Development tools used by the test suites, the benchmarks and `invoicepilot dev …`: a local
//! SMTP sink that can be told to fail, throw-away databases on a test server, and the data
//! generator of `invoicepilot dev seed`.

pub mod database;
pub mod seed;
mod smtp;

pub use smtp::*;
