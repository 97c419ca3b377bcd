//! The memory all request bodies in flight may hold together. A body takes
//! its share before it is read (its Content-Length, or chunk by chunk) and
//! gives it back when its request is done; one that does not fit is
//! answered 503, so a burst of large bodies cannot grow the process without
//! bound.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The shared budget, in bytes.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: AtomicU64,
    warned: Mutex<Option<Instant>>,
}

/// A share of the budget; given back on drop.
#[derive(Debug)]
pub struct Grant {
    budget: Arc<Budget>,
    bytes: u64,
}

impl Budget {
    pub fn new(limit: u64) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            used: AtomicU64::new(0),
            warned: Mutex::new(None),
        })
    }

    /// The default: room for two bodies of `max_body`, and at least 64 MiB.
    pub fn default_limit(max_body: u64) -> u64 {
        max_body.saturating_mul(2).max(64 << 20)
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes currently held.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// True at most once every ten seconds: a full budget is worth a warning,
    /// not a line per refused request.
    pub fn first_refusal_in_a_while(&self) -> bool {
        let mut last = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        let due = last.is_none_or(|t| t.elapsed() >= Duration::from_secs(10));
        if due {
            *last = Some(Instant::now());
        }
        due
    }

    /// `bytes` of the budget, or `None` when they do not fit.
    pub fn take(self: &Arc<Self>, bytes: u64) -> Option<Grant> {
        self.reserve(bytes).then(|| Grant {
            budget: self.clone(),
            bytes,
        })
    }

    fn reserve(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|n| *n <= self.limit)
            })
            .is_ok()
    }
}

impl Grant {
    /// Grows the share to `total` bytes; false when that does not fit.
    pub fn grow_to(&mut self, total: u64) -> bool {
        if total <= self.bytes {
            return true;
        }
        if !self.budget.reserve(total - self.bytes) {
            return false;
        }
        self.bytes = total;
        true
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_refused_past_the_limit_and_given_back() {
        let b = Budget::new(100);
        let mut one = b.take(60).unwrap();
        assert!(b.take(50).is_none());
        assert!(!one.grow_to(101));
        assert!(one.grow_to(90));
        let two = b.take(10).unwrap();
        assert_eq!(b.used(), 100);
        drop(one);
        drop(two);
        assert_eq!(b.used(), 0);
        assert!(b.take(100).is_some());
    }
}
