//! `smime_keyring`: identities, contacts, trust anchors, intermediates and CRLs.

use std::ffi::c_char;
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use smime::keyring::Unusable;
use smime::keyring::store::{self, SealingKey, StoreLimits};
use smime::keyring::{CipherReason, Imported, Readiness, RecipientReadiness, Source};
use smime::{Certificate, Fingerprint, Identity, Keyring, Policy};

use crate::bytes::{new_bytes, new_secret_bytes, new_string, smime_bytes};
use crate::callback::{CallbackResolver, smime_key_resolver};
use crate::certificate::{new_certificate, smime_certificate};
use crate::error::{Error, Result, boundary, boundary_value, smime_result};
use crate::handle::{
    Castable, Out, OwnershipBox, free_boxed, to_boxed, try_ref, try_ref_array, try_slice, try_str,
    try_str_array, write_optional,
};
use crate::identity::{new_identity, smime_identity};
use crate::message::cipher_to;
use crate::policy::smime_policy;

/// The user's identities (with the keys of old certificates), correspondents' certificates,
/// trust anchors, intermediates and CRLs. Made by `smime_keyring_new`, `smime_keyring_load`
/// or `smime_keyring_from_bytes`; released by `smime_keyring_free`.
///
/// Thread safety: may be shared by any number of threads at once, for reading and changing
/// alike (every function takes `const smime_keyring *`); changes are serialised by an
/// internal lock, reads share it.
pub struct smime_keyring {
    _private: [u8; 0],
}

impl Castable for smime_keyring {
    type Ownership = OwnershipBox;
    type RustType = RwLock<Keyring>;
}

/// The keyring behind `keyring`, locked for reading.
pub(crate) fn read(keyring: *const smime_keyring) -> Result<RwLockReadGuard<'static, Keyring>> {
    try_ref(keyring)?.read().map_err(|_| poisoned())
}

/// The keyring behind `keyring`, locked for changing.
fn write(keyring: *const smime_keyring) -> Result<RwLockWriteGuard<'static, Keyring>> {
    try_ref(keyring)?.write().map_err(|_| poisoned())
}

fn poisoned() -> Error {
    Error::NotAvailable("the keyring: a call changing it on another thread panicked")
}

/// The 32-byte sealing key at `key`.
fn sealing_key(key: *const u8, key_len: usize) -> Result<SealingKey> {
    if key_len != 32 {
        return Err(Error::InvalidArgument("the sealing key must be 32 bytes"));
    }
    Ok(SealingKey::from_slice(try_slice(key, key_len)?)?)
}

/// A fingerprint given as 64 hex digits (either case).
fn fingerprint(hex: *const c_char) -> Result<Fingerprint> {
    let hex = try_str(hex)?;
    let bad = Error::InvalidArgument("a fingerprint is 64 hex digits (SHA-256)");
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad);
    }
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| Error::InvalidArgument("a fingerprint is 64 hex digits (SHA-256)"))?;
    }
    Ok(Fingerprint(bytes))
}

/// An optional NUL-terminated string: NULL is `None`.
fn optional_str<'a>(ptr: *const c_char) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        try_str(ptr).map(Some)
    }
}

/// The policy at `policy`, or the defaults when it is NULL.
fn policy_or_default(policy: *const smime_policy) -> Result<std::borrow::Cow<'static, Policy>> {
    if policy.is_null() {
        Ok(std::borrow::Cow::Owned(Policy::default()))
    } else {
        Ok(std::borrow::Cow::Borrowed(try_ref(policy)?))
    }
}

