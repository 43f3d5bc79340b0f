//! Ed25519 (RFC 8032) for CMS (RFC 8419) and certificates (RFC 8410): signature
//! verification, and the software key behind [`super::keys::SoftwareKey`].
//!
//! Verification is strict ([`ed25519_dalek::VerifyingKey::verify_strict`]): a public key or a
//! signature `R` of small order, and a non-canonical `S`, are refused, so a signature cannot
//! be made to verify under several keys or messages (RFC 8032 section 5.1.7 with the checks
//! of "Taming the many EdDSAs").

use der::Decode;
use der::asn1::BitStringRef;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use pkcs8::EncodePublicKey;
use zeroize::Zeroizing;

use super::oids;
use super::verify::SigCheckError;
use crate::error::KeyError;

/// The length of an Ed25519 signature.
const SIGNATURE_LEN: usize = 64;

/// Verifies a PureEdDSA Ed25519 `signature` over `message` with a 32-byte public key.
pub(crate) fn verify_ed25519(
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    let public: &[u8; 32] = public.try_into().map_err(|_| SigCheckError::BadPublicKey {
        detail: format!("an Ed25519 public key of {} bytes, not 32", public.len()),
    })?;
    let key = VerifyingKey::from_bytes(public).map_err(|_| SigCheckError::BadPublicKey {
        detail: "not a point of the Ed25519 curve".into(),
    })?;
    if key.is_weak() {
        return Err(SigCheckError::BadPublicKey {
            detail: "an Ed25519 public key of small order".into(),
        });
    }
    let signature: &[u8; SIGNATURE_LEN] = signature
        .try_into()
        .map_err(|_| SigCheckError::BadSignature)?;
    let signature = Signature::from_bytes(signature);
    key.verify_strict(message, &signature)
        .map_err(|_| SigCheckError::BadSignature)
}

/// An Ed25519 private key in memory (zeroized on drop).
pub(crate) struct Ed25519Key {
    key: SigningKey,
}

