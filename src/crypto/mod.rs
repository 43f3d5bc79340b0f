//! Algorithm tables and the key traits.
//!
//! - [`DigestAlgorithm`]: the message digests CMS signatures use, with their OIDs and the
//!   `micalg` names of RFC 8551.
//! - [`verify`]: public-key signature verification over RustCrypto (RSA PKCS#1 v1.5, RSASSA-PSS,
//!   ECDSA P-256/P-384), shared by CMS signature checks and certificate path validation.
//! - [`pkcs8_encrypted`]: password-protected PKCS#8 keys (`ENCRYPTED PRIVATE KEY`).
//! - [`kdf`]: the X9.63 KDF of ECDH, PBKDF2 and the PKCS#12 derivation.
//! - [`keywrap`]: AES key wrap (RFC 3394).
//! - [`cipher`]: the content ciphers (AES-GCM, AES-CBC; 3DES and RC2 read only).
//! - [`pbe`]: password-based encryption (PBES2, the PKCS#12 schemes), for PKCS#12 and PKCS#8.
//! - [`rng`]: the one random generator.
//!
//! This layer sits below `cms`, `mime` and `pkcs12` and imports none of them (a test checks).

use const_oid::ObjectIdentifier;
use digest::{Digest, DynDigest};

pub mod cipher;
pub(crate) mod eddsa;
pub mod kdf;
pub mod keys;
pub mod keywrap;
pub mod mlkem;
pub mod pbe;
pub mod pkcs8_encrypted;
pub(crate) mod pqsig;
pub mod rng;
pub mod verify;
pub mod x25519;

