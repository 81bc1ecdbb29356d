//! Random identifiers in the shapes the service uses.

use rand::Rng;

fn hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A login ticket: `tf_` and 32 hex digits.
pub fn ticket() -> String {
    format!("tf_{}", hex(32))
}

/// A request ID in the UUID shape of the service's examples.
pub fn request_id() -> String {
    let h = hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..]
    )
}

/// A media ID: 20 decimal digits.
pub fn material_id() -> String {
    let mut rng = rand::rng();
    format!(
        "{}{:019}",
        rng.random_range(1..10),
        rng.random_range(0..10_000_000_000_000_000_000u64)
    )
}

/// A project ID: `cmepid_` and 24 hex digits.
pub fn project_id() -> String {
    format!("cmepid_{}", hex(24))
}

/// A team ID: `cmetid_` and 24 hex digits.
pub fn team_id() -> String {
    format!("cmetid_{}", hex(24))
}

/// A task ID of a media processing task, e.g. `1200000001-procedurev2-<32 hex>t0`.
pub fn task_id(app_id: i64) -> String {
    format!("{app_id}-procedurev2-{}t0", hex(32))
}

/// An opaque upload context.
pub fn upload_context() -> String {
    format!("uc_{}", hex(40))
}

/// The random part of a COS multipart upload ID: 32 hex digits.
pub fn upload_id() -> String {
    hex(32)
}

/// A VOD file ID: 19 decimal digits starting with 5285890 (the service's shape).
pub fn vod_file_id() -> String {
    format!(
        "5285890{:012}",
        rand::rng().random_range(0..1_000_000_000_000u64)
    )
}

/// A name for an uploaded file: 12 letters and digits.
pub fn storage_name() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 12)
}

/// A VOD upload session ID.
pub fn vod_session_id() -> String {
    format!("vs_{}", hex(32))
}

/// A short hex prefix of a storage folder.
pub fn folder_prefix() -> String {
    hex(8)
}

/// A frame tag item ID.
pub fn item_id() -> String {
    hex(24)
}

/// A CME internal user ID (`TfUid`).
pub fn tf_uid() -> String {
    format!("tfuid_{}", hex(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let t = ticket();
        assert!(t.starts_with("tf_") && t.len() == 35);
        let m = material_id();
        assert_eq!(m.len(), 20);
        assert!(m.bytes().all(|b| b.is_ascii_digit()) && !m.starts_with('0'));
        assert_eq!(request_id().len(), 36);
        assert!(task_id(1).starts_with("1-procedurev2-") && task_id(1).ends_with("t0"));
        assert_ne!(ticket(), ticket());
    }
}
