//! Shared structs and enums (`types.rs`) and the error-code table (`codes.rs`).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::gen::docs;
use crate::gen::fields::{self, ident, Direction};
use crate::model::{Api, EnumDef, ErrorCodeDef, Field, Retry, StructDef};

/// A struct of requests or replies: the declaration, its derives, and for inputs `new`,
/// setters and `Validate`.
pub fn struct_item(
    name: &str,
    doc: Vec<String>,
    fields_: &[Field],
    input: bool,
    output: bool,
    hand_decoded: bool,
) -> TokenStream {
    let name = ident(name);
    let dir = if input {
        Direction::Input
    } else {
        Direction::Output
    };
    let doc = docs::attrs(doc);
    // The `serde` feature (servers, fakes, tools; `test-util` enables it): replies get
    // `Serialize` and `Default`, so that a test can build one and a tool print one; requests
    // get `Deserialize`, so that a fake can read what was sent and a tool build one from JSON.
    let extra_cfg = quote!(feature = "serde");
    let serde_only_if = hand_decoded.then_some(&extra_cfg);
    let decls = fields_
        .iter()
        .map(|f| fields::declaration(f, dir, serde_only_if));
    let sensitive = fields_.iter().any(|f| f.sensitive);
    let mut derives = vec![quote!(Clone), quote!(PartialEq)];
    if !sensitive {
        derives.push(quote!(Debug));
    }
    let mut server_derives = Vec::new();
    if input {
        if fields_.iter().all(|f| !f.is_argument()) {
            derives.push(quote!(Default));
        }
        derives.push(quote!(serde::Serialize));
        if output {
            derives.push(quote!(serde::Deserialize));
        } else {
            server_derives.push(quote!(serde::Deserialize));
        }
    } else {
        if !hand_decoded {
            derives.push(quote!(serde::Deserialize));
        }
        server_derives.push(quote!(serde::Serialize));
        if fields_.iter().all(|f| fields::has_default(f, dir)) {
            server_derives.push(quote!(Default));
        }
    }
    let server = (!server_derives.is_empty())
        .then(|| quote!(#[cfg_attr(#extra_cfg, derive(#(#server_derives),*))]));
    let debug = sensitive.then(|| fields::redacted_debug(&name, fields_));
    let inherent = input.then(|| {
        let ctor = fields::constructor_and_setters(fields_);
        let validation = fields::validation(fields_);
        let supplied = fields::client_supplied(&name, fields_);
        quote! {
            impl #name {
                #ctor
            }
            impl crate::action::Validate for #name {
                #validation
            }
            #supplied
        }
    });
    let accessors = fields::datetime_accessors(&name, fields_, dir);
    quote! {
        #doc
        #[derive(#(#derives),*)]
        #server
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
        }
        #debug
        #inherent
        #accessors
    }
}

fn shared_struct(s: &StructDef) -> TokenStream {
    struct_item(
        &s.name,
        docs::bilingual(&s.doc),
        &s.fields,
        s.input,
        s.output,
        false,
    )
}

/// A string enum that keeps values it does not know.
pub fn enum_item(
    name: &str,
    doc: Vec<String>,
    values: &[(String, String, Vec<String>)],
) -> TokenStream {
    let name_ident = ident(name);
    let doc = docs::attrs(doc);
    let variants = values.iter().map(|(_, variant, doc)| {
        let v = ident(variant);
        let doc = docs::attrs(doc);
        quote!(#doc #v,)
    });
    let to_str = values.iter().map(|(value, variant, _)| {
        let v = ident(variant);
        quote!(Self::#v => #value,)
    });
    let from_str = values.iter().map(|(value, variant, _)| {
        let v = ident(variant);
        quote!(#value => Self::#v,)
    });
    let wire_values = values.iter().map(|(value, _, _)| value);
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name_ident {
            #(#variants)*
            /// A value this SDK version does not know, kept as received.
            Unknown(crate::wire::UnknownValue),
        }
        impl #name_ident {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(v) => v.as_str(),
                }
            }
        }
        impl crate::wire::WireEnum for #name_ident {
            const VALUES: &'static [&'static str] = &[#(#wire_values),*];
            fn as_str(&self) -> &str {
                self.as_str()
            }
            fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }
        impl From<&str> for #name_ident {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unknown(crate::wire::UnknownValue::new(other)),
                }
            }
        }
        impl std::fmt::Display for #name_ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for #name_ident {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for #name_ident {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::wire::deserialize_enum(deserializer)
            }
        }
    }
}

