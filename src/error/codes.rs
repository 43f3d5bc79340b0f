//! The table of numeric error codes: the one source of truth for every `code()` of the
//! library and for the C constants of the C ABI.
//!
//! Each code is a `pub const SMIME_…: u32`, grouped by [`Area`]; [`ALL`] lists every one of
//! them with its symbolic name and area. Codes are stable: a code is never renumbered and never
//! reused for another meaning. A code that no error returns any more is listed in [`RETIRED`]
//! and stays taken.
//!
//! A wrapping variant has no code of its own: its `code()` is the wrapped error's, so
//! `SignError::Parse(ParseError::Empty).code()` is [`SMIME_PARSE_EMPTY`], not a generic
//! "signing failed". The area of a code ([`Area::of`]) says which kind of failure it is, not
//! which operation was running: the caller knows that from the function it called.
//!
//! | range | area |
//! |-------|------|
//! | 100–199 | [`Area::Parse`]: parsing input (MIME, DER/BER, PEM, base64) |
//! | 200–299 | [`Area::Sign`]: signing |
//! | 300–399 | [`Area::Verify`]: verification that cannot run (none today: all are wrapped) |
//! | 400–499 | [`Area::Key`]: loading keys and certificates |
//! | 500–599 | [`Area::Pkcs12`]: PKCS#12 files |
//! | 600–699 | [`Area::Encrypt`]: encryption |
//! | 700–799 | [`Area::Decrypt`]: decryption |
//! | 800–849 | [`Area::Keyring`]: keyring operations |
//! | 850–899 | [`Area::KeyringFile`]: the sealed keyring file |
//! | 900–949 | [`Area::CertificateUse`]: a certificate may not be used so (validity, key usage, EKU, key) |
//! | 950–999 | [`Area::Chain`]: certificate path validation |
//! | 1000–1099 | [`Area::Cms`]: CMS structures ([`crate::cms::CmsError`], inside the library) |
//! | 1100–1149 | [`Area::KeyOperation`]: a private-key operation ([`crate::crypto::keys::PrivateKey`]) |
//! | 1200–1249 | [`Area::Io`]: reading or writing files and streams, by [`std::io::ErrorKind`] |
//! | 1300–1349 | [`Area::Abi`]: the C ABI's own failures (NULL argument, panic, bad argument) |

use std::ops::RangeInclusive;

// --- Parse: 100–199 --------------------------------------------------------------------------

/// [`crate::error::ParseError::Empty`]: the input was empty.
pub const SMIME_PARSE_EMPTY: u32 = 100;
/// [`crate::error::ParseError::TooLarge`]: the input is larger than a limit.
pub const SMIME_PARSE_TOO_LARGE: u32 = 101;
/// [`crate::error::ParseError::TooDeep`]: structures are nested deeper than the limit.
pub const SMIME_PARSE_TOO_DEEP: u32 = 102;
/// [`crate::error::ParseError::TooMany`]: more items than the limit allows.
pub const SMIME_PARSE_TOO_MANY: u32 = 103;
/// [`crate::error::ParseError::MalformedDer`]: malformed DER/BER.
pub const SMIME_PARSE_MALFORMED_DER: u32 = 104;
/// [`crate::error::ParseError::MalformedMime`]: malformed MIME.
pub const SMIME_PARSE_MALFORMED_MIME: u32 = 105;
/// [`crate::error::ParseError::Base64`]: invalid base64.
pub const SMIME_PARSE_BASE64: u32 = 106;
/// [`crate::error::ParseError::Pem`]: invalid PEM armour.
pub const SMIME_PARSE_PEM: u32 = 107;
/// [`crate::error::ParseError::NotSmime`]: no S/MIME structure of the kind asked for.
pub const SMIME_PARSE_NOT_SMIME: u32 = 108;
/// [`crate::error::ParseError::UnsupportedContentType`]: a CMS content type not handled here.
pub const SMIME_PARSE_UNSUPPORTED_CONTENT_TYPE: u32 = 109;
/// [`crate::error::ParseError::Certificate`]: a certificate could not be parsed.
pub const SMIME_PARSE_CERTIFICATE: u32 = 110;
/// [`crate::error::ParseError::AmbiguousMime`]: a structural MIME header field is repeated.
pub const SMIME_PARSE_AMBIGUOUS_MIME: u32 = 111;

// --- Sign: 200–299 ---------------------------------------------------------------------------

