//! One log line -> at most one [`Event`].
//!
//! Accepted forms:
//! * tslog JSON lines (`{"0":"{\"subsystem\":\"gateway/ws\"}","1":{meta},"2":"text","_meta":{...},"time":...}`),
//!   parsed lazily with borrowed strings, only the fields needed;
//! * console lines (`2026-11-21T09:54:22.280+00:00 [ws] <message>`, with or without ANSI colours);
//! * `openclaw logs --plain` lines (`<time> <level> <subsystem> [{bindings}] [{meta}] <message>`);
//! * any of those behind a journalctl prefix (`Nov 21 09:54:22 host node[123]: ...`).

use std::borrow::Cow;
use std::fmt;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::event::{Event, EventFields, EventKind, Level, Side};

/// Longest message text kept in an [`Event`] (bytes, cut on a char boundary).
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// Values that mean "redacted" in OpenClaw output and in pasted logs.
const REDACTION_PLACEHOLDERS: [&str; 5] = [
    "__OPENCLAW_REDACTED__",
    "[REDACTED]",
    "***",
    "<redacted>",
    "REDACTED",
];

// ---------------------------------------------------------------------------
// Sanitizing
// ---------------------------------------------------------------------------

/// Removes ANSI escape sequences (CSI, OSC, two-byte ESC forms), C0/C1 control
/// characters and Unicode bidi controls. Tabs become spaces. Newlines inside a
/// message (JSON strings may hold them) become spaces too.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    // Fast path on bytes: C0 controls, DEL, and the lead bytes of C1 controls
    // (U+0080..U+009F: 0xC2), U+061C (0xD8) and the bidi marks (0xE2) are the
    // only things that can need work.
    let suspicious = s
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2);
    if !suspicious || !s.chars().any(needs_sanitizing) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    // CSI: parameters/intermediates then one final byte 0x40..=0x7e
                    for c2 in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c2) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    // OSC: until BEL or ESC \
                    while let Some(c2) = chars.next() {
                        if c2 == '\u{7}' {
                            break;
                        }
                        if c2 == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => {
                // 8-bit CSI
                for c2 in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c2) {
                        break;
                    }
                }
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if needs_sanitizing(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_sanitizing(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Cuts `s` to at most `max` bytes on a char boundary, marking the cut.
pub(crate) fn cap_string(mut s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push('…');
    s
}

// ---------------------------------------------------------------------------
// Borrowed JSON model of a tslog line
// ---------------------------------------------------------------------------

/// A JSON string, borrowed from the line when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CowStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A scalar JSON value rendered as text; objects/arrays/null are skipped.
struct Scalar(Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Scalar, D2::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The context object OpenClaw attaches to some log calls
/// (`{"cause":"pairing-required","handshake":"failed","deviceId":..,"reason":"not-paired",...}`),
/// and logger bindings (`{"subsystem":"gateway/ws"}`). Only the keys we use.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Meta {
    pub cause: Option<String>,
    pub reason: Option<String>,
    pub device_id: Option<String>,
    pub request_id: Option<String>,
    pub host: Option<String>,
    pub origin: Option<String>,
    pub forwarded_for: Option<String>,
    pub remote_addr: Option<String>,
    pub client: Option<String>,
    pub client_display_name: Option<String>,
    pub mode: Option<String>,
    pub version: Option<String>,
    pub auth_reason: Option<String>,
    pub auth_provided: Option<String>,
    pub code: Option<String>,
    pub subsystem: Option<String>,
    pub module: Option<String>,
    /// Number of keys seen (bindings objects have only subsystem/module/storePath...).
    pub keys: usize,
}

impl Meta {
    fn is_bindings(&self) -> bool {
        (self.subsystem.is_some() || self.module.is_some()) && self.cause.is_none()
    }

    /// Fills the fields that are still empty from `other`.
    fn merge_from(&mut self, other: Meta) {
        macro_rules! fill {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f; } )* };
        }
        fill!(
            cause,
            reason,
            device_id,
            request_id,
            host,
            origin,
            forwarded_for,
            remote_addr,
            client,
            client_display_name,
            mode,
            version,
            auth_reason,
            auth_provided,
            code
        );
        self.keys += other.keys;
    }
}

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Meta;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Meta, A::Error> {
                let mut m = Meta::default();
                while let Some(key) = map.next_key::<CowStr<'de>>()? {
                    m.keys += 1;
                    let slot = match key.0.as_ref() {
                        "cause" => &mut m.cause,
                        "reason" => &mut m.reason,
                        "deviceId" => &mut m.device_id,
                        "requestId" => &mut m.request_id,
                        "host" => &mut m.host,
                        "origin" => &mut m.origin,
                        "forwardedFor" => &mut m.forwarded_for,
                        "remoteAddr" => &mut m.remote_addr,
                        "client" => &mut m.client,
                        "clientDisplayName" => &mut m.client_display_name,
                        "mode" => &mut m.mode,
                        "version" => &mut m.version,
                        "authReason" => &mut m.auth_reason,
                        "authProvided" => &mut m.auth_provided,
                        "code" => &mut m.code,
                        "subsystem" => &mut m.subsystem,
                        "module" => &mut m.module,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    let v = map.next_value::<Scalar>()?.0;
                    if slot.is_none() {
                        *slot = v;
                    }
                }
                Ok(m)
            }
        }
        d.deserialize_map(V)
    }
}

