//! Function names as the API accepts them: `my-function`, `my-function:v1`,
//! `123456789012:function:my-function` and `arn:aws:lambda:<region>:<account>:function:my-function[:v1]`.

use nimbus_core::{Arn, RequestContext};

use crate::errors::{invalid_parameter, validation, Result};

/// A function (and possibly a qualifier) named by an API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
}

const NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn is_qualifier(s: &str) -> bool {
    s == "$LATEST"
        || (!s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Parses `raw`, checking that an ARN names this request's account and region, and reconciles
/// a qualifier in the name with the `Qualifier` parameter.
pub fn parse(ctx: &RequestContext, raw: &str, qualifier: Option<&str>) -> Result<FunctionRef> {
    let bad = || {
        validation(
            "functionName",
            raw,
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        )
    };
    let parts: Vec<&str> = raw.split(':').collect();
    let (account, region, name, in_name) = match parts.as_slice() {
        [name] => (None, None, *name, None),
        [name, q] => (None, None, *name, Some(*q)),
        [acct, "function", name] => (Some(*acct), None, *name, None),
        [acct, "function", name, q] => (Some(*acct), None, *name, Some(*q)),
        ["arn", _, "lambda", region, acct, "function", name] => {
            (Some(*acct), Some(*region), *name, None)
        }
        ["arn", _, "lambda", region, acct, "function", name, q] => {
            (Some(*acct), Some(*region), *name, Some(*q))
        }
        _ => return Err(bad()),
    };
    if !is_name(name) || in_name.is_some_and(|q| !is_qualifier(q)) {
        return Err(bad());
    }
    if let Some(acct) = account {
        if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if acct != ctx.account {
            return Err(crate::errors::function_not_found(&Arn::lambda_function(
                region.unwrap_or(&ctx.region),
                acct,
                name,
                in_name,
            )));
        }
    }
    if let Some(r) = region {
        if r != ctx.region {
            return Err(invalid_parameter(format!(
                "Functions from '{r}' are not reachable in this region ('{}')",
                ctx.region
            )));
        }
    }
    let qualifier = match (in_name, qualifier) {
        (Some(a), Some(b)) if a != b => return Err(invalid_parameter(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (Some(a), _) => Some(a.to_string()),
        (None, b) => b.map(str::to_string),
    };
    Ok(FunctionRef {
        name: name.to_string(),
        qualifier,
    })
}

impl FunctionRef {
    pub fn arn(&self, ctx: &RequestContext) -> Arn {
        Arn::lambda_function(
            &ctx.region,
            &ctx.account,
            &self.name,
            self.qualifier.as_deref(),
        )
    }

    pub fn unqualified_arn(&self, ctx: &RequestContext) -> Arn {
        Arn::lambda_function(&ctx.region, &ctx.account, &self.name, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext::internal("123456789012", "us-east-1")
    }

    #[test]
    fn every_accepted_form() {
        let r = |s, q| parse(&ctx(), s, q);
        let plain = FunctionRef {
            name: "f".into(),
            qualifier: None,
        };
        assert_eq!(r("f", None).expect("name"), plain);
        assert_eq!(r("123456789012:function:f", None).expect("partial"), plain);
        assert_eq!(
            r("arn:aws:lambda:us-east-1:123456789012:function:f", None).expect("arn"),
            plain
        );
        assert_eq!(
            r("f:live", None).expect("q").qualifier.as_deref(),
            Some("live")
        );
        assert_eq!(
            r("f", Some("$LATEST")).expect("q").qualifier.as_deref(),
            Some("$LATEST")
        );
        assert_eq!(
            r("f:1", Some("2")).expect_err("mismatch").code,
            "InvalidParameterValueException"
        );
        assert_eq!(
            r("bad name", None).expect_err("pattern").code,
            "ValidationException"
        );
        assert_eq!(
            r("arn:aws:lambda:us-east-1:999999999999:function:f", None)
                .expect_err("other account")
                .code,
            "ResourceNotFoundException"
        );
    }
}
