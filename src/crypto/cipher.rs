//! Content ciphers: AES-GCM (RFC 5084), AES-CBC, 3DES-CBC and RC2-CBC (the last two read only,
//! for old mail and old PKCS#12 files).
//!
//! GCM decryption works in the caller's buffer and wipes it when the tag does not verify, so
//! no unauthenticated plaintext leaves this module. For content that does not sit in memory,
//! [`gcm`] does GCM in pieces (the tag checked in a first pass before a decryptor exists), and
//! [`CbcEncryptor`] / [`CbcDecryptor`] do CBC with PKCS#7 padding in pieces;
//! [`cbc_padding_ok`] tests a candidate key on the last two blocks alone.

use super::oids;
use super::rng;
use aes::cipher::array::Array;
use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use aes_gcm::aead::AeadInOut;
use const_oid::ObjectIdentifier;

pub mod gcm;

/// id-aes192-CBC
pub const AES192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
/// des-ede3-cbc
pub const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");

/// The GCM tag length this library writes (and the only one it reads).
pub const GCM_TAG_LEN: usize = 16;
/// The GCM nonce length (RFC 5084 recommends 12).
pub const GCM_NONCE_LEN: usize = 12;

/// Why a cipher operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CipherError {
    /// The key, IV or nonce has the wrong length for the cipher.
    Length,
    /// Decryption failed: a wrong tag, wrong padding or a length that is no multiple of the
    /// block size. One error for every cause, so that a caller cannot tell them apart.
    Failed,
    /// The cipher is only read, never written.
    ReadOnly,
    /// The random generator failed.
    Random(String),
}

impl std::fmt::Display for CipherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CipherError::Length => f.write_str("a key, IV or nonce of the wrong length"),
            CipherError::Failed => f.write_str("decryption failed"),
            CipherError::ReadOnly => f.write_str("the cipher is only read, never written"),
            CipherError::Random(e) => write!(f, "the random generator failed: {e}"),
        }
    }
}

impl std::error::Error for CipherError {}

/// A content-encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentCipher {
    /// AES-128-GCM (AuthEnvelopedData).
    Aes128Gcm,
    /// AES-256-GCM (AuthEnvelopedData; the default).
    Aes256Gcm,
    /// AES-128-CBC (EnvelopedData).
    Aes128Cbc,
    /// AES-192-CBC (EnvelopedData; read only).
    Aes192Cbc,
    /// AES-256-CBC (EnvelopedData).
    Aes256Cbc,
    /// 3DES-EDE-CBC (EnvelopedData; read only, for mail encrypted years ago).
    DesEde3Cbc,
}

