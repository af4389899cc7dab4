//! The conformance suite every engine must pass.

use super::*;

const T: Tree = Tree("test");
const OTHER: Tree = Tree("other");

fn collect(store: &Store, range: &KeyRange, reverse: bool) -> Vec<Vec<u8>> {
    store
        .read(|r| {
            let mut keys = Vec::new();
            r.scan(T, range, reverse, &mut |k, _| {
                keys.push(k.to_vec());
                Ok(Flow::Continue)
            })?;
            Ok::<_, StoreError>(keys)
        })
        .expect("scan")
}

fn suite(store: Store) {
    store
        .write(|w| {
            for k in [b"a".as_ref(), b"b", b"ba", b"c", b"\xff"] {
                w.put(T, k, k)?;
            }
            w.put(OTHER, b"a", b"other")?;
            Ok::<_, StoreError>(())
        })
        .expect("write");

    let all = collect(&store, &KeyRange::default(), false);
    assert_eq!(
        all,
        vec![
            b"a".to_vec(),
            b"b".to_vec(),
            b"ba".to_vec(),
            b"c".to_vec(),
            b"\xff".to_vec()
        ]
    );
    let rev = collect(&store, &KeyRange::default(), true);
    assert_eq!(rev.first(), Some(&b"\xff".to_vec()));
    assert_eq!(
        collect(&store, &KeyRange::prefix(b"b"), false),
        vec![b"b".to_vec(), b"ba".to_vec()]
    );
    let exclusive = KeyRange {
        start: Some((b"a".to_vec(), false)),
        end: Some((b"c".to_vec(), true)),
    };
    assert_eq!(collect(&store, &exclusive, false).len(), 3);

    // A failed transaction leaves nothing behind.
    let failed: Result<(), StoreError> = store.write(|w| {
        w.put(T, b"zz", b"1")?;
        Err(StoreError::Engine("boom".into()))
    });
    assert!(failed.is_err());
    assert_eq!(store.read(|r| r.get(T, b"zz")).expect("get"), None);

    // Trees are separate keyspaces.
    assert_eq!(
        store.read(|r| r.get(OTHER, b"a")).expect("get"),
        Some(b"other".to_vec())
    );
    let removed = store
        .write(|w| w.delete_range(T, &KeyRange::prefix(b"b")))
        .expect("delete");
    assert_eq!(removed, 2);
    assert!(store.write(|w| w.delete(T, b"a")).expect("delete"));
    assert!(!store.write(|w| w.delete(T, b"a")).expect("delete"));
    assert_eq!(collect(&store, &KeyRange::default(), false).len(), 2);
}

#[test]
fn memory_engine_conforms() {
    suite(Store::open(&Location::Memory).expect("open"));
}

#[test]
fn sqlite_file_engine_conforms_and_persists() {
    let dir = std::env::temp_dir().join(format!("nimbus-store-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&Location::Dir(dir.clone())).expect("open");
    suite(store.clone());
    assert_eq!(store.schema_version().expect("version"), MIGRATIONS_LEN);
    drop(store);
    let reopened = Store::open(&Location::Dir(dir.clone())).expect("reopen");
    assert_eq!(
        reopened.read(|r| r.get(T, b"c")).expect("get"),
        Some(b"c".to_vec())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const MIGRATIONS_LEN: u32 = 1;

/// Concurrent read-modify-writes lose nothing, and a failing writer in a group commit undoes
/// only its own change.
#[test]
fn concurrent_writers_group_commit_safely() {
    let dir = std::env::temp_dir().join(format!("nimbus-store-group-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&Location::Dir(dir.clone())).expect("open");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    store
                        .write(|w| {
                            let n = w
                                .get(T, b"counter")?
                                .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
                                .unwrap_or(0);
                            w.put(T, b"counter", &(n + 1).to_be_bytes())?;
                            Ok::<_, StoreError>(())
                        })
                        .expect("increment");
                    // Every tenth write of odd threads fails after writing: it must vanish.
                    if t % 2 == 1 && i % 10 == 0 {
                        let failed: Result<(), StoreError> = store.write(|w| {
                            w.put(T, format!("junk-{t}-{i}").as_bytes(), b"x")?;
                            Err(StoreError::Engine("deliberate".into()))
                        });
                        assert!(failed.is_err());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let counter = store
        .read(|r| r.get(T, b"counter"))
        .expect("read")
        .expect("counter");
    assert_eq!(
        u64::from_be_bytes(counter.try_into().expect("8 bytes")),
        1600
    );
    assert!(collect(&store, &KeyRange::prefix(b"junk"), false).is_empty());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
