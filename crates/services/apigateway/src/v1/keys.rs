//! API keys, usage plans and the keys in them.

use nimbus_core::RequestContext;

use super::{bad_request, conflict, new_id, not_found, now, patch, Result};
use crate::generated::apigateway::*;
use crate::rest_storage::{self, UsagePlanRecord};
use crate::storage;
use crate::ApiGateway;

fn missing_key() -> nimbus_protocol::AwsError {
    not_found("Invalid API Key identifier specified")
}

fn missing_plan() -> nimbus_protocol::AwsError {
    not_found("Invalid Usage Plan ID specified")
}

/// A key value as AWS generates them: 40 letters and digits.
fn new_key_value() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..40)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

fn hide_value(mut k: ApiKey, include: bool) -> ApiKey {
    if !include {
        k.value = None;
    }
    k
}

pub async fn create_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateApiKeyRequest,
) -> Result<ApiKey> {
    // An empty value is no value: AWS generates one.
    let value = input
        .value
        .filter(|v| !v.is_empty())
        .unwrap_or_else(new_key_value);
    if value.len() < 20 {
        return Err(bad_request(
            "API Key value should be at least 20 characters",
        ));
    }
    if value.len() > 128 {
        return Err(bad_request(
            "API Key value exceeds maximum size of 128 characters",
        ));
    }
    let t = now();
    let key = ApiKey {
        id: Some(new_id()),
        name: input.name,
        description: input.description,
        customer_id: input.customer_id,
        enabled: Some(input.enabled.unwrap_or(false)),
        value: Some(value),
        created_date: Some(t),
        last_updated_date: Some(t),
        stage_keys: Some(
            input
                .stage_keys
                .unwrap_or_default()
                .into_iter()
                .map(|s| {
                    format!(
                        "{}/{}",
                        s.rest_api_id.unwrap_or_default(),
                        s.stage_name.unwrap_or_default()
                    )
                })
                .collect(),
        ),
        tags: input.tags,
    };
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        let taken = rest_storage::list_api_keys(w.as_read(), &owner)?
            .iter()
            .any(|k| k.value == key.value);
        if taken {
            return Err(conflict("API Key already exists"));
        }
        rest_storage::put_api_key(w, &owner, &key)
    })?;
    Ok(key)
}

pub async fn get_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetApiKeyRequest,
) -> Result<ApiKey> {
    let owner = storage::owner(ctx);
    let key = gw
        .store
        .read(|r| rest_storage::get_api_key(r, &owner, &input.api_key))?
        .ok_or_else(missing_key)?;
    Ok(hide_value(key, input.include_value.unwrap_or(false)))
}

pub async fn list_keys(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetApiKeysRequest,
) -> Result<ApiKeys> {
    let owner = storage::owner(ctx);
    let keys = gw.store.read(|r| rest_storage::list_api_keys(r, &owner))?;
    let include = input.include_values.unwrap_or(false);
    let items = keys
        .into_iter()
        .filter(|k| {
            input
                .name_query
                .as_deref()
                .is_none_or(|q| k.name.as_deref().unwrap_or_default().starts_with(q))
        })
        .filter(|k| input.customer_id.is_none() || k.customer_id == input.customer_id)
        .map(|k| hide_value(k, include))
        .collect();
    Ok(ApiKeys {
        items: Some(items),
        position: None,
        warnings: None,
    })
}

pub async fn update_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateApiKeyRequest,
) -> Result<ApiKey> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        let key = rest_storage::get_api_key(w.as_read(), &owner, &input.api_key)?
            .ok_or_else(missing_key)?;
        let mut updated = patch::apply(&key, &input.patch_operations.unwrap_or_default())?;
        updated.id = key.id;
        updated.value = key.value;
        updated.created_date = key.created_date;
        updated.last_updated_date = Some(now());
        rest_storage::put_api_key(w, &owner, &updated)?;
        Ok(hide_value(updated, false))
    })
}

