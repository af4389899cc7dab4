use std::sync::atomic::{AtomicU32, Ordering};

use nimbus_store::Location;

use super::*;

struct Counting {
    calls: AtomicU32,
    fail_first: u32,
}

impl Handler for Counting {
    fn deliver(&self, record: Record) -> BoxFuture<'_, Outcome> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n <= self.fail_first {
                Outcome::Retry {
                    at_ms: nimbus_core::time::now_millis(),
                    payload: Some(serde_json::json!({"try": n, "was": record.payload})),
                    counts: true,
                }
            } else {
                Outcome::Done
            }
        })
    }
}

#[tokio::test]
async fn delivers_retries_and_empties_the_queue() {
    let store = Store::open(&Location::Memory).expect("store");
    let waker = Waker::default();
    let mut d = Dispatcher::new(store.clone(), &waker, Duration::from_secs(60), 4);
    let handler = Arc::new(Counting {
        calls: AtomicU32::new(0),
        fail_first: 2,
    });
    d.register("test", handler.clone());
    store
        .write(|w| enqueue(w, "test", serde_json::json!({"n": 1}), 0))
        .expect("enqueue");
    let task = tokio::spawn(Arc::new(d).run());
    waker.wake();
    for _ in 0..200 {
        if pending(&store).expect("pending") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    assert_eq!(pending(&store).expect("pending"), 0);
    assert_eq!(
        handler.calls.load(Ordering::SeqCst),
        3,
        "two retries then success"
    );
}

#[test]
fn leased_records_are_due_again_after_a_crash() {
    let dir = std::env::temp_dir().join(format!("nimbus-delivery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&Location::Dir(dir.clone())).expect("store");
    store
        .write(|w| enqueue(w, "k", serde_json::json!(1), 0))
        .expect("enqueue");
    let d = Dispatcher::new(
        store.clone(),
        &Waker::default(),
        Duration::from_secs(3600),
        1,
    );
    let leased = d.lease_due(10).expect("lease");
    assert_eq!(leased.len(), 1);
    assert!(
        d.lease_due(10).expect("lease").is_empty(),
        "a leased record is not handed out twice"
    );
    drop(d);
    drop(store);
    // A new process on the same data: the lease belonged to the dead one.
    let store = Store::open(&Location::Dir(dir.clone())).expect("reopen");
    let d = Dispatcher::new(store, &Waker::default(), Duration::from_secs(3600), 1);
    assert_eq!(d.recover().expect("recover"), 1);
    assert_eq!(d.lease_due(10).expect("lease").len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
