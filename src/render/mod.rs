//! Where what listen and replay emit is rendered: each value they hand
//! over (the address listen took, a delivery and what became of it, a
//! tunnel's news) has its human line and its JSON line here, side by side,
//! and nothing here prints: the printer thread (`crate::printer`) writes.
//! The commands render their own reports in `cmd/`; the escapers every
//! human form goes through live in `crate::output`.

pub mod delivery_line;
pub mod listening;
