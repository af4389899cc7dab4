//! The accept loop, per-request dispatch, and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use nimbus_core::{ids, RequestContext};
use nimbus_protocol::rest::{self, RestRequest};
use nimbus_protocol::{sigv4, AwsError};
use tokio::net::TcpListener;

use crate::body::Body;
use crate::router::Route;
use crate::{admin, front_door, json_edge, query_edge, rest_edge, Registry};

/// Tunables of the HTTP edge.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted (DynamoDB's own limit is 16 MB).
    pub max_body_bytes: usize,
    /// Largest request body of a REST service (Lambda takes 50 MB zips as base64: 70 MB).
    pub max_rest_body_bytes: usize,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub drain_timeout: Duration,
    /// Pin each I/O thread to a CPU of its own when there are as many threads as CPUs (see
    /// `nimbus_core::cpus` for why).
    pub pin_io_threads: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body_bytes: 16 * 1024 * 1024 + 64 * 1024,
            max_rest_body_bytes: 69_905_067,
            drain_timeout: Duration::from_secs(10),
            pin_io_threads: true,
        }
    }
}

struct Shared {
    registry: Registry,
    config: ServerConfig,
}

/// The runtime of one I/O thread. Its blocking-pool threads must not inherit the I/O thread's
/// CPU: they run long blocking work that the scheduler should place freely.
pub fn io_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_start(|| {
            let _ = nimbus_core::cpus::unpin_current_thread();
        })
        .build()
}

fn pin_io_thread(cpu: usize) {
    if let Err(e) = nimbus_core::cpus::pin_current_thread(cpu) {
        tracing::debug!(error = %e, cpu, "cannot pin an I/O thread");
    }
}

/// A listener on `addr` that other threads can bind too (SO_REUSEPORT): the kernel spreads
/// connections among them.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves on `threads` I/O threads: this one, with `first`, and `threads - 1` more, each a
/// current-thread runtime with its own listener on the same address. A connection is then
/// handled start to finish on one thread, so the tasks of one request (a Lambda invocation and
/// its runtime's Runtime API calls) hand work to each other without waking another CPU, which
/// on a small or virtual machine costs more than the work itself.
///
/// After `shutdown`, every thread stops accepting and drains its requests; then `after_drain`
/// runs while the threads' runtimes still live (tasks started on them, such as Lambda
/// environments' Runtime APIs and log flushers, can finish), and only then do the threads end.
pub async fn serve_on_threads(
    first: TcpListener,
    threads: usize,
    registry: Registry,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
    after_drain: impl Future<Output = ()>,
) {
    let addr = match first.local_addr() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "the listener has no address");
            return;
        }
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let mut drained = Vec::new();
    let mut others = Vec::new();
    let cpus = nimbus_core::cpus::allowed();
    let pin = config.pin_io_threads && threads > 1 && threads == cpus.len();
    // Thread i gets CPU i of the allowed ones when pinned; the calling thread is thread 0.
    let cpu_of = move |i: usize| cpus.get(i).copied().filter(|_| pin);
    for i in 1..threads.max(1) {
        let registry = registry.clone();
        let config = config.clone();
        let mut stop = stop_rx.clone();
        let mut release = release_rx.clone();
        let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
        drained.push(drained_rx);
        let spawned = std::thread::Builder::new()
            .name(format!("nimbus-io-{i}"))
            .spawn(move || {
                if let Some(cpu) = cpu_of(i) {
                    pin_io_thread(cpu);
                }
                let runtime = match io_runtime() {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot start an I/O thread");
                        return;
                    }
                };
                runtime.block_on(async move {
                    match bind(addr) {
                        Ok(listener) => {
                            let stopped = async move {
                                let _ = stop.wait_for(|s| *s).await;
                            };
                            serve(listener, registry, config, stopped).await;
                        }
                        Err(e) => tracing::warn!(error = %e, "an I/O thread cannot listen; the others serve"),
                    }
                    let _ = drained_tx.send(());
                    let _ = release.wait_for(|r| *r).await;
                });
            });
        match spawned {
            Ok(handle) => others.push(handle),
            Err(e) => tracing::warn!(error = %e, "cannot start an I/O thread"),
        }
    }
    if let Some(cpu) = cpu_of(0) {
        pin_io_thread(cpu);
    }
    serve(first, registry, config, shutdown).await;
    let _ = stop_tx.send(true);
    for d in drained {
        let _ = d.await;
    }
    after_drain.await;
    let _ = release_tx.send(true);
    for handle in others {
        let _ = handle.join();
    }
}

