//! CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction,
//! UpdateFunctionCode, UpdateFunctionConfiguration.

use std::collections::BTreeMap;

use nimbus_core::time::{now_millis, Civil};
use nimbus_core::{ids, Arn, RequestContext};

use super::{resolve_version, Lambda};
use crate::code;
use crate::errors::{
    conflict, function_not_found, invalid_parameter, precondition_failed, validation, Result,
};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage::{self, FunctionRecord, VersionRecord};

pub const DEFAULT_TIMEOUT: i32 = 3;
pub const DEFAULT_MEMORY: i32 = 128;
pub const DEFAULT_EPHEMERAL: i32 = 512;
const MAX_ENV_BYTES: usize = 4096;
/// Environment variables Lambda sets itself and refuses to take from a configuration.
const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

pub fn timestamp() -> String {
    Civil::from_millis(now_millis()).offset_iso8601()
}

/// The settings CreateFunction and UpdateFunctionConfiguration share, checked as Lambda does.
pub(crate) struct Settings<'a> {
    pub runtime: Option<&'a str>,
    pub role: Option<&'a str>,
    pub memory: Option<i32>,
    pub timeout: Option<i32>,
    pub ephemeral: Option<&'a EphemeralStorage>,
    pub environment: Option<&'a Environment>,
    pub handler: Option<&'a str>,
}

impl Settings<'_> {
    fn check(&self, lambda: &Lambda) -> Result<()> {
        if let Some(rt) = self.runtime {
            lambda.runtimes.resolve(rt)?;
        }
        if let Some(role) = self.role {
            check_role(role)?;
        }
        if let Some(m) = self.memory {
            if m > 10_240 {
                return Err(validation(
                    "memorySize",
                    &m.to_string(),
                    "Member must have value less than or equal to 10240",
                ));
            }
        }
        if let Some(t) = self.timeout {
            if t > 900 {
                return Err(validation(
                    "timeout",
                    &t.to_string(),
                    "Member must have value less than or equal to 900",
                ));
            }
        }
        if let Some(e) = self.ephemeral {
            if !(512..=10_240).contains(&e.size) {
                return Err(validation(
                    "ephemeralStorage.size",
                    &e.size.to_string(),
                    if e.size < 512 {
                        "Member must have value greater than or equal to 512"
                    } else {
                        "Member must have value less than or equal to 10240"
                    },
                ));
            }
        }
        if let Some(vars) = self.environment.and_then(|e| e.variables.as_ref()) {
            check_environment(vars)?;
        }
        if let Some(h) = self.handler {
            if h.is_empty() || h.chars().any(char::is_whitespace) {
                return Err(validation(
                    "handler",
                    h,
                    "Member must satisfy regular expression pattern: [^\\s]+",
                ));
            }
        }
        Ok(())
    }
}

fn check_role(role: &str) -> Result<()> {
    let ok = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(acct, name)| {
            acct.len() == 12
                && acct.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(validation(
            "role",
            role,
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ))
    }
}

