//! Development tools used by the test suites, the benchmarks and `invoicepilot dev …`: a local
//! SMTP sink that can be told to fail, and throw-away databases on a test server.

pub mod database;
mod smtp;

pub use smtp::*;
