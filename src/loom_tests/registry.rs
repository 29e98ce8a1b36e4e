//! The registry against a concurrent drop: a runtime being dropped on one
//! thread while another starts a runtime (which may take the dropped one's
//! id) and wakes its task. The wake must reach the new runtime, whatever
//! the interleaving, even from a thread whose cache still points at the
//! old runtime's inbox.
//!
//! The dropping thread does what `Core::shut_down` does, in its order:
//! close the inbox, then (last) free the id. Freeing the id first (the
//! order before issue 15) fails this model: the new runtime can take the
//! id while the old inbox is still open, and the cached inbox swallows the
//! wake.

use std::cell::RefCell;
use std::sync::Arc;

use loom::thread;

use super::model;
use crate::runtime::driver::inbox::{Inbox, LoopWaker, Message};
use crate::runtime::driver::registry::Registry;
use crate::runtime::waker::TaskRef;
use crate::util::sync::AtomicUsize;

fn inbox() -> Arc<Inbox> {
    Arc::new(Inbox::new(LoopWaker::Count(Arc::new(AtomicUsize::new(0)))))
}

#[test]
fn a_wake_reaches_the_runtime_it_was_made_for_while_another_is_dropped() {
    model(|| {
        let registry = Arc::new(Registry::new());
        let old = inbox();
        let old_id = registry.register(old.clone()).unwrap();
        // This thread last woke a task of the old runtime: its cache holds
        // that inbox.
        let cache = RefCell::new((old_id, Arc::downgrade(&old)));
        let dropping = {
            let (registry, old) = (registry.clone(), old.clone());
            thread::spawn(move || {
                old.close();
                registry.unregister(old_id);
            })
        };
        let new = inbox();
        let new_id = registry.register(new.clone()).unwrap();
        registry.wake(TaskRef::new(new_id, 5, 1), &cache);
        dropping.join().unwrap();
        new.nudge();
        let mut got = Vec::new();
        new.drain(&mut got);
        assert!(
            matches!(got.as_slice(), [Message::Wake(task)] if task.key() == 5),
            "the wake did not reach the runtime it was made for (id {new_id})"
        );
    });
}
