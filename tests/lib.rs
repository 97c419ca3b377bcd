//! hookcli's integration tests: one binary, so it links once.

mod sdk_vectors;
