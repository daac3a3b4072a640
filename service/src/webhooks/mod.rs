//! Webhooks: the outbox's events delivered to the tenants' endpoints, signed as the Standard
//! Webhooks specification says. This holds the parts every delivery relies on: the signature a
//! receiver verifies, the signing secrets sealed at rest, and the rule for which addresses Lectern
//! may send to at all.

pub mod destination;
pub mod endpoints;
pub mod sealed;
pub mod signature;
