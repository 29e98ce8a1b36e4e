//! How many cases a model test runs.

/// `default`, unless `UNILOOP_MODEL_CASES` says otherwise: CI's valgrind
/// step runs fewer cases (every case is ~50× slower there, and a memory
/// error shows in a few cases as well as in hundreds); the test step runs
/// them all.
pub fn cases(default: u32) -> u32 {
    std::env::var("UNILOOP_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}
