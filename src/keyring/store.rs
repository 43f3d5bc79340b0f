//! The keyring file: a versioned, sealed and integrity-protected encoding of a
//! [`super::snapshot::Snapshot`], written atomically.
//!
//! The full specification is `docs/keyring-format.md`; in short, a file is
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0 | 8 | magic [`MAGIC`], `"SMIMEKR\0"` |
//! | 8 | 2 | format version, big-endian ([`FORMAT_VERSION`], 1) |
//! | 10 | 2 | flags, big-endian; reserved, must be 0 |
//! | 12 | 16 | salt, fresh on every [`seal`] |
//! | 28 | 32 | key-check value |
//! | 60 | 12 | AES-GCM nonce, fresh on every [`seal`] |
//! | 72 | 8 | body length *n*, big-endian |
//! | 80 | *n* | AES-256-GCM ciphertext of the body |
//! | 80 + *n* | 16 | GCM tag |
//!
//! The whole 80-byte header ([`HEADER_LEN`]) is the additional authenticated data. From the
//! caller's 32-byte [`SealingKey`] *K* and the salt, HMAC-SHA-256 derives two subkeys:
//!
//! - encryption key = HMAC(*K*, `"smime keyring v1 encryption key"` ‖ salt)
//! - check key = HMAC(*K*, `"smime keyring v1 key-check key"` ‖ salt)
//! - key-check value = HMAC(check key, `"smime keyring v1 key-check value"`)
//!
//! so [`unseal`] tells a wrong key ([`StoreError::WrongKey`]) from a damaged file
//! ([`StoreError::Corrupted`]) before it decrypts anything. The body is the DER encoding of the
//! whole [`Snapshot`] (private keys and contacts included), defined by the ASN.1 module in the
//! format document. Every length and count read from a file is checked against the input and
//! against [`StoreLimits`] before it is used.
//!
//! [`save`] writes a temporary file next to the target (mode 0600 on Unix), syncs it, renames it
//! over the target and syncs the directory: a crash or a kill at any point leaves either the
//! previous file or the new one, never a mix.

use super::snapshot::{ContactRecord, IdentityRecord, Snapshot, Source, StoredKey, Timestamp};
use aes_gcm::aead::{AeadInOut, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// The first eight bytes of every keyring file.
pub const MAGIC: [u8; 8] = *b"SMIMEKR\0";

/// The format version this library writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// The size of the fixed header, in bytes: everything before the ciphertext.
pub const HEADER_LEN: usize = 80;

/// The size of the GCM tag that ends the file, in bytes.
pub const TAG_LEN: usize = 16;

const VERSION_AT: usize = 8;
const FLAGS_AT: usize = 10;
const SALT_AT: usize = 12;
const SALT_LEN: usize = 16;
const CHECK_AT: usize = 28;
const CHECK_LEN: usize = 32;
const NONCE_AT: usize = 60;
const NONCE_LEN: usize = 12;
const BODY_LEN_AT: usize = 72;

const LABEL_ENCRYPTION: &[u8] = b"smime keyring v1 encryption key";
const LABEL_CHECK_KEY: &[u8] = b"smime keyring v1 key-check key";
const LABEL_CHECK_VALUE: &[u8] = b"smime keyring v1 key-check value";

/// The largest plaintext AES-GCM can seal under one nonce (2^36 − 32 bytes).
const GCM_MAX_BODY: u64 = (1 << 36) - 32;

type HmacSha256 = Hmac<Sha256>;

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a keyring file could not be written or read.
///
/// Codes ([`StoreError::code`]) are stable, in 850–899. A failed [`load`] never changes the
/// file; a failed [`save`] leaves the previous file in place.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing the file system failed (code 850).
    Io {
        /// The operation, the path and the system's message.
        detail: String,
    },
    /// The bytes are not a keyring file: too short to hold the magic, or the magic differs
    /// (code 851).
    NotAKeyring,
    /// The file is a keyring in a format version this library does not read (code 852).
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
        /// The version this library reads.
        supported: u16,
    },
    /// The file ends before what its header announces (code 853).
    Truncated,
    /// The file is damaged: a malformed header field, bytes after the end, an integrity check
    /// that fails with the right key, or a body that does not decode (code 854).
    Corrupted,
    /// The file was sealed with a different key (code 855).
    WrongKey,
    /// Something exceeds a [`StoreLimits`] limit or the format's own (code 856).
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit that was exceeded.
        limit: u64,
    },
    /// The sealing key material is not 32 bytes or 64 hex digits (code 857).
    InvalidKey,
}

impl StoreError {
    /// The stable number of this error (850–899).
    pub fn code(&self) -> u32 {
        match self {
            StoreError::Io { .. } => 850,
            StoreError::NotAKeyring => 851,
            StoreError::UnsupportedVersion { .. } => 852,
            StoreError::Truncated => 853,
            StoreError::Corrupted => 854,
            StoreError::WrongKey => 855,
            StoreError::TooLarge { .. } => 856,
            StoreError::InvalidKey => 857,
        }
    }

    fn io(what: &str, path: &Path, e: &io::Error) -> StoreError {
        StoreError::Io {
            detail: format!("{what} {}: {e}", path.display()),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io { detail } => write!(f, "keyring file I/O failed: {detail}"),
            StoreError::NotAKeyring => f.write_str("not a keyring file"),
            StoreError::UnsupportedVersion { found, supported } => write!(
                f,
                "keyring file format version {found} is not supported (this library reads \
                 version {supported})"
            ),
            StoreError::Truncated => f.write_str("the keyring file is truncated"),
            StoreError::Corrupted => f.write_str("the keyring file is corrupted"),
            StoreError::WrongKey => f.write_str("the keyring file was sealed with a different key"),
            StoreError::TooLarge { what, limit } => {
                write!(f, "keyring {what} exceeds the limit of {limit}")
            }
            StoreError::InvalidKey => f.write_str(
                "invalid keyring sealing key: expected 32 bytes or 64 hexadecimal digits",
            ),
        }
    }
}

impl std::error::Error for StoreError {}