fn check_environment(vars: &BTreeMap<String, String>) -> Result<()> {
    let reserved: Vec<&str> = vars
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_ENV.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(invalid_parameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    for k in vars.keys() {
        let valid = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(validation(
                "environment.variables",
                k,
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
            ));
        }
    }
    let measured = serde_json::to_string(vars).unwrap_or_default();
    if measured.len() > MAX_ENV_BYTES {
        return Err(invalid_parameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(())
}

/// Checks and stores a package; answers (CodeSha256, hex key, size).
async fn accept_code(lambda: &Lambda, code: &FunctionCode) -> Result<(Vec<u8>, String, String)> {
    if code.image_uri.is_some() {
        return Err(image_not_supported());
    }
    if code.s3_bucket.is_some() || code.s3_key.is_some() {
        return Err(invalid_parameter(
            "nimbus cannot read deployment packages from S3 yet (it has no S3 service); upload the .zip directly with ZipFile (aws lambda create-function --zip-file fileb://function.zip).",
        ));
    }
    let zip = code
        .zip_file
        .as_ref()
        .map(|b| b.0.clone())
        .ok_or_else(|| invalid_parameter("Please provide a source for function code."))?;
    package(lambda, zip).await
}

/// Checks and unpacks a package off the I/O thread (a 50 MB zip unpacks to up to 250 MB).
pub(crate) async fn package(lambda: &Lambda, zip: Vec<u8>) -> Result<(Vec<u8>, String, String)> {
    // The request limit (69905067 bytes of base64) is what holds zips to 50 MB on Lambda;
    // this catches a zip that arrives another way at the same size.
    if zip.len() > code::MAX_ZIPPED {
        return Err(nimbus_protocol::AwsError::new(
            413,
            "",
            "RequestEntityTooLargeException",
            format!(
                "Zipped size must be smaller than {} bytes",
                code::MAX_ZIPPED
            ),
        ));
    }
    let root = lambda.code_root();
    tokio::task::spawn_blocking(move || {
        code::check(&zip)?;
        let (b64, hex) = code::digests(&zip);
        code::unpack(&zip, &root.join(&hex))?;
        Ok((zip, b64, hex))
    })
    .await
    .map_err(|e| {
        nimbus_protocol::AwsError::new(
            500,
            "",
            "ServiceException",
            format!("unpacking the package failed: {e}"),
        )
    })?
}

fn image_not_supported() -> nimbus_protocol::AwsError {
    invalid_parameter(
        "nimbus runs .zip packages natively and does not run container images (PackageType Image); package the function as a .zip with a runtime and handler.",
    )
}

pub async fn create(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: CreateFunctionRequest,
) -> Result<FunctionConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    if f.qualifier.is_some() || f.name.len() > 64 {
        return Err(validation(
            "functionName",
            &input.function_name,
            "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
        ));
    }
    if input.package_type.as_deref() == Some("Image") {
        return Err(image_not_supported());
    }
    let (Some(runtime), Some(handler)) = (input.runtime.as_deref(), input.handler.as_deref())
    else {
        return Err(invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        ));
    };
    Settings {
        runtime: Some(runtime),
        role: Some(&input.role),
        memory: input.memory_size,
        timeout: input.timeout,
        ephemeral: input.ephemeral_storage.as_ref(),
        environment: input.environment.as_ref(),
        handler: Some(handler),
    }
    .check(lambda)?;
    let layers = lambda.layer_refs(ctx, input.layers.as_deref().unwrap_or_default())?;
    let (zip, sha_b64, sha_hex) = accept_code(lambda, &input.code).await?;
    let arn = f.unqualified_arn(ctx);
    let config = FunctionConfiguration {
        function_name: Some(f.name.clone()),
        function_arn: Some(arn.to_string()),
        runtime: Some(runtime.to_string()),
        role: Some(input.role.clone()),
        handler: Some(handler.to_string()),
        code_size: Some(zip.len() as i64),
        description: Some(input.description.clone().unwrap_or_default()),
        timeout: Some(input.timeout.unwrap_or(DEFAULT_TIMEOUT)),
        memory_size: Some(input.memory_size.unwrap_or(DEFAULT_MEMORY)),
        last_modified: Some(timestamp()),
        code_sha256: Some(sha_b64),
        version: Some("$LATEST".into()),
        environment: input.environment.as_ref().map(|e| EnvironmentResponse {
            variables: Some(e.variables.clone().unwrap_or_default()),
            error: None,
        }),
        dead_letter_config: input.dead_letter_config.clone(),
        tracing_config: Some(TracingConfigResponse {
            mode: Some(
                input
                    .tracing_config
                    .as_ref()
                    .and_then(|t| t.mode.clone())
                    .unwrap_or_else(|| "PassThrough".into()),
            ),
        }),
        revision_id: Some(ids::uuid_v4()),
        layers: (!layers.is_empty()).then_some(layers),
        package_type: Some("Zip".into()),
        architectures: Some(
            input
                .architectures
                .clone()
                .unwrap_or_else(|| vec!["x86_64".into()]),
        ),
        ephemeral_storage: Some(input.ephemeral_storage.clone().unwrap_or(EphemeralStorage {
            size: DEFAULT_EPHEMERAL,
        })),
        logging_config: Some(logging_config(input.logging_config.as_ref(), &f.name, None)),
        snap_start: Some(SnapStartResponse {
            apply_on: Some("None".into()),
            optimization_status: Some("Off".into()),
        }),
        runtime_version_config: Some(RuntimeVersionConfig {
            runtime_version_arn: Some(format!(
                "arn:aws:lambda:{}::runtime:nimbus-{runtime}",
                ctx.region
            )),
            error: None,
        }),
        ..FunctionConfiguration::default()
    };
    let scope = storage::scope(ctx);
    let publish = input.publish.unwrap_or(false);
    let mut answer = lambda.write(|w| {
        if storage::get_function(w.as_read(), &scope, &f.name)?.is_some() {
            return Err(conflict(format!("Function already exist: {}", f.name)));
        }
        storage::put_code(w, &sha_hex, &zip)?;
        let mut record = FunctionRecord {
            latest: VersionRecord {
                config,
                code_sha: sha_hex.clone(),
                generation: 1,
            },
            next_version: 1,
            tags: input.tags.clone().unwrap_or_default(),
            ..FunctionRecord::default()
        };
        let answer = if publish {
            super::versions::publish_in(w, &scope, &mut record, None)?
        } else {
            record.latest.config.clone()
        };
        storage::put_function(w, &scope, &f.name, &record)?;
        Ok(answer)
    })?;
    if let Ok(rt) = lambda.runtimes.resolve(runtime) {
        lambda.engine.prepare(&rt);
    }
    // The function is being created: the response shows Pending, as Lambda's does; every
    // later read sees it Active (there is nothing to wait for here).
    answer.state = Some("Pending".into());
    answer.state_reason = Some("The function is being created.".into());
    answer.state_reason_code = Some("Creating".into());
    Ok(answer)
}

