//! ML-DSA signing and verification end to end, over a PKI of ML-DSA-signed certificates
//! (tests/common/pq.rs): multipart/signed and opaque, one-shot and streaming, every level;
//! a chain through an ML-DSA intermediate; tampering, a wrong key and a foreign root fail.
//! And the ML-DSA private key in every PKCS#8 form RFC 9881 allows, and in PKCS#12.

#[path = "common/pq.rs"]
mod pq;

use der::asn1::OctetString;
use der::{Decode, Encode};
use pq::{Dsa, PqCa, PqCert};
use smime::keys::check_key_matches;
use smime::sign::{SignOptions, Signer, sign, sign_opaque_der};
use smime::verify::{Check, SignatureFailure, Verdict, Verifier, VerifyOptions, verify};
use smime::{Identity, KeyError};
use smime::{KeyKind, PrivateKey, SignatureScheme, SoftwareKey};
use std::io::Write;
use std::sync::{Arc, OnceLock};

struct Fixture {
    root: PqCa,
    other_root: PqCa,
    intermediate: PqCa,
    /// One end entity per level under the root.
    leaves: Vec<(Dsa, PqCert)>,
    /// An ML-DSA-65 end entity under the ML-DSA-87 intermediate.
    deep: PqCert,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let root = PqCa::root(Dsa::L44, "PQ Test Root ML-DSA-44");
        let other_root = PqCa::root(Dsa::L65, "PQ Other Root ML-DSA-65");
        let intermediate = root.intermediate(Dsa::L87, "PQ Intermediate ML-DSA-87");
        let leaves = Dsa::ALL
            .iter()
            .map(|&l| {
                let cn = format!("alice {l:?}");
                (l, root.ml_dsa_leaf(l, &cn, "alice@example.com"))
            })
            .collect();
        let deep = intermediate.ml_dsa_leaf(Dsa::L65, "dave", "dave@example.com");
        Fixture {
            root,
            other_root,
            intermediate,
            leaves,
            deep,
        }
    })
}

fn options(root: &PqCa) -> VerifyOptions {
    VerifyOptions {
        trust_anchors: vec![root.certificate()],
        certificates: vec![fixture().intermediate.certificate()],
        ..Default::default()
    }
}

fn message(from: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: bob@example.com\r\nSubject: post-quantum\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned with ML-DSA.\r\n"
    )
    .into_bytes()
}

fn assert_trusted(signed: &[u8], root: &PqCa, what: &str) {
    let report = verify(signed, &options(root)).expect("verify runs");
    assert_eq!(report.signers.len(), 1, "{what}");
    let s = &report.signers[0];
    assert!(s.signature.passed(), "{what}: signature {}", s.signature);
    assert!(s.chain.passed(), "{what}: chain {}", s.chain);
    assert!(s.address.passed(), "{what}: address {}", s.address);
    assert_eq!(report.verdict(), Verdict::Trusted, "{what}");
    assert!(
        s.digest_algorithm.to_ascii_lowercase().contains("512"),
        "{what}: {}",
        s.digest_algorithm
    );
}

#[test]
fn ml_dsa_signs_multipart_and_opaque_and_verifies_with_its_chain() {
    let f = fixture();
    for (level, leaf) in &f.leaves {
        for opaque in [false, true] {
            let options = SignOptions {
                opaque,
                ..SignOptions::default()
            };
            let signed =
                sign(&message("alice@example.com"), &[leaf.identity()], &options).expect("sign");
            if !opaque {
                // The effective digest of an ML-DSA signer is SHA-512.
                assert!(
                    String::from_utf8_lossy(&signed).contains("micalg=sha-512"),
                    "{level:?}"
                );
            }
            assert_trusted(&signed, &f.root, &format!("{level:?} opaque={opaque}"));
        }
    }
}

