//! A signer from the environment, the way Tencent Cloud's tools read credentials.

use super::Signer;
use crate::error::Error;

/// The environment variable holding the SecretId.
pub const SECRET_ID_VAR: &str = "TENCENTCLOUD_SECRET_ID";
/// The environment variable holding the SecretKey.
pub const SECRET_KEY_VAR: &str = "TENCENTCLOUD_SECRET_KEY";

impl Signer {
    /// A signer for the API key in `TENCENTCLOUD_SECRET_ID` and `TENCENTCLOUD_SECRET_KEY`, the
    /// variables Tencent Cloud's SDKs and tccli read. Fails, naming the variable, when one is
    /// unset, empty or not UTF-8; the error never shows the key.
    pub fn from_env() -> Result<Self, Error> {
        let read = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
            Ok(_) => Err(Error::config(format!("{name} is empty"))),
            Err(std::env::VarError::NotPresent) => Err(Error::config(format!("{name} is not set"))),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::config(format!("{name} is not valid UTF-8")))
            }
        };
        Ok(Self::new(read(SECRET_ID_VAR)?, read(SECRET_KEY_VAR)?))
    }
}
