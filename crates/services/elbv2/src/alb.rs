//! Application Load Balancers, served: `http://<lb-dns-name>:4566/<path>` on the Host header,
//! or `http://127.0.0.1:4566/_aws/elb/<lb-name>/<path>`. The listener on the Host header's port
//! (else the first) evaluates its rules by priority — every condition must match, any of a
//! condition's values — and runs the first match's actions, or the default ones: forward to a
//! Lambda target group (the ALB event, the ALB response rules), fixed-response or redirect.
//! Failures are the load balancer's own HTML pages: a function error, a malformed result, a
//! header value that is not a string or a body over 1 MB is a 502.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use nimbus_core::RequestContext;
use nimbus_frontdoor::{
    forwarding_headers, is_text, v1, BoxFuture, FrontDoor, HttpRequest, HttpResponse,
};
use nimbus_lambda::engine::Outcome;
use nimbus_lambda::{invoke, Lambda};
use nimbus_store::Store;
use serde_json::{json, Map, Value};

use crate::generated::elbv2::{Action, RuleCondition};
use crate::service::LoadBalancerHosts;
use crate::storage::{self, ListenerRecord, LoadBalancerView, TargetGroupRecord};

const PATH_PREFIX: &str = "/_aws/elb/";
/// Lambda targets take and give bodies of up to 1 MB.
const MAX_BODY: usize = 1024 * 1024;
/// How long the load balancer waits for a function (its default idle timeout).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub struct LoadBalancers {
    store: Store,
    lambda: Arc<Lambda>,
    hosts: LoadBalancerHosts,
}

impl LoadBalancers {
    /// `hosts`: the load balancers' DNS names, as `Elbv2::hosts` keeps them.
    pub fn new(store: Store, lambda: Arc<Lambda>, hosts: LoadBalancerHosts) -> LoadBalancers {
        LoadBalancers {
            store,
            lambda,
            hosts,
        }
    }
}

/// The load balancer's own error page, as ALB writes it.
fn page(status: u16, reason: &str) -> HttpResponse {
    let body = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    );
    let mut resp = HttpResponse::new(status, "text/html", body);
    resp.headers.push(("server".into(), "awselb/2.0".into()));
    resp
}

fn bad_gateway() -> HttpResponse {
    page(502, "Bad Gateway")
}

impl FrontDoor for LoadBalancers {
    fn claims(&self, host: &str, path: &str) -> bool {
        if path.starts_with(PATH_PREFIX) {
            return true;
        }
        // Every DNS name nimbus gives a load balancer ends so; the check spares other
        // requests a lookup.
        host.len() > ".elb.localhost".len()
            && host[host.len() - ".elb.localhost".len()..].eq_ignore_ascii_case(".elb.localhost")
            && self.hosts.contains(host)
    }

    fn handle(&self, request: HttpRequest) -> BoxFuture<'_, HttpResponse> {
        Box::pin(async move {
            let mut resp = self.serve(request).await;
            if resp.header("server").is_none() {
                resp.headers.push(("server".into(), "awselb/2.0".into()));
            }
            resp
        })
    }
}

/// `*` and `?` wildcards, as rule conditions write them.
fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        nimbus_frontdoor::glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
    } else {
        nimbus_frontdoor::glob(pattern, text)
    }
}

/// Whether `ip` is in `cidr` (`10.0.0.0/8`, `::1/128`).
fn in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, bits) = cidr.split_once('/').unwrap_or((cidr, ""));
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.parse::<IpAddr>()) else {
        return false;
    };
    let as_bits = |a: IpAddr| -> (u128, u32) {
        match a {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let ((n, width), (i, width_ip)) = (as_bits(net), as_bits(ip));
    if width != width_ip {
        return false;
    }
    let bits: u32 = bits.parse().unwrap_or(width).min(width);
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (n >> shift) == (i >> shift)
}

/// The request as rule conditions see it.
struct Seen<'a> {
    req: &'a HttpRequest,
    host: String,
    path: &'a str,
    query: Vec<(String, String)>,
}

fn decode(s: &str) -> String {
    nimbus_frontdoor::v2::percent_decode(&s.replace('+', " "))
}