#[test]
fn ml_dsa_streaming_sign_and_verify() {
    let f = fixture();
    let leaf = &f.leaves[1].1;
    let body: String = (0..2000)
        .map(|i| format!("line {i} of a long body\r\n"))
        .collect();
    let mut input = message("alice@example.com");
    input.extend_from_slice(body.as_bytes());
    for opaque in [false, true] {
        let options = SignOptions {
            opaque,
            ..SignOptions::default()
        };
        let signer = Signer::new(&[leaf.identity()], &options).expect("signer");
        let mut w = signer.writer(Vec::new());
        for chunk in input.chunks(997) {
            w.write_all(chunk).expect("write");
        }
        let signed = w.finish().expect("finish");
        let verifier = Verifier::new(&options_for_stream(&f.root));
        let (report, content) = verifier
            .verify(&signed[..], Vec::new())
            .expect("streaming verify");
        assert_eq!(report.verdict(), Verdict::Trusted, "opaque={opaque}");
        assert!(
            String::from_utf8_lossy(&content).contains("line 1999 of a long body"),
            "opaque={opaque}"
        );
        // The one-shot verifier agrees.
        assert_trusted(&signed, &f.root, &format!("stream opaque={opaque}"));
    }
}

fn options_for_stream(root: &PqCa) -> VerifyOptions {
    options(root)
}

#[test]
fn chain_through_an_ml_dsa_87_intermediate() {
    let f = fixture();
    let signed = sign(
        &message("dave@example.com"),
        &[f.deep.identity()],
        &SignOptions::default(),
    )
    .expect("sign");
    assert_trusted(&signed, &f.root, "under the intermediate");
    // Without the intermediate there is no path.
    let report = verify(
        &signed,
        &VerifyOptions {
            trust_anchors: vec![f.root.certificate()],
            ..Default::default()
        },
    )
    .expect("verify runs");
    let signer = &report.signers[0];
    // The identity holds no chain, so the message carries only the end entity: the path
    // needs the intermediate from the caller.
    assert!(signer.signature.passed(), "{}", signer.signature);
    assert!(signer.chain.failed(), "{}", signer.chain);
    assert_ne!(report.verdict(), Verdict::Trusted);
}

#[test]
fn foreign_root_tampering_and_wrong_key_fail() {
    let f = fixture();
    let leaf = &f.leaves[0].1;
    let signed = sign(
        &message("alice@example.com"),
        &[leaf.identity()],
        &SignOptions::default(),
    )
    .expect("sign");

    // Another ML-DSA root: the signature is good, the chain is not.
    let report = verify(&signed, &options(&f.other_root)).expect("verify runs");
    assert!(report.signers[0].signature.passed());
    assert!(
        report.signers[0].chain.failed(),
        "{}",
        report.signers[0].chain
    );
    assert_ne!(report.verdict(), Verdict::Trusted);

    // Changed content.
    let text = String::from_utf8(signed.clone()).expect("ascii");
    let tampered = text.replacen("Signed with ML-DSA.", "Signed with ML-DSB.", 1);
    let report = verify(tampered.as_bytes(), &options(&f.root)).expect("verify runs");
    assert_eq!(
        report.signers[0].signature,
        Check::Failed(SignatureFailure::MessageDigestMismatch)
    );

    // A flipped bit in the signature value of an opaque DER SignedData.
    // sign_opaque_der does not raise the digest to SHA-512 for an ML-DSA signer by itself.
    let sha512 = SignOptions {
        digest: smime::DigestAlgorithm::Sha512,
        ..SignOptions::default()
    };
    let der = sign_opaque_der(b"opaque content", &[leaf.identity()], &sha512).expect("sign");
    let report = verify(&der, &options(&f.root)).expect("verify runs");
    assert!(
        report.signers[0].signature.passed(),
        "{}",
        report.signers[0].signature
    );
    let mut bad = der.clone();
    let at = bad.len() - 100; // inside the 2420-byte signature, the last field
    bad[at] ^= 0x01;
    let report = verify(&bad, &options(&f.root)).expect("verify runs");
    assert_eq!(
        report.signers[0].signature,
        Check::Failed(SignatureFailure::BadSignature)
    );

    // The key of another certificate does not make an identity with this one.
    let other_key = SoftwareKey::from_bytes(&f.leaves[1].1.key).expect("key");
    assert!(matches!(
        Identity::new(Arc::new(other_key), leaf.certificate()),
        Err(KeyError::Mismatch)
    ));
    // A key of the same level that is not the certificate's: a signature made with it does
    // not verify under the certificate (a platform key that lies about its public key).
    struct Liar(SoftwareKey, Vec<u8>);
    impl PrivateKey for Liar {
        fn kind(&self) -> KeyKind {
            self.0.kind()
        }
        fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
            Ok(self.1.clone())
        }
        fn sign_digest(
            &self,
            scheme: SignatureScheme,
            algorithm: smime::DigestAlgorithm,
            digest: &[u8],
        ) -> Result<Vec<u8>, smime::KeyOperationError> {
            self.0.sign_digest(scheme, algorithm, digest)
        }
        fn sign_message(
            &self,
            scheme: SignatureScheme,
            message: &[u8],
        ) -> Result<Vec<u8>, smime::KeyOperationError> {
            self.0.sign_message(scheme, message)
        }
    }
    let wrong = pq::DsaKey::derive(Dsa::L44, "not alice");
    let liar = Liar(
        SoftwareKey::from_bytes(&wrong.pkcs8_der()).expect("key"),
        SoftwareKey::from_bytes(&leaf.key)
            .expect("key")
            .public_key_der()
            .expect("spki"),
    );
    let id = Identity::new(Arc::new(liar), leaf.certificate()).expect("identity");
    let signed = sign(
        &message("alice@example.com"),
        &[id],
        &SignOptions::default(),
    )
    .expect("sign");
    let report = verify(&signed, &options(&f.root)).expect("verify runs");
    assert_eq!(
        report.signers[0].signature,
        Check::Failed(SignatureFailure::BadSignature)
    );
    assert_ne!(report.verdict(), Verdict::Trusted);
}

