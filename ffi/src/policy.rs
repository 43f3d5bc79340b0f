//! `smime_policy`: what the library accepts.

use std::time::{Duration, SystemTime};

use smime::{DigestAlgorithm, Policy, RevocationMode, ValidationTime};

use crate::error::{Error, Result, boundary, boundary_value, smime_result};
use crate::handle::{Castable, Out, OwnershipBox, free_boxed, to_boxed, try_mut, try_ref};

/// What the library accepts: digests, RSA sizes, CBC content, the validation time, revocation.
/// Made by `smime_policy_new` (the defaults) or `smime_policy_new_strict`.
///
/// Thread safety: the setters take the policy mutably and must not run while another thread
/// uses it; once set up, a policy may be shared by any number of threads and operations.
pub struct smime_policy {
    _private: [u8; 0],
}

impl Castable for smime_policy {
    type Ownership = OwnershipBox;
    type RustType = Policy;
}

/// How revocation is checked (`smime_policy_set_revocation`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_revocation_mode {
    /// Not checked; the report says so.
    Off = 0,
    /// Checked against the CRLs at hand; an unknown status is reported but does not fail the
    /// chain, a revoked certificate always does (the default).
    SoftFail = 1,
    /// Every certificate of the path needs a usable CRL saying it is not revoked.
    HardFail = 2,
}

/// A digest algorithm (`smime_policy_accept_digest`, `smime_sign_options_set_digest`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum smime_digest {
    /// SHA-256 (the default for signing).
    Sha256 = 0,
    /// SHA-384.
    Sha384 = 1,
    /// SHA-512.
    Sha512 = 2,
    /// SHA-1: accepted for reading old mail only, never used to sign.
    Sha1 = 3,
    /// SHA3-256.
    Sha3_256 = 4,
    /// SHA3-384.
    Sha3_384 = 5,
    /// SHA3-512.
    Sha3_512 = 6,
    /// SHAKE128 (256-bit output, RFC 8702), used by SLH-DSA-SHAKE-128 signers.
    Shake128 = 7,
    /// SHAKE256 (512-bit output, RFC 8702), used by SLH-DSA-SHAKE-192/256 signers.
    Shake256 = 8,
}

pub(crate) fn digest_from(value: u32) -> Result<DigestAlgorithm> {
    Ok(match value {
        0 => DigestAlgorithm::Sha256,
        1 => DigestAlgorithm::Sha384,
        2 => DigestAlgorithm::Sha512,
        3 => DigestAlgorithm::Sha1,
        4 => DigestAlgorithm::Sha3_256,
        5 => DigestAlgorithm::Sha3_384,
        6 => DigestAlgorithm::Sha3_512,
        7 => DigestAlgorithm::Shake128,
        8 => DigestAlgorithm::Shake256,
        _ => return Err(Error::InvalidArgument("unknown smime_digest")),
    })
}

pub(crate) fn digest_to(value: DigestAlgorithm) -> u32 {
    match value {
        DigestAlgorithm::Sha256 => smime_digest::Sha256 as u32,
        DigestAlgorithm::Sha384 => smime_digest::Sha384 as u32,
        DigestAlgorithm::Sha512 => smime_digest::Sha512 as u32,
        DigestAlgorithm::Sha1 => smime_digest::Sha1 as u32,
        DigestAlgorithm::Sha3_256 => smime_digest::Sha3_256 as u32,
        DigestAlgorithm::Sha3_384 => smime_digest::Sha3_384 as u32,
        DigestAlgorithm::Sha3_512 => smime_digest::Sha3_512 as u32,
        DigestAlgorithm::Shake128 => smime_digest::Shake128 as u32,
        DigestAlgorithm::Shake256 => smime_digest::Shake256 as u32,
        // MD5 is recognised only to be reported.
        _ => u32::MAX,
    }
}

/// A new policy with the library's defaults (SHA-2 digests, RSA >= 2048 bits, CBC accepted,
/// soft-fail revocation, the current time). Free it with `smime_policy_free`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_new(out: *mut *mut smime_policy) -> smime_result {
    boundary(|| {
        Out::new(out)?.write(to_boxed::<smime_policy>(Policy::default()));
        Ok(())
    })
}

/// A new strict policy: no CBC (unauthenticated) content, hard-fail revocation.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_new_strict(out: *mut *mut smime_policy) -> smime_result {
    boundary(|| {
        Out::new(out)?.write(to_boxed::<smime_policy>(Policy::strict()));
        Ok(())
    })
}

/// Releases `policy`. NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_free(policy: *mut smime_policy) {
    boundary_value((), || free_boxed(policy))
}

/// Sets how revocation is checked: a `smime_revocation_mode` value.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_revocation(
    policy: *mut smime_policy,
    mode: u32,
) -> smime_result {
    boundary(|| {
        let policy = try_mut(policy)?;
        policy.revocation = match mode {
            0 => RevocationMode::Off,
            1 => RevocationMode::SoftFail,
            2 => RevocationMode::HardFail,
            _ => return Err(Error::InvalidArgument("unknown smime_revocation_mode")),
        };
        Ok(())
    })
}

/// Whether content encrypted without integrity protection (AES-CBC, 3DES) is accepted when
/// decrypting. `false` is the strict setting.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_accept_cbc(
    policy: *mut smime_policy,
    accept: bool,
) -> smime_result {
    boundary(|| {
        try_mut(policy)?.accept_cbc = accept;
        Ok(())
    })
}