fn rng_error(e: getrandom::Error) -> StoreError {
    StoreError::Io {
        detail: format!("the system random number generator failed: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and limits

/// The 256-bit key a keyring file is sealed with.
///
/// Where it lives is the application's business (a platform keystore, a key file read with
/// [`SealingKey::from_key_file`]). It is zeroized when dropped and never printed.
#[derive(Clone)]
pub struct SealingKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> SealingKey {
        let mut bytes = bytes;
        let key = SealingKey(Zeroizing::new(bytes));
        bytes.zeroize();
        key
    }

    /// The key with these bytes; [`StoreError::InvalidKey`] unless there are exactly 32.
    pub fn from_slice(bytes: &[u8]) -> Result<SealingKey, StoreError> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return Err(StoreError::InvalidKey);
        }
        key.copy_from_slice(bytes);
        Ok(SealingKey(key))
    }

    /// A fresh random key from the operating system's generator.
    ///
    /// # Panics
    ///
    /// If the operating system's random number generator fails.
    pub fn generate() -> SealingKey {
        use rand_core::Rng;
        let mut key = Zeroizing::new([0u8; 32]);
        crate::crypto::rng::os_rng().fill_bytes(key.as_mut_slice());
        SealingKey(key)
    }

    /// The key in the contents of a key file: either exactly 32 raw bytes, or 64 hexadecimal
    /// digits (either case) with optional whitespace (a trailing newline, say) around them, as
    /// [`SealingKey::to_hex`] writes. Anything else is [`StoreError::InvalidKey`].
    pub fn from_key_file(bytes: &[u8]) -> Result<SealingKey, StoreError> {
        if bytes.len() == 32 {
            return SealingKey::from_slice(bytes);
        }
        let hex = bytes.trim_ascii();
        if hex.len() != 64 {
            return Err(StoreError::InvalidKey);
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (out, pair) in key.iter_mut().zip(hex.chunks_exact(2)) {
            let (Some(hi), Some(lo)) = (
                pair.first().copied().and_then(hex_value),
                pair.get(1).copied().and_then(hex_value),
            ) else {
                return Err(StoreError::InvalidKey);
            };
            *out = (hi << 4) | lo;
        }
        Ok(SealingKey(key))
    }

    /// The key as 64 lowercase hexadecimal digits (no newline), for a new key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = Zeroizing::new(String::with_capacity(64));
        for b in self.0.iter() {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        s
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Bounds on what [`unseal`] and [`load`] accept; every size and count read from a file is
/// checked against them before anything is allocated for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// The largest file accepted, in bytes (default 2 GiB).
    pub max_file_size: u64,
    /// The most records accepted: identities, chain certificates, contacts, trust anchors,
    /// intermediates and CRLs together (default 1,000,000).
    pub max_records: usize,
    /// The largest single item (a certificate, a key, a CRL, a label, capabilities), in bytes
    /// (default 16 MiB).
    pub max_item_size: usize,
}

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits {
            max_file_size: 2 << 30,
            max_records: 1_000_000,
            max_item_size: 16 << 20,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sealing

/// The subkeys of one file: the encryption key and the key-check value.
struct Subkeys {
    encryption: Zeroizing<[u8; 32]>,
    check_value: [u8; 32],
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).map_err(|_| StoreError::InvalidKey)?;
    for p in parts {
        mac.update(p);
    }
    let mut tag = mac.finalize().into_bytes();
    let mut out = Zeroizing::new([0u8; 32]);
    for (o, t) in out.iter_mut().zip(tag.iter()) {
        *o = *t;
    }
    tag.zeroize();
    Ok(out)
}

fn derive(key: &SealingKey, salt: &[u8]) -> Result<Subkeys, StoreError> {
    let encryption = hmac_sha256(key.0.as_slice(), &[LABEL_ENCRYPTION, salt])?;
    let check_key = hmac_sha256(key.0.as_slice(), &[LABEL_CHECK_KEY, salt])?;
    let check_value = *hmac_sha256(check_key.as_slice(), &[LABEL_CHECK_VALUE])?;
    Ok(Subkeys {
        encryption,
        check_value,
    })
}

/// Constant-time comparison of two 32-byte values.
fn same_32(a: &[u8; 32], b: &[u8]) -> bool {
    crate::crypto::constant_time_eq(a, b)
}

fn cipher(subkeys: &Subkeys) -> Result<aes_gcm::Aes256Gcm, StoreError> {
    aes_gcm::Aes256Gcm::new_from_slice(subkeys.encryption.as_slice())
        .map_err(|_| StoreError::InvalidKey)
}

/// Seals `snapshot` under `key`: the complete file contents, with a fresh salt and nonce.
///
/// Fails only when the system random number generator fails ([`StoreError::Io`]) or the
/// encoded snapshot is larger than AES-GCM can seal, 2^36 − 32 bytes ([`StoreError::TooLarge`]).
pub fn seal(snapshot: &Snapshot, key: &SealingKey) -> Result<Vec<u8>, StoreError> {
    let body = encode_snapshot(snapshot);
    let body_len = u64::try_from(body.len()).unwrap_or(u64::MAX);
    if body_len > GCM_MAX_BODY {
        return Err(StoreError::TooLarge {
            what: "body",
            limit: GCM_MAX_BODY,
        });
    }
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    crate::crypto::rng::fill(&mut salt).map_err(rng_error)?;
    crate::crypto::rng::fill(&mut nonce).map_err(rng_error)?;
    let subkeys = derive(key, &salt)?;

    let total = HEADER_LEN
        .checked_add(body.len())
        .and_then(|n| n.checked_add(TAG_LEN))
        .ok_or(StoreError::TooLarge {
            what: "body",
            limit: GCM_MAX_BODY,
        })?;
    let mut out = Vec::new();
    out.try_reserve_exact(total)
        .map_err(|_| StoreError::TooLarge {
            what: "body (out of memory)",
            limit: body_len,
        })?;
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&subkeys.check_value);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&body_len.to_be_bytes());
    debug_assert_eq!(out.len(), HEADER_LEN);
    out.extend_from_slice(&body);
    drop(body);

    let gcm_nonce = aes_gcm::Nonce::from(nonce);
    let (header, ciphertext) = out.split_at_mut(HEADER_LEN);
    let sealed = cipher(&subkeys)?.encrypt_inout_detached(&gcm_nonce, header, ciphertext.into());
    match sealed {
        Ok(tag) => {
            out.extend_from_slice(&tag);
            Ok(out)
        }
        Err(_) => {
            // Only reachable past GCM's length bound, checked above; never leave plaintext.
            out.zeroize();
            Err(StoreError::TooLarge {
                what: "body",
                limit: GCM_MAX_BODY,
            })
        }
    }
}

