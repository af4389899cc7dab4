//! Per-sandbox cgroups: a memory limit (the kernel kills the tree's largest process past it),
//! a pid limit (fork bombs stop there), peak memory, out-of-memory detection and kill-all.
//!
//! Both layouts are handled: cgroup v1 (separate `memory` and `pids` hierarchies) and v2 (one
//! unified hierarchy, where the parent must delegate the controllers). nimbus makes one
//! directory `nimbus-<pid>` under its own cgroup in each hierarchy and one child per sandbox.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const CGROUP_FS: &str = "/sys/fs/cgroup";

#[derive(Debug, Clone)]
enum Layout {
    V1 {
        memory: PathBuf,
        pids: Option<PathBuf>,
    },
    V2 {
        base: PathBuf,
    },
}

/// nimbus's cgroup directories, created at start-up and removed when dropped.
#[derive(Debug)]
pub struct Cgroups {
    layout: Layout,
}

/// One sandbox's cgroup(s).
#[derive(Debug)]
pub(crate) struct Cgroup {
    dirs: Vec<PathBuf>,
    v2: bool,
    /// The usage and peak files, kept open: they are read after every invocation.
    current: Option<fs::File>,
    peak: Option<fs::File>,
}

impl Cgroup {
    fn new(dirs: Vec<PathBuf>, v2: bool) -> Cgroup {
        let (current, peak) = if v2 {
            ("memory.current", "memory.peak")
        } else {
            ("memory.usage_in_bytes", "memory.max_usage_in_bytes")
        };
        Cgroup {
            current: fs::File::open(dirs[0].join(current)).ok(),
            peak: fs::File::open(dirs[0].join(peak)).ok(),
            dirs,
            v2,
        }
    }
}

/// A number file of the cgroup file system, read from the start.
fn read_open(file: &Option<fs::File>) -> Option<u64> {
    use std::os::unix::fs::FileExt;
    let mut buf = [0u8; 32];
    let n = file.as_ref()?.read_at(&mut buf, 0).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

/// Our own cgroup path in the hierarchy whose controller list contains `controller` (v1), or in
/// the unified hierarchy (`controller` empty).
fn own_path(controller: &str) -> Option<String> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let _id = parts.next()?;
        let controllers = parts.next()?;
        let path = parts.next()?;
        let hit = if controller.is_empty() {
            controllers.is_empty()
        } else {
            controllers.split(',').any(|c| c == controller)
        };
        hit.then(|| path.to_string())
    })
}

fn make_base(hierarchy: &Path, own: &str) -> io::Result<PathBuf> {
    let base = hierarchy
        .join(own.trim_start_matches('/'))
        .join(format!("nimbus-{}", std::process::id()));
    if !base.exists() {
        fs::create_dir(&base)?;
    }
    Ok(base)
}

impl Cgroups {
    pub fn detect() -> Result<Cgroups, String> {
        let root = Path::new(CGROUP_FS);
        if root.join("cgroup.controllers").exists() {
            let own = own_path("").ok_or("no unified cgroup in /proc/self/cgroup")?;
            let parent = root.join(own.trim_start_matches('/'));
            let delegated =
                fs::read_to_string(parent.join("cgroup.subtree_control")).unwrap_or_default();
            if !delegated.split_whitespace().any(|c| c == "memory") {
                fs::write(parent.join("cgroup.subtree_control"), "+memory +pids")
                    .map_err(|e| format!("cannot delegate the memory controller: {e}"))?;
            }
            let base = make_base(root, &own).map_err(|e| e.to_string())?;
            fs::write(base.join("cgroup.subtree_control"), "+memory +pids")
                .map_err(|e| format!("cannot enable memory and pids controllers: {e}"))?;
            return Ok(Cgroups {
                layout: Layout::V2 { base },
            });
        }
        let mem_root = root.join("memory");
        if !mem_root.join("memory.limit_in_bytes").exists() && !mem_root.is_dir() {
            return Err("no memory cgroup hierarchy".into());
        }
        let own = own_path("memory").ok_or("no memory cgroup in /proc/self/cgroup")?;
        let memory = make_base(&mem_root, &own).map_err(|e| e.to_string())?;
        let pids = own_path("pids").and_then(|own| make_base(&root.join("pids"), &own).ok());
        Ok(Cgroups {
            layout: Layout::V1 { memory, pids },
        })
    }

