//! The structure-aware target: CMS built from valid pieces, so that the fuzzer reaches past the
//! first parse. `arbitrary` turns the fuzzer's bytes into a [`Cms`] description; [`build`]
//! writes it as DER with real certificates, valid algorithm identifiers, correct digests,
//! real signatures (the fixture keys sign), a real RSA key transport of the content key and a
//! real AES-GCM or AES-CBC encryption, each piece replaceable by a wrong one; a few byte-level
//! mutations follow. [`run`] hands the result (as DER, PEM or MIME) to verify, decrypt and open.

use crate::bodies::{FIXED, fixtures};
use arbitrary::Arbitrary;
use smime::fuzzing;
use smime::{Certificate, DigestAlgorithm, PrivateKey, SignatureScheme, SoftwareKey};
use std::sync::LazyLock;

/// What to build.
#[derive(Arbitrary, Debug)]
pub struct Cms {
    /// The structure.
    pub message: Message,
    /// How it is framed.
    pub framing: Framing,
    /// Byte-level changes to the DER, applied in order.
    pub mutations: Vec<Mutation>,
}

/// The CMS structures.
#[derive(Arbitrary, Debug)]
pub enum Message {
    /// SignedData.
    Signed(Signed),
    /// AuthEnvelopedData (AES-GCM).
    AuthEnveloped(Encrypted),
    /// EnvelopedData (AES-CBC).
    Enveloped(Encrypted),
}

/// The framing of the DER.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Framing {
    /// Bare DER.
    Der,
    /// PEM (`-----BEGIN CMS-----`).
    Pem,
    /// An application/pkcs7-mime entity, base64.
    Mime,
    /// multipart/signed with the content as the first part (meaningful for detached
    /// SignedData).
    MultipartSigned,
}

/// One byte-level change.
#[derive(Arbitrary, Debug)]
pub struct Mutation {
    /// Where (modulo the length).
    pub at: u16,
    /// What.
    pub op: Op,
}

/// The byte-level changes.
#[derive(Arbitrary, Debug)]
pub enum Op {
    /// XOR with a byte.
    Flip(u8),
    /// Insert bytes.
    Insert(Vec<u8>),
    /// Delete up to this many bytes.
    Delete(u8),
    /// Cut everything from here.
    Truncate,
}

/// A digest algorithm identifier.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Digest {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA-1 (weak).
    Sha1,
    /// MD5 (weak).
    Md5,
    /// An OID nobody knows.
    Unknown,
}

/// A certificate in the certificates field.
#[derive(Arbitrary, Debug)]
pub enum Cert {
    /// A fixture: 0 Alice, 1 Bob, 2 Carol, 3 Dave, 4 intermediate, 5 root, 6 ML-KEM.
    Fixture(u8),
    /// Bytes.
    Raw(Vec<u8>),
}

/// A signer with a fixture key.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Who {
    /// RSA-2048.
    Alice,
    /// P-256.
    Bob,
    /// Ed25519.
    Carol,
}

/// SignedData.
#[derive(Arbitrary, Debug)]
pub struct Signed {
    /// The version (1 or 3 are right).
    pub version: u8,
    /// digestAlgorithms.
    pub digest_algorithms: Vec<Digest>,
    /// The content (a MIME entity, or anything).
    pub content: Content,
    /// An eContentType other than id-data.
    pub other_content_type: bool,
    /// Leave the content out (detached).
    pub detached: bool,
    /// certificates.
    pub certificates: Vec<Cert>,
    /// Add the intermediate's CRL.
    pub crl: bool,
    /// signerInfos.
    pub signers: Vec<Signer>,
}

/// Content: bytes, or a MIME entity with a From field.
#[derive(Arbitrary, Debug)]
pub enum Content {
    /// The bytes as they are.
    Raw(Vec<u8>),
    /// `From: <from>@example.com`, a Content-Type and the body.
    Entity {
        /// The local part of the From address.
        from: String,
        /// The body.
        body: Vec<u8>,
    },
}

