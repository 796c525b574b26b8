//! Gateway secrets OpenClaw itself refuses or that are public knowledge, recognised by
//! fingerprint: rules only ever see `{redacted, length, fingerprint}`, so the known values are
//! fingerprinted with the same per-run salt and compared, and no value reaches a rule.

use crate::secret::fingerprint;

/// Published example tokens that startup refuses from 2026.4.12 (#64586; 7.35 and 9.6 bundles,
/// `KNOWN_WEAK_GATEWAY_TOKEN_PLACEHOLDERS`), and the password placeholder.
const PLACEHOLDERS: [&str; 3] = [
    "change-me-to-a-long-random-token",
    "change-me-now",
    "change-me-to-a-strong-password",
];
/// Display markers, never credentials (9.6 `REDACTED_SECRET_VALUES`, refused as "a known
/// redaction sentinel").
const SENTINELS: [&str; 10] = [
    "__OPENCLAW_REDACTED__",
    "REDACTED",
    "xoxb-REDACTED",
    "xapp-REDACTED",
    "***",
    "[redacted]",
    "[REDACTED]",
    "<redacted>",
    "[REDACTED_PRIVATE_KEY]",
    "[REDACTED CREDENTIAL]",
];
/// JavaScript coercion leftovers 9.6 refuses (`isInvalidGatewaySecret`).
const COERCED: [&str; 2] = ["undefined", "null"];

/// What a secret with this fingerprint is, if it is one of the known non-secrets:
/// `placeholder`, `redaction-sentinel` or `undefined-or-null`.
pub fn known_non_secret(fp: &str) -> Option<&'static str> {
    let hit = |list: &[&str]| list.iter().any(|v| fingerprint(v) == fp);
    if hit(&PLACEHOLDERS) {
        Some("placeholder")
    } else if hit(&SENTINELS) {
        Some("redaction-sentinel")
    } else if hit(&COERCED) {
        Some("undefined-or-null")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn recognises_known_values_only_by_fingerprint() {
        let kind = |v: &str| known_non_secret(&Secret::new(v).fingerprint());
        assert_eq!(kind("change-me-now"), Some("placeholder"));
        assert_eq!(kind("__OPENCLAW_REDACTED__"), Some("redaction-sentinel"));
        assert_eq!(kind("undefined"), Some("undefined-or-null"));
        assert_eq!(kind("change-me-now-2"), None);
        assert_eq!(
            kind("0123456789abcdef0123456789abcdef0123456789abcdef"),
            None
        );
    }
}