    pub(crate) fn create(
        &self,
        name: &str,
        memory: Option<u64>,
        pids: Option<u32>,
    ) -> io::Result<Cgroup> {
        let leaf: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match &self.layout {
            Layout::V2 { base } => {
                let dir = base.join(&leaf);
                fs::create_dir_all(&dir)?;
                if let Some(m) = memory {
                    fs::write(dir.join("memory.max"), m.to_string())?;
                    let _ = fs::write(dir.join("memory.swap.max"), "0");
                }
                if let Some(p) = pids {
                    let _ = fs::write(dir.join("pids.max"), p.to_string());
                }
                Ok(Cgroup::new(vec![dir], true))
            }
            Layout::V1 {
                memory: mem_base,
                pids: pids_base,
            } => {
                let mem_dir = mem_base.join(&leaf);
                fs::create_dir_all(&mem_dir)?;
                if let Some(m) = memory {
                    fs::write(mem_dir.join("memory.limit_in_bytes"), m.to_string())?;
                    // Without this the limit would push the tree into swap instead of failing.
                    let _ = fs::write(mem_dir.join("memory.memsw.limit_in_bytes"), m.to_string());
                    // Charges move with a process that joins late (see attach_tree_in_background).
                    let _ = fs::write(mem_dir.join("memory.move_charge_at_immigrate"), "3");
                }
                let mut dirs = vec![mem_dir];
                if let (Some(base), Some(p)) = (pids_base, pids) {
                    let dir = base.join(&leaf);
                    if fs::create_dir_all(&dir).is_ok()
                        && fs::write(dir.join("pids.max"), p.to_string()).is_ok()
                    {
                        dirs.push(dir);
                    }
                }
                Ok(Cgroup::new(dirs, false))
            }
        }
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        let bases = match &self.layout {
            Layout::V2 { base } => vec![base.clone()],
            Layout::V1 { memory, pids } => std::iter::once(memory.clone())
                .chain(pids.clone())
                .collect(),
        };
        for base in bases {
            // Children whose processes are gone can go; the kernel refuses the others.
            if let Ok(entries) = fs::read_dir(&base) {
                for e in entries.flatten().filter(|e| e.path().is_dir()) {
                    let _ = fs::remove_dir(e.path());
                }
            }
            let _ = fs::remove_dir(&base);
        }
    }
}

impl Cgroup {
    /// Whether processes join after they start. Moving a process into a v1 cgroup waits for an
    /// RCU grace period (milliseconds, more on a VM): done between fork and exec it would hold
    /// up every cold start and the thread that spawns it. v1 moves the memory charged before
    /// the move along (`move_charge_at_immigrate`), so joining a few milliseconds late loses
    /// nothing; v2 cannot, so there processes join before exec.
    pub(crate) fn attach_after_spawn(&self) -> bool {
        !self.v2
    }

    /// Moves `root` and every descendant it has started meanwhile into this cgroup, on a helper
    /// thread, until a pass finds none left outside (children started after a process joined
    /// are born inside).
    pub(crate) fn attach_tree_in_background(&self, root: u32) {
        let dirs = self.dirs.clone();
        std::thread::spawn(move || {
            // Started from a pinned I/O thread, this thread would share one CPU with the new
            // process it must move before that process allocates much: let it run on any.
            let _ = nimbus_core::cpus::unpin_current_thread();
            for _ in 0..20 {
                let outside: Vec<u32> = crate::tree::descendants(root)
                    .into_iter()
                    .filter(|pid| !in_cgroups(*pid, &dirs))
                    .collect();
                if outside.is_empty() {
                    return;
                }
                for pid in outside {
                    for dir in &dirs {
                        let _ = fs::write(dir.join("cgroup.procs"), pid.to_string());
                    }
                }
            }
        });
    }

    /// The `cgroup.procs` files a process writes "0" to in order to join this cgroup.
    pub(crate) fn procs_files(&self) -> io::Result<Vec<std::ffi::CString>> {
        use std::os::unix::ffi::OsStrExt;
        self.dirs
            .iter()
            .map(|d| {
                std::ffi::CString::new(d.join("cgroup.procs").as_os_str().as_bytes())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
            })
            .collect()
    }

    fn memory_dir(&self) -> &Path {
        &self.dirs[0]
    }

    pub(crate) fn memory_bytes(&self) -> Option<u64> {
        read_open(&self.current)
    }

    pub(crate) fn peak_bytes(&self) -> Option<u64> {
        read_open(&self.peak).or_else(|| self.memory_bytes())
    }

    pub(crate) fn oom_killed(&self) -> bool {
        let file = if self.v2 {
            "memory.events"
        } else {
            "memory.oom_control"
        };
        fs::read_to_string(self.memory_dir().join(file))
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("oom_kill "))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .is_some_and(|n| n > 0)
    }

    pub(crate) fn kill_all(&self) {
        if self.v2 && fs::write(self.memory_dir().join("cgroup.kill"), "1").is_ok() {
            return;
        }
        for dir in &self.dirs {
            if let Ok(procs) = fs::read_to_string(dir.join("cgroup.procs")) {
                for pid in procs.lines().filter_map(|l| l.trim().parse::<u32>().ok()) {
                    crate::tree::kill_pid(pid);
                }
            }
        }
    }

    /// Removes the cgroup once its processes are gone (the kernel refuses while any remain, so
    /// this retries briefly on a helper thread rather than blocking the caller).
    pub(crate) fn remove(self) {
        let dirs = self.dirs;
        std::thread::spawn(move || {
            for _ in 0..50 {
                if dirs
                    .iter()
                    .all(|d| fs::remove_dir(d).is_ok() || !d.exists())
                {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        });
    }
}

/// Whether `pid` is in every one of `dirs` (by its `/proc/<pid>/cgroup` paths).
fn in_cgroups(pid: u32, dirs: &[PathBuf]) -> bool {
    let Ok(text) = fs::read_to_string(format!("/proc/{pid}/cgroup")) else {
        return true; // gone: nothing to move
    };
    dirs.iter().all(|d| {
        let path = d.to_string_lossy();
        text.lines().any(|l| {
            l.rsplit_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && p != "/" && path.ends_with(p))
        })
    })
}