/// One SignerInfo.
#[derive(Arbitrary, Debug)]
pub struct Signer {
    /// Whose key signs.
    pub who: Who,
    /// sid as subjectKeyIdentifier rather than issuerAndSerialNumber.
    pub by_ski: bool,
    /// The digest algorithm.
    pub digest: Digest,
    /// Signed attributes, or none.
    pub attributes: Option<Vec<Attribute>>,
    /// The signature algorithm identifier.
    pub algorithm: SignatureAlgorithm,
    /// A real signature, or these bytes.
    pub signature: Option<Vec<u8>>,
    /// Unsigned attributes (raw SET content), if any.
    pub unsigned: Option<Vec<u8>>,
}

/// A signed attribute.
#[derive(Arbitrary, Debug)]
pub enum Attribute {
    /// contentType: id-data, or another type.
    ContentType(bool),
    /// messageDigest: the right digest, or these bytes.
    MessageDigest(Option<Vec<u8>>),
    /// signingTime, seconds since 1970 (UTCTime or GeneralizedTime by year).
    SigningTime(u32),
    /// smimeCapabilities with these content ciphers (0 AES-128-GCM, 1 AES-256-GCM, 2
    /// AES-256-CBC, others unknown).
    Capabilities(Vec<u8>),
    /// Any attribute: OID bytes and value bytes.
    Raw(Vec<u8>, Vec<u8>),
}

/// A signature algorithm identifier.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum SignatureAlgorithm {
    /// What the key uses.
    Natural,
    /// rsaEncryption.
    RsaEncryption,
    /// sha256WithRSAEncryption.
    Sha256WithRsa,
    /// RSASSA-PSS with SHA-256 parameters.
    RsaPss,
    /// ecdsa-with-SHA256.
    EcdsaSha256,
    /// Ed25519.
    Ed25519,
    /// ML-DSA-65.
    MlDsa65,
    /// An OID nobody knows.
    Unknown,
}

/// EnvelopedData or AuthEnvelopedData.
#[derive(Arbitrary, Debug)]
pub struct Encrypted {
    /// The plaintext.
    pub content: Inner,
    /// AES-256 rather than AES-128.
    pub aes256: bool,
    /// The nonce (GCM, 12 bytes are right) or IV (CBC, 16).
    pub iv: Vec<u8>,
    /// The GCM tag length (12 to 16 are right), or the default (12).
    pub icv_len: Option<u8>,
    /// authAttrs (AuthEnvelopedData): raw SET content, authenticated.
    pub auth_attributes: Option<Vec<u8>>,
    /// The recipients.
    pub recipients: Vec<Recipient>,
    /// Flip this byte of the ciphertext (modulo its length).
    pub flip: Option<u16>,
}

/// The plaintext of an encrypted message.
#[derive(Arbitrary, Debug)]
pub enum Inner {
    /// Content.
    Content(Content),
    /// A signed message (opaque SignedData as MIME).
    Signed(Box<Signed>),
}

/// A RecipientInfo.
#[derive(Arbitrary, Debug)]
pub enum Recipient {
    /// Key transport to Alice: the real content key, PKCS#1 v1.5 or OAEP; or a wrong key of
    /// this length.
    Alice {
        /// RSAES-OAEP (SHA-256) rather than PKCS#1 v1.5.
        oaep: bool,
        /// Wrap a wrong key of this many bytes instead.
        wrong: Option<u8>,
    },
    /// A real RecipientInfo of another message (a different key): 0 Bob (ECDH), 1 Dave
    /// (X25519), 2 ML-KEM-768 (KEMRecipientInfo), 3 Alice.
    Foreign(u8),
    /// Bytes.
    Raw(Vec<u8>),
}

// ---- DER --------------------------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn set(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

fn int(v: u8) -> Vec<u8> {
    if v < 0x80 {
        vec![2, 1, v]
    } else {
        vec![2, 2, 0, v]
    }
}

/// An OID's DER from its content octets.
fn oid(content: &[u8]) -> Vec<u8> {
    tlv(0x06, content)
}

const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const ENVELOPED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
const AUTH_ENVELOPED_DATA: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
];
const CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
const CAPABILITIES: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0f];
const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const SHA256_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const RSA_OAEP: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x07];
const MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const ML_DSA_65: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12];
const UNKNOWN: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x7f];
const AES128_GCM: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06];
const AES256_GCM: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e];
const AES128_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02];
const AES256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];

fn digest_oid(d: Digest) -> &'static [u8] {
    match d {
        Digest::Sha256 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
        Digest::Sha384 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02],
        Digest::Sha512 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03],
        Digest::Sha1 => &[0x2b, 0x0e, 0x03, 0x02, 0x1a],
        Digest::Md5 => &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05],
        Digest::Unknown => UNKNOWN,
    }
}

