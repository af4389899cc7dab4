//! The Elastic Load Balancing operations, by family, and what they share: the caller's
//! owner, finding a resource by its ARN, AWS's not-found errors, paging, tags.

pub mod actions;
pub mod conditions;
pub mod listeners;
pub mod load_balancers;
pub mod rules;
pub mod tags;
pub mod target_groups;
pub mod targets;

use std::collections::BTreeMap;

use nimbus_core::RequestContext;
use nimbus_protocol::{query, AwsError};
use nimbus_store::Read;

use crate::arns::{self, Resource};
use crate::generated::elbv2::{ErrorCode, Tag};
use crate::storage::{
    self, Owner, Result, StoredListener, StoredLoadBalancer, StoredRule, StoredTargetGroup,
};

/// The page size when a Describe call names none (the model's maximum).
const DEFAULT_PAGE_SIZE: usize = 400;
/// Tags a resource can carry.
const MAX_TAGS: usize = 50;

pub fn owner(ctx: &RequestContext) -> Owner {
    Owner {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
    }
}

/// The hex id that ends every ARN nimbus makes here (16 digits, as AWS's).
pub fn new_id() -> String {
    nimbus_core::ids::hex(16)
}

pub fn lb_not_found() -> AwsError {
    ErrorCode::LoadBalancerNotFoundException.error("One or more load balancers not found")
}

pub fn listener_not_found() -> AwsError {
    ErrorCode::ListenerNotFoundException.error("One or more listeners not found")
}

pub fn rule_not_found() -> AwsError {
    ErrorCode::RuleNotFoundException.error("One or more rules not found")
}

pub fn target_groups_not_found(arns: &[&str]) -> AwsError {
    ErrorCode::TargetGroupNotFoundException
        .error(format!("Target groups '{}' not found", arns.join(", ")))
}

/// A feature of the API nimbus does not serve (yet); 501 like an unserved operation.
pub fn unsupported(what: &str) -> AwsError {
    AwsError::new(
        501,
        "",
        "NotImplementedException",
        format!("nimbus does not implement {what} yet; see docs/compatibility.md"),
    )
}

/// Parses `arn` as a resource of `kind` the caller owns: a malformed ARN (or one of another
/// kind) is a ValidationError; another account's or region's is not found (None).
fn parse_owned(ctx: &RequestContext, arn: &str, kind: &str) -> Result<Option<Resource>> {
    let parsed = arns::parse(arn).ok_or_else(|| arns::not_an_arn(arn))?;
    let matches = matches!(
        (&parsed.resource, kind),
        (Resource::LoadBalancer { .. }, "load balancer")
            | (Resource::Listener { .. }, "listener")
            | (Resource::Rule { .. }, "rule")
            | (Resource::TargetGroup { .. }, "target group")
    );
    if !matches {
        return Err(query::validation(format!(
            "'{arn}' is not a valid {kind} ARN"
        )));
    }
    Ok((parsed.owner == owner(ctx)).then_some(parsed.resource))
}