fn shared_enum(e: &EnumDef) -> TokenStream {
    let values: Vec<_> = e
        .values
        .iter()
        .map(|v| {
            let mut doc = docs::bilingual(&v.doc);
            doc.push(String::new());
            doc.push(format!("Wire value: `{}`.", v.value));
            (v.value.clone(), v.variant.clone(), doc)
        })
        .collect();
    enum_item(&e.name, docs::bilingual(&e.doc), &values)
}

/// `types.rs`: every shared struct and enum.
pub fn types_file(api: &Api) -> TokenStream {
    let structs = api
        .structs
        .iter()
        .map(|s| gated(shared_struct(s), &s.used_by));
    let enums = api.enums.iter().map(|e| gated(shared_enum(e), &e.used_by));
    quote! {
        //! Structs and enums shared by several actions (`common.yaml`). Each is compiled only
        //! with the cargo features of the ActionClasses that use it.
        #(#structs)*
        #(#enums)*
    }
}

/// Puts `#[cfg(any(feature = ...))]`, for the features of the classes in `used_by`, on every
/// item of `tokens` (a type and its impls). A type no action uses (`LoginData`) is always
/// compiled. Tokens that do not parse are returned as they are: rendering the file reports them.
fn gated(tokens: TokenStream, used_by: &[String]) -> TokenStream {
    if used_by.is_empty() {
        return tokens;
    }
    let features: Vec<String> = used_by
        .iter()
        .map(|c| crate::gen::feature_name(c))
        .collect();
    let cfg: syn::Attribute = match features.as_slice() {
        [one] => syn::parse_quote!(#[cfg(feature = #one)]),
        many => syn::parse_quote!(#[cfg(any(#(feature = #many),*))]),
    };
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(mut file) => {
            for item in &mut file.items {
                if let Some(attrs) = item_attrs(item) {
                    attrs.insert(0, cfg.clone());
                }
            }
            let items = file.items;
            quote!(#(#items)*)
        }
        Err(_) => tokens,
    }
}

/// The attributes of the item kinds the generator emits for a type.
fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        syn::Item::Struct(i) => Some(&mut i.attrs),
        syn::Item::Enum(i) => Some(&mut i.attrs),
        syn::Item::Impl(i) => Some(&mut i.attrs),
        _ => None,
    }
}

fn code_doc(c: &ErrorCodeDef) -> Vec<String> {
    let mut doc = docs::bilingual(&c.doc);
    doc.push(String::new());
    let retry = match c.retry {
        Retry::Never => "not retried",
        Retry::IfIdempotent => "retried for idempotent actions only",
        Retry::Always => {
            "retried even for actions that are not idempotent: the service guarantees the \
             request was not executed"
        }
    };
    let quoted =
        |text: &Option<String>| text.as_deref().map(|t| format!("\"{}\"", docs::escape(t)));
    let texts = match (quoted(&c.english_message), quoted(&c.message)) {
        (Some(en), Some(zh)) => format!("Documented messages: {en} and {zh}"),
        (Some(en), None) => {
            format!("Documented `EnglishMessage`: {en} (no Chinese `Message` is documented)")
        }
        (None, Some(zh)) => {
            format!("Documented `Message`: {zh} (no `EnglishMessage` is documented)")
        }
        (None, None) => "Its messages are not documented: the description above is the SDK's, \
                         not a text of the service"
            .to_owned(),
    };
    let mut facts = format!("Code `{}`: {retry}. {texts}.", c.code);
    if c.ticket_invalid {
        facts.push_str(
            " The ticket is invalid: the client logs in again once and replays the call.",
        );
    }
    doc.push(facts);
    doc
}

/// The body of a `bool` method true for the codes with `flag`.
fn flag_match(api: &Api, flag: fn(&ErrorCodeDef) -> bool) -> TokenStream {
    let codes: Vec<_> = api
        .codes
        .iter()
        .filter(|c| flag(c))
        .map(|c| ident(&c.variant))
        .collect();
    if codes.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(Self::#codes)|*))
    }
}

