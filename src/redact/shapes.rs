//! Secrets found by their shape or by the key they are assigned to, for values the model did
//! not load. One pass per detector, each driven by `memchr`; every hit is a `Span`.

use memchr::memmem;

/// A region of the text to replace. `escaped`: the text is inside a JSON string, so `\n`,
/// `\"` ... are decoded before fingerprinting (the same key gets the same fingerprint in a
/// JSON document and in a PEM file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: &'static str,
    pub escaped: bool,
    /// Found by shape alone (not by a key name or a known value): public values may veto it.
    pub by_shape: bool,
    /// A cut-off prefix of this known secret (index into the registry): shown with the whole
    /// secret's fingerprint and length.
    pub prefix_of: Option<usize>,
}

impl Span {
    fn new(start: usize, end: usize, kind: &'static str) -> Span {
        Span {
            start,
            end,
            kind,
            escaped: false,
            by_shape: false,
            prefix_of: None,
        }
    }
}

pub(super) fn find_all(text: &str, out: &mut Vec<Span>) {
    let b = text.as_bytes();
    pem_blocks(b, out);
    url_userinfo(b, out);
    assignments(b, out);
    bearer(b, out);
    words(b, out);
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'$')
}

// ---------------------------------------------------------------------------------------------
// PEM private keys, with real newlines or `\n` escapes.

