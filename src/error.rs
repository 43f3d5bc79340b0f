//! Errors: one `#[non_exhaustive]` enum per operation.
//!
//! Every variant has a stable numeric code ([`ParseError::code`] and friends) that the C ABI
//! exposes. The codes live in one table, [`codes`]: a `pub const SMIME_…` per code, grouped
//! by area, and [`codes::ALL`] listing them all. Codes are grouped by area and never reused:
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
//! | 900–949 | certificate use ([`crate::sign::SignerCertificateProblem`], [`crate::validate::ValidityFailure`]…) |
//! | 950–999 | certificate paths ([`crate::validate::ChainFailure`]) |
//! | 1000–1099 | CMS structures (reserved for the CMS layer's error type) |
//! | 1100–1149 | private-key operations ([`crate::crypto::keys::KeyOperationError`]) |
//! | 1200–1249 | I/O ([`IoError`], by [`std::io::ErrorKind`]) |
//!
//! **A wrapping variant keeps the inner code.** `SignError::Parse(e).code()` is `e.code()`,
//! `SignError::Key(k).code()` is `k.code()`, and so on for every variant that holds another
//! error of this library: the code names what actually failed (an empty input, a wrong
//! password), not the operation that was running, which the caller knows.
//!
//! **Display does not repeat the source.** A wrapping variant's `Display` gives only its own
//! context ("cannot sign") and [`std::error::Error::source`] returns the wrapped error. A
//! variant that adds no context of its own is transparent: its `Display` and `source()` are
//! those of the wrapped error. Either way each message of the chain appears once;
//! [`display_chain`] joins them into the full sentence for a person ("cannot sign: the input
//! is empty").
//!
//! **I/O errors keep their kind.** A variant that wraps an I/O failure holds an [`IoError`],
//! which keeps the [`std::io::Error`] and so its [`std::io::ErrorKind`]; its code tells the
//! common kinds apart ([`codes::SMIME_IO_NOT_FOUND`], [`codes::SMIME_IO_PERMISSION_DENIED`]…),
//! and [`io_kind`] finds the kind anywhere in a chain.
//!
//! A verification that *runs* never ends in an error: a bad signature, an untrusted chain or an
//! address mismatch is a finding in the [`crate::verify::VerifyReport`], not an `Err`.

pub mod codes;

use codes::*;
use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;

/// The messages of `error` and of every error in its [`source`](Error::source) chain, joined
/// with ": " (for example "cannot sign: the private-key operation failed: the user
/// cancelled"). This is the complete message to show a person; the library's own errors do
/// not repeat their source in their `Display`, so `error.to_string()` alone is only the
/// outermost part.
pub fn display_chain(error: &dyn Error) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    let mut depth = 0;
    while let Some(e) = next {
        // A source chain is finite in practice; the bound guards against a cyclic one.
        depth += 1;
        if depth > 64 {
            break;
        }
        out.push_str(": ");
        out.push_str(&e.to_string());
        next = e.source();
    }
    out
}

/// The [`io::ErrorKind`] of the first I/O error in the chain of `error` (`error` itself
/// included), if there is one: an [`IoError`] of this library or a [`std::io::Error`].
pub fn io_kind(error: &(dyn Error + 'static)) -> Option<io::ErrorKind> {
    let mut next = Some(error);
    let mut depth = 0;
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<IoError>() {
            return Some(io.kind());
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        depth += 1;
        if depth > 64 {
            break;
        }
        next = e.source();
    }
    None
}

/// An I/O failure: the [`std::io::Error`], kept (with its [`io::ErrorKind`]) in a form that
/// can be cloned and compared, as the error enums of this library are.
///
/// Its `Display` is the I/O error's; its code depends on the kind ([`IoError::code`]). Two
/// `IoError`s are equal when their kind and message are.
#[derive(Debug, Clone)]
pub struct IoError {
    error: Arc<io::Error>,
}

impl IoError {
    /// The kind of the I/O error.
    pub fn kind(&self) -> io::ErrorKind {
        self.error.kind()
    }

    /// The I/O error itself.
    pub fn get_ref(&self) -> &io::Error {
        &self.error
    }

    /// The stable numeric code of this error (1200–1249), by kind: not found, permission
    /// denied, already exists, unexpected end of file, broken pipe, storage full, or other.
    pub fn code(&self) -> u32 {
        match self.kind() {
            io::ErrorKind::NotFound => SMIME_IO_NOT_FOUND,
            io::ErrorKind::PermissionDenied => SMIME_IO_PERMISSION_DENIED,
            io::ErrorKind::AlreadyExists => SMIME_IO_ALREADY_EXISTS,
            io::ErrorKind::UnexpectedEof => SMIME_IO_UNEXPECTED_EOF,
            io::ErrorKind::BrokenPipe => SMIME_IO_BROKEN_PIPE,
            io::ErrorKind::StorageFull => SMIME_IO_STORAGE_FULL,
            _ => SMIME_IO_OTHER,
        }
    }
}

impl From<io::Error> for IoError {
    fn from(error: io::Error) -> Self {
        IoError {
            error: Arc::new(error),
        }
    }
}

impl PartialEq for IoError {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind() && self.error.to_string() == other.error.to_string()
    }
}

impl Eq for IoError {}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Transparent: the I/O error's own message and source.
        fmt::Display::fmt(&self.error, f)
    }
}