/// Object identifiers used across the crate.
pub mod oids {
    use const_oid::ObjectIdentifier as Oid;
    /// id-md5
    pub const MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.5");
    /// id-sha1
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// id-sha256
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-sha384
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// id-sha512
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// id-sha3-256 (FIPS 202).
    pub const SHA3_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.8");
    /// id-sha3-384.
    pub const SHA3_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.9");
    /// id-sha3-512.
    pub const SHA3_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.10");
    /// id-shake128 (RFC 8702).
    pub const SHAKE128: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.11");
    /// id-shake256 (RFC 8702).
    pub const SHAKE256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.12");
    /// id-Ed25519 (RFC 8410): key and signature algorithm.
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
    /// id-Ed448 (RFC 8410).
    pub const ED448: Oid = Oid::new_unwrap("1.3.101.113");
    /// id-X25519 (RFC 8410).
    pub const X25519: Oid = Oid::new_unwrap("1.3.101.110");
    /// id-X448 (RFC 8410).
    pub const X448: Oid = Oid::new_unwrap("1.3.101.111");
    /// id-ml-dsa-44 (FIPS 204).
    pub const ML_DSA_44: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.17");
    /// id-ml-dsa-65 (FIPS 204).
    pub const ML_DSA_65: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.18");
    /// id-ml-dsa-87 (FIPS 204).
    pub const ML_DSA_87: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.19");
    /// id-slh-dsa-sha2-128s (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHA2_128S: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.20");
    /// id-slh-dsa-sha2-128f (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHA2_128F: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.21");
    /// id-slh-dsa-sha2-192s (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHA2_192S: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.22");
    /// id-slh-dsa-sha2-192f (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHA2_192F: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.23");
    /// id-slh-dsa-sha2-256s (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHA2_256S: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.24");
    /// id-slh-dsa-sha2-256f (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHA2_256F: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.25");
    /// id-slh-dsa-shake-128s (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHAKE_128S: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.26");
    /// id-slh-dsa-shake-128f (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHAKE_128F: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.27");
    /// id-slh-dsa-shake-192s (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHAKE_192S: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.28");
    /// id-slh-dsa-shake-192f (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHAKE_192F: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.29");
    /// id-slh-dsa-shake-256s (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHAKE_256S: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.30");
    /// id-slh-dsa-shake-256f (FIPS 205, RFC 9814).
    pub const SLH_DSA_SHAKE_256F: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.31");
    /// id-alg-ml-kem-512 (FIPS 203, RFC 9935).
    pub const ML_KEM_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.4.1");
    /// id-alg-ml-kem-768.
    pub const ML_KEM_768: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.4.2");
    /// id-alg-ml-kem-1024.
    pub const ML_KEM_1024: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.4.3");
    /// id-alg-hkdf-with-sha256 (RFC 8619).
    pub const HKDF_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.28");
    /// id-alg-hkdf-with-sha384 (RFC 8619).
    pub const HKDF_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.29");
    /// id-alg-hkdf-with-sha512 (RFC 8619).
    pub const HKDF_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.30");
    /// dhSinglePass-stdDH-hkdf-sha256-scheme (RFC 8418).
    pub const DH_HKDF_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.19");
    /// dhSinglePass-stdDH-hkdf-sha384-scheme (RFC 8418).
    pub const DH_HKDF_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.20");
    /// dhSinglePass-stdDH-hkdf-sha512-scheme (RFC 8418).
    pub const DH_HKDF_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.3.21");
    /// id-ori-kem: KEMRecipientInfo as an OtherRecipientInfo (RFC 9629).
    pub const ORI_KEM: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.13.3");
    /// id-pSpecified: the OAEP label source (RFC 4055).
    pub const P_SPECIFIED: Oid = Oid::new_unwrap("1.2.840.113549.1.1.9");
    /// rsaEncryption
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// sha1WithRSAEncryption
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    /// id-RSASSA-PSS
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    /// sha256WithRSAEncryption
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// id-mgf1
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    /// id-ecPublicKey
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// ecdsa-with-SHA1
    pub const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    /// ecdsa-with-SHA256
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    /// secp256r1 (P-256)
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1 (P-384)
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// id-data
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// id-signedData
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// id-envelopedData
    pub const ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
    /// id-ct-authEnvelopedData
    pub const AUTH_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.23");
    /// id-contentType
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// id-messageDigest
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// id-signingTime
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// smimeCapabilities
    pub const SMIME_CAPABILITIES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.15");
    /// id-aa-encrypKeyPref
    pub const ENCRYPTION_KEY_PREFERENCE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.11");
    /// id-aes128-CBC
    pub const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
    /// id-aes256-CBC
    pub const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
    /// id-aes128-GCM
    pub const AES128_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.6");
    /// id-aes256-GCM
    pub const AES256_GCM: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.46");
    /// id-RSAES-OAEP
    pub const RSAES_OAEP: Oid = Oid::new_unwrap("1.2.840.113549.1.1.7");
    /// id-kp-emailProtection
    pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
    /// pkcs-9 emailAddress (in a subject name)
    pub const EMAIL_ADDRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (for digests and
/// MACs computed from secrets or compared with what an attacker sent).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A message digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// MD5: recognised so it can be reported, never computed.
    Md5,
    /// SHA-1: verified for old mail, reported as weak, never used to sign.
    Sha1,
    /// SHA-256 (the default).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA3-256 (FIPS 202).
    Sha3_256,
    /// SHA3-384 (FIPS 202).
    Sha3_384,
    /// SHA3-512 (FIPS 202).
    Sha3_512,
    /// SHAKE128 with a 256-bit output (RFC 8702).
    Shake128,
    /// SHAKE256 with a 512-bit output (RFC 8702).
    Shake256,
}

/// Every digest algorithm, in the order of the enum.
const ALL_DIGESTS: [DigestAlgorithm; 10] = [
    DigestAlgorithm::Md5,
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
    DigestAlgorithm::Sha3_256,
    DigestAlgorithm::Sha3_384,
    DigestAlgorithm::Sha3_512,
    DigestAlgorithm::Shake128,
    DigestAlgorithm::Shake256,
];

impl DigestAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Md5 => oids::MD5,
            DigestAlgorithm::Sha1 => oids::SHA1,
            DigestAlgorithm::Sha256 => oids::SHA256,
            DigestAlgorithm::Sha384 => oids::SHA384,
            DigestAlgorithm::Sha512 => oids::SHA512,
            DigestAlgorithm::Sha3_256 => oids::SHA3_256,
            DigestAlgorithm::Sha3_384 => oids::SHA3_384,
            DigestAlgorithm::Sha3_512 => oids::SHA3_512,
            DigestAlgorithm::Shake128 => oids::SHAKE128,
            DigestAlgorithm::Shake256 => oids::SHAKE256,
        }
    }

    /// The algorithm an OID names, if it is one of these.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        ALL_DIGESTS.into_iter().find(|d| d.oid() == *oid)
    }

    /// The `micalg` parameter value (RFC 8551 section 3.5.3; the SHA-3 and SHAKE names follow
    /// the same pattern, as other implementations write them).
    pub fn micalg(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "md5",
            DigestAlgorithm::Sha1 => "sha-1",
            DigestAlgorithm::Sha256 => "sha-256",
            DigestAlgorithm::Sha384 => "sha-384",
            DigestAlgorithm::Sha512 => "sha-512",
            DigestAlgorithm::Sha3_256 => "sha3-256",
            DigestAlgorithm::Sha3_384 => "sha3-384",
            DigestAlgorithm::Sha3_512 => "sha3-512",
            DigestAlgorithm::Shake128 => "shake128",
            DigestAlgorithm::Shake256 => "shake256",
        }
    }

    /// The algorithm whose `micalg` name is `name` (case-insensitive).
    pub fn from_micalg(name: &str) -> Option<Self> {
        ALL_DIGESTS
            .into_iter()
            .find(|d| d.micalg().eq_ignore_ascii_case(name.trim()))
    }

    /// A name for people ("SHA-256").
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
            DigestAlgorithm::Sha3_256 => "SHA3-256",
            DigestAlgorithm::Sha3_384 => "SHA3-384",
            DigestAlgorithm::Sha3_512 => "SHA3-512",
            DigestAlgorithm::Shake128 => "SHAKE128",
            DigestAlgorithm::Shake256 => "SHAKE256",
        }
    }

    /// The digest length in bytes (for SHAKE, the length CMS uses: RFC 8702).
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Md5 => 16,
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha3_256 | DigestAlgorithm::Shake128 => 32,
            DigestAlgorithm::Sha384 | DigestAlgorithm::Sha3_384 => 48,
            DigestAlgorithm::Sha512 | DigestAlgorithm::Sha3_512 | DigestAlgorithm::Shake256 => 64,
        }
    }

    /// Whether the algorithm is broken for signatures (MD5, SHA-1).
    pub fn is_weak(self) -> bool {
        matches!(self, DigestAlgorithm::Md5 | DigestAlgorithm::Sha1)
    }

    /// A hasher for this algorithm; `None` for MD5, which is never computed.
    pub fn hasher(self) -> Option<Hasher> {
        let inner = match self {
            DigestAlgorithm::Md5 => return None,
            DigestAlgorithm::Sha1 => HasherInner::Fixed(Box::new(sha1::Sha1::new())),
            DigestAlgorithm::Sha256 => HasherInner::Fixed(Box::new(sha2::Sha256::new())),
            DigestAlgorithm::Sha384 => HasherInner::Fixed(Box::new(sha2::Sha384::new())),
            DigestAlgorithm::Sha512 => HasherInner::Fixed(Box::new(sha2::Sha512::new())),
            DigestAlgorithm::Sha3_256 => HasherInner::Fixed(Box::new(sha3::Sha3_256::new())),
            DigestAlgorithm::Sha3_384 => HasherInner::Fixed(Box::new(sha3::Sha3_384::new())),
            DigestAlgorithm::Sha3_512 => HasherInner::Fixed(Box::new(sha3::Sha3_512::new())),
            DigestAlgorithm::Shake128 => HasherInner::Shake128(sha3::Shake128::default()),
            DigestAlgorithm::Shake256 => HasherInner::Shake256(sha3::Shake256::default()),
        };
        Some(Hasher {
            algorithm: self,
            inner,
        })
    }

    /// The digest of `data`; `None` for MD5.
    pub fn digest(self, data: &[u8]) -> Option<Vec<u8>> {
        let mut h = self.hasher()?;
        h.update(data);
        Some(h.finish())
    }
}

