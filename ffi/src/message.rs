//! The message operations: sign, verify, encrypt, decrypt, open, inspect; and their options
//! handles (`smime_sign_options`, `smime_encrypt_options`, `smime_verify_options`).
//!
//! Options are opaque handles with setters, so that new settings can be added without
//! breaking the ABI; a NULL options pointer means the defaults.

use std::ffi::c_char;
use std::time::{Duration, SystemTime};

use smime::{
    AddressPolicy, Certificate, ContentCipher, EncryptOptions, Identity, KemKdf, KeyAgreementKdf,
    KeyTransport, Policy, SignOptions, VerifyOptions,
};

use crate::bytes::{new_bytes, smime_bytes};
use crate::certificate::smime_certificate;
use crate::error::{Error, Result, boundary, boundary_value, smime_result};
use crate::handle::{
    Castable, Out, OwnershipBox, free_boxed, to_boxed, try_mut, try_ref, try_ref_array, try_slice,
    try_str,
};
use crate::identity::smime_identity;
use crate::keyring::smime_keyring;
use crate::policy::{digest_from, smime_policy};
use crate::report::{new_decrypted, new_opened, new_verify_report};
use crate::report::{smime_decrypted, smime_opened, smime_verify_report};

/// The value behind an optional handle: `None` for NULL.
pub(crate) fn optional<'a, C: Castable>(ptr: *const C) -> Result<Option<&'a C::RustType>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        try_ref(ptr).map(Some)
    }
}

/// The time `unix_seconds` after 1970-01-01T00:00:00Z.
fn time_from_unix(unix_seconds: u64) -> Result<SystemTime> {
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(unix_seconds))
        .ok_or(Error::InvalidArgument("the time is out of range"))
}

/// Owned copies of the identities of a borrowed array (cheap: keys are shared).
fn identity_list(ptr: *const *const smime_identity, len: usize) -> Result<Vec<Identity>> {
    Ok(try_ref_array(ptr, len)?.into_iter().cloned().collect())
}

/// Owned copies of the certificates of a borrowed array (cheap).
fn certificates(ptr: *const *const smime_certificate, len: usize) -> Result<Vec<Certificate>> {
    Ok(try_ref_array(ptr, len)?.into_iter().cloned().collect())
}

/// The policy behind an optional handle, or the defaults.
fn policy_or_default(policy: *const smime_policy) -> Result<Policy> {
    Ok(optional(policy)?.cloned().unwrap_or_default())
}

// ---- smime_sign_options -------------------------------------------------------------------

/// How to sign: the digest, detached (multipart/signed, the default) or opaque, RSASSA-PSS,
/// whether the chain is included, the signing time. Made by `smime_sign_options_new` with
/// the defaults (SHA-256, multipart/signed, PKCS#1 v1.5 for RSA keys, chain included, signed
/// now); released by `smime_sign_options_free`. Where a function takes options, NULL means
/// the defaults.
///
/// Thread safety: the setters take the options mutably and must not run while another
/// thread uses them; once set up, they may be shared by any number of threads.
pub struct smime_sign_options {
    _private: [u8; 0],
}

impl Castable for smime_sign_options {
    type Ownership = OwnershipBox;
    type RustType = SignOptions;
}

/// New signing options with the defaults.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_new(out: *mut *mut smime_sign_options) -> smime_result {
    boundary(|| {
        Out::new(out)?.write(to_boxed::<smime_sign_options>(SignOptions::default()));
        Ok(())
    })
}

/// Releases `options`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_free(options: *mut smime_sign_options) {
    boundary_value((), || free_boxed(options))
}

/// Sets the digest (`smime_digest`): SHA-256 (the default), SHA-384 or SHA-512. SHA-1 is
/// refused when signing (`SMIME_RESULT_SIGN_UNSUPPORTED_ALGORITHM`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_set_digest(
    options: *mut smime_sign_options,
    digest: u32,
) -> smime_result {
    boundary(|| {
        let options = try_mut(options)?;
        options.digest = digest_from(digest)?;
        Ok(())
    })
}

/// Opaque signing (application/pkcs7-mime signed-data, the content inside the signature)
/// instead of multipart/signed (`false`, the default), which any mail client can display.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_set_opaque(
    options: *mut smime_sign_options,
    opaque: bool,
) -> smime_result {
    boundary(|| {
        try_mut(options)?.opaque = opaque;
        Ok(())
    })
}

/// RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys (an EC key then fails to sign).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_set_pss(
    options: *mut smime_sign_options,
    pss: bool,
) -> smime_result {
    boundary(|| {
        try_mut(options)?.pss = pss;
        Ok(())
    })
}

/// Whether the signer certificates' chains are included (default `true`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_set_include_chain(
    options: *mut smime_sign_options,
    include: bool,
) -> smime_result {
    boundary(|| {
        try_mut(options)?.include_chain = include;
        Ok(())
    })
}

/// Sets the signingTime attribute to `unix_seconds` (seconds since 1970-01-01T00:00:00Z)
/// instead of the time of signing.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_set_signing_time(
    options: *mut smime_sign_options,
    unix_seconds: u64,
) -> smime_result {
    boundary(|| {
        let time = time_from_unix(unix_seconds)?;
        try_mut(options)?.signing_time = Some(time);
        Ok(())
    })
}

/// The signingTime attribute is the time of signing (the default).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_options_set_signing_time_now(
    options: *mut smime_sign_options,
) -> smime_result {
    boundary(|| {
        try_mut(options)?.signing_time = None;
        Ok(())
    })
}

// ---- smime_encrypt_options ----------------------------------------------------------------

/// A content-encryption algorithm (`smime_encrypt_options_set_cipher`,
/// `smime_decrypted_cipher`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_cipher {
    /// AES-256-GCM, AuthEnvelopedData: integrity-protected (the default).
    Aes256Gcm = 0,
    /// AES-128-GCM, AuthEnvelopedData: integrity-protected.
    Aes128Gcm = 1,
    /// AES-256-CBC, EnvelopedData: no integrity protection, for peers that cannot read GCM.
    Aes256Cbc = 2,
    /// AES-128-CBC, EnvelopedData: no integrity protection.
    Aes128Cbc = 3,
    /// AES-192-CBC: read only.
    Aes192Cbc = 4,
    /// 3DES-EDE-CBC: read only, for mail encrypted years ago.
    DesEde3Cbc = 5,
    /// A cipher this version of the header does not name.
    Other = 255,
}

pub(crate) fn cipher_to(cipher: ContentCipher) -> u32 {
    (match cipher {
        ContentCipher::Aes256Gcm => smime_cipher::Aes256Gcm,
        ContentCipher::Aes128Gcm => smime_cipher::Aes128Gcm,
        ContentCipher::Aes256Cbc => smime_cipher::Aes256Cbc,
        ContentCipher::Aes128Cbc => smime_cipher::Aes128Cbc,
        ContentCipher::Aes192Cbc => smime_cipher::Aes192Cbc,
        ContentCipher::DesEde3Cbc => smime_cipher::DesEde3Cbc,
        _ => smime_cipher::Other,
    }) as u32
}

/// RSA key transport (`smime_encrypt_options_set_key_transport`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_key_transport {
    /// RSAES-PKCS1-v1_5: what every client reads (the default).
    RsaPkcs1V15 = 0,
    /// RSAES-OAEP with SHA-256.
    RsaOaep = 1,
}

/// How to encrypt: the content cipher, RSA key transport, the sender's own certificate (a
/// copy the sender can read), and how recipient certificates are checked (trust anchors,
/// intermediates, CRLs, policy). Made by `smime_encrypt_options_new` with the defaults
/// (AES-256-GCM, PKCS#1 v1.5, no self copy, recipient chains not judged, the default policy);
/// released by `smime_encrypt_options_free`. Where a function takes options, NULL means the
/// defaults.
///
/// Thread safety: as `smime_sign_options`.
pub struct smime_encrypt_options {
    _private: [u8; 0],
}

impl Castable for smime_encrypt_options {
    type Ownership = OwnershipBox;
    type RustType = EncryptOptions;
}

/// New encryption options with the defaults.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_new(out: *mut *mut smime_encrypt_options) -> smime_result {
    boundary(|| {
        Out::new(out)?.write(to_boxed::<smime_encrypt_options>(EncryptOptions::default()));
        Ok(())
    })
}

/// Releases `options`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_free(options: *mut smime_encrypt_options) {
    boundary_value((), || free_boxed(options))
}