impl Error for IoError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

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
            ParseError::Empty => SMIME_PARSE_EMPTY,
            ParseError::TooLarge { .. } => SMIME_PARSE_TOO_LARGE,
            ParseError::TooDeep { .. } => SMIME_PARSE_TOO_DEEP,
            ParseError::TooMany { .. } => SMIME_PARSE_TOO_MANY,
            ParseError::MalformedDer { .. } => SMIME_PARSE_MALFORMED_DER,
            ParseError::MalformedMime { .. } => SMIME_PARSE_MALFORMED_MIME,
            ParseError::Base64 { .. } => SMIME_PARSE_BASE64,
            ParseError::Pem { .. } => SMIME_PARSE_PEM,
            ParseError::NotSmime { .. } => SMIME_PARSE_NOT_SMIME,
            ParseError::UnsupportedContentType { .. } => SMIME_PARSE_UNSUPPORTED_CONTENT_TYPE,
            ParseError::Certificate { .. } => SMIME_PARSE_CERTIFICATE,
            ParseError::AmbiguousMime { .. } => SMIME_PARSE_AMBIGUOUS_MIME,
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
    /// The certificate could not be parsed (transparent: the parse error's message and code).
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
    /// The forms of the key in one structure disagree: the seed and the expanded key of a
    /// post-quantum key, or its private and public key.
    InconsistentForms {
        /// Which forms disagree, for a person.
        detail: String,
    },
}

impl KeyError {
    /// The stable numeric code of this error (400–499; that of the certificate's
    /// [`ParseError`] for [`KeyError::Certificate`]).
    pub fn code(&self) -> u32 {
        match self {
            KeyError::Unrecognized { .. } => SMIME_KEY_UNRECOGNIZED,
            KeyError::Unsupported { .. } => SMIME_KEY_UNSUPPORTED,
            KeyError::Mismatch => SMIME_KEY_MISMATCH,
            KeyError::TooWeak { .. } => SMIME_KEY_TOO_WEAK,
            KeyError::Certificate(e) => e.code(),
            KeyError::WrongPassword => SMIME_KEY_WRONG_PASSWORD,
            KeyError::IterationsTooHigh { .. } => SMIME_KEY_ITERATIONS_TOO_HIGH,
            KeyError::Random { .. } => SMIME_KEY_RANDOM,
            KeyError::InconsistentForms { .. } => SMIME_KEY_INCONSISTENT_FORMS,
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
            KeyError::InconsistentForms { detail } => {
                write!(f, "the key is inconsistent: {detail}")
            }
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Transparent: Display is the parse error's.
            KeyError::Certificate(e) => e.source(),
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
    KeyOperation(crate::crypto::keys::KeyOperationError),
    /// A key or certificate was unusable.
    Key(KeyError),
    /// The output could not be encoded.
    Encoding {
        /// What failed.
        detail: String,
    },
    /// Reading the content or writing the output failed.
    Io(IoError),
    /// The signer certificate may not sign e-mail (expired, not yet valid, key usage or
    /// extended key usage).
    CertificateNotUsable(crate::sign::SignerCertificateProblem),
}

impl SignError {
    /// The stable numeric code of this error (200–299), or the wrapped error's for the
    /// variants that wrap one (`Parse`, `KeyOperation`, `Key`, `Io`, `CertificateNotUsable`).
    pub fn code(&self) -> u32 {
        match self {
            SignError::Parse(e) => e.code(),
            SignError::EightBitContent { .. } => SMIME_SIGN_EIGHT_BIT_CONTENT,
            SignError::NoSigner => SMIME_SIGN_NO_SIGNER,
            SignError::UnsupportedAlgorithm { .. } => SMIME_SIGN_UNSUPPORTED_ALGORITHM,
            SignError::KeyOperation(e) => e.code(),
            SignError::Key(e) => e.code(),
            SignError::Encoding { .. } => SMIME_SIGN_ENCODING,
            SignError::Io(e) => e.code(),
            SignError::CertificateNotUsable(e) => e.code(),
        }
    }

    /// The kind of the I/O error behind this error, if it is one.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        io_kind(self)
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Parse(_) | SignError::Key(_) => write!(f, "cannot sign"),
            SignError::EightBitContent { detail } => write!(
                f,
                "cannot sign: {detail}; encode the part as base64 or quoted-printable first"
            ),
            SignError::NoSigner => write!(f, "cannot sign: no signer was given"),
            SignError::UnsupportedAlgorithm { detail } => {
                write!(f, "cannot sign: unsupported algorithm: {detail}")
            }
            SignError::KeyOperation(_) => {
                write!(f, "cannot sign: the private-key operation failed")
            }
            SignError::Encoding { detail } => write!(f, "cannot sign: encoding failed: {detail}"),
            SignError::Io(_) => write!(f, "cannot sign: I/O error"),
            SignError::CertificateNotUsable(_) => write!(f, "cannot sign with this certificate"),
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignError::Parse(e) => Some(e),
            SignError::KeyOperation(e) => Some(e),
            SignError::Key(e) => Some(e),
            SignError::Io(e) => Some(e),
            SignError::CertificateNotUsable(e) => Some(e),
            SignError::EightBitContent { .. }
            | SignError::NoSigner
            | SignError::UnsupportedAlgorithm { .. }
            | SignError::Encoding { .. } => None,
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
    /// A parse error carried through a streaming reader or writer is that parse error;
    /// anything else is an I/O error.
    fn from(e: std::io::Error) -> Self {
        match crate::stream::parse_error(&e) {
            Some(p) => SignError::Parse(p),
            None => SignError::Io(e.into()),
        }
    }
}

impl From<crate::crypto::keys::KeyOperationError> for SignError {
    fn from(e: crate::crypto::keys::KeyOperationError) -> Self {
        SignError::KeyOperation(e)
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
    Io(IoError),
}

impl VerifyError {
    /// The stable numeric code of this error: every variant wraps another error and has its
    /// code (the 300–399 range has no code of its own today).
    pub fn code(&self) -> u32 {
        match self {
            VerifyError::Parse(e) | VerifyError::Certificate(e) => e.code(),
            VerifyError::Io(e) => e.code(),
        }
    }

    /// The kind of the I/O error behind this error, if it is one.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        io_kind(self)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Parse(_) => write!(f, "cannot verify"),
            VerifyError::Certificate(_) => write!(f, "cannot verify: supplied certificate"),
            VerifyError::Io(_) => write!(f, "cannot verify: I/O error"),
        }
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifyError::Parse(e) | VerifyError::Certificate(e) => Some(e),
            VerifyError::Io(e) => Some(e),
        }
    }
}

