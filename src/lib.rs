#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! smime: an embeddable S/MIME 4.0 library.
//!
//! Sign, verify, encrypt and decrypt mail the way real clients write it, with a report that
//! says *why* a signature is or is not trusted. What a mail app uses is at the crate root:
//!
//! - [`sign()`] a message (multipart/signed or opaque) with one or more [`Identity`]s: a private
//!   key ([`SoftwareKey`] or any [`PrivateKey`], such as a platform keystore) with its
//!   [`Certificate`] and chain.
//! - [`verify()`] a signed message — MIME, or a bare CMS structure as DER or PEM — or
//!   [`verify_detached`] a `.p7s` with its content: a [`VerifyReport`] with one
//!   [`SignerReport`] per signer (signature, algorithm, chain, validity, key usage, EKU,
//!   sender address, revocation) and a [`Verdict`] that is `Trusted` only when every check
//!   passed.
//! - [`encrypt()`] to many recipients and to the sender (AES-GCM AuthEnvelopedData by default,
//!   AES-CBC for older peers; RSA PKCS#1 v1.5 or OAEP, ECDH), or [`sign_and_encrypt`].
//! - [`decrypt()`] with every key of the user's history, or [`open`] a nested message (decrypt
//!   and verify every layer).
//! - A [`Keyring`] of identities, contacts, trust anchors, intermediates and CRLs, sealed in a
//!   file; it picks signing identities and encryption certificates and says which recipients
//!   have none.
//! - [`inspect()`] says what a message, CMS structure, certificate, CRL, PKCS#12 file or key is.
//! - One [`Policy`] decides what is acceptable (algorithms, CBC, validation time, revocation,
//!   limits), with weakening settings behind [`Policy::danger`].
//! - Errors are one enum per operation ([`error`]), each variant with a stable numeric code.
//!
//! ```
//! use smime::{Certificate, Identity, SignOptions, SoftwareKey, Verdict, VerifyOptions};
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cert = Certificate::from_pem(include_bytes!("testdata/alice-p256.crt.pem"))?;
//! let key = SoftwareKey::from_bytes(include_bytes!("testdata/alice-p256.key.pem"))?;
//! let alice = Identity::new(Arc::new(key), cert.clone())?;
//!
//! let message = b"From: alice@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
//! let signed = smime::sign(message, &[alice], &SignOptions::default())?;
//!
//! // The reader pins Alice's self-signed certificate: without a CA, that is a weakening
//! // setting, and the report names it.
//! let mut options = VerifyOptions { trust_anchors: vec![cert], ..Default::default() };
//! options.policy.danger().pinned_certificate_is_path(true);
//! let report = smime::verify(&signed, &options)?;
//! assert_eq!(report.verdict(), Verdict::Trusted);
//! assert_eq!(report.weakened_by, ["a pinned certificate counts as its own path"]);
//! assert!(report.content.ends_with(b"Hello\r\n"));
//!
//! // One changed byte, and the report says the message was changed.
//! let tampered = String::from_utf8(signed)?.replace("Hello", "Hullo");
//! let report = smime::verify(tampered.as_bytes(), &options)?;
//! assert_eq!(report.verdict(), Verdict::SignatureInvalid);
//! println!("{}", report.signers[0].signature);
//! # Ok(())
//! # }
//! ```

pub(crate) mod asn1;
pub(crate) mod bytes;
pub mod certificate;
pub(crate) mod classify;
pub(crate) mod cms;
pub(crate) mod crypto;
pub mod decrypt;
pub mod encrypt;
pub mod error;
pub mod identity;
pub mod inspect;
pub mod keyring;
pub mod keys;
pub(crate) mod mime;
pub mod pkcs12;
pub mod policy;
pub mod sign;
pub(crate) mod stream;
pub mod validate;
pub mod verify;

/// Not part of the API: the internal layers, reachable for fuzz targets and for the test suite,
/// which drive the parsers and structures directly. Anything here may change in any release.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::cms::{CmsError, certs_only, enveloped, recipient, signed_data};
    pub use crate::crypto::{keywrap, oids, verify};

    /// The BER/DER reader and writer helpers.
    pub mod asn1 {
        pub use crate::asn1::{ber, tlv};
    }

    /// MIME parsing and writing.
    pub mod mime {
        pub use crate::mime::{
            Limits, ParsedMessage, SmimeKind, SmimePart, base64_crlf, parse, split_entity,
            write_multipart_signed, write_pkcs7_mime,
        };
    }
}

pub use certificate::{Certificate, Fingerprint, Roles};
pub use cms::enveloped::ContentCipher;
pub use cms::recipient::{KeyAgreementKdf, KeyTransport};
pub use cms::signed_data::SignerId;
pub use crypto::DigestAlgorithm;
pub use crypto::keys::{
    KeyKind, KeyOperationError, PrivateKey, RsaDecryptPadding, SignatureScheme, SoftwareKey,
};
pub use decrypt::{DecryptInfo, Decrypted, Decryptor, Layer, Opened, decrypt, open};
pub use encrypt::{
    EncryptOptions, EncryptWriter, Encryptor, KemKdf, KemOptions, encrypt, sign_and_encrypt,
};
pub use error::{
    DecryptError, EncryptError, IoError, KeyError, ParseError, SignError, VerifyError,
};
pub use identity::Identity;
pub use inspect::{Inspected, inspect};
pub use keyring::Keyring;
pub use pkcs12::{Pkcs12Error, Pkcs12Limits};
pub use policy::{Policy, RevocationMode, ValidationTime};
pub use sign::{SignOptions, SignWriter, Signer, sign};
pub use verify::{
    AddressPolicy, SignerReport, Verdict, Verifier, VerifyOptions, VerifyReport, VerifyWriter,
    verify, verify_detached,
};

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