// --- The private key in PKCS#8 ---------------------------------------------------------------

const OID_44: &str = "2.16.840.1.101.3.4.3.17";

/// A PKCS#8 v1 PrivateKeyInfo with `private_key` (the CHOICE's DER) under `oid`.
fn pkcs8(oid: &str, private_key: &[u8]) -> Vec<u8> {
    let info = pkcs8::PrivateKeyInfoRef::new(
        spki::AlgorithmIdentifierRef {
            oid: const_oid::ObjectIdentifier::new(oid).expect("oid"),
            parameters: None,
        },
        der::asn1::OctetStringRef::new(private_key).expect("octets"),
    );
    info.to_der().expect("DER")
}

/// The seed and expanded key of a PKCS#8 written by the `ml-dsa` crate (seed form).
fn seed_and_expanded(leaf: &PqCert, level: Dsa) -> (Vec<u8>, Vec<u8>) {
    let info = pkcs8::PrivateKeyInfoRef::from_der(&leaf.key).expect("PKCS#8");
    let choice = info.private_key.as_bytes();
    // [0] 32 bytes: 80 20 <seed>
    assert_eq!(&choice[..2], &[0x80, 0x20]);
    let seed = choice[2..].to_vec();
    #[allow(deprecated)]
    let expanded = {
        let s = ml_dsa::Seed::try_from(seed.as_slice()).expect("seed");
        match level {
            Dsa::L44 => ml_dsa::SigningKey::<ml_dsa::MlDsa44>::from_seed(&s)
                .expanded_key()
                .to_expanded()
                .to_vec(),
            Dsa::L65 => ml_dsa::SigningKey::<ml_dsa::MlDsa65>::from_seed(&s)
                .expanded_key()
                .to_expanded()
                .to_vec(),
            Dsa::L87 => ml_dsa::SigningKey::<ml_dsa::MlDsa87>::from_seed(&s)
                .expanded_key()
                .to_expanded()
                .to_vec(),
        }
    };
    (seed, expanded)
}

