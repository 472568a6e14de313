//! Per-token flood control: a token bucket of `API_RATE_LIMIT` per second, burst ten
//! times that. Per process by design (security-relevant counters live in the database).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Token buckets keyed by API token id.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter; `0` disables it.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: per_second as f64,
            burst: per_second as f64 * 10.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request's worth; `Err(seconds)` to wait when the bucket is empty.
    pub fn check(&self, key: i64) -> Result<(), u64> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            buckets.clear();
        }
        let (tokens, last) = buckets.entry(key).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_refuses() {
        let l = RateLimiter::new(1);
        for _ in 0..10 {
            assert!(l.check(7).is_ok());
        }
        assert_eq!(l.check(7), Err(1));
        assert!(l.check(8).is_ok(), "buckets are per token");
    }

    #[test]
    fn zero_disables() {
        let l = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(l.check(1).is_ok());
        }
    }
}