/// Sets the content cipher (`smime_cipher`; the read-only ones are refused with
/// `SMIME_RESULT_INVALID_ARGUMENT`). A CBC cipher is refused when encrypting if the options'
/// policy does not accept CBC.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_set_cipher(
    options: *mut smime_encrypt_options,
    cipher: u32,
) -> smime_result {
    boundary(|| {
        let options = try_mut(options)?;
        options.cipher = match cipher {
            0 => ContentCipher::Aes256Gcm,
            1 => ContentCipher::Aes128Gcm,
            2 => ContentCipher::Aes256Cbc,
            3 => ContentCipher::Aes128Cbc,
            4 | 5 => {
                return Err(Error::InvalidArgument(
                    "this cipher is read only: it is never used to encrypt",
                ));
            }
            _ => return Err(Error::InvalidArgument("unknown smime_cipher")),
        };
        Ok(())
    })
}

/// The key-agreement scheme for X25519 recipients (`smime_encrypt_options_set_key_agreement`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_key_agreement {
    /// dhSinglePass-stdDH-hkdf-sha256-scheme (RFC 8418; the default).
    HkdfSha256 = 0,
    /// dhSinglePass-stdDH-hkdf-sha384-scheme.
    HkdfSha384 = 1,
    /// dhSinglePass-stdDH-hkdf-sha512-scheme.
    HkdfSha512 = 2,
    /// dhSinglePass-stdDH-sha256kdf-scheme (ANSI X9.63 KDF): for peers with X25519 but no
    /// HKDF (Bouncy Castle 1.72).
    X963Sha256 = 3,
    /// dhSinglePass-stdDH-sha384kdf-scheme.
    X963Sha384 = 4,
    /// dhSinglePass-stdDH-sha512kdf-scheme.
    X963Sha512 = 5,
}

/// The key-derivation function of ML-KEM recipients (`smime_encrypt_options_set_kem_kdf`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_kem_kdf {
    /// HKDF-SHA-256 (RFC 8619; mandatory for every ML-KEM level, the default).
    HkdfSha256 = 0,
    /// HKDF-SHA-384.
    HkdfSha384 = 1,
    /// HKDF-SHA-512.
    HkdfSha512 = 2,
}

/// Sets the key-agreement scheme for X25519 recipients (`smime_key_agreement`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_set_key_agreement(
    options: *mut smime_encrypt_options,
    key_agreement: u32,
) -> smime_result {
    boundary(|| {
        let options = try_mut(options)?;
        options.key_agreement = match key_agreement {
            0 => KeyAgreementKdf::HkdfSha256,
            1 => KeyAgreementKdf::HkdfSha384,
            2 => KeyAgreementKdf::HkdfSha512,
            3 => KeyAgreementKdf::X963Sha256,
            4 => KeyAgreementKdf::X963Sha384,
            5 => KeyAgreementKdf::X963Sha512,
            _ => return Err(Error::InvalidArgument("unknown smime_key_agreement")),
        };
        Ok(())
    })
}

/// Sets the key-derivation function of ML-KEM recipients (`smime_kem_kdf`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_set_kem_kdf(
    options: *mut smime_encrypt_options,
    kdf: u32,
) -> smime_result {
    boundary(|| {
        let options = try_mut(options)?;
        options.kem.kdf = match kdf {
            0 => KemKdf::HkdfSha256,
            1 => KemKdf::HkdfSha384,
            2 => KemKdf::HkdfSha512,
            _ => return Err(Error::InvalidArgument("unknown smime_kem_kdf")),
        };
        Ok(())
    })
}

/// Sets RSA key transport (`smime_key_transport`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_set_key_transport(
    options: *mut smime_encrypt_options,
    key_transport: u32,
) -> smime_result {
    boundary(|| {
        let options = try_mut(options)?;
        options.key_transport = match key_transport {
            0 => KeyTransport::RsaPkcs1v15,
            1 => KeyTransport::RsaOaep,
            _ => return Err(Error::InvalidArgument("unknown smime_key_transport")),
        };
        Ok(())
    })
}

/// The sender's own encryption certificate, added as a recipient so that sent mail stays
/// readable; checked like any recipient. A NULL `certificate` removes it. The certificate is
/// copied.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_set_sender(
    options: *mut smime_encrypt_options,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate = optional(certificate)?.cloned();
        try_mut(options)?.sender = certificate;
        Ok(())
    })
}

/// Adds a trust anchor: once any is given, every recipient certificate must chain to one.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_add_trust_anchor(
    options: *mut smime_encrypt_options,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate = try_ref(certificate)?.clone();
        try_mut(options)?.trust_anchors.push(certificate);
        Ok(())
    })
}

/// Adds an intermediate or CA certificate for the recipients' chains and CRL checks.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_add_certificate(
    options: *mut smime_encrypt_options,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate = try_ref(certificate)?.clone();
        try_mut(options)?.certificates.push(certificate);
        Ok(())
    })
}