/// The state of a [`Hasher`]: a fixed-length digest, or an extendable-output function read to
/// the length CMS uses.
#[derive(Clone)]
enum HasherInner {
    Fixed(Box<dyn CloneDigest>),
    Shake128(sha3::Shake128),
    Shake256(sha3::Shake256),
}

/// A boxed fixed-length digest that can be cloned (the streaming verifier forks a hash).
trait CloneDigest: DynDigest + Send + Sync {
    fn clone_box(&self) -> Box<dyn CloneDigest>;
}

impl<T: DynDigest + Clone + Send + Sync + 'static> CloneDigest for T {
    fn clone_box(&self) -> Box<dyn CloneDigest> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn CloneDigest> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// An incremental digest computation. Cloning forks the state.
#[derive(Clone)]
pub struct Hasher {
    algorithm: DigestAlgorithm,
    inner: HasherInner,
}

impl Hasher {
    /// The algorithm being computed.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        use digest::Update;
        match &mut self.inner {
            HasherInner::Fixed(h) => DynDigest::update(h.as_mut(), data),
            HasherInner::Shake128(h) => Update::update(h, data),
            HasherInner::Shake256(h) => Update::update(h, data),
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        use digest::ExtendableOutput;
        let len = self.algorithm.output_len();
        match self.inner {
            HasherInner::Fixed(h) => h.finalize().into_vec(),
            HasherInner::Shake128(h) => {
                let mut out = vec![0u8; len];
                h.finalize_xof_into(&mut out);
                out
            }
            HasherInner::Shake256(h) => {
                let mut out = vec![0u8; len];
                h.finalize_xof_into(&mut out);
                out
            }
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        let d = DigestAlgorithm::Sha256.digest(b"abc").unwrap();
        assert_eq!(
            d[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "FIPS 180-2 SHA-256(\"abc\") starts ba7816bf"
        );
        assert_eq!(
            DigestAlgorithm::from_oid(&oids::SHA384),
            Some(DigestAlgorithm::Sha384)
        );
        assert!(DigestAlgorithm::Md5.digest(b"x").is_none());
    }

    #[test]
    fn constant_time_eq_compares_length_and_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}

/// The layering rule, checked on the sources.
#[cfg(test)]
mod layering;
