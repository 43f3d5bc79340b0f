//! Our own post-quantum artifacts (examples/pqc_artifacts.rs, the hackathon's v3 format),
//! written into a temporary directory and checked file by file with our reader: the trust
//! anchor is a self-signed ML-DSA-44 CA, every `_signed_attrs.der` verifies as trusted to it
//! and carries `expected_plaintext.txt`, every ML-KEM `_ee.der` is signed by it and its
//! `_priv.der` is the private key of that certificate.
//!
//! Nothing on this machine can check them independently: its OpenSSL is 3.0 (ML-DSA and
//! ML-KEM arrive in 3.5) and the Bouncy Castle here (1.72) predates the final FIPS 204 and
//! FIPS 203 encodings.

#[path = "../examples/pqc_artifacts.rs"]
mod writer;

use der::{Decode, Encode};
use smime::Certificate;
use smime::verify::{AddressPolicy, Verdict, VerifyOptions, verify};

/// Checks that `issuer`'s key signed `cert` (a pure signature over the TBSCertificate).
fn verify_certificate_signature(
    cert: &x509_cert::Certificate,
    issuer: &x509_cert::Certificate,
) -> Result<(), smime::fuzzing::verify::SigCheckError> {
    let spki = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI");
    let tbs = cert.tbs_certificate().to_der().expect("TBS");
    let signature = cert.signature().as_bytes().expect("whole bytes");
    smime::fuzzing::verify::verify_signature(
        &spki,
        cert.signature_algorithm(),
        smime::DigestAlgorithm::Sha512,
        &tbs,
        signature,
    )
}

fn parse(der: &[u8]) -> x509_cert::Certificate {
    x509_cert::Certificate::from_der(der).expect("certificate")
}