/// The parsed fixed header.
struct Header<'a> {
    bytes: &'a [u8],
    salt: &'a [u8],
    check_value: &'a [u8],
    nonce: &'a [u8],
    body_len: usize,
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_be_bytes(b.try_into().ok()?))
}

/// Checks everything that needs no key: magic, version, header size, flags and the length
/// the header announces against the length of `bytes`.
fn parse_header(bytes: &[u8]) -> Result<Header<'_>, StoreError> {
    match bytes.get(..MAGIC.len()) {
        Some(m) if m == MAGIC => {}
        _ => return Err(StoreError::NotAKeyring),
    }
    let version = read_u16(bytes, VERSION_AT).ok_or(StoreError::Truncated)?;
    if version != FORMAT_VERSION {
        return Err(StoreError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header = bytes.get(..HEADER_LEN).ok_or(StoreError::Truncated)?;
    let field = |at: usize, len: usize| header.get(at..at + len).ok_or(StoreError::Truncated);
    if read_u16(header, FLAGS_AT) != Some(0) {
        return Err(StoreError::Corrupted);
    }
    let announced = read_u64(header, BODY_LEN_AT).ok_or(StoreError::Truncated)?;
    let expected_total = announced
        .checked_add((HEADER_LEN + TAG_LEN) as u64)
        .ok_or(StoreError::Truncated)?;
    let actual = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if actual < expected_total {
        return Err(StoreError::Truncated);
    }
    if actual > expected_total {
        return Err(StoreError::Corrupted);
    }
    // `announced` is at most `bytes.len()` here, so it fits a usize.
    let body_len = usize::try_from(announced).map_err(|_| StoreError::Truncated)?;
    Ok(Header {
        bytes: header,
        salt: field(SALT_AT, SALT_LEN)?,
        check_value: field(CHECK_AT, CHECK_LEN)?,
        nonce: field(NONCE_AT, NONCE_LEN)?,
        body_len,
    })
}

/// Opens the contents of a keyring file sealed under `key`.
///
/// Checks, in this order: the size against `limits` ([`StoreError::TooLarge`]), the magic
/// ([`StoreError::NotAKeyring`]), the version ([`StoreError::UnsupportedVersion`], before
/// anything that needs the key), the header and the announced length
/// ([`StoreError::Truncated`], [`StoreError::Corrupted`]), the key-check value
/// ([`StoreError::WrongKey`]), the GCM tag ([`StoreError::Corrupted`]) and the body encoding
/// ([`StoreError::Corrupted`], or [`StoreError::TooLarge`] past a limit).
pub fn unseal(
    bytes: &[u8],
    key: &SealingKey,
    limits: &StoreLimits,
) -> Result<Snapshot, StoreError> {
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limits.max_file_size {
        return Err(StoreError::TooLarge {
            what: "file",
            limit: limits.max_file_size,
        });
    }
    let header = parse_header(bytes)?;
    let subkeys = derive(key, header.salt)?;
    if !same_32(&subkeys.check_value, header.check_value) {
        return Err(StoreError::WrongKey);
    }
    let ciphertext = bytes
        .get(HEADER_LEN..HEADER_LEN + header.body_len)
        .ok_or(StoreError::Truncated)?;
    let tag = bytes
        .get(HEADER_LEN + header.body_len..)
        .and_then(|t| aes_gcm::Tag::try_from(t).ok())
        .ok_or(StoreError::Corrupted)?;
    let nonce = aes_gcm::Nonce::try_from(header.nonce).map_err(|_| StoreError::Corrupted)?;
    let mut body = Zeroizing::new(Vec::new());
    body.try_reserve_exact(ciphertext.len())
        .map_err(|_| StoreError::TooLarge {
            what: "body (out of memory)",
            limit: header.body_len as u64,
        })?;
    body.extend_from_slice(ciphertext);
    cipher(&subkeys)?
        .decrypt_inout_detached(&nonce, header.bytes, body.as_mut_slice().into(), &tag)
        .map_err(|_| StoreError::Corrupted)?;
    decode_snapshot(&body, limits)
}

// ---------------------------------------------------------------------------------------------
// Files

/// Writes `snapshot`, sealed under `key`, to `path`, atomically.
///
/// The sealed file goes to a new temporary file in the same directory
/// (`.<name>.<16 hex digits>.tmp`, mode 0600 on Unix), is synced, and is renamed over `path`;
/// then the directory is synced. A crash or a kill at any point leaves `path` holding either
/// the previous file or the new one; at worst a temporary file is left behind, which neither
/// [`load`] nor the next `save` looks at. On an error the temporary file is removed and
/// `path` is unchanged — except when only the final directory sync fails, when `path` already
/// holds the new file but its durability is not known. The new file replaces `path` itself
/// (a symbolic link there is replaced, not followed) and has the temporary file's permissions.
pub fn save(path: &Path, snapshot: &Snapshot, key: &SealingKey) -> Result<(), StoreError> {
    let bytes = seal(snapshot, key)?;
    write_atomically(path, &bytes)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let Some(name) = path.file_name() else {
        return Err(StoreError::Io {
            detail: format!("{} does not name a file", path.display()),
        });
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (temp_path, mut file) = create_temp(dir, name)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| StoreError::io("writing", &temp_path, &e));
    drop(file);
    let renamed = written.and_then(|()| {
        fs::rename(&temp_path, path).map_err(|e| StoreError::io("renaming to", path, &e))
    });
    if let Err(e) = renamed {
        let _ = fs::remove_file(&temp_path);
        return Err(e);
    }
    sync_dir(dir)
}

/// Creates a new, uniquely named file next to the target.
fn create_temp(dir: &Path, name: &std::ffi::OsStr) -> Result<(PathBuf, File), StoreError> {
    let mut last_error = None;
    for _ in 0..16 {
        let mut random = [0u8; 8];
        crate::crypto::rng::fill(&mut random).map_err(rng_error)?;
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{:016x}.tmp", u64::from_be_bytes(random)));
        let temp_path = dir.join(temp_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&temp_path) {
            Ok(file) => return Ok((temp_path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(StoreError::io("creating", &temp_path, &e)),
        }
    }
    let e = last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists));
    Err(StoreError::io("creating a temporary file in", dir, &e))
}

/// Makes the rename durable. On Unix a failure is an error unless the file system cannot sync
/// directories (EINVAL or unsupported); elsewhere directories cannot be opened for syncing and
/// any failure is ignored.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let synced = File::open(dir).and_then(|d| d.sync_all());
    match synced {
        Ok(()) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        Err(_) if cfg!(not(unix)) => Ok(()),
        Err(e) => Err(StoreError::io("syncing the directory", dir, &e)),
    }
}

