//! ML-KEM recipients beside RSA and ECDH ones: one message to an RSA, a P-256 and an ML-KEM
//! recipient opens for each (one-shot and streaming, EnvelopedData and AuthEnvelopedData);
//! a wrong key fails as every other recipient does; and the keyring treats an ML-KEM
//! certificate as an encryption certificate, with hybrid selection for a contact who holds a
//! classical and an ML-KEM certificate.
//!
//! The ML-KEM certificates are issued by the test PKI's intermediate: an OpenSSL leaf whose
//! public key is replaced by an ML-KEM key and whose signature is made again with the
//! intermediate's key (`openssl dgst`; the OpenSSL on the machine has no ML-KEM).

mod common;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl};
use smime::fuzzing::asn1::{ber, tlv};
use smime::keyring::{Keyring, Readiness, Source};
use smime::keys::{PrivateKey, SoftwareKey};
use smime::policy::Policy;
use smime::{Certificate, ContentCipher, DecryptError, EncryptOptions, Identity};
use std::sync::Arc;
use std::time::SystemTime;

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nto several kinds of recipient\r\n";

/// A seed-form PKCS#8 ML-KEM key; `level` is the last arc of the OID (1, 2, 3).
fn ml_kem_pkcs8(level: u8, seed: u8) -> Vec<u8> {
    let alg = [
        0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, level,
    ];
    let private_key = tlv(0x80, &[seed; 64]);
    tlv(
        0x30,
        &[
            vec![0x02, 0x01, 0x00],
            alg.to_vec(),
            tlv(0x04, &private_key),
        ]
        .concat(),
    )
}

/// An ML-KEM certificate issued by the intermediate, for `emails`, with `key_usage`; and its
/// identity.
fn ml_kem_leaf(
    pki: &TestPki,
    name: &str,
    emails: &[&str],
    level: u8,
    key_usage: &str,
) -> (Certificate, Identity, Vec<u8>) {
    let classical = pki.leaf(
        name,
        &LeafSpec {
            emails,
            key: KeyKind::P256,
            key_usage: Some(key_usage),
            ..LeafSpec::default()
        },
    );
    let pkcs8 = ml_kem_pkcs8(level, name.len() as u8 ^ level);
    let key = SoftwareKey::from_pkcs8_der(&pkcs8).unwrap();
    let spki = key.public_key_der().unwrap();
    let der = &classical.der;
    let root = ber::parse(der).unwrap();
    let tbs = &root.children[0];
    // version [0], serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    let mut fields = Vec::new();
    for (i, f) in tbs.children.iter().enumerate() {
        if i == 6 {
            fields.extend_from_slice(&spki);
        } else {
            fields.extend_from_slice(&der[f.range.clone()]);
        }
    }
    let tbs_der = tlv(0x30, &fields);
    let dir = pki.dir.path();
    std::fs::write(dir.join(format!("{name}.tbs")), &tbs_der).unwrap();
    openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            "intermediate.key",
            "-out",
            &format!("{name}.sig"),
            &format!("{name}.tbs"),
        ],
        dir,
    );
    let sig = std::fs::read(dir.join(format!("{name}.sig"))).unwrap();
    let mut bits = vec![0];
    bits.extend_from_slice(&sig);
    let cert_der = tlv(
        0x30,
        &[
            tbs_der,
            der[root.children[1].range.clone()].to_vec(),
            tlv(0x03, &bits),
        ]
        .concat(),
    );
    let cert = Certificate::from_der(&cert_der).unwrap();
    let identity = Identity::new(Arc::new(key), cert.clone()).unwrap();
    (cert, identity, pkcs8)
}

fn ec_leaf(pki: &TestPki, name: &str, emails: &[&str]) -> Cert {
    pki.leaf(
        name,
        &LeafSpec {
            emails,
            key: KeyKind::P256,
            key_usage: Some("digitalSignature,keyAgreement"),
            ..LeafSpec::default()
        },
    )
}

/// The version of the EnvelopedData / AuthEnvelopedData in a DER ContentInfo.
fn version(der: &[u8]) -> u8 {
    let root = ber::parse(der).unwrap();
    let body = &root.children[1].children[0];
    let v = &body.children[0];
    der[v.content.clone()][0]
}

