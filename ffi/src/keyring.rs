//! `smime_keyring`: identities, contacts, trust anchors, intermediates and CRLs.

use std::sync::RwLock;

use smime::Keyring;

use crate::error::{boundary, boundary_value, smime_result};
use crate::handle::{Castable, Out, OwnershipBox, free_boxed, to_boxed};

/// The user's identities (with the keys of old certificates), correspondents' certificates,
/// trust anchors, intermediates and CRLs. Made by `smime_keyring_new` or
/// `smime_keyring_load`; released by `smime_keyring_free`.
///
/// Thread safety: may be shared by any number of threads at once; changes are serialised by
/// an internal lock, reads share it.
pub struct smime_keyring {
    _private: [u8; 0],
}

impl Castable for smime_keyring {
    type Ownership = OwnershipBox;
    type RustType = RwLock<Keyring>;
}

/// A new empty keyring.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_new(out: *mut *mut smime_keyring) -> smime_result {
    boundary(|| {
        Out::new(out)?.write(to_boxed::<smime_keyring>(RwLock::new(Keyring::new())));
        Ok(())
    })
}

/// Releases `keyring`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_free(keyring: *mut smime_keyring) {
    boundary_value((), || free_boxed(keyring))
}
