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
mod deliver;
mod escapes;
mod inspect;
mod keys;
mod listen;
mod readme;
mod relay;
mod replay;
mod sdk_vectors;
mod secrets_by_name;
mod send;
mod store_files;
mod tour;
