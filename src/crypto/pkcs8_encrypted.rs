// TEMPORARY SHIM
use crate::error::KeyError;
pub fn is_encrypted_pkcs8(_b: &[u8]) -> bool {
    false
}
pub fn decrypt_pkcs8(
    _b: &[u8],
    _p: &str,
    _m: u32,
) -> Result<zeroize::Zeroizing<Vec<u8>>, KeyError> {
    Err(KeyError::Mismatch)
}
