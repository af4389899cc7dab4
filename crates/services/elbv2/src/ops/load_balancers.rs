//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer: Application Load Balancers,
//! addressed locally as `<name>-<10 digits>.<region>.elb.localhost`.

use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::{query, AwsError};

use super::{lb_not_found, new_id, owner, page, tag_map, unsupported};
use crate::generated::elbv2::*;
use crate::service::Elbv2;
use crate::storage::{self, Result, StoredLoadBalancer};

/// Every load balancer is in one pretend VPC: nimbus has no EC2.
pub const VPC_ID: &str = "vpc-local";

/// The Route 53 zone of a region's Application Load Balancers, as AWS answers it; regions
/// nimbus does not know get us-east-1's.
fn hosted_zone(region: &str) -> &'static str {
    match region {
        "us-east-2" => "Z3AADJGX6KTTL2",
        "us-west-1" => "Z368ELLRRE2KJ0",
        "us-west-2" => "Z1H1FL5HABSF5",
        "eu-west-1" => "Z32O12XQLNTSW2",
        "eu-central-1" => "Z215JYRZR1TBD5",
        "ap-northeast-1" => "Z14GRHDCWA56QT",
        "ap-southeast-1" => "Z1LMS91P8CMLE5",
        "ap-southeast-2" => "Z1GM3OXH4ZPM65",
        _ => "Z35SXDOTRQ7X7K",
    }
}

fn check_name(name: &str) -> Result<()> {
    let fail = |why: &str| {
        Err(query::validation(format!(
            "The load balancer name '{name}' {why}"
        )))
    };
    if name.chars().count() > 32 {
        return fail("cannot be longer than '32' characters");
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return fail("can only contain characters that are alphanumeric characters and hyphens(-)");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return fail("cannot begin or end with a hyphen");
    }
    if name.to_ascii_lowercase().starts_with("internal-") {
        return fail("cannot begin with 'internal-'");
    }
    Ok(())
}

