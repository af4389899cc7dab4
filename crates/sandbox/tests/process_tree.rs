//! The sandbox on this host: a killed tree leaves no process behind, the program sees the
//! mounts where it was told, and (with cgroups) a memory limit ends in an out-of-memory kill.

use std::path::PathBuf;
use std::time::Duration;

use nimbus_sandbox::{Backend, Mount, Sandbox, Spec};
use tokio::io::AsyncReadExt;

fn marker() -> String {
    format!(
        "nimbus-sandbox-test-{}-{}",
        std::process::id(),
        fastrand_suffix()
    )
}

fn fastrand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Processes whose command line mentions `marker`.
fn survivors(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    std::fs::read(e.path().join("cmdline"))
                        .map(|c| String::from_utf8_lossy(&c).contains(marker))
                        .unwrap_or(false)
                })
                .count()
        })
        .unwrap_or(0)
}

fn shell(sandbox: &Sandbox, script: &str, dir: &std::path::Path) -> Spec {
    let mount = Mount {
        host: dir.to_path_buf(),
        inside: PathBuf::from("/var/task"),
        writable: false,
    };
    let cwd = sandbox.visible(&mount).to_path_buf();
    Spec {
        program: PathBuf::from("/bin/sh"),
        args: vec!["-c".into(), script.into()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        cwd,
        mounts: vec![mount],
        name: marker(),
        pids_limit: Some(64),
        ..Spec::default()
    }
}

#[tokio::test]
async fn killing_the_sandbox_kills_the_whole_tree() {
    kill_tree_with(Sandbox::detect(false)).await;
}

#[tokio::test]
async fn killing_a_plain_process_kills_its_tree() {
    kill_tree_with(Sandbox::detect(true)).await;
}

async fn kill_tree_with(sandbox: Sandbox) {
    let dir = std::env::temp_dir();
    let mark = marker();
    // Children that ignore the parent and detach into their own sessions.
    let child = format!("sh -c 'sleep 300; true' {mark}");
    let script = format!("(setsid {child} &) ; {child} & {child} & echo started; wait");
    let mut p = sandbox
        .spawn(&shell(&sandbox, &script, &dir))
        .expect("spawn");
    let mut out = p.stdout.take().expect("stdout");
    let mut buf = [0u8; 8];
    let n = out.read(&mut buf).await.expect("read");
    assert_eq!(&buf[..n], b"started\n");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(survivors(&mark) >= 3, "the children are running");
    p.kill();
    p.wait().await;
    let mut left = survivors(&mark);
    for _ in 0..50 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = survivors(&mark);
    }
    if sandbox.backend() == Backend::Plain && !sandbox.has_cgroups() {
        // Without namespaces or cgroups a process that left the group with setsid escapes.
        assert!(left <= 1, "{left} processes left");
    } else {
        assert_eq!(left, 0, "processes left after kill");
    }
}

/// A process tree started from a thread pinned to one CPU stays on it, unless its spec names
/// the CPUs it may use.
#[test]
fn a_tree_runs_on_its_spawning_threads_cpu_or_on_those_its_spec_names() {
    let all = nimbus_core::cpus::allowed().to_vec();
    let cpus_seen = |cpus: Option<Vec<usize>>| {
        let all = all.clone();
        std::thread::spawn(move || {
            nimbus_core::cpus::pin_current_thread(all[0]).expect("pin");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let sandbox = Sandbox::detect(false);
                let dir = std::env::temp_dir().join(marker());
                std::fs::create_dir_all(&dir).expect("dir");
                let script = "grep Cpus_allowed_list /proc/self/status | cut -f2";
                let spec = Spec {
                    cpus,
                    ..shell(&sandbox, script, &dir)
                };
                let mut p = sandbox.spawn(&spec).expect("spawn");
                let mut text = String::new();
                p.stdout
                    .take()
                    .expect("stdout")
                    .read_to_string(&mut text)
                    .await
                    .expect("read");
                p.wait().await;
                let _ = std::fs::remove_dir_all(dir);
                text.trim().to_string()
            })
        })
        .join()
        .expect("thread")
    };
    assert_eq!(cpus_seen(None), all[0].to_string());
    let last = *all.last().expect("a CPU");
    assert_eq!(cpus_seen(Some(vec![last])), last.to_string());
}

#[tokio::test]
async fn mounts_appear_where_the_program_looks() {
    let sandbox = Sandbox::detect(false);
    let dir = std::env::temp_dir().join(marker());
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("handler.txt"), "hello").expect("write");
    let mut p = sandbox
        .spawn(&shell(&sandbox, "cat handler.txt; pwd", &dir))
        .expect("spawn");
    let mut text = String::new();
    p.stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut text)
        .await
        .expect("read");
    p.wait().await;
    let expected_cwd = if sandbox.backend() == Backend::Bubblewrap {
        "/var/task".to_string()
    } else {
        dir.display().to_string()
    };
    assert_eq!(text, format!("hello{expected_cwd}\n"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn memory_limit_ends_in_an_oom_kill() {
    let sandbox = Sandbox::detect(false);
    if !sandbox.has_cgroups() {
        eprintln!("skipped: no writable cgroups here ({:?})", sandbox.notes);
        return;
    }
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(python) = python else {
        eprintln!("skipped: no system python3");
        return;
    };
    let dir = std::env::temp_dir();
    let mut spec = shell(
        &sandbox,
        &format!("{python} -c 'x = bytearray(256 * 1024 * 1024); print(len(x))'"),
        &dir,
    );
    spec.memory_limit_bytes = Some(64 * 1024 * 1024);
    let mut p = sandbox.spawn(&spec).expect("spawn");
    let mut text = String::new();
    p.stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut text)
        .await
        .expect("read");
    p.wait().await;
    assert_eq!(text, "", "the allocation must not succeed");
    assert!(p.oom_killed(), "the kernel's OOM kill is reported");
    assert!(p.peak_memory_bytes() >= 32 * 1024 * 1024);
}
