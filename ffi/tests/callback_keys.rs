//! Keys held by the application, offered through `smime_key_callbacks`: `extern "C"`
//! callbacks over a `SoftwareKey` the test holds, used by `smime::sign`, `smime::encrypt` +
//! `smime::decrypt` and the keyring, with the failures a platform key reports.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use common::{Cert, KeyKind, LeafSpec, TestPki};
use smime::keys::{PrivateKey, RsaDecryptPadding, SignatureScheme, SoftwareKey};
use smime::verify::{AddressPolicy, Verdict, VerifyOptions};
use smime::{DigestAlgorithm, EncryptOptions, KeyTransport, Policy, SignOptions};
use smime_ffi::callback::{identity_from_callbacks, smime_key_callbacks, smime_key_resolver};
use smime_ffi::*;

struct Pki {
    pki: TestPki,
    dave: Cert,
    erin: Cert,
}

fn pki() -> &'static Pki {
    static P: OnceLock<Pki> = OnceLock::new();
    P.get_or_init(|| {
        let pki = TestPki::new();
        let dave = pki.leaf(
            "dave",
            &LeafSpec {
                emails: &["dave@example.com"],
                key: KeyKind::Rsa2048,
                key_usage: Some("digitalSignature,keyEncipherment"),
                ..Default::default()
            },
        );
        let erin = pki.leaf(
            "erin",
            &LeafSpec {
                emails: &["erin@example.com"],
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,keyAgreement"),
                ..Default::default()
            },
        );
        Pki { pki, dave, erin }
    })
}

/// What the callbacks' userdata points to.
struct Holder {
    key: SoftwareKey,
    /// Answer every operation with `SMIME_RESULT_KEYOP_REFUSED` (a cancelled prompt).
    refuse: AtomicBool,
    /// Report a length larger than the buffer.
    overrun: AtomicBool,
    calls: AtomicUsize,
    destroyed: Arc<AtomicUsize>,
}

fn holder<'a>(userdata: *mut c_void) -> &'a Holder {
    // SAFETY: every userdata of these tests is a `Box<Holder>` made by `callbacks`, alive
    // until `destroy`.
    unsafe { &*(userdata as *const Holder) }
}

/// Copies `data` to the library's buffer, or fails as the holder is told to.
fn answer(h: &Holder, data: &[u8], out: *mut u8, capacity: usize, out_len: *mut usize) -> u32 {
    h.calls.fetch_add(1, Ordering::SeqCst);
    if h.refuse.load(Ordering::SeqCst) {
        return SMIME_RESULT_KEYOP_REFUSED;
    }
    if data.len() > capacity {
        return SMIME_RESULT_KEYOP_FAILED;
    }
    // SAFETY: the library lends `capacity` writable bytes at `out` and a `size_t` at
    // `out_len` for the call.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), out, data.len());
        *out_len = if h.overrun.load(Ordering::SeqCst) {
            capacity + 1
        } else {
            data.len()
        };
    }
    SMIME_RESULT_OK
}

fn digest(value: u32) -> DigestAlgorithm {
    match value {
        0 => DigestAlgorithm::Sha256,
        1 => DigestAlgorithm::Sha384,
        2 => DigestAlgorithm::Sha512,
        _ => DigestAlgorithm::Sha1,
    }
}

extern "C" fn sign(
    userdata: *mut c_void,
    scheme: u32,
    digest_algorithm: u32,
    data: *const u8,
    data_len: usize,
    out: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    _platform_error: *mut i64,
) -> u32 {
    let h = holder(userdata);
    let scheme = match scheme {
        0 => SignatureScheme::RsaPkcs1v15,
        1 => SignatureScheme::RsaPss,
        _ => SignatureScheme::Ecdsa,
    };
    // SAFETY: the library passes `data_len` readable bytes.
    let data = unsafe { std::slice::from_raw_parts(data, data_len) };
    match h.key.sign_digest(scheme, digest(digest_algorithm), data) {
        Ok(sig) => answer(h, &sig, out, capacity, out_len),
        Err(_) => SMIME_RESULT_KEYOP_FAILED,
    }
}

