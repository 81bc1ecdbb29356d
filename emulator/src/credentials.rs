//! Temporary COS credentials: issued by `ApplyUploadUGC` for one upload's storage folder,
//! checked by the COS store on every request (`q-ak`, the signature's key, and
//! `x-cos-security-token`).

use std::collections::HashMap;
use std::sync::Mutex;

use rand::distr::Alphanumeric;
use rand::Rng;

/// How long an expired credential is still recognised (and answered "expired" rather than
/// "unknown"), seconds.
const REMEMBER_EXPIRED: i64 = 3600;

/// One temporary credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TempCredential {
    /// `secretId` (the COS `q-ak`).
    pub(crate) secret_id: String,
    /// `secretKey`.
    pub(crate) secret_key: String,
    /// `token`, sent as `x-cos-security-token`.
    pub(crate) token: String,
    /// When it was issued, Unix seconds.
    pub(crate) issued: i64,
    /// `expiredTime`, Unix seconds: from then on it is refused.
    pub(crate) expires: i64,
    /// The bucket it may use (`<storageBucket>-<storageAppId>`).
    pub(crate) bucket: String,
    /// The key prefix it may use (the upload's folder, ending in `/`).
    pub(crate) prefix: String,
}

impl TempCredential {
    /// Whether it may touch `key` of `bucket`.
    pub(crate) fn allows(&self, bucket: &str, key: &str) -> bool {
        bucket == self.bucket && key.starts_with(&self.prefix)
    }
}

/// Every credential issued and not long expired.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    map: Mutex<HashMap<String, TempCredential>>,
}

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl Credentials {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TempCredential>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Issues a credential for the keys of `bucket` under `prefix`, valid from `now` for
    /// `lifetime` seconds.
    pub(crate) fn issue(
        &self,
        bucket: &str,
        prefix: &str,
        now: i64,
        lifetime: i64,
    ) -> TempCredential {
        let credential = TempCredential {
            secret_id: format!("AKID{}", random_text(32)),
            secret_key: random_text(32),
            token: random_text(96),
            issued: now,
            expires: now.saturating_add(lifetime),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        };
        let mut map = self.lock();
        map.retain(|_, c| c.expires.saturating_add(REMEMBER_EXPIRED) > now);
        map.insert(credential.secret_id.clone(), credential.clone());
        credential
    }

    /// The credential with this `secretId`, if issued (and not long expired).
    pub(crate) fn get(&self, secret_id: &str) -> Option<TempCredential> {
        self.lock().get(secret_id).cloned()
    }

    /// Makes every credential issued so far expire at `now`.
    pub(crate) fn expire_all(&self, now: i64) {
        for credential in self.lock().values_mut() {
            credential.expires = credential.expires.min(now);
        }
    }

    /// Records a credential made elsewhere (a test vector's).
    #[cfg(test)]
    pub(crate) fn insert(&self, credential: TempCredential) {
        self.lock().insert(credential.secret_id.clone(), credential);
    }

    /// Forgets every credential.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_scope_expire() {
        let credentials = Credentials::default();
        let c = credentials.issue("b-1", "b/dir/", 100, 60);
        assert!(c.secret_id.starts_with("AKID") && c.secret_id.len() == 36);
        assert_eq!(c.expires, 160);
        assert!(c.allows("b-1", "b/dir/x.mp4"));
        assert!(!c.allows("b-1", "b/other/x.mp4"));
        assert!(!c.allows("c-1", "b/dir/x.mp4"));
        assert_eq!(credentials.get(&c.secret_id), Some(c.clone()));
        credentials.expire_all(120);
        assert_eq!(credentials.get(&c.secret_id).map(|c| c.expires), Some(120));
        // long expired ones are forgotten when the next is issued
        credentials.issue("b-1", "b/dir2/", 120 + REMEMBER_EXPIRED, 60);
        assert_eq!(credentials.get(&c.secret_id), None);
        assert_ne!(credentials.issue("b", "p", 0, 1).token, c.token);
    }
}
