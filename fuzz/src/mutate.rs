//! Mutations: byte-level ones (bit flips, interesting bytes, insertions, deletions, copies,
//! dictionary words, splices with another input) and JSON-structure-aware ones on a
//! [`Node`] tree (hostile values, members added, duplicated, renamed or
//! removed, envelope members such as `Code` beside `Response`, deep nesting, GBK and non-UTF-8
//! bytes, numbers beyond every range). A mutation stacks one to four of them.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::json::{self, Node};

/// Bytes that often matter to a parser.
const INTERESTING_BYTES: &[u8] = b"\x00\xff\x7f\x80\x20\"\\{}[],:0-e.\n";

/// Numbers at and past the edges of every integer and float type.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1.5",
    "1e2",
    "1E+2",
    "-1e-7",
    "1e999",
    "-1e999",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1.7976931348623157e309",
];

/// Text in other encodings and other hostile bytes: GBK "登录态失效", a lone `\xff`, a lone
/// surrogate (as WTF-8), a NUL, an emoji, a right-to-left mark.
const HOSTILE_TEXTS: &[&[u8]] = &[
    b"\xb5\xc7\xc2\xbc\xcc\xac\xca\xa7\xd0\xa7",
    b"\xff",
    b"\xed\xa0\x80",
    b"\x00",
    "😀".as_bytes(),
    "\u{200f}".as_bytes(),
    "媒体不存在".as_bytes(),
    b"\r\n",
];

/// Nesting depths around the limits of common parsers (serde_json's is 128).
const DEPTHS: &[usize] = &[1, 2, 10, 126, 127, 128, 129, 200, 1000, 3000];

/// Makes new inputs from old ones. Deterministic for a given seed.
pub struct Mutator {
    rng: SmallRng,
    dictionary: Vec<Vec<u8>>,
    splice: Vec<u8>,
}

impl Mutator {
    /// A mutator drawing from `seed`, inserting words of `dictionary`.
    pub fn new(seed: u64, dictionary: Vec<Vec<u8>>) -> Self {
        Self {
            rng: SmallRng::seed_from_u64(seed),
            dictionary,
            splice: Vec::new(),
        }
    }

