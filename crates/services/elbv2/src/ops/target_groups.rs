//! CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup and the
//! target group attributes. A `lambda` group has no port, protocol or VPC, and its health
//! checks are off unless asked for.

use std::collections::BTreeMap;

use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::{query, AwsError};

use super::{
    find_load_balancer, lb_not_found, new_id, owner, page, require_target_group, tag_map,
    unsupported,
};
use crate::generated::elbv2::*;
use crate::service::Elbv2;
use crate::storage::{self, Result, StoredTargetGroup};

pub const MULTI_VALUE_HEADERS: &str = "lambda.multi_value_headers.enabled";

fn check_name(name: &str) -> Result<()> {
    let fail = |why: &str| {
        Err(query::validation(format!(
            "Target group name '{name}' {why}"
        )))
    };
    if name.chars().count() > 32 {
        return fail("cannot be longer than '32' characters");
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return fail("can only contain characters that are alphanumeric characters or hyphens(-)");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return fail("cannot begin or end with '-'");
    }
    Ok(())
}

/// The attributes a new group has, by its target type (as DescribeTargetGroupAttributes lists
/// them on AWS for an Application Load Balancer's groups).
fn default_attributes(target_type: &str) -> BTreeMap<String, String> {
    let pairs: &[(&str, &str)] = if target_type == "lambda" {
        &[(MULTI_VALUE_HEADERS, "false")]
    } else {
        &[
            ("deregistration_delay.timeout_seconds", "300"),
            ("stickiness.enabled", "false"),
            ("stickiness.type", "lb_cookie"),
            ("stickiness.lb_cookie.duration_seconds", "86400"),
            ("stickiness.app_cookie.cookie_name", ""),
            ("stickiness.app_cookie.duration_seconds", "86400"),
            ("slow_start.duration_seconds", "0"),
            ("load_balancing.algorithm.type", "round_robin"),
            ("load_balancing.algorithm.anomaly_mitigation", "off"),
            (
                "load_balancing.cross_zone.enabled",
                "use_load_balancer_configuration",
            ),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.count",
                "1",
            ),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.percentage",
                "off",
            ),
            (
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
                "1",
            ),
            (
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
                "off",
            ),
        ]
    };
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The health check settings a group starts with, by target type and protocol.
fn health_defaults(group: &mut TargetGroup, input: &CreateTargetGroupInput) {
    let lambda = group.target_type.as_deref() == Some("lambda");
    let protocol = group.protocol.clone().unwrap_or_else(|| "HTTP".into());
    group.health_check_enabled = Some(input.health_check_enabled.unwrap_or(!lambda));
    group.health_check_path = Some(
        input
            .health_check_path
            .clone()
            .unwrap_or_else(|| "/".into()),
    );
    group.health_check_interval_seconds = Some(
        input
            .health_check_interval_seconds
            .unwrap_or(if lambda { 35 } else { 30 }),
    );
    let timeout = match (lambda, protocol.as_str()) {
        (true, _) => 30,
        (false, "HTTP") => 6,
        _ => 10,
    };
    group.health_check_timeout_seconds =
        Some(input.health_check_timeout_seconds.unwrap_or(timeout));
    group.healthy_threshold_count = Some(input.healthy_threshold_count.unwrap_or(5));
    group.unhealthy_threshold_count =
        Some(
            input
                .unhealthy_threshold_count
                .unwrap_or(if lambda { 5 } else { 2 }),
        );
    group.matcher = Some(input.matcher.clone().unwrap_or(Matcher {
        http_code: Some("200".into()),
        grpc_code: None,
    }));
    if !lambda {
        group.health_check_protocol = Some(input.health_check_protocol.clone().unwrap_or(protocol));
        group.health_check_port = Some(
            input
                .health_check_port
                .clone()
                .unwrap_or_else(|| "traffic-port".into()),
        );
    } else if group.health_check_enabled == Some(true) {
        group.health_check_protocol = input.health_check_protocol.clone();
    }
}

/// What makes a second CreateTargetGroup of the same name the same request.
fn same_settings(a: &TargetGroup, b: &TargetGroup) -> bool {
    a.target_type == b.target_type
        && a.protocol == b.protocol
        && a.port == b.port
        && a.vpc_id == b.vpc_id
}

