//! The COS protocol of the object store: which operation a request is, its v5 signature
//! ([`auth`]), its XML ([`xml`]), and the errors it answers with, in the shape COS uses
//! (`<Error><Code/><Message/><Resource/><RequestId/></Error>`, HTTP status by code).

pub(crate) mod auth;
pub(crate) mod xml;

use axum::http::{Method, StatusCode};

use crate::dispatch::AUTHORED_PREFIX;
use crate::faults::CosOperation;
use crate::objects::ObjectError;

/// A refused COS request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CosError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl CosError {
    /// An error with the service's own message for the code.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
        }
    }

    /// An error whose message is the emulator's own (marked as such).
    pub(crate) fn authored(
        status: StatusCode,
        code: &'static str,
        detail: impl std::fmt::Display,
    ) -> Self {
        Self {
            status,
            code,
            message: format!("{AUTHORED_PREFIX}{detail}"),
        }
    }

    /// `403 AccessDenied`.
    pub(crate) fn access_denied(detail: impl std::fmt::Display) -> Self {
        Self::authored(StatusCode::FORBIDDEN, "AccessDenied", detail)
    }

    /// `400 InvalidArgument`.
    pub(crate) fn invalid_argument(detail: impl std::fmt::Display) -> Self {
        Self::authored(StatusCode::BAD_REQUEST, "InvalidArgument", detail)
    }
}

impl From<ObjectError> for CosError {
    fn from(e: ObjectError) -> Self {
        let bad = StatusCode::BAD_REQUEST;
        match e {
            ObjectError::NoSuchBucket => CosError::new(
                StatusCode::NOT_FOUND,
                "NoSuchBucket",
                "The specified bucket does not exist.",
            ),
            ObjectError::NoSuchKey => CosError::new(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            ),
            ObjectError::NoSuchUpload => CosError::new(
                StatusCode::NOT_FOUND,
                "NoSuchUpload",
                "The specified multipart upload does not exist.",
            ),
            ObjectError::UploadCompleting => CosError::authored(
                StatusCode::CONFLICT,
                "UploadConflict",
                "the multipart upload is being completed",
            ),
            ObjectError::InvalidPart(n) => CosError::authored(
                bad,
                "InvalidPart",
                format!("part {n} was not uploaded, or its ETag is not the one given"),
            ),
            ObjectError::InvalidPartOrder => CosError::new(
                bad,
                "InvalidPartOrder",
                "The list of parts was not in ascending order.",
            ),
            ObjectError::EntityTooSmall { part, size } => CosError::authored(
                bad,
                "EntityTooSmall",
                format!(
                    "part {part} is {size} bytes: every part but the last must be at least 1 MiB"
                ),
            ),
            ObjectError::EntityTooLarge { limit } => CosError::authored(
                bad,
                "EntityTooLarge",
                format!("the body is larger than {limit} bytes"),
            ),
            ObjectError::StorageFull { cap } => CosError::authored(
                bad,
                "EntityTooLarge",
                format!("storage full: the emulator holds at most {cap} bytes (its storage cap)"),
            ),
            ObjectError::InvalidArgument(why) => CosError::invalid_argument(why),
            ObjectError::InvalidKey(why) => CosError::authored(bad, "InvalidObjectName", why),
            ObjectError::IncompleteBody(why) => CosError::authored(
                bad,
                "IncompleteBody",
                format!("the body did not arrive whole: {why}"),
            ),
            ObjectError::Io(why) => CosError::authored(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                format!("storage: {why}"),
            ),
        }
    }
}

/// The operation a request asks for, from its method and query parameter names; `key_empty`
/// when the path names only the bucket.
pub(crate) fn operation(
    method: &Method,
    has: impl Fn(&str) -> bool,
    key_empty: bool,
) -> Option<CosOperation> {
    let op = match *method {
        Method::PUT if has("partNumber") || has("uploadId") => CosOperation::UploadPart,
        Method::PUT => CosOperation::PutObject,
        Method::POST if has("uploads") => CosOperation::InitiateMultipartUpload,
        Method::POST if has("uploadId") => CosOperation::CompleteMultipartUpload,
        Method::DELETE if has("uploadId") => CosOperation::AbortMultipartUpload,
        Method::GET if has("uploadId") => CosOperation::ListParts,
        Method::GET if has("uploads") && key_empty => CosOperation::ListMultipartUploads,
        Method::GET if !key_empty => CosOperation::GetObject,
        Method::HEAD if !key_empty => CosOperation::HeadObject,
        _ => return None,
    };
    Some(op)
}

/// The bucket named by a virtual-host `Host` (`<bucket>.cos.<region>.myqcloud.com`, any port).
pub(crate) fn virtual_host_bucket(host: &str) -> Option<&str> {
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    let (bucket, rest) = name.split_once(".cos.")?;
    let region = rest.strip_suffix(".myqcloud.com")?;
    (!bucket.is_empty() && !region.is_empty() && !region.contains('.')).then_some(bucket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_by_method_and_query() {
        let q = |names: &'static [&'static str]| move |n: &str| names.contains(&n);
        assert_eq!(
            operation(&Method::PUT, q(&["partNumber", "uploadId"]), false),
            Some(CosOperation::UploadPart)
        );
        assert_eq!(
            operation(&Method::PUT, q(&[]), false),
            Some(CosOperation::PutObject)
        );
        assert_eq!(
            operation(&Method::POST, q(&["uploads"]), false),
            Some(CosOperation::InitiateMultipartUpload)
        );
        assert_eq!(
            operation(&Method::POST, q(&["uploadId"]), false),
            Some(CosOperation::CompleteMultipartUpload)
        );
        assert_eq!(
            operation(&Method::DELETE, q(&["uploadId"]), false),
            Some(CosOperation::AbortMultipartUpload)
        );
        assert_eq!(
            operation(&Method::GET, q(&["uploadId"]), false),
            Some(CosOperation::ListParts)
        );
        assert_eq!(
            operation(&Method::GET, q(&["uploads", "prefix"]), true),
            Some(CosOperation::ListMultipartUploads)
        );
        assert_eq!(
            operation(&Method::GET, q(&[]), false),
            Some(CosOperation::GetObject)
        );
        assert_eq!(
            operation(&Method::HEAD, q(&[]), false),
            Some(CosOperation::HeadObject)
        );
        assert_eq!(operation(&Method::GET, q(&[]), true), None);
        assert_eq!(operation(&Method::PATCH, q(&[]), false), None);
        assert_eq!(operation(&Method::POST, q(&[]), false), None);
    }

    #[test]
    fn virtual_hosts() {
        assert_eq!(
            virtual_host_bucket("b-125.cos.ap-guangzhou.myqcloud.com"),
            Some("b-125")
        );
        assert_eq!(
            virtual_host_bucket("b-125.cos.ap-guangzhou.myqcloud.com:8080"),
            Some("b-125")
        );
        assert_eq!(virtual_host_bucket("127.0.0.1:8687"), None);
        assert_eq!(virtual_host_bucket("cos.ap-guangzhou.myqcloud.com"), None);
        assert_eq!(virtual_host_bucket(".cos.x.myqcloud.com"), None);
    }
}
