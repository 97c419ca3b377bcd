//! hookcli's integration tests: one binary, so it links once.

mod common;
mod completions;
mod sdk_vectors;
mod send;
