//! Signing secrets at rest. A delivery must sign with the endpoint's secret, so it cannot be
//! stored as a hash the way API keys are; it is sealed instead (XChaCha20-Poly1305) under a key
//! derived from the server's `LECTERN_SECRET_KEY`, so a copy of the database alone signs nothing.
//! The endpoint's tenant and id are bound into each seal: a sealed secret copied onto another
//! endpoint's row does not open there.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::signature::SigningSecret;

/// The stored form's version, so the scheme can change without guessing at old rows.
const VERSION: &str = "v1.";
/// Derives this purpose's key, so the server key's other uses never share it.
const PURPOSE: &[u8] = b"lectern/webhook-signing-secret/v1";
const NONCE_BYTES: usize = 24;

/// Seals and opens endpoints' signing secrets with the server's key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    /// The box for `server_key` (`LECTERN_SECRET_KEY`, at least 64 characters).
    pub fn new(server_key: &[u8]) -> Self {
        // HKDF's expand step for one block: HMAC of the purpose and a counter of 1. A server key
        // of any length is a valid HMAC key, so the match's second arm cannot run.
        let key = match <Hmac<Sha256> as Mac>::new_from_slice(server_key) {
            Ok(mut mac) => {
                mac.update(PURPOSE);
                mac.update(&[1]);
                mac.finalize().into_bytes()
            }
            Err(_) => Default::default(),
        };
        SecretBox {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// The stored form of `secret` for the endpoint `endpoint` of `tenant`: a fresh random nonce
    /// each time, so sealing one secret twice gives two different texts.
    pub fn seal(&self, secret: &SigningSecret, tenant: Uuid, endpoint: Uuid) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = binding(tenant, endpoint);
        let plain = secret.reveal();
        // Encryption fails only for messages past 256 GiB.
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{VERSION}{}", BASE64.encode(bytes))
    }

    /// The secret sealed in `stored` for that endpoint; None when it was sealed under another key,
    /// for another endpoint, or altered.
    pub fn open(&self, stored: &str, tenant: Uuid, endpoint: Uuid) -> Option<SigningSecret> {
        let bytes = BASE64.decode(stored.strip_prefix(VERSION)?).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let aad = binding(tenant, endpoint);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .ok()?;
        SigningSecret::parse(std::str::from_utf8(&plain).ok()?)
    }
}

fn binding(tenant: Uuid, endpoint: Uuid) -> [u8; 32] {
    let mut aad = [0u8; 32];
    aad[..16].copy_from_slice(tenant.as_bytes());
    aad[16..].copy_from_slice(endpoint.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_sealed_secret_opens_only_for_its_endpoint_under_its_key() {
        let (tenant, endpoint) = (Uuid::new_v4(), Uuid::new_v4());
        let secret = SigningSecret::generate();
        let sealer = SecretBox::new(KEY);
        let stored = sealer.seal(&secret, tenant, endpoint);
        assert!(!stored.contains(&secret.reveal()["whsec_".len()..]));
        assert_eq!(sealer.open(&stored, tenant, endpoint), Some(secret.clone()));

        assert_eq!(sealer.open(&stored, tenant, Uuid::new_v4()), None);
        assert_eq!(sealer.open(&stored, Uuid::new_v4(), endpoint), None);
        let other_key =
            SecretBox::new(b"another server key of sixty-four characters, more or less......");
        assert_eq!(other_key.open(&stored, tenant, endpoint), None);
    }

    #[test]
    fn an_altered_or_foreign_text_does_not_open() {
        let (tenant, endpoint) = (Uuid::new_v4(), Uuid::new_v4());
        let sealer = SecretBox::new(KEY);
        let stored = sealer.seal(&SigningSecret::generate(), tenant, endpoint);
        let mut bytes = BASE64.decode(&stored[VERSION.len()..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("{VERSION}{}", BASE64.encode(bytes));
        for text in [
            altered.as_str(),
            "",
            "v1.",
            "v1.AAAA",
            "whsec_abc",
            &stored[1..],
        ] {
            assert_eq!(sealer.open(text, tenant, endpoint), None, "{text}");
        }
    }

    #[test]
    fn sealing_twice_gives_two_texts() {
        let (tenant, endpoint) = (Uuid::new_v4(), Uuid::new_v4());
        let sealer = SecretBox::new(KEY);
        let secret = SigningSecret::generate();
        assert_ne!(
            sealer.seal(&secret, tenant, endpoint),
            sealer.seal(&secret, tenant, endpoint)
        );
    }
}
