//! How load balancers, listeners, rules and target groups sit in the store, and the read API
//! the Application Load Balancer front door serves from.
//!
//! | tree                   | key                                                     | value                        |
//! |------------------------|---------------------------------------------------------|------------------------------|
//! | `elbv2.load_balancers` | account \0 region \0 lb name                            | [`StoredLoadBalancer`] JSON  |
//! | `elbv2.listeners`      | account \0 region \0 lb name \0 listener id             | [`StoredListener`] JSON      |
//! | `elbv2.rules`          | account \0 region \0 lb name \0 listener id \0 rule id  | [`StoredRule`] JSON          |
//! | `elbv2.target_groups`  | account \0 region \0 target group name                  | [`StoredTargetGroup`] JSON   |
//! | `elbv2.lb_names`       | lb name                                                 | [`Owner`] JSON               |
//! | `elbv2.lb_dns`         | lower-case DNS name                                     | lb name                      |
//!
//! Names are letters, digits and hyphens, so `\0` separates them and a load balancer's
//! listeners (a listener's rules) are one prefix. Ids are the hex tails of the ARNs, so an ARN
//! is its own key. Load balancer names are unique across accounts and regions here (unlike AWS)
//! because a name addresses the load balancer (`<name>-<n>.<region>.elb.localhost`).
//!
//! Records hold the model's shapes as the API answers them: actions and conditions already
//! normalized (a forward's `ForwardConfig` filled in, a legacy condition's `Values` copied into
//! its `*Config`), so readers need not know the legacy forms. A target group's
//! `LoadBalancerArns` is not stored; readers get it from the listeners and rules that forward
//! to the group.

use std::collections::{BTreeMap, BTreeSet};

use nimbus_protocol::AwsError;
use nimbus_store::{json, Flow, KeyRange, Read, Tree, Write};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::arns::{self, Resource};
use crate::generated::elbv2::{
    Action, Listener, LoadBalancer, Rule, TargetDescription, TargetGroup,
};

pub const LOAD_BALANCERS: Tree = Tree("elbv2.load_balancers");
pub const LISTENERS: Tree = Tree("elbv2.listeners");
pub const RULES: Tree = Tree("elbv2.rules");
pub const TARGET_GROUPS: Tree = Tree("elbv2.target_groups");
pub const LB_NAMES: Tree = Tree("elbv2.lb_names");
pub const LB_DNS: Tree = Tree("elbv2.lb_dns");

pub type Result<T> = std::result::Result<T, AwsError>;

/// Whose a resource is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub account: String,
    pub region: String,
}

/// A listener and its rules, as the front door routes by them.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerRecord {
    /// `default_actions` holds the default rule's actions.
    pub listener: Listener,
    /// Every rule but the default one, by ascending priority.
    pub rules: Vec<Rule>,
}

/// A target group with its attributes (every one, defaults included) and registered targets.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetGroupRecord {
    pub group: TargetGroup,
    pub attributes: BTreeMap<String, String>,
    pub targets: Vec<TargetDescription>,
}

/// A load balancer with its listeners (by ascending port).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancerView {
    pub owner: Owner,
    pub load_balancer: LoadBalancer,
    pub listeners: Vec<ListenerRecord>,
}

/// The load balancer named `name`, in whichever account and region it is.
pub fn load_balancer_by_name(r: &dyn Read, name: &str) -> Result<Option<LoadBalancerView>> {
    let Some(owner) = get::<Owner>(r, LB_NAMES, name.as_bytes())? else {
        return Ok(None);
    };
    let Some(lb) = get_load_balancer(r, &owner, name)? else {
        return Ok(None);
    };
    let mut listeners = Vec::new();
    for stored in list_listeners(r, &owner, name)? {
        let id = listener_id(&stored.listener);
        let mut rules: Vec<Rule> = list_rules(r, &owner, name, &id)?
            .into_iter()
            .map(|s| s.rule)
            .collect();
        rules.sort_by_key(priority_of);
        listeners.push(ListenerRecord {
            listener: stored.listener,
            rules,
        });
    }
    listeners.sort_by_key(|l| l.listener.port);
    Ok(Some(LoadBalancerView {
        owner,
        load_balancer: lb.load_balancer,
        listeners,
    }))
}

