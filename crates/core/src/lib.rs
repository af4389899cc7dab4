//! The vocabulary every nimbus crate shares: who is calling (account, region, identity), how
//! resources are named (ARNs, built only here), request ids, time, and which CPUs threads and
//! processes run on, and the body a streamed response is written through.
//!
//! This crate is a leaf: it depends on nothing else in nimbus and knows nothing of HTTP.

pub mod arn;
pub mod body;
pub mod context;
pub mod cpus;
pub mod ids;
pub mod time;

pub use arn::Arn;
pub use context::{Identity, RequestContext, DEFAULT_ACCOUNT, DEFAULT_REGION};
