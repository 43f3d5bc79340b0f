//! The keyring file: a versioned, sealed and integrity-protected encoding of a
//! [`super::snapshot::Snapshot`], written atomically.
// TEMPORARY SHIM
use super::Snapshot;
use std::path::Path;
#[derive(Debug)]
pub struct SealingKey;
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    Io,
}
impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("x")
    }
}
#[derive(Default)]
pub struct StoreLimits;
pub fn save(_p: &Path, _s: &Snapshot, _k: &SealingKey) -> Result<(), StoreError> {
    Err(StoreError::Io)
}
pub fn load(_p: &Path, _k: &SealingKey, _l: &StoreLimits) -> Result<Snapshot, StoreError> {
    Err(StoreError::Io)
}
