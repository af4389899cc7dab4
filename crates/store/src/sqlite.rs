//! The SQLite engine: one table of (tree, key, value) rows ordered by key, in WAL mode.
//!
//! Writes go through a single connection behind a mutex, so write transactions are serialized
//! and a read-modify-write inside one is atomic. Reads use a pool of further connections, which
//! WAL lets run beside the writer. With `synchronous=NORMAL` a committed transaction is in the
//! WAL before `write` returns, so it survives a kill of the process.
//!
//! Group commit: when writers queue up behind the mutex, each runs in its own savepoint of one
//! shared SQLite transaction, and the last of the queue commits for all of them; none returns
//! before that commit. A lone writer commits at once, as before. Under load this shares one
//! commit (WAL append and file locks) among many writes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::engine::{Engine, Flow, KeyRange, Read, Visitor, Write};
use crate::{Location, StoreError, Tree};

/// Versioned schema migrations; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["CREATE TABLE kv (
        tree TEXT NOT NULL,
        k BLOB NOT NULL,
        v BLOB NOT NULL,
        PRIMARY KEY (tree, k)
    ) WITHOUT ROWID;"];

const DB_FILE: &str = "nimbus.sqlite3";
const MAX_IDLE_READERS: usize = 8;
/// Most writes one group commit may hold, so a steady queue still commits regularly.
const MAX_GROUP: usize = 64;

/// The writer connection and the state of the group commit in progress.
struct WriterState {
    conn: Connection,
    /// A transaction is open, holding writes not yet committed.
    open: bool,
    /// Writes in the open transaction.
    pending: usize,
    /// Number of the open (or next) group.
    group: u64,
    /// The last group committed, and whether its commit failed (with the error text).
    committed: (u64, Option<String>),
}

