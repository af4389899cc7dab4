//! AddPermission, RemovePermission, GetPolicy: the function's resource policy, kept and
//! answered as Lambda builds it (nimbus does not enforce it yet).

use nimbus_core::{ids, RequestContext};
use serde_json::{json, Map, Value};

use super::{require_function, resolve_version, Lambda};
use crate::errors::{conflict, not_found, precondition_failed, Result};
use crate::generated::lambda::*;
use crate::names;
use crate::storage;

fn principal(p: &str) -> Value {
    if p == "*" {
        json!("*")
    } else if p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn") {
        json!({ "Service": p })
    } else if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": nimbus_core::Arn::iam_root(p).to_string() })
    } else {
        json!({ "AWS": p })
    }
}

pub async fn add(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: AddPermissionRequest,
) -> Result<AddPermissionResponse> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let resource = f.arn(ctx).to_string();
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        resolve_version(w.as_read(), ctx, &scope, &f, &record)?;
        if let Some(rev) = &input.revision_id {
            if Some(rev) != record.policy_revision.as_ref() {
                return Err(precondition_failed());
            }
        }
        if record.policy.iter().any(|s| s["Sid"] == input.statement_id.as_str()) {
            return Err(conflict(format!(
                "The statement id ({}) provided already exists. Please provide a new statement id, or remove the existing statement.",
                input.statement_id
            )));
        }
        let mut condition = Map::new();
        if let Some(arn) = &input.source_arn {
            condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
        }
        if let Some(acct) = &input.source_account {
            condition.insert("StringEquals".into(), json!({ "AWS:SourceAccount": acct }));
        }
        if let Some(org) = &input.principal_org_id {
            condition.insert("StringEquals".into(), json!({ "aws:PrincipalOrgID": org }));
        }
        if let Some(auth) = &input.function_url_auth_type {
            condition.insert("StringEquals".into(), json!({ "lambda:FunctionUrlAuthType": auth }));
        }
        let mut statement = json!({
            "Sid": input.statement_id,
            "Effect": "Allow",
            "Principal": principal(&input.principal),
            "Action": input.action,
            "Resource": resource,
        });
        if !condition.is_empty() {
            statement["Condition"] = Value::Object(condition);
        }
        record.policy.push(statement.clone());
        record.policy_revision = Some(ids::uuid_v4());
        storage::put_function(w, &scope, &f.name, &record)?;
        Ok(AddPermissionResponse {
            statement: Some(statement.to_string()),
        })
    })
}

pub async fn remove(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: RemovePermissionRequest,
) -> Result<()> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let resource = f.arn(ctx).to_string();
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        if let Some(rev) = &input.revision_id {
            if Some(rev) != record.policy_revision.as_ref() {
                return Err(precondition_failed());
            }
        }
        let before = record.policy.len();
        record.policy.retain(|s| {
            !(s["Sid"] == input.statement_id.as_str() && s["Resource"] == resource.as_str())
        });
        if record.policy.len() == before {
            return Err(not_found(format!(
                "Statement {} is not found in resource policy.",
                input.statement_id
            )));
        }
        record.policy_revision = Some(ids::uuid_v4());
        storage::put_function(w, &scope, &f.name, &record)
    })
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetPolicyRequest,
) -> Result<GetPolicyResponse> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let resource = f.arn(ctx).to_string();
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    let statements: Vec<&Value> = record
        .policy
        .iter()
        .filter(|s| s["Resource"] == resource.as_str())
        .collect();
    if statements.is_empty() {
        return Err(not_found("The resource you requested does not exist."));
    }
    let policy = json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements });
    Ok(GetPolicyResponse {
        policy: Some(policy.to_string()),
        revision_id: record.policy_revision.clone(),
    })
}