/// Adds a CRL (DER, copied): a recipient it lists as revoked is refused.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_add_crl(
    options: *mut smime_encrypt_options,
    der: *const u8,
    der_len: usize,
) -> smime_result {
    boundary(|| {
        let der = try_slice(der, der_len)?.to_vec();
        try_mut(options)?.crls.push(der);
        Ok(())
    })
}

/// Sets the policy (copied): validation time, RSA sizes, CBC, revocation mode.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_options_set_policy(
    options: *mut smime_encrypt_options,
    policy: *const smime_policy,
) -> smime_result {
    boundary(|| {
        let policy = try_ref(policy)?.clone();
        try_mut(options)?.policy = policy;
        Ok(())
    })
}

// ---- smime_verify_options -----------------------------------------------------------------

/// What to verify against: trust anchors, further certificates (intermediates, signer
/// certificates a message does not carry), CRLs, the address the signer must match, and the
/// policy. Made by `smime_verify_options_new` (no trust anchors, the From header's address,
/// the default policy); released by `smime_verify_options_free`. Where a function takes
/// options, NULL means the defaults: no chain can then be trusted.
///
/// Thread safety: as `smime_sign_options`.
pub struct smime_verify_options {
    _private: [u8; 0],
}

impl Castable for smime_verify_options {
    type Ownership = OwnershipBox;
    type RustType = VerifyOptions;
}

/// New verification options with the defaults.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_new(out: *mut *mut smime_verify_options) -> smime_result {
    boundary(|| {
        Out::new(out)?.write(to_boxed::<smime_verify_options>(VerifyOptions::default()));
        Ok(())
    })
}

/// Releases `options`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_free(options: *mut smime_verify_options) {
    boundary_value((), || free_boxed(options))
}

/// Adds a trust anchor (copied).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_add_trust_anchor(
    options: *mut smime_verify_options,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate = try_ref(certificate)?.clone();
        try_mut(options)?.trust_anchors.push(certificate);
        Ok(())
    })
}

/// Adds a certificate (copied): an intermediate, or a signer certificate the message does
/// not carry.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_add_certificate(
    options: *mut smime_verify_options,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate = try_ref(certificate)?.clone();
        try_mut(options)?.certificates.push(certificate);
        Ok(())
    })
}

/// Adds a CRL (DER, copied). Without any, revocation is reported as not checked.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_add_crl(
    options: *mut smime_verify_options,
    der: *const u8,
    der_len: usize,
) -> smime_result {
    boundary(|| {
        let der = try_slice(der, der_len)?.to_vec();
        try_mut(options)?.crls.push(der);
        Ok(())
    })
}

/// The signer certificates must carry every mailbox of the message's From fields (a From
/// inside the signed content is the protected one): the default.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_set_address_from_header(
    options: *mut smime_verify_options,
) -> smime_result {
    boundary(|| {
        try_mut(options)?.address = AddressPolicy::FromHeader;
        Ok(())
    })
}

/// The signer certificates must carry `address` (a NUL-terminated UTF-8 string), and the
/// message's From fields are not consulted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_set_address(
    options: *mut smime_verify_options,
    address: *const c_char,
) -> smime_result {
    boundary(|| {
        let address = try_str(address)?.to_owned();
        try_mut(options)?.address = AddressPolicy::Expect(address);
        Ok(())
    })
}

/// Sets the policy (copied): algorithms, validation time, revocation mode, weakening
/// settings.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_options_set_policy(
    options: *mut smime_verify_options,
    policy: *const smime_policy,
) -> smime_result {
    boundary(|| {
        let policy = try_ref(policy)?.clone();
        try_mut(options)?.policy = policy;
        Ok(())
    })
}

// ---- operations -----------------------------------------------------------------------------

/// Signs a MIME entity or whole message (`message`, `message_len` bytes) with `signers_len`
/// identities (`signers`, an array of handles; at least one): a multipart/signed message, or
/// an opaque one when the options say so. RFC 5322 headers (From, To, Subject…) stay
/// outside; `*out` receives the signed message. `options` may be NULL (the defaults).
///
/// Errors: `SMIME_RESULT_SIGN_NO_SIGNER` for no signers, `SMIME_RESULT_SIGN_EIGHT_BIT_CONTENT`
/// for 8-bit content in multipart/signed, a key operation's code when the key (or its
/// callback) fails, parse errors for malformed MIME.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign(
    message: *const u8,
    message_len: usize,
    signers: *const *const smime_identity,
    signers_len: usize,
    options: *const smime_sign_options,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let message = try_slice(message, message_len)?;
        let signers = identity_list(signers, signers_len)?;
        let options = optional(options)?.cloned().unwrap_or_default();
        let out = Out::new(out)?;
        out.write(new_bytes(smime::sign(message, &signers, &options)?));
        Ok(())
    })
}

