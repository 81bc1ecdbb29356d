//! A JSON tree that keeps what a reply can carry and `serde_json::Value` cannot: duplicate
//! keys in order, numbers as written (`1e999`, `-0`, 30 digits), and strings of any bytes (a
//! GBK message, a non-UTF-8 key). The oracle reads replies with it and the mutator edits them
//! with it.
//!
//! [`parse`] accepts exactly RFC 8259 JSON, except that the bytes of a string need not be UTF-8
//! (a reader that falls back to lossy text reads them as U+FFFD), and has no nesting limit of its
//! own beyond [`MAX_DEPTH`].

/// The deepest nesting [`parse`] reads; deeper documents are refused (`None`), so that neither
/// the parser nor the writer can exhaust the stack of the driver's threads (256 MiB; a debug
/// build needs more than a default thread's 2 MiB at this depth).
pub const MAX_DEPTH: usize = 4096;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string: its content as raw bytes, escapes decoded; a `\u` escape of a lone surrogate
    /// as the surrogate's generalized UTF-8 (WTF-8) bytes, which are not UTF-8, as text that
    /// `serde_json` cannot read as a `String` is not.
    String(Vec<u8>),
    /// An array.
    Array(Vec<Node>),
    /// An object: its members in order, duplicates kept.
    Object(Vec<(Vec<u8>, Node)>),
}

impl Node {
    /// A string node of `text`.
    pub fn text(text: &str) -> Self {
        Node::String(text.as_bytes().to_vec())
    }

    /// The JSON text of the node.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Appends the JSON text of the node to `out` (iteratively: any depth).
    pub fn write(&self, out: &mut Vec<u8>) {
        enum Step<'a> {
            Value(&'a Node),
            Raw(&'static [u8]),
            Key(&'a [u8]),
        }
        let mut stack = vec![Step::Value(self)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Raw(bytes) => out.extend_from_slice(bytes),
                Step::Key(key) => {
                    write_string(key, out);
                    out.push(b':');
                }
                Step::Value(node) => match node {
                    Node::Null => out.extend_from_slice(b"null"),
                    Node::Bool(true) => out.extend_from_slice(b"true"),
                    Node::Bool(false) => out.extend_from_slice(b"false"),
                    Node::Number(n) => out.extend_from_slice(n.as_bytes()),
                    Node::String(s) => write_string(s, out),
                    Node::Array(items) => {
                        out.push(b'[');
                        stack.push(Step::Raw(b"]"));
                        for (i, item) in items.iter().enumerate().rev() {
                            stack.push(Step::Value(item));
                            if i > 0 {
                                stack.push(Step::Raw(b","));
                            }
                        }
                    }
                    Node::Object(members) => {
                        out.push(b'{');
                        stack.push(Step::Raw(b"}"));
                        for (i, (key, value)) in members.iter().enumerate().rev() {
                            stack.push(Step::Value(value));
                            stack.push(Step::Key(key));
                            if i > 0 {
                                stack.push(Step::Raw(b","));
                            }
                        }
                    }
                },
            }
        }
    }

    /// The last member named `key` of an object.
    pub fn member(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k == key.as_bytes())
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// How deep the node nests (a scalar is 0).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 0)];
        while let Some((node, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            match node {
                Node::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
                Node::Object(members) => stack.extend(members.iter().map(|(_, v)| (v, depth + 1))),
                _ => {}
            }
        }
        deepest
    }
}

/// Writes a string: `"`, `\` and control characters escaped, a surrogate (see
/// [`Node::String`]) as its `\u` escape, every other byte as it is (so a non-UTF-8 byte stays
/// one).
fn write_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    let mut i = 0;
    while i < bytes.len() {
        if let Some(unit) = surrogate_at(bytes, i) {
            out.extend_from_slice(format!("\\u{unit:04X}").as_bytes());
            i += 3;
            continue;
        }
        match bytes[i] {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b @ 0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            b => out.push(b),
        }
        i += 1;
    }
    out.push(b'"');
}

/// The surrogate whose generalized UTF-8 (WTF-8) bytes start at `i`, if any.
fn surrogate_at(bytes: &[u8], i: usize) -> Option<u16> {
    match bytes.get(i..i + 3)? {
        &[0xED, b1 @ 0xA0..=0xBF, b2 @ 0x80..=0xBF] => {
            Some(0xD000 | (u16::from(b1 & 0x3F) << 6) | u16::from(b2 & 0x3F))
        }
        _ => None,
    }
}