fn algorithm(oid_content: &[u8], params: Option<&[u8]>) -> Vec<u8> {
    match params {
        Some(p) => seq(&[&oid(oid_content), p]),
        None => seq(&[&oid(oid_content)]),
    }
}

/// The digest `d` computes, or SHA-256 for the ones the library has no hasher for here.
fn hash(d: Digest, data: &[u8]) -> (DigestAlgorithm, Vec<u8>) {
    use sha2::Digest as _;
    match d {
        Digest::Sha384 => (DigestAlgorithm::Sha384, sha2::Sha384::digest(data).to_vec()),
        Digest::Sha512 => (DigestAlgorithm::Sha512, sha2::Sha512::digest(data).to_vec()),
        _ => (DigestAlgorithm::Sha256, sha2::Sha256::digest(data).to_vec()),
    }
}

// ---- the pieces -------------------------------------------------------------------------

struct Pieces {
    alice: SoftwareKey,
    bob: SoftwareKey,
    carol: SoftwareKey,
    certificates: Vec<Certificate>,
    /// (issuerAndSerialNumber DER, subjectKeyIdentifier) per signer.
    ids: [(Vec<u8>, Vec<u8>); 3],
    /// RecipientInfos of real messages: Bob, Dave, ML-KEM, Alice.
    foreign: Vec<Vec<u8>>,
    /// Alice's RSA public key.
    alice_public: rsa::RsaPublicKey,
}

/// issuerAndSerialNumber and subjectKeyIdentifier of a certificate, from its DER.
fn ids(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let root = fuzzing::asn1::ber::parse(der).expect("fixture certificate");
    let tbs = &root.children[0];
    let at = |i: usize| &der[tbs.children[i].range.clone()];
    // version [0], serial, signature, issuer
    let issuer_serial = seq(&[at(3), at(1)]);
    let ski_oid = oid(&[0x55, 0x1d, 0x0e]);
    let ski = der
        .windows(ski_oid.len())
        .position(|w| w == ski_oid.as_slice())
        .map(|p| {
            // OID, OCTET STRING { OCTET STRING ski }
            let inner = p + ski_oid.len() + 2 + 2;
            let len = usize::from(der[inner - 1]);
            der[inner..inner + len].to_vec()
        })
        .unwrap_or_default();
    (issuer_serial, ski)
}

/// The RecipientInfos of a message the library encrypts to `to`.
fn recipient_infos(to: &[u8]) -> Vec<u8> {
    let message = smime::encrypt(
        b"Content-Type: text/plain\r\n\r\nforeign\r\n",
        &[Certificate::from_der(to).expect("fixture")],
        &smime::EncryptOptions::default(),
    )
    .expect("encrypt to a fixture");
    let parsed = fuzzing::mime::parse(&message, &fuzzing::mime::Limits::default()).expect("MIME");
    let der = parsed.smime[0].cms.to_vec();
    let root = fuzzing::asn1::ber::parse(&der).expect("DER");
    let body = &root.children[1].children[0];
    let set = &body.children[1];
    der[set.children[0].range.clone()].to_vec()
}

static PIECES: LazyLock<Pieces> = LazyLock::new(|| {
    use rsa::pkcs8::DecodePublicKey;
    let key = |k: &[u8]| SoftwareKey::from_bytes(k).expect("fixture key");
    let alice_cert = Certificate::from_der(fixtures::ALICE_CERT).expect("fixture");
    let spki = alice_cert.public_key_der().expect("SPKI");
    Pieces {
        alice: key(fixtures::ALICE_KEY),
        bob: key(fixtures::BOB_KEY),
        carol: key(fixtures::CAROL_KEY),
        certificates: [
            fixtures::ALICE_CERT,
            fixtures::BOB_CERT,
            fixtures::CAROL_CERT,
            fixtures::DAVE_CERT,
            fixtures::INTERMEDIATE,
            fixtures::ROOT,
            fixtures::MLKEM_CERT,
        ]
        .iter()
        .map(|d| Certificate::from_der(d).expect("fixture"))
        .collect(),
        ids: [
            ids(fixtures::ALICE_CERT),
            ids(fixtures::BOB_CERT),
            ids(fixtures::CAROL_CERT),
        ],
        foreign: [
            fixtures::BOB_CERT,
            fixtures::DAVE_CERT,
            fixtures::MLKEM_CERT,
            fixtures::ALICE_CERT,
        ]
        .iter()
        .map(|c| recipient_infos(c))
        .collect(),
        alice_public: rsa::RsaPublicKey::from_public_key_der(&spki).expect("RSA key"),
    }
});