/// Encrypts a MIME entity or whole message to `recipients_len` certificates (`recipients`,
/// an array of handles) and to the options' sender certificate: application/pkcs7-mime,
/// AES-256-GCM unless the options say otherwise. Every recipient certificate is checked
/// first; a refused one is named in the error (`SMIME_RESULT_ENCRYPT_RECIPIENT_REFUSED`).
/// `options` may be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt(
    message: *const u8,
    message_len: usize,
    recipients: *const *const smime_certificate,
    recipients_len: usize,
    options: *const smime_encrypt_options,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let message = try_slice(message, message_len)?;
        let recipients = certificates(recipients, recipients_len)?;
        let options = optional(options)?.cloned().unwrap_or_default();
        let out = Out::new(out)?;
        out.write(new_bytes(smime::encrypt(message, &recipients, &options)?));
        Ok(())
    })
}

/// Signs, then encrypts, in one call: the signed entity is encrypted to the recipients (and
/// the encrypt options' sender). With `triple_wrap`, the encrypted result is signed once more
/// (RFC 2634). `sign_options` and `encrypt_options` may each be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn smime_sign_and_encrypt(
    message: *const u8,
    message_len: usize,
    signers: *const *const smime_identity,
    signers_len: usize,
    sign_options: *const smime_sign_options,
    recipients: *const *const smime_certificate,
    recipients_len: usize,
    encrypt_options: *const smime_encrypt_options,
    triple_wrap: bool,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let message = try_slice(message, message_len)?;
        let signers = identity_list(signers, signers_len)?;
        let sign_options = optional(sign_options)?.cloned().unwrap_or_default();
        let recipients = certificates(recipients, recipients_len)?;
        let encrypt_options = optional(encrypt_options)?.cloned().unwrap_or_default();
        let out = Out::new(out)?;
        let sealed = smime::sign_and_encrypt(
            message,
            &signers,
            &sign_options,
            &recipients,
            &encrypt_options,
            triple_wrap,
        )?;
        out.write(new_bytes(sealed));
        Ok(())
    })
}

/// Decrypts an encrypted message (application/pkcs7-mime, whole or as an entity, or a bare
/// CMS EnvelopedData/AuthEnvelopedData as DER, BER or PEM) with any of `identities_len`
/// identities (`identities`: the current and retired keys). `policy` may be NULL (the
/// defaults). `*out` receives the decrypted content and how it was opened.
///
/// Every failure to recover the content (no recipient for these keys, a wrong key, a failed
/// integrity check) is the same `SMIME_RESULT_DECRYPT_CANNOT_DECRYPT`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypt(
    message: *const u8,
    message_len: usize,
    identities: *const *const smime_identity,
    identities_len: usize,
    policy: *const smime_policy,
    out: *mut *mut smime_decrypted,
) -> smime_result {
    boundary(|| {
        let message = try_slice(message, message_len)?;
        let keys = identity_list(identities, identities_len)?;
        let policy = policy_or_default(policy)?;
        let out = Out::new(out)?;
        out.write(new_decrypted(smime::decrypt(message, &keys, &policy)?));
        Ok(())
    })
}

/// Decrypts an encrypted message with every key of the keyring's history (a read lock is
/// held for the call). `policy` may be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_decrypt(
    keyring: *const smime_keyring,
    message: *const u8,
    message_len: usize,
    policy: *const smime_policy,
    out: *mut *mut smime_decrypted,
) -> smime_result {
    boundary(|| {
        let keyring = try_ref(keyring)?;
        let message = try_slice(message, message_len)?;
        let policy = policy_or_default(policy)?;
        let out = Out::new(out)?;
        let ring = keyring
            .read()
            .map_err(|_| Error::NotAvailable("the keyring lock is poisoned"))?;
        out.write(new_decrypted(ring.decrypt(message, &policy)?));
        Ok(())
    })
}

