//! `TaskSlab`: the runtime's tasks by key, one word per entry.
//!
//! `slab::Slab<RawTask>` would spend two words on each entry (its vacant
//! entries keep the free list's next key beside the tag); here an entry is
//! an `Option<RawTask>`, one word thanks to the pointer's niche, and the
//! free keys wait in a stack of their own. A runtime with 100 000 live
//! tasks keeps 8 bytes per task in its slab instead of 16.
//!
//! # Invariants
//!
//! - `free` holds exactly the keys of the `None` entries, each once; the
//!   last one pushed is reused first (as `slab::Slab` does).
//! - A slab that empties starts again from key 0 (`remove`): spawning
//!   then walks the entries upwards, as it did the first time, instead of
//!   popping a stack of free keys as long as the slab (a cache miss every
//!   few spawns when it is larger than the cache). Stale addresses of the
//!   keys it reuses are caught by their generation, as always.

use super::RawTask;

pub(crate) struct TaskSlab {
    entries: Vec<Option<RawTask>>,
    free: Vec<u32>,
}

impl TaskSlab {
    pub(crate) const fn new() -> TaskSlab {
        TaskSlab {
            entries: Vec::new(),
            free: Vec::new(),
        }
    }

    /// The key the next [`insert`](Self::insert) will use.
    #[inline]
    pub(crate) fn vacant_key(&self) -> usize {
        match self.free.last() {
            Some(&key) => key as usize,
            None => self.entries.len(),
        }
    }

    /// Store `task` at [`vacant_key`](Self::vacant_key); its key.
    ///
    /// # Panics
    ///
    /// Past `u32::MAX` entries (the scheduler stops far below).
    #[inline]
    pub(crate) fn insert(&mut self, task: RawTask) -> usize {
        match self.free.pop() {
            Some(key) => {
                let key = key as usize;
                let slot = &mut self.entries[key];
                debug_assert!(slot.is_none());
                // SAFETY: `free` holds only keys of `None` entries (module
                // invariants): there is nothing to drop, and writing
                // without reading the old value first spares a cache miss
                // per spawn in a slab larger than the cache.
                unsafe { std::ptr::write(slot, Some(task)) };
                key
            }
            None => {
                let key = self.entries.len();
                assert!(u32::try_from(key).is_ok(), "uniloop: task slab full");
                self.entries.push(Some(task));
                key
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: usize) -> Option<&RawTask> {
        self.entries.get(key)?.as_ref()
    }

    /// Take the task at `key` out.
    ///
    /// # Panics
    ///
    /// If there is none (the scheduler removes only what it found).
    #[inline]
    pub(crate) fn remove(&mut self, key: usize) -> RawTask {
        let task = self.entries[key]
            .take()
            .expect("TaskSlab::remove of a vacant key");
        // `key` is below `entries.len()`, which `insert` keeps in `u32`.
        self.free.push(key as u32);
        if self.free.len() == self.entries.len() {
            // Empty: start again from key 0 (module invariants). Every
            // entry is `None`: nothing is dropped.
            self.free.clear();
            self.entries.clear();
        }
        task
    }

    /// Every task, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &RawTask> {
        self.entries.iter().flatten()
    }

    /// Take every task out, in key order, and forget the keys.
    pub(crate) fn drain(&mut self) -> Vec<RawTask> {
        self.free.clear();
        self.entries.drain(..).flatten().collect()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.iter().count()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::runtime::task::cell::{Header, Kind, TaskCell};
    use crate::runtime::task::TaskId;
    use crate::runtime::waker::TaskRef;

    fn task(id: u64) -> RawTask {
        let header = Header::new(
            TaskId(id),
            None,
            std::panic::Location::caller(),
            Kind::Task,
            TaskRef::new(0, 0, 0),
            false,
            TaskCell::<std::future::Ready<u64>>::VTABLE,
        );
        TaskCell::allocate(|| header, std::future::ready(id)).0
    }

    #[test]
    fn an_entry_is_one_word() {
        assert_eq!(std::mem::size_of::<Option<RawTask>>(), 8);
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert,
        Remove(usize),
    }

    proptest! {
        /// Against a map from key to task: every insert takes the key
        /// `vacant_key` announced, one no live task holds (the lowest free
        /// one only after the slab emptied: then 0); every remove gives
        /// back what was inserted under that key; iteration and drain go
        /// in key order.
        #[test]
        fn behaves_as_a_map_of_keys(ops in proptest::collection::vec(
            prop_oneof![3 => Just(Op::Insert), 2 => (0usize..64).prop_map(Op::Remove)], 0..300))
        {
            let mut ours = TaskSlab::new();
            let mut model = std::collections::BTreeMap::<usize, u64>::new();
            let mut next = 0u64;
            for op in ops {
                match op {
                    Op::Insert => {
                        let vacant = ours.vacant_key();
                        prop_assert!(!model.contains_key(&vacant));
                        if model.is_empty() {
                            prop_assert_eq!(vacant, 0);
                        }
                        let key = ours.insert(task(next));
                        prop_assert_eq!(key, vacant);
                        model.insert(key, next);
                        next += 1;
                    }
                    Op::Remove(i) => {
                        let Some(&key) = model.keys().nth(i % model.len().max(1)) else {
                            continue;
                        };
                        let id = model.remove(&key).unwrap();
                        prop_assert_eq!(ours.remove(key).header().id, TaskId(id));
                    }
                }
                prop_assert_eq!(ours.len(), model.len());
                for (&key, &id) in &model {
                    prop_assert_eq!(ours.get(key).map(|t| t.header().id), Some(TaskId(id)));
                }
                let ids: Vec<u64> = ours.iter().map(|t| t.header().id.0).collect();
                let expected: Vec<u64> = model.values().copied().collect();
                prop_assert_eq!(ids, expected);
            }
            let drained: Vec<u64> = ours.drain().iter().map(|t| t.header().id.0).collect();
            let expected: Vec<u64> = model.into_values().collect();
            prop_assert_eq!(drained, expected);
            prop_assert_eq!(ours.vacant_key(), 0);
        }
    }
}