impl ContentCipher {
    /// The key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            ContentCipher::Aes128Gcm | ContentCipher::Aes128Cbc => 16,
            ContentCipher::Aes192Cbc | ContentCipher::DesEde3Cbc => 24,
            ContentCipher::Aes256Gcm | ContentCipher::Aes256Cbc => 32,
        }
    }

    /// Whether the content is integrity-protected (GCM).
    pub fn is_authenticated(self) -> bool {
        matches!(self, ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm)
    }

    /// The algorithm identifier's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            ContentCipher::Aes128Gcm => oids::AES128_GCM,
            ContentCipher::Aes256Gcm => oids::AES256_GCM,
            ContentCipher::Aes128Cbc => oids::AES128_CBC,
            ContentCipher::Aes192Cbc => AES192_CBC,
            ContentCipher::Aes256Cbc => oids::AES256_CBC,
            ContentCipher::DesEde3Cbc => DES_EDE3_CBC,
        }
    }

    /// The cipher for an OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [
            ContentCipher::Aes128Gcm,
            ContentCipher::Aes256Gcm,
            ContentCipher::Aes128Cbc,
            ContentCipher::Aes192Cbc,
            ContentCipher::Aes256Cbc,
            ContentCipher::DesEde3Cbc,
        ]
        .into_iter()
        .find(|c| c.oid() == *oid)
    }

    /// A readable name.
    pub fn name(self) -> &'static str {
        match self {
            ContentCipher::Aes128Gcm => "AES-128-GCM",
            ContentCipher::Aes256Gcm => "AES-256-GCM",
            ContentCipher::Aes128Cbc => "AES-128-CBC",
            ContentCipher::Aes192Cbc => "AES-192-CBC",
            ContentCipher::Aes256Cbc => "AES-256-CBC",
            ContentCipher::DesEde3Cbc => "3DES-CBC",
        }
    }

    /// Whether this library writes it (the others are read only).
    pub fn can_encrypt(self) -> bool {
        !matches!(self, ContentCipher::Aes192Cbc | ContentCipher::DesEde3Cbc)
    }

    /// The CBC cipher behind a CBC content cipher.
    fn cbc(self) -> Option<CbcCipher> {
        match self {
            ContentCipher::Aes128Cbc => Some(CbcCipher::Aes128),
            ContentCipher::Aes192Cbc => Some(CbcCipher::Aes192),
            ContentCipher::Aes256Cbc => Some(CbcCipher::Aes256),
            ContentCipher::DesEde3Cbc => Some(CbcCipher::DesEde3),
            ContentCipher::Aes128Gcm | ContentCipher::Aes256Gcm => None,
        }
    }

    /// Encrypts `data` under `key` with a fresh random IV (CBC, 16 bytes) or nonce (GCM,
    /// `GCM_NONCE_LEN` bytes, no additional data).
    pub fn encrypt(self, key: &[u8], data: &[u8]) -> Result<Sealed, CipherError> {
        if !self.can_encrypt() {
            return Err(CipherError::ReadOnly);
        }
        if key.len() != self.key_len() {
            return Err(CipherError::Length);
        }
        let random = |n| rng::random_key(n).map_err(|e| CipherError::Random(e.to_string()));
        match self.cbc() {
            Some(cbc) => {
                let iv = random(cbc.iv_len())?;
                let ciphertext = cbc_encrypt(cbc, key, &iv, data)?;
                Ok(Sealed {
                    iv: iv.to_vec(),
                    ciphertext,
                    tag: None,
                })
            }
            None => {
                let nonce = random(GCM_NONCE_LEN)?;
                let mut ciphertext = data.to_vec();
                let tag = gcm_seal(self, key, &nonce, &[], &mut ciphertext)?;
                Ok(Sealed {
                    iv: nonce.to_vec(),
                    ciphertext,
                    tag: Some(tag),
                })
            }
        }
    }

    /// Decrypts `buf` in place under `key` and `iv` (the CBC IV or GCM nonce); for GCM `aad`
    /// is the additional data and `tag` the tag. Any failure is `CipherError::Failed` (or
    /// `CipherError::Length` for a key of the wrong length); a GCM buffer whose tag does not
    /// verify is wiped before the error returns.
    pub fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        aad: &[u8],
        tag: &[u8],
        mut buf: Vec<u8>,
    ) -> Result<Vec<u8>, CipherError> {
        if key.len() != self.key_len() {
            return Err(CipherError::Length);
        }
        match self.cbc() {
            Some(cbc) => {
                cbc_decrypt(cbc, key, iv, &mut buf)?;
                Ok(buf)
            }
            None => {
                gcm_open(self, key, iv, aad, tag, &mut buf)?;
                Ok(buf)
            }
        }
    }
}

/// What [`ContentCipher::encrypt`] produces.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The CBC IV or GCM nonce.
    pub iv: Vec<u8>,
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// The GCM tag ([`GCM_TAG_LEN`] bytes), `None` for CBC.
    pub tag: Option<[u8; GCM_TAG_LEN]>,
}