/// The body of `message_zh`/`message_en`: the documented text of each code that has one.
fn text_arms(api: &Api, text: fn(&ErrorCodeDef) -> &Option<String>) -> TokenStream {
    let arms: Vec<_> = api
        .codes
        .iter()
        .filter_map(|c| {
            let v = ident(&c.variant);
            let m = Literal::string(text(c).as_deref()?);
            Some(quote!(Self::#v => Some(#m),))
        })
        .collect();
    if arms.is_empty() {
        quote!(None)
    } else {
        quote!(match self { #(#arms)* _ => None, })
    }
}

/// `codes.rs`: the `ErrorCode` enum and its table.
pub fn codes_file(api: &Api) -> TokenStream {
    let values: Vec<_> = api
        .codes
        .iter()
        .map(|c| (c.code.clone(), c.variant.clone(), code_doc(c)))
        .collect();
    let enum_tokens = enum_item(
        "ErrorCode",
        vec![
            "An error `Code` of the service's reply envelope (anything but `Success`).".into(),
            String::new(),
            "Codes this SDK version does not know decode as `Unknown` with the raw code.".into(),
        ],
        &values,
    );
    let retry_arms = api
        .codes
        .iter()
        .filter(|c| c.retry != Retry::Never)
        .map(|c| {
            let v = ident(&c.variant);
            let r = match c.retry {
                Retry::Always => quote!(crate::action::Retryability::Always),
                _ => quote!(crate::action::Retryability::IfIdempotent),
            };
            quote!(Self::#v => #r,)
        });
    // Without a code that is never retried, the arms above cover every known code.
    let never_arm = api
        .codes
        .iter()
        .any(|c| c.retry == Retry::Never)
        .then(|| quote!(_ => crate::action::Retryability::Never,));
    let not_executed_match = flag_match(api, |c| c.not_executed);
    let category_arms = api.codes.iter().map(|c| {
        let v = ident(&c.variant);
        let category = ident(c.category.name());
        quote!(Self::#v => crate::action::ErrorCategory::#category,)
    });
    let ticket_match = flag_match(api, |c| c.ticket_invalid);
    let zh = text_arms(api, |c| &c.message);
    let en = text_arms(api, |c| &c.english_message);
    quote! {
        //! The service's error codes, with their messages and how the SDK treats them.
        #enum_tokens
        impl ErrorCode {
            /// Whether and when a call that failed with this code may be retried. A code this
            /// SDK does not know is retried like its class (the part before the first `.`, e.g.
            /// `InternalError` for `InternalError.Storage`), and only for idempotent actions.
            pub fn retry(&self) -> crate::action::Retryability {
                match self {
                    #(#retry_arms)*
                    Self::Unknown(code) => {
                        let class = code.as_str().split_once('.').map(|(class, _)| Self::from(class));
                        match class.map(|class| class.retry()) {
                            None | Some(crate::action::Retryability::Never) => {
                                crate::action::Retryability::Never
                            }
                            Some(_) => crate::action::Retryability::IfIdempotent,
                        }
                    }
                    #never_arm
                }
            }
            /// What the code means for a caller (the spec's `Category`, else its class's). A
            /// code this SDK does not know is categorized like its class (the part before the
            /// first `.`, e.g. `ResourceNotFound` for `ResourceNotFound.Media`).
            pub fn category(&self) -> crate::action::ErrorCategory {
                match self {
                    #(#category_arms)*
                    Self::Unknown(code) => {
                        match code.as_str().split_once('.').map(|(class, _)| Self::from(class)) {
                            Some(class) if !matches!(class, Self::Unknown(_)) => class.category(),
                            _ => crate::action::ErrorCategory::Other,
                        }
                    }
                }
            }
            /// Whether the service guarantees that a request answered with this code was not
            /// executed, so that even a request that is not idempotent may be sent again.
            pub fn not_executed(&self) -> bool {
                #not_executed_match
            }
            /// Whether this code means the ticket is invalid or expired.
            pub fn is_ticket_invalid(&self) -> bool {
                #ticket_match
            }
            /// The Chinese `Message` the docs give for this code, or `None` where they give
            /// none (most codes): the SDK never makes one up.
            pub fn message_zh(&self) -> Option<&'static str> {
                #zh
            }
            /// The `EnglishMessage` the docs give for this code, or `None` where they give none
            /// (most codes): the SDK never makes one up. The service may add a detail to it.
            pub fn message_en(&self) -> Option<&'static str> {
                #en
            }
        }
    }
}
