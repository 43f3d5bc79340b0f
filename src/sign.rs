//! Signing: SignedData with the S/MIME signed attributes, detached (multipart/signed) or
//! opaque (application/pkcs7-mime).
//!
//! Messages are signed as streams by a [`Signer`] ([`SignWriter`], [`Signer::sign`]) in memory
//! bounded independently of the content size; [`sign()`] is a wrapper over it. The content of a
//! bare SignedData is hashed while it is written ([`SignStream`]), which [`sign_detached_der`]
//! and [`sign_opaque_der`] are built on.
//!
//! Every signature carries the signed attributes contentType, messageDigest, signingTime and
//! smimeCapabilities (our preference list: AES-256-GCM, AES-128-GCM, AES-256-CBC, AES-128-CBC,
//! RSAES-OAEP, RSA PKCS#1 v1.5), plus encryptionKeyPreference when the signer names a separate
//! encryption certificate. The signer certificate and its chain are included.

use crate::asn1::der_set_of;
use crate::certificate::Certificate;
use crate::cms::signed_data::{self, SignerInfoParts, attribute};
use crate::crypto::keys::{KeyKind, SignatureScheme};
use crate::crypto::{DigestAlgorithm, Hasher, oids};
use crate::error::{KeyError, ParseError, SignError};
use crate::identity::Identity;
use crate::mime;
use crate::stream::{self, Base64Writer, CrlfWriter, ber::OctetStringWriter};
use crate::validate::{self, EkuFailure, KeyUsageFailure, ValidityFailure};
use der::Encode;
use spki::AlgorithmIdentifierOwned;
use std::io::{self, Read, Write};
use std::time::SystemTime;

/// Why a certificate may not sign e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerCertificateProblem {
    /// The certificate cannot be parsed.
    Unparsable {
        /// What is wrong with it.
        detail: String,
    },
    /// The signing time is outside the certificate's validity period (expired, not yet valid).
    /// Transparent: the failure's message and code.
    Validity(ValidityFailure),
    /// The key usage extension allows neither digitalSignature nor nonRepudiation.
    /// Transparent: the failure's message and code.
    KeyUsage(KeyUsageFailure),
    /// The extended key usage extension does not allow e-mail protection.
    ExtendedKeyUsage(EkuFailure),
}

impl std::fmt::Display for SignerCertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignerCertificateProblem::Unparsable { detail } => {
                write!(f, "the signer certificate cannot be read: {detail}")
            }
            // Transparent: the check's own message.
            SignerCertificateProblem::Validity(e) => std::fmt::Display::fmt(e, f),
            SignerCertificateProblem::KeyUsage(e) => std::fmt::Display::fmt(e, f),
            SignerCertificateProblem::ExtendedKeyUsage(_) => write!(
                f,
                "the signer certificate's extended key usage must include emailProtection"
            ),
        }
    }
}

impl std::error::Error for SignerCertificateProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignerCertificateProblem::ExtendedKeyUsage(e) => Some(e),
            SignerCertificateProblem::Unparsable { .. }
            | SignerCertificateProblem::Validity(_)
            | SignerCertificateProblem::KeyUsage(_) => None,
        }
    }
}

impl SignerCertificateProblem {
    /// The stable numeric code of this problem: [`crate::error::codes::SMIME_CERT_UNPARSABLE`]
    /// or the code of the failed check (900–949).
    pub fn code(&self) -> u32 {
        match self {
            SignerCertificateProblem::Unparsable { .. } => {
                crate::error::codes::SMIME_CERT_UNPARSABLE
            }
            SignerCertificateProblem::Validity(e) => e.code(),
            SignerCertificateProblem::KeyUsage(e) => e.code(),
            SignerCertificateProblem::ExtendedKeyUsage(e) => e.code(),
        }
    }
}

/// Checks that a certificate may sign e-mail at `time`: within its validity period, a key
/// usage (if present) with digitalSignature or nonRepudiation, and an extended key usage (if
/// present) with emailProtection or anyExtendedKeyUsage. The same rule the keyring applies
/// when it picks a signing identity, and the one a verifier applies to the signature, so a
/// signature is never made that the recipient must refuse.
pub fn check_signer_certificate(
    certificate: &Certificate,
    time: SystemTime,
) -> Result<(), SignerCertificateProblem> {
    let cert = certificate
        .x509()
        .map_err(|e| SignerCertificateProblem::Unparsable {
            detail: e.to_string(),
        })?;
    validate::check_validity(cert, time).map_err(SignerCertificateProblem::Validity)?;
    validate::check_signing_key_usage(cert).map_err(SignerCertificateProblem::KeyUsage)?;
    validate::check_email_eku(cert).map_err(SignerCertificateProblem::ExtendedKeyUsage)?;
    Ok(())
}

