// TEMPORARY SHIM
pub struct RevocationUrls;
pub fn revocation_urls(_c: &[u8]) -> Result<RevocationUrls, crate::error::ParseError> {
    Err(crate::error::ParseError::Empty)
}
