//! OpenClaw release versions (`2026.7.35`, `v2026.2.19-2`, `2026.4.12-beta.1`) and their order.
//!
//! OpenClaw uses calendar versions: year.month.patch with an optional suffix. A numeric suffix
//! (`-2`) is a re-release and sorts after the plain version; a textual one (`-beta.1`) is a
//! pre-release and sorts before it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub year: u32,
    pub month: u32,
    pub patch: u32,
    /// Text after the first `-`, if any (`2`, `beta.1`).
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an OpenClaw version (expected YYYY.M.N, e.g. 2026.7.35): {0:?}")]
pub struct VersionParseError(pub String);

impl Version {
    pub const fn new(year: u32, month: u32, patch: u32) -> Self {
        Version {
            year,
            month,
            patch,
            suffix: None,
        }
    }

    /// Finds the first version-looking token inside free text (`OpenClaw Gateway (v2026.9.6)`).
    pub fn find_in(text: &str) -> Option<Version> {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'v';
            if boundary && bytes[i].is_ascii_digit() {
                let end = text[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                    .map_or(text.len(), |n| i + n);
                if let Ok(v) = text[i..end].trim_end_matches(['.', '-']).parse() {
                    return Some(v);
                }
            }
            i += 1;
        }
        None
    }

    fn suffix_rank(&self) -> (i8, Option<u64>, &str) {
        match &self.suffix {
            None => (0, None, ""),
            Some(s) => match s.parse::<u64>() {
                Ok(n) => (1, Some(n), ""),
                Err(_) => (-1, None, s.as_str()),
            },
        }
    }
}

impl FromStr for Version {
    type Err = VersionParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || VersionParseError(s.to_string());
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let (core, suffix) = match t.split_once('-') {
            Some((c, sfx)) if !sfx.is_empty() => (c, Some(sfx.to_string())),
            Some(_) => return Err(err()),
            None => (t, None),
        };
        let mut parts = core.split('.');
        let mut num = || -> Result<u32, VersionParseError> {
            let p = parts.next().ok_or_else(err)?;
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        let (year, month, patch) = (num()?, num()?, num()?);
        if parts.next().is_some() || !(2000..=2999).contains(&year) || !(1..=12).contains(&month) {
            return Err(err());
        }
        Ok(Version {
            year,
            month,
            patch,
            suffix,
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.patch)
            .cmp(&(other.year, other.month, other.patch))
            .then_with(|| self.suffix_rank().cmp(&other.suffix_rank()))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.year, self.month, self.patch)?;
        if let Some(s) = &self.suffix {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The first release that keeps pairing in SQLite (`state/openclaw.sqlite`).
pub const SQLITE_ERA: Version = Version::new(2026, 8, 0);

impl Version {
    /// True for releases whose live pairing store is `state/openclaw.sqlite`.
    pub fn uses_sqlite_store(&self) -> bool {
        (self.year, self.month) >= (SQLITE_ERA.year, SQLITE_ERA.month)
    }
}

/// A version range of a rule: comma-separated comparisons that must all hold
/// (`>=2026.2.14, <2026.2.22`). Written in rule files; validated when rules load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    clauses: Vec<(CmpOp, Version)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl CmpOp {
    fn as_str(self) -> &'static str {
        match self {
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Lt => "<",
            CmpOp::Eq => "=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionReqError {
    #[error("empty version range (write e.g. \">=2026.2.22\")")]
    Empty,
    #[error("{0:?} needs a comparison: >=, >, <=, < or =")]
    NoOperator(String),
    #[error(transparent)]
    Version(#[from] VersionParseError),
    #[error("{0:?} matches no version: the lower bound is above the upper bound")]
    Unsatisfiable(String),
}

impl VersionReq {
    pub fn matches(&self, v: &Version) -> bool {
        self.clauses.iter().all(|(op, bound)| match op {
            CmpOp::Ge => v >= bound,
            CmpOp::Gt => v > bound,
            CmpOp::Le => v <= bound,
            CmpOp::Lt => v < bound,
            CmpOp::Eq => v == bound,
        })
    }

    /// True when some version could satisfy every clause (checked on bound pairs: the order
    /// is total, so a range is empty exactly when one lower bound excludes one upper bound).
    fn satisfiable(&self) -> bool {
        let candidates = self.clauses.iter().map(|(_, b)| b);
        let probes = candidates
            .clone()
            .chain(candidates.clone())
            .flat_map(|b| [b.clone(), bump(b)]);
        let any_bound_ok = probes.into_iter().any(|p| self.matches(&p));
        // Only-upper or only-lower ranges are always satisfiable by some far version.
        let has_lower = self
            .clauses
            .iter()
            .any(|(o, _)| matches!(o, CmpOp::Ge | CmpOp::Gt | CmpOp::Eq));
        let has_upper = self
            .clauses
            .iter()
            .any(|(o, _)| matches!(o, CmpOp::Le | CmpOp::Lt | CmpOp::Eq));
        any_bound_ok || !(has_lower && has_upper)
    }
}

/// The next version after `v` in patch order (probe for strict bounds).
fn bump(v: &Version) -> Version {
    Version::new(v.year, v.month, v.patch.saturating_add(1))
}

impl FromStr for VersionReq {
    type Err = VersionReqError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut clauses = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (op, rest) = [">=", "<=", "==", ">", "<", "="]
                .iter()
                .find_map(|op| part.strip_prefix(op).map(|r| (*op, r)))
                .ok_or_else(|| VersionReqError::NoOperator(part.to_string()))?;
            let op = match op {
                ">=" => CmpOp::Ge,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                "<" => CmpOp::Lt,
                _ => CmpOp::Eq,
            };
            clauses.push((op, rest.trim().parse::<Version>()?));
        }
        if clauses.is_empty() {
            return Err(VersionReqError::Empty);
        }
        let req = VersionReq { clauses };
        if !req.satisfiable() {
            return Err(VersionReqError::Unsatisfiable(s.trim().to_string()));
        }
        Ok(req)
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (op, v)) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}{v}", op.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn parses_release_forms() {
        assert_eq!(v("2026.7.35"), Version::new(2026, 7, 35));
        assert_eq!(v("v2026.9.6"), Version::new(2026, 9, 6));
        assert_eq!(v("2026.2.19-2").suffix.as_deref(), Some("2"));
        assert_eq!(v("2026.4.12-beta.1").suffix.as_deref(), Some("beta.1"));
    }

