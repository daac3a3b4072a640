//! HTTP tests: the whole router served on a real port, driven with reqwest, against a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod audit;
mod authorization;
mod content;
mod courses;
mod enrollments;
mod envelope;
mod headers;
mod idempotency;
mod keys;
mod openapi;
mod proctoring;
mod proctoring_live;
mod quizzes;
mod rate_limits;
mod scim;
mod secrets;
mod security;
mod sessions;
mod settings;
mod users;
mod webhooks;
