//! Keeps credentials out of what the SDK shows: errors (`Display`, `Debug`, the source chain)
//! and log lines.
//!
//! Text that comes from outside the SDK (the service's messages, a reply body, a decode error
//! quoting the reply, a signature source's error, an endpoint as the user wrote it) is kept in
//! an error only as [`Scrubbed`] text, which only [`Secrets::scrub`] makes. Scrubbing, over the
//! whole text:
//!
//! - replaces the secrets of the exchange (the ticket or the signature it sent) wherever they
//!   appear: verbatim, percent-encoded once or more (`%2B`, `%252B`, hex in either case), with
//!   `+` for a space, or JSON-escaped (`\/`);
//! - replaces the value of credential-like keys (`auth=…`, `signature: …`,
//!   `"Authorization": "…"`), also when the separator is encoded (`auth%3D…`, `auth%253D…`);
//! - replaces the userinfo of URLs (`http://user:password@host`);
//!
//! and only then puts the text on one line (so it cannot forge log lines) and cuts it to a bound,
//! so that a 10 MB message never makes a 10 MB error.

use std::fmt;
use std::ops::Range;

use secrecy::{ExposeSecret, SecretString};

/// What replaces a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// The longest snippet of a reply body kept in an error, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// The longest text of the service (a message, a code) or other foreign text kept in an error,
/// in characters.
pub(crate) const TEXT_CHARS: usize = 500;

/// Keys whose values are credentials, lowercase: the CME ones, and those of an upload (VOD's
/// session key and proofs, COS's temporary key and its `x-cos-security-token`).
const SECRET_KEYS: [&str; 15] = [
    "auth",
    "authorization",
    "signature",
    "verifysign",
    "ticket",
    "secretkey",
    "secret_key",
    "password",
    "token",
    "vodsessionkey",
    "voduploadsign",
    "vodverifykey",
    "verify_content",
    "storagesignature",
    "tmpsecretkey",
];

/// The credentials one exchange sent (the ticket, or the login signature): whatever comes back
/// is scrubbed of them.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Vec<SecretString>);

impl Secrets {
    /// The secrets `secrets`, empty ones left out.
    pub(crate) fn new(secrets: &[&str]) -> Self {
        Self(
            secrets
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| SecretString::from(*s))
                .collect(),
        )
    }

    /// These secrets and the string values of the credential-like members of `json` (a reply
    /// can quote its own ticket), for scrubbing what is said about that JSON. The members are
    /// found by a scan of the JSON's tokens, not a parse into a tree, so that nothing elsewhere
    /// in it (a number out of range, nesting deeper than a parser goes) hides them.
    pub(crate) fn and_credentials_in(&self, json: &[u8]) -> Self {
        let mut all = self.clone();
        // Whether the tokens so far are a credential-like key and its `:`.
        let mut after_secret_key = false;
        let mut i = 0;
        while i < json.len() {
            match json[i] {
                b'"' => {
                    let end = string_end(json, i);
                    let text = json_string(&json[i..end]);
                    let is_key = json[end..]
                        .iter()
                        .find(|b| !b.is_ascii_whitespace())
                        .is_some_and(|&b| b == b':');
                    if is_key {
                        after_secret_key = is_secret_key(&text);
                    } else {
                        if after_secret_key && !text.is_empty() {
                            all.0.push(SecretString::from(text));
                        }
                        after_secret_key = false;
                    }
                    i = end;
                }
                b':' | b' ' | b'\t' | b'\n' | b'\r' => i += 1,
                _ => {
                    after_secret_key = false;
                    i += 1;
                }
            }
        }
        all
    }

    /// `text` scrubbed (see the module docs), on one line, and cut to `max_chars` characters.
    pub(crate) fn scrub(&self, text: &str, max_chars: usize) -> Scrubbed {
        let secrets: Vec<&[u8]> = self
            .0
            .iter()
            .map(|s| s.expose_secret().as_bytes())
            .collect();
        Scrubbed(one_line(text, &redactions(text, &secrets), max_chars))
    }

    /// A snippet of a reply body: scrubbed as a whole, then cut to [`SNIPPET_CHARS`].
    pub(crate) fn snippet(&self, body: &[u8]) -> Scrubbed {
        self.scrub(&String::from_utf8_lossy(body), SNIPPET_CHARS)
    }
}

