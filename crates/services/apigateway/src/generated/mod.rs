//! Code generated from the botocore models by `codegen/generate.py`; CI fails when it drifts.

pub mod apigateway;
pub mod apigatewayv2;
