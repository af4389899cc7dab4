//! The Lambda Runtime API (2018-06-01) of one execution environment, on a loopback port of its
//! own (`AWS_LAMBDA_RUNTIME_API`): the runtime inside the sandbox long-polls
//! `/runtime/invocation/next` for events and posts each result back.
//!
//! This is the one HTTP surface of the Lambda crate besides the AWS API edge: it is what
//! functions speak, so official runtime clients (awslambdaric, the Rust `lambda_runtime` crate)
//! work against it unchanged.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch, Mutex as AsyncMutex};

/// Lambda's limit on a synchronous response (6 MB plus a little framing).
pub const MAX_RESPONSE: usize = 6_291_556;
/// Lambda's limit on a streamed response (200 MB).
pub const MAX_STREAMED_RESPONSE: usize = 200 * 1024 * 1024;
const PREFIX: &str = "/2018-06-01/runtime/";

/// One event handed to the runtime.
pub struct Event {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_ms: i64,
    pub function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
    pub result: oneshot::Sender<RuntimeResult>,
    /// Where a response the runtime streams goes as it is written, when the caller can take
    /// it so (a RESPONSE_STREAM function URL); otherwise a streamed response is collected.
    pub stream: Option<oneshot::Sender<ResponseStream>>,
}

/// A response the runtime is streaming (`Lambda-Runtime-Function-Response-Mode: streaming`),
/// handed over when its first bytes arrive. When the runtime's request ends, the event's
/// result follows: an empty `Response`, or the `Error` its trailers reported.
pub struct ResponseStream {
    pub content_type: String,
    pub body: nimbus_core::body::BodyStream,
}

/// The event the runtime is working on.
struct Pending {
    request_id: String,
    result: oneshot::Sender<RuntimeResult>,
    stream: Option<oneshot::Sender<ResponseStream>>,
}

/// What the runtime answered for an event.
#[derive(Debug)]
pub enum RuntimeResult {
    Response(Bytes),
    /// `/error`: the runtime's JSON error document and its error type header.
    Error {
        error_type: Option<String>,
        body: Bytes,
    },
    /// The response was over the 6 MB limit.
    TooLarge(usize),
}

/// An init error the runtime reported before asking for its first event.
#[derive(Debug, Clone)]
pub struct InitError {
    pub error_type: Option<String>,
    pub body: Bytes,
}

/// State shared by the runtime's HTTP requests and the invoker.
pub struct Shared {
    events: AsyncMutex<mpsc::Receiver<Event>>,
    current: Mutex<Option<Pending>>,
    /// Becomes true at the runtime's first `/next`: its init is over.
    pub initialized: watch::Sender<bool>,
    /// When that happened.
    pub initialized_at: std::sync::OnceLock<std::time::Instant>,
    pub init_error: watch::Sender<Option<InitError>>,
}

/// A running Runtime API endpoint; it stops when dropped.
pub struct Endpoint {
    pub address: String,
    /// The Unix socket nimbus's runtime clients use, when one could be made.
    pub socket: Option<std::path::PathBuf>,
    pub shared: Arc<Shared>,
    pub events: mpsc::Sender<Event>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.accept.abort();
        if let Some(p) = &self.socket {
            let _ = std::fs::remove_file(p);
        }
    }
}