/// Writes what an import added to the optional counters.
fn report(imported: &Imported, identities: *mut usize, certificates: *mut usize) {
    write_optional(identities, imported.identities.len());
    write_optional(
        certificates,
        imported.contacts.len() + imported.intermediates.len(),
    );
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

/// Loads a keyring file written by `smime_keyring_save`, sealed with the 32-byte `key`
/// (`key_len` must be 32). `resolver` (may be NULL) gives the keys of identities added with
/// `smime_keyring_add_external_identity`; without it they load without a key. A wrong key is
/// `SMIME_RESULT_STORE_WRONG_KEY`; a damaged file has its own result.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_load(
    path: *const c_char,
    key: *const u8,
    key_len: usize,
    resolver: *const smime_key_resolver,
    out: *mut *mut smime_keyring,
) -> smime_result {
    boundary(|| {
        let path = try_str(path)?;
        let key = sealing_key(key, key_len)?;
        let resolver = CallbackResolver::from_ptr(resolver)?;
        let out = Out::new(out)?;
        let ring = Keyring::load(Path::new(path), &key, &resolver)?;
        out.write(to_boxed::<smime_keyring>(RwLock::new(ring)));
        Ok(())
    })
}

/// Saves `keyring` to `path`, sealed (AES-256-GCM) with the 32-byte `key`, atomically: a
/// crash during the save leaves the previous file intact.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_save(
    keyring: *const smime_keyring,
    path: *const c_char,
    key: *const u8,
    key_len: usize,
) -> smime_result {
    boundary(|| {
        let path = try_str(path)?;
        let key = sealing_key(key, key_len)?;
        read(keyring)?.save(Path::new(path), &key)?;
        Ok(())
    })
}

/// The keyring sealed with the 32-byte `key`: the contents of a keyring file, for an
/// application that stores it itself. Read it back with `smime_keyring_from_bytes`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_to_bytes(
    keyring: *const smime_keyring,
    key: *const u8,
    key_len: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let key = sealing_key(key, key_len)?;
        let out = Out::new(out)?;
        let snapshot = read(keyring)?.to_snapshot();
        out.write(new_bytes(store::seal(&snapshot, &key)?));
        Ok(())
    })
}

/// A keyring from bytes made by `smime_keyring_to_bytes` (or a keyring file's contents),
/// sealed with the 32-byte `key`; `resolver` (may be NULL) as for `smime_keyring_load`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_from_bytes(
    data: *const u8,
    data_len: usize,
    key: *const u8,
    key_len: usize,
    resolver: *const smime_key_resolver,
    out: *mut *mut smime_keyring,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, data_len)?;
        let key = sealing_key(key, key_len)?;
        let resolver = CallbackResolver::from_ptr(resolver)?;
        let out = Out::new(out)?;
        let snapshot = store::unseal(data, &key, &StoreLimits::default())?;
        let ring = Keyring::from_snapshot(snapshot, &resolver)?;
        out.write(to_boxed::<smime_keyring>(RwLock::new(ring)));
        Ok(())
    })
}

/// Imports the identity of a PKCS#12 file (`password`: NUL-terminated UTF-8); its CA
/// certificates join the intermediates (never the trust anchors). `*identities` and
/// `*certificates` (each may be NULL) receive how many identities and other certificates
/// were added. A wrong password is `SMIME_RESULT_PKCS12_WRONG_PASSWORD`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_import_pkcs12(
    keyring: *const smime_keyring,
    der: *const u8,
    der_len: usize,
    password: *const c_char,
    identities: *mut usize,
    certificates: *mut usize,
) -> smime_result {
    boundary(|| {
        let der = try_slice(der, der_len)?;
        let password = try_str(password)?;
        let imported = write(keyring)?.import_pkcs12(der, password)?;
        report(&imported, identities, certificates);
        Ok(())
    })
}

/// Imports an identity from a private key (PKCS#8, encrypted with `password` or not — NULL
/// for none —, PKCS#1 or SEC1; PEM or DER) and certificates (a DER certificate or PEM
/// blocks): the certificate of the key is the identity's, the others its chain (CA ones
/// also join the intermediates). `label` may be NULL. `*identities_added` and
/// `*certificates_added` (each may be NULL) receive the counts, as for
/// `smime_keyring_import_pkcs12`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn smime_keyring_import_key_and_certificates(
    keyring: *const smime_keyring,
    key: *const u8,
    key_len: usize,
    password: *const c_char,
    certificates: *const u8,
    certificates_len: usize,
    label: *const c_char,
    identities_added: *mut usize,
    certificates_added: *mut usize,
) -> smime_result {
    boundary(|| {
        let key = try_slice(key, key_len)?;
        let password = optional_str(password)?;
        let certificates = try_slice(certificates, certificates_len)?;
        let label = optional_str(label)?.map(str::to_owned);
        let imported =
            write(keyring)?.import_key_and_certificates(key, password, certificates, label)?;
        report(&imported, identities_added, certificates_added);
        Ok(())
    })
}

