//! Finds the registered secrets in a text: leftmost-longest, non-overlapping, like an
//! Aho-Corasick automaton, but fast with tens of thousands of patterns (a 10 000-device state
//! registers 20 000 token forms), where an automaton scans at ~100 MB/s and takes a while to
//! build. Every pattern is at least `ANCHOR` bytes long; its first `ANCHOR` bytes are hashed
//! into a bitmap, so most text positions are dismissed by one bit test; the rest are checked
//! against the patterns sharing that head, longest first.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hash for the short byte keys of the look-ups made at most text positions (SipHash
/// was a fifth of the redactor's time). The keys come from the state's own secrets.
#[derive(Default, Clone, Copy)]
pub(super) struct Fold(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for Fold {
    fn finish(&self) -> u64 {
        // the product's well-mixed high bits into the low ones the table indexes by
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fold>>;
pub(super) type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fold>>;

/// Bytes of a pattern's head. Patterns must be at least this long.
pub(super) const ANCHOR: usize = 6;
const BITS_LOG2: u32 = 20;

#[derive(Debug, Clone)]
pub(super) struct KnownSet {
    /// Bit `h(head)` is set for the head of every pattern.
    bitmap: Vec<u64>,
    /// head -> pattern indices, longest pattern first.
    heads: FastMap<[u8; ANCHOR], Vec<usize>>,
    patterns: Vec<Vec<u8>>,
}

fn head_of(b: &[u8]) -> Option<[u8; ANCHOR]> {
    b.get(..ANCHOR)?.try_into().ok()
}

fn bit(head: &[u8; ANCHOR]) -> usize {
    let mut w = [0u8; 8];
    w[..ANCHOR].copy_from_slice(head);
    (u64::from_le_bytes(w).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS_LOG2)) as usize
}

impl KnownSet {
    /// `None` when a pattern is shorter than `ANCHOR` (the caller keeps an automaton then).
    pub(super) fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Option<KnownSet> {
        let patterns: Vec<Vec<u8>> = patterns
            .into_iter()
            .map(|p| p.as_bytes().to_vec())
            .collect();
        let mut bitmap = vec![0u64; (1 << BITS_LOG2) / 64];
        let mut heads: FastMap<[u8; ANCHOR], Vec<usize>> = FastMap::default();
        for (i, p) in patterns.iter().enumerate() {
            let h = head_of(p)?;
            let b = bit(&h);
            bitmap[b / 64] |= 1 << (b % 64);
            heads.entry(h).or_default().push(i);
        }
        for ids in heads.values_mut() {
            // longest first; equal lengths in registration order (the automaton's tie-break)
            ids.sort_by_key(|&i| (std::cmp::Reverse(patterns[i].len()), i));
        }
        Some(KnownSet {
            bitmap,
            heads,
            patterns,
        })
    }

    /// (start, end, pattern index) of every match, left to right, not overlapping; at a
    /// position where several patterns match, the longest.
    pub(super) fn find_all(&self, text: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + ANCHOR <= text.len() {
            let h: [u8; ANCHOR] = text[i..i + ANCHOR].try_into().expect("ANCHOR bytes");
            let b = bit(&h);
            if self.bitmap[b / 64] & (1 << (b % 64)) != 0
                && let Some(ids) = self.heads.get(&h)
                && let Some(&id) = ids
                    .iter()
                    .find(|&&id| text[i..].starts_with(&self.patterns[id]))
            {
                let end = i + self.patterns[id].len();
                out.push((i, end, id));
                i = end;
                continue;
            }
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};

    /// A small deterministic generator (no test dependency needed).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn text(&mut self, n: usize, alphabet: &[u8]) -> String {
            (0..n)
                .map(|_| alphabet[self.next() as usize % alphabet.len()] as char)
                .collect()
        }
    }

    #[test]
    fn same_matches_as_a_leftmost_longest_automaton() {
        let mut g = Lcg(7);
        // a tiny alphabet makes overlaps, shared heads and prefixes of each other common
        let alphabet = b"abc";
        for round in 0..200 {
            let n = 1 + g.next() as usize % 12;
            let mut pats: Vec<String> = Vec::new();
            for _ in 0..n {
                let len = ANCHOR + g.next() as usize % 5;
                let p = g.text(len, alphabet);
                if !pats.contains(&p) {
                    pats.push(p);
                }
            }
            let text = g.text(300, alphabet);
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&pats)
                .unwrap();
            let want: Vec<(usize, usize, usize)> = ac
                .find_iter(&text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            let set = KnownSet::new(pats.iter().map(String::as_str)).unwrap();
            assert_eq!(
                set.find_all(text.as_bytes()),
                want,
                "round {round}: {pats:?}"
            );
        }
    }

    #[test]
    fn short_patterns_are_refused_and_ends_are_searched() {
        assert!(KnownSet::new(["12345"]).is_none());
        let set = KnownSet::new(["secret", "secret-longer"]).unwrap();
        assert_eq!(set.find_all(b"secret"), vec![(0, 6, 0)]);
        assert_eq!(set.find_all(b"x secret-longer"), vec![(2, 15, 1)]);
        assert_eq!(set.find_all(b"secre"), vec![]);
    }
}