/// Verifies a signed message: MIME (multipart/signed or opaque application/pkcs7-mime, a
/// whole message or an entity) or a bare CMS SignedData as DER or PEM. `options` may be NULL
/// (no trust anchors: the chain check then fails). A bad signature is not an error: read the
/// report (`smime_verify_report_verdict`). Errors are for input that cannot be examined.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify(
    message: *const u8,
    message_len: usize,
    options: *const smime_verify_options,
    out: *mut *mut smime_verify_report,
) -> smime_result {
    boundary(|| {
        let message = try_slice(message, message_len)?;
        let default;
        let options = match optional(options)? {
            Some(o) => o,
            None => {
                default = VerifyOptions::default();
                &default
            }
        };
        let out = Out::new(out)?;
        out.write(new_verify_report(smime::verify(message, options)?));
        Ok(())
    })
}

/// Verifies a detached signature (`signature`: a `.p7s`, DER, BER or PEM) over `content`,
/// which is checked exactly as given. `options` may be NULL.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_detached(
    content: *const u8,
    content_len: usize,
    signature: *const u8,
    signature_len: usize,
    options: *const smime_verify_options,
    out: *mut *mut smime_verify_report,
) -> smime_result {
    boundary(|| {
        let content = try_slice(content, content_len)?;
        let signature = try_slice(signature, signature_len)?;
        let default;
        let options = match optional(options)? {
            Some(o) => o,
            None => {
                default = VerifyOptions::default();
                &default
            }
        };
        let out = Out::new(out)?;
        let report = smime::verify_detached(content, signature, options)?;
        out.write(new_verify_report(report));
        Ok(())
    })
}

/// The keyring's trust anchors, intermediates and CRLs, with those of `options` added, and
/// the address check and policy of `options`.
fn keyring_options(ring: &smime::Keyring, options: Option<&VerifyOptions>) -> VerifyOptions {
    match options {
        None => ring.verify_options(AddressPolicy::FromHeader, &Policy::default()),
        Some(o) => {
            let mut all = ring.verify_options(o.address.clone(), &o.policy);
            all.trust_anchors.extend(o.trust_anchors.iter().cloned());
            all.certificates.extend(o.certificates.iter().cloned());
            all.crls.extend(o.crls.iter().cloned());
            all
        }
    }
}

/// Verifies a signed message against the keyring: its trust anchors, intermediates and CRLs
/// (and any in `options`, which may be NULL), with signer certificates the message does not
/// carry looked up in the keyring. A read lock is held for the call.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_verify(
    keyring: *const smime_keyring,
    message: *const u8,
    message_len: usize,
    options: *const smime_verify_options,
    out: *mut *mut smime_verify_report,
) -> smime_result {
    boundary(|| {
        let keyring = try_ref(keyring)?;
        let message = try_slice(message, message_len)?;
        let options = optional(options)?;
        let out = Out::new(out)?;
        let ring = keyring
            .read()
            .map_err(|_| Error::NotAvailable("the keyring lock is poisoned"))?;
        let options = keyring_options(&ring, options);
        out.write(new_verify_report(ring.verify(message, &options)?));
        Ok(())
    })
}

/// Decrypts and verifies a nested message layer by layer (signed inside encrypted, encrypted
/// inside signed, triple wrap…) with `identities_len` identities and `options` (may be NULL)
/// for the signed layers. A plain message gives no layers.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_open(
    message: *const u8,
    message_len: usize,
    identities: *const *const smime_identity,
    identities_len: usize,
    options: *const smime_verify_options,
    out: *mut *mut smime_opened,
) -> smime_result {
    boundary(|| {
        let message = try_slice(message, message_len)?;
        let keys = identity_list(identities, identities_len)?;
        let default;
        let options = match optional(options)? {
            Some(o) => o,
            None => {
                default = VerifyOptions::default();
                &default
            }
        };
        let out = Out::new(out)?;
        out.write(new_opened(smime::open(message, &keys, options)?));
        Ok(())
    })
}

/// Decrypts and verifies a nested message with the keyring's key history, trust anchors,
/// intermediates, CRLs and certificates; `options` (may be NULL) gives the address check and
/// the policy. A read lock is held for the call.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_open(
    keyring: *const smime_keyring,
    message: *const u8,
    message_len: usize,
    options: *const smime_verify_options,
    out: *mut *mut smime_opened,
) -> smime_result {
    boundary(|| {
        let keyring = try_ref(keyring)?;
        let message = try_slice(message, message_len)?;
        let options = optional(options)?;
        let out = Out::new(out)?;
        let ring = keyring
            .read()
            .map_err(|_| Error::NotAvailable("the keyring lock is poisoned"))?;
        let (address, policy) = match options {
            Some(o) => (o.address.clone(), o.policy.clone()),
            None => (AddressPolicy::FromHeader, Policy::default()),
        };
        out.write(new_opened(ring.open(message, address, &policy)?));
        Ok(())
    })
}

