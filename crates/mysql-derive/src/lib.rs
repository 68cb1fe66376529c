//! `#[derive(FromRow)]`: a struct with named fields read from a row by column name.
//!
//! Re-exported as `mysql_proto::FromRow` (and by every adapter crate) behind their `derive`
//! feature; see the trait's documentation there for the attributes and an example.
//!
//! The generated code names the driver crate the deriving crate depends on: `mysql_proto` if it
//! does, else the first adapter found in its `Cargo.toml` (`mysql-blocking`, `mysql-tokio`,
//! `mysql-smol`, `mysql-async-std`, `mysql-proto-async`); `#[mysql(crate = "path")]` on the
//! struct overrides it (a renamed dependency).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, Lifetime, LitStr, Type};

/// Implements `FromRow` for a struct with named fields; see `mysql_proto::FromRow`.
#[proc_macro_derive(FromRow, attributes(mysql))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// What `#[mysql(...)]` says about a field.
#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    default: bool,
    flatten: bool,
    try_from: Option<Type>,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            name,
            "FromRow can be derived for structs with named fields only",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            name,
            "FromRow can be derived for structs with named fields only (read positional \
             columns into a tuple)",
        ));
    };
    let generics = &input.generics;
    let lifetimes: Vec<&Lifetime> = generics.lifetimes().map(|l| &l.lifetime).collect();
    if generics.type_params().next().is_some()
        || generics.const_params().next().is_some()
        || lifetimes.len() > 1
    {
        return Err(syn::Error::new_spanned(
            generics,
            "FromRow can be derived for structs with at most one lifetime (the row's) and no \
             type or const parameters",
        ));
    }
    let krate = driver_crate(input)?;
    let row_lt = lifetimes.first().map_or_else(
        || Lifetime::new("'__row", Span::call_site()),
        |l| (*l).clone(),
    );
    let ty_generics = match lifetimes.first() {
        Some(l) => quote!(<#l>),
        None => quote!(),
    };
    let owner = name.to_string();
    let mut inits = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named field");
        let ty = &field.ty;
        let attrs = field_attrs(field)?;
        let column = attrs
            .rename
            .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
        let support = quote!(#krate::derive_support);
        let init = if attrs.flatten {
            quote!(<#ty as #krate::FromRow<#row_lt>>::from_row(row)?)
        } else if let Some(source) = attrs.try_from {
            quote!(#support::field_try_from::<#source, #ty>(&row, #column, #owner)?)
        } else if attrs.default {
            quote!(#support::field_or_default::<#ty>(&row, #column)?)
        } else {
            quote!(#support::field::<#ty>(&row, #column, #owner)?)
        };
        inits.push(quote!(#ident: #init));
    }
    let where_clause = &generics.where_clause;
    Ok(quote! {
        impl<#row_lt> #krate::FromRow<#row_lt> for #name #ty_generics #where_clause {
            fn from_row(row: #krate::RowRef<#row_lt>) -> #krate::Result<Self> {
                ::core::result::Result::Ok(#name { #(#inits),* })
            }
        }
    })
}

/// The attributes of one field.
fn field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("mysql")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                out.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("default") {
                out.default = true;
            } else if meta.path.is_ident("flatten") {
                out.flatten = true;
            } else if meta.path.is_ident("try_from") {
                out.try_from = Some(meta.value()?.parse::<LitStr>()?.parse::<Type>()?);
            } else {
                return Err(meta.error(
                    "unknown attribute: expected rename = \"column\", default, flatten or \
                     try_from = \"Type\"",
                ));
            }
            Ok(())
        })?;
    }
    if out.flatten && (out.rename.is_some() || out.default || out.try_from.is_some()) {
        return Err(syn::Error::new_spanned(
            field,
            "`flatten` reads the whole row: it takes no rename, default or try_from",
        ));
    }
    Ok(out)
}

/// The path of the driver crate the generated code names (see the crate docs).
fn driver_crate(input: &DeriveInput) -> syn::Result<Tokens> {
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("mysql")) {
        let mut path = None;
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                path = Some(meta.value()?.parse::<LitStr>()?.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error("unknown attribute: expected crate = \"path\""))
            }
        })?;
        if let Some(p) = path {
            return Ok(quote!(#p));
        }
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .ok()
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
        .unwrap_or_default();
    let crates = [
        "mysql-proto",
        "mysql-blocking",
        "mysql-tokio",
        "mysql-smol",
        "mysql-async-std",
        "mysql-proto-async",
    ];
    let depends = |name: &str| {
        manifest.lines().any(|l| {
            let l = l.trim();
            l.starts_with(&format!("{name} ="))
                || l.starts_with(&format!("{name}.workspace"))
                || l == format!("[dependencies.{name}]")
                || l == format!("[dev-dependencies.{name}]")
        })
    };
    let found = crates.iter().find(|c| depends(c)).unwrap_or(&"mysql-proto");
    let ident = syn::Ident::new(&found.replace('-', "_"), Span::call_site());
    Ok(quote!(::#ident))
}
