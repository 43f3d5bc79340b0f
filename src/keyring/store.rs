//! The keyring file: a versioned, sealed and integrity-protected encoding of a
//! [`super::snapshot::Snapshot`], written atomically.
