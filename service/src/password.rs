//! Password hashing with argon2id at its default (OWASP minimum) parameters, off the async threads.

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use domain::Password;

use crate::ServiceError;

pub async fn hash(password: &Password) -> Result<String, ServiceError> {
    let password = password.clone();
    let hashed = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("while hashing a password")??;
    Ok(hashed)
}

/// Verifies against `stored`, or against a fixed dummy hash when there is none, so that an unknown
/// email costs the same time as a wrong password and the two cannot be told apart.
pub async fn verify(password: &Password, stored: Option<String>) -> Result<bool, ServiceError> {
    let password = password.clone();
    let has_hash = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .context("while verifying a password")?;
    Ok(has_hash && matches)
}

/// The hash of a random password nobody knows, with argon2's default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dGhpc2lzYWR1bW15c2FsdA$Vr0zo6bqLUe4A6vFDSyF3Mo8EEy3VOjGbCWcQZVqS2M";
