//! What a scan reports: findings with severity, subject, evidence and the fix.
//! Field names follow the contract (`checkId`, `severity`, `message` like `openclaw doctor --lint`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!("unknown severity {s:?} (info, warning, error)")),
        }
    }
}

/// Who may apply a fix: `fix` (safe), `fix --break-glass` (unsafe), or only the user (manual).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    Safe,
    Unsafe,
    Manual,
}

impl FixKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Safe => "safe",
            FixKind::Unsafe => "unsafe",
            FixKind::Manual => "manual",
        }
    }
}

/// The areas of the human report, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    Environment,
    Config,
    Store,
    Identity,
    Pairing,
    Auth,
    Network,
    Logs,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Environment,
        Area::Config,
        Area::Store,
        Area::Identity,
        Area::Pairing,
        Area::Auth,
        Area::Network,
        Area::Logs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Environment => "environment",
            Area::Config => "config",
            Area::Store => "store",
            Area::Identity => "identity",
            Area::Pairing => "pairing",
            Area::Auth => "auth",
            Area::Network => "network",
            Area::Logs => "logs",
        }
    }

    /// The line shown in the human report's area list.
    pub fn title(self) -> &'static str {
        match self {
            Area::Environment => "Environment (gateway process, state dirs)",
            Area::Config => "Config (openclaw.json)",
            Area::Store => "Pairing store files",
            Area::Identity => "Device identity",
            Area::Pairing => "Devices and pending requests",
            Area::Auth => "Gateway credential",
            Area::Network => "Network (who counts as local)",
            Area::Logs => "Gateway logs",
        }
    }
}

/// One piece of evidence. Values are the model's JSON (secrets appear only as fingerprints).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub label: String,
    #[serde(flatten)]
    pub item: EvidenceItem,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum EvidenceItem {
    Value {
        value: Value,
    },
    File {
        path: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        mode: Option<String>,
    },
    /// A log line (sanitized; the redactor runs over it like over everything else).
    Log {
        path: String,
        line: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<String>,
        text: String,
        /// How many lines like this one were seen (the group's count).
        count: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FixOut {
    pub kind: FixKind,
    pub summary: String,
    /// Supported `openclaw ...` commands, in the order to run them.
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub check_id: String,
    pub area: Area,
    pub severity: Severity,
    pub message: String,
    pub subject: Map<String, Value>,
    pub evidence: Vec<Evidence>,
    pub fix: FixOut,
    /// Why the severity is lower than the rule's default, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Other findings of this scan that explain this one (log findings point at state findings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explained_by: Vec<String>,
    /// What `fix` would do for this finding (the rule's actions, evaluated); empty for manual
    /// fixes and where no action applies.
    #[serde(skip)]
    pub actions: Vec<crate::repair::actions::ActionCall>,
}

impl Finding {
    /// The device this finding is about, for correlating log and state findings.
    pub fn device_id(&self) -> Option<&str> {
        self.subject.get("deviceId").and_then(Value::as_str)
    }

    /// Stable order: severity (errors first), area, rule id, then subject.
    pub fn sort_key(&self) -> (std::cmp::Reverse<Severity>, Area, String, String) {
        (
            std::cmp::Reverse(self.severity),
            self.area,
            self.check_id.clone(),
            Value::Object(self.subject.clone()).to_string(),
        )
    }
}

/// Counts per severity, as the contract's `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    pub fn at_or_above(&self, min: Severity) -> usize {
        match min {
            Severity::Error => self.error,
            Severity::Warning => self.error + self.warning,
            Severity::Info => self.error + self.warning + self.info,
        }
    }
}
