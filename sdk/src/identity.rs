//! The platform and the user a client acts for: set on its builder, or learnt from its
//! signature source and its logins.

use std::sync::{Mutex, PoisonError};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::signer::{Signature, DIGEST_LEN};

/// A platform and a user, each maybe unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) platform: Option<String>,
    pub(crate) user_id: Option<String>,
}

impl Identity {
    /// The platform and user a signature's plaintext names. Not verified (only the service can);
    /// used only to tell the client who it is.
    pub(crate) fn named_in(signature: &Signature) -> Self {
        let Ok(blob) = STANDARD.decode(signature.expose_secret().trim()) else {
            return Self::default();
        };
        let Some(original) = blob.get(DIGEST_LEN..) else {
            return Self::default();
        };
        let mut named = Self::default();
        for (key, value) in form_urlencoded::parse(original) {
            let slot = match key.as_ref() {
                "platform" => &mut named.platform,
                "userId" => &mut named.user_id,
                _ => continue,
            };
            if !value.is_empty() {
                *slot = Some(value.into_owned());
            }
        }
        named
    }

    /// These values, with `other`'s where these are unknown.
    pub(crate) fn or(self, other: Identity) -> Self {
        Self {
            platform: self.platform.or(other.platform),
            user_id: self.user_id.or(other.user_id),
        }
    }
}

/// What a client knows of its identity: what its builder was told (never replaced) and what it
/// learnt since (replaced by each login that says more).
#[derive(Debug)]
pub(crate) struct Known {
    told: Identity,
    learnt: Mutex<Identity>,
}

impl Known {
    pub(crate) fn new(told: Identity, learnt: Identity) -> Self {
        Self {
            told,
            learnt: Mutex::new(learnt),
        }
    }

    /// The identity as best known: what the builder was told first, then what was learnt.
    pub(crate) fn current(&self) -> Identity {
        let learnt = self
            .learnt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        self.told.clone().or(learnt)
    }

    /// Records what a login said, keeping earlier knowledge where it says nothing.
    pub(crate) fn learn(&self, identity: Identity) {
        let mut learnt = self.learnt.lock().unwrap_or_else(PoisonError::into_inner);
        *learnt = identity.or(learnt.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Signer, Validity};

    #[test]
    fn a_signature_names_its_platform_and_user() {
        let signer = Signer::new("AKIDexample", "key");
        let signature = signer.login("my_platform", "用户 A", Validity::DEFAULT);
        assert_eq!(
            Identity::named_in(&signature),
            Identity {
                platform: Some("my_platform".into()),
                user_id: Some("用户 A".into()),
            }
        );
        for junk in ["", "not base64!", "YWJj", "=="] {
            assert_eq!(
                Identity::named_in(&Signature::from(junk.to_owned())),
                Identity::default()
            );
        }
    }

    #[test]
    fn told_values_win_and_logins_add_to_what_is_known() {
        let told = Identity {
            platform: Some("told".into()),
            user_id: None,
        };
        let known = Known::new(told, Identity::default());
        known.learn(Identity {
            platform: Some("learnt".into()),
            user_id: Some("u1".into()),
        });
        known.learn(Identity {
            platform: None,
            user_id: None,
        });
        assert_eq!(
            known.current(),
            Identity {
                platform: Some("told".into()),
                user_id: Some("u1".into()),
            }
        );
    }
}
