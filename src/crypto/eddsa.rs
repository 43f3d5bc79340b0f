//! Ed25519 (RFC 8032) for CMS (RFC 8419) and certificates (RFC 8410), and X25519 (RFC 7748).

use super::verify::SigCheckError;

/// Verifies a PureEdDSA Ed25519 `signature` over `message` with a 32-byte public key.
pub(crate) fn verify_ed25519(
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    let _ = (public, message, signature);
    Err(SigCheckError::UnsupportedAlgorithm {
        detail: "Ed25519".into(),
    })
}
