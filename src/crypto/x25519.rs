//! X25519 key agreement (RFC 7748) for CMS (RFC 8418): the software key read from PKCS#8
//! (RFC 8410), the sender's ephemeral key, and the key-encryption key derivation of RFC 8418
//! section 2.2 (HKDF).
//!
//! A shared secret of all zeros (the peer's key is a low-order point, RFC 7748 section 6.1) is
//! refused wherever one is computed.

use super::DigestAlgorithm;
use super::keys::KeyOperationError;
use crate::asn1::tlv;
use crate::error::KeyError;
use zeroize::Zeroizing;

/// The length of an X25519 key (private, public, shared secret).
pub const KEY_LEN: usize = 32;

/// The DER AlgorithmIdentifier `id-X25519` with its parameters absent (RFC 8410 section 3).
fn algorithm_der() -> Vec<u8> {
    tlv(0x30, &tlv(0x06, super::oids::X25519.as_bytes()))
}

/// An X25519 private key held in memory (zeroized on drop).
pub struct X25519Key {
    secret: x25519_dalek::StaticSecret,
    public: [u8; KEY_LEN],
}

impl X25519Key {
    /// The key with the 32 private bytes `secret` (RFC 7748 clamps them when used).
    pub fn from_bytes(secret: [u8; KEY_LEN]) -> Self {
        let secret = x25519_dalek::StaticSecret::from(secret);
        let public = x25519_dalek::PublicKey::from(&secret).to_bytes();
        X25519Key { secret, public }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        super::rng::fill(bytes.as_mut()).map_err(|e| KeyError::Random {
            detail: e.to_string(),
        })?;
        Ok(Self::from_bytes(*bytes))
    }

    /// Reads a DER PKCS#8 PrivateKeyInfo / OneAsymmetricKey (version 1 or 2) whose algorithm
    /// is `id-X25519` with its parameters absent and whose privateKey holds the
    /// `CurvePrivateKey` OCTET STRING of 32 bytes (RFC 8410 section 7). A public key, when
    /// present (version 2), must be the one the private key gives.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let bad = |detail: &str| KeyError::Unrecognized {
            detail: format!("PKCS#8 X25519 key: {detail}"),
        };
        let info = <pkcs8::PrivateKeyInfoRef<'_> as der::Decode>::from_der(der)
            .map_err(|e| bad(&e.to_string()))?;
        if info.algorithm.oid != super::oids::X25519 {
            return Err(bad("not an id-X25519 key"));
        }
        if info.algorithm.parameters.is_some() {
            return Err(bad("the algorithm parameters must be absent"));
        }
        // CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
        let inner = info.private_key.as_bytes();
        let secret: [u8; KEY_LEN] = match inner {
            [0x04, 0x20, rest @ ..] if rest.len() == KEY_LEN => {
                let mut s = [0u8; KEY_LEN];
                s.copy_from_slice(rest);
                s
            }
            _ => return Err(bad("the private key is not a 32-byte CurvePrivateKey")),
        };
        let key = Self::from_bytes(secret);
        let mut secret = secret;
        zeroize::Zeroize::zeroize(&mut secret);
        if let Some(public) = info.public_key
            && public.as_bytes() != Some(&key.public[..])
        {
            return Err(KeyError::Mismatch);
        }
        Ok(key)
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 8410 section 4).
    pub fn public_key_der(&self) -> Vec<u8> {
        let mut bits = vec![0x00];
        bits.extend_from_slice(&self.public);
        let mut c = algorithm_der();
        c.extend_from_slice(&tlv(0x03, &bits));
        tlv(0x30, &c)
    }

    /// The key as DER PKCS#8 PrivateKeyInfo (version 1, RFC 8410 section 7).
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let curve_private = Zeroizing::new(tlv(0x04, self.secret.as_bytes()));
        let mut c = Zeroizing::new(vec![0x02, 0x01, 0x00]);
        c.extend_from_slice(&algorithm_der());
        c.extend_from_slice(&Zeroizing::new(tlv(0x04, &curve_private)));
        Zeroizing::new(tlv(0x30, &c))
    }

    /// X25519 with the peer's 32-byte public key: the 32-byte shared secret. A key of another
    /// length, or an all-zero result, is [`KeyOperationError::InvalidInput`].
    pub fn diffie_hellman(&self, peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let peer = peer_key(peer)?;
        let shared = self.secret.diffie_hellman(&peer);
        contributory(&shared)?;
        Ok(Zeroizing::new(shared.as_bytes().to_vec()))
    }
}

impl std::fmt::Debug for X25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X25519Key").finish_non_exhaustive()
    }
}

fn peer_key(peer: &[u8]) -> Result<x25519_dalek::PublicKey, KeyOperationError> {
    let bytes: [u8; KEY_LEN] = peer
        .try_into()
        .map_err(|_| KeyOperationError::InvalidInput {
            detail: format!("an X25519 public key has 32 bytes, not {}", peer.len()),
        })?;
    Ok(x25519_dalek::PublicKey::from(bytes))
}

