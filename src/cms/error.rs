//! The error type of the CMS layer.
//!
//! Stable numeric codes of [`CmsError`]: the range 1000–1099 is the CMS layer's (to be merged
//! into the crate's code table in [`crate::error`]). The operations (sign, verify, encrypt,
//! decrypt) turn a [`CmsError`] into their own error with the `From` impls below, so what a
//! caller of an operation sees is unchanged.

use crate::error::codes;
use crate::error::{DecryptError, EncryptError, ParseError, SignError, VerifyError};
use std::fmt;

/// Why a CMS structure could not be read or written.
///
/// Codes (range 1000–1099): `Malformed` 1000, `NotEncrypted` 1001, `UnsupportedAlgorithm`
/// 1002, `CannotDecrypt` 1003, `RecipientRefused` 1004, `Encoding` 1005.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CmsError {
    /// The structure could not be read: BER, the shape of a field, a limit (depth, count), a
    /// certificate inside, or a content type not expected here. The parse error says which
    /// (this variant is transparent: its Display and source are the parse error's).
    Malformed(ParseError),
    /// The ContentInfo is not EnvelopedData or AuthEnvelopedData.
    NotEncrypted,
    /// An algorithm (content cipher, key transport, key agreement, key wrap, KDF) or a
    /// parameter of one is not supported.
    UnsupportedAlgorithm {
        /// What was found, for a person.
        detail: String,
    },
    /// The content-encryption key could not be recovered, or the content did not decrypt
    /// (wrong key, bad padding, failed tag): one error for every cause (RFC 3218).
    CannotDecrypt,
    /// A recipient certificate cannot be encrypted to.
    RecipientRefused {
        /// Who, for a person (subject).
        recipient: String,
        /// Why, for a person.
        reason: String,
    },
    /// Writing failed: an encoding error, a cipher that could not run, no randomness.
    Encoding {
        /// What failed.
        detail: String,
    },
    /// The private key declined or could not be reached
    /// ([`KeyOperationError::Refused`](crate::keys::KeyOperationError::Refused) or
    /// [`Unavailable`](crate::keys::KeyOperationError::Unavailable): a cancelled prompt, a
    /// removed card). These happen before the key looks at the ciphertext, so reporting them
    /// says nothing about the message (RFC 3218 is kept). Transparent: the key error's
    /// message and code.
    KeyDeclined(crate::keys::KeyOperationError),
}

impl CmsError {
    /// The stable numeric code of this error (1000–1099).
    pub fn code(&self) -> u32 {
        match self {
            CmsError::Malformed(p) => p.code(),
            CmsError::NotEncrypted => codes::SMIME_CMS_NOT_ENCRYPTED,
            CmsError::UnsupportedAlgorithm { .. } => codes::SMIME_CMS_UNSUPPORTED_ALGORITHM,
            CmsError::CannotDecrypt => codes::SMIME_CMS_CANNOT_DECRYPT,
            CmsError::RecipientRefused { .. } => codes::SMIME_CMS_RECIPIENT_REFUSED,
            CmsError::Encoding { .. } => codes::SMIME_CMS_ENCODING,
            CmsError::KeyDeclined(e) => e.code(),
        }
    }

    /// A malformed-DER error with `detail`.
    pub(crate) fn der(detail: impl Into<String>) -> Self {
        CmsError::Malformed(ParseError::der(detail))
    }

    /// An encoding error with `detail`.
    pub(crate) fn encoding(detail: impl Into<String>) -> Self {
        CmsError::Encoding {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for CmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Transparent: the parse error says what could not be read.
            CmsError::Malformed(e) => e.fmt(f),
            CmsError::NotEncrypted => f.write_str("the CMS content is not encrypted"),
            CmsError::UnsupportedAlgorithm { detail } => {
                write!(f, "unsupported CMS algorithm: {detail}")
            }
            CmsError::CannotDecrypt => f.write_str("the CMS content cannot be decrypted"),
            CmsError::RecipientRefused { recipient, reason } => {
                write!(f, "cannot encrypt to {recipient}: {reason}")
            }
            CmsError::Encoding { detail } => write!(f, "CMS encoding failed: {detail}"),
            CmsError::KeyDeclined(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CmsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Transparent, like its Display: the parse error's own source.
            CmsError::Malformed(e) => e.source(),
            _ => None,
        }
    }
}

impl From<ParseError> for CmsError {
    fn from(e: ParseError) -> Self {
        CmsError::Malformed(e)
    }
}

impl From<der::Error> for CmsError {
    fn from(e: der::Error) -> Self {
        CmsError::encoding(e.to_string())
    }
}

/// The parse view: what cms fails on while reading is a parse error.
impl From<CmsError> for ParseError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Malformed(p) => p,
            CmsError::NotEncrypted => ParseError::NotSmime {
                detail: "the CMS content is not encrypted".into(),
            },
            other => ParseError::der(other.to_string()),
        }
    }
}