/// The LoggingConfig a function reports: text logs into `/aws/lambda/<name>` by default.
pub fn logging_config(
    given: Option<&LoggingConfig>,
    name: &str,
    current: Option<&LoggingConfig>,
) -> LoggingConfig {
    let base = current.cloned().unwrap_or_else(|| LoggingConfig {
        log_format: Some("Text".into()),
        log_group: Some(format!("/aws/lambda/{name}")),
        application_log_level: None,
        system_log_level: None,
    });
    let Some(g) = given else { return base };
    let format = g
        .log_format
        .clone()
        .or(base.log_format)
        .unwrap_or_else(|| "Text".into());
    let json = format == "JSON";
    LoggingConfig {
        log_group: g.log_group.clone().or(base.log_group),
        application_log_level: if json {
            g.application_log_level
                .clone()
                .or(base.application_log_level)
                .or(Some("INFO".into()))
        } else {
            None
        },
        system_log_level: if json {
            g.system_log_level
                .clone()
                .or(base.system_log_level)
                .or(Some("INFO".into()))
        } else {
            None
        },
        log_format: Some(format),
    }
}

/// A version's configuration as reads describe it (Active, last update successful).
pub fn described(v: &VersionRecord) -> FunctionConfiguration {
    let mut c = v.config.clone();
    c.state = Some("Active".into());
    c.state_reason = None;
    c.state_reason_code = None;
    c.last_update_status = Some("Successful".into());
    c
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetFunctionRequest,
) -> Result<GetFunctionResponse> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let (record, version) = lambda.store.read(|r| {
        let record = storage::get_function(r, &scope, &f.name)?
            .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
        let version = resolve_version(r, ctx, &scope, &f, &record)?.1;
        Ok::<_, nimbus_protocol::AwsError>((record, version))
    })?;
    Ok(GetFunctionResponse {
        configuration: Some(described(&version)),
        code: Some(FunctionCodeLocation {
            repository_type: Some("S3".into()),
            location: Some(lambda.code_url(&version.code_sha)),
            ..FunctionCodeLocation::default()
        }),
        tags: (!record.tags.is_empty()).then(|| record.tags.clone()),
        concurrency: record.reserved_concurrency.map(|n| Concurrency {
            reserved_concurrent_executions: Some(n),
        }),
        tags_error: None,
    })
}

