//! The `nimbus` command.

mod cli;
mod run;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => run::serve(args),
    }
}
