//! Private keys held by the application (the iOS Keychain, a Secure Enclave, a smart card),
//! used through C callbacks: `smime_key_callbacks`, `smime_identity_from_callbacks`, and the
//! resolver that gives such keys back when a keyring is loaded.

use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use smime::keyring::KeyResolver;
use smime::keys::{KeyKind, KeyOperationError, PrivateKey, RsaDecryptPadding, SignatureScheme};
use smime::{Certificate, DigestAlgorithm, Identity, KeyError};
use zeroize::Zeroizing;

use crate::certificate::{new_certificate, smime_certificate};
use crate::codes::*;
use crate::error::{Error, boundary, smime_result};
use crate::handle::{Out, UserData, callback_output, free_boxed, try_read, try_ref, try_ref_array};
use crate::identity::{new_identity, smime_identity};
use crate::policy::digest_to;

/// The signature scheme a `sign` callback is asked to apply (`smime_key_callbacks`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_signature_scheme {
    /// RSASSA-PKCS1-v1_5: wrap the digest in a DigestInfo for the digest algorithm and sign
    /// (iOS: `kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA256`…).
    RsaPkcs1V15 = 0,
    /// RSASSA-PSS with MGF1 over the same digest and a salt as long as the digest
    /// (iOS: `kSecKeyAlgorithmRSASignatureDigestPSSSHA256`…).
    RsaPss = 1,
    /// ECDSA over the digest; the signature is written DER-encoded (`Ecdsa-Sig-Value`, iOS:
    /// `kSecKeyAlgorithmECDSASignatureDigestX962SHA256`…).
    Ecdsa = 2,
    /// PureEdDSA Ed25519 over the whole message (`sign_message`; the 64-byte signature;
    /// CryptoKit: `Curve25519.Signing.PrivateKey.signature(for:)`).
    Ed25519 = 3,
    /// Pure ML-DSA over the whole message with an empty context (`sign_message`; the encoded
    /// signature; CryptoKit: `MLDSA65.PrivateKey.signature(for:)`…).
    MlDsa = 4,
}

/// The kind of a key (`smime_certificate_key_kind`): which callbacks a key held by the
/// application needs.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_key_kind {
    /// A key the library cannot use through callbacks (SLH-DSA, verified only; unknown).
    Unsupported = 0,
    /// RSA (`sign`, `rsa_decrypt`).
    Rsa = 1,
    /// EC P-256 (`sign` with ECDSA, `ecdh`).
    EcP256 = 2,
    /// EC P-384 (`sign` with ECDSA, `ecdh`).
    EcP384 = 3,
    /// Ed25519 (`sign_message` with `SMIME_SIGNATURE_SCHEME_ED25519`).
    Ed25519 = 4,
    /// X25519 (`ecdh` with a 32-byte peer key and secret).
    X25519 = 5,
    /// ML-DSA-44 (`sign_message` with `SMIME_SIGNATURE_SCHEME_ML_DSA`).
    MlDsa44 = 6,
    /// ML-DSA-65.
    MlDsa65 = 7,
    /// ML-DSA-87.
    MlDsa87 = 8,
    /// ML-KEM-512 (`kem_decapsulate`).
    MlKem512 = 9,
    /// ML-KEM-768.
    MlKem768 = 10,
    /// ML-KEM-1024.
    MlKem1024 = 11,
}

/// The C value of a key kind, with the RSA modulus size (0 for other keys).
pub fn key_kind_to(kind: Option<KeyKind>) -> (smime_key_kind, usize) {
    match kind {
        Some(KeyKind::Rsa { bits }) => (smime_key_kind::Rsa, bits),
        Some(KeyKind::EcP256) => (smime_key_kind::EcP256, 0),
        Some(KeyKind::EcP384) => (smime_key_kind::EcP384, 0),
        Some(KeyKind::Ed25519) => (smime_key_kind::Ed25519, 0),
        Some(KeyKind::X25519) => (smime_key_kind::X25519, 0),
        Some(KeyKind::MlDsa44) => (smime_key_kind::MlDsa44, 0),
        Some(KeyKind::MlDsa65) => (smime_key_kind::MlDsa65, 0),
        Some(KeyKind::MlDsa87) => (smime_key_kind::MlDsa87, 0),
        Some(KeyKind::MlKem512) => (smime_key_kind::MlKem512, 0),
        Some(KeyKind::MlKem768) => (smime_key_kind::MlKem768, 0),
        Some(KeyKind::MlKem1024) => (smime_key_kind::MlKem1024, 0),
        _ => (smime_key_kind::Unsupported, 0),
    }
}

