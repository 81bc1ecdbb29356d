//! Round-trip tests from the spec's examples: each request example is built with the
//! generated constructor and setters and must serialize to the documented JSON; each reply
//! example must decode into the action's `Data` (and, with the `serde` feature, encode back).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::{Map, Value as Json};

use crate::gen::actions::{data_name, request_name};
use crate::gen::fields::{self, ident};
use crate::model::{Api, Class, Field, TypeRef};
use crate::naming::snake_case;

/// `<class>/examples.rs`, or `None` when the class has no examples.
pub fn examples_file(api: &Api, class: &Class) -> Option<TokenStream> {
    let tests: Vec<TokenStream> = class
        .actions
        .iter()
        .flat_map(|a| {
            a.examples.iter().enumerate().map(move |(i, ex)| {
                let name = format_ident!("{}_{}", snake_case(&a.name), i + 1);
                let title = format!(" Example {:?} of `{}/{}`.", ex.name, class.name, a.name);
                let req_ident = ident(&request_name(a));
                let data_ident = ident(&data_name(a));
                let request = ex.request.as_ref().map(|req| {
                    let expr = struct_expr(api, &req_ident, &a.request, req);
                    let expected = compact(&normalize_object(api, req, &a.request));
                    quote! {
                        let request = #expr;
                        crate::example_support::check_request(&request, #expected);
                    }
                });
                let reply = ex.reply.as_ref().map(|reply| {
                    let mut reply = reply.clone();
                    if let Some(data) = reply.get_mut("Data") {
                        *data = normalize_object(api, data, &a.data);
                    }
                    let json = compact(&reply);
                    quote!(crate::example_support::check_reply::<#data_ident>(#json);)
                });
                quote! {
                    #[doc = #title]
                    #[test]
                    fn #name() {
                        #request
                        #reply
                    }
                }
            })
        })
        .collect();
    if tests.is_empty() {
        return None;
    }
    let doc = format!(
        " Round-trip tests from the documented examples of the `{}` actions.",
        class.name
    );
    Some(quote! {
        #![doc = #doc]
        use super::types::*;
        #[allow(unused_imports)]
        use crate::generated::types::*;
        #(#tests)*
    })
}

fn compact(value: &Json) -> Literal {
    Literal::string(&value.to_string())
}

/// The Rust expression that builds `value` (an object of `fields`) with `Type::new(...)` and
/// setters.
fn struct_expr(api: &Api, ty: &proc_macro2::Ident, fields_: &[Field], value: &Json) -> TokenStream {
    let empty = Map::new();
    let obj = value.as_object().unwrap_or(&empty);
    let args = fields_
        .iter()
        .filter(|f| f.is_argument())
        .map(|f| match obj.get(&f.name) {
            Some(v) => value_expr(api, v, &f.ty),
            None => quote!(Default::default()),
        });
    let setters = fields_.iter().filter(|f| !f.is_argument()).filter_map(|f| {
        let v = obj.get(&f.name)?;
        let setter = ident(&f.rust_name);
        let expr = value_expr(api, v, &f.ty);
        Some(quote!(.#setter(#expr)))
    });
    quote!(#ty::new(#(#args),*) #(#setters)*)
}

fn value_expr(api: &Api, value: &Json, ty: &TypeRef) -> TokenStream {
    match (ty, value) {
        (TypeRef::String, Json::String(s)) => quote!(#s),
        (TypeRef::Integer, Json::Number(n)) => {
            let lit = Literal::i64_unsuffixed(n.as_i64().unwrap_or_default());
            quote!(#lit)
        }
        (TypeRef::Float, Json::Number(n)) => {
            let lit = Literal::f64_suffixed(n.as_f64().unwrap_or_default());
            quote!(#lit)
        }
        (TypeRef::Bool, Json::Bool(b)) => quote!(#b),
        (TypeRef::Enum(name), Json::String(s)) => {
            let name = ident(name);
            quote!(#name::from(#s))
        }
        (TypeRef::Struct(name), Json::Object(_)) => {
            let fields_ = api
                .find_struct(name)
                .map(|s| s.fields.as_slice())
                .unwrap_or_default();
            struct_expr(api, &ident(name), fields_, value)
        }
        (TypeRef::List(inner), Json::Array(items)) if items.is_empty() => {
            let inner = fields::rust_type(inner);
            quote!(Vec::<#inner>::new())
        }
        (TypeRef::List(inner), Json::Array(items)) => {
            let items = items.iter().map(|v| value_expr(api, v, inner));
            quote!(vec![#(#items),*])
        }
        // Validation guarantees the example matches its types.
        _ => quote!(Default::default()),
    }
}

/// The example with every float-typed number written as a float, as serde writes it.
fn normalize(api: &Api, value: &Json, ty: &TypeRef) -> Json {
    match (ty, value) {
        (TypeRef::Float, Json::Number(n)) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .unwrap_or_else(|| value.clone()),
        (TypeRef::List(inner), Json::Array(items)) => {
            Json::Array(items.iter().map(|v| normalize(api, v, inner)).collect())
        }
        (TypeRef::Struct(name), Json::Object(_)) => {
            let fields_ = api
                .find_struct(name)
                .map(|s| s.fields.as_slice())
                .unwrap_or_default();
            normalize_object(api, value, fields_)
        }
        _ => value.clone(),
    }
}

fn normalize_object(api: &Api, value: &Json, fields_: &[Field]) -> Json {
    match value {
        Json::Object(obj) => Json::Object(
            obj.iter()
                .map(|(k, v)| {
                    let v = match fields_.iter().find(|f| &f.name == k) {
                        Some(f) => normalize(api, v, &f.ty),
                        None => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