/// AES-GCM encryption of `buf` in place; returns the tag.
fn gcm_seal(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; GCM_TAG_LEN], CipherError> {
    let nonce = aes_gcm::Nonce::try_from(nonce).map_err(|_| CipherError::Length)?;
    let tag = match cipher {
        ContentCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
            .map_err(|_| CipherError::Length)?
            .encrypt_inout_detached(&nonce, aad, buf.into()),
        ContentCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
            .map_err(|_| CipherError::Length)?
            .encrypt_inout_detached(&nonce, aad, buf.into()),
        _ => return Err(CipherError::Length),
    }
    .map_err(|_| CipherError::Length)?;
    Ok(tag.into())
}

/// AES-GCM decryption of `buf` in place; on a tag mismatch `buf` is wiped.
fn gcm_open(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    tag: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(), CipherError> {
    if tag.len() != GCM_TAG_LEN {
        // A truncated tag (RFC 5084: 12 to 16 bytes): the two passes of `gcm`, which compare
        // the leading bytes of the computed tag. Nothing is decrypted unless it matches.
        let mut check = gcm::GcmTagCheck::new(cipher, key, nonce, aad)?;
        check.update(buf)?;
        let r = check.verify(tag).and_then(|mut d| {
            d.decrypt(buf)?;
            d.finish()
        });
        if r.is_err() {
            zeroize::Zeroize::zeroize(buf);
            return Err(CipherError::Failed);
        }
        return Ok(());
    }
    let nonce = aes_gcm::Nonce::try_from(nonce).map_err(|_| CipherError::Failed)?;
    let tag = aes_gcm::Tag::try_from(tag).map_err(|_| CipherError::Failed)?;
    let r = match cipher {
        ContentCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
            .map_err(|_| CipherError::Length)?
            .decrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into(), &tag),
        ContentCipher::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
            .map_err(|_| CipherError::Length)?
            .decrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into(), &tag),
        _ => return Err(CipherError::Failed),
    };
    if r.is_err() {
        zeroize::Zeroize::zeroize(buf);
        return Err(CipherError::Failed);
    }
    Ok(())
}

/// A block cipher in CBC mode with PKCS#7 padding, as content encryption and the
/// password-based schemes use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CbcCipher {
    /// AES-128.
    Aes128,
    /// AES-192.
    Aes192,
    /// AES-256.
    Aes256,
    /// Three-key 3DES (EDE).
    DesEde3,
    /// Two-key 3DES (EDE), PKCS#12 PBE only.
    DesEde2,
    /// RC2 with an effective key length of the key's length in bits (PKCS#12 PBE only: 40 or
    /// 128 bits).
    Rc2,
}

impl CbcCipher {
    /// The IV (block) length in bytes.
    pub fn iv_len(self) -> usize {
        match self {
            CbcCipher::Aes128 | CbcCipher::Aes192 | CbcCipher::Aes256 => 16,
            CbcCipher::DesEde3 | CbcCipher::DesEde2 | CbcCipher::Rc2 => 8,
        }
    }
}

