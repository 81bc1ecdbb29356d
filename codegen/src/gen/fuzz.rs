//! The fuzz targets' table (`fuzz/src/generated/mod.rs`): every action's types and its
//! documented examples, and every error code, so that a new action or code is fuzzed, and
//! seeded, without a hand edit.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::gen::actions::request_name;
use crate::gen::fields::ident;
use crate::model::Api;
use crate::naming::snake_case;

/// `fuzz/src/generated/mod.rs`.
pub fn actions_file(api: &Api) -> TokenStream {
    let entries = api.classes.iter().flat_map(|class| {
        class.actions.iter().map(move |action| {
            let module = format_ident!("{}", snake_case(&class.name));
            let request = ident(&request_name(action));
            // Each distinct example once, in the spec's order.
            let distinct = |examples: Vec<String>| {
                let mut kept: Vec<String> = Vec::new();
                for example in examples {
                    if !kept.contains(&example) {
                        kept.push(example);
                    }
                }
                kept.into_iter().map(|json| Literal::string(&json))
            };
            let requests = distinct(
                action
                    .examples
                    .iter()
                    .filter_map(|e| Some(e.request.as_ref()?.to_string()))
                    .collect(),
            );
            let replies = distinct(
                action
                    .examples
                    .iter()
                    .filter_map(|e| Some(e.reply.as_ref()?.to_string()))
                    .collect(),
            );
            quote! {
                Entry::new::<cme_sdk::#module::#request>(&[#(#requests),*], &[#(#replies),*]),
            }
        })
    });
    let codes = api.codes.iter().map(|c| Literal::string(&c.code));
    quote! {
        //! Code generated from the API spec: every action and error code, for the fuzz targets.
        use crate::actions::Entry;

        /// Every action of the spec, in its order, with the request bodies and the reply
        /// envelopes of its documented examples (the seeds of the fuzz targets).
        pub const ACTIONS: &[Entry] = &[#(#entries)*];

        /// Every error code of the spec's table.
        pub const CODES: &[&str] = &[#(#codes),*];
    }
}