/// One positional argument of a tslog line (`"0"`, `"1"`, ...).
enum Arg<'a> {
    Str(Cow<'a, str>),
    Obj(Box<Meta>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Arg<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Arg<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Arg::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Arg::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Arg::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Arg::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Arg::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Arg::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Arg::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Arg::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Arg::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let m = Meta::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Arg::Obj(Box::new(m)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
struct TslogMeta<'a> {
    #[serde(borrow, default)]
    name: Option<CowStr<'a>>,
    #[serde(rename = "logLevelName", borrow, default)]
    level: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    date: Option<CowStr<'a>>,
}

#[derive(Default)]
struct JsonLine<'a> {
    args: Vec<(u32, Arg<'a>)>,
    meta: Option<TslogMeta<'a>>,
    time: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    level: Option<Cow<'a, str>>,
    subsystem: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonLine<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonLine<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tslog JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut line = JsonLine::default();
                while let Some(key) = map.next_key::<CowStr<'de>>()? {
                    let k = key.0.as_ref();
                    if let Ok(n) = k.parse::<u32>() {
                        let arg = map.next_value::<Arg<'de>>()?;
                        line.args.push((n, arg));
                        continue;
                    }
                    match k {
                        "_meta" => {
                            line.meta = map.next_value::<Option<TslogMeta<'de>>>()?;
                        }
                        "time" => {
                            line.time = map.next_value::<Option<CowStr<'de>>>()?.map(|c| c.0);
                        }
                        "message" | "msg" => {
                            let v = map.next_value::<Option<CowStr<'de>>>().ok().flatten();
                            if line.message.is_none() {
                                line.message = v.map(|c| c.0);
                            }
                        }
                        "level" => {
                            line.level = map.next_value::<Scalar>()?.0.map(Cow::Owned);
                        }
                        "subsystem" => {
                            line.subsystem = map.next_value::<Scalar>()?.0.map(Cow::Owned);
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(line)
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------
// A line split into its parts (before classification)
// ---------------------------------------------------------------------------

/// The generic parts of a log line, whatever its form.
#[derive(Debug, Default)]
pub(crate) struct LineParts {
    pub time: Option<String>,
    pub level: Level,
    pub subsystem: Option<String>,
    /// Logger name when it is not a bindings object (CLI output uses `openclaw`).
    pub logger: Option<String>,
    /// Message text, sanitized.
    pub text: String,
    pub meta: Meta,
    /// The line looked like JSON but could not be parsed.
    pub malformed: bool,
}

/// Splits a raw line (no trailing newline) into its parts.
pub(crate) fn split_line(raw: &[u8]) -> LineParts {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    };
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.starts_with('{') {
        match serde_json::from_str::<JsonLine<'_>>(trimmed) {
            Ok(j) => return json_parts(j),
            Err(_) => {
                return LineParts {
                    malformed: true,
                    ..LineParts::default()
                };
            }
        }
    }
    text_parts(trimmed)
}

fn parse_bindings(name: &str) -> Option<(Option<String>, Option<String>)> {
    let t = name.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let m: Meta = serde_json::from_str(t).ok()?;
    Some((m.subsystem, m.module))
}

fn json_parts(mut j: JsonLine<'_>) -> LineParts {
    let mut parts = LineParts::default();
    let meta_name = j
        .meta
        .as_ref()
        .and_then(|m| m.name.as_ref())
        .map(|c| c.0.clone());
    // logger name -> subsystem
    if let Some(name) = &meta_name {
        match parse_bindings(name) {
            Some((sub, module)) => parts.subsystem = sub.or(module),
            None => parts.logger = Some(sanitize(name).into_owned()),
        }
    }
    if parts.subsystem.is_none() {
        parts.subsystem = j.subsystem.take().map(|s| s.into_owned());
    }
    parts.level = j
        .meta
        .as_ref()
        .and_then(|m| m.level.as_ref())
        .and_then(|l| Level::parse(&l.0))
        .or_else(|| j.level.as_deref().and_then(Level::parse))
        .unwrap_or_default();
    parts.time = j
        .time
        .take()
        .or_else(|| j.meta.as_mut().and_then(|m| m.date.take()).map(|c| c.0))
        .map(|t| sanitize(&t).into_owned());

    j.args.sort_by_key(|(n, _)| *n);
    let mut text = String::new();
    for (n, arg) in j.args {
        match arg {
            Arg::Str(s) => {
                if n == 0 {
                    let is_bindings = meta_name.as_deref() == Some(s.as_ref())
                        || parse_bindings(&s).is_some_and(|(a, b)| a.is_some() || b.is_some());
                    if is_bindings {
                        if parts.subsystem.is_none()
                            && let Some((sub, module)) = parse_bindings(&s)
                        {
                            parts.subsystem = sub.or(module);
                        }
                        continue;
                    }
                }
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&s);
            }
            Arg::Obj(m) => {
                if m.is_bindings() && m.keys <= 4 {
                    if parts.subsystem.is_none() {
                        parts.subsystem = m.subsystem.or(m.module);
                    }
                } else {
                    parts.meta.merge_from(*m);
                }
            }
            Arg::Other => {}
        }
    }
    if text.trim().is_empty()
        && let Some(m) = j.message
    {
        text = m.into_owned();
    }
    parts.text = sanitize(&text).trim().to_owned();
    parts.subsystem = parts.subsystem.map(|s| sanitize(&s).into_owned());
    parts
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Nov 21 09:54:22 host node[123]: rest` -> (`Nov 21 09:54:22`, `rest`);
/// `2026-11-21T09:54:22+0000 host node[123]: rest` (journalctl -o short-iso) too.
fn strip_journal_prefix(s: &str) -> Option<(&str, &str)> {
    let month_form = MONTHS.iter().any(|m| s.starts_with(m)) && s.as_bytes().get(3) == Some(&b' ');
    let ts_end = if month_form {
        // "Mmm dd HH:MM:SS" (day may be space padded)
        let rest = s[4..].trim_start();
        let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if day_len == 0 || day_len > 2 {
            return None;
        }
        let t = rest[day_len..].strip_prefix(' ')?;
        let tlen = t
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b':' || *b == b'.')
            .count();
        if tlen < 8 {
            return None;
        }
        s.len() - t.len() + tlen
    } else {
        let first = s.split(' ').next()?;
        if !looks_like_iso_time(first) {
            return None;
        }
        first.len()
    };
    let ts = &s[..ts_end];
    let rest = s[ts_end..].strip_prefix(' ')?;
    // host
    let sp = rest.find(' ')?;
    let host = &rest[..sp];
    if host.is_empty() || host.contains(['[', ':']) {
        return None;
    }
    let rest = &rest[sp + 1..];
    // ident[pid]: (ident: alone only after a syslog-style date, so that a
    // console `<iso time> word word: text` line is not mistaken for a journal line)
    let colon = rest.find(": ")?;
    let ident = &rest[..colon];
    if ident.is_empty() || ident.contains(' ') {
        return None;
    }
    let has_pid = ident
        .strip_suffix(']')
        .and_then(|i| i.rsplit_once('['))
        .is_some_and(|(name, pid)| {
            !name.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        });
    if ident.contains('[') && !has_pid {
        return None;
    }
    if !month_form && !has_pid {
        return None;
    }
    Some((ts, &rest[colon + 2..]))
}

fn looks_like_iso_time(tok: &str) -> bool {
    let b = tok.as_bytes();
    b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
}

fn looks_like_clock(tok: &str) -> bool {
    let b = tok.as_bytes();
    b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[6..8].iter().all(u8::is_ascii_digit)
        && b[8..].iter().all(|c| c.is_ascii_digit() || *c == b'.')
}

fn text_parts(line: &str) -> LineParts {
    let clean = sanitize(line);
    let mut parts = LineParts::default();
    let mut rest: &str = clean.trim();
    if let Some((ts, inner)) = strip_journal_prefix(rest) {
        parts.time = Some(ts.to_owned());
        rest = inner.trim_start();
    }
    // console / `openclaw logs` timestamp
    if let Some(tok) = rest.split([' ', '\t']).next()
        && (looks_like_iso_time(tok) || looks_like_clock(tok))
    {
        parts.time = Some(tok.to_owned());
        rest = rest[tok.len()..].trim_start();
    }
    // level word
    if let Some(tok) = rest.split([' ', '\t']).next()
        && let Some(level) = Level::parse(tok)
        && tok.len() < rest.len()
    {
        parts.level = level;
        rest = rest[tok.len()..].trim_start();
    }
    // [subsystem] (console) or a bare subsystem after a level word
    if let Some(inner) = rest.strip_prefix('[') {
        if let Some(end) = inner.find(']') {
            let sub = &inner[..end];
            if !sub.is_empty() && !sub.contains(' ') {
                parts.subsystem = Some(sub.to_owned());
                rest = inner[end + 1..].trim_start();
            }
        }
    } else if parts.level != Level::Unknown
        && let Some(tok) = rest.split([' ', '\t']).next()
    {
        let plausible = !tok.is_empty()
            && !tok.starts_with('{')
            && tok.len() < rest.len()
            && tok
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if plausible {
            parts.subsystem = Some(tok.to_owned());
            rest = rest[tok.len()..].trim_start();
        }
    }
    // `gateway/ws: {...}` style prefix used in pasted logs
    // leading JSON objects: bindings and/or the context object
    loop {
        if !rest.starts_with('{') {
            break;
        }
        let mut it = serde_json::Deserializer::from_str(rest).into_iter::<Meta>();
        match it.next() {
            Some(Ok(m)) => {
                let used = it.byte_offset();
                if m.is_bindings() && m.keys <= 4 {
                    if parts.subsystem.is_none() {
                        parts.subsystem = m.subsystem.clone().or(m.module.clone());
                    }
                } else {
                    parts.meta.merge_from(m);
                }
                rest = rest[used..].trim_start();
            }
            _ => break,
        }
    }
    // 2026.9 console lines append the context object as a `key=value` tail
    // (`... phase=auth_validated cause=pairing-required ... reason=not-paired`)
    let mut rest = rest.trim();
    if parts.meta.cause.is_none()
        && let Some((start, _)) = kv_idents(rest).find(|(_, ident)| *ident == "cause")
        && start > 0
    {
        let tail = parse_console_meta(&rest[start..]);
        if tail.cause.is_some() {
            parts.meta.merge_from(tail);
            rest = rest[..start].trim_end();
        }
    }
    // a context object somewhere else on the line (`gateway/ws: {"cause":...}` pastes)
    let mut text = rest.to_owned();
    if parts.meta.cause.is_none()
        && let Some(pos) = text.find("{\"cause\"")
    {
        let mut it = serde_json::Deserializer::from_str(&text[pos..]).into_iter::<Meta>();
        if let Some(Ok(m)) = it.next() {
            let used = it.byte_offset();
            parts.meta.merge_from(m);
            let before = text[..pos].trim_end();
            let before = before.strip_suffix(':').unwrap_or(before);
            if parts.subsystem.is_none() && !before.is_empty() && !before.contains(' ') {
                parts.subsystem = Some(before.to_owned());
                text = text[pos + used..].trim().to_owned();
            } else {
                text = format!("{} {}", before, text[pos + used..].trim())
                    .trim()
                    .to_owned();
            }
        }
    }
    parts.text = text;
    parts
}

/// Parses a 2026.9 console meta tail: `key=value` pairs separated by spaces,
/// values JSON-quoted when they hold spaces or `=`.
fn parse_console_meta(tail: &str) -> Meta {
    let mut m = Meta::default();
    let mut rest = tail;
    loop {
        rest = rest.trim_start();
        let Some(eq) = rest.find('=') else { break };
        let key = &rest[..eq];
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            break;
        }
        let after = &rest[eq + 1..];
        let (value, used): (String, usize) = if after.starts_with('"') {
            let mut it = serde_json::Deserializer::from_str(after).into_iter::<String>();
            match it.next() {
                Some(Ok(v)) => (v, it.byte_offset()),
                _ => break,
            }
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (after[..end].to_owned(), end)
        };
        m.keys += 1;
        let slot = match key {
            "cause" => &mut m.cause,
            "reason" => &mut m.reason,
            "deviceId" => &mut m.device_id,
            "requestId" => &mut m.request_id,
            "host" => &mut m.host,
            "origin" => &mut m.origin,
            "forwardedFor" => &mut m.forwarded_for,
            "remoteAddr" => &mut m.remote_addr,
            "client" => &mut m.client,
            "clientDisplayName" => &mut m.client_display_name,
            "mode" => &mut m.mode,
            "version" => &mut m.version,
            "authReason" => &mut m.auth_reason,
            "authProvided" => &mut m.auth_provided,
            "code" => &mut m.code,
            _ => {
                rest = &after[used..];
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(value);
        }
        rest = &after[used..];
    }
    m
}

// ---------------------------------------------------------------------------
// key=value helpers
// ---------------------------------------------------------------------------

/// Start offsets of the space-separated tokens of `text` that look like
/// `ident=...`, with the ident.
fn kv_idents(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = text.as_bytes();
    let mut i = 0usize;
    std::iter::from_fn(move || {
        while i < b.len() {
            let start = i;
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            i = match memchr::memchr(b' ', &b[j..]) {
                Some(p) => j + p + 1,
                None => b.len(),
            };
            if j > start && b.get(j) == Some(&b'=') {
                return Some((start, &text[start..j]));
            }
        }
        None
    })
}

/// Value of `key=` in a space-separated `k=v` list (values without spaces).
/// The first occurrence wins.
pub(crate) fn kv_token<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let (start, _) = kv_idents(text).find(|(_, ident)| *ident == key)?;
    let v = &text[start + key.len() + 1..];
    let end = v.find(' ').unwrap_or(v.len());
    Some(&v[..end])
}

/// Values of `keys` in a line whose values may contain spaces (`ua=`,
/// `client=<label> <mode> v<ver>`, `reason=pairing required: ...`). The keys
/// must be given in the order the line writes them; each value ends where the
/// next key that is present starts.
pub(crate) fn kv_anchored<'t>(text: &'t str, keys: &[&str]) -> Vec<(usize, &'t str)> {
    let mut anchors: Vec<(usize, usize, usize)> = Vec::new(); // (key idx, key start, value start)
    let mut next = 0usize;
    for (start, ident) in kv_idents(text) {
        if next >= keys.len() {
            break;
        }
        if let Some(k) = keys[next..].iter().position(|k| *k == ident) {
            anchors.push((next + k, start, start + ident.len() + 1));
            next += k + 1;
        }
    }
    let mut out = Vec::with_capacity(anchors.len());
    for (n, &(i, _, vstart)) in anchors.iter().enumerate() {
        let vend = anchors.get(n + 1).map(|a| a.1).unwrap_or(text.len());
        let v = text[vstart..vend.max(vstart)].trim();
        out.push((i, v));
    }
    out
}

fn get_anchored<'t>(vals: &[(usize, &'t str)], idx: usize) -> Option<&'t str> {
    vals.iter().find(|(i, _)| *i == idx).map(|(_, v)| *v)
}

/// Normalises a logged value: empty, `n/a`, `?`, `unknown` placeholders and
/// redaction placeholders become `None`.
pub(crate) fn clean(v: Option<&str>) -> Option<String> {
    let v = v?.trim().trim_end_matches([';', ',']);
    if v.is_empty() || v == "n/a" || v == "?" || is_redacted(v) {
        return None;
    }
    Some(v.to_owned())
}

pub(crate) fn is_redacted(v: &str) -> bool {
    REDACTION_PLACEHOLDERS.contains(&v)
}

/// `a,b,c` -> vec; `<none>` or empty -> empty vec.
fn csv(v: Option<&str>) -> Option<Vec<String>> {
    let v = v?.trim();
    if v == "<none>" || v.is_empty() {
        return Some(Vec::new());
    }
    if is_redacted(v) {
        return None;
    }
    Some(
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

fn none_to_empty(v: Option<&str>) -> Option<String> {
    let v = v?.trim();
    if v == "<none>" {
        return Some(String::new());
    }
    clean(Some(v))
}

/// The `requestId: <id>` inside a close reason or client error. It may be cut.
fn request_id_in(text: &str) -> Option<String> {
    let pos = text
        .find("requestId: ")
        .or_else(|| text.find("requestId="))?;
    let v = &text[pos + "requestId: ".len()..];
    let end = v
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(v.len());
    clean(Some(&v[..end]))
}

/// Maps the human pairing requirement (new close reasons, old client short
/// forms) to the gateway's reason code.
pub fn pairing_reason_from_text(text: &str) -> Option<&'static str> {
    let t = text;
    if t.contains("device is not approved yet") || t.contains("device pairing required") {
        Some("not-paired")
    } else if t.contains("asking for a higher role") || t.contains("role upgrade pending approval")
    {
        Some("role-upgrade")
    } else if t.contains("asking for more scopes") || t.contains("scope upgrade pending approval") {
        Some("scope-upgrade")
    } else if t.contains("identity changed and must be re-approved")
        || t.contains("metadata change pending approval")
    {
        Some("metadata-upgrade")
    } else {
        None
    }
}

fn normalize_pairing_reason(r: &str) -> Option<String> {
    let r = r.trim();
    match r {
        "not-paired" | "role-upgrade" | "scope-upgrade" | "metadata-upgrade" => Some(r.to_owned()),
        _ => pairing_reason_from_text(r)
            .map(str::to_owned)
            .or_else(|| clean(Some(r))),
    }
}

/// Maps `unauthorized: <text>` close reasons / client errors to the internal
/// reason code used by the `unauthorized ... reason=` log line.
pub fn unauthorized_code_from_text(text: &str) -> Option<&'static str> {
    const TABLE: [(&str, &str); 15] = [
        ("gateway token missing", "token_missing"),
        ("gateway token mismatch", "token_mismatch"),
        ("gateway token not configured", "token_missing_config"),
        ("gateway password missing", "password_missing"),
        ("gateway password mismatch", "password_mismatch"),
        ("gateway password not configured", "password_missing_config"),
        ("bootstrap token invalid", "bootstrap_token_invalid"),
        ("tailscale identity missing", "tailscale_user_missing"),
        ("tailscale proxy headers missing", "tailscale_proxy_missing"),
        ("tailscale identity check failed", "tailscale_whois_failed"),
        ("tailscale identity mismatch", "tailscale_user_mismatch"),
        ("too many failed authentication attempts", "rate_limited"),
        ("device token mismatch", "device_token_mismatch"),
        ("device token scope mismatch", "scope_mismatch"),
        ("device token rejected", "device_token_rejected"),
    ];
    TABLE
        .iter()
        .find(|(needle, _)| text.contains(needle))
        .map(|(_, code)| *code)
}

// ---------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------

/// A CLI/app version seen on a line (`client=cli cli v2026.7.35`, or the
/// `client`/`mode`/`version` keys of a context object).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientVersionSeen {
    pub client: String,
    pub mode: Option<String>,
    pub version: String,
}

/// What one line yielded.
#[derive(Debug, Default)]
pub struct ParsedLine {
    pub event: Option<Event>,
    pub client_version: Option<ClientVersionSeen>,
    /// `Gateway version: X` (CLI `gateway status` output).
    pub gateway_version: Option<String>,
    /// The line's time as written.
    pub time: Option<String>,
    /// `time` parsed.
    pub timestamp: Option<Timestamp>,
    /// The line looked like JSON but was not valid JSON (e.g. a truncated last line).
    pub malformed: bool,
}

/// The literals a line we care about contains. The scanner searches whole
/// chunks for them (SIMD Teddy); only lines containing one are parsed. Must stay
/// a superset of what `classify` recognises; a broader literal only costs a parse.
pub const PREFILTER_LITERALS: &[&str] = &[
    // Few literals (Teddy slows down sharply past 16) whose first four bytes
    // are rare in ordinary gateway lines (every JSON line holds `openclaw`,
    // `device`, `pair...`, `proto...`; `durationMs` makes `atio` common, `localhost`
    // `loca`); `classify` does the real matching.
    "closed before connect", // 1008 closes (pairing, unauthorized, device identity)
    "security audit: device", // access / metadata upgrade audits
    "unauthorized",          // `unauthorized conn=`, `unauthorized: ...` closes and client errors
    "quired", // `pairing required`, `pairing-required`, `device-required`, `proxy_attribution_required`, `...RequiredError`
    "approv", // `upgrade pending approval`, `auto-approved`, `approval denied`, `approve its own scope upgrade`
    "Proxy headers", // `Proxy headers detected from untrusted address`
    "unattributable", // `observed unattributable proxy-shaped traffic`
    "Host header", // `Loopback connection with non-local Host header`
    "dentity", // `device identity`, `DeviceIdentityMigrationRequiredError`
    "migration", // `device pairing store migration failed`, `startup migrations did not complete cleanly`
    "denied device=", // `device token revocation|rotation denied device=.. reason=..`
    "missing scope: ", // `res ✗ device.pair.approve .. errorMessage=missing scope: ..`, CLI errors
    "Legacy ",   // `Legacy pairing store(s) ...`, `Legacy device identity|auth ...`
    "webchat connected", // client versions
    "rotocol mismatch", // client versions
    "version: ", // `CLI version: `, `Gateway version: ` (`gateway status` output)
];

/// The phrases `classify` dispatches on, found with one Aho-Corasick pass
/// over the message instead of one substring search each.
const M_CLOSE: usize = 0;
const M_ACCESS: usize = 1;
const M_METADATA: usize = 2;
const M_UNAUTH_CONN: usize = 3;
const M_AUTO: usize = 4;
const M_SSH_AUTO: usize = 5;
const M_PROXY: usize = 6;
const M_UNATTR: usize = 7;
const M_NON_LOCAL: usize = 8;
const M_CONTROL_UI_IDENTITY: usize = 9;
const M_IDENTITY_REQUIRED: usize = 10;
const DISPATCH_MARKERS: [&str; 11] = [
    "closed before connect",
    "security audit: device access upgrade requested",
    "security audit: device metadata upgrade requested",
    "unauthorized conn=",
    "device pairing auto-approved",
    "security audit: device pairing ssh-verified auto-approve",
    "Proxy headers detected from untrusted address",
    "unattributable proxy-shaped traffic from ",
    "Loopback connection with non-local Host header",
    "control ui requires device identity",
    "device identity required",
];

/// First position of each dispatch marker in `t`.
fn find_markers(t: &str) -> [Option<usize>; DISPATCH_MARKERS.len()] {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(DISPATCH_MARKERS)
            .expect("valid dispatch markers")
    });
    let mut out = [None; DISPATCH_MARKERS.len()];
    // the markers never overlap in real lines, so a leftmost scan finds them all
    for m in ac.find_iter(t) {
        let slot = &mut out[m.pattern().as_usize()];
        if slot.is_none() {
            *slot = Some(m.start());
        }
    }
    out
}

/// The (kind, side, fields) a message maps to.
struct Classified {
    kind: EventKind,
    side: Side,
    fields: EventFields,
}

/// Parses one raw line (without its newline). Stateless: a `connect failed`
/// close that is only identifiable through an earlier audit line is not
/// recognised here; the scanner's [`LineParser`] does that.
pub fn parse_line(raw: &[u8], file: usize, line: u64) -> ParsedLine {
    LineParser::new().parse(raw, file, line)
}

/// Per-file parser state: remembers recent upgrade audits (by `conn`) so that a
/// console `closed before connect ... reason=connect failed` line (which has no
/// context object) can still be attributed to the pairing failure it ends.
#[derive(Debug, Default)]
pub struct LineParser {
    recent_audits: std::collections::VecDeque<(String, String, Option<String>)>,
}

const RECENT_AUDITS: usize = 256;

impl LineParser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn parse(&mut self, raw: &[u8], file: usize, line: u64) -> ParsedLine {
        let parts = split_line(raw);
        if parts.malformed {
            return ParsedLine {
                malformed: true,
                ..ParsedLine::default()
            };
        }
        let client_version = client_version_in(&parts);
        let classified = self.classify(&parts);
        let timestamp = parts.time.as_deref().and_then(parse_timestamp);
        let event = classified.map(|c| Event {
            kind: c.kind,
            side: c.side,
            time: parts.time.clone(),
            timestamp,
            level: parts.level,
            subsystem: parts.subsystem.clone(),
            file,
            line,
            message: cap_string(parts.text.clone(), MAX_MESSAGE_BYTES),
            fields: Box::new(c.fields),
        });
        ParsedLine {
            event,
            client_version,
            gateway_version: version_after(&parts.text, "Gateway version: "),
            time: parts.time,
            timestamp,
            malformed: false,
        }
    }

    fn remember_audit(&mut self, conn: Option<&str>, reason: Option<&str>, device: Option<&str>) {
        if let (Some(conn), Some(reason)) = (conn, reason) {
            if self.recent_audits.len() == RECENT_AUDITS {
                self.recent_audits.pop_front();
            }
            self.recent_audits.push_back((
                conn.to_owned(),
                reason.to_owned(),
                device.map(str::to_owned),
            ));
        }
    }

    fn audit_for(&self, conn: &str) -> Option<&(String, String, Option<String>)> {
        self.recent_audits.iter().rev().find(|(c, _, _)| c == conn)
    }

    fn classify(&mut self, p: &LineParts) -> Option<Classified> {
        let t = p.text.as_str();
        let m = &p.meta;
        let at = find_markers(t);

        if at[M_CLOSE].is_some() {
            return self.classify_close(t, m);
        }
        if let Some(pos) = at[M_ACCESS] {
            let body = &t[pos..];
            let f = EventFields {
                reason: clean(kv_token(body, "reason")),
                device_id: clean(kv_token(body, "device")),
                ip: clean(kv_token(body, "ip")),
                auth: clean(kv_token(body, "auth")),
                role_from: none_to_empty(kv_token(body, "roleFrom")),
                role_to: none_to_empty(kv_token(body, "roleTo")),
                scopes_from: csv(kv_token(body, "scopesFrom")),
                scopes_to: csv(kv_token(body, "scopesTo")),
                client: clean(kv_token(body, "client")),
                conn: clean(kv_token(body, "conn")),
                ..EventFields::default()
            };
            self.remember_audit(
                f.conn.as_deref(),
                f.reason.as_deref(),
                f.device_id.as_deref(),
            );
            return Some(gw(EventKind::AccessUpgrade, f));
        }
        if let Some(pos) = at[M_METADATA] {
            let body = &t[pos..];
            let f = EventFields {
                reason: clean(kv_token(body, "reason")),
                device_id: clean(kv_token(body, "device")),
                ip: clean(kv_token(body, "ip")),
                auth: clean(kv_token(body, "auth")),
                claimed_platform: none_to_empty(kv_token(body, "claimedPlatform")),
                pinned_platform: none_to_empty(kv_token(body, "pinnedPlatform")),
                claimed_device_family: none_to_empty(kv_token(body, "claimedDeviceFamily")),
                pinned_device_family: none_to_empty(kv_token(body, "pinnedDeviceFamily")),
                client: clean(kv_token(body, "client")),
                conn: clean(kv_token(body, "conn")),
                ..EventFields::default()
            };
            self.remember_audit(
                f.conn.as_deref(),
                f.reason.as_deref(),
                f.device_id.as_deref(),
            );
            return Some(gw(EventKind::MetadataUpgrade, f));
        }
        if let Some(pos) = at[M_UNAUTH_CONN] {
            return Some(gw(EventKind::Unauthorized, unauthorized_fields(&t[pos..])));
        }
        if let Some(pos) = at[M_AUTO] {
            let body = &t[pos..];
            let f = EventFields {
                device_id: clean(kv_token(body, "device")),
                role: clean(kv_token(body, "role")),
                ..EventFields::default()
            };
            return Some(gw(EventKind::AutoApproved, f));
        }
        if let Some(pos) = at[M_SSH_AUTO] {
            let body = &t[pos..];
            let f = EventFields {
                reason: Some("ssh-verified".to_owned()),
                device_id: clean(kv_token(body, "device")),
                ip: clean(kv_token(body, "ip")),
                client: clean(kv_token(body, "client")),
                conn: clean(kv_token(body, "conn")),
                ..EventFields::default()
            };
            return Some(gw(EventKind::AutoApproved, f));
        }
        if at[M_PROXY].is_some() {
            let f = EventFields {
                remote: clean(m.remote_addr.as_deref()),
                fwd: clean(m.forwarded_for.as_deref()),
                address: clean(m.remote_addr.as_deref()),
                ..EventFields::default()
            };
            return Some(gw(EventKind::UntrustedProxy, f));
        }
        if let Some(pos) = at[M_UNATTR] {
            let v = &t[pos + "unattributable proxy-shaped traffic from ".len()..];
            let end = v.find([';', ' ']).unwrap_or(v.len());
            let f = EventFields {
                address: clean(Some(&v[..end])),
                ..EventFields::default()
            };
            return Some(gw(EventKind::UnattributableProxy, f));
        }
        if at[M_NON_LOCAL].is_some() {
            let f = EventFields {
                host: clean(m.host.as_deref()),
                remote: clean(m.remote_addr.as_deref()),
                ..EventFields::default()
            };
            return Some(gw(EventKind::NonLocalHost, f));
        }
        if let Some(detail) = migration_detail(t) {
            let f = EventFields {
                detail: Some(cap_string(detail, 1024)),
                ..EventFields::default()
            };
            return Some(gw(EventKind::MigrationFailed, f));
        }
        if let Some(c) = classify_refusal(t) {
            return Some(c);
        }
        if let Some(c) = classify_client(t) {
            return Some(c);
        }
        // 2026.8+ client side of an unattributable proxy: the WebSocket upgrade got HTTP 403
        if t.contains("proxy_attribution_required") {
            return Some(Classified {
                kind: EventKind::UnattributableProxy,
                side: Side::Client,
                fields: EventFields {
                    reason: Some("proxy_attribution_required".to_owned()),
                    code: Some(403),
                    ..EventFields::default()
                },
            });
        }
        if at[M_CONTROL_UI_IDENTITY].is_some() || at[M_IDENTITY_REQUIRED].is_some() {
            let reason = if at[M_CONTROL_UI_IDENTITY].is_some() {
                "control-ui-insecure-context"
            } else {
                "device-required"
            };
            let f = EventFields {
                reason: Some(reason.to_owned()),
                ..meta_conn_fields(m)
            };
            let side = if m.cause.is_some() {
                Side::Gateway
            } else {
                Side::Client
            };
            return Some(Classified {
                kind: EventKind::DeviceIdentityRequired,
                side,
                fields: f,
            });
        }
        // a context object alone (pasted `gateway/ws: {"cause":"pairing-required",...}`)
        match m.cause.as_deref() {
            Some("pairing-required") => {
                Some(gw(EventKind::PairingRequired, pairing_meta_fields(m)))
            }
            Some("device-required") | Some("control-ui-insecure-auth") => {
                Some(gw(EventKind::DeviceIdentityRequired, meta_conn_fields(m)))
            }
            _ => None,
        }
    }

    /// `closed before connect conn=.. peer=.. remote=.. fwd=.. origin=.. host=.. ua=.. code=.. reason=.. phase=..`
    fn classify_close(&mut self, t: &str, m: &Meta) -> Option<Classified> {
        const KEYS: [&str; 11] = [
            "conn",
            "peer",
            "remote",
            "fwd",
            "origin",
            "host",
            "ua",
            "code",
            "reason",
            "phase",
            "suppressed",
        ];
        let pos = t.find("closed before connect").unwrap_or(0);
        let vals = kv_anchored(&t[pos..], &KEYS);
        let conn = clean(get_anchored(&vals, 0));
        let code_text = get_anchored(&vals, 7);
        let code = code_text
            .and_then(|c| c.parse::<u16>().ok())
            .or_else(|| m.code.as_deref().and_then(|c| c.parse().ok()));
        let reason_text = get_anchored(&vals, 8).unwrap_or("");
        let mut f = EventFields {
            conn,
            remote: clean(get_anchored(&vals, 2)).or_else(|| clean(m.remote_addr.as_deref())),
            fwd: clean(get_anchored(&vals, 3)).or_else(|| clean(m.forwarded_for.as_deref())),
            origin: clean(get_anchored(&vals, 4)).or_else(|| clean(m.origin.as_deref())),
            host: clean(get_anchored(&vals, 5)).or_else(|| clean(m.host.as_deref())),
            code,
            client: clean(m.client.as_deref()),
            client_mode: clean(m.mode.as_deref()),
            client_version: clean(m.version.as_deref()),
            ..EventFields::default()
        };
        let cause = m.cause.as_deref().unwrap_or("");
        let is_1008 = code.is_none_or(|c| c == 1008);
        let reason_lc = reason_text.to_ascii_lowercase();

        if cause == "pairing-required" || (is_1008 && reason_lc.starts_with("pairing required")) {
            f.reason = m
                .reason
                .as_deref()
                .and_then(normalize_pairing_reason)
                .or_else(|| pairing_reason_from_text(reason_text).map(str::to_owned));
            f.device_id = clean(m.device_id.as_deref());
            f.request_id = clean(m.request_id.as_deref()).or_else(|| request_id_in(reason_text));
            if (f.reason.is_none() || f.device_id.is_none())
                && let Some((_, r, d)) = f.conn.as_deref().and_then(|c| self.audit_for(c))
            {
                if f.reason.is_none() {
                    f.reason = Some(r.clone());
                }
                if f.device_id.is_none() {
                    f.device_id = d.clone();
                }
            }
            return Some(gw(EventKind::PairingRequired, f));
        }
        if matches!(cause, "device-required" | "control-ui-insecure-auth")
            || (is_1008
                && (reason_lc.starts_with("device identity required")
                    || reason_lc.starts_with("control ui requires device identity")))
        {
            f.reason = Some(
                if cause == "control-ui-insecure-auth"
                    || reason_lc.starts_with("control ui requires device identity")
                {
                    "control-ui-insecure-context".to_owned()
                } else {
                    "device-required".to_owned()
                },
            );
            return Some(gw(EventKind::DeviceIdentityRequired, f));
        }
        if cause == "unauthorized" || (is_1008 && reason_lc.starts_with("unauthorized")) {
            f.reason = m
                .auth_reason
                .as_deref()
                .and_then(|r| clean(Some(r)))
                .or_else(|| unauthorized_code_from_text(reason_text).map(str::to_owned))
                .or_else(|| Some("unknown".to_owned()));
            f.auth = clean(m.auth_provided.as_deref());
            return Some(gw(EventKind::Unauthorized, f));
        }
        // A console `connect failed` close carries no context object; it is a
        // pairing failure only when this same connection just logged an upgrade audit.
        if is_1008
            && reason_lc.starts_with("connect failed")
            && cause.is_empty()
            && let Some((_, r, d)) = f.conn.as_deref().and_then(|c| self.audit_for(c))
            && (r == "role-upgrade" || r == "scope-upgrade" || r == "metadata-upgrade")
        {
            f.reason = Some(r.clone());
            f.device_id = d.clone();
            return Some(gw(EventKind::PairingRequired, f));
        }
        None
    }
}

fn gw(kind: EventKind, fields: EventFields) -> Classified {
    Classified {
        kind,
        side: Side::Gateway,
        fields,
    }
}

fn pairing_meta_fields(m: &Meta) -> EventFields {
    EventFields {
        reason: m.reason.as_deref().and_then(normalize_pairing_reason),
        device_id: clean(m.device_id.as_deref()),
        request_id: clean(m.request_id.as_deref()),
        ..meta_conn_fields(m)
    }
}

fn meta_conn_fields(m: &Meta) -> EventFields {
    EventFields {
        remote: clean(m.remote_addr.as_deref()),
        fwd: clean(m.forwarded_for.as_deref()),
        host: clean(m.host.as_deref()),
        origin: clean(m.origin.as_deref()),
        client: clean(m.client.as_deref()),
        client_mode: clean(m.mode.as_deref()),
        client_version: clean(m.version.as_deref()),
        ..EventFields::default()
    }
}

/// `unauthorized conn=.. peer=.. remote=.. client=<label> <mode> v<ver> role=.. scopes=..
/// auth=.. device=.. platform=.. instance=.. host=.. origin=.. ua=.. reason=.. guidance=..`
/// (older: `unauthorized conn=.. remote=.. client=<label> <mode> v<ver> reason=..`).
fn unauthorized_fields(body: &str) -> EventFields {
    const KEYS: [&str; 16] = [
        "conn",
        "peer",
        "remote",
        "client",
        "role",
        "scopes",
        "auth",
        "device",
        "platform",
        "instance",
        "host",
        "origin",
        "ua",
        "reason",
        "guidance",
        "suppressed",
    ];
    let vals = kv_anchored(body, &KEYS);
    let (client, mode, version) = split_client_label(get_anchored(&vals, 3).unwrap_or(""));
    let reason = get_anchored(&vals, 13)
        .and_then(|r| r.split(' ').next())
        .and_then(|r| clean(Some(r)));
    EventFields {
        reason,
        conn: clean(get_anchored(&vals, 0)),
        remote: clean(get_anchored(&vals, 2)),
        client,
        client_mode: mode,
        client_version: version,
        role: clean(get_anchored(&vals, 4)),
        auth: clean(get_anchored(&vals, 6)),
        device: clean(get_anchored(&vals, 7)),
        host: clean(get_anchored(&vals, 10)),
        origin: clean(get_anchored(&vals, 11)),
        ..EventFields::default()
    }
}

/// `cli cli v2026.7.35` -> (cli, cli, 2026.7.35); `gateway-client backend vdev` -> (.., backend, dev);
/// `openclaw-control-ui webchat v2026.9.6` etc. The label may itself contain spaces.
fn split_client_label(v: &str) -> (Option<String>, Option<String>, Option<String>) {
    let toks: Vec<&str> = v.split(' ').filter(|s| !s.is_empty()).collect();
    if toks.len() >= 3 {
        let last = toks[toks.len() - 1];
        if let Some(ver) = last.strip_prefix('v') {
            let label = toks[..toks.len() - 2].join(" ");
            return (
                clean(Some(&label)),
                clean(Some(toks[toks.len() - 2])),
                clean(Some(ver)),
            );
        }
    }
    (clean(Some(v)), None, None)
}

/// Client-side lines (the CLI logs to the same file):
/// `gateway connect failed: GatewayClientRequestError: scope upgrade pending approval (requestId: ..)`,
/// `gateway closed (1008): pairing required: ...`, `disconnected (1008): device identity required`, ...
fn classify_client(t: &str) -> Option<Classified> {
    let lc = t.to_ascii_lowercase();
    let client_ctx = lc.contains("gatewayclientrequesterror")
        || lc.contains("gateway closed (1008")
        || lc.contains("disconnected (1008")
        || lc.contains("gateway connect failed")
        || lc.contains("gateway disconnected")
        || lc.contains("[invalid_request]");
    if !client_ctx {
        return None;
    }
    // must be a 1008 / connect error, not 1000/1006 closes
    if lc.contains("(1000") || lc.contains("(1006") {
        return None;
    }
    let client = |kind, fields| Classified {
        kind,
        side: Side::Client,
        fields,
    };
    if let Some(reason) = pairing_reason_from_text(t) {
        return Some(client(
            EventKind::PairingRequired,
            EventFields {
                reason: Some(reason.to_owned()),
                request_id: request_id_in(t),
                code: Some(1008),
                ..EventFields::default()
            },
        ));
    }
    if lc.contains("pairing required") {
        return Some(client(
            EventKind::PairingRequired,
            EventFields {
                request_id: request_id_in(t),
                code: Some(1008),
                ..EventFields::default()
            },
        ));
    }
    if let Some(pos) = lc.find("unauthorized:") {
        let code = unauthorized_code_from_text(&t[pos..]).unwrap_or("unknown");
        return Some(client(
            EventKind::Unauthorized,
            EventFields {
                reason: Some(code.to_owned()),
                code: Some(1008),
                ..EventFields::default()
            },
        ));
    }
    if lc.contains("control ui requires device identity") {
        return Some(client(
            EventKind::DeviceIdentityRequired,
            EventFields {
                reason: Some("control-ui-insecure-context".to_owned()),
                ..EventFields::default()
            },
        ));
    }
    if lc.contains("device identity required") {
        return Some(client(
            EventKind::DeviceIdentityRequired,
            EventFields {
                reason: Some("device-required".to_owned()),
                ..EventFields::default()
            },
        ));
    }
    None
}

/// Reasons of a `device token revocation|rotation denied` line that mean the caller
/// could not manage that device (the others are about the token itself).
const TOKEN_REFUSAL_REASONS: [&str; 3] = [
    "caller-missing-scope",
    "device-ownership-mismatch",
    "role-management-requires-admin",
];

/// Scopes whose absence makes a CLI error an approval refusal (`devices approve` needs
/// `operator.pairing`, and `operator.admin` for node roles, 2026.4.29-5.2 for everything).
const APPROVAL_SCOPES: [&str; 2] = ["operator.admin", "operator.pairing"];

/// The scope named after `missing scope: ` (`operator.admin`), if any.
fn missing_scope_in(t: &str) -> Option<String> {
    let pos = t.find("missing scope: ")?;
    let v = &t[pos + "missing scope: ".len()..];
    let end = v
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ')' | '"' | '\'' | '`'))
        .unwrap_or(v.len());
    clean(Some(v[..end].trim_end_matches('.')))
}

/// Refused approvals (S13): a caller without the scope it would grant, a device managing
/// another device's request, a device approving its own upgrade.
/// * gateway `device pairing approval denied request=<id> reason=<reason>` (2026.4.20+);
/// * gateway `device token revocation|rotation denied device=<id> role=<role> reason=caller-missing-scope scope=<scope>`;
/// * gateway `⇄ res ✗ device.pair.approve <ms> errorCode=.. errorMessage=missing scope: <scope> conn=..`;
/// * client `GatewayClientRequestError: missing scope: operator.admin` (only the approval scopes:
///   other scopes are ordinary method denials such as `status` without `operator.read`);
/// * client `This device can't approve its own scope upgrade. Approve it from ...` (PR #98146).
///
/// The gateway's `res ✗ device.pair.approve .. errorMessage=device pairing approval denied`
/// is left out: the `device pairing approval denied request=..` line next to it has the reason.
fn classify_refusal(t: &str) -> Option<Classified> {
    let refused = |side, fields| Classified {
        kind: EventKind::ApprovalRefused,
        side,
        fields,
    };
    if let Some(pos) = t.find("device pairing approval denied request=") {
        let body = &t[pos..];
        let f = EventFields {
            reason: clean(kv_token(body, "reason")).or_else(|| Some("unknown".to_owned())),
            request_id: clean(kv_token(body, "request")),
            ..EventFields::default()
        };
        return Some(refused(Side::Gateway, f));
    }
    if let Some(pos) = t
        .find("device token revocation denied device=")
        .or_else(|| t.find("device token rotation denied device="))
    {
        let body = &t[pos..];
        let reason = kv_token(body, "reason")?;
        if !TOKEN_REFUSAL_REASONS.contains(&reason) {
            return None;
        }
        let f = EventFields {
            reason: Some(reason.to_owned()),
            device_id: clean(kv_token(body, "device")),
            role: clean(kv_token(body, "role")),
            detail: clean(kv_token(body, "scope")),
            ..EventFields::default()
        };
        return Some(refused(Side::Gateway, f));
    }
    if t.contains("approve its own scope upgrade") {
        let f = EventFields {
            reason: Some("own-scope-upgrade".to_owned()),
            ..EventFields::default()
        };
        return Some(refused(Side::Client, f));
    }
    let scope = missing_scope_in(t)?;
    if let Some(pos) = t.find("res ✗ ") {
        // gateway response log: only the approve method
        let body = &t[pos + "res ✗ ".len()..];
        if !body.starts_with("device.pair.approve ") {
            return None;
        }
        let f = EventFields {
            reason: Some("missing-scope".to_owned()),
            conn: clean(kv_token(body, "conn")),
            detail: Some(scope),
            ..EventFields::default()
        };
        return Some(refused(Side::Gateway, f));
    }
    let client_error = t.contains("GatewayClientRequestError")
        || t.contains("CLI failed")
        || t.contains("Failed to start CLI");
    if client_error && APPROVAL_SCOPES.contains(&scope.as_str()) {
        let f = EventFields {
            reason: Some("missing-scope".to_owned()),
            detail: Some(scope),
            ..EventFields::default()
        };
        return Some(refused(Side::Client, f));
    }
    None
}

/// Pairing / identity store migration trouble; returns the detail text.
fn migration_detail(t: &str) -> Option<String> {
    const MARKERS: [&str; 7] = [
        "device pairing store migration failed",
        "Legacy pairing stores require repair",
        "Legacy pairing store ",
        "Legacy device identity exists at",
        "startup migrations did not complete cleanly",
        "DeviceIdentityMigrationRequiredError",
        "Legacy device auth requires migration",
    ];
    let (pos, marker) = MARKERS
        .iter()
        .filter_map(|m| {
            let pos = t.find(m)?;
            (*m != "Legacy pairing store " || t[pos..].contains("not been imported"))
                .then_some((pos, *m))
        })
        .min_by_key(|(pos, _)| *pos)?;
    let after = t[pos + marker.len()..].trim_start_matches([':', ' ']);
    if marker == "device pairing store migration failed" && !after.is_empty() {
        Some(after.trim().to_owned())
    } else {
        Some(t[pos..].trim().to_owned())
    }
}

/// `<marker>2026.9.6 ...` at the start of a message -> `2026.9.6`.
fn version_after(text: &str, marker: &str) -> Option<String> {
    let v = text.strip_prefix(marker)?;
    let end = v.find(' ').unwrap_or(v.len());
    let v = v[..end].trim_start_matches('v');
    let ok = !v.is_empty()
        && v.as_bytes()[0].is_ascii_digit()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    ok.then(|| v.to_owned())
}

/// Client software versions mentioned on a line.
fn client_version_in(p: &LineParts) -> Option<ClientVersionSeen> {
    let t = p.text.as_str();
    // `CLI version: 2026.9.6 (/path/openclaw.mjs)` (CLI `gateway status` output)
    if let Some(version) = version_after(t, "CLI version: ") {
        return Some(ClientVersionSeen {
            client: "cli".to_owned(),
            mode: None,
            version,
        });
    }
    // `... client=<label> <mode> v<ver> ...` (unauthorized, webchat connected, protocol mismatch)
    if let Some(pos) = t.find(" client=") {
        let v = &t[pos + " client=".len()..];
        let toks: Vec<&str> = v.splitn(5, ' ').take(4).collect();
        // find the first token that looks like v<digits or dev>
        for i in 2..toks.len().min(4) {
            if let Some(ver) = toks[i].strip_prefix('v') {
                let ok = !ver.is_empty()
                    && ver
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
                if ok && !toks[i - 1].contains('=') {
                    let label = toks[..i - 1].join(" ");
                    if label.contains('=') {
                        break;
                    }
                    return Some(ClientVersionSeen {
                        client: label,
                        mode: Some(toks[i - 1].to_owned()),
                        version: ver.to_owned(),
                    });
                }
            }
        }
    }
    let m = &p.meta;
    let client = clean(m.client_display_name.as_deref()).or_else(|| clean(m.client.as_deref()));
    if let (Some(client), Some(version)) = (client, clean(m.version.as_deref())) {
        return Some(ClientVersionSeen {
            client,
            mode: clean(m.mode.as_deref()),
            version: version.trim_start_matches('v').to_owned(),
        });
    }
    None
}

/// Parses an instant as OpenClaw writes it (`2026-11-21T09:54:22.278+00:00`,
/// `...Z`, `+0000`). Times without an offset or date return `None`.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    // `+0000` offsets (journalctl -o short-iso)
    let b = s.as_bytes();
    // (a char boundary: the text may hold U+FFFD from a non-UTF-8 line; found by fuzzing)
    if b.len() > 5 && s.is_char_boundary(s.len() - 5) {
        let (head, tail) = s.split_at(s.len() - 5);
        let tb = tail.as_bytes();
        if (tb[0] == b'+' || tb[0] == b'-') && tb[1..].iter().all(u8::is_ascii_digit) {
            let fixed = format!("{head}{}:{}", &tail[..3], &tail[3..]);
            return fixed.parse::<Timestamp>().ok();
        }
    }
    None
}

