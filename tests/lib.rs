//! hookcli's integration tests: one binary, so it links once.

mod browser;
mod check;
mod common;
mod completions;
mod config;
mod conn;
mod inspect;
mod keys;
mod listen;
mod readme;
mod relay;
mod replay;
mod sdk_vectors;
mod send;
mod tour;