fn oid_of(level: Dsa) -> &'static str {
    match level {
        Dsa::L44 => OID_44,
        Dsa::L65 => "2.16.840.1.101.3.4.3.18",
        Dsa::L87 => "2.16.840.1.101.3.4.3.19",
    }
}

fn both(seed: &[u8], expanded: &[u8]) -> Vec<u8> {
    let s = OctetString::new(seed.to_vec())
        .expect("o")
        .to_der()
        .expect("d");
    let e = OctetString::new(expanded.to_vec())
        .expect("o")
        .to_der()
        .expect("d");
    let mut inner = s;
    inner.extend_from_slice(&e);
    let mut out = vec![0x30];
    let len = inner.len();
    out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    out.extend_from_slice(&inner);
    out
}

#[test]
fn every_rfc_9881_private_key_form_reads_and_agrees() {
    let f = fixture();
    for (level, leaf) in &f.leaves {
        let (seed, expanded) = seed_and_expanded(leaf, *level);
        let oid = oid_of(*level);
        let cert = leaf.certificate();
        let seed_form = pkcs8(oid, &[&[0x80, 0x20][..], &seed].concat());
        let expanded_form = pkcs8(
            oid,
            &OctetString::new(expanded.clone())
                .expect("o")
                .to_der()
                .expect("d"),
        );
        let both_form = pkcs8(oid, &both(&seed, &expanded));
        assert_eq!(seed_form, leaf.key, "the crate writes the seed form");
        for (what, der) in [
            ("seed", &seed_form),
            ("expandedKey", &expanded_form),
            ("both", &both_form),
        ] {
            let key = SoftwareKey::from_bytes(der).unwrap_or_else(|e| panic!("{what}: {e}"));
            let expected_kind = match level {
                Dsa::L44 => KeyKind::MlDsa44,
                Dsa::L65 => KeyKind::MlDsa65,
                Dsa::L87 => KeyKind::MlDsa87,
            };
            assert_eq!(key.kind(), expected_kind);
            assert!(key.kind().signs_messages());
            check_key_matches(&key, cert.der()).unwrap_or_else(|e| panic!("{what}: {e}"));
            // PKCS#8 out: the seed form when the seed is known, else the expanded form.
            let out = key.to_pkcs8_der().expect("PKCS#8 out");
            if what == "expandedKey" {
                assert_eq!(out.as_slice(), expanded_form.as_slice());
            } else {
                assert_eq!(out.as_slice(), seed_form.as_slice());
            }
            // It signs, and the signature verifies under the certificate.
            let id = Identity::new(Arc::new(key), cert.clone()).expect("identity");
            let signed = sign(
                &message("alice@example.com"),
                &[id],
                &SignOptions::default(),
            )
            .expect("sign");
            assert_trusted(&signed, &f.root, &format!("{level:?} {what}"));
        }
        // PEM.
        let pem =
            pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &both_form)
                .expect("PEM");
        let key = SoftwareKey::from_bytes(pem.as_bytes()).expect("PEM key");
        check_key_matches(&key, cert.der()).expect("PEM matches");
    }
}

#[test]
fn ml_dsa_signing_is_hedged() {
    let key = SoftwareKey::from_bytes(&fixture().leaves[0].1.key).expect("key");
    let a = key
        .sign_message(SignatureScheme::MlDsa, b"m")
        .expect("sign");
    let b = key
        .sign_message(SignatureScheme::MlDsa, b"m")
        .expect("sign");
    assert_eq!(a.len(), 2420);
    assert_ne!(a, b, "fresh randomness in every signature");
    // Digest signing and other whole-message schemes are refused.
    assert!(key.sign_message(SignatureScheme::Ed25519, b"m").is_err());
    assert!(
        key.sign_digest(
            SignatureScheme::Ecdsa,
            smime::DigestAlgorithm::Sha256,
            &[0; 32]
        )
        .is_err()
    );
}

