//! Webhooks: the outbox's events delivered to the tenants' endpoints, signed as the Standard
//! Webhooks specification says: the endpoints admins manage, the worker that fans events out and
//! sends them with retries, the delivery log, the signature a receiver verifies, the signing
//! secrets sealed at rest, and the rule for which addresses Lectern may send to at all.

pub mod deliveries;
pub mod destination;
pub mod dispatch;
pub mod endpoints;
mod notices;
pub mod retry;
pub mod sealed;
pub mod signature;
