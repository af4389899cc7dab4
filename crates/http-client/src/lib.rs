//! nimbus calling out over HTTP: one request to an `http://` or `https://` URL, its response
//! collected. API Gateway's HTTP integrations and JWT authorizers' key sets go through here.
//!
//! HTTPS certificates are verified against the host's trusted roots, with `SSL_CERT_FILE` and
//! `SSL_CERT_DIR` honoured as OpenSSL-based tools honour them (`tls.rs`), unless the caller turns
//! verification off, as API Gateway's `tlsConfig.insecureSkipVerification` does.

mod tls;
mod url;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::rt::{Read, Write};
use hyper_util::rt::TokioIo;
use nimbus_core::body::BodyStream;

pub use url::Url;

/// Why a call got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not an `http://` or `https://` URL nimbus can call.
    BadUrl(String),
    /// No connection, no TLS session, or no HTTP response: the reason in words.
    Unreachable(String),
    TimedOut,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::BadUrl(why) => write!(f, "not a URL nimbus can call: {why}"),
            Error::Unreachable(why) => f.write_str(why),
            Error::TimedOut => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for Error {}

/// How a call is made.
#[derive(Debug, Clone)]
pub struct Options {
    /// For the whole call: connecting, the TLS handshake, and the response's last byte.
    pub timeout: Duration,
    /// Check an HTTPS server's certificate chain and name.
    pub verify_certificates: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(30),
            verify_certificates: true,
        }
    }
}

/// Sends one request on a connection of its own and collects the response. `headers` should
/// not include `Host`, which comes from `url`.
pub async fn send<'a>(
    method: &str,
    url: &Url,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: Bytes,
    options: &Options,
) -> Result<http::Response<Bytes>, Error> {
    let request = request(method, url, headers, body)?;
    let call = async {
        let (parts, body) = call(url, request, options).await?.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| Error::Unreachable(format!("{url}: {e}")))?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    };
    match tokio::time::timeout(options.timeout, call).await {
        Ok(result) => result,
        Err(_) => Err(Error::TimedOut),
    }
}

/// Sends one request and answers once the response's head has arrived (within the timeout);
/// its body follows as the server sends it, broken off if the connection fails.
pub async fn open<'a>(
    method: &str,
    url: &Url,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: Bytes,
    options: &Options,
) -> Result<http::Response<BodyStream>, Error> {
    let request = request(method, url, headers, body)?;
    let (parts, mut incoming) =
        match tokio::time::timeout(options.timeout, call(url, request, options)).await {
            Ok(result) => result?.into_parts(),
            Err(_) => return Err(Error::TimedOut),
        };
    let (writer, stream) = nimbus_core::body::channel();
    tokio::spawn(async move {
        while let Some(frame) = incoming.frame().await {
            let Ok(frame) = frame else { return };
            if let Ok(data) = frame.into_data() {
                if !writer.write(data).await {
                    return;
                }
            }
        }
        writer.finish();
    });
    Ok(http::Response::from_parts(parts, stream))
}

fn request<'a>(
    method: &str,
    url: &Url,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: Bytes,
) -> Result<http::Request<Full<Bytes>>, Error> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(url.path_and_query())
        .header(http::header::HOST, url.authority());
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(body))
        .map_err(|e| Error::BadUrl(e.to_string()))
}

/// Connects (with TLS for https://), sends `request`, and answers the response's head.
async fn call(
    url: &Url,
    request: http::Request<Full<Bytes>>,
    options: &Options,
) -> Result<http::Response<Incoming>, Error> {
    let unreachable = |e: &dyn std::fmt::Display| Error::Unreachable(format!("{url}: {e}"));
    let stream = tokio::net::TcpStream::connect((url.host(), url.port()))
        .await
        .map_err(|e| unreachable(&e))?;
    let _ = stream.set_nodelay(true);
    if !url.is_tls() {
        return exchange(TokioIo::new(stream), request)
            .await
            .map_err(|e| unreachable(&e));
    }
    let config = tls::config(options.verify_certificates);
    let name = rustls::pki_types::ServerName::try_from(url.host().to_string())
        .map_err(|e| unreachable(&e))?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|e| unreachable(&e))?;
    exchange(TokioIo::new(stream), request)
        .await
        .map_err(|e| unreachable(&e))
}

async fn exchange<T>(
    io: T,
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<Incoming>, hyper::Error>
where
    T: Read + Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender.send_request(request).await
}
