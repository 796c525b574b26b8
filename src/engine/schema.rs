//! The static shape of what conditions can read: the root names and every record's fields.
//!
//! Field names are the model's JSON names (what `scan --format json` prints under `state`), so
//! a rule author can read a real scan to see what a condition will get. A unit test serializes
//! real fixture states and checks this table against them, so the two cannot drift apart.

/// Static type of an expression, for load-time checks. Nullability is not tracked: any field
/// may be `null` at run time and the evaluator defines what `null` does everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Any,
    Bool,
    Int,
    Str,
    Null,
    Rec(&'static str),
    List(&'static Ty),
}

impl Ty {
    pub fn describe(self) -> String {
        match self {
            Ty::Any => "any value".into(),
            Ty::Bool => "true/false".into(),
            Ty::Int => "a number".into(),
            Ty::Str => "a string".into(),
            Ty::Null => "null".into(),
            Ty::Rec(r) => format!("a {r} record"),
            Ty::List(t) => format!("a list of {}", t.describe()),
        }
    }

    /// Whether a value of type `self` may be passed where `want` is expected.
    pub fn fits(self, want: Ty) -> bool {
        match (self, want) {
            (Ty::Any, _) | (_, Ty::Any) | (Ty::Null, _) => true,
            (Ty::List(a), Ty::List(b)) => a.fits(*b),
            (a, b) => a == b,
        }
    }
}

const STRS: Ty = Ty::List(&Ty::Str);

/// A record type: its fields, and whether other fields may appear (log events carry only the
/// fields their line had).
pub struct Record {
    pub name: &'static str,
    pub fields: &'static [(&'static str, Ty)],
    pub open: bool,
}

const SECRET: Ty = Ty::Rec("secret");
const SECRET_VALUE: Ty = Ty::Rec("secretValue");

