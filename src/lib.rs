//! hookcli: capture, inspect, replay, forge, check and tunnel webhook deliveries.
//! The modules are public so that integration tests and benches reach them.

pub mod provider;
pub mod secret;
