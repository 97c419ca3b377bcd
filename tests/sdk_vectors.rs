//! Placeholder until the SDK vectors land.
