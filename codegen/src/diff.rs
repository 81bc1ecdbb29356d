//! What changed between two versions of the spec, for the changelog: actions and fields added,
//! removed, retyped, made required; changes that break users' code are marked.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{Api, Field};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What it is about, e.g. `action Material/ListMedia` or `struct Entity`.
    pub subject: String,
    /// What changed.
    pub what: String,
    /// Whether code written against the old SDK may stop compiling or decoding.
    pub breaking: bool,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.what)?;
        if self.breaking {
            f.write_str(" [breaking]")?;
        }
        Ok(())
    }
}

/// Which side of the wire a list of fields is on: it decides what breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Sent by users: a new required field or a removed field breaks their code.
    Request,
    /// Read by users: a removed or retyped field breaks their code; a new one does not.
    Reply,
}

fn describe(f: &Field) -> String {
    format!(
        "{} {}",
        if f.required { "required" } else { "optional" },
        f.ty.spec_name()
    )
}

fn diff_fields(subject: &str, side: Side, old: &[Field], new: &[Field], out: &mut Vec<Change>) {
    let change = |what: String, breaking: bool| Change {
        subject: subject.to_owned(),
        what,
        breaking,
    };
    for n in new {
        match old.iter().find(|o| o.name == n.name) {
            None => {
                let breaking = side == Side::Request && n.required;
                out.push(change(
                    format!("field {} added ({})", n.name, describe(n)),
                    breaking,
                ));
            }
            Some(o) => {
                if o.ty != n.ty {
                    out.push(change(
                        format!(
                            "field {} retyped: {} -> {}",
                            n.name,
                            o.ty.spec_name(),
                            n.ty.spec_name()
                        ),
                        true,
                    ));
                }
                if o.required != n.required {
                    let what = if n.required {
                        "made required"
                    } else {
                        "made optional"
                    };
                    // Both directions change a constructor's arguments or a field's `Option`.
                    out.push(change(format!("field {} {what}", n.name), true));
                }
                if o.rust_name != n.rust_name {
                    out.push(change(
                        format!(
                            "field {} renamed in Rust: {} -> {}",
                            n.name, o.rust_name, n.rust_name
                        ),
                        true,
                    ));
                }
                if o.constraints != n.constraints {
                    out.push(change(
                        format!("field {} constraints changed", n.name),
                        false,
                    ));
                }
                if o.from_client != n.from_client {
                    let what = match n.from_client {
                        Some(from) => {
                            format!("field {} now supplied by the client ({from:?})", n.name)
                        }
                        None => format!("field {} no longer supplied by the client", n.name),
                    };
                    // A constructor argument becomes a setter, or the reverse.
                    out.push(change(what, o.is_argument() != n.is_argument()));
                }
                if o.format != n.format {
                    let what = match n.format {
                        Some(format) => format!("field {} has the format {format:?}", n.name),
                        None => format!("field {} lost its format", n.name),
                    };
                    // Typed accessors come and go with the format.
                    out.push(change(what, o.format.is_some()));
                }
            }
        }
    }
    for o in old {
        if !new.iter().any(|n| n.name == o.name) {
            out.push(change(
                format!("field {} removed ({})", o.name, describe(o)),
                true,
            ));
        }
    }
}