/// Reads the keyring file at `path` and opens it with `key`.
///
/// The file's size is checked against `limits.max_file_size` before it is read (and the read
/// stops there should the file grow meanwhile). Never changes the file. Errors as [`unseal`],
/// and [`StoreError::Io`] when the file cannot be read.
pub fn load(path: &Path, key: &SealingKey, limits: &StoreLimits) -> Result<Snapshot, StoreError> {
    let too_large = StoreError::TooLarge {
        what: "file",
        limit: limits.max_file_size,
    };
    let file = File::open(path).map_err(|e| StoreError::io("opening", path, &e))?;
    let size = file
        .metadata()
        .map_err(|e| StoreError::io("reading the metadata of", path, &e))?
        .len();
    if size > limits.max_file_size {
        return Err(too_large);
    }
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(usize::try_from(size).map_err(|_| too_large.clone())?)
        .map_err(|_| too_large.clone())?;
    file.take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("reading", path, &e))?;
    unseal(&bytes, key, limits)
}

// ---------------------------------------------------------------------------------------------
// The body: DER
//
// Snapshot ::= SEQUENCE {
//   identities SEQUENCE OF Identity, contacts SEQUENCE OF Contact,
//   trustAnchors SEQUENCE OF OCTET STRING, intermediates SEQUENCE OF OCTET STRING,
//   crls SEQUENCE OF OCTET STRING }
// Identity ::= SEQUENCE { certificate OCTET STRING, chain SEQUENCE OF OCTET STRING,
//   key StoredKey, label UTF8String OPTIONAL, added INTEGER }
// StoredKey ::= CHOICE { pkcs8 [0] IMPLICIT OCTET STRING, external [1] IMPLICIT OCTET STRING }
// Contact ::= SEQUENCE { certificate OCTET STRING, source INTEGER, firstSeen INTEGER,
//   lastSeen INTEGER, capabilities [0] IMPLICIT OCTET STRING OPTIONAL,
//   capabilitiesSeen [1] IMPLICIT INTEGER OPTIONAL, preferredSeen [2] IMPLICIT INTEGER OPTIONAL }

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_UTF8_STRING: u8 = 0x0c;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_CONTEXT_0: u8 = 0x80;
const TAG_CONTEXT_1: u8 = 0x81;
const TAG_CONTEXT_2: u8 = 0x82;

/// The size of a TLV whose content is `len` bytes.
fn tlv_size(len: usize) -> usize {
    let len_octets = if len < 0x80 {
        1
    } else {
        1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    };
    1 + len_octets + len
}

fn put_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        // Lossless: len < 0x80.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = (len.leading_zeros() / 8) as usize;
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

fn put_bytes(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    put_header(out, tag, content.len());
    out.extend_from_slice(content);
}

/// The content length of a DER INTEGER holding `v` (non-negative, minimal).
fn uint_len(v: u64) -> usize {
    let significant = (u64::BITS - v.leading_zeros()).div_ceil(8).max(1) as usize;
    let needs_zero = (v >> ((significant - 1) * 8)) & 0x80 != 0;
    significant + usize::from(needs_zero)
}

fn put_uint(out: &mut Vec<u8>, tag: u8, v: u64) {
    let len = uint_len(v);
    put_header(out, tag, len);
    let bytes = v.to_be_bytes();
    if len > bytes.len() {
        out.push(0);
        out.extend_from_slice(&bytes);
    } else {
        out.extend_from_slice(bytes.get(bytes.len() - len..).unwrap_or(&[]));
    }
}

fn octets_list_len(items: &[Vec<u8>]) -> usize {
    items.iter().map(|i| tlv_size(i.len())).sum()
}

fn put_octets_list(out: &mut Vec<u8>, items: &[Vec<u8>]) {
    put_header(out, TAG_SEQUENCE, octets_list_len(items));
    for i in items {
        put_bytes(out, TAG_OCTET_STRING, i);
    }
}

fn key_bytes(key: &StoredKey) -> (u8, &[u8]) {
    match key {
        StoredKey::Pkcs8(k) => (TAG_CONTEXT_0, k.as_slice()),
        StoredKey::External(r) => (TAG_CONTEXT_1, r.as_slice()),
    }
}

fn identity_len(r: &IdentityRecord) -> usize {
    tlv_size(r.certificate.len())
        + tlv_size(octets_list_len(&r.chain))
        + tlv_size(key_bytes(&r.key).1.len())
        + r.label.as_ref().map_or(0, |l| tlv_size(l.len()))
        + tlv_size(uint_len(r.added))
}

fn put_identity(out: &mut Vec<u8>, r: &IdentityRecord) {
    put_header(out, TAG_SEQUENCE, identity_len(r));
    put_bytes(out, TAG_OCTET_STRING, &r.certificate);
    put_octets_list(out, &r.chain);
    let (tag, key) = key_bytes(&r.key);
    put_bytes(out, tag, key);
    if let Some(label) = &r.label {
        put_bytes(out, TAG_UTF8_STRING, label.as_bytes());
    }
    put_uint(out, TAG_INTEGER, r.added);
}

fn contact_len(c: &ContactRecord) -> usize {
    tlv_size(c.certificate.len())
        + tlv_size(uint_len(c.source.code().into()))
        + tlv_size(uint_len(c.first_seen))
        + tlv_size(uint_len(c.last_seen))
        + c.capabilities.as_ref().map_or(0, |b| tlv_size(b.len()))
        + c.capabilities_seen.map_or(0, |t| tlv_size(uint_len(t)))
        + c.preferred_seen.map_or(0, |t| tlv_size(uint_len(t)))
}

