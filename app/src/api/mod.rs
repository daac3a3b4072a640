//! Server functions, grouped by domain. Each parses its input, calls one service function with the
//! caller, and maps the result. Endpoints are named so that tests and tools can call them.

pub mod audit;
pub mod auth;
pub mod courses;
pub mod dev;
pub mod keys;
pub mod learning;
pub mod proctoring;
pub mod quiz_authoring;
pub mod quizzes;
pub mod tenant;
pub mod users;
pub mod webhooks;
