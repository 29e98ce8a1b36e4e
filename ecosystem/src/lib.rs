//! Nothing here: the tests (`tests/`) run uniloop with its optional
//! features against the crates they are for, and run the examples
//! (`examples/`): those of the crate docs' Ecosystem chapter
//! (`uniloop::ecosystem`, `docs/ecosystem.md`), `http_hello` and
//! `http_client`, and `http_hello_tokio`, the HTTP benchmark's tokio peer.
