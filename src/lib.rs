#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! smime: an embeddable S/MIME 4.0 library.

pub mod cms;
pub mod crypto;
pub mod error;
pub mod mime;
pub mod pkcs12;
pub mod sign;
pub mod validate;
pub mod verify;

pub use error::{KeyError, ParseError, SignError, VerifyError};
