//! Post-quantum keys held by the application (as CryptoKit's `MLDSA65` and `MLKEM768` keys
//! would be on iOS), offered through the `sign_message` and `kem_decapsulate` callbacks over a
//! `SoftwareKey` the test holds: an ML-DSA signature made through the callback verifies as
//! trusted, a message to an ML-KEM certificate decrypts through the callback, a declined
//! operation is `SMIME_RESULT_KEYOP_REFUSED`, a missing callback `..._UNSUPPORTED`; and the
//! keyring's hybrid readiness from C gives a contact's classical and ML-KEM certificates.

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../../tests/common/pq.rs"]
mod pq;

use std::ffi::{CString, c_char, c_void};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{KeyKind, LeafSpec, TestPki};
use pq::{Dsa, Kem, PqCa};
use smime::keys::{PrivateKey, SignatureScheme, SoftwareKey};
use smime::verify::{AddressPolicy, Verdict, VerifyOptions};
use smime::{EncryptOptions, Policy, SignOptions};
use smime_ffi::callback::{
    identity_from_callbacks, key_kind_to, smime_key_callbacks, smime_key_kind,
    smime_signature_scheme,
};
use smime_ffi::certificate::{
    smime_certificate_free, smime_certificate_from_der, smime_certificate_key_kind,
};
use smime_ffi::keyring::{
    smime_keyring_add_intermediate, smime_keyring_add_trust_anchor, smime_keyring_free,
    smime_keyring_import_certificates, smime_keyring_new, smime_keyring_recipient_readiness,
    smime_keyring_recipient_readiness_hybrid, smime_readiness_certificate_at,
    smime_readiness_certificate_count, smime_readiness_free,
};
use smime_ffi::*;

struct Holder {
    key: SoftwareKey,
    refuse: AtomicBool,
    calls: AtomicUsize,
}

fn holder<'a>(userdata: *mut c_void) -> &'a Holder {
    // SAFETY: every userdata here is a `Box<Holder>` from `callbacks`, alive until `destroy`.
    unsafe { &*(userdata as *const Holder) }
}

fn answer(h: &Holder, data: &[u8], out: *mut u8, capacity: usize, out_len: *mut usize) -> u32 {
    h.calls.fetch_add(1, Ordering::SeqCst);
    if h.refuse.load(Ordering::SeqCst) {
        return SMIME_RESULT_KEYOP_REFUSED;
    }
    if data.len() > capacity {
        return SMIME_RESULT_KEYOP_FAILED;
    }
    // SAFETY: the library passes a buffer of `capacity` bytes and a valid length pointer.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), out, data.len());
        *out_len = data.len();
    }
    SMIME_RESULT_OK
}

extern "C" fn sign_message(
    userdata: *mut c_void,
    scheme: u32,
    message: *const u8,
    message_len: usize,
    out: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    _platform_error: *mut i64,
) -> u32 {
    let h = holder(userdata);
    if scheme != smime_signature_scheme::MlDsa as u32 {
        return SMIME_RESULT_KEYOP_UNSUPPORTED;
    }
    // SAFETY: the library passes `message_len` readable bytes.
    let message = unsafe { std::slice::from_raw_parts(message, message_len) };
    match h.key.sign_message(SignatureScheme::MlDsa, message) {
        Ok(sig) => answer(h, &sig, out, capacity, out_len),
        Err(_) => SMIME_RESULT_KEYOP_FAILED,
    }
}

extern "C" fn kem_decapsulate(
    userdata: *mut c_void,
    ciphertext: *const u8,
    ciphertext_len: usize,
    out: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    _platform_error: *mut i64,
) -> u32 {
    let h = holder(userdata);
    // SAFETY: as in `sign_message`.
    let ct = unsafe { std::slice::from_raw_parts(ciphertext, ciphertext_len) };
    match h.key.kem_decapsulate(ct) {
        Ok(ss) => answer(h, &ss, out, capacity, out_len),
        Err(_) => SMIME_RESULT_KEYOP_FAILED,
    }
}