fn content_bytes(c: &Content) -> Vec<u8> {
    match c {
        Content::Raw(b) => b.clone(),
        Content::Entity { from, body } => {
            let mut out = format!(
                "From: {}@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                from.replace(['\r', '\n'], "")
            )
            .into_bytes();
            out.extend_from_slice(body);
            out
        }
    }
}

fn time(secs: u32) -> Vec<u8> {
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let days = i64::from(secs / 86_400);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let hms = format!("{:02}{:02}{:02}Z", rem / 3600, rem / 60 % 60, rem % 60);
    if y < 2050 {
        tlv(0x17, format!("{:02}{m:02}{d:02}{hms}", y % 100).as_bytes())
    } else {
        tlv(0x18, format!("{y:04}{m:02}{d:02}{hms}").as_bytes())
    }
}

fn attribute(a: &Attribute, digest: &[u8]) -> Vec<u8> {
    let (t, v) = match a {
        Attribute::ContentType(true) => (CONTENT_TYPE, oid(DATA)),
        Attribute::ContentType(false) => (CONTENT_TYPE, oid(SIGNED_DATA)),
        Attribute::MessageDigest(None) => (MESSAGE_DIGEST, tlv(0x04, digest)),
        Attribute::MessageDigest(Some(b)) => (MESSAGE_DIGEST, tlv(0x04, b)),
        Attribute::SigningTime(s) => (SIGNING_TIME, time(*s)),
        Attribute::Capabilities(c) => {
            let caps: Vec<Vec<u8>> = c
                .iter()
                .take(8)
                .map(|k| match k % 4 {
                    0 => algorithm(AES128_GCM, None),
                    1 => algorithm(AES256_GCM, None),
                    2 => algorithm(AES256_CBC, None),
                    _ => algorithm(UNKNOWN, None),
                })
                .collect();
            let caps: Vec<&[u8]> = caps.iter().map(Vec::as_slice).collect();
            (CAPABILITIES, seq(&caps))
        }
        Attribute::Raw(o, v) => return seq(&[&oid(o), &set(&[v])]),
    };
    seq(&[&oid(t), &set(&[&v])])
}

fn signer_info(s: &Signer, content: &[u8]) -> Vec<u8> {
    let p = &*PIECES;
    let index = s.who as usize;
    let (issuer_serial, ski) = &p.ids[index];
    let sid = if s.by_ski {
        tlv(0x80, ski)
    } else {
        issuer_serial.clone()
    };
    let version = int(if s.by_ski { 3 } else { 1 });
    let (digest_alg, content_digest) = hash(s.digest, content);
    let signed_attrs = s.attributes.as_ref().map(|attrs| {
        let encoded: Vec<Vec<u8>> = attrs
            .iter()
            .take(8)
            .map(|a| attribute(a, &content_digest))
            .collect();
        let encoded: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        set(&encoded)
    });
    let signed_bytes: &[u8] = signed_attrs.as_deref().unwrap_or(content);
    let (key, scheme, natural): (&SoftwareKey, SignatureScheme, Vec<u8>) = match s.who {
        Who::Alice => (
            &p.alice,
            SignatureScheme::RsaPkcs1v15,
            algorithm(RSA, Some(&[5, 0])),
        ),
        Who::Bob => (
            &p.bob,
            SignatureScheme::Ecdsa,
            algorithm(ECDSA_SHA256, None),
        ),
        Who::Carol => (&p.carol, SignatureScheme::Ed25519, algorithm(ED25519, None)),
    };
    let signature = match &s.signature {
        Some(raw) => raw.clone(),
        None => {
            // Ed25519 signs the message itself (RFC 8419), the others its digest.
            if matches!(s.who, Who::Carol) {
                key.sign_message(scheme, signed_bytes)
            } else {
                key.sign_digest(scheme, digest_alg, &hash(s.digest, signed_bytes).1)
            }
            .unwrap_or_default()
        }
    };
    let sig_alg = match s.algorithm {
        SignatureAlgorithm::Natural => natural,
        SignatureAlgorithm::RsaEncryption => algorithm(RSA, Some(&[5, 0])),
        SignatureAlgorithm::Sha256WithRsa => algorithm(SHA256_RSA, Some(&[5, 0])),
        SignatureAlgorithm::RsaPss => {
            let sha256 = algorithm(digest_oid(Digest::Sha256), None);
            let params = seq(&[
                &tlv(0xa0, &sha256),
                &tlv(0xa1, &algorithm(MGF1, Some(&sha256))),
                &tlv(0xa2, &int(32)),
            ]);
            algorithm(RSA_PSS, Some(&params))
        }
        SignatureAlgorithm::EcdsaSha256 => algorithm(ECDSA_SHA256, None),
        SignatureAlgorithm::Ed25519 => algorithm(ED25519, None),
        SignatureAlgorithm::MlDsa65 => algorithm(ML_DSA_65, None),
        SignatureAlgorithm::Unknown => algorithm(UNKNOWN, None),
    };
    let mut parts = vec![version, sid, algorithm(digest_oid(s.digest), None)];
    if let Some(attrs) = &signed_attrs {
        // [0] IMPLICIT: the SET retagged.
        let mut a = attrs.clone();
        a[0] = 0xa0;
        parts.push(a);
    }
    parts.push(sig_alg);
    parts.push(tlv(0x04, &signature));
    if let Some(u) = &s.unsigned {
        parts.push(tlv(0xa1, u));
    }
    let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    seq(&parts)
}

