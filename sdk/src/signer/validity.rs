//! How long a signature stays valid, checked when it is made rather than when it is used.

use std::fmt;
use std::time::Duration;

/// How long a signature stays valid: a whole number of seconds from 1 second to
/// [`Validity::MAX`] (90 days). Build one with [`Validity::from_secs`] or from a [`Duration`]
/// (`Validity::try_from(duration)`); anything else is refused with a [`ValidityError`], so a
/// signer never signs a 0-second window or one that never ends.
///
/// The CME docs set no maximum (their samples use 5 minutes, the Iframe tutorial a day); the
/// SDK takes the 90 days the VOD upload signature allows (`expireTime - currentTimeStamp` ≤
/// 7,776,000 s). Prefer short validities: a signature only has to live from its issue to its
/// use.
///
/// ```
/// use std::time::Duration;
/// use cme_sdk::signer::Validity;
///
/// assert_eq!(Validity::default(), Validity::DEFAULT); // 5 minutes, as the official samples
/// let day = Validity::from_secs(86_400)?;
/// assert_eq!(Duration::from(day), Duration::from_secs(86_400));
/// assert!(Validity::try_from(Duration::from_millis(500)).is_err());
/// assert!(Validity::try_from(Duration::MAX).is_err());
/// # Ok::<(), cme_sdk::signer::ValidityError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Validity {
    secs: u64,
}

impl Validity {
    /// The shortest validity: 1 second.
    pub const MIN: Self = Self { secs: 1 };
    /// The longest validity: 90 days (7,776,000 seconds).
    pub const MAX: Self = Self {
        secs: 90 * 24 * 60 * 60,
    };
    /// Five minutes, as in the official samples; also [`Validity::default`].
    pub const DEFAULT: Self = Self { secs: 300 };

    /// A validity of `secs` seconds, from [`MIN`](Self::MIN) to [`MAX`](Self::MAX).
    pub const fn from_secs(secs: u64) -> Result<Self, ValidityError> {
        if secs < Self::MIN.secs || secs > Self::MAX.secs {
            return Err(ValidityError {
                requested: Duration::from_secs(secs),
            });
        }
        Ok(Self { secs })
    }

    /// The validity in seconds.
    pub const fn as_secs(self) -> u64 {
        self.secs
    }

    /// The validity as a [`Duration`].
    pub const fn as_duration(self) -> Duration {
        Duration::from_secs(self.secs)
    }
}

impl Default for Validity {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<Duration> for Validity {
    type Error = ValidityError;

    /// A whole number of seconds from 1 second to 90 days; a fraction of a second is refused
    /// (signatures count whole seconds, and would drop it silently).
    fn try_from(duration: Duration) -> Result<Self, ValidityError> {
        if duration.subsec_nanos() != 0 {
            return Err(ValidityError {
                requested: duration,
            });
        }
        Self::from_secs(duration.as_secs())
    }
}

impl From<Validity> for Duration {
    fn from(validity: Validity) -> Self {
        validity.as_duration()
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s", self.secs)
    }
}

/// A signature validity that is not a whole number of seconds from 1 second to 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityError {
    requested: Duration,
}

impl ValidityError {
    /// The validity that was asked for.
    pub fn requested(&self) -> Duration {
        self.requested
    }
}

impl fmt::Display for ValidityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid signature validity {:?}: it must be a whole number of seconds from {} to {} \
             (90 days)",
            self.requested,
            Validity::MIN,
            Validity::MAX
        )
    }
}

impl std::error::Error for ValidityError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_would_sign_a_zero_window_or_one_that_never_ends() {
        let refused = [
            Duration::ZERO,
            Duration::from_millis(999),
            Duration::from_millis(1500),
            Validity::MAX.as_duration() + Duration::from_secs(1),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ];
        for duration in refused {
            let err = Validity::try_from(duration).unwrap_err();
            assert_eq!(err.requested(), duration);
            assert!(
                err.to_string().starts_with(&format!(
                    "invalid signature validity {duration:?}: it must be a whole number of \
                     seconds from 1 s to 7776000 s (90 days)"
                )),
                "{err}"
            );
        }
        assert!(Validity::from_secs(0).is_err());
        assert!(Validity::from_secs(7_776_001).is_err());
    }

    #[test]
    fn accepts_whole_seconds_from_one_second_to_ninety_days() {
        for secs in [1, 300, 86_400, 7_776_000] {
            let validity = Validity::from_secs(secs).unwrap();
            assert_eq!(validity.as_secs(), secs);
            assert_eq!(Validity::try_from(Duration::from_secs(secs)), Ok(validity));
        }
        assert_eq!(Validity::MIN.as_secs(), 1);
        assert_eq!(Validity::DEFAULT.as_duration(), Duration::from_secs(300));
    }
}