/// How to sign.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The digest (SHA-256 by default; SHA-384 and SHA-512 are available).
    pub digest: DigestAlgorithm,
    /// Opaque signing (application/pkcs7-mime signed-data) instead of multipart/signed.
    pub opaque: bool,
    /// RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys (salt length = digest length).
    pub pss: bool,
    /// Include the signer certificates' chains (default true).
    pub include_chain: bool,
    /// The signingTime attribute; `None` means now.
    pub signing_time: Option<SystemTime>,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            digest: DigestAlgorithm::Sha256,
            opaque: false,
            pss: false,
            include_chain: true,
            signing_time: None,
        }
    }
}

/// The largest header block a streaming signer reads before the body (1 MiB).
pub const MAX_HEADER: usize = 1024 * 1024;

/// Signs messages as streams: set up once ([`Signer::new`]), then each message goes through a
/// [`SignWriter`] ([`Signer::writer`]) or [`Signer::sign`], in memory bounded independently of
/// the content size (the header block, 64 KiB buffers, the signature).
///
/// multipart/signed: the entity is written to the output as it is hashed, in one pass; the
/// random boundary's absence from the content and the 7-bit rule are checked on the fly and
/// reported by `finish`. Opaque: the output is `application/pkcs7-mime` with the base64 of a
/// BER SignedData of indefinite lengths whose content is a constructed OCTET STRING of chunks
/// (as OpenSSL's `-stream` writes it).
///
/// **An error means the output must be discarded**: what was written before it is not a
/// complete message (for instance, an 8-bit byte in a multipart/signed entity is found only
/// after the bytes before it were written).
#[derive(Debug, Clone)]
pub struct Signer {
    signers: Vec<Identity>,
    options: SignOptions,
}

impl Signer {
    /// A signer for `signers` (at least one) with `options`; the digest must be SHA-256,
    /// SHA-384 or SHA-512.
    pub fn new(signers: &[Identity], options: &SignOptions) -> Result<Signer, SignError> {
        if signers.is_empty() {
            return Err(SignError::NoSigner);
        }
        let options = effective_options(signers, options);
        let digest = signing_digest(options.digest)?;
        if digest.hasher().is_none() {
            return Err(SignError::UnsupportedAlgorithm {
                detail: digest.name().into(),
            });
        }
        Ok(Signer {
            signers: signers.to_vec(),
            options,
        })
    }

    /// A writer that takes one message (header fields and body, as [`sign()`] does) and writes
    /// the signed message to `output`; [`SignWriter::finish`] writes the rest.
    pub fn writer<W: Write>(&self, output: W) -> SignWriter<W> {
        SignWriter {
            signer: self.clone(),
            state: State::Head {
                out: output,
                head: Vec::new(),
                scan: HeadScan::default(),
            },
        }
    }

    /// Signs the message read from `input` into `output`, and returns `output`.
    pub fn sign<R: Read, W: Write>(&self, mut input: R, output: W) -> Result<W, SignError> {
        let mut w = self.writer(output);
        stream::pump(&mut input, &mut w).map_err(io_error)?;
        w.finish()
    }

    fn digest(&self) -> DigestAlgorithm {
        self.options.digest
    }
}

/// A [`Signer`]'s writer for one message: `io::Write` takes the message (header fields, then
/// the body), [`SignWriter::finish`] completes the signed message. After an error, the output
/// must be discarded.
pub struct SignWriter<W: Write> {
    signer: Signer,
    state: State<W>,
}

impl<W: Write> std::fmt::Debug for SignWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignWriter")
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

enum State<W: Write> {
    /// Reading the header block.
    Head {
        out: W,
        head: Vec<u8>,
        scan: HeadScan,
    },
    /// multipart/signed: the entity goes to the output as it is hashed.
    Detached {
        body: CrlfWriter<Tee<W>>,
        boundary: String,
    },
    /// Opaque: the entity goes into the eContent OCTET STRING, base64-encoded.
    Opaque {
        body: CrlfWriter<Tee<OctetStringWriter<Base64Writer<W>>>>,
    },
    /// Finished or failed.
    Done,
}

/// Where the header block ends, found line by line as bytes arrive (the rules of
/// `stream::split_head`, which then splits the block).
#[derive(Debug, Default)]
pub(crate) struct HeadScan {
    /// The start of the first line not looked at yet.
    pos: usize,
}