impl From<ParseError> for VerifyError {
    fn from(e: ParseError) -> Self {
        VerifyError::Parse(e)
    }
}

impl From<std::io::Error> for VerifyError {
    /// A parse error carried through a streaming reader or writer is that parse error;
    /// anything else is an I/O error.
    fn from(e: std::io::Error) -> Self {
        match crate::stream::parse_error(&e) {
            Some(p) => VerifyError::Parse(p),
            None => VerifyError::Io(e.into()),
        }
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
    /// Reading the message or writing the output failed (streaming).
    Io(IoError),
}

impl EncryptError {
    /// The stable numeric code of this error (600–699), or the wrapped error's for `Parse`
    /// and `Sign`.
    pub fn code(&self) -> u32 {
        match self {
            EncryptError::Parse(e) => e.code(),
            EncryptError::NoRecipients => SMIME_ENCRYPT_NO_RECIPIENTS,
            EncryptError::RecipientRefused { .. } => SMIME_ENCRYPT_RECIPIENT_REFUSED,
            EncryptError::UnsupportedAlgorithm { .. } => SMIME_ENCRYPT_UNSUPPORTED_ALGORITHM,
            EncryptError::Sign(e) => e.code(),
            EncryptError::Encoding { .. } => SMIME_ENCRYPT_ENCODING,
            EncryptError::NotAccepted { .. } => SMIME_ENCRYPT_NOT_ACCEPTED,
            EncryptError::Io(e) => e.code(),
        }
    }

    /// The kind of the I/O error behind this error, if it is one.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        io_kind(self)
    }
}

impl fmt::Display for EncryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptError::Parse(_) | EncryptError::Sign(_) => write!(f, "cannot encrypt"),
            EncryptError::NoRecipients => write!(f, "cannot encrypt: no recipient was given"),
            EncryptError::RecipientRefused { recipient, reason } => {
                write!(f, "cannot encrypt to {recipient}: {reason}")
            }
            EncryptError::UnsupportedAlgorithm { detail } => {
                write!(f, "cannot encrypt: unsupported algorithm: {detail}")
            }
            EncryptError::NotAccepted { detail } => write!(f, "cannot encrypt: {detail}"),
            EncryptError::Encoding { detail } => {
                write!(f, "cannot encrypt: encoding failed: {detail}")
            }
            EncryptError::Io(_) => write!(f, "cannot encrypt: I/O error"),
        }
    }
}

impl std::error::Error for EncryptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EncryptError::Parse(e) => Some(e),
            EncryptError::Sign(e) => Some(e),
            EncryptError::Io(e) => Some(e),
            EncryptError::NoRecipients
            | EncryptError::RecipientRefused { .. }
            | EncryptError::UnsupportedAlgorithm { .. }
            | EncryptError::Encoding { .. }
            | EncryptError::NotAccepted { .. } => None,
        }
    }
}

impl From<ParseError> for EncryptError {
    fn from(e: ParseError) -> Self {
        EncryptError::Parse(e)
    }
}

impl From<io::Error> for EncryptError {
    /// A parse error carried through a streaming reader or writer is that parse error;
    /// anything else is an I/O error.
    fn from(e: io::Error) -> Self {
        match crate::stream::parse_error(&e) {
            Some(p) => EncryptError::Parse(p),
            None => EncryptError::Io(e.into()),
        }
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
/// the error tells an attacker nothing about which step failed. A key that declined or could
/// not be reached (a cancelled prompt, a removed card) is [`DecryptError::Key`]: that failure
/// does not depend on the message.
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
    /// Verifying an inner signed layer could not run (transparent: the verification error's
    /// message, source and code).
    Verify(VerifyError),
    /// The policy does not accept how the message is encrypted (content without integrity
    /// protection under a strict policy).
    NotAccepted {
        /// What was refused, for a person.
        detail: String,
    },
    /// A private key that could have opened the message declined or could not be reached
    /// (a cancelled PIN or biometric prompt, a removed smart card:
    /// [`KeyOperationError::Refused`](crate::keys::KeyOperationError::Refused) or
    /// [`Unavailable`](crate::keys::KeyOperationError::Unavailable)), and no other key
    /// opened it. Transparent: the key error's message and code. Other key failures are
    /// [`DecryptError::CannotDecrypt`] (RFC 3218).
    Key(crate::keys::KeyOperationError),
    /// Reading the message, the spool or writing the output failed (streaming).
    Io(IoError),
    /// The content of an encrypted layer without integrity protection (EnvelopedData, CBC)
    /// does not parse as the MIME entity it must be: it was altered (blocks changed or
    /// injected, which CBC cannot detect) or is damaged ([`open`](crate::decrypt::open)).
    AlteredOrCorrupt {
        /// What did not parse, for a person.
        detail: String,
    },
}

impl DecryptError {
    /// The stable numeric code of this error (700–799), or the wrapped error's for `Parse`
    /// and `Verify`.
    pub fn code(&self) -> u32 {
        match self {
            DecryptError::Parse(e) => e.code(),
            DecryptError::NotEncrypted => SMIME_DECRYPT_NOT_ENCRYPTED,
            DecryptError::CannotDecrypt => SMIME_DECRYPT_CANNOT_DECRYPT,
            DecryptError::UnsupportedAlgorithm { .. } => SMIME_DECRYPT_UNSUPPORTED_ALGORITHM,
            DecryptError::NoKeys => SMIME_DECRYPT_NO_KEYS,
            DecryptError::Verify(e) => e.code(),
            DecryptError::NotAccepted { .. } => SMIME_DECRYPT_NOT_ACCEPTED,
            DecryptError::Key(e) => e.code(),
            DecryptError::Io(e) => e.code(),
            DecryptError::AlteredOrCorrupt { .. } => SMIME_DECRYPT_ALTERED_OR_CORRUPT,
        }
    }

