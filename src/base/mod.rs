//! Generic building blocks that depend on nothing else in hookcli: the
//! request with its headers in order, hashes and encodings, random ids, a secret that never shows itself.
//! Everything else may import these; these import nothing of the crate.

pub mod crypto;
pub mod request;
pub mod secret;
pub mod url;

pub use request::{Headers, WebhookRequest};
