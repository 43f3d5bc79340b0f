//! Encryption: AuthEnvelopedData with AES-GCM by default (RFC 5083/5084, RFC 8551), or
//! EnvelopedData with AES-CBC for peers that cannot read GCM; RSA (PKCS#1 v1.5 or OAEP),
//! ECDH (P-256, P-384, X25519) and ML-KEM (KEMRecipientInfo, RFC 9629 / RFC 9936)
//! recipients, chosen by each certificate's key.
//!
//! Every recipient certificate is checked before anything is encrypted: it must be valid now,
//! allow key encipherment (RSA, ML-KEM) or key agreement (EC) when it has a keyUsage
//! extension, and allow emailProtection when it has an extKeyUsage extension. A refused
//! recipient is named in the error. The sender's own certificate should be among the
//! recipients so sent mail stays readable: [`EncryptOptions::sender`] adds it.

use crate::certificate::Certificate;
use crate::cms::enveloped::{self, ContentCipher};
pub use crate::cms::kemri::{KemKdf, KemOptions};
use crate::cms::recipient::{self, KeyAgreementKdf, KeyTransport, RecipientOptions};
use crate::crypto::cipher::gcm::GcmEncryptor;
use crate::crypto::cipher::{CbcEncryptor, GCM_NONCE_LEN};
use crate::error::EncryptError;
use crate::error::IoError;
use crate::identity::Identity;
use crate::mime;
use crate::policy::{Policy, RevocationMode};
use crate::sign::SignOptions;
use crate::stream::ber::OctetStringWriter;
use crate::stream::{self, Base64Writer, CHUNK, CrlfWriter};
use crate::validate::{self, revocation, revocation::CertificateRevocation};
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

/// How to encrypt.
#[derive(Debug, Clone)]
pub struct EncryptOptions {
    /// The content cipher (AES-256-GCM by default).
    pub cipher: ContentCipher,
    /// RSA key transport: PKCS#1 v1.5 (default, widest support) or OAEP.
    pub key_transport: KeyTransport,
    /// The key-agreement scheme for X25519 recipients: HKDF-SHA-256 (RFC 8418) by default;
    /// an X9.63 KDF for peers without HKDF.
    pub key_agreement: KeyAgreementKdf,
    /// ML-KEM recipients (KEMRecipientInfo, RFC 9629 / RFC 9936): the KDF (HKDF-SHA-256 by
    /// default) and the user keying material (none by default). The key wrap follows the
    /// level and the content cipher: AES-256 key wrap for AES-256 content.
    pub kem: KemOptions,
    /// The sender's own encryption certificate, added as a recipient so the sender can read
    /// what was sent. Checked like any recipient.
    pub sender: Option<Certificate>,
    /// Trust anchors. When any are given, every recipient certificate must chain to one of
    /// them (RFC 5280 path validation); without any, the chain is not judged.
    pub trust_anchors: Vec<Certificate>,
    /// Further certificates: intermediates, and the recipients' CA certificates, whose keys
    /// check the CRLs.
    pub certificates: Vec<Certificate>,
    /// CRLs (DER). A recipient a usable CRL lists as revoked is refused; under
    /// [`crate::policy::RevocationMode::HardFail`] so is one whose status is unknown.
    pub crls: Vec<Vec<u8>>,
    /// What is accepted: the validation time, RSA key sizes, whether CBC may be written, the
    /// revocation mode.
    pub policy: Policy,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        EncryptOptions {
            cipher: ContentCipher::Aes256Gcm,
            key_transport: KeyTransport::RsaPkcs1v15,
            key_agreement: KeyAgreementKdf::HkdfSha256,
            kem: KemOptions::default(),
            sender: None,
            trust_anchors: Vec::new(),
            certificates: Vec::new(),
            crls: Vec::new(),
            policy: Policy::default(),
        }
    }
}

/// A person-readable name for a certificate: its addresses and subject, or else its subject.
pub(crate) fn describe_certificate(cert: &x509_cert::Certificate) -> String {
    let addrs = validate::certificate_addresses(cert);
    if addrs.is_empty() {
        cert.tbs_certificate().subject().to_string()
    } else {
        format!(
            "{} ({})",
            addrs.join(", "),
            cert.tbs_certificate().subject()
        )
    }
}

