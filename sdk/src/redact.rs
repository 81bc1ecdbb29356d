//! Keeps tickets and signatures out of error messages: known secrets and the values of
//! credential-like keys (`auth=`, `signature=`, `"Authorization": "…"`) are replaced.

/// What replaces a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// The longest snippet of a reply body kept in an error, in characters.
const SNIPPET_CHARS: usize = 200;

/// How much of a body is looked at for a snippet, in bytes.
const SNIPPET_WINDOW: usize = 4096;

/// Keys whose values are credentials, lowercase.
const SECRET_KEYS: [&str; 6] = [
    "auth",
    "authorization",
    "signature",
    "verifysign",
    "ticket",
    "secretkey",
];

/// A short, single-line, redacted excerpt of a reply body.
pub(crate) fn snippet(body: &[u8], secrets: &[&str]) -> String {
    let window = &body[..body.len().min(SNIPPET_WINDOW)];
    let text = scrub(&String::from_utf8_lossy(window), secrets);
    let mut out = String::with_capacity(SNIPPET_CHARS);
    let mut kept = 0;
    let mut last_space = true;
    for c in text.chars() {
        let space = c.is_whitespace() || c.is_control();
        if space && last_space {
            continue;
        }
        if kept == SNIPPET_CHARS {
            out.push('…');
            break;
        }
        out.push(if space { ' ' } else { c });
        kept += 1;
        last_space = space;
    }
    out.trim_end().to_owned()
}

/// `text` with every known secret (verbatim or percent-encoded) and every value of a
/// credential-like key replaced by `<redacted>`.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, REDACTED);
        let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if encoded != *secret {
            out = out.replace(&encoded, REDACTED);
        }
    }
    scrub_keyed_values(&out)
}

/// Replaces the values of `key=value`, `key: value` and `"key": "value"` for [`SECRET_KEYS`].
fn scrub_keyed_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
        let key_len = if at_word_start {
            secret_key_at(bytes, i)
        } else {
            None
        };
        let Some(key_len) = key_len else {
            i += 1;
            continue;
        };
        let Some(value_start) = value_start(bytes, i + key_len) else {
            i += key_len;
            continue;
        };
        let value_end = bytes[value_start..]
            .iter()
            .position(|b| is_value_end(*b))
            .map_or(bytes.len(), |n| value_start + n);
        if value_end > value_start {
            // Every boundary here sits next to an ASCII byte, so it is a char boundary.
            out.push_str(&text[copied..value_start]);
            out.push_str(REDACTED);
            copied = value_end;
        }
        i = value_end.max(i + key_len);
    }
    out.push_str(&text[copied..]);
    out
}

/// The length of the secret key starting at `i`, if one does and is followed by a non-word byte.
fn secret_key_at(bytes: &[u8], i: usize) -> Option<usize> {
    SECRET_KEYS
        .iter()
        .filter(|key| {
            bytes
                .get(i..i + key.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(key.as_bytes()))
                && !bytes.get(i + key.len()).copied().is_some_and(is_word_byte)
        })
        .map(|key| key.len())
        .max()
}

/// Where the value starts after a key ending at `i`: past an optional closing quote, `=` or `:`,
/// spaces and an opening quote. `None` when no separator follows.
fn value_start(bytes: &[u8], mut i: usize) -> Option<usize> {
    if bytes.get(i) == Some(&b'"') {
        i += 1;
    }
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    if !matches!(bytes.get(i), Some(b'=' | b':')) {
        return None;
    }
    i += 1;
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    if bytes.get(i) == Some(&b'"') {
        i += 1;
    }
    Some(i)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

fn is_value_end(b: u8) -> bool {
    matches!(
        b,
        b'&' | b'"' | b'\'' | b'<' | b'>' | b',' | b';' | b'}' | b')'
    ) || b.is_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_keyed_values() {
        assert_eq!(
            scrub("GET /PaaS/A/B?auth=tf_123&x=1 and signature=ab%2Bc", &[]),
            "GET /PaaS/A/B?auth=<redacted>&x=1 and signature=<redacted>"
        );
        assert_eq!(
            scrub(
                r#"{"Authorization" : "tf_abc", "Author": "me", "AppId":1}"#,
                &[]
            ),
            r#"{"Authorization" : "<redacted>", "Author": "me", "AppId":1}"#
        );
        assert_eq!(
            scrub("no secrets: authentic=1 oauth=2", &[]),
            "no secrets: authentic=1 oauth=2"
        );
    }

    #[test]
    fn scrubs_known_secrets_plain_and_encoded() {
        assert_eq!(
            scrub("x a+b/c= y a%2Bb%2Fc%3D z", &["a+b/c="]),
            "x <redacted> y <redacted> z"
        );
    }

    #[test]
    fn snippets_are_short_single_lines() {
        let body = format!("<html>\n  <body>{}</body>\n</html>", "é".repeat(500));
        let s = snippet(body.as_bytes(), &[]);
        assert!(s.starts_with("<html> <body>éé"));
        assert!(s.ends_with('…'));
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert_eq!(snippet(b"\xff\xfe bad", &[]), "\u{fffd}\u{fffd} bad");
    }
}
