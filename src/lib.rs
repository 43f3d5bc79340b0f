#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! smime: an embeddable S/MIME 4.0 library.
//!
//! Sign and verify mail the way real clients write it, with a report that says *why* a
//! signature is or is not trusted.
//!
//! - [`sign`]: SignedData, detached (multipart/signed) or opaque, RSA (PKCS#1 v1.5, PSS) and
//!   ECDSA, several signers; private keys behind [`crypto::keys::PrivateKey`].
//! - [`verify`]: a [`verify::VerifyReport`] with one [`verify::SignerReport`] per signer and a
//!   [`verify::Verdict`] that is `Trusted` only when every check passed.
//! - [`mime`], [`cms`]: the message layers, reading what peers write (BER, LF storage, legacy
//!   names) within [`mime::Limits`] and the BER limits.
//! - [`validate`]: RFC 5280 certificate paths, revocation from CRLs with an outcome per
//!   certificate, validity, key usage, EKU, address matching.
//! - [`policy`]: the one [`Policy`] that decides what is acceptable (algorithms, CBC, the
//!   validation time, the revocation mode, certificate-policy inputs, limits), with weakening
//!   settings behind [`Policy::danger`].
//! - [`classify`]: what a message is (its outermost signed or encrypted layer), shared by
//!   [`verify`] and [`decrypt`].
//! - [`pkcs12`]: identities from PKCS#12 files, modern and legacy.
//!
//! ```
//! use smime::crypto::keys::{read_certificates, SoftwareKey};
//! use smime::sign::{sign, SignOptions, Signer};
//! use smime::verify::{verify, Verdict, VerifyOptions};
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cert = read_certificates(include_bytes!("testdata/alice-p256.crt.pem"))?.remove(0);
//! let key = SoftwareKey::from_bytes(include_bytes!("testdata/alice-p256.key.pem"))?;
//! let signer = Signer::new(Arc::new(key), cert.clone())?;
//!
//! let message = b"From: alice@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
//! let signed = sign(message, &[signer], &SignOptions::default())?;
//!
//! // The reader pins Alice's self-signed certificate: without a CA, that is a weakening
//! // setting, and the report names it.
//! let mut options = VerifyOptions { trust_anchors: vec![cert], ..Default::default() };
//! options.policy.danger().pinned_certificate_is_path(true);
//! let report = verify(&signed, &options)?;
//! assert_eq!(report.verdict(), Verdict::Trusted);
//! assert_eq!(report.weakened_by, ["a pinned certificate counts as its own path"]);
//! assert!(report.content.ends_with(b"Hello\r\n"));
//!
//! // One changed byte, and the report says the message was changed.
//! let tampered = String::from_utf8(signed)?.replace("Hello", "Hullo");
//! let report = verify(tampered.as_bytes(), &options)?;
//! assert_eq!(report.verdict(), Verdict::SignatureInvalid);
//! println!("{}", report.signers[0].signature);
//! # Ok(())
//! # }
//! ```

pub mod certificate;
pub mod classify;
pub mod cms;
pub mod crypto;
pub mod decrypt;
pub mod encrypt;
pub mod error;
pub mod identity;
pub mod inspect;
pub mod keyring;
pub mod mime;
pub mod pkcs12;
pub mod policy;
pub mod sign;
pub mod validate;
pub mod verify;

pub use certificate::{Certificate, Fingerprint, Roles};
pub use error::{DecryptError, EncryptError, KeyError, ParseError, SignError, VerifyError};
pub use identity::Identity;
pub use policy::{Policy, RevocationMode, ValidationTime};
