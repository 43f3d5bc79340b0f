//! What the Wycheproof tests share: hand-written DER for the CMS structures the vectors are
//! placed in (certificates carrying a vector's public key, SignedData, EnvelopedData and
//! AuthEnvelopedData, RecipientInfos), and the per-file counts every test prints and checks.
//!
//! The DER is written here by hand, independently of the library's writers, so that a bug in
//! those cannot hide a bug in the readers the vectors exercise.

#![allow(dead_code)]

use der::Encode;
use der::asn1::ObjectIdentifier as Oid;
use std::collections::BTreeMap;

/// A DER TLV (definite length).
pub fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(body);
    out
}

/// SEQUENCE of the concatenated parts.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An OBJECT IDENTIFIER.
pub fn oid(dotted: &str) -> Vec<u8> {
    Oid::new_unwrap(dotted).to_der().expect("OID")
}

/// AlgorithmIdentifier with the parameters as DER (or absent).
pub fn alg(dotted: &str, params: Option<&[u8]>) -> Vec<u8> {
    seq(&[&oid(dotted), params.unwrap_or(&[])])
}

/// A small non-negative INTEGER.
pub fn int(v: u32) -> Vec<u8> {
    let mut b: Vec<u8> = v
        .to_be_bytes()
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    if b.first().is_none_or(|f| f & 0x80 != 0) {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

/// An OCTET STRING.
pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

/// DER NULL.
pub const NULL: &[u8] = &[0x05, 0x00];

pub const DATA: &str = "1.2.840.113549.1.7.1";
pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
pub const AUTH_ENVELOPED_DATA: &str = "1.2.840.113549.1.9.16.1.23";

/// `Name` with one common name.
fn name(cn: &str) -> Vec<u8> {
    let atv = seq(&[&oid("2.5.4.3"), &tlv(0x0c, cn.as_bytes())]);
    seq(&[&tlv(0x31, &atv)])
}

/// The Name every test certificate has as issuer.
pub fn issuer_name() -> Vec<u8> {
    name("Wycheproof vectors")
}

/// A version 3 certificate for the DER SubjectPublicKeyInfo `spki`, serial `serial`, valid
/// 2020-2049, issued by [`issuer_name`]. Its issuer signature is not a real one: the tests
/// look at the message signature check and at key use, never at the chain, which stays
/// untrusted.
pub fn certificate(spki: &[u8], serial: u32) -> Vec<u8> {
    let sig_alg = alg("1.2.840.10045.4.3.2", None);
    let validity = seq(&[&tlv(0x17, b"200101000000Z"), &tlv(0x18, b"20491231235959Z")]);
    let tbs = seq(&[
        &tlv(0xa0, &int(2)),
        &int(serial),
        &sig_alg,
        &issuer_name(),
        &validity,
        &name(&format!("vector key {serial}")),
        spki,
    ]);
    // An ECDSA-shaped signature value that verifies under no key.
    let fake = seq(&[&int(1), &int(1)]);
    let mut bits = vec![0u8];
    bits.extend_from_slice(&fake);
    seq(&[&tbs, &sig_alg, &tlv(0x03, &bits)])
}

/// issuerAndSerialNumber of a [`certificate`].
pub fn issuer_and_serial(serial: u32) -> Vec<u8> {
    seq(&[&issuer_name(), &int(serial)])
}

/// ContentInfo around `content` of type `content_type`.
pub fn content_info(content_type: &str, content: &[u8]) -> Vec<u8> {
    seq(&[&oid(content_type), &tlv(0xa0, content)])
}

/// A SignedData ContentInfo: encapsulated `msg` (id-data), the signer's certificate, and one
/// SignerInfo WITHOUT signed attributes (version 1, issuerAndSerialNumber), so that the
/// signature value is over the content itself, as the vectors sign their message.
pub fn signed_data(
    cert: &[u8],
    serial: u32,
    digest_alg: &[u8],
    sig_alg: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> Vec<u8> {
    let signer_info = seq(&[
        &int(1),
        &issuer_and_serial(serial),
        digest_alg,
        sig_alg,
        &octets(sig),
    ]);
    let encap = seq(&[&oid(DATA), &tlv(0xa0, &octets(msg))]);
    let sd = seq(&[
        &int(1),
        &tlv(0x31, digest_alg),
        &encap,
        &tlv(0xa0, cert),
        &tlv(0x31, &signer_info),
    ]);
    content_info(SIGNED_DATA, &sd)
}

/// An EnvelopedData (`authenticated == false`) or AuthEnvelopedData ContentInfo with the given
/// RecipientInfos (DER, as they appear in the SET), content-encryption algorithm identifier,
/// ciphertext and, for AuthEnvelopedData, the tag.
pub fn enveloped(
    version: u32,
    recipient_infos: &[Vec<u8>],
    content_alg: &[u8],
    ciphertext: &[u8],
    mac: Option<&[u8]>,
) -> Vec<u8> {
    let mut ris = recipient_infos.to_vec();
    ris.sort();
    let eci = seq(&[&oid(DATA), content_alg, &tlv(0x80, ciphertext)]);
    match mac {
        Some(tag) => {
            let body = seq(&[&int(0), &tlv(0x31, &ris.concat()), &eci, &octets(tag)]);
            content_info(AUTH_ENVELOPED_DATA, &body)
        }
        None => {
            let body = seq(&[&int(version), &tlv(0x31, &ris.concat()), &eci]);
            content_info(ENVELOPED_DATA, &body)
        }
    }
}

/// GCMParameters (RFC 5084): the nonce and the ICV length.
pub fn gcm_params(nonce: &[u8], icv_len: usize) -> Vec<u8> {
    seq(&[&octets(nonce), &int(icv_len as u32)])
}

/// AES-GCM encryption of `pt` (12-byte nonce, 16-byte tag), done here with the `aes-gcm`
/// crate, independently of the library: (ciphertext, tag).
pub fn gcm_seal(key: &[u8], nonce: &[u8; 12], pt: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    let mut buf = pt.to_vec();
    let nonce = aes_gcm::Nonce::try_from(&nonce[..]).expect("nonce");
    let tag = match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key)
            .expect("key")
            .encrypt_inout_detached(&nonce, &[], buf.as_mut_slice().into())
            .expect("seal")
            .to_vec(),
        32 => aes_gcm::Aes256Gcm::new_from_slice(key)
            .expect("key")
            .encrypt_inout_detached(&nonce, &[], buf.as_mut_slice().into())
            .expect("seal")
            .to_vec(),
        n => panic!("no AES-GCM with a {n}-byte key"),
    };
    (buf, tag)
}

/// AES-CBC with PKCS#7 padding, done here with the `cbc` crate: the ciphertext.
pub fn cbc_seal(key: &[u8], iv: &[u8; 16], pt: &[u8]) -> Vec<u8> {
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .expect("key")
            .encrypt_padded_vec::<Pkcs7>(pt),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, iv)
            .expect("key")
            .encrypt_padded_vec::<Pkcs7>(pt),
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .expect("key")
            .encrypt_padded_vec::<Pkcs7>(pt),
        n => panic!("no AES with a {n}-byte key"),
    }
}

