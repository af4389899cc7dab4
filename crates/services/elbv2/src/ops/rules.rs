//! CreateRule, DescribeRules, ModifyRule, DeleteRule, SetRulePriorities. Priorities (1-50000)
//! are unique per listener; the default rule (priority `default`) holds the listener's default
//! actions, has no conditions, and can be neither deleted nor reprioritized.

use std::collections::BTreeMap;

use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::query;

use super::{
    actions, conditions, new_id, owner, page, require_listener, require_rule, tag_map, unsupported,
    FoundRule,
};
use crate::generated::elbv2::*;
use crate::service::Elbv2;
use crate::storage::{self, priority_of, Result, StoredRule};

fn priority_in_use(priority: i32) -> nimbus_protocol::AwsError {
    ErrorCode::PriorityInUseException.error(format!("Priority '{priority}' is currently in use"))
}

fn no_transforms(transforms: &Option<Vec<RuleTransform>>) -> Result<()> {
    match transforms {
        Some(t) if !t.is_empty() => Err(unsupported("rule transforms")),
        _ => Ok(()),
    }
}

pub fn create(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: CreateRuleInput,
) -> Result<CreateRuleOutput> {
    let o = owner(ctx);
    no_transforms(&input.transforms)?;
    let conditions = conditions::normalize(&input.conditions)?;
    let tags = tag_map(input.tags.as_deref().unwrap_or_default())?;
    let rule = svc.store.write(|w| {
        let (lb_name, listener) = require_listener(w.as_read(), ctx, &input.listener_arn)?;
        let listener_id = storage::listener_id(&listener.listener);
        let existing = storage::list_rules(w.as_read(), &o, &lb_name, &listener_id)?;
        if existing
            .iter()
            .any(|r| priority_of(&r.rule) == input.priority as u32)
        {
            return Err(priority_in_use(input.priority));
        }
        let actions = actions::normalize(w.as_read(), ctx, &input.actions, "actions")?;
        let lb_id = listener
            .listener
            .load_balancer_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or_default()
            .to_string();
        let arn = Arn::elbv2_listener_rule(
            &o.region,
            &o.account,
            &lb_name,
            &lb_id,
            &listener_id,
            &new_id(),
        );
        let stored = StoredRule {
            rule: Rule {
                rule_arn: Some(arn.to_string()),
                priority: Some(input.priority.to_string()),
                conditions: Some(conditions),
                actions: Some(actions),
                is_default: Some(false),
                ..Rule::default()
            },
            tags,
        };
        storage::put_rule(w, &o, &lb_name, &listener_id, &stored)?;
        Ok(stored.rule)
    })?;
    Ok(CreateRuleOutput {
        rules: Some(vec![rule]),
    })
}

/// Where a rule sorts among its listener's: by priority, the default rule last.
fn order_key(rule: &Rule) -> String {
    if rule.is_default == Some(true) {
        "99999".into()
    } else {
        format!("{:05}", priority_of(rule))
    }
}

fn shown(found: FoundRule) -> Rule {
    match found {
        FoundRule::Default { listener, .. } => listener.default_rule(),
        FoundRule::Custom { rule, .. } => rule.rule,
    }
}

pub fn describe(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeRulesInput,
) -> Result<DescribeRulesOutput> {
    let o = owner(ctx);
    let arns = input.rule_arns.clone().unwrap_or_default();
    let rules = svc
        .store
        .read(|r| match (&input.listener_arn, arns.is_empty()) {
            (Some(_), false) => Err(query::validation(
                "Listener rule ARNs and a listener ARN cannot be specified at the same time",
            )),
            (None, true) => Err(query::validation(
                "You must specify either listener rule ARNs or a listener ARN",
            )),
            (Some(listener_arn), true) => {
                let (lb_name, listener) = require_listener(r, ctx, listener_arn)?;
                let id = storage::listener_id(&listener.listener);
                let mut all: Vec<Rule> = storage::list_rules(r, &o, &lb_name, &id)?
                    .into_iter()
                    .map(|s| s.rule)
                    .collect();
                all.push(listener.default_rule());
                all.sort_by_key(order_key);
                Ok(all)
            }
            (None, false) => arns
                .iter()
                .map(|a| require_rule(r, ctx, a).map(shown))
                .collect(),
        })?;
    let (rules, next_marker) = page(rules, order_key, input.marker.as_deref(), input.page_size);
    Ok(DescribeRulesOutput {
        rules: Some(rules),
        next_marker,
    })
}

