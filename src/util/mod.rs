//! Building blocks shared by the runtime and the public layers. Nothing
//! here knows about tasks, drivers or the loop.
//!
//! - [`linked_slab`]: doubly linked lists threaded through one slab (the
//!   wait lists, the timer wheel's slots).
//! - [`wait_list`]: the FIFO of waiting futures under every primitive, and
//!   the RAII entry each waiting future holds.
//! - [`wake_batch`]: wakers collected under a borrow, woken after it.
//! - [`oneshot`]: a value handed from one thread to another once (a
//!   blocking job's result, a remote task's output).
//! - [`panic`]: a caught panic's payload, and its message.
//! - [`sync`]: `std::sync`, or `loom`'s model of it under `cfg(uniloop_loom)`.

pub(crate) mod linked_slab;
pub(crate) mod oneshot;
pub(crate) mod panic;
pub(crate) mod sync;
pub(crate) mod wait_list;
pub(crate) mod wake_batch;