/// The padding an `rsa_decrypt` callback is asked to remove (`smime_key_callbacks`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_rsa_padding {
    /// RSAES-PKCS1-v1_5. The callback must not reveal a padding failure: it returns random
    /// bytes or the same failure as any other (the library substitutes a random key either
    /// way, RFC 3218).
    Pkcs1V15 = 0,
    /// RSAES-OAEP without a label; the `digest` argument names the digest of the label hash
    /// and of MGF1. (OAEP with a label or with an MGF1 hash other than the label hash is not
    /// passed to callbacks, as platform keystores do not offer it: such a message fails with
    /// `SMIME_RESULT_KEYOP_UNSUPPORTED` for a callback key.)
    Oaep = 1,
}

/// Signs `digest` (`digest_len` bytes, the output of `digest_algorithm`, a `smime_digest`)
/// under `scheme` (a `smime_signature_scheme`): writes the signature into `signature` (room
/// for `capacity` bytes, enough for the key) and its length into `*signature_len`. Returns
/// `SMIME_RESULT_OK`, or a `SMIME_RESULT_KEYOP_*` code; with `SMIME_RESULT_KEYOP_PLATFORM` it
/// may write the platform's error code (an `OSStatus`) into `*platform_error`.
pub type smime_sign_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        scheme: u32,
        digest_algorithm: u32,
        digest: *const u8,
        digest_len: usize,
        signature: *mut u8,
        capacity: usize,
        signature_len: *mut usize,
        platform_error: *mut i64,
    ) -> smime_result,
>;

/// Decrypts an RSA key-transport `ciphertext` with `padding` (a `smime_rsa_padding`; for OAEP
/// `digest` is its `smime_digest`, otherwise ignored): writes the plaintext (a content key)
/// into `plaintext` (room for `capacity` bytes) and its length into `*plaintext_len`. Returns
/// as `smime_sign_callback` does.
pub type smime_rsa_decrypt_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        padding: u32,
        digest: u32,
        ciphertext: *const u8,
        ciphertext_len: usize,
        plaintext: *mut u8,
        capacity: usize,
        plaintext_len: *mut usize,
        platform_error: *mut i64,
    ) -> smime_result,
>;

/// Diffie-Hellman with the peer's public key `peer`: for P-256 and P-384 a SEC1 point, and
/// the x-coordinate of the shared point is written; for X25519 the peer's 32-byte key, and
/// the 32-byte shared secret is written (return `SMIME_RESULT_KEYOP_INVALID_INPUT` for an
/// all-zero secret, RFC 7748 6.1). Writes into `shared` (room for `capacity` bytes, the field
/// size) and the length into `*shared_len`. Returns as `smime_sign_callback` does.
pub type smime_ecdh_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        peer: *const u8,
        peer_len: usize,
        shared: *mut u8,
        capacity: usize,
        shared_len: *mut usize,
        platform_error: *mut i64,
    ) -> smime_result,
>;

/// Signs the whole `message` (`message_len` bytes; in CMS the DER of the signed attributes)
/// under `scheme` (`SMIME_SIGNATURE_SCHEME_ED25519` or `SMIME_SIGNATURE_SCHEME_ML_DSA`, for
/// Ed25519 and ML-DSA keys, which sign messages rather than digests): writes the signature
/// into `signature` (room for `capacity` bytes, enough for the key) and its length into
/// `*signature_len`. Returns as `smime_sign_callback` does.
pub type smime_sign_message_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        scheme: u32,
        message: *const u8,
        message_len: usize,
        signature: *mut u8,
        capacity: usize,
        signature_len: *mut usize,
        platform_error: *mut i64,
    ) -> smime_result,
>;

