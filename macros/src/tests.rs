//! The expansion and every error message, with the source text each error
//! points at (`proc-macro2`'s `span-locations`, on for the tests only).

use proc_macro2::TokenStream;
use syn::ItemFn;

use crate::entry::{self, Kind};

fn expand(kind: Kind, args: &str, item: &str) -> syn::Result<TokenStream> {
    entry::expand(kind, args.parse().unwrap(), item.parse().unwrap())
}

/// The expansion, parsed back as the function it must be.
fn expanded(kind: Kind, args: &str, item: &str) -> ItemFn {
    let tokens = expand(kind, args, item).expect("a valid use");
    syn::parse2(tokens).expect("the expansion is one fn")
}

/// Each error's message and the source text it is spanned on.
fn errors(kind: Kind, args: &str, item: &str) -> Vec<(String, String)> {
    let error = expand(kind, args, item).expect_err("an invalid use");
    error
        .into_iter()
        .map(|e| (e.to_string(), e.span().source_text().unwrap_or_default()))
        .collect()
}

fn error(kind: Kind, args: &str, item: &str) -> (String, String) {
    let mut errors = errors(kind, args, item);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

fn pair(message: &str, at: &str) -> (String, String) {
    (message.to_string(), at.to_string())
}

/// Tokens as text without the spaces `TokenStream`'s `Display` puts in.
fn squeeze(tokens: impl quote::ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    text.split_whitespace().collect()
}

// ---- what the attributes expand to

#[test]
fn test_becomes_a_test_fn_running_the_body() {
    let function = expanded(Kind::Test, "", "async fn adds() { assert_eq!(1 + 1, 2); }");
    assert!(function.sig.asyncness.is_none());
    assert_eq!(function.sig.ident, "adds");
    assert_eq!(squeeze(&function.attrs[0]), "#[::core::prelude::v1::test]");
    let body = squeeze(&function.block);
    assert!(
        body.contains("::uniloop::Runtime::builder().build()"),
        "{body}"
    );
    assert!(body.contains("async{assert_eq!(1+1,2);}"), "{body}");
    assert!(body.contains(".block_on(body)"), "{body}");
}

#[test]
fn test_options_become_builder_calls() {
    let body = squeeze(expanded(Kind::Test, "paused_clock, seed = 7", "async fn t() {}").block);
    assert!(
        body.contains("::uniloop::Runtime::builder().paused_clock(true).seed(7u64).build()"),
        "{body}"
    );
    let reordered =
        squeeze(expanded(Kind::Test, "seed = 7u64, paused_clock,", "async fn t() {}").block);
    assert_eq!(reordered, body);
    let body = squeeze(
        expanded(
            Kind::Test,
            "debug, seed = 18446744073709551615",
            "async fn t() {}",
        )
        .block,
    );
    assert!(
        body.contains("builder().debug(true).seed(18446744073709551615u64).build()"),
        "{body}"
    );
}

#[test]
fn test_keeps_attributes_visibility_and_return_type() {
    let function = expanded(
        Kind::Test,
        "",
        "/// Docs.\n#[should_panic(expected = \"boom\")]\n#[ignore]\n\
         pub(crate) async fn t() -> Result<(), String> { #![allow(unused)] Ok(()) }",
    );
    let attrs: Vec<String> = function.attrs.iter().map(squeeze).collect();
    assert_eq!(
        attrs,
        [
            "#[::core::prelude::v1::test]",
            "#[doc=\"Docs.\"]",
            "#[should_panic(expected=\"boom\")]",
            "#[ignore]",
            // The body's inner attribute, now the generated fn's.
            "#![allow(unused)]",
        ]
    );
    assert_eq!(squeeze(&function.vis), "pub(crate)");
    assert_eq!(squeeze(&function.sig.output), "->Result<(),String>");
    let body = squeeze(&function.block);
    assert!(
        body.contains("dyn::core::future::Future<Output=Result<(),String>>"),
        "{body}"
    );
}

#[test]
fn main_becomes_a_blocking_fn() {
    let function = expanded(
        Kind::Main,
        "",
        "async fn main() -> Result<(), std::io::Error> { Ok(()) }",
    );
    assert!(function.sig.asyncness.is_none());
    assert!(function.attrs.is_empty());
    assert_eq!(squeeze(&function.sig.output), "->Result<(),std::io::Error>");
    let body = squeeze(&function.block);
    assert!(
        body.contains("::uniloop::Runtime::builder().build()"),
        "{body}"
    );
    assert!(
        body.contains("\"#[uniloop::main]couldnotbuilditsuniloopruntime:{}\""),
        "{body}"
    );
    assert!(body.contains("async{Ok(())}"), "{body}");
}

#[test]
fn main_debug_and_any_name() {
    let function = expanded(Kind::Main, "debug", "pub async fn serve() {}");
    assert_eq!(function.sig.ident, "serve");
    assert_eq!(squeeze(&function.vis), "pub");
    let body = squeeze(&function.block);
    assert!(body.contains("builder().debug(true).build()"), "{body}");
}

// ---- errors in the function

const MISSING_ASYNC: &str = "the `async` keyword is missing from the function declaration";

#[test]
fn not_async() {
    assert_eq!(
        error(Kind::Test, "", "fn t() {}"),
        pair(MISSING_ASYNC, "fn")
    );
    assert_eq!(
        error(Kind::Main, "", "pub fn main() {}"),
        pair(MISSING_ASYNC, "fn")
    );
}

#[test]
fn arguments() {
    assert_eq!(
        error(Kind::Test, "", "async fn t(a: u32, b: &str) {}"),
        pair(
            "`#[uniloop::test]` functions cannot take arguments",
            "a: u32, b: &str"
        )
    );
    assert_eq!(
        error(Kind::Main, "", "async fn main(args: Vec<String>) {}"),
        pair(
            "`#[uniloop::main]` functions cannot take arguments",
            "args: Vec<String>"
        )
    );
}

#[test]
fn generics() {
    assert_eq!(
        error(Kind::Test, "", "async fn t<T: Default>() {}"),
        pair(
            "`#[uniloop::test]` functions cannot have generic parameters",
            "<T: Default>"
        )
    );
    assert_eq!(
        error(Kind::Main, "", "async fn main<'a>() {}"),
        pair(
            "`#[uniloop::main]` functions cannot have generic parameters",
            "<'a>"
        )
    );
    assert_eq!(
        error(Kind::Test, "", "async fn t() where u8: Copy {}"),
        pair(
            "`#[uniloop::test]` functions cannot have a `where` clause",
            "where u8: Copy"
        )
    );
}

#[test]
fn qualifiers() {
    assert_eq!(
        error(Kind::Test, "", "async unsafe fn t() {}"),
        pair("`#[uniloop::test]` cannot run an `unsafe fn`", "unsafe")
    );
    assert_eq!(
        error(Kind::Main, "", "async extern \"C\" fn main() {}"),
        pair(
            "`#[uniloop::main]` cannot run an `extern fn`",
            "extern \"C\""
        )
    );
    assert_eq!(
        errors(Kind::Test, "", "const fn t() {}"),
        [
            pair("`#[uniloop::test]` cannot run a `const fn`", "const"),
            pair(MISSING_ASYNC, "fn"),
        ]
    );
}

#[test]
fn test_attribute_given_twice() {
    let message = "`#[uniloop::test]` adds `#[test]` itself: remove this one";
    assert_eq!(
        error(Kind::Test, "", "#[test] async fn t() {}"),
        pair(message, "#[test]")
    );
    assert_eq!(
        error(
            Kind::Test,
            "",
            "#[::core::prelude::v1::test] async fn t() {}"
        ),
        pair(message, "#[::core::prelude::v1::test]")
    );
    // Other attributes named `test` are someone else's.
    expanded(Kind::Test, "", "#[my::test] async fn t() {}");
}

#[test]
fn not_a_function() {
    assert_eq!(
        error(Kind::Test, "", "struct S;"),
        pair("`#[uniloop::test]` goes on an `async fn`", "struct S;")
    );
}

#[test]
fn every_problem_is_reported() {
    assert_eq!(
        errors(Kind::Test, "fast", "fn t<T>(x: T) {}"),
        [
            pair(MISSING_ASYNC, "fn"),
            pair("`#[uniloop::test]` functions cannot have generic parameters", "<T>"),
            pair("`#[uniloop::test]` functions cannot take arguments", "x: T"),
            pair(
                "unknown option `fast`: `#[uniloop::test]` takes `paused_clock`, `seed = N` and `debug`",
                "fast"
            ),
        ]
    );
}

// ---- errors in the options

#[test]
fn unknown_options() {
    assert_eq!(
        error(Kind::Test, "paused_clock, paused", "async fn t() {}"),
        pair(
            "unknown option `paused`: `#[uniloop::test]` takes `paused_clock`, `seed = N` and `debug`",
            "paused"
        )
    );
    assert_eq!(
        error(
            Kind::Main,
            "flavor = \"current_thread\"",
            "async fn main() {}"
        ),
        pair(
            "unknown option `flavor`: `#[uniloop::main]` takes only `debug`",
            "flavor"
        )
    );
    assert_eq!(
        error(Kind::Test, "uniloop::seed = 1", "async fn t() {}").0,
        "unknown option `uniloop::seed`: `#[uniloop::test]` takes `paused_clock`, `seed = N` and `debug`"
    );
}

#[test]
fn main_refuses_test_options() {
    assert_eq!(
        error(Kind::Main, "debug, paused_clock", "async fn main() {}"),
        pair(
            "`paused_clock` is an option of `#[uniloop::test]`; `#[uniloop::main]` takes only `debug`",
            "paused_clock"
        )
    );
    assert_eq!(
        error(Kind::Main, "seed = 3", "async fn main() {}"),
        pair(
            "`seed` is an option of `#[uniloop::test]`; `#[uniloop::main]` takes only `debug`",
            "seed"
        )
    );
}

#[test]
fn bad_seeds() {
    let message = "`seed` takes an integer literal that fits in a u64, such as `seed = 7`";
    for (args, at) in [
        ("seed = \"7\"", "\"7\""),
        ("seed = -1", "-1"),
        ("seed = 1.5", "1.5"),
        ("seed = 18446744073709551616", "18446744073709551616"),
        ("seed = 7u8", "7u8"),
        ("seed = SEED", "SEED"),
        ("paused_clock, seed", "seed"),
        ("seed(7)", "seed"),
    ] {
        assert_eq!(
            error(Kind::Test, args, "async fn t() {}"),
            pair(message, at),
            "{args}"
        );
    }
}

#[test]
fn flags_take_no_value() {
    assert_eq!(
        error(Kind::Test, "paused_clock = true", "async fn t() {}"),
        pair(
            "`paused_clock` takes no value: write just `paused_clock`",
            "paused_clock"
        )
    );
    assert_eq!(
        error(Kind::Main, "debug(true)", "async fn main() {}"),
        pair("`debug` takes no value: write just `debug`", "debug")
    );
}

#[test]
fn options_given_twice() {
    let (message, _) = error(
        Kind::Test,
        "seed = 1, paused_clock, seed = 2",
        "async fn t() {}",
    );
    assert_eq!(message, "`seed` is given twice");
    let error = expand(
        Kind::Test,
        "seed = 1, paused_clock, seed = 2",
        "async fn t() {}",
    )
    .unwrap_err();
    // The second `seed`, not the first.
    assert_eq!(error.span().start().column, 24);
    assert_eq!(
        self::error(Kind::Test, "paused_clock, paused_clock", "async fn t() {}").0,
        "`paused_clock` is given twice"
    );
    assert_eq!(
        self::error(Kind::Main, "debug, debug", "async fn main() {}").0,
        "`debug` is given twice"
    );
}

#[test]
fn malformed_options() {
    assert_eq!(
        error(Kind::Test, "paused_clock seed = 1", "async fn t() {}"),
        pair("expected `,`", "seed")
    );
    assert!(expand(Kind::Test, "7", "async fn t() {}").is_err());
}
