//! The service's tests, in one binary: each module is one area of the service, and every test gets
//! its own fresh database from `#[sqlx::test]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod api_keys;
mod attempts;
mod auth;
mod completion;
mod courses;
mod enrollments;
mod grading;
mod idempotency;
mod isolation;
mod mail;
mod proctoring;
mod proctoring_control;
mod proctoring_live;
mod quiz_intro;
mod quizzes;
mod rate_limit;
mod receiver;
mod reset;
mod transactions;
mod users;
mod webhook_delivery;
mod webhooks;