/// Imports certificates (a DER certificate or PEM blocks) as contacts (end-entity
/// certificates) and intermediates (CA certificates); trust is never granted by importing.
/// `*certificates_added` (may be NULL) receives how many were added.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_import_certificates(
    keyring: *const smime_keyring,
    data: *const u8,
    data_len: usize,
    certificates_added: *mut usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, data_len)?;
        let imported =
            write(keyring)?.import_certificates(data, Source::File, SystemTime::now())?;
        report(&imported, std::ptr::null_mut(), certificates_added);
        Ok(())
    })
}

/// Imports a directory entry: an LDAP `userSMIMECertificate` value (a certs-only
/// SignedData) or `userCertificate` value (a DER certificate), raw, PEM or as `ldapsearch`
/// LDIF. `*certificates_added` (may be NULL) receives how many were added.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_import_directory_entry(
    keyring: *const smime_keyring,
    data: *const u8,
    data_len: usize,
    certificates_added: *mut usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, data_len)?;
        let imported = write(keyring)?.import_directory_entry(data, SystemTime::now())?;
        report(&imported, std::ptr::null_mut(), certificates_added);
        Ok(())
    })
}

/// Imports an S/MIME certs-only message (MIME, `smime-type=certs-only`) or a bare certs-only
/// CMS structure (DER or BER): its certificates and CRLs. `*certificates_added` and
/// `*crls_added` (each may be NULL) receive the counts.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_import_certs_only(
    keyring: *const smime_keyring,
    data: *const u8,
    data_len: usize,
    certificates_added: *mut usize,
    crls_added: *mut usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, data_len)?;
        let imported = write(keyring)?.import_certs_only(data, SystemTime::now())?;
        report(&imported, std::ptr::null_mut(), certificates_added);
        write_optional(crls_added, imported.crls);
        Ok(())
    })
}

/// Adds an identity whose key the application holds (made by
/// `smime_identity_from_callbacks`); `reference` (`reference_len` bytes, such as a Keychain
/// persistent reference) is saved with the keyring and given to the resolver when it is
/// loaded. The keyring keeps its own use of the key: `identity` may be freed afterwards.
/// Identities with a software key enter the keyring through `smime_keyring_import_pkcs12`
/// or `smime_keyring_import_key_and_certificates`, which keep the key for saving.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_add_external_identity(
    keyring: *const smime_keyring,
    identity: *const smime_identity,
    reference: *const u8,
    reference_len: usize,
) -> smime_result {
    boundary(|| {
        let identity: &Identity = try_ref(identity)?;
        let reference = try_slice(reference, reference_len)?.to_vec();
        write(keyring)?.add_external_identity(identity.clone(), reference)?;
        Ok(())
    })
}

/// Trusts `certificate` as a root (a CA root, or a correspondent's self-signed certificate
/// pinned on purpose).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_add_trust_anchor(
    keyring: *const smime_keyring,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate: &Certificate = try_ref(certificate)?;
        write(keyring)?.add_trust_anchor(certificate)?;
        Ok(())
    })
}

/// Adds a CA certificate to those used to build chains (not trusted by itself). A
/// certificate that is not a CA is `SMIME_RESULT_KEYRING_UNSUITABLE`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_add_intermediate(
    keyring: *const smime_keyring,
    certificate: *const smime_certificate,
) -> smime_result {
    boundary(|| {
        let certificate: &Certificate = try_ref(certificate)?;
        write(keyring)?.add_intermediate(certificate)?;
        Ok(())
    })
}

/// Adds CRLs: one DER CRL, or PEM with any number of `X509 CRL` blocks. The keyring keeps
/// the newest CRL of each issuer.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_add_crl(
    keyring: *const smime_keyring,
    data: *const u8,
    data_len: usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, data_len)?;
        let crls = smime::keys::read_crls(data)?;
        let mut ring = write(keyring)?;
        for crl in &crls {
            ring.add_crl(crl)?;
        }
        Ok(())
    })
}

