use thiserror::Error;

/// A failure inside the storage engine. Services map it to their internal-error response and
/// log the detail; callers never see engine internals.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("storage engine error: {0}")]
    Engine(String),
    #[error("cannot open data directory {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("the database schema is version {found}, newer than this nimbus understands ({supported}); upgrade nimbus or use another --data-dir")]
    TooNew { found: u32, supported: u32 },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Engine(e.to_string())
    }
}
