//! PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions,
//! DeleteLayerVersion; and the checks that functions make of the layers they name.

use nimbus_core::{Arn, RequestContext};
use nimbus_store::{Read, Tree};

use super::functions::{package, timestamp};
use super::Lambda;
use crate::errors::{invalid_parameter, not_found, validation, Result};
use crate::generated::lambda::*;
use crate::storage::{self, LayerVersionRecord};

/// The next version number of each layer (numbers are never reused, even after deletion).
const COUNTERS: Tree = Tree("lambda.layer_counters");
const MAX_LAYERS: usize = 5;

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 140
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(validation(
            "layerName",
            name,
            "Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
        ))
    }
}

/// A layer named by name or by layer ARN.
fn layer_name(raw: &str) -> Result<String> {
    let name = match Arn::parse(raw) {
        Some(a) if a.service == "lambda" => a
            .resource
            .strip_prefix("layer:")
            .unwrap_or(&a.resource)
            .to_string(),
        _ => raw.to_string(),
    };
    check_name(&name)?;
    Ok(name)
}

/// `arn:aws:lambda:<region>:<account>:layer:<name>:<version>` -> (account, region, name, version).
fn parse_version_arn(arn: &str) -> Option<(String, String, String, u64)> {
    let a = Arn::parse(arn).filter(|a| a.service == "lambda")?;
    let rest = a.resource.strip_prefix("layer:")?;
    let (name, version) = rest.rsplit_once(':')?;
    Some((a.account, a.region, name.to_string(), version.parse().ok()?))
}

fn describe(lambda: &Lambda, l: &LayerVersionRecord) -> GetLayerVersionResponse {
    let mut d = l.description.clone();
    if let Some(c) = d.content.as_mut() {
        c.location = Some(lambda.code_url(&l.code_sha));
    }
    d
}

pub async fn publish(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: PublishLayerVersionRequest,
) -> Result<PublishLayerVersionResponse> {
    let name = layer_name(&input.layer_name)?;
    if input.content.s3_bucket.is_some() {
        return Err(invalid_parameter(
            "nimbus cannot read layer content from S3 yet (it has no S3 service); upload the .zip directly with ZipFile.",
        ));
    }
    let zip = input
        .content
        .zip_file
        .as_ref()
        .map(|b| b.0.clone())
        .ok_or_else(|| invalid_parameter("Please provide a source for layer content."))?;
    for rt in input.compatible_runtimes.iter().flatten() {
        if crate::runtimes::family_of(rt).is_none()
            && !rt.starts_with("java")
            && !rt.starts_with("dotnet")
            && !rt.starts_with("ruby")
        {
            return Err(validation(
                "compatibleRuntimes",
                rt,
                "Member must satisfy enum value set",
            ));
        }
    }
    let (zip, sha_b64, sha_hex) = package(lambda, zip).await?;
    let scope = storage::scope(ctx);
    let layer_arn = Arn::lambda_layer(&ctx.region, &ctx.account, &name, None).to_string();
    let record = lambda.write(|w| {
        let counter_key = storage::key(&scope, &name, None);
        let version = w
            .as_read()
            .get(COUNTERS, &counter_key)?
            .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(1);
        w.put(COUNTERS, &counter_key, &(version + 1).to_be_bytes())?;
        storage::put_code(w, &sha_hex, &zip)?;
        let record = LayerVersionRecord {
            layer_name: name.clone(),
            version,
            code_sha: sha_hex.clone(),
            policy: Vec::new(),
            description: GetLayerVersionResponse {
                layer_arn: Some(layer_arn.clone()),
                layer_version_arn: Some(format!("{layer_arn}:{version}")),
                version: Some(version as i64),
                description: Some(input.description.clone().unwrap_or_default()),
                created_date: Some(timestamp()),
                compatible_runtimes: input.compatible_runtimes.clone(),
                compatible_architectures: input.compatible_architectures.clone(),
                license_info: input.license_info.clone(),
                content: Some(LayerVersionContentOutput {
                    code_sha256: Some(sha_b64.clone()),
                    code_size: Some(zip.len() as i64),
                    ..LayerVersionContentOutput::default()
                }),
            },
        };
        storage::put_layer_version(w, &scope, &record)?;
        Ok::<_, nimbus_protocol::AwsError>(record)
    })?;
    let d = describe(lambda, &record);
    Ok(PublishLayerVersionResponse {
        compatible_architectures: d.compatible_architectures,
        compatible_runtimes: d.compatible_runtimes,
        content: d.content,
        created_date: d.created_date,
        description: d.description,
        layer_arn: d.layer_arn,
        layer_version_arn: d.layer_version_arn,
        license_info: d.license_info,
        version: d.version,
    })
}

fn version_not_found() -> nimbus_protocol::AwsError {
    not_found("The resource you requested does not exist.")
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetLayerVersionRequest,
) -> Result<GetLayerVersionResponse> {
    let name = layer_name(&input.layer_name)?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| storage::get_layer_version(r, &scope, &name, input.version_number as u64))?
        .ok_or_else(version_not_found)?;
    Ok(describe(lambda, &record))
}