/// The number of identities (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_identity_count(
    keyring: *const smime_keyring,
    out: *mut usize,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(read(keyring)?.identities().count());
        Ok(())
    })
}

/// A new handle to the identity at `index` (below `smime_keyring_identity_count`, oldest
/// first). An identity whose application-held key was not resolved at load has no key: it
/// cannot sign or decrypt.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_identity(
    keyring: *const smime_keyring,
    index: usize,
    out: *mut *mut smime_identity,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        let ring = read(keyring)?;
        let identity = ring
            .identities()
            .nth(index)
            .ok_or(Error::InvalidArgument("identity index out of range"))?;
        out.write(new_identity(identity.clone()));
        Ok(())
    })
}

/// Where a contact certificate came from (`smime_contact_list_source`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_source {
    /// Added by the application or the user directly.
    Manual = 0,
    /// A PEM or DER certificate file or bundle.
    File = 1,
    /// A PKCS#12 file (a certificate that was not the identity's own).
    Pkcs12 = 2,
    /// A directory entry (LDAP `userSMIMECertificate` or `userCertificate`).
    Directory = 3,
    /// An S/MIME certs-only message.
    CertsOnly = 4,
    /// A signed message whose signature verified.
    SignedMail = 5,
}

fn source_to(source: Source) -> u32 {
    match source {
        Source::Manual => smime_source::Manual as u32,
        Source::File => smime_source::File as u32,
        Source::Pkcs12 => smime_source::Pkcs12 as u32,
        Source::Directory => smime_source::Directory as u32,
        Source::CertsOnly => smime_source::CertsOnly as u32,
        Source::SignedMail => smime_source::SignedMail as u32,
        _ => u32::MAX,
    }
}

/// The contacts of a keyring when `smime_keyring_contacts` was called: certificates with
/// where each came from, read by index. Released by `smime_contact_list_free`.
///
/// Thread safety: immutable; may be shared by any number of threads.
pub struct smime_contact_list {
    _private: [u8; 0],
}

impl Castable for smime_contact_list {
    type Ownership = OwnershipBox;
    type RustType = Vec<(Certificate, Source)>;
}

/// The keyring's contact certificates, as a new list (a copy: later changes to the keyring
/// do not show in it).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_contacts(
    keyring: *const smime_keyring,
    out: *mut *mut smime_contact_list,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        let list: Vec<(Certificate, Source)> = read(keyring)?
            .contacts()
            .map(|c| (c.certificate().clone(), c.source()))
            .collect();
        out.write(to_boxed::<smime_contact_list>(list));
        Ok(())
    })
}

fn contact_at(
    list: *const smime_contact_list,
    index: usize,
) -> Result<&'static (Certificate, Source)> {
    try_ref(list)?
        .get(index)
        .ok_or(Error::InvalidArgument("contact index out of range"))
}

/// The number of contacts in `list` (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_contact_list_count(
    list: *const smime_contact_list,
    out: *mut usize,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(try_ref(list)?.len());
        Ok(())
    })
}

/// A new handle to the certificate of the contact at `index`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_contact_list_certificate(
    list: *const smime_contact_list,
    index: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(new_certificate(contact_at(list, index)?.0.clone()));
        Ok(())
    })
}

/// Where the contact at `index` came from: a `smime_source` value (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_contact_list_source(
    list: *const smime_contact_list,
    index: usize,
    out: *mut u32,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(source_to(contact_at(list, index)?.1));
        Ok(())
    })
}

/// Releases `list`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_contact_list_free(list: *mut smime_contact_list) {
    boundary_value((), || free_boxed(list))
}

/// Removes the identity, contact, trust anchor or intermediate whose SHA-256 fingerprint is
/// `fingerprint` (64 hex digits, as `smime_certificate_fingerprint` gives). `*removed`
/// (may be NULL) says whether anything was removed. Removing an identity removes its
/// private key: old mail encrypted to it can no longer be opened with this keyring.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_remove(
    keyring: *const smime_keyring,
    fingerprint_hex: *const c_char,
    removed: *mut bool,
) -> smime_result {
    boundary(|| {
        let fp = fingerprint(fingerprint_hex)?;
        let done = write(keyring)?.remove(&fp);
        write_optional(removed, done);
        Ok(())
    })
}

