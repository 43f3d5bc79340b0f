#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! smime: an embeddable S/MIME 4.0 library.

pub mod cms;
pub mod crypto;
pub mod error;
pub mod mime;
pub mod validate;

pub use error::{KeyError, ParseError, SignError, VerifyError};