/// The DER of a SignedData ContentInfo and its content.
fn signed(s: &Signed) -> (Vec<u8>, Vec<u8>) {
    let p = &*PIECES;
    let content = content_bytes(&s.content);
    let digests: Vec<Vec<u8>> = s
        .digest_algorithms
        .iter()
        .take(6)
        .map(|d| algorithm(digest_oid(*d), None))
        .collect();
    let digests: Vec<&[u8]> = digests.iter().map(Vec::as_slice).collect();
    let content_type = oid(if s.other_content_type {
        ENVELOPED_DATA
    } else {
        DATA
    });
    let encap = if s.detached {
        seq(&[&content_type])
    } else {
        seq(&[&content_type, &tlv(0xa0, &tlv(0x04, &content))])
    };
    let mut certs = Vec::new();
    for c in s.certificates.iter().take(8) {
        match c {
            Cert::Fixture(i) => {
                let i = usize::from(*i) % p.certificates.len();
                certs.extend_from_slice(p.certificates[i].der());
            }
            Cert::Raw(b) => certs.extend_from_slice(b),
        }
    }
    let signers: Vec<Vec<u8>> = s
        .signers
        .iter()
        .take(3)
        .map(|si| signer_info(si, &content))
        .collect();
    let signers: Vec<&[u8]> = signers.iter().map(Vec::as_slice).collect();
    let mut body = vec![int(s.version), set(&digests), encap];
    if !s.certificates.is_empty() {
        body.push(tlv(0xa0, &certs));
    }
    if s.crl {
        body.push(tlv(0xa1, fixtures::CRL));
    }
    body.push(set(&signers));
    let body: Vec<&[u8]> = body.iter().map(Vec::as_slice).collect();
    let der = seq(&[&oid(SIGNED_DATA), &tlv(0xa0, &seq(&body))]);
    (der, content)
}

