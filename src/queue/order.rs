//! The order a [`Queue`](super::Queue) hands its items out in: FIFO, LIFO
//! or smallest first.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

mod sealed {
    pub trait Sealed {}
}

/// The order of a [`GenericQueue`](super::GenericQueue): [`Fifo`] ([`Queue`](super::Queue)),
/// [`Lifo`] ([`LifoQueue`](super::LifoQueue)) or [`Priority`]
/// ([`PriorityQueue`](super::PriorityQueue)). Sealed: these three are all.
///
/// # Examples
///
/// ```
/// use uniloop::queue::{GenericQueue, Lifo};
///
/// let stack: GenericQueue<i32, Lifo> = GenericQueue::unbounded();
/// stack.put_nowait(1).unwrap();
/// stack.put_nowait(2).unwrap();
/// assert_eq!(stack.get_nowait(), Ok(2));
/// ```
pub trait Order<T>: sealed::Sealed {
    /// Where the items wait.
    #[doc(hidden)]
    type Store: Default;
    /// Store item number `seq` (numbers grow in put order).
    #[doc(hidden)]
    fn push(store: &mut Self::Store, seq: u64, item: T);
    #[doc(hidden)]
    fn pop(store: &mut Self::Store) -> Option<T>;
    /// Put back item number `seq`, taken out before some stored items were
    /// put, so that it comes out where it would have.
    #[doc(hidden)]
    fn unpop(store: &mut Self::Store, seq: u64, item: T);
    #[doc(hidden)]
    fn len(store: &Self::Store) -> usize;
}

/// First in, first out (≙ `asyncio.Queue`).
///
/// # Examples
///
/// ```
/// let queue: uniloop::queue::GenericQueue<i32, uniloop::queue::Fifo> = uniloop::queue::Queue::new(0);
/// # let _ = queue;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Fifo;

/// Last in, first out (≙ `asyncio.LifoQueue`).
///
/// # Examples
///
/// ```
/// let stack = uniloop::queue::LifoQueue::<i32>::new(0);
/// # let _ = stack;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Lifo;

/// Smallest first (≙ `asyncio.PriorityQueue`, a `heapq`); equal items
/// come out in no particular order.
///
/// # Examples
///
/// ```
/// let queue = uniloop::queue::PriorityQueue::<i32>::new(0);
/// # let _ = queue;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Priority;

impl sealed::Sealed for Fifo {}
impl sealed::Sealed for Lifo {}
impl sealed::Sealed for Priority {}

impl<T> Order<T> for Fifo {
    /// Oldest first, with put-order numbers.
    type Store = VecDeque<(u64, T)>;
    fn push(store: &mut VecDeque<(u64, T)>, seq: u64, item: T) {
        store.push_back((seq, item));
    }
    fn pop(store: &mut VecDeque<(u64, T)>) -> Option<T> {
        store.pop_front().map(|(_, item)| item)
    }
    fn unpop(store: &mut VecDeque<(u64, T)>, seq: u64, item: T) {
        let at = store.partition_point(|(stored, _)| *stored < seq);
        store.insert(at, (seq, item));
    }
    fn len(store: &VecDeque<(u64, T)>) -> usize {
        store.len()
    }
}

impl<T> Order<T> for Lifo {
    /// Oldest at the bottom, with put-order numbers.
    type Store = Vec<(u64, T)>;
    fn push(store: &mut Vec<(u64, T)>, seq: u64, item: T) {
        store.push((seq, item));
    }
    fn pop(store: &mut Vec<(u64, T)>) -> Option<T> {
        store.pop().map(|(_, item)| item)
    }
    fn unpop(store: &mut Vec<(u64, T)>, seq: u64, item: T) {
        let at = store.partition_point(|(stored, _)| *stored < seq);
        store.insert(at, (seq, item));
    }
    fn len(store: &Vec<(u64, T)>) -> usize {
        store.len()
    }
}

impl<T: Ord> Order<T> for Priority {
    type Store = BinaryHeap<Reverse<T>>;
    fn push(store: &mut BinaryHeap<Reverse<T>>, _seq: u64, item: T) {
        store.push(Reverse(item));
    }
    fn pop(store: &mut BinaryHeap<Reverse<T>>) -> Option<T> {
        store.pop().map(|Reverse(item)| item)
    }
    fn unpop(store: &mut BinaryHeap<Reverse<T>>, _seq: u64, item: T) {
        store.push(Reverse(item));
    }
    fn len(store: &BinaryHeap<Reverse<T>>) -> usize {
        store.len()
    }
}
