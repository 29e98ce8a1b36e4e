//! The options inside the attribute's parentheses: `debug`, `paused_clock`,
//! `seed = N`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, Token};

use crate::entry::Kind;

/// What the attribute asked of the runtime; each field maps to one
/// `uniloop::Builder` method.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// `debug` → `Builder::debug(true)`.
    pub(crate) debug: bool,
    /// `paused_clock` → `Builder::paused_clock(true)`; tests only.
    pub(crate) paused_clock: bool,
    /// `seed = N` → `Builder::seed(N)`; tests only.
    pub(crate) seed: Option<u64>,
}

/// Parse `args`, the tokens between the attribute's parentheses (empty
/// without them), for `kind`.
pub(crate) fn parse(kind: Kind, args: TokenStream) -> syn::Result<Options> {
    let mut options = Options::default();
    syn::meta::parser(|meta| options.set(kind, &meta)).parse2(args)?;
    Ok(options)
}

impl Options {
    fn set(&mut self, kind: Kind, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let name = path_name(&meta.path);
        match name.as_str() {
            "debug" => {
                flag(meta, &name)?;
                once(meta, &name, self.debug)?;
                self.debug = true;
            }
            "paused_clock" | "seed" if kind == Kind::Main => {
                return Err(meta.error(format!(
                    "`{name}` is an option of `#[uniloop::test]`; `#[uniloop::main]` takes only `debug`"
                )));
            }
            "paused_clock" => {
                flag(meta, &name)?;
                once(meta, &name, self.paused_clock)?;
                self.paused_clock = true;
            }
            "seed" => {
                once(meta, &name, self.seed.is_some())?;
                self.seed = Some(seed(meta)?);
            }
            _ => {
                return Err(meta.error(format!(
                    "unknown option `{name}`: {} takes {}",
                    kind.attribute(),
                    kind.options()
                )))
            }
        }
        Ok(())
    }
}

/// `a::b` as written, for messages.
fn path_name(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

/// An option written as a bare word: refuse `name = value` and
/// `name(value)` (anything else is a missing comma, which the parser
/// reports).
fn flag(meta: &ParseNestedMeta<'_>, name: &str) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        Err(meta.error(format!("`{name}` takes no value: write just `{name}`")))
    } else {
        Ok(())
    }
}

/// Refuse an option given a second time.
fn once(meta: &ParseNestedMeta<'_>, name: &str, already: bool) -> syn::Result<()> {
    if already {
        Err(meta.error(format!("`{name}` is given twice")))
    } else {
        Ok(())
    }
}

/// The value of `seed = N`: an integer literal that fits in a `u64`
/// (unsuffixed or `u64`).
fn seed(meta: &ParseNestedMeta<'_>) -> syn::Result<u64> {
    const EXPECTED: &str = "`seed` takes an integer literal that fits in a u64, such as `seed = 7`";
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(EXPECTED));
    }
    let value: Expr = meta.value()?.parse()?;
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = &value
    {
        if matches!(int.suffix(), "" | "u64") {
            if let Ok(seed) = int.base10_parse::<u64>() {
                return Ok(seed);
            }
        }
    }
    Err(syn::Error::new_spanned(value, EXPECTED))
}
