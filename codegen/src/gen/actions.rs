//! Per ActionClass: the request and `Data` types (`types.rs`) and the client methods
//! (`client.rs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::gen::docs;
use crate::gen::fields::{self, ident};
use crate::gen::shared::struct_item;
use crate::model::{Action, Class};
use crate::naming::snake_case;

/// The Rust name of an action's request type.
pub fn request_name(action: &Action) -> String {
    format!("{}Request", action.name)
}

/// The Rust name of an action's `Data` type.
pub fn data_name(action: &Action) -> String {
    format!("{}Data", action.name)
}

/// The lines every item of an action carries: path, description, idempotency, paging, errors.
pub fn action_doc(class: &Class, action: &Action) -> Vec<String> {
    let mut lines = vec![format!(
        "`{}/{}`: {}",
        class.name,
        action.name,
        docs::escape(&action.doc.en)
    )];
    if let Some(zh) = &action.doc.zh {
        lines.push(String::new());
        lines.push(docs::escape(zh));
    }
    lines.push(String::new());
    lines.push(if action.idempotent {
        "- Idempotent: retried after a timeout or a lost reply.".into()
    } else {
        "- Not idempotent: never retried once it may have reached the service.".into()
    });
    if let Some(p) = &action.pagination {
        lines.push(format!(
            "- Paginated: `{}`/`{}` over `{}`, total in `{}`; see `Call::pages` and `Call::items`.",
            p.offset, p.limit, p.items, p.total
        ));
    }
    if !action.errors.is_empty() {
        let codes: Vec<_> = action.errors.iter().map(|c| format!("`{c}`")).collect();
        lines.push(format!("- Documented errors: {}.", codes.join(", ")));
    }
    if let Some(url) = &action.doc_url {
        lines.push(format!("- Reference: <{url}>"));
    }
    lines
}