impl HeadScan {
    /// Whether `head` holds the whole header block (and maybe more).
    pub(crate) fn complete(&mut self, head: &[u8]) -> bool {
        while let Some(rel) = head.get(self.pos..).and_then(|r| memchr::memchr(b'\n', r)) {
            let line = head.get(self.pos..self.pos + rel).unwrap_or_default();
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let first = self.pos == 0;
            self.pos += rel + 1;
            if line.is_empty() {
                return true;
            }
            let continuation = matches!(line.first(), Some(b' ' | b'\t'));
            if !(mime::lines::is_header_start(line) || continuation && !first) {
                return true;
            }
        }
        head.len() > MAX_HEADER
    }
}

/// Hashes the entity on its way to the output and, for multipart/signed, looks for 8-bit
/// bytes and for the boundary in it.
struct Tee<W: Write> {
    inner: W,
    hasher: Hasher,
    checks: Option<Checks>,
}

/// The on-the-fly checks of a multipart/signed entity.
struct Checks {
    boundary: memchr::memmem::Finder<'static>,
    /// The last bytes seen (one less than the boundary's length), for a boundary across a
    /// chunk edge.
    tail: Vec<u8>,
    boundary_found: bool,
    eight_bit_at: Option<u64>,
    offset: u64,
}

impl Checks {
    fn new(boundary: &str) -> Self {
        Checks {
            boundary: memchr::memmem::Finder::new(boundary.as_bytes()).into_owned(),
            tail: Vec::new(),
            boundary_found: false,
            eight_bit_at: None,
            offset: 0,
        }
    }