/// [`crate::error::SignError::EightBitContent`]: 8-bit or binary content that would not
/// survive transport.
pub const SMIME_SIGN_EIGHT_BIT_CONTENT: u32 = 201;
/// [`crate::error::SignError::NoSigner`]: no signer was given.
pub const SMIME_SIGN_NO_SIGNER: u32 = 202;
/// [`crate::error::SignError::UnsupportedAlgorithm`]: an unsupported algorithm combination.
pub const SMIME_SIGN_UNSUPPORTED_ALGORITHM: u32 = 203;
/// [`crate::error::SignError::Encoding`]: the output could not be encoded.
pub const SMIME_SIGN_ENCODING: u32 = 206;

// --- Key: 400–499 ----------------------------------------------------------------------------

/// [`crate::error::KeyError::Unrecognized`]: not a key in any supported encoding.
pub const SMIME_KEY_UNRECOGNIZED: u32 = 400;
/// [`crate::error::KeyError::Unsupported`]: the key type or curve is not supported.
pub const SMIME_KEY_UNSUPPORTED: u32 = 401;
/// [`crate::error::KeyError::Mismatch`]: the key does not belong to the certificate.
pub const SMIME_KEY_MISMATCH: u32 = 402;
/// [`crate::error::KeyError::TooWeak`]: the RSA key is too short.
pub const SMIME_KEY_TOO_WEAK: u32 = 403;
/// [`crate::error::KeyError::WrongPassword`]: the password does not open the encrypted key.
pub const SMIME_KEY_WRONG_PASSWORD: u32 = 405;
/// [`crate::error::KeyError::IterationsTooHigh`]: the encrypted key asks for more
/// key-derivation iterations than allowed.
pub const SMIME_KEY_ITERATIONS_TOO_HIGH: u32 = 406;
/// [`crate::error::KeyError::Random`]: the random number generator failed.
pub const SMIME_KEY_RANDOM: u32 = 407;
/// [`crate::error::KeyError::InconsistentForms`]: the forms of the key (seed and expanded
/// key, private and public key) disagree.
pub const SMIME_KEY_INCONSISTENT_FORMS: u32 = 408;

// --- PKCS#12: 500–599 ------------------------------------------------------------------------

/// [`crate::pkcs12::Pkcs12Error::Empty`]: the input was empty.
pub const SMIME_PKCS12_EMPTY: u32 = 500;
/// [`crate::pkcs12::Pkcs12Error::WrongPassword`]: the password is wrong.
pub const SMIME_PKCS12_WRONG_PASSWORD: u32 = 501;
/// [`crate::pkcs12::Pkcs12Error::Malformed`]: not well-formed PKCS#12.
pub const SMIME_PKCS12_MALFORMED: u32 = 502;
/// [`crate::pkcs12::Pkcs12Error::UnsupportedAlgorithm`]: an algorithm or mode not implemented.
pub const SMIME_PKCS12_UNSUPPORTED_ALGORITHM: u32 = 503;
/// [`crate::pkcs12::Pkcs12Error::TooManyIterations`]: more key-derivation iterations than the
/// limit.
pub const SMIME_PKCS12_TOO_MANY_ITERATIONS: u32 = 504;
/// [`crate::pkcs12::Pkcs12Error::TooLarge`]: the file is larger than the limit.
pub const SMIME_PKCS12_TOO_LARGE: u32 = 505;
/// [`crate::pkcs12::Pkcs12Error::TooManyBags`]: more bags than the limit.
pub const SMIME_PKCS12_TOO_MANY_BAGS: u32 = 506;
/// [`crate::pkcs12::Pkcs12Error::NoKey`]: the file holds no private key.
pub const SMIME_PKCS12_NO_KEY: u32 = 507;
/// [`crate::pkcs12::Pkcs12Error::NoCertificateForKey`]: no certificate belongs to the key.
pub const SMIME_PKCS12_NO_CERTIFICATE_FOR_KEY: u32 = 508;
/// [`crate::pkcs12::Pkcs12Error::Random`]: the random number generator failed.
pub const SMIME_PKCS12_RANDOM: u32 = 510;
/// [`crate::pkcs12::Pkcs12Error::TooMuchWork`]: the key derivations cost more work than the
/// limit.
pub const SMIME_PKCS12_TOO_MUCH_WORK: u32 = 511;

// --- Encrypt: 600–699 ------------------------------------------------------------------------

