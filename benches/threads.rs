//! Threads: `to_thread` round trips and `Handle::spawn` from other threads,
//! against tokio. (Filled in with issue 8.)

fn main() {}
