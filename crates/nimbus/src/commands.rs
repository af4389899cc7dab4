//! `nimbus invoke`, `nimbus logs`, `nimbus functions`: the Lambda tools of the command line,
//! talking to a running nimbus through its AWS APIs like any client would.

use std::process::ExitCode;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use crate::cli::{ClientArgs, InvokeArgs, LogsArgs};
use crate::client::{self, Response};

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("nimbus: {message}");
    ExitCode::FAILURE
}

/// The AWS error in a failed response, as `Code: message`.
fn aws_error(resp: &Response) -> String {
    let doc: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
    let code = resp
        .header("x-amzn-errortype")
        .map(str::to_string)
        .or_else(|| {
            doc["__type"]
                .as_str()
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        })
        .unwrap_or_else(|| format!("HTTP {}", resp.status));
    let message = doc["Message"]
        .as_str()
        .or(doc["message"].as_str())
        .unwrap_or("");
    format!("{code}: {message}")
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn invoke(args: InvokeArgs) -> ExitCode {
    let payload = match args.payload.strip_prefix('@') {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => return fail(format!("cannot read the payload file {path}: {e}")),
        },
        None => args.payload.clone().into_bytes(),
    };
    let mut path = format!(
        "/2015-03-31/functions/{}/invocations",
        percent_encode(&args.name)
    );
    if let Some(q) = &args.qualifier {
        path.push_str(&format!("?Qualifier={}", percent_encode(q)));
    }
    let headers = [
        ("X-Amz-Log-Type", "Tail"),
        ("Content-Type", "application/json"),
    ];
    let resp = match client::request(&args.client, "lambda", "POST", &path, &headers, &payload) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if resp.status >= 300 {
        return fail(aws_error(&resp));
    }
    if let Some(log) = resp.header("x-amz-log-result") {
        if let Ok(text) = base64::engine::general_purpose::STANDARD.decode(log) {
            eprint!("{}", String::from_utf8_lossy(&text));
        }
    }
    println!("{}", String::from_utf8_lossy(&resp.body));
    if resp.header("x-amz-function-error").is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn logs_call(client: &ClientArgs, body: &Value) -> Result<Value, String> {
    let headers = [
        ("X-Amz-Target", "Logs_20140328.FilterLogEvents"),
        ("Content-Type", "application/x-amz-json-1.1"),
    ];
    let resp = client::request(
        client,
        "logs",
        "POST",
        "/",
        &headers,
        body.to_string().as_bytes(),
    )?;
    if resp.status >= 300 {
        return Err(aws_error(&resp));
    }
    serde_json::from_slice(&resp.body).map_err(|e| format!("nimbus sent unreadable logs: {e}"))
}

pub fn logs(args: LogsArgs) -> ExitCode {
    let group = format!("/aws/lambda/{}", args.name);
    let mut start = nimbus_core::time::now_millis() - (args.since_minutes as i64) * 60_000;
    let mut seen: std::collections::HashSet<String> = Default::default();
    loop {
        let mut token: Option<String> = None;
        let mut newest = start;
        loop {
            let mut body = serde_json::json!({"logGroupName": group, "startTime": start});
            if let Some(t) = &token {
                body["nextToken"] = Value::String(t.clone());
            }
            let page = match logs_call(&args.client, &body) {
                Ok(p) => p,
                Err(e) if e.starts_with("ResourceNotFoundException") && args.follow => {
                    Value::Null // no logs yet: the function has not run
                }
                Err(e) => {
                    return fail(format!(
                        "{e} (the function writes its logs to {group} when it runs)"
                    ))
                }
            };
            for e in page["events"].as_array().into_iter().flatten() {
                let id = e["eventId"].as_str().unwrap_or_default().to_string();
                if !seen.insert(id) {
                    continue;
                }
                let ts = e["timestamp"].as_i64().unwrap_or_default();
                newest = newest.max(ts);
                let when = nimbus_core::time::Civil::from_millis(ts).iso8601();
                println!(
                    "{when} {}",
                    e["message"].as_str().unwrap_or_default().trim_end()
                );
            }
            token = page["nextToken"].as_str().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        if !args.follow {
            return ExitCode::SUCCESS;
        }
        start = newest;
        std::thread::sleep(Duration::from_millis(500));
    }
}

pub fn functions(args: ClientArgs) -> ExitCode {
    let resp = match client::request(
        &args,
        "lambda",
        "GET",
        "/2015-03-31/functions?MaxItems=50",
        &[],
        b"",
    ) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if resp.status >= 300 {
        return fail(aws_error(&resp));
    }
    let doc: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
    let list = doc["Functions"].as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        println!(
            "no functions in {} (create one with `aws lambda create-function`)",
            args.region
        );
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<40} {:<16} {:>7} {:>8}  LAST MODIFIED",
        "NAME", "RUNTIME", "MEMORY", "TIMEOUT"
    );
    for f in list {
        println!(
            "{:<40} {:<16} {:>7} {:>8}  {}",
            f["FunctionName"].as_str().unwrap_or_default(),
            f["Runtime"].as_str().unwrap_or_default(),
            format!("{} MB", f["MemorySize"]),
            format!("{} s", f["Timeout"]),
            f["LastModified"].as_str().unwrap_or_default()
        );
    }
    ExitCode::SUCCESS
}