    fn look(&mut self, buf: &[u8]) {
        if self.eight_bit_at.is_none()
            && let Some(i) = mime::find_8bit(buf)
        {
            self.eight_bit_at = Some(self.offset + i as u64);
        }
        self.offset += buf.len() as u64;
        let keep = self.boundary.needle().len().saturating_sub(1);
        if !self.boundary_found {
            let mut edge = self.tail.clone();
            edge.extend_from_slice(buf.get(..keep.min(buf.len())).unwrap_or_default());
            self.boundary_found =
                self.boundary.find(&edge).is_some() || self.boundary.find(buf).is_some();
        }
        self.tail.extend_from_slice(buf);
        let excess = self.tail.len().saturating_sub(keep);
        self.tail.drain(..excess);
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_all(buf)?;
        self.hasher.update(buf);
        if let Some(c) = &mut self.checks {
            c.look(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Tee<W> {
    /// The inner writer and the digest; the checks' findings as an error.
    fn finish(self) -> Result<(W, Vec<u8>), SignError> {
        if let Some(c) = &self.checks {
            if let Some(at) = c.eight_bit_at {
                return Err(SignError::EightBitContent {
                    detail: format!("the entity has an 8-bit or NUL byte at offset {at}"),
                });
            }
            if c.boundary_found {
                return Err(SignError::Encoding {
                    detail: "the random MIME boundary occurs in the content; sign again".into(),
                });
            }
        }
        Ok((self.inner, self.hasher.finish()))
    }
}

fn io_error(e: io::Error) -> SignError {
    match stream::parse_error(&e) {
        Some(p) => SignError::Parse(p),
        None => e.into(),
    }
}

impl<W: Write> Write for SignWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.state {
            State::Head { head, scan, .. } => {
                // A chunk at a time, so that the body is not copied into the header buffer.
                let take = buf.len().min(stream::CHUNK);
                head.extend_from_slice(buf.get(..take).unwrap_or_default());
                if scan.complete(head) {
                    self.start().map_err(to_io)?;
                }
                Ok(take)
            }
            State::Detached { body, .. } => body.write(buf),
            State::Opaque { body } => body.write(buf),
            State::Done => Err(io::Error::other("the message was already finished")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Head { out, .. } => out.flush(),
            State::Detached { body, .. } => body.flush(),
            State::Opaque { body } => body.flush(),
            State::Done => Ok(()),
        }
    }
}

/// A sign error carried through `io::Write`.
fn to_io(e: SignError) -> io::Error {
    match e {
        SignError::Parse(p) => stream::invalid(p),
        SignError::Io(e) => io::Error::new(e.kind(), e.to_string()),
        other => io::Error::other(other),
    }
}

impl<W: Write> SignWriter<W> {
    /// The header block is complete: writes the head of the signed message and moves on to
    /// the body.
    fn start(&mut self) -> Result<(), SignError> {
        let State::Head { out, head, .. } = std::mem::replace(&mut self.state, State::Done) else {
            return Ok(());
        };
        let mut rest: &[u8] = &head;
        let split = stream::split_head(&mut rest, MAX_HEADER)?;
        let mut out = out;
        let options = &self.signer.options;
        let digest = self.signer.digest();
        let hasher = || {
            digest
                .hasher()
                .ok_or_else(|| SignError::UnsupportedAlgorithm {
                    detail: digest.name().into(),
                })
        };
        if options.opaque {
            out.write_all(&mime::pkcs7_mime_head(
                &split.outer_headers,
                "signed-data",
                "smime.p7m",
            ))?;
            let mut b64 = Base64Writer::new(out);
            write_opaque_start(&mut b64, digest)?;
            let octets = OctetStringWriter::new(b64, 0x24)?;
            let mut t = Tee {
                inner: octets,
                hasher: hasher()?,
                checks: None,
            };
            t.write_all(&split.content_headers)?;
            let mut body = CrlfWriter::new(t);
            body.write_all(&split.body_prefix)?;
            body.write_all(rest)?;
            self.state = State::Opaque { body };
        } else {
            let boundary = mime::random_boundary();
            if crate::bytes::contains(&split.outer_headers, boundary.as_bytes()) {
                return Err(SignError::Encoding {
                    detail: "the random MIME boundary occurs in the header fields; sign again"
                        .into(),
                });
            }
            out.write_all(&mime::multipart_signed_head(
                &split.outer_headers,
                digest.micalg(),
                &boundary,
            ))?;
            let mut t = Tee {
                inner: out,
                hasher: hasher()?,
                checks: Some(Checks::new(&boundary)),
            };
            t.write_all(&split.content_headers)?;
            let mut body = CrlfWriter::new(t);
            body.write_all(&split.body_prefix)?;
            body.write_all(rest)?;
            self.state = State::Detached { body, boundary };
        }
        Ok(())
    }

    /// Writes the rest of the signed message (the signature) and returns the output.
    pub fn finish(mut self) -> Result<W, SignError> {
        if matches!(self.state, State::Head { .. }) {
            if let State::Head { head, .. } = &self.state
                && head.is_empty()
            {
                return Err(ParseError::Empty.into());
            }
            self.start()?;
        }
        match std::mem::replace(&mut self.state, State::Done) {
            State::Detached { body, boundary } => {
                let (mut out, digest) = body.finish().map_err(io_error)?.finish()?;
                let der = build(None, &digest, &self.signer.signers, &self.signer.options)?;
                out.write_all(&mime::multipart_signed_tail(&boundary, &der))?;
                out.flush()?;
                Ok(out)
            }
            State::Opaque { body } => {
                let (octets, digest) = body.finish().map_err(io_error)?.finish()?;
                let mut b64 = octets.finish().map_err(io_error)?;
                // eContent [0], encapContentInfo.
                stream::ber::write_eoc(&mut b64)?;
                stream::ber::write_eoc(&mut b64)?;
                let (certificates, parts) =
                    sign_all(&digest, &self.signer.signers, &self.signer.options)?;
                b64.write_all(&signed_data::signed_data_end(&certificates, &parts)?)?;
                // SignedData, [0], ContentInfo.
                for _ in 0..3 {
                    stream::ber::write_eoc(&mut b64)?;
                }
                let mut out = b64.finish().map_err(io_error)?;
                out.flush()?;
                Ok(out)
            }
            State::Head { .. } | State::Done => Err(SignError::Io(
                io::Error::other("the message was already finished or failed").into(),
            )),
        }
    }
}

/// The start of an opaque SignedData ContentInfo, up to the eContent OCTET STRING: indefinite
/// lengths for everything that encloses the content.
fn write_opaque_start<W: Write>(w: &mut W, digest: DigestAlgorithm) -> Result<(), SignError> {
    use stream::ber::write_header;
    write_header(w, 0x30, None)?;
    w.write_all(&oids::SIGNED_DATA.to_der()?)?;
    write_header(w, 0xA0, None)?;
    write_header(w, 0x30, None)?;
    w.write_all(&signed_data::signed_data_start(&[digest])?)?;
    write_header(w, 0x30, None)?;
    w.write_all(&oids::DATA.to_der()?)?;
    write_header(w, 0xA0, None)?;
    Ok(())
}

/// Hashes content while it is written and produces a detached SignedData at the end.
pub struct SignStream<'a> {
    hasher: Hasher,
    signers: &'a [Identity],
    options: SignOptions,
}

impl<'a> SignStream<'a> {
    /// Starts a detached signature for `signers`.
    pub fn new(signers: &'a [Identity], options: &'a SignOptions) -> Result<Self, SignError> {
        if signers.is_empty() {
            return Err(SignError::NoSigner);
        }
        let options = effective_options(signers, options);
        let hasher = signing_digest(options.digest)?.hasher().ok_or_else(|| {
            SignError::UnsupportedAlgorithm {
                detail: options.digest.name().into(),
            }
        })?;
        Ok(SignStream {
            hasher,
            signers,
            options,
        })
    }

    /// Finishes: the detached SignedData (DER).
    pub fn finish(self) -> Result<Vec<u8>, SignError> {
        let digest = self.hasher.finish();
        build(None, &digest, self.signers, &self.options)
    }
}

impl std::io::Write for SignStream<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The options as applied: a signer whose key signs whole messages (Ed25519, ML-DSA) makes
/// the digest SHA-512, which RFC 8419 section 3.1 requires for Ed25519 with signed attributes
/// and the ML-DSA CMS specification names for ML-DSA; the other signers use it too, as all
/// signers of one message share its digest (and `micalg`).
fn effective_options(signers: &[Identity], options: &SignOptions) -> SignOptions {
    let mut options = options.clone();
    let pure = signers.iter().any(|s| {
        s.require_key()
            .map(|k| k.kind().signs_messages())
            .unwrap_or(false)
    });
    if pure {
        options.digest = DigestAlgorithm::Sha512;
    }
    options
}

fn signing_digest(d: DigestAlgorithm) -> Result<DigestAlgorithm, SignError> {
    match d {
        DigestAlgorithm::Sha256 | DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512 => Ok(d),
        other => Err(SignError::UnsupportedAlgorithm {
            detail: format!("{} is too weak to sign with", other.name()),
        }),
    }
}

/// A detached SignedData (DER) over `content`, which is signed exactly as given.
pub fn sign_detached_der(
    content: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let mut s = SignStream::new(signers, options)?;
    std::io::Write::write_all(&mut s, content)?;
    s.finish()
}

/// An opaque SignedData (DER) that embeds `content`. (Opaque messages from [`sign()`] and
/// [`Signer`] carry the BER form of indefinite lengths instead.)
pub fn sign_opaque_der(
    content: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let mut s = SignStream::new(signers, options)?;
    std::io::Write::write_all(&mut s, content)?;
    let digest = s.hasher.finish();
    build(Some(content), &digest, signers, &s.options)
}

/// Signs a MIME entity (or a whole message) and returns the signed message: a wrapper over
/// [`Signer`].
///
/// RFC 5322 headers of the input that are not `Content-*` (From, To, Subject, Date…) stay on
/// the outside; the MIME entity (its `Content-*` headers and body) is signed, in CRLF form.
/// For multipart/signed the entity must be 7-bit: 8-bit or binary bytes are refused with
/// [`SignError::EightBitContent`], because a relay that re-encodes them breaks the signature.
/// Opaque signing carries any bytes (as BER with indefinite lengths, base64-encoded).
pub fn sign(
    entity: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let signer = Signer::new(signers, options)?;
    let mut w = signer.writer(Vec::with_capacity(entity.len() + entity.len() / 3 + 4096));
    w.write_all(entity).map_err(io_error)?;
    w.finish()
}

fn build(
    econtent: Option<&[u8]>,
    message_digest: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let (certificates, parts) = sign_all(message_digest, signers, options)?;
    Ok(signed_data::write_signed_data(
        econtent,
        &certificates,
        &parts,
    )?)
}

/// Every signer's SignerInfo over `message_digest`, and the certificates to carry.
fn sign_all(
    message_digest: &[u8],
    signers: &[Identity],
    options: &SignOptions,
) -> Result<(Vec<Vec<u8>>, Vec<SignerInfoParts>), SignError> {
    let time = options.signing_time.unwrap_or_else(SystemTime::now);
    let mut parts = Vec::with_capacity(signers.len());
    let mut certificates = Vec::new();
    for signer in signers {
        parts.push(sign_one(signer, message_digest, time, options)?);
        certificates.push(signer.certificate().der().to_vec());
        if let Some(enc) = signer.encryption_certificate() {
            certificates.push(enc.der().to_vec());
        }
        if options.include_chain {
            certificates.extend(signer.chain().iter().map(|c| c.der().to_vec()));
        }
    }
    Ok((certificates, parts))
}

fn sign_one(
    signer: &Identity,
    message_digest: &[u8],
    time: SystemTime,
    options: &SignOptions,
) -> Result<SignerInfoParts, SignError> {
    let digest = options.digest;
    let key = signer.require_key()?;
    if let KeyKind::Rsa { bits } = key.kind()
        && bits < 2048
    {
        return Err(KeyError::TooWeak { bits }.into());
    }
    let tbs = signer
        .certificate()
        .x509()
        .map_err(KeyError::Certificate)?
        .tbs_certificate();

    let mut attrs = vec![
        attribute(oids::CONTENT_TYPE, &oids::DATA.to_der()?)?,
        attribute(
            oids::MESSAGE_DIGEST,
            &der::asn1::OctetString::new(message_digest)?.to_der()?,
        )?,
        attribute(oids::SIGNING_TIME, &signing_time_der(time)?)?,
        attribute(oids::SMIME_CAPABILITIES, &capabilities_der()?)?,
    ];
    if let Some(enc) = signer.encryption_certificate() {
        let enc = enc.x509().map_err(KeyError::Certificate)?;
        // SMIMEEncryptionKeyPreference: issuerAndSerialNumber [0] IMPLICIT.
        let preference = der::asn1::ContextSpecific {
            tag_number: der::TagNumber(0),
            tag_mode: der::TagMode::Implicit,
            value: ::cms::cert::IssuerAndSerialNumber {
                issuer: enc.tbs_certificate().issuer().clone(),
                serial_number: enc.tbs_certificate().serial_number().clone(),
            },
        };
        attrs.push(attribute(
            oids::ENCRYPTION_KEY_PREFERENCE,
            &preference.to_der()?,
        )?);
    }
    let signed_attrs_der = der_set_of(0x31, attrs);

    // Ed25519 and ML-DSA sign the DER of the signed attributes itself.
    let pure = match key.kind() {
        KeyKind::Ed25519 => Some((SignatureScheme::Ed25519, oids::ED25519)),
        KeyKind::MlDsa44 => Some((SignatureScheme::MlDsa, oids::ML_DSA_44)),
        KeyKind::MlDsa65 => Some((SignatureScheme::MlDsa, oids::ML_DSA_65)),
        KeyKind::MlDsa87 => Some((SignatureScheme::MlDsa, oids::ML_DSA_87)),
        _ => None,
    };
    if let Some((scheme, oid)) = pure {
        if options.pss {
            return Err(SignError::UnsupportedAlgorithm {
                detail: format!("RSASSA-PSS needs an RSA key, not {}", key.kind()),
            });
        }
        if digest != DigestAlgorithm::Sha512 {
            return Err(SignError::UnsupportedAlgorithm {
                detail: format!(
                    "a {} signature uses SHA-512, not {}",
                    key.kind(),
                    digest.name()
                ),
            });
        }
        let signature = key
            .sign_message(scheme, &signed_attrs_der)
            .map_err(SignError::KeyOperation)?;
        return Ok(SignerInfoParts {
            issuer: tbs.issuer().clone(),
            serial: tbs.serial_number().clone(),
            digest,
            signed_attrs_der,
            // RFC 8419 and RFC 9814 / the ML-DSA CMS specification: parameters absent.
            signature_algorithm: AlgorithmIdentifierOwned {
                oid,
                parameters: None,
            },
            signature,
        });
    }

    let to_sign =
        digest
            .digest(&signed_attrs_der)
            .ok_or_else(|| SignError::UnsupportedAlgorithm {
                detail: digest.name().into(),
            })?;

    let (scheme, signature_algorithm) = match (key.kind(), options.pss) {
        (KeyKind::Rsa { .. }, false) => (
            SignatureScheme::RsaPkcs1v15,
            AlgorithmIdentifierOwned {
                oid: oids::RSA_ENCRYPTION,
                parameters: Some(der::asn1::Null.into()),
            },
        ),
        (KeyKind::Rsa { .. }, true) => (SignatureScheme::RsaPss, pss_algorithm(digest)?),
        (KeyKind::EcP256 | KeyKind::EcP384, false) => (
            SignatureScheme::Ecdsa,
            AlgorithmIdentifierOwned {
                oid: match digest {
                    DigestAlgorithm::Sha384 => oids::ECDSA_WITH_SHA384,
                    DigestAlgorithm::Sha512 => oids::ECDSA_WITH_SHA512,
                    _ => oids::ECDSA_WITH_SHA256,
                },
                parameters: None,
            },
        ),
        (kind, true) => {
            return Err(SignError::UnsupportedAlgorithm {
                detail: format!("RSASSA-PSS needs an RSA key, not {kind}"),
            });
        }
        (kind, false) => {
            return Err(SignError::UnsupportedAlgorithm {
                detail: format!("a {kind} key cannot sign"),
            });
        }
    };
    let signature = key
        .sign_digest(scheme, digest, &to_sign)
        .map_err(SignError::KeyOperation)?;
    Ok(SignerInfoParts {
        issuer: tbs.issuer().clone(),
        serial: tbs.serial_number().clone(),
        digest,
        signed_attrs_der,
        signature_algorithm,
        signature,
    })
}

fn signing_time_der(time: SystemTime) -> Result<Vec<u8>, SignError> {
    // RFC 5652 11.3: UTCTime for 1950–2049, GeneralizedTime otherwise.
    let t = x509_cert::time::Time::try_from(time).map_err(|e| SignError::Encoding {
        detail: format!("signing time: {e}"),
    })?;
    Ok(t.to_der()?)
}

/// The parameters of an announced capability.
#[derive(Debug, Clone, Copy)]
enum CapabilityParams {
    /// Parameters absent.
    Absent,
    /// RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 4055 section 4.1).
    OaepSha256,
    /// The key-wrap algorithm used with a key-agreement scheme (the SMIMECapability form of
    /// RFC 5753 and RFC 8418): its AlgorithmIdentifier, parameters absent.
    KeyWrap(der::asn1::ObjectIdentifier),
}

/// What we can receive, in preference order (RFC 8551 section 2.5.2), grouped by type:
/// content ciphers, then key transport, then key agreement, then key encapsulation.
///
/// - The ECDH schemes are those we read, each with the key wrap we prefer with it; the
///   SHA-1 X9.63 scheme is read but not asked for.
/// - KEM: `id-ori-kem` (RFC 9629) names a kind of RecipientInfo, not an algorithm, so it is
///   no capability. A KEM recipient is announced by its KEM algorithm (the ML-KEM OIDs of
///   RFC 9936 with parameters absent, the way the KEM-in-CMS documents announce a KEM
///   algorithm); the KDF and wrap of KEMRecipientInfo are the sender's
///   choice. ML-KEM-768 and ML-KEM-1024 are announced; ML-KEM-512 is read but not asked for.
const CAPABILITIES: [(der::asn1::ObjectIdentifier, CapabilityParams); 16] = {
    use crate::cms::recipient::{
        AES128_WRAP, AES256_WRAP, DH_SINGLE_PASS_SHA256KDF, DH_SINGLE_PASS_SHA384KDF,
        DH_SINGLE_PASS_SHA512KDF,
    };
    use CapabilityParams::{Absent, KeyWrap, OaepSha256};
    [
        (oids::AES256_GCM, Absent),
        (oids::AES128_GCM, Absent),
        (oids::AES256_CBC, Absent),
        (oids::AES128_CBC, Absent),
        (oids::RSAES_OAEP, OaepSha256),
        (oids::RSA_ENCRYPTION, Absent),
        (oids::DH_HKDF_SHA256, KeyWrap(AES256_WRAP)),
        (oids::DH_HKDF_SHA256, KeyWrap(AES128_WRAP)),
        (oids::DH_HKDF_SHA384, KeyWrap(AES256_WRAP)),
        (oids::DH_HKDF_SHA512, KeyWrap(AES256_WRAP)),
        (DH_SINGLE_PASS_SHA256KDF, KeyWrap(AES256_WRAP)),
        (DH_SINGLE_PASS_SHA256KDF, KeyWrap(AES128_WRAP)),
        (DH_SINGLE_PASS_SHA384KDF, KeyWrap(AES256_WRAP)),
        (DH_SINGLE_PASS_SHA512KDF, KeyWrap(AES256_WRAP)),
        (oids::ML_KEM_768, Absent),
        (oids::ML_KEM_1024, Absent),
    ]
};

/// RSAES-OAEP-params for SHA-256 as RFC 4055 writes them (`rSAES-OAEP-SHA256-Params`): the
/// hash `sha256Identifier` ({ id-sha256, NULL }), MGF1 over it, the label source left at
/// its default.
fn oaep_sha256_capability_params() -> Vec<u8> {
    use crate::asn1::tlv;
    let sha256 = tlv(
        0x30,
        &[tlv(0x06, oids::SHA256.as_bytes()), vec![0x05, 0x00]].concat(),
    );
    let mgf1 = tlv(
        0x30,
        &[tlv(0x06, oids::MGF1.as_bytes()), sha256.clone()].concat(),
    );
    tlv(0x30, &[tlv(0xA0, &sha256), tlv(0xA1, &mgf1)].concat())
}

/// The smimeCapabilities value we announce, in preference order.
pub fn capabilities_der() -> Result<Vec<u8>, der::Error> {
    // SMIMECapabilities ::= SEQUENCE OF SMIMECapability { capabilityID, parameters }
    let mut caps: Vec<AlgorithmIdentifierOwned> = Vec::with_capacity(CAPABILITIES.len());
    for (oid, params) in CAPABILITIES {
        let parameters = match params {
            CapabilityParams::Absent => None,
            CapabilityParams::OaepSha256 => Some(<der::Any as der::Decode>::from_der(
                &oaep_sha256_capability_params(),
            )?),
            CapabilityParams::KeyWrap(wrap) => {
                Some(der::Any::encode_from(&AlgorithmIdentifierOwned {
                    oid: wrap,
                    parameters: None,
                })?)
            }
        };
        caps.push(AlgorithmIdentifierOwned { oid, parameters });
    }
    caps.to_der()
}

/// RSASSA-PSS-params (RFC 4055 section 3.1) as written: the hash, MGF1 over the same hash and
/// the salt length given explicitly, the trailer field left at its default.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    salt_len: u8,
}

fn pss_algorithm(digest: DigestAlgorithm) -> Result<AlgorithmIdentifierOwned, SignError> {
    let hash = AlgorithmIdentifierOwned {
        oid: digest.oid(),
        parameters: None,
    };
    let params = PssParams {
        mask_gen: AlgorithmIdentifierOwned {
            oid: oids::MGF1,
            parameters: Some(der::Any::encode_from(&hash)?),
        },
        hash,
        salt_len: u8::try_from(digest.output_len()).map_err(|_| SignError::Encoding {
            detail: "RSASSA-PSS salt length".into(),
        })?,
    };
    Ok(AlgorithmIdentifierOwned {
        oid: oids::RSASSA_PSS,
        parameters: Some(der::Any::encode_from(&params)?),
    })
}

#[cfg(test)]
mod der_writers {
    use super::*;
    use crate::asn1::tlv;

