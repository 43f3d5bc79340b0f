//! The bodies of the fuzz targets, one public function per target, each taking the fuzzer's
//! bytes. The cargo-fuzz targets (fuzz/fuzz_targets/*.rs) call these, and so does the test
//! suite (tests/fuzz_regressions.rs includes this file), which replays every committed seed and
//! regression input through exactly the same code.
//!
//! The only dependencies are `smime` and the crates it depends on itself, so that the root
//! package builds this file with what it already has. The fixed state (trust store, policy,
//! keys) is built once from the committed fixtures in fuzz/fixtures (see its make.sh).
//! A body never asserts anything about the outcome: every error is a correct answer to hostile
//! bytes; what the fuzzer finds is a panic, an abort, a timeout or memory running out.

use smime::fuzzing;
use smime::keyring::store::{self, SealingKey, StoreLimits};
use smime::keyring::{NoExternalKeys, Source};
use smime::{
    Certificate, Decryptor, Identity, Keyring, Pkcs12Limits, Policy, SoftwareKey, Verifier,
    VerifyOptions,
};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The committed fixtures (fuzz/fixtures/make.sh).
pub mod fixtures {
    /// The P-256 root CA.
    pub const ROOT: &[u8] = include_bytes!("../fixtures/root.crt.der");
    /// The RSA-2048 intermediate CA, issued by the root.
    pub const INTERMEDIATE: &[u8] = include_bytes!("../fixtures/inter.crt.der");
    /// The intermediate's CRL (revokes nothing).
    pub const CRL: &[u8] = include_bytes!("../fixtures/inter.crl.der");
    /// alice@example.com: RSA-2048, signs and receives key transport.
    pub const ALICE_CERT: &[u8] = include_bytes!("../fixtures/alice.crt.der");
    /// Alice's key (PKCS#8 PEM).
    pub const ALICE_KEY: &[u8] = include_bytes!("../fixtures/alice.key.pem");
    /// bob@example.com: P-256, signs (ECDSA) and receives key agreement (ECDH).
    pub const BOB_CERT: &[u8] = include_bytes!("../fixtures/bob.crt.der");
    /// Bob's key (PKCS#8 PEM).
    pub const BOB_KEY: &[u8] = include_bytes!("../fixtures/bob.key.pem");
    /// carol@example.com: Ed25519, signs.
    pub const CAROL_CERT: &[u8] = include_bytes!("../fixtures/carol.crt.der");
    /// Carol's key (PKCS#8 PEM).
    pub const CAROL_KEY: &[u8] = include_bytes!("../fixtures/carol.key.pem");
    /// dave@example.com: X25519, receives key agreement.
    pub const DAVE_CERT: &[u8] = include_bytes!("../fixtures/dave.crt.der");
    /// Dave's key (PKCS#8 PEM).
    pub const DAVE_KEY: &[u8] = include_bytes!("../fixtures/dave.key.pem");
    /// Bouncy Castle's ML-KEM-768 end-entity certificate (tests/data/pqc/bc).
    pub const MLKEM_CERT: &[u8] = include_bytes!("../fixtures/mlkem768.crt.der");
    /// Its private key (PKCS#8 DER).
    pub const MLKEM_KEY: &[u8] = include_bytes!("../fixtures/mlkem768.key.der");
    /// Bouncy Castle's trust anchor of the post-quantum artefacts.
    pub const PQ_ROOT: &[u8] = include_bytes!("../fixtures/pq-root.crt.der");
    /// The password of every PKCS#12 and encrypted PKCS#8 seed.
    pub const PASSWORD: &str = "fuzz";
    /// The keyring sealing key of every keyring seed.
    pub const SEALING_KEY: [u8; 32] = [0x5a; 32];
}

/// The state every target shares, built once.
pub struct Fixed {
    /// Verify options: the fixture root and the post-quantum root as anchors, the
    /// intermediate, its CRL, the default policy.
    pub verify: VerifyOptions,
    /// The identities with a key: Alice (RSA), Bob (P-256), Dave (X25519), ML-KEM-768.
    pub keys: Vec<Identity>,
    /// Only the ML-KEM-768 identity.
    pub mlkem: Vec<Identity>,
    /// The decryption policy: the default, with CBC accepted so that its path is reached.
    pub policy: Policy,
    /// A keyring with the two CAs as anchor and intermediate.
    pub ring: Keyring,
    /// The keyring sealing key.
    pub sealing: SealingKey,
    /// Fixed certificates, for the targets that pair a key with one.
    pub certificates: Vec<Certificate>,
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).expect("fixture certificate")
}

fn identity(key: &[u8], certificate: &[u8]) -> Identity {
    let key = SoftwareKey::from_bytes(key).expect("fixture key");
    Identity::new(Arc::new(key), cert(certificate)).expect("fixture identity")
}

