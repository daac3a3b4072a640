//! The axum server: configuration, start-up, the `/v1` REST router, and cross-cutting middleware.

pub mod bench_sessions;
pub mod config;
pub mod csrf;
pub mod live;
pub mod operator;
pub mod public_limit;
pub mod request_id;
pub mod scim;
pub mod security_headers;
pub mod session_cache;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod v1;
pub mod webhook_worker;
pub mod workers;
