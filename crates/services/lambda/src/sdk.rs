//! The AWS SDKs functions expect their runtime to provide, as Lambda's do: boto3 for Python and
//! the AWS SDK for JavaScript v3 for Node.js 18+.
//!
//! When the host's interpreter already has them, nothing is done. Otherwise they are installed
//! once (pip / npm) into `~/.cache/nimbus/sdk` and mounted read-only at `/var/sdk`,
//! after the function's own packages on the module path, so a function that bundles its own
//! copy keeps it. Without network access the installation fails once, with a warning that says
//! how to provide the SDK instead; functions then fail to import it as they would anywhere.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;
use tokio::sync::OnceCell;

/// The v3 clients provisioned for Node.js functions (Lambda bundles all of them; these are the
/// ones serverless applications use).
const NODE_PACKAGES: &[&str] = &[
    "@aws-sdk/client-dynamodb",
    "@aws-sdk/lib-dynamodb",
    "@aws-sdk/client-s3",
    "@aws-sdk/s3-request-presigner",
    "@aws-sdk/client-sqs",
    "@aws-sdk/client-sns",
    "@aws-sdk/client-ses",
    "@aws-sdk/client-sesv2",
    "@aws-sdk/client-lambda",
    "@aws-sdk/client-eventbridge",
    "@aws-sdk/client-cloudwatch-logs",
    "@aws-sdk/client-sts",
];
const COMPLETE: &str = ".nimbus-complete";

pub struct Sdks {
    cache: PathBuf,
    python: OnceCell<Option<PathBuf>>,
    node: OnceCell<Option<PathBuf>>,
}

/// `$XDG_CACHE_HOME/nimbus/sdk`, else `~/.cache/nimbus/sdk`, else `fallback`.
pub fn default_cache(fallback: &Path) -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("nimbus").join("sdk");
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home)
            .join(".cache")
            .join("nimbus")
            .join("sdk"),
        None => fallback.join("sdk"),
    }
}

async fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    matches!(cmd.status().await, Ok(s) if s.success())
}

async fn run_logged(cmd: &mut Command, what: &str) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match cmd.output().await {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = err.lines().rev().take(3).collect();
            tracing::warn!(
                "{what} failed: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            );
            false
        }
        Err(e) => {
            tracing::warn!("{what} could not run: {e}");
            false
        }
    }
}

impl Sdks {
    pub fn new(cache: PathBuf) -> Sdks {
        Sdks {
            cache,
            python: OnceCell::new(),
            node: OnceCell::new(),
        }
    }

    /// The directory to put on a Python function's path for boto3, if the interpreter lacks it.
    pub async fn python(&self, interpreter: &Path) -> Option<PathBuf> {
        self.python
            .get_or_init(|| async {
                let mut probe = Command::new(interpreter);
                probe.args(["-c", "import boto3"]).env_clear();
                if succeeds(&mut probe).await {
                    return None;
                }
                let dir = self.cache.join("python");
                if dir.join(COMPLETE).exists() {
                    return Some(dir);
                }
                eprintln!("nimbus: installing boto3 for Python functions into {} (once)...", dir.display());
                let staging = self.cache.join(format!(".python.{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&staging);
                let mut pip = Command::new(interpreter);
                pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location", "--target"])
                    .arg(&staging)
                    .arg("boto3");
                let mut installed = run_logged(&mut pip, "pip install boto3").await;
                if !installed {
                    let mut pip3 = Command::new("pip3");
                    pip3.args(["install", "--quiet", "--disable-pip-version-check", "--target"]).arg(&staging).arg("boto3");
                    installed = run_logged(&mut pip3, "pip3 install boto3").await;
                }
                finish(installed, &staging, &dir, "boto3", "pip install boto3 for the interpreter nimbus uses, or bundle boto3 in the function's package")
            })
            .await
            .clone()
    }

    /// The directory whose `node_modules` holds the AWS SDK v3, if the host's node lacks it.
    pub async fn node(&self, node: &Path) -> Option<PathBuf> {
        self.node
            .get_or_init(|| async {
                let mut probe = Command::new(node);
                probe.args(["-e", "require.resolve('@aws-sdk/client-dynamodb')"]);
                if succeeds(&mut probe).await {
                    return None;
                }
                let dir = self.cache.join("node");
                if dir.join(COMPLETE).exists() {
                    return Some(dir);
                }
                eprintln!("nimbus: installing the AWS SDK for JavaScript v3 for Node.js functions into {} (once)...", dir.display());
                let staging = self.cache.join(format!(".node.{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&staging);
                let _ = std::fs::create_dir_all(&staging);
                let mut npm = Command::new("npm");
                npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
                    .arg(&staging)
                    .args(NODE_PACKAGES);
                let installed = run_logged(&mut npm, "npm install @aws-sdk/*").await;
                finish(installed, &staging, &dir, "the AWS SDK for JavaScript v3", "npm install the @aws-sdk clients globally, or bundle them in the function's package")
            })
            .await
            .clone()
    }
}

fn finish(
    installed: bool,
    staging: &Path,
    dir: &Path,
    what: &str,
    advice: &str,
) -> Option<PathBuf> {
    if installed
        && std::fs::write(staging.join(COMPLETE), b"").is_ok()
        && (std::fs::rename(staging, dir).is_ok() || dir.join(COMPLETE).exists())
    {
        return Some(dir.to_path_buf());
    }
    let _ = std::fs::remove_dir_all(staging);
    tracing::warn!("{what} is not available to functions; {advice}");
    None
}
