//! HTTP tests: the whole router served on a real port, driven with reqwest, against a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod envelope;
mod security;
mod sessions;
