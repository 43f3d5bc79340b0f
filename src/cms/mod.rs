//! CMS (RFC 5652) structures: BER in, DER out.
//!
//! Reading goes through a bounded BER reader ([`ber`]) so that what peers write (indefinite
//! lengths, constructed OCTET STRINGs) is accepted; the exact bytes that signatures cover are
//! kept as they were sent.

pub mod ber;
pub mod certs_only;
pub mod enveloped;
pub mod recipient;
pub mod signed_data;
