//! Scope facts: which operator scopes a paired device effectively holds, whether a connect's
//! requested scopes are covered (`scope-upgrade` otherwise), and when a loopback scope upgrade is
//! approved silently. See `facts.md` §4b (scope comparison), §4c (silent approval), §5 (roles and
//! scopes), §10 (version history).
//!
//! Boundaries read from the npm bundles (`dist/*operator-scope-compat*`,
//! `dist/node-connect-reconcile*`), not only from facts.md:
//! * `operator.talk`, `operator.questions` and write ⇒ talk first appear in 2026.8.1 (absent from
//!   2026.7.35, present in 2026.8.1, 2026.9.2–2026.9.5).
//! * `operator.sessions.read`/`.write` and their implications first appear in 2026.9.6 (absent
//!   from 2026.9.5).

use super::since;
use crate::version::Version;

const ADMIN: &str = "operator.admin";
const READ: &str = "operator.read";
const WRITE: &str = "operator.write";
const TALK: &str = "operator.talk";
const SESSIONS_READ: &str = "operator.sessions.read";
const SESSIONS_WRITE: &str = "operator.sessions.write";

/// 2026.2.21 (commit 525d6e06, #21616): `operator.write` implies `operator.read` (§4b).
const WRITE_IMPLIES_READ: Version = Version::new(2026, 2, 21);
/// 2026.2.22 (#22062, #23125): `operator.admin` satisfies every `operator.*` scope (§4b).
const ADMIN_IMPLIES_ALL: Version = Version::new(2026, 2, 22);
/// 2026.2.22 (commit 9165bd7f, #23708): loopback scope-upgrade is silent (§4c).
const SILENT_LOCAL_SCOPE_UPGRADE: Version = Version::new(2026, 2, 22);
/// 2026.3.31, first npm release with commit 81ebc7e0 (#54694): scope-upgrade never silent (§4c).
const SCOPE_UPGRADE_NEVER_SILENT: Version = Version::new(2026, 3, 31);
/// `gateway.nodes.pairing.autoApproveLocal` honoured for scope upgrades. The key was added by
/// PR #115959 (merged 2026-07-29) and scope upgrades started honouring it with PR #124589
/// (merged 2026-08-16). Absent from the 2026.7.35 bundle; 2026.8.1 (npm, 2026-08-31) already
/// has `shouldAllowSilentLocalPairing` with `autoApproveLocal` and no hard-coded
/// `silent: false` for scope-upgrade. 2026.8.1-beta.1 (2026-08-13) predates #124589.
const AUTO_APPROVE_LOCAL: Version = Version::new(2026, 8, 1);
/// `operator.talk` and `operator.questions` exist and write ⇒ talk (bundles, see module doc).
const TALK_ERA: Version = Version::new(2026, 8, 1);
/// `operator.sessions.*` exist; write ⇒ sessions.*; read or sessions.write ⇒ sessions.read
/// ([N96] src/shared/operator-scope-compat.ts; absent from the 2026.9.5 bundle).
const SESSIONS_ERA: Version = Version::new(2026, 9, 6);

/// `operator.talk.secrets` is listed in [S412] (2026.4.12-beta.1). Its first release is not
/// pinned; this is the earliest source known to have it, so earlier releases may have it too.
fn talk_secrets_era() -> Version {
    Version {
        suffix: Some("beta.1".to_string()),
        ..Version::new(2026, 4, 12)
    }
}

/// Every `operator.*` scope the given release knows (§5), sorted.
///
/// 2026.2.19 [S219]: admin, read, write, approvals, pairing. Added later: `operator.talk.secrets`
/// ([S412]), `operator.questions` and `operator.talk` (2026.8.1), `operator.sessions.read` and
/// `operator.sessions.write` (2026.9.6). Unknown version: the 2026.9.6 set.
pub fn known_operator_scopes(v: Option<&Version>) -> Vec<String> {
    let mut out = vec![ADMIN, "operator.approvals", "operator.pairing", READ, WRITE];
    if since(v, &talk_secrets_era()) {
        out.push("operator.talk.secrets");
    }
    if since(v, &TALK_ERA) {
        out.extend(["operator.questions", TALK]);
    }
    if since(v, &SESSIONS_ERA) {
        out.extend([SESSIONS_READ, SESSIONS_WRITE]);
    }
    let mut out: Vec<String> = out.into_iter().map(String::from).collect();
    out.sort();
    out
}