    #[test]
    fn pss_parameters_are_the_bytes_the_hand_writer_wrote() {
        for digest in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            // The former hand-assembled encoding.
            let hash = signed_data::digest_algorithm_der(digest).unwrap();
            let mgf = tlv(0x30, &[oids::MGF1.to_der().unwrap(), hash.clone()].concat());
            let salt = tlv(0x02, &[digest.output_len() as u8]);
            let params = tlv(
                0x30,
                &[tlv(0xA0, &hash), tlv(0xA1, &mgf), tlv(0xA2, &salt)].concat(),
            );
            let alg = pss_algorithm(digest).unwrap();
            assert_eq!(alg.oid, oids::RSASSA_PSS);
            assert_eq!(alg.parameters.unwrap().to_der().unwrap(), params);
        }
    }

    #[test]
    fn capabilities_are_the_bytes_the_hand_writer_wrote() {
        let mut caps = Vec::new();
        for (oid, params) in CAPABILITIES {
            let mut c = oid.to_der().unwrap();
            match params {
                CapabilityParams::Absent => {}
                CapabilityParams::OaepSha256 => {
                    c.extend_from_slice(&oaep_sha256_capability_params())
                }
                CapabilityParams::KeyWrap(w) => {
                    c.extend_from_slice(&tlv(0x30, &w.to_der().unwrap()))
                }
            }
            caps.extend_from_slice(&tlv(0x30, &c));
        }
        assert_eq!(capabilities_der().unwrap(), tlv(0x30, &caps));
        // dhSinglePass-stdDH-hkdf-sha256-scheme with id-aes128-wrap, as RFC 8418 encodes it.
        let hkdf_aes128 = [
            0x30, 0x1a, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x03,
            0x13, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x05,
        ];
        assert!(
            capabilities_der()
                .unwrap()
                .windows(hkdf_aes128.len())
                .any(|w| w == hkdf_aes128)
        );
    }
}

#[cfg(test)]
mod streaming {
    use super::*;

    #[test]
    fn the_boundary_is_found_across_chunk_edges() {
        let boundary = "----=_smime_0123456789abcdef0123456789abcdef";
        for split in [1, 5, boundary.len() - 1] {
            let mut c = Checks::new(boundary);
            let text = format!("some text {boundary} more");
            let (a, b) = text.as_bytes().split_at(10 + split);
            c.look(a);
            assert!(!c.boundary_found);
            c.look(b);
            assert!(c.boundary_found, "split at {split}");
        }
        // Three pieces, the middle one shorter than the boundary.
        let mut c = Checks::new(boundary);
        c.look(&boundary.as_bytes()[..10]);
        c.look(&boundary.as_bytes()[10..20]);
        c.look(&boundary.as_bytes()[20..]);
        assert!(c.boundary_found);
        let mut c = Checks::new(boundary);
        c.look(b"----=_smime_0123");
        c.look(b"x");
        assert!(!c.boundary_found);
        assert_eq!(c.eight_bit_at, None);
        c.look(b"ab\x80");
        assert_eq!(c.eight_bit_at, Some(19));
    }
}
