//! A signer from the environment, the way Tencent Cloud's tools read credentials.

use std::fmt;

use super::Signer;

/// The environment variable holding the SecretId.
pub const SECRET_ID_VAR: &str = "TENCENTCLOUD_SECRET_ID";
/// The environment variable holding the SecretKey.
pub const SECRET_KEY_VAR: &str = "TENCENTCLOUD_SECRET_KEY";

/// Why [`Signer::from_env`] found no key: which variable, and what is wrong with it. It never
/// holds the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError {
    variable: &'static str,
    problem: &'static str,
}

impl EnvError {
    /// The variable at fault.
    pub fn variable(&self) -> &'static str {
        self.variable
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.variable, self.problem)
    }
}

impl std::error::Error for EnvError {}

impl Signer {
    /// A signer for the API key in `TENCENTCLOUD_SECRET_ID` and `TENCENTCLOUD_SECRET_KEY`, the
    /// variables Tencent Cloud's SDKs and tccli read (surrounding spaces are dropped). Fails,
    /// naming the variable, when one is unset, empty or not UTF-8.
    pub fn from_env() -> Result<Self, EnvError> {
        let read = |variable: &'static str| {
            let problem = match std::env::var(variable) {
                Ok(value) if !value.trim().is_empty() => return Ok(value.trim().to_owned()),
                Ok(_) => "is empty",
                Err(std::env::VarError::NotPresent) => "is not set",
                Err(std::env::VarError::NotUnicode(_)) => "is not valid UTF-8",
            };
            Err(EnvError { variable, problem })
        };
        Ok(Self::new(read(SECRET_ID_VAR)?, read(SECRET_KEY_VAR)?))
    }
}