fn values<'a>(
    legacy: &'a Option<Vec<String>>,
    config: Option<&'a Option<Vec<String>>>,
) -> Vec<&'a str> {
    config
        .and_then(|c| c.as_ref())
        .or(legacy.as_ref())
        .map(|v| v.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

fn matches(c: &RuleCondition, seen: &Seen) -> bool {
    match c.field.as_deref().unwrap_or_default() {
        "path-pattern" => {
            let vals = values(&c.values, c.path_pattern_config.as_ref().map(|p| &p.values));
            vals.iter().any(|v| glob(v, seen.path, false))
        }
        "host-header" => {
            let vals = values(&c.values, c.host_header_config.as_ref().map(|h| &h.values));
            vals.iter().any(|v| glob(v, &seen.host, true))
        }
        "http-request-method" => {
            let vals = values(
                &c.values,
                c.http_request_method_config.as_ref().map(|m| &m.values),
            );
            vals.contains(&seen.req.method.as_str())
        }
        "source-ip" => {
            let vals = values(&c.values, c.source_ip_config.as_ref().map(|s| &s.values));
            vals.iter().any(|cidr| in_cidr(cidr, &seen.req.source_ip))
        }
        "http-header" => {
            let Some(config) = &c.http_header_config else {
                return false;
            };
            let name = config
                .http_header_name
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let vals = values(&None, Some(&config.values));
            seen.req
                .headers
                .iter()
                .filter(|(k, _)| *k == name)
                .any(|(_, v)| vals.iter().any(|p| glob(p, v, true)))
        }
        "query-string" => {
            let Some(pairs) = c
                .query_string_config
                .as_ref()
                .and_then(|q| q.values.as_ref())
            else {
                return false;
            };
            pairs.iter().any(|pair| {
                let want = pair.value.as_deref().unwrap_or_default();
                seen.query.iter().any(|(k, v)| {
                    pair.key.as_deref().is_none_or(|key| glob(key, k, true)) && glob(want, v, true)
                })
            })
        }
        _ => false,
    }
}

/// The actions of the first rule whose conditions all match, else the listener's defaults.
fn actions<'a>(listener: &'a ListenerRecord, seen: &Seen) -> Vec<&'a Action> {
    let chosen = listener
        .rules
        .iter()
        .find(|r| r.conditions.iter().flatten().all(|c| matches(c, seen)))
        .and_then(|r| r.actions.as_ref())
        .or(listener.listener.default_actions.as_ref());
    let mut list: Vec<&Action> = chosen.map(|a| a.iter().collect()).unwrap_or_default();
    list.sort_by_key(|a| a.order.unwrap_or(i32::MAX));
    list
}

/// A redirect's target with `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}` filled in.
fn redirect(
    config: &crate::generated::elbv2::RedirectActionConfig,
    seen: &Seen,
    port: &str,
) -> HttpResponse {
    let query = seen.req.query.as_str();
    let path = seen.path.trim_start_matches('/');
    let fill = |template: &str| {
        template
            .replace("#{protocol}", "http")
            .replace("#{host}", &seen.host)
            .replace("#{port}", port)
            .replace("#{path}", path)
            .replace("#{query}", query)
    };
    let protocol = fill(config.protocol.as_deref().unwrap_or("#{protocol}")).to_ascii_lowercase();
    let host = fill(config.host.as_deref().unwrap_or("#{host}"));
    let target_port = fill(config.port.as_deref().unwrap_or("#{port}"));
    let target_path = fill(config.path.as_deref().unwrap_or("/#{path}"));
    let target_query = fill(config.query.as_deref().unwrap_or("#{query}"));
    let default_port = matches!(
        (protocol.as_str(), target_port.as_str()),
        ("http", "80") | ("https", "443")
    );
    let mut location = format!("{protocol}://{host}");
    if !default_port {
        location.push(':');
        location.push_str(&target_port);
    }
    location.push_str(&target_path);
    if !target_query.is_empty() {
        location.push('?');
        location.push_str(&target_query);
    }
    let status = if config.status_code == "HTTP_301" {
        301
    } else {
        302
    };
    let reason = if status == 301 {
        "Moved Permanently"
    } else {
        "Found"
    };
    let mut resp = page(status, reason);
    resp.headers.push(("location".into(), location));
    resp
}

impl LoadBalancers {
    fn find(&self, host: &str, path: &str) -> Option<(LoadBalancerView, String)> {
        let read = self.store.read(|r| {
            if let Some((name, rest)) = nimbus_frontdoor::split_prefixed(path, PATH_PREFIX) {
                return Ok(storage::load_balancer_by_name(r, name)?.map(|v| (v, rest.to_string())));
            }
            Ok::<_, nimbus_protocol::AwsError>(
                storage::load_balancer_by_dns_name(r, host)?.map(|v| (v, path.to_string())),
            )
        });
        read.unwrap_or_else(|e| {
            tracing::warn!(error = %e.message, "cannot read a load balancer");
            None
        })
    }

