//! Nothing here: the tests (`tests/`) run uniloop with its optional
//! features against the crates they are for, and the examples
//! (`examples/`: `http_hello`, `http_client`, and `http_hello_tokio`, the
//! benchmark's tokio peer) need those crates too.
