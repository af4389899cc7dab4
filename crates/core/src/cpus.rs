//! The CPUs nimbus may use, and pinning threads to them (thread-per-core).
//!
//! Each I/O thread is pinned to one CPU, and Linux gives a forked process the affinity of the
//! thread that forked it: an execution environment started from a pinned thread shares that
//! thread's CPU, so the wake-ups between the two (every Runtime API exchange) stay on one CPU
//! instead of crossing to another by an inter-processor interrupt, which is dear in a VM.

use std::sync::OnceLock;

/// A set of CPUs in the kernel's form, made before a fork so that the child only has to make
/// one system call.
#[derive(Clone, Copy)]
pub struct CpuSet(libc::cpu_set_t);

impl CpuSet {
    pub fn of(cpus: &[usize]) -> CpuSet {
        let mut set = CpuSet::empty();
        for &cpu in cpus.iter().filter(|&&c| c < MAX_CPUS) {
            // SAFETY: `cpu` is below CPU_SETSIZE, the number of CPUs a cpu_set_t holds.
            #[allow(unsafe_code)]
            unsafe {
                libc::CPU_SET(cpu, &mut set.0)
            };
        }
        set
    }

    /// Confines the calling thread to this set. Async-signal-safe (one system call), so a
    /// forked child may call it before exec.
    #[allow(unsafe_code)]
    pub fn apply_to_current_thread(&self) -> std::io::Result<()> {
        // SAFETY: a valid cpu_set_t of the size passed; pid 0 is the calling thread.
        let rc =
            unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.0) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// The calling thread's set.
    #[allow(unsafe_code)]
    pub fn of_current_thread() -> std::io::Result<CpuSet> {
        let mut set = CpuSet::empty();
        // SAFETY: a writable cpu_set_t of the size passed; pid 0 is the calling thread.
        let rc = unsafe {
            libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set.0)
        };
        if rc == 0 {
            Ok(set)
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    pub fn cpus(&self) -> Vec<usize> {
        (0..MAX_CPUS)
            // SAFETY: `i` is below CPU_SETSIZE.
            .filter(|&i| {
                #[allow(unsafe_code)]
                unsafe {
                    libc::CPU_ISSET(i, &self.0)
                }
            })
            .collect()
    }

    #[allow(unsafe_code)]
    fn empty() -> CpuSet {
        // SAFETY: cpu_set_t is a plain bit array, for which all zeroes is the empty set.
        CpuSet(unsafe { std::mem::zeroed() })
    }
}

const MAX_CPUS: usize = libc::CPU_SETSIZE as usize;

/// The CPUs this process was allowed before any of its threads was pinned.
pub fn allowed() -> &'static [usize] {
    static ALLOWED: OnceLock<Vec<usize>> = OnceLock::new();
    ALLOWED.get_or_init(|| {
        CpuSet::of_current_thread()
            .map(|s| s.cpus())
            .unwrap_or_default()
    })
}

/// Pins the calling thread to one CPU.
pub fn pin_current_thread(cpu: usize) -> std::io::Result<()> {
    allowed(); // remembered before the first pin
    CpuSet::of(&[cpu]).apply_to_current_thread()
}

/// Lets the calling thread (say, a blocking-pool thread started by a pinned one) run on every
/// CPU again.
pub fn unpin_current_thread() -> std::io::Result<()> {
    CpuSet::of(allowed()).apply_to_current_thread()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_its_cpu_and_can_be_unpinned() {
        let all = allowed().to_vec();
        assert!(!all.is_empty());
        let pinned = std::thread::spawn(move || {
            pin_current_thread(all[0]).expect("pin");
            let now = CpuSet::of_current_thread().expect("affinity").cpus();
            assert_eq!(now, vec![all[0]]);
            assert_eq!(allowed(), all.as_slice());
            unpin_current_thread().expect("unpin");
            assert_eq!(CpuSet::of_current_thread().expect("affinity").cpus(), all);
        })
        .join();
        assert!(pinned.is_ok());
    }
}