#[test]
fn rsa_p256_and_ml_kem_recipients_each_open_one_message() {
    let pki = TestPki::new();
    let rsa = pki.leaf("rsa", &LeafSpec::default());
    let ec = ec_leaf(&pki, "ec", &["ec@example.com"]);
    let (kem, kem_id, _) = ml_kem_leaf(&pki, "kem", &["kem@example.com"], 2, "keyEncipherment");
    let recipients = [rsa.certificate(), ec.certificate(), kem];
    let identities = [rsa.identity(), ec.identity(), kem_id];
    for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes256Cbc] {
        let options = EncryptOptions {
            cipher,
            ..EncryptOptions::default()
        };
        let der = smime::encrypt::encrypt_der(CONTENT, &recipients, &options).unwrap();
        // RFC 5652 section 6.1: an ori among the recipient infos makes EnvelopedData version 3;
        // AuthEnvelopedData is always version 0 (RFC 5083).
        assert_eq!(version(&der), if cipher.is_authenticated() { 0 } else { 3 });
        let mail = smime::encrypt(CONTENT, &recipients, &options).unwrap();
        for id in &identities {
            let who = id.certificate().subject().to_string();
            let d = smime::decrypt(&der, std::slice::from_ref(id), &Policy::default())
                .unwrap_or_else(|e| panic!("{who} {cipher:?}: {e}"));
            assert_eq!(d.content, CONTENT, "{who}");
            let d = smime::decrypt(&mail, std::slice::from_ref(id), &Policy::default())
                .unwrap_or_else(|e| panic!("{who} {cipher:?} (MIME): {e}"));
            assert_eq!(d.content, CONTENT, "{who}");
            // The streaming decryptor, on the streamed (BER) message.
            let dec = smime::Decryptor::new(std::slice::from_ref(id), &Policy::default()).unwrap();
            let mut out = Vec::new();
            dec.decrypt(std::io::Cursor::new(&mail), &mut out)
                .unwrap_or_else(|e| panic!("{who} {cipher:?} (stream): {e}"));
            assert_eq!(out, CONTENT, "{who}");
        }
    }
}

#[test]
fn a_key_the_message_is_not_for_fails_as_with_every_recipient() {
    let pki = TestPki::new();
    let (a, _, _) = ml_kem_leaf(&pki, "kema", &["a@example.com"], 1, "keyEncipherment");
    let (_, b_id, _) = ml_kem_leaf(&pki, "kemb", &["b@example.com"], 1, "keyEncipherment");
    let rsa = pki.leaf("rsa", &LeafSpec::default());
    let der = smime::encrypt::encrypt_der(CONTENT, &[a], &EncryptOptions::default()).unwrap();
    for id in [b_id, rsa.identity()] {
        let err = smime::decrypt(&der, &[id], &Policy::default()).unwrap_err();
        assert!(matches!(err, DecryptError::CannotDecrypt), "{err:?}");
    }
}

#[test]
fn an_ml_kem_certificate_without_key_encipherment_is_refused() {
    let pki = TestPki::new();
    let (bad, _, _) = ml_kem_leaf(&pki, "kemsig", &["k@example.com"], 2, "digitalSignature");
    let err = smime::encrypt::encrypt_der(
        CONTENT,
        std::slice::from_ref(&bad),
        &EncryptOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, smime::EncryptError::RecipientRefused { .. }),
        "{err:?}"
    );
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&pki.root.certificate()).unwrap();
    ring.add_intermediate(&pki.intermediate.certificate())
        .unwrap();
    ring.add_contact(&bad, Source::Manual, SystemTime::now())
        .unwrap();
    let r = ring.recipient_readiness(&["k@example.com"], &Policy::default());
    assert!(
        matches!(&r[0].readiness, Readiness::Unusable { rejected }
            if rejected[0].reason == smime::keyring::Unusable::WrongKeyUsage),
        "{:?}",
        r[0]
    );
}

#[test]
fn the_keyring_encrypts_to_an_ml_kem_certificate() {
    let pki = TestPki::new();
    let (kem, kem_id, _) = ml_kem_leaf(&pki, "bob", &["bob@example.com"], 3, "keyEncipherment");
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&pki.root.certificate()).unwrap();
    ring.add_intermediate(&pki.intermediate.certificate())
        .unwrap();
    ring.add_contact(&kem, Source::Manual, SystemTime::now())
        .unwrap();
    let policy = Policy::default();
    let r = ring.recipient_readiness(&["bob@example.com"], &policy);
    assert_eq!(r[0].certificate(), Some(&kem), "{:?}", r[0]);
    let certs = ring
        .encryption_certificates_for(&["bob@example.com"], &policy)
        .unwrap();
    assert_eq!(certs, vec![kem.clone()]);
    // ML-KEM-1024 asks for a 256-bit content key; nothing else is known: AES-256-GCM.
    let choice = ring.choose_cipher(&certs);
    assert_eq!(choice.cipher, ContentCipher::Aes256Gcm);
    let options = EncryptOptions {
        cipher: choice.cipher,
        ..EncryptOptions::default()
    };
    let mail = smime::encrypt(CONTENT, &certs, &options).unwrap();
    let d = smime::decrypt(&mail, &[kem_id], &policy).unwrap();
    assert_eq!(d.content, CONTENT);
    assert!(d.integrity_protected);
}