/// Fast time extraction for file time ranges: no full parse.
pub(crate) fn extract_time(raw: &[u8]) -> Option<String> {
    let start = raw.iter().position(|b| !b.is_ascii_whitespace())?;
    let line = &raw[start..];
    if line.first() == Some(&b'{') {
        for key in [&b"\"time\":\""[..], &b"\"date\":\""[..]] {
            if let Some(pos) = memchr::memmem::rfind(line, key) {
                let v = &line[pos + key.len()..];
                let end = memchr::memchr(b'"', v)?;
                return std::str::from_utf8(&v[..end]).ok().map(str::to_owned);
            }
        }
        return None;
    }
    let head = &line[..line.len().min(256)];
    let s = String::from_utf8_lossy(head);
    let clean = sanitize(&s);
    let mut rest: &str = clean.trim();
    let mut found = None;
    if let Some((ts, inner)) = strip_journal_prefix(rest) {
        found = Some(ts.to_owned());
        rest = inner.trim_start();
    }
    if let Some(tok) = rest.split([' ', '\t']).next()
        && (looks_like_iso_time(tok) || looks_like_clock(tok))
    {
        return Some(tok.to_owned());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::fixtures::*;

    fn ev(line: &str) -> Event {
        parse_line(line.as_bytes(), 3, 42)
            .event
            .unwrap_or_else(|| panic!("no event for: {line}"))
    }

    fn none(line: &str) {
        let p = parse_line(line.as_bytes(), 0, 1);
        assert!(
            p.event.is_none(),
            "unexpected event {:?} for: {line}",
            p.event
        );
    }

    fn v(s: &[&str]) -> Option<Vec<String>> {
        Some(s.iter().map(|x| x.to_string()).collect())
    }

    const DEV_SCOPE: &str = "6921511370561864dc6614f1e3efcfafe0afb4a94b87f5315bf5f381c6ef9615";

    #[test]
    fn sanitize_strips_ansi_controls_and_bidi() {
        assert_eq!(sanitize("\u{1b}[33mwarn\u{1b}[39m text"), "warn text");
        assert_eq!(sanitize("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{202e}b\u{2066}c\u{0}d\u{7f}e"), "abcde");
        assert_eq!(sanitize("tab\there\nnl"), "tab here nl");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_close_connect_failed_with_pairing_meta_2026_7() {
        let e = ev(V7_CLOSE_CONNECT_FAILED);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.side, Side::Gateway);
        assert_eq!(e.level, Level::Warn);
        assert_eq!(e.subsystem.as_deref(), Some("gateway/ws"));
        assert_eq!(e.time.as_deref(), Some("2026-11-21T11:07:47.164+00:00"));
        assert_eq!(
            e.timestamp,
            Some("2026-11-21T11:07:47.164Z".parse::<Timestamp>().unwrap())
        );
        assert_eq!((e.file, e.line), (3, 42));
        assert!(
            e.message
                .starts_with("closed before connect conn=d6df81d7-")
        );
        let f = &e.fields;
        assert_eq!(f.reason.as_deref(), Some("scope-upgrade"));
        assert_eq!(f.device_id.as_deref(), Some(DEV_SCOPE));
        assert_eq!(
            f.request_id.as_deref(),
            Some("dd3c2af3-b2ea-4c3e-8f68-696bdb26231b")
        );
        assert_eq!(
            f.conn.as_deref(),
            Some("d6df81d7-f4c1-41fe-9083-bd224af4ae5a")
        );
        assert_eq!(f.remote.as_deref(), Some("127.0.0.1"));
        assert_eq!(f.fwd, None);
        assert_eq!(f.origin, None);
        assert_eq!(f.host.as_deref(), Some("vm:28789"));
        assert_eq!(f.code, Some(1008));
    }

    #[test]
    fn json_close_not_paired_via_proxy_2026_7() {
        let e = ev(V7_CLOSE_NOT_PAIRED);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(e.fields.fwd.as_deref(), Some("203.0.113.10"));
        assert_eq!(e.fields.remote.as_deref(), Some("127.0.0.1"));
        assert_eq!(e.fields.host.as_deref(), Some("vm:28790"));
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("8802c168-6743-460c-a07c-cd42ea5f9192")
        );
        let e2 = ev(V7_CLOSE_NOT_PAIRED_CONNECT_FAILED);
        assert_eq!(e2.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(e2.fields.fwd.as_deref(), Some("203.0.113.10"));
    }

    #[test]
    fn json_close_with_truncated_request_id_prefers_meta() {
        let e = ev(V7_CLOSE_SCOPE_TRUNCATED);
        assert!(
            e.message
                .contains("(requestId: 647c2048-0220-4fe4-9527-7f9d419e0 phase=")
        );
        assert_eq!(e.fields.reason.as_deref(), Some("scope-upgrade"));
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("647c2048-0220-4fe4-9527-7f9d419e05ea")
        );
        let e = ev(V7_CLOSE_METADATA);
        assert_eq!(e.fields.reason.as_deref(), Some("metadata-upgrade"));
    }

    #[test]
    fn console_close_lines_2026_7() {
        // the console has no context object: the reason comes from the close text
        let e = ev(V7_CONSOLE_CLOSE_SCOPE_TRUNCATED);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.subsystem.as_deref(), Some("ws"));
        assert_eq!(e.level, Level::Unknown);
        assert_eq!(e.fields.reason.as_deref(), Some("scope-upgrade"));
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("647c2048-0220-4fe4-9527-7f9d419e0")
        );
        assert!(e.time.as_deref().unwrap().starts_with("2026-11-21T11:"));
        assert!(e.timestamp.is_some());
        let e = ev(V7_CONSOLE_CLOSE_NOT_PAIRED);
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(e.fields.fwd.as_deref(), Some("203.0.113.10"));
        // a bare console `connect failed` close is not attributable on its own
        none(V7_CONSOLE_CLOSE_CONNECT_FAILED);
    }

    #[test]
    fn console_connect_failed_is_attributed_through_the_audit_of_the_same_conn() {
        let mut p = LineParser::new();
        let a = p
            .parse(V7_CONSOLE_AUDIT_SCOPE.as_bytes(), 0, 1)
            .event
            .unwrap();
        assert_eq!(a.kind, EventKind::AccessUpgrade);
        let c = p
            .parse(V7_CONSOLE_CLOSE_CONNECT_FAILED.as_bytes(), 0, 2)
            .event
            .expect("attributed close");
        assert_eq!(c.kind, EventKind::PairingRequired);
        assert_eq!(c.fields.reason.as_deref(), Some("scope-upgrade"));
        assert_eq!(c.fields.device_id.as_deref(), Some(DEV_SCOPE));
        // another connection's connect-failed close is not attributed
        let other = V7_CONSOLE_CLOSE_CONNECT_FAILED.replace("conn=d6df81d7", "conn=ffffffff");
        assert!(p.parse(other.as_bytes(), 0, 3).event.is_none());
    }

    #[test]
    fn access_upgrade_scope_and_role() {
        for line in [V7_AUDIT_SCOPE, V7_CONSOLE_AUDIT_SCOPE] {
            let e = ev(line);
            assert_eq!(e.kind, EventKind::AccessUpgrade);
            assert_eq!(e.subsystem.as_deref(), Some("gateway"));
            let f = &e.fields;
            assert_eq!(f.reason.as_deref(), Some("scope-upgrade"));
            assert_eq!(f.device_id.as_deref(), Some(DEV_SCOPE));
            assert_eq!(f.ip.as_deref(), Some("unknown-ip"));
            assert_eq!(f.auth.as_deref(), Some("token"));
            assert_eq!(f.role_from.as_deref(), Some("operator"));
            assert_eq!(f.role_to.as_deref(), Some("operator"));
            assert_eq!(f.scopes_from, v(&["operator.pairing"]));
            assert_eq!(f.scopes_to, v(&["operator.read"]));
            assert_eq!(f.client.as_deref(), Some("cli"));
            assert_eq!(
                f.conn.as_deref(),
                Some("d6df81d7-f4c1-41fe-9083-bd224af4ae5a")
            );
        }
        let e = ev(V7_AUDIT_ROLE);
        assert_eq!(e.fields.reason.as_deref(), Some("role-upgrade"));
        assert_eq!(e.fields.role_from.as_deref(), Some("node"));
        assert_eq!(e.fields.scopes_from, Some(vec![]));
        assert_eq!(e.fields.scopes_to, v(&["operator.pairing"]));
        // multi-scope csv and <none> role from the docs' S01 form
        let e = ev(
            "2026-02-20T10:00:00Z [gateway] security audit: device access upgrade requested reason=scope-upgrade device=05eb09d4 ip=unknown-ip auth=token roleFrom=<none> roleTo=operator scopesFrom=operator.admin,operator.approvals,operator.pairing scopesTo=operator.write client=gateway-client conn=c1",
        );
        assert_eq!(e.fields.role_from.as_deref(), Some(""));
        assert_eq!(
            e.fields.scopes_from,
            v(&["operator.admin", "operator.approvals", "operator.pairing"])
        );
        assert_eq!(e.fields.client.as_deref(), Some("gateway-client"));
    }

    #[test]
    fn metadata_upgrade() {
        for line in [V7_AUDIT_METADATA, V7_CONSOLE_AUDIT_METADATA] {
            let e = ev(line);
            assert_eq!(e.kind, EventKind::MetadataUpgrade);
            let f = &e.fields;
            assert_eq!(f.reason.as_deref(), Some("metadata-upgrade"));
            assert_eq!(f.claimed_platform.as_deref(), Some("linux"));
            assert_eq!(f.pinned_platform.as_deref(), Some("darwin"));
            assert_eq!(f.claimed_device_family.as_deref(), Some(""));
            assert_eq!(f.pinned_device_family.as_deref(), Some("Mac"));
            assert_eq!(f.client.as_deref(), Some("cli"));
            assert_eq!(
                f.device_id.as_deref(),
                Some("5436bcd848ffaf2dd4ebac6c9c3735910d7df50f376ef825b518f49f045affa9")
            );
        }
    }

    #[test]
    fn auto_approved_untrusted_proxy_non_local_host() {
        for line in [V7_AUTO_APPROVED, V7_CONSOLE_AUTO_APPROVED] {
            let e = ev(line);
            assert_eq!(e.kind, EventKind::AutoApproved);
            assert_eq!(e.fields.device_id.as_deref(), Some(DEV_SCOPE));
            assert_eq!(e.fields.role.as_deref(), Some("operator"));
        }
        for line in [V7_UNTRUSTED_PROXY, V7_CONSOLE_UNTRUSTED_PROXY] {
            let e = ev(line);
            assert_eq!(e.kind, EventKind::UntrustedProxy);
            // the real line carries no address (no context object)
            assert_eq!(*e.fields, EventFields::default());
        }
        for line in [V7_NON_LOCAL_HOST, V7_CONSOLE_NON_LOCAL_HOST] {
            let e = ev(line);
            assert_eq!(e.kind, EventKind::NonLocalHost);
            assert_eq!(*e.fields, EventFields::default());
        }
    }

    #[test]
    fn client_side_errors() {
        let e = ev(V7_CLIENT_NOT_PAIRED);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.side, Side::Client);
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.subsystem, None);
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("0d0f3c69-f211-4bc3-9667-abf62f694ef2")
        );
        assert_eq!(
            ev(V7_CLIENT_SCOPE).fields.reason.as_deref(),
            Some("scope-upgrade")
        );
        assert_eq!(
            ev(V7_CLIENT_METADATA).fields.reason.as_deref(),
            Some("metadata-upgrade")
        );
        let e =
            ev("gateway connect failed: GatewayClientRequestError: role upgrade pending approval");
        assert_eq!(e.fields.reason.as_deref(), Some("role-upgrade"));
        let e = ev(
            r#"    "message": "gateway closed (1008): pairing required: device is asking for more scopes than currently approved (requestId: e8a3e46a-dd5d-4d56-8fbc-9e7dfc461","#,
        );
        assert_eq!(e.side, Side::Client);
        assert_eq!(e.fields.reason.as_deref(), Some("scope-upgrade"));
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("e8a3e46a-dd5d-4d56-8fbc-9e7dfc461")
        );
        // pre-2026.4 bare form: reason unknown
        let e = ev("gateway connect failed: Error: gateway closed (1008): pairing required");
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.fields.reason, None);
        let e = ev(
            "[openclaw] Reason: gateway closed (1008): unauthorized: gateway token mismatch (provide gateway auth token)",
        );
        assert_eq!((e.kind, e.side), (EventKind::Unauthorized, Side::Client));
        assert_eq!(e.fields.reason.as_deref(), Some("token_mismatch"));
        let e = ev("disconnected (1008): device identity required");
        assert_eq!(e.kind, EventKind::DeviceIdentityRequired);
        assert_eq!(e.side, Side::Client);
    }

    #[test]
    fn unauthorized_gateway_lines() {
        let e = ev(
            "2026-11-21T11:14:02.117+00:00 [ws] unauthorized conn=0a1b peer=127.0.0.1:40000->127.0.0.1:28789 remote=127.0.0.1 client=cli cli v2026.7.35 role=operator scopes=0 auth=token device=no platform=linux instance=9f1c host=127.0.0.1:28789 origin=n/a ua=n/a reason=token_mismatch",
        );
        assert_eq!(e.kind, EventKind::Unauthorized);
        let f = &e.fields;
        assert_eq!(f.reason.as_deref(), Some("token_mismatch"));
        assert_eq!(f.client.as_deref(), Some("cli"));
        assert_eq!(f.client_mode.as_deref(), Some("cli"));
        assert_eq!(f.client_version.as_deref(), Some("2026.7.35"));
        assert_eq!(f.auth.as_deref(), Some("token"));
        assert_eq!(f.device.as_deref(), Some("no"));
        assert_eq!(f.remote.as_deref(), Some("127.0.0.1"));
        assert_eq!(f.host.as_deref(), Some("127.0.0.1:28789"));
        assert_eq!(f.role.as_deref(), Some("operator"));
        // older short form (S34) and a user agent with spaces
        let e = ev(
            "[ws] unauthorized conn=abc remote=127.0.0.1 client=gateway-client backend vdev reason=token_mismatch",
        );
        assert_eq!(e.fields.client.as_deref(), Some("gateway-client"));
        assert_eq!(e.fields.client_mode.as_deref(), Some("backend"));
        assert_eq!(e.fields.client_version.as_deref(), Some("dev"));
        assert_eq!(e.fields.reason.as_deref(), Some("token_mismatch"));
        // 2026.9 adds guidance= after the reason
        let e = ev(
            "unauthorized conn=x remote=10.0.0.2 client=Control UI webchat v2026.9.6 role=operator scopes=1 auth=none device=yes platform=web instance=n/a host=gw:18789 origin=http://gw:18789 ua=Mozilla/5.0 (X11; Linux x86_64) Firefox/148.0 reason=token_missing guidance=open the dashboard URL and paste the token",
        );
        assert_eq!(e.fields.client.as_deref(), Some("Control UI"));
        assert_eq!(e.fields.client_mode.as_deref(), Some("webchat"));
        assert_eq!(e.fields.reason.as_deref(), Some("token_missing"));
        assert_eq!(e.fields.origin.as_deref(), Some("http://gw:18789"));
    }

    #[test]
    fn unauthorized_closes_map_to_internal_codes() {
        let cases = [
            (
                "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
                "token_mismatch",
            ),
            (
                "unauthorized: gateway token missing (open the dashboard URL and paste the token in Control UI settings)",
                "token_missing",
            ),
            (
                "unauthorized: gateway token not configured on gateway (set gateway.auth.token)",
                "token_missing_config",
            ),
            (
                "unauthorized: device token mismatch (rotate/reissue device token)",
                "device_token_mismatch",
            ),
            (
                "unauthorized: device token rejected (pair/repair this device, or provide gateway token)",
                "device_token_rejected",
            ),
            (
                "unauthorized: too many failed authentication attempts (retry later)",
                "rate_limited",
            ),
            (
                "unauthorized: gateway password mismatch (set gateway.remote.password to match gateway.auth.password)",
                "password_mismatch",
            ),
        ];
        for (reason, code) in cases {
            let line = format!(
                "2026-11-21T11:14:02.120+00:00 [ws] closed before connect conn=c-1 peer=127.0.0.1:1->127.0.0.1:28789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:28789 ua=n/a code=1008 reason={reason} phase=auth_credentials_received"
            );
            let e = ev(&line);
            assert_eq!(e.kind, EventKind::Unauthorized, "{reason}");
            assert_eq!(e.fields.reason.as_deref(), Some(code), "{reason}");
            assert_eq!(e.fields.conn.as_deref(), Some("c-1"));
        }
    }

    #[test]
    fn device_identity_required() {
        let e = ev(
            r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":{"cause":"device-required","handshake":"failed","lastFrameMethod":"connect","client":"openclaw-control-ui","mode":"webchat","version":"2026.2.24","code":1008,"reason":"device identity required"},"2":"closed before connect conn=u1 remote=192.168.1.20 fwd=n/a origin=http://192.168.1.5:18789 host=192.168.1.5:18789 ua=Mozilla/5.0 code=1008 reason=device identity required","_meta":{"name":"{\"subsystem\":\"gateway/ws\"}","logLevelName":"WARN","date":"2026-02-25T10:00:00.000Z"},"time":"2026-02-25T10:00:00.001+00:00"}"#,
        );
        assert_eq!(e.kind, EventKind::DeviceIdentityRequired);
        assert_eq!(e.fields.reason.as_deref(), Some("device-required"));
        assert_eq!(e.fields.client.as_deref(), Some("openclaw-control-ui"));
        assert_eq!(e.fields.origin.as_deref(), Some("http://192.168.1.5:18789"));
        let e = ev(
            "[ws] closed before connect conn=u2 remote=127.0.0.1 fwd=n/a origin=http://localhost:18789 host=localhost:18789 ua=Mozilla/5.0 (X11; Linux x86_64; rv:148.0) Gecko/20100101 Firefox/148.0 code=1008 reason=control ui requires device identity (use HTTPS or localhost secure context)",
        );
        assert_eq!(e.kind, EventKind::DeviceIdentityRequired);
        assert_eq!(
            e.fields.reason.as_deref(),
            Some("control-ui-insecure-context")
        );
        assert_eq!(e.fields.host.as_deref(), Some("localhost:18789"));
    }

    #[test]
    fn unattributable_proxy_2026_9_form() {
        let e = ev(
            "2026-11-21T11:30:00.000+00:00 [gateway] gateway: observed unattributable proxy-shaped traffic from 127.0.0.1; Gateway-authenticated routes reject it, while plugin-authenticated routes ignore forwarded claims. Configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers.",
        );
        assert_eq!(e.kind, EventKind::UnattributableProxy);
        assert_eq!(e.fields.address.as_deref(), Some("127.0.0.1"));
        let e = ev(
            "gateway: observed unattributable proxy-shaped traffic from ::1; Gateway-authenticated routes reject it",
        );
        assert_eq!(e.fields.address.as_deref(), Some("::1"));
    }

    #[test]
    fn migration_failures() {
        let cases = [
            (
                "[gateway] device pairing store migration failed: Error: NOT NULL constraint failed: device_pairing_paired.created_at_ms",
                "Error: NOT NULL constraint failed: device_pairing_paired.created_at_ms",
            ),
            (
                "[gateway] Legacy pairing stores require repair: devices/paired.json, devices/pending.json. Stop the Gateway and run openclaw doctor --fix.",
                "Legacy pairing stores require repair: devices/paired.json, devices/pending.json. Stop the Gateway and run openclaw doctor --fix.",
            ),
            (
                "DeviceIdentityMigrationRequiredError: Legacy device identity exists at /home/u/.openclaw/identity/device.json. Run \"openclaw doctor --fix\" before starting the gateway or connecting this client.",
                "DeviceIdentityMigrationRequiredError: Legacy device identity exists at /home/u/.openclaw/identity/device.json. Run \"openclaw doctor --fix\" before starting the gateway or connecting this client.",
            ),
            (
                "OpenClaw startup migrations did not complete cleanly; refusing to report the gateway ready.",
                "startup migrations did not complete cleanly; refusing to report the gateway ready.",
            ),
            (
                "Error: Legacy device auth requires migration; stop the Gateway and run `openclaw doctor --fix`.",
                "Legacy device auth requires migration; stop the Gateway and run `openclaw doctor --fix`.",
            ),
        ];
        for (line, detail) in cases {
            let e = ev(line);
            assert_eq!(e.kind, EventKind::MigrationFailed, "{line}");
            assert_eq!(e.fields.detail.as_deref(), Some(detail));
        }
        // other subsystems' migrations are not pairing problems
        none("[delivery] Legacy delivery 42 migration failed: Error: boom");
        none("Profile workspace migration failed: Error: EACCES");
        none(
            "[gateway] device pairing store migrated to SQLite: imported 1 paired device(s), kept 0 existing record(s)",
        );
    }

    #[test]
    fn must_not_match_channel_pairing_timeouts_and_normal_closes() {
        // S30: channel / DM pairing codes and the CLI's own pairing tables
        none("Error: No pending pairing request found for code: LC7CS8DP");
        none("[telegram] pairing code LC7CS8DP issued for chat 12345 (dmPolicy: pairing)");
        none("openclaw pairing approve --channel telegram LC7CS8DP");
        none("[whatsapp] DM pairing required: send the code LC7CS8DP to the bot");
        none(V7_CLI_NOTE_PAIRING_REQUEST);
        none(V7_CLI_APPROVE_HINT);
        // S39: handshake timeouts, 1000 / 1006 closes
        none(
            "2026-03-13T10:00:00.000+00:00 [ws] handshake timeout conn=t1 peer=127.0.0.1:5->127.0.0.1:18789 remote=127.0.0.1 phase=ws_upgrade_started",
        );
        none(
            r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":{"cause":"handshake-timeout","handshake":"failed","handshakeMs":3001},"2":"closed before connect conn=t1 peer=n/a remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1000 reason=n/a phase=ws_upgrade_started","_meta":{"name":"{\"subsystem\":\"gateway/ws\"}","logLevelName":"WARN"},"time":"2026-03-13T10:00:00.000+00:00"}"#,
        );
        none(
            "[ws] closed before connect conn=x remote=192.168.1.12 fwd=n/a origin=n/a host=192.168.1.108:18789 ua=okhttp/5.3.2 code=1000 reason=bye",
        );
        none(
            "[ws] closed before connect conn=y remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1006 reason=n/a phase=ws_upgrade_started",
        );
        none(
            "[openclaw] Failed to start CLI: Error: gateway closed (1000 normal closure): no close reason",
        );
        none("gateway closed (1006 abnormal closure (no close frame)): no close reason");
        // a pairing phrase on a 1006 close is still not a 1008 rejection
        none(
            "[ws] closed before connect conn=z remote=127.0.0.1 code=1006 reason=pairing required",
        );
        // ordinary INFO lines
        none(V7_CRON_STARTED);
        none(V7_RES_OK);
        none(V7_CONSOLE_READY);
        none(V7_CONSOLE_LOG_FILE);
        none(
            "2026-11-21T11:10:22.393+00:00 [gateway] device pairing approved device=a9129a199b76ad1b91e7bde33d5cf7f6e6c3dd10a057b09c25fa7f57fb106bf0 role=operator",
        );
        none("");
        none("   ");
        none("}{ garbage \u{0} line");
    }

    #[test]
    fn ansi_and_journal_prefixes() {
        let coloured = format!(
            "\u{1b}[90m{}\u{1b}[39m \u{1b}[36m[ws]\u{1b}[39m \u{1b}[33m{}\u{1b}[39m",
            "2026-11-21T11:07:47.170+00:00",
            "closed before connect conn=c9 peer=127.0.0.1:49170->127.0.0.1:28789 remote=127.0.0.1 fwd=n/a origin=n/a host=vm:28789 ua=n/a code=1008 reason=pairing required: device is not approved yet (requestId: 1234) phase=auth_validated"
        );
        let e = ev(&coloured);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.subsystem.as_deref(), Some("ws"));
        assert_eq!(e.time.as_deref(), Some("2026-11-21T11:07:47.170+00:00"));
        assert!(!e.message.contains('\u{1b}'));
        assert!(e.message.starts_with("closed before connect"));

        let j = format!("Nov 21 11:07:47 vm node[4242]: {V7_CONSOLE_AUDIT_SCOPE}");
        let e = ev(&j);
        assert_eq!(e.kind, EventKind::AccessUpgrade);
        assert_eq!(e.time.as_deref(), Some("2026-11-21T11:07:47.056+00:00"));
        assert_eq!(e.subsystem.as_deref(), Some("gateway"));

        // journal line whose payload has no timestamp of its own
        let e = ev(
            "Nov  2 09:54:22 host openclaw-gateway[123]: [gateway] device pairing auto-approved device=abc role=node",
        );
        assert_eq!(e.kind, EventKind::AutoApproved);
        assert_eq!(e.time.as_deref(), Some("Nov  2 09:54:22"));
        assert_eq!(e.timestamp, None);
        assert_eq!(e.fields.role.as_deref(), Some("node"));

        // a console line that merely looks journal-ish is not stripped
        let e = ev(
            "2026-11-21T11:00:00.000+00:00 openclaw Reason: gateway closed (1008): pairing required",
        );
        assert_eq!(e.time.as_deref(), Some("2026-11-21T11:00:00.000+00:00"));
        assert!(e.message.starts_with("openclaw Reason:"));
        // short-iso journal timestamps parse
        let e = ev(
            "2026-11-21T09:54:22+0000 host node[1]: [gateway] device pairing auto-approved device=abc role=operator",
        );
        assert_eq!(
            e.timestamp,
            Some("2026-11-21T09:54:22Z".parse::<Timestamp>().unwrap())
        );
    }

    #[test]
    fn openclaw_logs_plain_format_with_inline_meta() {
        // `openclaw logs --plain` of a pre-`message` line: bindings + context object + text
        let line = r#"2026-03-24T10:00:00.000+00:00 warn gateway/ws {"subsystem":"gateway/ws"} {"cause":"pairing-required","handshake":"failed","deviceId":"d1","requestId":"r1","reason":"not-paired","forwardedFor":"100.87.148.54"} closed before connect conn=k1 remote=127.0.0.1 fwd=100.87.148.54 origin=https://m.ts.net host=m.ts.net ua=n/a code=1008 reason=pairing required"#;
        let e = ev(line);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.level, Level::Warn);
        assert_eq!(e.subsystem.as_deref(), Some("gateway/ws"));
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(e.fields.device_id.as_deref(), Some("d1"));
        assert_eq!(e.fields.fwd.as_deref(), Some("100.87.148.54"));
        assert!(e.message.starts_with("closed before connect"));
        // pasted context object alone (S20)
        let e = ev(
            r#"gateway/ws: {"cause":"pairing-required","reason":"not-paired","forwardedFor":"100.87.148.54"}"#,
        );
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.fields.fwd.as_deref(), Some("100.87.148.54"));
    }

    #[test]
    fn json_without_message_joins_numeric_keys_and_handles_null_message() {
        let line = r#"{"0":"{\"subsystem\":\"gateway\"}","1":"device pairing auto-approved","2":"device=abc role=operator","_meta":{"name":"{\"subsystem\":\"gateway\"}","logLevelName":"INFO","date":"2026-02-19T10:00:00.000Z"},"message":null}"#;
        let e = ev(line);
        assert_eq!(e.kind, EventKind::AutoApproved);
        assert_eq!(
            e.message,
            "device pairing auto-approved device=abc role=operator"
        );
        assert_eq!(e.fields.device_id.as_deref(), Some("abc"));
        // no top-level time: _meta.date
        assert_eq!(e.time.as_deref(), Some("2026-02-19T10:00:00.000Z"));
        assert_eq!(e.level, Level::Info);
        // escaped ANSI inside a JSON string is removed from the message
        let line = r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":"\u001b[33mLoopback connection with non-local Host header.\u001b[39m","_meta":{"name":"{\"subsystem\":\"gateway/ws\"}","logLevelName":"WARN"}}"#;
        let e = ev(line);
        assert_eq!(e.kind, EventKind::NonLocalHost);
        assert_eq!(e.message, "Loopback connection with non-local Host header.");
    }

    #[test]
    fn redaction_placeholders_are_tolerated() {
        let e = ev(
            "[gateway] security audit: device access upgrade requested reason=scope-upgrade device=__OPENCLAW_REDACTED__ ip=[REDACTED] auth=token roleFrom=operator roleTo=operator scopesFrom=*** scopesTo=operator.write client=cli conn=***",
        );
        assert_eq!(e.kind, EventKind::AccessUpgrade);
        assert_eq!(e.fields.device_id, None);
        assert_eq!(e.fields.ip, None);
        assert_eq!(e.fields.conn, None);
        assert_eq!(e.fields.scopes_from, None);
        assert_eq!(e.fields.scopes_to, v(&["operator.write"]));
        let e = ev(
            r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":{"cause":"pairing-required","deviceId":"[REDACTED]","requestId":"__OPENCLAW_REDACTED__","reason":"not-paired"},"2":"closed before connect conn=*** remote=*** fwd=n/a origin=n/a host=*** ua=n/a code=1008 reason=connect failed phase=auth_validated","_meta":{"logLevelName":"WARN"}}"#,
        );
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(e.fields.device_id, None);
        assert_eq!(e.fields.request_id, None);
        assert_eq!(e.fields.conn, None);
    }

    #[test]
    fn client_versions() {
        let p = parse_line(
            b"[ws] unauthorized conn=a remote=127.0.0.1 client=cli cli v2026.7.35 role=operator scopes=0 auth=token device=no reason=token_mismatch",
            0,
            1,
        );
        assert_eq!(
            p.client_version,
            Some(ClientVersionSeen {
                client: "cli".into(),
                mode: Some("cli".into()),
                version: "2026.7.35".into()
            })
        );
        let p = parse_line(
            b"[ws] webchat connected conn=b remote=127.0.0.1 client=openclaw-control-ui webchat v2026.9.6",
            0,
            1,
        );
        assert!(p.event.is_none());
        assert_eq!(p.client_version.unwrap().version, "2026.9.6");
        // audit lines name the client id but no version
        assert!(
            parse_line(V7_AUDIT_SCOPE.as_bytes(), 0, 1)
                .client_version
                .is_none()
        );
    }

    #[test]
    fn malformed_json_is_flagged_not_classified() {
        let cut = &V7_CLOSE_CONNECT_FAILED[..V7_CLOSE_CONNECT_FAILED.len() / 2];
        let p = parse_line(cut.as_bytes(), 0, 1);
        assert!(p.malformed);
        assert!(p.event.is_none());
        // invalid UTF-8 inside a console line: lossy, still classified
        let mut raw = V7_CONSOLE_AUDIT_SCOPE.as_bytes().to_vec();
        raw.splice(30..30, [0xff, 0xfe]);
        let p = parse_line(&raw, 0, 1);
        assert_eq!(p.event.unwrap().kind, EventKind::AccessUpgrade);
    }

    #[test]
    fn prefilter_covers_every_recognised_line() {
        // every line that yields an event must contain a prefilter literal
        let lines = [
            V7_CLOSE_CONNECT_FAILED,
            V7_CLOSE_NOT_PAIRED,
            V7_AUDIT_SCOPE,
            V7_AUDIT_METADATA,
            V7_AUTO_APPROVED,
            V7_UNTRUSTED_PROXY,
            V7_NON_LOCAL_HOST,
            V7_CLIENT_NOT_PAIRED,
            V7_CLIENT_SCOPE,
            V7_CLIENT_METADATA,
            V9_CLOSE_PAIRING_TEXT,
            V9_CONSOLE_CLOSE_META_TAIL,
            V9_AUDIT_SCOPE,
            V9_CLIENT_NOT_PAIRED,
            V9_UNATTRIBUTABLE,
            V9_CLIENT_PROXY_403,
            V9_UNAUTHORIZED,
            V9_CLOSE_UNAUTHORIZED_CONNECT_FAILED,
            V9_AUDIT_METADATA,
            "gateway: observed unattributable proxy-shaped traffic from 1.2.3.4; x",
            "disconnected (1008): device identity required",
            "control ui requires device identity (use HTTPS or localhost secure context)",
            "Legacy device identity exists at /x",
            "DeviceIdentityMigrationRequiredError: x",
            "OpenClaw startup migrations did not complete cleanly; refusing",
            "security audit: device pairing ssh-verified auto-approve device=a ip=b sshUser=c client=d conn=e",
            REFUSED_APPROVAL_JSON,
            REFUSED_REVOKE_CONSOLE,
            REFUSED_RES_CONSOLE,
            REFUSED_CLI_JSON,
            REFUSED_OWN_UPGRADE_JSON,
        ];
        for l in lines {
            assert!(parse_line(l.as_bytes(), 0, 1).event.is_some(), "{l}");
            assert!(
                PREFILTER_LITERALS.iter().any(|p| l.contains(p)),
                "no prefilter literal in {l}"
            );
        }
    }

    #[test]
    fn timestamps() {
        assert!(parse_timestamp("2026-11-21T09:54:22.278+00:00").is_some());
        assert!(parse_timestamp("2026-11-21T09:54:22.277Z").is_some());
        assert_eq!(
            parse_timestamp("2026-11-21T10:54:22+0100"),
            parse_timestamp("2026-11-21T09:54:22Z")
        );
        assert_eq!(parse_timestamp("09:54:22"), None);
        assert_eq!(parse_timestamp("Nov 21 09:54:22"), None);
        assert_eq!(
            extract_time(V7_CLOSE_CONNECT_FAILED.as_bytes()).as_deref(),
            Some("2026-11-21T11:07:47.164+00:00")
        );
        assert_eq!(
            extract_time(V7_CONSOLE_READY.as_bytes()).as_deref(),
            Some("2026-11-21T11:07:36.915+00:00")
        );
        assert_eq!(extract_time(b"garbage"), None);
    }

    #[test]
    fn pairing_closes_2026_9() {
        let e = ev(V9_CLOSE_PAIRING_TEXT);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.side, Side::Gateway);
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("d3ef945e-08da-4ff0-b657-1b7e132080c6")
        );
        assert_eq!(e.fields.host.as_deref(), Some("vm:28789"));
        let e = ev(V9_CLOSE_CONNECT_FAILED);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert!(e.message.contains("reason=connect failed"));
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        assert_eq!(
            e.fields.device_id.as_deref(),
            Some("6f7ab7a13c2012ac2133576ed8ba1bee3ab8847de307d8ab8a239b3ce0b35c1a")
        );
        let e = ev(V9_CLOSE_NOT_PAIRED_PROXY);
        assert_eq!(e.fields.fwd.as_deref(), Some("203.0.113.10"));
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
    }

    #[test]
    fn console_meta_tail_2026_9() {
        // 2026.9 console lines carry the context object as a key=value tail
        let e = ev(V9_CONSOLE_CLOSE_META_TAIL);
        assert_eq!(e.kind, EventKind::PairingRequired);
        assert_eq!(e.subsystem.as_deref(), Some("ws"));
        let f = &e.fields;
        assert_eq!(f.reason.as_deref(), Some("not-paired"));
        assert_eq!(
            f.request_id.as_deref(),
            Some("65913c9b-997b-41f2-9b63-8e9c78316bf1")
        );
        assert_eq!(
            f.device_id.as_deref(),
            Some("de86da00b29c5f364403b42aa2b6ab7510ce0fa7421b2377ec070b4220d37634")
        );
        assert_eq!(f.fwd.as_deref(), Some("203.0.113.10"));
        assert_eq!(
            f.conn.as_deref(),
            Some("06d31b8b-715a-4e1b-b6f4-dce557b061ce")
        );
        // the tail is not part of the message; the close reason is what was sent
        assert!(
            e.message
                .ends_with("reason=connect failed phase=auth_validated")
        );
        // quoted values in the tail
        let m = parse_console_meta(
            r#"cause=unauthorized authReason=token_mismatch clientDisplayName="My Phone" userAgent="a b=c" version=2026.9.6"#,
        );
        assert_eq!(m.cause.as_deref(), Some("unauthorized"));
        assert_eq!(m.client_display_name.as_deref(), Some("My Phone"));
        assert_eq!(m.version.as_deref(), Some("2026.9.6"));
        assert_eq!(m.auth_reason.as_deref(), Some("token_mismatch"));
    }

    #[test]
    fn other_kinds_2026_9() {
        let e = ev(V9_AUDIT_SCOPE);
        assert_eq!(e.kind, EventKind::AccessUpgrade);
        assert_eq!(
            e.fields.scopes_from,
            v(&["operator.pairing", "operator.read"])
        );
        assert_eq!(e.fields.scopes_to, v(&["operator.write"]));
        let e = ev(V9_AUTO_APPROVED);
        assert_eq!(e.kind, EventKind::AutoApproved);
        assert_eq!(e.fields.role.as_deref(), Some("operator"));
        assert_eq!(ev(V9_NON_LOCAL_HOST).kind, EventKind::NonLocalHost);
        let e = ev(V9_CLIENT_NOT_PAIRED);
        assert_eq!((e.kind, e.side), (EventKind::PairingRequired, Side::Client));
        assert_eq!(e.fields.reason.as_deref(), Some("not-paired"));
        // the CLI's summary repeat of the same error is not counted again
        none(V9_CLIENT_REASON_REPEAT);
        none(V9_CATALOG_FAILED);
        none(V9_BLANK_MESSAGE);
    }

    #[test]
    fn versions_reported_by_gateway_status_2026_9() {
        let p = parse_line(V9_CLI_VERSION.as_bytes(), 0, 1);
        assert!(p.event.is_none());
        assert_eq!(
            p.client_version,
            Some(ClientVersionSeen {
                client: "cli".into(),
                mode: None,
                version: "2026.9.6".into()
            })
        );
        let p = parse_line(V9_GATEWAY_VERSION.as_bytes(), 0, 1);
        assert_eq!(p.gateway_version.as_deref(), Some("2026.9.6"));
        assert!(p.client_version.is_none());
        assert!(
            parse_line(b"Gateway version: unknown", 0, 1)
                .gateway_version
                .is_none()
        );
    }

    #[test]
    fn unattributable_proxy_and_unauthorized_2026_9() {
        for line in [V9_UNATTRIBUTABLE, V9_CONSOLE_UNATTRIBUTABLE] {
            let e = ev(line);
            assert_eq!(
                (e.kind, e.side),
                (EventKind::UnattributableProxy, Side::Gateway)
            );
            assert_eq!(e.fields.address.as_deref(), Some("127.0.0.1"));
        }
        let e = ev(V9_CLIENT_PROXY_403);
        assert_eq!(
            (e.kind, e.side),
            (EventKind::UnattributableProxy, Side::Client)
        );
        assert_eq!(e.fields.code, Some(403));

        let e = ev(V9_UNAUTHORIZED);
        assert_eq!(e.kind, EventKind::Unauthorized);
        assert_eq!(e.fields.reason.as_deref(), Some("token_mismatch"));
        assert_eq!(e.fields.client.as_deref(), Some("cli"));
        assert_eq!(e.fields.client_version.as_deref(), Some("2026.9.6"));
        // the close of the same connection: reason from the context object
        let e = ev(V9_CLOSE_UNAUTHORIZED_CONNECT_FAILED);
        assert_eq!(e.kind, EventKind::Unauthorized);
        assert_eq!(e.fields.reason.as_deref(), Some("token_mismatch"));
        assert_eq!(e.fields.auth.as_deref(), Some("token"));
        assert_eq!(e.fields.client_version.as_deref(), Some("2026.9.6"));
        let e = ev(V9_CLOSE_UNAUTHORIZED_TEXT);
        assert_eq!(e.kind, EventKind::Unauthorized);
        assert_eq!(e.fields.reason.as_deref(), Some("token_mismatch"));
        let e = ev(V9_CLIENT_UNAUTHORIZED);
        assert_eq!((e.kind, e.side), (EventKind::Unauthorized, Side::Client));
        assert_eq!(e.fields.reason.as_deref(), Some("token_mismatch"));
        none(V9_CLIENT_UNAUTHORIZED_REASON_REPEAT);
        let e = ev(V9_AUDIT_METADATA);
        assert_eq!(e.kind, EventKind::MetadataUpgrade);
        assert_eq!(e.fields.claimed_device_family.as_deref(), Some("Linux"));
        assert_eq!(e.fields.pinned_device_family.as_deref(), Some("Mac"));
        let e = ev(V9_CLIENT_METADATA);
        assert_eq!(e.fields.reason.as_deref(), Some("metadata-upgrade"));
    }

    #[test]
    fn kv_helpers() {
        assert_eq!(kv_token("a=1 ab=2 b=3", "b"), Some("3"));
        assert_eq!(kv_token("xreason=1 reason=2", "reason"), Some("2"));
        let vals = kv_anchored("k1=a b k2=c k3=d e", &["k1", "k2", "k3"]);
        assert_eq!(vals, vec![(0, "a b"), (1, "c"), (2, "d e")]);
        let capped = cap_string("héllo".repeat(10), 8);
        assert!(capped.len() <= 8 && capped.ends_with('…'), "{capped}");
        assert_eq!(cap_string("short".to_string(), 8), "short");
    }
    // --- approvalRefused (S13). No lab capture has these lines; they are built from the
    // 2026.7.35 / 2026.9.6 bundles' format strings (devices.ts `logGateway.warn`, devices-cli
    // `defaultRuntime.error`) in the captures' line shapes, with the texts users pasted in
    // openclaw#76956, #76349, #77195, #76721, #71991 and PR #98146.

    /// tslog JSON, gateway side (`device.pair.approve` on another device's request, 2026.4.20+).
    const REFUSED_APPROVAL_JSON: &str = r#"{"0":"{\"subsystem\":\"gateway\"}","1":"device pairing approval denied request=dddebf55-06f9-46fc-a224-5e1ab9be7cc1 reason=device-ownership-mismatch","_meta":{"runtime":"node","runtimeVersion":"24.21.0","hostname":"vm","name":"{\"subsystem\":\"gateway\"}","parentNames":["openclaw"],"date":"2026-11-21T11:08:30.100Z","logLevelId":4,"logLevelName":"WARN"},"time":"2026-11-21T11:08:30.100+00:00","hostname":"vm","message":"device pairing approval denied request=dddebf55-06f9-46fc-a224-5e1ab9be7cc1 reason=device-ownership-mismatch"}"#;
    /// console, gateway side (`devices revoke`, caller-scope containment).
    const REFUSED_REVOKE_CONSOLE: &str = "2026-11-21T11:08:31.200+00:00 [gateway] device token revocation denied device=6921511370561864dc6614f1e3efcfafe0afb4a94b87f5315bf5f381c6ef9615 role=operator reason=caller-missing-scope scope=operator.admin";
    /// console ws response log (verbose), gateway side.
    const REFUSED_RES_CONSOLE: &str = "2026-11-21T11:08:32.300+00:00 [ws] ⇄ res ✗ device.pair.approve 0ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin conn=0daf8cfa…3a8f id=717a10b9…034a";
    /// tslog JSON, CLI side (the CLI mirrors its errors into the same file, logger `openclaw`).
    const REFUSED_CLI_JSON: &str = r#"{"0":"[openclaw] CLI failed: GatewayClientRequestError: missing scope: operator.admin","_meta":{"runtime":"node","runtimeVersion":"24.21.0","hostname":"vm","name":"openclaw","date":"2026-11-21T11:08:33.400Z","logLevelId":5,"logLevelName":"ERROR"},"time":"2026-11-21T11:08:33.400+00:00","hostname":"vm","message":"[openclaw] CLI failed: GatewayClientRequestError: missing scope: operator.admin"}"#;
    /// tslog JSON, CLI side (2026.7+ `devices approve` on its own upgrade).
    const REFUSED_OWN_UPGRADE_JSON: &str = r#"{"0":"This device can't approve its own scope upgrade. Approve it from the Control UI or another authorized device.","_meta":{"runtime":"node","runtimeVersion":"24.21.0","hostname":"vm","name":"openclaw","date":"2026-11-21T11:08:34.500Z","logLevelId":5,"logLevelName":"ERROR"},"time":"2026-11-21T11:08:34.500+00:00","hostname":"vm","message":"This device can't approve its own scope upgrade. Approve it from the Control UI or another authorized device."}"#;

    #[test]
    fn approval_refused_gateway_lines() {
        let e = ev(REFUSED_APPROVAL_JSON);
        assert_eq!(e.kind, EventKind::ApprovalRefused);
        assert_eq!(e.side, Side::Gateway);
        assert_eq!(e.level, Level::Warn);
        assert_eq!(e.subsystem.as_deref(), Some("gateway"));
        assert_eq!(
            e.fields.reason.as_deref(),
            Some("device-ownership-mismatch")
        );
        assert_eq!(
            e.fields.request_id.as_deref(),
            Some("dddebf55-06f9-46fc-a224-5e1ab9be7cc1")
        );
        assert_eq!(e.fields.device_id, None);
        assert_eq!(e.time.as_deref(), Some("2026-11-21T11:08:30.100+00:00"));

        let e = ev(REFUSED_REVOKE_CONSOLE);
        assert_eq!(e.kind, EventKind::ApprovalRefused);
        assert_eq!(e.side, Side::Gateway);
        assert_eq!(e.subsystem.as_deref(), Some("gateway"));
        assert_eq!(e.fields.reason.as_deref(), Some("caller-missing-scope"));
        assert_eq!(e.fields.device_id.as_deref(), Some(DEV_SCOPE));
        assert_eq!(e.fields.role.as_deref(), Some("operator"));
        assert_eq!(e.fields.detail.as_deref(), Some("operator.admin"));
        // rotation, no scope suffix
        let e = ev(&REFUSED_REVOKE_CONSOLE
            .replace("revocation", "rotation")
            .replace(
                "reason=caller-missing-scope scope=operator.admin",
                "reason=device-ownership-mismatch",
            ));
        assert_eq!(
            e.fields.reason.as_deref(),
            Some("device-ownership-mismatch")
        );
        assert_eq!(e.fields.detail, None);

        let e = ev(REFUSED_RES_CONSOLE);
        assert_eq!(e.kind, EventKind::ApprovalRefused);
        assert_eq!(e.side, Side::Gateway);
        assert_eq!(e.subsystem.as_deref(), Some("ws"));
        assert_eq!(e.fields.reason.as_deref(), Some("missing-scope"));
        assert_eq!(e.fields.detail.as_deref(), Some("operator.admin"));
        assert_eq!(e.fields.conn.as_deref(), Some("0daf8cfa…3a8f"));
        // 2026.9 answers FORBIDDEN; `openclaw logs --plain` form
        let e = ev(
            "2026-11-21T11:08:32.300+00:00\tINFO\t{\"subsystem\":\"gateway/ws\"}\t⇄ res ✗ device.pair.approve 1ms errorCode=FORBIDDEN errorMessage=missing scope: operator.write conn=a…b id=c…d",
        );
        assert_eq!(e.kind, EventKind::ApprovalRefused);
        assert_eq!(e.subsystem.as_deref(), Some("gateway/ws"));
        assert_eq!(e.fields.detail.as_deref(), Some("operator.write"));
        // role approvals need admin (2026.9)
        let e = ev(
            "[gateway] device pairing approval denied request=r1 reason=role-management-requires-admin",
        );
        assert_eq!(
            e.fields.reason.as_deref(),
            Some("role-management-requires-admin")
        );
        assert_eq!(e.fields.request_id.as_deref(), Some("r1"));
    }

    #[test]
    fn approval_refused_client_lines() {
        let e = ev(REFUSED_CLI_JSON);
        assert_eq!(e.kind, EventKind::ApprovalRefused);
        assert_eq!(e.side, Side::Client);
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.fields.reason.as_deref(), Some("missing-scope"));
        assert_eq!(e.fields.detail.as_deref(), Some("operator.admin"));
        // as pasted in #77195 / #76349 (bare console output)
        let e = ev("GatewayClientRequestError: missing scope: operator.admin");
        assert_eq!((e.kind, e.side), (EventKind::ApprovalRefused, Side::Client));
        assert_eq!(e.fields.detail.as_deref(), Some("operator.admin"));
        let e = ev(
            "2026-05-04T10:00:00.000Z error [openclaw] Failed to start CLI: GatewayClientRequestError: missing scope: operator.pairing",
        );
        assert_eq!(e.fields.detail.as_deref(), Some("operator.pairing"));

        let e = ev(REFUSED_OWN_UPGRADE_JSON);
        assert_eq!(e.kind, EventKind::ApprovalRefused);
        assert_eq!(e.side, Side::Client);
        assert_eq!(e.fields.reason.as_deref(), Some("own-scope-upgrade"));
        assert_eq!(e.fields.detail, None);
        // typographic apostrophe, ANSI colour
        let e = ev(
            "\u{1b}[31mThis device can’t approve its own scope upgrade. Approve it from the Control UI or another authorized device.\u{1b}[39m",
        );
        assert_eq!(e.fields.reason.as_deref(), Some("own-scope-upgrade"));
    }

    #[test]
    fn approval_refused_ignores_benign_lines() {
        for l in [
            // ordinary method denials (#47640, #19858, #60076): not approvals
            "info gateway/ws ⇄ res ✗ status 0ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.read",
            "2026-03-15T10:00:00.000Z [ws] ⇄ res ✗ config.get 0ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin conn=a id=b",
            "[openclaw] CLI failed: GatewayClientRequestError: missing scope: operator.read",
            "[openclaw] Failed to start CLI: GatewayClientRequestError: missing scope: operator.talk.secrets",
            "security audit: gateway.probe_failed: missing scope: operator.read",
            "Ignoring exec approval from gateway client missing scope: operator.approvals",
            // the reason is on the `device pairing approval denied request=` line next to it
            "[ws] ⇄ res ✗ device.pair.approve 0ms errorCode=INVALID_REQUEST errorMessage=device pairing approval denied conn=a id=b",
            // token refusals about the token itself
            "[gateway] device token revocation denied device=d1 role=operator reason=unknown-device-or-role",
            "[gateway] device token rotation denied device=d1 role=operator reason=scope-outside-approved-baseline",
            // successes
            "[gateway] device pairing approved device=d1 role=operator",
            "[ws] ⇄ res ✓ device.pair.approve 12ms conn=a id=b",
            "[gateway] device token revoked device=d1 role=operator",
            V7_RES_OK,
            V7_CRON_STARTED,
            // other device-management refusals are not approvals
            "[gateway] node pairing removal denied node=n1 reason=device-ownership-mismatch",
            "[gateway] device pairing rename denied device=d1 reason=device-ownership-mismatch",
        ] {
            let p = parse_line(l.as_bytes(), 0, 1);
            assert!(
                p.event
                    .as_ref()
                    .is_none_or(|e| e.kind != EventKind::ApprovalRefused),
                "unexpected approvalRefused for: {l}"
            );
        }
        // the needles do not pick up the common lines of a healthy lab log
        for l in [
            V7_RES_OK,
            V7_CRON_STARTED,
            V7_AUTO_APPROVED,
            V7_NON_LOCAL_HOST,
        ] {
            for needle in [
                "approval denied",
                "ation denied device=",
                "missing scope: ",
                "own scope upgrade",
            ] {
                assert!(!l.contains(needle), "{needle} in {l}");
            }
        }
    }
}
