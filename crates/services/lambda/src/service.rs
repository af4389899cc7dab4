//! Lambda as the server sees it: the service state, the generated `LambdaApi` implemented by
//! delegating to the control plane and Invoke, and its restJson1 edge.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nimbus_core::RequestContext;
use nimbus_protocol::rest::{BoxFuture, RestRequest, RestResponse, RestService, Route};
use nimbus_protocol::{AwsError, Protocol, ServiceSpec};
use nimbus_store::Store;

use crate::code;
use crate::control::{
    account, aliases, concurrency, functions, invoke_config, layers, policy, tags, urls, versions,
};
use crate::engine::{Engine, Host, Snapshot};
use crate::errors::{invalid_parameter, Result};
use crate::generated::lambda::{self as gen, *};
use crate::invoke;
use crate::runtimes::Runtimes;
use crate::storage::{self, VersionRecord};

/// How Lambda runs on this host.
#[derive(Debug, Clone)]
pub struct LambdaConfig {
    /// nimbus's own address as functions reach it (`AWS_ENDPOINT_URL`) and code URLs use it.
    pub endpoint_url: String,
    /// Where packages are unpacked and the runtime clients written (`<data-dir>/lambda`, or a
    /// scratch directory with `--ephemeral`).
    pub work_dir: PathBuf,
    /// Host paths functions must not see (the data directory).
    pub hidden: Vec<PathBuf>,
    pub account_concurrency: u32,
    pub idle_timeout: Duration,
    pub terminal_logs: bool,
    /// `--runtime ID=PATH` overrides.
    pub runtimes: Vec<(String, PathBuf)>,
    /// Run functions as plain child processes even where bubblewrap works.
    pub plain_processes: bool,
    /// Delays before the first and second retry of a failed asynchronous invocation.
    pub async_retry_delays: Vec<Duration>,
    /// Delay before a throttled asynchronous invocation is tried again.
    pub throttle_retry: Duration,
    /// Most processes one environment may run.
    pub pids_limit: u32,
}

impl LambdaConfig {
    pub fn new(endpoint_url: String, work_dir: PathBuf) -> LambdaConfig {
        LambdaConfig {
            endpoint_url,
            work_dir,
            hidden: Vec::new(),
            account_concurrency: 1000,
            idle_timeout: Duration::from_secs(600),
            terminal_logs: true,
            runtimes: Vec::new(),
            plain_processes: false,
            async_retry_delays: vec![Duration::from_secs(60), Duration::from_secs(120)],
            throttle_retry: Duration::from_secs(1),
            pids_limit: 1024,
        }
    }
}

const PYTHON_RIC: &str = include_str!("ric/python/bootstrap.py");
const NODE_RIC: &str = include_str!("ric/node/bootstrap.mjs");

/// Snapshots by (account, region, function, version), with the RevisionId they were built from.
type SnapshotCache =
    std::collections::HashMap<(String, String, String, String), (String, Arc<Snapshot>)>;

/// The Lambda service.
pub struct Lambda {
    pub store: Store,
    snapshots: std::sync::Mutex<SnapshotCache>,
    pub(crate) resolutions: invoke::Resolutions,
    pub config: LambdaConfig,
    pub runtimes: Runtimes,
    pub engine: Arc<Engine>,
    pub waker: nimbus_delivery::Waker,
    spec: ServiceSpec,
}

