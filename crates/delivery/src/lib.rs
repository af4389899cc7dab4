//! The one durable asynchronous-delivery mechanism every asynchronous path in nimbus uses:
//! Lambda event invocations and their destinations now; S3 notifications, SNS fan-out and
//! EventBridge targets as those services land.
//!
//! A producer queues a record **inside the same store transaction as the write that caused
//! it** ([`enqueue`]), so an acknowledged request never loses its delivery and a failed one
//! never sends one. The [`Dispatcher`] hands due records to the handler registered for their
//! kind, at least once:
//!
//! - while a record is being delivered it is *leased*: moved to `now + lease` and marked, so a
//!   crash mid-delivery leaves it in the store; at start-up every leased record is due again;
//! - a handler answers [`Outcome::Done`] (the record is removed) or [`Outcome::Retry`] (it is
//!   moved to the given time, with the attempt count raised and, if given, a new payload).
//!
//! | tree             | key                        | value            |
//! |------------------|----------------------------|------------------|
//! | `delivery.queue` | due ms (u64) + id (u64)    | [`Record`] JSON  |
//! | `delivery.seq`   | `next`                     | next id (u64)    |

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use nimbus_store::{Flow, KeyRange, Store, StoreError, Tree, Write};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore};

const QUEUE: Tree = Tree("delivery.queue");
const SEQ: Tree = Tree("delivery.seq");

/// One queued delivery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub kind: String,
    pub payload: serde_json::Value,
    /// Deliveries tried so far.
    pub attempts: u32,
    /// When it was first queued (ms since the epoch).
    pub enqueued_ms: i64,
    /// Being delivered by a running dispatcher.
    #[serde(default)]
    pub leased: bool,
}

/// What a handler made of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    Retry {
        at_ms: i64,
        payload: Option<serde_json::Value>,
        /// Whether this try counts as an attempt (a throttled try does not).
        counts: bool,
    },
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Delivers records of one kind.
pub trait Handler: Send + Sync + 'static {
    fn deliver(&self, record: Record) -> BoxFuture<'_, Outcome>;
}