/// The load balancer whose DNS name is `dns_name` (any case).
pub fn load_balancer_by_dns_name(r: &dyn Read, dns_name: &str) -> Result<Option<LoadBalancerView>> {
    match r.get(LB_DNS, dns_name.to_ascii_lowercase().as_bytes())? {
        Some(name) => load_balancer_by_name(r, &String::from_utf8_lossy(&name)),
        None => Ok(None),
    }
}

/// The target group `arn` names, with its `LoadBalancerArns`.
pub fn target_group(r: &dyn Read, arn: &str) -> Result<Option<TargetGroupRecord>> {
    let Some(parsed) = arns::parse(arn) else {
        return Ok(None);
    };
    let Resource::TargetGroup { name, .. } = &parsed.resource else {
        return Ok(None);
    };
    let Some(stored) = get_target_group(r, &parsed.owner, name)? else {
        return Ok(None);
    };
    if stored.group.target_group_arn.as_deref() != Some(arn) {
        return Ok(None);
    }
    let users = target_group_users(r, &parsed.owner)?;
    Ok(Some(stored.into_record(&users)))
}

/// The numeric priority of a non-default rule (the default rule sorts last).
pub fn priority_of(rule: &Rule) -> u32 {
    rule.priority
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(u32::MAX)
}

// ---- records ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLoadBalancer {
    pub load_balancer: LoadBalancer,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredListener {
    pub listener: Listener,
    /// The default rule has an ARN of its own (DescribeRules lists it, ModifyRule changes its
    /// actions); its actions are the listener's `DefaultActions`.
    pub default_rule_arn: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub default_rule_tags: BTreeMap<String, String>,
}

