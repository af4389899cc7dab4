//! A body still being written while its response is sent: what a Lambda function streams
//! (InvokeMode RESPONSE_STREAM, InvokeWithResponseStream) travels from the function's Runtime API
//! request to the client's response through one of these, chunk by chunk.
//!
//! The channel is bounded, so a slow client slows the function's writes instead of piling its
//! output up in memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::sync::mpsc;

/// How many chunks may wait between the writer and the reader.
const DEPTH: usize = 8;

/// The writer broke off (a function error or a timeout mid-stream, or it was dropped without
/// [`BodyWriter::finish`]): the reader ends its response without marking it complete, so the
/// client sees a truncated body, not a short one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the response stream broke off")
    }
}

impl std::error::Error for Aborted {}

/// The reading end.
pub struct BodyStream {
    chunks: mpsc::Receiver<Bytes>,
    finished: Arc<AtomicBool>,
    ended: bool,
}

/// The writing end. The body is complete only once [`BodyWriter::finish`] is called; dropped
/// without it (its task cancelled, its environment stopped), the body broke off.
pub struct BodyWriter {
    chunks: mpsc::Sender<Bytes>,
    finished: Arc<AtomicBool>,
}

pub fn channel() -> (BodyWriter, BodyStream) {
    let (tx, rx) = mpsc::channel(DEPTH);
    let finished = Arc::new(AtomicBool::new(false));
    (
        BodyWriter {
            chunks: tx,
            finished: finished.clone(),
        },
        BodyStream {
            chunks: rx,
            finished,
            ended: false,
        },
    )
}

impl BodyWriter {
    /// Sends a chunk, waiting while the reader is behind. False once the reader is gone (the
    /// client hung up): the writer may stop, or go on and discard.
    pub async fn write(&self, chunk: Bytes) -> bool {
        self.chunks.send(chunk).await.is_ok()
    }

    /// Ends the body, complete.
    pub fn finish(self) {
        self.finished.store(true, Ordering::Release);
    }
}

impl BodyStream {
    /// The next chunk; `None` at the end of a complete body.
    pub fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Aborted>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.chunks.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(None) => {
                self.ended = true;
                // The writer is gone: it finished first, or it broke off.
                let complete = self.finished.load(Ordering::Acquire);
                Poll::Ready((!complete).then_some(Err(Aborted)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    pub async fn chunk(&mut self) -> Option<Result<Bytes, Aborted>> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }
}

impl std::fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BodyStream")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_arrive_in_order_and_the_end_is_told_apart_from_a_break() {
        let (w, mut r) = channel();
        tokio::spawn(async move {
            assert!(w.write(Bytes::from_static(b"a")).await);
            assert!(w.write(Bytes::from_static(b"b")).await);
            w.finish();
        });
        assert_eq!(r.chunk().await, Some(Ok(Bytes::from_static(b"a"))));
        assert_eq!(r.chunk().await, Some(Ok(Bytes::from_static(b"b"))));
        assert_eq!(r.chunk().await, None);

        let (w, mut r) = channel();
        tokio::spawn(async move {
            assert!(w.write(Bytes::from_static(b"a")).await);
            // dropped unfinished
        });
        assert_eq!(r.chunk().await, Some(Ok(Bytes::from_static(b"a"))));
        assert_eq!(r.chunk().await, Some(Err(Aborted)));
        assert_eq!(r.chunk().await, None);
        let (w, r) = channel();
        drop(r);
        assert!(!w.write(Bytes::new()).await);
    }
}
