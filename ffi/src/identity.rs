//! `smime_identity`: a private key with its certificate and chain.

use std::ffi::c_char;

use smime::{Identity, Pkcs12Limits};

use crate::certificate::{new_certificate, smime_certificate};
use crate::error::{boundary, boundary_value, smime_result};
use crate::handle::{
    Castable, Out, OwnershipBox, free_boxed, to_boxed, try_ref, try_slice, try_str,
};

/// A private key (in memory, or held by the application through callbacks) with its
/// certificate and issuer chain: what signs and decrypts. Released by `smime_identity_free`.
///
/// Thread safety: immutable; may be shared by any number of threads (a callback key's
/// callbacks are then called from those threads).
pub struct smime_identity {
    _private: [u8; 0],
}

impl Castable for smime_identity {
    type Ownership = OwnershipBox;
    type RustType = Identity;
}

/// A new caller-owned identity handle.
pub(crate) fn new_identity(identity: Identity) -> *mut smime_identity {
    to_boxed::<smime_identity>(identity)
}

/// A new caller-owned `smime_identity` handle for an identity made in Rust: for a Rust
/// program that uses the C ABI beside the crate, with a key type of its own (an
/// implementation of [`smime::keys::PrivateKey`]). Release it with `smime_identity_free`.
/// A panic inside the key's operations, like any panic inside the library, makes the
/// function that used the key return `SMIME_RESULT_PANIC`.
pub fn identity_handle(identity: Identity) -> *mut smime_identity {
    new_identity(identity)
}

/// Reads the identity of a PKCS#12 file (`.p12`, `.pfx`; AES/PBKDF2 or legacy 3DES/RC2):
/// the key, the certificate that belongs to it and the other certificates as its chain.
/// `password` is a NUL-terminated UTF-8 string.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_identity_from_pkcs12(
    der: *const u8,
    der_len: usize,
    password: *const c_char,
    out: *mut *mut smime_identity,
) -> smime_result {
    boundary(|| {
        let der = try_slice(der, der_len)?;
        let password = try_str(password)?;
        let out = Out::new(out)?;
        let identity = Identity::from_pkcs12(der, password, &Pkcs12Limits::default())?;
        out.write(new_identity(identity));
        Ok(())
    })
}

/// An identity from a private key (PKCS#8, PKCS#1 or SEC1; PEM or DER; not encrypted) and
/// certificates (one DER certificate or any number of PEM blocks): the certificate that
/// belongs to the key is the identity's, the others its chain.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_identity_from_key_and_certificates(
    key: *const u8,
    key_len: usize,
    certificates: *const u8,
    certificates_len: usize,
    out: *mut *mut smime_identity,
) -> smime_result {
    boundary(|| {
        let key = try_slice(key, key_len)?;
        let certificates = try_slice(certificates, certificates_len)?;
        let out = Out::new(out)?;
        out.write(new_identity(Identity::from_key_and_certificates(
            key,
            certificates,
        )?));
        Ok(())
    })
}

/// A new handle to the identity's certificate.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_identity_certificate(
    identity: *const smime_identity,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let identity: &Identity = try_ref(identity)?;
        Out::new(out)?.write(new_certificate(identity.certificate().clone()));
        Ok(())
    })
}

/// Whether the identity has its private key (`*out`): false for an identity of a loaded
/// keyring whose application-held key the resolver did not give back; such an identity
/// cannot sign or decrypt.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_identity_has_key(
    identity: *const smime_identity,
    out: *mut bool,
) -> smime_result {
    boundary(|| {
        let identity: &Identity = try_ref(identity)?;
        Out::new(out)?.write(identity.key().is_some());
        Ok(())
    })
}

/// Releases `identity` (a callback key's destroy callback runs when the last user of the key
/// is gone). NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_identity_free(identity: *mut smime_identity) {
    boundary_value((), || free_boxed(identity))
}