/// Checks that a certificate may receive encrypted mail under `options` (the same rule as
/// the keyring's recipient selection: [`validate::check_recipient_certificate`], then the
/// chain when trust anchors are given, then revocation when CRLs are given); the error names
/// the certificate and says why not.
pub fn check_recipient(
    certificate: &Certificate,
    options: &EncryptOptions,
) -> Result<(), EncryptError> {
    let cert = certificate
        .x509()
        .map_err(|e| EncryptError::RecipientRefused {
            recipient: certificate.describe(),
            reason: format!("it cannot be parsed: {e}"),
        })?;
    let cert_der = certificate.der();
    let who = describe_certificate(cert);
    let refuse = |reason: String| EncryptError::RecipientRefused {
        recipient: who.clone(),
        reason,
    };
    let policy = &options.policy;
    let time = policy.validation_time(None);
    crate::keyring::check_recipient_certificate(cert, time, policy)
        .map_err(|e| refuse(e.to_string()))?;
    if options.trust_anchors.is_empty() && options.crls.is_empty() {
        return Ok(());
    }
    if !options.trust_anchors.is_empty() {
        let intermediates = ders(&options.certificates);
        let anchors = ders(&options.trust_anchors);
        let outcome = validate::validate_chain(
            &validate::ChainInput {
                end_entity: cert_der,
                intermediates: &intermediates,
                trust_anchors: &anchors,
                crls: &options.crls,
                time,
            },
            policy,
        );
        return match outcome.result {
            Ok(_) => Ok(()),
            Err(e) => Err(refuse(format!("its certificate chain is not valid: {e}"))),
        };
    }
    // CRLs without trust anchors: the CRL of the certificate's issuer, checked with the key
    // of an issuer certificate among `options.certificates`.
    let others: Vec<x509_cert::Certificate> = options
        .certificates
        .iter()
        .filter_map(|c| c.x509().ok().cloned())
        .collect();
    let issuer = others.iter().find(|c| {
        c.tbs_certificate().subject() == cert.tbs_certificate().issuer()
            && crate::crypto::verify::verify_certificate_signature(cert, c).is_ok()
    });
    let Some(issuer) = issuer else {
        return match policy.revocation {
            RevocationMode::HardFail => Err(refuse(
                "its revocation status cannot be checked: the issuer's certificate, whose key \
                 signs the CRL, was not given"
                    .into(),
            )),
            _ => Ok(()),
        };
    };
    let path = [cert.clone(), issuer.clone()];
    let rev = revocation::check_path(&path, &options.crls, &others, time, policy);
    match rev.certificates.first() {
        Some(CertificateRevocation::Revoked { reason, date }) => Err(refuse(format!(
            "it was revoked on {}{}",
            crate::keyring::fmt_time(*date),
            reason.map(|r| format!(" ({r:?})")).unwrap_or_default()
        ))),
        Some(CertificateRevocation::Unknown(why))
            if policy.revocation == RevocationMode::HardFail =>
        {
            Err(refuse(format!("its revocation status is unknown: {why}")))
        }
        _ => Ok(()),
    }
}

/// The recipients, checked, without duplicates (the sender's certificate added).
fn checked_recipients(
    recipients: &[Certificate],
    options: &EncryptOptions,
) -> Result<Vec<Certificate>, EncryptError> {
    if !options.cipher.is_authenticated() && !options.policy.accept_cbc {
        return Err(EncryptError::NotAccepted {
            detail: format!(
                "{} gives no integrity protection, which the policy refuses",
                options.cipher.name()
            ),
        });
    }
    if !options.cipher.can_encrypt() {
        return Err(EncryptError::UnsupportedAlgorithm {
            detail: format!("{} is only read, never written", options.cipher.name()),
        });
    }
    let mut all: Vec<Certificate> = Vec::new();
    for r in recipients.iter().chain(options.sender.iter()) {
        if !all.contains(r) {
            all.push(r.clone());
        }
    }
    if all.is_empty() {
        return Err(EncryptError::NoRecipients);
    }
    for r in &all {
        check_recipient(r, options)?;
    }
    Ok(all)
}

/// A content key and the RecipientInfos (DER) that carry it.
type KeyAndInfos = (Zeroizing<Vec<u8>>, Vec<Vec<u8>>);

/// A fresh content key and the RecipientInfos (DER) that carry it to every recipient.
fn fresh_key(
    recipients: &[Certificate],
    cipher: ContentCipher,
    key_transport: KeyTransport,
    key_agreement: KeyAgreementKdf,
    kem: &KemOptions,
) -> Result<KeyAndInfos, EncryptError> {
    let cek = Zeroizing::new(random(cipher.key_len())?);
    let ropts = RecipientOptions {
        rsa: key_transport,
        x25519: key_agreement,
        kem: kem.clone(),
    };
    let mut infos = Vec::with_capacity(recipients.len());
    for r in recipients {
        infos.push(recipient::recipient_info(r.der(), &cek, &ropts)?);
    }
    Ok((cek, infos))
}

