//! Doc comments for generated items.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Constraints, Doc, Field};

/// Escapes text from the spec for rustdoc: no accidental links, HTML tags or bare URLs.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            out.push('<');
            out.push_str(trimmed);
            out.push('>');
            out.push_str(&word[trimmed.len()..]);
            continue;
        }
        for c in word.chars() {
            if matches!(c, '[' | ']' | '<' | '>' | '*') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// `#[doc = ...]` attributes, one per line.
pub fn attrs<I, S>(lines: I) -> TokenStream
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let lines = lines.into_iter().map(|l| {
        let l = l.as_ref();
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// The English paragraph, then the Chinese one.
pub fn bilingual(doc: &Doc) -> Vec<String> {
    let mut lines = vec![escape(&doc.en)];
    if let Some(zh) = &doc.zh {
        lines.push(String::new());
        lines.push(escape(zh));
    }
    lines
}

/// A field's doc: its description, constraints, default and wire name.
pub fn field(field: &Field) -> Vec<String> {
    let mut lines = bilingual(&field.doc);
    let mut facts = constraint_facts(&field.constraints);
    if let Some(d) = &field.default {
        let d = match d {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        facts.push(format!("Default: `{d}`."));
    }
    let mut wire = format!("Wire name: `{}`", field.name);
    if !field.aliases.is_empty() {
        let aliases: Vec<_> = field.aliases.iter().map(|a| format!("`{a}`")).collect();
        wire.push_str(&format!(" (also accepted: {})", aliases.join(", ")));
    }
    wire.push('.');
    facts.push(wire);
    if field.sensitive {
        facts.push("Sensitive: redacted in `Debug` output.".into());
    }
    lines.push(String::new());
    lines.push(facts.join(" "));
    if let Some(seen) = &field.undocumented {
        lines.push(String::new());
        lines.push(format!(
            "Not in the docs: seen in real clients ({}).",
            escape(seen)
        ));
    }
    lines
}

fn constraint_facts(c: &Constraints) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = c.max_items {
        out.push(format!("At most {n} items."));
    }
    if let Some(n) = c.max_length {
        out.push(format!("At most {n} characters."));
    }
    match (c.min, c.max) {
        (Some(lo), Some(hi)) => out.push(format!("From {lo} to {hi}.")),
        (Some(lo), None) => out.push(format!("At least {lo}.")),
        (None, Some(hi)) => out.push(format!("At most {hi}.")),
        (None, None) => {}
    }
    if let Some(allowed) = &c.allowed {
        let vals: Vec<_> = allowed.iter().map(|v| format!("`{v}`")).collect();
        out.push(format!("One of {}.", vals.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_and_wraps_urls() {
        assert_eq!(
            escape("[x1,y1] <b> see https://a.b/c."),
            "\\[x1,y1\\] \\<b\\> see <https://a.b/c.>"
        );
        assert_eq!(escape("VIDEO_EDIT, `Desc`"), "VIDEO_EDIT, `Desc`");
    }
}