/// [`crate::error::EncryptError::NoRecipients`]: no recipient was given.
pub const SMIME_ENCRYPT_NO_RECIPIENTS: u32 = 601;
/// [`crate::error::EncryptError::RecipientRefused`]: a recipient certificate cannot be used.
pub const SMIME_ENCRYPT_RECIPIENT_REFUSED: u32 = 602;
/// [`crate::error::EncryptError::UnsupportedAlgorithm`]: the algorithm or key type is not
/// supported.
pub const SMIME_ENCRYPT_UNSUPPORTED_ALGORITHM: u32 = 603;
/// [`crate::error::EncryptError::Encoding`]: the output could not be encoded.
pub const SMIME_ENCRYPT_ENCODING: u32 = 605;
/// [`crate::error::EncryptError::NotAccepted`]: the policy does not accept what was asked.
pub const SMIME_ENCRYPT_NOT_ACCEPTED: u32 = 606;

// --- Decrypt: 700–799 ------------------------------------------------------------------------

/// [`crate::error::DecryptError::NotEncrypted`]: the input is not encrypted.
pub const SMIME_DECRYPT_NOT_ENCRYPTED: u32 = 701;
/// [`crate::error::DecryptError::CannotDecrypt`]: no key given opens the message, or it was
/// altered (one code for every such failure, so it tells an attacker nothing).
pub const SMIME_DECRYPT_CANNOT_DECRYPT: u32 = 702;
/// [`crate::error::DecryptError::UnsupportedAlgorithm`]: the content-encryption algorithm is
/// not supported.
pub const SMIME_DECRYPT_UNSUPPORTED_ALGORITHM: u32 = 703;
/// [`crate::error::DecryptError::NoKeys`]: no key was given.
pub const SMIME_DECRYPT_NO_KEYS: u32 = 704;
/// [`crate::error::DecryptError::NotAccepted`]: the policy does not accept how the message is
/// encrypted.
pub const SMIME_DECRYPT_NOT_ACCEPTED: u32 = 706;
/// [`crate::error::DecryptError::AlteredOrCorrupt`]: content without integrity protection (CBC)
/// does not parse as a MIME entity: it was altered or is damaged.
pub const SMIME_DECRYPT_ALTERED_OR_CORRUPT: u32 = 707;

// --- Keyring: 800–849 ------------------------------------------------------------------------

/// [`crate::keyring::KeyringError::NotFound`]: nothing with that fingerprint in the keyring.
pub const SMIME_KEYRING_NOT_FOUND: u32 = 804;
/// [`crate::keyring::KeyringError::NoSigningIdentity`]: no identity can sign mail from the
/// address.
pub const SMIME_KEYRING_NO_SIGNING_IDENTITY: u32 = 805;
/// [`crate::keyring::KeyringError::RecipientsNotReady`]: some recipients have no usable
/// encryption certificate.
pub const SMIME_KEYRING_RECIPIENTS_NOT_READY: u32 = 806;
/// [`crate::keyring::KeyringError::NothingToImport`]: the input held nothing to import.
pub const SMIME_KEYRING_NOTHING_TO_IMPORT: u32 = 807;
/// [`crate::keyring::KeyringError::Unsuitable`]: a certificate does not fit where it was
/// offered.
pub const SMIME_KEYRING_UNSUITABLE: u32 = 808;

// --- Keyring file: 850–899 -------------------------------------------------------------------

/// [`crate::keyring::store::StoreError::NotAKeyring`]: not a keyring file.
pub const SMIME_STORE_NOT_A_KEYRING: u32 = 851;
/// [`crate::keyring::store::StoreError::UnsupportedVersion`]: a format version not read here.
pub const SMIME_STORE_UNSUPPORTED_VERSION: u32 = 852;
/// [`crate::keyring::store::StoreError::Truncated`]: the file is truncated.
pub const SMIME_STORE_TRUNCATED: u32 = 853;
/// [`crate::keyring::store::StoreError::Corrupted`]: the file is damaged.
pub const SMIME_STORE_CORRUPTED: u32 = 854;
/// [`crate::keyring::store::StoreError::WrongKey`]: the file was sealed with another key.
pub const SMIME_STORE_WRONG_KEY: u32 = 855;
/// [`crate::keyring::store::StoreError::TooLarge`]: something exceeds a limit.
pub const SMIME_STORE_TOO_LARGE: u32 = 856;
/// [`crate::keyring::store::StoreError::InvalidKey`]: the sealing key material is invalid.
pub const SMIME_STORE_INVALID_KEY: u32 = 857;
/// [`crate::keyring::store::StoreError::Random`]: the system random number generator failed.
pub const SMIME_STORE_RANDOM: u32 = 858;

