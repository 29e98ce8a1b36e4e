//! `WakeBatch`: wakers collected under a borrow (or lock) and woken after
//! it is released, used by every primitive, the time driver and the
//! reactor.
//!
//! Waking can run user code: a foreign waker, or a waker whose wake
//! re-enters the primitive that woke it. So no `RefCell` borrow or lock is
//! held across a wake: collect, release, then wake (the ground rule of
//! `STYLE.md`). The first waker is held inline, so the common batch of one
//! allocates nothing.

use std::task::Waker;

/// Wakers to wake once the borrow that found them is released.
#[must_use = "a batch that is dropped wakes nobody: call wake()"]
pub(crate) struct WakeBatch {
    one: Option<Waker>,
    more: Vec<Waker>,
}

impl WakeBatch {
    #[inline]
    pub(crate) const fn new() -> WakeBatch {
        WakeBatch {
            one: None,
            more: Vec::new(),
        }
    }

    /// Add `waker`, if there is one.
    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.one.is_none() {
            self.one = Some(waker);
        } else {
            self.more.push(waker);
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.one.is_none()
    }

    /// Wake them all, in the order they were pushed.
    #[inline]
    pub(crate) fn wake(self) {
        if let Some(one) = self.one {
            one.wake();
        }
        if !self.more.is_empty() {
            self.more.into_iter().for_each(Waker::wake);
        }
    }
}

impl Default for WakeBatch {
    fn default() -> WakeBatch {
        WakeBatch::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    struct Record(usize, Arc<Mutex<Vec<usize>>>);

    impl Wake for Record {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn wakes_in_push_order_and_skips_none() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut batch = WakeBatch::new();
        assert!(batch.is_empty());
        for i in 0..4 {
            batch.push(Some(Waker::from(Arc::new(Record(i, log.clone())))));
            batch.push(None);
        }
        batch.wake();
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3]);
    }
}
