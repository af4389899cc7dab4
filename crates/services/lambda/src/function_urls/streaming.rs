//! Function URLs in InvokeMode RESPONSE_STREAM: the function's response goes to the client as
//! the function writes it, after the HTTP prelude `http_stream` reads off its front.

use bytes::Bytes;
use nimbus_core::RequestContext;
use nimbus_frontdoor::HttpResponse;

use super::bad_gateway;
use crate::engine::Outcome;
use crate::errors::Result;
use crate::http_stream::{self, Prelude};
use crate::invoke::{self, Begun, Target};
use crate::service::Lambda;

/// Invokes the function and answers as soon as its stream has begun (or, for a function that
/// answers in one piece, when it has finished).
pub(super) async fn invoke(
    lambda: &Lambda,
    ctx: &RequestContext,
    t: &Target,
    request_id: &str,
    event: Bytes,
) -> Result<HttpResponse> {
    // Once streaming, the invocation goes on in its own task, which ends the stream and writes
    // the logs; nothing here waits for its outcome.
    match invoke::start_streamed(lambda, ctx, t, request_id, event, None, false)?
        .begun()
        .await
    {
        Begun::Streaming { stream, .. } => Ok(http_stream::response(stream, Prelude::IfDeclared)
            .await
            .unwrap_or_else(bad_gateway)),
        Begun::Finished(outcome) => Ok(match outcome?.0 {
            Outcome::Response(payload) => http_stream::buffered(&payload)
                .unwrap_or_else(|| HttpResponse::new(200, "application/octet-stream", payload)),
            Outcome::Error(_) => bad_gateway(),
        }),
    }
}