/// The fixed state.
pub static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
    use fixtures::*;
    let verify = VerifyOptions {
        trust_anchors: vec![cert(ROOT), cert(PQ_ROOT)],
        certificates: vec![cert(INTERMEDIATE)],
        crls: vec![CRL.to_vec()],
        ..Default::default()
    };
    let mlkem = identity(MLKEM_KEY, MLKEM_CERT);
    let keys = vec![
        identity(ALICE_KEY, ALICE_CERT),
        identity(BOB_KEY, BOB_CERT),
        identity(DAVE_KEY, DAVE_CERT),
        mlkem.clone(),
    ];
    let mut policy = Policy::default();
    policy.accept_cbc = true;
    let mut ring = Keyring::new();
    ring.add_trust_anchor(&cert(ROOT)).expect("fixture anchor");
    ring.add_intermediate(&cert(INTERMEDIATE))
        .expect("fixture intermediate");
    Fixed {
        verify,
        keys,
        mlkem: vec![mlkem],
        policy,
        ring,
        sealing: SealingKey::from_bytes(SEALING_KEY),
        certificates: [ALICE_CERT, BOB_CERT, CAROL_CERT, DAVE_CERT, MLKEM_CERT]
            .iter()
            .map(|d| cert(d))
            .collect(),
    }
});

/// A fixed time for the imports (2027-01-15), so that a replay does not depend on the clock.
fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// Limits for PKCS#12 and encrypted PKCS#8: the seeds use 2048 iterations; more is refused
/// quickly, so the fuzzer spends its time in the parsers rather than in PBKDF2.
fn pkcs12_limits() -> Pkcs12Limits {
    Pkcs12Limits {
        max_iterations: 2048,
        max_total_iterations: 16_384,
        ..Pkcs12Limits::default()
    }
}

/// Chunk sizes from a seed: a small xorshift generator, sizes 1 to 4096 with many small ones.
pub struct Chunks(u32);

impl Chunks {
    /// The sizes seeded with `seed`.
    pub fn new(seed: u16) -> Chunks {
        Chunks(u32::from(seed) | 0x1_0000)
    }

    /// The next size.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        let bits = (x >> 28) as usize; // 0..16: the size class
        1 + (x as usize & ((1 << (bits % 13)) - 1))
    }
}

/// The first two bytes as the chunk seed, the rest as the message.
fn split_seed(data: &[u8]) -> (u16, &[u8]) {
    match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => (0, data),
    }
}

/// MIME parsing (the entity tree, From fields, S/MIME parts) and entity splitting.
pub fn mime(data: &[u8]) {
    let limits = fuzzing::mime::Limits::default();
    if let Ok(parsed) = fuzzing::mime::parse(data, &limits) {
        for part in &parsed.smime {
            let _ = fuzzing::mime::base64_crlf(&part.cms);
        }
    }
    let _ = fuzzing::mime::split_entity(data);
}

/// What a file is ([`smime::inspect`]): message, CMS, certificate, CRL, PKCS#12, key.
pub fn inspect(data: &[u8]) {
    let _ = smime::inspect(data);
}

/// The BER reader: the tree, each string's bytes, the DER re-encoding.
pub fn ber(data: &[u8]) {
    if let Ok(node) = fuzzing::asn1::ber::parse(data) {
        let _ = node.to_der(data);
        let mut stack = vec![&node];
        while let Some(n) = stack.pop() {
            let _ = n.string_bytes(data);
            stack.extend(n.children.iter());
        }
    }
}

/// SignedData parsing.
pub fn cms_signed(data: &[u8]) {
    let _ = fuzzing::signed_data::parse_signed_data(data);
}

/// EnvelopedData parsing, then content decryption with a fixed key.
pub fn cms_enveloped(data: &[u8]) {
    if let Ok(env) = fuzzing::enveloped::parse(data)
        && !env.authenticated
    {
        let key = vec![0x42; env.cipher.key_len()];
        let _ = env.decrypt_content(&key);
    }
}

/// AuthEnvelopedData parsing, then content decryption (GCM) with a fixed key.
pub fn cms_auth_enveloped(data: &[u8]) {
    if let Ok(env) = fuzzing::enveloped::parse(data)
        && env.authenticated
    {
        let key = vec![0x42; env.cipher.key_len()];
        let _ = env.decrypt_content(&key);
    }
}

/// certs-only SignedData parsing.
pub fn certs_only(data: &[u8]) {
    let _ = fuzzing::certs_only::parse_certs_only(data);
}

/// [`smime::verify`] against the fixed trust store and policy.
pub fn verify(data: &[u8]) {
    let _ = smime::verify(data, &FIXED.verify);
}

