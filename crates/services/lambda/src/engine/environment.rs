//! One execution environment: a sandboxed runtime process, its Runtime API endpoint and its log
//! pipeline, used by one invocation at a time and kept warm between them.

use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nimbus_sandbox::{Mount, Process, Sandbox, Spec};
use nimbus_store::Store;
use tokio::sync::oneshot;

use super::logs::{self, Sink};
use super::platform;
use super::runtime_api::{self, Endpoint, Event, RuntimeResult};
use crate::runtimes::{Family, Resolved};

/// Lambda gives a function the equivalent of one vCPU at 1,769 MB, a share of one below it.
/// Below it an environment stays on the CPU of the I/O thread that started it (see
/// `nimbus_core::cpus`); from it on, it may run on every CPU nimbus may use.
const ONE_VCPU_MB: u32 = 1769;

/// What an environment runs: one version of a function, frozen when it starts.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub account: String,
    pub region: String,
    pub name: String,
    /// `$LATEST` or a version number.
    pub version: String,
    pub generation: u64,
    pub runtime: Resolved,
    pub handler: String,
    pub memory_mb: u32,
    pub timeout: Duration,
    pub ephemeral_mb: u32,
    pub variables: Vec<(String, String)>,
    pub code_dir: PathBuf,
    pub layers_dir: Option<PathBuf>,
    pub log_group: String,
    pub json_logs: bool,
}

/// Host-wide settings environments are started with.
#[derive(Clone)]
pub struct Host {
    pub runtime_dir: PathBuf,
    /// Where environments' Runtime API sockets are made.
    pub socket_dir: PathBuf,
    pub sdks: std::sync::Arc<crate::sdk::Sdks>,
    pub endpoint_url: String,
    pub hidden: Vec<PathBuf>,
    pub terminal_logs: bool,
    pub pids_limit: u32,
}

/// How an invocation ended.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    /// A function error: the error document the caller receives with `X-Amz-Function-Error`.
    Error(Bytes),
}

pub struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    pub function_arn: String,
    pub client_context: Option<String>,
    pub tail: bool,
    /// Takes a response the function streams as it is written (see `runtime_api::Event`).
    pub stream: Option<oneshot::Sender<runtime_api::ResponseStream>>,
}

pub struct Report {
    pub outcome: Outcome,
    pub tail: Option<String>,
    /// The environment is still usable.
    pub healthy: bool,
}

pub struct Environment {
    pub id: String,
    pub snapshot: Snapshot,
    pub log_stream: String,
    pub provisioned: bool,
    endpoint: Endpoint,
    process: tokio::sync::Mutex<Process>,
    logs: Sink,
    started: Instant,
    /// Init Duration, reported once by the first invocation.
    init_reported: Mutex<bool>,
    pub last_used: Mutex<Instant>,
    /// The I/O thread whose runtime serves this environment's Runtime API: invocations from
    /// that thread reach it without waking another CPU.
    pub home: std::thread::ThreadId,
}

fn error_doc(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string())
}

