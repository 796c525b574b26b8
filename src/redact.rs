//! The one redactor every output passes through before it is written.
//!
//! `apply` is the single entry point. In one pass over the text it
//! 1. strips terminal control characters (all but `\n`, `\t` and SGR colour codes);
//! 2. replaces every secret the model loaded (known values, also in their JSON-escaped form),
//!    and every value that looks like a secret by shape (PEM private keys, 43-char base64url
//!    and 48-hex tokens, `sk-`/`xox?-`/`ghp_`/`AKIA` API keys, JWTs, URL passwords) or by the
//!    key it is assigned to (`"token": "..."`, `password=...`, `?access_token=...`), by
//!    `[redacted <kind> fp:XXXXXXXX len=N]`: the fingerprint is the run-salted one of
//!    `Secret::fingerprint`, so the same value always gets the same one within a run;
//! 3. optionally (for `report`) replaces the home path by `~`, the host name by `<host>` and
//!    the user name by `<user>`.
//!
//! Deliberately left visible: 64-hex deviceIds, UUIDs, 32/40-hex ids, device public keys
//! the model loaded, `auth=token`-style mode words, and keys that are about a credential
//! rather than the credential (`tokens=3`, `tokenCount`, `privateKeyMatches`).

mod control;
mod known;
mod shapes;
#[cfg(test)]
mod tests;

use crate::model::{Model, SecretValue};
use crate::secret::Secret;
use aho_corasick::{AhoCorasick, MatchKind};
use shapes::Span;
use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Secrets shorter than this are not searched for in free text: too many false hits (and
/// OpenClaw refuses such tokens anyway).
const MIN_LEN: usize = 6;

#[derive(Debug, Clone)]
struct Known {
    /// The text searched for: the value, or its JSON-escaped form.
    pattern: String,
    kind: &'static str,
    escaped: bool,
}

/// The home path, host name and user name to scrub, in that order.
#[derive(Debug, Clone, Default)]
struct Identity {
    steps: Vec<IdentityStep>,
}

#[derive(Debug, Clone)]
struct IdentityStep {
    finder: AhoCorasick,
    with: &'static str,
    path: bool,
}

#[derive(Debug, Default, Clone)]
pub struct Redactor {
    known: Vec<Known>,
    /// The patterns of `known` (registering 20 000 tokens must not be quadratic).
    patterns: HashSet<String>,
    /// Values a shape rule would take for a secret but that are public (device public keys).
    public: HashSet<String>,
    identity: Option<Identity>,
    matcher: OnceLock<Option<Matcher>>,
    sorted: OnceLock<Prefixes>,
}

/// Finds the known secrets in a text.
#[derive(Debug, Clone)]
enum Matcher {
    Set(known::KnownSet),
    /// Only if a pattern were shorter than the set's anchor (`MIN_LEN` rules that out).
    Automaton(AhoCorasick),
}

impl Matcher {
    /// (start, end, index into `known`), leftmost-longest.
    fn find_all(&self, text: &str) -> Vec<(usize, usize, usize)> {
        match self {
            Matcher::Set(s) => s.find_all(text.as_bytes()),
            Matcher::Automaton(ac) => ac
                .find_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect(),
        }
    }
}

/// For finding cut-off secrets: `known` in pattern order, and the first `MIN_PREFIX` bytes of
/// each (most token runs in a text start no secret; they are dismissed by one look-up).
#[derive(Debug, Default, Clone)]
struct Prefixes {
    order: Vec<usize>,
    heads: known::FastSet<[u8; MIN_PREFIX]>,
}

/// The shortest cut-off secret recognised.
const MIN_PREFIX: usize = 8;

/// Texts from this size on are searched on two threads.
const PARALLEL_BYTES: usize = 4 << 20;

/// The JSON-escaped form of a value (what it looks like inside a JSON string).
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
}

/// Decodes JSON string escapes (for fingerprinting a value found inside a JSON string).
fn json_unescaped(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\\') {
        return s.into();
    }
    serde_json::from_str::<String>(&format!("\"{s}\""))
        .map(Into::into)
        .unwrap_or_else(|_| s.replace("\\n", "\n").replace("\\r", "\r").into())
}