/// Why mail cannot be encrypted to an address (`smime_readiness_reason_code`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_readiness_status {
    /// Ready: a certificate will be used.
    Ready = 0,
    /// The keyring has no certificate for the address.
    NoCertificate = 1,
    /// The (newest) certificate has expired.
    Expired = 2,
    /// The (newest) certificate is not valid yet.
    NotYetValid = 3,
    /// The (newest) certificate, or one of its chain, is revoked.
    Revoked = 4,
    /// No path leads from the (newest) certificate to a trust anchor.
    Untrusted = 5,
    /// The (newest) certificate's key usage does not allow receiving encrypted mail.
    WrongKeyUsage = 6,
    /// The (newest) certificate's RSA key is shorter than the policy allows.
    WeakKey = 7,
    /// The (newest) certificate's key algorithm cannot receive encrypted mail.
    UnsupportedKey = 8,
    /// Another reason (see `smime_readiness_reason`).
    Other = 9,
}

fn reason_code(r: &RecipientReadiness) -> smime_readiness_status {
    use smime_readiness_status as R;
    match &r.readiness {
        Readiness::Ready { .. } => R::Ready,
        Readiness::NoCertificate => R::NoCertificate,
        Readiness::Unusable { rejected } => match rejected.first().map(|x| &x.reason) {
            None => R::NoCertificate,
            Some(Unusable::Expired { .. }) => R::Expired,
            Some(Unusable::NotYetValid { .. }) => R::NotYetValid,
            Some(Unusable::Revoked) => R::Revoked,
            Some(Unusable::Untrusted(_)) => R::Untrusted,
            Some(Unusable::WrongKeyUsage) => R::WrongKeyUsage,
            Some(Unusable::WeakKey { .. }) => R::WeakKey,
            Some(Unusable::UnsupportedKey { .. }) => R::UnsupportedKey,
            Some(_) => R::Other,
        },
        _ => R::Other,
    }
}

/// For each address asked of `smime_keyring_recipient_readiness`: the certificate mail to it
/// will be encrypted to, or why there is none. Read by index; released by
/// `smime_readiness_free`.
///
/// Thread safety: immutable; may be shared by any number of threads.
pub struct smime_readiness {
    _private: [u8; 0],
}

impl Castable for smime_readiness {
    type Ownership = OwnershipBox;
    type RustType = Vec<RecipientReadiness>;
}

/// Whether mail can be encrypted to each of the `addresses_len` addresses at `addresses`
/// (NUL-terminated UTF-8), and with which certificate: usable certificates are valid at the
/// policy's time, may receive encrypted mail, chain to a trust anchor and are not revoked.
/// `policy` may be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_recipient_readiness(
    keyring: *const smime_keyring,
    addresses: *const *const c_char,
    addresses_len: usize,
    policy: *const smime_policy,
    out: *mut *mut smime_readiness,
) -> smime_result {
    boundary(|| {
        let addresses = try_str_array(addresses, addresses_len)?;
        let policy = policy_or_default(policy)?;
        let out = Out::new(out)?;
        let readiness = read(keyring)?.recipient_readiness(&addresses, &policy);
        out.write(to_boxed::<smime_readiness>(readiness));
        Ok(())
    })
}

/// As `smime_keyring_recipient_readiness`, with hybrid protection: an address whose usable
/// certificates include both a classical (RSA, EC) and an ML-KEM one is given both, so the
/// message carries a recipient info for each and stays confidential if either family of
/// algorithms falls (`smime_readiness_certificate_count` is then 2). An address with
/// certificates of one family only gets that one. `policy` may be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_recipient_readiness_hybrid(
    keyring: *const smime_keyring,
    addresses: *const *const c_char,
    addresses_len: usize,
    policy: *const smime_policy,
    out: *mut *mut smime_readiness,
) -> smime_result {
    boundary(|| {
        let addresses = try_str_array(addresses, addresses_len)?;
        let policy = policy_or_default(policy)?;
        let out = Out::new(out)?;
        let readiness = read(keyring)?.recipient_readiness_hybrid(&addresses, &policy);
        out.write(to_boxed::<smime_readiness>(readiness));
        Ok(())
    })
}