// --- Certificate use: 900–949 ----------------------------------------------------------------

/// [`crate::sign::SignerCertificateProblem::Unparsable`]: the certificate cannot be parsed.
pub const SMIME_CERT_UNPARSABLE: u32 = 900;
/// The certificate is not valid yet ([`crate::validate::ValidityFailure::NotYetValid`],
/// [`crate::validate::RecipientProblem::NotYetValid`]).
pub const SMIME_CERT_NOT_YET_VALID: u32 = 901;
/// The certificate has expired ([`crate::validate::ValidityFailure::Expired`],
/// [`crate::validate::RecipientProblem::Expired`]).
pub const SMIME_CERT_EXPIRED: u32 = 902;
/// [`crate::validate::KeyUsageFailure::NoSigningUsage`]: the key usage does not allow signing.
pub const SMIME_CERT_KEY_USAGE_NO_SIGNING: u32 = 903;
/// [`crate::validate::KeyUsageFailure::Malformed`]: the key usage extension is malformed.
pub const SMIME_CERT_KEY_USAGE_MALFORMED: u32 = 904;
/// [`crate::validate::EkuFailure::NoEmailProtection`]: the extended key usage does not allow
/// e-mail protection.
pub const SMIME_CERT_EKU_NO_EMAIL_PROTECTION: u32 = 905;
/// [`crate::validate::EkuFailure::Malformed`]: the extended key usage extension is malformed.
pub const SMIME_CERT_EKU_MALFORMED: u32 = 906;
/// [`crate::validate::RecipientProblem::KeyUsage`]: the key usage does not allow receiving a
/// content-encryption key.
pub const SMIME_CERT_KEY_USAGE_NO_ENCRYPTION: u32 = 907;
/// [`crate::validate::RecipientProblem::UnsupportedKey`]: the key cannot receive encrypted
/// mail.
pub const SMIME_CERT_KEY_UNSUPPORTED: u32 = 908;
/// [`crate::validate::RecipientProblem::WeakKey`]: the RSA key is shorter than the policy's
/// minimum.
pub const SMIME_CERT_KEY_TOO_WEAK: u32 = 909;

// --- Chain: 950–999 --------------------------------------------------------------------------

/// [`crate::validate::ChainFailure::NoTrustAnchors`]: no trust anchors were supplied.
pub const SMIME_CHAIN_NO_TRUST_ANCHORS: u32 = 950;
/// [`crate::validate::ChainFailure::UnknownIssuer`]: no chain to a trust anchor.
pub const SMIME_CHAIN_UNKNOWN_ISSUER: u32 = 951;
/// [`crate::validate::ChainFailure::PinnedCertificate`]: a pinned certificate, not accepted as
/// its own path.
pub const SMIME_CHAIN_PINNED_CERTIFICATE: u32 = 952;
/// [`crate::validate::ChainFailure::Expired`]: a certificate of the path has expired.
pub const SMIME_CHAIN_EXPIRED: u32 = 953;
/// [`crate::validate::ChainFailure::NotYetValid`]: a certificate of the path is not valid yet.
pub const SMIME_CHAIN_NOT_YET_VALID: u32 = 954;
/// [`crate::validate::ChainFailure::BadSignature`]: a signature in the path does not verify.
pub const SMIME_CHAIN_BAD_SIGNATURE: u32 = 955;
/// [`crate::validate::ChainFailure::UnsupportedSignatureAlgorithm`]: a certificate is signed
/// with an unsupported algorithm.
pub const SMIME_CHAIN_UNSUPPORTED_SIGNATURE_ALGORITHM: u32 = 956;
/// [`crate::validate::ChainFailure::WeakAlgorithm`]: a certificate is signed with an algorithm
/// or key the policy refuses.
pub const SMIME_CHAIN_WEAK_ALGORITHM: u32 = 957;
/// [`crate::validate::ChainFailure::NotCa`]: an issuing certificate is not a CA.
pub const SMIME_CHAIN_NOT_CA: u32 = 958;
/// [`crate::validate::ChainFailure::PathTooLong`]: a path length constraint is exceeded.
pub const SMIME_CHAIN_PATH_TOO_LONG: u32 = 959;
/// [`crate::validate::ChainFailure::CaKeyUsage`]: an issuing CA may not sign certificates.
pub const SMIME_CHAIN_CA_KEY_USAGE: u32 = 960;
/// [`crate::validate::ChainFailure::NameChaining`]: issuer and subject names do not chain.
pub const SMIME_CHAIN_NAME_CHAINING: u32 = 961;
/// [`crate::validate::ChainFailure::NameConstraints`]: a name is outside the permitted names.
pub const SMIME_CHAIN_NAME_CONSTRAINTS: u32 = 962;
/// [`crate::validate::ChainFailure::NoAcceptablePolicy`]: no acceptable certificate policy.
pub const SMIME_CHAIN_NO_ACCEPTABLE_POLICY: u32 = 963;
/// [`crate::validate::ChainFailure::InvalidPolicyMapping`]: a policy mapping involves
/// anyPolicy.
pub const SMIME_CHAIN_INVALID_POLICY_MAPPING: u32 = 964;
/// [`crate::validate::ChainFailure::UnprocessedCriticalExtension`]: an unprocessed critical
/// extension.
pub const SMIME_CHAIN_UNPROCESSED_CRITICAL_EXTENSION: u32 = 965;
/// [`crate::validate::ChainFailure::Revoked`]: a certificate of the path is revoked.
pub const SMIME_CHAIN_REVOKED: u32 = 966;
/// [`crate::validate::ChainFailure::RevocationUnknown`]: a revocation status is unknown and a
/// known one is required.
pub const SMIME_CHAIN_REVOCATION_UNKNOWN: u32 = 967;
/// [`crate::validate::ChainFailure::EkuNotAllowed`]: the extended key usage does not allow
/// e-mail protection.
pub const SMIME_CHAIN_EKU_NOT_ALLOWED: u32 = 968;
/// [`crate::validate::ChainFailure::Malformed`]: a certificate or CRL is malformed.
pub const SMIME_CHAIN_MALFORMED: u32 = 969;
/// [`crate::validate::ChainFailure::Other`]: any other reason.
pub const SMIME_CHAIN_OTHER: u32 = 970;

