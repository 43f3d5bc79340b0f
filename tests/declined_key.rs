//! Decryption tells one key failure apart: a key that declined or could not be reached (a
//! cancelled prompt, a removed card) is `DecryptError::Key` with the key's code; every other
//! key failure stays the one `CannotDecrypt` (RFC 3218). Over RSA PKCS#1 v1.5, RSA-OAEP and
//! ECDH, and with another key that opens the message.

mod common;

use common::{Cert, KeyKind as TestKey, LeafSpec, TestPki};
use smime::error::codes;
use smime::{
    DecryptError, DigestAlgorithm, EncryptOptions, Identity, KeyError, KeyKind, KeyOperationError,
    KeyTransport, Policy, PrivateKey, RsaDecryptPadding, SignatureScheme, SoftwareKey,
};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A software key whose decryption and key agreement fail with `error`.
struct Failing {
    key: SoftwareKey,
    error: KeyOperationError,
}

impl PrivateKey for Failing {
    fn kind(&self) -> KeyKind {
        self.key.kind()
    }
    fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        self.key.public_key_der()
    }
    fn sign_digest(
        &self,
        scheme: SignatureScheme,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        self.key.sign_digest(scheme, algorithm, digest)
    }
    fn rsa_decrypt(
        &self,
        _: &RsaDecryptPadding,
        _: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        Err(self.error.clone())
    }
    fn ecdh(&self, _: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        Err(self.error.clone())
    }
}

fn failing(cert: &Cert, error: KeyOperationError) -> Identity {
    let key = Failing {
        key: SoftwareKey::from_bytes(&cert.key_pem).expect("key"),
        error,
    };
    Identity::new(Arc::new(key), cert.certificate()).expect("identity")
}

#[test]
fn a_declined_key_is_reported_other_key_failures_are_not() {
    let pki = TestPki::new();
    let rsa = pki.leaf(
        "rsa",
        &LeafSpec {
            emails: &["rsa@example.com"],
            key: TestKey::Rsa2048,
            key_usage: Some("keyEncipherment"),
            ..Default::default()
        },
    );
    let ec = pki.leaf(
        "ec",
        &LeafSpec {
            emails: &["ec@example.com"],
            key: TestKey::P256,
            key_usage: Some("keyAgreement"),
            ..Default::default()
        },
    );
    let message = b"Content-Type: text/plain\r\n\r\nhi\r\n";
    let policy = Policy::default();
    for (cert, transport) in [
        (&rsa, KeyTransport::RsaPkcs1v15),
        (&rsa, KeyTransport::RsaOaep),
        (&ec, KeyTransport::RsaPkcs1v15),
    ] {
        let options = EncryptOptions {
            key_transport: transport,
            ..Default::default()
        };
        let encrypted = smime::encrypt(message, &[cert.certificate()], &options).expect("encrypt");
        let refused = KeyOperationError::Refused {
            detail: "the user cancelled the prompt".into(),
        };
        let e = smime::decrypt(&encrypted, &[failing(cert, refused.clone())], &policy)
            .expect_err("declined");
        assert_eq!(e, DecryptError::Key(refused), "{transport:?}");
        assert_eq!(e.code(), codes::SMIME_KEYOP_REFUSED);
        assert!(e.to_string().contains("cancelled"), "{e}");
        let gone = KeyOperationError::Unavailable {
            detail: "the card was removed".into(),
        };
        let e = smime::decrypt(&encrypted, &[failing(cert, gone)], &policy).expect_err("gone");
        assert_eq!(e.code(), codes::SMIME_KEYOP_UNAVAILABLE);
        // Any other failure stays the one "cannot decrypt".
        for other in [
            KeyOperationError::failed("x"),
            KeyOperationError::InvalidInput { detail: "x".into() },
            KeyOperationError::unsupported("x"),
            KeyOperationError::Platform {
                code: -1,
                detail: "x".into(),
            },
        ] {
            let e = smime::decrypt(&encrypted, &[failing(cert, other)], &policy).expect_err("x");
            assert_eq!(e, DecryptError::CannotDecrypt, "{transport:?}");
        }
        // A declined key does not hide another key that opens the message.
        let refused = KeyOperationError::Refused {
            detail: "cancelled".into(),
        };
        let opened = smime::decrypt(
            &encrypted,
            &[failing(cert, refused), cert.identity()],
            &policy,
        )
        .expect("the second key opens it");
        assert_eq!(opened.key_index, 1);
    }
}