/// The number of certificates mail to the address at `index` is encrypted to (`*out`): 0
/// when it is not ready, 1, or 2 with hybrid protection
/// (`smime_keyring_recipient_readiness_hybrid`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_certificate_count(
    readiness: *const smime_readiness,
    index: usize,
    out: *mut usize,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(readiness_at(readiness, index)?.certificates().len());
        Ok(())
    })
}

/// A new handle to certificate `certificate_index` (below
/// `smime_readiness_certificate_count`) of the address at `index`; the first is the one
/// `smime_readiness_certificate` gives.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_certificate_at(
    readiness: *const smime_readiness,
    index: usize,
    certificate_index: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        let entry = readiness_at(readiness, index)?;
        let certificate = *entry
            .certificates()
            .get(certificate_index)
            .ok_or(Error::InvalidArgument("certificate index out of range"))?;
        out.write(new_certificate(certificate.clone()));
        Ok(())
    })
}

fn readiness_at(
    readiness: *const smime_readiness,
    index: usize,
) -> Result<&'static RecipientReadiness> {
    try_ref(readiness)?
        .get(index)
        .ok_or(Error::InvalidArgument("readiness index out of range"))
}

/// The number of addresses in `readiness` (`*out`), as many as were asked.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_count(
    readiness: *const smime_readiness,
    out: *mut usize,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(try_ref(readiness)?.len());
        Ok(())
    })
}

/// The address at `index`, as it was asked.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_address(
    readiness: *const smime_readiness,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(new_string(readiness_at(readiness, index)?.address.as_str()));
        Ok(())
    })
}

/// Whether mail can be encrypted to the address at `index` (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_is_ready(
    readiness: *const smime_readiness,
    index: usize,
    out: *mut bool,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(readiness_at(readiness, index)?.is_ready());
        Ok(())
    })
}

/// A new handle to the certificate mail to the address at `index` will be encrypted to;
/// `SMIME_RESULT_NOT_AVAILABLE` when it is not ready.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_certificate(
    readiness: *const smime_readiness,
    index: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        let certificate = readiness_at(readiness, index)?
            .certificate()
            .ok_or(Error::NotAvailable("the address is not ready"))?;
        out.write(new_certificate(certificate.clone()));
        Ok(())
    })
}

/// Why the address at `index` is not ready, for a person ("certificate expired on …");
/// `SMIME_RESULT_NOT_AVAILABLE` when it is ready.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_reason(
    readiness: *const smime_readiness,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        let reason = readiness_at(readiness, index)?
            .reason()
            .ok_or(Error::NotAvailable("the address is ready"))?;
        out.write(new_string(reason));
        Ok(())
    })
}

/// Why the address at `index` is not ready, as a `smime_readiness_status` value (`*out`;
/// `SMIME_READINESS_STATUS_READY` when it is ready).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_reason_code(
    readiness: *const smime_readiness,
    index: usize,
    out: *mut u32,
) -> smime_result {
    boundary(|| {
        let out = Out::new(out)?;
        out.write(reason_code(readiness_at(readiness, index)?) as u32);
        Ok(())
    })
}

/// Releases `readiness`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_readiness_free(readiness: *mut smime_readiness) {
    boundary_value((), || free_boxed(readiness))
}