impl Redactor {
    /// Registers a loaded secret of unknown kind.
    pub fn register(&mut self, s: &Secret) {
        self.register_kind(s, "secret");
    }

    /// Registers a loaded secret; `kind` is shown in its replacement (`token`, `password`).
    pub fn register_kind(&mut self, s: &Secret, kind: &'static str) {
        let v = s.expose();
        if v.len() < MIN_LEN {
            return;
        }
        let escaped = json_escaped(v);
        for (pattern, esc) in [(v.to_string(), false), (escaped, true)] {
            if self.patterns.insert(pattern.clone()) {
                self.known.push(Known {
                    pattern,
                    kind,
                    escaped: esc,
                });
            }
        }
        self.matcher = OnceLock::new();
        self.sorted = OnceLock::new();
    }

    pub fn register_value(&mut self, v: &SecretValue) {
        self.register_value_kind(v, "secret");
    }

    fn register_value_kind(&mut self, v: &SecretValue, kind: &'static str) {
        if let Some(s) = v.literal() {
            self.register_kind(s, kind);
        }
    }

    /// Marks a value as public: shape rules leave it alone (a device public key is a 43-char
    /// base64url string like a token, but support needs it).
    pub fn allow_public(&mut self, value: &str) {
        self.public.insert(value.to_string());
    }

    /// Also replace the home path by `~`, then the host name by `<host>` and the user name by
    /// `<user>` (whole words only; names shorter than 3 characters and generic ones like
    /// `root` or `localhost` are left alone).
    pub fn with_identity(
        mut self,
        home: Option<&Path>,
        user: Option<&str>,
        host: Option<&str>,
    ) -> Redactor {
        const GENERIC: &[&str] = &[
            "root",
            "user",
            "users",
            "admin",
            "nobody",
            "localhost",
            "home",
        ];
        let keep = |s: &str| s.len() >= 3 && !GENERIC.iter().any(|g| g.eq_ignore_ascii_case(s));
        let home = home
            .map(|h| h.to_string_lossy().trim_end_matches('/').to_string())
            .filter(|h| h.len() >= 2);
        let user = user.map(str::trim).filter(|u| keep(u)).map(str::to_string);
        let host = host
            .map(str::trim)
            .filter(|h| keep(h) && !h.eq_ignore_ascii_case("localhost.localdomain"))
            .map(str::to_string);
        let steps = [
            home.and_then(|h| IdentityStep::new(&h, "~", true, false)),
            host.and_then(|h| IdentityStep::new(&h, "<host>", false, true)),
            user.and_then(|u| IdentityStep::new(&u, "<user>", false, false)),
        ];
        self.identity = Some(Identity {
            steps: steps.into_iter().flatten().collect(),
        });
        self
    }

    pub fn for_model(m: &Model) -> Redactor {
        let mut r = Redactor::default();
        for d in &m.devices {
            for t in d.tokens.iter().flatten() {
                if let Some(s) = &t.token {
                    r.register_kind(s, "token");
                }
            }
            if let Some(k) = &d.public_key {
                r.allow_public(k);
            }
        }
        for p in &m.pending {
            if let Some(k) = &p.public_key {
                r.allow_public(k);
            }
        }
        for c in &m.token_caches {
            for e in &c.entries {
                if let Some(s) = &e.token {
                    r.register_kind(s, "token");
                }
            }
        }
        for i in &m.identities {
            if let Some(s) = &i.private_key {
                r.register_kind(s, "private-key");
                // The PEM body alone can appear in text too (a pasted key).
                for line in s.expose().lines().filter(|l| !l.starts_with("-----")) {
                    r.register_kind(&Secret::new(line.trim()), "private-key");
                }
            }
            if let Some(k) = &i.public_key {
                r.allow_public(k);
            }
        }
        for b in &m.bootstrap_tokens {
            r.register_kind(&b.token, "token");
        }
        for n in &m.node_pairings {
            if let Some(s) = &n.token {
                r.register_kind(s, "token");
            }
        }
        for t in &m.token_sources {
            let kind = match t.credential {
                crate::model::CredentialKind::Token => "token",
                crate::model::CredentialKind::Password => "password",
            };
            r.register_value_kind(&t.value, kind);
        }
        let f = &m.config.facts;
        for (v, kind) in [
            (&f.auth_token, "token"),
            (&f.auth_password, "password"),
            (&f.remote_token, "token"),
            (&f.hooks_token, "token"),
        ] {
            if let Some(v) = v {
                r.register_value_kind(v, kind);
            }
        }
        if let Some(url) = &f.remote_url
            && let Some(pass) = url_password(url)
        {
            r.register_kind(&Secret::new(pass), "password");
        }
        r
    }

