//! hookcli: capture, inspect, replay, forge, check and tunnel webhook deliveries.
//! The modules are public so that integration tests and benches reach them.

pub mod base;
pub mod bind;
pub mod check;
pub mod cli;
mod cli_values;
pub mod client;
pub mod cmd;
pub mod config;
pub mod conn;
pub mod curl;
pub mod edit;
pub mod fixture;
pub mod forge;
pub mod glob;
pub mod incoming;
pub mod inspect;
pub mod listen;
pub mod output;
pub mod printer;
pub mod provider;
pub mod relay;
pub mod render;
pub mod replay;
pub mod secret;
pub mod store;
pub mod tamper;
pub mod timefmt;
pub mod usage;
