//! Private keys: the [`PrivateKey`] trait an application implements for a key it holds
//! elsewhere (platform keystore, Secure Enclave, smart card), [`SoftwareKey`] for a key in
//! memory (PKCS#8, PKCS#1 or SEC1; PEM or DER), password-protected PKCS#8
//! ([`decrypt_pkcs8`], [`encrypt_pkcs8`]), and readers for certificate and CRL files.

pub use crate::crypto::keys::*;
pub use crate::crypto::pkcs8_encrypted::*;