    /// The random source, for targets' own mutations.
    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.rng
    }

    /// Sets the other input that splices take pieces from.
    pub fn splice_with(&mut self, other: &[u8]) {
        self.splice.clear();
        self.splice.extend_from_slice(other);
    }

    /// True once in `n` draws.
    pub fn one_in(&mut self, n: u32) -> bool {
        self.rng.random_ratio(1, n.max(1))
    }

    /// An index below `len` (0 when `len` is 0).
    pub fn below(&mut self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            self.rng.random_range(0..len)
        }
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A word of the dictionary (or an interesting number when it is empty).
    pub fn word(&mut self) -> Vec<u8> {
        if self.dictionary.is_empty() || self.one_in(8) {
            return self.pick(NUMBERS).as_bytes().to_vec();
        }
        let i = self.below(self.dictionary.len());
        self.dictionary[i].clone()
    }

    /// A new input from `data`: one to four stacked mutations, structural when `data` is JSON
    /// (most of the time), byte-level otherwise.
    pub fn mutate(&mut self, data: &[u8]) -> Vec<u8> {
        let rounds = 1 + self.below(4);
        let mut tree = if self.one_in(3) {
            None
        } else {
            json::parse(data)
        };
        let mut out = data.to_vec();
        for _ in 0..rounds {
            match &mut tree {
                Some(node) if !self.one_in(4) => self.json(node),
                _ => {
                    // Byte-level, on the text as it is so far; no tree past it.
                    if let Some(node) = tree.take() {
                        out = node.to_bytes();
                    }
                    self.bytes(&mut out);
                }
            }
        }
        match tree {
            Some(node) => node.to_bytes(),
            None => out,
        }
    }

    /// One byte-level mutation of `data`.
    pub fn bytes(&mut self, data: &mut Vec<u8>) {
        let at = self.below(data.len() + 1);
        match self.below(12) {
            0 if !data.is_empty() => {
                let i = self.below(data.len());
                data[i] ^= 1 << self.below(8);
            }
            1 if !data.is_empty() => {
                let i = self.below(data.len());
                data[i] = *self.pick(INTERESTING_BYTES);
            }
            2 => {
                let n = 1 + self.below(8);
                let random: Vec<u8> = (0..n).map(|_| self.rng.random()).collect();
                data.splice(at..at, random);
            }
            3 if !data.is_empty() => {
                let len = 1 + self.below(data.len().min(32));
                let start = self.below(data.len() - len + 1);
                data.drain(start..start + len);
            }
            4 if !data.is_empty() => {
                let len = 1 + self.below(data.len().min(64));
                let start = self.below(data.len() - len + 1);
                let chunk = data[start..start + len].to_vec();
                data.splice(at..at, chunk);
            }
            5 => {
                let word = self.word();
                data.splice(at..at, word);
            }
            6 => {
                let mut word = b"\"".to_vec();
                word.extend(self.word());
                word.push(b'"');
                data.splice(at..at, word);
            }
            7 => {
                let word = self.word();
                let end = (at + word.len()).min(data.len());
                data.splice(at..end, word);
            }
            8 if !self.splice.is_empty() => {
                let from = self.below(self.splice.len());
                let tail = self.splice[from..].to_vec();
                data.truncate(at);
                data.extend(tail);
            }
            9 => {
                let text = *self.pick(HOSTILE_TEXTS);
                data.splice(at..at, text.iter().copied());
            }
            10 => {
                let number = self.pick(NUMBERS).as_bytes();
                data.splice(at..at, number.iter().copied());
            }
            _ => data.truncate(at),
        }
    }

    /// One structural mutation somewhere in `root`.
    pub fn json(&mut self, root: &mut Node) {
        let count = count_nodes(root);
        let target = self.below(count);
        let copy = nth(root, self.below(count)).clone();
        let node = nth_mut(root, target);
        match self.below(10) {
            0..=2 => *node = self.value(Some(copy)),
            3 | 4 => self.members(node),
            5 => self.envelope_member(node),
            6 => {
                let depth = *self.pick(DEPTHS);
                *node = self.nest(std::mem::replace(node, Node::Null), depth);
            }
            7 => match node {
                Node::Array(items) if !items.is_empty() => {
                    let i = self.below(items.len());
                    if self.one_in(2) {
                        items.remove(i);
                    } else {
                        let item = items[i].clone();
                        items.insert(self.below(items.len() + 1), item);
                    }
                }
                _ => *node = Node::Array(vec![std::mem::replace(node, Node::Null)]),
            },
            8 => *node = copy,
            _ => {
                // Mutate the bytes of one string or number in place.
                if let Node::String(text) = node {
                    self.bytes(text);
                } else if let Node::Number(raw) = node {
                    *raw = self.pick(NUMBERS).to_string();
                } else {
                    *node = self.value(None);
                }
            }
        }
    }

    /// A hostile value, sometimes built from `near` (a copy of a node of the same input).
    fn value(&mut self, near: Option<Node>) -> Node {
        match self.below(12) {
            0 => Node::Null,
            1 => Node::Bool(self.one_in(2)),
            2 | 3 => Node::Number(self.pick(NUMBERS).to_string()),
            4 | 5 => Node::String(self.word()),
            6 => Node::String(self.pick(HOSTILE_TEXTS).to_vec()),
            7 => {
                let unit = self.pick(HOSTILE_TEXTS).to_vec();
                let n = *self.pick(&[10usize, 600, 5000]);
                Node::String(unit.repeat(n / unit.len().max(1) + 1))
            }
            8 => Node::Array(Vec::new()),
            9 => Node::Object(Vec::new()),
            10 => match near {
                Some(Node::String(s)) => Node::Number(String::from_utf8_lossy(&s).into_owned()),
                Some(Node::Number(n)) => Node::String(n.into_bytes()),
                Some(other) => Node::Array(vec![other]),
                None => Node::Null,
            },
            _ => near.unwrap_or(Node::Null),
        }
    }

    /// Removes, duplicates or renames a member of an object (or adds one to an empty node).
    fn members(&mut self, node: &mut Node) {
        let Node::Object(members) = node else {
            let key = self.word();
            let value = self.value(None);
            *node = Node::Object(vec![(key, value)]);
            return;
        };
        if members.is_empty() {
            let key = self.word();
            let value = self.value(None);
            members.push((key, value));
            return;
        }
        let i = self.below(members.len());
        match self.below(4) {
            0 => {
                members.remove(i);
            }
            1 => {
                let (key, value) = members[i].clone();
                let value = if self.one_in(2) {
                    Node::Null
                } else {
                    self.value(Some(value))
                };
                members.insert(self.below(members.len() + 1), (key, value));
            }
            2 => {
                let key = &mut members[i].0;
                match self.below(4) {
                    0 => *key = self.word(),
                    1 => {
                        let text: &[u8] = self.pick::<&[u8]>(HOSTILE_TEXTS);
                        key.extend_from_slice(text);
                    }
                    2 => key.make_ascii_lowercase(),
                    _ => key.make_ascii_uppercase(),
                }
            }
            _ => {
                let key = self.word();
                let value = self.value(None);
                members.insert(self.below(members.len() + 1), (key, value));
            }
        }
    }

    /// Adds an envelope member (`Code`, `Response`, `Data`, `Error`, a message) to an object:
    /// the combinations the envelope rule decides between.
    fn envelope_member(&mut self, node: &mut Node) {
        let Node::Object(members) = node else {
            return self.members(node);
        };
        let copy = Node::Object(members.clone());
        let code = |m: &mut Self| match m.below(6) {
            0 => Node::text("Success"),
            1 => Node::text("success"),
            2 => Node::Number("0".into()),
            3 => Node::Number(m.pick(NUMBERS).to_string()),
            _ => Node::String(m.word()),
        };
        let (key, value) = match self.below(6) {
            0 | 1 => ("Code", code(self)),
            2 => ("Response", copy),
            3 => (
                "Response",
                Node::Object(vec![(
                    b"Error".to_vec(),
                    Node::Object(vec![(b"Code".to_vec(), code(self))]),
                )]),
            ),
            4 => ("Data", copy),
            _ => (
                *self.pick(&["Message", "EnglishMessage", "RequestId", "Error"]),
                self.value(None),
            ),
        };
        let at = self.below(members.len() + 1);
        members.insert(at, (key.as_bytes().to_vec(), value));
    }

    /// `node` inside `depth` arrays or objects.
    fn nest(&mut self, mut node: Node, depth: usize) -> Node {
        let in_objects = self.one_in(2);
        for _ in 0..depth {
            node = if in_objects {
                Node::Object(vec![(b"A".to_vec(), node)])
            } else {
                Node::Array(vec![node])
            };
        }
        node
    }
}

