//! Inputs that name an action: a header line (`Material/ListMedia`, perhaps with more words
//! after a space), then the body. Readable in an artifact, and any bytes are an input: a header
//! that names no action picks one by its hash.

use crate::actions::{self, Entry, ACTIONS};
use crate::mutate::Mutator;

/// An input split into its header line and its body.
pub struct Framed<'a> {
    /// The header line, without its newline.
    pub header: &'a [u8],
    /// Everything after the header line.
    pub body: &'a [u8],
}

impl<'a> Framed<'a> {
    /// Splits `input` at its first newline (no newline: all header, empty body).
    pub fn split(input: &'a [u8]) -> Self {
        match input.iter().position(|&b| b == b'\n') {
            Some(at) => Self {
                header: &input[..at],
                body: &input[at + 1..],
            },
            None => Self {
                header: input,
                body: &[],
            },
        }
    }

    /// The action the header's first word names, or one picked by the header's hash.
    pub fn action(&self) -> &'static Entry {
        let word = self.words().next().unwrap_or_default();
        actions::find(word).unwrap_or_else(|| {
            // FNV-1a: stable across runs and platforms.
            let hash = self.header.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            &ACTIONS[(hash % ACTIONS.len() as u64) as usize]
        })
    }

    /// The words of the header (lossy text, split on spaces).
    pub fn words(&self) -> impl Iterator<Item = &'a str> {
        std::str::from_utf8(self.header)
            .unwrap_or_default()
            .split(' ')
            .filter(|w| !w.is_empty())
    }
}

/// `header`, a newline, `body`.
pub fn join(header: &str, body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header.len() + 1 + body.len());
    input.extend_from_slice(header.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(body);
    input
}

/// A mutation of a framed input: mostly of the body; now and then the header names another
/// action, or takes a byte-level mutation like any text.
pub fn mutate(input: &[u8], mutator: &mut Mutator, headers: &[String]) -> Vec<u8> {
    let framed = Framed::split(input);
    if mutator.one_in(16) {
        let header = mutator.pick(headers).clone();
        return join(&header, framed.body);
    }
    if mutator.one_in(64) {
        let mut header = framed.header.to_vec();
        mutator.bytes(&mut header);
        header.retain(|&b| b != b'\n');
        return join(&String::from_utf8_lossy(&header), framed.body);
    }
    let body = mutator.mutate(framed.body);
    let header = String::from_utf8_lossy(framed.header).into_owned();
    join(&header, &body)
}

/// `Class/Action` of every action.
pub fn action_headers() -> Vec<String> {
    ACTIONS.iter().map(Entry::path).collect()
}
