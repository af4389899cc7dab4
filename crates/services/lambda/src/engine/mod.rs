//! The execution side of Lambda: pools of warm environments per function version, cold starts,
//! concurrency limits, idle reaping and provisioned environments.
//!
//! - `environment.rs`: one sandboxed runtime process and one invocation in it;
//! - `runtime_api.rs`: the Runtime API endpoint each environment's runtime talks to;
//! - `logs.rs`: its output on the way to CloudWatch Logs, the terminal and `LogType: Tail`.

pub mod environment;
pub mod logs;
pub mod platform;
pub mod runtime_api;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use nimbus_sandbox::Sandbox;
use nimbus_store::Store;

use environment::{Environment, Report};
pub use environment::{Host, Invocation, Outcome, Snapshot};
pub use runtime_api::ResponseStream;

use crate::errors::too_many_requests;

/// Which environments can serve an invocation: one function version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PoolKey {
    account: String,
    region: String,
    name: String,
    version: String,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Arc<Environment>>,
    /// Environments of older generations are retired rather than reused.
    generation: u64,
    /// Provisioned environments wanted for this version, and how many are started.
    provisioned_wanted: usize,
    provisioned_ready: usize,
    /// I/O threads for which an environment of their own is being started.
    warming: Vec<std::thread::ThreadId>,
}

/// Busy environments, by account and by function.
#[derive(Default)]
struct Busy {
    by_account: HashMap<String, u32>,
    by_function: HashMap<(String, String, String), u32>,
}

pub struct Engine {
    store: Store,
    sandbox: std::sync::OnceLock<Arc<Sandbox>>,
    plain_processes: bool,
    host: Host,
    account_limit: u32,
    idle_timeout: Duration,
    pools: Mutex<HashMap<PoolKey, Pool>>,
    busy: Mutex<Busy>,
    /// Provisioned concurrency by (account, region, function, qualifier) -> the version it runs.
    provisioned_versions: Mutex<HashMap<(String, String, String, String), String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A concurrency slot, released when dropped.
struct Slot {
    engine: Arc<Engine>,
    account: String,
    function: (String, String, String),
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut busy = lock(&self.engine.busy);
        if let Some(n) = busy.by_account.get_mut(&self.account) {
            *n = n.saturating_sub(1);
        }
        if let Some(n) = busy.by_function.get_mut(&self.function) {
            *n = n.saturating_sub(1);
        }
    }
}

/// The result of a synchronous invocation.
pub struct InvokeResult {
    pub outcome: Outcome,
    pub tail: Option<String>,
}

impl Engine {
    pub fn new(
        store: Store,
        plain_processes: bool,
        host: Host,
        account_limit: u32,
        idle_timeout: Duration,
    ) -> Engine {
        Engine {
            store,
            sandbox: std::sync::OnceLock::new(),
            plain_processes,
            host,
            account_limit,
            idle_timeout,
            pools: Mutex::new(HashMap::new()),
            busy: Mutex::new(Busy::default()),
            provisioned_versions: Mutex::new(HashMap::new()),
        }
    }