    /// The kind of the I/O error behind this error, if it is one.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        io_kind(self)
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::Parse(_) => write!(f, "cannot decrypt"),
            DecryptError::NotEncrypted => write!(f, "cannot decrypt: the message is not encrypted"),
            DecryptError::CannotDecrypt => write!(
                f,
                "cannot decrypt: none of the keys opens this message, or it was altered"
            ),
            DecryptError::UnsupportedAlgorithm { detail } => {
                write!(f, "cannot decrypt: unsupported algorithm: {detail}")
            }
            DecryptError::NoKeys => write!(f, "cannot decrypt: no private key was given"),
            DecryptError::Verify(e) => fmt::Display::fmt(e, f),
            DecryptError::NotAccepted { detail } => write!(f, "refused: {detail}"),
            DecryptError::Key(e) => fmt::Display::fmt(e, f),
            DecryptError::Io(_) => write!(f, "cannot decrypt: I/O error"),
            DecryptError::AlteredOrCorrupt { detail } => write!(
                f,
                "the decrypted content was altered or is damaged (no integrity protection): {detail}"
            ),
        }
    }
}

impl std::error::Error for DecryptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecryptError::Parse(e) => Some(e),
            // Transparent: Display is the verification error's.
            DecryptError::Verify(e) => e.source(),
            DecryptError::NotEncrypted
            | DecryptError::CannotDecrypt
            | DecryptError::UnsupportedAlgorithm { .. }
            | DecryptError::NoKeys
            | DecryptError::NotAccepted { .. }
            | DecryptError::AlteredOrCorrupt { .. } => None,
            // Transparent: Display is the key error's.
            DecryptError::Key(e) => e.source(),
            DecryptError::Io(e) => Some(e),
        }
    }
}

impl From<ParseError> for DecryptError {
    fn from(e: ParseError) -> Self {
        DecryptError::Parse(e)
    }
}

impl From<io::Error> for DecryptError {
    /// A parse error carried through a streaming reader is that parse error; anything else
    /// is an I/O error.
    fn from(e: io::Error) -> Self {
        match crate::stream::parse_error(&e) {
            Some(p) => DecryptError::Parse(p),
            None => DecryptError::Io(e.into()),
        }
    }
}

impl From<VerifyError> for DecryptError {
    fn from(e: VerifyError) -> Self {
        DecryptError::Verify(e)
    }
}

#[cfg(test)]
mod tests {
    use super::codes::{self, ALL, Area, RETIRED};
    use super::*;
    use crate::crypto::keys::KeyOperationError;
    use crate::keyring::KeyringError;
    use crate::keyring::store::StoreError;
    use crate::pkcs12::Pkcs12Error;
    use crate::sign::SignerCertificateProblem;
    use crate::validate::ValidityFailure;
    use crate::validate::revocation::UnknownReason;
    use crate::validate::{ChainFailure, EkuFailure, KeyUsageFailure, RecipientProblem};
    use std::collections::HashSet;
    use std::time::SystemTime;

    #[test]
    fn parse_errors_through_streams_stay_parse_errors() {
        let e = || crate::stream::invalid(ParseError::Empty);
        assert_eq!(SignError::from(e()), SignError::Parse(ParseError::Empty));
        assert_eq!(
            VerifyError::from(e()),
            VerifyError::Parse(ParseError::Empty)
        );
        assert_eq!(
            EncryptError::from(e()),
            EncryptError::Parse(ParseError::Empty)
        );
        assert_eq!(
            DecryptError::from(e()),
            DecryptError::Parse(ParseError::Empty)
        );
        let broken = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(
            EncryptError::from(broken()).io_kind(),
            Some(io::ErrorKind::BrokenPipe)
        );
        assert_eq!(
            DecryptError::from(broken()).code(),
            codes::SMIME_IO_BROKEN_PIPE
        );
    }

    fn s() -> String {
        "x".to_string()
    }

    fn io(kind: io::ErrorKind) -> IoError {
        io::Error::new(kind, "disk says no").into()
    }

