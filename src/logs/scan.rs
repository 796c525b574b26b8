//! Streaming scanner: chunked reads, one Aho-Corasick prefilter per chunk,
//! lazy per-line parsing of the few matching lines, bounded aggregation.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use jiff::Timestamp;
use serde::{Serialize, Serializer};

use super::event::{Event, EventKind, Side, serialize_opt_timestamp};
use super::parse::{ClientVersionSeen, LineParser, extract_time, parse_timestamp};
use super::prefilter::{Prefilter, prefilter};

/// Options for [`scan`](super::scan).
#[derive(Clone, Copy)]
pub struct ScanOptions<'a> {
    /// Drop events whose timestamp is before this instant (events without a
    /// parseable time are kept).
    pub since: Option<Timestamp>,
    /// Drop events whose timestamp is after this instant.
    pub until: Option<Timestamp>,
    /// Most distinct groups kept; further new groups only count in `groupsOverflow`.
    pub max_groups: usize,
    /// Most sample events kept (the first ones, in file order).
    pub max_samples: usize,
    /// Most distinct client versions kept.
    pub max_client_versions: usize,
    /// Bytes read per `read` call.
    pub chunk_size: usize,
    /// Longest line looked at; the rest of a longer line is skipped.
    pub max_line_len: usize,
    /// Worker threads (0 = available parallelism). Several files are read
    /// concurrently; a file of at least `2 * split_min_bytes` is split into
    /// line-aligned ranges read concurrently.
    pub threads: usize,
    /// Smallest range a single file is split into.
    pub split_min_bytes: usize,
    /// Called with the total number of bytes read so far (all files).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl Default for ScanOptions<'_> {
    fn default() -> Self {
        ScanOptions {
            since: None,
            until: None,
            max_groups: 1024,
            max_samples: 32,
            max_client_versions: 256,
            chunk_size: 64 * 1024,
            split_min_bytes: 32 * 1024 * 1024,
            max_line_len: 1024 * 1024,
            threads: 0,
            progress: None,
        }
    }
}

impl std::fmt::Debug for ScanOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("since", &self.since)
            .field("until", &self.until)
            .field("max_groups", &self.max_groups)
            .field("max_samples", &self.max_samples)
            .field("max_client_versions", &self.max_client_versions)
            .field("chunk_size", &self.chunk_size)
            .field("max_line_len", &self.max_line_len)
            .field("threads", &self.threads)
            .field("split_min_bytes", &self.split_min_bytes)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Why a file could not be (fully) read.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot open: {0}")]
    Open(#[source] std::io::Error),
    #[error("not a regular file")]
    NotRegularFile,
    #[error("read failed after {offset} bytes: {source}")]
    Read {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
}

fn serialize_path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// What one file contained.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FileSummary {
    /// Index in the list given to `scan` (events refer to it).
    pub index: usize,
    #[serde(serialize_with = "serialize_path")]
    pub path: PathBuf,
    /// Size from the file's metadata when it was opened.
    pub size: u64,
    /// Bytes of log text scanned (decompressed, for a gzip file).
    pub bytes_read: u64,
    pub lines: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_opt_timestamp"
    )]
    pub first_timestamp: Option<Timestamp>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_opt_timestamp"
    )]
    pub last_timestamp: Option<Timestamp>,
    /// Gateway-side events per kind (after time window and de-duplication).
    pub counts: BTreeMap<EventKind, u64>,
    /// Client-side events per kind (CLI errors logged to the same file).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub client_counts: BTreeMap<EventKind, u64>,
    /// Candidate lines that looked like JSON but did not parse (e.g. a cut last line).
    pub malformed_lines: u64,
    /// Lines longer than `max_line_len` (only their head was looked at).
    pub long_lines: u64,
    /// Lines describing a connection already counted (same `conn`), or a client error repeated.
    pub duplicates: u64,
    /// Events dropped by the time window.
    pub outside_window: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The fields events are grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupKey {
    pub kind: EventKind,
    pub side: Side,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Forwarded client address, else audit ip, else socket peer / proxy hop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_from: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_device_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_device_family: Option<String>,
}

impl GroupKey {
    pub fn of(e: &Event) -> GroupKey {
        let f = &e.fields;
        let ip = f.ip.clone().filter(|ip| ip != "unknown-ip");
        GroupKey {
            kind: e.kind,
            side: e.side,
            reason: f.reason.clone(),
            device_id: f.device_id.clone(),
            client: f.client.clone(),
            address: f
                .fwd
                .clone()
                .or(ip)
                .or_else(|| f.address.clone())
                .or_else(|| f.remote.clone()),
            host: f.host.clone(),
            role_from: f.role_from.clone(),
            role_to: f.role_to.clone(),
            scopes_from: f.scopes_from.clone(),
            scopes_to: f.scopes_to.clone(),
            claimed_platform: f.claimed_platform.clone(),
            pinned_platform: f.pinned_platform.clone(),
            claimed_device_family: f.claimed_device_family.clone(),
            pinned_device_family: f.pinned_device_family.clone(),
        }
    }
}

/// Events that share a [`GroupKey`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventGroup {
    #[serde(flatten)]
    pub key: GroupKey,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<String>,
    /// The earliest event of the group (evidence, with file and line).
    pub first: Event,
    /// The latest event of the group.
    pub last: Event,
}

/// A client software version and how often it was seen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClientVersionCount {
    pub client: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    pub version: String,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<String>,
}

/// A gateway version and how often it was reported.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VersionCount {
    pub version: String,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<String>,
}

/// Bounded result of a scan: memory does not grow with log size.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LogSummary {
    pub files: Vec<FileSummary>,
    /// Gateway-side events per kind, all files.
    pub totals: BTreeMap<EventKind, u64>,
    /// Client-side events per kind (a CLI reporting the close it got).
    pub client_totals: BTreeMap<EventKind, u64>,
    /// Sorted by kind, then first occurrence.
    pub groups: Vec<EventGroup>,
    /// Events not grouped because `max_groups` was reached.
    pub groups_overflow: u64,
    /// The first events (file order), at most `max_samples`.
    pub samples: Vec<Event>,
    /// Client versions seen (`client=cli cli v2026.7.35`), by count desc then version.
    pub client_versions: Vec<ClientVersionCount>,
    pub client_versions_overflow: u64,
    /// Gateway versions reported by the CLI (`Gateway version: 2026.9.6`).
    pub gateway_versions: Vec<VersionCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<String>,
    pub bytes_read: u64,
    pub lines: u64,
}

impl LogSummary {
    /// Gateway-side count of `kind`.
    pub fn total(&self, kind: EventKind) -> u64 {
        self.totals.get(&kind).copied().unwrap_or(0)
    }

    /// Client-side count of `kind`.
    pub fn client_total(&self, kind: EventKind) -> u64 {
        self.client_totals.get(&kind).copied().unwrap_or(0)
    }

    /// Groups of one kind (gateway and client side).
    pub fn groups_of(&self, kind: EventKind) -> impl Iterator<Item = &EventGroup> {
        self.groups.iter().filter(move |g| g.key.kind == kind)
    }

    /// Files that could not be (fully) read.
    pub fn errors(&self) -> impl Iterator<Item = &FileSummary> {
        self.files.iter().filter(|f| f.error.is_some())
    }
}

/// Counts `\n` bytes; written so the compiler vectorises it.
fn count_newlines(b: &[u8]) -> u64 {
    let mut n: u64 = 0;
    let mut chunks = b.chunks_exact(64);
    for c in &mut chunks {
        let mut acc: u8 = 0;
        for &x in c {
            acc += (x == b'\n') as u8;
        }
        n += u64::from(acc);
    }
    for &x in chunks.remainder() {
        n += u64::from(x == b'\n');
    }
    n
}

