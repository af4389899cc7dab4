//! AddTags, RemoveTags, DescribeTags over any resource by its ARN: load balancers, target
//! groups, listeners and rules (a default rule too).

use std::collections::BTreeMap;

use nimbus_core::RequestContext;
use nimbus_store::{Read, Write};

use super::{
    check_tag_count, find_listener, find_load_balancer, find_rule, find_target_group, lb_not_found,
    listener_not_found, owner, rule_not_found, tag_list, tag_map, target_groups_not_found,
    FoundRule,
};
use crate::arns::{self, Resource};
use crate::generated::elbv2::*;
use crate::service::Elbv2;
use crate::storage::{self, Owner, Result, StoredListener, StoredLoadBalancer, StoredTargetGroup};

/// A resource that carries tags, as found by its ARN.
enum Tagged {
    LoadBalancer(StoredLoadBalancer),
    TargetGroup(StoredTargetGroup),
    Listener(String, StoredListener),
    Rule(FoundRule),
}

fn find(r: &dyn Read, ctx: &RequestContext, arn: &str) -> Result<Tagged> {
    let parsed = arns::parse(arn).ok_or_else(|| arns::not_an_arn(arn))?;
    Ok(match parsed.resource {
        Resource::LoadBalancer { .. } => {
            Tagged::LoadBalancer(find_load_balancer(r, ctx, arn)?.ok_or_else(lb_not_found)?)
        }
        Resource::TargetGroup { .. } => Tagged::TargetGroup(
            find_target_group(r, ctx, arn)?.ok_or_else(|| target_groups_not_found(&[arn]))?,
        ),
        Resource::Listener { .. } => {
            let (lb, l) = find_listener(r, ctx, arn)?.ok_or_else(listener_not_found)?;
            Tagged::Listener(lb, l)
        }
        Resource::Rule { .. } => Tagged::Rule(find_rule(r, ctx, arn)?.ok_or_else(rule_not_found)?),
    })
}

impl Tagged {
    fn tags(&mut self) -> &mut BTreeMap<String, String> {
        match self {
            Tagged::LoadBalancer(lb) => &mut lb.tags,
            Tagged::TargetGroup(tg) => &mut tg.tags,
            Tagged::Listener(_, l) => &mut l.tags,
            Tagged::Rule(FoundRule::Default { listener, .. }) => &mut listener.default_rule_tags,
            Tagged::Rule(FoundRule::Custom { rule, .. }) => &mut rule.tags,
        }
    }

    fn save(&self, w: &mut dyn Write, o: &Owner) -> Result<()> {
        match self {
            Tagged::LoadBalancer(lb) => storage::put_load_balancer(w, o, lb),
            Tagged::TargetGroup(tg) => storage::put_target_group(w, o, tg),
            Tagged::Listener(lb, l) | Tagged::Rule(FoundRule::Default { lb, listener: l }) => {
                storage::put_listener(w, o, lb, l)
            }
            Tagged::Rule(FoundRule::Custom { lb, listener, rule }) => {
                storage::put_rule(w, o, lb, &storage::listener_id(&listener.listener), rule)
            }
        }
    }
}

fn update(
    svc: &Elbv2,
    ctx: &RequestContext,
    arns: &[String],
    change: impl Fn(&mut BTreeMap<String, String>),
) -> Result<()> {
    let o = owner(ctx);
    svc.store.write(|w| {
        for arn in arns {
            let mut resource = find(w.as_read(), ctx, arn)?;
            change(resource.tags());
            check_tag_count(resource.tags())?;
            resource.save(w, &o)?;
        }
        Ok(())
    })
}

pub fn add(svc: &Elbv2, ctx: &RequestContext, input: AddTagsInput) -> Result<AddTagsOutput> {
    let added = tag_map(&input.tags)?;
    update(svc, ctx, &input.resource_arns, |tags| {
        tags.extend(added.iter().map(|(k, v)| (k.clone(), v.clone())))
    })?;
    Ok(AddTagsOutput::default())
}

pub fn remove(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: RemoveTagsInput,
) -> Result<RemoveTagsOutput> {
    update(svc, ctx, &input.resource_arns, |tags| {
        for k in &input.tag_keys {
            tags.remove(k);
        }
    })?;
    Ok(RemoveTagsOutput::default())
}

pub fn describe(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeTagsInput,
) -> Result<DescribeTagsOutput> {
    let descriptions = svc.store.read(|r| {
        input
            .resource_arns
            .iter()
            .map(|arn| {
                let mut resource = find(r, ctx, arn)?;
                Ok(TagDescription {
                    resource_arn: Some(arn.clone()),
                    tags: Some(tag_list(resource.tags())),
                })
            })
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(DescribeTagsOutput {
        tag_descriptions: Some(descriptions),
    })
}