/// Adds (`accept` true) or removes a digest algorithm (`smime_digest`) from those accepted in
/// signatures. Add `SMIME_DIGEST_SHA1` to read old mail.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_accept_digest(
    policy: *mut smime_policy,
    digest: u32,
    accept: bool,
) -> smime_result {
    boundary(|| {
        let policy = try_mut(policy)?;
        let digest = digest_from(digest)?;
        policy.accepted_digests.retain(|d| *d != digest);
        if accept {
            policy.accepted_digests.push(digest);
        }
        Ok(())
    })
}

/// Sets the smallest RSA modulus accepted, in bits (the default is 2048; at least 1024).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_min_rsa_bits(
    policy: *mut smime_policy,
    bits: u32,
) -> smime_result {
    boundary(|| {
        let policy = try_mut(policy)?;
        if !(1024..=16384).contains(&bits) {
            return Err(Error::InvalidArgument(
                "min_rsa_bits must be within 1024..=16384",
            ));
        }
        policy.min_rsa_bits = bits as usize;
        Ok(())
    })
}

/// Judges certificates at the current time (the default).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_time_now(policy: *mut smime_policy) -> smime_result {
    boundary(|| {
        try_mut(policy)?.time = ValidationTime::Now;
        Ok(())
    })
}

/// Judges certificates at `unix_seconds` (seconds since 1970-01-01T00:00:00Z).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_time(
    policy: *mut smime_policy,
    unix_seconds: u64,
) -> smime_result {
    boundary(|| {
        let time = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(unix_seconds))
            .ok_or(Error::InvalidArgument("the time is out of range"))?;
        try_mut(policy)?.time = ValidationTime::At(time);
        Ok(())
    })
}

/// Judges certificates at the signing time each signer claims (for archived mail whose
/// certificates have expired since); the report says which time was used.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_time_signing_time(policy: *mut smime_policy) -> smime_result {
    boundary(|| {
        try_mut(policy)?.time = ValidationTime::SigningTime;
        Ok(())
    })
}

/// Weakening setting: a trust anchor that is itself the signer's or recipient's certificate
/// counts as a complete path (a pinned self-signed certificate). Reports name it.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_danger_pinned_certificate_is_path(
    policy: *mut smime_policy,
    yes: bool,
) -> smime_result {
    boundary(|| {
        try_mut(policy)?.danger().pinned_certificate_is_path(yes);
        Ok(())
    })
}

/// Weakening setting: the From address is not checked against the signer's certificate
/// (anyone holding any trusted certificate could then pose as anyone). Reports name it.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_danger_skip_address_check(
    policy: *mut smime_policy,
    yes: bool,
) -> smime_result {
    boundary(|| {
        try_mut(policy)?.danger().skip_address_check(yes);
        Ok(())
    })
}

/// Whether a weakening setting is on (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_danger_used(
    policy: *const smime_policy,
    out: *mut bool,
) -> smime_result {
    boundary(|| {
        let policy = try_ref(policy)?;
        Out::new(out)?.write(policy.danger_used());
        Ok(())
    })
}

/// Whether RSASSA-PSS signatures are accepted (the default is yes; RSA PKCS#1 v1.5 and
/// ECDSA always are).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_accept_rsa_pss(
    policy: *mut smime_policy,
    accept: bool,
) -> smime_result {
    boundary(|| {
        try_mut(policy)?.accept_rsa_pss = accept;
        Ok(())
    })
}

/// Sets the most signed or encrypted layers followed in one message (default 8; 1..=64).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_max_layers(
    policy: *mut smime_policy,
    layers: u32,
) -> smime_result {
    boundary(|| {
        let policy = try_mut(policy)?;
        if !(1..=64).contains(&layers) {
            return Err(Error::InvalidArgument("max_layers must be within 1..=64"));
        }
        policy.limits.max_layers = layers as usize;
        Ok(())
    })
}

/// Sets the largest message accepted, in bytes (default 256 MiB; at least 1 KiB).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_set_max_size(
    policy: *mut smime_policy,
    bytes: usize,
) -> smime_result {
    boundary(|| {
        let policy = try_mut(policy)?;
        if bytes < 1024 {
            return Err(Error::InvalidArgument(
                "max_size must be at least 1024 bytes",
            ));
        }
        policy.limits.mime.max_size = bytes;
        Ok(())
    })
}

/// Whether the policy accepts `digest` (a `smime_digest`) in signatures (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_accepts_digest(
    policy: *const smime_policy,
    digest: u32,
    out: *mut bool,
) -> smime_result {
    boundary(|| {
        let policy = try_ref(policy)?;
        let digest = digest_from(digest)?;
        Out::new(out)?.write(policy.accepts_digest(digest));
        Ok(())
    })
}

/// How revocation is checked: a `smime_revocation_mode` value (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_revocation(
    policy: *const smime_policy,
    out: *mut u32,
) -> smime_result {
    boundary(|| {
        let policy = try_ref(policy)?;
        Out::new(out)?.write(match policy.revocation {
            RevocationMode::Off => smime_revocation_mode::Off as u32,
            RevocationMode::SoftFail => smime_revocation_mode::SoftFail as u32,
            RevocationMode::HardFail => smime_revocation_mode::HardFail as u32,
            _ => u32::MAX,
        });
        Ok(())
    })
}

/// Whether CBC content is accepted (`*out`).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_policy_accepts_cbc(
    policy: *const smime_policy,
    out: *mut bool,
) -> smime_result {
    boundary(|| {
        let policy = try_ref(policy)?;
        Out::new(out)?.write(policy.accept_cbc);
        Ok(())
    })
}
