//! Process-tree helpers over `/proc` and signals.

use std::collections::HashMap;

/// Sends SIGKILL to the process group `pgid`.
#[allow(unsafe_code)]
pub(crate) fn kill_group(pgid: u32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) takes plain integers and touches no memory of ours; a negative pid names
    // the process group, which the caller guarantees is the sandbox's own (its leader has not
    // been reaped, so the id cannot have been reused).
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Sends SIGKILL to one process.
#[allow(unsafe_code)]
pub(crate) fn kill_pid(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    if pid <= 1 {
        return;
    }
    // SAFETY: as above; `pid` comes from the sandbox's own cgroup.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// `root` and all its descendants.
pub(crate) fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The command name may contain spaces and parentheses: the fields after the last ')'.
            let Some(ppid) = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c);
        }
        i += 1;
    }
    out
}

fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resident memory of the tree now.
pub(crate) fn rss_bytes(root: u32) -> u64 {
    descendants(root)
        .into_iter()
        .map(|p| status_kb(p, "VmRSS:"))
        .sum::<u64>()
        * 1024
}

/// The sum of each live process's own peak resident memory.
pub(crate) fn peak_rss_bytes(root: u32) -> u64 {
    descendants(root)
        .into_iter()
        .map(|p| status_kb(p, "VmHWM:"))
        .sum::<u64>()
        * 1024
}

/// Gives the child its CPUs between fork and exec.
#[allow(unsafe_code)]
pub(crate) fn set_cpus_before_exec(
    cmd: &mut std::process::Command,
    set: nimbus_core::cpus::CpuSet,
) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec: it makes one system call
    // (sched_setaffinity) on a set prepared before the fork, and allocates nothing.
    unsafe {
        cmd.pre_exec(move || set.apply_to_current_thread());
    }
}

/// Makes the child write "0" (itself) into each `cgroup.procs` file between fork and exec.
#[allow(unsafe_code)]
pub(crate) fn join_cgroups_before_exec(
    cmd: &mut std::process::Command,
    files: Vec<std::ffi::CString>,
) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: it only calls open(2), write(2) and close(2) on paths prepared before
    // the fork, and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            for path in &files {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                libc::close(fd);
                if written != 1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}
