//! The one redactor every output passes through before it is written.
//!
//! It knows every secret the model loaded (tokens, passwords, private keys) and replaces each
//! occurrence, wherever it appears (a log line, an error message), by `[redacted fp:XXXXXXXX
//! len=N]`, the same fingerprint the model shows. Values are replaced longest first so a
//! secret that contains another is not half-replaced.

use crate::model::{Model, SecretValue};
use crate::secret::Secret;

#[derive(Debug, Default, Clone)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

/// Secrets shorter than this are not searched for in free text: too many false hits (and
/// OpenClaw refuses such tokens anyway).
const MIN_LEN: usize = 6;

impl Redactor {
    pub fn register(&mut self, s: &Secret) {
        if s.expose().len() >= MIN_LEN && !self.secrets.iter().any(|x| x.expose() == s.expose()) {
            self.secrets.push(s.clone());
            self.secrets
                .sort_by_key(|x| std::cmp::Reverse(x.expose().len()));
        }
    }

    pub fn register_value(&mut self, v: &SecretValue) {
        if let Some(s) = v.literal() {
            self.register(s);
        }
    }

    pub fn for_model(m: &Model) -> Redactor {
        let mut r = Redactor::default();
        for d in &m.devices {
            for t in d.tokens.iter().flatten() {
                if let Some(s) = &t.token {
                    r.register(s);
                }
            }
        }
        for c in &m.token_caches {
            for e in &c.entries {
                if let Some(s) = &e.token {
                    r.register(s);
                }
            }
        }
        for i in &m.identities {
            if let Some(s) = &i.private_key {
                r.register(s);
                // The PEM body alone can appear in text too (a pasted key).
                for line in s.expose().lines().filter(|l| !l.starts_with("-----")) {
                    r.register(&Secret::new(line.trim()));
                }
            }
        }
        for b in &m.bootstrap_tokens {
            r.register(&b.token);
        }
        for n in &m.node_pairings {
            if let Some(s) = &n.token {
                r.register(s);
            }
        }
        for t in &m.token_sources {
            r.register_value(&t.value);
        }
        let f = &m.config.facts;
        for v in [
            &f.auth_token,
            &f.auth_password,
            &f.remote_token,
            &f.hooks_token,
        ]
        .into_iter()
        .flatten()
        {
            r.register_value(v);
        }
        r
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.expose()) {
                out = out.replace(s.expose(), &format!("[redacted {}]", s.describe()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_registered_secret_longest_first() {
        let mut r = Redactor::default();
        r.register(&Secret::new("abcdef"));
        r.register(&Secret::new("abcdef-long-token"));
        r.register(&Secret::new("abc"));
        let out = r.apply("a=abcdef-long-token b=abcdef c=abc");
        assert!(!out.contains("abcdef"), "{out}");
        assert!(
            out.contains("c=abc"),
            "too-short values are left alone: {out}"
        );
        assert!(out.contains(&Secret::new("abcdef").describe()));
    }
}
