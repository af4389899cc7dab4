//! One environment's log pipeline: its stdout and stderr become CloudWatch Logs events in its
//! log stream (with Lambda's START/END/REPORT lines between them), a live copy on nimbus's
//! terminal, and the last 4 KB of each invocation for `LogType: Tail`.
//!
//! Lines collect in a buffer shared by the two pipe readers, the invoker and a flusher task
//! that writes them out every [`FLUSH_EVERY`]. The invoker appends its own lines and drains the
//! pipes itself (a non-blocking read) before it closes an invocation, so the function's last
//! lines always come before END, and a warm invocation costs no extra task wake-ups. Readers stop
//! reading while the buffer is full, so a function that floods its output is slowed down by its
//! pipe (as on Lambda) instead of growing nimbus's memory.

use std::io::ErrorKind;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nimbus_store::Store;
use tokio::net::unix::pipe;
use tokio::sync::Notify;

/// Where an environment's events go.
#[derive(Debug, Clone)]
pub struct Destination {
    pub account: String,
    pub region: String,
    pub group: String,
    pub stream: String,
    /// The prefix of the live copy on the terminal (the function name), or None for no copy.
    pub terminal: Option<String>,
}

/// The most of an invocation's log returned in `X-Amz-Log-Result`.
const TAIL_BYTES: usize = 4096;
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Readers wait while this much is buffered.
const FULL_BYTES: usize = 4 * 1024 * 1024;
/// CloudWatch Logs' largest event; longer lines are split.
const MAX_EVENT: usize = 256 * 1024;
const READ_CHUNK: usize = 64 * 1024;

#[derive(Default)]
struct Buffer {
    events: Vec<(i64, String)>,
    bytes: usize,
    tail: Option<String>,
    closed: bool,
}

/// One of the function's output pipes and the partial line read from it so far.
struct Pipe {
    receiver: pipe::Receiver,
    partial: Mutex<Vec<u8>>,
}

struct Shared {
    buffer: Mutex<Buffer>,
    /// Wakes readers waiting for room and the flusher when the buffer fills.
    room: Notify,
    full: Notify,
    pipes: Vec<Arc<Pipe>>,
}

/// The environment's handle on its pipeline; dropping it writes out what is left.
pub struct Sink {
    shared: Arc<Shared>,
    flusher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the readers of the function's output pipes and the flusher.
pub fn start(store: Store, dest: Destination, outputs: Vec<OwnedFd>) -> Sink {
    let pipes: Vec<Arc<Pipe>> = outputs
        .into_iter()
        .filter_map(|fd| match pipe::Receiver::from_owned_fd(fd) {
            Ok(receiver) => Some(Arc::new(Pipe {
                receiver,
                partial: Mutex::new(Vec::new()),
            })),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a function's output");
                None
            }
        })
        .collect();
    let shared = Arc::new(Shared {
        buffer: Mutex::new(Buffer::default()),
        room: Notify::new(),
        full: Notify::new(),
        pipes: pipes.clone(),
    });
    for p in pipes {
        tokio::spawn(read_pipe(shared.clone(), p));
    }
    let flusher = tokio::spawn(flush_loop(store, dest, shared.clone()));
    Sink {
        shared,
        flusher: Mutex::new(Some(flusher)),
    }
}

impl Sink {
    /// Appends a line of Lambda's own (START, END, REPORT, errors).
    pub fn platform(&self, line: String) {
        push_line(&self.shared, line);
    }

    /// Starts collecting the tail of an invocation.
    pub fn begin_tail(&self) {
        lock(&self.shared.buffer).tail = Some(String::new());
    }

    /// Ends the tail and answers its last 4 KB.
    pub fn end_tail(&self) -> String {
        let mut t = lock(&self.shared.buffer).tail.take().unwrap_or_default();
        if t.len() > TAIL_BYTES {
            let cut = ceil_char_boundary(&t, t.len() - TAIL_BYTES);
            t.drain(..cut);
        }
        t
    }

    /// Takes in everything the function has written so far (its pipes may still hold it).
    pub fn drain_output(&self) {
        for p in &self.shared.pipes {
            read_available(&self.shared, p, true);
        }
    }

    /// Marks the pipeline finished: the flusher writes what is left and stops.
    pub fn close(&self) {
        self.drain_output();
        lock(&self.shared.buffer).closed = true;
        self.shared.full.notify_one();
    }