extern "C" fn rsa_decrypt(
    userdata: *mut c_void,
    padding: u32,
    oaep_digest: u32,
    data: *const u8,
    data_len: usize,
    out: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    _platform_error: *mut i64,
) -> u32 {
    let h = holder(userdata);
    let padding = if padding == 1 {
        RsaDecryptPadding::oaep(digest(oaep_digest))
    } else {
        RsaDecryptPadding::Pkcs1v15
    };
    // SAFETY: as in `sign`.
    let data = unsafe { std::slice::from_raw_parts(data, data_len) };
    match h.key.rsa_decrypt(&padding, data) {
        Ok(k) => answer(h, &k, out, capacity, out_len),
        Err(_) => SMIME_RESULT_KEYOP_FAILED,
    }
}

extern "C" fn ecdh(
    userdata: *mut c_void,
    peer: *const u8,
    peer_len: usize,
    out: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    platform_error: *mut i64,
) -> u32 {
    let h = holder(userdata);
    // SAFETY: as in `sign`.
    let peer = unsafe { std::slice::from_raw_parts(peer, peer_len) };
    if h.overrun.load(Ordering::SeqCst) && h.refuse.load(Ordering::SeqCst) {
        // Both flags: a platform failure with its own code.
        // SAFETY: the library lends an `int64_t` for the call.
        unsafe { *platform_error = -25293 };
        return SMIME_RESULT_KEYOP_PLATFORM;
    }
    match h.key.ecdh(peer) {
        Ok(z) => answer(h, &z, out, capacity, out_len),
        Err(_) => SMIME_RESULT_KEYOP_FAILED,
    }
}

extern "C" fn destroy(userdata: *mut c_void) {
    // SAFETY: made by `Box::into_raw` in `callbacks`; the library calls this once.
    let h = unsafe { Box::from_raw(userdata as *mut Holder) };
    h.destroyed.fetch_add(1, Ordering::SeqCst);
}

/// Callbacks over the key of `cert`, and the holder's destroy counter.
fn callbacks(cert: &Cert) -> (smime_key_callbacks, Arc<AtomicUsize>) {
    let destroyed = Arc::new(AtomicUsize::new(0));
    (callbacks_counted(cert, destroyed.clone()), destroyed)
}

/// Callbacks over the key of `cert` whose destroy counts in `destroyed`.
fn callbacks_counted(cert: &Cert, destroyed: Arc<AtomicUsize>) -> smime_key_callbacks {
    let h = Box::new(Holder {
        key: SoftwareKey::from_bytes(&cert.key_pem).expect("key"),
        refuse: AtomicBool::new(false),
        overrun: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
        destroyed,
    });
    smime_key_callbacks {
        userdata: Box::into_raw(h).cast(),
        sign: Some(sign),
        rsa_decrypt: Some(rsa_decrypt),
        ecdh: Some(ecdh),
        destroy: Some(destroy),
        sign_message: None,
        kem_decapsulate: None,
    }
}

fn verify_options() -> VerifyOptions {
    let p = &pki().pki;
    VerifyOptions {
        trust_anchors: vec![p.root.certificate()],
        certificates: vec![p.intermediate.certificate()],
        address: AddressPolicy::FromHeader,
        ..Default::default()
    }
}

fn message(from: &str) -> Vec<u8> {
    format!("From: {from}\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n").into_bytes()
}

#[test]
fn rsa_and_ec_keys_sign_and_decrypt_through_callbacks() {
    for (cert, from) in [
        (&pki().dave, "dave@example.com"),
        (&pki().erin, "erin@example.com"),
    ] {
        let (table, destroyed) = callbacks(cert);
        let identity = identity_from_callbacks(&table, &cert.certificate(), vec![]).unwrap();
        for pss in [false, true] {
            if pss && from.starts_with("erin") {
                continue;
            }
            let options = SignOptions {
                pss,
                ..Default::default()
            };
            let signed =
                smime::sign(&message(from), std::slice::from_ref(&identity), &options).unwrap();
            let report = smime::verify(&signed, &verify_options()).unwrap();
            assert_eq!(report.verdict(), Verdict::Trusted, "{from} pss={pss}");
        }
        for transport in [KeyTransport::RsaPkcs1v15, KeyTransport::RsaOaep] {
            let options = EncryptOptions {
                key_transport: transport,
                ..Default::default()
            };
            let encrypted =
                smime::encrypt(&message(from), &[cert.certificate()], &options).unwrap();
            let decrypted = smime::decrypt(
                &encrypted,
                std::slice::from_ref(&identity),
                &Policy::default(),
            )
            .unwrap();
            assert!(decrypted.content.ends_with(b"hello\r\n"), "{from}");
        }
        assert_eq!(destroyed.load(Ordering::SeqCst), 0);
        drop(identity);
        assert_eq!(destroyed.load(Ordering::SeqCst), 1, "destroy runs once");
    }
}