pub fn create(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: CreateTargetGroupInput,
) -> Result<CreateTargetGroupOutput> {
    let name = input.name.clone();
    check_name(&name)?;
    let target_type = input
        .target_type
        .clone()
        .unwrap_or_else(|| "instance".into());
    let lambda = target_type == "lambda";
    match target_type.as_str() {
        "alb" => return Err(unsupported("target groups of target type 'alb'")),
        "lambda" => {
            for (given, what) in [
                (input.protocol.is_some(), "Protocol"),
                (input.port.is_some(), "Port"),
                (input.vpc_id.is_some(), "VPC ID"),
            ] {
                if given {
                    return Err(query::validation(format!(
                        "{what} cannot be specified for target groups with target type 'lambda'"
                    )));
                }
            }
        }
        _ => {
            if input.protocol.is_none() {
                return Err(query::validation("A protocol must be specified"));
            }
            if input.port.is_none() {
                return Err(query::validation("A port must be specified"));
            }
            if input.vpc_id.is_none() {
                return Err(query::validation("A VPC ID must be specified"));
            }
            if input.health_check_enabled == Some(false) {
                return Err(query::validation(format!(
                    "Health check enabled must be true for target groups with target type '{target_type}'"
                )));
            }
        }
    }
    let o = owner(ctx);
    let mut group = TargetGroup {
        target_group_arn: Some(
            Arn::elbv2_target_group(&o.region, &o.account, &name, &new_id()).to_string(),
        ),
        target_group_name: Some(name.clone()),
        target_type: Some(target_type.clone()),
        protocol: input.protocol.clone(),
        port: input.port,
        vpc_id: input.vpc_id.clone(),
        ..TargetGroup::default()
    };
    if !lambda {
        group.protocol_version = Some(
            input
                .protocol_version
                .clone()
                .unwrap_or_else(|| "HTTP1".into()),
        );
        group.ip_address_type = Some(
            input
                .ip_address_type
                .clone()
                .unwrap_or_else(|| "ipv4".into()),
        );
    }
    health_defaults(&mut group, &input);
    let tags = tag_map(input.tags.as_deref().unwrap_or_default())?;
    let stored = svc.store.write(|w| {
        if let Some(existing) = storage::get_target_group(w.as_read(), &o, &name)? {
            if same_settings(&existing.group, &group) {
                return Ok(existing);
            }
            return Err(ErrorCode::DuplicateTargetGroupNameException.error(format!(
                "A target group with the same name '{name}' exists, but with different settings"
            )));
        }
        let stored = StoredTargetGroup {
            group,
            attributes: default_attributes(&target_type),
            targets: Vec::new(),
            tags,
        };
        storage::put_target_group(w, &o, &stored)?;
        Ok(stored)
    })?;
    let users = svc.store.read(|r| storage::target_group_users(r, &o))?;
    Ok(CreateTargetGroupOutput {
        target_groups: Some(vec![stored.described(&users)]),
    })
}

pub fn describe(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeTargetGroupsInput,
) -> Result<DescribeTargetGroupsOutput> {
    let o = owner(ctx);
    let names = input.names.unwrap_or_default();
    let arns = input.target_group_arns.unwrap_or_default();
    let filters = [
        !names.is_empty(),
        !arns.is_empty(),
        input.load_balancer_arn.is_some(),
    ];
    if filters.iter().filter(|f| **f).count() > 1 {
        return Err(query::validation(
            "A load balancer ARN, target group names, and target group ARNs cannot be specified at the same time",
        ));
    }
    let groups = svc.store.read(|r| {
        let users = storage::target_group_users(r, &o)?;
        let chosen: Vec<StoredTargetGroup> = if !names.is_empty() {
            let mut out = Vec::new();
            for n in &names {
                match storage::get_target_group(r, &o, n)? {
                    Some(g) => out.push(g),
                    None => {
                        return Err(ErrorCode::TargetGroupNotFoundException
                            .error("One or more target groups not found"))
                    }
                }
            }
            out
        } else if !arns.is_empty() {
            let mut out = Vec::new();
            let mut missing = Vec::new();
            for a in &arns {
                match super::find_target_group(r, ctx, a)? {
                    Some(g) => out.push(g),
                    None => missing.push(a.as_str()),
                }
            }
            if !missing.is_empty() {
                return Err(super::target_groups_not_found(&missing));
            }
            out
        } else if let Some(lb_arn) = &input.load_balancer_arn {
            find_load_balancer(r, ctx, lb_arn)?.ok_or_else(lb_not_found)?;
            storage::list_target_groups(r, &o)?
                .into_iter()
                .filter(|g| users.get(g.arn()).is_some_and(|lbs| lbs.contains(lb_arn)))
                .collect()
        } else {
            storage::list_target_groups(r, &o)?
        };
        Ok(chosen
            .iter()
            .map(|g| g.described(&users))
            .collect::<Vec<_>>())
    })?;
    let key = |g: &TargetGroup| g.target_group_name.clone().unwrap_or_default();
    let (target_groups, next_marker) = page(groups, key, input.marker.as_deref(), input.page_size);
    Ok(DescribeTargetGroupsOutput {
        target_groups: Some(target_groups),
        next_marker,
    })
}

