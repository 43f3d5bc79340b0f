//! Private-key operations fail with a typed [`KeyOperationError`], and signing keeps it: the
//! code and the message of what the key said reach the caller.

use smime::error::{codes, display_chain};
use smime::{
    Certificate, DigestAlgorithm, Identity, KeyError, KeyKind, KeyOperationError, PrivateKey,
    RsaDecryptPadding, SignError, SignOptions, SignatureScheme, SoftwareKey, sign,
};
use std::error::Error;
use std::sync::Arc;

const CERT: &[u8] = include_bytes!("../src/testdata/alice-p256.crt.pem");
const KEY: &[u8] = include_bytes!("../src/testdata/alice-p256.key.pem");

/// A key in a platform keystore that fails the way the platform says.
struct PlatformKey {
    inner: SoftwareKey,
    failure: KeyOperationError,
}

impl PrivateKey for PlatformKey {
    fn kind(&self) -> KeyKind {
        self.inner.kind()
    }
    fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        self.inner.public_key_der()
    }
    fn sign_digest(
        &self,
        _scheme: SignatureScheme,
        _algorithm: DigestAlgorithm,
        _digest: &[u8],
    ) -> Result<Vec<u8>, KeyOperationError> {
        Err(self.failure.clone())
    }
}

fn sign_with(failure: KeyOperationError) -> SignError {
    let cert = Certificate::from_pem(CERT).expect("certificate");
    let key = PlatformKey {
        inner: SoftwareKey::from_bytes(KEY).expect("key"),
        failure,
    };
    let signer = Identity::new(Arc::new(key), cert).expect("identity");
    let message = b"From: alice@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
    sign(message, &[signer], &SignOptions::default()).expect_err("the key fails")
}

#[test]
fn a_refused_platform_key_is_a_refusal_with_its_own_code() {
    let e = sign_with(KeyOperationError::Refused {
        detail: "the user cancelled the PIN prompt".into(),
    });
    assert!(
        matches!(
            &e,
            SignError::KeyOperation(KeyOperationError::Refused { .. })
        ),
        "{e:?}"
    );
    assert_eq!(e.code(), codes::SMIME_KEYOP_REFUSED);
    // Display gives the context; the key's words are in the source, once.
    assert_eq!(
        e.to_string(),
        "cannot sign: the private-key operation failed"
    );
    assert_eq!(
        e.source().map(|s| s.to_string()),
        Some("refused: the user cancelled the PIN prompt".to_string())
    );
    assert_eq!(
        display_chain(&e),
        "cannot sign: the private-key operation failed: refused: the user cancelled the PIN \
         prompt"
    );
}

#[test]
fn a_platform_code_reaches_the_caller() {
    let e = sign_with(KeyOperationError::Platform {
        code: -25300,
        detail: "item not found".into(),
    });
    assert_eq!(e.code(), codes::SMIME_KEYOP_PLATFORM);
    match e {
        SignError::KeyOperation(KeyOperationError::Platform { code, .. }) => {
            assert_eq!(code, -25300)
        }
        other => panic!("{other:?}"),
    }
    let e = sign_with(KeyOperationError::Unavailable {
        detail: "the smart card was removed".into(),
    });
    assert_eq!(e.code(), codes::SMIME_KEYOP_UNAVAILABLE);
    assert!(display_chain(&e).ends_with("the smart card was removed"));
}

#[test]
fn a_software_key_says_what_it_cannot_do() {
    let key = SoftwareKey::from_bytes(KEY).expect("key");
    let digest = DigestAlgorithm::Sha256.digest(b"x").expect("sha-256");
    // The wrong scheme for the key: unsupported.
    let e = key
        .sign_digest(SignatureScheme::RsaPss, DigestAlgorithm::Sha256, &digest)
        .expect_err("PSS with an EC key");
    assert!(matches!(e, KeyOperationError::Unsupported { .. }), "{e:?}");
    assert_eq!(e.code(), codes::SMIME_KEYOP_UNSUPPORTED);
    // A digest of the wrong length: invalid input.
    let e = key
        .sign_digest(SignatureScheme::Ecdsa, DigestAlgorithm::Sha384, &digest)
        .expect_err("a SHA-256 digest said to be SHA-384");
    assert_eq!(e.code(), codes::SMIME_KEYOP_INVALID_INPUT);
    // An EC key does not decrypt with RSA.
    let e = key
        .rsa_decrypt(&RsaDecryptPadding::Pkcs1v15, &[0; 256])
        .expect_err("RSA decryption with an EC key");
    assert_eq!(e.code(), codes::SMIME_KEYOP_UNSUPPORTED);
    // A point that is not on the curve: invalid input.
    let e = key.ecdh(&[4; 65]).expect_err("not a P-256 point");
    assert_eq!(e.code(), codes::SMIME_KEYOP_INVALID_INPUT);
    assert!(e.to_string().contains("P-256"), "{e}");
    // And the working operation still works.
    let signature = key
        .sign_digest(SignatureScheme::Ecdsa, DigestAlgorithm::Sha256, &digest)
        .expect("ECDSA signature");
    assert!(!signature.is_empty());
}
