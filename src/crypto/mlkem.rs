//! ML-KEM (FIPS 203): the decapsulation key held in memory, and encapsulation to a public key.
//!
//! Private keys are read from PKCS#8 in every form RFC 9935 allows for `ML-KEM-PrivateKey`:
//!
//! ```text
//! ML-KEM-PrivateKey ::= CHOICE {
//!   seed        [0] IMPLICIT OCTET STRING (SIZE (64)),
//!   expandedKey OCTET STRING (SIZE (1632 | 2400 | 3168)),
//!   both        SEQUENCE { seed OCTET STRING (SIZE (64)), expandedKey OCTET STRING } }
//! ```
//!
//! A `both` key must agree with itself: the expanded key is recomputed from the seed and
//! compared (in constant time); a mismatch is [`KeyError::InconsistentForms`]. An expanded key is
//! checked as FIPS 203 section 7.3 asks (the hash of the encapsulation key it holds). Keys are
//! written in the seed form when the seed is known, else in the expanded form.

use super::verify::{MlKemLevel, RawKey};
use crate::crypto::keys::KeyOperationError;
use crate::error::KeyError;
use der::Encode;
#[allow(deprecated)]
use ml_kem::ExpandedKeyEncoding;
use ml_kem::{
    Decapsulate, DecapsulationKey, Encapsulate, EncapsulationKey, KeyExport, MlKem512, MlKem768,
    MlKem1024, Seed, TryKeyInit,
};
use zeroize::Zeroizing;

/// The length of an ML-KEM seed (`d || z`, FIPS 203).
pub const SEED_LEN: usize = 64;

/// The length of an expanded decapsulation key (FIPS 203 table 3).
pub fn expanded_key_len(level: MlKemLevel) -> usize {
    match level {
        MlKemLevel::MlKem512 => 1632,
        MlKemLevel::MlKem768 => 2400,
        MlKemLevel::MlKem1024 => 3168,
    }
}

enum Dk {
    L512(Box<DecapsulationKey<MlKem512>>),
    L768(Box<DecapsulationKey<MlKem768>>),
    L1024(Box<DecapsulationKey<MlKem1024>>),
}

/// Applies `$body` to the decapsulation key of whichever level `$dk` holds.
macro_rules! with_dk {
    ($dk:expr, |$k:ident| $body:expr) => {
        match $dk {
            Dk::L512($k) => $body,
            Dk::L768($k) => $body,
            Dk::L1024($k) => $body,
        }
    };
}

/// An ML-KEM-512/768/1024 decapsulation key held in memory (zeroized on drop by the `ml-kem`
/// crate).
pub struct MlKemKey {
    dk: Dk,
}

impl std::fmt::Debug for MlKemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlKemKey")
            .field("level", &self.level().name())
            .finish_non_exhaustive()
    }
}

fn unrecognized(detail: impl Into<String>) -> KeyError {
    KeyError::Unrecognized {
        detail: detail.into(),
    }
}

fn seed_array(seed: &[u8]) -> Result<Seed, KeyError> {
    Seed::try_from(seed).map_err(|_| {
        unrecognized(format!(
            "an ML-KEM seed of {} bytes ({SEED_LEN} expected)",
            seed.len()
        ))
    })
}

