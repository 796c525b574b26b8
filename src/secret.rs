//! Secret values (tokens, passwords, private keys) as the model holds them.
//!
//! A `Secret` never serializes or prints its value: it shows its kind, length and a fingerprint
//! that is stable within one run (salted per process) so two different tokens stay visibly
//! different, while the fingerprint says nothing reusable about the value across runs.

use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::OnceLock;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
}

/// A per-process random salt. `RandomState` is seeded from the OS, which saves a dependency.
fn run_salt() -> &'static [u8; 16] {
    static SALT: OnceLock<[u8; 16]> = OnceLock::new();
    SALT.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut out = [0u8; 16];
        for chunk in out.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(std::process::id() as u64);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        out
    })
}

/// Short, run-stable fingerprint of any secret text (8 hex chars of a salted SHA-256).
pub fn fingerprint(value: &str) -> String {
    let mut h = Sha256::new();
    h.update(run_salt());
    h.update(value.as_bytes());
    let digest = h.finalize();
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret {
            value: value.into(),
        }
    }

    /// The raw value. Only comparisons and the redactor's registry may use it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.value)
    }

    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// `sha256:1a2b3c4d len=43`: what output shows instead of the value.
    pub fn describe(&self) -> String {
        format!("fp:{} len={}", self.fingerprint(), self.len())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.describe())
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Secret", 3)?;
        st.serialize_field("redacted", &true)?;
        st.serialize_field("length", &self.len())?;
        st.serialize_field("fingerprint", &self.fingerprint())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_value() {
        let s = Secret::new("canary-token-value-1234567890");
        assert!(!format!("{s:?}").contains("canary"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("canary"), "{json}");
        assert!(json.contains("\"length\":29"), "{json}");
    }

    #[test]
    fn fingerprints_match_for_equal_and_differ_for_different_values() {
        let a = Secret::new("token-A");
        assert_eq!(a.fingerprint(), Secret::new("token-A").fingerprint());
        assert_ne!(a.fingerprint(), Secret::new("token-B").fingerprint());
        assert_eq!(a.fingerprint().len(), 8);
    }

    #[test]
    fn fingerprint_is_salted() {
        // An unsalted sha256("token-A") prefix would be guessable offline; ours must not equal it.
        let plain: String = Sha256::digest(b"token-A")[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(fingerprint("token-A"), plain);
    }
}