/// Text fit to show: scrubbed of credentials, on one line and bounded. Made only by
/// [`Secrets::scrub`] (and, for the SDK's own texts, from a `&'static str`).
#[derive(Clone)]
pub(crate) struct Scrubbed(String);

impl Scrubbed {
    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// The SDK's own texts are written in its source, never taken from a reply.
impl From<&'static str> for Scrubbed {
    fn from(text: &'static str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A text the user gave that may hold credentials (an endpoint with userinfo): its `Debug`
/// shows it scrubbed.
#[derive(Clone)]
pub(crate) struct Masked(pub(crate) String);

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        scrub(&self.0).fmt(f)
    }
}

/// `text` scrubbed of credential-like values and URL userinfo only (no known secrets), for
/// texts the user gave, such as an endpoint.
pub(crate) fn scrub(text: &str) -> Scrubbed {
    Secrets::default().scrub(text, TEXT_CHARS)
}

/// The byte ranges of `text` to redact, sorted and merged, on char boundaries. Linear in the
/// text's length (times the secrets'): a value or an authority is scanned once.
fn redactions(text: &str, secrets: &[&[u8]]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found: Vec<Range<usize>> = Vec::new();
    // Where the last keyed value and URL authority scanned end: none starts again before.
    let (mut value_end, mut authority_end) = (0, 0);
    for i in 0..bytes.len() {
        let b = bytes[i];
        if matches!(b, b'%' | b'\\' | b'+') || secrets.iter().any(|s| s[0] == b) {
            found.extend(
                secrets
                    .iter()
                    .filter_map(|secret| secret_at(bytes, i, secret))
                    .map(|end| i..end),
            );
        }
        if i >= value_end && b.is_ascii_alphabetic() && at_word_start(bytes, i) {
            if let Some(value) = keyed_value_at(bytes, i) {
                value_end = value.end;
                found.push(value);
            }
        }
        if i >= authority_end && b == b':' {
            if let Some((userinfo, end)) = userinfo_at(bytes, i) {
                authority_end = end;
                found.extend(userinfo);
            }
        }
    }
    found.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(found.len());
    for mut range in found {
        while !text.is_char_boundary(range.start) {
            range.start -= 1;
        }
        while !text.is_char_boundary(range.end) {
            range.end += 1;
        }
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The byte an escape at `i` stands for, and the escape's length: `%XX` (decoded again while it
/// yields an encoded `%`: `%252B` is `+`), or a JSON escape of `/`, `"` or `\`.
fn escape_at(bytes: &[u8], i: usize) -> Option<(u8, usize)> {
    match bytes.get(i)? {
        b'%' => {
            let mut byte = hex_pair(bytes, i + 1)?;
            let mut end = i + 3;
            while byte == b'%' {
                let Some(next) = hex_pair(bytes, end) else {
                    break;
                };
                byte = next;
                end += 2;
            }
            Some((byte, end - i))
        }
        b'\\' => match bytes.get(i + 1)? {
            &c @ (b'/' | b'"' | b'\\') => Some((c, 2)),
            _ => None,
        },
        _ => None,
    }
}

/// The byte two hex digits at `i` spell.
fn hex_pair(bytes: &[u8], i: usize) -> Option<u8> {
    let pair = bytes.get(i..i + 2)?;
    if !pair.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()
}

/// The byte at `i` as text means it, escapes decoded, and the length it takes.
fn unit_at(bytes: &[u8], i: usize) -> Option<(u8, usize)> {
    escape_at(bytes, i).or_else(|| bytes.get(i).map(|&b| (b, 1)))
}

/// Where `secret`, in any of its forms, ends if it starts at `i`.
fn secret_at(bytes: &[u8], i: usize, secret: &[u8]) -> Option<usize> {
    let mut j = i;
    for &want in secret {
        let &got = bytes.get(j)?;
        j += if got == want || (want == b' ' && got == b'+') {
            1
        } else {
            match escape_at(bytes, j) {
                Some((decoded, len)) if decoded == want => len,
                _ => return None,
            }
        };
    }
    Some(j)
}

/// Whether a word may start at `i`: after a non-word byte, or after an escape (`%26auth`,
/// `%2526auth`).
fn at_word_start(bytes: &[u8], i: usize) -> bool {
    let hex_digits = bytes[..i]
        .iter()
        .rev()
        .take(6)
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    i == 0
        || !is_word_byte(bytes[i - 1])
        || (hex_digits >= 2 && i > hex_digits && bytes[i - hex_digits - 1] == b'%')
}

/// The value of a credential-like key starting at `i`, if one does and a separator follows.
fn keyed_value_at(bytes: &[u8], i: usize) -> Option<Range<usize>> {
    let key_len = SECRET_KEYS
        .iter()
        .filter(|key| {
            bytes
                .get(i..i + key.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(key.as_bytes()))
                && !bytes.get(i + key.len()).copied().is_some_and(is_word_byte)
        })
        .map(|key| key.len())
        .max()?;
    // Past an optional closing quote, `=` or `:`, spaces and an opening quote, each of which
    // may be escaped.
    let mut j = i + key_len;
    let skip = |j: &mut usize, wanted: &[u8], repeat: bool| {
        while let Some((_, len)) = unit_at(bytes, *j).filter(|(b, _)| wanted.contains(b)) {
            *j += len;
            if !repeat {
                break;
            }
        }
    };
    skip(&mut j, b"\"'", false);
    skip(&mut j, b" ", true);
    let (separator, len) = unit_at(bytes, j)?;
    if !matches!(separator, b'=' | b':') {
        return None;
    }
    j += len;
    skip(&mut j, b" ", true);
    skip(&mut j, b"\"'", false);
    let start = j;
    while let Some((b, len)) = unit_at(bytes, j) {
        if is_value_end(b) {
            break;
        }
        j += len;
    }
    (j > start).then_some(start..j)
}

/// For a `://` at `i`: the userinfo of the URL, if any, and where its authority ends. A `/`
/// does not end it here: in a URL that failed to parse it may be part of the password.
fn userinfo_at(bytes: &[u8], i: usize) -> Option<(Option<Range<usize>>, usize)> {
    let start = i + 3;
    if bytes.get(i..start)? != b"://" {
        return None;
    }
    let end = bytes[start..]
        .iter()
        .position(|&b| matches!(b, b'?' | b'#') || is_value_end(b))
        .map_or(bytes.len(), |n| start + n);
    let userinfo = bytes[start..end]
        .iter()
        .rposition(|&b| b == b'@')
        .map(|at| start..start + at);
    Some((userinfo, end))
}

/// Where the JSON string starting at `start` (its `"`) ends: past its closing `"`, or the end
/// of `json` if it has none.
fn string_end(json: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    json.len()
}

/// The text of a JSON string token, escapes decoded; lossy where it is not UTF-8 or has a lone
/// surrogate escape (which is then kept as written).
fn json_string(token: &[u8]) -> String {
    serde_json::from_slice(token).unwrap_or_else(|_| {
        let inner = token
            .get(1..token.len().saturating_sub(1))
            .unwrap_or_default();
        String::from_utf8_lossy(inner).into_owned()
    })
}

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
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

/// `text` with `redactions` replaced, runs of whitespace and control characters made one
/// space, trimmed, and cut to `max_chars` characters (with `…` when cut).
fn one_line(text: &str, redactions: &[Range<usize>], max_chars: usize) -> String {
    let mut line = Line {
        out: String::with_capacity(text.len().min(max_chars.saturating_mul(4))),
        kept: 0,
        space: false,
        max_chars,
    };
    let mut redactions = redactions.iter().peekable();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let fits = if let Some(range) = redactions.next_if(|r| r.start == i) {
            i = range.end;
            line.push(REDACTED)
        } else {
            i += c.len_utf8();
            if c.is_whitespace() || c.is_control() {
                line.space = true;
                true
            } else {
                line.push(c.encode_utf8(&mut [0; 4]))
            }
        };
        if !fits {
            line.out.push('…');
            break;
        }
    }
    line.out
}

/// A line being written by [`one_line`].
struct Line {
    out: String,
    /// Characters written so far.
    kept: usize,
    /// Whether a space is due before the next piece.
    space: bool,
    max_chars: usize,
}

impl Line {
    /// Writes `piece` (after the space due, if any); `false` when it does not fit.
    fn push(&mut self, piece: &str) -> bool {
        let space = usize::from(self.space && self.kept > 0);
        let len = piece.chars().count();
        if self.kept + space + len > self.max_chars {
            return false;
        }
        if space == 1 {
            self.out.push(' ');
        }
        self.out.push_str(piece);
        self.kept += space + len;
        self.space = false;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub_with(text: &str, secrets: &[&str]) -> String {
        Secrets::new(secrets).scrub(text, usize::MAX).into_string()
    }

    #[test]
    fn scrubs_keyed_values() {
        assert_eq!(
            scrub_with("GET /PaaS/A/B?auth=tf_123&x=1 and signature=ab%2Bc", &[]),
            "GET /PaaS/A/B?auth=<redacted>&x=1 and signature=<redacted>"
        );
        assert_eq!(
            scrub_with(
                r#"{"Authorization" : "tf_abc", "Author": "me", "AppId":1}"#,
                &[]
            ),
            r#"{"Authorization" : "<redacted>", "Author": "me", "AppId":1}"#
        );
        assert_eq!(
            scrub_with(r#"{\"ticket\":\"tf_abc\",\"n\":1}"#, &[]),
            r#"{\"ticket\":\"<redacted>\",\"n\":1}"#
        );
        assert_eq!(
            scrub_with("no secrets: authentic=1 oauth=2 auth=&x=1", &[]),
            "no secrets: authentic=1 oauth=2 auth=&x=1"
        );
    }

    #[test]
    fn scrubs_keyed_values_with_encoded_separators() {
        assert_eq!(
            scrub_with("next=%2Fa%3Fauth%3Dtf_1%252B%26x%3D1", &[]),
            "next=%2Fa%3Fauth%3D<redacted>%26x%3D1"
        );
        assert_eq!(
            scrub_with("r=x%253Fsignature%253Dab%25252Bc%2526y", &[]),
            "r=x%253Fsignature%253D<redacted>%2526y"
        );
        assert_eq!(
            scrub_with("SecretKey%3A%20%22k%2Fy%22", &[]),
            "SecretKey%3A%20%22<redacted>%22"
        );
    }

    #[test]
    fn scrubs_known_secrets_in_every_form() {
        let secret = "a+b/c= d";
        for form in [
            "a+b/c= d",
            "a%2Bb%2Fc%3D+d",
            "a%2bb%2fc%3d%20d",
            "a%252Bb%252Fc%253D%2520d",
            "a%25252Bb%25252Fc%25253D%252520d",
            r"a+b\/c= d",
        ] {
            assert_eq!(
                scrub_with(&format!("x {form} y"), &[secret]),
                "x <redacted> y",
                "{form}"
            );
        }
        // A secret that itself holds a `%` is still found verbatim.
        assert_eq!(scrub_with("x a%2Bb y", &["a%2Bb"]), "x <redacted> y");
    }

    #[test]
    fn hides_url_userinfo() {
        for (text, shown) in [
            (
                "http://user:pass@host:1/p?q=1",
                "http://<redacted>@host:1/p?q=1",
            ),
            ("at ftp://u@h, then", "at ftp://<redacted>@h, then"),
            ("https://a:b@c@d/x", "https://<redacted>@d/x"),
            ("ftp://u:p/w@h/x", "ftp://<redacted>@h/x"),
            (
                "http://host/p?a=b@c mail@example.com",
                "http://host/p?a=b@c mail@example.com",
            ),
        ] {
            assert_eq!(scrub_with(text, &[]), shown, "{text}");
        }
    }

    #[test]
    fn scrubs_the_whole_text_before_cutting_it() {
        let secrets = Secrets::new(&["tf_SECRET_TICKET"]);
        // The secret straddles the cut: not even its start is shown.
        let text = format!("{} tf_SECRET_TICKET", "x".repeat(SNIPPET_CHARS - 5));
        let shown = secrets.scrub(&text, SNIPPET_CHARS).into_string();
        assert!(!shown.contains("tf_"), "{shown}");
        assert!(shown.ends_with('…'));
        // Past the first 4 KiB of a body too.
        let body = format!("<p>{}auth=tf_SECRET_TICKET</p>", " ".repeat(4090));
        assert_eq!(
            secrets.snippet(body.as_bytes()).into_string(),
            "<p> auth=<redacted></p>"
        );
    }

    #[test]
    fn texts_are_one_bounded_line() {
        let huge = "媒体不存在\n".repeat(200_000);
        let shown = Secrets::default().scrub(&huge, TEXT_CHARS).into_string();
        assert_eq!(shown.chars().count(), TEXT_CHARS + 1);
        assert!(shown.starts_with("媒体不存在 媒体不存在 "));
        assert!(shown.ends_with('…'));
        assert_eq!(
            scrub_with("  a\r\n\tb\u{7}\u{1b}[31m c  ", &[]),
            "a b [31m c"
        );
    }

    #[test]
    fn snippets_are_short_single_lines() {
        let body = format!("<html>\n  <body>{}</body>\n</html>", "é".repeat(500));
        let s = Secrets::default().snippet(body.as_bytes()).into_string();
        assert!(s.starts_with("<html> <body>éé"));
        assert!(s.ends_with('…'));
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert_eq!(
            Secrets::default().snippet(b"\xff\xfe bad").into_string(),
            "\u{fffd}\u{fffd} bad"
        );
    }

    #[test]
    fn credentials_of_a_reply_are_secrets_for_what_is_said_about_it() {
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        for json in [
            r#"{"A":[{"Authorization":"tf_new"}],"Count":"tf_new","Token":""}"#.to_owned(),
            // Found however the rest of the JSON looks: no value tree could hold it.
            r#"{"N":1e999,"A":{"Auth\u006frization" : "tf_new"}}"#.to_owned(),
            format!(r#"{{"N":{deep},"Ticket":"tf_new","M":-1e400}}"#),
            format!(r#"{{"Ticket":"tf_new","N":{deep}"#),
        ] {
            let secrets = Secrets::default().and_credentials_in(json.as_bytes());
            assert_eq!(
                secrets
                    .scrub(r#"invalid type: string "tf_new", expected u64"#, usize::MAX)
                    .into_string(),
                r#"invalid type: string "<redacted>", expected u64"#,
                "{json}"
            );
        }
        // Only the string value of a credential-like key: not other keys' values, not keys.
        let json = br#"{"Token":7,"X":"a","Auth":{"B":"b"},"signature":["c"],"d":"Token"}"#;
        let secrets = Secrets::default().and_credentials_in(json);
        assert_eq!(
            secrets.scrub("7 a b c d Token", usize::MAX).into_string(),
            "7 a b c d Token"
        );
    }

    #[test]
    fn hostile_texts_are_scrubbed_in_one_pass() {
        // Each would take hours if a value, an authority or an escape were scanned again
        // from every position.
        for piece in ["auth=", "x://", "%25", "abcdef", "tf_SECRET%25"] {
            let text = piece.repeat((1 << 20) / piece.len());
            let shown = Secrets::new(&["tf_SECRET_TICKET"]).scrub(&text, SNIPPET_CHARS);
            assert!(shown.into_string().chars().count() <= SNIPPET_CHARS + 1);
        }
    }
}
