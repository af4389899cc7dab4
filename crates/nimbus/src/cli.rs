//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// nimbus: the AWS serverless stack on one machine.
#[derive(Debug, Parser)]
#[command(name = "nimbus", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every AWS API on one port.
    Serve(ServeArgs),
    /// Invoke a function on a running nimbus and print its result (its log tail on stderr).
    Invoke(InvokeArgs),
    /// Print a function's logs (`--follow` to keep printing new ones).
    Logs(LogsArgs),
    /// List the functions of a running nimbus.
    Functions(ClientArgs),
}

/// Where the running nimbus is.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The nimbus to talk to.
    #[arg(
        long,
        default_value = "http://127.0.0.1:4566",
        env = "AWS_ENDPOINT_URL"
    )]
    pub endpoint: String,
    /// The region of the function.
    #[arg(long, default_value = "us-east-1", env = "AWS_DEFAULT_REGION")]
    pub region: String,
    /// The access key whose account to use (a 12-digit key is the account itself).
    #[arg(
        long,
        default_value = "test",
        env = "AWS_ACCESS_KEY_ID",
        hide_env_values = true
    )]
    pub access_key: String,
}

#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// Function name or ARN.
    pub name: String,
    /// The event: JSON text, or @FILE to read it from a file.
    #[arg(long, default_value = "{}")]
    pub payload: String,
    /// Version or alias to invoke.
    #[arg(long)]
    pub qualifier: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Function name.
    pub name: String,
    /// Keep printing new events until interrupted.
    #[arg(long, short)]
    pub follow: bool,
    /// How far back to start, in minutes.
    #[arg(long, default_value_t = 60)]
    pub since_minutes: u64,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "NIMBUS_HOST")]
    pub host: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 4566, env = "NIMBUS_PORT")]
    pub port: u16,
    /// Directory holding nimbus's state.
    #[arg(
        long,
        default_value = ".nimbus",
        env = "NIMBUS_DATA_DIR",
        conflicts_with = "ephemeral"
    )]
    pub data_dir: PathBuf,
    /// Keep all state in memory; nothing survives the process.
    #[arg(long)]
    pub ephemeral: bool,
    /// How often expired DynamoDB TTL items are swept, in milliseconds.
    #[arg(long, default_value_t = 1000, env = "NIMBUS_TTL_SWEEP_MS")]
    pub ttl_sweep_ms: u64,
    #[command(flatten)]
    pub lambda: LambdaArgs,
}

/// How Lambda functions run.
#[derive(Debug, Args)]
pub struct LambdaArgs {
    /// Use this interpreter for a runtime, e.g. `--runtime python3.12=/usr/bin/python3.12`
    /// (repeatable).
    #[arg(long = "runtime", value_name = "ID=PATH", value_parser = parse_runtime)]
    pub runtimes: Vec<(String, PathBuf)>,
    /// Concurrent executions per account (Lambda's default quota is 1000).
    #[arg(long, default_value_t = 1000, env = "NIMBUS_LAMBDA_CONCURRENCY")]
    pub lambda_concurrency: u32,
    /// Seconds an idle execution environment is kept warm.
    #[arg(long, default_value_t = 600, env = "NIMBUS_LAMBDA_IDLE_SECONDS")]
    pub lambda_idle_seconds: u64,
    /// Delays before the retries of a failed asynchronous invocation, in milliseconds
    /// (Lambda waits about a minute, then two).
    #[arg(long, value_delimiter = ',', default_values_t = [60_000u64, 120_000], env = "NIMBUS_LAMBDA_RETRY_DELAYS_MS")]
    pub lambda_retry_delays_ms: Vec<u64>,
    /// Run functions as plain child processes, without bubblewrap isolation.
    #[arg(long, env = "NIMBUS_NO_SANDBOX")]
    pub no_sandbox: bool,
    /// Do not copy function logs to nimbus's own output.
    #[arg(long, env = "NIMBUS_QUIET_FUNCTIONS")]
    pub quiet_functions: bool,
}

fn parse_runtime(s: &str) -> Result<(String, PathBuf), String> {
    let (id, path) = s.split_once('=').ok_or_else(|| {
        format!("expected ID=PATH (e.g. python3.12=/usr/bin/python3.12), got '{s}'")
    })?;
    Ok((id.to_string(), PathBuf::from(path)))
}
