//! The keyring: the user's identities with their key history, other people's certificates,
//! trust anchors, intermediates and CRLs.

pub mod directory;
pub mod snapshot;
pub mod store;

pub use snapshot::{ContactRecord, IdentityRecord, Snapshot, Source, StoredKey, Timestamp};