    /// Closes the pipeline and waits until everything is written out.
    pub async fn finish(&self) {
        self.close();
        let handle = lock(&self.flusher).take();
        if let Some(h) = handle {
            let _ = h.await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.close();
    }
}

/// Reads what the pipe has now, without waiting. Answers false once it is closed.
fn read_available(shared: &Shared, p: &Pipe, end_of_invocation: bool) -> bool {
    let mut partial = lock(&p.partial);
    let mut open = true;
    loop {
        // Read straight into the line buffer: no zeroed scratch buffer per call (this runs after
        // every invocation, usually to find the pipe empty).
        partial.reserve(READ_CHUNK);
        match p.receiver.try_read_buf(&mut *partial) {
            Ok(0) => {
                open = false;
                break;
            }
            Ok(_) => {
                if partial.len() > READ_CHUNK * 4 {
                    break; // let the buffer's backpressure apply
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                open = false;
                break;
            }
        }
    }
    let mut start = 0;
    while let Some(at) = partial[start..].iter().position(|b| *b == b'\n') {
        push_line(shared, text_of(&partial[start..start + at]));
        start += at + 1;
    }
    partial.drain(..start);
    // At the end of an invocation (or of the pipe) a partial line is a line of its own.
    if (end_of_invocation || !open) && !partial.is_empty() {
        let line = std::mem::take(&mut *partial);
        push_line(shared, text_of(&line));
    }
    open
}

fn text_of(bytes: &[u8]) -> String {
    // Runtimes join multi-line messages (tracebacks) with \r so that they stay one event.
    String::from_utf8_lossy(bytes).replace('\r', "\n")
}

fn push_line(shared: &Shared, text: String) {
    let now = nimbus_core::time::now_millis();
    let mut b = lock(&shared.buffer);
    if let Some(t) = b.tail.as_mut() {
        t.push_str(&text);
        t.push('\n');
    }
    let mut rest = text.as_str();
    loop {
        let cut = floor_char_boundary(rest, MAX_EVENT);
        let (head, more) = rest.split_at(cut);
        b.bytes += head.len();
        b.events.push((
            now,
            if head.is_empty() {
                "\n".into()
            } else {
                head.to_string()
            },
        ));
        rest = more;
        if rest.is_empty() {
            break;
        }
    }
    if b.bytes >= FULL_BYTES {
        shared.full.notify_one();
    }
}

async fn read_pipe(shared: Arc<Shared>, p: Arc<Pipe>) {
    loop {
        // Backpressure: while the buffer is full, leave the function's output in its pipe.
        loop {
            let room = shared.room.notified();
            if lock(&shared.buffer).bytes < FULL_BYTES {
                break;
            }
            room.await;
        }
        if p.receiver.readable().await.is_err() {
            break;
        }
        if !read_available(&shared, &p, false) {
            break;
        }
    }
}

async fn flush_loop(store: Store, dest: Destination, shared: Arc<Shared>) {
    loop {
        let _ = tokio::time::timeout(FLUSH_EVERY, shared.full.notified()).await;
        let (events, closed) = {
            let mut b = lock(&shared.buffer);
            b.bytes = 0;
            (std::mem::take(&mut b.events), b.closed)
        };
        shared.room.notify_waiters();
        if !events.is_empty() {
            if let Some(prefix) = &dest.terminal {
                let mut out = String::new();
                for (_, text) in &events {
                    for line in text.lines() {
                        out.push_str(&format!("\x1b[36m{prefix}\x1b[0m {line}\n"));
                    }
                }
                use std::io::Write;
                let _ = std::io::stdout().lock().write_all(out.as_bytes());
            }
            persist(&store, &dest, events).await;
        }
        if closed {
            break;
        }
    }
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0)
}

fn ceil_char_boundary(s: &str, at: usize) -> usize {
    (at..=s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len())
}

async fn persist(store: &Store, dest: &Destination, events: Vec<(i64, String)>) {
    let store = store.clone();
    let d = dest.clone();
    let written = tokio::task::spawn_blocking(move || {
        nimbus_logs::append(&store, &d.account, &d.region, &d.group, &d.stream, &events)
    })
    .await;
    match written {
        Ok(Err(e)) => tracing::warn!(error = %e, group = %dest.group, "cannot store function logs"),
        Err(e) => tracing::warn!(error = %e, "the log writer failed"),
        Ok(Ok(())) => {}
    }
}
