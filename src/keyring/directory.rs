//! Directory entries: LDAP `userSMIMECertificate` (a certs-only SignedData) and
//! `userCertificate` (a DER certificate).
// TEMPORARY SHIM
pub enum DirectoryAttribute {
    UserCertificate,
}
pub fn parse_directory_entry(
    _b: &[u8],
) -> Result<Vec<(DirectoryAttribute, Vec<u8>)>, crate::error::ParseError> {
    Err(crate::error::ParseError::Empty)
}
