//! CreateDomainName, GetDomainName, GetDomainNames, DeleteDomainName, and their API mappings
//! (CreateApiMapping, GetApiMapping, GetApiMappings, DeleteApiMapping). A custom domain name is
//! served on the Host header (see `http_api.rs`).

use nimbus_core::RequestContext;

use super::{bad_request, conflict, new_id, not_found, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage::{self, ApiOwner, DomainRecord};

fn missing_domain() -> nimbus_protocol::AwsError {
    not_found("The domain name resource specified in the request was not found.")
}

/// The domain name, if it is the caller's.
fn require_domain(r: &dyn nimbus_store::Read, o: &ApiOwner, name: &str) -> Result<DomainRecord> {
    storage::get_domain(r, name)?
        .filter(|d| d.owner.account == o.account && d.owner.region == o.region)
        .ok_or_else(missing_domain)
}

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateDomainNameRequest,
) -> Result<CreateDomainNameResponse> {
    let owner = storage::owner(ctx);
    let configurations = input
        .domain_name_configurations
        .unwrap_or_else(|| vec![DomainNameConfiguration::default()])
        .into_iter()
        .map(|mut c| {
            c.api_gateway_domain_name = Some(format!(
                "d-{}.execute-api.{}.amazonaws.com",
                new_id(10),
                ctx.region
            ));
            c.domain_name_status = Some("AVAILABLE".into());
            c.endpoint_type = Some(c.endpoint_type.unwrap_or_else(|| "REGIONAL".into()));
            c.security_policy = Some(c.security_policy.unwrap_or_else(|| "TLS_1_2".into()));
            c.ip_address_type = Some(c.ip_address_type.unwrap_or_else(|| "ipv4".into()));
            c
        })
        .collect();
    let domain = DomainName {
        api_mapping_selection_expression: Some("$request.basepath".into()),
        domain_name_arn: Some(
            nimbus_core::Arn::apigateway_domain_name(&ctx.region, &input.domain_name).to_string(),
        ),
        domain_name: input.domain_name,
        domain_name_configurations: Some(configurations),
        routing_mode: Some(
            input
                .routing_mode
                .unwrap_or_else(|| "API_MAPPING_ONLY".into()),
        ),
        tags: Some(input.tags.unwrap_or_default()),
        ..DomainName::default()
    };
    let record = DomainRecord { owner, domain };
    gw.store.write(|w| {
        if storage::get_domain(w.as_read(), &record.domain.domain_name)?.is_some() {
            return Err(conflict("The domain name you provided already exists."));
        }
        storage::put_domain(w, &record)
    })?;
    gw.domains_changed();
    shaped(&record.domain)
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetDomainNameRequest,
) -> Result<GetDomainNameResponse> {
    let owner = storage::owner(ctx);
    let record = gw
        .store
        .read(|r| require_domain(r, &owner, &input.domain_name))?;
    shaped(&record.domain)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    _input: GetDomainNamesRequest,
) -> Result<GetDomainNamesResponse> {
    let owner = storage::owner(ctx);
    let items = gw
        .store
        .read(storage::list_domains)?
        .into_iter()
        .filter(|d| d.owner.account == owner.account && d.owner.region == owner.region)
        .map(|d| d.domain)
        .collect();
    Ok(GetDomainNamesResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteDomainNameRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_domain(w.as_read(), &owner, &input.domain_name)?;
        storage::delete_domain(w, &input.domain_name)?;
        Ok::<_, nimbus_protocol::AwsError>(())
    })?;
    gw.domains_changed();
    Ok(())
}

pub async fn create_mapping(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateApiMappingRequest,
) -> Result<CreateApiMappingResponse> {
    let owner = storage::owner(ctx);
    let key = input.api_mapping_key.unwrap_or_default();
    let mapping = ApiMapping {
        api_id: input.api_id.clone(),
        api_mapping_id: Some(new_id(6)),
        api_mapping_key: Some(key.trim_matches('/').to_string()),
        stage: input.stage.clone(),
    };
    gw.store.write(|w| {
        require_domain(w.as_read(), &owner, &input.domain_name)?;
        require_api(w.as_read(), &owner, &input.api_id)?;
        if storage::get_stage(w.as_read(), &owner, &input.api_id, &input.stage)?.is_none() {
            return Err(bad_request(format!(
                "Invalid stage identifier specified {}",
                input.stage
            )));
        }
        let taken = storage::list_mappings(w.as_read(), &input.domain_name)?
            .iter()
            .any(|m| m.api_mapping_key == mapping.api_mapping_key);
        if taken {
            return Err(conflict(
                "ApiMapping with the same key already exists for this domain name",
            ));
        }
        storage::put_mapping(w, &input.domain_name, &mapping)
    })?;
    shaped(&mapping)
}

fn missing_mapping(id: &str) -> nimbus_protocol::AwsError {
    not_found(format!("Invalid API mapping identifier specified {id}"))
}

pub async fn get_mapping(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetApiMappingRequest,
) -> Result<GetApiMappingResponse> {
    let owner = storage::owner(ctx);
    let mapping = gw.store.read(|r| {
        require_domain(r, &owner, &input.domain_name)?;
        storage::list_mappings(r, &input.domain_name)?
            .into_iter()
            .find(|m| m.api_mapping_id.as_deref() == Some(input.api_mapping_id.as_str()))
            .ok_or_else(|| missing_mapping(&input.api_mapping_id))
    })?;
    shaped(&mapping)
}

pub async fn list_mappings(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetApiMappingsRequest,
) -> Result<GetApiMappingsResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_domain(r, &owner, &input.domain_name)?;
        storage::list_mappings(r, &input.domain_name)
    })?;
    Ok(GetApiMappingsResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn delete_mapping(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteApiMappingRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_domain(w.as_read(), &owner, &input.domain_name)?;
        if storage::delete_mapping(w, &input.domain_name, &input.api_mapping_id)? {
            Ok(())
        } else {
            Err(missing_mapping(&input.api_mapping_id))
        }
    })
}
