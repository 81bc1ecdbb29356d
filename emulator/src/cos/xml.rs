//! The XML of the COS calls the store serves: the results it writes, and the
//! `CompleteMultipartUpload` body it reads.

use quick_xml::escape::escape;
use serde::Deserialize;

use crate::objects::{Part, Upload};
use crate::time::format_iso8601;

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// `<Error>`.
pub(crate) fn error(code: &str, message: &str, resource: &str, request_id: &str) -> String {
    format!(
        "{HEAD}<Error><Code>{}</Code><Message>{}</Message><Resource>{}</Resource><RequestId>{}</RequestId><TraceId>{}</TraceId></Error>",
        escape(code),
        escape(message),
        escape(resource),
        escape(request_id),
        escape(request_id)
    )
}

/// `<InitiateMultipartUploadResult>`.
pub(crate) fn initiated(bucket: &str, key: &str, upload_id: &str) -> String {
    format!(
        "{HEAD}<InitiateMultipartUploadResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId></InitiateMultipartUploadResult>",
        escape(bucket),
        escape(key),
        escape(upload_id)
    )
}

/// `<CompleteMultipartUploadResult>`.
pub(crate) fn completed(location: &str, bucket: &str, key: &str, etag: &str) -> String {
    format!(
        "{HEAD}<CompleteMultipartUploadResult><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>&quot;{}&quot;</ETag></CompleteMultipartUploadResult>",
        escape(location),
        escape(bucket),
        escape(key),
        escape(etag)
    )
}

/// `<ListPartsResult>`.
pub(crate) fn parts(
    bucket: &str,
    upload: &Upload,
    parts: &[Part],
    marker: u32,
    max: usize,
    truncated: bool,
) -> String {
    let mut out = format!(
        "{HEAD}<ListPartsResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId><StorageClass>STANDARD</StorageClass><PartNumberMarker>{marker}</PartNumberMarker><NextPartNumberMarker>{}</NextPartNumberMarker><MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>",
        escape(bucket),
        escape(&upload.key),
        escape(&upload.upload_id),
        parts.last().map_or(marker, |p| p.number),
    );
    for p in parts {
        out.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><LastModified>{}</LastModified><ETag>&quot;{}&quot;</ETag><Size>{}</Size></Part>",
            p.number,
            format_iso8601(p.modified),
            escape(&p.etag),
            p.size
        ));
    }
    out.push_str("</ListPartsResult>");
    out
}

/// `<ListMultipartUploadsResult>`.
pub(crate) fn uploads(bucket: &str, prefix: &str, uploads: &[Upload]) -> String {
    let mut out = format!(
        "{HEAD}<ListMultipartUploadsResult><Bucket>{}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker><Prefix>{}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>",
        escape(bucket),
        escape(prefix),
    );
    for u in uploads {
        out.push_str(&format!(
            "<Upload><Key>{}</Key><UploadId>{}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>{}</Initiated></Upload>",
            escape(&u.key),
            escape(&u.upload_id),
            format_iso8601(u.initiated)
        ));
    }
    out.push_str("</ListMultipartUploadsResult>");
    out
}

#[derive(Debug, Deserialize)]
struct CompleteBody {
    #[serde(rename = "Part", default)]
    parts: Vec<PartBody>,
}

#[derive(Debug, Deserialize)]
struct PartBody {
    #[serde(rename = "PartNumber")]
    number: u32,
    #[serde(rename = "ETag")]
    etag: String,
}

/// The parts of a `CompleteMultipartUpload` body: number and ETag (quotes removed).
pub(crate) fn complete_request(body: &str) -> Result<Vec<(u32, String)>, String> {
    let parsed: CompleteBody = quick_xml::de::from_str(body).map_err(|e| e.to_string())?;
    Ok(parsed
        .parts
        .into_iter()
        .map(|p| (p.number, p.etag.trim().trim_matches('"').to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_complete_bodies_as_the_sdks_write_them() {
        let python = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a1\"</ETag></Part><Part><ETag>&quot;b2&quot;</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>";
        assert_eq!(
            complete_request(python),
            Ok(vec![(1, "a1".to_owned()), (2, "b2".to_owned())])
        );
        let declared = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload xmlns=\"http://www.qcloud.com/\">\n  <Part>\n    <PartNumber>3</PartNumber>\n    <ETag>c3</ETag>\n  </Part>\n</CompleteMultipartUpload>";
        assert_eq!(complete_request(declared), Ok(vec![(3, "c3".to_owned())]));
        assert_eq!(
            complete_request("<CompleteMultipartUpload></CompleteMultipartUpload>"),
            Ok(vec![])
        );
        for bad in ["", "not xml", "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>", "<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>"] {
            assert!(complete_request(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn escapes_what_it_writes() {
        let e = error("NoSuchKey", "a <b> & c", "/k", "id");
        assert!(e.contains("<Message>a &lt;b&gt; &amp; c</Message>"), "{e}");
        assert!(initiated("b", "k&1", "u").contains("<Key>k&amp;1</Key>"));
    }
}
