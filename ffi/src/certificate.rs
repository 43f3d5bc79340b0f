//! `smime_certificate`: an X.509 certificate.

use std::time::SystemTime;

use smime::Certificate;

use crate::bytes::{new_bytes, new_string, smime_bytes};
use crate::error::{Error, Result, boundary, boundary_value, smime_result};
use crate::handle::{Castable, Out, OwnershipBox, free_boxed, to_boxed, try_ref, try_slice};

/// An X.509 certificate, parsed once. Made by `smime_certificate_from_der`,
/// `smime_certificate_from_pem` or returned by other functions; released by
/// `smime_certificate_free`.
///
/// Thread safety: immutable; may be shared by any number of threads.
pub struct smime_certificate {
    _private: [u8; 0],
}

impl Castable for smime_certificate {
    type Ownership = OwnershipBox;
    type RustType = Certificate;
}

/// A new caller-owned certificate handle.
pub(crate) fn new_certificate(certificate: Certificate) -> *mut smime_certificate {
    to_boxed::<smime_certificate>(certificate)
}

/// Seconds since 1970-01-01T00:00:00Z, negative before.
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

fn with_certificate(
    certificate: *const smime_certificate,
    f: impl FnOnce(&Certificate) -> Result<()>,
) -> smime_result {
    boundary(|| f(try_ref(certificate)?))
}

/// Parses one DER certificate.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_from_der(
    der: *const u8,
    der_len: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let der = try_slice(der, der_len)?;
        let out = Out::new(out)?;
        out.write(new_certificate(Certificate::from_der(der)?));
        Ok(())
    })
}

/// Parses one PEM certificate (`-----BEGIN CERTIFICATE-----`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_from_pem(
    pem: *const u8,
    pem_len: usize,
    out: *mut *mut smime_certificate,
) -> smime_result {
    boundary(|| {
        let pem = try_slice(pem, pem_len)?;
        let out = Out::new(out)?;
        out.write(new_certificate(Certificate::from_pem(pem)?));
        Ok(())
    })
}

/// A second handle to the same certificate (cheap), to be freed on its own.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_clone(
    certificate: *const smime_certificate,
    out: *mut *mut smime_certificate,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_certificate(c.clone()));
        Ok(())
    })
}

/// Releases `certificate`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_free(certificate: *mut smime_certificate) {
    boundary_value((), || free_boxed(certificate))
}

/// The DER encoding.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_der(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_bytes(c.der().to_vec()));
        Ok(())
    })
}

/// The PEM encoding, as text.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_pem(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_string(c.to_pem()));
        Ok(())
    })
}

/// The SHA-256 fingerprint of the DER, as 64 lower-case hex digits: the name the keyring
/// functions take.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_fingerprint(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_string(c.fingerprint().to_hex()));
        Ok(())
    })
}

/// The subject distinguished name, as RFC 4514 text.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_subject(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_string(c.subject()));
        Ok(())
    })
}

/// The issuer distinguished name, as RFC 4514 text.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_issuer(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_string(c.issuer()));
        Ok(())
    })
}

/// The serial number, as hex.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_serial(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_string(c.serial()));
        Ok(())
    })
}

/// A one-line description: subject, addresses, key, validity, roles.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_describe(
    certificate: *const smime_certificate,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(new_string(c.describe()));
        Ok(())
    })
}

/// The number of email addresses of the certificate (subjectAltName rfc822Name and the
/// subject's emailAddress).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_address_count(
    certificate: *const smime_certificate,
    out: *mut usize,
) -> smime_result {
    with_certificate(certificate, |c| {
        Out::new(out)?.write(c.addresses().len());
        Ok(())
    })
}

/// The email address at `index` (below `smime_certificate_address_count`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_address(
    certificate: *const smime_certificate,
    index: usize,
    out: *mut *mut smime_bytes,
) -> smime_result {
    with_certificate(certificate, |c| {
        let address = c
            .addresses()
            .get(index)
            .ok_or(Error::InvalidArgument("address index out of range"))?;
        Out::new(out)?.write(new_string(address.as_str()));
        Ok(())
    })
}

/// The validity period, in seconds since 1970-01-01T00:00:00Z.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_validity(
    certificate: *const smime_certificate,
    not_before: *mut i64,
    not_after: *mut i64,
) -> smime_result {
    with_certificate(certificate, |c| {
        let (nb, na) = (Out::new(not_before)?, Out::new(not_after)?);
        nb.write(unix_seconds(c.not_before()));
        na.write(unix_seconds(c.not_after()));
        Ok(())
    })
}

/// The kind of the certificate's public key (a `smime_key_kind`) and, for RSA, the modulus
/// size in bits (0 otherwise): which callbacks a key the application holds for it needs.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_key_kind(
    certificate: *const smime_certificate,
    kind: *mut u32,
    rsa_bits: *mut usize,
) -> smime_result {
    with_certificate(certificate, |c| {
        let (k, b) = (Out::new(kind)?, Out::new(rsa_bits)?);
        let (value, bits) = crate::callback::key_kind_to(c.key_kind());
        k.write(value as u32);
        b.write(bits);
        Ok(())
    })
}

/// What the certificate may be used for in S/MIME: signing, receiving encrypted mail, and
/// whether it is a CA certificate.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_certificate_roles(
    certificate: *const smime_certificate,
    signing: *mut bool,
    encryption: *mut bool,
    is_ca: *mut bool,
) -> smime_result {
    with_certificate(certificate, |c| {
        let (s, e, ca) = (Out::new(signing)?, Out::new(encryption)?, Out::new(is_ca)?);
        let roles = c.roles();
        s.write(roles.signing);
        e.write(roles.encryption);
        ca.write(c.is_ca());
        Ok(())
    })
}
