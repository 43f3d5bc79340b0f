//! The ML-KEM artifacts of Bouncy Castle from the IETF PQC hackathon (tests/data/pqc/bc, see
//! its README): every KEMRecipientInfo message (EnvelopedData and AuthEnvelopedData, with and
//! without ukm) decrypts with its private key to the expected plaintext; the private keys read
//! in the form Bouncy Castle writes; the end-entity certificates are ML-KEM encryption
//! certificates; and our own messages to those certificates, at every level, with each KDF,
//! with and without ukm, Enveloped and AuthEnveloped, decrypt with the Bouncy Castle keys.

use smime::encrypt::{KemKdf, KemOptions};
use smime::keys::{KeyKind, PrivateKey, SoftwareKey};
use smime::policy::{Policy, ValidationTime};
use smime::{Certificate, ContentCipher, EncryptOptions, Identity};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const LEVELS: [(&str, KeyKind); 3] = [
    ("ml-kem-512-2.16.840.1.101.3.4.4.1", KeyKind::MlKem512),
    ("ml-kem-768-2.16.840.1.101.3.4.4.2", KeyKind::MlKem768),
    ("ml-kem-1024-2.16.840.1.101.3.4.4.3", KeyKind::MlKem1024),
];

fn bc() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pqc/bc")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(bc().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A time inside the validity of the Bouncy Castle certificates (2026-07-20 to 2027-07-20).
fn policy() -> Policy {
    let mut p = Policy::default();
    p.time = ValidationTime::At(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
    p
}

fn identity(prefix: &str) -> Identity {
    let key = SoftwareKey::from_bytes(&read(&format!("{prefix}_priv.der")))
        .unwrap_or_else(|e| panic!("{prefix}_priv.der: {e}"));
    let cert = Certificate::from_der(&read(&format!("{prefix}_ee.der")))
        .unwrap_or_else(|e| panic!("{prefix}_ee.der: {e}"));
    Identity::new(Arc::new(key), cert).unwrap_or_else(|e| panic!("{prefix}: {e}"))
}

#[test]
fn every_bouncy_castle_kemri_message_decrypts_to_the_expected_plaintext() {
    let expected = read("expected_plaintext.txt");
    let mut files: Vec<String> = std::fs::read_dir(bc())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ml-kem-") && n.contains("_kemri") && n.ends_with(".der"))
        .collect();
    files.sort();
    // Three levels, each Enveloped and AuthEnveloped, with and without ukm.
    assert_eq!(files.len(), 12, "{files:?}");
    let mut failures = Vec::new();
    for name in &files {
        let prefix = name.split("_kemri").next().unwrap_or_default();
        let id = identity(prefix);
        let message = read(name);
        match smime::decrypt(&message, &[id], &policy()) {
            Ok(d)
                if d.content == expected
                    && d.integrity_protected == name.contains("_kemri_auth_") =>
            {
                assert_eq!(d.key_index, 0);
            }
            Ok(d) => failures.push(format!(
                "{name}: decrypted to {:?} (integrity protected: {})",
                String::from_utf8_lossy(&d.content),
                d.integrity_protected
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_streaming_decryptor_opens_them_too() {
    let expected = read("expected_plaintext.txt");
    for (prefix, _) in LEVELS {
        for kind in ["kemri", "kemri_auth"] {
            let name = format!("{prefix}_{kind}_id-alg-hkdf-with-sha256_ukm.der");
            let d = smime::Decryptor::new(&[identity(prefix)], &policy()).unwrap();
            let mut out = Vec::new();
            let (info, _) = d
                .decrypt(std::io::Cursor::new(read(&name)), &mut out)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(out, expected, "{name}");
            assert_eq!(info.integrity_protected, kind == "kemri_auth", "{name}");
        }
    }
}

#[test]
fn a_wrong_ml_kem_key_gives_the_error_every_recipient_gives() {
    // The 768 message with the 768 key of another identity: implicit rejection, then the key
    // unwrap fails; the error is the one a wrong RSA or EC key gives.
    let prefix = LEVELS[1].0;
    let mine = identity(prefix);
    let other = SoftwareKey::from_pkcs8_der(&seed_pkcs8(prefix, [0x42; 64])).unwrap();
    // The certificate is Bouncy Castle's, the key another: pair them without the match check
    // by a key that reports the certificate's public key.
    let impostor = Impostor {
        inner: other,
        public: mine.certificate().public_key_der().unwrap(),
    };
    let id = Identity::new(Arc::new(impostor), mine.certificate().clone()).unwrap();
    for kind in ["kemri", "kemri_auth"] {
        let name = format!("{prefix}_{kind}_id-alg-hkdf-with-sha256.der");
        let err = smime::decrypt(&read(&name), std::slice::from_ref(&id), &policy()).unwrap_err();
        assert!(
            matches!(err, smime::DecryptError::CannotDecrypt),
            "{name}: {err:?}"
        );
    }
}

/// A key that decapsulates with `inner` but claims the public key `public`.
struct Impostor {
    inner: SoftwareKey,
    public: Vec<u8>,
}

impl PrivateKey for Impostor {
    fn kind(&self) -> KeyKind {
        self.inner.kind()
    }
    fn public_key_der(&self) -> Result<Vec<u8>, smime::KeyError> {
        Ok(self.public.clone())
    }
    fn sign_digest(
        &self,
        scheme: smime::keys::SignatureScheme,
        algorithm: smime::DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, smime::keys::KeyOperationError> {
        self.inner.sign_digest(scheme, algorithm, digest)
    }
    fn kem_decapsulate(
        &self,
        ciphertext: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, smime::keys::KeyOperationError> {
        self.inner.kem_decapsulate(ciphertext)
    }
}

/// A PKCS#8 ML-KEM key in the seed form, for the OID of `prefix`.
fn seed_pkcs8(prefix: &str, seed: [u8; 64]) -> Vec<u8> {
    let bc = read(&format!("{prefix}_priv.der"));
    // version (3 bytes) and the AlgorithmIdentifier (13 bytes) follow the 4-byte header.
    let head = &bc[4..20];
    let mut private_key = vec![0x80, 64];
    private_key.extend_from_slice(&seed);
    let mut body = head.to_vec();
    body.extend_from_slice(&[0x04, private_key.len() as u8]);
    body.extend_from_slice(&private_key);
    let mut out = vec![0x30, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

#[test]
fn bouncy_castle_private_keys_read_and_are_written_in_the_seed_form() {
    for (prefix, kind) in LEVELS {
        let der = read(&format!("{prefix}_priv.der"));
        let key = SoftwareKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(key.kind(), kind);
        assert!(kind.is_kem());
        let cert = read(&format!("{prefix}_ee.der"));
        smime::keys::check_key_matches(&key, &cert).unwrap();
        // Bouncy Castle writes the `both` form; we write the seed: 64 bytes in [0].
        let ours = key.to_pkcs8_der().unwrap();
        assert!(ours.len() < 100, "{prefix}: {} bytes", ours.len());
        assert!(ours.len() < der.len());
        let again = SoftwareKey::from_pkcs8_der(&ours).unwrap();
        assert_eq!(
            again.public_key_der().unwrap(),
            key.public_key_der().unwrap()
        );
        // PEM reads too.
        let pem = pem_rfc7468_encode("PRIVATE KEY", &der);
        let from_pem = SoftwareKey::from_bytes(pem.as_bytes()).unwrap();
        assert_eq!(from_pem.kind(), kind);
        // A `both` key whose expanded half was altered is refused as inconsistent.
        let mut bad = der.clone();
        let n = bad.len();
        bad[n - 100] ^= 0x01;
        assert!(
            matches!(
                SoftwareKey::from_pkcs8_der(&bad),
                Err(smime::KeyError::InconsistentForms { .. })
            ),
            "{prefix}"
        );
        // Another key does not match the certificate.
        let other = SoftwareKey::from_pkcs8_der(&seed_pkcs8(prefix, [1; 64])).unwrap();
        assert!(matches!(
            smime::keys::check_key_matches(&other, &cert),
            Err(smime::KeyError::Mismatch)
        ));
    }
}

fn pem_rfc7468_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[test]
fn the_certificates_are_ml_kem_encryption_certificates() {
    for (prefix, kind) in LEVELS {
        let cert = Certificate::from_der(&read(&format!("{prefix}_ee.der"))).unwrap();
        assert_eq!(cert.key_kind(), Some(kind), "{prefix}");
        let options = EncryptOptions {
            policy: policy(),
            ..EncryptOptions::default()
        };
        smime::encrypt::check_recipient(&cert, &options)
            .unwrap_or_else(|e| panic!("{prefix}: {e}"));
    }
}

#[test]
fn our_messages_to_the_bouncy_castle_certificates_decrypt_with_their_keys() {
    let content = b"Content-Type: text/plain\r\n\r\npost-quantum hello\r\n";
    for (prefix, _) in LEVELS {
        let id = identity(prefix);
        for kdf in [KemKdf::HkdfSha256, KemKdf::HkdfSha512] {
            for ukm in [None, Some(b"user keying material".to_vec())] {
                for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes128Cbc] {
                    let options = EncryptOptions {
                        cipher,
                        kem: KemOptions {
                            kdf,
                            ukm: ukm.clone(),
                        },
                        policy: policy(),
                        ..EncryptOptions::default()
                    };
                    let what = format!("{prefix} {kdf:?} ukm={} {cipher:?}", ukm.is_some());
                    let der = smime::encrypt::encrypt_der(
                        content,
                        std::slice::from_ref(id.certificate()),
                        &options,
                    )
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                    let d = smime::decrypt(&der, std::slice::from_ref(&id), &policy())
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(d.content, content, "{what}");
                    assert_eq!(d.integrity_protected, cipher.is_authenticated(), "{what}");
                    // The MIME (streaming) writer too.
                    let mail =
                        smime::encrypt(content, std::slice::from_ref(id.certificate()), &options)
                            .unwrap_or_else(|e| panic!("{what}: {e}"));
                    let d = smime::decrypt(&mail, std::slice::from_ref(&id), &policy())
                        .unwrap_or_else(|e| panic!("{what} (MIME): {e}"));
                    assert_eq!(d.content, content, "{what} (MIME)");
                }
            }
        }
    }
}
