//! Elastic Load Balancing v2 as the server sees it: the generated trait implemented by the
//! operations, and the set of load balancer host names the front door claims.

use nimbus_core::RequestContext;
use nimbus_protocol::query::{Params, QueryService};
use nimbus_protocol::{AwsError, Protocol, ServiceSpec};
use nimbus_store::Store;

use crate::generated::elbv2::{self as gen, *};
use crate::ops::{listeners, load_balancers, rules, tags, target_groups, targets};
use crate::storage;

/// Every load balancer's DNS name.
pub type LoadBalancerHosts = nimbus_frontdoor::Names;

/// The `elbv2` API (awsQuery, signing name `elasticloadbalancing`).
pub struct Elbv2 {
    pub store: Store,
    hosts: LoadBalancerHosts,
    spec: ServiceSpec,
}

impl Elbv2 {
    pub fn new(store: Store) -> Elbv2 {
        let reader = store.clone();
        let hosts = LoadBalancerHosts::new(move || match reader.read(storage::dns_names) {
            Ok(names) => Some(names.into_iter().collect()),
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot read the load balancers' DNS names");
                None
            }
        });
        Elbv2 {
            store,
            hosts,
            spec: ServiceSpec {
                name: "elbv2",
                protocol: Protocol::AwsQuery,
                signing_name: "elasticloadbalancing",
                target_prefix: None,
            },
        }
    }

    /// The load balancers' host names, shared with the front door.
    pub fn hosts(&self) -> LoadBalancerHosts {
        self.hosts.clone()
    }

    pub(crate) fn hosts_changed(&self) {
        self.hosts.changed();
    }
}

impl QueryService for Elbv2 {
    fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    fn xml_namespace(&self) -> &'static str {
        gen::XML_NAMESPACE
    }

    fn handle(
        &self,
        ctx: &RequestContext,
        action: &str,
        params: &Params,
    ) -> Result<Vec<u8>, AwsError> {
        gen::dispatch(self, ctx, action, params)
    }
}

macro_rules! delegate {
    ($($method:ident($input:ty) -> $output:ty => $func:path;)*) => {
        $(
            fn $method(&self, ctx: &RequestContext, input: $input) -> Result<$output, AwsError> {
                $func(self, ctx, input)
            }
        )*
    };
}

impl Elbv2Api for Elbv2 {
    delegate! {
        create_load_balancer(CreateLoadBalancerInput) -> CreateLoadBalancerOutput => load_balancers::create;
        describe_load_balancers(DescribeLoadBalancersInput) -> DescribeLoadBalancersOutput => load_balancers::describe;
        delete_load_balancer(DeleteLoadBalancerInput) -> DeleteLoadBalancerOutput => load_balancers::delete;
        create_target_group(CreateTargetGroupInput) -> CreateTargetGroupOutput => target_groups::create;
        describe_target_groups(DescribeTargetGroupsInput) -> DescribeTargetGroupsOutput => target_groups::describe;
        modify_target_group(ModifyTargetGroupInput) -> ModifyTargetGroupOutput => target_groups::modify;
        delete_target_group(DeleteTargetGroupInput) -> DeleteTargetGroupOutput => target_groups::delete;
        describe_target_group_attributes(DescribeTargetGroupAttributesInput) -> DescribeTargetGroupAttributesOutput => target_groups::describe_attributes;
        modify_target_group_attributes(ModifyTargetGroupAttributesInput) -> ModifyTargetGroupAttributesOutput => target_groups::modify_attributes;
        register_targets(RegisterTargetsInput) -> RegisterTargetsOutput => targets::register;
        deregister_targets(DeregisterTargetsInput) -> DeregisterTargetsOutput => targets::deregister;
        describe_target_health(DescribeTargetHealthInput) -> DescribeTargetHealthOutput => targets::describe_health;
        create_listener(CreateListenerInput) -> CreateListenerOutput => listeners::create;
        describe_listeners(DescribeListenersInput) -> DescribeListenersOutput => listeners::describe;
        modify_listener(ModifyListenerInput) -> ModifyListenerOutput => listeners::modify;
        delete_listener(DeleteListenerInput) -> DeleteListenerOutput => listeners::delete;
        create_rule(CreateRuleInput) -> CreateRuleOutput => rules::create;
        describe_rules(DescribeRulesInput) -> DescribeRulesOutput => rules::describe;
        modify_rule(ModifyRuleInput) -> ModifyRuleOutput => rules::modify;
        delete_rule(DeleteRuleInput) -> DeleteRuleOutput => rules::delete;
        set_rule_priorities(SetRulePrioritiesInput) -> SetRulePrioritiesOutput => rules::set_priorities;
        add_tags(AddTagsInput) -> AddTagsOutput => tags::add;
        remove_tags(RemoveTagsInput) -> RemoveTagsOutput => tags::remove;
        describe_tags(DescribeTagsInput) -> DescribeTagsOutput => tags::describe;
    }
}

#[cfg(test)]
mod tests {
    use nimbus_protocol::query::Params;
    use nimbus_store::{Location, Store};

    use super::*;

    fn call(elb: &Elbv2, form: &str) -> Result<String, AwsError> {
        let ctx = RequestContext::new("req-1".into(), Some("us-east-1"), None);
        let body = elb.handle(&ctx, "CreateTargetGroup", &Params::parse(form))?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    #[test]
    fn forms_in_xml_out() {
        let elb = Elbv2::new(Store::open(&Location::Memory).expect("store"));
        let xml = call(
            &elb,
            "Action=CreateTargetGroup&Version=2015-12-01&Name=fn&TargetType=lambda&\
             Tags.member.1.Key=team&Tags.member.1.Value=a%26b",
        )
        .expect("created");
        let ns = gen::XML_NAMESPACE;
        let head = format!(
            "<CreateTargetGroupResponse xmlns=\"{ns}\"><CreateTargetGroupResult><TargetGroups><member>"
        );
        assert!(xml.starts_with(&head), "{xml}");
        assert!(
            xml.contains("<TargetGroupName>fn</TargetGroupName>"),
            "{xml}"
        );
        assert!(
            xml.contains("<HealthCheckEnabled>false</HealthCheckEnabled>"),
            "{xml}"
        );
        assert!(
            xml.contains("<Matcher><HttpCode>200</HttpCode></Matcher>"),
            "{xml}"
        );
        assert!(
            xml.contains("<LoadBalancerArns></LoadBalancerArns>"),
            "{xml}"
        );
        assert!(
            xml.ends_with(
                "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateTargetGroupResponse>"
            ),
            "{xml}"
        );
        let e = call(&elb, "Name=x&Port=seventy").expect_err("not a number");
        assert_eq!((e.code.as_str(), e.status), ("ValidationError", 400));
        let e =
            call(&elb, "HealthCheckIntervalSeconds=1&Tags.member.1.Value=v").expect_err("invalid");
        assert_eq!(
            e.message,
            "3 validation errors detected: \
             Value null at 'name' failed to satisfy constraint: Member must not be null; \
             Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null; \
             Value '1' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5"
        );
        let ctx = RequestContext::new("r".into(), None, None);
        let e = elb
            .handle(&ctx, "Nope", &Params::default())
            .expect_err("unknown");
        assert_eq!(e.code, "InvalidAction");
    }
}