fn random(n: usize) -> Result<Vec<u8>, EncryptError> {
    crate::crypto::rng::random_key(n)
        .map(|k| k.to_vec())
        .map_err(|e| EncryptError::Encoding {
            detail: format!("no randomness: {e}"),
        })
}

/// Encrypts `content` (any bytes) to the recipients and returns the CMS ContentInfo (DER).
pub fn encrypt_der(
    content: &[u8],
    recipients: &[Certificate],
    options: &EncryptOptions,
) -> Result<Vec<u8>, EncryptError> {
    let all = checked_recipients(recipients, options)?;
    let (cek, infos) = fresh_key(
        &all,
        options.cipher,
        options.key_transport,
        options.key_agreement,
        &options.kem,
    )?;
    Ok(enveloped::write(content, options.cipher, &cek, &infos)?)
}

/// Encrypts a MIME entity (or a whole message) and returns the encrypted message:
/// application/pkcs7-mime with smime-type authEnveloped-data (GCM) or enveloped-data (CBC).
/// RFC 5322 headers of the input (From, To, Subject…) stay outside; the MIME entity is
/// encrypted in CRLF form. The CMS structure is BER with indefinite lengths, written by an
/// [`Encryptor`].
pub fn encrypt(
    entity: &[u8],
    recipients: &[Certificate],
    options: &EncryptOptions,
) -> Result<Vec<u8>, EncryptError> {
    let encryptor = Encryptor::new(recipients, options)?;
    let mut out = Vec::with_capacity(entity.len() / 3 * 4 + entity.len() / 38 + 4096);
    let mut w = encryptor.writer(&mut out)?;
    w.write_all(entity).map_err(write_error)?;
    w.finish()?;
    Ok(out)
}

fn wrap_mime(outer_headers: &[u8], der: &[u8], cipher: ContentCipher) -> Vec<u8> {
    let smime_type = if cipher.is_authenticated() {
        "authEnveloped-data"
    } else {
        "enveloped-data"
    };
    mime::write_pkcs7_mime(outer_headers, der, smime_type, "smime.p7m")
}

/// Signs, then encrypts, in one call; with `sign_again`, the encrypted result is signed once
/// more (triple wrap, RFC 2634). The outer headers stay on the outside of every layer.
pub fn sign_and_encrypt(
    entity: &[u8],
    signers: &[Identity],
    sign_options: &SignOptions,
    recipients: &[Certificate],
    options: &EncryptOptions,
    sign_again: bool,
) -> Result<Vec<u8>, EncryptError> {
    let split = mime::split_entity(entity)?;
    let signed = crate::sign::sign(&split.entity, signers, sign_options)?;
    let der = encrypt_der(&signed, recipients, options)?;
    if !sign_again {
        return Ok(wrap_mime(&split.outer_headers, &der, options.cipher));
    }
    let inner = wrap_mime(&[], &der, options.cipher);
    let outer = crate::sign::sign(&inner, signers, sign_options)?;
    // Put the outer headers back on top of the outer signature.
    let mut out = split.outer_headers.clone();
    out.extend_from_slice(&outer);
    Ok(out)
}

fn ders(certificates: &[Certificate]) -> Vec<Vec<u8>> {
    certificates.iter().map(|c| c.der().to_vec()).collect()
}

