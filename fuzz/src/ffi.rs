//! The C ABI's byte-taking functions, called from Rust with the fuzzer's bytes: the first byte
//! picks the function, the rest is its input. Every handle a call returns is freed, so a leak
//! shows under LeakSanitizer; a caught panic (`SMIME_RESULT_PANIC`) is a finding and is turned
//! back into a panic here.
//!
//! PKCS#12 is left out: the C ABI applies the default iteration limits (a million), which a
//! fuzzer would spend its time in; the `pkcs12` target fuzzes the same parser with tight limits.

use crate::bodies::{Chunks, fixtures};
use smime_ffi::bytes::smime_bytes_free;
use smime_ffi::certificate::{
    smime_certificate, smime_certificate_free, smime_certificate_from_der,
    smime_certificate_from_pem,
};
use smime_ffi::identity::{
    smime_identity, smime_identity_free, smime_identity_from_key_and_certificates,
};
use smime_ffi::keyring::{
    smime_keyring, smime_keyring_add_crl, smime_keyring_free, smime_keyring_from_bytes,
    smime_keyring_import_certificates, smime_keyring_import_certs_only,
    smime_keyring_import_directory_entry, smime_keyring_new,
};
use smime_ffi::message::{
    smime_decrypt, smime_inspect, smime_open, smime_verify, smime_verify_detached,
    smime_verify_options, smime_verify_options_add_certificate, smime_verify_options_add_crl,
    smime_verify_options_add_trust_anchor, smime_verify_options_new,
};
use smime_ffi::report::{smime_decrypted_free, smime_opened_free, smime_verify_report_free};
use smime_ffi::stream::{
    smime_verify_stream_finish, smime_verify_stream_free, smime_verify_stream_new,
    smime_verify_stream_update,
};
use smime_ffi::{SMIME_RESULT_OK, SMIME_RESULT_PANIC, smime_result};
use std::ptr::{null, null_mut};

/// A caught panic is a finding.
fn check(rc: smime_result) -> smime_result {
    assert_ne!(rc, SMIME_RESULT_PANIC, "the C ABI caught a panic");
    rc
}

/// The handles every call shares, per thread (raw pointers are not `Sync`); never freed.
struct Handles {
    identities: Vec<*const smime_identity>,
    options: *mut smime_verify_options,
}

fn certificate(der: &[u8]) -> *mut smime_certificate {
    let mut out = null_mut();
    let rc = smime_certificate_from_der(der.as_ptr(), der.len(), &mut out);
    assert_eq!(rc, SMIME_RESULT_OK, "fixture certificate");
    out
}

fn handles() -> Handles {
    let mut identities = Vec::new();
    for (key, cert) in [
        (fixtures::ALICE_KEY, fixtures::ALICE_CERT),
        (fixtures::BOB_KEY, fixtures::BOB_CERT),
        (fixtures::DAVE_KEY, fixtures::DAVE_CERT),
        (fixtures::MLKEM_KEY, fixtures::MLKEM_CERT),
    ] {
        let mut out = null_mut();
        let rc = smime_identity_from_key_and_certificates(
            key.as_ptr(),
            key.len(),
            cert.as_ptr(),
            cert.len(),
            &mut out,
        );
        assert_eq!(rc, SMIME_RESULT_OK, "fixture identity");
        identities.push(out.cast_const());
    }
    let mut options = null_mut();
    assert_eq!(smime_verify_options_new(&mut options), SMIME_RESULT_OK);
    for anchor in [fixtures::ROOT, fixtures::PQ_ROOT] {
        let c = certificate(anchor);
        assert_eq!(
            smime_verify_options_add_trust_anchor(options, c),
            SMIME_RESULT_OK
        );
        smime_certificate_free(c);
    }
    let c = certificate(fixtures::INTERMEDIATE);
    assert_eq!(
        smime_verify_options_add_certificate(options, c),
        SMIME_RESULT_OK
    );
    smime_certificate_free(c);
    let crl = fixtures::CRL;
    assert_eq!(
        smime_verify_options_add_crl(options, crl.as_ptr(), crl.len()),
        SMIME_RESULT_OK
    );
    Handles {
        identities,
        options,
    }
}

thread_local! {
    static HANDLES: Handles = handles();
}

/// The number of functions [`ffi`] chooses from.
pub const FUNCTIONS: u8 = 14;

/// The target body: `data[0] % FUNCTIONS` picks the function, `data[1..]` is its input.
pub fn ffi(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    HANDLES.with(|h| call(h, selector % FUNCTIONS, input));
}

