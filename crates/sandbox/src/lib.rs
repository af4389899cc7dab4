//! Runs a program as an isolated process tree that can always be killed whole.
//!
//! The sandbox knows nothing of Lambda: it is handed a program, its environment, a read-only
//! view of some host directories at chosen paths, a private writable scratch directory, and
//! memory and process limits. Two backends:
//!
//! - **bubblewrap** (`bwrap`), when it works here: the host's file system read-only, the given
//!   directories bound at their paths, fresh PID/IPC/UTS namespaces (so killing the sandbox kills
//!   everything started inside it), a user namespace that shows the program an unprivileged uid
//!   with no capabilities, and nimbus's own data hidden;
//! - **plain**: a child process in its own process group, when bubblewrap is missing or cannot
//!   create namespaces here (nimbus warns once). Paths are then the host's own.
//!
//! Either way, where the cgroup file system is writable each process tree gets a cgroup with a
//! memory and a pid limit, which also measures peak memory and tells an out-of-memory kill apart.
//! Without cgroups, peak memory is read from `/proc` and the memory limit is enforced by the
//! caller's watchdog through [`Process::memory_bytes`].

mod bwrap;
mod cgroup;
mod tree;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use tokio::process::{Child, ChildStderr, ChildStdout, Command};

pub use cgroup::Cgroups;

/// A host directory made visible inside the sandbox.
#[derive(Debug, Clone)]
pub struct Mount {
    pub host: PathBuf,
    /// Where the program sees it (bubblewrap only; the plain backend uses `host`).
    pub inside: PathBuf,
    pub writable: bool,
}

/// What to run and under which limits.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// The program, as a path the program's view resolves (see [`Sandbox::visible`]).
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The whole environment: nothing of nimbus's own leaks in.
    pub env: Vec<(String, String)>,
    /// The working directory, as the program sees it.
    pub cwd: PathBuf,
    pub mounts: Vec<Mount>,
    /// Host paths the program must not see (nimbus's data directory).
    pub hidden: Vec<PathBuf>,
    pub memory_limit_bytes: Option<u64>,
    pub pids_limit: Option<u32>,
    /// The size of the private /tmp (bubblewrap only: the plain backend has no private /tmp).
    pub tmp_size_bytes: Option<u64>,
    /// A name for the cgroup and for log lines.
    pub name: String,
    /// The CPUs the tree may run on; `None` keeps those of the thread that starts it (see
    /// `nimbus_core::cpus`).
    pub cpus: Option<Vec<usize>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Bubblewrap,
    Plain,
}

/// How processes are started on this host, decided once at start-up.
#[derive(Debug, Clone)]
pub struct Sandbox {
    backend: Backend,
    bwrap: Option<PathBuf>,
    cgroups: Option<Arc<Cgroups>>,
    /// Why the sandbox is weaker than it could be, for the one-time warning.
    pub notes: Vec<String>,
}

impl Sandbox {
    /// Probes bubblewrap and the cgroup file system. `prefer_plain` skips bubblewrap.
    pub fn detect(prefer_plain: bool) -> Sandbox {
        let mut notes = Vec::new();
        let bwrap = if prefer_plain {
            notes.push("process isolation is off (plain child processes were asked for)".into());
            None
        } else {
            match bwrap::probe() {
                Ok(path) => Some(path),
                Err(why) => {
                    notes.push(format!(
                        "bubblewrap is not usable ({why}); functions run as plain child processes. Install it with `apt-get install bubblewrap`."
                    ));
                    None
                }
            }
        };
        let cgroups = match Cgroups::detect() {
            Ok(c) => Some(Arc::new(c)),
            Err(why) => {
                notes.push(format!(
                    "cgroups are not writable ({why}); memory limits are enforced by polling and pid limits are off"
                ));
                None
            }
        };
        Sandbox {
            backend: if bwrap.is_some() {
                Backend::Bubblewrap
            } else {
                Backend::Plain
            },
            bwrap,
            cgroups,
            notes,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn has_cgroups(&self) -> bool {
        self.cgroups.is_some()
    }

    /// Where the program sees `mount`: its `inside` path under bubblewrap, the host path when
    /// processes run plain.
    pub fn visible<'m>(&self, mount: &'m Mount) -> &'m Path {
        match self.backend {
            Backend::Bubblewrap => &mount.inside,
            Backend::Plain => &mount.host,
        }
    }

