//! Where what listen and replay emit is rendered: each value they hand
//! over (the address listen took, a delivery and what became of it, a
//! tunnel's news) has its human line and its JSON line here, side by side,
//! and nothing here prints but the relay's log: listen's lines go through
//! the printer thread (`crate::printer`); the relay, a server with no
//! terminal to keep tidy, writes each log line to stderr as it happens.
//! The commands render their own reports in `cmd/`; the escapers every
//! human form goes through live in `crate::output`.

pub mod delivery_line;
pub mod listening;
pub mod relay_log;
