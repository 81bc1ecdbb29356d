//! The emulator's server side: the `Service` trait (one method per action) and `dispatch`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::gen::actions::{data_name, request_name};
use crate::gen::docs;
use crate::gen::fields::ident;
use crate::model::Api;
use crate::naming::snake_case;

/// `emulator/src/generated/service.rs`.
pub fn service_file(api: &Api) -> TokenStream {
    let actions: Vec<_> = api
        .classes
        .iter()
        .flat_map(|c| c.actions.iter().map(move |a| (c, a)))
        .collect();
    let methods = actions.iter().map(|(c, a)| {
        let module = format_ident!("{}", snake_case(&c.name));
        let method = format_ident!("{}", snake_case(&a.name));
        let req = ident(&request_name(a));
        let data = ident(&data_name(a));
        let mut doc = vec![format!("`{}/{}`: {}", c.name, a.name, docs::escape(&a.doc.en))];
        if let Some(zh) = &a.doc.zh {
            doc.push(String::new());
            doc.push(docs::escape(zh));
        }
        let doc = docs::attrs(doc);
        quote! {
            #doc
            fn #method(&self, ctx: &Context, request: cme_sdk::#module::#req) -> Result<cme_sdk::#module::#data, Failure>;
        }
    });
    let metas = actions.iter().map(|(c, a)| {
        let module = format_ident!("{}", snake_case(&c.name));
        let req = ident(&request_name(a));
        quote!(<cme_sdk::#module::#req as cme_sdk::Action>::META)
    });
    let arms = actions.iter().map(|(c, a)| {
        let (class, name) = (&c.name, &a.name);
        let method = format_ident!("{}", snake_case(&a.name));
        quote!((#class, #name) => handle(body, |request| service.#method(ctx, request)),)
    });
    quote! {
        //! The server side of every action in the spec: implement [`Service`] and route requests
        //! with [`dispatch`].
        use crate::dispatch::{handle, Context, Failure, Reply};

        /// One method per action of the spec. Adding an action to the spec adds a method here,
        /// so the emulator does not compile until it handles the new action.
        pub trait Service: Send + Sync {
            #(#methods)*
        }

        /// Every action of the spec.
        pub const ACTIONS: &[cme_sdk::ActionMeta] = &[#(#metas),*];

        /// Decodes, validates and routes one request body to its action, and encodes its `Data`.
        pub fn dispatch<S: Service + ?Sized>(
            service: &S,
            ctx: &Context,
            class: &str,
            action: &str,
            body: &[u8],
        ) -> Result<Reply, Failure> {
            match (class, action) {
                #(#arms)*
                _ => Err(Failure::unknown_action(class, action)),
            }
        }
    }
}