fn call(h: &Handles, selector: u8, input: &[u8]) {
    let (ptr, len) = (input.as_ptr(), input.len());
    let ids = h.identities.as_ptr();
    let n_ids = h.identities.len();
    match selector {
        0 => {
            let mut out = null_mut();
            if check(smime_certificate_from_der(ptr, len, &mut out)) == SMIME_RESULT_OK {
                smime_certificate_free(out);
            }
        }
        1 => {
            let mut out = null_mut();
            if check(smime_certificate_from_pem(ptr, len, &mut out)) == SMIME_RESULT_OK {
                smime_certificate_free(out);
            }
        }
        2 => {
            let mut out = null_mut();
            if check(smime_verify(ptr, len, h.options, &mut out)) == SMIME_RESULT_OK {
                smime_verify_report_free(out);
            }
        }
        3 => {
            let at = usize::from(input.first().copied().unwrap_or(0)) % (len + 1);
            let (content, signature) = input.split_at(at);
            let mut out = null_mut();
            let rc = smime_verify_detached(
                content.as_ptr(),
                content.len(),
                signature.as_ptr(),
                signature.len(),
                h.options,
                &mut out,
            );
            if check(rc) == SMIME_RESULT_OK {
                smime_verify_report_free(out);
            }
        }
        4 => {
            let mut out = null_mut();
            if check(smime_decrypt(ptr, len, ids, n_ids, null(), &mut out)) == SMIME_RESULT_OK {
                smime_decrypted_free(out);
            }
        }
        5 => {
            let mut out = null_mut();
            let rc = smime_open(ptr, len, ids, n_ids, h.options, &mut out);
            if check(rc) == SMIME_RESULT_OK {
                smime_opened_free(out);
            }
        }
        6 => {
            let (mut kind, mut description) = (0u32, null_mut());
            if check(smime_inspect(ptr, len, &mut kind, &mut description)) == SMIME_RESULT_OK {
                smime_bytes_free(description);
            }
        }
        7 => {
            let key = fixtures::SEALING_KEY;
            let mut out = null_mut();
            let rc = smime_keyring_from_bytes(ptr, len, key.as_ptr(), key.len(), null(), &mut out);
            if check(rc) == SMIME_RESULT_OK {
                smime_keyring_free(out);
            }
        }
        8..=11 => with_keyring(|ring| {
            let mut count = 0usize;
            let mut crls = 0usize;
            let rc = match selector {
                8 => smime_keyring_import_certificates(ring, ptr, len, &mut count),
                9 => smime_keyring_import_directory_entry(ring, ptr, len, &mut count),
                10 => smime_keyring_import_certs_only(ring, ptr, len, &mut count, &mut crls),
                _ => smime_keyring_add_crl(ring, ptr, len),
            };
            check(rc);
        }),
        12 => {
            // The input as the key, with a fixture certificate; then as the certificates.
            for (k, c) in [(input, fixtures::BOB_CERT), (fixtures::BOB_KEY, input)] {
                let mut out = null_mut();
                let rc = smime_identity_from_key_and_certificates(
                    k.as_ptr(),
                    k.len(),
                    c.as_ptr(),
                    c.len(),
                    &mut out,
                );
                if check(rc) == SMIME_RESULT_OK {
                    smime_identity_free(out);
                }
            }
        }
        _ => stream_verify(h, input),
    }
}

fn with_keyring(f: impl FnOnce(*const smime_keyring)) {
    let mut ring = null_mut();
    assert_eq!(smime_keyring_new(&mut ring), SMIME_RESULT_OK);
    f(ring.cast_const());
    smime_keyring_free(ring);
}

/// The streaming verifier, fed in chunks whose sizes come from the first two bytes.
fn stream_verify(h: &Handles, input: &[u8]) {
    let (seed, mut rest) = match input {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => (0, input),
    };
    let mut chunks = Chunks::new(seed);
    let mut stream = null_mut();
    if check(smime_verify_stream_new(h.options, null(), &mut stream)) != SMIME_RESULT_OK {
        return;
    }
    let mut failed = false;
    while !rest.is_empty() && !failed {
        let (now, later) = rest.split_at(chunks.next().min(rest.len()));
        failed =
            check(smime_verify_stream_update(stream, now.as_ptr(), now.len())) != SMIME_RESULT_OK;
        rest = later;
    }
    if !failed {
        let mut report = null_mut();
        if check(smime_verify_stream_finish(stream, &mut report)) == SMIME_RESULT_OK {
            smime_verify_report_free(report);
        }
    }
    smime_verify_stream_free(stream);
}
