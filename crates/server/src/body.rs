//! The body of every response the edge sends: bytes known up front, then, for a streamed
//! front-door response, the chunks that follow as the function writes them.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use nimbus_core::body::{Aborted, BodyStream};

pub(crate) struct Body {
    first: Option<Bytes>,
    rest: Option<BodyStream>,
}

impl Body {
    /// A body sent in one piece.
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
        Body::new(bytes.into(), None)
    }

    pub(crate) fn new(first: Bytes, rest: Option<BodyStream>) -> Body {
        Body {
            first: (!first.is_empty()).then_some(first),
            rest,
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    /// A broken-off stream: hyper ends the connection without the closing chunk, so the client
    /// knows the body is incomplete.
    type Error = Aborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        match &mut this.rest {
            None => Poll::Ready(None),
            Some(stream) => stream
                .poll_chunk(cx)
                .map(|chunk| chunk.map(|c| c.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && self.rest.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.rest {
            None => SizeHint::with_exact(self.first.as_ref().map_or(0, |b| b.len() as u64)),
            Some(_) => SizeHint::default(),
        }
    }
}