impl From<CmsError> for DecryptError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Malformed(p) => DecryptError::Parse(p),
            CmsError::NotEncrypted => DecryptError::NotEncrypted,
            CmsError::UnsupportedAlgorithm { detail } => {
                DecryptError::UnsupportedAlgorithm { detail }
            }
            CmsError::KeyDeclined(e) => DecryptError::Key(e),
            CmsError::CannotDecrypt
            | CmsError::RecipientRefused { .. }
            | CmsError::Encoding { .. } => DecryptError::CannotDecrypt,
        }
    }
}

impl From<CmsError> for EncryptError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Malformed(p) => EncryptError::Parse(p),
            CmsError::UnsupportedAlgorithm { detail } => {
                EncryptError::UnsupportedAlgorithm { detail }
            }
            CmsError::RecipientRefused { recipient, reason } => {
                EncryptError::RecipientRefused { recipient, reason }
            }
            CmsError::Encoding { detail } => EncryptError::Encoding { detail },
            other @ (CmsError::NotEncrypted
            | CmsError::CannotDecrypt
            | CmsError::KeyDeclined(_)) => EncryptError::Encoding {
                detail: other.to_string(),
            },
        }
    }
}

impl From<CmsError> for VerifyError {
    fn from(e: CmsError) -> Self {
        VerifyError::Parse(e.into())
    }
}

impl From<CmsError> for SignError {
    fn from(e: CmsError) -> Self {
        match e {
            CmsError::Malformed(p) => SignError::Parse(p),
            CmsError::UnsupportedAlgorithm { detail } => SignError::UnsupportedAlgorithm { detail },
            other => SignError::Encoding {
                detail: match other {
                    CmsError::Encoding { detail } => detail,
                    o => o.to_string(),
                },
            },
        }
    }
}

impl From<CmsError> for crate::keyring::KeyringError {
    fn from(e: CmsError) -> Self {
        ParseError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<CmsError> {
        vec![
            CmsError::Malformed(ParseError::Empty),
            CmsError::NotEncrypted,
            CmsError::UnsupportedAlgorithm { detail: "x".into() },
            CmsError::CannotDecrypt,
            CmsError::RecipientRefused {
                recipient: "r".into(),
                reason: "why".into(),
            },
            CmsError::encoding("e"),
        ]
    }

    #[test]
    fn codes_are_distinct_and_in_the_cms_range() {
        // Malformed is a wrapper: it has the parse error's code.
        let mut codes: Vec<u32> = all()
            .iter()
            .filter(|e| !matches!(e, CmsError::Malformed(_)))
            .map(CmsError::code)
            .collect();
        assert!(codes.iter().all(|c| (1000..1100).contains(c)), "{codes:?}");
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all().len() - 1);
    }

    #[test]
    fn operation_errors_keep_what_callers_matched_on() {
        let tm = ParseError::TooMany {
            what: "signers",
            limit: 3,
        };
        assert_eq!(ParseError::from(CmsError::Malformed(tm.clone())), tm);
        assert_eq!(
            DecryptError::from(CmsError::Malformed(tm.clone())),
            DecryptError::Parse(tm.clone())
        );
        assert_eq!(
            DecryptError::from(CmsError::CannotDecrypt),
            DecryptError::CannotDecrypt
        );
        assert_eq!(
            DecryptError::from(CmsError::NotEncrypted),
            DecryptError::NotEncrypted
        );
        assert_eq!(
            EncryptError::from(CmsError::RecipientRefused {
                recipient: "r".into(),
                reason: "why".into()
            }),
            EncryptError::RecipientRefused {
                recipient: "r".into(),
                reason: "why".into()
            }
        );
        assert_eq!(
            VerifyError::from(CmsError::Malformed(tm.clone())),
            VerifyError::Parse(tm)
        );
        assert!(matches!(
            SignError::from(CmsError::encoding("e")),
            SignError::Encoding { .. }
        ));
    }
}