pub(super) fn pem_blocks(b: &[u8], out: &mut Vec<Span>) {
    let finder = memmem::Finder::new(b"-----BEGIN ");
    let mut from = 0;
    while let Some(i) = finder.find(&b[from..]).map(|i| i + from) {
        let head_from = i + 11;
        let Some(close) = memmem::find(&b[head_from..(head_from + 64).min(b.len())], b"-----")
        else {
            from = head_from;
            continue;
        };
        let label = &b[head_from..head_from + close];
        let body_from = head_from + close + 5;
        if !label.ends_with(b"PRIVATE KEY") {
            from = body_from;
            continue;
        }
        let end = match memmem::find(
            &b[body_from..(body_from + 32 * 1024).min(b.len())],
            b"-----END ",
        ) {
            Some(e) => {
                let foot = body_from + e + 9;
                match memmem::find(&b[foot..(foot + 64).min(b.len())], b"-----") {
                    Some(c) => foot + c + 5,
                    None => foot,
                }
            }
            // Cut off: the body runs as long as it looks like base64 and line breaks.
            None => {
                let mut j = body_from;
                while j < b.len() {
                    let c = b[j];
                    if c.is_ascii_alphanumeric()
                        || matches!(c, b'+' | b'/' | b'=' | b'\n' | b'\r' | b' ')
                    {
                        j += 1;
                    } else if c == b'\\' && matches!(b.get(j + 1), Some(b'n' | b'r')) {
                        j += 2;
                    } else {
                        break;
                    }
                }
                j
            }
        };
        out.push(Span {
            escaped: true,
            ..Span::new(i, end, "private-key")
        });
        from = end.max(i + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// `scheme://user:password@host`: the password goes, the user stays.

pub(super) fn url_userinfo(b: &[u8], out: &mut Vec<Span>) {
    for i in memmem::find_iter(b, b"://") {
        let from = i + 3;
        let mut j = from;
        let mut at = None;
        while j < b.len()
            && !matches!(
                b[j],
                b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`'
            )
            && !b[j].is_ascii_whitespace()
        {
            if b[j] == b'@' {
                at = Some(j);
            }
            j += 1;
        }
        let Some(at) = at else { continue };
        if let Some(colon) = memchr::memchr(b':', &b[from..at]).map(|c| from + c)
            && colon + 1 < at
            && !b[colon + 1..at].starts_with(b"[redacted")
        {
            out.push(Span::new(colon + 1, at, "password"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Assignments whose key names a credential: `"key": "value"`, `key=value`, `KEY="value"`,
// `Authorization: Bearer ...`.

/// Key-name parts that come after a credential word and make the key about the credential,
/// not the credential itself: `tokens=3`, `tokenCount`, `passwordSet`, `privateKeyMatches`.
const META_SUFFIXES: &[&str] = &[
    "s",
    "es",
    "count",
    "counts",
    "type",
    "types",
    "state",
    "status",
    "source",
    "sources",
    "len",
    "length",
    "size",
    "fingerprint",
    "fp",
    "expires",
    "expiresat",
    "expiresatms",
    "expiry",
    "exp",
    "ttl",
    "age",
    "file",
    "path",
    "env",
    "kind",
    "mode",
    "matches",
    "match",
    "valid",
    "present",
    "set",
    "configured",
    "ref",
    "id",
    "name",
    "hint",
    "url",
    "endpoint",
    "required",
    "policy",
    "rotatedatms",
    "createdatms",
    "updatedatms",
    "lastusedatms",
    "revokedatms",
    "issuedatms",
];

/// Credential words searched inside a key (last occurrence wins), with the kind they mean.
const KEY_WORDS: &[(&str, &str)] = &[
    ("privatekey", "private-key"),
    ("password", "password"),
    ("passwd", "password"),
    ("secret", "secret"),
    ("token", "token"),
    ("apikey", "api-key"),
    ("accesskey", "api-key"),
    ("authorization", "credential"),
];

/// Keys that are credentials only as a whole name (`key=`, `auth=`): as parts they are too
/// common (`publicKey`, `allowInsecureAuth`, `keyboard`).
const EXACT_KEYS: &[(&str, &str)] = &[
    ("key", "key"),
    ("auth", "credential"),
    ("pass", "password"),
    ("pwd", "password"),
    ("sig", "signature"),
    ("signature", "signature"),
    ("credential", "credential"),
    ("credentials", "credential"),
    ("cookie", "credential"),
    ("setcookie", "credential"),
];

/// The kind of credential a key names, if it names one.
/// `exact`: also the whole-name keys (`key=`, `auth=`): in `key=value` text and query strings
/// only, since `"key": ...` is how JSON documents (ours too) name their map keys.
pub(super) fn sensitive_key(key: &[u8], exact: bool) -> Option<&'static str> {
    let last = key.rsplit(|c| *c == b'.').next().unwrap_or(key);
    let mut buf = [0u8; 64];
    let norm = normalize_key(last, &mut buf)?;
    if let Some((_, kind)) = EXACT_KEYS.iter().find(|(k, _)| k.as_bytes() == norm) {
        return exact.then_some(*kind);
    }
    let (pos, word_len, kind) = KEY_WORDS
        .iter()
        .filter_map(|(w, k)| {
            // Keys are short: a plain scan beats building a searcher.
            let w = w.as_bytes();
            norm.windows(w.len())
                .rposition(|x| x == w)
                .map(|p| (p, w.len(), *k))
        })
        .max_by_key(|(p, len, _)| p + len)?;
    let suffix = &norm[pos + word_len..];
    (!META_SUFFIXES.iter().any(|m| m.as_bytes() == suffix)).then_some(kind)
}

/// A key's letters and digits, lower-cased (`OPENCLAW_GATEWAY_TOKEN` -> `openclawgatewaytoken`),
/// in `buf`; `None` when empty or longer than `buf`.
fn normalize_key<'a>(key: &[u8], buf: &'a mut [u8; 64]) -> Option<&'a [u8]> {
    let mut n = 0;
    for &c in key {
        if c.is_ascii_alphanumeric() {
            *buf.get_mut(n)? = c.to_ascii_lowercase();
            n += 1;
        }
    }
    (n > 0).then_some(&buf[..n])
}

/// Values that say something about a credential without being one: the auth mode in
/// `auth=token`, flags, placeholders, environment references, our own redactions.
pub(super) fn harmless_value(v: &[u8]) -> bool {
    const WORDS: &[&str] = &[
        "",
        "token",
        "password",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "missing",
        "set",
        "unset",
        "present",
        "absent",
        "empty",
        "required",
        "optional",
        "device",
        "bootstrap",
        "trusted-proxy",
        "tailscale",
        "n/a",
        "na",
        "-",
        "unknown",
        "redacted",
        "<redacted>",
        "shared",
        "local",
        "remote",
        "env",
        "file",
    ];
    let t = v.trim_ascii();
    if t.starts_with(b"[redacted") || t.starts_with(b"<redacted") || t.starts_with(b"fp:") {
        return true;
    }
    if t.first() == Some(&b'$') || t.starts_with(b"%") && t.ends_with(b"%") {
        return true; // `$VAR`, `${VAR}`, `%VAR%`
    }
    if !t.is_empty() && t.iter().all(|c| matches!(c, b'*' | b'x' | b'X' | b'.')) {
        return true; // a mask
    }
    WORDS.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(t))
}

/// The key ending right before `end` (exclusive): a run of key characters.
fn key_before(b: &[u8], end: usize) -> usize {
    let mut s = end;
    while s > 0 && is_key_char(b[s - 1]) && end - s < 96 {
        s -= 1;
    }
    s
}

/// End of a quoted string whose opening quote ends at `from` (`"` or `\"`).
fn string_end(b: &[u8], from: usize, escaped_quote: bool, quote: u8) -> Option<usize> {
    let mut j = from;
    while j < b.len() {
        let c = b[j];
        if c == b'\n' {
            return None;
        }
        if escaped_quote {
            if c == b'\\' && b.get(j + 1) == Some(&quote) {
                return Some(j);
            }
            if c == b'\\' && b.get(j + 1) == Some(&b'\\') {
                j += 2; // `\\` then maybe `\"`: an escaped backslash inside the inner string
                continue;
            }
        } else if c == b'\\' {
            j += 2;
            continue;
        } else if c == quote {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn line_end(b: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |e| from + e)
}

fn push_value(
    b: &[u8],
    start: usize,
    end: usize,
    kind: &'static str,
    escaped: bool,
    out: &mut Vec<Span>,
) {
    if end > start && !harmless_value(&b[start..end]) {
        out.push(Span {
            escaped,
            ..Span::new(start, end, kind)
        });
    }
}

pub(super) fn assignments(b: &[u8], out: &mut Vec<Span>) {
    // A JSON document repeats a few dozen keys a million times: each is judged once.
    let mut memo = Memo::default();
    for i in memchr::memchr2_iter(b'=', b':', b) {
        if b[i] == b'=' {
            assign_eq(b, i, out, &mut memo);
        } else {
            assign_colon(b, i, out, &mut memo);
        }
    }
}

/// `sensitive_key` by (key, exact).
type Memo<'b> = super::known::FastMap<(&'b [u8], bool), Option<&'static str>>;

fn sensitive_key_memo<'b>(key: &'b [u8], exact: bool, memo: &mut Memo<'b>) -> Option<&'static str> {
    *memo
        .entry((key, exact))
        .or_insert_with(|| sensitive_key(key, exact))
}

/// `key=value`, `KEY="value"`, `?token=...&`.
fn assign_eq<'b>(b: &'b [u8], i: usize, out: &mut Vec<Span>, memo: &mut Memo<'b>) {
    if i == 0 || !is_key_char(b[i - 1]) || matches!(b.get(i + 1), Some(b'=') | None) {
        return;
    }
    let ks = key_before(b, i);
    let Some(kind) = sensitive_key_memo(&b[ks..i], true, memo) else {
        return;
    };
    let v = i + 1;
    let (escaped_quote, quote, open) = match (b[v], b.get(v + 1)) {
        (b'"' | b'\'', _) => (false, Some(b[v]), v + 1),
        (b'\\', Some(q @ (b'"' | b'\''))) => (true, Some(*q), v + 2),
        _ => (false, None, v),
    };
    let end = match quote {
        // Unterminated (a truncated file): the rest of the line is the value.
        Some(q) => string_end(b, open, escaped_quote, q).unwrap_or_else(|| line_end(b, open)),
        None => {
            let mut j = v;
            while j < b.len()
                && !b[j].is_ascii_whitespace()
                && !matches!(
                    b[j],
                    b'&' | b','
                        | b';'
                        | b'"'
                        | b'\''
                        | b')'
                        | b']'
                        | b'}'
                        | b'>'
                        | b'<'
                        | b'\\'
                        | b'`'
                        | b'#'
                )
            {
                j += 1;
            }
            j
        }
    };
    push_value(b, open, end, kind, quote.is_some(), out);
}

/// `"key": "value"` (also `\"key\":\"value\"` inside a JSON string) and HTTP-style
/// `Authorization: Bearer value`.
fn assign_colon<'b>(b: &'b [u8], i: usize, out: &mut Vec<Span>, memo: &mut Memo<'b>) {
    let mut k = i;
    while k > 0 && b[k - 1] == b' ' {
        k -= 1;
    }
    if k > 0 && b[k - 1] == b'"' {
        let escaped_quote = k >= 2 && b[k - 2] == b'\\';
        let kend = if escaped_quote { k - 2 } else { k - 1 };
        let ks = key_before(b, kend);
        let opened = if escaped_quote {
            ks >= 2 && b[ks - 1] == b'"' && b[ks - 2] == b'\\'
        } else {
            ks >= 1 && b[ks - 1] == b'"'
        };
        if !opened || ks == kend {
            return;
        }
        let Some(kind) = sensitive_key_memo(&b[ks..kend], false, memo) else {
            return;
        };
        let mut v = i + 1;
        while v < b.len() && b[v] == b' ' {
            v += 1;
        }
        let open = if escaped_quote {
            if b.get(v) == Some(&b'\\') && b.get(v + 1) == Some(&b'"') {
                v + 2
            } else {
                return;
            }
        } else if b.get(v) == Some(&b'"') {
            v + 1
        } else {
            return; // a number, an object, null: not a string secret
        };
        // Unterminated (a truncated file): the rest of the line is the value.
        let end = string_end(b, open, escaped_quote, b'"').unwrap_or_else(|| line_end(b, open));
        push_value(b, open, end, kind, true, out);
        return;
    }
    // Header form: only a few exact names, value to the end of the line.
    let ks = key_before(b, k);
    if ks == k || k != i || b.get(i + 1) != Some(&b' ') {
        return;
    }
    let mut buf = [0u8; 64];
    if !matches!(
        normalize_key(&b[ks..k], &mut buf),
        Some(
            b"authorization"
                | b"proxyauthorization"
                | b"xapikey"
                | b"apikey"
                | b"cookie"
                | b"setcookie"
                | b"xauthtoken"
        )
    ) {
        return;
    }
    let mut v = i + 2;
    for scheme in [&b"Bearer "[..], b"Basic ", b"Token ", b"bearer ", b"basic "] {
        if b[v..].starts_with(scheme) {
            v += scheme.len();
            break;
        }
    }
    let mut end = v;
    while end < b.len() && !matches!(b[end], b'\n' | b'\r' | b'"' | b'\\' | b'\'') {
        end += 1;
    }
    push_value(b, v, end, "credential", false, out);
}

/// `Bearer <token>` anywhere (a logged header without its name).
pub(super) fn bearer(b: &[u8], out: &mut Vec<Span>) {
    for i in memmem::find_iter(b, b"earer ") {
        if i == 0 || !matches!(b[i - 1], b'B' | b'b') {
            continue;
        }
        let v = i + 6;
        let mut end = v;
        while end < b.len()
            && (is_word(b[end]) || matches!(b[end], b'.' | b'~' | b'+' | b'/' | b'='))
        {
            end += 1;
        }
        let val = &b[v..end];
        if val.len() >= 16 && val.iter().any(u8::is_ascii_digit) {
            out.push(Span::new(v, end, "token"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bare tokens: runs of base64url characters with a known shape.

/// Prefixes of well-known API keys: prefix, minimum body length, whether the body must hold
/// a digit (true random keys do; words like `sk-learn` do not).
const API_PREFIXES: &[(&str, usize)] = &[
    ("sk-ant-", 20),
    ("sk-proj-", 20),
    ("sk-", 20),
    ("xoxb-", 10),
    ("xoxp-", 10),
    ("xoxa-", 10),
    ("xoxr-", 10),
    ("xoxs-", 10),
    ("xapp-", 10),
    ("ghp_", 20),
    ("gho_", 20),
    ("ghu_", 20),
    ("ghs_", 20),
    ("ghr_", 20),
    ("github_pat_", 20),
    ("glpat-", 16),
    ("AIza", 30),
    ("hf_", 30),
    ("npm_", 30),
];

pub(super) fn words(b: &[u8], out: &mut Vec<Span>) {
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0x1b
            && let Some(n) = super::control::sgr_len(&b[i..])
        {
            i += n; // a colour code: `ESC[2m` is not part of the word after it
            continue;
        }
        if !is_word(b[i]) {
            i += 1;
            continue;
        }
        let mut start = i;
        let mut end = i;
        while end < b.len() && is_word(b[end]) {
            end += 1;
        }
        i = end;
        // `\ntoken` inside a JSON string.
        if start > 0 && b[start - 1] == b'\\' && matches!(b[start], b'n' | b't' | b'r') {
            start += 1;
        }
        let w = &b[start..end];
        if w.starts_with(b"eyJ") && b.get(end) == Some(&b'.') {
            // A JWT: three dot-separated base64url parts.
            let mut j = end + 1;
            let mut parts = 1;
            while parts < 3 {
                let s = j;
                while j < b.len() && is_word(b[j]) {
                    j += 1;
                }
                if j == s {
                    break;
                }
                parts += 1;
                if parts < 3 && b.get(j) == Some(&b'.') {
                    j += 1;
                } else {
                    break;
                }
            }
            if parts >= 2 {
                out.push(Span {
                    by_shape: true,
                    ..Span::new(start, j, "jwt")
                });
                i = j;
                continue;
            }
        }
        if let Some(kind) = word_kind(w) {
            out.push(Span {
                by_shape: true,
                ..Span::new(start, end, kind)
            });
        }
    }
}

/// What a bare word is, if it is a secret.
pub(super) fn word_kind(w: &[u8]) -> Option<&'static str> {
    if w.len() < 15 {
        return None; // shorter than the shortest shape (`xoxb-` and 10)
    }
    for (prefix, min_body) in API_PREFIXES {
        if let Some(body) = w.strip_prefix(prefix.as_bytes()) {
            if body.len() >= *min_body && body.iter().any(u8::is_ascii_digit) {
                return Some("api-key");
            }
            return None;
        }
    }
    if w.len() == 20
        && (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
        && w.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("api-key");
    }
    let hex = w.iter().all(u8::is_ascii_hexdigit);
    if w.len() == 48 && hex {
        return Some("token"); // a gateway token: 24 random bytes in hex
    }
    if w.len() == 43 && !hex {
        // 32 random bytes in base64url (device tokens, bootstrap tokens). A random one has a
        // digit or both cases; an identifier (`snake_case_name...`) has neither.
        let digit = w.iter().any(u8::is_ascii_digit);
        let upper = w.iter().any(u8::is_ascii_uppercase);
        let lower = w.iter().any(u8::is_ascii_lowercase);
        if digit || (upper && lower) {
            return Some("token");
        }
    }
    None
}