/// FxHash (as in rustc): fast, not DoS-resistant; fine for bounded tables.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
    fn write_usize(&mut self, i: usize) {
        self.write(&(i as u64).to_le_bytes());
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

// ---------------------------------------------------------------------------
// Aggregation
// ---------------------------------------------------------------------------

/// "a happened before b": by timestamp when both have one, else by position.
fn earlier(a: &Event, b: &Event) -> bool {
    match (a.timestamp, b.timestamp) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => (a.file, a.line) < (b.file, b.line),
    }
}

#[derive(Debug, Default)]
struct Aggregator {
    /// Groups in insertion order, and where each key is.
    groups: Vec<EventGroup>,
    index: HashMap<GroupKey, usize, FxBuild>,
    groups_overflow: u64,
    totals: BTreeMap<EventKind, u64>,
    client_totals: BTreeMap<EventKind, u64>,
    samples: Vec<Event>,
    client_versions: HashMap<ClientVersionSeen, ClientVersionCount>,
    client_versions_overflow: u64,
    gateway_versions: BTreeMap<String, VersionCount>,
}

impl Aggregator {
    fn add_event(&mut self, e: Event, opts: &ScanOptions<'_>) {
        let totals = if e.side.is_gateway() {
            &mut self.totals
        } else {
            &mut self.client_totals
        };
        *totals.entry(e.kind).or_insert(0) += 1;
        if self.samples.len() < opts.max_samples {
            self.samples.push(e.clone());
        }
        let key = GroupKey::of(&e);
        self.add_group(
            key.clone(),
            EventGroup {
                key,
                count: 1,
                first_time: e.time.clone(),
                last_time: e.time.clone(),
                first: e.clone(),
                last: e,
            },
            opts.max_groups,
        );
    }

    fn add_group(&mut self, key: GroupKey, g: EventGroup, max_groups: usize) {
        if let Some(&i) = self.index.get(&key) {
            let existing = &mut self.groups[i];
            existing.count += g.count;
            if earlier(&g.first, &existing.first) {
                existing.first = g.first;
                existing.first_time = g.first_time;
            }
            if !earlier(&g.last, &existing.last) {
                existing.last = g.last;
                existing.last_time = g.last_time;
            }
        } else if self.groups.len() < max_groups {
            self.index.insert(key, self.groups.len());
            self.groups.push(g);
        } else {
            self.groups_overflow += g.count;
        }
    }

    fn add_client_version(
        &mut self,
        cv: ClientVersionSeen,
        time: Option<&str>,
        count: u64,
        last_time: Option<&str>,
        max: usize,
    ) {
        if let Some(c) = self.client_versions.get_mut(&cv) {
            c.count += count;
            if c.first_time.is_none() {
                c.first_time = time.map(str::to_owned);
            }
            if let Some(t) = last_time.or(time) {
                c.last_time = Some(t.to_owned());
            }
        } else if self.client_versions.len() < max {
            let entry = ClientVersionCount {
                client: cv.client.clone(),
                mode: cv.mode.clone(),
                version: cv.version.clone(),
                count,
                first_time: time.map(str::to_owned),
                last_time: last_time.or(time).map(str::to_owned),
            };
            self.client_versions.insert(cv, entry);
        } else {
            self.client_versions_overflow += count;
        }
    }

    fn add_gateway_version(&mut self, v: String, time: Option<&str>, count: u64, max: usize) {
        if let Some(c) = self.gateway_versions.get_mut(&v) {
            c.count += count;
            if let Some(t) = time {
                if c.first_time.is_none() {
                    c.first_time = Some(t.to_owned());
                }
                c.last_time = Some(t.to_owned());
            }
        } else if self.gateway_versions.len() < max {
            self.gateway_versions.insert(
                v.clone(),
                VersionCount {
                    version: v,
                    count,
                    first_time: time.map(str::to_owned),
                    last_time: time.map(str::to_owned),
                },
            );
        }
    }

    fn merge(&mut self, other: Aggregator, opts: &ScanOptions<'_>) {
        for (v, c) in other.gateway_versions {
            self.add_gateway_version(
                v,
                c.first_time.as_deref(),
                c.count,
                opts.max_client_versions,
            );
            if let (Some(mine), Some(lt)) = (self.gateway_versions.get_mut(&c.version), c.last_time)
            {
                mine.last_time = Some(lt);
            }
        }
        for (k, v) in other.totals {
            *self.totals.entry(k).or_insert(0) += v;
        }
        for (k, v) in other.client_totals {
            *self.client_totals.entry(k).or_insert(0) += v;
        }
        self.groups_overflow += other.groups_overflow;
        self.client_versions_overflow += other.client_versions_overflow;
        for s in other.samples {
            if self.samples.len() < opts.max_samples {
                self.samples.push(s);
            }
        }
        let mut groups = other.groups;
        groups.sort_by(group_order);
        for g in groups {
            self.add_group(g.key.clone(), g, opts.max_groups);
        }
        let mut cvs: Vec<(ClientVersionSeen, ClientVersionCount)> =
            other.client_versions.into_iter().collect();
        cvs.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, c) in cvs {
            self.add_client_version(
                k,
                c.first_time.as_deref(),
                c.count,
                c.last_time.as_deref(),
                opts.max_client_versions,
            );
        }
    }
}