    async fn serve(&self, req: HttpRequest) -> HttpResponse {
        let host = req.host().to_string();
        let Some((view, path)) = self.find(&host, &req.path) else {
            return page(503, "Service Temporarily Unavailable");
        };
        let port = req
            .header("host")
            .and_then(|h| h.rsplit_once(':'))
            .map(|(_, p)| p.to_string())
            .unwrap_or_else(|| "80".into());
        let listener = view
            .listeners
            .iter()
            .find(|l| l.listener.port.map(|p| p.to_string()).as_deref() == Some(port.as_str()))
            .or(view.listeners.first());
        let Some(listener) = listener else {
            return page(503, "Service Temporarily Unavailable");
        };
        let seen = Seen {
            req: &req,
            host: host.clone(),
            path: &path,
            query: req
                .query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        };
        for action in actions(listener, &seen) {
            match action.r#type.as_str() {
                "fixed-response" => {
                    let Some(c) = &action.fixed_response_config else {
                        return page(500, "Internal Server Error");
                    };
                    let status = c.status_code.parse().unwrap_or(200);
                    let content_type = c.content_type.as_deref().unwrap_or("text/plain");
                    let body = c.message_body.clone().unwrap_or_default();
                    return HttpResponse::new(status, content_type, body);
                }
                "redirect" => {
                    let Some(c) = &action.redirect_config else {
                        return page(500, "Internal Server Error");
                    };
                    return redirect(c, &seen, &port);
                }
                "forward" => return self.forward(&view, action, &req, &path).await,
                // Authentication actions pass: nimbus has no identity provider to send users to.
                _ => continue,
            }
        }
        page(503, "Service Temporarily Unavailable")
    }

    fn target_group_of(&self, action: &Action) -> Option<TargetGroupRecord> {
        let tuples: Vec<(String, i32)> = match (&action.forward_config, &action.target_group_arn) {
            (Some(f), _) if f.target_groups.as_ref().is_some_and(|t| !t.is_empty()) => f
                .target_groups
                .iter()
                .flatten()
                .filter_map(|t| Some((t.target_group_arn.clone()?, t.weight.unwrap_or(1).max(0))))
                .collect(),
            (_, Some(arn)) => vec![(arn.clone(), 1)],
            _ => Vec::new(),
        };
        let total: i32 = tuples.iter().map(|(_, w)| w).sum();
        let mut roll = if total > 0 {
            fastrand::i32(0..total)
        } else {
            0
        };
        let arn = tuples
            .iter()
            .find(|(_, w)| {
                roll -= w;
                roll < 0
            })
            .or(tuples.first())
            .map(|(a, _)| a.clone())?;
        self.store
            .read(|r| storage::target_group(r, &arn))
            .ok()
            .flatten()
    }

    async fn forward(
        &self,
        view: &LoadBalancerView,
        action: &Action,
        req: &HttpRequest,
        path: &str,
    ) -> HttpResponse {
        let Some(group) = self.target_group_of(action) else {
            return page(503, "Service Temporarily Unavailable");
        };
        if group.group.target_type.as_deref() != Some("lambda") {
            // Instances and IPs are other machines; nimbus runs only Lambda targets.
            return page(503, "Service Temporarily Unavailable");
        }
        let Some(function) = group.targets.first().map(|t| t.id.clone()) else {
            return page(503, "Service Temporarily Unavailable");
        };
        if req.body.len() > MAX_BODY {
            return page(413, "Request Entity Too Large");
        }
        let multi = group
            .attributes
            .get("lambda.multi_value_headers.enabled")
            .map(String::as_str)
            == Some("true");
        let event = event(
            req,
            path,
            group.group.target_group_arn.as_deref().unwrap_or_default(),
            multi,
        );
        let ctx = RequestContext::internal(&view.owner.account, &view.owner.region);
        let request_id = nimbus_core::ids::uuid_v4();
        let payload = Bytes::from(event.to_string());
        let call = invoke::call(&self.lambda, &ctx, &function, &request_id, payload);
        match tokio::time::timeout(IDLE_TIMEOUT, call).await {
            Err(_) => page(504, "Gateway Time-out"),
            Ok(Ok(Outcome::Response(payload))) => response(&payload, multi),
            Ok(Ok(Outcome::Error(_))) => bad_gateway(),
            Ok(Err(e)) => {
                tracing::warn!(%function, error = %e.message, "a load balancer cannot invoke its target");
                bad_gateway()
            }
        }
    }
}