fn contributory(shared: &x25519_dalek::SharedSecret) -> Result<(), KeyOperationError> {
    if shared.was_contributory() {
        Ok(())
    } else {
        Err(KeyOperationError::InvalidInput {
            detail: "the X25519 shared secret is all zeros (a low-order public key)".into(),
        })
    }
}

/// The sender's side of ephemeral-static X25519: a fresh ephemeral key agreed with the
/// recipient's 32-byte public key. Returns the ephemeral public key and the shared secret;
/// the ephemeral private key is dropped (and zeroized) here.
pub fn ephemeral_agreement(
    recipient: &[u8],
) -> Result<([u8; KEY_LEN], Zeroizing<Vec<u8>>), KeyOperationError> {
    let peer = peer_key(recipient)?;
    let eph = X25519Key::generate().map_err(|e| KeyOperationError::failed(e.to_string()))?;
    let shared = eph.secret.diffie_hellman(&peer);
    contributory(&shared)?;
    Ok((eph.public, Zeroizing::new(shared.as_bytes().to_vec())))
}

/// The key-encryption key of RFC 8418 section 2.2: HKDF with `digest` (SHA-256, SHA-384 or
/// SHA-512), the shared secret as input keying material, the ukm as salt when present (else
/// no salt), and the DER ECC-CMS-SharedInfo as info. `None` for another digest.
pub fn hkdf_kek(
    digest: DigestAlgorithm,
    shared_secret: &[u8],
    ukm: Option<&[u8]>,
    shared_info: &[u8],
    len: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    super::kdf::hkdf(digest, ukm.unwrap_or(&[]), shared_secret, shared_info, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc7748_section_6_1() {
        let a: [u8; 32] = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
            .try_into()
            .unwrap();
        let b: [u8; 32] = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
            .try_into()
            .unwrap();
        let ka = X25519Key::from_bytes(a);
        let kb = X25519Key::from_bytes(b);
        assert_eq!(
            ka.public.to_vec(),
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            kb.public.to_vec(),
            hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        );
        let want = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(ka.diffie_hellman(&kb.public).unwrap().as_slice(), want);
        assert_eq!(kb.diffie_hellman(&ka.public).unwrap().as_slice(), want);
    }

    #[test]
    fn low_order_and_short_keys_are_refused() {
        let k = X25519Key::from_bytes([7; 32]);
        for bad in [[0u8; 32], {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        }] {
            assert!(matches!(
                k.diffie_hellman(&bad),
                Err(KeyOperationError::InvalidInput { .. })
            ));
            assert!(ephemeral_agreement(&bad).is_err());
        }
        assert!(k.diffie_hellman(&[9; 31]).is_err());
        assert!(ephemeral_agreement(&[9; 33]).is_err());
    }

    #[test]
    fn pkcs8_round_trip_and_checks() {
        let k = X25519Key::generate().unwrap();
        let der = k.to_pkcs8_der();
        let back = X25519Key::from_pkcs8_der(&der).unwrap();
        assert_eq!(back.public, k.public);
        // RFC 8410 section 10.3 example (a version 1 key).
        let rfc = hex(
            "302e020100300506032b656e04220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842",
        );
        assert!(X25519Key::from_pkcs8_der(&rfc).is_ok());
        // Parameters present, a short key, a public key that does not match.
        let with_params = hex(
            "3030020100300706032b656e050004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842",
        );
        assert!(X25519Key::from_pkcs8_der(&with_params).is_err());
        let short = hex(
            "302d020100300506032b656e0421041fd4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f447558",
        );
        assert!(X25519Key::from_pkcs8_der(&short).is_err());
        let v2 = |public: &[u8]| {
            let mut c = vec![0x02, 0x01, 0x01];
            c.extend_from_slice(&rfc[5..]);
            c.extend_from_slice(&tlv(0x81, &[[0u8].as_slice(), public].concat()));
            tlv(0x30, &c)
        };
        let good = X25519Key::from_pkcs8_der(&rfc).unwrap().public;
        assert!(X25519Key::from_pkcs8_der(&v2(&good)).is_ok());
        assert!(matches!(
            X25519Key::from_pkcs8_der(&v2(&[5u8; 32])),
            Err(KeyError::Mismatch)
        ));
        assert_eq!(k.public_key_der().len(), 44);
    }

    #[test]
    fn hkdf_kek_uses_the_ukm_as_salt() {
        let a = hkdf_kek(DigestAlgorithm::Sha256, &[1; 32], None, b"info", 32).unwrap();
        let b = hkdf_kek(DigestAlgorithm::Sha256, &[1; 32], Some(b"ukm"), b"info", 32).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            b,
            crate::crypto::kdf::hkdf(DigestAlgorithm::Sha256, b"ukm", &[1; 32], b"info", 32)
                .unwrap()
        );
        assert!(hkdf_kek(DigestAlgorithm::Sha1, &[1; 32], None, b"", 16).is_none());
    }
}