/// Every change from `old` to `new`, in a stable order.
pub fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Vec::new();
    let actions = |api: &Api| -> BTreeMap<String, crate::model::Action> {
        api.classes
            .iter()
            .flat_map(|c| {
                c.actions
                    .iter()
                    .map(move |a| (format!("{}/{}", c.name, a.name), a.clone()))
            })
            .collect()
    };
    let (old_actions, new_actions) = (actions(old), actions(new));
    for (path, n) in &new_actions {
        let subject = format!("action {path}");
        let Some(o) = old_actions.get(path) else {
            out.push(Change {
                subject,
                what: "added".into(),
                breaking: false,
            });
            continue;
        };
        diff_fields(
            &format!("{subject} request"),
            Side::Request,
            &o.request,
            &n.request,
            &mut out,
        );
        diff_fields(
            &format!("{subject} Data"),
            Side::Reply,
            &o.data,
            &n.data,
            &mut out,
        );
        if o.hand_written_decoder != n.hand_written_decoder {
            out.push(Change {
                subject: subject.clone(),
                what: format!(
                    "Data decoder: {}",
                    if n.hand_written_decoder {
                        "hand-written (sdk/src/quirks.rs must implement it)"
                    } else {
                        "generated"
                    }
                ),
                breaking: false,
            });
        }
        if o.idempotent != n.idempotent {
            out.push(Change {
                subject: subject.clone(),
                what: format!("idempotent: {} -> {}", o.idempotent, n.idempotent),
                breaking: false,
            });
        }
        if o.pagination != n.pagination {
            out.push(Change {
                subject: subject.clone(),
                what: "pagination changed".into(),
                breaking: o.pagination.is_some() && n.pagination.is_none(),
            });
        }
        for code in o.errors.iter().filter(|c| !n.errors.contains(c)) {
            out.push(Change {
                subject: subject.clone(),
                what: format!("no longer documents error {code}"),
                breaking: false,
            });
        }
        for code in n.errors.iter().filter(|c| !o.errors.contains(c)) {
            out.push(Change {
                subject: subject.clone(),
                what: format!("documents error {code}"),
                breaking: false,
            });
        }
    }
    for path in old_actions.keys().filter(|p| !new_actions.contains_key(*p)) {
        out.push(Change {
            subject: format!("action {path}"),
            what: "removed".into(),
            breaking: true,
        });
    }
    for n in &new.structs {
        let subject = format!("struct {}", n.name);
        match old.find_struct(&n.name) {
            None => out.push(Change {
                subject,
                what: "added".into(),
                breaking: false,
            }),
            Some(o) => {
                let side = if n.input { Side::Request } else { Side::Reply };
                diff_fields(&subject, side, &o.fields, &n.fields, &mut out);
            }
        }
    }
    for o in old
        .structs
        .iter()
        .filter(|o| new.find_struct(&o.name).is_none())
    {
        out.push(Change {
            subject: format!("struct {}", o.name),
            what: "removed".into(),
            breaking: true,
        });
    }
    for n in &new.enums {
        let subject = format!("enum {}", n.name);
        let Some(o) = old.find_enum(&n.name) else {
            out.push(Change {
                subject,
                what: "added".into(),
                breaking: false,
            });
            continue;
        };
        for v in n
            .values
            .iter()
            .filter(|v| !o.values.iter().any(|ov| ov.value == v.value))
        {
            out.push(Change {
                subject: subject.clone(),
                what: format!("value {:?} added", v.value),
                breaking: false,
            });
        }
        for v in &n.values {
            if let Some(ov) = o.values.iter().find(|ov| ov.value == v.value) {
                if ov.variant != v.variant {
                    out.push(Change {
                        subject: subject.clone(),
                        what: format!(
                            "value {:?} renamed in Rust: {} -> {}",
                            v.value, ov.variant, v.variant
                        ),
                        breaking: true,
                    });
                }
            }
        }
        for v in o
            .values
            .iter()
            .filter(|v| !n.values.iter().any(|nv| nv.value == v.value))
        {
            out.push(Change {
                subject: subject.clone(),
                what: format!("value {:?} removed", v.value),
                breaking: true,
            });
        }
    }
    for o in old
        .enums
        .iter()
        .filter(|o| new.find_enum(&o.name).is_none())
    {
        out.push(Change {
            subject: format!("enum {}", o.name),
            what: "removed".into(),
            breaking: true,
        });
    }
    for n in &new.codes {
        match old.codes.iter().find(|o| o.code == n.code) {
            None => out.push(Change {
                subject: format!("error code {}", n.code),
                what: "added".into(),
                breaking: false,
            }),
            Some(o)
                if o.retry != n.retry
                    || o.ticket_invalid != n.ticket_invalid
                    || o.not_executed != n.not_executed =>
            {
                out.push(Change {
                    subject: format!("error code {}", n.code),
                    what: "retry, ticket or not-executed handling changed".into(),
                    breaking: false,
                })
            }
            Some(o) if o.category != n.category => out.push(Change {
                subject: format!("error code {}", n.code),
                what: format!("category {} -> {}", o.category.name(), n.category.name()),
                breaking: false,
            }),
            Some(_) => {}
        }
    }
    for o in old
        .codes
        .iter()
        .filter(|o| !new.codes.iter().any(|n| n.code == o.code))
    {
        out.push(Change {
            subject: format!("error code {}", o.code),
            what: "removed".into(),
            breaking: true,
        });
    }
    out
}
