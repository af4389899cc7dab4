//! Lambda's own log lines (START, END, REPORT), in the text format or, with
//! `LoggingConfig.LogFormat: JSON`, as the `platform.*` records Lambda writes then.

use std::time::Duration;

use serde_json::json;

/// How an invocation ended, as `platform.runtimeDone` and `platform.report` say it.
#[derive(Debug, Clone, Copy)]
pub enum Status {
    Success,
    Error,
    Timeout,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Error => "error",
            Status::Timeout => "timeout",
        }
    }
}

/// What a REPORT line says.
pub struct Report<'a> {
    pub request_id: &'a str,
    pub elapsed: Duration,
    pub memory_mb: u32,
    pub peak_bytes: u64,
    pub init: Option<Duration>,
    pub status: Status,
}

fn now() -> String {
    nimbus_core::time::Civil::from_millis(nimbus_core::time::now_millis()).iso8601()
}

pub fn start(json: bool, request_id: &str, version: &str) -> String {
    if json {
        json!({"time": now(), "type": "platform.start", "record": {"requestId": request_id, "version": version}}).to_string()
    } else {
        format!("START RequestId: {request_id} Version: {version}")
    }
}

pub fn end(json: bool, request_id: &str, elapsed: Duration, status: Status) -> String {
    if json {
        json!({"time": now(), "type": "platform.runtimeDone", "record": {
            "requestId": request_id,
            "status": status.as_str(),
            "metrics": {"durationMs": round2(elapsed)},
        }})
        .to_string()
    } else {
        format!("END RequestId: {request_id}")
    }
}

fn round2(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

pub fn report(json: bool, r: &Report) -> String {
    let ms = r.elapsed.as_secs_f64() * 1000.0;
    let billed = (ms.ceil() as u64).max(1);
    let used = r
        .peak_bytes
        .div_ceil(1024 * 1024)
        .min(u64::from(r.memory_mb));
    if json {
        let mut metrics = json!({
            "durationMs": round2(r.elapsed),
            "billedDurationMs": billed,
            "memorySizeMB": r.memory_mb,
            "maxMemoryUsedMB": used,
        });
        if let Some(init) = r.init {
            metrics["initDurationMs"] = json!(round2(init));
        }
        return json!({"time": now(), "type": "platform.report", "record": {
            "requestId": r.request_id,
            "metrics": metrics,
            "status": r.status.as_str(),
        }})
        .to_string();
    }
    let mut line = format!(
        "REPORT RequestId: {}\tDuration: {ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {used} MB\t",
        r.request_id, r.memory_mb
    );
    if let Some(init) = r.init {
        line.push_str(&format!(
            "Init Duration: {:.2} ms\t",
            init.as_secs_f64() * 1000.0
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_reports() {
        let r = Report {
            request_id: "id-1",
            elapsed: Duration::from_micros(1234),
            memory_mb: 128,
            peak_bytes: 40 * 1024 * 1024 + 1,
            init: Some(Duration::from_millis(100)),
            status: Status::Success,
        };
        assert_eq!(
            report(false, &r),
            "REPORT RequestId: id-1\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\tInit Duration: 100.00 ms\t"
        );
        let doc: serde_json::Value = serde_json::from_str(&report(true, &r)).expect("json");
        assert_eq!(doc["type"], "platform.report");
        assert_eq!(doc["record"]["metrics"]["billedDurationMs"], 2);
        assert_eq!(doc["record"]["metrics"]["initDurationMs"], 100.0);
        assert_eq!(
            start(false, "id-1", "$LATEST"),
            "START RequestId: id-1 Version: $LATEST"
        );
    }
}
