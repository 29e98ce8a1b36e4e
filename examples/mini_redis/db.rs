//! The keyspace: string values, each with an optional deadline.
//!
//! # Invariants
//!
//! - A key has a deadline exactly when `expiries` holds `(deadline, seq)`
//!   for it, with the `seq` its entry keeps (`Db::set_deadline`,
//!   `Db::remove`): the index never names a key that is gone or a
//!   deadline that was replaced, so it never grows past the keys.
//! - A key whose deadline has passed is never seen: every read checks it
//!   first and removes it (`Db::live`), the lazy half of expiry. The
//!   active half is [`expire_keys`], a uniloop task sleeping until the
//!   earliest deadline, woken early (`changed`) when a sooner one is set.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::Duration;

use uniloop::sync::Event;
use uniloop::time::Instant;

/// The most keys one round of [`expire_keys`] removes before it lets the
/// connections run.
const EXPIRE_BATCH: usize = 1000;

/// The keyspace (one database, Redis's db 0).
pub struct Db {
    map: HashMap<Rc<[u8]>, Entry>,
    /// Keys by deadline; `seq` tells apart keys with the same deadline.
    expiries: BTreeMap<(Instant, u64), Rc<[u8]>>,
    seq: u64,
    /// Set when a deadline sooner than every other is added.
    changed: Rc<Event>,
}

struct Entry {
    value: Vec<u8>,
    expires: Option<(Instant, u64)>,
}

/// `INCR` on a value that is no integer, or that would overflow.
#[derive(Debug, PartialEq, Eq)]
pub enum IncrError {
    NotAnInteger,
    Overflow,
}

impl Db {
    pub fn new() -> Db {
        Db {
            map: HashMap::new(),
            expiries: BTreeMap::new(),
            seq: 0,
            changed: Rc::new(Event::new()),
        }
    }

    /// The value of `key`, unless it is missing or expired.
    pub fn get(&mut self, key: &[u8]) -> Option<&[u8]> {
        self.live(key).then(|| &self.map[key].value[..])
    }

    /// Set `key` to `value`. Its deadline becomes `expires`, or stays
    /// what it was if `keep_ttl`. With `only` = `Some(true)` (NX) the key
    /// must be missing, `Some(false)` (XX) present; returns whether it
    /// was set.
    pub fn set(
        &mut self,
        key: &[u8],
        value: &[u8],
        expires: Option<Instant>,
        keep_ttl: bool,
        only_if_missing: Option<bool>,
    ) -> bool {
        let present = self.live(key);
        if only_if_missing.is_some_and(|missing| missing == present) {
            return false;
        }
        match self.map.get_mut(key) {
            Some(entry) => {
                entry.value.clear();
                entry.value.extend_from_slice(value);
            }
            None => {
                let entry = Entry {
                    value: value.to_vec(),
                    expires: None,
                };
                self.map.insert(key.into(), entry);
            }
        }
        if !keep_ttl {
            self.set_deadline(key, expires);
        }
        true
    }

    /// Remove `key`; whether it was there (and live).
    pub fn remove(&mut self, key: &[u8]) -> bool {
        if !self.live(key) {
            return false;
        }
        self.set_deadline(key, None);
        self.map.remove(key);
        true
    }

    /// Whether `key` is there (and live).
    pub fn contains(&mut self, key: &[u8]) -> bool {
        self.live(key)
    }

    /// Add 1 to the integer in `key` (0 if missing), keeping its deadline.
    pub fn incr(&mut self, key: &[u8]) -> Result<i64, IncrError> {
        if !self.live(key) {
            self.set(key, b"1", None, false, None);
            return Ok(1);
        }
        let entry = self.map.get_mut(key).expect("a live key is in the map");
        let n = super::resp::parse_int(&entry.value).ok_or(IncrError::NotAnInteger)?;
        let n = n.checked_add(1).ok_or(IncrError::Overflow)?;
        entry.value.clear();
        entry.value.extend_from_slice(n.to_string().as_bytes());
        Ok(n)
    }

