//! AES key wrap (RFC 3394), the key-encryption of ECDH recipients (RFC 5753).

use zeroize::Zeroizing;

/// The largest wrapped key [`aes_key_unwrap`] accepts (a 2040-byte key; content-encryption
/// keys are at most 64 bytes).
pub const MAX_WRAPPED: usize = 2048;

/// Why a key could not be wrapped or unwrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyWrapError {
    /// The key to wrap is not a multiple of 8 bytes between 16 and 4096.
    KeyLength {
        /// Its length.
        len: usize,
    },
    /// The key-encryption key is not 16, 24 or 32 bytes.
    KekLength {
        /// Its length.
        len: usize,
    },
    /// Unwrapping failed: a wrong length or a failed integrity check. One error for every
    /// cause, so that a caller cannot tell them apart.
    CannotUnwrap,
}

impl std::fmt::Display for KeyWrapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyWrapError::KeyLength { len } => write!(f, "AES key wrap of a {len}-byte key"),
            KeyWrapError::KekLength { len } => {
                write!(f, "AES key wrap with a {len}-byte key-encryption key")
            }
            KeyWrapError::CannotUnwrap => f.write_str("the wrapped key does not unwrap"),
        }
    }
}

impl std::error::Error for KeyWrapError {}

/// AES key wrap (RFC 3394) of `key` under `kek` (16, 24 or 32 bytes: AES-128/192/256). The
/// key must be a multiple of 8 bytes, at least 16.
pub fn aes_key_wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>, KeyWrapError> {
    use aes_kw::KeyInit;
    if key.len() < 16 || !key.len().is_multiple_of(8) || key.len() > 4096 {
        return Err(KeyWrapError::KeyLength { len: key.len() });
    }
    let mut buf = vec![0u8; key.len() + aes_kw::IV_LEN];
    let bad_kek = || KeyWrapError::KekLength { len: kek.len() };
    let n = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| bad_kek())?
            .wrap_key(key, &mut buf)
            .map(<[u8]>::len),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(|_| bad_kek())?
            .wrap_key(key, &mut buf)
            .map(<[u8]>::len),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| bad_kek())?
            .wrap_key(key, &mut buf)
            .map(<[u8]>::len),
        _ => return Err(bad_kek()),
    }
    // The lengths were checked above; the wrap itself cannot fail on them.
    .map_err(|_| KeyWrapError::KeyLength { len: key.len() })?;
    buf.truncate(n);
    Ok(buf)
}

/// AES key unwrap (RFC 3394) of `wrapped` under `kek` (16, 24 or 32 bytes). Any failure — a
/// length that is not a multiple of 8 or shorter than 24 bytes, a failed integrity check —
/// is [`KeyWrapError::CannotUnwrap`].
pub fn aes_key_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyWrapError> {
    use aes_kw::KeyInit;
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) || wrapped.len() > MAX_WRAPPED {
        return Err(KeyWrapError::CannotUnwrap);
    }
    let fail = |_| KeyWrapError::CannotUnwrap;
    let mut buf = Zeroizing::new(vec![0u8; wrapped.len()]);
    let res = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(fail)?
            .unwrap_key(wrapped, &mut buf)
            .map(<[u8]>::len),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(fail)?
            .unwrap_key(wrapped, &mut buf)
            .map(<[u8]>::len),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(fail)?
            .unwrap_key(wrapped, &mut buf)
            .map(<[u8]>::len),
        _ => return Err(KeyWrapError::CannotUnwrap),
    };
    let n = res.map_err(|_| KeyWrapError::CannotUnwrap)?;
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3394_vector_round_trips() {
        // RFC 3394 section 4.1: 128-bit key data with a 128-bit KEK.
        let kek: Vec<u8> = (0u8..16).collect();
        let key: Vec<u8> = (0u8..16).map(|i| i * 0x11).collect();
        let wrapped = aes_key_wrap(&kek, &key).unwrap();
        assert_eq!(
            wrapped[..8],
            [0x1F, 0xA6, 0x8B, 0x0A, 0x81, 0x12, 0xB4, 0x47],
            "RFC 3394 4.1 ciphertext starts 1FA68B0A8112B447"
        );
        assert_eq!(aes_key_unwrap(&kek, &wrapped).unwrap().as_slice(), key);
        let mut tampered = wrapped.clone();
        tampered[9] ^= 1;
        assert_eq!(
            aes_key_unwrap(&kek, &tampered).unwrap_err(),
            KeyWrapError::CannotUnwrap
        );
        assert_eq!(
            aes_key_wrap(&kek, &key[..12]).unwrap_err(),
            KeyWrapError::KeyLength { len: 12 }
        );
        assert_eq!(
            aes_key_wrap(&kek[..5], &key).unwrap_err(),
            KeyWrapError::KekLength { len: 5 }
        );
    }
}