// ---- inspect --------------------------------------------------------------------------------

/// What `smime_inspect` found.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_inspected_kind {
    /// A MIME message or entity (the description lists its S/MIME structures).
    Message = 0,
    /// A bare CMS SignedData with signers (a `.p7s` or an opaque `smime.p7m`).
    CmsSigned = 1,
    /// A bare CMS certs-only SignedData (no signers, no content: a `.p7b`, `.p7c`).
    CmsCertsOnly = 2,
    /// A bare CMS EnvelopedData or AuthEnvelopedData (an encrypted `smime.p7m`).
    CmsEnveloped = 3,
    /// Another CMS content type.
    CmsOther = 4,
    /// One or more certificates.
    Certificates = 5,
    /// A certificate revocation list.
    Crl = 6,
    /// A PKCS#12 file (its contents are encrypted under its password).
    Pkcs12 = 7,
    /// A private key.
    PrivateKey = 8,
    /// A kind this version of the header does not name.
    Other = 255,
}

fn describe_cms(out: &mut String, cms: &smime::inspect::CmsSummary, indent: &str) -> u32 {
    use smime::inspect::{CmsSummary, RecipientSummary};
    use std::fmt::Write as _;
    match cms {
        CmsSummary::Signed(sd) => {
            let certs_only = sd.is_certs_only();
            let _ = writeln!(
                out,
                "{indent}CMS signed-data{}",
                if certs_only { " (certs-only)" } else { "" }
            );
            let content = match sd.content_len {
                Some(n) => format!("embedded, {n} bytes of {}", sd.content_type),
                None if certs_only => "none".to_owned(),
                None => "detached".to_owned(),
            };
            let _ = writeln!(out, "{indent}  content: {content}");
            let _ = writeln!(out, "{indent}  signers: {}", sd.signers.len());
            for s in &sd.signers {
                let _ = writeln!(out, "{indent}    {}", s.id);
                let _ = writeln!(
                    out,
                    "{indent}      digest {}, signature {}{}",
                    s.digest,
                    s.signature,
                    if s.signed_attributes {
                        ""
                    } else {
                        ", no signed attributes"
                    }
                );
            }
            let _ = writeln!(out, "{indent}  certificates: {}", sd.certificates.len());
            for c in &sd.certificates {
                let _ = writeln!(out, "{indent}    {}", c.describe());
            }
            if sd.crls > 0 {
                let _ = writeln!(out, "{indent}  CRLs: {}", sd.crls);
            }
            if certs_only {
                smime_inspected_kind::CmsCertsOnly as u32
            } else {
                smime_inspected_kind::CmsSigned as u32
            }
        }
        CmsSummary::Enveloped(env) => {
            let _ = writeln!(
                out,
                "{indent}CMS {}",
                if env.authenticated {
                    "authEnveloped-data"
                } else {
                    "enveloped-data"
                }
            );
            let _ = writeln!(
                out,
                "{indent}  content cipher: {}{}",
                env.cipher,
                if env.integrity_protected {
                    " (integrity-protected)"
                } else {
                    " (NOT integrity-protected)"
                }
            );
            let _ = writeln!(
                out,
                "{indent}  encrypted content: {} bytes",
                env.content_len
            );
            let _ = writeln!(out, "{indent}  recipients: {}", env.recipients.len());
            for (i, r) in env.recipients.iter().enumerate() {
                match r {
                    RecipientSummary::KeyTransport { id, algorithm } => {
                        let _ = writeln!(
                            out,
                            "{indent}    {}: key transport {algorithm}, {id}",
                            i + 1
                        );
                    }
                    RecipientSummary::KeyAgreement {
                        ids,
                        algorithm,
                        key_wrap,
                    } => {
                        let wrap = key_wrap
                            .as_ref()
                            .map(|w| format!(", {w}"))
                            .unwrap_or_default();
                        let _ = writeln!(
                            out,
                            "{indent}    {}: key agreement {algorithm}{wrap}, {}",
                            i + 1,
                            ids.join("; ")
                        );
                    }
                    RecipientSummary::Kem {
                        id,
                        algorithm,
                        kdf,
                        key_wrap,
                        ukm,
                    } => {
                        let _ = writeln!(
                            out,
                            "{indent}    {}: KEM {algorithm}, {kdf}, {key_wrap}{}, {id}",
                            i + 1,
                            if *ukm { ", with ukm" } else { "" }
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            out,
                            "{indent}    {}: a kind of recipient this library does not read",
                            i + 1
                        );
                    }
                }
            }
            smime_inspected_kind::CmsEnveloped as u32
        }
        CmsSummary::Other { content_type } => {
            let _ = writeln!(out, "{indent}CMS {content_type}");
            smime_inspected_kind::CmsOther as u32
        }
        _ => {
            let _ = writeln!(out, "{indent}CMS of a kind this version does not describe");
            smime_inspected_kind::CmsOther as u32
        }
    }
}

