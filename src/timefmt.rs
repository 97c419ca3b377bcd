//! RFC 3339 times in UTC with a fixed number of fraction digits, as the
//! store, the output and Twitch's headers print them. `time`'s well-known
//! `Rfc3339` trims trailing zeros from the fraction, which would make the
//! width vary, so these use a fixed format description instead.

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

const MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const NANOS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");

/// Milliseconds since the epoch as `2025-11-24T16:00:00.123Z`.
pub fn rfc3339_ms(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(MILLIS).unwrap_or_default()
}

/// Seconds since the epoch plus `nanos` as `2025-11-24T16:00:00.123456789Z`.
pub fn rfc3339_nanos(secs: i64, nanos: u32) -> String {
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let t = t.replace_nanosecond(nanos).unwrap_or(t);
    t.format(NANOS).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed width the store and the JSON lines have always printed.
    #[test]
    fn fixed_fraction_width() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_764_000_000_120), "2025-11-24T16:00:00.120Z");
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_ms(i64::MAX), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_nanos(1_573_899_072, 634_234_626),
            "2019-11-16T10:11:12.634234626Z"
        );
        assert_eq!(
            rfc3339_nanos(1_573_899_072, 5),
            "2019-11-16T10:11:12.000000005Z"
        );
    }
}
