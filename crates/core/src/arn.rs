//! ARNs. Every ARN nimbus hands out is built here, so partition and formatting live in one place.

use std::fmt;

/// An Amazon Resource Name: `arn:aws:<service>:<region>:<account>:<resource>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arn {
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

pub const PARTITION: &str = "aws";

impl Arn {
    pub fn new(service: &str, region: &str, account: &str, resource: impl Into<String>) -> Self {
        Arn {
            service: service.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.into(),
        }
    }

    /// `arn:aws:dynamodb:<region>:<account>:table/<name>`
    pub fn dynamodb_table(region: &str, account: &str, table: &str) -> Self {
        Arn::new("dynamodb", region, account, format!("table/{table}"))
    }

    /// `arn:aws:dynamodb:<region>:<account>:table/<name>/index/<index>`
    pub fn dynamodb_index(region: &str, account: &str, table: &str, index: &str) -> Self {
        Arn::new(
            "dynamodb",
            region,
            account,
            format!("table/{table}/index/{index}"),
        )
    }

    /// `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`
    pub fn dynamodb_stream(region: &str, account: &str, table: &str, label: &str) -> Self {
        Arn::new(
            "dynamodb",
            region,
            account,
            format!("table/{table}/stream/{label}"),
        )
    }

    /// `arn:aws:logs:<region>:<account>:log-group:<name>` (the `logGroupArn` form; the `arn`
    /// member of a described group adds `:*`).
    pub fn log_group(region: &str, account: &str, group: &str) -> Self {
        Arn::new("logs", region, account, format!("log-group:{group}"))
    }

    /// `arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>`
    pub fn log_stream(region: &str, account: &str, group: &str, stream: &str) -> Self {
        Arn::new(
            "logs",
            region,
            account,
            format!("log-group:{group}:log-stream:{stream}"),
        )
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`
    pub fn lambda_function(
        region: &str,
        account: &str,
        name: &str,
        qualifier: Option<&str>,
    ) -> Self {
        let resource = match qualifier {
            Some(q) => format!("function:{name}:{q}"),
            None => format!("function:{name}"),
        };
        Arn::new("lambda", region, account, resource)
    }

    /// `arn:aws:lambda:<region>:<account>:layer:<name>[:<version>]`
    pub fn lambda_layer(region: &str, account: &str, name: &str, version: Option<i64>) -> Self {
        let resource = match version {
            Some(v) => format!("layer:{name}:{v}"),
            None => format!("layer:{name}"),
        };
        Arn::new("lambda", region, account, resource)
    }

    /// `arn:aws:iam::<account>:root`: an account as a principal.
    pub fn iam_root(account: &str) -> Self {
        Arn::new("iam", "", account, "root")
    }

    /// `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD><path>`: what an API
    /// Gateway authorizer's policy names.
    pub fn execute_api(
        region: &str,
        account: &str,
        api_id: &str,
        stage: &str,
        method: &str,
        path: &str,
    ) -> Self {
        Arn::new(
            "execute-api",
            region,
            account,
            format!("{api_id}/{stage}/{method}{path}"),
        )
    }

    /// `arn:aws:apigateway:<region>::/domainnames/<name>`
    pub fn apigateway_domain_name(region: &str, name: &str) -> Self {
        Arn::new("apigateway", region, "", format!("/domainnames/{name}"))
    }

    /// `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`
    pub fn elbv2_load_balancer(region: &str, account: &str, name: &str, id: &str) -> Self {
        Arn::new(
            "elasticloadbalancing",
            region,
            account,
            format!("loadbalancer/app/{name}/{id}"),
        )
    }

    /// `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`
    pub fn elbv2_target_group(region: &str, account: &str, name: &str, id: &str) -> Self {
        Arn::new(
            "elasticloadbalancing",
            region,
            account,
            format!("targetgroup/{name}/{id}"),
        )
    }

    /// `arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb-name>/<lb-id>/<id>`
    pub fn elbv2_listener(
        region: &str,
        account: &str,
        lb_name: &str,
        lb_id: &str,
        id: &str,
    ) -> Self {
        Arn::new(
            "elasticloadbalancing",
            region,
            account,
            format!("listener/app/{lb_name}/{lb_id}/{id}"),
        )
    }

    /// `arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb-name>/<lb-id>/<listener-id>/<id>`
    pub fn elbv2_listener_rule(
        region: &str,
        account: &str,
        lb_name: &str,
        lb_id: &str,
        listener_id: &str,
        id: &str,
    ) -> Self {
        Arn::new(
            "elasticloadbalancing",
            region,
            account,
            format!("listener-rule/app/{lb_name}/{lb_id}/{listener_id}/{id}"),
        )
    }

    /// Parses `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn parse(s: &str) -> Option<Arn> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let _partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        if service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Arn::new(service, region, account, resource))
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{PARTITION}:{}:{}:{}:{}",
            self.service, self.region, self.account, self.resource
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let arn = Arn::dynamodb_table("eu-west-1", "123456789012", "Music");
        let s = arn.to_string();
        assert_eq!(s, "arn:aws:dynamodb:eu-west-1:123456789012:table/Music");
        assert_eq!(Arn::parse(&s), Some(arn));
        assert_eq!(Arn::parse("nope"), None);
    }

    #[test]
    fn load_balancer_arns() {
        assert_eq!(
            Arn::elbv2_listener_rule("us-east-1", "1", "web", "ab", "cd", "ef").to_string(),
            "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/web/ab/cd/ef"
        );
        assert_eq!(
            Arn::elbv2_target_group("us-east-1", "1", "tg", "ab").to_string(),
            "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg/ab"
        );
    }
}
