//! Stage access logs: a line per request, the stage's `$context` format filled in, appended to
//! the CloudWatch Logs group its destination ARN names (`<api-id>_<stage>` streams, off the
//! request's path).

use nimbus_core::Arn;
use nimbus_store::Store;

use crate::storage::ApiOwner;

/// `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` → `<name>`.
pub fn group_of(destination_arn: &str) -> Option<String> {
    let arn = Arn::parse(destination_arn)?;
    Some(
        arn.resource
            .strip_prefix("log-group:")?
            .trim_end_matches(":*")
            .to_string(),
    )
}

/// `format` with each `$context.<name>` replaced by its value (`-` when it has none).
pub fn substitute(format: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(format.len() + 64);
    let mut rest = format;
    while let Some(at) = rest.find("$context.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "$context.".len()..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(after.len());
        let name = after[..len].trim_end_matches('.');
        out.push_str(value(name).as_deref().unwrap_or("-"));
        rest = &after[name.len()..];
    }
    out.push_str(rest);
    out
}

/// Appends `line` off the request's path: logging never delays or fails a response.
pub fn append(
    store: &Store,
    owner: &ApiOwner,
    group: String,
    stream: String,
    at: i64,
    line: String,
) {
    let (store, owner) = (store.clone(), owner.clone());
    tokio::task::spawn_blocking(move || {
        let events = [(at, line)];
        if let Err(e) = nimbus_logs::append(
            &store,
            &owner.account,
            &owner.region,
            &group,
            &stream,
            &events,
        ) {
            tracing::warn!(error = %e.message, %group, "cannot write an access log line");
        }
    });
}