impl From<crate::error::KeyError> for EncryptError {
    fn from(e: crate::error::KeyError) -> Self {
        EncryptError::Sign(e.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming encryption
// ---------------------------------------------------------------------------------------------

/// The largest header block of a message encrypted as a stream.
const MAX_HEADER_BLOCK: usize = 1 << 20;

fn write_error(e: io::Error) -> EncryptError {
    match stream::parse_error(&e) {
        Some(p) => EncryptError::Parse(p),
        None if e.get_ref().is_some_and(|i| i.is::<EncryptFailure>()) => {
            match e.into_inner().map(|i| i.downcast::<EncryptFailure>()) {
                Some(Ok(f)) => f.0,
                _ => EncryptError::Io(IoError::from(io::Error::other("encryption failed"))),
            }
        }
        None => EncryptError::Io(IoError::from(e)),
    }
}

/// An encryption error carried through `io::Write`.
#[derive(Debug)]
struct EncryptFailure(EncryptError);

impl std::fmt::Display for EncryptFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for EncryptFailure {}

fn failure(e: EncryptError) -> io::Error {
    io::Error::other(EncryptFailure(e))
}

/// Encrypts messages as streams to a set of recipients checked once.
///
/// [`Encryptor::new`] checks every recipient certificate (as [`encrypt()`] does); each
/// [`Encryptor::writer`] then draws a fresh content key, nonce or IV and recipient infos, so
/// one encryptor serves many messages. The output is the encrypted MIME message: the outer
/// headers of the input (From, To, Subject…), application/pkcs7-mime, and the base64 of the
/// CMS structure as BER with indefinite lengths and the content in chunks (as OpenSSL's
/// `-stream` writes it). Memory stays bounded whatever the content size: the header block is
/// held (at most 1 MiB), the content flows through in chunks of 64 KiB.
#[derive(Debug, Clone)]
pub struct Encryptor {
    recipients: Vec<Certificate>,
    cipher: ContentCipher,
    key_transport: KeyTransport,
    key_agreement: KeyAgreementKdf,
    kem: KemOptions,
}

impl Encryptor {
    /// Checks the recipients (and `options.sender`) under `options` and keeps them.
    pub fn new(
        recipients: &[Certificate],
        options: &EncryptOptions,
    ) -> Result<Encryptor, EncryptError> {
        Ok(Encryptor {
            recipients: checked_recipients(recipients, options)?,
            cipher: options.cipher,
            key_transport: options.key_transport,
            key_agreement: options.key_agreement,
            kem: options.kem.clone(),
        })
    }

    /// A writer that takes the message (headers and body, as [`encrypt()`] takes it) and
    /// writes the encrypted message to `output`; [`EncryptWriter::finish`] completes it.
    pub fn writer<W: Write>(&self, output: W) -> Result<EncryptWriter<W>, EncryptError> {
        let (cek, infos) = fresh_key(
            &self.recipients,
            self.cipher,
            self.key_transport,
            self.key_agreement,
            &self.kem,
        )?;
        let cipher = if self.cipher.is_authenticated() {
            let nonce = random(GCM_NONCE_LEN)?;
            let e = GcmEncryptor::new(self.cipher, &cek, &nonce, &[]).map_err(cipher_error)?;
            (StreamCipher::Gcm(e), nonce)
        } else {
            let iv = random(16)?;
            let e = CbcEncryptor::new(self.cipher, &cek, &iv).map_err(cipher_error)?;
            (StreamCipher::Cbc(e), iv)
        };
        let prefix = enveloped::stream_prefix(self.cipher, &cipher.1, &infos)?;
        Ok(EncryptWriter {
            state: State::Head {
                buf: Vec::new(),
                output,
                cipher: Box::new(cipher.0),
                prefix,
                smime_type: smime_type(self.cipher),
            },
        })
    }

    /// Encrypts the message read from `input` to `output` and returns `output`.
    pub fn encrypt<R: Read, W: Write>(&self, mut input: R, output: W) -> Result<W, EncryptError> {
        let mut w = self.writer(output)?;
        stream::pump(&mut input, &mut w).map_err(write_error)?;
        w.finish()
    }
}

fn cipher_error(e: crate::crypto::cipher::CipherError) -> EncryptError {
    EncryptError::Encoding {
        detail: e.to_string(),
    }
}

fn smime_type(cipher: ContentCipher) -> &'static str {
    if cipher.is_authenticated() {
        "authEnveloped-data"
    } else {
        "enveloped-data"
    }
}

/// The content cipher of a stream.
enum StreamCipher {
    Gcm(GcmEncryptor),
    Cbc(CbcEncryptor),
}

/// Encrypts what it is given and writes the ciphertext to the encryptedContent.
struct CipherWriter<W: Write> {
    cipher: StreamCipher,
    inner: OctetStringWriter<W>,
    buf: Zeroizing<Vec<u8>>,
}

impl<W: Write> Write for CipherWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let data = &data[..data.len().min(CHUNK)];
        self.buf.clear();
        match &mut self.cipher {
            StreamCipher::Gcm(g) => {
                self.buf.extend_from_slice(data);
                g.encrypt(&mut self.buf)
                    .map_err(|e| failure(cipher_error(e)))?;
            }
            StreamCipher::Cbc(c) => c.update(data, &mut self.buf),
        }
        self.inner.write_all(&self.buf)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> CipherWriter<W> {
    /// The last block (CBC) or the tag (GCM); returns the writer after the encryptedContent.
    fn finish(mut self) -> io::Result<W> {
        self.buf.clear();
        let tag = match self.cipher {
            StreamCipher::Gcm(g) => Some(g.finish()),
            StreamCipher::Cbc(c) => {
                c.finish(&mut self.buf);
                None
            }
        };
        self.inner.write_all(&self.buf)?;
        let mut w = self.inner.finish()?;
        w.write_all(&enveloped::stream_suffix(tag.as_ref().map(|t| &t[..])))?;
        Ok(w)
    }
}

enum State<W: Write> {
    /// Collecting the header block.
    Head {
        buf: Vec<u8>,
        output: W,
        cipher: Box<StreamCipher>,
        prefix: Vec<u8>,
        smime_type: &'static str,
    },
    /// The content flows: CRLF canonicalization, the cipher, the chunked OCTET STRING, base64.
    Body(Box<CrlfWriter<CipherWriter<Base64Writer<W>>>>),
    /// A write failed; nothing more is accepted.
    Failed,
}

/// Writes an encrypted message as its plaintext is written to it; see [`Encryptor`].
/// [`EncryptWriter::finish`] must be called: without it the output is incomplete.
pub struct EncryptWriter<W: Write> {
    state: State<W>,
}

impl<W: Write> std::fmt::Debug for EncryptWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptWriter").finish_non_exhaustive()
    }
}

