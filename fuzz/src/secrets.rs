//! Searching what an error shows for a secret, in every form the SDK promises to scrub:
//! verbatim, percent-encoded once or twice (hex in either case), and JSON-escaped.

use std::error::Error as StdError;
use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a URL query leaves unencoded (RFC 3986's unreserved characters).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The forms of `secret` that must never be shown.
pub fn forms(secret: &str) -> Vec<String> {
    let once = utf8_percent_encode(secret, QUERY).to_string();
    let lower = lowercase_escapes(&once);
    let twice = once.replace('%', "%25");
    let mut forms = vec![
        secret.to_owned(),
        secret.replace('/', "\\/"),
        lower,
        twice,
        once,
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// `%2B` as `%2b`.
fn lowercase_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&escape.to_ascii_lowercase());
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

/// Everything an error shows: its `Display`, `Debug` (plain and pretty), and the same of each
/// error of its `source()` chain.
pub fn shown(error: &(dyn StdError + 'static)) -> String {
    let mut shown = String::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let _ = write!(shown, "{error}\n{error:?}\n{error:#?}\n");
        next = error.source();
    }
    shown
}

/// The first form of any of `secrets` found in `shown`, with the secret it encodes.
pub fn leak(shown: &str, secrets: &[&str]) -> Option<String> {
    secrets.iter().find_map(|secret| {
        forms(secret)
            .into_iter()
            .find(|form| shown.contains(form.as_str()))
            .map(|form| format!("the secret {secret:?} is shown as {form:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_searched() {
        let forms = forms("tf+a/b=");
        for form in [
            "tf+a/b=",
            "tf+a\\/b=",
            "tf%2Ba%2Fb%3D",
            "tf%2ba%2fb%3d",
            "tf%252Ba%252Fb%253D",
        ] {
            assert!(forms.iter().any(|f| f == form), "{form} in {forms:?}");
        }
        assert!(leak("x tf%2ba%2fb%3d y", &["tf+a/b="]).is_some());
        assert!(leak("x tf+a/b y", &["tf+a/b="]).is_none());
    }
}