/// [`smime::verify_detached`]: the first two bytes give the length of the content (modulo the
/// input), the rest after the content is the signature.
pub fn verify_detached(data: &[u8]) {
    let (n, rest) = split_seed(data);
    let at = usize::from(n) % (rest.len() + 1);
    let (content, signature) = rest.split_at(at);
    let _ = smime::verify_detached(content, signature, &FIXED.verify);
}

/// [`smime::decrypt`] with the fixed keys (RSA, P-256, X25519, ML-KEM-768).
pub fn decrypt(data: &[u8]) {
    let _ = smime::decrypt(data, &FIXED.keys, &FIXED.policy);
}

/// [`smime::open`] (decrypt and verify every layer) with the fixed keys and trust store.
pub fn open(data: &[u8]) {
    let _ = smime::open(data, &FIXED.keys, &FIXED.verify);
}

/// KEMRecipientInfo: [`smime::decrypt`] with only the ML-KEM-768 key.
pub fn kemri(data: &[u8]) {
    let _ = smime::decrypt(data, &FIXED.mlkem, &FIXED.policy);
}

/// PKCS#12 import with the fixed password, then the identity in it.
pub fn pkcs12(data: &[u8]) {
    if let Ok(contents) = smime::pkcs12::parse_pkcs12(data, fixtures::PASSWORD, &pkcs12_limits()) {
        let _ = contents.identity();
    }
}

/// Encrypted PKCS#8 (PEM or DER) with the fixed password.
pub fn pkcs8_encrypted(data: &[u8]) {
    let _ = SoftwareKey::from_encrypted(data, fixtures::PASSWORD, 2048);
}

/// Private keys (PKCS#8 with ML-KEM and ML-DSA in their seed, expanded and both forms, and the
/// classical forms), paired with the fixed certificates (the key-match check).
pub fn pq_keys(data: &[u8]) {
    let _ = SoftwareKey::from_pkcs8_der(data);
    if let Ok(key) = SoftwareKey::from_bytes(data) {
        let key: Arc<dyn smime::PrivateKey> = Arc::new(key);
        let _ = key.public_key_der();
        for c in &FIXED.certificates {
            let _ = Identity::new(key.clone(), c.clone());
        }
    }
}

/// Certificates: DER, PEM, several in one file, everything a certificate tells, and the
/// keyring's certificate import.
pub fn certificate(data: &[u8]) {
    let mut certs = Vec::new();
    if let Ok(c) = Certificate::from_der(data) {
        certs.push(c);
    }
    if let Ok(c) = Certificate::from_pem(data) {
        certs.push(c);
    }
    if let Ok(all) = Certificate::read_all(data) {
        certs.extend(all);
    }
    for c in &certs {
        let _ = (
            c.subject(),
            c.issuer(),
            c.serial(),
            c.addresses(),
            c.roles(),
        );
        let _ = (
            c.key_description(),
            c.public_key_der(),
            c.key_kind(),
            c.describe(),
        );
        let _ = (
            c.is_ca(),
            c.is_self_issued(),
            c.valid_at(time()),
            c.to_pem(),
        );
    }
    let _ = Keyring::new().import_certificates(data, Source::File, time());
}

/// Directory-entry import (LDAP `userSMIMECertificate` certs-only or `userCertificate`).
pub fn directory_entry(data: &[u8]) {
    let _ = FIXED.ring.clone().import_directory_entry(data, time());
}

/// certs-only message import (application/pkcs7-mime; smime-type=certs-only, or bare CMS).
pub fn certs_only_import(data: &[u8]) {
    let _ = FIXED.ring.clone().import_certs_only(data, time());
}

/// CRL import into a keyring that knows the CAs.
pub fn crl(data: &[u8]) {
    let _ = FIXED.ring.clone().add_crl(data);
}

/// Keyring file load: the sealed file under the fixed key, then the keyring it holds.
pub fn keyring_load(data: &[u8]) {
    if let Ok(snapshot) = store::unseal(data, &FIXED.sealing, &StoreLimits::default()) {
        let _ = Keyring::from_snapshot(snapshot, &NoExternalKeys);
    }
}

/// The keyring body decoder: the input is the plaintext body, sealed here the way
/// docs/keyring-format.md specifies (fixed salt and nonce), so that the fuzzer reaches the
/// DER snapshot decoder behind the GCM tag.
pub fn keyring_body(data: &[u8]) {
    let file = seal_body(data, &fixtures::SEALING_KEY);
    keyring_load(&file);
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// The encryption key and key-check value of docs/keyring-format.md for `key` and `salt`.
fn subkeys(key: &[u8; 32], salt: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let encryption = hmac(key, &[b"smime keyring v1 encryption key", salt]);
    let check_key = hmac(key, &[b"smime keyring v1 key-check key", salt]);
    (
        encryption,
        hmac(&check_key, &[b"smime keyring v1 key-check value"]),
    )
}

/// Seals `body` as a keyring file under `key` with a fixed salt and nonce.
pub fn seal_body(body: &[u8], key: &[u8; 32]) -> Vec<u8> {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    let salt = [0x11u8; 16];
    let nonce = [0x22u8; 12];
    let (encryption, check_value) = subkeys(key, &salt);
    let mut out = Vec::with_capacity(80 + body.len() + 16);
    out.extend_from_slice(b"SMIMEKR\0");
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&check_value);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    out.extend_from_slice(body);
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&encryption).expect("a 32-byte key");
    let (header, ciphertext) = out.split_at_mut(80);
    let tag = cipher
        .encrypt_inout_detached(&aes_gcm::Nonce::from(nonce), header, ciphertext.into())
        .expect("a small body");
    out.extend_from_slice(&tag);
    out
}