fn put_contact(out: &mut Vec<u8>, c: &ContactRecord) {
    put_header(out, TAG_SEQUENCE, contact_len(c));
    put_bytes(out, TAG_OCTET_STRING, &c.certificate);
    put_uint(out, TAG_INTEGER, c.source.code().into());
    put_uint(out, TAG_INTEGER, c.first_seen);
    put_uint(out, TAG_INTEGER, c.last_seen);
    if let Some(caps) = &c.capabilities {
        put_bytes(out, TAG_CONTEXT_0, caps);
    }
    if let Some(t) = c.capabilities_seen {
        put_uint(out, TAG_CONTEXT_1, t);
    }
    if let Some(t) = c.preferred_seen {
        put_uint(out, TAG_CONTEXT_2, t);
    }
}

fn identities_len(s: &Snapshot) -> usize {
    s.identities.iter().map(|r| tlv_size(identity_len(r))).sum()
}

fn contacts_len(s: &Snapshot) -> usize {
    s.contacts.iter().map(|c| tlv_size(contact_len(c))).sum()
}

fn snapshot_len(s: &Snapshot) -> usize {
    tlv_size(identities_len(s))
        + tlv_size(contacts_len(s))
        + tlv_size(octets_list_len(&s.trust_anchors))
        + tlv_size(octets_list_len(&s.intermediates))
        + tlv_size(octets_list_len(&s.crls))
}

/// The DER body. Sized exactly up front, so no reallocation leaves a copy of a private key
/// behind; zeroized when dropped.
fn encode_snapshot(s: &Snapshot) -> Zeroizing<Vec<u8>> {
    let content = snapshot_len(s);
    let mut out = Zeroizing::new(Vec::with_capacity(tlv_size(content)));
    put_header(&mut out, TAG_SEQUENCE, content);
    put_header(&mut out, TAG_SEQUENCE, identities_len(s));
    for r in &s.identities {
        put_identity(&mut out, r);
    }
    put_header(&mut out, TAG_SEQUENCE, contacts_len(s));
    for c in &s.contacts {
        put_contact(&mut out, c);
    }
    put_octets_list(&mut out, &s.trust_anchors);
    put_octets_list(&mut out, &s.intermediates);
    put_octets_list(&mut out, &s.crls);
    debug_assert_eq!(out.len(), tlv_size(content));
    out
}

/// A DER reader over a slice; every length is checked against what is left.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Der<'a> {
        Der { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The content of the next TLV, which must have `tag` (single-octet tags only).
    fn read(&mut self, tag: u8) -> Result<&'a [u8], StoreError> {
        let (&t, rest) = self.rest.split_first().ok_or(StoreError::Corrupted)?;
        if t != tag {
            return Err(StoreError::Corrupted);
        }
        let (&first, mut rest) = rest.split_first().ok_or(StoreError::Corrupted)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            // 0x80 is BER's indefinite length; DER lengths are minimal and fit a usize here.
            if n == 0 || n > std::mem::size_of::<usize>() {
                return Err(StoreError::Corrupted);
            }
            let (octets, after) = rest.split_at_checked(n).ok_or(StoreError::Corrupted)?;
            rest = after;
            if octets.first() == Some(&0) {
                return Err(StoreError::Corrupted);
            }
            let len = octets
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err(StoreError::Corrupted);
            }
            len
        };
        let (content, after) = rest.split_at_checked(len).ok_or(StoreError::Corrupted)?;
        self.rest = after;
        Ok(content)
    }

    fn read_optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, StoreError> {
        if self.peek_tag() == Some(tag) {
            self.read(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    fn finish(&self) -> Result<(), StoreError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Corrupted)
        }
    }
}

/// A non-negative DER INTEGER that fits a u64.
fn decode_uint(content: &[u8]) -> Result<u64, StoreError> {
    let (&first, tail) = content.split_first().ok_or(StoreError::Corrupted)?;
    if first & 0x80 != 0 {
        return Err(StoreError::Corrupted); // negative
    }
    let magnitude = if first == 0 {
        match tail.first() {
            None => return Ok(0),
            Some(&b) if b & 0x80 == 0 => return Err(StoreError::Corrupted), // not minimal
            Some(_) => tail,
        }
    } else {
        content
    };
    if magnitude.len() > 8 {
        return Err(StoreError::Corrupted);
    }
    Ok(magnitude
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// The limits applied while decoding a body.
struct Budget<'l> {
    limits: &'l StoreLimits,
    records: usize,
}

impl Budget<'_> {
    fn record(&mut self) -> Result<(), StoreError> {
        self.records = self.records.saturating_add(1);
        if self.records > self.limits.max_records {
            return Err(StoreError::TooLarge {
                what: "record count",
                limit: self.limits.max_records as u64,
            });
        }
        Ok(())
    }

    fn item<'a>(&self, content: &'a [u8]) -> Result<&'a [u8], StoreError> {
        if content.len() > self.limits.max_item_size {
            return Err(StoreError::TooLarge {
                what: "item",
                limit: self.limits.max_item_size as u64,
            });
        }
        Ok(content)
    }

    fn octets(&self, der: &mut Der<'_>, tag: u8) -> Result<Vec<u8>, StoreError> {
        Ok(self.item(der.read(tag)?)?.to_vec())
    }

    fn octets_list(&mut self, der: &mut Der<'_>) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut list = Der::new(der.read(TAG_SEQUENCE)?);
        let mut out = Vec::new();
        // Each element consumes at least two bytes, so the loop is bounded by the input.
        while !list.is_empty() {
            self.record()?;
            out.push(self.octets(&mut list, TAG_OCTET_STRING)?);
        }
        Ok(out)
    }

    fn identity(&mut self, der: &mut Der<'_>) -> Result<IdentityRecord, StoreError> {
        let mut d = Der::new(der.read(TAG_SEQUENCE)?);
        let certificate = self.octets(&mut d, TAG_OCTET_STRING)?;
        let chain = self.octets_list(&mut d)?;
        let key = match d.peek_tag() {
            Some(TAG_CONTEXT_0) => {
                let k = self.item(d.read(TAG_CONTEXT_0)?)?;
                StoredKey::Pkcs8(Zeroizing::new(k.to_vec()))
            }
            Some(TAG_CONTEXT_1) => StoredKey::External(self.octets(&mut d, TAG_CONTEXT_1)?),
            _ => return Err(StoreError::Corrupted),
        };
        let label = match d.read_optional(TAG_UTF8_STRING)? {
            Some(l) => Some(
                std::str::from_utf8(self.item(l)?)
                    .map_err(|_| StoreError::Corrupted)?
                    .to_owned(),
            ),
            None => None,
        };
        let added = decode_uint(d.read(TAG_INTEGER)?)?;
        d.finish()?;
        Ok(IdentityRecord {
            certificate,
            chain,
            key,
            label,
            added,
        })
    }

    fn contact(&mut self, der: &mut Der<'_>) -> Result<ContactRecord, StoreError> {
        let mut d = Der::new(der.read(TAG_SEQUENCE)?);
        let certificate = self.octets(&mut d, TAG_OCTET_STRING)?;
        let source = u8::try_from(decode_uint(d.read(TAG_INTEGER)?)?)
            .ok()
            .and_then(Source::from_code)
            .ok_or(StoreError::Corrupted)?;
        let first_seen: Timestamp = decode_uint(d.read(TAG_INTEGER)?)?;
        let last_seen: Timestamp = decode_uint(d.read(TAG_INTEGER)?)?;
        let capabilities = match d.read_optional(TAG_CONTEXT_0)? {
            Some(c) => Some(self.item(c)?.to_vec()),
            None => None,
        };
        let capabilities_seen = d
            .read_optional(TAG_CONTEXT_1)?
            .map(decode_uint)
            .transpose()?;
        let preferred_seen = d
            .read_optional(TAG_CONTEXT_2)?
            .map(decode_uint)
            .transpose()?;
        d.finish()?;
        Ok(ContactRecord {
            certificate,
            source,
            first_seen,
            last_seen,
            capabilities,
            capabilities_seen,
            preferred_seen,
        })
    }
}

