//! The XML property-list subset launchd agents use: `<dict>`, `<key>`, `<array>`, `<string>`,
//! scalars (kept as opaque), comments, `<?xml?>`, `<!DOCTYPE>`, CDATA and the XML entities.
//! Each string remembers the line it starts on. Binary plists are not handled.

/// A parsed plist value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum PValue {
    Str {
        text: String,
        line: usize,
    },
    Array(Vec<PValue>),
    Dict(Vec<(String, PValue)>),
    /// `<integer>`, `<true/>`, `<data>`, ...
    Other,
}

impl PValue {
    pub fn get(&self, key: &str) -> Option<&PValue> {
        match self {
            PValue::Dict(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            PValue::Str { text, .. } => Some(text),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Open {
        name: String,
        empty: bool,
        line: usize,
    },
    Close(String),
    Text(String),
}

const MAX_DEPTH: usize = 64;

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let decoded = rest.find(';').filter(|&end| end <= 12).and_then(|end| {
            let ent = &rest[1..end];
            let ch = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = if let Some(h) =
                        ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X"))
                    {
                        u32::from_str_radix(h, 16).ok()
                    } else {
                        ent.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
                    };
                    num.and_then(char::from_u32)
                }
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut rest = text;
    let mut line = 1;
    let advance = |rest: &mut &str, line: &mut usize, n: usize| {
        *line += rest[..n].matches('\n').count();
        *rest = &rest[n..];
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            toks.push(Tok::Text(decode_entities(rest)));
            break;
        };
        if lt > 0 {
            toks.push(Tok::Text(decode_entities(&rest[..lt])));
            advance(&mut rest, &mut line, lt);
        }
        let (skip_to, end_len) = if rest.starts_with("<!--") {
            (rest.find("-->"), 3)
        } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").ok_or("unterminated CDATA")?;
            toks.push(Tok::Text(cdata[..end].to_string()));
            (Some(9 + end), 3)
        } else if rest.starts_with("<?") {
            (rest.find("?>"), 2)
        } else if rest.starts_with("<!") {
            (rest.find('>'), 1)
        } else {
            let end = rest.find('>').ok_or("unterminated tag")?;
            let inner = &rest[1..end];
            if let Some(name) = inner.strip_prefix('/') {
                toks.push(Tok::Close(name.trim().to_string()));
            } else {
                let empty = inner.ends_with('/');
                let inner = inner.trim_end_matches('/');
                let name = inner.split_whitespace().next().unwrap_or("").to_string();
                toks.push(Tok::Open { name, empty, line });
            }
            (Some(end), 1)
        };
        let end = skip_to.ok_or("unterminated markup")?;
        advance(&mut rest, &mut line, end + end_len);
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn skip_space(&mut self) {
        while let Some(Tok::Text(t)) = self.toks.get(self.pos) {
            if !t.trim().is_empty() {
                break;
            }
            self.pos += 1;
        }
    }

    /// Text up to `</name>`.
    fn text_until(&mut self, name: &str) -> Result<String, String> {
        let mut s = String::new();
        loop {
            match self.toks.get(self.pos) {
                Some(Tok::Text(t)) => s.push_str(t),
                Some(Tok::Close(n)) if n == name => {
                    self.pos += 1;
                    return Ok(s);
                }
                _ => return Err(format!("expected text and </{name}>")),
            }
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<PValue, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        self.skip_space();
        let Some(Tok::Open { name, empty, line }) = self.toks.get(self.pos) else {
            return Err("expected an element".into());
        };
        let (name, empty, line) = (name.clone(), *empty, *line);
        self.pos += 1;
        match name.as_str() {
            "string" if empty => Ok(PValue::Str {
                text: String::new(),
                line,
            }),
            "string" => Ok(PValue::Str {
                text: self.text_until("string")?,
                line,
            }),
            "array" | "dict" if empty => Ok(if name == "array" {
                PValue::Array(vec![])
            } else {
                PValue::Dict(vec![])
            }),
            "array" => {
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if matches!(self.toks.get(self.pos), Some(Tok::Close(n)) if n == "array") {
                        self.pos += 1;
                        return Ok(PValue::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            "dict" => {
                let mut entries = Vec::new();
                loop {
                    self.skip_space();
                    match self.toks.get(self.pos) {
                        Some(Tok::Close(n)) if n == "dict" => {
                            self.pos += 1;
                            return Ok(PValue::Dict(entries));
                        }
                        Some(Tok::Open { name, empty, .. }) if name == "key" => {
                            let empty = *empty;
                            self.pos += 1;
                            let key = if empty {
                                String::new()
                            } else {
                                self.text_until("key")?
                            };
                            let v = self.value(depth + 1)?;
                            entries.push((key.trim().to_string(), v));
                        }
                        _ => return Err("expected <key> in <dict>".into()),
                    }
                }
            }
            "plist" => {
                let v = self.value(depth + 1)?;
                self.skip_space();
                match self.toks.get(self.pos) {
                    Some(Tok::Close(n)) if n == "plist" => Ok(v),
                    _ => Err("expected </plist>".into()),
                }
            }
            _ if empty => Ok(PValue::Other),
            other => {
                self.text_until(other)?;
                Ok(PValue::Other)
            }
        }
    }
}

/// The top-level value of an XML plist.
pub(super) fn parse_plist(text: &str) -> Result<PValue, String> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    p.value(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
  <dict>
    <key>Label</key>
    <string>ai.openclaw.gateway</string>
    <!-- a <comment> -->
    <key>RunAtLoad</key>
    <true/>
    <key>ThrottleInterval</key>
    <integer>10</integer>
    <key>ProgramArguments</key>
    <array>
      <string>/usr/bin/node</string>
      <string>a &amp; b &lt;&#x41;&#66;&gt; &bogus; &</string>
      <string/>
    </array>
    <key>EnvironmentVariables</key>
    <dict>
      <key>A</key>
      <string><![CDATA[x<y]]></string>
    </dict>
  </dict>
</plist>
"#;

    #[test]
    fn parses_launch_agent() {
        let v = parse_plist(SAMPLE).unwrap();
        assert_eq!(
            v.get("Label").and_then(PValue::as_str),
            Some("ai.openclaw.gateway")
        );
        assert_eq!(v.get("RunAtLoad"), Some(&PValue::Other));
        let PValue::Array(args) = v.get("ProgramArguments").unwrap() else {
            panic!()
        };
        assert_eq!(
            args[0],
            PValue::Str {
                text: "/usr/bin/node".into(),
                line: 14
            }
        );
        assert_eq!(args[1].as_str(), Some("a & b <AB> &bogus; &"));
        assert_eq!(args[2].as_str(), Some(""));
        let env = v.get("EnvironmentVariables").unwrap();
        assert_eq!(
            env.get("A"),
            Some(&PValue::Str {
                text: "x<y".into(),
                line: 21
            })
        );
    }

    #[test]
    fn rejects_malformed_without_panicking() {
        for bad in [
            "",
            "<plist>",
            "<plist><dict><key>a</key></dict></plist>",
            "<dict><string>x</dict>",
            "<plist><dict",
            "bplist00\u{0}\u{1}",
            "<![CDATA[",
            "<a>",
        ] {
            assert!(parse_plist(bad).is_err(), "{bad}");
        }
        let deep = "<array>".repeat(10_000);
        assert!(parse_plist(&deep).is_err());
    }
}
