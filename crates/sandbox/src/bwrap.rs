//! The bubblewrap command line for a [`Spec`].

use std::path::PathBuf;
use std::process::Command;

use crate::Spec;

/// The uid and gid the program sees inside the user namespace (Lambda's `sbx_user1051`).
const SANDBOX_UID: &str = "993";
const SANDBOX_GID: &str = "990";

/// Finds `bwrap` and checks that it can create the namespaces used here.
pub(crate) fn probe() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("bwrap"))
                .find(|p| p.is_file())
        })
        .ok_or("bwrap is not installed")?;
    let out = Command::new(&path)
        .args(base_args())
        .args(["--size", "1048576", "--tmpfs", "/tmp", "--", "/bin/true"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    if out.status.success() {
        Ok(path)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn base_args() -> Vec<String> {
    [
        "--die-with-parent",
        "--new-session",
        "--unshare-user",
        "--uid",
        SANDBOX_UID,
        "--gid",
        SANDBOX_GID,
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "localhost",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        // Lambda's own paths (/var/task, /var/runtime, ...) live under an empty /var.
        "--tmpfs",
        "/var",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub(crate) fn args(spec: &Spec) -> Vec<String> {
    let mut a = base_args();
    if let Some(size) = spec.tmp_size_bytes {
        a.push("--size".into());
        a.push(size.to_string());
    }
    a.push("--tmpfs".into());
    a.push("/tmp".into());
    for hidden in &spec.hidden {
        if hidden.exists() {
            a.push("--tmpfs".into());
            a.push(hidden.display().to_string());
        }
    }
    for m in &spec.mounts {
        a.push(if m.writable { "--bind" } else { "--ro-bind" }.into());
        a.push(m.host.display().to_string());
        a.push(m.inside.display().to_string());
    }
    a.push("--chdir".into());
    a.push(spec.cwd.display().to_string());
    a.push("--".into());
    a.push(spec.program.display().to_string());
    a.extend(spec.args.iter().cloned());
    a
}