pub async fn get_by_arn(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetLayerVersionByArnRequest,
) -> Result<GetLayerVersionResponse> {
    let arn = input.arn.clone().unwrap_or_default();
    let (account, region, name, version) = parse_version_arn(&arn).ok_or_else(|| {
        validation("arn", &arn, "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)")
    })?;
    let _ = ctx;
    let scope = storage::scope_of(&account, &region);
    let record = lambda
        .store
        .read(|r| storage::get_layer_version(r, &scope, &name, version))?
        .ok_or_else(version_not_found)?;
    Ok(describe(lambda, &record))
}

fn list_item(l: &LayerVersionRecord) -> LayerVersionsListItem {
    let d = &l.description;
    LayerVersionsListItem {
        layer_version_arn: d.layer_version_arn.clone(),
        version: d.version,
        description: d.description.clone(),
        created_date: d.created_date.clone(),
        compatible_runtimes: d.compatible_runtimes.clone(),
        compatible_architectures: d.compatible_architectures.clone(),
        license_info: d.license_info.clone(),
    }
}

fn compatible(l: &LayerVersionRecord, runtime: Option<&str>, arch: Option<&str>) -> bool {
    let d = &l.description;
    runtime.is_none_or(|r| d.compatible_runtimes.iter().flatten().any(|x| x == r))
        && arch.is_none_or(|a| d.compatible_architectures.iter().flatten().any(|x| x == a))
}

pub async fn list_versions(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListLayerVersionsRequest,
) -> Result<ListLayerVersionsResponse> {
    let name = layer_name(&input.layer_name)?;
    let scope = storage::scope(ctx);
    let mut versions = lambda
        .store
        .read(|r| storage::layer_versions(r, &scope, &name))?;
    versions.retain(|l| {
        compatible(
            l,
            input.compatible_runtime.as_deref(),
            input.compatible_architecture.as_deref(),
        )
    });
    versions.reverse(); // newest first, as Lambda lists them
    Ok(ListLayerVersionsResponse {
        layer_versions: Some(versions.iter().map(list_item).collect()),
        next_marker: None,
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListLayersRequest,
) -> Result<ListLayersResponse> {
    let scope = storage::scope(ctx);
    let all = lambda
        .store
        .read(|r| storage::all_layer_versions(r, &scope))?;
    let mut layers: Vec<LayersListItem> = Vec::new();
    for l in all.iter().rev() {
        if !compatible(
            l,
            input.compatible_runtime.as_deref(),
            input.compatible_architecture.as_deref(),
        ) {
            continue;
        }
        if layers
            .iter()
            .any(|x| x.layer_name.as_deref() == Some(l.layer_name.as_str()))
        {
            continue;
        }
        layers.push(LayersListItem {
            layer_name: Some(l.layer_name.clone()),
            layer_arn: l.description.layer_arn.clone(),
            latest_matching_version: Some(list_item(l)),
        });
    }
    layers.reverse();
    Ok(ListLayersResponse {
        layers: Some(layers),
        next_marker: None,
    })
}

pub async fn delete(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteLayerVersionRequest,
) -> Result<()> {
    let name = layer_name(&input.layer_name)?;
    let scope = storage::scope(ctx);
    lambda
        .store
        .write(|w| storage::delete_layer_version(w, &scope, &name, input.version_number as u64))
}

/// The `Layers` a function configuration reports for the layer version ARNs it names, after
/// checking that each exists.
pub fn refs(r: &dyn Read, arns: &[String]) -> Result<Vec<Layer>> {
    if arns.len() > MAX_LAYERS {
        return Err(invalid_parameter(format!(
            "Cannot reference more than {MAX_LAYERS} layers."
        )));
    }
    let mut out = Vec::new();
    for arn in arns {
        let missing = || invalid_parameter(format!("Layer version {arn} does not exist."));
        let (account, region, name, version) = parse_version_arn(arn).ok_or_else(missing)?;
        let l =
            storage::get_layer_version(r, &storage::scope_of(&account, &region), &name, version)?
                .ok_or_else(missing)?;
        out.push(Layer {
            arn: Some(arn.clone()),
            code_size: l.description.content.as_ref().and_then(|c| c.code_size),
            ..Layer::default()
        });
    }
    Ok(out)
}

/// The code keys of the layers a configuration names, in order.
pub fn code_of(r: &dyn Read, layers: &[Layer]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for l in layers {
        let arn = l.arn.clone().unwrap_or_default();
        let missing = || invalid_parameter(format!("Layer version {arn} does not exist."));
        let (account, region, name, version) = parse_version_arn(&arn).ok_or_else(missing)?;
        let record =
            storage::get_layer_version(r, &storage::scope_of(&account, &region), &name, version)?
                .ok_or_else(missing)?;
        out.push(record.code_sha);
    }
    Ok(out)
}