    #[test]
    fn rejects_non_versions() {
        for bad in [
            "",
            "2026",
            "2026.7",
            "2026.13.1",
            "1.2.3",
            "2026.7.x",
            "2026.7.3.4",
            "2026.7.3-",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn orders_by_calendar_then_suffix() {
        assert!(v("2026.2.22") > v("2026.2.21"));
        assert!(
            v("2026.10.1") > v("2026.9.30"),
            "month compares numerically, not as text"
        );
        assert!(
            v("2026.2.19-2") > v("2026.2.19"),
            "numeric suffix is a re-release"
        );
        assert!(
            v("2026.4.12-beta.1") < v("2026.4.12"),
            "text suffix is a pre-release"
        );
        assert!(v("2026.2.19-10") > v("2026.2.19-2"));
    }

    #[test]
    fn finds_versions_in_text() {
        assert_eq!(
            Version::find_in("OpenClaw Gateway (v2026.9.6)"),
            Some(v("2026.9.6"))
        );
        assert_eq!(
            Version::find_in("client=cli cli v2026.7.35 role=operator"),
            Some(v("2026.7.35"))
        );
        assert_eq!(
            Version::find_in("OpenClaw 2026.7.35 (aa94808)"),
            Some(v("2026.7.35"))
        );
        assert_eq!(Version::find_in("port 18789 pid 42"), None);
    }

    #[test]
    fn era_boundary() {
        assert!(!v("2026.7.35").uses_sqlite_store());
        assert!(v("2026.8.1").uses_sqlite_store());
        assert!(v("2026.9.6").uses_sqlite_store());
    }

    #[test]
    fn ranges_match_their_bounds() {
        let r: VersionReq = ">=2026.2.14, <2026.2.22".parse().unwrap();
        assert!(!r.matches(&v("2026.2.13")));
        assert!(r.matches(&v("2026.2.14")));
        assert!(r.matches(&v("2026.2.21")));
        assert!(!r.matches(&v("2026.2.22")));
        assert_eq!(r.to_string(), ">=2026.2.14, <2026.2.22");
        let eq: VersionReq = "=2026.7.35".parse().unwrap();
        assert!(eq.matches(&v("2026.7.35")) && !eq.matches(&v("2026.7.34")));
    }

    #[test]
    fn bad_ranges_are_rejected_with_reasons() {
        assert_eq!("".parse::<VersionReq>(), Err(VersionReqError::Empty));
        assert!(matches!(
            "2026.2.1".parse::<VersionReq>(),
            Err(VersionReqError::NoOperator(_))
        ));
        assert!(matches!(
            ">=2026.x".parse::<VersionReq>(),
            Err(VersionReqError::Version(_))
        ));
        assert!(matches!(
            ">=2026.3.0, <2026.2.0".parse::<VersionReq>(),
            Err(VersionReqError::Unsatisfiable(_))
        ));
        assert!(matches!(
            ">2026.3.1, <2026.3.1".parse::<VersionReq>(),
            Err(VersionReqError::Unsatisfiable(_))
        ));
    }
}
