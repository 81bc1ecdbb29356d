//! How a spec field becomes a Rust field, a serde attribute set, a constructor argument and
//! validation calls.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::gen::docs;
use crate::model::{Field, Format, FromClient, TypeRef};

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

/// Whether the field is an `Option` in Rust. A required input field that the client supplies
/// is one too: unset until the client fills it.
pub fn is_option(field: &Field, dir: Direction) -> bool {
    match dir {
        Direction::Input => !field.is_argument(),
        Direction::Output => !(field.required || is_list(&field.ty)),
    }
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

/// The field declaration with its docs and serde attributes; with `serde_only_if`, the serde
/// attributes apply only under that `cfg` (a type whose serde derives are all conditional).
pub fn declaration(
    field: &Field,
    dir: Direction,
    serde_only_if: Option<&TokenStream>,
) -> TokenStream {
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
                serde_args.push(quote!(default, deserialize_with = "crate::de::list"));
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
    let serde = match serde_only_if {
        Some(cfg) => quote!(#[cfg_attr(#cfg, serde(#(#serde_args),*))]),
        None => quote!(#[serde(#(#serde_args),*)]),
    };
    quote! {
        #doc
        #serde
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
    let required: Vec<&Field> = fields.iter().filter(|f| f.is_argument()).collect();
    let params = required.iter().map(|f| {
        let name = ident(&f.rust_name);
        let (ty, _) = argument(f);
        quote!(#name: #ty)
    });
    let inits = fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        if f.is_argument() {
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
    let setters = fields.iter().filter(|f| !f.is_argument()).map(|f| {
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
    let has_optional = fields.iter().any(|f| !f.is_argument());
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
    let name = format_ident!("{}", field.rust_name);
    let presence = field
        .from_client
        .is_some()
        .then(|| quote!(v.present(#wire, self.#name.is_some());));
    if checks.is_empty() {
        return presence;
    }
    Some(if field.is_argument() {
        quote! {
            {
                let x = &self.#name;
                #(#checks)*
            }
        }
    } else {
        quote! {
            #presence
            if let Some(x) = &self.#name {
                #(#checks)*
            }
        }
    })
}

/// The `ClientSupplied` impl of a request or input struct: which fields the client fills
/// (`FromClient`), directly or in nested structs. Empty (the trait's defaults) when none.
pub fn client_supplied(name: &Ident, fields: &[Field]) -> TokenStream {
    let mut wants = Vec::new();
    let mut supplies = Vec::new();
    for f in fields.iter().filter(|f| f.client_supplied) {
        let field = ident(&f.rust_name);
        match f.from_client {
            Some(from) => {
                let (want, value) = match from {
                    FromClient::Platform => (quote!(platform), quote!(platform)),
                    FromClient::UploadSignature => {
                        (quote!(upload_signature), quote!(upload_signature))
                    }
                };
                wants.push(quote! {
                    if self.#field.is_none() {
                        wants.#want = true;
                    }
                });
                supplies.push(quote! {
                    if self.#field.is_none() {
                        self.#field = values.#value.clone();
                    }
                });
            }
            None => {
                // A struct, or a list of structs, with client-supplied fields inside.
                let (each, each_mut) = match (is_list(&f.ty), is_option(f, Direction::Input)) {
                    (true, true) => (
                        quote!(self.#field.iter().flatten()),
                        quote!(self.#field.iter_mut().flatten()),
                    ),
                    (true, false) => (quote!(self.#field.iter()), quote!(self.#field.iter_mut())),
                    (false, true) => (quote!(self.#field.iter()), quote!(self.#field.iter_mut())),
                    (false, false) => (
                        quote!(std::iter::once(&self.#field)),
                        quote!(std::iter::once(&mut self.#field)),
                    ),
                };
                wants.push(quote! {
                    for x in #each {
                        wants = wants.or(crate::action::ClientSupplied::wants(x));
                    }
                });
                supplies.push(quote! {
                    for x in #each_mut {
                        crate::action::ClientSupplied::supply(x, values);
                    }
                });
            }
        }
    }
    if wants.is_empty() {
        return quote!(impl crate::action::ClientSupplied for #name {});
    }
    quote! {
        impl crate::action::ClientSupplied for #name {
            fn wants(&self) -> crate::action::Wants {
                let mut wants = crate::action::Wants::default();
                #(#wants)*
                wants
            }
            fn supply(&mut self, values: &crate::action::Supplied) {
                #(#supplies)*
            }
        }
    }
}

/// Typed accessors of the date-time fields of a reply struct (`Format: DateTime`), behind the
/// `time` feature; the raw text stays in the field.
pub fn datetime_accessors(name: &Ident, fields: &[Field], dir: Direction) -> Option<TokenStream> {
    let accessors: Vec<TokenStream> = fields
        .iter()
        .filter(|f| f.format == Some(Format::DateTime))
        .map(|f| {
            let field = ident(&f.rust_name);
            let method = format_ident!("{}_parsed", f.rust_name);
            let doc = format!(
                " `{}` as a date and time: `None` when it is absent or not ISO 8601 (the text \
                 stays in [`{}`](Self::{})).",
                f.name, f.rust_name, f.rust_name
            );
            let text = if is_option(f, dir) {
                quote!(self.#field.as_deref()?)
            } else {
                quote!(&self.#field)
            };
            quote! {
                #[doc = #doc]
                pub fn #method(&self) -> Option<time::OffsetDateTime> {
                    crate::datetime::parse(#text)
                }
            }
        })
        .collect();
    (!accessors.is_empty()).then(|| {
        quote! {
            #[cfg(feature = "time")]
            #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
            impl #name {
                #(#accessors)*
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
