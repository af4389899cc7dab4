//! Token buckets for API Gateway's throttling (HTTP API routes, REST API stages and usage
//! plans), and usage-plan quotas. In memory: a restart refills every bucket, which a client
//! cannot tell from a quiet period.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A bucket of `burst` tokens at most, refilled at `rate` per second.
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Default)]
pub struct Buckets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Buckets {
    /// Takes a token from `key`'s bucket; false when it is empty.
    pub fn take(&self, key: String, burst: f64, rate: f64) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Requests counted per key and period (`DAY`, `WEEK`, `MONTH`, in UTC days since the epoch).
#[derive(Default)]
pub struct Quotas {
    used: Mutex<HashMap<String, (i64, i64)>>,
}

impl Quotas {
    /// Counts one request against `limit` in the current `period`; false when it is used up.
    pub fn take(&self, key: String, period: &str, limit: i64, now_ms: i64) -> bool {
        let day = now_ms.div_euclid(86_400_000);
        let window = match period {
            // 1970-01-01 was a Thursday; weeks start on Monday.
            "WEEK" => (day + 3).div_euclid(7),
            "MONTH" => {
                let c = nimbus_core::time::Civil::from_millis(now_ms);
                c.year * 12 + i64::from(c.month)
            }
            _ => day,
        };
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let entry = used.entry(key).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= limit {
            return false;
        }
        entry.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_quotas() {
        let b = Buckets::default();
        assert!(b.take("k".into(), 2.0, 0.0));
        assert!(b.take("k".into(), 2.0, 0.0));
        assert!(!b.take("k".into(), 2.0, 0.0));
        assert!(b.take("other".into(), 1.0, 0.0));
        let q = Quotas::default();
        let day = 86_400_000;
        assert!(q.take("k".into(), "DAY", 1, 10 * day));
        assert!(!q.take("k".into(), "DAY", 1, 10 * day + 5));
        assert!(q.take("k".into(), "DAY", 1, 11 * day));
    }
}
