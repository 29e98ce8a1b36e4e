//! The attributes `#[uniloop::main]` and `#[uniloop::test]`.
//!
//! Use them through the `uniloop` crate, which re-exports them: what they
//! expand to names `::uniloop`.
//!
//! The work is done on `proc_macro2` tokens in the modules `entry` (the
//! function) and `options` (the parenthesised options), so that the unit
//! tests can run it outside a compiler; the two attributes below only
//! convert tokens and report errors.

#![deny(missing_docs, missing_debug_implementations)]

mod entry;
mod options;

use proc_macro::TokenStream;

use entry::Kind;

// Not under `cfg(doctest)`: the examples need `uniloop`, which depends on
// this crate; they run as uniloop's doc tests (`src/macros_doc.rs`), and
// `cargo test --doc` at the workspace's root would fail on them here.
#[cfg_attr(not(doctest), doc = include_str!("../doc/main.md"))]
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args, item)
}

#[cfg_attr(not(doctest), doc = include_str!("../doc/test.md"))]
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args, item)
}

/// Expand, or report the errors. When only the options are wrong, the
/// function is still expanded with the default options, so that the errors
/// shown are the options' alone; when the function itself is wrong, it is
/// given back unchanged beside the errors.
fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let args = proc_macro2::TokenStream::from(args);
    let item = proc_macro2::TokenStream::from(item);
    match entry::expand(kind, args, item.clone()) {
        Ok(expanded) => expanded.into(),
        Err(error) => {
            let fallback =
                entry::expand(kind, proc_macro2::TokenStream::new(), item.clone()).unwrap_or(item);
            let mut tokens = error.to_compile_error();
            tokens.extend(fallback);
            tokens.into()
        }
    }
}

#[cfg(test)]
mod tests;