    /// One value of every variant of every error type of the library, with its code.
    ///
    /// Each group ends with a `match` without a wildcard arm (inside the crate a
    /// `#[non_exhaustive]` enum must be matched exhaustively): a new variant does not compile
    /// until it is named there, next to the list it must then be added to.
    fn every_variant() -> Vec<(Box<dyn Error>, u32)> {
        let mut all: Vec<(Box<dyn Error>, u32)> = Vec::new();
        macro_rules! add {
            ($list:expr, $check:expr) => {
                let list = $list;
                let mut seen = HashSet::new();
                for e in list {
                    $check(&e);
                    assert!(
                        seen.insert(std::mem::discriminant(&e)),
                        "two samples of one variant: {e:?}"
                    );
                    let code = e.code();
                    all.push((Box::new(e), code));
                }
            };
        }
        let time = SystemTime::UNIX_EPOCH;
        add!(
            [
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
                ParseError::Base64 { detail: s() },
                ParseError::Pem { detail: s() },
                ParseError::NotSmime { detail: s() },
                ParseError::UnsupportedContentType { oid: s() },
                ParseError::Certificate { detail: s() },
                ParseError::AmbiguousMime {
                    field: "Content-Type",
                    location: s(),
                },
            ],
            |e: &ParseError| match e {
                ParseError::Empty
                | ParseError::TooLarge { .. }
                | ParseError::TooDeep { .. }
                | ParseError::TooMany { .. }
                | ParseError::MalformedDer { .. }
                | ParseError::MalformedMime { .. }
                | ParseError::Base64 { .. }
                | ParseError::Pem { .. }
                | ParseError::NotSmime { .. }
                | ParseError::UnsupportedContentType { .. }
                | ParseError::Certificate { .. }
                | ParseError::AmbiguousMime { .. } => {}
            }
        );
        add!(
            [
                KeyError::Unrecognized { detail: s() },
                KeyError::Unsupported { detail: s() },
                KeyError::Mismatch,
                KeyError::TooWeak { bits: 1024 },
                KeyError::Certificate(ParseError::Certificate { detail: s() }),
                KeyError::WrongPassword,
                KeyError::IterationsTooHigh { found: 2, limit: 1 },
                KeyError::Random { detail: s() },
                KeyError::InconsistentForms { detail: s() },
            ],
            |e: &KeyError| match e {
                KeyError::Unrecognized { .. }
                | KeyError::Unsupported { .. }
                | KeyError::Mismatch
                | KeyError::TooWeak { .. }
                | KeyError::Certificate(_)
                | KeyError::WrongPassword
                | KeyError::IterationsTooHigh { .. }
                | KeyError::Random { .. }
                | KeyError::InconsistentForms { .. } => {}
            }
        );
        add!(
            [
                crate::cms::CmsError::Malformed(ParseError::Empty),
                crate::cms::CmsError::NotEncrypted,
                crate::cms::CmsError::UnsupportedAlgorithm { detail: s() },
                crate::cms::CmsError::CannotDecrypt,
                crate::cms::CmsError::RecipientRefused {
                    recipient: s(),
                    reason: s(),
                },
                crate::cms::CmsError::Encoding { detail: s() },
                crate::cms::CmsError::KeyDeclined(KeyOperationError::Refused { detail: s() }),
            ],
            |e: &crate::cms::CmsError| match e {
                crate::cms::CmsError::Malformed(_)
                | crate::cms::CmsError::NotEncrypted
                | crate::cms::CmsError::UnsupportedAlgorithm { .. }
                | crate::cms::CmsError::CannotDecrypt
                | crate::cms::CmsError::RecipientRefused { .. }
                | crate::cms::CmsError::Encoding { .. }
                | crate::cms::CmsError::KeyDeclined(_) => {}
            }
        );
        add!(
            [
                KeyOperationError::Unsupported { detail: s() },
                KeyOperationError::InvalidInput { detail: s() },
                KeyOperationError::Refused { detail: s() },
                KeyOperationError::Unavailable { detail: s() },
                KeyOperationError::Failed { detail: s() },
                KeyOperationError::Platform {
                    code: -25300,
                    detail: s(),
                },
            ],
            |e: &KeyOperationError| match e {
                KeyOperationError::Unsupported { .. }
                | KeyOperationError::InvalidInput { .. }
                | KeyOperationError::Refused { .. }
                | KeyOperationError::Unavailable { .. }
                | KeyOperationError::Failed { .. }
                | KeyOperationError::Platform { .. } => {}
            }
        );
        add!(
            [
                ValidityFailure::NotYetValid { not_before: time },
                ValidityFailure::Expired { not_after: time },
            ],
            |e: &ValidityFailure| match e {
                ValidityFailure::NotYetValid { .. } | ValidityFailure::Expired { .. } => {}
            }
        );
        add!(
            [KeyUsageFailure::NoSigningUsage, KeyUsageFailure::Malformed],
            |e: &KeyUsageFailure| match e {
                KeyUsageFailure::NoSigningUsage | KeyUsageFailure::Malformed => {}
            }
        );
        add!(
            [
                EkuFailure::NoEmailProtection {
                    present: vec!["1.3.6.1.5.5.7.3.1".into()],
                },
                EkuFailure::Malformed,
            ],
            |e: &EkuFailure| match e {
                EkuFailure::NoEmailProtection { .. } | EkuFailure::Malformed => {}
            }
        );
        add!(
            [
                SignerCertificateProblem::Unparsable { detail: s() },
                SignerCertificateProblem::Validity(ValidityFailure::Expired { not_after: time }),
                SignerCertificateProblem::KeyUsage(KeyUsageFailure::NoSigningUsage),
                SignerCertificateProblem::ExtendedKeyUsage(EkuFailure::Malformed),
            ],
            |e: &SignerCertificateProblem| match e {
                SignerCertificateProblem::Unparsable { .. }
                | SignerCertificateProblem::Validity(_)
                | SignerCertificateProblem::KeyUsage(_)
                | SignerCertificateProblem::ExtendedKeyUsage(_) => {}
            }
        );
        add!(
            [
                RecipientProblem::Expired { not_after: time },
                RecipientProblem::NotYetValid { not_before: time },
                RecipientProblem::KeyUsage {
                    detail: "lacks keyEncipherment",
                },
                RecipientProblem::ExtendedKeyUsage(EkuFailure::Malformed),
                RecipientProblem::UnsupportedKey { algorithm: s() },
                RecipientProblem::WeakKey {
                    bits: 1024,
                    minimum: 2048,
                },
            ],
            |e: &RecipientProblem| match e {
                RecipientProblem::Expired { .. }
                | RecipientProblem::NotYetValid { .. }
                | RecipientProblem::KeyUsage { .. }
                | RecipientProblem::ExtendedKeyUsage(_)
                | RecipientProblem::UnsupportedKey { .. }
                | RecipientProblem::WeakKey { .. } => {}
            }
        );
        add!(
            [
                ChainFailure::NoTrustAnchors,
                ChainFailure::UnknownIssuer,
                ChainFailure::PinnedCertificate,
                ChainFailure::Expired { subject: s() },
                ChainFailure::NotYetValid { subject: s() },
                ChainFailure::BadSignature { subject: s() },
                ChainFailure::UnsupportedSignatureAlgorithm {
                    subject: s(),
                    detail: s(),
                },
                ChainFailure::WeakAlgorithm {
                    subject: s(),
                    detail: s(),
                },
                ChainFailure::NotCa { subject: s() },
                ChainFailure::PathTooLong { subject: s() },
                ChainFailure::CaKeyUsage { subject: s() },
                ChainFailure::NameChaining { subject: s() },
                ChainFailure::NameConstraints { subject: s() },
                ChainFailure::NoAcceptablePolicy,
                ChainFailure::InvalidPolicyMapping { subject: s() },
                ChainFailure::UnprocessedCriticalExtension { subject: s() },
                ChainFailure::Revoked {
                    subject: s(),
                    reason: None,
                },
                ChainFailure::RevocationUnknown {
                    subject: s(),
                    reason: UnknownReason::NoCrl,
                },
                ChainFailure::EkuNotAllowed,
                ChainFailure::Malformed { detail: s() },
                ChainFailure::Other { detail: s() },
            ],
            |e: &ChainFailure| match e {
                ChainFailure::NoTrustAnchors
                | ChainFailure::UnknownIssuer
                | ChainFailure::PinnedCertificate
                | ChainFailure::Expired { .. }
                | ChainFailure::NotYetValid { .. }
                | ChainFailure::BadSignature { .. }
                | ChainFailure::UnsupportedSignatureAlgorithm { .. }
                | ChainFailure::WeakAlgorithm { .. }
                | ChainFailure::NotCa { .. }
                | ChainFailure::PathTooLong { .. }
                | ChainFailure::CaKeyUsage { .. }
                | ChainFailure::NameChaining { .. }
                | ChainFailure::NameConstraints { .. }
                | ChainFailure::NoAcceptablePolicy
                | ChainFailure::InvalidPolicyMapping { .. }
                | ChainFailure::UnprocessedCriticalExtension { .. }
                | ChainFailure::Revoked { .. }
                | ChainFailure::RevocationUnknown { .. }
                | ChainFailure::EkuNotAllowed
                | ChainFailure::Malformed { .. }
                | ChainFailure::Other { .. } => {}
            }
        );
        add!(
            [
                SignError::Parse(ParseError::Empty),
                SignError::EightBitContent { detail: s() },
                SignError::NoSigner,
                SignError::UnsupportedAlgorithm { detail: s() },
                SignError::KeyOperation(KeyOperationError::Refused {
                    detail: "the user cancelled".into(),
                }),
                SignError::Key(KeyError::Mismatch),
                SignError::Encoding { detail: s() },
                SignError::Io(io(io::ErrorKind::BrokenPipe)),
                SignError::CertificateNotUsable(SignerCertificateProblem::Validity(
                    ValidityFailure::NotYetValid { not_before: time },
                )),
            ],
            |e: &SignError| match e {
                SignError::Parse(_)
                | SignError::EightBitContent { .. }
                | SignError::NoSigner
                | SignError::UnsupportedAlgorithm { .. }
                | SignError::KeyOperation(_)
                | SignError::Key(_)
                | SignError::Encoding { .. }
                | SignError::Io(_)
                | SignError::CertificateNotUsable(_) => {}
            }
        );
        add!(
            [
                VerifyError::Parse(ParseError::mime("x")),
                VerifyError::Certificate(ParseError::Certificate { detail: s() }),
                VerifyError::Io(io(io::ErrorKind::PermissionDenied)),
            ],
            |e: &VerifyError| match e {
                VerifyError::Parse(_) | VerifyError::Certificate(_) | VerifyError::Io(_) => {}
            }
        );
        add!(
            [
                EncryptError::Parse(ParseError::TooDeep { limit: 1 }),
                EncryptError::NoRecipients,
                EncryptError::RecipientRefused {
                    recipient: s(),
                    reason: s(),
                },
                EncryptError::UnsupportedAlgorithm { detail: s() },
                EncryptError::Sign(SignError::NoSigner),
                EncryptError::Encoding { detail: s() },
                EncryptError::NotAccepted { detail: s() },
                EncryptError::Io(io(io::ErrorKind::BrokenPipe)),
            ],
            |e: &EncryptError| match e {
                EncryptError::Parse(_)
                | EncryptError::NoRecipients
                | EncryptError::RecipientRefused { .. }
                | EncryptError::UnsupportedAlgorithm { .. }
                | EncryptError::Sign(_)
                | EncryptError::Encoding { .. }
                | EncryptError::NotAccepted { .. }
                | EncryptError::Io(_) => {}
            }
        );
        add!(
            [
                DecryptError::Parse(ParseError::der("x")),
                DecryptError::NotEncrypted,
                DecryptError::CannotDecrypt,
                DecryptError::UnsupportedAlgorithm { detail: s() },
                DecryptError::NoKeys,
                DecryptError::Verify(VerifyError::Parse(ParseError::Empty)),
                DecryptError::NotAccepted { detail: s() },
                DecryptError::Key(KeyOperationError::Unavailable { detail: s() }),
                DecryptError::Io(io(io::ErrorKind::UnexpectedEof)),
                DecryptError::AlteredOrCorrupt { detail: s() },
            ],
            |e: &DecryptError| match e {
                DecryptError::Parse(_)
                | DecryptError::NotEncrypted
                | DecryptError::CannotDecrypt
                | DecryptError::UnsupportedAlgorithm { .. }
                | DecryptError::NoKeys
                | DecryptError::Verify(_)
                | DecryptError::NotAccepted { .. }
                | DecryptError::Key(_)
                | DecryptError::Io(_)
                | DecryptError::AlteredOrCorrupt { .. } => {}
            }
        );
        add!(
            [
                Pkcs12Error::Empty,
                Pkcs12Error::WrongPassword,
                Pkcs12Error::Malformed { detail: s() },
                Pkcs12Error::UnsupportedAlgorithm { detail: s() },
                Pkcs12Error::TooManyIterations { found: 2, limit: 1 },
                Pkcs12Error::TooLarge { limit: 1 },
                Pkcs12Error::TooManyBags { limit: 1 },
                Pkcs12Error::NoKey,
                Pkcs12Error::NoCertificateForKey,
                Pkcs12Error::Key(KeyError::WrongPassword),
                Pkcs12Error::Random { detail: s() },
                Pkcs12Error::TooMuchWork { work: 2, limit: 1 },
            ],
            |e: &Pkcs12Error| match e {
                Pkcs12Error::Empty
                | Pkcs12Error::WrongPassword
                | Pkcs12Error::Malformed { .. }
                | Pkcs12Error::UnsupportedAlgorithm { .. }
                | Pkcs12Error::TooManyIterations { .. }
                | Pkcs12Error::TooLarge { .. }
                | Pkcs12Error::TooManyBags { .. }
                | Pkcs12Error::NoKey
                | Pkcs12Error::NoCertificateForKey
                | Pkcs12Error::Key(_)
                | Pkcs12Error::Random { .. }
                | Pkcs12Error::TooMuchWork { .. } => {}
            }
        );
        add!(
            [
                StoreError::Io {
                    context: "opening /nowhere".into(),
                    source: io(io::ErrorKind::NotFound),
                },
                StoreError::NotAKeyring,
                StoreError::UnsupportedVersion {
                    found: 2,
                    supported: 1,
                },
                StoreError::Truncated,
                StoreError::Corrupted,
                StoreError::WrongKey,
                StoreError::TooLarge {
                    what: "file",
                    limit: 1,
                },
                StoreError::InvalidKey,
                StoreError::Random { detail: s() },
            ],
            |e: &StoreError| match e {
                StoreError::Io { .. }
                | StoreError::NotAKeyring
                | StoreError::UnsupportedVersion { .. }
                | StoreError::Truncated
                | StoreError::Corrupted
                | StoreError::WrongKey
                | StoreError::TooLarge { .. }
                | StoreError::InvalidKey
                | StoreError::Random { .. } => {}
            }
        );
        add!(
            [
                KeyringError::Parse(ParseError::Empty),
                KeyringError::Key(KeyError::TooWeak { bits: 1024 }),
                KeyringError::Pkcs12(Pkcs12Error::Key(KeyError::Mismatch)),
                KeyringError::Store(StoreError::Io {
                    context: "writing /nowhere".into(),
                    source: io(io::ErrorKind::PermissionDenied),
                }),
                KeyringError::NotFound { what: s() },
                KeyringError::NoSigningIdentity {
                    address: s(),
                    reason: s(),
                },
                KeyringError::RecipientsNotReady { recipients: vec![] },
                KeyringError::NothingToImport { detail: s() },
                KeyringError::Unsuitable { detail: s() },
            ],
            |e: &KeyringError| match e {
                KeyringError::Parse(_)
                | KeyringError::Key(_)
                | KeyringError::Pkcs12(_)
                | KeyringError::Store(_)
                | KeyringError::NotFound { .. }
                | KeyringError::NoSigningIdentity { .. }
                | KeyringError::RecipientsNotReady { .. }
                | KeyringError::NothingToImport { .. }
                | KeyringError::Unsuitable { .. } => {}
            }
        );
        for kind in [
            io::ErrorKind::NotFound,
            io::ErrorKind::PermissionDenied,
            io::ErrorKind::AlreadyExists,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::StorageFull,
            io::ErrorKind::Other,
        ] {
            let e = io(kind);
            let code = e.code();
            all.push((Box::new(e), code));
        }
        all
    }

