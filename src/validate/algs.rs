//! `rustls_pki_types::SignatureVerificationAlgorithm` implementations over
//! [`crate::crypto::verify`], for webpki path building.

use rustls_pki_types::alg_id;
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

use crate::crypto::DigestAlgorithm;
use crate::crypto::verify::{RawKey, Scheme, verify_raw};

/// The kind of public key an algorithm accepts, as webpki hands over the `subjectPublicKey`.
#[derive(Debug, Clone, Copy)]
enum KeyKind {
    /// A PKCS#1 `RSAPublicKey`.
    Rsa,
    /// A SEC1 P-256 point.
    P256,
    /// A SEC1 P-384 point.
    P384,
}

/// One (key kind, scheme, digest) combination, with the identifiers webpki matches on.
#[derive(Debug)]
struct Alg {
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    key: KeyKind,
    scheme: Scheme,
    digest: DigestAlgorithm,
}

impl SignatureVerificationAlgorithm for Alg {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = match self.key {
            KeyKind::Rsa => RawKey::Rsa(public_key),
            KeyKind::P256 => RawKey::P256(public_key),
            KeyKind::P384 => RawKey::P384(public_key),
        };
        verify_raw(key, self.scheme, self.digest, message, signature).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

const fn alg(
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    key: KeyKind,
    scheme: Scheme,
    digest: DigestAlgorithm,
) -> Alg {
    Alg {
        public_key_alg_id,
        signature_alg_id,
        key,
        scheme,
        digest,
    }
}

const fn pss(digest: DigestAlgorithm, sig: AlgorithmIdentifier, salt_len: usize) -> Alg {
    alg(
        alg_id::RSA_ENCRYPTION,
        sig,
        KeyKind::Rsa,
        Scheme::Pss { salt_len },
        digest,
    )
}

static RSA_PKCS1_SHA256: Alg = alg(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PKCS1_SHA256,
    KeyKind::Rsa,
    Scheme::Pkcs1v15,
    DigestAlgorithm::Sha256,
);
static RSA_PKCS1_SHA384: Alg = alg(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PKCS1_SHA384,
    KeyKind::Rsa,
    Scheme::Pkcs1v15,
    DigestAlgorithm::Sha384,
);
static RSA_PKCS1_SHA512: Alg = alg(
    alg_id::RSA_ENCRYPTION,
    alg_id::RSA_PKCS1_SHA512,
    KeyKind::Rsa,
    Scheme::Pkcs1v15,
    DigestAlgorithm::Sha512,
);
// The pki-types PSS identifiers carry salt length = hash length.
static RSA_PSS_SHA256: Alg = pss(DigestAlgorithm::Sha256, alg_id::RSA_PSS_SHA256, 32);
static RSA_PSS_SHA384: Alg = pss(DigestAlgorithm::Sha384, alg_id::RSA_PSS_SHA384, 48);
static RSA_PSS_SHA512: Alg = pss(DigestAlgorithm::Sha512, alg_id::RSA_PSS_SHA512, 64);
static ECDSA_P256_SHA256: Alg = alg(
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA256,
    KeyKind::P256,
    Scheme::Ecdsa,
    DigestAlgorithm::Sha256,
);
static ECDSA_P256_SHA384: Alg = alg(
    alg_id::ECDSA_P256,
    alg_id::ECDSA_SHA384,
    KeyKind::P256,
    Scheme::Ecdsa,
    DigestAlgorithm::Sha384,
);
static ECDSA_P384_SHA256: Alg = alg(
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA256,
    KeyKind::P384,
    Scheme::Ecdsa,
    DigestAlgorithm::Sha256,
);
static ECDSA_P384_SHA384: Alg = alg(
    alg_id::ECDSA_P384,
    alg_id::ECDSA_SHA384,
    KeyKind::P384,
    Scheme::Ecdsa,
    DigestAlgorithm::Sha384,
);

/// Every algorithm accepted on certificates and CRLs.
pub(crate) static ALL: &[&dyn SignatureVerificationAlgorithm] = &[
    &RSA_PKCS1_SHA256,
    &RSA_PKCS1_SHA384,
    &RSA_PKCS1_SHA512,
    &RSA_PSS_SHA256,
    &RSA_PSS_SHA384,
    &RSA_PSS_SHA512,
    &ECDSA_P256_SHA256,
    &ECDSA_P256_SHA384,
    &ECDSA_P384_SHA256,
    &ECDSA_P384_SHA384,
];
