//! Date-time fields (`Format: DateTime` in the spec) read as [`time::OffsetDateTime`].

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

/// `text` as a date and time with an offset: RFC 3339 (`2020-12-18T15:03:47+08:00`, what the
/// service sends), else any ISO 8601 form; `None` when it is neither.
pub(crate) fn parse(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_services_form_and_iso_8601() {
        let t = parse("2020-12-18T15:03:47+08:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_608_275_027);
        assert_eq!(t.offset().whole_hours(), 8);
        assert_eq!(parse(" 2020-12-18T07:03:47Z "), Some(t));
        assert_eq!(parse("20201218T070347Z"), Some(t));
        for bad in ["", "2020-12-18", "yesterday", "2020-13-01T00:00:00Z"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