extern "C" fn destroy(userdata: *mut c_void) {
    // SAFETY: made by `Box::into_raw` in `callbacks`; called once.
    drop(unsafe { Box::from_raw(userdata as *mut Holder) });
}

fn callbacks(key_der: &[u8], with_ops: bool) -> (smime_key_callbacks, *const Holder) {
    let h = Box::into_raw(Box::new(Holder {
        key: SoftwareKey::from_bytes(key_der).expect("key"),
        refuse: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
    }));
    (
        smime_key_callbacks {
            userdata: h.cast(),
            sign: None,
            rsa_decrypt: None,
            ecdh: None,
            destroy: Some(destroy),
            sign_message: with_ops.then_some(sign_message),
            kem_decapsulate: with_ops.then_some(kem_decapsulate),
        },
        h,
    )
}

const MESSAGE: &[u8] = b"From: quinn@example.com\r\nSubject: post-quantum\r\n\
Content-Type: text/plain\r\n\r\nsigned and encrypted with keys the application holds\r\n";

#[test]
fn ml_dsa_signs_and_ml_kem_decapsulates_through_callbacks() {
    let root = PqCa::root(Dsa::L44, "Callback PQ Root");
    let signer = root.ml_dsa_leaf(Dsa::L65, "quinn", "quinn@example.com");
    let reader = root.ml_kem_leaf(Kem::L768, "quinn-kem", "quinn@example.com");
    assert_eq!(
        key_kind_to(signer.certificate().key_kind()).0,
        smime_key_kind::MlDsa65
    );
    assert_eq!(
        key_kind_to(reader.certificate().key_kind()).0,
        smime_key_kind::MlKem768
    );

    // ML-DSA through sign_message: trusted; refused when the prompt is declined.
    let (cb, h) = callbacks(&signer.key, true);
    let id = identity_from_callbacks(&cb, &signer.certificate(), vec![]).expect("identity");
    let signed = smime::sign(MESSAGE, std::slice::from_ref(&id), &SignOptions::default())
        .expect("sign through the callback");
    let options = VerifyOptions {
        trust_anchors: vec![root.certificate()],
        address: AddressPolicy::FromHeader,
        ..Default::default()
    };
    let report = smime::verify(&signed, &options).expect("verify");
    assert_eq!(report.verdict(), Verdict::Trusted, "{report:?}");
    // SAFETY: the holder lives until the identity is dropped.
    let holder = unsafe { &*h };
    assert_eq!(holder.calls.load(Ordering::SeqCst), 1);
    holder.refuse.store(true, Ordering::SeqCst);
    let err = smime::sign(MESSAGE, std::slice::from_ref(&id), &SignOptions::default())
        .expect_err("declined");
    assert_eq!(err.code(), SMIME_RESULT_KEYOP_REFUSED, "{err}");
    drop(id);

    // ML-KEM through kem_decapsulate.
    let encrypted = smime::encrypt(MESSAGE, &[reader.certificate()], &EncryptOptions::default())
        .expect("encrypt to ML-KEM");
    let (cb, h) = callbacks(&reader.key, true);
    let id = identity_from_callbacks(&cb, &reader.certificate(), vec![]).expect("identity");
    let d = smime::decrypt(&encrypted, std::slice::from_ref(&id), &Policy::default())
        .expect("decrypt through the callback");
    assert!(d.content.ends_with(b"keys the application holds\r\n"));
    // SAFETY: as above.
    let holder = unsafe { &*h };
    assert_eq!(holder.calls.load(Ordering::SeqCst), 1);
    holder.refuse.store(true, Ordering::SeqCst);
    let err = smime::decrypt(&encrypted, std::slice::from_ref(&id), &Policy::default())
        .expect_err("declined");
    assert_eq!(err.code(), SMIME_RESULT_KEYOP_REFUSED, "{err}");
    drop(id);

    // Without the callbacks: unsupported, and nothing is asked of the key.
    let (cb, _) = callbacks(&signer.key, false);
    let id = identity_from_callbacks(&cb, &signer.certificate(), vec![]).expect("identity");
    let err = smime::sign(MESSAGE, std::slice::from_ref(&id), &SignOptions::default())
        .expect_err("no sign_message");
    assert_eq!(err.code(), SMIME_RESULT_KEYOP_UNSUPPORTED, "{err}");
    let (cb, _) = callbacks(&reader.key, false);
    let id = identity_from_callbacks(&cb, &reader.certificate(), vec![]).expect("identity");
    assert!(smime::decrypt(&encrypted, std::slice::from_ref(&id), &Policy::default()).is_err());
}