pub async fn start(socket: Option<std::path::PathBuf>) -> std::io::Result<Endpoint> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    // nimbus's own runtime clients talk over a Unix socket beside the TCP port (cheaper than
    // loopback TCP on every invocation); other clients use the port.
    let unix = match &socket {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            match tokio::net::UnixListener::bind(path) {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::debug!(error = %e, "no Unix socket for the Runtime API; TCP only");
                    None
                }
            }
        }
        None => None,
    };
    let (tx, rx) = mpsc::channel(1);
    let shared = Arc::new(Shared {
        events: AsyncMutex::new(rx),
        current: Mutex::new(None),
        initialized: watch::channel(false).0,
        initialized_at: std::sync::OnceLock::new(),
        init_error: watch::channel(None).0,
    });
    let serving = shared.clone();
    let socket_path = unix.as_ref().and(socket.clone());
    let accept = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let accepted_unix = async {
                match &unix {
                    Some(l) => l.accept().await.ok().map(|(s, _)| s),
                    None => std::future::pending().await,
                }
            };
            let shared = serving.clone();
            let service = service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(&shared, req).await) }
            });
            // Connections end with the environment: the JoinSet aborts them when dropped.
            tokio::select! {
                tcp = listener.accept() => {
                    let Ok((stream, _)) = tcp else { continue };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(async move {
                        let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                Some(stream) = accepted_unix => {
                    connections.spawn(async move {
                        let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
                    });
                }
            }
            while connections.try_join_next().is_some() {}
        }
    });
    Ok(Endpoint {
        address,
        socket: socket_path,
        shared,
        events: tx,
        accept,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn json(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

fn accepted() -> Response<Full<Bytes>> {
    json(StatusCode::ACCEPTED, serde_json::json!({"status": "OK"}))
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        serde_json::json!({"errorMessage": message, "errorType": kind}),
    )
}

async fn handle(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return error(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "the Runtime API lives under /2018-06-01/runtime/",
        );
    };
    let method = req.method().clone();
    match (method, rest) {
        (Method::GET, "invocation/next") => next(shared).await,
        (Method::POST, "init/error") => {
            let error_type = header(&req, "lambda-runtime-function-error-type");
            let body = read_body(req, MAX_RESPONSE).await.unwrap_or_default();
            shared
                .init_error
                .send_replace(Some(InitError { error_type, body }));
            accepted()
        }
        (Method::POST, r) => {
            let Some((id, what)) = r
                .strip_prefix("invocation/")
                .and_then(|r| r.split_once('/'))
            else {
                return error(
                    StatusCode::NOT_FOUND,
                    "InvalidRequest",
                    "unknown Runtime API path",
                );
            };
            let id = id.to_string();
            let is_response = match what {
                "response" => true,
                "error" => false,
                _ => {
                    return error(
                        StatusCode::NOT_FOUND,
                        "InvalidRequest",
                        "unknown Runtime API path",
                    )
                }
            };
            let waiting = {
                let mut cur = lock(&shared.current);
                match cur.as_ref() {
                    Some(p) if p.request_id == id => cur.take(),
                    _ => None,
                }
            };
            let Some(Pending {
                result: tx, stream, ..
            }) = waiting
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "Invalid request ID",
                );
            };
            let streaming = header(&req, "lambda-runtime-function-response-mode")
                .is_some_and(|m| m.eq_ignore_ascii_case("streaming"));
            if is_response && streaming {
                return streamed_response(req, tx, stream).await;
            }
            let error_type = header(&req, "lambda-runtime-function-error-type");
            match read_body(req, MAX_RESPONSE).await {
                Ok(body) if is_response => {
                    let _ = tx.send(RuntimeResult::Response(body));
                    accepted()
                }
                Ok(body) => {
                    let _ = tx.send(RuntimeResult::Error { error_type, body });
                    accepted()
                }
                Err(size) => {
                    let _ = tx.send(RuntimeResult::TooLarge(size));
                    error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."),
                    )
                }
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            "unknown Runtime API path",
        ),
    }
}