/// Scopes as OpenClaw reads them: trimmed, empty entries dropped.
fn clean(scopes: &[String]) -> impl Iterator<Item = &str> {
    scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// `held` plus every scope it implies on release `v`, sorted and deduplicated (§4b).
///
/// Operator role only; node (and any other role) scopes imply nothing.
/// * from 2026.2.21: `operator.write` ⇒ `operator.read`;
/// * from 2026.2.22: `operator.admin` ⇒ every operator scope that release knows
///   ([`known_operator_scopes`]; admin also covers *unknown* future scopes, see [`scopes_allow`]);
/// * from 2026.8.1: `operator.write` ⇒ `operator.talk`;
/// * from 2026.9.6: `operator.write` ⇒ `operator.sessions.read` and `.write`;
///   `operator.read` or `operator.sessions.write` ⇒ `operator.sessions.read`.
///
/// Before 2026.2.21 (the 2.19 "exact membership" era) nothing is implied, which is why a device
/// holding only `operator.admin` looped on `scope-upgrade` for `operator.write`.
/// Unknown version: 2026.9.6 behaviour.
pub fn implied_scopes(held: &[String], role: &str, v: Option<&Version>) -> Vec<String> {
    let mut out: Vec<String> = clean(held).map(String::from).collect();
    if role.trim() == "operator" {
        let has = |out: &[String], s: &str| out.iter().any(|h| h == s);
        if since(v, &ADMIN_IMPLIES_ALL) && has(&out, ADMIN) {
            out.extend(known_operator_scopes(v));
        }
        if has(&out, WRITE) {
            if since(v, &WRITE_IMPLIES_READ) {
                out.push(READ.into());
            }
            if since(v, &TALK_ERA) {
                out.push(TALK.into());
            }
            if since(v, &SESSIONS_ERA) {
                out.extend([SESSIONS_READ.into(), SESSIONS_WRITE.into()]);
            }
        }
        if since(v, &SESSIONS_ERA) && (has(&out, READ) || has(&out, SESSIONS_WRITE)) {
            out.push(SESSIONS_READ.into());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Requested scopes that `held` does not cover on release `v`, in request order, deduplicated.
///
/// This is the pairing check behind `reason=scope-upgrade` (§4a, §4b; [S412]/[N96]
/// `resolveMissingRequestedScope`):
/// * a requested scope must start with `<role>.`; otherwise it is missing whatever is held;
/// * operator: from 2026.2.22 `operator.admin` covers every `operator.*` scope, including ones
///   this tool has never heard of; otherwise the scope must be in [`implied_scopes`];
/// * other roles (`node`): exact membership, no implications.
///
/// Scopes are trimmed and empty requests ignored, as OpenClaw does. Unknown version: 2026.9.6.
pub fn missing_scopes(
    held: &[String],
    wanted: &[String],
    role: &str,
    v: Option<&Version>,
) -> Vec<String> {
    let role = role.trim();
    let covered = implied_scopes(held, role, v);
    let admin_covers_all =
        role == "operator" && since(v, &ADMIN_IMPLIES_ALL) && covered.iter().any(|s| s == ADMIN);
    let prefix = format!("{role}.");
    let mut missing: Vec<String> = Vec::new();
    for scope in clean(wanted) {
        let ok =
            scope.starts_with(&prefix) && (admin_covers_all || covered.iter().any(|c| c == scope));
        if !ok && !missing.iter().any(|m| m == scope) {
            missing.push(scope.to_string());
        }
    }
    missing
}

/// Whether `held` covers every scope in `wanted` on release `v` (see [`missing_scopes`]).
pub fn scopes_allow(held: &[String], wanted: &[String], role: &str, v: Option<&Version>) -> bool {
    missing_scopes(held, wanted, role, v).is_empty()
}

/// The scope baseline a paired record is compared against: `approvedScopes` when the record has
/// that array, else `scopes`, else nothing (§4b "Baseline", [S412]; #20703 in 2026.2.21).
///
/// The caller passes `Some` only for fields that are JSON arrays; an `approvedScopes: []` still
/// wins over a non-empty `scopes`, exactly like OpenClaw.
pub fn baseline(approved_scopes: Option<&[String]>, scopes: Option<&[String]>) -> Vec<String> {
    approved_scopes
        .or(scopes)
        .map(<[String]>::to_vec)
        .unwrap_or_default()
}

/// Whether a LOCAL (loopback) `scope-upgrade` request is approved silently on release `v` (§4c).
///
/// * before 2026.2.22: never (the 2.19 loop: only `not-paired` was silent);
/// * 2026.2.22 ≤ v < 2026.3.31: yes (#23708);
/// * 2026.3.31 ≤ v < 2026.8.1: never (#54694 hard-codes `silent: false` for scope-upgrade);
/// * from 2026.8.1: yes unless `gateway.nodes.pairing.autoApproveLocal` is `false`
///   (default `true`; PR #115959 added the key, PR #124589 made scope upgrades honour it).
///   facts.md §10 attributes this to 2026.9.6 only; the 2026.8.1 and 2026.9.4 npm bundles
///   already contain the same `shouldAllowSilentLocalPairing`.
///
/// This is only the version/config part. From 2026.8.1 OpenClaw additionally requires the
/// connection to have authenticated with `none`, `token` or `password` (not device-token,
/// Tailscale or trusted-proxy), and locality rules (§4c) still apply.
/// Unknown version: 2026.9.6 behaviour.
pub fn scope_upgrade_auto_approved(v: Option<&Version>, auto_approve_local: Option<bool>) -> bool {
    if since(v, &AUTO_APPROVE_LOCAL) {
        auto_approve_local != Some(false)
    } else {
        since(v, &SILENT_LOCAL_SCOPE_UPGRADE) && !since(v, &SCOPE_UPGRADE_NEVER_SILENT)
    }
}

/// Whether `operator.admin` satisfies a request for `operator.write` (and every other
/// `operator.*`): from 2026.2.22 (#22062/#23125, §4b). On 2026.2.19–2026.2.21 an admin-only
/// device asked for `operator.write` gets `scope-upgrade` (issues #23006, #24189).
/// Unknown version: 2026.9.6 behaviour (true).
pub fn admin_implies_write(v: Option<&Version>) -> bool {
    since(v, &ADMIN_IMPLIES_ALL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    fn implied(held: &[&str], role: &str, ver: Option<&str>) -> Vec<String> {
        implied_scopes(&s(held), role, ver.map(v).as_ref())
    }

    fn allow(held: &[&str], wanted: &[&str], ver: Option<&str>) -> bool {
        scopes_allow(&s(held), &s(wanted), "operator", ver.map(v).as_ref())
    }

    #[test]
    fn write_implies_read_from_2_21() {
        assert_eq!(
            implied(&["operator.write"], "operator", Some("2026.2.20")),
            s(&["operator.write"])
        );
        assert_eq!(
            implied(&["operator.write"], "operator", Some("2026.2.21")),
            s(&["operator.read", "operator.write"])
        );
        assert!(!allow(
            &["operator.write"],
            &["operator.read"],
            Some("2026.2.19-2")
        ));
        assert!(allow(
            &["operator.write"],
            &["operator.read"],
            Some("2026.2.21")
        ));
        assert!(
            !allow(&["operator.read"], &["operator.write"], None),
            "read never implies write"
        );
    }

    #[test]
    fn admin_implies_everything_from_2_22() {
        let cli = ["operator.admin", "operator.approvals", "operator.pairing"];
        // The 2.19 loop: admin-bundle CLI device, agent asks for operator.write.
        assert!(!allow(&cli, &["operator.write"], Some("2026.2.19")));
        assert!(!allow(&cli, &["operator.write"], Some("2026.2.21")));
        assert!(allow(&cli, &["operator.write"], Some("2026.2.22")));
        assert!(!admin_implies_write(Some(&v("2026.2.21"))));
        assert!(admin_implies_write(Some(&v("2026.2.22"))));
        assert!(admin_implies_write(None));
        assert!(
            !admin_implies_write(Some(&v("2026.2.22-beta.1"))),
            "a pre-release of 2.22 predates 2.22"
        );
    }

    #[test]
    fn admin_expands_to_the_versions_known_scopes() {
        assert_eq!(
            implied(&["operator.admin"], "operator", Some("2026.2.22")),
            s(&[
                "operator.admin",
                "operator.approvals",
                "operator.pairing",
                "operator.read",
                "operator.write"
            ])
        );
        let at_735 = implied(&["operator.admin"], "operator", Some("2026.7.35"));
        assert!(at_735.contains(&"operator.talk.secrets".to_string()));
        assert!(!at_735.contains(&"operator.talk".to_string()));
        let at_81 = implied(&["operator.admin"], "operator", Some("2026.8.1"));
        assert!(at_81.contains(&"operator.questions".to_string()));
        assert!(!at_81.contains(&"operator.sessions.read".to_string()));
        let newest = implied(&["operator.admin"], "operator", None);
        assert_eq!(newest, known_operator_scopes(None));
        assert_eq!(newest.len(), 10);
        assert!(newest.contains(&"operator.sessions.write".to_string()));
    }

    #[test]
    fn admin_covers_unknown_future_operator_scopes_only_from_2_22() {
        assert!(allow(&["operator.admin"], &["operator.future.thing"], None));
        assert!(!allow(
            &["operator.admin"],
            &["operator.future.thing"],
            Some("2026.2.21")
        ));
        assert!(
            !allow(&["operator.write"], &["operator.future.thing"], None),
            "non-admin needs an exact match for unknown scopes"
        );
        assert!(allow(
            &["operator.future.thing"],
            &["operator.future.thing"],
            None
        ));
    }

    #[test]
    fn talk_boundary_2_8_1() {
        assert!(!allow(
            &["operator.write"],
            &["operator.talk"],
            Some("2026.7.35")
        ));
        assert!(allow(
            &["operator.write"],
            &["operator.talk"],
            Some("2026.8.1")
        ));
        assert!(
            !allow(&["operator.write"], &["operator.talk.secrets"], None),
            "talk.secrets is not implied by write"
        );
    }

    #[test]
    fn sessions_boundary_2_9_6() {
        for held in [
            ["operator.write"],
            ["operator.read"],
            ["operator.sessions.write"],
        ] {
            assert!(!allow(&held, &["operator.sessions.read"], Some("2026.9.5")));
            assert!(allow(&held, &["operator.sessions.read"], Some("2026.9.6")));
            assert!(allow(&held, &["operator.sessions.read"], None));
        }
        assert!(allow(
            &["operator.write"],
            &["operator.sessions.write"],
            None
        ));
        assert!(!allow(
            &["operator.read"],
            &["operator.sessions.write"],
            None
        ));
        assert!(!allow(
            &["operator.sessions.read"],
            &["operator.read"],
            None
        ));
        assert_eq!(
            implied(&["operator.write"], "operator", None),
            s(&[
                "operator.read",
                "operator.sessions.read",
                "operator.sessions.write",
                "operator.talk",
                "operator.write"
            ])
        );
    }

    #[test]
    fn node_scopes_are_exact_and_prefixed() {
        let held = s(&["node.invoke", "operator.admin"]);
        assert_eq!(implied_scopes(&held, "node", None), {
            let mut h = held.clone();
            h.sort();
            h
        });
        assert!(scopes_allow(&held, &s(&["node.invoke"]), "node", None));
        assert!(!scopes_allow(&held, &s(&["node.event"]), "node", None));
        assert!(
            !scopes_allow(&held, &s(&["operator.read"]), "node", None),
            "admin means nothing for a node connect"
        );
        assert!(
            !allow(&["operator.admin", "node.invoke"], &["node.invoke"], None),
            "operator connects need operator.* scopes"
        );
    }

    #[test]
    fn missing_scopes_lists_uncovered_in_order() {
        let held = s(&["operator.read", " operator.pairing "]);
        let wanted = s(&[
            "operator.write",
            "operator.pairing",
            "",
            "operator.approvals",
            "operator.write",
        ]);
        assert_eq!(
            missing_scopes(&held, &wanted, "operator", Some(&v("2026.2.19"))),
            s(&["operator.write", "operator.approvals"])
        );
        assert!(missing_scopes(&held, &[], "operator", None).is_empty());
        assert!(scopes_allow(&[], &[], "operator", None));
        assert!(!scopes_allow(&[], &s(&["operator.read"]), "operator", None));
    }

    #[test]
    fn baseline_prefers_approved_scopes_array() {
        let approved = s(&["operator.read"]);
        let scopes = s(&["operator.admin"]);
        assert_eq!(baseline(Some(&approved), Some(&scopes)), approved);
        assert_eq!(baseline(Some(&[]), Some(&scopes)), Vec::<String>::new());
        assert_eq!(baseline(None, Some(&scopes)), scopes);
        assert!(baseline(None, None).is_empty());
    }

    #[test]
    fn scope_upgrade_silence_by_version() {
        let at = |ver: &str, cfg| scope_upgrade_auto_approved(Some(&v(ver)), cfg);
        assert!(!at("2026.2.19-2", None));
        assert!(!at("2026.2.21", None));
        assert!(at("2026.2.22", None));
        assert!(at("2026.3.28", None));
        assert!(!at("2026.3.31", None));
        assert!(!at("2026.4.25", None));
        assert!(!at("2026.7.35", None));
        assert!(!at("2026.8.1-beta.1", None));
        assert!(at("2026.8.1", None));
        assert!(at("2026.9.6", Some(true)));
        assert!(!at("2026.9.6", Some(false)));
        assert!(
            at("2026.2.22", Some(false)),
            "autoApproveLocal did not exist yet"
        );
        assert!(scope_upgrade_auto_approved(None, None));
        assert!(!scope_upgrade_auto_approved(None, Some(false)));
    }

    #[test]
    fn junk_input_does_not_panic() {
        let junk = s(&["", " ", "operator.", ".", "💥", "operator.admin\0", "node."]);
        for role in ["", "operator", "node", " operator ", "💥"] {
            for ver in [None, Some(v("2026.1.1")), Some(v("2999.12.999999999"))] {
                let _ = implied_scopes(&junk, role, ver.as_ref());
                let _ = missing_scopes(&junk, &junk, role, ver.as_ref());
            }
        }
        assert!(
            !scopes_allow(
                &junk,
                &s(&["operator.x"]),
                "operator",
                Some(&v("2026.2.19"))
            ),
            "junk grants nothing it does not literally hold"
        );
        assert!(scopes_allow(
            &junk,
            &s(&["operator."]),
            "operator",
            Some(&v("2026.2.19"))
        ));
    }
}