    fn matcher(&self) -> Option<&Matcher> {
        self.matcher
            .get_or_init(|| {
                if self.known.is_empty() {
                    return None;
                }
                let patterns = || self.known.iter().map(|k| k.pattern.as_str());
                match known::KnownSet::new(patterns()) {
                    Some(set) => Some(Matcher::Set(set)),
                    None => AhoCorasick::builder()
                        .match_kind(MatchKind::LeftmostLongest)
                        .build(patterns())
                        .ok()
                        .map(Matcher::Automaton),
                }
            })
            .as_ref()
    }

    /// The redacted, terminal-safe form of `text`. Every byte of output goes through here.
    pub fn apply(&self, text: &str) -> String {
        let text = control::strip(text);
        let text = text.as_ref();
        let mut spans = self.spans(text, text.len() >= PARALLEL_BYTES);
        if !self.public.is_empty() {
            spans.retain(|s| !s.by_shape || !self.public.contains(&text[s.start..s.end]));
        }
        spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));

        let mut out = String::with_capacity(text.len() + spans.len() * 16);
        let mut at = 0;
        let mut i = 0;
        while i < spans.len() {
            let mut s = spans[i];
            i += 1;
            // Overlapping hits merge into one replacement (no secret is half-replaced).
            while i < spans.len() && spans[i].start < s.end {
                if spans[i].end > s.end {
                    s.end = spans[i].end;
                    s.escaped |= spans[i].escaped;
                    s.prefix_of = None;
                }
                i += 1;
            }
            self.push_plain(&text[at..s.start], &mut out);
            let raw = match s.prefix_of {
                Some(k) => self.known[k].pattern.as_str(),
                None => &text[s.start..s.end],
            };
            let secret = Secret::new(if s.escaped {
                json_unescaped(raw)
            } else {
                raw.into()
            });
            out.push_str(&format!("[redacted {} {}]", s.kind, secret.describe()));
            at = s.end;
        }
        self.push_plain(&text[at..], &mut out);
        out
    }

    /// Every detector's hits, known secrets first. The detectors only read the text: on a
    /// large one (a 10 000-device JSON document is 45 MB) `parallel` runs them at once.
    fn spans(&self, text: &str, parallel: bool) -> Vec<Span> {
        let (mut spans, by_shape) = if parallel {
            std::thread::scope(|s| {
                let shaped = s.spawn(|| {
                    let mut v = Vec::new();
                    shapes::find_all(text, &mut v);
                    v
                });
                let known = self.known_spans(text);
                let shaped = shaped
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (known, shaped)
            })
        } else {
            let mut v = Vec::new();
            shapes::find_all(text, &mut v);
            (self.known_spans(text), v)
        };
        spans.extend(by_shape);
        spans
    }

    /// Where the registered secrets (whole, or cut off) are in `text`.
    fn known_spans(&self, text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        if let Some(matcher) = self.matcher() {
            for (start, end, id) in matcher.find_all(text) {
                let k = &self.known[id];
                spans.push(Span {
                    start,
                    end,
                    kind: k.kind,
                    escaped: k.escaped,
                    by_shape: false,
                    prefix_of: None,
                });
            }
            self.cut_prefixes(text, &mut spans);
        }
        spans
    }

    /// Known secrets cut off by a caller that shortened the text (`CANARYdev_K1Sk…`): every
    /// run of token characters at least `MIN_PREFIX` long that starts a registered secret
    /// without being all of it.
    fn cut_prefixes(&self, text: &str, spans: &mut Vec<Span>) {
        let prefixes = self.prefixes();
        let sorted = prefixes.order.as_slice();
        let b = text.as_bytes();
        let tokenish = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'+' | b'/');
        let mut i = 0;
        while i < b.len() {
            if !tokenish(b[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && tokenish(b[i]) {
                i += 1;
            }
            if i - start < MIN_PREFIX {
                continue;
            }
            let run = &text[start..i];
            let head: [u8; MIN_PREFIX] = b[start..start + MIN_PREFIX]
                .try_into()
                .expect("the run is at least MIN_PREFIX long");
            if !prefixes.heads.contains(&head) {
                continue;
            }
            let at = sorted.partition_point(|k| self.known[*k].pattern.as_str() < run);
            if let Some(&k) = sorted.get(at)
                && self.known[k].pattern.len() > run.len()
                && self.known[k].pattern.starts_with(run)
            {
                spans.push(Span {
                    start,
                    end: i,
                    kind: self.known[k].kind,
                    escaped: self.known[k].escaped,
                    by_shape: false,
                    prefix_of: Some(k),
                });
            }
        }
    }

    fn prefixes(&self) -> &Prefixes {
        self.sorted.get_or_init(|| {
            let mut order: Vec<usize> = (0..self.known.len()).collect();
            order.sort_by(|a, b| self.known[*a].pattern.cmp(&self.known[*b].pattern));
            let heads = self
                .known
                .iter()
                .filter_map(|k| k.pattern.as_bytes().get(..MIN_PREFIX)?.try_into().ok())
                .collect();
            Prefixes { order, heads }
        })
    }

    /// Text between secrets: copied, with the identity scrubbed when asked for.
    fn push_plain(&self, text: &str, out: &mut String) {
        let Some(id) = &self.identity else {
            out.push_str(text);
            return;
        };
        let mut t = Cow::Borrowed(text);
        for step in &id.steps {
            if let Some(replaced) = step.replace(&t) {
                t = Cow::Owned(replaced);
            }
        }
        out.push_str(&t);
    }
}