fn key(due_ms: i64, id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.extend_from_slice(&(due_ms.max(0) as u64).to_be_bytes());
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn split_key(k: &[u8]) -> Option<(i64, u64)> {
    let due = u64::from_be_bytes(k.get(..8)?.try_into().ok()?);
    let id = u64::from_be_bytes(k.get(8..16)?.try_into().ok()?);
    Some((due as i64, id))
}

fn encode(r: &Record) -> Vec<u8> {
    serde_json::to_vec(r).unwrap_or_default()
}

/// Queues a delivery of `kind` due at `due_ms`, inside the caller's transaction.
pub fn enqueue(
    w: &mut dyn Write,
    kind: &str,
    payload: serde_json::Value,
    due_ms: i64,
) -> Result<(), StoreError> {
    let id = w
        .as_read()
        .get(SEQ, b"next")?
        .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(1);
    w.put(SEQ, b"next", &(id + 1).to_be_bytes())?;
    let record = Record {
        kind: kind.to_string(),
        payload,
        attempts: 0,
        enqueued_ms: nimbus_core::time::now_millis(),
        leased: false,
    };
    w.put(QUEUE, &key(due_ms, id), &encode(&record))
}

/// How many deliveries are queued (due or not), for tests and diagnostics.
pub fn pending(store: &Store) -> Result<usize, StoreError> {
    store.read(|r| {
        let mut n = 0;
        r.scan(QUEUE, &KeyRange::default(), false, &mut |_, _| {
            n += 1;
            Ok(Flow::Continue)
        })?;
        Ok(n)
    })
}

/// Runs deliveries: one per registered kind's handler, up to `concurrency` at a time.
pub struct Dispatcher {
    store: Store,
    handlers: HashMap<String, Arc<dyn Handler>>,
    wake: Arc<Notify>,
    lease: Duration,
    slots: Arc<Semaphore>,
}

/// Wakes the dispatcher after a commit that queued something due now.
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

const BATCH: usize = 64;
const IDLE_POLL: Duration = Duration::from_secs(1);

impl Dispatcher {
    /// `lease` must outlast the longest delivery (a Lambda invocation: 15 minutes).
    pub fn new(store: Store, waker: &Waker, lease: Duration, concurrency: usize) -> Dispatcher {
        Dispatcher {
            store,
            handlers: HashMap::new(),
            wake: waker.0.clone(),
            lease,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub fn register(&mut self, kind: &str, handler: Arc<dyn Handler>) {
        self.handlers.insert(kind.to_string(), handler);
    }

    /// Makes every record leased by an earlier run due now: that run is gone.
    fn recover(&self) -> Result<usize, StoreError> {
        let now = nimbus_core::time::now_millis();
        self.store.write(|w| {
            let mut leased = Vec::new();
            w.as_read()
                .scan(QUEUE, &KeyRange::default(), false, &mut |k, v| {
                    if let Ok(r) = serde_json::from_slice::<Record>(v) {
                        if r.leased {
                            leased.push((k.to_vec(), r));
                        }
                    }
                    Ok(Flow::Continue)
                })?;
            let n = leased.len();
            for (k, mut r) in leased {
                let Some((_, id)) = split_key(&k) else {
                    continue;
                };
                w.delete(QUEUE, &k)?;
                r.leased = false;
                w.put(QUEUE, &key(now, id), &encode(&r))?;
            }
            Ok(n)
        })
    }

    /// Leases up to `limit` due records; answers them with their leased keys.
    fn lease_due(&self, limit: usize) -> Result<Vec<(Vec<u8>, Record)>, StoreError> {
        let now = nimbus_core::time::now_millis();
        let until = now + self.lease.as_millis() as i64;
        self.store.write(|w| {
            let mut due = Vec::new();
            let range = KeyRange {
                start: None,
                end: Some((key(now + 1, 0), false)),
            };
            w.as_read().scan(QUEUE, &range, false, &mut |k, v| {
                if let Ok(r) = serde_json::from_slice::<Record>(v) {
                    if !r.leased {
                        due.push((k.to_vec(), r));
                    }
                }
                Ok(if due.len() >= limit {
                    Flow::Stop
                } else {
                    Flow::Continue
                })
            })?;
            let mut out = Vec::with_capacity(due.len());
            for (k, mut r) in due {
                let Some((_, id)) = split_key(&k) else {
                    continue;
                };
                w.delete(QUEUE, &k)?;
                r.leased = true;
                let leased_key = key(until, id);
                w.put(QUEUE, &leased_key, &encode(&r))?;
                out.push((leased_key, r));
            }
            Ok(out)
        })
    }

    /// When the next unleased record is due, if any.
    fn next_due(&self) -> Result<Option<i64>, StoreError> {
        self.store.read(|r| {
            let mut next = None;
            r.scan(QUEUE, &KeyRange::default(), false, &mut |k, v| {
                if serde_json::from_slice::<Record>(v).is_ok_and(|r| !r.leased) {
                    next = split_key(k).map(|(due, _)| due);
                    return Ok(Flow::Stop);
                }
                Ok(Flow::Continue)
            })?;
            Ok(next)
        })
    }

    fn finish(
        store: &Store,
        leased_key: &[u8],
        mut record: Record,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        store.write(|w| {
            w.delete(QUEUE, leased_key)?;
            if let Outcome::Retry {
                at_ms,
                payload,
                counts,
            } = outcome
            {
                let Some((_, id)) = split_key(leased_key) else {
                    return Ok(());
                };
                if counts {
                    record.attempts += 1;
                }
                if let Some(p) = payload {
                    record.payload = p;
                }
                record.leased = false;
                w.put(QUEUE, &key(at_ms, id), &encode(&record))?;
            }
            Ok(())
        })
    }

    /// Delivers until the task is dropped.
    pub async fn run(self: Arc<Self>) {
        match self.recover() {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                count = n,
                "resuming deliveries interrupted by the last shutdown"
            ),
            Err(e) => tracing::error!(error = %e, "cannot recover leased deliveries"),
        }
        loop {
            let free = self.slots.available_permits().min(BATCH);
            let leased = if free == 0 {
                Ok(Vec::new())
            } else {
                self.lease_due(free)
            };
            match leased {
                Ok(batch) => {
                    for (leased_key, record) in batch {
                        let Some(handler) = self.handlers.get(&record.kind).cloned() else {
                            tracing::warn!(kind = %record.kind, "no handler for a queued delivery; it stays queued");
                            continue;
                        };
                        let Ok(permit) = self.slots.clone().acquire_owned().await else {
                            return;
                        };
                        let store = self.store.clone();
                        let wake = self.wake.clone();
                        tokio::spawn(async move {
                            let outcome = handler.deliver(record.clone()).await;
                            let retry_soon = matches!(outcome, Outcome::Retry { .. });
                            if let Err(e) = Self::finish(&store, &leased_key, record, outcome) {
                                tracing::error!(error = %e, "cannot record a delivery's outcome; it will be retried");
                            }
                            drop(permit);
                            if retry_soon {
                                wake.notify_one();
                            }
                        });
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read the delivery queue"),
            }
            let now = nimbus_core::time::now_millis();
            let wait = match self.next_due() {
                Ok(Some(due)) if due <= now => {
                    if self.slots.available_permits() > 0 {
                        continue;
                    }
                    Duration::from_millis(5)
                }
                Ok(Some(due)) => Duration::from_millis((due - now) as u64).min(IDLE_POLL),
                _ => IDLE_POLL,
            };
            let _ = tokio::time::timeout(wait, self.wake.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests;
