//! The bounded queue-id → sender map that joins `from=` lines to later events.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Longest queue id that is joined.
const MAX_QID: usize = 32;

/// A queue id stored inline.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    len: u8,
    bytes: [u8; MAX_QID],
}

impl Hash for Key {
    /// One word: the four 8-byte lanes and the length mixed together (the derived hash
    /// fed 33 bytes through the hasher one chunk at a time).
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut h = u64::from(self.len);
        for w in self.bytes.chunks_exact(8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        state.write_u64(h);
    }
}

impl Key {
    fn new(qid: &[u8]) -> Option<Key> {
        if qid.is_empty() || qid.len() > MAX_QID {
            return None;
        }
        let mut bytes = [0; MAX_QID];
        bytes[..qid.len()].copy_from_slice(qid);
        Some(Key {
            len: qid.len() as u8,
            bytes,
        })
    }

    /// The key of a qmail delivery number: `0xff` and the number (no queue id starts
    /// with `0xff`; [`Key::new`] takes any bytes, so a queue id that did would share
    /// keys with deliveries, which costs a wrong join, not memory).
    fn delivery(id: &[u8]) -> Option<Key> {
        if id.is_empty() || id.len() >= MAX_QID {
            return None;
        }
        let mut bytes = [0; MAX_QID];
        bytes[0] = 0xff;
        bytes[1..=id.len()].copy_from_slice(id);
        Some(Key {
            len: id.len() as u8 + 1,
            bytes,
        })
    }
}

/// A small multiplicative hasher (the keys are not attacker-chosen in a way that matters:
/// the map is bounded, so the worst case is slower, not larger).
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

struct Slot {
    key: Option<Key>,
    offset: u64,
    sender: Vec<u8>,
}

/// Remembers the most recent sender of each queue id seen within `horizon` bytes.
///
/// The entries form a ring in insertion order of at most `horizon / 16` entries: a
/// `from=` line is longer than 16 bytes, so no entry within the horizon is ever evicted
/// for room, and the join depends only on the byte distance between the lines — which
/// makes chunked (parallel) reading give the same result as sequential reading.
/// Insertions and lookups come in stream order, so entries older than the horizon are
/// dropped as soon as a newer line is inserted: the map stays as small as the horizon's
/// sender lines (it used to keep the last `horizon / 16` queue ids, far more than fit
/// in the caches).
pub(crate) struct SenderJoin {
    horizon: u64,
    map: HashMap<Key, usize, BuildHasherDefault<FxHasher>>,
    slots: Vec<Slot>,
    /// The oldest live slot.
    head: usize,
    /// Live slots.
    len: usize,
    cap: usize,
}

impl SenderJoin {
    pub(crate) fn new(horizon: usize) -> SenderJoin {
        let cap = (horizon / 16).max(1);
        SenderJoin {
            horizon: horizon as u64,
            map: HashMap::default(),
            slots: Vec::new(),
            head: 0,
            len: 0,
            cap,
        }
    }

    /// Forgets every entry but keeps the allocations (a reused join behaves exactly like
    /// a new one).
    pub(crate) fn reset(&mut self) {
        self.map.clear();
        self.head = 0;
        self.len = 0;
    }

    fn evict_oldest(&mut self) {
        let idx = self.head;
        if let Some(old) = self.slots[idx].key.take()
            && self.map.get(&old) == Some(&idx)
        {
            self.map.remove(&old);
        }
        self.head = (self.head + 1) % self.cap;
        self.len -= 1;
    }

    /// Records `sender` for `qid` from the line starting at `offset`.
    pub(crate) fn insert(&mut self, qid: &[u8], sender: &[u8], offset: u64) {
        if let Some(key) = Key::new(qid) {
            self.insert_key(key, &[sender], offset);
        }
    }

    /// Records the message and recipient of qmail delivery `id` (kept apart from the
    /// message ids by a key prefix that no queue id has).
    pub(crate) fn insert_delivery(&mut self, id: &[u8], msg: &[u8], recipient: &[u8], offset: u64) {
        if let Some(key) = Key::delivery(id) {
            self.insert_key(key, &[msg, b"\0", recipient], offset);
        }
    }

    /// The message and recipient of qmail delivery `id`, when its `starting delivery`
    /// line started within the horizon before `offset`.
    pub(crate) fn delivery(&self, id: &[u8], offset: u64) -> Option<(&[u8], &[u8])> {
        let v = self.value(Key::delivery(id)?, offset)?;
        let nul = memchr::memchr(0, v)?;
        Some((&v[..nul], &v[nul + 1..]))
    }

    /// Stores the concatenated `parts` (at most 1,024 bytes) under `key`.
    fn insert_key(&mut self, key: Key, parts: &[&[u8]], offset: u64) {
        // Entries beyond the horizon of this line are beyond that of every later lookup.
        while self.len > 0 && offset.saturating_sub(self.slots[self.head].offset) > self.horizon {
            self.evict_oldest();
        }
        if self.len == self.cap {
            self.evict_oldest();
        }
        let idx = (self.head + self.len) % self.cap;
        while self.slots.len() <= idx {
            self.slots.push(Slot {
                key: None,
                offset: 0,
                sender: Vec::new(),
            });
        }
        let slot = &mut self.slots[idx];
        slot.key = Some(key);
        slot.offset = offset;
        slot.sender.clear();
        for p in parts {
            let room = 1024 - slot.sender.len();
            slot.sender.extend_from_slice(&p[..p.len().min(room)]);
        }
        self.len += 1;
        self.map.insert(key, idx);
    }

    /// The sender of `qid` if a `from=` line for it started within the horizon before `offset`.
    pub(crate) fn get(&self, qid: &[u8], offset: u64) -> Option<&[u8]> {
        self.value(Key::new(qid)?, offset)
    }

    fn value(&self, key: Key, offset: u64) -> Option<&[u8]> {
        let slot = &self.slots[*self.map.get(&key)?];
        (offset.saturating_sub(slot.offset) <= self.horizon).then_some(&slot.sender[..])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_horizon() {
        let mut j = SenderJoin::new(64);
        j.insert(b"A", b"a@x", 0);
        assert_eq!(j.get(b"A", 10), Some(&b"a@x"[..]));
        assert_eq!(j.get(b"A", 100), None);
        for n in 0..100u64 {
            j.insert(format!("Q{n}").as_bytes(), b"s", n * 20);
        }
        assert!(j.map.len() <= 4 && j.slots.len() <= 4);
        assert_eq!(j.get(b"Q99", 1990), Some(&b"s"[..]));
    }

    #[test]
    fn deliveries_apart_from_queue_ids() {
        let mut j = SenderJoin::new(1 << 20);
        j.insert(b"17", b"s@x", 0);
        j.insert_delivery(b"17", b"4711", b"u@y", 10);
        assert_eq!(j.get(b"17", 20), Some(&b"s@x"[..]));
        assert_eq!(j.delivery(b"17", 20), Some((&b"4711"[..], &b"u@y"[..])));
        assert_eq!(j.delivery(b"18", 20), None);
        j.insert_delivery(b"17", b"4712", b"v@y", 30);
        assert_eq!(j.delivery(b"17", 40), Some((&b"4712"[..], &b"v@y"[..])));
    }
}