/// CBC encryption with PKCS#7 padding.
pub fn cbc_encrypt(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CipherError> {
    fn enc<C: BlockCipherEncrypt + KeyInit>(
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> Result<Vec<u8>, CipherError> {
        let e = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| CipherError::Length)?;
        Ok(e.encrypt_padded_vec::<Pkcs7>(data))
    }
    match cipher {
        CbcCipher::Aes128 => enc::<aes::Aes128>(key, iv, data),
        CbcCipher::Aes192 => enc::<aes::Aes192>(key, iv, data),
        CbcCipher::Aes256 => enc::<aes::Aes256>(key, iv, data),
        CbcCipher::DesEde3 | CbcCipher::DesEde2 | CbcCipher::Rc2 => Err(CipherError::ReadOnly),
    }
}

/// CBC decryption with PKCS#7 padding of `buf` in place (it is cut to the plaintext). Wrong
/// padding or a length that is no multiple of the block is `CipherError::Failed`.
pub fn cbc_decrypt(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(), CipherError> {
    fn dec<C: BlockCipherDecrypt + KeyInit>(
        key: &[u8],
        iv: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), CipherError> {
        let d = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| CipherError::Length)?;
        let len = d
            .decrypt_padded::<Pkcs7>(buf)
            .map_err(|_| CipherError::Failed)?
            .len();
        buf.truncate(len);
        Ok(())
    }
    match cipher {
        CbcCipher::Aes128 => dec::<aes::Aes128>(key, iv, buf),
        CbcCipher::Aes192 => dec::<aes::Aes192>(key, iv, buf),
        CbcCipher::Aes256 => dec::<aes::Aes256>(key, iv, buf),
        CbcCipher::DesEde3 => dec::<des::TdesEde3>(key, iv, buf),
        CbcCipher::DesEde2 => dec::<des::TdesEde2>(key, iv, buf),
        CbcCipher::Rc2 => dec::<rc2::Rc2>(key, iv, buf),
    }
}

/// The CBC modes of the content ciphers, encrypting.
enum CbcEnc {
    Aes128(cbc::Encryptor<aes::Aes128>),
    Aes256(cbc::Encryptor<aes::Aes256>),
}

/// The CBC modes of the content ciphers, decrypting (3DES and AES-192 read only).
enum CbcDec {
    Aes128(cbc::Decryptor<aes::Aes128>),
    Aes192(cbc::Decryptor<aes::Aes192>),
    Aes256(cbc::Decryptor<aes::Aes256>),
    DesEde3(cbc::Decryptor<des::TdesEde3>),
}

/// CBC content encryption with PKCS#7 padding, piece by piece: whole blocks are written as
/// they fill, the padded last block by [`CbcEncryptor::finish`].
pub struct CbcEncryptor {
    mode: Box<CbcEnc>,
    partial: Vec<u8>,
}

impl CbcEncryptor {
    /// Starts an AES-CBC encryption (AES-128 or AES-256) under `key` and the 16-byte `iv`.
    pub fn new(cipher: ContentCipher, key: &[u8], iv: &[u8]) -> Result<CbcEncryptor, CipherError> {
        let len = |_| CipherError::Length;
        let mode = match cipher {
            ContentCipher::Aes128Cbc => {
                CbcEnc::Aes128(cbc::Encryptor::new_from_slices(key, iv).map_err(len)?)
            }
            ContentCipher::Aes256Cbc => {
                CbcEnc::Aes256(cbc::Encryptor::new_from_slices(key, iv).map_err(len)?)
            }
            _ => return Err(CipherError::ReadOnly),
        };
        Ok(CbcEncryptor {
            mode: Box::new(mode),
            partial: Vec::with_capacity(16),
        })
    }

    fn encrypt_blocks(&mut self, buf: &mut [u8]) {
        match self.mode.as_mut() {
            CbcEnc::Aes128(m) => m.encrypt_blocks(Array::slice_as_chunks_mut(buf).0),
            CbcEnc::Aes256(m) => m.encrypt_blocks(Array::slice_as_chunks_mut(buf).0),
        }
    }

    /// Encrypts `input`, appending the ciphertext of the blocks it completes to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        let total = self.partial.len() + input.len();
        let whole = total - total % 16;
        if whole == 0 {
            self.partial.extend_from_slice(input);
            return;
        }
        let from_input = whole - self.partial.len();
        out.extend_from_slice(&self.partial);
        out.extend_from_slice(&input[..from_input]);
        self.partial.clear();
        self.partial.extend_from_slice(&input[from_input..]);
        self.encrypt_blocks(&mut out[start..]);
    }

    /// Pads and encrypts the last block, appending it to `out`.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        let pad = 16 - self.partial.len();
        let mut last = std::mem::take(&mut self.partial);
        last.resize(16, pad as u8);
        let start = out.len();
        out.extend_from_slice(&last);
        zeroize::Zeroize::zeroize(&mut last);
        self.encrypt_blocks(&mut out[start..]);
    }
}

impl Drop for CbcEncryptor {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.partial);
    }
}