pub async fn get_configuration(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetFunctionConfigurationRequest,
) -> Result<FunctionConfiguration> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    lambda.store.read(|r| {
        let record = storage::get_function(r, &scope, &f.name)?
            .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
        Ok(described(&resolve_version(r, ctx, &scope, &f, &record)?.1))
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListFunctionsRequest,
) -> Result<ListFunctionsResponse> {
    let scope = storage::scope(ctx);
    let all_versions = input.function_version.as_deref() == Some("ALL");
    let mut configs = lambda.store.read(|r| {
        let mut out = Vec::new();
        for f in storage::list_functions(r, &scope)? {
            out.push(described(&f.latest));
            if all_versions {
                let name = f.latest.config.function_name.clone().unwrap_or_default();
                out.extend(
                    storage::list_versions(r, &scope, &name)?
                        .iter()
                        .map(described),
                );
            }
        }
        Ok::<_, nimbus_protocol::AwsError>(out)
    })?;
    let key = |c: &FunctionConfiguration| {
        format!(
            "{}:{}",
            c.function_name.as_deref().unwrap_or(""),
            c.version.as_deref().unwrap_or("")
        )
    };
    if let Some(marker) = &input.marker {
        let at = configs
            .iter()
            .position(|c| &key(c) == marker)
            .map(|i| i + 1)
            .unwrap_or(configs.len());
        configs.drain(..at);
    }
    let max = input.max_items.unwrap_or(50).clamp(1, 50) as usize;
    let next_marker = (configs.len() > max).then(|| key(&configs[max - 1]));
    configs.truncate(max);
    Ok(ListFunctionsResponse {
        functions: Some(configs),
        next_marker,
    })
}

pub async fn delete(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteFunctionRequest,
) -> Result<DeleteFunctionResponse> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        let record = storage::get_function(w.as_read(), &scope, &f.name)?
            .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
        match f.qualifier.as_deref() {
            None => storage::delete_function(w, &scope, &f.name),
            Some("$LATEST") => Err(invalid_parameter(
                "$LATEST version cannot be deleted without deleting the function.",
            )),
            Some(q) => {
                let Ok(n) = q.parse::<u64>() else {
                    return Err(invalid_parameter("Deletion of aliases is not supported."));
                };
                let aliases = storage::list_aliases(w.as_read(), &scope, &f.name)?;
                if let Some(a) = aliases
                    .iter()
                    .find(|a| a.function_version.as_deref() == Some(q))
                {
                    return Err(conflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        a.name.clone().unwrap_or_default()
                    )));
                }
                if !storage::delete_version(w, &scope, &f.name, n)? {
                    return Err(function_not_found(&f.arn(ctx)));
                }
                let _ = record;
                Ok(())
            }
        }
    })?;
    lambda
        .engine
        .retire_function(&ctx.account, &ctx.region, &f.name, f.qualifier.as_deref());
    Ok(DeleteFunctionResponse::default())
}

fn check_revision(given: Option<&str>, current: Option<&str>) -> Result<()> {
    match given {
        Some(g) if Some(g) != current => Err(precondition_failed()),
        _ => Ok(()),
    }
}

