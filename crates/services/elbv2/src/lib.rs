//! Elastic Load Balancing v2: Application Load Balancers, their listeners and rules, and
//! target groups (Lambda functions first), managed through the `elbv2` API.
//!
//! - `generated/`: shapes, validation, dispatch and error codes from the botocore model.
//! - `arns.rs`: what an ARN names (its ids are the store's keys).
//! - `storage.rs`: the layout in the store's trees, and the read API the front door serves from.
//! - `ops/`: the operations by family (load balancers, target groups, targets, listeners,
//!   rules with their actions and conditions, tags).
//! - `service.rs`: the `QueryService` the server routes `elasticloadbalancing` requests to.
//! - `alb.rs`: the front door serving the load balancers: listener rules, the Lambda target
//!   event and response rules, fixed responses and redirects.

pub mod alb;
pub mod arns;
pub mod generated;
pub mod ops;
pub mod service;
pub mod storage;

pub use alb::LoadBalancers;
pub use service::{Elbv2, LoadBalancerHosts};