/// Serves requests on `listener` until `shutdown` resolves, then stops accepting and waits
/// (up to the drain timeout) for in-flight requests to finish.
pub async fn serve(
    listener: TcpListener,
    registry: Registry,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let shared = Arc::new(Shared { registry, config });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(handle(&shared, req, peer).await) }
                });
                let conn = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let drain = shared.config.drain_timeout;
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish within {drain:?}; closing them");
    }
}

async fn handle(shared: &Shared, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let (parts, body) = req.into_parts();
    if let Some(door) = shared.registry.front_door(&parts) {
        let door = door.clone();
        return front_door::call(door.as_ref(), parts, body, peer, &shared.config).await;
    }
    let credential = credential(&parts);
    let signing_service = credential.as_ref().map(|c| c.service.as_str());
    let route = shared.registry.route(&parts, signing_service);
    // restJson1 and query services (Lambda, API Gateway, ELB) use UUID request ids; DynamoDB
    // its 52 characters.
    let id = match route {
        Route::Rest(..) | Route::RestUnmatched(..) | Route::Query(..) => ids::uuid_v4(),
        _ => ids::request_id(),
    };
    let ctx = RequestContext::new(
        id,
        credential.as_ref().map(|c| c.region.as_str()),
        credential.as_ref().map(|c| c.identity()),
    );
    match route {
        Route::Admin => admin::handle(parts.uri.path(), &shared.registry),
        Route::Rest(service, operation, labels) => {
            let limit = shared.config.max_rest_body_bytes;
            let too_large = || {
                AwsError::new(
                    413,
                    "",
                    "RequestEntityTooLargeException",
                    format!(
                        "Request must be smaller than {limit} bytes for the {operation} operation"
                    ),
                )
            };
            let body = match read_body(body, limit, too_large).await {
                Ok(body) => body,
                Err(err) => return rest_edge::error(service.as_ref(), &ctx, &err),
            };
            let request = RestRequest {
                labels,
                query: rest::parse_query(parts.uri.query()),
                headers: parts.headers,
                body,
            };
            rest_edge::call(service.as_ref(), &ctx, operation, request).await
        }
        Route::RestUnmatched(service, method_exists) => {
            let err = if method_exists {
                AwsError::new(
                    405,
                    "",
                    "MethodNotAllowedException",
                    format!("{} is not allowed on {}", parts.method, parts.uri.path()),
                )
            } else {
                AwsError::new(
                    404,
                    "",
                    "UnknownOperationException",
                    format!(
                        "No {} operation at {} {}",
                        service.spec().name,
                        parts.method,
                        parts.uri.path()
                    ),
                )
            };
            rest_edge::error(service.as_ref(), &ctx, &err)
        }
        Route::Json(service, operation) => {
            let limit = shared.config.max_body_bytes;
            let body = match read_body(body, limit, || AwsError::request_too_large(limit)).await {
                Ok(body) => body,
                Err(err) => return json_edge::error(service.as_ref(), &ctx, &err),
            };
            json_edge::call(service.as_ref(), &ctx, &operation, &body)
        }
        Route::Query(service) => {
            let limit = shared.config.max_body_bytes;
            let body = match read_body(body, limit, || AwsError::request_too_large(limit)).await {
                Ok(body) => body,
                Err(err) => return query_edge::error(service.as_ref(), &ctx, &err),
            };
            query_edge::call(service.as_ref(), &ctx, parts.uri.query(), &body)
        }
        Route::JsonMissingTarget(service) => json_edge::error(
            service.as_ref(),
            &ctx,
            &AwsError::unknown_operation("(the request has no X-Amz-Target header naming one)"),
        ),
        Route::Unknown(what) => {
            let err = AwsError::unknown_service(&what);
            let mut resp = Response::new(Body::full(Bytes::from(err.json_body())));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            resp
        }
    }
}

/// The request body, up to `limit` bytes; `too_large` is the protocol's error past that.
async fn read_body(
    body: Incoming,
    limit: usize,
    too_large: impl FnOnce() -> AwsError,
) -> Result<Bytes, AwsError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_large())
        }
        Err(_) => Err(AwsError::serialization(
            "the request body could not be read completely",
        )),
    }
}

/// The SigV4 credential of a request: Authorization header first, then presigned query.
fn credential(parts: &http::request::Parts) -> Option<sigv4::Credential> {
    if let Some(auth) = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(c) = sigv4::parse_authorization(auth) {
            return Some(c);
        }
    }
    let query = parts.uri.query()?;
    if !query.contains("X-Amz-Credential") {
        return None;
    }
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect();
    sigv4::parse_presigned(|name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    })
}

/// Decodes `%XX` escapes and `+` (as space) in a query component.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_query_components() {
        assert_eq!(
            percent_decode("AKID%2F20261122%2Fus-east-1").as_deref(),
            Some("AKID/20261122/us-east-1")
        );
        assert_eq!(percent_decode("a+b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%zz"), None);
    }
}
