//! The process's descriptor limit, and the connection cap it allows.

/// The cap when the descriptor limit is generous.
const CEILING: usize = 4096;
/// Descriptors kept for everything else: stdio, the store's files, the
/// runtime's own, listening sockets.
const RESERVE: usize = 32;

/// The soft RLIMIT_NOFILE, when there is one.
pub fn soft_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The default `--max-connections`: a few thousand, or less under a low
/// descriptor limit. Half of the limit, because a forwarded delivery holds a
/// second descriptor (the connection to the app) beside the sender's.
pub fn default_max_connections() -> usize {
    max_for(soft_limit())
}

fn max_for(soft: Option<u64>) -> usize {
    match soft {
        Some(n) => (usize::try_from(n / 2).unwrap_or(usize::MAX))
            .saturating_sub(RESERVE)
            .clamp(8, CEILING),
        None => CEILING,
    }
}

/// The largest cap that stays clear of the limit, to warn above.
pub fn safe_max(soft: Option<u64>) -> Option<usize> {
    soft.map(|n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .saturating_sub(RESERVE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_limit() {
        assert_eq!(max_for(Some(256)), 96);
        assert_eq!(max_for(Some(1024)), 480);
        assert_eq!(max_for(Some(1 << 20)), CEILING);
        assert_eq!(max_for(None), CEILING);
        assert_eq!(max_for(Some(20)), 8);
    }
}
