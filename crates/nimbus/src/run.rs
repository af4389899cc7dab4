//! `nimbus serve`: open the store, register services, serve until a signal, shut down cleanly.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use nimbus_dynamodb::{DynamoDb, DynamoDbStreams};
use nimbus_lambda::LambdaConfig;
use nimbus_server::{Registry, ServerConfig};
use nimbus_store::{Location, Store};

use crate::cli::ServeArgs;

pub fn serve(args: ServeArgs) -> ExitCode {
    init_logging();
    // One current-thread runtime per I/O thread (see nimbus_server::serve_on_threads); this is
    // the first, which also runs the background tasks.
    let runtime = match nimbus_server::io_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("nimbus: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: ServeArgs) -> ExitCode {
    let location = if args.ephemeral {
        Location::Memory
    } else {
        Location::Dir(args.data_dir.clone())
    };
    let store = match Store::open(&location) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nimbus: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut registry = Registry::new();
    registry.add_json(Arc::new(DynamoDb::new(store.clone())));
    registry.add_json(Arc::new(DynamoDbStreams::new(store.clone())));
    registry.add_json(Arc::new(nimbus_logs::Logs::new(store.clone())));
    let elbv2 = Arc::new(nimbus_elbv2::Elbv2::new(store.clone()));
    registry.add_query(elbv2.clone());

    let addr = format!("{}:{}", args.host, args.port);
    let listener = match tokio::net::lookup_host(&addr).await.map(|mut a| a.next()) {
        Ok(Some(sock)) => nimbus_server::bind(sock),
        Ok(None) => Err(std::io::Error::other("the address resolves to nothing")),
        Err(e) => Err(e),
    };
    let listener = match listener {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "nimbus: cannot listen on {addr}: {e}. Is another nimbus (or LocalStack) running? Pass --port to use another port."
            );
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let waker = nimbus_delivery::Waker::default();
    let (lambda, scratch) = match lambda_service(&args, &store, port, &waker) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("nimbus: cannot prepare Lambda's working directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    registry.add_rest(lambda.clone());
    registry.add_front_door(Arc::new(nimbus_lambda::function_urls::FunctionUrls::new(
        lambda.clone(),
    )));
    let apigateway = Arc::new(nimbus_apigateway::ApiGatewayV2::new(
        store.clone(),
        lambda.config.endpoint_url.clone(),
    ));
    registry.add_rest(apigateway.clone());
    let rest_apis = Arc::new(nimbus_apigateway::ApiGateway::new(store.clone()));
    registry.add_rest(rest_apis.clone());
    // REST APIs first: they claim only the execute-api hosts of the REST API ids they know.
    registry.add_front_door(Arc::new(nimbus_apigateway::RestApis::new(
        store.clone(),
        lambda.clone(),
        rest_apis.ids(),
    )));
    registry.add_front_door(Arc::new(nimbus_elbv2::LoadBalancers::new(
        store.clone(),
        lambda.clone(),
        elbv2.hosts(),
    )));
    registry.add_front_door(Arc::new(nimbus_apigateway::HttpApis::new(
        store.clone(),
        lambda.clone(),
        apigateway.domains(),
    )));
    lambda.warm_up();
    let code = lambda.clone();
    registry.add_admin(
        "lambda/code/",
        Arc::new(move |rest: &str| {
            let hex = rest.strip_suffix(".zip")?;
            code.code_zip(hex).map(|zip| ("application/zip", zip))
        }),
    );
    let mut dispatcher =
        nimbus_delivery::Dispatcher::new(store.clone(), &waker, Duration::from_secs(16 * 60), 64);
    dispatcher.register(
        nimbus_lambda::asynchronous::KIND,
        Arc::new(nimbus_lambda::AsyncInvoker {
            lambda: lambda.clone(),
        }),
    );
    let deliveries = tokio::spawn(Arc::new(dispatcher).run());
    let idle = Duration::from_secs(args.lambda.lambda_idle_seconds.max(1));
    let reaper = tokio::spawn(reap_idle(
        lambda.clone(),
        (idle / 2).min(Duration::from_secs(5)),
    ));
    let data = if args.ephemeral {
        "in memory (--ephemeral)".to_string()
    } else {
        args.data_dir.display().to_string()
    };
    println!(
        "nimbus {} ready on http://{local} — data: {data}",
        env!("CARGO_PKG_VERSION")
    );

    let sweeper = tokio::spawn(maintain(
        store.clone(),
        Duration::from_millis(args.ttl_sweep_ms.max(10)),
    ));
    let engine = lambda.engine.clone();
    nimbus_server::serve_on_threads(
        listener,
        io_threads(),
        registry,
        ServerConfig::default(),
        shutdown_signal(),
        // Requests are drained: stop the execution environments (writing out their logs)
        // while the I/O threads that serve their Runtime APIs still run.
        async move {
            deliveries.abort();
            engine.shutdown().await;
        },
    )
    .await;
    sweeper.abort();
    reaper.abort();
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    if let Err(e) = store.checkpoint() {
        eprintln!("nimbus: flushing state on shutdown failed: {e}");
        return ExitCode::FAILURE;
    }
    println!("nimbus stopped");
    ExitCode::SUCCESS
}

/// Lambda, working in `<data-dir>/lambda` (or a scratch directory, removed at exit, with
/// `--ephemeral`).
fn lambda_service(
    args: &ServeArgs,
    store: &Store,
    port: u16,
    waker: &nimbus_delivery::Waker,
) -> std::io::Result<(Arc<nimbus_lambda::Lambda>, Option<PathBuf>)> {
    let host = match args.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
        h => h,
    };
    let (work_dir, scratch) = if args.ephemeral {
        let dir = std::env::temp_dir().join(format!("nimbus-{}", std::process::id()));
        (dir.clone(), Some(dir))
    } else {
        (args.data_dir.join("lambda"), None)
    };
    let mut config = LambdaConfig::new(format!("http://{host}:{port}"), work_dir);
    if !args.ephemeral {
        config.hidden =
            vec![std::fs::canonicalize(&args.data_dir).unwrap_or(args.data_dir.clone())];
    }
    let l = &args.lambda;
    config.account_concurrency = l.lambda_concurrency;
    config.idle_timeout = Duration::from_secs(l.lambda_idle_seconds.max(1));
    config.runtimes = l.runtimes.clone();
    config.plain_processes = l.no_sandbox;
    config.terminal_logs = !l.quiet_functions;
    config.async_retry_delays = l
        .lambda_retry_delays_ms
        .iter()
        .map(|ms| Duration::from_millis(*ms))
        .collect();
    let lambda = nimbus_lambda::Lambda::new(store.clone(), config, waker.clone())?;
    Ok((Arc::new(lambda), scratch))
}

/// I/O threads: one per CPU (`NIMBUS_IO_THREADS` overrides).
fn io_threads() -> usize {
    std::env::var("NIMBUS_IO_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, 64)
}

/// Stops execution environments that have been idle too long.
async fn reap_idle(lambda: Arc<nimbus_lambda::Lambda>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        lambda.engine.reap_idle();
    }
}

/// Background upkeep: expired DynamoDB TTL items, stream retention, transaction tokens, log
/// events past their group's retention.
async fn maintain(store: Store, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let store = store.clone();
        let now = nimbus_core::time::now_millis();
        let upkeep = move || -> Result<(), String> {
            nimbus_dynamodb::maintain(&store, now).map_err(|e| e.to_string())?;
            nimbus_logs::maintain(&store, now).map_err(|e| e.to_string())
        };
        match tokio::task::spawn_blocking(upkeep).await {
            Ok(Err(e)) => tracing::warn!(error = %e, "background upkeep failed"),
            Err(e) => tracing::warn!(error = %e, "background upkeep panicked"),
            Ok(Ok(())) => {}
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NIMBUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
