//! The command line's side (`cli/src/generated/actions.rs`): a static, data-only description of
//! every ActionClass, action and request field (wire name, flag, type, constraints, bilingual
//! docs, paging), of the structs and enums requests hold, and per action the typed entry point
//! into the CLI's dispatch (`crate::dispatch::single::<Request>` or `paged::<Request>`). The CLI
//! builds its commands from this table at run time; a new action in the spec is a new command.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::gen::actions::request_name;
use crate::gen::fields::ident;
use crate::model::{Action, Api, Class, Constraints, Doc, Field, Format, TypeRef};
use crate::naming::{kebab_case, snake_case};

/// `Text { en, zh }`.
fn text(doc: &Doc) -> TokenStream {
    let en = &doc.en;
    let zh = match &doc.zh {
        Some(zh) => quote!(Some(#zh)),
        None => quote!(None),
    };
    quote!(Text { en: #en, zh: #zh })
}

fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(Type::String),
        TypeRef::Integer => quote!(Type::Integer),
        TypeRef::Float => quote!(Type::Float),
        TypeRef::Bool => quote!(Type::Bool),
        TypeRef::Enum(name) => quote!(Type::Enum(#name)),
        TypeRef::Struct(name) => quote!(Type::Struct(#name)),
        TypeRef::List(inner) => {
            let inner = type_tokens(inner);
            quote!(Type::List(&#inner))
        }
    }
}

fn option<T>(value: Option<T>, f: impl FnOnce(T) -> TokenStream) -> TokenStream {
    match value {
        Some(v) => {
            let v = f(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn constraints(c: &Constraints) -> TokenStream {
    if *c == Constraints::default() {
        return quote!(Constraints::NONE);
    }
    let max_length = option(c.max_length, |n| quote!(#n));
    let max_items = option(c.max_items, |n| quote!(#n));
    let float = |n: f64| {
        let n = Literal::f64_suffixed(n);
        quote!(#n)
    };
    let (min, max) = (option(c.min, float), option(c.max, float));
    let allowed = c.allowed.as_deref().unwrap_or_default();
    quote! {
        Constraints {
            max_length: #max_length,
            max_items: #max_items,
            min: #min,
            max: #max,
            allowed: &[#(#allowed),*],
        }
    }
}

fn field(f: &Field) -> TokenStream {
    let wire = &f.name;
    let flag = kebab_case(&f.name);
    let ty = type_tokens(&f.ty);
    let (required, from_client, sensitive) = (f.required, f.from_client.is_some(), f.sensitive);
    let default = option(f.default.as_ref(), |d| {
        let d = d.to_string();
        quote!(#d)
    });
    let date_time = f.format == Some(Format::DateTime);
    let constraints = constraints(&f.constraints);
    let doc = text(&f.doc);
    quote! {
        FieldSpec {
            wire: #wire,
            flag: #flag,
            ty: #ty,
            required: #required,
            from_client: #from_client,
            sensitive: #sensitive,
            date_time: #date_time,
            default: #default,
            constraints: #constraints,
            doc: #doc,
        }
    }
}

fn action(class: &Class, a: &Action) -> TokenStream {
    let (name, command) = (&a.name, kebab_case(&a.name));
    let doc = text(&a.doc);
    let doc_url = option(a.doc_url.as_ref(), |u| quote!(#u));
    let idempotent = a.idempotent;
    let paging = option(a.pagination.as_ref(), |p| {
        let (offset, limit, total, items) = (&p.offset, &p.limit, &p.total, &p.items);
        quote!(Paging { offset: #offset, limit: #limit, total: #total, items: #items })
    });
    let fields = a.request.iter().map(field);
    let module = format_ident!("{}", snake_case(&class.name));
    let request = ident(&request_name(a));
    let prepare = if a.pagination.is_some() {
        quote!(crate::dispatch::paged::<cme_sdk::#module::#request>)
    } else {
        quote!(crate::dispatch::single::<cme_sdk::#module::#request>)
    };
    quote! {
        ActionSpec {
            name: #name,
            command: #command,
            doc: #doc,
            doc_url: #doc_url,
            idempotent: #idempotent,
            paging: #paging,
            fields: &[#(#fields),*],
            prepare: #prepare,
        }
    }
}

/// The names of the structs and enums a request can hold, directly or inside structs.
fn request_types(api: &Api) -> (BTreeSet<String>, BTreeSet<String>) {
    fn visit(
        api: &Api,
        ty: &TypeRef,
        structs: &mut BTreeSet<String>,
        enums: &mut BTreeSet<String>,
    ) {
        match ty.element() {
            TypeRef::Enum(name) => {
                enums.insert(name.clone());
            }
            // Each struct once: a recursive one stops here.
            TypeRef::Struct(name) if structs.insert(name.clone()) => {
                for f in api.find_struct(name).map_or(&[][..], |s| &s.fields) {
                    visit(api, &f.ty, structs, enums);
                }
            }
            _ => {}
        }
    }
    let (mut structs, mut enums) = (BTreeSet::new(), BTreeSet::new());
    for f in api
        .classes
        .iter()
        .flat_map(|c| &c.actions)
        .flat_map(|a| &a.request)
    {
        visit(api, &f.ty, &mut structs, &mut enums);
    }
    (structs, enums)
}

/// `cli/src/generated/actions.rs`.
pub fn actions_file(api: &Api) -> TokenStream {
    let classes = api.classes.iter().map(|c| {
        let (name, command) = (&c.name, kebab_case(&c.name));
        let doc = text(&c.doc);
        let actions = c.actions.iter().map(|a| action(c, a));
        quote! {
            ClassSpec {
                name: #name,
                command: #command,
                doc: #doc,
                actions: &[#(#actions),*],
            }
        }
    });
    let (struct_names, enum_names) = request_types(api);
    let structs = api
        .structs
        .iter()
        .filter(|s| struct_names.contains(&s.name))
        .map(|s| {
            let name = &s.name;
            let doc = text(&s.doc);
            let fields = s.fields.iter().map(field);
            quote!(StructSpec { name: #name, doc: #doc, fields: &[#(#fields),*] })
        });
    let enums = api
        .enums
        .iter()
        .filter(|e| enum_names.contains(&e.name))
        .map(|e| {
            let name = &e.name;
            let doc = text(&e.doc);
            let values = e.values.iter().map(|v| {
                let value = &v.value;
                let doc = text(&v.doc);
                quote!(EnumValue { value: #value, doc: #doc })
            });
            quote!(EnumSpec { name: #name, doc: #doc, values: &[#(#values),*] })
        });
    quote! {
        //! Every ActionClass, action and request field of the spec, as the command line sees
        //! them, and the typed entry point of each action into [`crate::dispatch`].
        use crate::spec::{
            ActionSpec, ClassSpec, Constraints, EnumSpec, EnumValue, FieldSpec, Paging, StructSpec,
            Text, Type,
        };

        /// Every ActionClass, sorted by name, with its actions in spec order.
        pub static CLASSES: &[ClassSpec] = &[#(#classes),*];

        /// The structs requests hold (directly or inside other structs).
        pub static STRUCTS: &[StructSpec] = &[#(#structs),*];

        /// The enums requests hold (directly or inside structs).
        pub static ENUMS: &[EnumSpec] = &[#(#enums),*];
    }
}

/// `cli/src/generated/mod.rs`.
pub fn mod_file() -> TokenStream {
    quote! {
        //! Code generated from the API spec: the command line's table of actions.
        pub mod actions;
    }
}
