//! Nothing here: the tests (`tests/`) run uniloop with its optional
//! features against the crates they are for, and run the examples
//! (`examples/`) of the crate docs' Ecosystem chapter
//! (`uniloop::ecosystem`, `docs/ecosystem.md`).