fn group_order(a: &EventGroup, b: &EventGroup) -> std::cmp::Ordering {
    a.key
        .kind
        .cmp(&b.key.kind)
        .then_with(|| {
            if earlier(&a.first, &b.first) {
                std::cmp::Ordering::Less
            } else if earlier(&b.first, &a.first) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .then_with(|| a.key.cmp(&b.key))
}

/// Recently seen (kind, connection) or repeated client errors.
#[derive(Debug, Default)]
struct Dedupe {
    set: HashSet<u64, FxBuild>,
    ring: VecDeque<u64>,
    /// Client-side messages with the line they were seen on.
    recent_client: VecDeque<(u64, u64)>,
}

const DEDUPE_CONNS: usize = 4096;
const CLIENT_REPEAT_WINDOW: u64 = 4;

impl Dedupe {
    /// True when the event repeats one already counted.
    fn is_duplicate(&mut self, e: &Event) -> bool {
        if e.side.is_gateway() {
            let Some(conn) = e.fields.conn.as_deref() else {
                return false;
            };
            let mut h = FxHasher::default();
            (e.kind, conn).hash(&mut h);
            let key = h.finish();
            if self.set.contains(&key) {
                return true;
            }
            if self.ring.len() == DEDUPE_CONNS
                && let Some(old) = self.ring.pop_front()
            {
                self.set.remove(&old);
            }
            self.ring.push_back(key);
            self.set.insert(key);
            false
        } else {
            // the CLI prints each error twice (console + logger) on adjacent lines
            let mut h = FxHasher::default();
            (e.kind, e.message.as_str()).hash(&mut h);
            let key = h.finish();
            while let Some(&(_, line)) = self.recent_client.front() {
                if line + CLIENT_REPEAT_WINDOW < e.line {
                    self.recent_client.pop_front();
                } else {
                    break;
                }
            }
            if self.recent_client.iter().any(|&(k, _)| k == key) {
                return true;
            }
            self.recent_client.push_back((key, e.line));
            false
        }
    }
}

// ---------------------------------------------------------------------------
// One file
// ---------------------------------------------------------------------------

struct FileScan<'o, 'a> {
    opts: &'o ScanOptions<'a>,
    index: usize,
    parser: LineParser,
    dedupe: Dedupe,
    agg: Aggregator,
    summary: FileSummary,
    /// Newlines consumed so far (= number of complete lines before the current position).
    line_no: u64,
    first_time: Option<String>,
    last_time: Option<String>,
}

const TIME_PROBE_LINES: usize = 8;

impl<'o, 'a> FileScan<'o, 'a> {
    fn new(index: usize, path: &Path, opts: &'o ScanOptions<'a>) -> Self {
        FileScan {
            opts,
            index,
            parser: LineParser::new(),
            dedupe: Dedupe::default(),
            agg: Aggregator::default(),
            summary: FileSummary {
                index,
                path: path.to_path_buf(),
                ..FileSummary::default()
            },
            line_no: 0,
            first_time: None,
            last_time: None,
        }
    }

    fn run<R: Read>(&mut self, mut r: R, progress: &dyn Fn(u64)) -> Result<(), ScanError> {
        let chunk = self.opts.chunk_size.max(1);
        let max_line = self.opts.max_line_len.max(1);
        let mut buf = vec![0u8; chunk + max_line];
        let mut filled = 0usize;
        let mut skipping = false;
        let ac = prefilter();
        loop {
            let n = match r.read(&mut buf[filled..filled + chunk]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    // keep what was read; count the partial line
                    if filled > 0 && !skipping {
                        self.final_line(&buf[..filled]);
                    }
                    return Err(ScanError::Read {
                        offset: self.summary.bytes_read,
                        source: e,
                    });
                }
            };
            self.summary.bytes_read += n as u64;
            progress(n as u64);
            let end = filled + n;
            let mut start = 0;
            if skipping {
                match memchr::memchr(b'\n', &buf[filled..end]) {
                    Some(p) => {
                        start = filled + p + 1;
                        skipping = false;
                    }
                    None => {
                        filled = 0;
                        continue;
                    }
                }
            }
            match memchr::memrchr(b'\n', &buf[start..end]) {
                Some(p) => {
                    let region_end = start + p + 1;
                    self.region(ac, &buf[start..region_end]);
                    buf.copy_within(region_end..end, 0);
                    filled = end - region_end;
                }
                None => {
                    buf.copy_within(start..end, 0);
                    filled = end - start;
                }
            }
            if filled > max_line {
                self.summary.long_lines += 1;
                self.one_line(ac, &buf[..max_line]);
                self.line_no += 1;
                filled = 0;
                skipping = true;
            }
        }
        if filled > 0 && !skipping {
            self.final_line(&buf[..filled]);
        }
        Ok(())
    }

    /// The last line of a file when it has no newline.
    fn final_line(&mut self, line: &[u8]) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.one_line(prefilter(), line);
        self.line_no += 1;
    }

    /// A single line outside a region (last line, head of an over-long line).
    fn one_line(&mut self, ac: &Prefilter, line: &[u8]) {
        self.one_line_at(ac, line, true);
    }

    /// `is_last`: nothing later has been read yet (so its time is the file's last so far).
    fn one_line_at(&mut self, ac: &Prefilter, line: &[u8], is_last: bool) {
        let line = trim_cr(line);
        self.probe_time(line, is_last);
        if ac.is_match(line) {
            self.handle_line(line, self.line_no + 1);
        }
    }

    /// `region` holds complete lines only (ends with `\n`). Lines longer than
    /// `max_line_len` inside it are cut like the ones that span reads.
    fn region(&mut self, ac: &Prefilter, region: &[u8]) {
        self.probe_region_times(region);
        let max_line = self.opts.max_line_len.max(1);
        // find over-long lines: jump from the last newline of each window
        let mut start = 0usize;
        let mut p = 0usize;
        while p < region.len() {
            let wend = (p + max_line + 1).min(region.len());
            match memchr::memrchr(b'\n', &region[p..wend]) {
                Some(q) => p += q + 1,
                None => {
                    let e = memchr::memchr(b'\n', &region[p..]).map_or(region.len(), |q| p + q);
                    self.lines(ac, &region[start..p]);
                    self.summary.long_lines += 1;
                    self.one_line_at(ac, &region[p..p + max_line], false);
                    self.line_no += 1;
                    p = e + 1;
                    start = p;
                }
            }
        }
        if start < region.len() {
            self.lines(ac, &region[start..]);
        }
    }

    /// Complete lines (ends with `\n` or is empty), none over-long.
    fn lines(&mut self, ac: &Prefilter, region: &[u8]) {
        let mut pos = 0usize;
        let mut counted = 0usize;
        while pos < region.len() {
            let Some(m) = ac.find_from(region, pos) else {
                break;
            };
            let ls = memchr::memrchr(b'\n', &region[pos..m]).map_or(pos, |p| pos + p + 1);
            let le = memchr::memchr(b'\n', &region[m..]).map_or(region.len(), |p| m + p);
            self.line_no += count_newlines(&region[counted..ls]);
            counted = ls;
            let line = trim_cr(&region[ls..le]);
            self.handle_line(line, self.line_no + 1);
            pos = le + 1;
        }
        self.line_no += count_newlines(&region[counted..]);
    }

    fn probe_region_times(&mut self, region: &[u8]) {
        if self.first_time.is_none() {
            for line in region.split(|&b| b == b'\n').take(TIME_PROBE_LINES) {
                if let Some(t) = extract_time(trim_cr(line)) {
                    self.first_time = Some(t);
                    break;
                }
            }
        }
        let body = region.strip_suffix(b"\n").unwrap_or(region);
        for line in body.rsplit(|&b| b == b'\n').take(TIME_PROBE_LINES) {
            if let Some(t) = extract_time(trim_cr(line)) {
                self.last_time = Some(t);
                break;
            }
        }
    }

    fn probe_time(&mut self, line: &[u8], last: bool) {
        if let Some(t) = extract_time(line) {
            if self.first_time.is_none() {
                self.first_time = Some(t.clone());
            }
            if last {
                self.last_time = Some(t);
            }
        }
    }

    fn in_window(&self, ts: Option<Timestamp>) -> bool {
        match ts {
            None => true,
            Some(t) => {
                self.opts.since.is_none_or(|s| t >= s) && self.opts.until.is_none_or(|u| t <= u)
            }
        }
    }

    fn handle_line(&mut self, line: &[u8], number: u64) {
        let parsed = self.parser.parse(line, self.index, number);
        if parsed.malformed {
            self.summary.malformed_lines += 1;
            return;
        }
        let mut duplicate = false;
        if let Some(e) = &parsed.event {
            if !self.in_window(e.timestamp) {
                self.summary.outside_window += 1;
            } else if self.dedupe.is_duplicate(e) {
                self.summary.duplicates += 1;
                duplicate = true;
            }
        }
        // a version is counted once per connection, like the events
        if let Some(cv) = parsed.client_version
            && !duplicate
            && self.in_window(parsed.timestamp)
        {
            self.agg.add_client_version(
                cv,
                parsed.time.as_deref(),
                1,
                None,
                self.opts.max_client_versions,
            );
        }
        if let Some(v) = parsed.gateway_version
            && self.in_window(parsed.timestamp)
        {
            self.agg.add_gateway_version(
                v,
                parsed.time.as_deref(),
                1,
                self.opts.max_client_versions,
            );
        }
        let Some(e) = parsed.event else {
            return;
        };
        if duplicate || !self.in_window(e.timestamp) {
            return;
        }
        let counts = if e.side.is_gateway() {
            &mut self.summary.counts
        } else {
            &mut self.summary.client_counts
        };
        *counts.entry(e.kind).or_insert(0) += 1;
        self.agg.add_event(e, self.opts);
    }

    fn finish(mut self) -> (FileSummary, Aggregator) {
        self.summary.lines = self.line_no;
        self.summary.first_timestamp = self.first_time.as_deref().and_then(parse_timestamp);
        self.summary.last_timestamp = self.last_time.as_deref().and_then(parse_timestamp);
        self.summary.first_time = self.first_time;
        self.summary.last_time = self.last_time;
        (self.summary, self.agg)
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Scans any reader as file number `index` (used for files and by tests).
fn scan_reader_into<R: Read>(
    r: R,
    index: usize,
    path: &Path,
    opts: &ScanOptions<'_>,
    progress: &dyn Fn(u64),
) -> (FileSummary, Aggregator) {
    let mut fs = FileScan::new(index, path, opts);
    if let Err(e) = fs.run(r, progress) {
        fs.summary.error = Some(e.to_string());
    }
    fs.finish()
}

/// How one file is read: failed up front, or as line-aligned byte ranges (one range for a
/// gzip file, which can only be read from its start).
enum FilePlan {
    Failed(Box<FileSummary>),
    Parts {
        size: u64,
        bounds: Vec<u64>,
        gzip: bool,
    },
}

/// A byte range of a file, starting at a line start.
#[derive(Debug, Clone, Copy)]
struct Part {
    file: usize,
    part: usize,
    start: u64,
    end: u64,
    gzip: bool,
}

/// Whether the file starts with the gzip magic bytes (rotated logs are often `*.log.gz`;
/// the content decides, not the name).
fn is_gzip(file: &mut File) -> std::io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(got == 2 && magic == [0x1f, 0x8b])
}

/// Reports the bytes read from the file (compressed ones for a gzip file) as progress.
struct Counted<'p, R> {
    inner: R,
    progress: &'p dyn Fn(u64),
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// First line start at or after `nominal` (the byte after the first `\n` at or after `nominal - 1`).
fn line_start_at_or_after(file: &mut File, nominal: u64, size: u64) -> std::io::Result<u64> {
    use std::io::{Seek, SeekFrom};
    if nominal == 0 {
        return Ok(0);
    }
    let mut pos = nominal - 1;
    file.seek(SeekFrom::Start(pos))?;
    let mut buf = [0u8; 8192];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(size),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok((pos + i as u64 + 1).min(size));
        }
        pos += n as u64;
    }
}

