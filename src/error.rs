//! Errors: one `#[non_exhaustive]` enum per operation.
//!
//! Every variant has a stable numeric code ([`ParseError::code`] and friends) that the C ABI
//! exposes. Codes are grouped by area and never reused:
//!
//! | range | area |
//! |-------|------|
//! | 100–199 | parsing input (MIME, DER/BER, PEM, base64) |
//! | 200–299 | signing |
//! | 300–399 | verification (input that cannot be verified at all) |
//! | 400–499 | keys and certificates (loading) |
//! | 500–599 | PKCS#12 ([`crate::pkcs12::Pkcs12Error`]) |
//! | 600–699 | encryption |
//! | 700–799 | decryption |
//! | 800–849 | keyring ([`crate::keyring::KeyringError`]) |
//! | 850–899 | keyring file ([`crate::keyring::store::StoreError`]) |
//!
//! A verification that *runs* never ends in an error: a bad signature, an untrusted chain or an
//! address mismatch is a finding in the [`crate::verify::VerifyReport`], not an `Err`.

use std::fmt;

/// What was wrong with bytes handed to a parser.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The input was empty.
    Empty,
    /// The input is larger than the configured limit.
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// Structures are nested deeper than the limit allows.
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
    /// More items than the limit allows (MIME parts, certificates, signers…).
    TooMany {
        /// What there were too many of.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The DER/BER encoding is malformed.
    MalformedDer {
        /// Where and what, for a person.
        detail: String,
    },
    /// The MIME structure is malformed.
    MalformedMime {
        /// Where and what, for a person.
        detail: String,
    },
    /// Base64 content could not be decoded.
    Base64 {
        /// Where and what, for a person.
        detail: String,
    },
    /// PEM armour could not be decoded.
    Pem {
        /// Where and what, for a person.
        detail: String,
    },
    /// The input holds no S/MIME structure of the kind that was asked for.
    NotSmime {
        /// What was found instead.
        detail: String,
    },
    /// The CMS content type is not one this operation handles.
    UnsupportedContentType {
        /// The object identifier found, dotted.
        oid: String,
    },
    /// A certificate could not be parsed.
    Certificate {
        /// Where and what, for a person.
        detail: String,
    },
    /// A MIME entity has a structural header field (Content-Type, Content-Transfer-Encoding)
    /// more than once: parsers that take the first and parsers that take the last would see two
    /// different messages, so the message is refused.
    AmbiguousMime {
        /// The repeated field.
        field: &'static str,
        /// Which entity ("the top level", "part 1.2").
        location: String,
    },
}

impl ParseError {
    /// The stable numeric code of this error (100–199).
    pub fn code(&self) -> u32 {
        match self {
            ParseError::Empty => 100,
            ParseError::TooLarge { .. } => 101,
            ParseError::TooDeep { .. } => 102,
            ParseError::TooMany { .. } => 103,
            ParseError::MalformedDer { .. } => 104,
            ParseError::MalformedMime { .. } => 105,
            ParseError::Base64 { .. } => 106,
            ParseError::Pem { .. } => 107,
            ParseError::NotSmime { .. } => 108,
            ParseError::UnsupportedContentType { .. } => 109,
            ParseError::Certificate { .. } => 110,
            ParseError::AmbiguousMime { .. } => 111,
        }
    }

    /// Shorthand for a [`ParseError::MalformedDer`].
    pub(crate) fn der(detail: impl Into<String>) -> Self {
        ParseError::MalformedDer {
            detail: detail.into(),
        }
    }

