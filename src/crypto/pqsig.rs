//! ML-DSA (FIPS 204) and SLH-DSA (FIPS 205) signatures for CMS and certificates.

use super::verify::{MlDsaLevel, SigCheckError, SlhDsaSet};

/// Verifies a pure ML-DSA `signature` (empty context) over `message`.
pub(crate) fn verify_ml_dsa(
    level: MlDsaLevel,
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    let _ = (public, message, signature);
    Err(SigCheckError::UnsupportedAlgorithm {
        detail: level.name().into(),
    })
}

/// Verifies a pure SLH-DSA `signature` (empty context) over `message`.
pub(crate) fn verify_slh_dsa(
    set: SlhDsaSet,
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigCheckError> {
    let _ = (public, message, signature);
    Err(SigCheckError::UnsupportedAlgorithm {
        detail: set.name().into(),
    })
}