/// The ALB event: query parameters as sent (not decoded), header names lower-case, each with
/// its last value — or every value, in the `multiValue…` members, when the target group has
/// `lambda.multi_value_headers.enabled`.
pub fn event(req: &HttpRequest, path: &str, target_group_arn: &str, multi: bool) -> Value {
    let forwarding = forwarding_headers(req);
    let all: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| !forwarding.iter().any(|(f, _)| f == k))
        .chain(forwarding.iter())
        .cloned()
        .collect();
    let query: Vec<(&str, &str)> = req
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let text = is_text(req.header("content-type"), &req.body);
    let body = if text {
        String::from_utf8_lossy(&req.body).into_owned()
    } else {
        base64::engine::general_purpose::STANDARD.encode(&req.body)
    };
    let mut e = Map::new();
    e.insert(
        "requestContext".into(),
        json!({"elb": {"targetGroupArn": target_group_arn}}),
    );
    e.insert("httpMethod".into(), json!(req.method));
    e.insert("path".into(), json!(path));
    if multi {
        let mut q: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in &query {
            q.entry(k).or_default().push(v);
        }
        let mut h: Map<String, Value> = Map::new();
        for (k, v) in &all {
            match h.get_mut(k) {
                Some(Value::Array(list)) => list.push(json!(v)),
                _ => {
                    h.insert(k.clone(), json!([v]));
                }
            }
        }
        e.insert("multiValueQueryStringParameters".into(), json!(q));
        e.insert("multiValueHeaders".into(), Value::Object(h));
    } else {
        let q: Map<String, Value> = query
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let h: Map<String, Value> = all.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        e.insert("queryStringParameters".into(), Value::Object(q));
        e.insert("headers".into(), Value::Object(h));
    }
    e.insert("body".into(), json!(body));
    e.insert("isBase64Encoded".into(), json!(!text));
    Value::Object(e)
}

/// The function's result as HTTP by ALB's rules: header values must be strings, the body at
/// most 1 MB; anything else is a 502.
fn response(payload: &[u8], multi: bool) -> HttpResponse {
    let Ok(value) = serde_json::from_slice::<Value>(payload) else {
        return bad_gateway();
    };
    // With multi-value headers on, the load balancer reads `multiValueHeaders`, otherwise
    // `headers`; the other member is ignored.
    let mut value = value;
    if let Value::Object(obj) = &mut value {
        obj.remove(if multi {
            "headers"
        } else {
            "multiValueHeaders"
        });
    }
    let payload = value.to_string();
    match v1::response(payload.as_bytes(), true) {
        Ok(resp) if resp.body.len() <= MAX_BODY => resp,
        Ok(_) => bad_gateway(),
        Err(why) => {
            tracing::warn!(reason = %why.0, "a target's result is not an ALB response");
            bad_gateway()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_cidrs() {
        assert!(glob("/api/*", "/api/a/b", false));
        assert!(!glob("/API/*", "/api/a", false));
        assert!(glob("*.EXAMPLE.com", "www.example.com", true));
        assert!(glob("/img?.png", "/img1.png", false));
        assert!(in_cidr("127.0.0.0/8", "127.0.0.1"));
        assert!(!in_cidr("10.0.0.0/8", "127.0.0.1"));
        assert!(in_cidr("::1/128", "::1"));
        assert!(!in_cidr("10.0.0.0/8", "::1"));
    }

    #[test]
    fn the_event_and_response_rules() {
        let req = HttpRequest {
            method: "GET".into(),
            path: "/lambda".into(),
            query: "query=1234ABCD&a=%20x".into(),
            headers: vec![
                ("accept".into(), "*/*".into()),
                ("x-m".into(), "1".into()),
                ("x-m".into(), "2".into()),
            ],
            source_ip: "127.0.0.1".into(),
            ..HttpRequest::default()
        };
        let e = event(&req, "/lambda", "arn:tg", false);
        assert_eq!(
            e["queryStringParameters"],
            json!({"query": "1234ABCD", "a": "%20x"})
        );
        assert_eq!(e["headers"]["x-m"], json!("2"));
        assert_eq!(
            (e["body"].clone(), e["isBase64Encoded"].clone()),
            (json!(""), json!(false))
        );
        let e = event(&req, "/lambda", "arn:tg", true);
        assert_eq!(e["multiValueHeaders"]["x-m"], json!(["1", "2"]));
        assert!(e.get("headers").is_none());
        let ok = response(
            br#"{"statusCode": 200, "headers": {"a": "b"}, "body": "hi"}"#,
            false,
        );
        assert_eq!((ok.status, ok.header("a")), (200, Some("b")));
        assert_eq!(
            response(br#"{"statusCode": 200, "headers": {"n": 1}}"#, false).status,
            502
        );
        assert_eq!(response(b"not json", false).status, 502);
    }
}