fn opaque_mime(der: &[u8], smime_type: &str, from: &str) -> Vec<u8> {
    let mut out = format!(
        "MIME-Version: 1.0\r\nFrom: {from}@example.com\r\nContent-Type: application/pkcs7-mime; \
         smime-type={smime_type}; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(&fuzzing::mime::base64_crlf(der));
    out
}

/// The DER of an EnvelopedData or AuthEnvelopedData ContentInfo.
fn encrypted(e: &Encrypted, authenticated: bool) -> Vec<u8> {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    let p = &*PIECES;
    let plaintext = match &e.content {
        Inner::Content(c) => content_bytes(c),
        Inner::Signed(s) => opaque_mime(&signed(s).0, "signed-data", sender(&s.content)),
    };
    let key_len = if e.aes256 { 32 } else { 16 };
    let cek = [0x42u8; 32];
    let cek = &cek[..key_len];
    let mut recipients = Vec::new();
    for r in e.recipients.iter().take(4) {
        match r {
            Recipient::Alice { oaep, wrong } => {
                let wrapped_key = match wrong {
                    Some(n) => vec![0x42; usize::from(*n % 64)],
                    None => cek.to_vec(),
                };
                let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
                let (alg, encrypted_key) = if *oaep {
                    let sha256 = algorithm(digest_oid(Digest::Sha256), None);
                    let params = seq(&[
                        &tlv(0xa0, &sha256),
                        &tlv(0xa1, &algorithm(MGF1, Some(&sha256))),
                    ]);
                    let ek = p.alice_public.encrypt(
                        &mut rng,
                        rsa::Oaep::<sha2::Sha256>::new(),
                        &wrapped_key,
                    );
                    (algorithm(RSA_OAEP, Some(&params)), ek)
                } else {
                    let ek = p
                        .alice_public
                        .encrypt(&mut rng, rsa::Pkcs1v15Encrypt, &wrapped_key);
                    (algorithm(RSA, Some(&[5, 0])), ek)
                };
                let ek = encrypted_key.unwrap_or_default();
                recipients.push(seq(&[&int(0), &p.ids[0].0, &alg, &tlv(0x04, &ek)]));
            }
            Recipient::Foreign(i) => {
                recipients.push(p.foreign[usize::from(*i) % p.foreign.len()].clone());
            }
            Recipient::Raw(b) => recipients.push(b.clone()),
        }
    }
    let recipients: Vec<&[u8]> = recipients.iter().map(Vec::as_slice).collect();
    let recipients = set(&recipients);
    let auth_attrs = e.auth_attributes.as_ref().map(|a| tlv(0x31, a));
    let (alg, mut ciphertext, mac) = if authenticated {
        let mut ct = plaintext.clone();
        let aad = auth_attrs.clone().unwrap_or_default();
        let tag = match <[u8; 12]>::try_from(e.iv.as_slice()) {
            Ok(nonce) => {
                let nonce = aes_gcm::Nonce::from(nonce);
                let tag = if e.aes256 {
                    aes_gcm::Aes256Gcm::new_from_slice(cek)
                        .expect("key")
                        .encrypt_inout_detached(&nonce, &aad, ct.as_mut_slice().into())
                } else {
                    aes_gcm::Aes128Gcm::new_from_slice(cek)
                        .expect("key")
                        .encrypt_inout_detached(&nonce, &aad, ct.as_mut_slice().into())
                };
                tag.map(|t| t.to_vec()).unwrap_or_default()
            }
            Err(_) => vec![0; 16],
        };
        let icv = e.icv_len.map_or(12, usize::from);
        let mac = tag[..icv.min(tag.len())].to_vec();
        let mut params = vec![tlv(0x04, &e.iv)];
        if let Some(n) = e.icv_len {
            params.push(int(n));
        }
        let params: Vec<&[u8]> = params.iter().map(Vec::as_slice).collect();
        let oid_c = if e.aes256 { AES256_GCM } else { AES128_GCM };
        (algorithm(oid_c, Some(&seq(&params))), ct, mac)
    } else {
        let ct = match <[u8; 16]>::try_from(e.iv.as_slice()) {
            Ok(iv) => cbc_encrypt(cek, &iv, &plaintext),
            Err(_) => plaintext.clone(),
        };
        let oid_c = if e.aes256 { AES256_CBC } else { AES128_CBC };
        (algorithm(oid_c, Some(&tlv(0x04, &e.iv))), ct, Vec::new())
    };
    if let Some(at) = e.flip
        && !ciphertext.is_empty()
    {
        let i = usize::from(at) % ciphertext.len();
        ciphertext[i] ^= 0x01;
    }
    let eci = seq(&[&oid(DATA), &alg, &tlv(0x80, &ciphertext)]);
    let mut body = vec![int(if authenticated { 0 } else { 2 }), recipients, eci];
    if authenticated {
        if let Some(mut a) = auth_attrs {
            a[0] = 0xa1;
            body.push(a);
        }
        body.push(tlv(0x04, &mac));
    }
    let body: Vec<&[u8]> = body.iter().map(Vec::as_slice).collect();
    let ct = if authenticated {
        AUTH_ENVELOPED_DATA
    } else {
        ENVELOPED_DATA
    };
    seq(&[&oid(ct), &tlv(0xa0, &seq(&body))])
}

fn cbc_encrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
    if key.len() == 32 {
        cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map(|c| c.encrypt_padded_vec::<Pkcs7>(data))
            .unwrap_or_default()
    } else {
        cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map(|c| c.encrypt_padded_vec::<Pkcs7>(data))
            .unwrap_or_default()
    }
}