/// The plaintext body of a keyring file sealed under `key` (the seeds of `keyring_body` come
/// from real keyring files this way); `None` when it does not open.
pub fn unseal_body(file: &[u8], key: &[u8; 32]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    if file.len() < 96 {
        return None;
    }
    let (encryption, _) = subkeys(key, &file[12..28]);
    let nonce: [u8; 12] = file[60..72].try_into().ok()?;
    let (header, rest) = file.split_at(80);
    let (ciphertext, tag) = rest.split_at(rest.len() - 16);
    let mut body = ciphertext.to_vec();
    let tag: [u8; 16] = tag.try_into().ok()?;
    aes_gcm::Aes256Gcm::new_from_slice(&encryption)
        .ok()?
        .decrypt_inout_detached(
            &aes_gcm::Nonce::from(nonce),
            header,
            body.as_mut_slice().into(),
            &tag.into(),
        )
        .ok()?;
    Some(body)
}

/// The streaming verifier: the message written in chunks whose sizes come from the first two
/// bytes.
pub fn stream_verify(data: &[u8]) {
    let (seed, message) = split_seed(data);
    let mut chunks = Chunks::new(seed);
    let mut writer = Verifier::new(&FIXED.verify).writer(io::sink());
    let mut rest = message;
    while !rest.is_empty() {
        let (now, later) = rest.split_at(chunks.next().min(rest.len()));
        if writer.write_all(now).is_err() {
            return;
        }
        rest = later;
    }
    let _ = writer.finish();
}

/// A reader that returns at most the next chunk size per read, and seeks.
struct ChunkReader<'a> {
    data: &'a [u8],
    pos: usize,
    chunks: Chunks,
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let n = self.chunks.next().min(buf.len()).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl Seek for ChunkReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => i128::from(n),
            SeekFrom::Current(d) => self.pos as i128 + i128::from(d),
            SeekFrom::End(d) => self.data.len() as i128 + i128::from(d),
        };
        if target < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "before the start",
            ));
        }
        self.pos = usize::try_from(target).unwrap_or(usize::MAX);
        Ok(self.pos as u64)
    }
}

/// The streaming decryptor, reading the message in chunks whose sizes come from the first two
/// bytes, both seekable and spooled.
pub fn stream_decrypt(data: &[u8]) {
    let (seed, message) = split_seed(data);
    let Ok(decryptor) = Decryptor::new(&FIXED.keys, &FIXED.policy) else {
        return;
    };
    let input = ChunkReader {
        data: message,
        pos: 0,
        chunks: Chunks::new(seed),
    };
    let _ = decryptor.decrypt(input, io::sink());
    let input = ChunkReader {
        data: message,
        pos: 0,
        chunks: Chunks::new(seed.rotate_left(7)),
    };
    let _ = decryptor.decrypt_spooled(input, io::Cursor::new(Vec::new()), io::sink());
}

/// A target body.
pub type Body = fn(&[u8]);

/// Every target whose body lives here, by name (the name of its cargo-fuzz target and of its
/// directories under fuzz/seeds and fuzz/regressions).
pub const TARGETS: &[(&str, Body)] = &[
    ("mime", mime),
    ("inspect", inspect),
    ("ber", ber),
    ("cms_signed", cms_signed),
    ("cms_enveloped", cms_enveloped),
    ("cms_auth_enveloped", cms_auth_enveloped),
    ("certs_only", certs_only),
    ("verify", verify),
    ("verify_detached", verify_detached),
    ("decrypt", decrypt),
    ("open", open),
    ("kemri", kemri),
    ("pkcs12", pkcs12),
    ("pkcs8_encrypted", pkcs8_encrypted),
    ("pq_keys", pq_keys),
    ("certificate", certificate),
    ("directory_entry", directory_entry),
    ("certs_only_import", certs_only_import),
    ("crl", crl),
    ("keyring_load", keyring_load),
    ("keyring_body", keyring_body),
    ("stream_verify", stream_verify),
    ("stream_decrypt", stream_decrypt),
];