// --- CMS: 1000–1099 ---------------------------------------------------------------------------

/// [`crate::cms::CmsError::NotEncrypted`]: the ContentInfo is not (Auth)EnvelopedData.
pub const SMIME_CMS_NOT_ENCRYPTED: u32 = 1001;
/// [`crate::cms::CmsError::UnsupportedAlgorithm`]: an algorithm or parameter not supported.
pub const SMIME_CMS_UNSUPPORTED_ALGORITHM: u32 = 1002;
/// [`crate::cms::CmsError::CannotDecrypt`]: the content could not be recovered (one error for
/// every cause).
pub const SMIME_CMS_CANNOT_DECRYPT: u32 = 1003;
/// [`crate::cms::CmsError::RecipientRefused`]: a recipient certificate cannot be encrypted to.
pub const SMIME_CMS_RECIPIENT_REFUSED: u32 = 1004;
/// [`crate::cms::CmsError::Encoding`]: writing a structure failed.
pub const SMIME_CMS_ENCODING: u32 = 1005;

// --- Key operation: 1100–1149 ----------------------------------------------------------------

/// [`crate::crypto::keys::KeyOperationError::Unsupported`]: the key cannot do this operation.
pub const SMIME_KEYOP_UNSUPPORTED: u32 = 1100;
/// [`crate::crypto::keys::KeyOperationError::InvalidInput`]: the input is not valid for the
/// operation.
pub const SMIME_KEYOP_INVALID_INPUT: u32 = 1101;
/// [`crate::crypto::keys::KeyOperationError::Refused`]: the user or the platform declined.
pub const SMIME_KEYOP_REFUSED: u32 = 1102;
/// [`crate::crypto::keys::KeyOperationError::Unavailable`]: the key cannot be reached now.
pub const SMIME_KEYOP_UNAVAILABLE: u32 = 1103;
/// [`crate::crypto::keys::KeyOperationError::Failed`]: the operation failed.
pub const SMIME_KEYOP_FAILED: u32 = 1104;
/// [`crate::crypto::keys::KeyOperationError::Platform`]: a platform keystore failed with its
/// own code.
pub const SMIME_KEYOP_PLATFORM: u32 = 1105;

// --- I/O: 1200–1249 --------------------------------------------------------------------------

