// TEMPORARY SHIM
use crate::error::ParseError;
pub struct CertsOnly {
    pub certificates: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}
pub fn parse_certs_only(_b: &[u8]) -> Result<CertsOnly, ParseError> {
    Err(ParseError::Empty)
}
pub fn read_certs_only_message(
    _b: &[u8],
    _l: &crate::mime::Limits,
) -> Result<CertsOnly, ParseError> {
    Err(ParseError::Empty)
}
pub fn write_certs_only_message(_c: &[Vec<u8>], _r: &[Vec<u8>]) -> Result<Vec<u8>, ParseError> {
    Err(ParseError::Empty)
}