/// ML-KEM decapsulation of `ciphertext` (`ciphertext_len` bytes) with the key: writes the
/// 32-byte shared secret into `shared` (room for `capacity` bytes) and its length into
/// `*shared_len` (CryptoKit: `MLKEM768.PrivateKey.decapsulate(_:)`). ML-KEM's implicit
/// rejection applies: a ciphertext made for another key gives an unrelated secret, not an
/// error. Returns as `smime_sign_callback` does.
pub type smime_kem_decapsulate_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        ciphertext: *const u8,
        ciphertext_len: usize,
        shared: *mut u8,
        capacity: usize,
        shared_len: *mut usize,
        platform_error: *mut i64,
    ) -> smime_result,
>;

/// Releases `userdata`: called exactly once, when the last identity using the key is freed.
pub type smime_destroy_callback = Option<extern "C" fn(userdata: *mut c_void)>;

/// A private key the application holds, as callbacks. Each takes `userdata` first. A NULL
/// operation is one the key does not support (the operation fails with
/// `SMIME_RESULT_KEYOP_UNSUPPORTED`); `destroy` may be NULL when there is nothing to release.
///
/// Thread safety: an identity may be used from several threads at once, so the callbacks
/// may be called from any thread, concurrently; they and `userdata` must allow it.
///
/// `sign_message` and `kem_decapsulate` come last, so a table written for an older version
/// of this header, with them left zero (NULL), still means what it meant.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct smime_key_callbacks {
    /// Passed back to every callback.
    pub userdata: *mut c_void,
    /// Signs a digest; NULL if the key cannot sign.
    pub sign: smime_sign_callback,
    /// RSA key-transport decryption; NULL if the key cannot decrypt (or is not RSA).
    pub rsa_decrypt: smime_rsa_decrypt_callback,
    /// ECDH key agreement; NULL if the key cannot agree (or is not EC).
    pub ecdh: smime_ecdh_callback,
    /// Releases `userdata`; may be NULL.
    pub destroy: smime_destroy_callback,
    /// Signs a whole message (Ed25519, ML-DSA keys); NULL if the key cannot.
    pub sign_message: smime_sign_message_callback,
    /// ML-KEM decapsulation; NULL if the key cannot (or is not ML-KEM).
    pub kem_decapsulate: smime_kem_decapsulate_callback,
}

impl smime_key_callbacks {
    /// A table with no operation and no userdata (what a resolver starts from).
    fn empty() -> smime_key_callbacks {
        smime_key_callbacks {
            userdata: std::ptr::null_mut(),
            sign: None,
            rsa_decrypt: None,
            ecdh: None,
            destroy: None,
            sign_message: None,
            kem_decapsulate: None,
        }
    }
}

/// A [`PrivateKey`] over a `smime_key_callbacks` table. `destroy` runs once, on drop.
pub(crate) struct CallbackKey {
    userdata: UserData,
    sign: smime_sign_callback,
    rsa_decrypt: smime_rsa_decrypt_callback,
    ecdh: smime_ecdh_callback,
    destroy: smime_destroy_callback,
    sign_message: smime_sign_message_callback,
    kem_decapsulate: smime_kem_decapsulate_callback,
    /// Cleared when ownership of `userdata` goes back to the caller (a failed construction).
    owns_userdata: AtomicBool,
    kind: KeyKind,
    public_key: Vec<u8>,
}

impl CallbackKey {
    /// A key for `certificate`'s public key, over `callbacks`. Takes ownership of the
    /// userdata only on success.
    fn new(callbacks: &smime_key_callbacks, certificate: &Certificate) -> Result<Self, KeyError> {
        let kind = certificate
            .key_kind()
            .ok_or_else(|| KeyError::Unsupported {
                detail: format!(
                    "a key held through callbacks must be RSA, EC P-256, EC P-384, Ed25519, \
                     X25519, ML-DSA or ML-KEM, not {}",
                    certificate.key_description()
                ),
            })?;
        let public_key = certificate
            .public_key_der()
            .map_err(KeyError::Certificate)?;
        Ok(CallbackKey {
            userdata: UserData(callbacks.userdata),
            sign: callbacks.sign,
            rsa_decrypt: callbacks.rsa_decrypt,
            ecdh: callbacks.ecdh,
            destroy: callbacks.destroy,
            sign_message: callbacks.sign_message,
            kem_decapsulate: callbacks.kem_decapsulate,
            owns_userdata: AtomicBool::new(true),
            kind,
            public_key,
        })
    }

