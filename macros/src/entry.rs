//! Checking the `async fn` under the attribute and turning it into a
//! blocking `fn` that runs it on a fresh `uniloop::Runtime`.
//!
//! Everything here works on `proc_macro2` tokens, so the unit tests can call
//! it outside a compiler and read the errors.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{AttrStyle, Attribute, Item, ItemFn, ReturnType, Stmt};

use crate::options::{self, Options};

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[uniloop::main]`: a program's entry point.
    Main,
    /// `#[uniloop::test]`: a `#[test]` function.
    Test,
}

impl Kind {
    /// The attribute as a user writes it, for messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Kind::Main => "`#[uniloop::main]`",
            Kind::Test => "`#[uniloop::test]`",
        }
    }

    /// The options it takes, for messages.
    pub(crate) fn options(self) -> &'static str {
        match self {
            Kind::Main => "only `debug`",
            Kind::Test => "`paused_clock`, `seed = N` and `debug`",
        }
    }
}

/// Expand the attribute `kind` with `args` (the tokens in its parentheses)
/// on `item`; every problem found is in the error, each spanned on the
/// tokens at fault.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = options::parse(kind, args);
    let function = match syn::parse2::<Item>(item)? {
        Item::Fn(function) => function,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                format!("{} goes on an `async fn`", kind.attribute()),
            ))
        }
    };
    let errors = check(kind, &function)
        .into_iter()
        .chain(options.as_ref().err().cloned());
    match errors.reduce(|mut all, error| {
        all.combine(error);
        all
    }) {
        Some(errors) => Err(errors),
        None => Ok(generate(kind, &options?, function)),
    }
}

/// The function's problems, in the order they appear in its signature.
fn check(kind: Kind, function: &ItemFn) -> Vec<syn::Error> {
    let attribute = kind.attribute();
    let sig = &function.sig;
    let mut errors = Vec::new();
    let mut error = |tokens: &dyn ToTokens, message: String| {
        errors.push(syn::Error::new_spanned(tokens, message));
    };
    if kind == Kind::Test {
        if let Some(test) = function.attrs.iter().find(|a| is_test_attribute(a)) {
            error(
                test,
                format!("{attribute} adds `#[test]` itself: remove this one"),
            );
        }
    }
    if let Some(constness) = &sig.constness {
        error(constness, format!("{attribute} cannot run a `const fn`"));
    }
    if sig.asyncness.is_none() {
        error(
            &sig.fn_token,
            "the `async` keyword is missing from the function declaration".to_string(),
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        error(unsafety, format!("{attribute} cannot run an `unsafe fn`"));
    }
    if let Some(abi) = &sig.abi {
        error(abi, format!("{attribute} cannot run an `extern fn`"));
    }
    if !sig.generics.params.is_empty() {
        error(
            &sig.generics,
            format!("{attribute} functions cannot have generic parameters"),
        );
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        let arguments = if sig.inputs.is_empty() {
            sig.variadic.to_token_stream()
        } else {
            sig.inputs.to_token_stream()
        };
        error(
            &arguments,
            format!("{attribute} functions cannot take arguments"),
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        error(
            where_clause,
            format!("{attribute} functions cannot have a `where` clause"),
        );
    }
    errors
}

/// `#[test]` written by hand, bare or by its full path.
fn is_test_attribute(attribute: &Attribute) -> bool {
    let segments: Vec<String> = attribute
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [test] => test == "test",
        [root, .., test] => (root == "core" || root == "std") && test == "test",
        [] => false,
    }
}

/// The blocking function: the same attributes, visibility, name and return
/// type, with a body that builds a runtime and `block_on`s the original body.
fn generate(kind: Kind, options: &Options, function: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    sig.asyncness = None;
    let (outer, inner): (Vec<Attribute>, Vec<Attribute>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer));
    // Invisible to the user's code, like `macro_rules!` locals.
    let runtime = syn::Ident::new("runtime", Span::mixed_site());
    let body = syn::Ident::new("body", Span::mixed_site());

    let mut builder = quote!(::uniloop::Runtime::builder());
    if options.debug {
        builder.extend(quote!(.debug(true)));
    }
    if options.paused_clock {
        builder.extend(quote!(.paused_clock(true)));
    }
    if let Some(seed) = options.seed {
        let seed = proc_macro2::Literal::u64_suffixed(seed);
        builder.extend(quote!(.seed(#seed)));
    }
    let failed = format!(
        "{} could not build its uniloop runtime: {{}}",
        kind.attribute().trim_matches('`')
    );

    // A body whose type differs from the return type is reported at its
    // tail expression (at its closing brace when it has none), as rustc does
    // for a plain `fn`: the tokens that produce the value are located there.
    let tail = match block.stmts.last() {
        Some(last @ Stmt::Expr(_, None)) => last.span(),
        _ => block.brace_token.span.close(),
    };
    let body_at_tail = syn::Ident::new("body", Span::mixed_site().located_at(tail));
    let runtime_at_tail = syn::Ident::new("runtime", Span::mixed_site().located_at(tail));
    let (header, pin) = match kind {
        Kind::Main => (TokenStream::new(), TokenStream::new()),
        Kind::Test => {
            let output = match &sig.output {
                ReturnType::Default => quote!(()),
                ReturnType::Type(_, ty) => ty.to_token_stream(),
            };
            // One `block_on` instance for every test of a crate, not one per
            // test: the future is run as `Pin<&mut dyn Future>`.
            let pin = quote_spanned! {tail=>
                let #body = ::core::pin::pin!(#body);
                let #body: ::core::pin::Pin<
                    &mut dyn ::core::future::Future<Output = #output>,
                > = #body_at_tail;
            };
            (quote!(#[::core::prelude::v1::test]), pin)
        }
    };
    let run = quote_spanned!(tail=> #runtime_at_tail.block_on(#body));

    quote! {
        #header
        #(#outer)*
        #vis #sig {
            #(#inner)*
            let #runtime = match #builder.build() {
                ::core::result::Result::Ok(runtime) => runtime,
                ::core::result::Result::Err(error) => ::core::panic!(#failed, error),
            };
            let #body = async #block;
            #pin
            #run
        }
    }
}