pub const RECORDS: &[Record] = &[
    Record {
        name: "device",
        open: false,
        fields: &[
            ("store", Ty::Str),
            ("live", Ty::Bool),
            ("location", Ty::Str),
            ("key", Ty::Str),
            ("deviceId", Ty::Str),
            ("publicKey", Ty::Str),
            ("publicKeyForm", Ty::Str),
            ("keyDeviceId", Ty::Str),
            ("displayName", Ty::Str),
            ("operatorLabel", Ty::Str),
            ("platform", Ty::Str),
            ("deviceFamily", Ty::Str),
            ("clientId", Ty::Str),
            ("clientMode", Ty::Str),
            ("browserOrigin", Ty::Str),
            ("role", Ty::Str),
            ("roles", STRS),
            ("scopes", STRS),
            ("approvedScopes", STRS),
            ("tokens", Ty::List(&Ty::Rec("deviceToken"))),
            ("remoteIp", Ty::Str),
            ("approvedVia", Ty::Str),
            ("createdAtMs", Ty::Int),
            ("approvedAtMs", Ty::Int),
            ("lastSeenAtMs", Ty::Int),
            ("lastSeenReason", Ty::Str),
            ("pendingFields", STRS),
            ("defects", STRS),
        ],
    },
    Record {
        name: "deviceToken",
        open: false,
        fields: &[
            ("role", Ty::Str),
            ("declaredRole", Ty::Str),
            ("token", SECRET),
            ("scopes", STRS),
            ("createdAtMs", Ty::Int),
            ("rotatedAtMs", Ty::Int),
            ("revokedAtMs", Ty::Int),
            ("lastUsedAtMs", Ty::Int),
        ],
    },
    Record {
        name: "pending",
        open: false,
        fields: &[
            ("store", Ty::Str),
            ("live", Ty::Bool),
            ("location", Ty::Str),
            ("key", Ty::Str),
            ("requestId", Ty::Str),
            ("deviceId", Ty::Str),
            ("publicKey", Ty::Str),
            ("publicKeyForm", Ty::Str),
            ("keyDeviceId", Ty::Str),
            ("displayName", Ty::Str),
            ("platform", Ty::Str),
            ("deviceFamily", Ty::Str),
            ("clientId", Ty::Str),
            ("clientMode", Ty::Str),
            ("browserOrigin", Ty::Str),
            ("role", Ty::Str),
            ("roles", STRS),
            ("scopes", STRS),
            ("remoteIp", Ty::Str),
            ("silent", Ty::Bool),
            ("isRepair", Ty::Bool),
            ("ts", Ty::Int),
            ("refreshedAtMs", Ty::Int),
            ("defects", STRS),
        ],
    },
    Record {
        name: "bootstrapToken",
        open: false,
        fields: &[
            ("store", Ty::Str),
            ("live", Ty::Bool),
            ("location", Ty::Str),
            ("token", SECRET),
            ("issuedAtMs", Ty::Int),
            ("deviceId", Ty::Str),
        ],
    },
    Record {
        name: "identity",
        open: false,
        fields: &[
            ("store", Ty::Str),
            ("live", Ty::Bool),
            ("location", Ty::Str),
            ("schema", Ty::Str),
            ("identityKey", Ty::Str),
            ("storedDeviceId", Ty::Str),
            ("computedDeviceId", Ty::Str),
            ("publicKey", Ty::Str),
            ("privateKey", SECRET),
            ("privateKeyMatches", Ty::Bool),
            ("createdAtMs", Ty::Int),
            ("defects", STRS),
            // Added by the view: `computedDeviceId`, else `storedDeviceId`.
            ("deviceId", Ty::Str),
            ("valid", Ty::Bool),
        ],
    },
    Record {
        name: "tokenCache",
        open: false,
        fields: &[
            ("store", Ty::Str),
            ("live", Ty::Bool),
            ("location", Ty::Str),
            ("deviceId", Ty::Str),
            ("entries", Ty::List(&Ty::Rec("cachedToken"))),
            ("defects", STRS),
        ],
    },
    Record {
        name: "cachedToken",
        open: false,
        fields: &[
            ("role", Ty::Str),
            ("token", SECRET),
            ("scopes", STRS),
            ("updatedAtMs", Ty::Int),
        ],
    },
    Record {
        name: "secret",
        open: false,
        fields: &[
            ("redacted", Ty::Bool),
            ("length", Ty::Int),
            ("fingerprint", Ty::Str),
        ],
    },
    Record {
        name: "secretValue",
        open: true,
        fields: &[
            ("kind", Ty::Str),
            ("value", SECRET),
            ("variable", Ty::Str),
            ("source", Ty::Str),
            ("id", Ty::Str),
            ("jsonType", Ty::Str),
        ],
    },
    Record {
        name: "tokenSource",
        open: false,
        fields: &[
            ("kind", Ty::Str),
            ("credential", Ty::Str),
            ("location", Ty::Str),
            ("name", Ty::Str),
            ("value", SECRET_VALUE),
        ],
    },
    Record {
        name: "service",
        open: false,
        fields: &[
            ("kind", Ty::Str),
            ("path", Ty::Str),
            ("description", Ty::Str),
            ("version", Ty::Str),
            ("execStart", Ty::Str),
            ("packageJson", Ty::Str),
            ("packageVersion", Ty::Str),
            ("environment", Ty::Any),
            ("legacy", Ty::Bool),
        ],
    },
    Record {
        name: "file",
        open: false,
        fields: &[
            ("kind", Ty::Str),
            ("rel", Ty::Str),
            ("path", Ty::Str),
            ("fileType", Ty::Str),
            ("symlinkTarget", Ty::Str),
            ("pointsOutside", Ty::Bool),
            ("size", Ty::Int),
            ("mode", Ty::Int),
            ("uid", Ty::Int),
            ("modifiedMs", Ty::Int),
        ],
    },
    Record {
        name: "copy",
        open: false,
        fields: &[
            ("of", Ty::Str),
            ("rel", Ty::Str),
            ("source", Ty::Str),
            ("valid", Ty::Bool),
            ("modifiedMs", Ty::Int),
        ],
    },
    Record {
        name: "problem",
        open: false,
        fields: &[
            ("path", Ty::Str),
            ("kind", Ty::Str),
            ("detail", Ty::Str),
            ("consequence", Ty::Str),
        ],
    },
    Record {
        name: "config",
        open: false,
        fields: &[
            ("path", Ty::Str),
            ("exists", Ty::Bool),
            ("format", Ty::Str),
            ("parseError", Ty::Str),
            ("topLevelKeys", STRS),
            ("lastTouchedVersion", Ty::Str),
            ("gatewayMode", Ty::Str),
            ("bind", Ty::Str),
            ("customBindHost", Ty::Str),
            ("port", Ty::Int),
            ("authMode", Ty::Str),
            ("authToken", SECRET_VALUE),
            ("authPassword", SECRET_VALUE),
            ("remoteUrl", Ty::Str),
            ("remoteToken", SECRET_VALUE),
            ("trustedProxies", STRS),
            ("allowRealIpFallback", Ty::Bool),
            ("tlsEnabled", Ty::Bool),
            ("controlUiAllowInsecureAuth", Ty::Any),
            ("controlUiDangerouslyDisableDeviceAuth", Ty::Any),
            ("autoApproveLocal", Ty::Bool),
            ("loggingFile", Ty::Str),
            ("hooksToken", SECRET_VALUE),
            ("envBlockVars", STRS),
            ("hasIncludes", Ty::Bool),
            ("keyPaths", STRS),
        ],
    },
    Record {
        name: "state",
        open: false,
        fields: &[
            ("era", Ty::Str),
            ("liveStore", Ty::Str),
            ("reasons", STRS),
            ("jsonStorePresent", Ty::Bool),
            ("sqliteStorePresent", Ty::Bool),
            ("migratedArchives", STRS),
            ("stateDir", Ty::Str),
            ("stateDirOrigin", Ty::Str),
            ("profile", Ty::Str),
            ("home", Ty::Str),
            ("otherStateDirs", STRS),
            ("version", Ty::Str),
            ("versionSource", Ty::Str),
            ("installedVersion", Ty::Str),
            ("stateWrittenVersion", Ty::Str),
        ],
    },
    Record {
        name: "logs",
        open: false,
        fields: &[
            ("enabled", Ty::Bool),
            ("origin", Ty::Str),
            ("files", Ty::Int),
            ("lines", Ty::Int),
            ("totals", Ty::Any),
            ("clientTotals", Ty::Any),
        ],
    },
    Record {
        name: "logGroup",
        open: false,
        fields: &[
            ("kind", Ty::Str),
            ("side", Ty::Str),
            ("reason", Ty::Str),
            ("deviceId", Ty::Str),
            ("client", Ty::Str),
            ("address", Ty::Str),
            ("host", Ty::Str),
            ("roleFrom", Ty::Str),
            ("roleTo", Ty::Str),
            ("scopesFrom", STRS),
            ("scopesTo", STRS),
            ("claimedPlatform", Ty::Str),
            ("pinnedPlatform", Ty::Str),
            ("claimedDeviceFamily", Ty::Str),
            ("pinnedDeviceFamily", Ty::Str),
            ("count", Ty::Int),
            ("firstTime", Ty::Str),
            ("lastTime", Ty::Str),
            ("first", Ty::Rec("logEvent")),
            ("last", Ty::Rec("logEvent")),
        ],
    },
    Record {
        name: "logEvent",
        open: true,
        fields: &[
            ("kind", Ty::Str),
            ("side", Ty::Str),
            ("time", Ty::Str),
            ("timestamp", Ty::Str),
            ("level", Ty::Str),
            ("subsystem", Ty::Str),
            ("file", Ty::Int),
            ("path", Ty::Str),
            ("line", Ty::Int),
            ("message", Ty::Str),
            ("reason", Ty::Str),
            ("deviceId", Ty::Str),
            ("requestId", Ty::Str),
            ("conn", Ty::Str),
            ("remote", Ty::Str),
            ("fwd", Ty::Str),
            ("host", Ty::Str),
            ("origin", Ty::Str),
            ("code", Ty::Int),
            ("client", Ty::Str),
            ("clientMode", Ty::Str),
            ("clientVersion", Ty::Str),
            ("auth", Ty::Str),
            ("device", Ty::Str),
            ("ip", Ty::Str),
            ("role", Ty::Str),
            ("roleFrom", Ty::Str),
            ("roleTo", Ty::Str),
            ("scopesFrom", STRS),
            ("scopesTo", STRS),
            ("claimedPlatform", Ty::Str),
            ("pinnedPlatform", Ty::Str),
            ("claimedDeviceFamily", Ty::Str),
            ("pinnedDeviceFamily", Ty::Str),
            ("address", Ty::Str),
            ("detail", Ty::Str),
        ],
    },
    Record {
        name: "group",
        open: false,
        fields: &[
            ("key", Ty::Any),
            ("items", Ty::Any),
            ("count", Ty::Int),
            ("firstTime", Ty::Str),
            ("lastTime", Ty::Str),
        ],
    },
    Record {
        name: "runtime",
        open: false,
        fields: &[
            ("checked", Ty::Bool),
            ("locks", Ty::List(&Ty::Rec("gatewayLock"))),
            ("processes", Ty::List(&Ty::Rec("gatewayProcess"))),
            ("problems", Ty::List(&Ty::Rec("problem"))),
            // Added by the view.
            ("running", Ty::Bool),
            ("stateBusy", Ty::Bool),
            ("runningPids", Ty::List(&Ty::Int)),
        ],
    },
    Record {
        name: "gatewayLock",
        open: false,
        fields: &[
            ("path", Ty::Str),
            ("kind", Ty::Str),
            ("dir", Ty::Str),
            ("pid", Ty::Int),
            ("role", Ty::Str),
            ("port", Ty::Int),
            ("createdAt", Ty::Str),
            ("configPath", Ty::Str),
            ("stateDir", Ty::Str),
            ("pidAlive", Ty::Bool),
            ("ownerMatchesState", Ty::Bool),
            ("stale", Ty::Bool),
            ("detail", Ty::Str),
        ],
    },
    Record {
        name: "gatewayProcess",
        open: false,
        fields: &[
            ("pid", Ty::Int),
            ("command", Ty::Str),
            ("stateDir", Ty::Str),
            ("stateDirSource", Ty::Str),
            ("servesThisState", Ty::Bool),
        ],
    },
];