#[test]
fn a_declined_operation_is_its_own_result() {
    for cert in [&pki().dave, &pki().erin] {
        let (table, destroyed) = callbacks(cert);
        let identity = identity_from_callbacks(&table, &cert.certificate(), vec![]).unwrap();
        holder(table.userdata).refuse.store(true, Ordering::SeqCst);
        let e = smime::sign(
            &message("x@example.com"),
            std::slice::from_ref(&identity),
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), SMIME_RESULT_KEYOP_REFUSED, "{e}");
        let encrypted = smime::encrypt(
            &message("x@example.com"),
            &[cert.certificate()],
            &Default::default(),
        )
        .unwrap();
        let e = smime::decrypt(
            &encrypted,
            std::slice::from_ref(&identity),
            &Policy::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), SMIME_RESULT_KEYOP_REFUSED, "{e}");
        drop(identity);
        assert_eq!(destroyed.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn missing_operations_overruns_and_platform_codes() {
    let cert = &pki().erin;
    let (mut table, destroyed) = callbacks(cert);
    table.sign = None;
    let identity = identity_from_callbacks(&table, &cert.certificate(), vec![]).unwrap();
    let e = smime::sign(
        &message("erin@example.com"),
        std::slice::from_ref(&identity),
        &Default::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), SMIME_RESULT_KEYOP_UNSUPPORTED, "{e}");
    let key = identity.key().unwrap();
    // A length beyond the buffer is refused, not read.
    holder(table.userdata).overrun.store(true, Ordering::SeqCst);
    let peer = SoftwareKey::from_bytes(&pki().erin.key_pem).unwrap();
    let point = {
        let spki = peer.public_key_der().unwrap();
        spki[spki.len() - 65..].to_vec()
    };
    let e = key.ecdh(&point).unwrap_err();
    assert_eq!(e.code(), SMIME_RESULT_KEYOP_FAILED, "{e}");
    holder(table.userdata).refuse.store(true, Ordering::SeqCst);
    let e = key.ecdh(&point).unwrap_err();
    assert!(
        matches!(e, smime::KeyOperationError::Platform { code: -25293, .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), SMIME_RESULT_KEYOP_PLATFORM);
    drop(identity);
    assert_eq!(destroyed.load(Ordering::SeqCst), 1);
}

#[test]
fn destroy_runs_when_the_last_copy_is_dropped() {
    let (table, destroyed) = callbacks(&pki().dave);
    let identity = identity_from_callbacks(
        &table,
        &pki().dave.certificate(),
        vec![pki().pki.intermediate.certificate()],
    )
    .unwrap();
    assert_eq!(identity.chain().len(), 1);
    let copy = identity.clone();
    drop(identity);
    assert_eq!(
        destroyed.load(Ordering::SeqCst),
        0,
        "a copy still uses the key"
    );
    drop(copy);
    assert_eq!(destroyed.load(Ordering::SeqCst), 1);
}

/// The resolver's userdata: the certificate to resolve, and how often it was asked.
struct Resolver {
    cert: Cert,
    asked: AtomicUsize,
    destroyed: Arc<AtomicUsize>,
}

extern "C" fn resolve(
    userdata: *mut c_void,
    reference: *const u8,
    reference_len: usize,
    certificate: *const smime_ffi::certificate::smime_certificate,
    out: *mut smime_key_callbacks,
) -> u32 {
    // SAFETY: the userdata is a `Resolver` on the test's stack; the library lends
    // `reference_len` bytes and a writable table for the call.
    let (r, reference) = unsafe {
        (
            &*(userdata as *const Resolver),
            std::slice::from_raw_parts(reference, reference_len),
        )
    };
    r.asked.fetch_add(1, Ordering::SeqCst);
    assert!(!certificate.is_null());
    if reference != b"keychain:dave" {
        return SMIME_RESULT_NOT_AVAILABLE;
    }
    let table = callbacks_counted(&r.cert, r.destroyed.clone());
    // SAFETY: `out` is writable for the call.
    unsafe { *out = table };
    SMIME_RESULT_OK
}

#[test]
fn keyring_keeps_an_external_identity_as_a_reference() {
    let dave = &pki().dave;
    let (table, destroyed) = callbacks(dave);
    let mut cert = std::ptr::null_mut();
    assert_eq!(
        smime_ffi::certificate::smime_certificate_from_der(
            dave.der.as_ptr(),
            dave.der.len(),
            &mut cert
        ),
        SMIME_RESULT_OK
    );
    let mut identity = std::ptr::null_mut();
    assert_eq!(
        smime_ffi::callback::smime_identity_from_callbacks(
            &table,
            cert,
            std::ptr::null(),
            0,
            &mut identity
        ),
        SMIME_RESULT_OK
    );
    let mut ring = std::ptr::null_mut();
    assert_eq!(
        smime_ffi::keyring::smime_keyring_new(&mut ring),
        SMIME_RESULT_OK
    );
    let reference = b"keychain:dave";
    assert_eq!(
        smime_ffi::keyring::smime_keyring_add_external_identity(
            ring,
            identity,
            reference.as_ptr(),
            reference.len()
        ),
        SMIME_RESULT_OK
    );
    smime_ffi::identity::smime_identity_free(identity);
    assert_eq!(
        destroyed.load(Ordering::SeqCst),
        0,
        "the keyring still uses the key"
    );
    let key = [7u8; 32];
    let mut sealed = std::ptr::null_mut();
    assert_eq!(
        smime_ffi::keyring::smime_keyring_to_bytes(ring, key.as_ptr(), 31, &mut sealed),
        SMIME_RESULT_INVALID_ARGUMENT
    );
    assert_eq!(
        smime_ffi::keyring::smime_keyring_to_bytes(ring, key.as_ptr(), key.len(), &mut sealed),
        SMIME_RESULT_OK
    );
    smime_ffi::keyring::smime_keyring_free(ring);
    assert_eq!(destroyed.load(Ordering::SeqCst), 1);

    let data = smime_ffi::bytes::smime_bytes_data(sealed);
    let len = smime_ffi::bytes::smime_bytes_len(sealed);
    let resolved_destroyed = Arc::new(AtomicUsize::new(0));
    let r = Resolver {
        cert: dave.clone(),
        asked: AtomicUsize::new(0),
        destroyed: resolved_destroyed.clone(),
    };
    let resolver = smime_key_resolver {
        userdata: &r as *const Resolver as *mut c_void,
        resolve: Some(resolve),
    };
    let mut loaded = std::ptr::null_mut();
    let wrong = [8u8; 32];
    assert_eq!(
        smime_ffi::keyring::smime_keyring_from_bytes(
            data,
            len,
            wrong.as_ptr(),
            32,
            &resolver,
            &mut loaded
        ),
        SMIME_RESULT_STORE_WRONG_KEY
    );
    assert!(loaded.is_null());
    assert_eq!(
        smime_ffi::keyring::smime_keyring_from_bytes(
            data,
            len,
            key.as_ptr(),
            32,
            &resolver,
            &mut loaded
        ),
        SMIME_RESULT_OK
    );
    assert_eq!(r.asked.load(Ordering::SeqCst), 1);
    // The resolved key signs: signer_for needs a usable key.
    let mut policy = std::ptr::null_mut();
    assert_eq!(
        smime_ffi::policy::smime_policy_new(&mut policy),
        SMIME_RESULT_OK
    );
    let mut signer = std::ptr::null_mut();
    assert_eq!(
        smime_ffi::keyring::smime_keyring_signer_for(
            loaded,
            c"dave@example.com".as_ptr(),
            policy,
            &mut signer
        ),
        SMIME_RESULT_OK
    );
    smime_ffi::identity::smime_identity_free(signer);
    smime_ffi::keyring::smime_keyring_free(loaded);
    assert_eq!(resolved_destroyed.load(Ordering::SeqCst), 1);

    // Without a resolver the identity loads without a key: it cannot sign.
    assert_eq!(
        smime_ffi::keyring::smime_keyring_from_bytes(
            data,
            len,
            key.as_ptr(),
            32,
            std::ptr::null(),
            &mut loaded
        ),
        SMIME_RESULT_OK
    );
    let mut count = 0usize;
    assert_eq!(
        smime_ffi::keyring::smime_keyring_identity_count(loaded, &mut count),
        SMIME_RESULT_OK
    );
    assert_eq!(count, 1);
    assert_eq!(
        smime_ffi::keyring::smime_keyring_signer_for(
            loaded,
            c"dave@example.com".as_ptr(),
            policy,
            &mut signer
        ),
        SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY
    );
    smime_ffi::keyring::smime_keyring_free(loaded);
    smime_ffi::policy::smime_policy_free(policy);
    smime_ffi::bytes::smime_bytes_free(sealed);
    smime_ffi::certificate::smime_certificate_free(cert);
}