impl Lambda {
    /// Prepares the work directory (runtime clients, package cache); the sandbox and the
    /// interpreters are probed later (see `warm_up`).
    pub fn new(
        store: Store,
        config: LambdaConfig,
        waker: nimbus_delivery::Waker,
    ) -> std::io::Result<Lambda> {
        use std::os::unix::fs::PermissionsExt;
        let runtime_dir = config.work_dir.join("runtime");
        for (rel, text) in [
            ("python/bootstrap.py", PYTHON_RIC),
            ("node/bootstrap.mjs", NODE_RIC),
        ] {
            let path = runtime_dir.join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p)?;
            }
            std::fs::write(&path, text)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
        }
        std::fs::create_dir_all(config.work_dir.join("code"))?;
        let sdks = Arc::new(crate::sdk::Sdks::new(crate::sdk::default_cache(
            &config.work_dir,
        )));
        let socket_dir = config.work_dir.join("sockets");
        std::fs::create_dir_all(&socket_dir)?;
        let host = Host {
            runtime_dir,
            socket_dir,
            sdks,
            endpoint_url: config.endpoint_url.clone(),
            hidden: config.hidden.clone(),
            terminal_logs: config.terminal_logs,
            pids_limit: config.pids_limit,
        };
        let engine = Arc::new(Engine::new(
            store.clone(),
            config.plain_processes,
            host,
            config.account_concurrency,
            config.idle_timeout,
        ));
        Ok(Lambda {
            store,
            snapshots: Default::default(),
            resolutions: Default::default(),
            runtimes: Runtimes::new(config.runtimes.clone()),
            config,
            engine,
            waker,
            spec: ServiceSpec {
                name: "lambda",
                protocol: Protocol::RestJson1,
                signing_name: "lambda",
                target_prefix: None,
            },
        })
    }

    /// Finds the host's interpreters and their SDKs in the background, so the first CreateFunction
    /// and the first cold start do not pay for it (nothing here delays the server's start).
    pub fn warm_up(self: &Arc<Self>) {
        let lambda = self.clone();
        tokio::spawn(async move {
            let probe = lambda.clone();
            let found = tokio::task::spawn_blocking(move || {
                probe.engine.sandbox();
                ["python3.12", "nodejs20.x"]
                    .iter()
                    .filter_map(|id| probe.runtimes.resolve(id).ok())
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            for rt in found {
                lambda.engine.prepare(&rt);
            }
        });
    }

    /// Where unpacked packages are cached, one directory per package digest.
    pub(crate) fn code_root(&self) -> PathBuf {
        self.config.work_dir.join("code")
    }

    fn code_dir(&self, hex: &str) -> PathBuf {
        self.code_root().join(hex)
    }

    /// The unpacked package `hex`, unpacking it again from the store if the cache lost it.
    fn ensure_code(&self, hex: &str) -> Result<PathBuf> {
        let dir = self.code_dir(hex);
        if dir.exists() {
            return Ok(dir);
        }
        let zip = self
            .store
            .read(|r| storage::get_code(r, hex))?
            .ok_or_else(|| {
                invalid_parameter(format!("the package {hex} is missing from the store"))
            })?;
        code::unpack(&zip, &dir)?;
        Ok(dir)
    }

    /// The layers of a configuration merged into one directory (later layers win), as /opt.
    fn layers_dir(&self, shas: &[String]) -> Result<Option<PathBuf>> {
        if shas.is_empty() {
            return Ok(None);
        }
        let joined = shas.join("+");
        let (_, name) = code::digests(joined.as_bytes());
        let dir = self
            .config
            .work_dir
            .join("code")
            .join(format!("opt-{name}"));
        if dir.exists() {
            return Ok(Some(dir));
        }
        let staging = self
            .config
            .work_dir
            .join("code")
            .join(format!(".opt-{name}.{}", fastrand::u64(..)));
        for sha in shas {
            let src = self.ensure_code(sha)?;
            copy_tree(&src, &staging).map_err(|e| {
                invalid_parameter(format!("cannot assemble the function's layers: {e}"))
            })?;
        }
        if std::fs::rename(&staging, &dir).is_err() && !dir.exists() {
            return Err(invalid_parameter("cannot assemble the function's layers"));
        }
        let _ = std::fs::remove_dir_all(&staging);
        Ok(Some(dir))
    }

    /// Where `GetFunction`'s `Code.Location` (and a layer's `Content.Location`) downloads from.
    pub fn code_url(&self, hex: &str) -> String {
        format!("{}/_nimbus/lambda/code/{hex}.zip", self.config.endpoint_url)
    }

    /// The zip of a stored package, for the code download endpoint.
    pub fn code_zip(&self, hex: &str) -> Option<Vec<u8>> {
        self.store
            .read(|r| storage::get_code(r, hex))
            .ok()
            .flatten()
    }

    pub(crate) fn layer_refs(&self, _ctx: &RequestContext, arns: &[String]) -> Result<Vec<Layer>> {
        self.store.read(|r| layers::refs(r, arns))
    }

    /// A control-plane write. Every change to functions, versions, aliases and their settings
    /// goes through here, so that the invocation path's cached resolutions are dropped once it
    /// commits.
    pub(crate) fn write<R>(
        &self,
        f: impl FnOnce(&mut dyn nimbus_store::Write) -> Result<R>,
    ) -> Result<R> {
        let result = self.store.write(f);
        self.resolutions.invalidate();
        result
    }

    /// What an environment of this version runs.
    /// Snapshots are cached by function version and its RevisionId (which every change of code
    /// or configuration replaces): a warm invocation then reads no package or layer metadata.
    pub fn snapshot(
        &self,
        account: &str,
        region: &str,
        name: &str,
        executed: &str,
        v: &VersionRecord,
    ) -> Result<Arc<Snapshot>> {
        let key = (
            account.to_string(),
            region.to_string(),
            name.to_string(),
            executed.to_string(),
        );
        let revision = v.config.revision_id.clone().unwrap_or_default();
        {
            let cache = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((rev, snap)) = cache.get(&key) {
                if *rev == revision && snap.generation == v.generation {
                    return Ok(snap.clone());
                }
            }
        }
        let snap = Arc::new(self.build_snapshot(account, region, name, executed, v)?);
        let mut cache = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(key, (revision, snap.clone()));
        Ok(snap)
    }

    fn build_snapshot(
        &self,
        account: &str,
        region: &str,
        name: &str,
        executed: &str,
        v: &VersionRecord,
    ) -> Result<Snapshot> {
        let c = &v.config;
        let runtime = self
            .runtimes
            .resolve(c.runtime.as_deref().unwrap_or_default())?;
        let code_dir = self.ensure_code(&v.code_sha)?;
        let layer_shas = self
            .store
            .read(|r| layers::code_of(r, c.layers.as_deref().unwrap_or_default()))?;
        let layers_dir = self.layers_dir(&layer_shas)?;
        let logging = c.logging_config.clone().unwrap_or_default();
        Ok(Snapshot {
            account: account.into(),
            region: region.into(),
            name: name.into(),
            version: executed.into(),
            generation: v.generation,
            runtime,
            handler: c.handler.clone().unwrap_or_default(),
            memory_mb: c.memory_size.unwrap_or(functions::DEFAULT_MEMORY).max(128) as u32,
            timeout: Duration::from_secs(
                c.timeout.unwrap_or(functions::DEFAULT_TIMEOUT).max(1) as u64
            ),
            ephemeral_mb: c
                .ephemeral_storage
                .as_ref()
                .map_or(functions::DEFAULT_EPHEMERAL, |e| e.size)
                .max(512) as u32,
            variables: c
                .environment
                .as_ref()
                .and_then(|e| e.variables.clone())
                .unwrap_or_default()
                .into_iter()
                .collect(),
            code_dir,
            layers_dir,
            log_group: logging
                .log_group
                .unwrap_or_else(|| format!("/aws/lambda/{name}")),
            json_logs: logging.log_format.as_deref() == Some("JSON"),
        })
    }
}

/// Copies a directory tree into `dst` (merging, later files replacing earlier ones).
fn copy_tree(src: &std::path::Path, dst: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let target = dst.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path())?;
            let _ = std::fs::remove_file(&target);
            std::os::unix::fs::symlink(link, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

impl RestService for Lambda {
    fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    fn routes(&self) -> &'static [Route] {
        gen::ROUTES
    }

    fn handle<'a>(
        &'a self,
        ctx: &'a RequestContext,
        operation: &'static str,
        request: RestRequest,
    ) -> BoxFuture<'a, std::result::Result<RestResponse, AwsError>> {
        Box::pin(gen::dispatch(self, ctx, operation, request))
    }
}

