//! The matcher's tables of short ASCII words (keyed by their bytes and length in one or two
//! machine words) to their elements: flat open-addressing tables, each key beside its value.
//! A general hash map keeps its control bytes apart from its entries, so a lookup that misses
//! the CPU's caches misses twice; this one reads one entry (and rarely the next). Nearly every
//! word of a text is looked up here.

/// A word's key: its bytes and its length, never 0 (the length is at least 1), so 0 marks an
/// empty slot.
pub(super) trait Key: Copy + Eq + std::fmt::Debug {
    const EMPTY: Self;
    /// The bits a slot is chosen by: every byte of the word mixed into the top ones.
    fn mix(self) -> u64;
}

impl Key for u64 {
    const EMPTY: u64 = 0;
    #[inline]
    fn mix(self) -> u64 {
        // Fibonacci hashing.
        self.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

impl Key for u128 {
    const EMPTY: u128 = 0;
    #[inline]
    fn mix(self) -> u64 {
        ((self as u64).mix() ^ (self >> 64) as u64).mix()
    }
}

/// See the module doc.
#[derive(Debug, Clone)]
pub(super) struct WordTable<K: Key> {
    slots: Box<[(K, (u32, u32))]>,
    /// 64 less the log2 of the slots: a key's home slot is the top bits of its product.
    shift: u32,
    len: usize,
}

/// Slots of a new or cleared table.
const FIRST_BITS: u32 = 10;

impl<K: Key> WordTable<K> {
    pub(super) fn new() -> WordTable<K> {
        WordTable::with_bits(FIRST_BITS)
    }

    fn with_bits(bits: u32) -> WordTable<K> {
        WordTable {
            slots: vec![(K::EMPTY, (0, 0)); 1 << bits].into_boxed_slice(),
            shift: 64 - bits,
            len: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Empty, and back to its first size.
    pub(super) fn clear(&mut self) {
        *self = WordTable::new();
    }

    #[inline]
    fn home(&self, key: K) -> usize {
        (key.mix() >> self.shift) as usize
    }

    /// The value of `key` (not 0), if it is in the table.
    #[inline]
    pub(super) fn get(&self, key: K) -> Option<(u32, u32)> {
        debug_assert_ne!(key, K::EMPTY);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let (k, v) = self.slots[i];
            if k == key {
                return Some(v);
            }
            if k == K::EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Set `key` (not 0) to `value`. At most half the slots are used, so probes stay short.
    pub(super) fn insert(&mut self, key: K, value: (u32, u32)) {
        assert_ne!(key, K::EMPTY, "a word's key holds its length");
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = &mut self.slots[i];
            if slot.0 == key {
                slot.1 = value;
                return;
            }
            if slot.0 == K::EMPTY {
                *slot = (key, value);
                self.len += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bits = 64 - self.shift + 1;
        let old = std::mem::replace(self, WordTable::with_bits(bits));
        for &(k, v) in old.slots.iter().filter(|s| s.0 != K::EMPTY) {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// The table against std's map: the same answers after any inserts, with keys that
        /// collide (few distinct low bytes) and enough of them to grow it several times.
        #[test]
        fn agrees_with_a_hash_map(
            ops in prop::collection::vec((1u64..5000, any::<u32>(), any::<bool>()), 0..3000)
        ) {
            let mut table = WordTable::<u64>::new();
            let mut wide = WordTable::<u128>::new();
            let mut want: HashMap<u64, (u32, u32)> = HashMap::new();
            for (k, v, spread) in ops {
                // Half the keys shifted high, as word bytes are: home slots from the top bits.
                let key = if spread { k << 40 | 7 } else { k };
                table.insert(key, (v, v / 2));
                wide.insert(u128::from(key) << 64 | 1, (v, v / 2));
                want.insert(key, (v, v / 2));
                prop_assert_eq!(table.len(), want.len());
                prop_assert_eq!(wide.len(), want.len());
            }
            for (&k, &v) in &want {
                prop_assert_eq!(table.get(k), Some(v));
                prop_assert_eq!(wide.get(u128::from(k) << 64 | 1), Some(v));
            }
            for k in 5000..5100u64 {
                prop_assert_eq!(table.get(k), want.get(&k).copied());
                prop_assert_eq!(wide.get(u128::from(k) << 64 | 1), want.get(&k).copied());
            }
        }
    }

    #[test]
    fn clear_empties_and_shrinks() {
        let mut t = WordTable::<u64>::new();
        for k in 1..5000 {
            t.insert(k, (k as u32, 1));
        }
        assert_eq!(t.len(), 4999);
        assert!(t.slots.len() >= 2 * 4999);
        t.clear();
        assert_eq!((t.len(), t.get(7)), (0, None));
        assert_eq!(t.slots.len(), 1 << FIRST_BITS);
    }
}
