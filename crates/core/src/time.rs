//! Wall-clock time and the calendar formats AWS protocols use.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch, with millisecond precision, as JSON protocols send timestamps.
pub fn now_epoch_seconds() -> f64 {
    now_millis() as f64 / 1000.0
}

/// A civil date-time in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

impl Civil {
    pub fn from_millis(ms: i64) -> Civil {
        let secs = ms.div_euclid(1000);
        let millis = ms.rem_euclid(1000) as u32;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: (sod / 3600) as u32,
            minute: (sod % 3600 / 60) as u32,
            second: (sod % 60) as u32,
            millis,
        }
    }

    /// `2015-05-11T21:21:33.291` — the label format of DynamoDB stream ARNs.
    pub fn stream_label(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }

    /// `2015-05-11T21:21:33.291+0000` — how Lambda writes `LastModified`.
    pub fn offset_iso8601(&self) -> String {
        format!("{}+0000", self.stream_label())
    }

    /// `2015/05/11` — the date prefix of Lambda log stream names.
    pub fn date_path(&self) -> String {
        format!("{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }

    /// `11/May/2015:21:21:33 +0000` — the access-log time of API Gateway and function URL
    /// events (`requestContext.time`).
    pub fn access_log(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS[(self.month as usize).clamp(1, 12) - 1];
        format!(
            "{:02}/{month}/{:04}:{:02}:{:02}:{:02} +0000",
            self.day, self.year, self.hour, self.minute, self.second
        )
    }

    /// `2015-05-11T21:21:33Z` — ISO 8601 to the second, as API Gateway writes its dates.
    pub fn iso8601_seconds(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `2015-05-11T21:21:33.291Z` — ISO 8601 as XML protocols and event payloads write it.
    pub fn iso8601(&self) -> String {
        format!("{}Z", self.stream_label())
    }
}

/// Parses an ISO 8601 instant as the query protocols send one (`2015-05-11T21:21:33Z`, with an
/// optional fraction and a `Z` or `+hh:mm` offset) into milliseconds since the epoch.
pub fn parse_iso8601_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let field = |at: usize, len: usize| -> Option<i64> {
        let digits = b.get(at..at + len)?;
        digits.iter().all(u8::is_ascii_digit).then(|| {
            digits
                .iter()
                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|(i, c)| b.get(*i) != Some(c))
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 2)?, field(8, 2)?);
    let (hour, minute, second) = (field(11, 2)?, field(14, 2)?, field(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        millis = format!("{:0<3}", &fraction[..digits.min(3)]).parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let (h, m) = rest[1..].split_once(':').unwrap_or((&rest[1..], "00"));
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
        }
    };
    // Howard Hinnant's days-from-civil algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(Civil::from_millis(0).iso8601(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Civil::from_millis(1_583_348_638_390).access_log(),
            "04/Mar/2020:19:03:58 +0000"
        );
        assert_eq!(
            Civil::from_millis(1_431_379_293_291).stream_label(),
            "2015-05-11T21:21:33.291"
        );
        assert_eq!(
            Civil::from_millis(951_782_400_000).iso8601(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_iso8601() {
        for ms in [0, 1_431_379_293_291, 951_782_400_000, 1_583_348_638_390] {
            assert_eq!(
                parse_iso8601_millis(&Civil::from_millis(ms).iso8601()),
                Some(ms)
            );
        }
        assert_eq!(
            parse_iso8601_millis("2015-05-11T23:21:33+02:00"),
            Some(1_431_379_293_000)
        );
        assert_eq!(
            parse_iso8601_millis("2015-05-11T21:21:33.29Z"),
            Some(1_431_379_293_290)
        );
        assert_eq!(parse_iso8601_millis("2015-13-11T21:21:33Z"), None);
        assert_eq!(parse_iso8601_millis("yesterday"), None);
    }
}