/// A response posted in streaming mode (chunked, with the function's error, if any, in the
/// trailers `Lambda-Runtime-Function-Error-Type` and `-Error-Body`). With a taker, each chunk is
/// passed on as it arrives, up to Lambda's 200 MB; without one, it is collected like a buffered
/// response, up to 6 MB.
async fn streamed_response(
    req: Request<Incoming>,
    result: oneshot::Sender<RuntimeResult>,
    taker: Option<oneshot::Sender<ResponseStream>>,
) -> Response<Full<Bytes>> {
    let content_type =
        header(&req, "content-type").unwrap_or_else(|| "application/octet-stream".to_string());
    let mut sink = match taker {
        Some(taker) => {
            let (writer, body) = nimbus_core::body::channel();
            match taker.send(ResponseStream { content_type, body }) {
                Ok(()) => Sink::Stream(writer),
                Err(_) => Sink::Discard, // the caller left before the stream began
            }
        }
        None => Sink::Collect(bytes::BytesMut::new()),
    };
    let limit = match sink {
        Sink::Collect(_) => MAX_RESPONSE,
        _ => MAX_STREAMED_RESPONSE,
    };
    let mut incoming = req.into_body();
    let mut size = 0;
    let mut trailers = None;
    while let Some(frame) = incoming.frame().await {
        // A broken request (the runtime died mid-stream) leaves the result unsent: the invoker
        // sees the runtime's exit, and the dropped writer breaks the client's body off.
        let Ok(frame) = frame else {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "the response stream broke off",
            );
        };
        match frame.into_data() {
            Ok(data) => {
                size += data.len();
                if size > limit {
                    let _ = result.send(RuntimeResult::TooLarge(size));
                    return error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &format!("Exceeded maximum allowed payload size ({limit} bytes)."),
                    );
                }
                match &mut sink {
                    Sink::Collect(c) => c.extend_from_slice(&data),
                    Sink::Stream(w) => {
                        // The client hung up: the function goes on; its output is dropped.
                        if !w.write(data).await {
                            sink = Sink::Discard;
                        }
                    }
                    Sink::Discard => {}
                }
            }
            Err(frame) => trailers = frame.into_trailers().ok(),
        }
    }
    let trailer = |name: &str| {
        trailers
            .as_ref()
            .and_then(|t| t.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if let Some(error_type) = trailer("lambda-runtime-function-error-type") {
        use base64::Engine as _;
        let body = trailer("lambda-runtime-function-error-body")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(Bytes::from)
            .unwrap_or_else(|| {
                Bytes::from(
                    serde_json::json!({"errorType": error_type, "errorMessage": ""}).to_string(),
                )
            });
        let _ = result.send(RuntimeResult::Error {
            error_type: Some(error_type),
            body,
        });
        return accepted();
    }
    let collected = match sink {
        Sink::Collect(c) => c.freeze(),
        Sink::Stream(w) => {
            w.finish();
            Bytes::new()
        }
        Sink::Discard => Bytes::new(),
    };
    let _ = result.send(RuntimeResult::Response(collected));
    accepted()
}

/// Where a streamed response goes.
enum Sink {
    /// To the caller, chunk by chunk.
    Stream(nimbus_core::body::BodyWriter),
    /// Into one response, for a caller that takes it whole.
    Collect(bytes::BytesMut),
    /// Nowhere: the caller has gone.
    Discard,
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The body, or Err(size seen) when it is over `limit`.
async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, usize> {
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(_) => Err(limit + 1),
    }
}

async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    shared.initialized_at.get_or_init(std::time::Instant::now);
    shared.initialized.send_replace(true);
    let event = {
        let mut events = shared.events.lock().await;
        events.recv().await
    };
    let Some(ev) = event else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "the environment is shutting down",
        );
    };
    let mut resp = Response::new(Full::new(ev.payload));
    let h = resp.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set("content-type", "application/json");
    set("lambda-runtime-aws-request-id", &ev.request_id);
    set("lambda-runtime-deadline-ms", &ev.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &ev.function_arn);
    set("lambda-runtime-trace-id", &ev.trace_id);
    if let Some(c) = &ev.client_context {
        set("lambda-runtime-client-context", c);
    }
    if let Some(c) = &ev.cognito_identity {
        set("lambda-runtime-cognito-identity", c);
    }
    *lock(&shared.current) = Some(Pending {
        request_id: ev.request_id,
        result: ev.result,
        stream: ev.stream,
    });
    resp
}
