//! CMS (RFC 5652) structures: BER in, DER out.
//!
//! Reading goes through the bounded BER reader ([`crate::asn1::ber`]) so that what peers write (indefinite
//! lengths, constructed OCTET STRINGs) is accepted; the exact bytes that signatures cover are
//! kept as they were sent.

pub mod certs_only;
pub mod enveloped;
pub mod error;
pub mod kemri;
pub mod recipient;
pub mod signed_attributes;
pub mod signed_data;

pub use error::CmsError;