pub fn modify(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: ModifyRuleInput,
) -> Result<ModifyRuleOutput> {
    let o = owner(ctx);
    no_transforms(&input.transforms)?;
    let rule = svc.store.write(|w| {
        let actions = match &input.actions {
            Some(a) => Some(actions::normalize(w.as_read(), ctx, a, "actions")?),
            None => None,
        };
        match require_rule(w.as_read(), ctx, &input.rule_arn)? {
            FoundRule::Default { lb, mut listener } => {
                if input.conditions.as_ref().is_some_and(|c| !c.is_empty()) {
                    return Err(ErrorCode::OperationNotPermittedException
                        .error("Conditions cannot be specified for the default rule"));
                }
                if actions.is_some() {
                    listener.listener.default_actions = actions;
                }
                storage::put_listener(w, &o, &lb, &listener)?;
                Ok(listener.default_rule())
            }
            FoundRule::Custom {
                lb,
                listener,
                mut rule,
            } => {
                if let Some(c) = &input.conditions {
                    rule.rule.conditions = Some(conditions::normalize(c)?);
                }
                if actions.is_some() {
                    rule.rule.actions = actions;
                }
                let listener_id = storage::listener_id(&listener.listener);
                storage::put_rule(w, &o, &lb, &listener_id, &rule)?;
                Ok(rule.rule)
            }
        }
    })?;
    Ok(ModifyRuleOutput {
        rules: Some(vec![rule]),
    })
}

pub fn delete(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DeleteRuleInput,
) -> Result<DeleteRuleOutput> {
    let o = owner(ctx);
    svc.store
        .write(|w| match require_rule(w.as_read(), ctx, &input.rule_arn)? {
            FoundRule::Default { .. } => Err(ErrorCode::OperationNotPermittedException.error(
                format!("Default rule '{}' cannot be deleted", input.rule_arn),
            )),
            FoundRule::Custom { lb, listener, rule } => storage::delete_rule(
                w,
                &o,
                &lb,
                &storage::listener_id(&listener.listener),
                &storage::rule_id(&rule.rule),
            ),
        })?;
    Ok(DeleteRuleOutput::default())
}

/// Moves rules to new priorities all at once: a priority may be one a moved rule leaves.
pub fn set_priorities(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: SetRulePrioritiesInput,
) -> Result<SetRulePrioritiesOutput> {
    let o = owner(ctx);
    let mut seen = Vec::new();
    for pair in &input.rule_priorities {
        let p = pair.priority.unwrap_or_default();
        if seen.contains(&p) {
            return Err(query::validation(format!(
                "Priority '{p}' was provided multiple times"
            )));
        }
        seen.push(p);
    }
    let rules = svc.store.write(|w| {
        // Per listener (lb name, listener id): the moved rules and their new priorities.
        let mut moves: BTreeMap<(String, String), Vec<(StoredRule, i32)>> = BTreeMap::new();
        for pair in &input.rule_priorities {
            let arn = pair.rule_arn.clone().unwrap_or_default();
            let priority = pair.priority.ok_or_else(|| {
                query::validation(format!("A priority must be specified for rule '{arn}'"))
            })?;
            match require_rule(w.as_read(), ctx, &arn)? {
                FoundRule::Default { .. } => {
                    return Err(ErrorCode::OperationNotPermittedException.error(format!(
                        "The priority of the default rule '{arn}' cannot be changed"
                    )))
                }
                FoundRule::Custom { lb, listener, rule } => {
                    let key = (lb, storage::listener_id(&listener.listener));
                    moves.entry(key).or_default().push((rule, priority));
                }
            }
        }
        let mut changed = Vec::new();
        for ((lb, listener_id), moved) in moves {
            let staying: Vec<StoredRule> = storage::list_rules(w.as_read(), &o, &lb, &listener_id)?
                .into_iter()
                .filter(|r| {
                    !moved
                        .iter()
                        .any(|(m, _)| m.rule.rule_arn == r.rule.rule_arn)
                })
                .collect();
            for (mut rule, priority) in moved {
                if staying
                    .iter()
                    .any(|s| priority_of(&s.rule) == priority as u32)
                {
                    return Err(priority_in_use(priority));
                }
                rule.rule.priority = Some(priority.to_string());
                storage::put_rule(w, &o, &lb, &listener_id, &rule)?;
                changed.push(rule.rule);
            }
        }
        Ok(changed)
    })?;
    Ok(SetRulePrioritiesOutput { rules: Some(rules) })
}