/// [`crate::error::IoError`] of kind [`std::io::ErrorKind::NotFound`].
pub const SMIME_IO_NOT_FOUND: u32 = 1200;
/// [`crate::error::IoError`] of kind [`std::io::ErrorKind::PermissionDenied`].
pub const SMIME_IO_PERMISSION_DENIED: u32 = 1201;
/// [`crate::error::IoError`] of kind [`std::io::ErrorKind::AlreadyExists`].
pub const SMIME_IO_ALREADY_EXISTS: u32 = 1202;
/// [`crate::error::IoError`] of kind [`std::io::ErrorKind::UnexpectedEof`].
pub const SMIME_IO_UNEXPECTED_EOF: u32 = 1203;
/// [`crate::error::IoError`] of kind [`std::io::ErrorKind::BrokenPipe`].
pub const SMIME_IO_BROKEN_PIPE: u32 = 1204;
/// [`crate::error::IoError`] of kind [`std::io::ErrorKind::StorageFull`].
pub const SMIME_IO_STORAGE_FULL: u32 = 1205;
/// [`crate::error::IoError`] of any other kind.
pub const SMIME_IO_OTHER: u32 = 1249;

// --- C ABI: 1300–1349 -----------------------------------------------------------------------

/// The C ABI: a required pointer argument was NULL.
pub const SMIME_NULL_PARAMETER: u32 = 1300;
/// The C ABI: the library panicked; the panic was caught at the C boundary. A bug.
pub const SMIME_PANIC: u32 = 1301;
/// The C ABI: an argument is out of range (an unknown enum value, an index past the end, a
/// sealing key of the wrong length).
pub const SMIME_INVALID_ARGUMENT: u32 = 1302;
/// The C ABI: a string argument is not valid UTF-8.
pub const SMIME_INVALID_UTF8: u32 = 1303;
/// The C ABI: the handle does not hold what the function asks for (a report without a
/// certificate, a layer of another kind).
pub const SMIME_NOT_AVAILABLE: u32 = 1304;

/// Codes no error returns any more, kept so they are never given another meaning. Each was
/// the code of a wrapping variant, which now returns the wrapped error's code.
pub static RETIRED: &[u32] = &[
    200,  // SignError::Parse
    204,  // SignError::KeyOperation
    205,  // SignError::Key
    207,  // SignError::Io
    208,  // SignError::CertificateNotUsable
    300,  // VerifyError::Parse
    301,  // VerifyError::Certificate
    302,  // VerifyError::Io
    404,  // KeyError::Certificate
    509,  // Pkcs12Error::Key
    600,  // EncryptError::Parse
    604,  // EncryptError::Sign
    700,  // DecryptError::Parse
    705,  // DecryptError::Verify
    800,  // KeyringError::Parse
    801,  // KeyringError::Key
    802,  // KeyringError::Pkcs12
    803,  // KeyringError::Store
    850,  // StoreError::Io
    1000, // CmsError::Malformed
];

/// A group of codes: what kind of failure they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Area {
    /// Parsing input (MIME, DER/BER, PEM, base64): 100–199.
    Parse,
    /// Signing: 200–299.
    Sign,
    /// Verification that cannot run at all: 300–399.
    Verify,
    /// Loading keys and certificates: 400–499.
    Key,
    /// PKCS#12 files: 500–599.
    Pkcs12,
    /// Encryption: 600–699.
    Encrypt,
    /// Decryption: 700–799.
    Decrypt,
    /// Keyring operations: 800–849.
    Keyring,
    /// The sealed keyring file: 850–899.
    KeyringFile,
    /// A certificate may not be used for what it was asked: 900–949.
    CertificateUse,
    /// Certificate path validation: 950–999.
    Chain,
    /// CMS structures: 1000–1099.
    Cms,
    /// A private-key operation: 1100–1149.
    KeyOperation,
    /// Reading or writing files and streams: 1200–1249.
    Io,
    /// The C ABI's own failures: 1300–1349.
    Abi,
}

impl Area {
    /// Every area, in the order of their ranges.
    pub const ALL: [Area; 15] = [
        Area::Parse,
        Area::Sign,
        Area::Verify,
        Area::Key,
        Area::Pkcs12,
        Area::Encrypt,
        Area::Decrypt,
        Area::Keyring,
        Area::KeyringFile,
        Area::CertificateUse,
        Area::Chain,
        Area::Cms,
        Area::KeyOperation,
        Area::Io,
        Area::Abi,
    ];

    /// The codes this area owns.
    pub const fn range(self) -> RangeInclusive<u32> {
        match self {
            Area::Parse => 100..=199,
            Area::Sign => 200..=299,
            Area::Verify => 300..=399,
            Area::Key => 400..=499,
            Area::Pkcs12 => 500..=599,
            Area::Encrypt => 600..=699,
            Area::Decrypt => 700..=799,
            Area::Keyring => 800..=849,
            Area::KeyringFile => 850..=899,
            Area::CertificateUse => 900..=949,
            Area::Chain => 950..=999,
            Area::Cms => 1000..=1099,
            Area::KeyOperation => 1100..=1149,
            Area::Io => 1200..=1249,
            Area::Abi => 1300..=1349,
        }
    }

