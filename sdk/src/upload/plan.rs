//! How an input is cut into parts: COS takes parts of 1 MiB to 5 GiB (the last one may be
//! smaller), at most 10,000 of them.

use super::error::UploadError;

/// The smallest part COS takes (but for the last).
pub const MIN_PART_SIZE: u64 = 1 << 20;
/// The largest part COS takes.
pub const MAX_PART_SIZE: u64 = 5 << 30;
/// The most parts of one COS multipart upload.
pub const MAX_PARTS: u64 = 10_000;
/// The part size of an input that does not need larger parts (8 MiB, as vod-js-sdk-v6).
pub const DEFAULT_PART_SIZE: u64 = 8 << 20;

/// The parts of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The input's size, in bytes (more than 0).
    pub(crate) size: u64,
    /// Every part's size but the last's.
    pub(crate) part_size: u64,
    /// The number of parts (at least 1).
    pub(crate) parts: u32,
}

impl Plan {
    /// The parts of an input of `size` bytes (more than 0): of `requested` bytes, or by default
    /// [`DEFAULT_PART_SIZE`], raised to a whole number of MiB that keeps the parts at most
    /// 10,000.
    pub(crate) fn new(size: u64, requested: Option<u64>) -> Result<Self, UploadError> {
        let max_size = MAX_PART_SIZE * MAX_PARTS;
        if size > max_size {
            return Err(UploadError::TooLarge {
                size,
                max: max_size,
            });
        }
        let smallest = size.div_ceil(MAX_PARTS).max(MIN_PART_SIZE);
        let part_size = match requested {
            Some(part_size) if (smallest..=MAX_PART_SIZE).contains(&part_size) => part_size,
            Some(part_size) => {
                return Err(UploadError::PartSize {
                    part_size,
                    min: smallest,
                    max: MAX_PART_SIZE,
                })
            }
            None => smallest
                .div_ceil(MIN_PART_SIZE)
                .saturating_mul(MIN_PART_SIZE)
                .clamp(DEFAULT_PART_SIZE, MAX_PART_SIZE),
        };
        // At most 10,000: fits.
        let parts = u32::try_from(size.div_ceil(part_size)).unwrap_or(u32::MAX);
        Ok(Self {
            size,
            part_size,
            parts,
        })
    }

    /// Where part `n` (from 1) starts, and its length.
    pub(crate) fn range(&self, n: u32) -> (u64, u64) {
        let start = u64::from(n - 1) * self.part_size;
        (start, self.part_size.min(self.size - start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn default_parts_are_8_mib_until_10000_parts_need_more() {
        let plan = Plan::new(1, None).unwrap();
        assert_eq!(
            (plan.part_size, plan.parts, plan.range(1)),
            (8 * MIB, 1, (0, 1))
        );
        let plan = Plan::new(20 * MIB + 1, None).unwrap();
        assert_eq!((plan.parts, plan.range(3)), (3, (16 * MIB, 4 * MIB + 1)));
        // 80,000 MiB and one byte need parts of 9 MiB (8 MiB would make 10,001).
        let plan = Plan::new(80_000 * MIB + 1, None).unwrap();
        assert_eq!((plan.part_size, plan.parts), (9 * MIB, 8889));
        let largest = MAX_PART_SIZE * MAX_PARTS;
        let plan = Plan::new(largest, None).unwrap();
        assert_eq!((plan.part_size, plan.parts), (MAX_PART_SIZE, 10_000));
        assert_eq!(plan.range(10_000), (largest - MAX_PART_SIZE, MAX_PART_SIZE));
        assert_eq!(
            Plan::new(largest + 1, None),
            Err(UploadError::TooLarge {
                size: largest + 1,
                max: largest
            })
        );
    }

    #[test]
    fn a_requested_part_size_is_kept_or_refused_with_the_range_that_works() {
        let plan = Plan::new(10 * MIB, Some(MIB)).unwrap();
        assert_eq!((plan.part_size, plan.parts), (MIB, 10));
        assert_eq!(Plan::new(3, Some(3 * MIB)).unwrap().parts, 1);
        for (size, part) in [(10 * MIB, MIB - 1), (10 * MIB, MAX_PART_SIZE + 1)] {
            assert_eq!(
                Plan::new(size, Some(part)),
                Err(UploadError::PartSize {
                    part_size: part,
                    min: MIB,
                    max: MAX_PART_SIZE
                })
            );
        }
        // 1 MiB parts carry at most 10,000 MiB.
        assert_eq!(
            Plan::new(10_000 * MIB + 1, Some(MIB)),
            Err(UploadError::PartSize {
                part_size: MIB,
                min: MIB + 1,
                max: MAX_PART_SIZE
            })
        );
    }
}
