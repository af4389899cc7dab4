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
}