macro_rules! delegate {
    ($($method:ident($input:ty) -> $output:ty => $func:path;)*) => {
        $(
            async fn $method(&self, ctx: &RequestContext, input: $input) -> std::result::Result<$output, AwsError> {
                $func(self, ctx, input).await
            }
        )*
    };
}

impl LambdaApi for Lambda {
    delegate! {
        create_function(CreateFunctionRequest) -> FunctionConfiguration => functions::create;
        get_function(GetFunctionRequest) -> GetFunctionResponse => functions::get;
        get_function_configuration(GetFunctionConfigurationRequest) -> FunctionConfiguration => functions::get_configuration;
        list_functions(ListFunctionsRequest) -> ListFunctionsResponse => functions::list;
        delete_function(DeleteFunctionRequest) -> DeleteFunctionResponse => functions::delete;
        update_function_code(UpdateFunctionCodeRequest) -> FunctionConfiguration => functions::update_code;
        update_function_configuration(UpdateFunctionConfigurationRequest) -> FunctionConfiguration => functions::update_configuration;
        publish_version(PublishVersionRequest) -> FunctionConfiguration => versions::publish;
        list_versions_by_function(ListVersionsByFunctionRequest) -> ListVersionsByFunctionResponse => versions::list;
        create_alias(CreateAliasRequest) -> AliasConfiguration => aliases::create;
        get_alias(GetAliasRequest) -> AliasConfiguration => aliases::get;
        update_alias(UpdateAliasRequest) -> AliasConfiguration => aliases::update;
        delete_alias(DeleteAliasRequest) -> () => aliases::delete;
        list_aliases(ListAliasesRequest) -> ListAliasesResponse => aliases::list;
        create_function_url_config(CreateFunctionUrlConfigRequest) -> CreateFunctionUrlConfigResponse => urls::create;
        get_function_url_config(GetFunctionUrlConfigRequest) -> GetFunctionUrlConfigResponse => urls::get;
        update_function_url_config(UpdateFunctionUrlConfigRequest) -> UpdateFunctionUrlConfigResponse => urls::update;
        delete_function_url_config(DeleteFunctionUrlConfigRequest) -> () => urls::delete;
        list_function_url_configs(ListFunctionUrlConfigsRequest) -> ListFunctionUrlConfigsResponse => urls::list;
        put_function_concurrency(PutFunctionConcurrencyRequest) -> Concurrency => concurrency::put;
        get_function_concurrency(GetFunctionConcurrencyRequest) -> GetFunctionConcurrencyResponse => concurrency::get;
        delete_function_concurrency(DeleteFunctionConcurrencyRequest) -> () => concurrency::delete;
        put_provisioned_concurrency_config(PutProvisionedConcurrencyConfigRequest) -> PutProvisionedConcurrencyConfigResponse => concurrency::put_provisioned;
        get_provisioned_concurrency_config(GetProvisionedConcurrencyConfigRequest) -> GetProvisionedConcurrencyConfigResponse => concurrency::get_provisioned;
        delete_provisioned_concurrency_config(DeleteProvisionedConcurrencyConfigRequest) -> () => concurrency::delete_provisioned;
        list_provisioned_concurrency_configs(ListProvisionedConcurrencyConfigsRequest) -> ListProvisionedConcurrencyConfigsResponse => concurrency::list_provisioned;
        put_function_event_invoke_config(PutFunctionEventInvokeConfigRequest) -> FunctionEventInvokeConfig => invoke_config::put;
        update_function_event_invoke_config(UpdateFunctionEventInvokeConfigRequest) -> FunctionEventInvokeConfig => invoke_config::update;
        get_function_event_invoke_config(GetFunctionEventInvokeConfigRequest) -> FunctionEventInvokeConfig => invoke_config::get;
        delete_function_event_invoke_config(DeleteFunctionEventInvokeConfigRequest) -> () => invoke_config::delete;
        list_function_event_invoke_configs(ListFunctionEventInvokeConfigsRequest) -> ListFunctionEventInvokeConfigsResponse => invoke_config::list;
        add_permission(AddPermissionRequest) -> AddPermissionResponse => policy::add;
        remove_permission(RemovePermissionRequest) -> () => policy::remove;
        get_policy(GetPolicyRequest) -> GetPolicyResponse => policy::get;
        publish_layer_version(PublishLayerVersionRequest) -> PublishLayerVersionResponse => layers::publish;
        get_layer_version(GetLayerVersionRequest) -> GetLayerVersionResponse => layers::get;
        get_layer_version_by_arn(GetLayerVersionByArnRequest) -> GetLayerVersionResponse => layers::get_by_arn;
        list_layers(ListLayersRequest) -> ListLayersResponse => layers::list;
        list_layer_versions(ListLayerVersionsRequest) -> ListLayerVersionsResponse => layers::list_versions;
        delete_layer_version(DeleteLayerVersionRequest) -> () => layers::delete;
        tag_resource(TagResourceRequest) -> () => tags::tag;
        untag_resource(UntagResourceRequest) -> () => tags::untag;
        list_tags(ListTagsRequest) -> ListTagsResponse => tags::list;
        invoke(InvocationRequest) -> InvocationResponse => invoke::invoke;
        invoke_async(InvokeAsyncRequest) -> InvokeAsyncResponse => invoke::invoke_async;
        invoke_with_response_stream(InvokeWithResponseStreamRequest) -> InvokeWithResponseStreamResponse => crate::response_stream::invoke;
    }

    async fn get_account_settings(
        &self,
        ctx: &RequestContext,
        _input: GetAccountSettingsRequest,
    ) -> std::result::Result<GetAccountSettingsResponse, AwsError> {
        account::settings(self, ctx).await
    }
}