/// Constant-time equality of two byte strings of public length.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl MlKemKey {
    /// The key from its 64-byte seed (`d || z`).
    pub fn from_seed(level: MlKemLevel, seed: &[u8]) -> Result<Self, KeyError> {
        let seed = Zeroizing::new(seed_array(seed)?);
        let dk = match level {
            MlKemLevel::MlKem512 => Dk::L512(Box::new(DecapsulationKey::from_seed(*seed))),
            MlKemLevel::MlKem768 => Dk::L768(Box::new(DecapsulationKey::from_seed(*seed))),
            MlKemLevel::MlKem1024 => Dk::L1024(Box::new(DecapsulationKey::from_seed(*seed))),
        };
        Ok(MlKemKey { dk })
    }

    /// The key from its expanded encoding (`dk` of FIPS 203), checked as FIPS 203 section 7.3
    /// asks.
    #[allow(deprecated)] // the expanded form is one RFC 9935 allows; it is read, never written
    pub fn from_expanded(level: MlKemLevel, expanded: &[u8]) -> Result<Self, KeyError> {
        let want = expanded_key_len(level);
        if expanded.len() != want {
            return Err(unrecognized(format!(
                "an {} expanded key of {} bytes ({want} expected)",
                level.name(),
                expanded.len()
            )));
        }
        let invalid = || unrecognized(format!("the {} expanded key is invalid", level.name()));
        macro_rules! expand {
            ($p:ty, $v:ident) => {{
                let arr = ml_kem::ExpandedDecapsulationKey::<$p>::try_from(expanded)
                    .map_err(|_| invalid())?;
                let arr = Zeroizing::new(arr);
                Dk::$v(Box::new(
                    DecapsulationKey::<$p>::from_expanded_bytes(&arr).map_err(|_| invalid())?,
                ))
            }};
        }
        let dk = match level {
            MlKemLevel::MlKem512 => expand!(MlKem512, L512),
            MlKemLevel::MlKem768 => expand!(MlKem768, L768),
            MlKemLevel::MlKem1024 => expand!(MlKem1024, L1024),
        };
        Ok(MlKemKey { dk })
    }

    /// The key from the content of a PKCS#8 `privateKey` OCTET STRING: the RFC 9935
    /// `ML-KEM-PrivateKey` CHOICE (seed, expandedKey or both; DER).
    pub fn from_private_key(level: MlKemLevel, private_key: &[u8]) -> Result<Self, KeyError> {
        let node = crate::asn1::ber::parse(private_key)
            .map_err(|e| unrecognized(format!("{} private key: {e}", level.name())))?;
        if node.range.end != private_key.len() {
            return Err(unrecognized("bytes after the ML-KEM private key"));
        }
        let bytes = |n: &crate::asn1::ber::Node| -> Result<Zeroizing<Vec<u8>>, KeyError> {
            if n.constructed() {
                return Err(unrecognized("a constructed ML-KEM private key string"));
            }
            Ok(Zeroizing::new(
                private_key
                    .get(n.content.clone())
                    .ok_or_else(|| unrecognized("truncated ML-KEM private key"))?
                    .to_vec(),
            ))
        };
        match node.tag {
            // seed [0] IMPLICIT OCTET STRING
            0x80 => Self::from_seed(level, &bytes(&node)?),
            // expandedKey OCTET STRING
            0x04 => Self::from_expanded(level, &bytes(&node)?),
            // both SEQUENCE { seed, expandedKey }
            0x30 => {
                let [seed, expanded] = node.children.as_slice() else {
                    return Err(unrecognized(
                        "the ML-KEM 'both' form must hold a seed and an expanded key",
                    ));
                };
                if seed.tag != 0x04 || expanded.tag != 0x04 {
                    return Err(unrecognized(
                        "the ML-KEM 'both' form must hold two OCTET STRINGs",
                    ));
                }
                let key = Self::from_seed(level, &bytes(seed)?)?;
                let given = bytes(expanded)?;
                if given.len() != expanded_key_len(level) {
                    return Err(unrecognized(format!(
                        "an {} expanded key of {} bytes ({} expected)",
                        level.name(),
                        given.len(),
                        expanded_key_len(level)
                    )));
                }
                if !ct_eq(&key.expanded_key(), &given) {
                    return Err(KeyError::InconsistentForms {
                        detail: format!(
                            "the {} seed and expanded key are not the same key",
                            level.name()
                        ),
                    });
                }
                Ok(key)
            }
            t => Err(unrecognized(format!(
                "an ML-KEM private key of tag 0x{t:02x} (seed [0], expandedKey or both expected)"
            ))),
        }
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` holding an ML-KEM key (the
    /// algorithm's parameters absent).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        use der::Decode;
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| unrecognized(format!("PKCS#8: {e}")))?;
        let level =
            MlKemLevel::from_oid(&info.algorithm.oid).ok_or_else(|| KeyError::Unsupported {
                detail: format!("key algorithm {} is not ML-KEM", info.algorithm.oid),
            })?;
        if info.algorithm.parameters.is_some() {
            return Err(unrecognized(format!(
                "{} with algorithm parameters (absent expected)",
                level.name()
            )));
        }
        let key = Self::from_private_key(level, info.private_key.as_bytes())?;
        if let Some(public) = info.public_key.as_ref() {
            let given = public
                .as_bytes()
                .ok_or_else(|| unrecognized("the PKCS#8 public key has unused bits"))?;
            if given != key.public_key().as_slice() {
                return Err(KeyError::InconsistentForms {
                    detail: format!(
                        "the {} public key in the PKCS#8 structure is not that of the private key",
                        level.name()
                    ),
                });
            }
        }
        Ok(key)
    }

    /// The parameter set.
    pub fn level(&self) -> MlKemLevel {
        match &self.dk {
            Dk::L512(_) => MlKemLevel::MlKem512,
            Dk::L768(_) => MlKemLevel::MlKem768,
            Dk::L1024(_) => MlKemLevel::MlKem1024,
        }
    }

    /// The 64-byte seed, when the key was made from one (not from an expanded key alone).
    pub fn seed(&self) -> Option<Zeroizing<Vec<u8>>> {
        with_dk!(&self.dk, |k| k
            .to_seed()
            .map(|s| Zeroizing::new(s.to_vec())))
    }

    /// The expanded decapsulation key (`dk` of FIPS 203).
    #[allow(deprecated)]
    pub fn expanded_key(&self) -> Zeroizing<Vec<u8>> {
        with_dk!(&self.dk, |k| Zeroizing::new(k.to_expanded_bytes().to_vec()))
    }

    /// The encapsulation (public) key, raw.
    pub fn public_key(&self) -> Vec<u8> {
        with_dk!(&self.dk, |k| k.encapsulation_key().to_bytes().to_vec())
    }

    /// The public key as a DER SubjectPublicKeyInfo (parameters absent, RFC 9935).
    pub fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        let bits = der::asn1::BitString::from_bytes(&self.public_key()).map_err(|e| {
            KeyError::Unsupported {
                detail: format!("cannot encode the public key: {e}"),
            }
        })?;
        spki::SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned {
                oid: self.level().oid(),
                parameters: None,
            },
            subject_public_key: bits,
        }
        .to_der()
        .map_err(|e| KeyError::Unsupported {
            detail: format!("cannot encode the public key: {e}"),
        })
    }

    /// The key as DER PKCS#8 (version 1, parameters absent): the seed form when the seed is
    /// known, else the expanded form.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let encode = |e: der::Error| KeyError::Unsupported {
            detail: format!("cannot encode the key as PKCS#8: {e}"),
        };
        let private_key = match self.seed() {
            Some(seed) => Zeroizing::new(crate::asn1::tlv(0x80, &seed)),
            None => Zeroizing::new(crate::asn1::tlv(0x04, &self.expanded_key())),
        };
        let alg = spki::AlgorithmIdentifierOwned {
            oid: self.level().oid(),
            parameters: None,
        }
        .to_der()
        .map_err(encode)?;
        let mut body = Zeroizing::new(vec![0x02, 0x01, 0x00]);
        body.extend_from_slice(&alg);
        body.extend_from_slice(&Zeroizing::new(crate::asn1::tlv(0x04, &private_key)));
        Ok(Zeroizing::new(crate::asn1::tlv(0x30, &body)))
    }

    /// ML-KEM decapsulation: the 32-byte shared secret. A ciphertext of the wrong length is
    /// [`KeyOperationError::InvalidInput`]; one not made for this key yields an unrelated
    /// secret (implicit rejection), not an error.
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOperationError> {
        let level = self.level();
        if ciphertext.len() != level.ciphertext_len() {
            return Err(KeyOperationError::InvalidInput {
                detail: format!(
                    "an {} ciphertext of {} bytes ({} expected)",
                    level.name(),
                    ciphertext.len(),
                    level.ciphertext_len()
                ),
            });
        }
        let invalid = || KeyOperationError::InvalidInput {
            detail: format!("an {} ciphertext of the wrong length", level.name()),
        };
        with_dk!(&self.dk, |k| {
            let ss = k.decapsulate_slice(ciphertext).map_err(|_| invalid())?;
            Ok(Zeroizing::new(ss.to_vec()))
        })
    }
}

/// An encapsulation: the ciphertext for the recipient and the shared secret.
pub struct Encapsulated {
    /// The KEM ciphertext (`kemct`).
    pub ciphertext: Vec<u8>,
    /// The 32-byte shared secret.
    pub shared_secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Encapsulated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encapsulated")
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// ML-KEM encapsulation to a raw encapsulation key of `level` (fresh randomness from the
/// system). A key of the wrong length or one that fails the FIPS 203 section 7.2 check is
/// [`KeyOperationError::InvalidInput`].
pub fn encapsulate(level: MlKemLevel, public: &[u8]) -> Result<Encapsulated, KeyOperationError> {
    let invalid = || KeyOperationError::InvalidInput {
        detail: format!("the {} public key is invalid", level.name()),
    };
    if public.len() != level.public_key_len() {
        return Err(invalid());
    }
    let mut rng = crate::crypto::rng::os_rng();
    macro_rules! enc {
        ($p:ty) => {{
            let ek = EncapsulationKey::<$p>::new_from_slice(public).map_err(|_| invalid())?;
            let (ct, ss) = ek.encapsulate_with_rng(&mut rng);
            Encapsulated {
                ciphertext: ct.to_vec(),
                shared_secret: Zeroizing::new(ss.to_vec()),
            }
        }};
    }
    Ok(match level {
        MlKemLevel::MlKem512 => enc!(MlKem512),
        MlKemLevel::MlKem768 => enc!(MlKem768),
        MlKemLevel::MlKem1024 => enc!(MlKem1024),
    })
}

/// The ML-KEM level and raw encapsulation key of a DER SubjectPublicKeyInfo, or `None` when it
/// is not an ML-KEM key (or is malformed).
pub fn public_key_of_spki(spki_der: &[u8]) -> Option<(MlKemLevel, Vec<u8>)> {
    match super::verify::public_key(spki_der) {
        Ok(RawKey::MlKem(level, bytes)) => Some((level, bytes.to_vec())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn1::tlv;

    fn pkcs8(level: MlKemLevel, private_key: &[u8]) -> Vec<u8> {
        let alg = tlv(0x30, &tlv(0x06, level.oid().as_bytes()));
        tlv(
            0x30,
            &[vec![0x02, 0x01, 0x00], alg, tlv(0x04, private_key)].concat(),
        )
    }

    #[test]
    fn every_form_reads_to_the_same_key_and_round_trips() {
        for level in MlKemLevel::ALL {
            let seed = [7u8; 64];
            let key = MlKemKey::from_seed(level, &seed).unwrap();
            let expanded = key.expanded_key();
            assert_eq!(expanded.len(), expanded_key_len(level));
            let forms = [
                tlv(0x80, &seed),
                tlv(0x04, &expanded),
                tlv(0x30, &[tlv(0x04, &seed), tlv(0x04, &expanded)].concat()),
            ];
            for form in &forms {
                let k = MlKemKey::from_pkcs8_der(&pkcs8(level, form)).unwrap();
                assert_eq!(k.level(), level);
                assert_eq!(k.public_key(), key.public_key());
                assert_eq!(k.expanded_key().as_slice(), expanded.as_slice());
            }
            // The seed form is written when the seed is known; the expanded form otherwise.
            assert_eq!(
                key.to_pkcs8_der().unwrap().as_slice(),
                pkcs8(level, &forms[0])
            );
            let from_expanded = MlKemKey::from_expanded(level, &expanded).unwrap();
            assert!(from_expanded.seed().is_none());
            assert_eq!(
                from_expanded.to_pkcs8_der().unwrap().as_slice(),
                pkcs8(level, &forms[1])
            );
            // Decapsulation agrees with encapsulation to the public key.
            let enc = encapsulate(level, &key.public_key()).unwrap();
            assert_eq!(enc.ciphertext.len(), level.ciphertext_len());
            assert_eq!(
                key.decapsulate(&enc.ciphertext).unwrap().as_slice(),
                enc.shared_secret.as_slice()
            );
            assert_eq!(
                from_expanded
                    .decapsulate(&enc.ciphertext)
                    .unwrap()
                    .as_slice(),
                enc.shared_secret.as_slice()
            );
            // Implicit rejection: another key gives another secret, not an error.
            let other = MlKemKey::from_seed(level, &[8u8; 64]).unwrap();
            assert_ne!(
                other.decapsulate(&enc.ciphertext).unwrap().as_slice(),
                enc.shared_secret.as_slice()
            );
            assert!(matches!(
                key.decapsulate(&enc.ciphertext[1..]),
                Err(KeyOperationError::InvalidInput { .. })
            ));
        }
    }

    #[test]
    fn a_both_key_whose_halves_disagree_is_refused() {
        let level = MlKemLevel::MlKem768;
        let expanded = MlKemKey::from_seed(level, &[1u8; 64])
            .unwrap()
            .expanded_key();
        let both = tlv(
            0x30,
            &[tlv(0x04, &[2u8; 64]), tlv(0x04, &expanded)].concat(),
        );
        assert!(matches!(
            MlKemKey::from_pkcs8_der(&pkcs8(level, &both)),
            Err(KeyError::InconsistentForms { .. })
        ));
    }

    #[test]
    fn malformed_private_keys_are_refused() {
        let level = MlKemLevel::MlKem512;
        let key = MlKemKey::from_seed(level, &[3u8; 64]).unwrap();
        let mut bad_expanded = key.expanded_key().to_vec();
        // Corrupt the embedded hash of the encapsulation key (FIPS 203 section 7.3 check).
        let n = bad_expanded.len();
        bad_expanded[n - 40] ^= 1;
        for form in [
            tlv(0x80, &[0u8; 63]),
            tlv(0x04, &[0u8; 100]),
            tlv(0x04, &bad_expanded),
            tlv(0x30, &tlv(0x04, &[0u8; 64])),
            tlv(0x31, &[]),
            [tlv(0x80, &[0u8; 64]), vec![0]].concat(),
        ] {
            assert!(
                MlKemKey::from_pkcs8_der(&pkcs8(level, &form)).is_err(),
                "{form:02x?}"
            );
        }
        // A seed of another level's OID still reads (the seed fixes no level), but parameters
        // on the algorithm are refused.
        let alg = tlv(
            0x30,
            &[tlv(0x06, level.oid().as_bytes()), vec![0x05, 0x00]].concat(),
        );
        let with_params = tlv(
            0x30,
            &[
                vec![0x02, 0x01, 0x00],
                alg,
                tlv(0x04, &tlv(0x80, &[0u8; 64])),
            ]
            .concat(),
        );
        assert!(MlKemKey::from_pkcs8_der(&with_params).is_err());
    }

    #[test]
    fn the_public_key_der_is_an_spki_of_the_level() {
        for level in MlKemLevel::ALL {
            let key = MlKemKey::from_seed(level, &[5u8; 64]).unwrap();
            let spki = key.public_key_der().unwrap();
            let (l, raw) = public_key_of_spki(&spki).unwrap();
            assert_eq!(l, level);
            assert_eq!(raw, key.public_key());
        }
        assert!(encapsulate(MlKemLevel::MlKem512, &[0u8; 10]).is_err());
    }
}