pub async fn delete_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteApiKeyRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        if !rest_storage::delete_api_key(w, &owner, &input.api_key)? {
            return Err(missing_key());
        }
        for mut plan in rest_storage::list_usage_plans(w.as_read(), &owner)? {
            if plan.keys.contains(&input.api_key) {
                plan.keys.retain(|k| k != &input.api_key);
                rest_storage::put_usage_plan(w, &owner, &plan)?;
            }
        }
        Ok(())
    })
}

/// A quota reports its offset, 0 unless given.
fn with_offset(mut q: QuotaSettings) -> QuotaSettings {
    q.offset.get_or_insert(0);
    q
}

/// Each `apiStages` entry must name a stage that exists.
fn check_stages(
    r: &dyn nimbus_store::Read,
    owner: &storage::ApiOwner,
    stages: &[ApiStage],
) -> Result<()> {
    for s in stages {
        let api = s.api_id.as_deref().unwrap_or_default();
        let stage = s.stage.as_deref().unwrap_or_default();
        if rest_storage::get_stage(r, owner, api, stage)?.is_none() {
            return Err(bad_request(format!(
                "Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan"
            )));
        }
    }
    Ok(())
}

pub async fn create_plan(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateUsagePlanRequest,
) -> Result<UsagePlan> {
    let plan = UsagePlan {
        id: Some(new_id()),
        name: Some(input.name),
        description: input.description,
        api_stages: Some(input.api_stages.unwrap_or_default()),
        throttle: input.throttle,
        quota: input.quota.map(with_offset),
        tags: input.tags,
        product_code: None,
    };
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        check_stages(
            w.as_read(),
            &owner,
            plan.api_stages.as_deref().unwrap_or_default(),
        )?;
        rest_storage::put_usage_plan(
            w,
            &owner,
            &UsagePlanRecord {
                plan: plan.clone(),
                keys: Vec::new(),
            },
        )
    })?;
    Ok(plan)
}

pub async fn get_plan(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetUsagePlanRequest,
) -> Result<UsagePlan> {
    let owner = storage::owner(ctx);
    let p = gw
        .store
        .read(|r| rest_storage::get_usage_plan(r, &owner, &input.usage_plan_id))?
        .ok_or_else(missing_plan)?;
    Ok(p.plan)
}

pub async fn list_plans(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetUsagePlansRequest,
) -> Result<UsagePlans> {
    let owner = storage::owner(ctx);
    let plans = gw
        .store
        .read(|r| rest_storage::list_usage_plans(r, &owner))?;
    let items = plans
        .into_iter()
        .filter(|p| input.key_id.as_ref().is_none_or(|k| p.keys.contains(k)))
        .map(|p| p.plan)
        .collect();
    Ok(UsagePlans {
        items: Some(items),
        position: None,
    })
}

pub async fn update_plan(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateUsagePlanRequest,
) -> Result<UsagePlan> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        let mut record = rest_storage::get_usage_plan(w.as_read(), &owner, &input.usage_plan_id)?
            .ok_or_else(missing_plan)?;
        let mut plain = Vec::new();
        for op in input.patch_operations.unwrap_or_default() {
            // `add /apiStages` with `api-id:stage` as the value.
            if op.path.as_deref() != Some("/apiStages") {
                plain.push(op);
                continue;
            }
            let value = op.value.clone().unwrap_or_default();
            let (api, stage) = value
                .split_once(':')
                .filter(|(a, s)| !a.is_empty() && !s.is_empty())
                .ok_or_else(|| bad_request("Invalid API Stage specified"))?;
            let plan_id = record.plan.id.clone().unwrap_or_default();
            // An update names the plan in its NotFoundException (a create does not).
            let unknown = || {
                not_found(format!(
                    "Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan {plan_id}"
                ))
            };
            let stages = record.plan.api_stages.get_or_insert_with(Vec::new);
            let listed = |s: &ApiStage| {
                s.api_id.as_deref() == Some(api) && s.stage.as_deref() == Some(stage)
            };
            match op.op.as_deref() {
                Some("add") => {
                    if rest_storage::get_stage(w.as_read(), &owner, api, stage)?.is_none() {
                        return Err(unknown());
                    }
                    if !stages.iter().any(listed) {
                        stages.push(ApiStage {
                            api_id: Some(api.into()),
                            stage: Some(stage.into()),
                            throttle: None,
                        });
                    }
                }
                Some("remove") => {
                    if !stages.iter().any(listed) {
                        return Err(unknown());
                    }
                    stages.retain(|s| !listed(s));
                }
                _ => return Err(bad_request("apiStages can only be added or removed")),
            }
        }
        let mut updated = patch::apply(&record.plan, &plain)?;
        updated.id = record.plan.id.clone();
        updated.quota = updated.quota.map(with_offset);
        record.plan = updated;
        rest_storage::put_usage_plan(w, &owner, &record)?;
        Ok(record.plan)
    })
}

