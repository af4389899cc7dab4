//! Actions of listeners (default actions) and rules, checked and normalized the way AWS echoes
//! them back: a forward always carries its `ForwardConfig` (weights and stickiness filled in),
//! and `TargetGroupArn` too when it forwards to a single group; a redirect carries every
//! component, `#{...}` where the request's own is kept.

use nimbus_core::RequestContext;
use nimbus_protocol::query;
use nimbus_store::Read;

use super::{find_target_group, target_groups_not_found, unsupported};
use crate::generated::elbv2::*;
use crate::storage::Result;

const CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];
/// Target groups one forward action may spread requests over.
const MAX_FORWARD_GROUPS: usize = 5;

fn constraint(path: &str, value: &str, constraint: &str) -> nimbus_protocol::AwsError {
    query::validation(format!(
        "1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"
    ))
}

/// `actions` as they are stored; `field` is the input member (`defaultActions`, `actions`).
pub fn normalize(
    r: &dyn Read,
    ctx: &RequestContext,
    actions: &[Action],
    field: &str,
) -> Result<Vec<Action>> {
    if actions.is_empty() {
        return Err(query::validation("At least one action must be specified"));
    }
    let mut out = Vec::with_capacity(actions.len());
    for (i, a) in actions.iter().enumerate() {
        let path = format!("{field}.{}.member", i + 1);
        let action = match a.r#type.as_str() {
            "forward" => forward(r, ctx, a)?,
            "fixed-response" => fixed_response(a, &path)?,
            "redirect" => redirect(a, &path)?,
            other => return Err(unsupported(&format!("'{other}' actions"))),
        };
        out.push(Action {
            order: a.order,
            ..action
        });
    }
    // Authentication actions (which nimbus does not run) are the only ones that may precede
    // another, so what is left is exactly one action.
    if out.len() > 1 {
        return Err(ErrorCode::InvalidLoadBalancerActionException.error(
            "A rule can have only one forward, redirect or fixed-response action, and it must be the last action",
        ));
    }
    Ok(out)
}

fn forward(r: &dyn Read, ctx: &RequestContext, a: &Action) -> Result<Action> {
    let given = a
        .forward_config
        .as_ref()
        .and_then(|f| f.target_groups.clone())
        .unwrap_or_default();
    let tuples: Vec<TargetGroupTuple> = match (&a.target_group_arn, given.is_empty()) {
        (None, true) => {
            return Err(query::validation(
                "You must specify either a target group ARN or a forward configuration with target groups for a forward action",
            ))
        }
        (Some(arn), true) => vec![TargetGroupTuple {
            target_group_arn: Some(arn.clone()),
            weight: None,
        }],
        (Some(arn), false) if given.len() != 1 || given[0].target_group_arn.as_ref() != Some(arn) => {
            return Err(query::validation(
                "The target group ARN and the forward configuration's target groups must be the same target group",
            ))
        }
        _ => given,
    };
    if tuples.len() > MAX_FORWARD_GROUPS {
        return Err(ErrorCode::TooManyTargetGroupsException.error(format!(
            "A forward action can have at most {MAX_FORWARD_GROUPS} target groups"
        )));
    }
    let mut missing = Vec::new();
    let mut normalized = Vec::new();
    for t in &tuples {
        let arn = t.target_group_arn.clone().unwrap_or_default();
        if normalized
            .iter()
            .any(|n: &TargetGroupTuple| n.target_group_arn.as_deref() == Some(arn.as_str()))
        {
            return Err(query::validation(format!(
                "Target group '{arn}' is specified more than once in the forward configuration"
            )));
        }
        let weight = t.weight.unwrap_or(1);
        if !(0..=999).contains(&weight) {
            return Err(query::validation(format!(
                "The weight of target group '{arn}' must be between 0 and 999"
            )));
        }
        if find_target_group(r, ctx, &arn)?.is_none() {
            missing.push(arn.clone());
        }
        normalized.push(TargetGroupTuple {
            target_group_arn: Some(arn),
            weight: Some(weight),
        });
    }
    if !missing.is_empty() {
        let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
        return Err(target_groups_not_found(&refs));
    }
    let stickiness = match a
        .forward_config
        .as_ref()
        .and_then(|f| f.target_group_stickiness_config.clone())
    {
        Some(s) if s.enabled == Some(true) => {
            let seconds = s.duration_seconds.unwrap_or(0);
            if !(1..=604_800).contains(&seconds) {
                return Err(query::validation(
                    "The target group stickiness duration must be between 1 and 604800 seconds",
                ));
            }
            s
        }
        _ => TargetGroupStickinessConfig {
            enabled: Some(false),
            duration_seconds: None,
        },
    };
    Ok(Action {
        r#type: "forward".into(),
        target_group_arn: if normalized.len() == 1 {
            normalized[0].target_group_arn.clone()
        } else {
            None
        },
        forward_config: Some(ForwardActionConfig {
            target_groups: Some(normalized),
            target_group_stickiness_config: Some(stickiness),
        }),
        ..Action::default()
    })
}

fn fixed_response(a: &Action, path: &str) -> Result<Action> {
    let config = a.fixed_response_config.clone().ok_or_else(|| {
        query::validation("A fixed-response action must have a fixed response configuration")
    })?;
    if let Some(ct) = &config.content_type {
        if !CONTENT_TYPES.contains(&ct.as_str()) {
            return Err(constraint(
                &format!("{path}.fixedResponseConfig.contentType"),
                ct,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    CONTENT_TYPES.join(", ")
                ),
            ));
        }
    }
    Ok(Action {
        r#type: "fixed-response".into(),
        fixed_response_config: Some(config),
        ..Action::default()
    })
}

fn redirect(a: &Action, path: &str) -> Result<Action> {
    let given = a
        .redirect_config
        .clone()
        .ok_or_else(|| query::validation("A redirect action must have a redirect configuration"))?;
    let keep = |v: &Option<String>, default: &str| v.clone().unwrap_or_else(|| default.to_string());
    let config = RedirectActionConfig {
        protocol: Some(keep(&given.protocol, "#{protocol}")),
        host: Some(keep(&given.host, "#{host}")),
        port: Some(keep(&given.port, "#{port}")),
        path: Some(keep(&given.path, "/#{path}")),
        query: Some(keep(&given.query, "#{query}")),
        status_code: given.status_code.clone(),
    };
    let protocol = config.protocol.clone().unwrap_or_default();
    if !matches!(protocol.as_str(), "HTTP" | "HTTPS" | "#{protocol}") {
        return Err(constraint(
            &format!("{path}.redirectConfig.protocol"),
            &protocol,
            "Member must satisfy regular expression pattern: ^(HTTPS?|#\\{protocol\\})$",
        ));
    }
    if !config.path.as_deref().unwrap_or("/").starts_with('/') {
        return Err(query::validation("The redirect path must start with a '/'"));
    }
    let unchanged = config.protocol.as_deref() == Some("#{protocol}")
        && config.host.as_deref() == Some("#{host}")
        && config.port.as_deref() == Some("#{port}")
        && config.path.as_deref() == Some("/#{path}")
        && config.query.as_deref() == Some("#{query}");
    if unchanged {
        return Err(ErrorCode::InvalidLoadBalancerActionException
            .error("The redirect configuration is not valid because it creates a loop."));
    }
    Ok(Action {
        r#type: "redirect".into(),
        redirect_config: Some(config),
        ..Action::default()
    })
}
