//! Key derivation functions: the ANSI X9.63 KDF of ECDH key agreement (RFC 5753), HKDF
//! (RFC 5869, as RFC 8418 and RFC 9629 use it), PBKDF2 (RFC 8018) and the PKCS#12 appendix B
//! derivation (RFC 7292).

use super::DigestAlgorithm;
use digest::Digest;
use digest::block_api::EagerHash;
use zeroize::{Zeroize, Zeroizing};

/// The ANSI X9.63 KDF (SEC 1 section 3.6.1): `Hash(Z || counter || SharedInfo)` for
/// counter = 1, 2, … (32-bit big-endian), concatenated and cut to `len` bytes. `None` for MD5
/// or a length beyond 255 blocks.
pub fn x963_kdf(
    digest: DigestAlgorithm,
    z: &[u8],
    shared_info: &[u8],
    len: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    if digest == DigestAlgorithm::Md5 || len > 255 * digest.output_len() {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(len + digest.output_len()));
    let mut counter: u32 = 1;
    while out.len() < len {
        let mut h = digest.hasher()?;
        h.update(z);
        h.update(&counter.to_be_bytes());
        h.update(shared_info);
        let block = Zeroizing::new(h.finish());
        out.extend_from_slice(&block);
        counter += 1;
    }
    out.truncate(len);
    Some(out)
}

/// HKDF (RFC 5869): extract with `salt` (absent: a string of zeros as long as the hash, which
/// is what an empty salt also gives) from `ikm`, then expand with `info` to `len` bytes.
/// SHA-256, SHA-384 and SHA-512 only; `None` for another digest or a length beyond
/// 255 blocks.
pub fn hkdf(
    digest: DigestAlgorithm,
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    len: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    if len > 255 * digest.output_len() {
        return None;
    }
    let mut out = Zeroizing::new(vec![0u8; len]);
    let salt = (!salt.is_empty()).then_some(salt);
    let ok = match digest {
        DigestAlgorithm::Sha256 => hkdf::Hkdf::<sha2::Sha256>::new(salt, ikm)
            .expand(info, &mut out)
            .is_ok(),
        DigestAlgorithm::Sha384 => hkdf::Hkdf::<sha2::Sha384>::new(salt, ikm)
            .expand(info, &mut out)
            .is_ok(),
        DigestAlgorithm::Sha512 => hkdf::Hkdf::<sha2::Sha512>::new(salt, ikm)
            .expand(info, &mut out)
            .is_ok(),
        _ => false,
    };
    ok.then_some(out)
}

/// The HMAC a PBKDF2 derivation uses as its pseudo-random function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prf {
    /// HMAC-SHA-1 (the RFC 8018 default).
    HmacSha1,
    /// HMAC-SHA-224.
    HmacSha224,
    /// HMAC-SHA-256.
    HmacSha256,
    /// HMAC-SHA-384.
    HmacSha384,
    /// HMAC-SHA-512.
    HmacSha512,
}

/// PBKDF2 (RFC 8018 section 5.2) of `password` and `salt` with `iterations` rounds of `prf`,
/// filling `out`.
pub fn pbkdf2(prf: Prf, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    match prf {
        Prf::HmacSha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
        Prf::HmacSha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, out),
        Prf::HmacSha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out),
        Prf::HmacSha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, out),
        Prf::HmacSha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, out),
    }
}

/// RFC 7292 appendix B purpose: encryption key.
pub const PKCS12_KDF_KEY: u8 = 1;
/// RFC 7292 appendix B purpose: initialisation vector.
pub const PKCS12_KDF_IV: u8 = 2;
/// RFC 7292 appendix B purpose: MAC key.
pub const PKCS12_KDF_MAC: u8 = 3;

/// The RFC 7292 appendix B.2 derivation of `n` bytes for purpose `id` from `password` (already
/// a BMPString with its two-byte terminator, see [`bmp_password`], or empty for an absent
/// password) and `salt`, with `iterations` rounds of hash `D`.
pub fn pkcs12_kdf<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    n: usize,
) -> Zeroizing<Vec<u8>> {
    let v = <D as digest::common::BlockSizeUser>::block_size();
    let u = <D as Digest>::output_size();
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let len = v * src.len().div_ceil(v);
        src.iter().copied().cycle().take(len).collect()
    };
    let diversifier = vec![id; v];
    let mut i_buf = Zeroizing::new(fill(salt));
    i_buf.extend_from_slice(&Zeroizing::new(fill(password)));
    let mut out = Zeroizing::new(Vec::with_capacity(n + u));
    let mut b = Zeroizing::new(vec![0u8; v]);
    loop {
        let mut h = D::new();
        h.update(&diversifier);
        h.update(&i_buf[..]);
        let mut a = h.finalize();
        for _ in 1..iterations.max(1) {
            let next = D::digest(&a);
            a.zeroize();
            a = next;
        }
        let take = (n - out.len()).min(u);
        out.extend_from_slice(&a[..take]);
        if out.len() >= n {
            a.zeroize();
            return out;
        }
        for (k, byte) in b.iter_mut().enumerate() {
            *byte = a[k % u];
        }
        a.zeroize();
        // I_j = (I_j + B + 1) mod 2^(8v), big-endian, for every v-byte block of I.
        for chunk in i_buf.chunks_mut(v) {
            let mut carry: u16 = 1;
            for k in (0..chunk.len()).rev() {
                let s = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = (s & 0xFF) as u8;
                carry = s >> 8;
            }
        }
    }
}