    /// The largest output of an operation of this key: the RSA modulus, a DER ECDSA
    /// signature, or an EC field element.
    fn signature_capacity(&self) -> usize {
        match self.kind {
            KeyKind::Rsa { bits } => bits.div_ceil(8),
            // SEQUENCE { INTEGER r, INTEGER s }, each with a possible leading zero.
            KeyKind::EcP256 => 2 * (32 + 3) + 3,
            KeyKind::EcP384 => 2 * (48 + 3) + 3,
            KeyKind::Ed25519 => 64,
            // FIPS 204 table 2.
            KeyKind::MlDsa44 => 2420,
            KeyKind::MlDsa65 => 3309,
            KeyKind::MlDsa87 => 4627,
            _ => 1024,
        }
    }

    fn field_size(&self) -> usize {
        match self.kind {
            KeyKind::EcP256 => 32,
            KeyKind::EcP384 => 48,
            KeyKind::Rsa { bits } => bits.div_ceil(8),
            KeyKind::X25519 | KeyKind::MlKem512 | KeyKind::MlKem768 | KeyKind::MlKem1024 => 32,
            _ => 66,
        }
    }
}

impl Drop for CallbackKey {
    fn drop(&mut self) {
        if let (Some(destroy), true) = (self.destroy, self.owns_userdata.load(Ordering::Acquire)) {
            destroy(self.userdata.0);
        }
    }
}

/// The error a callback's result stands for.
fn key_error(result: smime_result, platform_error: i64, what: &str) -> KeyOperationError {
    match result {
        SMIME_RESULT_KEYOP_UNSUPPORTED => KeyOperationError::Unsupported {
            detail: format!("the application's key does not support {what}"),
        },
        SMIME_RESULT_KEYOP_INVALID_INPUT => KeyOperationError::InvalidInput {
            detail: format!("the application's key refused the input of {what}"),
        },
        SMIME_RESULT_KEYOP_REFUSED => KeyOperationError::Refused {
            detail: format!("{what} with the application's key was declined"),
        },
        SMIME_RESULT_KEYOP_UNAVAILABLE => KeyOperationError::Unavailable {
            detail: format!("the application's key is not available for {what}"),
        },
        SMIME_RESULT_KEYOP_PLATFORM => KeyOperationError::Platform {
            code: platform_error,
            detail: format!(
                "{what} with the application's key failed (platform error {platform_error})"
            ),
        },
        other => KeyOperationError::Failed {
            detail: format!("{what} with the application's key failed (result {other})"),
        },
    }
}

/// Checks the length a callback reported and copies that much of the buffer it wrote (the
/// copy is zeroized on drop, as the buffer is).
fn take_output(
    result: smime_result,
    platform_error: i64,
    buffer: Zeroizing<Vec<u8>>,
    len: usize,
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
    if result != SMIME_RESULT_OK {
        return Err(key_error(result, platform_error, what));
    }
    // A length beyond the buffer is refused, never read.
    callback_output(buffer.as_ptr(), len, buffer.len())
        .map(Zeroizing::new)
        .ok_or_else(|| KeyOperationError::Failed {
            detail: format!(
                "the application's {what} callback reported {len} bytes for a buffer of {}",
                buffer.len()
            ),
        })
}

fn scheme_to(scheme: SignatureScheme) -> Option<u32> {
    Some(match scheme {
        SignatureScheme::RsaPkcs1v15 => smime_signature_scheme::RsaPkcs1V15 as u32,
        SignatureScheme::RsaPss => smime_signature_scheme::RsaPss as u32,
        SignatureScheme::Ecdsa => smime_signature_scheme::Ecdsa as u32,
        _ => return None,
    })
}