    #[test]
    fn the_table_is_unique_and_every_code_in_its_area() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for row in ALL {
            assert!(codes.insert(row.code), "code {} twice", row.code);
            assert!(names.insert(row.name), "name {} twice", row.name);
            assert!(row.name.starts_with("SMIME_"), "{}", row.name);
            assert!(
                row.area.range().contains(&row.code),
                "{} = {} is outside {:?} {:?}",
                row.name,
                row.code,
                row.area,
                row.area.range()
            );
            assert_eq!(Area::of(row.code), Some(row.area), "{}", row.name);
            assert_eq!(codes::lookup(row.code), Some(row));
            assert!(
                !RETIRED.contains(&row.code),
                "{} reuses a retired code",
                row.name
            );
        }
        // The areas do not overlap.
        for (i, a) in Area::ALL.iter().enumerate() {
            for b in &Area::ALL[i + 1..] {
                assert!(
                    a.range().end() < b.range().start(),
                    "{a:?} and {b:?} overlap or are out of order"
                );
            }
        }
        // Every constant of the table's source is a row of ALL (no constant left out of the
        // list the C header and this test use).
        let source = include_str!("error/codes.rs");
        let constants: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub const "))
            .filter_map(|l| l.split(':').next())
            .collect();
        assert_eq!(constants.len(), ALL.len(), "{constants:?}");
        for c in constants {
            assert!(names.contains(c), "{c} is not in ALL");
        }
    }

    #[test]
    fn every_variant_has_a_code_of_the_table() {
        let all = every_variant();
        for (e, code) in &all {
            let row = codes::lookup(*code);
            assert!(row.is_some(), "{e:?} has code {code}, not in the table");
        }
        // Every code of the table is returned by some variant (the reserved CMS range aside),
        // except the C ABI's own codes, which the smime-ffi crate returns.
        let returned: HashSet<u32> = all.iter().map(|(_, c)| *c).collect();
        for row in ALL.iter().filter(|r| r.area != Area::Abi) {
            assert!(
                returned.contains(&row.code),
                "{} is never returned",
                row.name
            );
        }
    }

    #[test]
    fn a_wrapper_has_the_code_of_what_it_wraps() {
        assert_eq!(
            SignError::Parse(ParseError::Empty).code(),
            codes::SMIME_PARSE_EMPTY
        );
        assert_eq!(
            SignError::Key(KeyError::WrongPassword).code(),
            codes::SMIME_KEY_WRONG_PASSWORD
        );
        assert_eq!(
            SignError::KeyOperation(KeyOperationError::Refused { detail: s() }).code(),
            codes::SMIME_KEYOP_REFUSED
        );
        assert_eq!(
            SignError::CertificateNotUsable(SignerCertificateProblem::Validity(
                ValidityFailure::Expired {
                    not_after: SystemTime::UNIX_EPOCH
                }
            ))
            .code(),
            codes::SMIME_CERT_EXPIRED
        );
        // Three levels: encrypt, sign, key, certificate.
        let deep = EncryptError::Sign(SignError::Key(KeyError::Certificate(
            ParseError::Certificate { detail: s() },
        )));
        assert_eq!(deep.code(), codes::SMIME_PARSE_CERTIFICATE);
        assert_eq!(
            DecryptError::Verify(VerifyError::Parse(ParseError::mime("x"))).code(),
            codes::SMIME_PARSE_MALFORMED_MIME
        );
        assert_eq!(
            KeyringError::Pkcs12(Pkcs12Error::Key(KeyError::Mismatch)).code(),
            codes::SMIME_KEY_MISMATCH
        );
        // A variant that wraps nothing keeps its own code.
        assert_eq!(SignError::NoSigner.code(), codes::SMIME_SIGN_NO_SIGNER);
        assert_eq!(KeyError::Mismatch.code(), 402);
    }

    #[test]
    fn io_errors_keep_their_kind() {
        let not_found = SignError::from(io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(not_found.io_kind(), Some(io::ErrorKind::NotFound));
        assert_eq!(not_found.code(), codes::SMIME_IO_NOT_FOUND);
        let denied = VerifyError::from(io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(denied.io_kind(), Some(io::ErrorKind::PermissionDenied));
        assert_eq!(denied.code(), codes::SMIME_IO_PERMISSION_DENIED);
        let other = SignError::from(io::Error::other("boom"));
        assert_eq!(other.code(), codes::SMIME_IO_OTHER);
        // Through two wrappers, and as a source the caller can downcast.
        let wrapped = EncryptError::Sign(not_found.clone());
        assert_eq!(wrapped.io_kind(), Some(io::ErrorKind::NotFound));
        let source = wrapped.source().and_then(Error::source);
        let inner = source.and_then(|e| e.downcast_ref::<IoError>());
        assert_eq!(
            inner.map(|e| e.get_ref().kind()),
            Some(io::ErrorKind::NotFound)
        );
        let store = KeyringError::Store(StoreError::Io {
            context: "opening k".into(),
            source: io(io::ErrorKind::PermissionDenied),
        });
        assert_eq!(store.io_kind(), Some(io::ErrorKind::PermissionDenied));
        // Errors without I/O have no kind.
        assert_eq!(SignError::NoSigner.io_kind(), None);
        assert_eq!(KeyringError::NotFound { what: s() }.io_kind(), None);
    }

    #[test]
    fn no_message_appears_twice_in_a_source_chain() {
        for (e, _) in every_variant() {
            let mut messages = vec![e.to_string()];
            let mut next = e.source();
            while let Some(inner) = next {
                messages.push(inner.to_string());
                next = inner.source();
            }
            for (i, outer) in messages.iter().enumerate() {
                assert!(!outer.is_empty(), "{e:?}");
                for inner in &messages[i + 1..] {
                    assert!(
                        !outer.contains(inner.as_str()),
                        "{e:?}: {outer:?} repeats its source {inner:?}"
                    );
                }
            }
            // The full message has every part once.
            assert_eq!(display_chain(e.as_ref()), messages.join(": "));
        }
    }

    #[test]
    fn the_chain_reads_as_one_message() {
        let e = EncryptError::Sign(SignError::KeyOperation(KeyOperationError::Refused {
            detail: "the user cancelled the PIN prompt".into(),
        }));
        assert_eq!(e.to_string(), "cannot encrypt");
        assert_eq!(
            display_chain(&e),
            "cannot encrypt: cannot sign: the private-key operation failed: refused: the user \
             cancelled the PIN prompt"
        );
        let e = SignError::CertificateNotUsable(SignerCertificateProblem::ExtendedKeyUsage(
            EkuFailure::NoEmailProtection { present: vec![] },
        ));
        assert_eq!(
            display_chain(&e),
            "cannot sign with this certificate: the signer certificate's extended key usage \
             must include emailProtection: the certificate is not for e-mail protection (its \
             extended key usage lists nothing)"
        );
        // A transparent wrapper shows the wrapped message once.
        let e = KeyringError::Store(StoreError::Io {
            context: "opening /k".into(),
            source: io(io::ErrorKind::NotFound),
        });
        assert_eq!(
            display_chain(&e),
            "keyring file I/O failed: opening /k: disk says no"
        );
        // Display tells the person what was wrong with their input.
        assert!(ParseError::Empty.to_string().contains("empty"));
    }
}