#[test]
fn hybrid_readiness_from_c_gives_both_certificates() {
    // A contact with an RSA certificate (OpenSSL PKI) and an ML-KEM one (ML-DSA PKI).
    let pki = TestPki::new();
    let emails = ["rory@example.com"];
    let classical = pki.leaf(
        "rory",
        &LeafSpec {
            emails: &emails,
            key: KeyKind::Rsa2048,
            key_usage: Some("digitalSignature,keyEncipherment"),
            ..Default::default()
        },
    );
    let root = PqCa::root(Dsa::L44, "Hybrid PQ Root");
    let post_quantum = root.ml_kem_leaf(Kem::L1024, "rory-kem", "rory@example.com");
    let mut ring = std::ptr::null_mut();
    assert_eq!(smime_keyring_new(&mut ring), SMIME_RESULT_OK);
    for (der, anchor, intermediate) in [
        (pki.root.der.clone(), true, false),
        (pki.intermediate.der.clone(), false, true),
        (root.der.clone(), true, false),
        (classical.der.clone(), false, false),
        (post_quantum.der.clone(), false, false),
    ] {
        let mut cert = std::ptr::null_mut();
        assert_eq!(
            smime_certificate_from_der(der.as_ptr(), der.len(), &mut cert),
            SMIME_RESULT_OK
        );
        let r = if anchor {
            smime_keyring_add_trust_anchor(ring, cert)
        } else if intermediate {
            smime_keyring_add_intermediate(ring, cert)
        } else {
            let mut added = 0usize;
            smime_keyring_import_certificates(ring, der.as_ptr(), der.len(), &mut added)
        };
        assert_eq!(r, SMIME_RESULT_OK);
        smime_certificate_free(cert);
    }
    let address = CString::new("rory@example.com").expect("address");
    let addresses: [*const c_char; 1] = [address.as_ptr()];
    for (hybrid, expected) in [(false, 1usize), (true, 2)] {
        let mut readiness = std::ptr::null_mut();
        let r = if hybrid {
            smime_keyring_recipient_readiness_hybrid(
                ring,
                addresses.as_ptr(),
                1,
                std::ptr::null(),
                &mut readiness,
            )
        } else {
            smime_keyring_recipient_readiness(
                ring,
                addresses.as_ptr(),
                1,
                std::ptr::null(),
                &mut readiness,
            )
        };
        assert_eq!(r, SMIME_RESULT_OK);
        let mut n = 0usize;
        assert_eq!(
            smime_readiness_certificate_count(readiness, 0, &mut n),
            SMIME_RESULT_OK
        );
        assert_eq!(n, expected, "hybrid: {hybrid}");
        let mut kinds = Vec::new();
        for i in 0..n {
            let mut cert = std::ptr::null_mut();
            assert_eq!(
                smime_readiness_certificate_at(readiness, 0, i, &mut cert),
                SMIME_RESULT_OK
            );
            let (mut kind, mut bits) = (0u32, 0usize);
            assert_eq!(
                smime_certificate_key_kind(cert, &mut kind, &mut bits),
                SMIME_RESULT_OK
            );
            kinds.push(kind);
            smime_certificate_free(cert);
        }
        let mut cert = std::ptr::null_mut();
        assert_eq!(
            smime_readiness_certificate_at(readiness, 0, n, &mut cert),
            SMIME_RESULT_INVALID_ARGUMENT
        );
        // The classical certificate comes first; hybrid adds the ML-KEM one.
        assert_eq!(kinds[0], smime_key_kind::Rsa as u32);
        if hybrid {
            assert_eq!(kinds[1], smime_key_kind::MlKem1024 as u32);
        }
        smime_readiness_free(readiness);
    }
    smime_keyring_free(ring);
}