    /// Shorthand for a [`ParseError::MalformedMime`].
    pub(crate) fn mime(detail: impl Into<String>) -> Self {
        ParseError::MalformedMime {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "the input is empty"),
            ParseError::TooLarge { what, limit } => {
                write!(f, "{what} is larger than the limit of {limit} bytes")
            }
            ParseError::TooDeep { limit } => {
                write!(
                    f,
                    "the input is nested deeper than the limit of {limit} levels"
                )
            }
            ParseError::TooMany { what, limit } => {
                write!(f, "the input has more {what} than the limit of {limit}")
            }
            ParseError::MalformedDer { detail } => write!(f, "malformed DER/BER: {detail}"),
            ParseError::MalformedMime { detail } => write!(f, "malformed MIME: {detail}"),
            ParseError::Base64 { detail } => write!(f, "invalid base64: {detail}"),
            ParseError::Pem { detail } => write!(f, "invalid PEM: {detail}"),
            ParseError::NotSmime { detail } => write!(f, "not an S/MIME message: {detail}"),
            ParseError::UnsupportedContentType { oid } => {
                write!(f, "unsupported CMS content type {oid}")
            }
            ParseError::Certificate { detail } => write!(f, "invalid certificate: {detail}"),
            ParseError::AmbiguousMime { field, location } => write!(
                f,
                "ambiguous MIME: the entity at {location} has more than one {field} field; \
                 refused, because two mail programs could read it as two different messages"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

impl From<der::Error> for ParseError {
    fn from(e: der::Error) -> Self {
        ParseError::der(e.to_string())
    }
}

/// Why loading a key or certificate failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not a key in any supported encoding (PKCS#8, PKCS#1, SEC1; PEM or DER).
    Unrecognized {
        /// What was tried, for a person.
        detail: String,
    },
    /// The key type or curve is not supported.
    Unsupported {
        /// What was found.
        detail: String,
    },
    /// The private key does not belong to the certificate it was paired with.
    Mismatch,
    /// The RSA key is shorter than the minimum accepted for signing.
    TooWeak {
        /// The key size in bits.
        bits: usize,
    },
    /// The certificate could not be parsed.
    Certificate(ParseError),
    /// The password does not open the encrypted key: the decryption padding was wrong, or
    /// what it produced is not a private key.
    WrongPassword,
    /// The encrypted key asks for more key-derivation iterations than the caller allows; no
    /// derivation was run.
    IterationsTooHigh {
        /// The iteration count the key asks for.
        found: u64,
        /// The caller's limit.
        limit: u64,
    },
    /// The random number generator failed (encrypting a key).
    Random {
        /// What the generator said.
        detail: String,
    },
}

impl KeyError {
    /// The stable numeric code of this error (400–499).
    pub fn code(&self) -> u32 {
        match self {
            KeyError::Unrecognized { .. } => 400,
            KeyError::Unsupported { .. } => 401,
            KeyError::Mismatch => 402,
            KeyError::TooWeak { .. } => 403,
            KeyError::Certificate(_) => 404,
            KeyError::WrongPassword => 405,
            KeyError::IterationsTooHigh { .. } => 406,
            KeyError::Random { .. } => 407,
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Unrecognized { detail } => write!(f, "not a private key: {detail}"),
            KeyError::Unsupported { detail } => write!(f, "unsupported key: {detail}"),
            KeyError::Mismatch => write!(f, "the private key does not match the certificate"),
            KeyError::TooWeak { bits } => {
                write!(
                    f,
                    "the {bits}-bit RSA key is too short (2048 bits at least)"
                )
            }
            KeyError::Certificate(e) => write!(f, "{e}"),
            KeyError::WrongPassword => write!(f, "wrong password for the encrypted private key"),
            KeyError::IterationsTooHigh { found, limit } => write!(
                f,
                "the encrypted private key asks for {found} key-derivation iterations, more \
                 than the limit of {limit}"
            ),
            KeyError::Random { detail } => {
                write!(f, "the random number generator failed: {detail}")
            }
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyError::Certificate(e) => Some(e),
            _ => None,
        }
    }
}

/// Why signing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The entity to sign could not be parsed.
    Parse(ParseError),
    /// The entity holds 8-bit or binary data that would not survive transport unchanged.
    EightBitContent {
        /// Where, for a person.
        detail: String,
    },
    /// No signer was given.
    NoSigner,
    /// The algorithm combination is not supported (for example PSS with an EC key).
    UnsupportedAlgorithm {
        /// What was asked for.
        detail: String,
    },
    /// The private-key operation failed (for a platform key: the callback reported failure).
    KeyOperation {
        /// What the key said.
        detail: String,
    },
    /// A key or certificate was unusable.
    Key(KeyError),
    /// The output could not be encoded.
    Encoding {
        /// What failed.
        detail: String,
    },
    /// Reading the content or writing the output failed.
    Io {
        /// The I/O error, as text.
        detail: String,
    },
    /// The signer certificate may not sign e-mail (expired, not yet valid, key usage or
    /// extended key usage).
    CertificateNotUsable(crate::sign::SignerCertificateProblem),
}

impl SignError {
    /// The stable numeric code of this error (200–299).
    pub fn code(&self) -> u32 {
        match self {
            SignError::Parse(_) => 200,
            SignError::EightBitContent { .. } => 201,
            SignError::NoSigner => 202,
            SignError::UnsupportedAlgorithm { .. } => 203,
            SignError::KeyOperation { .. } => 204,
            SignError::Key(_) => 205,
            SignError::Encoding { .. } => 206,
            SignError::Io { .. } => 207,
            SignError::CertificateNotUsable(_) => 208,
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Parse(e) => write!(f, "cannot sign: {e}"),
            SignError::EightBitContent { detail } => write!(
                f,
                "cannot sign: {detail}; encode the part as base64 or quoted-printable first"
            ),
            SignError::NoSigner => write!(f, "cannot sign: no signer was given"),
            SignError::UnsupportedAlgorithm { detail } => {
                write!(f, "cannot sign: unsupported algorithm: {detail}")
            }
            SignError::KeyOperation { detail } => {
                write!(f, "cannot sign: the private-key operation failed: {detail}")
            }
            SignError::Key(e) => write!(f, "cannot sign: {e}"),
            SignError::Encoding { detail } => write!(f, "cannot sign: encoding failed: {detail}"),
            SignError::Io { detail } => write!(f, "cannot sign: I/O error: {detail}"),
            SignError::CertificateNotUsable(e) => {
                write!(f, "cannot sign with this certificate: {e}")
            }
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignError::Parse(e) => Some(e),
            SignError::Key(e) => Some(e),
            SignError::CertificateNotUsable(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for SignError {
    fn from(e: ParseError) -> Self {
        SignError::Parse(e)
    }
}

impl From<KeyError> for SignError {
    fn from(e: KeyError) -> Self {
        SignError::Key(e)
    }
}

impl From<der::Error> for SignError {
    fn from(e: der::Error) -> Self {
        SignError::Encoding {
            detail: e.to_string(),
        }
    }
}

impl From<std::io::Error> for SignError {
    fn from(e: std::io::Error) -> Self {
        SignError::Io {
            detail: e.to_string(),
        }
    }
}

/// Why a message could not be verified at all.
///
/// Findings about a signature that *was* examined (bad signature, untrusted chain, address
/// mismatch…) are never errors: they are in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The message or its CMS structure could not be parsed.
    Parse(ParseError),
    /// A caller-supplied certificate or trust anchor could not be parsed.
    Certificate(ParseError),
    /// Reading the input failed.
    Io {
        /// The I/O error, as text.
        detail: String,
    },
}

impl VerifyError {
    /// The stable numeric code of this error (300–399).
    pub fn code(&self) -> u32 {
        match self {
            VerifyError::Parse(_) => 300,
            VerifyError::Certificate(_) => 301,
            VerifyError::Io { .. } => 302,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Parse(e) => write!(f, "cannot verify: {e}"),
            VerifyError::Certificate(e) => write!(f, "cannot verify: supplied certificate: {e}"),
            VerifyError::Io { detail } => write!(f, "cannot verify: I/O error: {detail}"),
        }
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifyError::Parse(e) | VerifyError::Certificate(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for VerifyError {
    fn from(e: ParseError) -> Self {
        VerifyError::Parse(e)
    }
}

impl From<std::io::Error> for VerifyError {
    fn from(e: std::io::Error) -> Self {
        VerifyError::Io {
            detail: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_distinct() {
        let parse = [
            ParseError::Empty,
            ParseError::TooLarge {
                what: "x",
                limit: 1,
            },
            ParseError::TooDeep { limit: 1 },
            ParseError::TooMany {
                what: "x",
                limit: 1,
            },
            ParseError::der("x"),
            ParseError::mime("x"),
            ParseError::Base64 { detail: "x".into() },
            ParseError::Pem { detail: "x".into() },
            ParseError::NotSmime { detail: "x".into() },
            ParseError::UnsupportedContentType { oid: "1.2".into() },
            ParseError::Certificate { detail: "x".into() },
            ParseError::AmbiguousMime {
                field: "Content-Type",
                location: "the top level".into(),
            },
        ];
        let mut codes: Vec<u32> = parse.iter().map(|e| e.code()).collect();
        assert!(codes.iter().all(|c| (100..200).contains(c)));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), parse.len());
        assert!(SignError::NoSigner.code() >= 200 && SignError::NoSigner.code() < 300);
        assert!(VerifyError::Parse(ParseError::Empty).code() >= 300);
        assert!(KeyError::Mismatch.code() >= 400);
        // Display tells the person what was wrong with their input.
        assert!(ParseError::Empty.to_string().contains("empty"));
    }
}

/// Why encryption failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptError {
    /// The content could not be parsed.
    Parse(ParseError),
    /// No recipient was given.
    NoRecipients,
    /// A recipient certificate cannot be used; `recipient` names it (subject and addresses).
    RecipientRefused {
        /// Who, for a person.
        recipient: String,
        /// Why, for a person.
        reason: String,
    },
    /// The algorithm or key type is not supported.
    UnsupportedAlgorithm {
        /// What was asked for.
        detail: String,
    },
    /// Signing (for sign-then-encrypt) failed.
    Sign(SignError),
    /// The output could not be encoded.
    Encoding {
        /// What failed.
        detail: String,
    },
    /// The policy does not accept what was asked (a cipher without integrity protection
    /// under a strict policy).
    NotAccepted {
        /// What was refused, for a person.
        detail: String,
    },
}

impl EncryptError {
    /// The stable numeric code of this error (600–699).
    pub fn code(&self) -> u32 {
        match self {
            EncryptError::Parse(_) => 600,
            EncryptError::NoRecipients => 601,
            EncryptError::RecipientRefused { .. } => 602,
            EncryptError::UnsupportedAlgorithm { .. } => 603,
            EncryptError::Sign(_) => 604,
            EncryptError::Encoding { .. } => 605,
            EncryptError::NotAccepted { .. } => 606,
        }
    }
}

impl fmt::Display for EncryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptError::Parse(e) => write!(f, "cannot encrypt: {e}"),
            EncryptError::NoRecipients => write!(f, "cannot encrypt: no recipient was given"),
            EncryptError::RecipientRefused { recipient, reason } => {
                write!(f, "cannot encrypt to {recipient}: {reason}")
            }
            EncryptError::UnsupportedAlgorithm { detail } => {
                write!(f, "cannot encrypt: unsupported algorithm: {detail}")
            }
            EncryptError::Sign(e) => write!(f, "cannot encrypt: {e}"),
            EncryptError::NotAccepted { detail } => write!(f, "cannot encrypt: {detail}"),
            EncryptError::Encoding { detail } => {
                write!(f, "cannot encrypt: encoding failed: {detail}")
            }
        }
    }
}

impl std::error::Error for EncryptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EncryptError::Parse(e) => Some(e),
            EncryptError::Sign(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for EncryptError {
    fn from(e: ParseError) -> Self {
        EncryptError::Parse(e)
    }
}

impl From<SignError> for EncryptError {
    fn from(e: SignError) -> Self {
        EncryptError::Sign(e)
    }
}

impl From<der::Error> for EncryptError {
    fn from(e: der::Error) -> Self {
        EncryptError::Encoding {
            detail: e.to_string(),
        }
    }
}

/// Why decryption failed.
///
/// Every failure to recover the content with the keys given — no recipient info for any of
/// them, bad PKCS#1 v1.5 padding, a content-encryption key of the wrong length, a wrong key,
/// a failed GCM tag, bad CBC padding — is the one variant [`DecryptError::CannotDecrypt`], so
/// the error tells an attacker nothing about which step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// The message or its CMS structure could not be parsed.
    Parse(ParseError),
    /// The input is not encrypted.
    NotEncrypted,
    /// None of the keys given can decrypt the message, or it was altered.
    CannotDecrypt,
    /// The content-encryption algorithm is not supported.
    UnsupportedAlgorithm {
        /// What was found.
        detail: String,
    },
    /// No key was given.
    NoKeys,
    /// Verifying an inner signed layer could not run.
    Verify(VerifyError),
    /// The policy does not accept how the message is encrypted (content without integrity
    /// protection under a strict policy).
    NotAccepted {
        /// What was refused, for a person.
        detail: String,
    },
}

impl DecryptError {
    /// The stable numeric code of this error (700–799).
    pub fn code(&self) -> u32 {
        match self {
            DecryptError::Parse(_) => 700,
            DecryptError::NotEncrypted => 701,
            DecryptError::CannotDecrypt => 702,
            DecryptError::UnsupportedAlgorithm { .. } => 703,
            DecryptError::NoKeys => 704,
            DecryptError::Verify(_) => 705,
            DecryptError::NotAccepted { .. } => 706,
        }
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::Parse(e) => write!(f, "cannot decrypt: {e}"),
            DecryptError::NotEncrypted => write!(f, "cannot decrypt: the message is not encrypted"),
            DecryptError::CannotDecrypt => write!(
                f,
                "cannot decrypt: none of the keys opens this message, or it was altered"
            ),
            DecryptError::UnsupportedAlgorithm { detail } => {
                write!(f, "cannot decrypt: unsupported algorithm: {detail}")
            }
            DecryptError::NoKeys => write!(f, "cannot decrypt: no private key was given"),
            DecryptError::Verify(e) => write!(f, "{e}"),
            DecryptError::NotAccepted { detail } => write!(f, "refused: {detail}"),
        }
    }
}

impl std::error::Error for DecryptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecryptError::Parse(e) => Some(e),
            DecryptError::Verify(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ParseError> for DecryptError {
    fn from(e: ParseError) -> Self {
        DecryptError::Parse(e)
    }
}

impl From<VerifyError> for DecryptError {
    fn from(e: VerifyError) -> Self {
        DecryptError::Verify(e)
    }
}