/// The content cipher to encrypt to the `certificates_len` recipient certificates at
/// `certificates`, from the capabilities their holders' verified mail announced:
/// AES-256-GCM when nothing is known or all read GCM, else the best CBC cipher they all
/// read. `*cipher` receives a `smime_cipher` value (pass it to
/// `smime_encrypt_options_set_cipher`); `*reason` (may be NULL) why, for a person.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_choose_cipher(
    keyring: *const smime_keyring,
    certificates: *const *const smime_certificate,
    certificates_len: usize,
    cipher: *mut u32,
    reason: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let certificates: Vec<Certificate> = try_ref_array(certificates, certificates_len)?
            .into_iter()
            .cloned()
            .collect();
        let cipher = Out::new(cipher)?;
        let choice = read(keyring)?.choose_cipher(&certificates);
        cipher.write(cipher_to(choice.cipher));
        if !reason.is_null() {
            let text = match &choice.reason {
                CipherReason::NothingKnown => {
                    "no recipient's capabilities are known: the default, AES-256-GCM".to_owned()
                }
                CipherReason::AllAdvertiseGcm => {
                    "every recipient whose capabilities are known reads AES-GCM".to_owned()
                }
                CipherReason::CommonCbc { without_gcm } => format!(
                    "not every recipient reads AES-GCM ({}): the best CBC cipher all read",
                    without_gcm.join(", ")
                ),
                CipherReason::NoCommonCipher => {
                    "the recipients announce no cipher in common: AES-128-CBC, which every \
                     S/MIME client reads"
                        .to_owned()
                }
                _ => format!("{:?}", choice.reason),
            };
            write_optional(reason, new_string(text));
        }
        Ok(())
    })
}

/// The best signing identity for the From address `address`, ready to sign (it has a key,
/// names the address, may sign, is valid at the policy's time and not revoked; one that
/// chains to a trust anchor is preferred, then the newest), as a new handle. `policy` may be
/// NULL (the defaults). None is `SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY`, with the reason.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_signer_for(
    keyring: *const smime_keyring,
    address: *const c_char,
    policy: *const smime_policy,
    out: *mut *mut smime_identity,
) -> smime_result {
    boundary(|| {
        let address = try_str(address)?;
        let policy = policy_or_default(policy)?;
        let out = Out::new(out)?;
        let identity = read(keyring)?.signer_for(address, &policy)?;
        out.write(new_identity(identity));
        Ok(())
    })
}

/// The user's own encryption certificate for `address` (for the copy of sent mail the
/// sender can read): that of the newest identity with a key that may receive encrypted mail
/// and is not revoked, as a new handle. `SMIME_RESULT_NOT_AVAILABLE` when there is none.
/// `policy` may be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_own_encryption_certificate(
    keyring: *const smime_keyring,
    address: *const c_char,
    policy: *const smime_policy,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let address = try_str(address)?;
        let policy = policy_or_default(policy)?;
        let out = Out::new(out)?;
        let ring = read(keyring)?;
        let identity =
            ring.own_encryption_certificate(address, &policy)
                .ok_or(Error::NotAvailable(
                    "no identity for the address can receive encrypted mail",
                ))?;
        out.write(new_certificate(identity.certificate().clone()));
        Ok(())
    })
}

/// The certificates to publish for `address` (the user's currently valid identities for
/// it, with their chains) as an S/MIME certs-only message (MIME), ready to attach or send.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_export_certs_only(
    keyring: *const smime_keyring,
    address: *const c_char,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let address = try_str(address)?;
        let out = Out::new(out)?;
        let message = read(keyring)?.export_certs_only_message(address, SystemTime::now())?;
        out.write(new_bytes(message));
        Ok(())
    })
}

/// The identity with SHA-256 fingerprint `fingerprint_hex` (64 hex digits) as a PKCS#12
/// file (PBES2, AES-256-CBC, HMAC-SHA-256) protected by `password`; the output holds the
/// key and is zeroized when freed. An identity whose key the application holds cannot be
/// exported (`SMIME_RESULT_KEYRING_UNSUITABLE`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_export_pkcs12(
    keyring: *const smime_keyring,
    fingerprint_hex: *const c_char,
    password: *const c_char,
    out: *mut *mut smime_bytes,
) -> smime_result {
    boundary(|| {
        let fp = fingerprint(fingerprint_hex)?;
        let password = try_str(password)?;
        let out = Out::new(out)?;
        let p12 = read(keyring)?.export_pkcs12(&fp, password)?;
        out.write(new_secret_bytes(zeroize::Zeroizing::new(p12)));
        Ok(())
    })
}