    /// Give `key` the deadline `at` (removing it if `at` has passed);
    /// whether the key was there.
    pub fn expire(&mut self, key: &[u8], at: Instant, now: Instant) -> bool {
        if !self.live(key) {
            return false;
        }
        if at <= now {
            self.remove(key);
        } else {
            self.set_deadline(key, Some(at));
        }
        true
    }

    /// The time `key` has left: `Err(-2)` if missing, `Err(-1)` if it has
    /// no deadline (Redis's `TTL` replies).
    pub fn ttl(&mut self, key: &[u8], now: Instant) -> Result<Duration, i64> {
        if !self.live(key) {
            return Err(-2);
        }
        match self.map[key].expires {
            Some((at, _)) => Ok(at.saturating_duration_since(now)),
            None => Err(-1),
        }
    }

    /// How many keys there are (expired ones not yet removed included).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Remove every key.
    pub fn clear(&mut self) {
        self.map.clear();
        self.expiries.clear();
    }

    /// Whether `key` is there, removing it first if its deadline passed
    /// (the clock is read only for a key with a deadline).
    fn live(&mut self, key: &[u8]) -> bool {
        let expires = match self.map.get(key) {
            None => return false,
            Some(entry) => entry.expires,
        };
        match expires {
            Some((at, _)) if at <= uniloop::time::now() => {
                self.set_deadline(key, None);
                self.map.remove(key);
                false
            }
            _ => true,
        }
    }

    /// Replace the deadline of `key` (which is in the map), in its entry
    /// and in the index.
    fn set_deadline(&mut self, key: &[u8], at: Option<Instant>) {
        let entry = self.map.get_mut(key).expect("the key is in the map");
        if let Some(old) = entry.expires.take() {
            self.expiries.remove(&old);
        }
        let Some(at) = at else { return };
        self.seq += 1;
        let slot = (at, self.seq);
        entry.expires = Some(slot);
        let soonest = self
            .expiries
            .first_key_value()
            .is_none_or(|(first, _)| slot < *first);
        let key = self.map.get_key_value(key).expect("still there").0.clone();
        self.expiries.insert(slot, key);
        if soonest {
            self.changed.set();
        }
    }

    /// Remove up to `limit` keys whose deadline is `now` or earlier;
    /// whether any are left.
    fn remove_expired(&mut self, now: Instant, limit: usize) -> bool {
        for _ in 0..limit {
            match self.expiries.first_key_value() {
                Some((&(at, _), _)) if at <= now => {
                    let (_, key) = self.expiries.pop_first().expect("just seen");
                    self.map.remove(&key);
                }
                _ => return false,
            }
        }
        true
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.expiries.first_key_value().map(|(&(at, _), _)| at)
    }
}