/// The password as a BMPString (UTF-16 big-endian) with a two-byte zero terminator, the form
/// [`pkcs12_kdf`] takes.
pub fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_matches_rfc5869_test_cases_1_and_3() {
        let ikm = [0x0bu8; 22];
        let okm = hkdf(
            DigestAlgorithm::Sha256,
            &hex("000102030405060708090a0b0c"),
            &ikm,
            &hex("f0f1f2f3f4f5f6f7f8f9"),
            42,
        )
        .unwrap();
        assert_eq!(
            okm.as_slice(),
            hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            )
        );
        let okm = hkdf(DigestAlgorithm::Sha256, b"", &ikm, b"", 42).unwrap();
        assert_eq!(
            okm.as_slice(),
            hex(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
            )
        );
        assert!(hkdf(DigestAlgorithm::Sha1, b"", &ikm, b"", 16).is_none());
        assert!(hkdf(DigestAlgorithm::Sha256, b"", &ikm, b"", 255 * 32 + 1).is_none());
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn x963_kdf_matches_a_known_answer() {
        // NIST CAVS ANSI X9.63 KDF, SHA-256, no SharedInfo, 128-bit output.
        let z = hex("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08");
        let out = x963_kdf(DigestAlgorithm::Sha256, &z, &[], 16).unwrap();
        assert_eq!(out.as_slice(), hex("443024c3dae66b95e6f5670601558f71"));
    }

    #[test]
    fn x963_kdf_spans_several_blocks() {
        let a = x963_kdf(DigestAlgorithm::Sha1, b"z", b"info", 48).unwrap();
        let b = x963_kdf(DigestAlgorithm::Sha1, b"z", b"info", 20).unwrap();
        assert_eq!(a.len(), 48);
        assert_eq!(&a[..20], b.as_slice());
        assert!(x963_kdf(DigestAlgorithm::Md5, b"z", b"", 16).is_none());
    }

    #[test]
    fn pbkdf2_matches_rfc_6070() {
        // RFC 6070 test vector 2: "password", "salt", 2 iterations, HMAC-SHA-1.
        let mut out = [0u8; 20];
        pbkdf2(Prf::HmacSha1, b"password", b"salt", 2, &mut out);
        assert_eq!(
            out.as_slice(),
            hex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")
        );
    }

    #[test]
    fn bmp_password_is_utf16_with_a_terminator() {
        assert_eq!(bmp_password("a\u{e9}").as_slice(), [0, b'a', 0, 0xe9, 0, 0]);
        assert_eq!(bmp_password("").as_slice(), [0, 0]);
    }

    #[test]
    fn kdf_output_length_and_purposes_differ() {
        let pw = bmp_password("pw");
        let k = pkcs12_kdf::<sha1::Sha1>(&pw, b"saltsalt", PKCS12_KDF_KEY, 3, 45);
        assert_eq!(k.len(), 45);
        let iv = pkcs12_kdf::<sha1::Sha1>(&pw, b"saltsalt", PKCS12_KDF_IV, 3, 45);
        assert_ne!(k, iv);
        // The first block does not depend on how many bytes are asked for.
        let short = pkcs12_kdf::<sha1::Sha1>(&pw, b"saltsalt", PKCS12_KDF_KEY, 3, 8);
        assert_eq!(&k[..8], &short[..]);
    }

    /// Vectors computed with `openssl kdf ... PKCS12KDF` (OpenSSL 3.0), an independent
    /// implementation of appendix B.
    #[test]
    fn kdf_matches_openssl() {
        let k = pkcs12_kdf::<sha1::Sha1>(&bmp_password("pw"), b"saltsalt", PKCS12_KDF_KEY, 3, 45);
        assert_eq!(
            k.to_vec(),
            hex(
                "0C2943D08DDBA0CDAB7B616FD2C6E89ADFB37170B340934B2769ADD1FE8587D2\
                 38BB51990FFE22B806E22D3D13"
            )
        );
        // A salt longer than one block and an output of three blocks (exercises the carry).
        let salt = [&[0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f][..]; 8].concat();
        let salt = [&salt[..], &[0]].concat();
        let k = pkcs12_kdf::<sha2::Sha256>(&bmp_password("smeg"), &salt, PKCS12_KDF_MAC, 1000, 70);
        assert_eq!(
            k.to_vec(),
            hex(
                "81A70AB623175AF1E4D9C5ADAC0DD24F7DAA2752C11F3B56CA6AD910E8D42930\
                 372E81D8A62CB2310B600C134444CF3B89642CA543F67312C31831BFC9B4DDC1\
                 22CBBC5A7EE1"
            )
        );
    }
}