fn failed(index: usize, path: &Path, e: ScanError) -> FileSummary {
    FileSummary {
        index,
        path: path.to_path_buf(),
        error: Some(e.to_string()),
        ..FileSummary::default()
    }
}

fn plan_file(index: usize, path: &Path, opts: &ScanOptions<'_>, threads: usize) -> FilePlan {
    // check before opening: opening a FIFO for reading would block
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return FilePlan::Failed(Box::new(failed(index, path, ScanError::NotRegularFile)));
        }
        Err(e) => return FilePlan::Failed(Box::new(failed(index, path, ScanError::Open(e)))),
        Ok(_) => {}
    }
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return FilePlan::Failed(Box::new(failed(index, path, ScanError::Open(e)))),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return FilePlan::Failed(Box::new(failed(index, path, ScanError::Open(e)))),
    };
    if !meta.is_file() {
        return FilePlan::Failed(Box::new(failed(index, path, ScanError::NotRegularFile)));
    }
    let size = meta.len();
    let gzip = match is_gzip(&mut file) {
        Ok(g) => g,
        Err(e) => {
            let err = ScanError::Read {
                offset: 0,
                source: e,
            };
            return FilePlan::Failed(Box::new(failed(index, path, err)));
        }
    };
    let min = opts.split_min_bytes.max(1) as u64;
    let k = if gzip {
        1
    } else if threads > 1 && size >= 2 * min {
        ((size / min) as usize).clamp(1, threads)
    } else {
        1
    };
    let mut bounds = vec![0u64];
    for i in 1..k {
        let nominal = size / k as u64 * i as u64;
        match line_start_at_or_after(&mut file, nominal, size) {
            Ok(b) => bounds.push(b.max(*bounds.last().unwrap_or(&0))),
            Err(_) => break,
        }
    }
    bounds.push(size);
    FilePlan::Parts { size, bounds, gzip }
}

fn scan_part(
    part: Part,
    path: &Path,
    opts: &ScanOptions<'_>,
    progress: &dyn Fn(u64),
) -> (FileSummary, Aggregator) {
    use std::io::{Seek, SeekFrom};
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return (
                failed(part.file, path, ScanError::Open(e)),
                Aggregator::default(),
            );
        }
    };
    if part.start > 0
        && let Err(e) = file.seek(SeekFrom::Start(part.start))
    {
        let err = ScanError::Read {
            offset: part.start,
            source: e,
        };
        return (failed(part.file, path, err), Aggregator::default());
    }
    let reader = Counted {
        inner: file.take(part.end - part.start),
        progress,
    };
    if part.gzip {
        // several members (`cat a.gz b.gz`) are one stream, as gzip -d reads them
        let text = flate2::read::MultiGzDecoder::new(reader);
        scan_reader_into(text, part.file, path, opts, &|_| {})
    } else {
        scan_reader_into(reader, part.file, path, opts, &|_| {})
    }
}

impl Aggregator {
    /// Adds `delta` to the line numbers of every kept event (a later part of a file).
    fn shift_lines(&mut self, delta: u64) {
        if delta == 0 {
            return;
        }
        for g in &mut self.groups {
            g.first.line += delta;
            g.last.line += delta;
        }
        for e in &mut self.samples {
            e.line += delta;
        }
    }
}

/// Joins the parts of one file (in order) into one file result.
fn join_parts(
    size: u64,
    parts: Vec<(FileSummary, Aggregator)>,
    opts: &ScanOptions<'_>,
) -> (FileSummary, Aggregator) {
    let mut out: Option<(FileSummary, Aggregator)> = None;
    for (s, mut a) in parts {
        match &mut out {
            None => out = Some((s, a)),
            Some((acc, agg)) => {
                a.shift_lines(acc.lines);
                agg.merge(a, opts);
                acc.bytes_read += s.bytes_read;
                acc.lines += s.lines;
                acc.malformed_lines += s.malformed_lines;
                acc.long_lines += s.long_lines;
                acc.duplicates += s.duplicates;
                acc.outside_window += s.outside_window;
                for (k, v) in s.counts {
                    *acc.counts.entry(k).or_insert(0) += v;
                }
                for (k, v) in s.client_counts {
                    *acc.client_counts.entry(k).or_insert(0) += v;
                }
                if acc.first_time.is_none() {
                    acc.first_time = s.first_time;
                    acc.first_timestamp = s.first_timestamp;
                }
                if s.last_time.is_some() {
                    acc.last_time = s.last_time;
                    acc.last_timestamp = s.last_timestamp;
                }
                if acc.error.is_none() {
                    acc.error = s.error;
                }
            }
        }
    }
    let (mut s, a) = out.unwrap_or_default();
    s.size = size;
    (s, a)
}

