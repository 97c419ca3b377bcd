//! hookcli's integration tests: one binary, so it links once.

mod browser;
mod catalogue;
mod catalogue_github;
mod catalogue_gitlab;
mod catalogue_others;
mod catalogue_shopify;
mod catalogue_slack;
mod catalogue_stripe;
mod catalogue_twitch;
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