fn action_types(class: &Class, action: &Action) -> TokenStream {
    let req = request_name(action);
    let data = data_name(action);
    let mut req_doc = action_doc(class, action);
    req_doc[0] = format!("The request of {}", req_doc[0]);
    let request = struct_item(&req, req_doc, &action.request, true, false, false);
    let mut data_doc = vec![format!(
        "The `Data` of a successful `{}/{}` reply.",
        class.name, action.name
    )];
    if action.hand_written_decoder {
        data_doc.push(String::new());
        data_doc.push(
            "The docs disagree on the shape of this reply; its decoder is written by hand \
             (`sdk/src/quirks.rs`) and accepts every documented shape."
                .to_owned(),
        );
    }
    let data_item = struct_item(
        &data,
        data_doc,
        &action.data,
        false,
        true,
        action.hand_written_decoder,
    );
    let (class_name, action_name, idempotent) = (&class.name, &action.name, action.idempotent);
    let req_ident = ident(&req);
    let data_ident = ident(&data);
    let paginated = action.pagination.as_ref().map(|p| {
        let find = |fields: &[crate::model::Field], name: &str| {
            fields.iter().find(|f| f.name == name).cloned()
        };
        let offset = ident(
            &find(&action.request, &p.offset)
                .map(|f| f.rust_name)
                .unwrap_or_default(),
        );
        let items_field = find(&action.data, &p.items);
        let items = ident(
            &items_field
                .as_ref()
                .map(|f| f.rust_name.clone())
                .unwrap_or_default(),
        );
        let item_ty = match items_field.map(|f| f.ty) {
            Some(crate::model::TypeRef::List(inner)) => fields::rust_type(&inner),
            _ => quote!(()),
        };
        let total_field = find(&action.data, &p.total);
        let total = ident(
            &total_field
                .as_ref()
                .map(|f| f.rust_name.clone())
                .unwrap_or_default(),
        );
        let total_expr = if total_field.is_some_and(|f| f.required) {
            quote!(Some(data.#total))
        } else {
            quote!(data.#total)
        };
        quote! {
            impl crate::action::Paginated for #req_ident {
                type Item = #item_ty;
                fn offset(&self) -> i64 {
                    self.#offset.unwrap_or(0)
                }
                fn set_offset(&mut self, offset: i64) {
                    self.#offset = Some(offset);
                }
                fn items(data: &#data_ident) -> &[Self::Item] {
                    &data.#items
                }
                fn total(data: &#data_ident) -> Option<i64> {
                    #total_expr
                }
                fn into_items(data: #data_ident) -> Vec<Self::Item> {
                    data.#items
                }
            }
        }
    });
    quote! {
        #request
        impl crate::action::Action for #req_ident {
            type Data = #data_ident;
            const META: crate::action::ActionMeta = crate::action::ActionMeta::new(#class_name, #action_name, #idempotent);
        }
        #paginated
        #data_item
    }
}

/// `<class>/types.rs`: the requests and `Data` of one class.
pub fn types_file(class: &Class) -> TokenStream {
    let items = class.actions.iter().map(|a| action_types(class, a));
    let doc = format!(" Requests and replies of the `{}` actions.", class.name);
    quote! {
        #![doc = #doc]
        #[allow(unused_imports)]
        use crate::generated::types::*;
        #(#items)*
    }
}

/// The name of a class's client type (`MaterialClient`).
pub fn client_name(class: &Class) -> String {
    format!("{}Client", class.name)
}

/// `<class>/client.rs`: the class accessor on `Client`, one method per action, and the
/// optional-field setters on `Call`.
pub fn client_file(class: &Class) -> TokenStream {
    let client = ident(&client_name(class));
    let accessor = format_ident!("{}", snake_case(&class.name));
    let accessor_doc = docs::attrs({
        let mut d = vec![format!("The `{}` actions.", class.name)];
        d.push(String::new());
        d.extend(docs::bilingual(&class.doc));
        d
    });
    let methods = class.actions.iter().map(|a| {
        let method = format_ident!("{}", snake_case(&a.name));
        let req = ident(&request_name(a));
        let required: Vec<_> = a.request.iter().filter(|f| f.is_argument()).collect();
        let params = required.iter().map(|f| {
            let name = ident(&f.rust_name);
            let (ty, _) = fields::argument(f);
            quote!(#name: #ty)
        });
        let args = required.iter().map(|f| ident(&f.rust_name));
        let mut doc = action_doc(class, a);
        doc.push(String::new());
        doc.push(if a.request.iter().any(|f| !f.is_argument()) {
            format!(
                "Returns a [`Call`] to set optional fields on and `send`; it yields [`{}`].",
                data_name(a)
            )
        } else {
            format!(
                "Returns a [`Call`] to `send`; it yields [`{}`].",
                data_name(a)
            )
        });
        let doc = docs::attrs(doc);
        let allow = (required.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        quote! {
            #doc
            #allow
            pub fn #method(&self, #(#params),*) -> Call<#req> {
                Call::new(self.client, #req::new(#(#args),*))
            }
        }
    });
    let setters = class
        .actions
        .iter()
        .filter(|a| a.request.iter().any(|f| !f.is_argument()))
        .map(|a| {
            let req = ident(&request_name(a));
            let setters = a.request.iter().filter(|f| !f.is_argument()).map(|f| {
                let name = ident(&f.rust_name);
                let (ty, _) = fields::argument(f);
                let doc = docs::attrs(fields::setter_doc(f));
                quote! {
                    #doc
                    pub fn #name(self, #name: #ty) -> Self {
                        self.map(|r| r.#name(#name))
                    }
                }
            });
            quote! {
                impl Call<#req> {
                    #(#setters)*
                }
            }
        });
    let class_doc = format!(" Client methods of the `{}` actions.", class.name);
    let struct_doc = format!(
        " The `{}` actions of a [`Client`]; get it with [`Client::{}`].",
        class.name, accessor
    );
    quote! {
        #![doc = #class_doc]
        use super::types::*;
        #[allow(unused_imports)]
        use crate::generated::types::*;
        use crate::{Call, Client};

        #[doc = #struct_doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #client<'c> {
            /// The client the calls go through; hand-written extensions (uploads) use it.
            pub(crate) client: &'c Client,
        }

        impl Client {
            #accessor_doc
            pub fn #accessor(&self) -> #client<'_> {
                #client { client: self }
            }
        }

        impl<'c> #client<'c> {
            #(#methods)*
        }

        #(#setters)*
    }
}
