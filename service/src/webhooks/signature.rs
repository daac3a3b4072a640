//! Signatures as the Standard Webhooks specification defines them, so a receiver can verify a
//! delivery with any of that specification's libraries: `webhook-signature` holds `v1,` and the
//! base64 HMAC-SHA256, keyed by the endpoint's secret, of `{webhook-id}.{webhook-timestamp}.{body}`.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// How a signing secret is written, as the specification's libraries expect it.
pub const SECRET_PREFIX: &str = "whsec_";

/// An endpoint's signing secret. It is shown once, when made; its `Debug` says nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

/// The specification asks for a key of 24 to 64 bytes; Lectern makes 32.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

impl SigningSecret {
    pub fn generate() -> Self {
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        SigningSecret(key)
    }

    /// A secret as written (`whsec_` and base64), as stored or as a test receiver holds it.
    pub fn parse(text: &str) -> Option<Self> {
        let key = BASE64.decode(text.strip_prefix(SECRET_PREFIX)?).ok()?;
        KEY_BYTES.contains(&key.len()).then_some(SigningSecret(key))
    }

    /// The secret as written, for the one response that shows it and for storage.
    pub fn reveal(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.0))
    }

    /// One signature of a delivery: `v1,` and the base64 MAC.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC pads a key shorter than its 64-byte block with zeros (RFC 2104), so the padded key
        // is the same key, and taking it whole cannot fail as taking a slice nominally can. A
        // secret is at most 64 bytes (`KEY_BYTES`, enforced by the only two constructors).
        let mut block = [0u8; 64];
        block.iter_mut().zip(&self.0).for_each(|(b, k)| *b = *k);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(…)")
    }
}

/// The `webhook-signature` header: one signature per secret, separated by spaces. While a
/// rotation's overlap lasts, the old secret and the new both sign, so a receiver that has not yet
/// switched keeps verifying.
pub fn signature_header(
    secrets: &[SigningSecret],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the Standard Webhooks libraries test themselves with.
    #[test]
    fn signs_the_specifications_example() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_generated_secret_reads_back_and_never_prints() {
        let secret = SigningSecret::generate();
        let written = secret.reveal();
        assert!(written.starts_with("whsec_"), "{written}");
        assert_eq!(SigningSecret::parse(&written), Some(secret.clone()));
        assert_eq!(format!("{secret:?}"), "SigningSecret(…)");
        assert_ne!(SigningSecret::generate(), secret);
    }

    #[test]
    fn a_secret_must_be_written_as_the_specification_says() {
        for text in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_not base64!",
            "whsec_c2hvcnQ=",
            "",
        ] {
            assert_eq!(SigningSecret::parse(text), None, "{text}");
        }
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let (old, new) = (SigningSecret::generate(), SigningSecret::generate());
        let header = signature_header(&[old.clone(), new.clone()], "evt_1", 1, b"{}");
        let signatures: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            signatures,
            [old.sign("evt_1", 1, b"{}"), new.sign("evt_1", 1, b"{}")]
        );
    }
}
