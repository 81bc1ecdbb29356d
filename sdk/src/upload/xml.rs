//! The little XML an upload needs: reading the elements of COS's four small replies
//! (`InitiateMultipartUploadResult`, `ListPartsResult`, `CompleteMultipartUploadResult`,
//! `Error`) and escaping the text of the one document it sends (`CompleteMultipartUpload`).
//!
//! COS replies are flat records: each element read here holds text, or records of text
//! (`<Part>` in `ListPartsResult`), and never an element of its own name, so finding an
//! element is finding its start tag and the next end tag of the same name. Attributes, the XML
//! declaration and namespaces are skipped; entities are decoded.

use std::borrow::Cow;

/// The content of each `<tag>` element of `xml`, in document order (empty for `<tag/>`).
pub(crate) fn elements<'a>(xml: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = xml;
    std::iter::from_fn(move || loop {
        let at = rest.find('<')?;
        rest = &rest[at + 1..];
        let Some(after) = rest.strip_prefix(tag) else {
            continue;
        };
        // `<tag>`, `<tag attr="…">` or `<tag/>`, not `<tagOther>`.
        match after.chars().next() {
            Some('>' | '/') => {}
            Some(c) if c.is_whitespace() => {}
            _ => continue,
        }
        let end_of_start = after.find('>')?;
        if after[..end_of_start].ends_with('/') {
            rest = &after[end_of_start + 1..];
            return Some("");
        }
        let content_start = &after[end_of_start + 1..];
        let close = format!("</{tag}>");
        let content_len = content_start.find(&close)?;
        rest = &content_start[content_len + close.len()..];
        return Some(&content_start[..content_len]);
    })
}

/// The decoded text of the first `<tag>` element of `xml`.
pub(crate) fn text<'a>(xml: &'a str, tag: &'a str) -> Option<Cow<'a, str>> {
    elements(xml, tag).next().map(unescape)
}

/// `text` with its entities decoded (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#N;`,
/// `&#xN;`) and a CDATA section unwrapped; an unknown entity is kept as written.
pub(crate) fn unescape(text: &str) -> Cow<'_, str> {
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix("<![CDATA[")
        .and_then(|t| t.strip_suffix("]]>"))
    {
        return Cow::Borrowed(inner);
    }
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = match entity.strip_prefix("#x").or(entity.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => entity.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `text` escaped for an XML element's content.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_list_parts_reply() {
        // As COS documents ListParts, with a namespace, a declaration and escaped ETags.
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://www.qcloud.com/document/product/436/7751">
  <Bucket>examplebucket-1250000000</Bucket>
  <Key>exampleobject</Key>
  <UploadId>1585130821cbb7df1d1</UploadId>
  <PartNumberMarker>0</PartNumberMarker>
  <Part>
    <PartNumber>1</PartNumber>
    <LastModified>Wed Mar 25 18:07:35 2020</LastModified>
    <ETag>&quot;e1d7d5b6a2c4a4a2f0ed1b1f8a8a0f2a&quot;</ETag>
    <Size>1048576</Size>
  </Part>
  <Part><PartNumber>2</PartNumber><ETag>"b7"</ETag><Size>7</Size></Part>
  <NextPartNumberMarker>2</NextPartNumberMarker>
  <IsTruncated>false</IsTruncated>
</ListPartsResult>"#;
        let parts: Vec<_> = elements(xml, "Part")
            .map(|part| {
                (
                    text(part, "PartNumber").unwrap().into_owned(),
                    text(part, "ETag").unwrap().into_owned(),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [
                ("1".into(), "\"e1d7d5b6a2c4a4a2f0ed1b1f8a8a0f2a\"".into()),
                ("2".into(), "\"b7\"".into()),
            ]
        );
        // `<PartNumberMarker>` is not a `<Part>`, and `<NextPartNumberMarker>` is not it either.
        assert_eq!(text(xml, "PartNumberMarker").as_deref(), Some("0"));
        assert_eq!(text(xml, "NextPartNumberMarker").as_deref(), Some("2"));
        assert_eq!(text(xml, "IsTruncated").as_deref(), Some("false"));
        assert_eq!(text(xml, "Missing"), None);
    }

    #[test]
    fn decodes_entities_and_cdata_and_keeps_unknown_ones() {
        assert_eq!(unescape(" a&amp;b&lt;&#x41;&#66;&apos; "), "a&b<AB'");
        assert_eq!(unescape("&bogus; & &#xZZ;"), "&bogus; & &#xZZ;");
        assert_eq!(unescape("<![CDATA[<raw>&amp;]]>"), "<raw>&amp;");
        assert_eq!(text("<A/><A>x</A>", "A").as_deref(), Some(""));
        assert_eq!(elements("<A>1</A><A k='v'>2</A><AB>3</AB>", "A").count(), 2);
        // Broken documents end the search; nothing panics.
        for broken in [
            "<A>no end",
            "<A",
            "<",
            "<A x='>'",
            "&",
            "<A>&#xFFFFFFFF;</A>",
        ] {
            let _ = elements(broken, "A").map(unescape).count();
        }
    }

    #[test]
    fn escapes_what_content_cannot_hold() {
        assert_eq!(escape("\"abc\""), "\"abc\"");
        assert_eq!(escape("a<b&c>"), "a&lt;b&amp;c&gt;");
    }
}
