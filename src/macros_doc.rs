//! Doc tests of [`main`](crate::main) and [`test`](crate::test), compiled
//! only by `cargo test --doc`.
//!
//! The attributes' own docs live in the `uniloop-macros` crate, which cannot
//! run their examples (it would need `uniloop`, which depends on it): they
//! run here. The misuses below must fail to compile; `macros/src/tests.rs`
//! checks the exact message and the tokens each error points at.

#[doc = include_str!("../macros/doc/main.md")]
pub struct MainDocs;

#[doc = include_str!("../macros/doc/test.md")]
pub struct TestDocs;

/// `#[uniloop::main]` on a function that is not `async`:
///
/// ```compile_fail
/// #[uniloop::main]
/// fn main() {}
/// ```
///
/// with arguments:
///
/// ```compile_fail
/// #[uniloop::main]
/// async fn main(args: Vec<String>) {}
/// ```
///
/// with generic parameters:
///
/// ```compile_fail
/// #[uniloop::main]
/// async fn main<T>() {}
/// ```
///
/// with an unknown option:
///
/// ```compile_fail
/// #[uniloop::main(flavor = "current_thread")]
/// async fn main() {}
/// ```
///
/// with a test's options:
///
/// ```compile_fail
/// #[uniloop::main(paused_clock)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[uniloop::main(seed = 7)]
/// async fn main() {}
/// ```
///
/// with a value for `debug`:
///
/// ```compile_fail
/// #[uniloop::main(debug = true)]
/// async fn main() {}
/// ```
///
/// The same with nothing wrong compiles:
///
/// ```
/// #[uniloop::main(debug)]
/// async fn main() {}
/// ```
pub struct MainMisuse;

/// `#[uniloop::test]` on a function that is not `async`:
///
/// ```compile_fail
/// #[uniloop::test]
/// fn not_async() {}
/// # fn main() {}
/// ```
///
/// with arguments:
///
/// ```compile_fail
/// #[uniloop::test]
/// async fn with_argument(n: u32) {}
/// # fn main() {}
/// ```
///
/// with generic parameters:
///
/// ```compile_fail
/// #[uniloop::test]
/// async fn generic<T: Default>() {}
/// # fn main() {}
/// ```
///
/// with a `#[test]` of its own:
///
/// ```compile_fail
/// #[uniloop::test]
/// #[test]
/// async fn tested_twice() {}
/// # fn main() {}
/// ```
///
/// on something other than a function:
///
/// ```compile_fail
/// #[uniloop::test]
/// struct NotAFunction;
/// # fn main() {}
/// ```
///
/// with an unknown option:
///
/// ```compile_fail
/// #[uniloop::test(paused)]
/// async fn unknown_option() {}
/// # fn main() {}
/// ```
///
/// with a bad seed: not an integer literal, negative, too large, or missing:
///
/// ```compile_fail
/// #[uniloop::test(seed = "7")]
/// async fn seed_is_a_string() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// #[uniloop::test(seed = -1)]
/// async fn seed_is_negative() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// #[uniloop::test(seed = 18446744073709551616)]
/// async fn seed_is_too_large() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// #[uniloop::test(paused_clock, seed)]
/// async fn seed_without_value() {}
/// # fn main() {}
/// ```
///
/// with a value for `paused_clock`, or an option given twice:
///
/// ```compile_fail
/// #[uniloop::test(paused_clock = true)]
/// async fn flag_with_value() {}
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// #[uniloop::test(seed = 1, seed = 2)]
/// async fn two_seeds() {}
/// # fn main() {}
/// ```
///
/// The same with nothing wrong compiles:
///
/// ```
/// #[uniloop::test(paused_clock, seed = 18446744073709551615, debug)]
/// async fn fine() {}
/// # fn main() {}
/// ```
pub struct TestMisuse;