/// Whether `buf` holds a whole header block: a blank line, or more than the bound. Only the
/// bytes from `from` on (and the two before, for a line end split across writes) are new.
fn head_complete(buf: &[u8], from: usize) -> bool {
    let tail = &buf[from.saturating_sub(2)..];
    buf.len() > MAX_HEADER_BLOCK
        || buf.starts_with(b"\n")
        || buf.starts_with(b"\r\n")
        || memfind(tail, b"\n\n")
        || memfind(tail, b"\n\r\n")
}

fn memfind(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

impl<W: Write> EncryptWriter<W> {
    /// Splits the header block, writes the MIME headers and the start of the CMS structure,
    /// and starts the content.
    fn start_body(&mut self) -> Result<(), EncryptError> {
        let State::Head {
            buf,
            mut output,
            cipher,
            prefix,
            smime_type,
        } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Ok(());
        };
        let mut cursor = io::Cursor::new(&buf[..]);
        let head = stream::split_head(&mut cursor, MAX_HEADER_BLOCK)?;
        let rest = &buf[cursor.position() as usize..];
        let headers = mime::write_pkcs7_mime(&head.outer_headers, &[], smime_type, "smime.p7m");
        output.write_all(&headers).map_err(write_error)?;
        let mut b64 = Base64Writer::new(output);
        b64.write_all(&prefix).map_err(write_error)?;
        let os = OctetStringWriter::new(b64, 0xA0).map_err(write_error)?;
        let mut cw = CipherWriter {
            cipher: *cipher,
            inner: os,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK + 16)),
        };
        cw.write_all(&head.content_headers).map_err(write_error)?;
        let mut crlf = CrlfWriter::new(cw);
        crlf.write_all(&head.body_prefix).map_err(write_error)?;
        crlf.write_all(rest).map_err(write_error)?;
        self.state = State::Body(Box::new(crlf));
        Ok(())
    }

    /// Completes the encrypted message (the last block or the tag, the end of the structure,
    /// the last base64 line) and returns the output.
    pub fn finish(mut self) -> Result<W, EncryptError> {
        if matches!(self.state, State::Head { .. }) {
            self.start_body()?;
        }
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Body(crlf) => {
                let cw = crlf.finish().map_err(write_error)?;
                let b64 = cw.finish().map_err(write_error)?;
                let mut out = b64.finish().map_err(write_error)?;
                out.flush().map_err(write_error)?;
                Ok(out)
            }
            _ => Err(EncryptError::Io(IoError::from(io::Error::other(
                "an earlier write failed",
            )))),
        }
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match &mut self.state {
            State::Head { buf, .. } => {
                // Taken a chunk at a time, so that only the header block and one chunk are held.
                let data = &data[..data.len().min(CHUNK)];
                let from = buf.len();
                buf.extend_from_slice(data);
                if head_complete(buf, from)
                    && let Err(e) = self.start_body()
                {
                    self.state = State::Failed;
                    return Err(failure(e));
                }
                Ok(data.len())
            }
            State::Body(w) => {
                let r = w.write(data);
                if r.is_err() {
                    self.state = State::Failed;
                }
                r
            }
            State::Failed => Err(io::Error::other("an earlier write failed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
