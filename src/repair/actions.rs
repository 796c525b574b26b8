//! The repair vocabulary: the named actions a rule's `[[fix.actions]]` may call, with their
//! typed arguments. A rule decides *what* to change (arguments are expressions over the model,
//! evaluated with the finding); the planner and the store writers decide *how*, per era.

use crate::engine::schema::Ty;
use serde_json::{Map, Value};

/// One action a rule may name: its arguments (name, type, required) and what it does.
pub struct ActionSpec {
    pub name: &'static str,
    pub args: &'static [(&'static str, Ty, bool)],
    pub doc: &'static str,
}

const STRS: Ty = Ty::List(&Ty::Str);

pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "grant-scopes",
        args: &[
            ("device", Ty::Str, true),
            ("role", Ty::Str, true),
            ("scopes", STRS, true),
        ],
        doc: "add the scopes to the paired record's `scopes`, `approvedScopes` and `tokens.<role>.scopes`, and to this machine's cached token of that role; drop the device's pending requests the record now satisfies",
    },
    ActionSpec {
        name: "set-scopes",
        args: &[
            ("device", Ty::Str, true),
            ("role", Ty::Str, true),
            ("scopes", STRS, true),
            ("tokenScopes", STRS, false),
        ],
        doc: "set `scopes` to exactly the list and `tokens.<role>.scopes` (and the cached token of that role) to `tokenScopes` (default: the same list); `approvedScopes` is never changed",
    },
    ActionSpec {
        name: "set-device-fields",
        args: &[
            ("device", Ty::Str, true),
            ("role", Ty::Str, false),
            ("roles", STRS, false),
            ("scopes", STRS, false),
            ("approvedScopes", STRS, false),
            ("clientId", Ty::Str, false),
            ("clientMode", Ty::Str, false),
            ("platform", Ty::Str, false),
            ("deviceFamily", Ty::Str, false),
        ],
        doc: "set the named fields of a paired record (a null argument leaves the field alone)",
    },
    ActionSpec {
        name: "drop-cached-token",
        args: &[("device", Ty::Str, true), ("role", Ty::Str, true)],
        doc: "remove this machine's cached device token of the role (`identity/device-auth.json` entry or `device_auth_tokens` row); the original stays in the backup",
    },
    ActionSpec {
        name: "remove-pending",
        args: &[("request", Ty::Str, true)],
        doc: "remove a pending request from the live store, found by requestId, else by its key (kept in the backup)",
    },
    ActionSpec {
        name: "move-aside",
        args: &[("path", Ty::Str, true)],
        doc: "move a file or directory of the state dir into the backup set",
    },
    ActionSpec {
        name: "restore-copy",
        args: &[("path", Ty::Str, true), ("from", Ty::Str, true)],
        doc: "replace a file with a copy of another file (the replaced file goes into the backup; the copy's source stays)",
    },
    ActionSpec {
        name: "chmod",
        args: &[("path", Ty::Str, true), ("mode", Ty::Int, true)],
        doc: "set a file's permission bits (the old mode is recorded in the manifest)",
    },
    ActionSpec {
        name: "config-unset",
        args: &[("key", Ty::Str, true)],
        doc: "remove a dotted key from the config, editing only its text span (comments and layout stay)",
    },
    ActionSpec {
        name: "config-set",
        args: &[("key", Ty::Str, true), ("value", Ty::Any, true)],
        doc: "set a dotted key of the config to a value, editing only its text span",
    },
    ActionSpec {
        name: "align-token",
        args: &[("source", Ty::Str, true)],
        doc: "rewrite the gateway token in a token source file (`.env` line) to the config's `gateway.auth.token`",
    },
];

pub fn spec(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// An action with its arguments evaluated for one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionCall {
    pub name: &'static str,
    pub args: Map<String, Value>,
}

impl ActionCall {
    pub fn str(&self, arg: &str) -> Option<&str> {
        self.args.get(arg).and_then(Value::as_str)
    }

    pub fn strs(&self, arg: &str) -> Option<Vec<String>> {
        self.args.get(arg).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }

    /// A required argument that evaluated to null cannot be acted on.
    pub fn missing_required(&self) -> Option<&'static str> {
        let spec = spec(self.name)?;
        spec.args
            .iter()
            .find(|(n, _, req)| *req && self.args.get(*n).is_none_or(Value::is_null))
            .map(|(n, _, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_documented() {
        let mut names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
        assert!(
            ACTIONS
                .iter()
                .all(|a| !a.doc.is_empty() && !a.args.is_empty())
        );
    }

    #[test]
    fn null_required_arguments_are_reported() {
        let mut args = Map::new();
        args.insert("device".into(), Value::Null);
        args.insert("role".into(), "operator".into());
        let call = ActionCall {
            name: "drop-cached-token",
            args,
        };
        assert_eq!(call.missing_required(), Some("device"));
    }
}