/// The active expiry: remove keys as their deadlines pass, so a key set
/// with `EX` and never read again does not stay in memory. Runs for as
/// long as the server does.
pub async fn expire_keys(db: Rc<std::cell::RefCell<Db>>) {
    let changed = db.borrow().changed.clone();
    loop {
        changed.clear();
        let (more, next) = {
            let mut db = db.borrow_mut();
            let more = db.remove_expired(uniloop::time::now(), EXPIRE_BATCH);
            (more, db.next_deadline())
        };
        if more {
            uniloop::yield_now().await;
            continue;
        }
        match next {
            // Sleeps until the deadline, or until a sooner one is set.
            Some(at) => drop(uniloop::timeout_at(at, changed.wait()).await),
            None => changed.wait().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused() -> uniloop::Runtime {
        uniloop::Runtime::builder()
            .paused_clock(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_key_expires_at_its_deadline_and_not_before() {
        paused().block_on(async {
            let db = Rc::new(std::cell::RefCell::new(Db::new()));
            let sweeper = uniloop::spawn(expire_keys(db.clone()));
            let start = uniloop::time::now();
            let at = start + Duration::from_secs(10);
            assert!(db.borrow_mut().set(b"k", b"v", Some(at), false, None));
            db.borrow_mut().set(b"forever", b"v", None, false, None);
            uniloop::time::advance(Duration::from_millis(9999)).await;
            let now = uniloop::time::now();
            assert_eq!(db.borrow_mut().ttl(b"k", now), Ok(Duration::from_millis(1)));
            assert_eq!(db.borrow().len(), 2);
            uniloop::time::advance(Duration::from_millis(1)).await;
            // Removed by the sweeper, not by a read.
            assert_eq!(db.borrow().len(), 1);
            assert_eq!(db.borrow().expiries.len(), 0);
            sweeper.cancel();
        });
    }

    #[test]
    fn a_sooner_deadline_wakes_the_sweeper_early() {
        paused().block_on(async {
            let db = Rc::new(std::cell::RefCell::new(Db::new()));
            let _sweeper = uniloop::spawn(expire_keys(db.clone()));
            let now = uniloop::time::now();
            db.borrow_mut().set(
                b"late",
                b"v",
                Some(now + Duration::from_secs(100)),
                false,
                None,
            );
            uniloop::yield_now().await; // the sweeper sleeps for 100 s
            db.borrow_mut().set(
                b"soon",
                b"v",
                Some(now + Duration::from_secs(1)),
                false,
                None,
            );
            uniloop::time::advance(Duration::from_secs(1)).await;
            assert_eq!(db.borrow().len(), 1);
        });
    }

    #[test]
    fn overwriting_replaces_the_deadline_in_the_index() {
        paused().block_on(async {
            let mut db = Db::new();
            let now = uniloop::time::now();
            for s in 1..=100 {
                db.set(b"k", b"v", Some(now + Duration::from_secs(s)), false, None);
            }
            assert_eq!(db.expiries.len(), 1);
            db.set(b"k", b"w", None, true, None); // KEEPTTL
            assert_eq!(db.ttl(b"k", now), Ok(Duration::from_secs(100)));
            db.set(b"k", b"w", None, false, None);
            assert_eq!(db.ttl(b"k", now), Err(-1));
            assert!(db.expiries.is_empty());
            assert!(db.remove(b"k"));
            assert_eq!(db.ttl(b"k", now), Err(-2));
        });
    }

    #[test]
    fn a_read_past_the_deadline_finds_nothing_without_the_sweeper() {
        paused().block_on(async {
            let mut db = Db::new();
            let at = uniloop::time::now() + Duration::from_millis(1500);
            db.set(b"k", b"v", Some(at), false, None);
            uniloop::time::advance(Duration::from_millis(1499)).await;
            assert_eq!(db.get(b"k"), Some(&b"v"[..]));
            assert_eq!(
                db.ttl(b"k", uniloop::time::now()),
                Ok(Duration::from_millis(1))
            );
            uniloop::time::advance(Duration::from_millis(1)).await;
            assert_eq!(db.len(), 1); // not swept: nobody runs `expire_keys`
            assert_eq!(db.get(b"k"), None);
            assert_eq!(db.len(), 0);
            assert!(db.expiries.is_empty());
        });
    }

    #[test]
    fn incr_counts_and_refuses_what_is_no_integer() {
        paused().block_on(async {
            let mut db = Db::new();
            assert_eq!(db.incr(b"n"), Ok(1));
            assert_eq!(db.incr(b"n"), Ok(2));
            assert_eq!(db.get(b"n"), Some(&b"2"[..]));
            db.set(b"s", b"abc", None, false, None);
            assert_eq!(db.incr(b"s"), Err(IncrError::NotAnInteger));
            db.set(b"m", i64::MAX.to_string().as_bytes(), None, false, None);
            assert_eq!(db.incr(b"m"), Err(IncrError::Overflow));
        });
    }

    #[test]
    fn nx_and_xx_set_only_a_missing_or_a_present_key() {
        paused().block_on(async {
            let mut db = Db::new();
            assert!(!db.set(b"k", b"1", None, false, Some(false)));
            assert!(db.set(b"k", b"1", None, false, Some(true)));
            assert!(!db.set(b"k", b"2", None, false, Some(true)));
            assert!(db.set(b"k", b"3", None, false, Some(false)));
            assert_eq!(db.get(b"k"), Some(&b"3"[..]));
        });
    }
}
