//! Nothing here: the tests (`tests/`) run uniloop with its optional
//! features against the crates they are for.
