//! RegisterTargets, DeregisterTargets, DescribeTargetHealth. nimbus runs no health checks: a
//! target of a group in use is healthy, a Lambda target of a group without health checks is
//! `unavailable` (what AWS answers for it), and a group no load balancer uses has `unused`
//! targets.

use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::{query, AwsError};

use super::{owner, require_target_group};
use crate::generated::elbv2::*;
use crate::service::Elbv2;
use crate::storage::{self, Result, StoredTargetGroup};

/// Whether `id` is a Lambda function's ARN (unqualified, or with a version or alias).
fn is_function_arn(id: &str) -> bool {
    match Arn::parse(id) {
        Some(arn) if arn.service == "lambda" => {
            let mut parts = arn.resource.split(':');
            parts.next() == Some("function")
                && parts.next().is_some_and(|n| !n.is_empty())
                && parts.clone().count() <= 1
                && parts.all(|q| !q.is_empty())
        }
        _ => false,
    }
}

/// The targets as the group stores them: a port filled in from the group's, where it has one.
fn resolve(
    tg: &StoredTargetGroup,
    targets: &[TargetDescription],
) -> Result<Vec<TargetDescription>> {
    let lambda = tg.group.target_type.as_deref() == Some("lambda");
    let mut out = Vec::new();
    for t in targets {
        if lambda {
            if !is_function_arn(&t.id) {
                return Err(ErrorCode::InvalidTargetException.error(format!(
                    "The target ID '{}' is not a valid Lambda function ARN",
                    t.id
                )));
            }
            if t.availability_zone.as_deref().is_some_and(|z| z != "all") {
                return Err(query::validation(
                    "The only Availability Zone a Lambda target can have is 'all'",
                ));
            }
            if t.port.is_some() {
                return Err(query::validation(
                    "A port cannot be specified for Lambda targets",
                ));
            }
            out.push(TargetDescription {
                id: t.id.clone(),
                availability_zone: t.availability_zone.clone(),
                ..TargetDescription::default()
            });
        } else {
            out.push(TargetDescription {
                port: t.port.or(tg.group.port),
                ..t.clone()
            });
        }
    }
    Ok(out)
}

fn same_target(a: &TargetDescription, b: &TargetDescription) -> bool {
    a.id == b.id && a.port == b.port
}

pub fn register(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: RegisterTargetsInput,
) -> Result<RegisterTargetsOutput> {
    let o = owner(ctx);
    svc.store.write(|w| {
        let mut tg = require_target_group(w.as_read(), ctx, &input.target_group_arn)?;
        for t in resolve(&tg, &input.targets)? {
            if !tg.targets.iter().any(|e| same_target(e, &t)) {
                tg.targets.push(t);
            }
        }
        let lambda = tg.group.target_type.as_deref() == Some("lambda");
        if lambda && tg.targets.len() > 1 {
            return Err(ErrorCode::TooManyTargetsException.error(
                "You can register only one Lambda function with a target group of target type 'lambda'",
            ));
        }
        storage::put_target_group(w, &o, &tg)
    })?;
    Ok(RegisterTargetsOutput::default())
}

pub fn deregister(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DeregisterTargetsInput,
) -> Result<DeregisterTargetsOutput> {
    let o = owner(ctx);
    svc.store.write(|w| {
        let mut tg = require_target_group(w.as_read(), ctx, &input.target_group_arn)?;
        // A target that is not registered (with that port) is skipped, as AWS skips it.
        let gone = resolve(&tg, &input.targets)?;
        tg.targets
            .retain(|t| !gone.iter().any(|g| same_target(t, g)));
        storage::put_target_group(w, &o, &tg)
    })?;
    Ok(DeregisterTargetsOutput::default())
}

fn health(state: &str, reason: Option<&str>, description: Option<&str>) -> TargetHealth {
    TargetHealth {
        state: Some(state.into()),
        reason: reason.map(str::to_string),
        description: description.map(str::to_string),
    }
}

pub fn describe_health(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeTargetHealthInput,
) -> Result<DescribeTargetHealthOutput> {
    let o = owner(ctx);
    let (tg, in_use) = svc.store.read(|r| {
        let tg = require_target_group(r, ctx, &input.target_group_arn)?;
        let in_use = storage::target_group_users(r, &o)?.contains_key(tg.arn());
        Ok::<_, AwsError>((tg, in_use))
    })?;
    let lambda = tg.group.target_type.as_deref() == Some("lambda");
    let asked = match &input.targets {
        Some(t) if !t.is_empty() => resolve(&tg, t)?,
        _ => tg.targets.clone(),
    };
    let descriptions = asked
        .into_iter()
        .map(|target| {
            let registered = tg.targets.iter().any(|t| same_target(t, &target));
            let target_health = if !registered {
                health(
                    "unused",
                    Some("Target.NotRegistered"),
                    Some("Target is not registered to the target group"),
                )
            } else if lambda && tg.group.health_check_enabled != Some(true) {
                health(
                    "unavailable",
                    Some("Target.HealthCheckDisabled"),
                    Some("Health checks are disabled"),
                )
            } else if !in_use {
                health(
                    "unused",
                    Some("Target.NotInUse"),
                    Some(
                        "Target group is not configured to receive traffic from the load balancer",
                    ),
                )
            } else {
                health("healthy", None, None)
            };
            let health_check_port = match (lambda, tg.group.health_check_port.as_deref()) {
                (true, _) => None,
                (false, Some("traffic-port") | None) => target.port.map(|p| p.to_string()),
                (false, Some(port)) => Some(port.to_string()),
            };
            TargetHealthDescription {
                target: Some(target),
                health_check_port,
                target_health: Some(target_health),
                ..TargetHealthDescription::default()
            }
        })
        .collect();
    Ok(DescribeTargetHealthOutput {
        target_health_descriptions: Some(descriptions),
    })
}
