//! The embedded store.
//!
//! Services see ordered key-value *trees* (named keyspaces of byte keys, iterated in byte order)
//! inside transactions, never SQL. That is the whole contract an engine must meet, so a
//! server-backed engine (PostgreSQL, whose `bytea` also orders bytewise) can sit behind the same
//! interface for several nimbus nodes sharing one state. Everything a write changes — items,
//! index entries, stream records, delivery records — goes through one [`Write`] transaction, so
//! change hooks commit atomically with the write that caused them.

mod engine;
mod error;
pub mod json;
mod sqlite;

pub use engine::{prefix_successor, Flow, KeyRange, Read, Visitor, Write};
pub use error::StoreError;

use std::path::PathBuf;
use std::sync::Arc;

/// A named keyspace. Services declare theirs as constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tree(pub &'static str);

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// A directory; created if missing. State survives restarts and `kill -9`.
    Dir(PathBuf),
    /// Memory only: gone when the process exits.
    Memory,
}

/// A handle to the store, cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn engine::Engine>,
}

impl Store {
    /// Opens (creating and migrating as needed) the SQLite engine at `location`.
    pub fn open(location: &Location) -> Result<Store, StoreError> {
        let engine = sqlite::SqliteEngine::open(location)?;
        Ok(Store {
            engine: Arc::new(engine),
        })
    }

    /// Runs `f` in a read transaction: every read inside sees one consistent snapshot.
    pub fn read<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Read) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut out = None;
        let mut f = Some(f);
        let mut err = None;
        self.engine.read(&mut |r| {
            if let Some(f) = f.take() {
                match f(r) {
                    Ok(v) => out = Some(v),
                    Err(e) => err = Some(e),
                }
            }
            Ok(())
        })?;
        match (out, err) {
            (Some(v), _) => Ok(v),
            (None, Some(e)) => Err(e),
            (None, None) => {
                Err(StoreError::Engine("read transaction produced no result".into()).into())
            }
        }
    }

    /// Runs `f` in a write transaction. Writes are serialized, so a read-modify-write inside `f`
    /// is atomic. The transaction commits when `f` returns `Ok` and rolls back when it returns
    /// `Err`; once `write` returns `Ok`, the change is durable against a process kill.
    pub fn write<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Write) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut out = None;
        let mut f = Some(f);
        let mut err = None;
        self.engine.write(&mut |w| {
            if let Some(f) = f.take() {
                match f(w) {
                    Ok(v) => {
                        out = Some(v);
                        Ok(true)
                    }
                    Err(e) => {
                        err = Some(e);
                        Ok(false)
                    }
                }
            } else {
                Ok(false)
            }
        })?;
        match (out, err) {
            (Some(v), _) => Ok(v),
            (None, Some(e)) => Err(e),
            (None, None) => {
                Err(StoreError::Engine("write transaction produced no result".into()).into())
            }
        }
    }

    /// Flushes everything to the main database file; called on orderly shutdown.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.engine.checkpoint()
    }

    /// The engine's current schema version (for diagnostics and tests).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.engine.schema_version()
    }
}

#[cfg(test)]
mod tests;