pub(crate) struct SqliteEngine {
    writer: Mutex<WriterState>,
    /// Signalled when a group commits.
    group_done: Condvar,
    /// Writers waiting for the writer mutex: while there are some, a finished writer leaves
    /// the transaction open for them.
    queued: AtomicUsize,
    /// Group commit needs readers on their own connections (they must not see open groups).
    grouping: bool,
    /// `None` in memory mode, where readers share the writer's connection.
    readers: Option<ReaderPool>,
}

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// Locks the reader pool. A panic while holding it cannot leave the list of idle connections
/// inconsistent, so a poisoned lock is safe to reuse. (The writer has `lock_writer`.)
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SqliteEngine {
    fn new(conn: Connection, readers: Option<ReaderPool>) -> SqliteEngine {
        SqliteEngine {
            writer: Mutex::new(WriterState {
                conn,
                open: false,
                pending: 0,
                group: 1,
                committed: (0, None),
            }),
            group_done: Condvar::new(),
            queued: AtomicUsize::new(0),
            grouping: readers.is_some(),
            readers,
        }
    }

    /// The writer, recovered if a writer panicked while holding it: the group it was part of is
    /// rolled back and reported failed to its waiting writers, so no half-done write commits.
    fn lock_writer(&self) -> MutexGuard<'_, WriterState> {
        match self.writer.lock() {
            Ok(w) => w,
            Err(poisoned) => {
                let mut w = poisoned.into_inner();
                if w.open {
                    let _ = w.conn.execute_batch("ROLLBACK");
                    w.committed = (w.group, Some("a writer in the group panicked".into()));
                    w.open = false;
                    w.pending = 0;
                    w.group += 1;
                    self.group_done.notify_all();
                }
                self.writer.clear_poison();
                w
            }
        }
    }

    /// Commits the open group and wakes its writers.
    fn commit_group(&self, w: &mut WriterState) -> Result<(), StoreError> {
        let outcome = run(&w.conn, "COMMIT");
        if outcome.is_err() {
            let _ = w.conn.execute_batch("ROLLBACK");
        }
        w.committed = (w.group, outcome.as_ref().err().map(|e| e.to_string()));
        w.open = false;
        w.pending = 0;
        w.group += 1;
        self.group_done.notify_all();
        outcome
    }

    pub(crate) fn open(location: &Location) -> Result<SqliteEngine, StoreError> {
        match location {
            Location::Memory => {
                let conn = Connection::open_in_memory()?;
                configure(&conn, false)?;
                migrate(&conn)?;
                Ok(SqliteEngine::new(conn, None))
            }
            Location::Dir(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
                let path = dir.join(DB_FILE);
                let conn = Connection::open(&path).map_err(|e| StoreError::Open {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                configure(&conn, true)?;
                migrate(&conn)?;
                let readers = ReaderPool {
                    path,
                    idle: Mutex::new(Vec::new()),
                };
                Ok(SqliteEngine::new(conn, Some(readers)))
            }
        }
    }
}

fn configure(conn: &Connection, on_disk: bool) -> Result<(), StoreError> {
    if on_disk {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = MIGRATIONS.len() as u32;
    if version > supported {
        return Err(StoreError::TooNew {
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        run(conn, "BEGIN IMMEDIATE")?;
        let applied = conn
            .execute_batch(sql)
            .and_then(|_| conn.pragma_update(None, "user_version", (i + 1) as u32));
        match applied {
            Ok(()) => run(conn, "COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
        tracing::debug!(version = i + 1, "applied store migration");
    }
    Ok(())
}

impl ReaderPool {
    fn take(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = lock(&self.idle).pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn, false)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
}

/// Runs a statement through the statement cache: BEGIN and COMMIT run on every request, and
/// `execute_batch` would parse them anew each time.
fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs `f` between BEGIN and COMMIT on a connection (a consistent snapshot for reads).
fn in_read_txn(
    conn: &Connection,
    f: &mut dyn FnMut(&dyn Read) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    run(conn, "BEGIN")?;
    let out = f(&Txn { conn });
    // A read transaction has nothing to keep; COMMIT just ends it.
    let end = run(conn, "COMMIT");
    out?;
    end?;
    Ok(())
}

impl Engine for SqliteEngine {
    fn read(
        &self,
        f: &mut dyn FnMut(&dyn Read) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        match &self.readers {
            None => in_read_txn(&self.lock_writer().conn, f),
            Some(pool) => {
                let conn = pool.take()?;
                let out = in_read_txn(&conn, f);
                if out.is_ok() {
                    pool.give_back(conn);
                }
                out
            }
        }
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Write) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut w = self.lock_writer();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if !w.open {
            run(&w.conn, "BEGIN IMMEDIATE")?;
            w.open = true;
        }
        // The first write of a group needs no savepoint: undoing it is undoing the transaction.
        let first = w.pending == 0;
        if !first {
            run(&w.conn, "SAVEPOINT write")?;
        }
        let outcome = f(&mut Txn { conn: &w.conn });
        let keep = matches!(outcome, Ok(true));
        if keep {
            if !first {
                run(&w.conn, "RELEASE write")?;
            }
            w.pending += 1;
        } else if first {
            w.conn.execute_batch("ROLLBACK")?;
            w.open = false;
        } else {
            w.conn.execute_batch("ROLLBACK TO write; RELEASE write")?;
        }
        let more_coming = self.grouping && self.queued.load(Ordering::SeqCst) > 0;
        if w.open && (!more_coming || w.pending >= MAX_GROUP) {
            // Last of the queue: commit for everyone in the group.
            self.commit_group(&mut w)?;
            return outcome.map(|_| ());
        }
        if !keep {
            // Nothing of ours to wait for.
            return outcome.map(|_| ());
        }
        // Someone queued behind us will commit this group; wait for it.
        let group = w.group;
        while w.committed.0 < group {
            w = self.group_done.wait(w).unwrap_or_else(|p| p.into_inner());
        }
        match &w.committed.1 {
            Some(e) if w.committed.0 == group => {
                Err(StoreError::Engine(format!("group commit failed: {e}")))
            }
            _ => Ok(()),
        }
    }

    fn checkpoint(&self) -> Result<(), StoreError> {
        if self.readers.is_some() {
            let mut w = self.lock_writer();
            if w.open {
                self.commit_group(&mut w)?;
            }
            w.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        }
        Ok(())
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .lock_writer()
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}

struct Txn<'c> {
    conn: &'c Connection,
}

/// The SQL for one shape of range scan; `prepare_cached` keeps one statement per shape.
fn range_sql<'r>(range: &'r KeyRange, reverse: bool, verb: &str) -> (String, Vec<&'r [u8]>) {
    let mut sql = format!("{verb} FROM kv WHERE tree = ?1");
    let mut args: Vec<&[u8]> = Vec::new();
    if let Some((start, inclusive)) = &range.start {
        args.push(start);
        sql.push_str(if *inclusive {
            " AND k >= ?"
        } else {
            " AND k > ?"
        });
        sql.push_str(&(args.len() + 1).to_string());
    }
    if let Some((end, inclusive)) = &range.end {
        args.push(end);
        sql.push_str(if *inclusive {
            " AND k <= ?"
        } else {
            " AND k < ?"
        });
        sql.push_str(&(args.len() + 1).to_string());
    }
    if verb.starts_with("SELECT") {
        sql.push_str(if reverse {
            " ORDER BY k DESC"
        } else {
            " ORDER BY k ASC"
        });
    }
    (sql, args)
}

fn bind_range(
    stmt: &mut rusqlite::CachedStatement<'_>,
    tree: Tree,
    args: &[&[u8]],
) -> Result<(), StoreError> {
    stmt.raw_bind_parameter(1, tree.0)?;
    for (i, a) in args.iter().enumerate() {
        stmt.raw_bind_parameter(i + 2, a)?;
    }
    Ok(())
}

impl Read for Txn<'_> {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT v FROM kv WHERE tree = ?1 AND k = ?2")?;
        Ok(stmt
            .query_row(params![tree.0, key], |r| r.get(0))
            .optional()?)
    }

    fn scan(
        &self,
        tree: Tree,
        range: &KeyRange,
        reverse: bool,
        visit: &mut Visitor<'_>,
    ) -> Result<(), StoreError> {
        let (sql, args) = range_sql(range, reverse, "SELECT k, v");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        bind_range(&mut stmt, tree, &args)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            let k = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            let v = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            if visit(k, v)? == Flow::Stop {
                break;
            }
        }
        Ok(())
    }
}

impl Write for Txn<'_> {
    fn put(&mut self, tree: Tree, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT OR REPLACE INTO kv (tree, k, v) VALUES (?1, ?2, ?3)")?;
        stmt.execute(params![tree.0, key, value])?;
        Ok(())
    }

    fn delete(&mut self, tree: Tree, key: &[u8]) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM kv WHERE tree = ?1 AND k = ?2")?;
        Ok(stmt.execute(params![tree.0, key])? > 0)
    }

    fn delete_range(&mut self, tree: Tree, range: &KeyRange) -> Result<u64, StoreError> {
        let (sql, args) = range_sql(range, false, "DELETE");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        bind_range(&mut stmt, tree, &args)?;
        Ok(stmt.raw_execute()? as u64)
    }

    fn as_read(&self) -> &dyn Read {
        self
    }
}
