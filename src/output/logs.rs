//! The logs line of the state summary.

use super::summary::{Mark, Section};
use crate::logs::EventKind;
use crate::model::LogsInfo;

pub fn section(l: &LogsInfo) -> Section {
    if !l.enabled {
        return Section {
            title: "logs",
            mark: Mark::Note,
            headline: "not read (--no-logs)".into(),
            details: vec![],
        };
    }
    let Some(s) = &l.summary else {
        return Section {
            title: "logs",
            mark: Mark::Note,
            headline: "no log files found".into(),
            details: vec![],
        };
    };
    let mut details: Vec<String> = s
        .files
        .iter()
        .map(|f| {
            let counts: Vec<String> = f.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
            format!(
                "{} ({} lines{}{}){}",
                f.path.display(),
                f.lines,
                match (&f.first_time, &f.last_time) {
                    (Some(a), Some(b)) => format!(", {a} .. {b}"),
                    _ => String::new(),
                },
                if counts.is_empty() {
                    String::new()
                } else {
                    format!(": {}", counts.join(", "))
                },
                f.error
                    .as_deref()
                    .map(|e| format!(" — {e}"))
                    .unwrap_or_default(),
            )
        })
        .collect();
    details.extend(
        l.problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.detail)),
    );
    let totals: Vec<String> = EventKind::ALL
        .iter()
        .filter_map(|k| {
            let n = s.total(*k);
            (n > 0).then(|| format!("{k} {n}"))
        })
        .collect();
    let pairing = s.total(EventKind::PairingRequired)
        + s.total(EventKind::AccessUpgrade)
        + s.total(EventKind::MetadataUpgrade);
    Section {
        title: "logs",
        mark: if pairing > 0 || s.total(EventKind::Unauthorized) > 0 {
            Mark::Warn
        } else {
            Mark::Ok
        },
        headline: if s.files.is_empty() {
            format!("no log files found in {}", l.origin)
        } else {
            format!(
                "{} file(s), {} lines: {}",
                s.files.len(),
                s.lines,
                if totals.is_empty() {
                    "no pairing-related events".to_string()
                } else {
                    totals.join(", ")
                }
            )
        },
        details,
    }
}