impl StoredListener {
    /// The default rule as DescribeRules shows it.
    pub fn default_rule(&self) -> Rule {
        Rule {
            rule_arn: Some(self.default_rule_arn.clone()),
            priority: Some("default".into()),
            conditions: Some(Vec::new()),
            actions: self.listener.default_actions.clone(),
            is_default: Some(true),
            ..Rule::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRule {
    pub rule: Rule,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTargetGroup {
    /// `load_balancer_arns` is left out (see the module doc).
    pub group: TargetGroup,
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub targets: Vec<TargetDescription>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl StoredTargetGroup {
    pub fn arn(&self) -> &str {
        self.group.target_group_arn.as_deref().unwrap_or_default()
    }

    /// The group as the API answers it, given who forwards to which group.
    pub fn described(&self, users: &BTreeMap<String, BTreeSet<String>>) -> TargetGroup {
        let mut group = self.group.clone();
        group.load_balancer_arns = Some(
            users
                .get(self.arn())
                .map(|lbs| lbs.iter().cloned().collect())
                .unwrap_or_default(),
        );
        group
    }

    pub fn into_record(self, users: &BTreeMap<String, BTreeSet<String>>) -> TargetGroupRecord {
        TargetGroupRecord {
            group: self.described(users),
            attributes: self.attributes,
            targets: self.targets,
        }
    }
}

/// The target group ARNs a list of actions forwards to.
pub fn forwarded_groups(actions: &[Action]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for a in actions.iter().filter(|a| a.r#type == "forward") {
        out.extend(a.target_group_arn.clone());
        let tuples = a
            .forward_config
            .iter()
            .flat_map(|f| f.target_groups.iter().flatten());
        out.extend(tuples.filter_map(|t| t.target_group_arn.clone()));
    }
    out
}

/// For every target group of `owner` that something forwards to: the ARNs of the load
/// balancers whose listeners or rules do.
pub fn target_group_users(
    r: &dyn Read,
    owner: &Owner,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let scope = KeyRange::prefix(&scope_key(owner));
    for l in scan::<StoredListener>(r, LISTENERS, &scope)? {
        let lb = l.listener.load_balancer_arn.clone().unwrap_or_default();
        for tg in forwarded_groups(l.listener.default_actions.as_deref().unwrap_or_default()) {
            users.entry(tg).or_default().insert(lb.clone());
        }
    }
    for s in scan::<StoredRule>(r, RULES, &scope)? {
        let lb = match s.rule.rule_arn.as_deref().and_then(arns::parse) {
            Some(p) => match p.resource {
                Resource::Rule { lb_name, lb_id, .. } => {
                    arns::load_balancer_arn(&p.owner, &lb_name, &lb_id)
                }
                _ => continue,
            },
            None => continue,
        };
        for tg in forwarded_groups(s.rule.actions.as_deref().unwrap_or_default()) {
            users.entry(tg).or_default().insert(lb.clone());
        }
    }
    Ok(users)
}

/// The id at the end of a listener's ARN.
pub fn listener_id(listener: &Listener) -> String {
    last_segment(listener.listener_arn.as_deref())
}

pub fn rule_id(rule: &Rule) -> String {
    last_segment(rule.rule_arn.as_deref())
}

fn last_segment(arn: Option<&str>) -> String {
    arn.and_then(|a| a.rsplit('/').next())
        .unwrap_or_default()
        .to_string()
}

// ---- keys --------------------------------------------------------------------------------------

fn scope_key(o: &Owner) -> Vec<u8> {
    let mut k = Vec::with_capacity(o.account.len() + o.region.len() + 2);
    for part in [&o.account, &o.region] {
        k.extend_from_slice(part.as_bytes());
        k.push(0);
    }
    k
}

fn key(o: &Owner, parts: &[&str]) -> Vec<u8> {
    let mut k = scope_key(o);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            k.push(0);
        }
        k.extend_from_slice(p.as_bytes());
    }
    k
}

/// Every key below `parts` (`parts` \0 ...).
fn below(o: &Owner, parts: &[&str]) -> KeyRange {
    let mut k = key(o, parts);
    k.push(0);
    KeyRange::prefix(&k)
}

fn get<T: DeserializeOwned>(r: &dyn Read, tree: Tree, key: &[u8]) -> Result<Option<T>> {
    Ok(json::get(r, tree, key)?)
}

fn put<T: Serialize>(w: &mut dyn Write, tree: Tree, key: &[u8], value: &T) -> Result<()> {
    Ok(json::put(w, tree, key, value)?)
}

fn scan<T: DeserializeOwned>(r: &dyn Read, tree: Tree, range: &KeyRange) -> Result<Vec<T>> {
    Ok(json::scan(r, tree, range)?)
}

// ---- load balancers ----------------------------------------------------------------------------

pub fn get_load_balancer(
    r: &dyn Read,
    o: &Owner,
    name: &str,
) -> Result<Option<StoredLoadBalancer>> {
    get(r, LOAD_BALANCERS, &key(o, &[name]))
}

/// Who has the load balancer named `name`, in any account.
pub fn load_balancer_owner(r: &dyn Read, name: &str) -> Result<Option<Owner>> {
    get(r, LB_NAMES, name.as_bytes())
}

pub fn put_load_balancer(w: &mut dyn Write, o: &Owner, lb: &StoredLoadBalancer) -> Result<()> {
    let name = lb
        .load_balancer
        .load_balancer_name
        .clone()
        .unwrap_or_default();
    put(w, LB_NAMES, name.as_bytes(), o)?;
    if let Some(dns) = &lb.load_balancer.dns_name {
        w.put(LB_DNS, dns.to_ascii_lowercase().as_bytes(), name.as_bytes())?;
    }
    put(w, LOAD_BALANCERS, &key(o, &[&name]), lb)
}

pub fn list_load_balancers(r: &dyn Read, o: &Owner) -> Result<Vec<StoredLoadBalancer>> {
    scan(r, LOAD_BALANCERS, &KeyRange::prefix(&scope_key(o)))
}

/// Deletes a load balancer with its listeners and rules.
pub fn delete_load_balancer(w: &mut dyn Write, o: &Owner, lb: &StoredLoadBalancer) -> Result<()> {
    let name = lb
        .load_balancer
        .load_balancer_name
        .clone()
        .unwrap_or_default();
    w.delete_range(RULES, &below(o, &[&name]))?;
    w.delete_range(LISTENERS, &below(o, &[&name]))?;
    if let Some(dns) = &lb.load_balancer.dns_name {
        w.delete(LB_DNS, dns.to_ascii_lowercase().as_bytes())?;
    }
    w.delete(LB_NAMES, name.as_bytes())?;
    w.delete(LOAD_BALANCERS, &key(o, &[&name]))?;
    Ok(())
}

/// Every load balancer's DNS name, lower-case.
pub fn dns_names(r: &dyn Read) -> Result<Vec<String>> {
    let mut out = Vec::new();
    r.scan(LB_DNS, &KeyRange::default(), false, &mut |k, _| {
        out.push(String::from_utf8_lossy(k).into_owned());
        Ok(Flow::Continue)
    })?;
    Ok(out)
}

// ---- listeners and rules -----------------------------------------------------------------------

pub fn get_listener(r: &dyn Read, o: &Owner, lb: &str, id: &str) -> Result<Option<StoredListener>> {
    get(r, LISTENERS, &key(o, &[lb, id]))
}

pub fn put_listener(w: &mut dyn Write, o: &Owner, lb: &str, l: &StoredListener) -> Result<()> {
    put(w, LISTENERS, &key(o, &[lb, &listener_id(&l.listener)]), l)
}

pub fn list_listeners(r: &dyn Read, o: &Owner, lb: &str) -> Result<Vec<StoredListener>> {
    scan(r, LISTENERS, &below(o, &[lb]))
}

/// Deletes a listener with its rules.
pub fn delete_listener(w: &mut dyn Write, o: &Owner, lb: &str, id: &str) -> Result<()> {
    w.delete_range(RULES, &below(o, &[lb, id]))?;
    w.delete(LISTENERS, &key(o, &[lb, id]))?;
    Ok(())
}

pub fn get_rule(
    r: &dyn Read,
    o: &Owner,
    lb: &str,
    listener: &str,
    id: &str,
) -> Result<Option<StoredRule>> {
    get(r, RULES, &key(o, &[lb, listener, id]))
}

pub fn put_rule(
    w: &mut dyn Write,
    o: &Owner,
    lb: &str,
    listener: &str,
    rule: &StoredRule,
) -> Result<()> {
    put(
        w,
        RULES,
        &key(o, &[lb, listener, &rule_id(&rule.rule)]),
        rule,
    )
}

pub fn delete_rule(w: &mut dyn Write, o: &Owner, lb: &str, listener: &str, id: &str) -> Result<()> {
    w.delete(RULES, &key(o, &[lb, listener, id]))?;
    Ok(())
}

/// A listener's rules (the default one aside), in key order.
pub fn list_rules(r: &dyn Read, o: &Owner, lb: &str, listener: &str) -> Result<Vec<StoredRule>> {
    scan(r, RULES, &below(o, &[lb, listener]))
}

// ---- target groups -----------------------------------------------------------------------------

pub fn get_target_group(r: &dyn Read, o: &Owner, name: &str) -> Result<Option<StoredTargetGroup>> {
    get(r, TARGET_GROUPS, &key(o, &[name]))
}

pub fn put_target_group(w: &mut dyn Write, o: &Owner, tg: &StoredTargetGroup) -> Result<()> {
    let name = tg.group.target_group_name.clone().unwrap_or_default();
    let mut stored = tg.clone();
    stored.group.load_balancer_arns = None;
    put(w, TARGET_GROUPS, &key(o, &[&name]), &stored)
}

pub fn delete_target_group(w: &mut dyn Write, o: &Owner, name: &str) -> Result<()> {
    w.delete(TARGET_GROUPS, &key(o, &[name]))?;
    Ok(())
}

pub fn list_target_groups(r: &dyn Read, o: &Owner) -> Result<Vec<StoredTargetGroup>> {
    scan(r, TARGET_GROUPS, &KeyRange::prefix(&scope_key(o)))
}

#[cfg(test)]
mod tests {
    use nimbus_core::RequestContext;
    use nimbus_store::{Location, Store};

    use super::*;
    use crate::generated::elbv2::*;
    use crate::Elbv2;

    fn fixed(status: &str) -> Action {
        Action {
            r#type: "fixed-response".into(),
            fixed_response_config: Some(FixedResponseActionConfig {
                status_code: status.into(),
                ..FixedResponseActionConfig::default()
            }),
            ..Action::default()
        }
    }

    fn path(p: &str) -> RuleCondition {
        RuleCondition {
            field: Some("path-pattern".into()),
            values: Some(vec![p.into()]),
            ..RuleCondition::default()
        }
    }

    #[test]
    fn the_front_door_reads_what_the_api_wrote() {
        let store = Store::open(&Location::Memory).expect("store");
        let elb = Elbv2::new(store.clone());
        let ctx = RequestContext::new("t".into(), Some("eu-west-1"), None);
        let lb = elb
            .create_load_balancer(
                &ctx,
                CreateLoadBalancerInput {
                    name: "Web".into(),
                    subnets: Some(vec!["a".into(), "b".into()]),
                    ..Default::default()
                },
            )
            .expect("load balancer")
            .load_balancers
            .and_then(|l| l.into_iter().next())
            .expect("one");
        let tg = elb
            .create_target_group(
                &ctx,
                CreateTargetGroupInput {
                    name: "fn".into(),
                    target_type: Some("lambda".into()),
                    ..Default::default()
                },
            )
            .expect("target group")
            .target_groups
            .and_then(|t| t.into_iter().next())
            .expect("one");
        let tg_arn = tg.target_group_arn.clone().expect("arn");
        let function = "arn:aws:lambda:eu-west-1:000000000000:function:f".to_string();
        elb.register_targets(
            &ctx,
            RegisterTargetsInput {
                target_group_arn: tg_arn.clone(),
                targets: vec![TargetDescription {
                    id: function.clone(),
                    ..Default::default()
                }],
            },
        )
        .expect("registered");
        let forward = Action {
            r#type: "forward".into(),
            target_group_arn: Some(tg_arn.clone()),
            ..Action::default()
        };
        let listener = elb
            .create_listener(
                &ctx,
                CreateListenerInput {
                    load_balancer_arn: lb.load_balancer_arn.clone().expect("arn"),
                    protocol: Some("HTTP".into()),
                    port: Some(80),
                    default_actions: vec![fixed("404")],
                    ..Default::default()
                },
            )
            .expect("listener")
            .listeners
            .and_then(|l| l.into_iter().next())
            .expect("one");
        for (priority, p, action) in [(20, "/b", fixed("200")), (10, "/a", forward)] {
            elb.create_rule(
                &ctx,
                CreateRuleInput {
                    listener_arn: listener.listener_arn.clone().expect("arn"),
                    priority,
                    conditions: vec![path(p)],
                    actions: vec![action],
                    ..Default::default()
                },
            )
            .expect("rule");
        }

        let dns = lb.dns_name.clone().expect("dns name");
        assert!(
            dns.starts_with("Web-") && dns.ends_with(".eu-west-1.elb.localhost"),
            "{dns}"
        );
        let hosts = elb.hosts();
        assert!(hosts.contains(&dns));
        let view = store
            .read(|r| load_balancer_by_dns_name(r, &dns.to_ascii_uppercase()))
            .expect("read")
            .expect("found by DNS name");
        assert_eq!(
            view.owner,
            Owner {
                account: "000000000000".into(),
                region: "eu-west-1".into()
            }
        );
        assert_eq!(view.load_balancer, lb);
        let [record] = view.listeners.as_slice() else {
            panic!("one listener: {:?}", view.listeners)
        };
        assert_eq!(record.listener, listener);
        let priorities: Vec<_> = record.rules.iter().map(|r| r.priority.clone()).collect();
        assert_eq!(priorities, [Some("10".to_string()), Some("20".to_string())]);
        let config = record.rules[0]
            .conditions
            .as_ref()
            .and_then(|c| c[0].path_pattern_config.clone());
        assert_eq!(config.and_then(|c| c.values), Some(vec!["/a".to_string()]));
        assert_eq!(
            store
                .read(|r| load_balancer_by_name(r, "Web"))
                .expect("read"),
            Some(view)
        );

        let group = store
            .read(|r| target_group(r, &tg_arn))
            .expect("read")
            .expect("target group");
        assert_eq!(
            group.group.load_balancer_arns,
            Some(vec![lb.load_balancer_arn.clone().expect("arn")])
        );
        assert_eq!(
            group
                .attributes
                .get("lambda.multi_value_headers.enabled")
                .map(String::as_str),
            Some("false")
        );
        assert_eq!(
            group
                .targets
                .iter()
                .map(|t| t.id.clone())
                .collect::<Vec<_>>(),
            [function]
        );
        assert_eq!(
            store
                .read(|r| target_group(r, &format!("{tg_arn}0")))
                .expect("read"),
            None
        );

        elb.delete_load_balancer(
            &ctx,
            DeleteLoadBalancerInput {
                load_balancer_arn: lb.load_balancer_arn.clone().expect("arn"),
            },
        )
        .expect("deleted");
        assert!(!hosts.contains(&dns));
        assert_eq!(
            store
                .read(|r| load_balancer_by_dns_name(r, &dns))
                .expect("read"),
            None
        );
    }
}
