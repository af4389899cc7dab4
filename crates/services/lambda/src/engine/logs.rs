//! One environment's log pipeline: its stdout and stderr become CloudWatch Logs events in its
//! log stream (with Lambda's START/END/REPORT lines between them), a live copy on nimbus's
//! terminal, and the last 4 KB of each invocation for `LogType: Tail`.
//!
//! Readers push lines into a bounded channel, so a function that floods its output is slowed
//! down by the pipe (as on Lambda) instead of growing nimbus's memory. Before an invocation is
//! closed, the invoker asks both readers to drain what the function already wrote, so the
//! function's last lines always come before END.

use std::io::ErrorKind;
use std::os::fd::OwnedFd;
use std::time::Duration;

use nimbus_store::Store;
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot};

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

pub enum Item {
    /// A line the function wrote (the text without its newline).
    Line(String),
    /// A line of Lambda's own (START, END, REPORT, timeouts).
    Platform(String),
    /// Starts collecting the tail of an invocation.
    BeginTail,
    /// Ends it and answers the collected text.
    EndTail(oneshot::Sender<String>),
    /// Writes what is buffered to the store now, then answers.
    Flush(oneshot::Sender<()>),
}

/// The most of an invocation's log returned in `X-Amz-Log-Result`.
const TAIL_BYTES: usize = 4096;
const CHANNEL: usize = 1024;
const BATCH: usize = 500;
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// CloudWatch Logs' largest event; longer lines are split.
const MAX_EVENT: usize = 256 * 1024;

/// The sending side of an environment's pipeline.
#[derive(Clone)]
pub struct Sink {
    tx: mpsc::Sender<Item>,
    drains: Vec<mpsc::Sender<oneshot::Sender<()>>>,
}

impl Sink {
    pub async fn send(&self, item: Item) {
        let _ = self.tx.send(item).await;
    }

    /// Waits until both readers have passed on everything the function has written so far.
    pub async fn drain_output(&self) {
        for d in &self.drains {
            let (tx, rx) = oneshot::channel();
            if d.send(tx).await.is_ok() {
                let _ = tokio::time::timeout(Duration::from_millis(500), rx).await;
            }
        }
    }

    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        self.send(Item::Flush(tx)).await;
        let _ = rx.await;
    }
}

/// Starts the readers of `stdout`/`stderr` and the writer; the pipeline ends when the process's
/// pipes close and every `Sink` is dropped.
pub fn start(store: Store, dest: Destination, outputs: Vec<OwnedFd>) -> Sink {
    let (tx, rx) = mpsc::channel(CHANNEL);
    let mut drains = Vec::new();
    for fd in outputs {
        let (dtx, drx) = mpsc::channel(4);
        drains.push(dtx);
        match pipe::Receiver::from_owned_fd(fd) {
            Ok(receiver) => {
                tokio::spawn(read_lines(receiver, tx.clone(), drx));
            }
            Err(e) => tracing::warn!(error = %e, "cannot read a function's output"),
        }
    }
    tokio::spawn(write(store, dest, rx));
    Sink { tx, drains }
}

async fn read_lines(
    receiver: pipe::Receiver,
    tx: mpsc::Sender<Item>,
    mut drains: mpsc::Receiver<oneshot::Sender<()>>,
) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let drain = tokio::select! {
            ready = receiver.readable() => {
                if ready.is_err() {
                    break;
                }
                None
            }
            Some(ack) = drains.recv() => Some(ack),
        };
        // Read everything available now.
        let mut closed = false;
        loop {
            match receiver.try_read(&mut buf) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        while let Some(at) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=at).collect();
            send_line(&tx, &line[..line.len() - 1]).await;
        }
        // At a drain (the end of an invocation) a partial line is a line of its own.
        if (drain.is_some() || closed) && !pending.is_empty() {
            let line = std::mem::take(&mut pending);
            send_line(&tx, &line).await;
        }
        if let Some(ack) = drain {
            let _ = ack.send(());
        }
        if closed {
            break;
        }
    }
    // Keep answering drains after the pipe closed, until every sink is gone.
    while let Some(ack) = drains.recv().await {
        let _ = ack.send(());
    }
}

async fn send_line(tx: &mpsc::Sender<Item>, bytes: &[u8]) {
    // Runtimes join multi-line messages (tracebacks) with \r so that they stay one event.
    let text = String::from_utf8_lossy(bytes).replace('\r', "\n");
    let _ = tx.send(Item::Line(text)).await;
}

async fn write(store: Store, dest: Destination, mut rx: mpsc::Receiver<Item>) {
    let mut batch: Vec<(i64, String)> = Vec::new();
    let mut tail: Option<String> = None;
    let mut ticker = tokio::time::interval(FLUSH_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let item = tokio::select! {
            item = rx.recv() => item,
            _ = ticker.tick() => {
                persist(&store, &dest, &mut batch).await;
                continue;
            }
        };
        let Some(item) = item else { break };
        match item {
            Item::Line(text) | Item::Platform(text) => {
                if let Some(prefix) = &dest.terminal {
                    for line in text.lines() {
                        println!("\x1b[36m{prefix}\x1b[0m {line}");
                    }
                }
                if let Some(t) = tail.as_mut() {
                    t.push_str(&text);
                    t.push('\n');
                }
                let now = nimbus_core::time::now_millis();
                let mut rest = text.as_str();
                loop {
                    let cut = floor_char_boundary(rest, MAX_EVENT);
                    let (head, more) = rest.split_at(cut);
                    batch.push((
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
                if batch.len() >= BATCH {
                    persist(&store, &dest, &mut batch).await;
                }
            }
            Item::BeginTail => tail = Some(String::new()),
            Item::EndTail(answer) => {
                let mut t = tail.take().unwrap_or_default();
                if t.len() > TAIL_BYTES {
                    let cut = ceil_char_boundary(&t, t.len() - TAIL_BYTES);
                    t.drain(..cut);
                }
                let _ = answer.send(t);
            }
            Item::Flush(done) => {
                persist(&store, &dest, &mut batch).await;
                let _ = done.send(());
            }
        }
    }
    persist(&store, &dest, &mut batch).await;
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

async fn persist(store: &Store, dest: &Destination, batch: &mut Vec<(i64, String)>) {
    if batch.is_empty() {
        return;
    }
    let events = std::mem::take(batch);
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