impl PrivateKey for CallbackKey {
    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.public_key.clone())
    }

    fn sign_digest(
        &self,
        scheme: SignatureScheme,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        let Some(sign) = self.sign else {
            return Err(key_error(SMIME_RESULT_KEYOP_UNSUPPORTED, 0, "signing"));
        };
        let (Some(scheme), algorithm) = (scheme_to(scheme), digest_to(algorithm)) else {
            return Err(KeyOperationError::unsupported("this signature scheme"));
        };
        let mut buffer = Zeroizing::new(vec![0u8; self.signature_capacity()]);
        let (mut len, mut platform_error) = (0usize, 0i64);
        let result = sign(
            self.userdata.0,
            scheme,
            algorithm,
            digest.as_ptr(),
            digest.len(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut len,
            &mut platform_error,
        );
        let out = take_output(result, platform_error, buffer, len, "signing")?;
        if out.is_empty() {
            return Err(KeyOperationError::failed(
                "the application's signing callback wrote no signature",
            ));
        }
        Ok(out.to_vec())
    }

    fn rsa_decrypt(
        &self,
        padding: &RsaDecryptPadding,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let Some(decrypt) = self.rsa_decrypt else {
            return Err(key_error(
                SMIME_RESULT_KEYOP_UNSUPPORTED,
                0,
                "RSA decryption",
            ));
        };
        let (padding, digest) = match padding {
            RsaDecryptPadding::Pkcs1v15 => (smime_rsa_padding::Pkcs1V15 as u32, 0),
            RsaDecryptPadding::Oaep {
                digest,
                mgf_digest,
                label,
            } if mgf_digest == digest && label.is_empty() => {
                (smime_rsa_padding::Oaep as u32, digest_to(*digest))
            }
            _ => return Err(KeyOperationError::unsupported("this RSA padding")),
        };
        let mut buffer = Zeroizing::new(vec![0u8; self.field_size()]);
        let (mut len, mut platform_error) = (0usize, 0i64);
        let result = decrypt(
            self.userdata.0,
            padding,
            digest,
            ciphertext.as_ptr(),
            ciphertext.len(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut len,
            &mut platform_error,
        );
        take_output(result, platform_error, buffer, len, "RSA decryption")
    }

    fn ecdh(&self, peer_public_sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let Some(ecdh) = self.ecdh else {
            return Err(key_error(
                SMIME_RESULT_KEYOP_UNSUPPORTED,
                0,
                "key agreement",
            ));
        };
        let mut buffer = Zeroizing::new(vec![0u8; self.field_size()]);
        let (mut len, mut platform_error) = (0usize, 0i64);
        let result = ecdh(
            self.userdata.0,
            peer_public_sec1.as_ptr(),
            peer_public_sec1.len(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut len,
            &mut platform_error,
        );
        take_output(result, platform_error, buffer, len, "key agreement")
    }

    fn sign_message(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        let Some(sign) = self.sign_message else {
            return Err(key_error(
                SMIME_RESULT_KEYOP_UNSUPPORTED,
                0,
                "message signing",
            ));
        };
        let scheme = match scheme {
            SignatureScheme::Ed25519 => smime_signature_scheme::Ed25519 as u32,
            SignatureScheme::MlDsa => smime_signature_scheme::MlDsa as u32,
            _ => return Err(KeyOperationError::unsupported("this signature scheme")),
        };
        let mut buffer = Zeroizing::new(vec![0u8; self.signature_capacity()]);
        let (mut len, mut platform_error) = (0usize, 0i64);
        let result = sign(
            self.userdata.0,
            scheme,
            message.as_ptr(),
            message.len(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut len,
            &mut platform_error,
        );
        let out = take_output(result, platform_error, buffer, len, "message signing")?;
        if out.is_empty() {
            return Err(KeyOperationError::failed(
                "the application's signing callback wrote no signature",
            ));
        }
        Ok(out.to_vec())
    }

    fn kem_decapsulate(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let Some(decapsulate) = self.kem_decapsulate else {
            return Err(key_error(
                SMIME_RESULT_KEYOP_UNSUPPORTED,
                0,
                "KEM decapsulation",
            ));
        };
        let mut buffer = Zeroizing::new(vec![0u8; self.field_size()]);
        let (mut len, mut platform_error) = (0usize, 0i64);
        let result = decapsulate(
            self.userdata.0,
            ciphertext.as_ptr(),
            ciphertext.len(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut len,
            &mut platform_error,
        );
        let out = take_output(result, platform_error, buffer, len, "KEM decapsulation")?;
        if out.len() != 32 {
            return Err(KeyOperationError::failed(format!(
                "the application's decapsulation callback wrote {} bytes, not 32",
                out.len()
            )));
        }
        Ok(out)
    }
}

/// An identity whose private key is `callbacks` (for `certificate`'s public key), with
/// `chain` as its issuer chain: the Rust side of `smime_identity_from_callbacks`. On success
/// the identity owns `callbacks.userdata` (`destroy` runs once, when the last user of the key
/// is dropped); on failure nothing is taken and `destroy` is not called.
pub fn identity_from_callbacks(
    callbacks: &smime_key_callbacks,
    certificate: &Certificate,
    chain: Vec<Certificate>,
) -> Result<Identity, KeyError> {
    let key = Arc::new(CallbackKey::new(callbacks, certificate)?);
    let dyn_key: Arc<dyn PrivateKey> = key.clone();
    match Identity::new(dyn_key, certificate.clone()) {
        Ok(identity) => Ok(identity.with_chain(chain)),
        Err(e) => {
            key.owns_userdata.store(false, Ordering::Release);
            Err(e)
        }
    }
}

/// A new identity whose private key the application holds: `callbacks` (copied) do its
/// operations, `certificate` is its certificate (the key's public key is the certificate's),
/// and the `chain_len` certificates at `chain` (may be NULL when 0) its issuer chain.
///
/// On success the identity owns `callbacks->userdata`: `callbacks->destroy` runs exactly once,
/// when the identity and every keyring or copy holding its key are freed. On failure nothing
/// is taken and `destroy` is not called.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_identity_from_callbacks(
    callbacks: *const smime_key_callbacks,
    certificate: *const smime_certificate,
    chain: *const *const smime_certificate,
    chain_len: usize,
    out: *mut *mut smime_identity,
) -> smime_result {
    boundary(|| {
        let callbacks = try_read(callbacks)?;
        let certificate: &Certificate = try_ref(certificate)?;
        let chain: Vec<Certificate> = try_ref_array(chain, chain_len)?
            .into_iter()
            .cloned()
            .collect();
        let out = Out::new(out)?;
        let identity = identity_from_callbacks(&callbacks, certificate, chain)?;
        out.write(new_identity(identity));
        Ok(())
    })
}

/// Gives the key of an identity the application added with
/// `smime_keyring_add_external_identity`, when a keyring is loaded: `reference`
/// (`reference_len` bytes) is what was added, `certificate` the identity's certificate
/// (borrowed for the call). Fill `*callbacks` and return `SMIME_RESULT_OK`; any other result
/// leaves the identity without a key (it is kept, and saved again, but cannot sign or
/// decrypt). The filled callbacks are owned as with `smime_identity_from_callbacks`.
pub type smime_resolve_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        reference: *const u8,
        reference_len: usize,
        certificate: *const smime_certificate,
        callbacks: *mut smime_key_callbacks,
    ) -> smime_result,
>;

/// How `smime_keyring_load` and `smime_keyring_from_bytes` get the keys the application
/// holds. Used only during the call; nothing of it is kept.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct smime_key_resolver {
    /// Passed back to `resolve`.
    pub userdata: *mut c_void,
    /// Resolves one reference; NULL resolves none.
    pub resolve: smime_resolve_callback,
}

/// A [`KeyResolver`] over a `smime_key_resolver`.
pub(crate) struct CallbackResolver(pub(crate) Option<smime_key_resolver>);

impl CallbackResolver {
    /// The resolver at `ptr`, which may be NULL (no keys are resolved).
    pub(crate) fn from_ptr(ptr: *const smime_key_resolver) -> Result<Self, Error> {
        if ptr.is_null() {
            Ok(CallbackResolver(None))
        } else {
            Ok(CallbackResolver(Some(try_read(ptr)?)))
        }
    }
}

impl KeyResolver for CallbackResolver {
    fn resolve(&self, reference: &[u8], certificate: &Certificate) -> Option<Arc<dyn PrivateKey>> {
        let resolver = self.0?;
        let resolve = resolver.resolve?;
        let mut callbacks = smime_key_callbacks::empty();
        let handle = new_certificate(certificate.clone());
        let result = resolve(
            resolver.userdata,
            reference.as_ptr(),
            reference.len(),
            handle,
            &mut callbacks,
        );
        free_boxed(handle);
        if result != SMIME_RESULT_OK {
            return None;
        }
        match CallbackKey::new(&callbacks, certificate) {
            Ok(key) => Some(Arc::new(key)),
            Err(_) => {
                // The application handed over its userdata: release it.
                if let Some(destroy) = callbacks.destroy {
                    destroy(callbacks.userdata);
                }
                None
            }
        }
    }
}
