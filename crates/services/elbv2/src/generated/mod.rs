//! Code generated from the botocore model by `codegen/generate.py`; CI fails when it drifts.

pub mod elbv2;