impl IdentityStep {
    fn new(
        needle: &str,
        with: &'static str,
        path: bool,
        ignore_case: bool,
    ) -> Option<IdentityStep> {
        let finder = AhoCorasick::builder()
            .ascii_case_insensitive(ignore_case)
            .build([needle])
            .ok()?;
        Some(IdentityStep { finder, with, path })
    }

    /// `None` when nothing was replaced. A path must end on a path boundary
    /// (`/home/al` is not in `/home/alice`); a name must be a whole word (`user` is not in
    /// `users`, `alice` is in `alice-laptop`).
    fn replace(&self, text: &str) -> Option<String> {
        let hay = text.as_bytes();
        let inner = |c: u8| {
            c.is_ascii_alphanumeric() || c == b'_' || (self.path && matches!(c, b'-' | b'.'))
        };
        let mut out: Option<String> = None;
        let mut at = 0;
        for m in self.finder.find_iter(text) {
            let after_ok = hay.get(m.end()).is_none_or(|c| !inner(*c));
            let before_ok = self.path || m.start() == 0 || !inner(hay[m.start() - 1]);
            if after_ok && before_ok {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[at..m.start()]);
                o.push_str(self.with);
                at = m.end();
            }
        }
        let mut o = out?;
        o.push_str(&text[at..]);
        Some(o)
    }
}

/// The password of `scheme://user:password@host...`, if there is one.
fn url_password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let pass = &userinfo[userinfo.find(':')? + 1..];
    (!pass.is_empty()).then_some(pass)
}

/// Home path, user name and host name of the machine claw-doctor runs on, for
/// `Redactor::with_identity`. The host name comes from `/proc/sys/kernel/hostname` under the
/// sysroot, else `/etc/hostname`, else `HOSTNAME`.
pub fn local_identity_from_env(
    env: &crate::env::Env,
) -> (Option<PathBuf>, Option<String>, Option<String>) {
    let home = env.var("HOME").map(PathBuf::from);
    let user = env
        .var("USER")
        .or_else(|| env.var("LOGNAME"))
        .map(|u| u.trim().to_string());
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            let text = std::fs::read_to_string(env.system_path(p)).ok()?;
            let h = text.lines().next()?.trim().to_string();
            (!h.is_empty()).then_some(h)
        })
        .or_else(|| env.var("HOSTNAME").map(|h| h.trim().to_string()));
    (home, user, host)
}