/// The names a condition can start from, with what they hold.
pub const ROOTS: &[(&str, Ty, &str)] = &[
    (
        "devices",
        Ty::List(&Ty::Rec("device")),
        "paired devices of the live store",
    ),
    (
        "all_devices",
        Ty::List(&Ty::Rec("device")),
        "paired devices of every store (also a store the gateway ignores)",
    ),
    (
        "pending",
        Ty::List(&Ty::Rec("pending")),
        "pending requests of the live store",
    ),
    (
        "all_pending",
        Ty::List(&Ty::Rec("pending")),
        "pending requests of every store",
    ),
    (
        "identity",
        Ty::Rec("identity"),
        "this state dir's own device identity (the CLI, TUI and gateway backend sign with it), or null",
    ),
    (
        "identities",
        Ty::List(&Ty::Rec("identity")),
        "every identity record found (JSON file, SQLite rows)",
    ),
    (
        "token_caches",
        Ty::List(&Ty::Rec("tokenCache")),
        "client-side device-token caches of the live store",
    ),
    (
        "all_token_caches",
        Ty::List(&Ty::Rec("tokenCache")),
        "device-token caches of every store",
    ),
    (
        "bootstrap_tokens",
        Ty::List(&Ty::Rec("bootstrapToken")),
        "setup-code tokens of the live store",
    ),
    (
        "token_sources",
        Ty::List(&Ty::Rec("tokenSource")),
        "every place a gateway token or password is set",
    ),
    (
        "services",
        Ty::List(&Ty::Rec("service")),
        "installed gateway services (systemd, launchd, Windows task)",
    ),
    (
        "files",
        Ty::List(&Ty::Rec("file")),
        "the state files claw-doctor knows, with type, mode and owner",
    ),
    (
        "copies",
        Ty::List(&Ty::Rec("copy")),
        "earlier copies of restorable files (`.bak`, `openclaw.json.last-good`, `*.migrated`, claw-doctor backups), newest first, with whether each would be valid in place",
    ),
    (
        "problems",
        Ty::List(&Ty::Rec("problem")),
        "what went wrong reading the state (unparsable files, bad records)",
    ),
    (
        "config",
        Ty::Rec("config"),
        "openclaw.json: path, parse result and the keys rules need",
    ),
    (
        "state",
        Ty::Rec("state"),
        "era, live store, state dir, versions",
    ),
    (
        "logs",
        Ty::Rec("logs"),
        "whether logs were read, and event totals",
    ),
    (
        "log_groups",
        Ty::List(&Ty::Rec("logGroup")),
        "log events grouped by kind, reason, device, client, address (count, first/last line)",
    ),
    (
        "runtime",
        Ty::Rec("runtime"),
        "gateway processes and lock files for this state",
    ),
    ("now", Ty::Int, "--now (or the clock) in epoch milliseconds"),
];

pub fn record(name: &str) -> Option<&'static Record> {
    RECORDS.iter().find(|r| r.name == name)
}

pub fn root(name: &str) -> Option<Ty> {
    ROOTS.iter().find(|(n, ..)| *n == name).map(|(_, t, _)| *t)
}