    /// A short lower-case name of the area ("parse", "keyring file"…).
    pub const fn name(self) -> &'static str {
        match self {
            Area::Parse => "parse",
            Area::Sign => "sign",
            Area::Verify => "verify",
            Area::Key => "key",
            Area::Pkcs12 => "pkcs12",
            Area::Encrypt => "encrypt",
            Area::Decrypt => "decrypt",
            Area::Keyring => "keyring",
            Area::KeyringFile => "keyring file",
            Area::CertificateUse => "certificate use",
            Area::Chain => "chain",
            Area::Cms => "cms",
            Area::KeyOperation => "key operation",
            Area::Io => "io",
            Area::Abi => "c abi",
        }
    }

    /// The area whose range holds `code`, if any.
    pub fn of(code: u32) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.range().contains(&code))
    }
}

/// One row of the table: a code, its symbolic name (the name of its constant) and its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The numeric code.
    pub code: u32,
    /// The symbolic name, that of the constant: `"SMIME_PARSE_EMPTY"`.
    pub name: &'static str,
    /// The area the code belongs to.
    pub area: Area,
}

/// The row of `code` in [`ALL`], if it is a code of this library.
pub fn lookup(code: u32) -> Option<&'static Code> {
    ALL.iter().find(|c| c.code == code)
}

macro_rules! rows {
    ($($area:ident: [$($name:ident),* $(,)?]),* $(,)?) => {
        &[$($(Code { code: $name, name: stringify!($name), area: Area::$area }),*),*]
    };
}