/// The nodes of a tree (in pre-order).
fn count_nodes(root: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        count += 1;
        match node {
            Node::Array(items) => stack.extend(items),
            Node::Object(members) => stack.extend(members.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// The path (child indexes) of the `n`th node in pre-order.
fn path_of(root: &Node, n: usize) -> Vec<usize> {
    let mut path = Vec::new();
    let mut stack = vec![(root, 0, 0)];
    let mut seen = 0;
    while let Some((node, depth, index)) = stack.pop() {
        if depth > 0 {
            path.truncate(depth - 1);
            path.push(index);
        }
        if seen == n {
            break;
        }
        seen += 1;
        match node {
            Node::Array(items) => {
                stack.extend(
                    items
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(i, c)| (c, depth + 1, i)),
                );
            }
            Node::Object(members) => stack.extend(
                members
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, (_, c))| (c, depth + 1, i)),
            ),
            _ => {}
        }
    }
    path
}

fn child(node: &Node, i: usize) -> &Node {
    match node {
        Node::Array(items) => &items[i],
        Node::Object(members) => &members[i].1,
        _ => node,
    }
}

fn child_mut(node: &mut Node, i: usize) -> &mut Node {
    match node {
        Node::Array(items) => &mut items[i],
        Node::Object(members) => &mut members[i].1,
        _ => node,
    }
}

/// The `n`th node in pre-order.
fn nth(root: &Node, n: usize) -> &Node {
    path_of(root, n).into_iter().fold(root, child)
}

/// The `n`th node in pre-order, to change.
fn nth_mut(root: &mut Node, n: usize) -> &mut Node {
    path_of(root, n).into_iter().fold(root, child_mut)
}

/// The words of `seeds` worth inserting elsewhere: their object keys and short strings.
pub fn words_of(seeds: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    for seed in seeds {
        let body = seed
            .iter()
            .position(|&b| b == b'{')
            .map_or(&seed[..], |at| &seed[at..]);
        let Some(root) = json::parse(body) else {
            continue;
        };
        let mut stack = vec![&root];
        while let Some(node) = stack.pop() {
            match node {
                Node::Object(members) => {
                    for (key, value) in members {
                        words.push(key.clone());
                        stack.push(value);
                    }
                }
                Node::Array(items) => stack.extend(items),
                Node::String(text) if text.len() <= 64 => words.push(text.clone()),
                Node::Number(raw) => words.push(raw.clone().into_bytes()),
                _ => {}
            }
        }
    }
    words.sort();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_varied() {
        let seed = br#"{"Code":"Success","Data":{"Items":[{"Kind":1},{"Kind":2}]}}"#;
        let words = words_of(&[seed.to_vec()]);
        assert!(words.iter().any(|w| w == b"Kind"));
        let run = |s| {
            let mut m = Mutator::new(s, words.clone());
            (0..200).map(|_| m.mutate(seed)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let outputs = run(7);
        let distinct: std::collections::HashSet<_> = outputs.iter().collect();
        assert!(distinct.len() > 150, "{}", distinct.len());
        assert!(outputs.iter().any(|o| json::parse(o).is_some()));
        assert!(outputs.iter().any(|o| json::parse(o).is_none()));
    }

    #[test]
    fn paths_reach_every_node() {
        let root = json::parse(br#"{"A":[1,{"B":2}],"C":3}"#).expect("JSON");
        let nodes: Vec<&Node> = (0..count_nodes(&root)).map(|n| nth(&root, n)).collect();
        assert_eq!(nodes.len(), 6);
        assert_eq!(nodes[5], &Node::Number("3".into()));
        assert_eq!(nodes[4], &Node::Number("2".into()));
    }
}
