//! The CloudWatch Logs operations, by family.

pub mod events;
pub mod groups;
pub mod streams;
pub mod tags;

use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::AwsError;

use crate::generated::logs::ErrorCode;
use crate::storage::Scope;

pub fn scope(ctx: &RequestContext) -> Scope<'_> {
    Scope {
        account: &ctx.account,
        region: &ctx.region,
    }
}

pub fn invalid(message: impl Into<String>) -> AwsError {
    ErrorCode::InvalidParameterException.error(message)
}

/// The group an operation names by `logGroupName` or `logGroupIdentifier` (a name or an ARN,
/// with or without the trailing `:*`); exactly one of them.
pub fn group_name(name: Option<&str>, identifier: Option<&str>) -> Result<String, AwsError> {
    match (name, identifier) {
        (Some(n), None) => Ok(n.to_string()),
        (None, Some(id)) => Ok(group_from_identifier(id)),
        (Some(_), Some(_)) => Err(invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (None, None) => Err(invalid(
            "Should provide either logGroupName or logGroupIdentifier.",
        )),
    }
}

/// `arn:aws:logs:r:a:log-group:NAME[:*]` -> NAME; a plain name stays as it is.
pub fn group_from_identifier(id: &str) -> String {
    match Arn::parse(id) {
        Some(arn) if arn.service == "logs" => {
            let rest = arn
                .resource
                .strip_prefix("log-group:")
                .unwrap_or(&arn.resource);
            rest.strip_suffix(":*").unwrap_or(rest).to_string()
        }
        _ => id.to_string(),
    }
}

/// Pages through a list ordered by `key`: the token is the key of the last item of the
/// previous page, so items added meanwhile neither repeat nor shift the next page.
pub fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    after: Option<&str>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    let mut rest: Vec<T> = match after {
        Some(token) => match items.iter().position(|i| key(i) == token) {
            Some(at) => items.into_iter().skip(at + 1).collect(),
            None => items
                .into_iter()
                .skip_while(|i| key(i).as_str() <= token)
                .collect(),
        },
        None => items,
    };
    if rest.len() > limit {
        rest.truncate(limit);
        let next = rest.last().map(&key);
        (rest, next)
    } else {
        (rest, None)
    }
}