/// Every code of the library, with its name and area.
pub static ALL: &[Code] = rows![
    Parse: [
        SMIME_PARSE_EMPTY,
        SMIME_PARSE_TOO_LARGE,
        SMIME_PARSE_TOO_DEEP,
        SMIME_PARSE_TOO_MANY,
        SMIME_PARSE_MALFORMED_DER,
        SMIME_PARSE_MALFORMED_MIME,
        SMIME_PARSE_BASE64,
        SMIME_PARSE_PEM,
        SMIME_PARSE_NOT_SMIME,
        SMIME_PARSE_UNSUPPORTED_CONTENT_TYPE,
        SMIME_PARSE_CERTIFICATE,
        SMIME_PARSE_AMBIGUOUS_MIME,
    ],
    Sign: [
        SMIME_SIGN_EIGHT_BIT_CONTENT,
        SMIME_SIGN_NO_SIGNER,
        SMIME_SIGN_UNSUPPORTED_ALGORITHM,
        SMIME_SIGN_ENCODING,
    ],
    Key: [
        SMIME_KEY_UNRECOGNIZED,
        SMIME_KEY_UNSUPPORTED,
        SMIME_KEY_MISMATCH,
        SMIME_KEY_TOO_WEAK,
        SMIME_KEY_WRONG_PASSWORD,
        SMIME_KEY_ITERATIONS_TOO_HIGH,
        SMIME_KEY_RANDOM,
        SMIME_KEY_INCONSISTENT_FORMS,
    ],
    Pkcs12: [
        SMIME_PKCS12_EMPTY,
        SMIME_PKCS12_WRONG_PASSWORD,
        SMIME_PKCS12_MALFORMED,
        SMIME_PKCS12_UNSUPPORTED_ALGORITHM,
        SMIME_PKCS12_TOO_MANY_ITERATIONS,
        SMIME_PKCS12_TOO_LARGE,
        SMIME_PKCS12_TOO_MANY_BAGS,
        SMIME_PKCS12_NO_KEY,
        SMIME_PKCS12_NO_CERTIFICATE_FOR_KEY,
        SMIME_PKCS12_RANDOM,
        SMIME_PKCS12_TOO_MUCH_WORK,
    ],
    Encrypt: [
        SMIME_ENCRYPT_NO_RECIPIENTS,
        SMIME_ENCRYPT_RECIPIENT_REFUSED,
        SMIME_ENCRYPT_UNSUPPORTED_ALGORITHM,
        SMIME_ENCRYPT_ENCODING,
        SMIME_ENCRYPT_NOT_ACCEPTED,
    ],
    Decrypt: [
        SMIME_DECRYPT_NOT_ENCRYPTED,
        SMIME_DECRYPT_CANNOT_DECRYPT,
        SMIME_DECRYPT_UNSUPPORTED_ALGORITHM,
        SMIME_DECRYPT_NO_KEYS,
        SMIME_DECRYPT_NOT_ACCEPTED,
        SMIME_DECRYPT_ALTERED_OR_CORRUPT,
    ],
    Keyring: [
        SMIME_KEYRING_NOT_FOUND,
        SMIME_KEYRING_NO_SIGNING_IDENTITY,
        SMIME_KEYRING_RECIPIENTS_NOT_READY,
        SMIME_KEYRING_NOTHING_TO_IMPORT,
        SMIME_KEYRING_UNSUITABLE,
    ],
    KeyringFile: [
        SMIME_STORE_NOT_A_KEYRING,
        SMIME_STORE_UNSUPPORTED_VERSION,
        SMIME_STORE_TRUNCATED,
        SMIME_STORE_CORRUPTED,
        SMIME_STORE_WRONG_KEY,
        SMIME_STORE_TOO_LARGE,
        SMIME_STORE_INVALID_KEY,
        SMIME_STORE_RANDOM,
    ],
    CertificateUse: [
        SMIME_CERT_UNPARSABLE,
        SMIME_CERT_NOT_YET_VALID,
        SMIME_CERT_EXPIRED,
        SMIME_CERT_KEY_USAGE_NO_SIGNING,
        SMIME_CERT_KEY_USAGE_MALFORMED,
        SMIME_CERT_EKU_NO_EMAIL_PROTECTION,
        SMIME_CERT_EKU_MALFORMED,
        SMIME_CERT_KEY_USAGE_NO_ENCRYPTION,
        SMIME_CERT_KEY_UNSUPPORTED,
        SMIME_CERT_KEY_TOO_WEAK,
    ],
    Chain: [
        SMIME_CHAIN_NO_TRUST_ANCHORS,
        SMIME_CHAIN_UNKNOWN_ISSUER,
        SMIME_CHAIN_PINNED_CERTIFICATE,
        SMIME_CHAIN_EXPIRED,
        SMIME_CHAIN_NOT_YET_VALID,
        SMIME_CHAIN_BAD_SIGNATURE,
        SMIME_CHAIN_UNSUPPORTED_SIGNATURE_ALGORITHM,
        SMIME_CHAIN_WEAK_ALGORITHM,
        SMIME_CHAIN_NOT_CA,
        SMIME_CHAIN_PATH_TOO_LONG,
        SMIME_CHAIN_CA_KEY_USAGE,
        SMIME_CHAIN_NAME_CHAINING,
        SMIME_CHAIN_NAME_CONSTRAINTS,
        SMIME_CHAIN_NO_ACCEPTABLE_POLICY,
        SMIME_CHAIN_INVALID_POLICY_MAPPING,
        SMIME_CHAIN_UNPROCESSED_CRITICAL_EXTENSION,
        SMIME_CHAIN_REVOKED,
        SMIME_CHAIN_REVOCATION_UNKNOWN,
        SMIME_CHAIN_EKU_NOT_ALLOWED,
        SMIME_CHAIN_MALFORMED,
        SMIME_CHAIN_OTHER,
    ],
    Cms: [
        SMIME_CMS_NOT_ENCRYPTED,
        SMIME_CMS_UNSUPPORTED_ALGORITHM,
        SMIME_CMS_CANNOT_DECRYPT,
        SMIME_CMS_RECIPIENT_REFUSED,
        SMIME_CMS_ENCODING,
    ],
    KeyOperation: [
        SMIME_KEYOP_UNSUPPORTED,
        SMIME_KEYOP_INVALID_INPUT,
        SMIME_KEYOP_REFUSED,
        SMIME_KEYOP_UNAVAILABLE,
        SMIME_KEYOP_FAILED,
        SMIME_KEYOP_PLATFORM,
    ],
    Io: [
        SMIME_IO_NOT_FOUND,
        SMIME_IO_PERMISSION_DENIED,
        SMIME_IO_ALREADY_EXISTS,
        SMIME_IO_UNEXPECTED_EOF,
        SMIME_IO_BROKEN_PIPE,
        SMIME_IO_STORAGE_FULL,
        SMIME_IO_OTHER,
    ],
    Abi: [
        SMIME_NULL_PARAMETER,
        SMIME_PANIC,
        SMIME_INVALID_ARGUMENT,
        SMIME_INVALID_UTF8,
        SMIME_NOT_AVAILABLE,
    ],
];