#[test]
fn inconsistent_and_malformed_private_keys_are_refused() {
    let f = fixture();
    let (level, leaf) = &f.leaves[0];
    let (seed, expanded) = seed_and_expanded(leaf, *level);
    let oid = oid_of(*level);

    // Seed and expanded key of different keys.
    let mut wrong_seed = seed.clone();
    wrong_seed[0] ^= 1;
    let mismatched = pkcs8(oid, &both(&wrong_seed, &expanded));
    let err = SoftwareKey::from_pkcs8_der(&mismatched).unwrap_err();
    assert!(matches!(err, KeyError::InconsistentForms { .. }), "{err}");
    assert_eq!(
        err.code(),
        smime::error::codes::SMIME_KEY_INCONSISTENT_FORMS
    );
    // The same through PEM (from_bytes on DER tries the other encodings after PKCS#8 and
    // reports a generic error).
    let pem = pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &mismatched)
        .expect("PEM");
    let err = SoftwareKey::from_bytes(pem.as_bytes()).unwrap_err();
    assert!(matches!(err, KeyError::InconsistentForms { .. }), "{err}");
    assert!(SoftwareKey::from_bytes(&mismatched).is_err());

    // An expanded key with one changed byte in its tr: refused, not a wrong key.
    let mut bad = expanded.clone();
    bad[64] ^= 1;
    let err = SoftwareKey::from_pkcs8_der(&pkcs8(
        oid,
        &OctetString::new(bad).expect("o").to_der().expect("d"),
    ))
    .unwrap_err();
    assert!(matches!(err, KeyError::InconsistentForms { .. }), "{err}");

    // Out-of-range secret coefficients: refused, no panic.
    let mut bad = expanded.clone();
    for b in &mut bad[128..200] {
        *b = 0xff;
    }
    assert!(
        SoftwareKey::from_bytes(&pkcs8(
            oid,
            &OctetString::new(bad).expect("o").to_der().expect("d"),
        ))
        .is_err()
    );

    // Wrong lengths, a seed form of 31 bytes, trailing bytes, the seed of another level.
    assert!(
        SoftwareKey::from_bytes(&pkcs8(oid, &[&[0x80, 0x1f][..], &seed[..31]].concat())).is_err()
    );
    assert!(
        SoftwareKey::from_bytes(&pkcs8(oid, &[&[0x80, 0x20][..], &seed, &[0]].concat())).is_err()
    );
    assert!(
        SoftwareKey::from_bytes(&pkcs8(
            oid,
            &OctetString::new(expanded[..100].to_vec())
                .expect("o")
                .to_der()
                .expect("d"),
        ))
        .is_err()
    );
    let k65 = SoftwareKey::from_bytes(&pkcs8(
        oid_of(Dsa::L65),
        &[&[0x80, 0x20][..], &seed].concat(),
    ))
    .expect("a seed is a key of any level");
    assert_eq!(k65.kind(), KeyKind::MlDsa65);
    assert!(matches!(
        check_key_matches(&k65, leaf.der.as_slice()),
        Err(KeyError::Mismatch)
    ));
    // Not a CHOICE at all.
    assert!(SoftwareKey::from_bytes(&pkcs8(oid, &[0x02, 0x01, 0x00])).is_err());
}

#[test]
fn pkcs12_carries_an_ml_dsa_key() {
    let f = fixture();
    let leaf = &f.deep;
    let pfx = smime::pkcs12::write_pkcs12(
        &leaf.key,
        &leaf.certificate(),
        &[f.intermediate.certificate()],
        "secret",
        Some("dave"),
    )
    .expect("write PKCS#12");
    let contents = smime::pkcs12::parse_pkcs12(&pfx, "secret", &smime::Pkcs12Limits::default())
        .expect("read PKCS#12");
    let id = contents.identity().expect("identity");
    let signed = sign(&message("dave@example.com"), &[id], &SignOptions::default())
        .expect("sign with the PKCS#12 identity");
    assert_trusted(&signed, &f.root, "PKCS#12 identity");
    assert!(matches!(
        smime::pkcs12::parse_pkcs12(&pfx, "wrong", &smime::Pkcs12Limits::default()),
        Err(smime::Pkcs12Error::WrongPassword)
    ));
}