#[test]
fn a_contact_with_classical_and_ml_kem_certificates_gets_one_or_both() {
    let pki = TestPki::new();
    let addr = "carol@example.com";
    let ec = ec_leaf(&pki, "carol-ec", &[addr]);
    let (kem, kem_id, _) = ml_kem_leaf(&pki, "carol-kem", &[addr], 2, "keyEncipherment");
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&pki.root.certificate()).unwrap();
    ring.add_intermediate(&pki.intermediate.certificate())
        .unwrap();
    // The ML-KEM certificate is the newer one: without hybrid protection the classical one is
    // still preferred (every client reads it).
    ring.add_contact(&ec.certificate(), Source::Manual, SystemTime::now())
        .unwrap();
    ring.add_contact(&kem, Source::Manual, SystemTime::now())
        .unwrap();
    let policy = Policy::default();

    let plain = ring.recipient_readiness(&[addr], &policy);
    match &plain[0].readiness {
        Readiness::Ready {
            certificate,
            additional,
            ..
        } => {
            assert_eq!(certificate, &ec.certificate());
            assert!(additional.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ring.encryption_certificates_for(&[addr], &policy).unwrap(),
        vec![ec.certificate()]
    );

    let hybrid = ring.recipient_readiness_hybrid(&[addr], &policy);
    match &hybrid[0].readiness {
        Readiness::Ready {
            certificate,
            additional,
            ..
        } => {
            assert_eq!(certificate, &ec.certificate());
            assert_eq!(additional.as_ref(), Some(&kem));
        }
        other => panic!("{other:?}"),
    }
    let both = ring
        .encryption_certificates_for_hybrid(&[addr], &policy)
        .unwrap();
    assert_eq!(both, vec![ec.certificate(), kem.clone()]);
    // The message carries a recipient info for each; either key opens it.
    let der = smime::encrypt::encrypt_der(CONTENT, &both, &EncryptOptions::default()).unwrap();
    let root = ber::parse(&der).unwrap();
    let ris = &root.children[1].children[0].children[1];
    let mut tags: Vec<u8> = ris.children.iter().map(|n| n.tag).collect();
    tags.sort();
    assert_eq!(tags, vec![0xA1, 0xA4]);
    for id in [ec.identity(), kem_id] {
        let d = smime::decrypt(&der, &[id], &policy).unwrap();
        assert_eq!(d.content, CONTENT);
    }

    // A contact with certificates of one family only gets that one, hybrid or not.
    let dave = "dave@example.com";
    let dave_ec = ec_leaf(&pki, "dave-ec", &[dave]);
    ring.add_contact(&dave_ec.certificate(), Source::Manual, SystemTime::now())
        .unwrap();
    assert_eq!(
        ring.encryption_certificates_for_hybrid(&[dave], &policy)
            .unwrap(),
        vec![dave_ec.certificate()]
    );
}

#[test]
fn a_platform_ml_kem_key_decapsulates_through_the_trait() {
    // A key held elsewhere: only kind, public key and kem_decapsulate are implemented.
    struct Platform(SoftwareKey);
    impl PrivateKey for Platform {
        fn kind(&self) -> smime::keys::KeyKind {
            self.0.kind()
        }
        fn public_key_der(&self) -> Result<Vec<u8>, smime::KeyError> {
            self.0.public_key_der()
        }
        fn sign_digest(
            &self,
            _: smime::keys::SignatureScheme,
            _: smime::DigestAlgorithm,
            _: &[u8],
        ) -> Result<Vec<u8>, smime::keys::KeyOperationError> {
            Err(smime::keys::KeyOperationError::unsupported("no signing"))
        }
        fn kem_decapsulate(
            &self,
            ciphertext: &[u8],
        ) -> Result<zeroize::Zeroizing<Vec<u8>>, smime::keys::KeyOperationError> {
            self.0.kem_decapsulate(ciphertext)
        }
    }
    let pki = TestPki::new();
    let (cert, _, pkcs8) = ml_kem_leaf(&pki, "plat", &["p@example.com"], 2, "keyEncipherment");
    let key = Platform(SoftwareKey::from_pkcs8_der(&pkcs8).unwrap());
    let id = Identity::new(Arc::new(key), cert.clone()).unwrap();
    let der = smime::encrypt::encrypt_der(CONTENT, &[cert], &EncryptOptions::default()).unwrap();
    let d = smime::decrypt(&der, &[id], &Policy::default()).unwrap();
    assert_eq!(d.content, CONTENT);
}
