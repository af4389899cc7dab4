//! The contract every storage engine meets.

use crate::{StoreError, Tree};

/// Whether a scan goes on after the entry just visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// A range of keys. Bounds are byte strings compared bytewise.
#[derive(Debug, Clone, Default)]
pub struct KeyRange {
    /// Lower bound and whether it is inclusive.
    pub start: Option<(Vec<u8>, bool)>,
    /// Upper bound and whether it is inclusive.
    pub end: Option<(Vec<u8>, bool)>,
}

impl KeyRange {
    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> KeyRange {
        KeyRange {
            start: Some((prefix.to_vec(), true)),
            end: prefix_successor(prefix).map(|end| (end, false)),
        }
    }
}

/// The smallest byte string greater than every string that starts with `prefix`, if any.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Called for each entry of a scan with its key and value.
pub type Visitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<Flow, StoreError> + 'a;

/// Reads inside a transaction.
pub trait Read {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Visits the entries of `tree` within `range` in key order (`reverse` for descending),
    /// until `visit` answers [`Flow::Stop`].
    fn scan(
        &self,
        tree: Tree,
        range: &KeyRange,
        reverse: bool,
        visit: &mut Visitor<'_>,
    ) -> Result<(), StoreError>;
}

/// Writes inside a transaction; also reads, seeing the transaction's own writes.
pub trait Write: Read {
    fn put(&mut self, tree: Tree, key: &[u8], value: &[u8]) -> Result<(), StoreError>;
    /// Removes a key; answers whether it existed.
    fn delete(&mut self, tree: Tree, key: &[u8]) -> Result<bool, StoreError>;
    /// Removes every key in `range`; answers how many.
    fn delete_range(&mut self, tree: Tree, range: &KeyRange) -> Result<u64, StoreError>;
    /// Upcast for helpers that only read.
    fn as_read(&self) -> &dyn Read;
}

/// What an engine implements. Object-safe so `Store` can hold any engine.
pub(crate) trait Engine: Send + Sync {
    fn read(
        &self,
        f: &mut dyn FnMut(&dyn Read) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// `f` answers whether to commit.
    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn Write) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;
    fn checkpoint(&self) -> Result<(), StoreError>;
    fn schema_version(&self) -> Result<u32, StoreError>;
}