/// Decodes a DER body; [`StoreError::Corrupted`] unless it is exactly one well-formed
/// `Snapshot`, [`StoreError::TooLarge`] past `limits`.
fn decode_snapshot(body: &[u8], limits: &StoreLimits) -> Result<Snapshot, StoreError> {
    let mut budget = Budget { limits, records: 0 };
    let mut outer = Der::new(body);
    let mut d = Der::new(outer.read(TAG_SEQUENCE)?);
    outer.finish()?;

    let mut identities = Vec::new();
    let mut list = Der::new(d.read(TAG_SEQUENCE)?);
    while !list.is_empty() {
        budget.record()?;
        identities.push(budget.identity(&mut list)?);
    }
    let mut contacts = Vec::new();
    let mut list = Der::new(d.read(TAG_SEQUENCE)?);
    while !list.is_empty() {
        budget.record()?;
        contacts.push(budget.contact(&mut list)?);
    }
    let trust_anchors = budget.octets_list(&mut d)?;
    let intermediates = budget.octets_list(&mut d)?;
    let crls = budget.octets_list(&mut d)?;
    d.finish()?;
    Ok(Snapshot {
        identities,
        contacts,
        trust_anchors,
        intermediates,
        crls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(key: StoredKey, label: Option<&str>) -> IdentityRecord {
        IdentityRecord {
            certificate: vec![0x30, 0x82, 0x01, 0x00, 7, 7, 7],
            chain: vec![vec![1; 200], vec![2; 3]],
            key,
            label: label.map(str::to_owned),
            added: 1_767_225_600,
        }
    }

    fn contact(source: Source, with_optionals: bool) -> ContactRecord {
        ContactRecord {
            certificate: vec![source.code(); 300],
            source,
            first_seen: 0,
            last_seen: u64::MAX,
            capabilities: with_optionals.then(|| vec![0x30, 0x00]),
            capabilities_seen: with_optionals.then_some(0x80),
            preferred_seen: with_optionals.then_some(u64::from(u32::MAX)),
        }
    }

    fn full() -> Snapshot {
        Snapshot {
            identities: vec![
                identity(
                    StoredKey::Pkcs8(Zeroizing::new(vec![0x30, 1, 2, 3])),
                    Some("iPhone ✓"),
                ),
                identity(StoredKey::External(b"keychain:tag".to_vec()), None),
                identity(StoredKey::Pkcs8(Zeroizing::new(Vec::new())), Some("")),
            ],
            contacts: [
                Source::Manual,
                Source::File,
                Source::Pkcs12,
                Source::Directory,
                Source::CertsOnly,
                Source::SignedMail,
            ]
            .into_iter()
            .enumerate()
            .map(|(i, s)| contact(s, i % 2 == 0))
            .collect(),
            trust_anchors: vec![vec![9; 70000]],
            intermediates: vec![Vec::new(), vec![8; 128]],
            crls: vec![vec![5; 127]],
        }
    }

    fn round_trip(s: &Snapshot) {
        let body = encode_snapshot(s);
        assert_eq!(body.len(), tlv_size(snapshot_len(s)));
        assert_eq!(&decode_snapshot(&body, &StoreLimits::default()).unwrap(), s);
        let key = SealingKey::generate();
        let sealed = seal(s, &key).unwrap();
        assert_eq!(sealed.len(), HEADER_LEN + body.len() + TAG_LEN);
        assert_eq!(&unseal(&sealed, &key, &StoreLimits::default()).unwrap(), s);
    }

    #[test]
    fn empty_snapshot_round_trips_to_a_known_body() {
        let body = encode_snapshot(&Snapshot::default());
        assert_eq!(
            body.as_slice(),
            [0x30, 0x0a, 0x30, 0, 0x30, 0, 0x30, 0, 0x30, 0, 0x30, 0]
        );
        round_trip(&Snapshot::default());
    }

    #[test]
    fn full_snapshot_round_trips() {
        round_trip(&full());
    }

    #[test]
    fn external_keys_and_absent_options_round_trip() {
        let s = Snapshot {
            identities: vec![identity(StoredKey::External(vec![0; 1000]), None)],
            contacts: vec![contact(Source::SignedMail, false)],
            ..Snapshot::default()
        };
        round_trip(&s);
        let mut c = contact(Source::Directory, false);
        c.preferred_seen = Some(0);
        let s = Snapshot {
            contacts: vec![c],
            ..Snapshot::default()
        };
        round_trip(&s);
    }

    #[test]
    fn identity_and_contact_encode_as_documented() {
        let s = Snapshot {
            identities: vec![IdentityRecord {
                certificate: vec![0xaa],
                chain: vec![vec![0xbb]],
                key: StoredKey::Pkcs8(Zeroizing::new(vec![0xcc])),
                label: Some("a".into()),
                added: 0x80,
            }],
            contacts: vec![ContactRecord {
                certificate: vec![0xdd],
                source: Source::SignedMail,
                first_seen: 1,
                last_seen: 2,
                capabilities: Some(vec![0xee]),
                capabilities_seen: Some(3),
                preferred_seen: Some(4),
            }],
            ..Snapshot::default()
        };
        #[rustfmt::skip]
        let expected = [
            0x30, 0x35,
              0x30, 0x14,
                0x30, 0x12,
                  0x04, 0x01, 0xaa,
                  0x30, 0x03, 0x04, 0x01, 0xbb,
                  0x80, 0x01, 0xcc,
                  0x0c, 0x01, b'a',
                  0x02, 0x02, 0x00, 0x80,
              0x30, 0x17,
                0x30, 0x15,
                  0x04, 0x01, 0xdd,
                  0x02, 0x01, 0x05,
                  0x02, 0x01, 0x01,
                  0x02, 0x01, 0x02,
                  0x80, 0x01, 0xee,
                  0x81, 0x01, 0x03,
                  0x82, 0x01, 0x04,
              0x30, 0x00,
              0x30, 0x00,
              0x30, 0x00,
        ];
        assert_eq!(encode_snapshot(&s).as_slice(), expected);
        round_trip(&s);
    }

    #[test]
    fn integers_are_minimal_and_non_negative() {
        for (v, der) in [
            (0u64, &[0u8][..]),
            (0x7f, &[0x7f]),
            (0x80, &[0, 0x80]),
            (0x100, &[1, 0]),
            (
                u64::MAX,
                &[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
        ] {
            let mut out = Vec::new();
            put_uint(&mut out, TAG_INTEGER, v);
            assert_eq!(out.get(2..), Some(der), "{v}");
            assert_eq!(decode_uint(der), Ok(v));
        }
        for bad in [
            &[][..],
            &[0x80],
            &[0, 0x7f],
            &[0, 0, 0x80],
            &[1, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            assert_eq!(decode_uint(bad), Err(StoreError::Corrupted), "{bad:?}");
        }
    }

    #[test]
    fn long_lengths_are_minimal() {
        for len in [0usize, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000] {
            let mut out = Vec::new();
            put_header(&mut out, TAG_OCTET_STRING, len);
            assert_eq!(out.len() + len, tlv_size(len), "{len}");
            out.resize(tlv_size(len), 0);
            assert_eq!(
                Der::new(&out).read(TAG_OCTET_STRING).map(<[u8]>::len),
                Ok(len)
            );
        }
        for bad in [
            &[0x04, 0x80][..],         // indefinite
            &[0x04, 0x81, 0x05],       // long form for a short length
            &[0x04, 0x82, 0x00, 0x90], // leading zero
            &[0x04, 0x05, 1, 2],       // longer than the input
            &[0x04, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            &[0x04],
            &[],
        ] {
            assert_eq!(
                Der::new(bad).read(TAG_OCTET_STRING),
                Err(StoreError::Corrupted),
                "{bad:?}"
            );
        }
    }

    fn decode(body: &[u8]) -> Result<Snapshot, StoreError> {
        decode_snapshot(body, &StoreLimits::default())
    }

    #[test]
    fn malformed_bodies_are_corrupted() {
        let good = encode_snapshot(&full()).to_vec();
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing), Err(StoreError::Corrupted));
        assert_eq!(decode(&[]), Err(StoreError::Corrupted));
        assert_eq!(decode(&[0x30, 0x00]), Err(StoreError::Corrupted));
        // Unknown source code 6, and 256.
        for code in [&[0x06][..], &[0x01, 0x00]] {
            let mut c = vec![0x04, 0x00, 0x02, code.len() as u8];
            c.extend_from_slice(code);
            c.extend_from_slice(&[0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
            let mut body = vec![
                0x30,
                (c.len() + 12) as u8,
                0x30,
                0x00,
                0x30,
                (c.len() + 2) as u8,
                0x30,
                c.len() as u8,
            ];
            body.extend_from_slice(&c);
            body.extend_from_slice(&[0x30, 0, 0x30, 0, 0x30, 0]);
            assert_eq!(decode(&body), Err(StoreError::Corrupted), "{body:02x?}");
            // The same record with source 5 decodes.
            if code.len() == 1 {
                assert_eq!(body[12], code[0]);
                body[12] = 5;
                assert_eq!(
                    decode(&body).unwrap().contacts[0].source,
                    Source::SignedMail
                );
            }
        }
        // A label that is not UTF-8.
        let mut s = Snapshot::default();
        s.identities
            .push(identity(StoredKey::External(vec![]), Some("ab")));
        let mut body = encode_snapshot(&s).to_vec();
        let at = body.windows(2).position(|w| w == b"ab").unwrap();
        body[at] = 0xff;
        assert_eq!(decode(&body), Err(StoreError::Corrupted));
        // An unknown key choice.
        body[at] = b'a';
        let key_at = body.windows(2).position(|w| w == [0x81, 0x00]).unwrap();
        body[key_at] = 0x82;
        assert_eq!(decode(&body), Err(StoreError::Corrupted));
    }

    #[test]
    fn limits_bound_records_and_items() {
        let s = full();
        let body = encode_snapshot(&s);
        let records = s.identities.len()
            + s.identities.iter().map(|i| i.chain.len()).sum::<usize>()
            + s.contacts.len()
            + s.trust_anchors.len()
            + s.intermediates.len()
            + s.crls.len();
        let exact = StoreLimits {
            max_records: records,
            max_item_size: 70000,
            ..StoreLimits::default()
        };
        assert_eq!(decode_snapshot(&body, &exact).unwrap(), s);
        let fewer = StoreLimits {
            max_records: records - 1,
            ..exact
        };
        assert!(matches!(
            decode_snapshot(&body, &fewer),
            Err(StoreError::TooLarge { what: "record count", limit }) if limit == records as u64 - 1
        ));
        let smaller = StoreLimits {
            max_item_size: 69999,
            ..exact
        };
        assert!(matches!(
            decode_snapshot(&body, &smaller),
            Err(StoreError::TooLarge {
                what: "item",
                limit: 69999
            })
        ));
        let key = SealingKey::generate();
        let sealed = seal(&s, &key).unwrap();
        let tiny = StoreLimits {
            max_file_size: sealed.len() as u64 - 1,
            ..StoreLimits::default()
        };
        assert!(matches!(
            unseal(&sealed, &key, &tiny),
            Err(StoreError::TooLarge { what: "file", .. })
        ));
    }

    #[test]
    fn header_is_laid_out_as_documented() {
        let key = SealingKey::from_bytes([7; 32]);
        let a = seal(&Snapshot::default(), &key).unwrap();
        let b = seal(&Snapshot::default(), &key).unwrap();
        assert_eq!(a.len(), HEADER_LEN + 12 + TAG_LEN);
        assert_eq!(a[..8], MAGIC);
        assert_eq!(a[8..10], [0, 1]);
        assert_eq!(a[10..12], [0, 0]);
        assert_eq!(a[72..80], 12u64.to_be_bytes());
        // Fresh salt, check value and nonce every time.
        assert_ne!(
            a[SALT_AT..SALT_AT + SALT_LEN],
            b[SALT_AT..SALT_AT + SALT_LEN]
        );
        assert_ne!(
            a[CHECK_AT..CHECK_AT + CHECK_LEN],
            b[CHECK_AT..CHECK_AT + CHECK_LEN]
        );
        assert_ne!(
            a[NONCE_AT..NONCE_AT + NONCE_LEN],
            b[NONCE_AT..NONCE_AT + NONCE_LEN]
        );
        // The check value is derived as documented.
        let salt = &a[SALT_AT..SALT_AT + SALT_LEN];
        let check_key = hmac_sha256(&[7; 32], &[LABEL_CHECK_KEY, salt]).unwrap();
        let check_value = hmac_sha256(check_key.as_slice(), &[LABEL_CHECK_VALUE]).unwrap();
        assert_eq!(a[CHECK_AT..CHECK_AT + CHECK_LEN], *check_value);
        // And the body decrypts with the documented encryption key, header as AAD.
        let enc = hmac_sha256(&[7; 32], &[LABEL_ENCRYPTION, salt]).unwrap();
        let mut body = a[HEADER_LEN..HEADER_LEN + 12].to_vec();
        let tag = aes_gcm::Tag::try_from(&a[HEADER_LEN + 12..]).unwrap();
        let nonce = aes_gcm::Nonce::try_from(&a[NONCE_AT..NONCE_AT + NONCE_LEN]).unwrap();
        aes_gcm::Aes256Gcm::new_from_slice(enc.as_slice())
            .unwrap()
            .decrypt_inout_detached(&nonce, &a[..HEADER_LEN], body.as_mut_slice().into(), &tag)
            .unwrap();
        assert_eq!(body, encode_snapshot(&Snapshot::default()).as_slice());
    }

    #[test]
    fn header_checks_come_in_order() {
        let key = SealingKey::from_bytes([1; 32]);
        let other = SealingKey::from_bytes([2; 32]);
        let limits = StoreLimits::default();
        let good = seal(&full(), &key).unwrap();
        assert_eq!(unseal(&good, &other, &limits), Err(StoreError::WrongKey));
        let mut v = good.clone();
        v[9] = 2;
        assert_eq!(
            unseal(&v, &other, &limits),
            Err(StoreError::UnsupportedVersion {
                found: 2,
                supported: 1
            })
        );
        let mut f = good.clone();
        f[11] = 1;
        assert_eq!(unseal(&f, &key, &limits), Err(StoreError::Corrupted));
        let mut n = good.clone();
        n[NONCE_AT] ^= 1;
        assert_eq!(unseal(&n, &key, &limits), Err(StoreError::Corrupted));
        let mut l = good.clone();
        l[BODY_LEN_AT..HEADER_LEN].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(unseal(&l, &key, &limits), Err(StoreError::Truncated));
        assert_eq!(
            unseal(&good[..7], &key, &limits),
            Err(StoreError::NotAKeyring)
        );
        assert_eq!(
            unseal(&good[..9], &key, &limits),
            Err(StoreError::Truncated)
        );
        assert_eq!(
            unseal(&good[..79], &key, &limits),
            Err(StoreError::Truncated)
        );
    }

    #[test]
    fn key_files_are_raw_or_hex() {
        let raw: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
        let key = SealingKey::from_key_file(&raw).unwrap();
        let hex = key.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.starts_with("00070e15"));
        assert_eq!(SealingKey::from_slice(&raw).unwrap().0, key.0);
        for text in [
            hex.to_string(),
            format!("{}\n", *hex),
            format!("  {}\r\n", hex.to_uppercase()),
        ] {
            assert_eq!(SealingKey::from_key_file(text.as_bytes()).unwrap().0, key.0);
        }
        // 32 bytes are always raw, even when they look like hex digits.
        let ascii = [b'a'; 32];
        assert_eq!(
            SealingKey::from_key_file(&ascii).unwrap().0,
            Zeroizing::new(ascii)
        );
        for bad in [
            &b""[..],
            &[0; 31],
            &[0; 33],
            &[b'0'; 63],
            &[b'0'; 65],
            format!("{}g", &hex[..63]).as_bytes(),
            format!("{} {}", &hex[..32], &hex[32..]).as_bytes(),
        ] {
            assert!(
                matches!(SealingKey::from_key_file(bad), Err(StoreError::InvalidKey)),
                "{bad:?}"
            );
        }
        assert_eq!(
            SealingKey::from_slice(&[0; 16]).err(),
            Some(StoreError::InvalidKey)
        );
        assert_eq!(format!("{:?}", key), "SealingKey(..)");
        assert_ne!(
            SealingKey::generate().to_hex(),
            SealingKey::generate().to_hex()
        );
    }

    #[test]
    fn error_codes_are_distinct_and_in_range() {
        let all = [
            StoreError::Io { detail: "x".into() },
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
        ];
        let mut codes: Vec<u32> = all.iter().map(StoreError::code).collect();
        assert!(codes.iter().all(|c| (850..=899).contains(c)));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|e| !e.to_string().is_empty()));
    }
}