/// Scans `files` into one bounded summary. Several files are read
/// concurrently; a single large file is split into line-aligned ranges read
/// concurrently (`threads`, `split_min_bytes`).
pub fn scan(files: &[PathBuf], opts: &ScanOptions<'_>) -> LogSummary {
    let done = AtomicU64::new(0);
    let progress = |n: u64| {
        let total = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(cb) = opts.progress {
            cb(total);
        }
    };
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    }
    .max(1);

    let plans: Vec<FilePlan> = files
        .iter()
        .enumerate()
        .map(|(i, p)| plan_file(i, p, opts, threads))
        .collect();
    let mut work: Vec<Part> = Vec::new();
    for (file, plan) in plans.iter().enumerate() {
        if let FilePlan::Parts { bounds, gzip, .. } = plan {
            for (part, w) in bounds.windows(2).enumerate() {
                work.push(Part {
                    file,
                    part,
                    start: w[0],
                    end: w[1],
                    gzip: *gzip,
                });
            }
        }
    }
    // biggest ranges first so the workers finish together
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by_key(|&i| (Reverse(work[i].end - work[i].start), i));

    let workers = threads.min(work.len()).max(1);
    let mut results: Vec<(usize, usize, FileSummary, Aggregator)> = if workers <= 1 {
        work.iter()
            .map(|w| {
                let (s, a) = scan_part(*w, &files[w.file], opts, &progress);
                (w.file, w.part, s, a)
            })
            .collect()
    } else {
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&wi) = order.get(i) else { break };
                            let w = work[wi];
                            let (s, a) = scan_part(w, &files[w.file], opts, &progress);
                            out.push((w.file, w.part, s, a));
                        }
                        out
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(work.len());
            for h in handles {
                match h.join() {
                    Ok(v) => all.extend(v),
                    Err(p) => std::panic::resume_unwind(p),
                }
            }
            all
        })
    };
    results.sort_by_key(|r| (r.0, r.1));

    let mut per_file: Vec<(usize, FileSummary, Aggregator)> = Vec::with_capacity(files.len());
    let mut results = results.into_iter().peekable();
    for (i, plan) in plans.into_iter().enumerate() {
        match plan {
            FilePlan::Failed(s) => per_file.push((i, *s, Aggregator::default())),
            FilePlan::Parts { size, .. } => {
                let mut parts = Vec::new();
                while let Some((_, _, s, a)) = results.next_if(|r| r.0 == i) {
                    parts.push((s, a));
                }
                let (s, a) = join_parts(size, parts, opts);
                per_file.push((i, s, a));
            }
        }
    }
    summarize(per_file, opts)
}

fn summarize(results: Vec<(usize, FileSummary, Aggregator)>, opts: &ScanOptions<'_>) -> LogSummary {
    let mut agg = Aggregator::default();
    let mut summary = LogSummary::default();
    let mut first: Option<(Timestamp, String)> = None;
    let mut last: Option<(Timestamp, String)> = None;
    for (_, fs, a) in results {
        agg.merge(a, opts);
        summary.bytes_read += fs.bytes_read;
        summary.lines += fs.lines;
        if let (Some(ts), Some(t)) = (fs.first_timestamp, &fs.first_time)
            && first.as_ref().is_none_or(|(f, _)| ts < *f)
        {
            first = Some((ts, t.clone()));
        }
        if let (Some(ts), Some(t)) = (fs.last_timestamp, &fs.last_time)
            && last.as_ref().is_none_or(|(l, _)| ts > *l)
        {
            last = Some((ts, t.clone()));
        }
        summary.files.push(fs);
    }
    summary.first_time = first.map(|f| f.1);
    summary.last_time = last.map(|l| l.1);
    summary.totals = agg.totals;
    summary.client_totals = agg.client_totals;
    summary.groups_overflow = agg.groups_overflow;
    summary.samples = agg.samples;
    summary.samples.sort_by_key(|a| (a.file, a.line));
    let mut groups: Vec<EventGroup> = agg.groups;
    groups.sort_by(group_order);
    summary.groups = groups;
    let mut cvs: Vec<ClientVersionCount> = agg.client_versions.into_values().collect();
    cvs.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.version.cmp(&b.version))
            .then_with(|| a.client.cmp(&b.client))
            .then_with(|| a.mode.cmp(&b.mode))
    });
    summary.client_versions = cvs;
    summary.client_versions_overflow = agg.client_versions_overflow;
    summary.gateway_versions = agg.gateway_versions.into_values().collect();
    summary
}