/// Applies `change` to $LATEST (and publishes when asked); the response shows the update in
/// progress, as Lambda's does.
fn update_latest(
    lambda: &Lambda,
    ctx: &RequestContext,
    f: &FunctionRef,
    revision: Option<&str>,
    publish: bool,
    zip: Option<(Vec<u8>, String)>,
    change: impl FnOnce(&mut VersionRecord) -> Result<()>,
) -> Result<FunctionConfiguration> {
    let scope = storage::scope(ctx);
    let mut answer = lambda.write(|w| {
        let mut record = storage::get_function(w.as_read(), &scope, &f.name)?
            .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
        check_revision(revision, record.latest.config.revision_id.as_deref())?;
        if let Some((bytes, hex)) = &zip {
            storage::put_code(w, hex, bytes)?;
        }
        change(&mut record.latest)?;
        record.latest.config.last_modified = Some(timestamp());
        record.latest.config.revision_id = Some(ids::uuid_v4());
        record.latest.generation += 1;
        let answer = if publish {
            super::versions::publish_in(w, &scope, &mut record, None)?
        } else {
            record.latest.config.clone()
        };
        storage::put_function(w, &scope, &f.name, &record)?;
        Ok::<_, nimbus_protocol::AwsError>(answer)
    })?;
    lambda
        .engine
        .retire_function(&ctx.account, &ctx.region, &f.name, Some("$LATEST"));
    answer.state = Some("Active".into());
    answer.last_update_status = Some("InProgress".into());
    answer.last_update_status_reason = Some("The function is being created.".into());
    answer.last_update_status_reason_code = Some("Creating".into());
    Ok(answer)
}

pub async fn update_code(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: UpdateFunctionCodeRequest,
) -> Result<FunctionConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let code = FunctionCode {
        zip_file: input.zip_file.clone(),
        s3_bucket: input.s3_bucket.clone(),
        s3_key: input.s3_key.clone(),
        image_uri: input.image_uri.clone(),
        ..FunctionCode::default()
    };
    let (zip, sha_b64, sha_hex) = accept_code(lambda, &code).await?;
    if input.dry_run.unwrap_or(false) {
        let mut c = get_configuration(
            lambda,
            ctx,
            GetFunctionConfigurationRequest {
                function_name: input.function_name.clone(),
                qualifier: None,
            },
        )
        .await?;
        c.code_sha256 = Some(sha_b64);
        c.code_size = Some(zip.len() as i64);
        return Ok(c);
    }
    let size = zip.len() as i64;
    let hex = sha_hex.clone();
    update_latest(
        lambda,
        ctx,
        &f,
        input.revision_id.as_deref(),
        input.publish.unwrap_or(false),
        Some((zip, sha_hex)),
        move |v| {
            v.code_sha = hex;
            v.config.code_sha256 = Some(sha_b64);
            v.config.code_size = Some(size);
            if let Some(a) = input.architectures {
                v.config.architectures = Some(a);
            }
            Ok(())
        },
    )
}

pub async fn update_configuration(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: UpdateFunctionConfigurationRequest,
) -> Result<FunctionConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    Settings {
        runtime: input.runtime.as_deref(),
        role: input.role.as_deref(),
        memory: input.memory_size,
        timeout: input.timeout,
        ephemeral: input.ephemeral_storage.as_ref(),
        environment: input.environment.as_ref(),
        handler: input.handler.as_deref(),
    }
    .check(lambda)?;
    let layers = match &input.layers {
        Some(l) => Some(lambda.layer_refs(ctx, l)?),
        None => None,
    };
    let name = f.name.clone();
    update_latest(
        lambda,
        ctx,
        &f,
        input.revision_id.as_deref(),
        false,
        None,
        move |v| {
            let c = &mut v.config;
            macro_rules! set {
            ($($field:ident),*) => { $( if let Some(x) = input.$field { c.$field = Some(x); } )* };
        }
            set!(
                runtime,
                role,
                handler,
                description,
                timeout,
                memory_size,
                ephemeral_storage,
                dead_letter_config
            );
            if let Some(env) = input.environment {
                c.environment = Some(EnvironmentResponse {
                    variables: Some(env.variables.unwrap_or_default()),
                    error: None,
                });
            }
            if let Some(t) = input.tracing_config {
                c.tracing_config = Some(TracingConfigResponse { mode: t.mode });
            }
            if let Some(l) = layers {
                c.layers = (!l.is_empty()).then_some(l);
            }
            if let Some(lc) = input.logging_config {
                c.logging_config =
                    Some(logging_config(Some(&lc), &name, c.logging_config.as_ref()));
            }
            Ok(())
        },
    )
}

/// The unqualified ARN of a function named in a request.
pub fn arn_of(ctx: &RequestContext, name: &str) -> Arn {
    Arn::lambda_function(&ctx.region, &ctx.account, name, None)
}