    /// The host's sandbox, probed on first use (running bubblewrap once takes milliseconds,
    /// which the server's start does not wait for).
    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox.get_or_init(|| {
            let sandbox = Sandbox::detect(self.plain_processes);
            for note in &sandbox.notes {
                tracing::warn!("lambda: {note}");
            }
            Arc::new(sandbox)
        })
    }

    /// Starts providing the runtime's SDK in the background, so the first cold start does not
    /// wait for it.
    pub fn prepare(&self, runtime: &crate::runtimes::Resolved) {
        let sdks = self.host.sdks.clone();
        let Some(interpreter) = runtime.interpreter.clone() else {
            return;
        };
        let family = runtime.family;
        tokio::spawn(async move {
            match family {
                crate::runtimes::Family::Python => {
                    sdks.python(&interpreter).await;
                }
                crate::runtimes::Family::Node => {
                    sdks.node(&interpreter).await;
                }
                crate::runtimes::Family::Provided => {}
            }
        });
    }

    fn acquire_slot(
        self: &Arc<Self>,
        s: &Snapshot,
        reserved: Option<i32>,
    ) -> Result<Slot, nimbus_protocol::AwsError> {
        let function = (s.account.clone(), s.region.clone(), s.name.clone());
        let mut busy = lock(&self.busy);
        let in_function = busy.by_function.get(&function).copied().unwrap_or(0);
        if let Some(r) = reserved {
            if in_function >= r.max(0) as u32 {
                return Err(too_many_requests(
                    "ReservedFunctionConcurrentInvocationLimitExceeded",
                ));
            }
        }
        let in_account = busy.by_account.get(&s.account).copied().unwrap_or(0);
        if in_account >= self.account_limit {
            return Err(too_many_requests("ConcurrentInvocationLimitExceeded"));
        }
        *busy.by_account.entry(s.account.clone()).or_default() += 1;
        *busy.by_function.entry(function.clone()).or_default() += 1;
        Ok(Slot {
            engine: self.clone(),
            account: s.account.clone(),
            function,
        })
    }

    fn key(s: &Snapshot) -> PoolKey {
        PoolKey {
            account: s.account.clone(),
            region: s.region.clone(),
            name: s.name.clone(),
            version: s.version.clone(),
        }
    }

    /// A warm environment of this generation, if one is idle (one served by this I/O thread
    /// first); older ones are stopped. Answers also whether this thread should get an
    /// environment of its own: it found only other threads' ones.
    fn take_idle(&self, s: &Snapshot) -> (Option<Arc<Environment>>, bool) {
        let here = std::thread::current().id();
        let mut retired = Vec::new();
        let (found, warm_here) = {
            let mut pools = lock(&self.pools);
            let pool = pools.entry(Self::key(s)).or_default();
            if s.generation > pool.generation {
                pool.generation = s.generation;
            }
            let generation = pool.generation;
            let (stale, fresh): (Vec<_>, Vec<_>) = pool
                .idle
                .drain(..)
                .partition(|e| e.snapshot.generation < generation);
            for env in stale {
                if env.provisioned {
                    pool.provisioned_ready = pool.provisioned_ready.saturating_sub(1);
                }
                retired.push(env);
            }
            pool.idle = fresh;
            let local = pool.idle.iter().rposition(|e| e.home == here);
            let found = match local {
                Some(i) => Some(pool.idle.remove(i)),
                None => pool.idle.pop(),
            };
            let warm_here = found.is_some() && local.is_none() && !pool.warming.contains(&here);
            if warm_here {
                pool.warming.push(here);
            }
            (found, warm_here)
        };
        for env in retired {
            tokio::spawn(async move { env.stop().await });
        }
        (found, warm_here)
    }

    /// Starts an environment served by this I/O thread, in the background, and keeps it warm.
    fn warm_here(self: &Arc<Self>, s: &Snapshot) {
        let engine = self.clone();
        let s = s.clone();
        let here = std::thread::current().id();
        tokio::spawn(async move {
            if let Ok(env) = engine.cold_start(&s, false).await {
                if env
                    .wait_initialized(Duration::from_secs(10), "")
                    .await
                    .is_ok()
                {
                    env.started_ahead();
                    engine.put_back(env);
                } else {
                    env.stop().await;
                }
            }
            let mut pools = lock(&engine.pools);
            if let Some(pool) = pools.get_mut(&Self::key(&s)) {
                pool.warming.retain(|t| *t != here);
            }
        });
    }

    fn put_back(&self, env: Arc<Environment>) {
        let stale = {
            let mut pools = lock(&self.pools);
            let pool = pools.entry(Self::key(&env.snapshot)).or_default();
            if env.snapshot.generation < pool.generation {
                Some(env)
            } else {
                pool.idle.push(env);
                None
            }
        };
        if let Some(env) = stale {
            tokio::spawn(async move { env.stop().await });
        }
    }

    async fn cold_start(&self, s: &Snapshot, provisioned: bool) -> Result<Arc<Environment>, Bytes> {
        match Environment::start(
            self.sandbox(),
            &self.host,
            &self.store,
            s.clone(),
            provisioned,
        )
        .await
        {
            Ok(env) => Ok(Arc::new(env)),
            Err(e) => {
                tracing::error!(function = %s.name, error = %e, "cannot start an execution environment");
                Err(Bytes::from(
                    serde_json::json!({
                        "errorType": "Runtime.ExitError",
                        "errorMessage": format!("nimbus could not start the runtime: {e}"),
                    })
                    .to_string(),
                ))
            }
        }
    }

    /// Runs one invocation on a warm environment, or a new one, within the concurrency limits.
    ///
    /// The invocation runs in a task of its own: if the caller goes away (its connection
    /// closes), the function still runs to the end and its environment goes back to the pool,
    /// as on Lambda.
    pub async fn invoke(
        self: &Arc<Self>,
        s: Arc<Snapshot>,
        reserved: Option<i32>,
        inv: Invocation,
    ) -> Result<InvokeResult, nimbus_protocol::AwsError> {
        let slot = self.acquire_slot(&s, reserved)?;
        let engine = self.clone();
        let run = tokio::spawn(async move {
            let _slot = slot;
            engine.run_invocation(&s, inv).await
        });
        run.await.map_err(|e| {
            nimbus_protocol::AwsError::new(
                500,
                "",
                "ServiceException",
                format!("the invocation failed: {e}"),
            )
        })
    }

    async fn run_invocation(self: &Arc<Self>, s: &Snapshot, inv: Invocation) -> InvokeResult {
        let (idle, warm_here) = self.take_idle(s);
        if warm_here {
            self.warm_here(s);
        }
        let env = match idle {
            Some(env) => env,
            None => match self.cold_start(s, false).await {
                Ok(env) => env,
                Err(doc) => {
                    return InvokeResult {
                        outcome: Outcome::Error(doc),
                        tail: None,
                    }
                }
            },
        };
        // Lambda gives init 10 s, then tries it again within the invocation's own timeout; a
        // runtime that fails init is the invocation's error and its environment is dropped.
        let init_limit = Duration::from_secs(10) + s.timeout;
        if let Err(doc) = env.wait_initialized(init_limit, &inv.request_id).await {
            env.log_init_failure(&doc).await;
            env.stop().await;
            return InvokeResult {
                outcome: Outcome::Error(doc),
                tail: None,
            };
        }
        let watch_memory = !self.sandbox().has_cgroups();
        let Report {
            outcome,
            tail,
            healthy,
        } = env.invoke(inv, watch_memory).await;
        if healthy {
            self.put_back(env);
        } else {
            env.stop().await;
        }
        InvokeResult { outcome, tail }
    }

    /// Retires the environments of a function (or of one of its versions): idle ones stop now,
    /// busy ones when their invocation ends.
    pub fn retire_function(
        &self,
        account: &str,
        region: &str,
        name: &str,
        qualifier: Option<&str>,
    ) {
        let mut stopped = Vec::new();
        {
            let mut pools = lock(&self.pools);
            for (key, pool) in pools.iter_mut() {
                let matches = key.account == account
                    && key.region == region
                    && key.name == name
                    && qualifier.is_none_or(|q| q == key.version);
                if matches {
                    pool.generation += 1;
                    pool.provisioned_ready = 0;
                    stopped.append(&mut pool.idle);
                }
            }
        }
        for env in stopped {
            tokio::spawn(async move { env.stop().await });
        }
    }

    /// Stops environments idle for longer than the idle timeout (provisioned ones stay).
    pub fn reap_idle(&self) {
        let mut stopped = Vec::new();
        {
            let mut pools = lock(&self.pools);
            for pool in pools.values_mut() {
                let timeout = self.idle_timeout;
                let (keep, old): (Vec<_>, Vec<_>) = pool
                    .idle
                    .drain(..)
                    .partition(|env| env.provisioned || lock(&env.last_used).elapsed() < timeout);
                pool.idle = keep;
                stopped.extend(old);
            }
        }
        for env in stopped {
            tokio::spawn(async move { env.stop().await });
        }
    }

    /// Starts `n` environments of a version and keeps them warm (provisioned concurrency).
    pub fn provision(
        self: &Arc<Self>,
        account: &str,
        region: &str,
        name: &str,
        qualifier: &str,
        s: Snapshot,
        n: usize,
    ) {
        lock(&self.provisioned_versions).insert(
            (account.into(), region.into(), name.into(), qualifier.into()),
            s.version.clone(),
        );
        {
            let mut pools = lock(&self.pools);
            let pool = pools.entry(Self::key(&s)).or_default();
            pool.provisioned_wanted = n;
        }
        let engine = self.clone();
        tokio::spawn(async move {
            loop {
                let missing = {
                    let pools = lock(&engine.pools);
                    pools.get(&Self::key(&s)).map_or(0, |p| {
                        p.provisioned_wanted.saturating_sub(p.provisioned_ready)
                    })
                };
                if missing == 0 {
                    break;
                }
                let Ok(env) = engine.cold_start(&s, true).await else {
                    break;
                };
                if env
                    .wait_initialized(Duration::from_secs(10), "")
                    .await
                    .is_err()
                {
                    env.stop().await;
                    break;
                }
                let mut pools = lock(&engine.pools);
                let pool = pools.entry(Self::key(&s)).or_default();
                pool.provisioned_ready += 1;
                pool.idle.push(env);
            }
        });
    }

    pub fn provisioned_ready(
        &self,
        account: &str,
        region: &str,
        name: &str,
        qualifier: &str,
    ) -> usize {
        let version = lock(&self.provisioned_versions)
            .get(&(account.into(), region.into(), name.into(), qualifier.into()))
            .cloned();
        let Some(version) = version else { return 0 };
        let key = PoolKey {
            account: account.into(),
            region: region.into(),
            name: name.into(),
            version,
        };
        lock(&self.pools)
            .get(&key)
            .map_or(0, |p| p.provisioned_ready)
    }

    pub fn unprovision(&self, account: &str, region: &str, name: &str, qualifier: &str) {
        let version = lock(&self.provisioned_versions).remove(&(
            account.into(),
            region.into(),
            name.into(),
            qualifier.into(),
        ));
        let Some(version) = version else { return };
        let key = PoolKey {
            account: account.into(),
            region: region.into(),
            name: name.into(),
            version,
        };
        let mut stopped = Vec::new();
        if let Some(pool) = lock(&self.pools).get_mut(&key) {
            pool.provisioned_wanted = 0;
            pool.provisioned_ready = 0;
            let (keep, old): (Vec<_>, Vec<_>) = pool.idle.drain(..).partition(|e| !e.provisioned);
            pool.idle = keep;
            stopped = old;
        }
        for env in stopped {
            tokio::spawn(async move { env.stop().await });
        }
    }

    /// Stops every environment (server shutdown), writing out their logs.
    pub async fn shutdown(&self) {
        let all: Vec<Arc<Environment>> = {
            let mut pools = lock(&self.pools);
            pools.values_mut().flat_map(|p| p.idle.drain(..)).collect()
        };
        for env in all {
            env.stop().await;
        }
    }
}