/// How deep the brackets of a text nest, strings left out (for a text that may not be JSON).
pub fn nesting(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in bytes {
        match (in_string, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses a whole document: one value, whitespace around it. `None` unless it is JSON (see the
/// module docs).
pub fn parse(bytes: &[u8]) -> Option<Node> {
    parse_with(bytes, false)
}

/// Parses a document as [`parse`] does, but takes raw control characters in strings (which
/// JSON has escaped), as a lenient reader may.
pub fn parse_lenient(bytes: &[u8]) -> Option<Node> {
    parse_with(bytes, true)
}

fn parse_with(bytes: &[u8], lenient: bool) -> Option<Node> {
    let mut parser = Parser {
        bytes,
        at: 0,
        lenient,
    };
    parser.whitespace();
    let node = parser.value(0)?;
    parser.whitespace();
    (parser.at == bytes.len()).then_some(node)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    lenient: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Option<Node> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| {
            self.at = end;
            node
        })
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        match self.peek()? {
            b'n' => self.literal(b"null", Node::Null),
            b't' => self.literal(b"true", Node::Bool(true)),
            b'f' => self.literal(b"false", Node::Bool(false)),
            b'"' => self.string().map(Node::String),
            b'-' | b'0'..=b'9' => self.number().map(Node::Number),
            b'[' if depth < MAX_DEPTH => {
                self.at += 1;
                let mut items = Vec::new();
                self.whitespace();
                if self.eat(b']').is_none() {
                    loop {
                        self.whitespace();
                        items.push(self.value(depth + 1)?);
                        self.whitespace();
                        if self.eat(b',').is_none() {
                            self.eat(b']')?;
                            break;
                        }
                    }
                }
                Some(Node::Array(items))
            }
            b'{' if depth < MAX_DEPTH => {
                self.at += 1;
                let mut members = Vec::new();
                self.whitespace();
                if self.eat(b'}').is_none() {
                    loop {
                        self.whitespace();
                        let key = self.string()?;
                        self.whitespace();
                        self.eat(b':')?;
                        self.whitespace();
                        members.push((key, self.value(depth + 1)?));
                        self.whitespace();
                        if self.eat(b',').is_none() {
                            self.eat(b'}')?;
                            break;
                        }
                    }
                }
                Some(Node::Object(members))
            }
            _ => None,
        }
    }

    fn number(&mut self) -> Option<String> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.at += 1;
            }
            p.at > from
        };
        let _ = self.eat(b'-');
        if self.eat(b'0').is_none() && !digits(self) {
            return None;
        }
        if self.eat(b'.').is_some() && !digits(self) {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        String::from_utf8(self.bytes[start..self.at].to_vec()).ok()
    }

    fn hex4(&mut self) -> Option<u16> {
        let hex = self.bytes.get(self.at..self.at + 4)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        self.at += 4;
        u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    }

    fn string(&mut self) -> Option<Vec<u8>> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.at += 1;
            match b {
                b'"' => return Some(out),
                0..=0x1f if !self.lenient => return None,
                b'\\' => {
                    let escape = self.peek()?;
                    self.at += 1;
                    let byte = match escape {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let unit = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&unit)
                                && self.bytes.get(self.at..self.at + 2) == Some(b"\\u")
                            {
                                let back = self.at;
                                self.at += 2;
                                match self.hex4() {
                                    Some(low @ 0xDC00..=0xDFFF) => char::from_u32(
                                        0x10000
                                            + ((u32::from(unit) - 0xD800) << 10)
                                            + (u32::from(low) - 0xDC00),
                                    ),
                                    _ => {
                                        self.at = back;
                                        None
                                    }
                                }
                            } else {
                                char::from_u32(u32::from(unit))
                            };
                            match c {
                                Some(c) => {
                                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                                }
                                // A lone surrogate, as WTF-8.
                                None => out.extend_from_slice(&[
                                    0xE0 | (unit >> 12) as u8,
                                    0x80 | ((unit >> 6) & 0x3F) as u8,
                                    0x80 | (unit & 0x3F) as u8,
                                ]),
                            }
                            continue;
                        }
                        _ => return None,
                    };
                    out.push(byte);
                }
                _ => out.push(b),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_serde_json_values_lose() {
        let body = b"{\"Code\":\"A\",\"Code\":null,\"N\":1e999,\"M\":\"\xb5\xc7\",\"\xff\":-0}";
        let node = parse(body).expect("JSON with a non-UTF-8 string");
        assert_eq!(node.to_bytes(), body.to_vec());
        assert_eq!(node.member("Code"), Some(&Node::Null));
        assert_eq!(node.member("N"), Some(&Node::Number("1e999".into())));
    }

    #[test]
    fn escapes_are_decoded_and_written_back() {
        let node = parse(br#"{"C\u006fde":"a\"b\\c\/\n\ud83d\ude00\ud800x"}"#).expect("JSON");
        let Some(Node::String(text)) = node.member("Code") else {
            panic!("{node:?}")
        };
        assert!(text.starts_with("a\"b\\c/\n😀".as_bytes()), "{text:?}");
        let again = parse(&node.to_bytes()).expect("written back as JSON");
        assert_eq!(again, node);
        assert!(String::from_utf8_lossy(&node.to_bytes()).contains("\\uD800"));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for body in [
            &b"{\"a\":1,}"[..],
            b"[01]",
            b"{\"a\":\"\x01\"}",
            b"\"\\x\"",
            b"1.",
            b"{} x",
            b"\xef\xbb\xbf{}",
            b"{'a':1}",
            b"",
        ] {
            assert_eq!(parse(body), None, "{}", String::from_utf8_lossy(body));
        }
        // On a stack like the driver's: a debug build's frames are large.
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(|| {
                let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
                assert_eq!(parse(deep.as_bytes()), None);
                let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
                assert_eq!(parse(ok.as_bytes()).map(|n| n.depth()), Some(MAX_DEPTH - 1));
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