/// CBC content decryption with PKCS#7 padding, piece by piece. The last whole block is held
/// back until [`CbcDecryptor::finish`], which checks the padding and releases it unpadded.
/// CBC has no integrity: what is released before `finish` is unauthenticated (as is all of it).
pub struct CbcDecryptor {
    mode: Box<CbcDec>,
    block: usize,
    pending: Vec<u8>,
}

impl CbcDecryptor {
    /// Starts a decryption of any CBC content cipher under `key` and `iv`.
    pub fn new(cipher: ContentCipher, key: &[u8], iv: &[u8]) -> Result<CbcDecryptor, CipherError> {
        let len = |_| CipherError::Length;
        let mode = match cipher {
            ContentCipher::Aes128Cbc => {
                CbcDec::Aes128(cbc::Decryptor::new_from_slices(key, iv).map_err(len)?)
            }
            ContentCipher::Aes192Cbc => {
                CbcDec::Aes192(cbc::Decryptor::new_from_slices(key, iv).map_err(len)?)
            }
            ContentCipher::Aes256Cbc => {
                CbcDec::Aes256(cbc::Decryptor::new_from_slices(key, iv).map_err(len)?)
            }
            ContentCipher::DesEde3Cbc => {
                CbcDec::DesEde3(cbc::Decryptor::new_from_slices(key, iv).map_err(len)?)
            }
            _ => return Err(CipherError::Length),
        };
        let block = if cipher == ContentCipher::DesEde3Cbc {
            8
        } else {
            16
        };
        Ok(CbcDecryptor {
            mode: Box::new(mode),
            block,
            pending: Vec::with_capacity(2 * block),
        })
    }

    fn decrypt_blocks(&mut self, buf: &mut [u8]) {
        match self.mode.as_mut() {
            CbcDec::Aes128(m) => m.decrypt_blocks(Array::slice_as_chunks_mut(buf).0),
            CbcDec::Aes192(m) => m.decrypt_blocks(Array::slice_as_chunks_mut(buf).0),
            CbcDec::Aes256(m) => m.decrypt_blocks(Array::slice_as_chunks_mut(buf).0),
            CbcDec::DesEde3(m) => m.decrypt_blocks(Array::slice_as_chunks_mut(buf).0),
        }
    }

    /// Decrypts `input`, appending to `out` the plaintext of every whole block but the last.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let total = self.pending.len() + input.len();
        // Keep the last whole block (and any partial one) back.
        let keep = match total % self.block {
            0 => self.block.min(total),
            r => r,
        };
        let release = total - keep;
        if release == 0 {
            self.pending.extend_from_slice(input);
            return;
        }
        let start = out.len();
        let from_input = release - self.pending.len();
        out.extend_from_slice(&self.pending);
        out.extend_from_slice(&input[..from_input]);
        self.pending.clear();
        self.pending.extend_from_slice(&input[from_input..]);
        self.decrypt_blocks(&mut out[start..]);
    }

    /// Decrypts the held-back block, checks the padding and appends the unpadded rest to
    /// `out`. Content that is no multiple of the block, or bad padding, is
    /// [`CipherError::Failed`].
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CipherError> {
        if self.pending.len() != self.block {
            return Err(CipherError::Failed);
        }
        let mut last = std::mem::take(&mut self.pending);
        self.decrypt_blocks(&mut last);
        let n = padding_len(&last).ok_or(CipherError::Failed);
        if let Ok(n) = n {
            out.extend_from_slice(&last[..self.block - n]);
        }
        zeroize::Zeroize::zeroize(&mut last);
        n.map(|_| ())
    }
}

impl Drop for CbcDecryptor {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pending);
    }
}

/// The PKCS#7 padding length of a decrypted last block, checked without branching on the
/// padding bytes.
fn padding_len(last: &[u8]) -> Option<usize> {
    let n = *last.last()? as usize;
    let mut bad = u8::from(n == 0 || n > last.len());
    for (i, b) in last.iter().rev().enumerate() {
        let inside = u8::from(i < n);
        bad |= inside & u8::from(*b as usize != n);
    }
    (bad == 0).then_some(n)
}

