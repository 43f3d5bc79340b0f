//! `smime_bytes`: an output buffer owned by the caller.

use std::ffi::c_char;

use zeroize::Zeroizing;

use crate::error::boundary_value;
use crate::handle::{Castable, OwnershipBox, free_boxed, to_boxed, try_ref};

/// An output buffer: a message, a certificate, a keyring file, a string. Read it with
/// `smime_bytes_data` and `smime_bytes_len`; release it with `smime_bytes_free`, which
/// overwrites the bytes with zeros first (outputs hold plaintext and secrets).
///
/// A NUL byte follows the data (not counted in the length), so a text output can be read as
/// a C string with `smime_bytes_str`.
///
/// Thread safety: immutable; may be read from several threads at once.
pub struct smime_bytes {
    _private: [u8; 0],
}

/// The bytes behind a `smime_bytes` handle: the data followed by one NUL byte.
pub(crate) struct Bytes(Zeroizing<Vec<u8>>);

impl Castable for smime_bytes {
    type Ownership = OwnershipBox;
    type RustType = Bytes;
}

impl Bytes {
    pub(crate) fn new(mut data: Vec<u8>) -> Bytes {
        data.push(0);
        Bytes(Zeroizing::new(data))
    }

    pub(crate) fn from_zeroizing(data: Zeroizing<Vec<u8>>) -> Bytes {
        let mut v = Zeroizing::new(Vec::with_capacity(data.len() + 1));
        v.extend_from_slice(&data);
        v.push(0);
        Bytes(v)
    }

    fn data(&self) -> &[u8] {
        &self.0[..self.0.len() - 1]
    }
}

/// A new caller-owned `smime_bytes` holding `data`.
pub(crate) fn new_bytes(data: Vec<u8>) -> *mut smime_bytes {
    to_boxed::<smime_bytes>(Bytes::new(data))
}

/// A new caller-owned `smime_bytes` holding a copy of secret `data`.
pub(crate) fn new_secret_bytes(data: Zeroizing<Vec<u8>>) -> *mut smime_bytes {
    to_boxed::<smime_bytes>(Bytes::from_zeroizing(data))
}

/// A new caller-owned `smime_bytes` holding `text`.
pub(crate) fn new_string(text: impl Into<String>) -> *mut smime_bytes {
    new_bytes(text.into().into_bytes())
}

/// The data of `bytes`; NULL when `bytes` is NULL. Valid until `smime_bytes_free`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_bytes_data(bytes: *const smime_bytes) -> *const u8 {
    boundary_value(std::ptr::null(), || match try_ref(bytes) {
        Ok(b) => b.0.as_ptr(),
        Err(_) => std::ptr::null(),
    })
}

/// The data of `bytes` as a NUL-terminated string (text outputs are UTF-8); NULL when `bytes`
/// is NULL. Valid until `smime_bytes_free`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_bytes_str(bytes: *const smime_bytes) -> *const c_char {
    smime_bytes_data(bytes).cast()
}

/// The length of `bytes` in bytes (without the trailing NUL); 0 when `bytes` is NULL.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_bytes_len(bytes: *const smime_bytes) -> usize {
    boundary_value(0, || try_ref(bytes).map(|b| b.data().len()).unwrap_or(0))
}

/// Zeroizes and releases `bytes`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_bytes_free(bytes: *mut smime_bytes) {
    boundary_value((), || free_boxed(bytes))
}
