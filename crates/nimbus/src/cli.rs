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
}