fn mutate(mut der: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations.iter().take(4) {
        if der.is_empty() {
            break;
        }
        let at = usize::from(m.at) % der.len();
        match &m.op {
            Op::Flip(x) => der[at] ^= x,
            Op::Insert(b) => {
                let tail = der.split_off(at);
                der.extend_from_slice(b);
                der.extend_from_slice(&tail);
            }
            Op::Delete(n) => {
                let end = (at + usize::from(*n)).min(der.len());
                der.drain(at..end);
            }
            Op::Truncate => der.truncate(at),
        }
    }
    der
}

fn pem(der: &[u8]) -> Vec<u8> {
    let mut out = b"-----BEGIN CMS-----\r\n".to_vec();
    // RFC 7468 armour: lines of 64 characters (the reader is strict about it).
    let text: Vec<u8> = fuzzing::mime::base64_crlf(der)
        .into_iter()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    for line in text.chunks(64) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"-----END CMS-----\r\n");
    out
}

/// The message `cms` describes, framed: the bytes [`run`] verifies and decrypts.
pub fn build(cms: &Cms) -> Vec<u8> {
    assemble(cms).0
}

/// The local part of the outer From header: the signed entity's sender (the sender rule compares
/// the two), else Alice.
fn sender(content: &Content) -> &str {
    match content {
        Content::Entity { from, .. } if !from.contains(['\r', '\n', '@']) => from,
        Content::Entity { .. } | Content::Raw(_) => "alice",
    }
}

/// The framed message, its (mutated) DER and the signed content.
fn assemble(cms: &Cms) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (der, content, smime_type) = match &cms.message {
        Message::Signed(s) => {
            let (der, content) = signed(s);
            (der, content, "signed-data")
        }
        Message::AuthEnveloped(e) => (encrypted(e, true), Vec::new(), "authEnveloped-data"),
        Message::Enveloped(e) => (encrypted(e, false), Vec::new(), "enveloped-data"),
    };
    let der = mutate(der, &cms.mutations);
    let from = match &cms.message {
        Message::Signed(s) => sender(&s.content),
        Message::AuthEnveloped(_) | Message::Enveloped(_) => "alice",
    };
    let framed = match cms.framing {
        Framing::Der => der.clone(),
        Framing::Pem => pem(&der),
        Framing::Mime => opaque_mime(&der, smime_type, from),
        Framing::MultipartSigned => {
            let mut out = format!(
                "MIME-Version: 1.0\r\nFrom: {from}@example.com\r\nContent-Type: \
                 multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; \
                 boundary=\"b\"\r\n\r\n--b\r\n"
            )
            .into_bytes();
            out.extend_from_slice(&content);
            out.extend_from_slice(
                b"\r\n--b\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n\
                  Content-Transfer-Encoding: base64\r\n\r\n",
            );
            out.extend_from_slice(&fuzzing::mime::base64_crlf(&der));
            out.extend_from_slice(b"\r\n--b--\r\n");
            out
        }
    };
    (framed, der, content)
}

/// The target body: the built message through verify (signed), decrypt and open (encrypted).
pub fn run(cms: &Cms) {
    let (message, der, content) = assemble(cms);
    match &cms.message {
        Message::Signed(s) => {
            let _ = smime::verify(&message, &FIXED.verify);
            if s.detached {
                let _ = smime::verify_detached(&content, &der, &FIXED.verify);
            }
        }
        Message::AuthEnveloped(_) | Message::Enveloped(_) => {
            let _ = smime::decrypt(&message, &FIXED.keys, &FIXED.policy);
            let _ = smime::open(&message, &FIXED.keys, &FIXED.verify);
        }
    }
}

/// The input bytes as a [`Cms`] and its body run, as the cargo-fuzz target does; for the
/// replay of committed inputs.
pub fn run_bytes(data: &[u8]) {
    if let Ok(cms) = Cms::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        run(&cms);
    }
}