/// Changes a group's health check settings.
pub fn modify(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: ModifyTargetGroupInput,
) -> Result<ModifyTargetGroupOutput> {
    let o = owner(ctx);
    let group = svc.store.write(|w| {
        let mut tg = require_target_group(w.as_read(), ctx, &input.target_group_arn)?;
        let g = &mut tg.group;
        let lambda = g.target_type.as_deref() == Some("lambda");
        if input.health_check_enabled == Some(false) && !lambda {
            return Err(query::validation(format!(
                "Health check enabled must be true for target groups with target type '{}'",
                g.target_type.as_deref().unwrap_or("instance")
            )));
        }
        macro_rules! set {
            ($($field:ident),*) => { $( if input.$field.is_some() { g.$field = input.$field.clone(); } )* };
        }
        set!(
            health_check_enabled,
            health_check_interval_seconds,
            health_check_path,
            health_check_port,
            health_check_protocol,
            health_check_timeout_seconds,
            healthy_threshold_count,
            unhealthy_threshold_count,
            matcher
        );
        storage::put_target_group(w, &o, &tg)?;
        let users = storage::target_group_users(w.as_read(), &o)?;
        Ok(tg.described(&users))
    })?;
    Ok(ModifyTargetGroupOutput {
        target_groups: Some(vec![group]),
    })
}

/// Deletes a group no listener or rule forwards to; a group that is not there is deleted
/// already (the model gives DeleteTargetGroup no not-found error).
pub fn delete(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DeleteTargetGroupInput,
) -> Result<DeleteTargetGroupOutput> {
    let o = owner(ctx);
    let arn = input.target_group_arn;
    svc.store.write(|w| {
        let Some(tg) = super::find_target_group(w.as_read(), ctx, &arn)? else {
            return Ok(());
        };
        if storage::target_group_users(w.as_read(), &o)?.contains_key(&arn) {
            return Err(ErrorCode::ResourceInUseException.error(format!(
                "Target group '{arn}' is currently in use by a listener or a rule"
            )));
        }
        storage::delete_target_group(
            w,
            &o,
            tg.group.target_group_name.as_deref().unwrap_or_default(),
        )
    })?;
    Ok(DeleteTargetGroupOutput::default())
}

fn attribute_list(attributes: &BTreeMap<String, String>) -> Vec<TargetGroupAttribute> {
    attributes
        .iter()
        .map(|(k, v)| TargetGroupAttribute {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect()
}

pub fn describe_attributes(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeTargetGroupAttributesInput,
) -> Result<DescribeTargetGroupAttributesOutput> {
    let tg = svc
        .store
        .read(|r| require_target_group(r, ctx, &input.target_group_arn))?;
    Ok(DescribeTargetGroupAttributesOutput {
        attributes: Some(attribute_list(&tg.attributes)),
    })
}

/// Checks one attribute against what a group of its type accepts.
fn check_attribute(key: &str, value: &str, known: &BTreeMap<String, String>) -> Result<()> {
    if !known.contains_key(key) {
        return Err(query::validation(format!(
            "Target group attribute key '{key}' is not recognized"
        )));
    }
    let boolean = matches!(key, MULTI_VALUE_HEADERS | "stickiness.enabled");
    if boolean && value != "true" && value != "false" {
        return Err(query::validation(format!(
            "Target group attribute key '{key}' must be one of 'true, false'"
        )));
    }
    Ok(())
}

pub fn modify_attributes(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: ModifyTargetGroupAttributesInput,
) -> Result<ModifyTargetGroupAttributesOutput> {
    let o = owner(ctx);
    let attributes = svc.store.write(|w| {
        let mut tg = require_target_group(w.as_read(), ctx, &input.target_group_arn)?;
        let known = default_attributes(tg.group.target_type.as_deref().unwrap_or("instance"));
        for a in &input.attributes {
            let key = a.key.clone().unwrap_or_default();
            let value = a.value.clone().unwrap_or_default();
            check_attribute(&key, &value, &known)?;
            tg.attributes.insert(key, value);
        }
        storage::put_target_group(w, &o, &tg)?;
        Ok::<_, AwsError>(tg.attributes)
    })?;
    Ok(ModifyTargetGroupAttributesOutput {
        attributes: Some(attribute_list(&attributes)),
    })
}