/// The subnets asked for, with the Availability Zone each stands for: nimbus has no subnets, so
/// the n-th distinct subnet is in the region's n-th zone (`us-east-1a`, `us-east-1b`, ...).
fn zones(region: &str, subnets: &[String]) -> Vec<AvailabilityZone> {
    let mut seen: Vec<&String> = Vec::new();
    for s in subnets {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.into_iter()
        .enumerate()
        .map(|(i, subnet)| AvailabilityZone {
            zone_name: Some(format!("{region}{}", char::from(b'a' + (i % 26) as u8))),
            subnet_id: Some(subnet.clone()),
            load_balancer_addresses: Some(Vec::new()),
            ..AvailabilityZone::default()
        })
        .collect()
}

/// What makes a second CreateLoadBalancer of the same name the same request (answered with the
/// existing load balancer) rather than a conflicting one.
fn same_settings(a: &LoadBalancer, b: &LoadBalancer) -> bool {
    let subnets = |lb: &LoadBalancer| -> Vec<Option<String>> {
        lb.availability_zones
            .iter()
            .flatten()
            .map(|z| z.subnet_id.clone())
            .collect()
    };
    a.scheme == b.scheme
        && a.r#type == b.r#type
        && a.ip_address_type == b.ip_address_type
        && a.security_groups == b.security_groups
        && subnets(a) == subnets(b)
}

pub fn create(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: CreateLoadBalancerInput,
) -> Result<CreateLoadBalancerOutput> {
    let name = input.name.clone();
    check_name(&name)?;
    let kind = input.r#type.as_deref().unwrap_or("application");
    if kind != "application" {
        return Err(unsupported(&format!(
            "{kind} load balancers (only Type application is served)"
        )));
    }
    if input.customer_owned_ipv4_pool.is_some() || input.ipam_pools.is_some() {
        return Err(unsupported("customer-owned and IPAM address pools"));
    }
    let subnets: Vec<String> = match (&input.subnets, &input.subnet_mappings) {
        (Some(_), Some(_)) => {
            return Err(query::validation(
                "You can specify subnets or subnet mappings, not both",
            ))
        }
        (Some(s), None) => s.clone(),
        (None, Some(m)) => {
            if m.iter().any(|m| m.allocation_id.is_some()) {
                return Err(ErrorCode::InvalidConfigurationRequestException.error(
                    "You cannot specify Elastic IP addresses for an Application Load Balancer",
                ));
            }
            m.iter().filter_map(|m| m.subnet_id.clone()).collect()
        }
        (None, None) => Vec::new(),
    };
    let o = owner(ctx);
    let zones = zones(&o.region, &subnets);
    if zones.len() < 2 {
        return Err(query::validation(
            "At least two subnets in two different Availability Zones must be specified",
        ));
    }
    let scheme = input
        .scheme
        .clone()
        .unwrap_or_else(|| "internet-facing".into());
    let id = new_id();
    let digits = nimbus_core::ids::digits(10);
    let prefix = if scheme == "internal" {
        "internal-"
    } else {
        ""
    };
    let lb = LoadBalancer {
        load_balancer_arn: Some(
            Arn::elbv2_load_balancer(&o.region, &o.account, &name, &id).to_string(),
        ),
        dns_name: Some(format!(
            "{prefix}{name}-{digits}.{}.elb.localhost",
            o.region
        )),
        canonical_hosted_zone_id: Some(hosted_zone(&o.region).into()),
        created_time: Some(nimbus_core::time::now_epoch_seconds()),
        load_balancer_name: Some(name.clone()),
        scheme: Some(scheme),
        vpc_id: Some(VPC_ID.into()),
        state: Some(LoadBalancerState {
            code: Some("active".into()),
            reason: None,
        }),
        r#type: Some("application".into()),
        availability_zones: Some(zones),
        security_groups: input.security_groups.clone(),
        ip_address_type: Some(
            input
                .ip_address_type
                .clone()
                .unwrap_or_else(|| "ipv4".into()),
        ),
        ..LoadBalancer::default()
    };
    let tags = tag_map(input.tags.as_deref().unwrap_or_default())?;
    let stored = svc.store.write(|w| {
        if let Some(existing_owner) = storage::load_balancer_owner(w.as_read(), &name)? {
            let existing = storage::get_load_balancer(w.as_read(), &existing_owner, &name)?;
            return match existing {
                Some(e) if existing_owner == o && same_settings(&e.load_balancer, &lb) => Ok(e),
                _ => Err(ErrorCode::DuplicateLoadBalancerNameException.error(format!(
                    "A load balancer with the same name '{name}' exists, but with different settings"
                ))),
            };
        }
        let stored = StoredLoadBalancer {
            load_balancer: lb,
            tags,
        };
        storage::put_load_balancer(w, &o, &stored)?;
        Ok(stored)
    })?;
    svc.hosts_changed();
    Ok(CreateLoadBalancerOutput {
        load_balancers: Some(vec![stored.load_balancer]),
    })
}

pub fn describe(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeLoadBalancersInput,
) -> Result<DescribeLoadBalancersOutput> {
    let o = owner(ctx);
    let names = input.names.unwrap_or_default();
    let arns = input.load_balancer_arns.unwrap_or_default();
    if !names.is_empty() && !arns.is_empty() {
        return Err(query::validation(
            "Load balancer names and load balancer ARNs cannot be specified at the same time",
        ));
    }
    let found: Vec<LoadBalancer> = svc.store.read(|r| {
        if !arns.is_empty() {
            let mut out = Vec::new();
            for arn in &arns {
                out.push(
                    super::find_load_balancer(r, ctx, arn)?
                        .ok_or_else(lb_not_found)?
                        .load_balancer,
                );
            }
            return Ok(out);
        }
        if !names.is_empty() {
            let mut out = Vec::new();
            let mut missing = Vec::new();
            for name in &names {
                match storage::get_load_balancer(r, &o, name)? {
                    Some(lb) => out.push(lb.load_balancer),
                    None => missing.push(name.as_str()),
                }
            }
            if !missing.is_empty() {
                return Err(ErrorCode::LoadBalancerNotFoundException.error(format!(
                    "Load balancers '[{}]' not found",
                    missing.join(", ")
                )));
            }
            return Ok(out);
        }
        Ok(storage::list_load_balancers(r, &o)?
            .into_iter()
            .map(|s| s.load_balancer)
            .collect())
    })?;
    let key = |lb: &LoadBalancer| lb.load_balancer_name.clone().unwrap_or_default();
    let (load_balancers, next_marker) = page(found, key, input.marker.as_deref(), input.page_size);
    Ok(DescribeLoadBalancersOutput {
        load_balancers: Some(load_balancers),
        next_marker,
    })
}

/// Deletes the load balancer with its listeners and their rules; a load balancer that is not
/// there is deleted already (as on AWS).
pub fn delete(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DeleteLoadBalancerInput,
) -> Result<DeleteLoadBalancerOutput> {
    let o = owner(ctx);
    let deleted = svc.store.write(|w| {
        match super::find_load_balancer(w.as_read(), ctx, &input.load_balancer_arn)? {
            Some(lb) => {
                storage::delete_load_balancer(w, &o, &lb)?;
                Ok::<_, AwsError>(true)
            }
            None => Ok(false),
        }
    })?;
    if deleted {
        svc.hosts_changed();
    }
    Ok(DeleteLoadBalancerOutput::default())
}