/// Whether CBC content ends in valid PKCS#7 padding under `key`, from its last two blocks
/// alone: `prev` is the block before the last (the IV when there is one block) and `last` the
/// last. The cheap test of a candidate key; valid padding by chance is possible (about 1 in
/// 256), so the full decryption still checks again.
pub fn cbc_padding_ok(cipher: ContentCipher, key: &[u8], prev: &[u8], last: &[u8]) -> bool {
    fn dec<C: BlockCipherDecrypt + KeyInit>(key: &[u8], block: &mut [u8]) -> bool {
        let Ok(c) = C::new_from_slice(key) else {
            return false;
        };
        let (blocks, rest) = Array::slice_as_chunks_mut(block);
        if blocks.len() != 1 || !rest.is_empty() {
            return false;
        }
        c.decrypt_blocks(blocks);
        true
    }
    if prev.len() != last.len() || key.len() != cipher.key_len() {
        return false;
    }
    let mut block = last.to_vec();
    let ok = match cipher {
        ContentCipher::Aes128Cbc => dec::<aes::Aes128>(key, &mut block),
        ContentCipher::Aes192Cbc => dec::<aes::Aes192>(key, &mut block),
        ContentCipher::Aes256Cbc => dec::<aes::Aes256>(key, &mut block),
        ContentCipher::DesEde3Cbc => dec::<des::TdesEde3>(key, &mut block),
        _ => false,
    };
    for (b, p) in block.iter_mut().zip(prev) {
        *b ^= p;
    }
    let good = ok && padding_len(&block).is_some();
    zeroize::Zeroize::zeroize(&mut block);
    good
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_cipher_round_trips_and_refuses_a_changed_byte() {
        for c in [
            ContentCipher::Aes128Gcm,
            ContentCipher::Aes256Gcm,
            ContentCipher::Aes128Cbc,
            ContentCipher::Aes256Cbc,
        ] {
            let key = vec![7u8; c.key_len()];
            let sealed = c.encrypt(&key, b"attack at dawn").unwrap();
            let tag = sealed.tag.map(|t| t.to_vec()).unwrap_or_default();
            let plain = c
                .decrypt(&key, &sealed.iv, &[], &tag, sealed.ciphertext.clone())
                .unwrap();
            assert_eq!(plain, b"attack at dawn", "{}", c.name());
            if c.is_authenticated() {
                let mut ct = sealed.ciphertext.clone();
                ct[0] ^= 1;
                assert_eq!(
                    c.decrypt(&key, &sealed.iv, &[], &tag, ct).unwrap_err(),
                    CipherError::Failed
                );
            }
            assert_eq!(c.encrypt(&key[1..], b"x").unwrap_err(), CipherError::Length);
        }
        assert_eq!(
            ContentCipher::DesEde3Cbc
                .encrypt(&[0; 24], b"x")
                .unwrap_err(),
            CipherError::ReadOnly
        );
    }

    #[test]
    fn gcm_wipes_the_buffer_when_the_tag_fails() {
        let key = [1u8; 16];
        let nonce = [2u8; GCM_NONCE_LEN];
        let mut buf = b"secret".to_vec();
        let tag = gcm_seal(ContentCipher::Aes128Gcm, &key, &nonce, b"aad", &mut buf).unwrap();
        let mut wrong = buf.clone();
        let err = gcm_open(
            ContentCipher::Aes128Gcm,
            &key,
            &nonce,
            b"other",
            &tag,
            &mut wrong,
        );
        assert_eq!(err.unwrap_err(), CipherError::Failed);
        assert!(
            wrong.iter().all(|b| *b == 0),
            "no unauthenticated plaintext is left"
        );
        gcm_open(
            ContentCipher::Aes128Gcm,
            &key,
            &nonce,
            b"aad",
            &tag,
            &mut buf,
        )
        .unwrap();
        assert_eq!(buf, b"secret");
    }

    #[test]
    fn cbc_padding_errors_are_one_error() {
        let key = [3u8; 24];
        let iv = [4u8; 8];
        let mut buf = vec![0u8; 16];
        assert_eq!(
            cbc_decrypt(CbcCipher::DesEde3, &key, &iv, &mut buf),
            Err(CipherError::Failed)
        );
        let mut short = vec![0u8; 5];
        assert_eq!(
            cbc_decrypt(CbcCipher::Rc2, &key[..16], &iv, &mut short),
            Err(CipherError::Failed)
        );
    }

    #[test]
    fn cbc_streaming_equals_the_one_shot_over_random_chunkings() {
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let (c, cbc) = if round % 2 == 0 {
                (ContentCipher::Aes128Cbc, CbcCipher::Aes128)
            } else {
                (ContentCipher::Aes256Cbc, CbcCipher::Aes256)
            };
            let key: Vec<u8> = (0..c.key_len()).map(|_| next() as u8).collect();
            let iv: Vec<u8> = (0..16).map(|_| next() as u8).collect();
            let len = (next() % [40, 300, 70_000][round % 3]) as usize;
            let pt: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let want = cbc_encrypt(cbc, &key, &iv, &pt).unwrap();
            let mut e = CbcEncryptor::new(c, &key, &iv).unwrap();
            let mut ct = Vec::new();
            let mut at = 0;
            while at < len {
                let n = ((next() % 40) as usize).min(len - at);
                e.update(&pt[at..at + n], &mut ct);
                at += n;
            }
            e.finish(&mut ct);
            assert_eq!(ct, want, "round {round}");
            let mut d = CbcDecryptor::new(c, &key, &iv).unwrap();
            let mut back = Vec::new();
            let mut at = 0;
            while at < ct.len() {
                let n = ((next() % 5000) as usize).min(ct.len() - at);
                d.update(&ct[at..at + n], &mut back);
                at += n;
            }
            d.finish(&mut back).unwrap();
            assert_eq!(back, pt, "round {round}");
            let prev = if ct.len() >= 32 {
                &ct[ct.len() - 32..ct.len() - 16]
            } else {
                &iv[..]
            };
            assert!(cbc_padding_ok(c, &key, prev, &ct[ct.len() - 16..]));
        }
    }

    #[test]
    fn cbc_streaming_refuses_bad_padding_and_partial_blocks() {
        let key = [5u8; 16];
        let iv = [6u8; 16];
        // A block whose padding byte decrypts to 0x00: encrypt a block ending in 0 raw.
        let mut raw = vec![0u8; 16];
        let mut e = CbcEncryptor::new(ContentCipher::Aes128Cbc, &key, &iv).unwrap();
        let mut ct = Vec::new();
        e.update(&raw, &mut ct);
        assert_eq!(ct.len(), 16);
        raw.clear();
        let mut d = CbcDecryptor::new(ContentCipher::Aes128Cbc, &key, &iv).unwrap();
        d.update(&ct, &mut raw);
        assert!(raw.is_empty(), "the last block is held back");
        assert_eq!(d.finish(&mut raw), Err(CipherError::Failed));
        assert!(raw.is_empty());
        assert!(!cbc_padding_ok(ContentCipher::Aes128Cbc, &key, &iv, &ct));
        let mut d = CbcDecryptor::new(ContentCipher::Aes128Cbc, &key, &iv).unwrap();
        d.update(&ct[..15], &mut raw);
        assert_eq!(d.finish(&mut raw), Err(CipherError::Failed));
        assert_eq!(padding_len(&[1, 2, 3, 3, 3]), Some(3));
        assert_eq!(padding_len(&[1, 2, 3, 2, 3]), None);
        assert_eq!(padding_len(&[9, 9, 9, 9]), None);
    }
}
