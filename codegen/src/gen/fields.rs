//! How a spec field becomes a Rust field, a serde attribute set, a constructor argument and
//! validation calls.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::gen::docs;
use crate::model::{Field, TypeRef};

/// Which way a struct travels: decides strictness and the shape of optional fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent to the service (requests, and structs used in them): strict, `Option` for optional.
    Input,
    /// Only received (replies): tolerant decoding; lists are `Vec`, other optionals `Option`.
    Output,
}

/// An identifier from a name that validation has already checked.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type of a spec type.
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Float => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::List(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Struct(name) | TypeRef::Enum(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

fn is_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String | TypeRef::Integer | TypeRef::Float | TypeRef::Bool
    )
}

fn is_list(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::List(_))
}

/// Whether the field is an `Option` in Rust.
pub fn is_option(field: &Field, dir: Direction) -> bool {
    !(field.required || dir == Direction::Output && is_list(&field.ty))
}

/// The field's Rust type, with its `Box` and `Option` when it has them.
pub fn field_type(field: &Field, dir: Direction) -> TokenStream {
    let ty = rust_type(&field.ty);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    if is_option(field, dir) {
        quote!(Option<#ty>)
    } else {
        ty
    }
}

/// Whether the Rust type of the field has a `Default`.
pub fn has_default(field: &Field, dir: Direction) -> bool {
    is_option(field, dir) || is_scalar(&field.ty) || is_list(&field.ty)
}

/// The field declaration with its docs and serde attributes.
pub fn declaration(field: &Field, dir: Direction) -> TokenStream {
    let doc = docs::attrs(docs::field(field));
    let name = ident(&field.rust_name);
    let ty = field_type(field, dir);
    let wire = &field.name;
    let mut serde_args = vec![quote!(rename = #wire)];
    for alias in &field.aliases {
        serde_args.push(quote!(alias = #alias));
    }
    let option = is_option(field, dir);
    match dir {
        Direction::Input => {
            if option {
                serde_args.push(quote!(default, skip_serializing_if = "Option::is_none"));
            }
        }
        Direction::Output => {
            if is_list(&field.ty) {
                serde_args.push(quote!(
                    default,
                    deserialize_with = "crate::de::null_as_default"
                ));
            } else if is_scalar(&field.ty) && option {
                serde_args.push(quote!(
                    default,
                    deserialize_with = "crate::de::lenient_opt",
                    skip_serializing_if = "Option::is_none"
                ));
            } else if is_scalar(&field.ty) {
                serde_args.push(quote!(deserialize_with = "crate::de::lenient"));
            } else if option {
                serde_args.push(quote!(default, skip_serializing_if = "Option::is_none"));
            }
        }
    }
    quote! {
        #doc
        #[serde(#(#serde_args),*)]
        pub #name: #ty,
    }
}

/// A constructor or setter argument: its type and the expression that converts it to the
/// field's (non-`Option`) type.
pub fn argument(field: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&field.rust_name);
    match &field.ty {
        TypeRef::String => (quote!(impl Into<String>), quote!(#name.into())),
        TypeRef::List(inner) if **inner == TypeRef::String => (
            quote!(impl IntoIterator<Item = impl Into<String>>),
            quote!(#name.into_iter().map(Into::into).collect()),
        ),
        TypeRef::List(inner) => {
            let inner = rust_type(inner);
            (
                quote!(impl IntoIterator<Item = #inner>),
                quote!(#name.into_iter().collect()),
            )
        }
        other if field.boxed => (rust_type(other), quote!(Box::new(#name))),
        other => (rust_type(other), quote!(#name)),
    }
}

/// `new(required...)` and one setter per optional field, for a request or an input struct.
pub fn constructor_and_setters(fields: &[Field]) -> TokenStream {
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    let params = required.iter().map(|f| {
        let name = ident(&f.rust_name);
        let (ty, _) = argument(f);
        quote!(#name: #ty)
    });
    let inits = fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        if f.required {
            let (_, conv) = argument(f);
            if name == conv.to_string() {
                quote!(#name)
            } else {
                quote!(#name: #conv)
            }
        } else {
            quote!(#name: None)
        }
    });
    let allow = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let setters = fields.iter().filter(|f| !f.required).map(|f| {
        let name = ident(&f.rust_name);
        let (ty, conv) = argument(f);
        let doc = docs::attrs(setter_doc(f));
        quote! {
            #doc
            pub fn #name(mut self, #name: #ty) -> Self {
                self.#name = Some(#conv);
                self
            }
        }
    });
    let names: Vec<_> = required.iter().map(|f| format!("`{}`", f.name)).collect();
    let has_optional = fields.iter().any(|f| !f.required);
    let new_doc = match (names.is_empty(), has_optional) {
        (true, _) => " A value with every optional field unset.".to_owned(),
        (false, true) => format!(
            " A value with its required fields ({}); set the optional ones with the setters.",
            names.join(", ")
        ),
        (false, false) => format!(" A value with its fields ({}).", names.join(", ")),
    };
    quote! {
        #[doc = #new_doc]
        #allow
        pub fn new(#(#params),*) -> Self {
            Self { #(#inits),* }
        }
        #(#setters)*
    }
}

/// The doc of a setter: the field's description.
pub fn setter_doc(field: &Field) -> Vec<String> {
    let mut lines = vec![format!(
        "Sets `{}`: {}",
        field.name,
        docs::escape(&field.doc.en)
    )];
    lines.extend(docs::field(field).into_iter().skip(1));
    lines
}

/// The `validate` body for a request or input struct.
pub fn validation(fields: &[Field]) -> TokenStream {
    let checks: Vec<TokenStream> = fields.iter().filter_map(field_checks).collect();
    if checks.is_empty() {
        quote!(
            fn validate(&self, _v: &mut crate::validate::Validator) {}
        )
    } else {
        quote! {
            fn validate(&self, v: &mut crate::validate::Validator) {
                #(#checks)*
            }
        }
    }
}

fn opt_f64(b: Option<f64>) -> TokenStream {
    match b {
        Some(b) => {
            let lit = proc_macro2::Literal::f64_suffixed(b);
            quote!(Some(#lit))
        }
        None => quote!(None),
    }
}

fn opt_i64(b: Option<f64>) -> TokenStream {
    match b {
        Some(b) => {
            let lit = proc_macro2::Literal::i64_unsuffixed(b as i64);
            quote!(Some(#lit))
        }
        None => quote!(None),
    }
}

/// The checks of one field, on a binding `x` that refers to its (non-`Option`) value.
fn field_checks(field: &Field) -> Option<TokenStream> {
    let wire = &field.name;
    let c = &field.constraints;
    let mut checks = Vec::new();
    if let Some(max) = c.max_items {
        checks.push(quote!(v.max_items(#wire, x, #max);));
    }
    match &field.ty {
        TypeRef::String => {
            if let Some(max) = c.max_length {
                checks.push(quote!(v.max_chars(#wire, x, #max);));
            }
        }
        TypeRef::Integer => {
            if c.min.is_some() || c.max.is_some() {
                let (lo, hi) = (opt_i64(c.min), opt_i64(c.max));
                checks.push(quote!(v.int_range(#wire, *x, #lo, #hi);));
            }
            if let Some(allowed) = &c.allowed {
                checks.push(quote!(v.allowed_int(#wire, *x, &[#(#allowed),*]);));
            }
        }
        TypeRef::Float => {
            if c.min.is_some() || c.max.is_some() {
                let (lo, hi) = (opt_f64(c.min), opt_f64(c.max));
                checks.push(quote!(v.float_range(#wire, *x, #lo, #hi);));
            }
        }
        TypeRef::Enum(_) => checks.push(quote!(v.known(#wire, x);)),
        TypeRef::Struct(_) => checks.push(quote!(v.nested(#wire, x);)),
        TypeRef::List(inner) => match &**inner {
            TypeRef::String => {
                if let Some(max) = c.max_length {
                    checks.push(quote!(v.max_chars_each(#wire, x, #max);));
                }
            }
            TypeRef::Enum(_) => checks.push(quote!(v.known_each(#wire, x);)),
            TypeRef::Struct(_) => checks.push(quote!(v.nested_each(#wire, x);)),
            _ => {}
        },
        TypeRef::Bool => {}
    }
    if checks.is_empty() {
        return None;
    }
    let name = format_ident!("{}", field.rust_name);
    Some(if field.required {
        quote! {
            {
                let x = &self.#name;
                #(#checks)*
            }
        }
    } else {
        quote! {
            if let Some(x) = &self.#name {
                #(#checks)*
            }
        }
    })
}

/// A `Debug` impl that prints sensitive fields as `<redacted>`.
pub fn redacted_debug(name: &Ident, fields: &[Field]) -> TokenStream {
    let label = name.to_string();
    let entries = fields.iter().map(|f| {
        let fname = ident(&f.rust_name);
        let label = &f.rust_name;
        if f.sensitive {
            quote!(.field(#label, &"<redacted>"))
        } else {
            quote!(.field(#label, &self.#fname))
        }
    });
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#label)
                    #(#entries)*
                    .finish()
            }
        }
    }
}
