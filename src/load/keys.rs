//! Ed25519 key encodings OpenClaw uses, and the deviceId derived from a key.
//!
//! deviceId = lowercase hex SHA-256 of the raw 32-byte public key. Identity files hold SPKI /
//! PKCS#8 PEM; paired records hold the raw key as unpadded base64url.

use crate::model::KeyForm;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows.
const SPKI_ED25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// DER prefix of an Ed25519 PKCS#8 private key; the 32-byte seed follows.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

pub fn device_id_from_raw(raw: &[u8; 32]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn raw_to_base64url(raw: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// The body of a PEM block with the given label, base64-decoded.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(b64).ok()
}

fn raw_from_spki_der(der: &[u8]) -> Option<[u8; 32]> {
    der.strip_prefix(&SPKI_ED25519_PREFIX)?.try_into().ok()
}

/// The raw public key from an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
pub fn public_key_from_pem(pem: &str) -> Option<[u8; 32]> {
    raw_from_spki_der(&pem_body(pem, "PUBLIC KEY")?)
}

/// The 32-byte seed from a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
pub fn private_seed_from_pem(pem: &str) -> Option<[u8; 32]> {
    pem_body(pem, "PRIVATE KEY")?
        .strip_prefix(&PKCS8_ED25519_PREFIX)?
        .try_into()
        .ok()
}

/// The public key a private seed derives.
pub fn public_from_seed(seed: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(seed)
        .verifying_key()
        .to_bytes()
}

/// Decodes a record's `publicKey` in whatever form it was stored, and says which form that was.
pub fn decode_public_key(text: &str) -> (KeyForm, Option<[u8; 32]>) {
    let t = text.trim();
    if t.starts_with("-----BEGIN") {
        return match public_key_from_pem(t) {
            Some(raw) => (KeyForm::Pem, Some(raw)),
            None => (KeyForm::Invalid, None),
        };
    }
    if t == text
        && let Ok(bytes) = URL_SAFE_NO_PAD.decode(t)
        && let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return (KeyForm::Base64UrlRaw, Some(raw));
    }
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        if let Ok(bytes) = engine.decode(t) {
            let raw = <[u8; 32]>::try_from(bytes.as_slice())
                .ok()
                .or_else(|| raw_from_spki_der(&bytes));
            if let Some(raw) = raw {
                return (KeyForm::OtherBase64, Some(raw));
            }
        }
    }
    (KeyForm::Invalid, None)
}

/// A 32-byte (seed) or 64-byte (seed + public) private key in any base64 form (macOS app schema).
pub fn decode_private_seed_base64(text: &str) -> Option<[u8; 32]> {
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        if let Ok(bytes) = engine.decode(text.trim())
            && (bytes.len() == 32 || bytes.len() == 64)
        {
            return bytes[..32].try_into().ok();
        }
    }
    None
}

/// Looks like a 64-char lowercase hex deviceId.
pub fn is_device_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fixed throwaway key pair (seed = 0x01 * 32), PEM-encoded the way Node writes it.
    pub(crate) fn sample_pems() -> (String, String, [u8; 32]) {
        let seed = [1u8; 32];
        let public = public_from_seed(&seed);
        let mut spki = SPKI_ED25519_PREFIX.to_vec();
        spki.extend_from_slice(&public);
        let mut pkcs8 = PKCS8_ED25519_PREFIX.to_vec();
        pkcs8.extend_from_slice(&seed);
        let pem = |label: &str, der: &[u8]| {
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                STANDARD.encode(der)
            )
        };
        (pem("PUBLIC KEY", &spki), pem("PRIVATE KEY", &pkcs8), public)
    }

    #[test]
    fn pem_round_trip_and_device_id() {
        let (public_pem, private_pem, public) = sample_pems();
        assert_eq!(public_key_from_pem(&public_pem), Some(public));
        let seed = private_seed_from_pem(&private_pem).unwrap();
        assert_eq!(public_from_seed(&seed), public);
        let id = device_id_from_raw(&public);
        assert!(is_device_id(&id));
        // sha256 of the raw key, not of its base64 text or of the PEM
        assert_ne!(
            id,
            Sha256::digest(raw_to_base64url(&public).as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }

    #[test]
    fn real_gateway_key_matches_its_device_id() {
        // From a 2026.7.35 lab capture: identity/device.json publicKeyPem and its deviceId.
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAQp54M7zpleCOSw0xIIbMN8CyvvZByjjj+LhZZwTk0Vk=\n-----END PUBLIC KEY-----\n";
        let raw = public_key_from_pem(pem).unwrap();
        assert_eq!(
            decode_public_key(&raw_to_base64url(&raw)),
            (KeyForm::Base64UrlRaw, Some(raw))
        );
        assert_eq!(
            device_id_from_raw(&raw),
            "a12522e0d3d712beba4df8ce14e1b2969b87d62918688280b366dd7795732abb"
        );
    }

    #[test]
    fn classifies_key_forms() {
        let (public_pem, _, public) = sample_pems();
        assert_eq!(
            decode_public_key(&raw_to_base64url(&public)).0,
            KeyForm::Base64UrlRaw
        );
        assert_eq!(
            decode_public_key(&STANDARD.encode(public)),
            (KeyForm::OtherBase64, Some(public))
        );
        assert_eq!(decode_public_key(&public_pem), (KeyForm::Pem, Some(public)));
        assert_eq!(decode_public_key("not a key").0, KeyForm::Invalid);
        assert_eq!(
            decode_public_key(&URL_SAFE_NO_PAD.encode([0u8; 31])).0,
            KeyForm::Invalid
        );
        // surrounding whitespace is not the canonical form OpenClaw compares by string
        assert_eq!(
            decode_public_key(&format!(" {}", raw_to_base64url(&public))).0,
            KeyForm::OtherBase64
        );
    }

    #[test]
    fn rejects_non_ed25519_der() {
        let bad = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
        assert_eq!(public_key_from_pem(bad), None);
        assert_eq!(
            private_seed_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
            None
        );
    }
}