pub async fn delete_plan(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteUsagePlanRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        if rest_storage::delete_usage_plan(w, &owner, &input.usage_plan_id)? {
            Ok(())
        } else {
            Err(missing_plan())
        }
    })
}

fn plan_key(k: &ApiKey) -> UsagePlanKey {
    UsagePlanKey {
        id: k.id.clone(),
        name: k.name.clone(),
        r#type: Some("API_KEY".into()),
        value: k.value.clone(),
    }
}

pub async fn create_plan_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateUsagePlanKeyRequest,
) -> Result<UsagePlanKey> {
    if input.key_type != "API_KEY" {
        return Err(bad_request(format!(
            "Invalid key type specified: {}",
            input.key_type
        )));
    }
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        let mut plan = rest_storage::get_usage_plan(w.as_read(), &owner, &input.usage_plan_id)?
            .ok_or_else(missing_plan)?;
        let key = rest_storage::get_api_key(w.as_read(), &owner, &input.key_id)?
            .ok_or_else(missing_key)?;
        if plan.keys.contains(&input.key_id) {
            return Err(conflict("Usage Plan already contains this API Key"));
        }
        plan.keys.push(input.key_id.clone());
        rest_storage::put_usage_plan(w, &owner, &plan)?;
        Ok(plan_key(&key))
    })
}

pub async fn get_plan_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetUsagePlanKeyRequest,
) -> Result<UsagePlanKey> {
    let owner = storage::owner(ctx);
    gw.store.read(|r| {
        let plan = rest_storage::get_usage_plan(r, &owner, &input.usage_plan_id)?
            .ok_or_else(missing_plan)?;
        if !plan.keys.contains(&input.key_id) {
            return Err(not_found("Invalid Usage Plan Key identifier specified"));
        }
        let key = rest_storage::get_api_key(r, &owner, &input.key_id)?.ok_or_else(missing_key)?;
        Ok(plan_key(&key))
    })
}

pub async fn list_plan_keys(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetUsagePlanKeysRequest,
) -> Result<UsagePlanKeys> {
    let owner = storage::owner(ctx);
    gw.store.read(|r| {
        // AWS lists no keys for a plan that does not exist, rather than refusing.
        let keys = rest_storage::get_usage_plan(r, &owner, &input.usage_plan_id)?
            .map(|p| p.keys)
            .unwrap_or_default();
        let mut items = Vec::new();
        for id in &keys {
            if let Some(k) = rest_storage::get_api_key(r, &owner, id)? {
                let named = input
                    .name_query
                    .as_deref()
                    .is_none_or(|q| k.name.as_deref().unwrap_or_default().starts_with(q));
                if named {
                    items.push(plan_key(&k));
                }
            }
        }
        Ok(UsagePlanKeys {
            items: Some(items),
            position: None,
        })
    })
}

pub async fn delete_plan_key(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteUsagePlanKeyRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        let mut plan = rest_storage::get_usage_plan(w.as_read(), &owner, &input.usage_plan_id)?
            .ok_or_else(missing_plan)?;
        if !plan.keys.contains(&input.key_id) {
            return Err(not_found("Invalid Usage Plan Key identifier specified"));
        }
        plan.keys.retain(|k| k != &input.key_id);
        rest_storage::put_usage_plan(w, &owner, &plan)
    })
}
