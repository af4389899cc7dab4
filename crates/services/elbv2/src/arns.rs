//! The resources an Elastic Load Balancing ARN names, read back from the ARN (built in
//! `nimbus_core::Arn`): the ids in it are the store's keys.

use nimbus_core::Arn;
use nimbus_protocol::{query, AwsError};

use crate::storage::Owner;

/// What an `arn:aws:elasticloadbalancing:...` ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    LoadBalancer {
        name: String,
        id: String,
    },
    Listener {
        lb_name: String,
        lb_id: String,
        id: String,
    },
    Rule {
        lb_name: String,
        lb_id: String,
        listener_id: String,
        id: String,
    },
    TargetGroup {
        name: String,
        id: String,
    },
}

/// A parsed ARN: whose it is and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub owner: Owner,
    pub resource: Resource,
}

/// Reads an Elastic Load Balancing ARN; None for anything else (another service's ARN, an
/// Application Load Balancer ARN's `net/` or `gwy/` cousins, a malformed resource).
pub fn parse(text: &str) -> Option<Parsed> {
    let arn = Arn::parse(text)?;
    if arn.service != "elasticloadbalancing" || arn.region.is_empty() || arn.account.is_empty() {
        return None;
    }
    let parts: Vec<&str> = arn.resource.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let s = |i: usize| parts[i].to_string();
    let resource = match (parts.first().copied(), parts.get(1).copied(), parts.len()) {
        (Some("loadbalancer"), Some("app"), 4) => Resource::LoadBalancer {
            name: s(2),
            id: s(3),
        },
        (Some("listener"), Some("app"), 5) => Resource::Listener {
            lb_name: s(2),
            lb_id: s(3),
            id: s(4),
        },
        (Some("listener-rule"), Some("app"), 6) => Resource::Rule {
            lb_name: s(2),
            lb_id: s(3),
            listener_id: s(4),
            id: s(5),
        },
        (Some("targetgroup"), _, 3) => Resource::TargetGroup {
            name: s(1),
            id: s(2),
        },
        _ => return None,
    };
    Some(Parsed {
        owner: Owner {
            account: arn.account,
            region: arn.region,
        },
        resource,
    })
}

/// AWS's answer to a value that is not an ARN at all (or another service's).
pub fn not_an_arn(text: &str) -> AwsError {
    query::validation(format!("'{text}' must be in ARN format"))
}

/// The ARN of the load balancer a listener or rule belongs to.
pub fn load_balancer_arn(owner: &Owner, lb_name: &str, lb_id: &str) -> String {
    Arn::elbv2_load_balancer(&owner.region, &owner.account, lb_name, lb_id).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind() {
        let p = parse("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/web/0123/4567/89ab")
            .expect("rule arn");
        assert_eq!(p.owner.region, "us-east-1");
        assert_eq!(
            p.resource,
            Resource::Rule {
                lb_name: "web".into(),
                lb_id: "0123".into(),
                listener_id: "4567".into(),
                id: "89ab".into()
            }
        );
        assert!(matches!(
            parse("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/ab").map(|p| p.resource),
            Some(Resource::TargetGroup { .. })
        ));
        assert_eq!(parse("arn:aws:iam::123456789012:user/test"), None);
        assert_eq!(
            parse("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/x/y"),
            None
        );
        assert_eq!(parse("nope"), None);
    }
}