#[test]
fn our_artifacts_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut written = writer::write_artifacts(dir.path()).expect("write");
    written.sort();
    let mut expected: Vec<String> = vec!["ta.der".into(), "expected_plaintext.txt".into()];
    for stem in [
        "ml-dsa-44-2.16.840.1.101.3.4.3.17",
        "ml-dsa-65-2.16.840.1.101.3.4.3.18",
        "ml-dsa-87-2.16.840.1.101.3.4.3.19",
    ] {
        expected.push(format!("{stem}_signed_attrs.der"));
    }
    for stem in [
        "ml-kem-512-2.16.840.1.101.3.4.4.1",
        "ml-kem-768-2.16.840.1.101.3.4.4.2",
        "ml-kem-1024-2.16.840.1.101.3.4.4.3",
    ] {
        expected.push(format!("{stem}_ee.der"));
        expected.push(format!("{stem}_priv.der"));
        for kdf in ["id-alg-hkdf-with-sha256", "id-alg-hkdf-with-sha512"] {
            for kind in ["kemri", "kemri_auth"] {
                expected.push(format!("{stem}_{kind}_{kdf}.der"));
                expected.push(format!("{stem}_{kind}_{kdf}_ukm.der"));
            }
        }
    }
    expected.sort();
    assert_eq!(written, expected);

    let read = |name: &str| std::fs::read(dir.path().join(name)).expect(name);
    let ta_der = read("ta.der");
    let ta = parse(&ta_der);
    verify_certificate_signature(&ta, &ta).expect("the trust anchor is self-signed");
    assert_eq!(
        ta.signature_algorithm().oid.to_string(),
        "2.16.840.1.101.3.4.3.17",
        "ML-DSA-44"
    );
    let plaintext = read("expected_plaintext.txt");
    assert_eq!(plaintext, writer::PLAINTEXT);

    let options = VerifyOptions {
        trust_anchors: vec![Certificate::from_der(&ta_der).expect("ta")],
        address: AddressPolicy::Expect("pq@example.com".into()),
        ..Default::default()
    };
    for name in written.iter().filter(|n| n.ends_with("_signed_attrs.der")) {
        let der = read(name);
        let report = verify(&der, &options).expect("verify runs");
        assert_eq!(report.verdict(), Verdict::Trusted, "{name}");
        assert_eq!(report.content, plaintext, "{name}");
        // "ml-dsa-44-..." is signed with id-ml-dsa-44.
        let level: String = name[..9].chars().filter(|c| *c != '-').collect();
        let alg: String = report.signers[0]
            .signature_algorithm
            .to_ascii_lowercase()
            .chars()
            .filter(|c| *c != '-')
            .collect();
        assert!(alg.contains(&level), "{name}: {alg}");
    }
    for name in written.iter().filter(|n| n.ends_with("_ee.der")) {
        let ee_der = read(name);
        let ee = parse(&ee_der);
        verify_certificate_signature(&ee, &ta).unwrap_or_else(|e| panic!("{name}: {e}"));
        let spki = ee
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .expect("SPKI");
        let priv_name = name.replace("_ee.der", "_priv.der");
        let key = read(&priv_name);
        let info = pkcs8::PrivateKeyInfoRef::from_der(&key).expect("PKCS#8");
        assert_eq!(
            info.algorithm.oid,
            ee.tbs_certificate().subject_public_key_info().algorithm.oid,
            "{priv_name}"
        );
        let public = ml_kem_public(&key, name);
        assert_eq!(public, spki, "{priv_name} is the key of {name}");
    }

    // Every KEMRecipientInfo file decrypts with its level's private key to the plaintext,
    // with the cipher, KDF and ukm its name says; another level's key cannot open it.
    let policy = smime::Policy::default();
    let kemri: Vec<&String> = written.iter().filter(|n| n.contains("_kemri")).collect();
    assert_eq!(kemri.len(), 3 * 8);
    for name in kemri {
        let stem = &name[..name.find("_kemri").expect("stem")];
        let key = smime::SoftwareKey::from_bytes(&read(&format!("{stem}_priv.der"))).expect("key");
        let cert = Certificate::from_der(&read(&format!("{stem}_ee.der"))).expect("cert");
        let id = smime::Identity::new(std::sync::Arc::new(key), cert).expect("identity");
        let der = read(name);
        let d = smime::decrypt(&der, std::slice::from_ref(&id), &policy)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.content, plaintext, "{name}");
        assert_eq!(d.integrity_protected, name.contains("_auth"), "{name}");
        let text = format!("{:?}", smime::inspect(&der).expect("inspect"));
        assert!(text.contains("Kem {"), "{name}: {text}");
        assert_eq!(
            text.contains("ukm: true"),
            name.contains("_ukm"),
            "{name}: {text}"
        );
        let kdf_oid = if name.contains("sha512") {
            "1.2.840.113549.1.9.16.3.30"
        } else {
            "1.2.840.113549.1.9.16.3.28"
        };
        // The KDF OID appears in the DER (its encoding, found as a byte string).
        let kdf_der = const_oid::ObjectIdentifier::new_unwrap(kdf_oid)
            .to_der()
            .expect("oid");
        assert!(
            der.windows(kdf_der.len()).any(|w| w == kdf_der.as_slice()),
            "{name}: KDF {kdf_oid} not found; {text}"
        );
        let other = if stem.starts_with("ml-kem-512") {
            "ml-kem-768-2.16.840.1.101.3.4.4.2"
        } else {
            "ml-kem-512-2.16.840.1.101.3.4.4.1"
        };
        let wrong =
            smime::SoftwareKey::from_bytes(&read(&format!("{other}_priv.der"))).expect("key");
        let wrong_cert = Certificate::from_der(&read(&format!("{other}_ee.der"))).expect("cert");
        let wrong = smime::Identity::new(std::sync::Arc::new(wrong), wrong_cert).expect("identity");
        assert!(
            smime::decrypt(&der, std::slice::from_ref(&wrong), &policy).is_err(),
            "{name} opened with {other}"
        );
    }
}

/// The SubjectPublicKeyInfo of an ML-KEM PKCS#8 key, by the `ml-kem` crate.
fn ml_kem_public(pkcs8_der: &[u8], name: &str) -> Vec<u8> {
    use pkcs8::DecodePrivateKey;
    use spki::EncodePublicKey;
    macro_rules! run {
        ($p:ty) => {
            ml_kem::DecapsulationKey::<$p>::from_pkcs8_der(pkcs8_der)
                .expect("ML-KEM key")
                .encapsulation_key()
                .to_public_key_der()
                .expect("SPKI")
                .as_bytes()
                .to_vec()
        };
    }
    if name.starts_with("ml-kem-512") {
        run!(ml_kem::MlKem512)
    } else if name.starts_with("ml-kem-768") {
        run!(ml_kem::MlKem768)
    } else {
        run!(ml_kem::MlKem1024)
    }
}