    /// Starts `spec` with piped stdout and stderr.
    pub fn spawn(&self, spec: &Spec) -> std::io::Result<Process> {
        let mut cmd = match (&self.backend, &self.bwrap) {
            (Backend::Bubblewrap, Some(bwrap)) => {
                let mut c = Command::new(bwrap);
                c.args(bwrap::args(spec));
                c
            }
            _ => {
                let mut c = Command::new(&spec.program);
                c.args(&spec.args).current_dir(&spec.cwd);
                c
            }
        };
        cmd.env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // Its own process group, so the plain backend can kill the tree and a terminal's
            // Ctrl-C reaches nimbus, which then stops its children itself.
            .process_group(0);
        let cgroup = match &self.cgroups {
            Some(c) => match c.create(&spec.name, spec.memory_limit_bytes, spec.pids_limit) {
                Ok(g) => Some(g),
                Err(e) => {
                    tracing::warn!(error = %e, name = %spec.name, "cannot create a cgroup; running without limits");
                    None
                }
            },
            None => None,
        };
        // Under bubblewrap the PID namespace holds the tree together, so processes may join their
        // cgroup just after they start (see Cgroup::attach_after_spawn); a plain process tree
        // has no such hold (a child could leave with setsid), so it joins before exec.
        let late = self.backend == Backend::Bubblewrap
            && cgroup.as_ref().is_some_and(|g| g.attach_after_spawn());
        if let Some(g) = cgroup.as_ref().filter(|_| !late) {
            // Join the cgroup between fork and exec: bubblewrap forks its own child at once, so
            // moving it after spawn would leave that child outside the limits.
            tree::join_cgroups_before_exec(cmd.as_std_mut(), g.procs_files()?);
        }
        if let Some(cpus) = &spec.cpus {
            tree::set_cpus_before_exec(cmd.as_std_mut(), nimbus_core::cpus::CpuSet::of(cpus));
        }
        let mut child = cmd.spawn()?;
        let pid = child.id();
        if let (Some(g), Some(pid), true) = (cgroup.as_ref(), pid, late) {
            g.attach_tree_in_background(pid);
        }
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        Ok(Process {
            child,
            pid,
            reaped: false,
            cgroup,
            stdout,
            stderr,
        })
    }
}

/// A running sandboxed process tree.
#[derive(Debug)]
pub struct Process {
    child: Child,
    pid: Option<u32>,
    /// The top process was waited for: its pid (and process group id) may be reused now.
    reaped: bool,
    cgroup: Option<cgroup::Cgroup>,
    pub stdout: Option<ChildStdout>,
    pub stderr: Option<ChildStderr>,
}

impl Process {
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Kills every process of the tree. Safe to call more than once.
    pub fn kill(&mut self) {
        if let (Some(pid), false) = (self.pid, self.reaped) {
            // Until the leader is reaped its process group id cannot belong to anyone else.
            tree::kill_group(pid);
        }
        if let Some(g) = &self.cgroup {
            g.kill_all();
        }
        let _ = self.child.start_kill();
    }

    /// Waits for the top process to exit (after [`Process::kill`], promptly).
    pub async fn wait(&mut self) -> Option<i32> {
        let status = self.child.wait().await;
        self.reaped = status.is_ok();
        status.ok().and_then(|s| s.code())
    }

    /// Whether the top process has exited; its exit code if it has.
    pub fn try_exit(&mut self) -> Option<Option<i32>> {
        match self.child.try_wait() {
            Ok(Some(status)) => {
                self.reaped = true;
                Some(status.code())
            }
            _ => None,
        }
    }

    /// Memory in use now by the whole tree, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        match &self.cgroup {
            Some(g) => g.memory_bytes().unwrap_or(0),
            None => self.pid.map(tree::rss_bytes).unwrap_or(0),
        }
    }

    /// The highest memory use of the tree so far, in bytes.
    pub fn peak_memory_bytes(&self) -> u64 {
        match &self.cgroup {
            Some(g) => g.peak_bytes().unwrap_or(0),
            None => self.pid.map(tree::peak_rss_bytes).unwrap_or(0),
        }
    }

    /// Whether the kernel killed a process of the tree for exceeding the memory limit.
    pub fn oom_killed(&self) -> bool {
        self.cgroup.as_ref().is_some_and(|g| g.oom_killed())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
        if let Some(g) = self.cgroup.take() {
            g.remove();
        }
    }
}
