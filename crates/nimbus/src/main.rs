//! The `nimbus` command.

mod cli;
mod client;
mod commands;
mod run;

use clap::Parser;

// Requests allocate many small, short-lived buffers across worker threads; glibc's allocator
// showed up as ~15% of PutItem time under load (GetItem under load: 31k/s with glibc, 46k/s
// with mimalloc). Transparent huge pages are off (`no_thp`): with them idle RSS was 13 MB, 7 MB
// without.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => run::serve(args),
        cli::Command::Invoke(args) => commands::invoke(args),
        cli::Command::Logs(args) => commands::logs(args),
        cli::Command::Functions(args) => commands::functions(args),
    }
}