impl Ed25519Key {
    /// Reads a DER PKCS#8 Ed25519 key (RFC 8410 section 7): version 1 `PrivateKeyInfo`, or
    /// version 2 `OneAsymmetricKey` (RFC 5958) with the public key, which must then be the
    /// one the private key gives. The algorithm parameters must be absent and the private key
    /// a `CurvePrivateKey` (an OCTET STRING of 32 bytes).
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::Unrecognized {
            detail: format!("PKCS#8: {e}"),
        })?;
        if info.algorithm.oid != oids::ED25519 {
            return Err(KeyError::Unsupported {
                detail: format!("key algorithm {} is not Ed25519", info.algorithm.oid),
            });
        }
        if info.algorithm.parameters.is_some() {
            return Err(KeyError::Unrecognized {
                detail: "an Ed25519 key with algorithm parameters (RFC 8410: absent)".into(),
            });
        }
        let curve_key = <&der::asn1::OctetStringRef>::from_der(info.private_key.as_bytes())
            .map_err(|e| KeyError::Unrecognized {
                detail: format!("the Ed25519 CurvePrivateKey is not an OCTET STRING: {e}"),
            })?;
        let secret: Zeroizing<[u8; 32]> =
            Zeroizing::new(curve_key.as_bytes().try_into().map_err(|_| {
                KeyError::Unrecognized {
                    detail: format!(
                        "an Ed25519 private key of {} bytes, not 32",
                        curve_key.as_bytes().len()
                    ),
                }
            })?);
        let key = SigningKey::from_bytes(&secret);
        if let Some(public) = info.public_key {
            check_public(&key, &public)?;
        }
        Ok(Ed25519Key { key })
    }

    /// The key as DER PKCS#8: a version 1 `PrivateKeyInfo` without the public key, the form
    /// RFC 8410 shows and every reader accepts.
    pub(crate) fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let mut curve_key = Zeroizing::new([0u8; 34]);
        curve_key[0] = 0x04;
        curve_key[1] = 0x20;
        curve_key[2..].copy_from_slice(self.key.as_bytes());
        let encode_err = |e: der::Error| KeyError::Unsupported {
            detail: format!("cannot encode the key as PKCS#8: {e}"),
        };
        let info = pkcs8::PrivateKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: oids::ED25519,
                parameters: None,
            },
            private_key: der::asn1::OctetStringRef::new(&curve_key[..]).map_err(encode_err)?,
            public_key: None,
        };
        let der = der::Encode::to_der(&info).map_err(encode_err)?;
        Ok(Zeroizing::new(der))
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub(crate) fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let doc =
            self.key
                .verifying_key()
                .to_public_key_der()
                .map_err(|e| KeyError::Unsupported {
                    detail: format!("cannot encode the public key: {e}"),
                })?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The 64-byte PureEdDSA signature over `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes().to_vec()
    }
}

/// Checks that the public key of a version 2 PKCS#8 key is the private key's own.
fn check_public(key: &SigningKey, public: &BitStringRef<'_>) -> Result<(), KeyError> {
    let bytes = public.as_bytes().ok_or_else(|| KeyError::Unrecognized {
        detail: "the Ed25519 public key bit string has unused bits".into(),
    })?;
    if bytes != key.verifying_key().as_bytes() {
        return Err(KeyError::Unrecognized {
            detail: "the public key in the PKCS#8 key is not the private key's".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
    const RFC8032: [(&str, &str, &str, &str); 2] = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ];

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    fn pkcs8_v1(secret: &[u8]) -> Vec<u8> {
        let mut der = hex("302e020100300506032b657004220420");
        der.extend_from_slice(secret);
        der
    }

    fn pkcs8_v2(secret: &[u8], public: &[u8]) -> Vec<u8> {
        let mut der = hex("3051020101300506032b657004220420");
        der.extend_from_slice(secret);
        der.extend_from_slice(&hex("812100"));
        der.extend_from_slice(public);
        der
    }

    #[test]
    fn rfc8032_vectors_sign_and_verify() {
        for (secret, public, message, signature) in RFC8032 {
            let (secret, public, message, signature) =
                (hex(secret), hex(public), hex(message), hex(signature));
            let key = Ed25519Key::from_pkcs8_der(&pkcs8_v1(&secret)).expect("v1 key");
            assert_eq!(key.sign(&message), signature);
            assert_eq!(verify_ed25519(&public, &message, &signature), Ok(()));
            let mut bad = signature.clone();
            bad[10] ^= 1;
            assert_eq!(
                verify_ed25519(&public, &message, &bad),
                Err(SigCheckError::BadSignature)
            );
            assert_eq!(
                verify_ed25519(&public, b"other", &signature),
                Err(SigCheckError::BadSignature)
            );
            // The SubjectPublicKeyInfo ends with the raw key.
            assert!(key.public_key_der().expect("spki").ends_with(&public));
        }
    }

    #[test]
    fn version_2_keys_must_carry_their_own_public_key() {
        let (secret, public, ..) = RFC8032[0];
        let (secret, public) = (hex(secret), hex(public));
        assert!(Ed25519Key::from_pkcs8_der(&pkcs8_v2(&secret, &public)).is_ok());
        let other = hex(RFC8032[1].1);
        assert!(matches!(
            Ed25519Key::from_pkcs8_der(&pkcs8_v2(&secret, &other)),
            Err(KeyError::Unrecognized { detail }) if detail.contains("not the private key's")
        ));
    }

    #[test]
    fn pkcs8_round_trip() {
        let secret = hex(RFC8032[1].0);
        let der = pkcs8_v1(&secret);
        let key = Ed25519Key::from_pkcs8_der(&der).expect("key");
        assert_eq!(key.to_pkcs8_der().expect("encode").as_slice(), &der[..]);
    }

    #[test]
    fn malformed_keys_and_signatures_are_errors() {
        let secret = hex(RFC8032[0].0);
        // Parameters present (NULL).
        let mut with_params = hex("3030020100300706032b6570050004220420");
        with_params.extend_from_slice(&secret);
        assert!(Ed25519Key::from_pkcs8_der(&with_params).is_err());
        // A 31-byte private key.
        let mut short = hex("302d020100300506032b657004210420");
        short.extend_from_slice(&secret[..31]);
        assert!(Ed25519Key::from_pkcs8_der(&short).is_err());
        // The bare 32 bytes without the inner OCTET STRING.
        let mut bare = hex("302c020100300506032b65700420");
        bare.extend_from_slice(&secret);
        assert!(Ed25519Key::from_pkcs8_der(&bare).is_err());

        let public = hex(RFC8032[0].1);
        assert_eq!(
            verify_ed25519(&public, b"", &[0u8; 63]),
            Err(SigCheckError::BadSignature)
        );
        assert!(matches!(
            verify_ed25519(&public[..31], b"", &[0u8; 64]),
            Err(SigCheckError::BadPublicKey { .. })
        ));
        // The identity point (small order) as public key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(
            verify_ed25519(&identity, b"", &[0u8; 64]),
            Err(SigCheckError::BadPublicKey { .. })
        ));
    }

    #[test]
    fn non_canonical_s_is_refused() {
        let (secret, public, message, _) = RFC8032[1];
        let key = Ed25519Key::from_pkcs8_der(&pkcs8_v1(&hex(secret))).expect("key");
        let message = hex(message);
        let mut sig = key.sign(&message);
        // S + L (the group order) is the same scalar, not canonical.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
            sig[32 + i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        assert_eq!(
            verify_ed25519(&hex(public), &message, &sig),
            Err(SigCheckError::BadSignature)
        );
    }
}
