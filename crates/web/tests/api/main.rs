//! End-to-end tests of the JSON API against the real server.

mod bad_input;
mod bank;
mod company;
mod concurrency;
mod corrections;
mod credit_notes;
mod customers;
mod dashboard;
mod dunning;
mod exports;
mod helpers;
mod invoices;
mod isolation;
mod jobs;
mod mail;
mod openapi;
mod ops;
mod payments;
mod pdf;
mod quotes;
mod recurring;
mod seed;
mod summary;
mod ui_auth;
mod ui_pages;
mod ui_roles;