impl Environment {
    pub async fn start(
        sandbox: &Sandbox,
        host: &Host,
        store: &Store,
        snapshot: Snapshot,
        provisioned: bool,
    ) -> std::io::Result<Environment> {
        let id = nimbus_core::ids::hex(32);
        let log_stream = format!(
            "{}/[{}]{id}",
            nimbus_core::time::Civil::from_millis(nimbus_core::time::now_millis()).date_path(),
            snapshot.version
        );
        // A socket path must fit sockaddr_un (108 bytes); past that the runtime uses TCP.
        let socket = host.socket_dir.join(format!("{id}.sock"));
        let socket = (socket.as_os_str().len() < 100).then_some(socket);
        if let Some(dir) = socket.as_ref().and_then(|s| s.parent()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let endpoint = runtime_api::start(socket).await?;
        let task = Mount {
            host: snapshot.code_dir.clone(),
            inside: "/var/task".into(),
            writable: false,
        };
        let runtime = Mount {
            host: host.runtime_dir.clone(),
            inside: "/var/runtime".into(),
            writable: false,
        };
        let mut mounts = vec![task.clone(), runtime.clone()];
        // Only this environment's own socket is visible inside its sandbox.
        let socket_mount = endpoint.socket.clone().map(|s| Mount {
            host: s,
            inside: "/var/runtime-api.sock".into(),
            writable: true,
        });
        mounts.extend(socket_mount.clone());
        let opt = snapshot.layers_dir.as_ref().map(|d| Mount {
            host: d.clone(),
            inside: "/opt".into(),
            writable: false,
        });
        mounts.extend(opt.clone());
        let interpreter = snapshot.runtime.interpreter.clone().unwrap_or_default();
        let sdk = match snapshot.runtime.family {
            Family::Python => host.sdks.python(&interpreter).await,
            Family::Node => host.sdks.node(&interpreter).await,
            Family::Provided => None,
        }
        .map(|d| Mount {
            host: d,
            inside: "/var/sdk".into(),
            writable: false,
        });
        mounts.extend(sdk.clone());
        if let (Family::Node, Some(sdk)) = (snapshot.runtime.family, &sdk) {
            // ES modules ignore NODE_PATH and resolve packages by walking up from the importing
            // file: /var/task/index.mjs finds /var/node_modules (Lambda's runtime SDK is found
            // the same way). Without bubblewrap the walk passes the package cache's parent.
            let modules = sdk.host.join("node_modules");
            match sandbox.backend() {
                nimbus_sandbox::Backend::Bubblewrap => mounts.push(Mount {
                    host: modules,
                    inside: "/var/node_modules".into(),
                    writable: false,
                }),
                nimbus_sandbox::Backend::Plain => {
                    if let Some(parent) = snapshot.code_dir.parent() {
                        let link = parent.join("node_modules");
                        if !link.exists() {
                            let _ = std::os::unix::fs::symlink(&modules, &link);
                        }
                    }
                }
            }
        }
        let task_root = sandbox.visible(&task).display().to_string();
        let runtime_root = sandbox.visible(&runtime).display().to_string();
        let opt_root = opt
            .as_ref()
            .map(|m| sandbox.visible(m).display().to_string())
            .unwrap_or_else(|| "/opt".into());
        let sdk_root = sdk
            .as_ref()
            .map(|m| sandbox.visible(m).display().to_string());

        let (program, args) = match snapshot.runtime.family {
            Family::Python => (
                snapshot.runtime.interpreter.clone().unwrap_or_default(),
                vec![format!("{runtime_root}/python/bootstrap.py")],
            ),
            Family::Node => (
                snapshot.runtime.interpreter.clone().unwrap_or_default(),
                vec![format!("{runtime_root}/node/bootstrap.mjs")],
            ),
            Family::Provided => {
                let in_task = snapshot.code_dir.join("bootstrap");
                let path = if in_task.exists() || snapshot.layers_dir.is_none() {
                    format!("{task_root}/bootstrap")
                } else {
                    format!("{opt_root}/bootstrap")
                };
                (PathBuf::from(path), vec![])
            }
        };
        let mut env = environment(
            &snapshot,
            host,
            &endpoint.address,
            &log_stream,
            &task_root,
            &runtime_root,
            &opt_root,
            sdk_root.as_deref(),
        );
        if let Some(m) = &socket_mount {
            env.push((
                "NIMBUS_RUNTIME_API_SOCKET".into(),
                sandbox.visible(m).display().to_string(),
            ));
        }
        let spec = Spec {
            program,
            args,
            env,
            cwd: PathBuf::from(&task_root),
            mounts,
            hidden: host.hidden.clone(),
            memory_limit_bytes: Some(u64::from(snapshot.memory_mb) * 1024 * 1024),
            pids_limit: Some(host.pids_limit),
            tmp_size_bytes: Some(u64::from(snapshot.ephemeral_mb) * 1024 * 1024),
            name: format!("{}-{id}", snapshot.name),
            cpus: (snapshot.memory_mb >= ONE_VCPU_MB)
                .then(|| nimbus_core::cpus::allowed().to_vec()),
        };
        let mut process = sandbox.spawn(&spec)?;
        let mut outputs: Vec<OwnedFd> = Vec::new();
        if let Some(o) = process.stdout.take() {
            outputs.push(o.into_owned_fd()?);
        }
        if let Some(e) = process.stderr.take() {
            outputs.push(e.into_owned_fd()?);
        }
        let dest = logs::Destination {
            account: snapshot.account.clone(),
            region: snapshot.region.clone(),
            group: snapshot.log_group.clone(),
            stream: log_stream.clone(),
            terminal: host.terminal_logs.then(|| snapshot.name.clone()),
        };
        let logs = logs::start(store.clone(), dest, outputs);
        Ok(Environment {
            id,
            snapshot,
            log_stream,
            provisioned,
            endpoint,
            process: tokio::sync::Mutex::new(process),
            logs,
            started: Instant::now(),
            init_reported: Mutex::new(false),
            last_used: Mutex::new(Instant::now()),
            home: std::thread::current().id(),
        })
    }

    /// Waits until the runtime asks for its first event (its init is done), fails, or exits.
    /// An init that outlasts `limit` fails like a timed-out invocation of `request_id`.
    pub async fn wait_initialized(&self, limit: Duration, request_id: &str) -> Result<(), Bytes> {
        let mut ready = self.endpoint.shared.initialized.subscribe();
        let mut init_error = self.endpoint.shared.init_error.subscribe();
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        loop {
            if *ready.borrow() {
                return Ok(());
            }
            if let Some(e) = init_error.borrow().clone() {
                return Err(e.body);
            }
            tokio::select! {
                _ = ready.changed() => {}
                _ = init_error.changed() => {}
                code = self.exited() => {
                    // The runtime may post /init/error and exit at once: its error wins.
                    if let Some(e) = self.endpoint.shared.init_error.borrow().clone() {
                        return Err(e.body);
                    }
                    return Err(self.exit_error(None, code).await);
                }
                _ = &mut deadline => {
                    let stamp = nimbus_core::time::Civil::from_millis(nimbus_core::time::now_millis()).iso8601();
                    let message = format!("{stamp} {request_id} Task timed out after {:.2} seconds", self.snapshot.timeout.as_secs_f64());
                    self.logs.platform(message.clone());
                    return Err(Bytes::from(serde_json::json!({"errorMessage": message}).to_string()));
                }
            }
        }
    }

    /// Leaves Init Duration off this environment's first REPORT: it was started ahead of any
    /// invocation, so no caller waited for its init.
    pub fn started_ahead(&self) {
        *self.init_reported.lock().unwrap_or_else(|p| p.into_inner()) = true;
    }

    /// Resolves when the runtime process has exited, with its exit code.
    async fn exited(&self) -> Option<i32> {
        loop {
            {
                let mut p = self.process.lock().await;
                if let Some(code) = p.try_exit() {
                    return code;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn exit_error(&self, request_id: Option<&str>, code: Option<i32>) -> Bytes {
        let oom = self.process.lock().await.oom_killed();
        // bubblewrap reports its child's death by signal N as exit status 128 + N.
        let how = match code {
            None | Some(137) => "signal: killed".to_string(),
            Some(134) => "signal: aborted".to_string(),
            Some(139) => "signal: segmentation fault".to_string(),
            Some(143) => "signal: terminated".to_string(),
            Some(c) => format!("exit status {c}"),
        };
        let message = match request_id {
            Some(id) => format!("RequestId: {id} Error: Runtime exited with error: {how}"),
            None => format!("Error: Runtime exited with error: {how}"),
        };
        let kind = if oom {
            "Runtime.OutOfMemory"
        } else {
            "Runtime.ExitError"
        };
        self.logs.platform(format!("{message}\n{kind}"));
        error_doc(kind, &message)
    }

    /// Runs one invocation and writes its START/END/REPORT lines.
    pub async fn invoke(&self, inv: Invocation, watch_memory: bool) -> Report {
        let started = Instant::now();
        if inv.tail {
            self.logs.begin_tail();
        }
        self.logs.platform(platform::start(
            self.snapshot.json_logs,
            &inv.request_id,
            &self.snapshot.version,
        ));
        let timeout = self.snapshot.timeout;
        let deadline_ms = nimbus_core::time::now_millis() + timeout.as_millis() as i64;
        let (tx, rx) = oneshot::channel();
        let event = Event {
            request_id: inv.request_id.clone(),
            payload: inv.payload,
            deadline_ms,
            function_arn: inv.function_arn,
            trace_id: format!(
                "Root=1-{:08x}-{};Parent={};Sampled=0",
                nimbus_core::time::now_millis() / 1000,
                nimbus_core::ids::hex(24),
                nimbus_core::ids::hex(16)
            ),
            client_context: inv.client_context,
            cognito_identity: None,
            result: tx,
            stream: inv.stream,
        };
        let mut healthy = true;
        let mut timed_out = false;
        let outcome = if self.endpoint.events.send(event).await.is_err() {
            healthy = false;
            Outcome::Error(error_doc(
                "Runtime.ExitError",
                "the execution environment stopped",
            ))
        } else {
            let memory_limit = u64::from(self.snapshot.memory_mb) * 1024 * 1024;
            tokio::select! {
                r = rx => match r {
                    Ok(RuntimeResult::Response(body)) => Outcome::Response(body),
                    Ok(RuntimeResult::Error { body, .. }) => Outcome::Error(body),
                    Ok(RuntimeResult::TooLarge(size)) => Outcome::Error(error_doc(
                        "Function.ResponseSizeTooLarge",
                        &format!("Response payload size ({size} bytes) exceeded maximum allowed payload size ({} bytes).", runtime_api::MAX_RESPONSE),
                    )),
                    Err(_) => {
                        healthy = false;
                        Outcome::Error(error_doc("Runtime.ExitError", &format!("RequestId: {} Error: Runtime exited without providing a reason", inv.request_id)))
                    }
                },
                code = self.exited() => {
                    healthy = false;
                    Outcome::Error(self.exit_error(Some(&inv.request_id), code).await)
                }
                _ = over_memory(self, memory_limit, watch_memory) => {
                    healthy = false;
                    self.process.lock().await.kill();
                    let message = format!("RequestId: {} Error: Runtime exited with error: signal: killed", inv.request_id);
                    self.logs.platform(format!("{message}\nRuntime.OutOfMemory"));
                    Outcome::Error(error_doc("Runtime.OutOfMemory", &message))
                }
                _ = tokio::time::sleep(timeout) => {
                    healthy = false;
                    timed_out = true;
                    self.process.lock().await.kill();
                    let stamp = nimbus_core::time::Civil::from_millis(nimbus_core::time::now_millis()).iso8601();
                    let message = format!("{stamp} {} Task timed out after {:.2} seconds", inv.request_id, timeout.as_secs_f64());
                    self.logs.platform(message.clone());
                    Outcome::Error(Bytes::from(serde_json::json!({"errorMessage": message}).to_string()))
                }
            }
        };
        let elapsed = started.elapsed();
        let status = match (&outcome, timed_out) {
            (_, true) => platform::Status::Timeout,
            (Outcome::Error(_), _) => platform::Status::Error,
            (Outcome::Response(_), _) => platform::Status::Success,
        };
        self.logs.drain_output();
        // Init Duration goes on the first REPORT of an on-demand environment (a provisioned
        // one was initialized before anyone waited for it).
        let init = {
            let mut reported = self.init_reported.lock().unwrap_or_else(|p| p.into_inner());
            let first = !*reported && !self.provisioned;
            *reported = true;
            let done = self
                .endpoint
                .shared
                .initialized_at
                .get()
                .copied()
                .unwrap_or(started);
            first.then(|| done.saturating_duration_since(self.started))
        };
        let peak = self.process.lock().await.peak_memory_bytes();
        let json = self.snapshot.json_logs;
        self.logs
            .platform(platform::end(json, &inv.request_id, elapsed, status));
        let report = platform::Report {
            request_id: &inv.request_id,
            elapsed,
            memory_mb: self.snapshot.memory_mb,
            peak_bytes: peak,
            init,
            status,
        };
        self.logs.platform(platform::report(json, &report));
        let tail = inv.tail.then(|| self.logs.end_tail());
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        Report {
            outcome,
            tail,
            healthy,
        }
    }

    /// Stops the runtime and writes out its remaining logs.
    pub async fn stop(&self) {
        self.process.lock().await.kill();
        self.logs.finish().await;
    }

    /// Records an init failure in the log stream, as Lambda's INIT_REPORT does.
    pub async fn log_init_failure(&self, body: &Bytes) {
        let doc: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let line = match doc["errorType"].as_str() {
            Some(kind) => format!("INIT_REPORT Init Duration: {ms:.2} ms\tPhase: init\tStatus: error\tError Type: {kind}"),
            None => format!("INIT_REPORT Init Duration: {ms:.2} ms\tPhase: init\tStatus: timeout"),
        };
        self.logs.platform(line);
    }
}

/// Resolves if the tree exceeds its memory limit, where no cgroup enforces it.
async fn over_memory(env: &Environment, limit: u64, watch: bool) {
    if !watch {
        std::future::pending::<()>().await;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if env.process.lock().await.memory_bytes() > limit {
            return;
        }
    }
}

/// Lambda's environment variables for the runtime, then the function's own.
#[allow(clippy::too_many_arguments)]
fn environment(
    s: &Snapshot,
    host: &Host,
    runtime_api: &str,
    log_stream: &str,
    task_root: &str,
    runtime_root: &str,
    opt_root: &str,
    sdk_root: Option<&str>,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| env.push((k.to_string(), v));
    let interpreter_dir = s
        .runtime
        .interpreter
        .as_ref()
        .and_then(|p| p.parent())
        .map(|p| format!("{}:", p.display()))
        .unwrap_or_default();
    set(
        "PATH",
        format!("{interpreter_dir}/var/lang/bin:/usr/local/bin:/usr/bin:/bin:{opt_root}/bin"),
    );
    set("LANG", "en_US.UTF-8".into());
    set("TZ", ":UTC".into());
    set("LD_LIBRARY_PATH", format!("/var/lang/lib:/lib64:/usr/lib64:{runtime_root}:{runtime_root}/lib:{task_root}:{task_root}/lib:{opt_root}/lib"));
    set("LAMBDA_TASK_ROOT", task_root.into());
    set("LAMBDA_RUNTIME_DIR", runtime_root.into());
    set("_HANDLER", s.handler.clone());
    set("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", s.runtime.id));
    set("AWS_LAMBDA_RUNTIME_API", runtime_api.into());
    set("AWS_LAMBDA_FUNCTION_NAME", s.name.clone());
    set("AWS_LAMBDA_FUNCTION_VERSION", s.version.clone());
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", s.memory_mb.to_string());
    set("AWS_LAMBDA_LOG_GROUP_NAME", s.log_group.clone());
    set("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.into());
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into());
    set("AWS_REGION", s.region.clone());
    set("AWS_DEFAULT_REGION", s.region.clone());
    // The execution role's credentials: a 12-digit access key id is nimbus's way of naming the
    // account, so calls the function makes stay in its account.
    set("AWS_ACCESS_KEY_ID", s.account.clone());
    set(
        "AWS_SECRET_ACCESS_KEY",
        "nimbus-lambda-execution-role".into(),
    );
    set(
        "AWS_SESSION_TOKEN",
        format!("nimbus-session-{}", nimbus_core::ids::hex(32)),
    );
    set("AWS_ENDPOINT_URL", host.endpoint_url.clone());
    set("HOME", "/tmp".into());
    if s.json_logs {
        set("AWS_LAMBDA_LOG_FORMAT", "JSON".into());
    }
    match s.runtime.family {
        Family::Python => {
            let v = &s.runtime.host_version;
            let mut path = vec![
                task_root.to_string(),
                format!("{opt_root}/python/lib/python{v}/site-packages"),
                format!("{opt_root}/python"),
                format!("{runtime_root}/python"),
            ];
            path.extend(sdk_root.map(str::to_string));
            set("PYTHONPATH", path.join(":"));
            set("PYTHONUNBUFFERED", "1".into());
            set("PYTHONDONTWRITEBYTECODE", "1".into());
        }
        Family::Node => {
            let major = s
                .runtime
                .id
                .trim_start_matches("nodejs")
                .trim_end_matches(".x");
            let mut path = vec![
                format!("{opt_root}/nodejs/node{major}/node_modules"),
                format!("{opt_root}/nodejs/node_modules"),
                format!("{runtime_root}/node_modules"),
                runtime_root.to_string(),
                task_root.to_string(),
            ];
            path.extend(sdk_root.map(|s| format!("{s}/node_modules")));
            set("NODE_PATH", path.join(":"));
        }
        Family::Provided => {}
    }
    for (k, v) in &s.variables {
        env.retain(|(key, _)| key != k);
        env.push((k.clone(), v.clone()));
    }
    env
}