pub fn find_load_balancer(
    r: &dyn Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<Option<StoredLoadBalancer>> {
    let Some(Resource::LoadBalancer { name, .. }) = parse_owned(ctx, arn, "load balancer")? else {
        return Ok(None);
    };
    Ok(storage::get_load_balancer(r, &owner(ctx), &name)?
        .filter(|lb| lb.load_balancer.load_balancer_arn.as_deref() == Some(arn)))
}

pub fn require_load_balancer(
    r: &dyn Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<StoredLoadBalancer> {
    find_load_balancer(r, ctx, arn)?.ok_or_else(lb_not_found)
}

/// A listener and the name of its load balancer (the key of its children).
pub fn find_listener(
    r: &dyn Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<Option<(String, StoredListener)>> {
    let Some(Resource::Listener { lb_name, id, .. }) = parse_owned(ctx, arn, "listener")? else {
        return Ok(None);
    };
    Ok(storage::get_listener(r, &owner(ctx), &lb_name, &id)?
        .filter(|l| l.listener.listener_arn.as_deref() == Some(arn))
        .map(|l| (lb_name, l)))
}

pub fn require_listener(
    r: &dyn Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<(String, StoredListener)> {
    find_listener(r, ctx, arn)?.ok_or_else(listener_not_found)
}

/// A rule found by its ARN: a listener's default rule, or one of its other rules.
pub enum FoundRule {
    Default {
        lb: String,
        listener: StoredListener,
    },
    Custom {
        lb: String,
        listener: StoredListener,
        rule: StoredRule,
    },
}

impl FoundRule {
    pub fn listener(&self) -> &StoredListener {
        match self {
            FoundRule::Default { listener, .. } | FoundRule::Custom { listener, .. } => listener,
        }
    }
}

pub fn find_rule(r: &dyn Read, ctx: &RequestContext, arn: &str) -> Result<Option<FoundRule>> {
    let Some(Resource::Rule {
        lb_name,
        listener_id,
        id,
        ..
    }) = parse_owned(ctx, arn, "rule")?
    else {
        return Ok(None);
    };
    let o = owner(ctx);
    let Some(listener) = storage::get_listener(r, &o, &lb_name, &listener_id)? else {
        return Ok(None);
    };
    if listener.default_rule_arn == arn {
        return Ok(Some(FoundRule::Default {
            lb: lb_name,
            listener,
        }));
    }
    Ok(storage::get_rule(r, &o, &lb_name, &listener_id, &id)?
        .filter(|s| s.rule.rule_arn.as_deref() == Some(arn))
        .map(|rule| FoundRule::Custom {
            lb: lb_name,
            listener,
            rule,
        }))
}

pub fn require_rule(r: &dyn Read, ctx: &RequestContext, arn: &str) -> Result<FoundRule> {
    find_rule(r, ctx, arn)?.ok_or_else(rule_not_found)
}

pub fn find_target_group(
    r: &dyn Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<Option<StoredTargetGroup>> {
    let Some(Resource::TargetGroup { name, .. }) = parse_owned(ctx, arn, "target group")? else {
        return Ok(None);
    };
    Ok(storage::get_target_group(r, &owner(ctx), &name)?.filter(|tg| tg.arn() == arn))
}

pub fn require_target_group(
    r: &dyn Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<StoredTargetGroup> {
    find_target_group(r, ctx, arn)?.ok_or_else(|| target_groups_not_found(&[arn]))
}

/// One page of `items` (already in `key` order): those after `marker` (the key of the last
/// item of the previous page), at most `size`, and the marker of the next page if any.
pub fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    marker: Option<&str>,
    size: Option<i32>,
) -> (Vec<T>, Option<String>) {
    let size = size.map_or(DEFAULT_PAGE_SIZE, |s| s.max(1) as usize);
    let mut rest: Vec<T> = match marker {
        Some(m) => items
            .into_iter()
            .skip_while(|i| key(i).as_str() <= m)
            .collect(),
        None => items,
    };
    if rest.len() > size {
        rest.truncate(size);
        let next = rest.last().map(&key);
        (rest, next)
    } else {
        (rest, None)
    }
}

/// Tags given at creation or to AddTags, checked as AWS checks them.
pub fn tag_map(tags: &[Tag]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for t in tags {
        if out
            .insert(t.key.clone(), t.value.clone().unwrap_or_default())
            .is_some()
        {
            return Err(ErrorCode::DuplicateTagKeysException
                .error(format!("Tag key '{}' was specified more than once", t.key)));
        }
    }
    check_tag_count(&out)?;
    Ok(out)
}

pub fn check_tag_count(tags: &BTreeMap<String, String>) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(ErrorCode::TooManyTagsException.error(format!(
            "The quota for the number of tags that can be assigned to a resource ({MAX_TAGS}) has been reached"
        )));
    }
    Ok(())
}

pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag {
            key: k.clone(),
            value: Some(v.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_by_key() {
        let items = vec!["a", "b", "c"];
        let (first, next) = page(items.clone(), |s| s.to_string(), None, Some(2));
        assert_eq!((first, next.as_deref()), (vec!["a", "b"], Some("b")));
        let (second, next) = page(items, |s| s.to_string(), Some("b"), Some(2));
        assert_eq!((second, next), (vec!["c"], None));
    }
}