/// The kind of `inspected` and a description for a person.
fn describe(inspected: &smime::Inspected) -> (u32, String) {
    use smime::Inspected;
    use std::fmt::Write as _;
    let mut out = String::new();
    let kind = match inspected {
        Inspected::Message(m) => {
            let _ = writeln!(out, "MIME message: {}", m.content_type);
            if !m.from.is_empty() {
                let _ = writeln!(out, "From: {}", m.from.join(", "));
            }
            if m.parts.is_empty() {
                let _ = writeln!(out, "no S/MIME structure");
            }
            for p in &m.parts {
                let place = if p.path.is_empty() {
                    "the whole message".to_owned()
                } else {
                    let path: Vec<String> = p.path.iter().map(|i| (i + 1).to_string()).collect();
                    format!("part {}", path.join("."))
                };
                let _ = writeln!(out, "S/MIME {} in {place}", p.form);
                match &p.cms {
                    Ok(cms) => {
                        describe_cms(&mut out, cms, "  ");
                    }
                    Err(e) => {
                        let _ = writeln!(out, "  (the CMS body does not parse: {e})");
                    }
                }
            }
            smime_inspected_kind::Message as u32
        }
        Inspected::Cms(cms) => describe_cms(&mut out, cms, ""),
        Inspected::Certificates(certs) => {
            let _ = writeln!(out, "{} certificate(s)", certs.len());
            for c in certs {
                let _ = writeln!(out, "  {}", c.describe());
            }
            smime_inspected_kind::Certificates as u32
        }
        Inspected::Crl(crl) => {
            let _ = writeln!(out, "CRL issued by {}", crl.issuer);
            let _ = writeln!(
                out,
                "  this update: {} (unix seconds)",
                crate::certificate::unix_seconds(crl.this_update)
            );
            if let Some(next) = crl.next_update {
                let _ = writeln!(
                    out,
                    "  next update: {} (unix seconds)",
                    crate::certificate::unix_seconds(next)
                );
            }
            let _ = writeln!(out, "  revoked certificates: {}", crl.revoked);
            smime_inspected_kind::Crl as u32
        }
        Inspected::Pkcs12 => {
            let _ = writeln!(
                out,
                "PKCS#12 file (its contents are encrypted under its password)"
            );
            smime_inspected_kind::Pkcs12 as u32
        }
        Inspected::PrivateKey(k) => {
            match (&k.kind, k.encrypted) {
                (_, true) => {
                    let _ = writeln!(out, "private key, encrypted under a password");
                }
                (Some(kind), false) => {
                    let _ = writeln!(out, "private key: {kind}");
                }
                (None, false) => {
                    let _ = writeln!(out, "private key");
                }
            }
            smime_inspected_kind::PrivateKey as u32
        }
        _ => {
            let _ = writeln!(out, "an input of a kind this version does not describe");
            smime_inspected_kind::Other as u32
        }
    };
    (kind, out)
}

/// Says what `input` is — a MIME message (with the S/MIME structures in it), a bare CMS
/// structure, certificates, a CRL, a PKCS#12 file or a private key (PEM or DER) — without
/// verifying or decrypting anything: `*kind` receives a `smime_inspected_kind`, and
/// `*description` a new `smime_bytes` with a description for a person (several lines of
/// UTF-8 text). Input of no known kind is an error (`SMIME_RESULT_PARSE_*`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_inspect(
    input: *const u8,
    input_len: usize,
    kind: *mut u32,
    description: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let input = try_slice(input, input_len)?;
        let (kind, description) = (Out::new(kind)?, Out::new(description)?);
        let (k, text) = describe(&smime::inspect(input)?);
        kind.write(k);
        description.write(crate::bytes::new_string(text));
        Ok(())
    })
}