pub const AES128_GCM: &str = "2.16.840.1.101.3.4.1.6";
pub const AES256_GCM: &str = "2.16.840.1.101.3.4.1.46";
pub const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
pub const AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
pub const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";

/// The content a test message carries.
pub const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nWycheproof through CMS\r\n";

/// How the vectors of one file went, by outcome: every vector lands in exactly one bucket,
/// and the buckets are compared with the file's number of tests.
#[derive(Debug, Default)]
pub struct Tally {
    name: String,
    total: usize,
    buckets: BTreeMap<&'static str, usize>,
    notes: BTreeMap<&'static str, usize>,
}

impl Tally {
    /// A tally for the file `name` with `total` vectors.
    pub fn new(name: impl Into<String>, total: usize) -> Tally {
        Tally {
            name: name.into(),
            total,
            buckets: BTreeMap::new(),
            notes: BTreeMap::new(),
        }
    }

    /// Counts one vector under `bucket`.
    pub fn count(&mut self, bucket: &'static str) {
        *self.buckets.entry(bucket).or_default() += 1;
    }

    /// Counts one vector under a note: a subset of the buckets worth naming, printed apart
    /// and not part of the sum.
    pub fn note(&mut self, note: &'static str) {
        *self.notes.entry(note).or_default() += 1;
    }

    /// How many vectors landed in `bucket`.
    pub fn get(&self, bucket: &str) -> usize {
        self.buckets.get(bucket).copied().unwrap_or(0)
    }

    /// Checks that exactly `n` vectors landed in `bucket`: the exceptions of a file are
    /// counted and pinned, so that none grows silently.
    pub fn expect(&self, bucket: &str, n: usize) {
        assert_eq!(self.get(bucket), n, "{}: {bucket}", self.name);
    }

    /// Prints the counts and checks that every vector of the file was accounted for: the
    /// passes (`passed` buckets) plus the argued exceptions (the other buckets) are the whole
    /// file. Returns the counts for a test to compare with what it expects.
    pub fn finish(&self) -> Vec<(&'static str, usize)> {
        let counted: usize = self.buckets.values().sum();
        let parts: Vec<String> = self
            .buckets
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let notes: Vec<String> = self.notes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!(
            "{}: {} vectors: {}{}",
            self.name,
            self.total,
            parts.join(", "),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" (of which: {})", notes.join(", "))
            }
        );
        assert_eq!(
            counted, self.total,
            "{}: every vector counted once",
            self.name
        );
        self.buckets.iter().map(|(k, v)| (*k, *v)).collect()
    }
}