/// Scans an in-memory / arbitrary reader as a single file (path only labels it).
pub fn scan_reader<R: Read>(r: R, path: &Path, opts: &ScanOptions<'_>) -> LogSummary {
    let done = AtomicU64::new(0);
    let progress = |n: u64| {
        let total = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(cb) = opts.progress {
            cb(total);
        }
    };
    let (s, a) = scan_reader_into(r, 0, path, opts, &progress);
    summarize(vec![(0, s, a)], opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::fixtures::*;
    use std::io::Cursor;

    /// A small real-looking log: (line number -> what it is)
    /// 1 cron (noise), 2 non-local host, 3 auto-approved, 4 audit scope (conn d6df81d7),
    /// 5+6 client error x2, 7 close connect failed (conn d6df81d7), 8 res ok, 9 untrusted proxy,
    /// 10 close not-paired (conn 59180320), 11 the same close again (duplicate conn).
    fn sample_lines() -> Vec<&'static str> {
        vec![
            V7_CRON_STARTED,
            V7_NON_LOCAL_HOST,
            V7_AUTO_APPROVED,
            V7_AUDIT_SCOPE,
            V7_CLIENT_SCOPE,
            V7_CLIENT_SCOPE,
            V7_CLOSE_CONNECT_FAILED,
            V7_RES_OK,
            V7_UNTRUSTED_PROXY,
            V7_CLOSE_NOT_PAIRED,
            V7_CLOSE_NOT_PAIRED,
        ]
    }

    fn joined(lines: &[&str], eol: &str) -> Vec<u8> {
        let mut s = String::new();
        for l in lines {
            s.push_str(l);
            s.push_str(eol);
        }
        s.into_bytes()
    }

    fn run(bytes: &[u8], opts: &ScanOptions<'_>) -> LogSummary {
        scan_reader(Cursor::new(bytes.to_vec()), Path::new("mem.log"), opts)
    }

    /// (kind, side, line) of every group's first and last evidence.
    fn evidence(s: &LogSummary) -> Vec<(EventKind, Side, u64, u64, u64)> {
        s.groups
            .iter()
            .map(|g| (g.key.kind, g.key.side, g.count, g.first.line, g.last.line))
            .collect()
    }

    fn check_sample(s: &LogSummary) {
        let f = &s.files[0];
        assert_eq!(f.lines, 11);
        assert_eq!(f.duplicates, 2, "client repeat + repeated conn");
        assert_eq!(s.total(EventKind::PairingRequired), 2);
        assert_eq!(s.total(EventKind::AccessUpgrade), 1);
        assert_eq!(s.total(EventKind::AutoApproved), 1);
        assert_eq!(s.total(EventKind::NonLocalHost), 1);
        assert_eq!(s.total(EventKind::UntrustedProxy), 1);
        assert_eq!(s.total(EventKind::Unauthorized), 0);
        assert_eq!(s.client_total(EventKind::PairingRequired), 1);
        assert_eq!(
            evidence(s),
            vec![
                (EventKind::PairingRequired, Side::Client, 1, 5, 5),
                (EventKind::PairingRequired, Side::Gateway, 1, 7, 7),
                (EventKind::PairingRequired, Side::Gateway, 1, 10, 10),
                (EventKind::AccessUpgrade, Side::Gateway, 1, 4, 4),
                (EventKind::UntrustedProxy, Side::Gateway, 1, 9, 9),
                (EventKind::NonLocalHost, Side::Gateway, 1, 2, 2),
                (EventKind::AutoApproved, Side::Gateway, 1, 3, 3),
            ]
        );
        assert_eq!(
            f.first_time.as_deref(),
            Some("2026-11-21T11:07:37.271+00:00")
        );
        assert_eq!(
            f.last_time.as_deref(),
            Some("2026-11-21T11:08:23.478+00:00")
        );
    }

    #[test]
    fn real_lines_end_to_end() {
        let bytes = joined(&sample_lines(), "\n");
        let s = run(&bytes, &ScanOptions::default());
        check_sample(&s);
        assert_eq!(s.files[0].bytes_read, bytes.len() as u64);
        let g = s.groups_of(EventKind::PairingRequired).nth(2).unwrap();
        assert_eq!(g.key.reason.as_deref(), Some("not-paired"));
        assert_eq!(g.key.address.as_deref(), Some("203.0.113.10"));
        let a = s.groups_of(EventKind::AccessUpgrade).next().unwrap();
        assert_eq!(a.key.scopes_to, Some(vec!["operator.read".to_string()]));
        // serializes (camelCase)
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"pairingRequired\":2"));
        assert!(json.contains("\"scopesFrom\":[\"operator.pairing\"]"));
        assert!(json.contains("\"groupsOverflow\":0"));
    }

    #[test]
    fn lines_straddling_chunk_boundaries() {
        let bytes = joined(&sample_lines(), "\n");
        for chunk in [1, 2, 3, 7, 64, 333, 1000, 4096] {
            let opts = ScanOptions {
                chunk_size: chunk,
                max_line_len: 64 * 1024,
                ..ScanOptions::default()
            };
            let s = run(&bytes, &opts);
            check_sample(&s);
            assert_eq!(s.files[0].long_lines, 0, "chunk {chunk}");
        }
    }

    #[test]
    fn crlf_line_endings() {
        let bytes = joined(&sample_lines(), "\r\n");
        for chunk in [5, 512 * 1024] {
            let s = run(
                &bytes,
                &ScanOptions {
                    chunk_size: chunk,
                    ..ScanOptions::default()
                },
            );
            check_sample(&s);
            assert!(s.groups.iter().all(|g| !g.first.message.contains('\r')));
            assert!(s.samples.iter().all(|e| !e.message.ends_with(' ')));
        }
    }

    #[test]
    fn truncated_last_line() {
        let mut bytes = joined(&sample_lines()[..10], "\n");
        // a last line cut mid-JSON (writer killed)
        bytes.extend_from_slice(&V7_CLOSE_METADATA.as_bytes()[..200]);
        let s = run(
            &bytes,
            &ScanOptions {
                chunk_size: 13,
                ..ScanOptions::default()
            },
        );
        let f = &s.files[0];
        assert_eq!(f.lines, 11);
        assert_eq!(f.malformed_lines, 1);
        assert_eq!(s.total(EventKind::PairingRequired), 2);
        // a complete console line without a final newline is still read
        let mut bytes = joined(&[V7_CONSOLE_READY], "\n");
        bytes.extend_from_slice(V7_CONSOLE_AUDIT_METADATA.as_bytes());
        let s = run(&bytes, &ScanOptions::default());
        assert_eq!(s.files[0].lines, 2);
        let g = s.groups_of(EventKind::MetadataUpgrade).next().unwrap();
        assert_eq!(g.first.line, 2);
        assert_eq!(
            s.files[0].last_time.as_deref(),
            Some("2026-11-21T11:11:56.672+00:00")
        );
    }

    #[test]
    fn invalid_utf8_and_garbage_lines() {
        let mut bytes =
            b"\xff\xfe\x00garbage\x1b[31m\n{not json but has pairing required}\n".to_vec();
        let mut console = V7_CONSOLE_AUDIT_SCOPE.as_bytes().to_vec();
        console.splice(40..40, [0xc3, 0x28, 0xa0, 0xa1]);
        bytes.extend_from_slice(&console);
        bytes.push(b'\n');
        let s = run(
            &bytes,
            &ScanOptions {
                chunk_size: 3,
                ..ScanOptions::default()
            },
        );
        assert_eq!(s.files[0].lines, 3);
        assert_eq!(s.files[0].malformed_lines, 1);
        let g = s.groups_of(EventKind::AccessUpgrade).next().unwrap();
        assert_eq!(g.first.line, 3);
        assert!(g.first.message.contains('\u{fffd}') || g.first.message.contains("security audit"));
        assert_eq!(s.total(EventKind::AccessUpgrade), 1);
    }

    #[test]
    fn over_long_line_is_capped_and_skipped() {
        let max = 1024;
        let mut bytes = Vec::new();
        // line 1: a console event whose head fits the cap, then a huge tail that
        // also contains an event keyword (must not produce a second event)
        bytes.extend_from_slice(V7_CONSOLE_AUTO_APPROVED.as_bytes());
        bytes.extend(std::iter::repeat_n(b'x', 5000));
        bytes.extend_from_slice(b" Proxy headers detected from untrusted address.");
        bytes.extend(std::iter::repeat_n(b'y', 3000));
        bytes.push(b'\n');
        // line 2: an event after the long line keeps its right line number
        bytes.extend_from_slice(V7_CONSOLE_AUDIT_SCOPE.as_bytes());
        bytes.push(b'\n');
        // line 3: a long line at the very end without newline
        bytes.extend(std::iter::repeat_n(b'z', 3000));
        for chunk in [100, 1000, 64 * 1024] {
            let s = run(
                &bytes,
                &ScanOptions {
                    chunk_size: chunk,
                    max_line_len: max,
                    ..ScanOptions::default()
                },
            );
            let f = &s.files[0];
            assert_eq!(f.long_lines, 2, "chunk {chunk}");
            assert_eq!(f.lines, 3, "chunk {chunk}");
            assert_eq!(s.total(EventKind::AutoApproved), 1, "chunk {chunk}");
            assert_eq!(s.total(EventKind::UntrustedProxy), 0, "chunk {chunk}");
            let g = s.groups_of(EventKind::AccessUpgrade).next().unwrap();
            assert_eq!(g.first.line, 2, "chunk {chunk}");
            assert_eq!(f.bytes_read, bytes.len() as u64);
        }
    }

    #[test]
    fn group_cap_and_overflow() {
        let lines: Vec<String> = (0..7)
            .map(|i| {
                format!(
                    "2026-11-21T11:0{i}:00.000+00:00 [gateway] device pairing auto-approved device=dev{i} role=operator"
                )
            })
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let bytes = joined(&refs, "\n");
        let s = run(
            &bytes,
            &ScanOptions {
                max_groups: 3,
                max_samples: 2,
                ..ScanOptions::default()
            },
        );
        assert_eq!(s.groups.len(), 3);
        assert_eq!(s.groups_overflow, 4);
        assert_eq!(s.total(EventKind::AutoApproved), 7);
        assert_eq!(s.samples.len(), 2);
        let devs: Vec<_> = s
            .groups
            .iter()
            .map(|g| g.key.device_id.clone().unwrap())
            .collect();
        assert_eq!(devs, vec!["dev0", "dev1", "dev2"]);
    }

    #[test]
    fn groups_count_and_keep_first_and_last_evidence() {
        let lines = [
            "2026-11-21T11:00:00.000+00:00 [gateway] device pairing auto-approved device=a role=operator",
            "2026-11-21T11:00:01.000+00:00 [gateway] device pairing auto-approved device=b role=operator",
            "2026-11-21T11:00:02.000+00:00 [gateway] device pairing auto-approved device=a role=operator",
            "2026-11-21T11:00:03.000+00:00 [gateway] device pairing auto-approved device=a role=operator",
        ];
        let s = run(&joined(&lines, "\n"), &ScanOptions::default());
        assert_eq!(s.groups.len(), 2);
        let a = &s.groups[0];
        assert_eq!(a.key.device_id.as_deref(), Some("a"));
        assert_eq!(a.count, 3);
        assert_eq!((a.first.line, a.last.line), (1, 4));
        assert_eq!(
            a.first_time.as_deref(),
            Some("2026-11-21T11:00:00.000+00:00")
        );
        assert_eq!(
            a.last_time.as_deref(),
            Some("2026-11-21T11:00:03.000+00:00")
        );
        assert_eq!(s.groups[1].count, 1);
    }

    #[test]
    fn unauthorized_line_and_its_close_count_once() {
        let lines = [
            "2026-11-21T11:14:02.117+00:00 [ws] unauthorized conn=c-7 peer=127.0.0.1:1->127.0.0.1:28789 remote=127.0.0.1 client=cli cli v2026.7.35 role=operator scopes=0 auth=token device=no platform=linux instance=i host=127.0.0.1:28789 origin=n/a ua=n/a reason=token_mismatch",
            "2026-11-21T11:14:02.120+00:00 [ws] closed before connect conn=c-7 peer=127.0.0.1:1->127.0.0.1:28789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:28789 ua=n/a code=1008 reason=unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token) phase=auth_credentials_received",
            "2026-11-21T11:14:09.000+00:00 [ws] closed before connect conn=c-8 peer=127.0.0.1:1->127.0.0.1:28789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:28789 ua=n/a code=1008 reason=unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token) phase=auth_credentials_received",
        ];
        let s = run(&joined(&lines, "\n"), &ScanOptions::default());
        assert_eq!(s.total(EventKind::Unauthorized), 2);
        assert_eq!(s.files[0].duplicates, 1);
        assert_eq!(s.client_versions.len(), 1);
        assert_eq!(s.client_versions[0].version, "2026.7.35");
        assert_eq!(s.client_versions[0].client, "cli");
        assert_eq!(s.client_versions[0].count, 1);
    }

    #[test]
    fn time_window() {
        let bytes = joined(&sample_lines(), "\n");
        let since: Timestamp = "2026-11-21T11:08:00Z".parse().unwrap();
        let s = run(
            &bytes,
            &ScanOptions {
                since: Some(since),
                ..ScanOptions::default()
            },
        );
        // lines 2-7 are before 11:08 (the repeated client line included); the proxy
        // warning (11:08:18) and the two closes of conn 59180320 (11:08:23) are after
        assert_eq!(s.total(EventKind::PairingRequired), 1);
        assert_eq!(s.total(EventKind::UntrustedProxy), 1);
        assert_eq!(s.total(EventKind::AccessUpgrade), 0);
        assert_eq!(s.files[0].outside_window, 6);
        let until: Timestamp = "2026-11-21T11:07:45Z".parse().unwrap();
        let s = run(
            &bytes,
            &ScanOptions {
                until: Some(until),
                ..ScanOptions::default()
            },
        );
        assert_eq!(s.total(EventKind::NonLocalHost), 1);
        assert_eq!(s.total(EventKind::AutoApproved), 1);
        assert_eq!(s.total(EventKind::PairingRequired), 0);
    }

    #[test]
    fn several_files_concurrently_and_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.log");
        let b = tmp.path().join("b.log");
        let c = tmp.path().join("c.log");
        std::fs::write(&a, joined(&sample_lines(), "\n")).unwrap();
        std::fs::write(
            &b,
            joined(&[V7_CONSOLE_AUDIT_METADATA, V7_CONSOLE_READY], "\n"),
        )
        .unwrap();
        std::fs::write(&c, joined(&sample_lines()[..4], "\n")).unwrap();
        let missing = tmp.path().join("missing.log");
        let dir = tmp.path().to_path_buf();
        let files = vec![a.clone(), missing, b.clone(), dir, c.clone()];
        let total = std::sync::atomic::AtomicU64::new(0);
        let cb = |n: u64| {
            total.fetch_max(n, Ordering::Relaxed);
        };
        let mut results = Vec::new();
        for threads in [1, 2, 4] {
            let s = scan(
                &files,
                &ScanOptions {
                    threads,
                    chunk_size: 97,
                    progress: Some(&cb),
                    ..ScanOptions::default()
                },
            );
            assert_eq!(s.files.len(), 5);
            assert!(
                s.files[1]
                    .error
                    .as_deref()
                    .unwrap()
                    .starts_with("cannot open")
            );
            assert_eq!(s.files[3].error.as_deref(), Some("not a regular file"));
            assert_eq!(s.errors().count(), 2);
            assert_eq!(s.files[2].counts.get(&EventKind::MetadataUpgrade), Some(&1));
            let g = s.groups_of(EventKind::MetadataUpgrade).next().unwrap();
            assert_eq!((g.first.file, g.first.line), (2, 1));
            // the scope audit appears in a.log (line 4) and c.log (line 4): one group, two events
            let au = s.groups_of(EventKind::AccessUpgrade).next().unwrap();
            assert_eq!(au.count, 2);
            assert_eq!((au.first.file, au.last.file), (0, 4));
            assert_eq!(s.total(EventKind::AutoApproved), 2);
            let size = std::fs::metadata(&a).unwrap().len()
                + std::fs::metadata(&b).unwrap().len()
                + std::fs::metadata(&c).unwrap().len();
            assert_eq!(s.bytes_read, size);
            assert_eq!(s.files[0].size, std::fs::metadata(&a).unwrap().len());
            assert_eq!(total.load(Ordering::Relaxed), size);
            total.store(0, Ordering::Relaxed);
            results.push(serde_json::to_string(&s).unwrap());
        }
        assert_eq!(results[0], results[1]);
        assert_eq!(results[1], results[2]);
    }

    #[cfg(unix)]
    #[test]
    fn fifo_is_not_opened() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe.log");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return;
        }
        // would hang forever if the scanner opened the FIFO
        let s = scan(&[fifo], &ScanOptions::default());
        assert_eq!(s.files[0].error.as_deref(), Some("not a regular file"));
    }

    #[test]
    fn empty_input() {
        let s = run(b"", &ScanOptions::default());
        assert_eq!(s.files[0].lines, 0);
        assert!(s.groups.is_empty());
        let s = scan(&[], &ScanOptions::default());
        assert!(s.files.is_empty());
    }

    #[test]
    fn gzip_log_gives_the_same_summary_as_plain() {
        use std::io::Write;
        let tmp = tempfile::tempdir().unwrap();
        let text = joined(&sample_lines(), "\n");
        let plain = tmp.path().join("gateway.log");
        std::fs::write(&plain, &text).unwrap();
        let gz = |name: &str, members: usize| {
            let path = tmp.path().join(name);
            let mut out = Vec::new();
            // split across gzip members, as `cat a.gz b.gz` makes
            for part in text.chunks(text.len().div_ceil(members)) {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                enc.write_all(part).unwrap();
                out.extend(enc.finish().unwrap());
            }
            std::fs::write(&path, out).unwrap();
            path
        };
        let opts = ScanOptions {
            chunk_size: 100,
            split_min_bytes: 10,
            ..ScanOptions::default()
        };
        let reference = scan(std::slice::from_ref(&plain), &opts);
        check_sample(&reference);
        for (name, members) in [("gateway.log.1.gz", 1), ("rotated.log", 3)] {
            let path = gz(name, members);
            let s = scan(std::slice::from_ref(&path), &opts);
            check_sample(&s);
            assert_eq!(s.files[0].bytes_read, text.len() as u64, "{name}");
            assert_eq!(s.files[0].lines, reference.files[0].lines);
            assert_eq!(s.totals, reference.totals);
            assert_eq!(s.client_totals, reference.client_totals);
            assert_eq!(evidence(&s), evidence(&reference), "{name}");
            assert_eq!(s.first_time, reference.first_time);
            assert_eq!(s.last_time, reference.last_time);
            assert!(s.files[0].error.is_none());
        }
        // a broken gzip file is a read error, not a crash
        let broken = tmp.path().join("broken.log.gz");
        let mut bytes = std::fs::read(gz("x.gz", 1)).unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&broken, bytes).unwrap();
        let s = scan(&[broken], &opts);
        assert!(s.files[0].error.is_some());
    }

    #[test]
    fn one_big_file_split_into_ranges_gives_the_same_summary() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("big.log");
        let mut content = String::new();
        for i in 0..400 {
            match i % 4 {
                0 => content.push_str(&V7_AUDIT_SCOPE.replace(
                    "conn=d6df81d7-f4c1-41fe-9083-bd224af4ae5a",
                    &format!("conn=c{i}"),
                )),
                1 => content.push_str(V7_RES_OK),
                2 => content.push_str(&format!(
                    "2026-11-21T11:{:02}:{:02}.000+00:00 [gateway] device pairing auto-approved device=d{} role=operator",
                    i / 60,
                    i % 60,
                    i % 7
                )),
                _ => content.push_str(V7_CRON_STARTED),
            }
            content.push('\n');
        }
        std::fs::write(&path, &content).unwrap();
        let files = vec![path.clone()];
        let base = ScanOptions {
            threads: 1,
            ..ScanOptions::default()
        };
        let reference = scan(&files, &base);
        assert_eq!(reference.files[0].lines, 400);
        assert_eq!(reference.total(EventKind::AccessUpgrade), 100);
        assert_eq!(reference.total(EventKind::AutoApproved), 100);
        let ref_json = serde_json::to_string(&reference).unwrap();
        for (threads, split) in [(2, 1000), (3, 5000), (8, 777)] {
            let opts = ScanOptions {
                threads,
                split_min_bytes: split,
                chunk_size: 333,
                ..ScanOptions::default()
            };
            let plan = plan_file(0, &path, &opts, threads);
            let FilePlan::Parts { bounds, .. } = plan else {
                panic!("plan failed")
            };
            assert!(bounds.len() > 2, "file was not split");
            for b in &bounds[1..bounds.len() - 1] {
                assert_eq!(content.as_bytes()[*b as usize - 1], b'\n');
            }
            let s = scan(&files, &opts);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                ref_json,
                "threads {threads}"
            );
        }
    }

    #[test]
    fn versions_are_collected() {
        let lines = [
            V9_CLI_VERSION,
            V9_GATEWAY_VERSION,
            V9_GATEWAY_VERSION,
            "2026-11-21T11:14:02.117+00:00 [ws] unauthorized conn=c-1 remote=127.0.0.1 client=cli cli v2026.7.35 role=operator reason=token_mismatch",
            "2026-11-21T11:14:03.117+00:00 [ws] unauthorized conn=c-2 remote=127.0.0.1 client=cli cli v2026.7.35 role=operator reason=token_mismatch",
        ];
        let s = run(&joined(&lines, "\n"), &ScanOptions::default());
        let cv: Vec<(String, Option<String>, String, u64)> = s
            .client_versions
            .iter()
            .map(|c| (c.client.clone(), c.mode.clone(), c.version.clone(), c.count))
            .collect();
        assert_eq!(
            cv,
            vec![
                ("cli".into(), Some("cli".into()), "2026.7.35".into(), 2),
                ("cli".into(), None, "2026.9.6".into(), 1),
            ]
        );
        assert_eq!(s.gateway_versions.len(), 1);
        assert_eq!(s.gateway_versions[0].version, "2026.9.6");
        assert_eq!(s.gateway_versions[0].count, 2);
    }

    #[test]
    fn newline_counting() {
        let mut v = vec![b'a'; 1000];
        for i in (0..1000).step_by(7) {
            v[i] = b'\n';
        }
        let expected = v.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(count_newlines(&v), expected);
        assert_eq!(
            count_newlines(&v[3..517]),
            v[3..517].iter().filter(|&&b| b == b'\n').count() as u64
        );
        // 255+ newlines in one 64-byte block cannot overflow the u8 accumulator
        assert_eq!(count_newlines(&[b'\n'; 640]), 640);
    }
    #[test]
    fn approval_refusals_are_counted_per_side_and_grouped_by_reason() {
        let lines = [
            V7_CRON_STARTED,
            V7_AUTO_APPROVED,
            "2026-11-21T11:08:30.100+00:00 [gateway] device pairing approval denied request=dddebf55-06f9-46fc-a224-5e1ab9be7cc1 reason=device-ownership-mismatch",
            "2026-11-21T11:08:30.101+00:00 [ws] ⇄ res ✗ device.pair.approve 0ms errorCode=INVALID_REQUEST errorMessage=device pairing approval denied conn=a…b id=c…d",
            "2026-11-21T11:08:31.200+00:00 [gateway] device token revocation denied device=6921511370561864dc6614f1e3efcfafe0afb4a94b87f5315bf5f381c6ef9615 role=operator reason=caller-missing-scope scope=operator.admin",
            "2026-11-21T11:08:32.300+00:00 [ws] ⇄ res ✗ device.pair.approve 0ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin conn=e…f id=g…h",
            "2026-11-21T11:08:32.310+00:00 error [openclaw] CLI failed: GatewayClientRequestError: missing scope: operator.admin",
            "2026-11-21T11:08:40.000+00:00 [ws] ⇄ res ✗ status 0ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.read conn=i…j id=k…l",
            "2026-11-21T11:08:41.000+00:00 error This device can't approve its own scope upgrade. Approve it from the Control UI or another authorized device.",
        ];
        let s = run(&joined(&lines, "\n"), &ScanOptions::default());
        assert_eq!(s.total(EventKind::ApprovalRefused), 3);
        assert_eq!(s.client_total(EventKind::ApprovalRefused), 2);
        let mut reasons: Vec<(Side, String)> = s
            .groups_of(EventKind::ApprovalRefused)
            .map(|g| (g.key.side, g.key.reason.clone().unwrap_or_default()))
            .collect();
        reasons.sort();
        assert_eq!(
            reasons,
            [
                (Side::Gateway, "caller-missing-scope".to_owned()),
                (Side::Gateway, "device-ownership-mismatch".to_owned()),
                (Side::Gateway, "missing-scope".to_owned()),
                (Side::Client, "missing-scope".to_owned()),
                (Side::Client, "own-scope-upgrade".to_owned()),
            ]
        );
        let revoke = s
            .groups_of(EventKind::ApprovalRefused)
            .find(|g| g.key.reason.as_deref() == Some("caller-missing-scope"))
            .unwrap();
        assert_eq!(
            revoke.key.device_id.as_deref(),
            Some("6921511370561864dc6614f1e3efcfafe0afb4a94b87f5315bf5f381c6ef9615")
        );
        assert_eq!(
            revoke.first.fields.detail.as_deref(),
            Some("operator.admin")
        );
        assert_eq!(revoke.first.line, 5);
    }
}
