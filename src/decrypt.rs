//! Decryption with the whole key history, and decrypt-and-verify of nested messages.
//!
//! [`Decryptor`] decrypts a stream in bounded memory (two passes over a seekable input or a
//! spool: the GCM tag is verified before any plaintext exists); [`decrypt()`] and the
//! decryption inside [`open`] run the same code over the message in memory.
//!
//! The caller passes every private key it holds, current and retired, each with its
//! certificate ([`Identity`]). The recipient info addressed to one of them is used; the
//! result says which key opened the message and whether the content was integrity-protected
//! (AuthEnvelopedData, GCM) or not (EnvelopedData, CBC).
//!
//! No oracle: every failure to recover the content — no recipient info for any key, bad
//! PKCS#1 v1.5 padding, a content key of the wrong length, a wrong key, a failed GCM tag, bad
//! CBC padding — is [`DecryptError::CannotDecrypt`]. For PKCS#1 v1.5 the recipient layer
//! substitutes a random content key on any failure (RFC 3218), so the content decryption fails
//! the same way as with a wrong key. GCM plaintext is released only after the tag verified.
//!
//! One key failure is told apart: a key that declined or could not be reached
//! ([`KeyOperationError::Refused`](crate::keys::KeyOperationError::Refused) or
//! [`Unavailable`](crate::keys::KeyOperationError::Unavailable) — a cancelled Face ID prompt,
//! a removed smart card) is [`DecryptError::Key`] when no other key opened the message. Such
//! a failure comes before the key looks at the ciphertext, so it tells nothing about the
//! message; a key must not report a padding failure as one (see
//! [`RsaDecryptPadding::Pkcs1v15`](crate::keys::RsaDecryptPadding::Pkcs1v15)).

use crate::certificate::Certificate;
use crate::classify::{self, LayerKind};
use crate::cms::enveloped::{self, ContentCipher};
use crate::error::{DecryptError, ParseError};
use crate::identity::Identity;
use crate::mime;
use crate::policy::Policy;
use crate::verify::{self, SignedScope, SignerReport, Verdict, VerifyOptions, VerifyReport};

/// How deep decrypt-and-verify follows nested layers by default
/// ([`crate::policy::Limits::max_layers`]).
pub const MAX_LAYERS: usize = 8;

/// A decrypted message.
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// The decrypted content (for a MIME message: the inner MIME entity).
    pub content: Vec<u8>,
    /// Which entry of the key history opened it.
    pub key_index: usize,
    /// The certificate of that key.
    pub certificate: Certificate,
    /// The content cipher.
    pub cipher: ContentCipher,
    /// Whether the content was integrity-protected (GCM). CBC content could have been altered
    /// undetectably: treat it with suspicion unless a signature inside covers it.
    pub integrity_protected: bool,
}

/// Decrypts a CMS EnvelopedData or AuthEnvelopedData (DER or BER).
///
/// Content without integrity protection (EnvelopedData: AES-CBC, 3DES) is refused with
/// [`DecryptError::NotAccepted`] when `policy.accept_cbc` is off, before any key is used.
pub(crate) fn decrypt_der(
    der: &[u8],
    keys: &[Identity],
    policy: &Policy,
) -> Result<Decrypted, DecryptError> {
    let decryptor = Decryptor::new(keys, policy)?;
    let mut passes = Passes {
        input: io::Cursor::new(der),
        start: 0,
        framing: Framing::Bare,
    };
    let (info, content) = decryptor.run(&mut passes, Vec::new())?;
    Ok(Decrypted {
        content,
        key_index: info.key_index,
        certificate: info.certificate,
        cipher: info.cipher,
        integrity_protected: info.integrity_protected,
    })
}

/// Decrypts an encrypted message: application/pkcs7-mime (a whole message or a bare entity),
/// or a bare CMS EnvelopedData or AuthEnvelopedData as a saved `smime.p7m` holds it (DER, BER
/// or PEM). The result's content is the decrypted MIME entity.
///
/// The message is read the way [`verify`](crate::verify::verify) and [`open`] read it
/// (the same classification): signed layers around the encryption (encrypt-then-sign)
/// are stepped through without being verified, so a message that `verify` calls encrypted is
/// decrypted here, and one it calls not encrypted is [`DecryptError::NotEncrypted`]. Use
/// [`open`] to verify the layers as well.
pub fn decrypt(
    message: &[u8],
    keys: &[Identity],
    policy: &Policy,
) -> Result<Decrypted, DecryptError> {
    let limits = &policy.limits.mime;
    // The message itself is borrowed, only inner layers are owned: no copy of a large message.
    let mut inner: Option<Vec<u8>> = None;
    for _ in 0..=policy.limits.max_layers {
        let current = inner.as_deref().unwrap_or(message);
        // Empty content inside a signed layer holds no layer; an empty message is an error.
        if inner.is_some() && current.is_empty() {
            break;
        }
        match classify::classify_message(current, limits)?.outermost {
            None => break,
            Some(o) if o.kind == LayerKind::Encrypted => {
                return decrypt_der(&o.part.cms, keys, policy);
            }
            Some(o) => {
                let next = classify::signed_content(current, &o.part)?.into_owned();
                inner = Some(next);
            }
        }
    }
    Err(DecryptError::NotEncrypted)
}

/// One layer of an opened message, outermost first.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Layer {
    /// An encrypted layer and how it was opened.
    Encrypted {
        /// Which entry of the key history opened it.
        key_index: usize,
        /// The content cipher.
        cipher: ContentCipher,
        /// Whether it was integrity-protected (GCM).
        integrity_protected: bool,
    },
    /// A signed layer and its verification report.
    Signed(Box<VerifyReport>),
}

/// A message opened layer by layer.
///
/// Which signatures vouch for [`Opened::content`]: only the signed layers inside the innermost
/// encrypted layer ([`Opened::content_signatures`]). A signature outside an encryption
/// (encrypt-then-sign) covers ciphertext ([`SignedScope::Ciphertext`]): it is reported in
/// [`Opened::layers`] but never makes the decrypted content read as signed.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The layers, outermost first.
    pub layers: Vec<Layer>,
    /// The innermost content: the MIME entity a mail app shows.
    pub content: Vec<u8>,
    /// The MIME path of the outermost layer that is only one part of its message (an encrypted
    /// or signed part of a multipart/mixed, say), if one is: the parts beside it are neither
    /// decrypted nor signed, so no signature inside it vouches for the whole message.
    pub partial: Option<Vec<usize>>,
}

impl Opened {
    /// The signed layers whose signatures cover [`Opened::content`], outermost first: those
    /// after the last encrypted layer.
    pub fn content_signatures(&self) -> Vec<&VerifyReport> {
        let start = self
            .layers
            .iter()
            .rposition(|l| matches!(l, Layer::Encrypted { .. }))
            .map_or(0, |i| i + 1);
        self.layers[start..]
            .iter()
            .filter_map(|l| match l {
                Layer::Signed(r) => Some(r.as_ref()),
                _ => None,
            })
            .collect()
    }

    /// The signers who vouch for [`Opened::content`]: those of the innermost signed layer
    /// that covers it; none when the content is not signed (a signature over ciphertext does
    /// not count).
    pub fn content_signers(&self) -> &[SignerReport] {
        match self.content_signatures().last() {
            Some(r) => &r.signers,
            None => &[],
        }
    }

    /// The verdict for [`Opened::content`], by the rule of
    /// [`VerifyReport::verdict`](crate::verify::VerifyReport::verdict) applied to
    /// [`Opened::content_signatures`]: [`Verdict::NotSigned`] when no signature covers the
    /// content (signatures over ciphertext do not), otherwise that of the innermost signed
    /// layer (and [`Verdict::PartiallySigned`] when an outer one signs only a part, or when a
    /// layer around the content is only one part of its message: [`Opened::partial`]).
    pub fn verdict(&self) -> Verdict {
        let v = verify::combined_verdict(&self.content_signatures());
        match (v, &self.partial) {
            (Verdict::Trusted, Some(path)) => Verdict::PartiallySigned { path: path.clone() },
            (v, _) => v,
        }
    }

    /// Whether the content is signed and the signature is trusted:
    /// [`Opened::verdict`] is [`Verdict::Trusted`]. A signature that covers only ciphertext
    /// does not count.
    pub fn all_signatures_trusted(&self) -> bool {
        self.verdict() == Verdict::Trusted
    }
}

/// Decrypts and verifies a nested message (signed inside encrypted, encrypted inside signed,
/// triple wrap…), following at most `options.policy.limits.max_layers` layers, each found the
/// way [`verify`](crate::verify::verify) finds them (the same classification),
/// also inside multipart wrappers of other kinds. Every signed layer is checked against every
/// mailbox of every From field of the outer message (unless `options.address` says
/// otherwise; without an outer From, the From of the layer's own entity), and a From inside
/// signed content must name the same mailboxes. A plain message yields no layers.
///
/// The content of an encrypted layer without integrity protection (EnvelopedData, CBC) that
/// does not read as a MIME entity (a header block with a line that is not a header field, or
/// bytes that are not text, or content the MIME parser refuses) is
/// [`DecryptError::AlteredOrCorrupt`]: CBC lets blocks be changed undetectably, and such
/// content is reported as altered or damaged, never returned as plain unsigned content.
pub fn open(
    message: &[u8],
    keys: &[Identity],
    options: &VerifyOptions,
) -> Result<Opened, DecryptError> {
    open_with(message, keys, options, &NoLookup)
}

struct NoLookup;

impl verify::CertificateLookup for NoLookup {
    fn signer_certificates(&self, _id: &crate::cms::signed_data::SignerId) -> Vec<Certificate> {
        Vec::new()
    }
}

/// Like [`open`], also asking `lookup` for signer certificates a signed layer does not carry.
pub fn open_with(
    message: &[u8],
    keys: &[Identity],
    options: &VerifyOptions,
    lookup: &dyn verify::CertificateLookup,
) -> Result<Opened, DecryptError> {
    let mut layers = Vec::new();
    let mut top_from: Option<mime::FromFields> = None;
    let mut partial: Option<Vec<usize>> = None;
    // The message itself is borrowed, only inner layers are owned: no copy of a large message.
    let mut inner: Option<Vec<u8>> = None;
    loop {
        let current = inner.as_deref().unwrap_or(message);
        if inner.is_some() && current.is_empty() {
            break;
        }
        let unprotected = matches!(
            layers.last(),
            Some(Layer::Encrypted {
                integrity_protected: false,
                ..
            })
        );
        // Content without integrity protection that does not read as a MIME entity: changed
        // blocks (a CBC gadget) or damage, never content to show as if nothing had happened.
        let altered = |why: String| DecryptError::AlteredOrCorrupt {
            detail: format!("the decrypted content (not integrity-protected) {why}"),
        };
        if unprotected && let Some(why) = header_block_problem(current) {
            return Err(altered(why.into()));
        }
        let classified = match classify::classify_message(current, &options.policy.limits.mime) {
            Ok(c) => c,
            Err(e) if unprotected => return Err(altered(format!("is not a MIME entity: {e}"))),
            Err(e) => return Err(e.into()),
        };
        let from = top_from.get_or_insert_with(|| classified.from_fields.clone());
        let Some(outer) = classified.outermost else {
            break;
        };
        let max_layers = options.policy.limits.max_layers;
        if layers.len() >= max_layers {
            return Err(DecryptError::Parse(ParseError::TooDeep {
                limit: max_layers,
            }));
        }
        if partial.is_none() && !outer.is_whole_message() {
            partial = Some(outer.part.path.clone());
        }
        match outer.kind {
            LayerKind::Encrypted => {
                let d = decrypt_der(&outer.part.cms, keys, &options.policy)?;
                // Every signature so far covers this ciphertext, not what is inside.
                for l in &mut layers {
                    if let Layer::Signed(r) = l {
                        r.scope = SignedScope::Ciphertext;
                    }
                }
                layers.push(Layer::Encrypted {
                    key_index: d.key_index,
                    cipher: d.cipher,
                    integrity_protected: d.integrity_protected,
                });
                inner = Some(d.content);
            }
            _ => {
                let addresses = verify::layer_addresses(options, from, &classified.from_fields);
                let report = verify::verify_layer(current, &outer, addresses, options, lookup)?;
                let next = report.content.clone();
                layers.push(Layer::Signed(Box::new(report)));
                inner = Some(next);
            }
        }
    }
    let content = inner.unwrap_or_else(|| message.to_vec());
    Ok(Opened {
        layers,
        content,
        partial,
    })
}

/// Why the header block at the start of `content` is not one a MIME entity can have, if it is
/// not: a line that is neither a header field (a name of printable ASCII, then `:`), a
/// continuation nor the blank line that ends the block; or bytes other than text (control
/// characters, or 8-bit bytes that are not UTF-8, RFC 6532). A CBC block changed by an
/// attacker decrypts to 16 random bytes, which fail this with near certainty when they fall
/// into the header block. (The MIME parser, which reads what other clients read, is lenient
/// about such lines; the layer's content must be stricter because nothing else protects it.)
fn header_block_problem(content: &[u8]) -> Option<&'static str> {
    let mut pos = 0;
    let mut first = true;
    while pos < content.len() {
        let rest = &content[pos..];
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], pos + i + 1),
            None => (rest, content.len()),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None;
        }
        if std::str::from_utf8(line).is_err()
            || line.iter().any(|&b| b == 0x7F || (b < 0x20 && b != b'\t'))
        {
            return Some("has bytes that are not text in its header block");
        }
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        let field = line.iter().position(|&b| b == b':').is_some_and(|colon| {
            let name = line[..colon].trim_ascii_end();
            !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))
        });
        // Text whose first line is not a header field never claimed to be a MIME entity: it is
        // bare content (what `openssl cms -encrypt` writes without -text), shown as before.
        if first && !field {
            return None;
        }
        if !(field || continuation && !first) {
            return Some("has a header line that is not a header field");
        }
        first = false;
        pos = next;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Streaming decryption
//
// The input is read in passes, never held: pass 1 reads the structure (recipient infos
// bounded), runs GHASH over the ciphertext for each candidate content key (GCM) or keeps the
// last two blocks (CBC), and reads what follows the content (the GCM tag). Only a candidate
// whose tag verified (GCM) or whose padding is right (CBC) goes on to pass 2, which reads the
// input again from the start and decrypts the content to the output. A GCM message whose tag
// does not verify writes nothing; authenticated attributes (the GCM additional data, placed
// after the content) cost one more GHASH pass.
// ---------------------------------------------------------------------------------------------

use crate::cms::recipient::RecipientInfo;
use crate::crypto::cipher::gcm::{GcmDecryptor, GcmTagCheck};
use crate::crypto::cipher::{CbcDecryptor, cbc_padding_ok};
use crate::error::IoError;
use crate::stream::ber::BerReader;
use crate::stream::{self, CHUNK};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use zeroize::Zeroizing;

/// At most this many content keys are tried on the content, whatever the number of keys and
/// recipient infos: each try is a GHASH pass (GCM, all in the one first pass) or a two-block
/// padding check (CBC).
pub(crate) const MAX_CONTENT_TRIALS: usize = 4;
/// The largest RecipientInfos SET read (256 recipient infos of a 4096-bit RSA key with long
/// issuer names fit).
const MAX_RECIPIENT_INFOS_BYTES: usize = 1 << 20;
/// The largest header block of a MIME message read as a stream.
const MAX_HEADER_BLOCK: usize = 1 << 20;
/// The largest small element (algorithm identifiers, OIDs, versions, authenticated attributes).
const MAX_SMALL: usize = 64 * 1024;

thread_local! {
    /// Content-key trials (tag checks, padding checks) on this thread, for the work-bound tests.
    static CONTENT_TRIALS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Content-key recoveries from recipient infos (private-key operations) on this thread.
    static KEY_UNWRAPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count(c: &'static std::thread::LocalKey<std::cell::Cell<u64>>) {
    c.with(|n| n.set(n.get() + 1));
}

/// The content-key trials and key recoveries made on this thread so far.
#[cfg(test)]
pub(crate) fn work_counts() -> (u64, u64) {
    (
        CONTENT_TRIALS.with(|n| n.get()),
        KEY_UNWRAPS.with(|n| n.get()),
    )
}

/// What a streaming decryption tells besides the content.
#[derive(Debug, Clone)]
pub struct DecryptInfo {
    /// Which entry of the key history opened it.
    pub key_index: usize,
    /// The certificate of that key.
    pub certificate: Certificate,
    /// The content cipher.
    pub cipher: ContentCipher,
    /// Whether the content was integrity-protected (GCM). CBC content could have been altered
    /// undetectably: treat it with suspicion unless a signature inside covers it.
    pub integrity_protected: bool,
    /// The length of the decrypted content written to the output.
    pub content_len: u64,
}

/// Decrypts messages as streams, with the whole key history, in memory bounded independently
/// of the content size.
///
/// The input is a MIME message (a whole message or a bare application/pkcs7-mime entity, the
/// body in base64 or binary) or a bare CMS EnvelopedData / AuthEnvelopedData (DER or BER, as
/// a saved `smime.p7m` holds it). Nested layers are not followed: the output is the decrypted
/// MIME entity, which may be fed to the next reader ([`crate::open`] follows them in memory).
///
/// **GCM plaintext is never released before its tag verified.** GHASH runs over the
/// ciphertext, so the input is read twice: once to verify the tag (nothing is decrypted), then
/// again to decrypt. [`Decryptor::decrypt`] needs a seekable input for that, and the input must
/// not change between the passes (a change is reported at the end, when its plaintext was
/// already written); [`Decryptor::decrypt_spooled`] first copies a pipe's ciphertext to a
/// spool the caller provides (a temporary file, say). A tag that does not verify leaves the
/// output untouched. CBC has no integrity: its plaintext is written as it is decrypted and the
/// padding is checked at the end.
///
/// Errors are those of [`decrypt()`]: every failure to recover the content is
/// [`DecryptError::CannotDecrypt`]. Work is bounded by the input: a key is tried with the first
/// recipient info addressed to it only, and at most four content keys are tried on the content.
#[derive(Clone)]
pub struct Decryptor {
    keys: Vec<Identity>,
    policy: Policy,
}

impl std::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryptor")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// How the CMS bytes sit in the input.
#[derive(Debug, Clone, Copy)]
enum Framing {
    /// Bare BER / DER from the start offset.
    Bare,
    /// A MIME body from this offset, in base64 (or binary when false).
    Mime { body_start: u64, base64: bool },
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

fn io_error(e: io::Error) -> DecryptError {
    match stream::parse_error(&e) {
        Some(p) => DecryptError::Parse(p),
        None => DecryptError::Io(IoError::from(e)),
    }
}

fn der(detail: &str) -> DecryptError {
    DecryptError::Parse(ParseError::der(detail))
}

/// Looks at the start of the input: bare BER, or a MIME header block (read, bounded) whose
/// Content-Type says application/pkcs7-mime. Returns the framing and, for MIME, the reader
/// positioned at the body (with the body bytes already read in front).
fn detect<R: BufRead>(r: &mut R) -> Result<Option<(bool, Vec<u8>)>, DecryptError> {
    let first = r.fill_buf().map_err(io_error)?.first().copied();
    match first {
        None => Err(DecryptError::Parse(ParseError::Empty)),
        Some(0x30) => Ok(None),
        Some(_) => {
            let head = stream::split_head(r, MAX_HEADER_BLOCK)?;
            // Two Content-Type or Content-Transfer-Encoding fields: refused as ambiguous, as
            // by the one-shot parser.
            mime::entity_head(&head.content_headers)?;
            let fields = String::from_utf8_lossy(&head.content_headers).to_ascii_lowercase();
            let unfolded = fields.replace("\r\n ", " ").replace("\r\n\t", " ");
            let field = |name: &str| {
                unfolded
                    .split("\r\n")
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            };
            let ctype = field("content-type:").unwrap_or_default();
            let media = ctype.split(';').next().unwrap_or("").trim().to_string();
            if media != "application/pkcs7-mime" && media != "application/x-pkcs7-mime" {
                return Err(DecryptError::NotEncrypted);
            }
            if ctype.contains("signed-data") || ctype.contains("certs-only") {
                return Err(DecryptError::NotEncrypted);
            }
            let base64 = match field("content-transfer-encoding:").as_deref() {
                Some("base64") => true,
                None | Some("binary") | Some("8bit") | Some("7bit") => false,
                Some(other) => {
                    return Err(DecryptError::Parse(ParseError::MalformedMime {
                        detail: format!("content transfer encoding {other} of a CMS body"),
                    }));
                }
            };
            Ok(Some((base64, head.body_prefix)))
        }
    }
}

/// The CMS bytes of a MIME body: base64-decoded or as they are.
fn body_reader<'a, R: Read + 'a>(r: R, base64: bool) -> Box<dyn Read + 'a> {
    if base64 {
        Box::new(BufReader::with_capacity(
            CHUNK,
            stream::Base64Reader::new(r),
        ))
    } else {
        Box::new(r)
    }
}

/// What the structure up to the content says.
struct Layout {
    authenticated: bool,
    cipher: ContentCipher,
    iv: Vec<u8>,
    /// The GCM tag length the parameters give (0 for CBC).
    icv_len: usize,
    recipients: Vec<RecipientInfo>,
    /// The offset, in the CMS bytes, of the encryptedContent [0] header.
    content_at: u64,
}

/// Reads the ContentInfo up to the encryptedContent header (which it returns, read).
fn read_layout<R: Read>(
    ber: &mut BerReader<R>,
) -> Result<(Layout, stream::ber::Header, Vec<Option<u64>>), DecryptError> {
    let expect = |h: &stream::ber::Header, tag: u8, what: &str| {
        if h.tag == tag {
            Ok(())
        } else {
            Err(der(&format!("{what}: unexpected tag 0x{:02x}", h.tag)))
        }
    };
    let small =
        |ber: &mut BerReader<R>, h: &stream::ber::Header| -> Result<Vec<u8>, DecryptError> {
            match h.len {
                Some(len) => Ok(ber.read_value(len, MAX_SMALL)?),
                None => Err(der("an indefinite length on a primitive element")),
            }
        };
    let end = |ber: &BerReader<R>, h: &stream::ber::Header| h.len.map(|l| ber.position() + l);
    let mut frames = Vec::with_capacity(4);
    let h = ber.read_header()?;
    expect(&h, 0x30, "ContentInfo")?;
    frames.push(end(ber, &h));
    let h = ber.read_header()?;
    expect(&h, 0x06, "contentType")?;
    let oid = ObjectIdentifierBytes(small(ber, &h)?);
    let authenticated = if oid.is(&crate::crypto::oids::AUTH_ENVELOPED_DATA) {
        true
    } else if oid.is(&crate::crypto::oids::ENVELOPED_DATA) {
        false
    } else {
        return Err(DecryptError::NotEncrypted);
    };
    let h = ber.read_header()?;
    expect(&h, 0xA0, "ContentInfo content")?;
    frames.push(end(ber, &h));
    let h = ber.read_header()?;
    expect(&h, 0x30, "EnvelopedData")?;
    frames.push(end(ber, &h));
    let h = ber.read_header()?;
    expect(&h, 0x02, "version")?;
    small(ber, &h)?;
    let mut h = ber.read_header()?;
    if h.tag == 0xA0 {
        ber.skip_after(&h)?;
        h = ber.read_header()?;
    }
    expect(&h, 0x31, "recipientInfos")?;
    let set = ber.read_element_after(&h, MAX_RECIPIENT_INFOS_BYTES)?;
    let node = crate::asn1::ber::parse(&set)?;
    let recipients = crate::cms::recipient::parse_recipient_infos(&node, &set)?;
    let eci = ber.read_header()?;
    expect(&eci, 0x30, "encryptedContentInfo")?;
    frames.push(end(ber, &eci));
    let h = ber.read_header()?;
    expect(&h, 0x06, "contentType")?;
    small(ber, &h)?;
    let h = ber.read_header()?;
    expect(&h, 0x30, "contentEncryptionAlgorithm")?;
    let alg = ber.read_element_after(&h, MAX_SMALL)?;
    let node = crate::asn1::ber::parse(&alg)?;
    let (cipher, iv, icv_len) = enveloped::content_algorithm(&node, &alg)?;
    let content_at = ber.position();
    let content = match ber.read_header() {
        Ok(h) if h.is(0x80) => h,
        Ok(_) => {
            return Err(DecryptError::Parse(ParseError::NotSmime {
                detail: "the encrypted content is detached (not supported)".into(),
            }));
        }
        Err(e) => return Err(e.into()),
    };
    Ok((
        Layout {
            authenticated,
            cipher,
            iv,
            icv_len,
            recipients,
            content_at,
        },
        content,
        frames,
    ))
}

/// An OID's content octets, compared with a known OID.
struct ObjectIdentifierBytes(Vec<u8>);

impl ObjectIdentifierBytes {
    fn is(&self, oid: &const_oid::ObjectIdentifier) -> bool {
        self.0 == oid.as_bytes()
    }
}

/// A content key recovered for one of the keys.
struct Candidate {
    index: usize,
    cek: Zeroizing<Vec<u8>>,
}

/// What the recipient infos give: up to [`MAX_CONTENT_TRIALS`] candidates, the first recipient
/// info addressed to each key only; and the errors that may be told.
struct Candidates {
    list: Vec<Candidate>,
    unsupported: Option<DecryptError>,
    declined: Option<crate::keys::KeyOperationError>,
}

fn candidates(keys: &[Identity], layout: &Layout) -> Candidates {
    let cek_len = layout.cipher.key_len();
    let mut out = Candidates {
        list: Vec::new(),
        unsupported: None,
        declined: None,
    };
    for (index, k) in keys.iter().enumerate() {
        if out.list.len() >= MAX_CONTENT_TRIALS {
            break;
        }
        let Some(key) = k.key() else { continue };
        let Ok(cert) = k.certificate().x509() else {
            continue;
        };
        let Some(ri) = layout.recipients.iter().find(|ri| ri.addressed_to(cert)) else {
            continue;
        };
        count(&KEY_UNWRAPS);
        match crate::cms::recipient::unwrap_cek(ri, cert, key.as_ref(), cek_len) {
            Ok(cek) => out.list.push(Candidate { index, cek }),
            // The algorithms are visible in the message: saying which one is not supported
            // reveals nothing about the key or the content.
            Err(e @ crate::cms::CmsError::UnsupportedAlgorithm { .. }) => {
                out.unsupported = Some(DecryptError::from(e))
            }
            // A key that declined (a cancelled prompt, a removed card) did not look at the
            // ciphertext: saying so reveals nothing about the message.
            Err(crate::cms::CmsError::KeyDeclined(e)) => out.declined = Some(e),
            Err(_) => {}
        }
    }
    out
}

/// What pass 1 found after the content.
struct Trailer {
    aad: Vec<u8>,
    mac: Vec<u8>,
}

/// Reads what follows the content: the end of the EncryptedContentInfo and, for
/// AuthEnvelopedData, the authenticated attributes and the mac.
fn read_trailer<R: Read>(
    ber: &mut BerReader<R>,
    mut frames: Vec<Option<u64>>,
    authenticated: bool,
    icv_len: usize,
) -> Result<Trailer, DecryptError> {
    // The EncryptedContentInfo ends with the content.
    if let Some(eci) = frames.pop() {
        close(ber, eci, false)?;
    }
    let mut t = Trailer {
        aad: Vec::new(),
        mac: Vec::new(),
    };
    if authenticated {
        read_mac(ber, &mut t, icv_len)?;
    }
    // The rest (unprotected attributes) is skipped, and the structure must end completely: a
    // truncated message is an error, not a message.
    while let Some(frame) = frames.pop() {
        close(ber, frame, true)?;
    }
    Ok(t)
}

/// Reads to the end of a constructed element (`end` for a definite length, the end-of-contents
/// for an indefinite one), skipping what remains when `skip` allows it.
fn close<R: Read>(
    ber: &mut BerReader<R>,
    end: Option<u64>,
    skip: bool,
) -> Result<(), DecryptError> {
    let extra = || der("unexpected data at the end of an element");
    match end {
        Some(end) => {
            while ber.position() < end {
                if !skip {
                    return Err(extra());
                }
                let h = ber.read_header()?;
                ber.skip_after(&h)?;
            }
            if ber.position() != end {
                return Err(der("an element runs past the end of the one around it"));
            }
        }
        None => loop {
            let h = ber.read_header()?;
            if h.is_eoc() {
                break;
            }
            if !skip {
                return Err(extra());
            }
            ber.skip_after(&h)?;
        },
    }
    Ok(())
}

/// The authenticated attributes (if any) and the mac of an AuthEnvelopedData, which must be
/// `icv_len` bytes long (the GCMParameters' ICV length).
fn read_mac<R: Read>(
    ber: &mut BerReader<R>,
    t: &mut Trailer,
    icv_len: usize,
) -> Result<(), DecryptError> {
    let mut h = ber.read_header()?;
    if h.tag == 0xA1 {
        t.aad = ber.read_element_after(&h, MAX_SMALL)?;
        // The additional data is the DER of the attributes as a SET OF (RFC 5083).
        let node = crate::asn1::ber::parse(&t.aad)?;
        t.aad = node.to_der(&t.aad)?;
        if let Some(first) = t.aad.first_mut() {
            *first = 0x31;
        }
        h = ber.read_header()?;
    }
    if !h.is(0x04) {
        return Err(der("mac: expected an OCTET STRING"));
    }
    let mut mac = Vec::new();
    ber.octet_string(h)
        .take(64)
        .read_to_end(&mut mac)
        .map_err(io_error)?;
    if mac.len() != icv_len {
        return Err(der("the mac length differs from the ICV length"));
    }
    t.mac = mac;
    Ok(())
}

/// Where the passes read from: the input, seekable, from `start`.
struct Passes<R: Read + Seek> {
    input: R,
    start: u64,
    framing: Framing,
}

impl<R: Read + Seek> Passes<R> {
    /// A reader of the CMS bytes from their beginning.
    fn open(&mut self) -> Result<Box<dyn Read + '_>, DecryptError> {
        let at = match self.framing {
            Framing::Bare => self.start,
            Framing::Mime { body_start, .. } => body_start,
        };
        self.input.seek(SeekFrom::Start(at)).map_err(io_error)?;
        let buffered = BufReader::with_capacity(CHUNK, &mut self.input);
        Ok(match self.framing {
            Framing::Bare => Box::new(buffered),
            Framing::Mime { base64, .. } => body_reader(buffered, base64),
        })
    }
}

/// Reads the encryptedContent of a pass into `each`, chunk by chunk.
fn each_chunk<R: Read>(
    ber: &mut BerReader<R>,
    content: stream::ber::Header,
    buf: &mut [u8],
    mut each: impl FnMut(&mut [u8]) -> Result<(), DecryptError>,
) -> Result<u64, DecryptError> {
    let mut os = ber.octet_string(content);
    let mut total = 0u64;
    loop {
        let n = stream::read_full(&mut os, buf).map_err(io_error)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        each(&mut buf[..n])?;
    }
    Ok(total)
}

impl Decryptor {
    /// A decryptor with the key history `keys` (current and retired keys, each with its
    /// certificate) under `policy` (whether CBC content is accepted; the header block and
    /// recipient counts stay bounded, `policy.limits.mime.max_size` does not apply to
    /// streams).
    pub fn new(keys: &[Identity], policy: &Policy) -> Result<Decryptor, DecryptError> {
        if keys.is_empty() {
            return Err(DecryptError::NoKeys);
        }
        Ok(Decryptor {
            keys: keys.to_vec(),
            policy: policy.clone(),
        })
    }

    /// Decrypts the message `input` (read from its current position, twice: see
    /// [`Decryptor`]) and writes the decrypted content to `output`, which it returns with
    /// what the decryption tells.
    pub fn decrypt<R: Read + Seek, W: Write>(
        &self,
        mut input: R,
        output: W,
    ) -> Result<(DecryptInfo, W), DecryptError> {
        let start = input.stream_position().map_err(io_error)?;
        let framing = {
            let mut counted = BufReader::with_capacity(
                CHUNK,
                Counting {
                    inner: &mut input,
                    n: 0,
                },
            );
            match detect(&mut counted)? {
                None => Framing::Bare,
                Some((base64, prefix)) => {
                    let consumed = counted.get_ref().n - counted.buffer().len() as u64;
                    Framing::Mime {
                        body_start: start + consumed - prefix.len() as u64,
                        base64,
                    }
                }
            }
        };
        self.run(
            &mut Passes {
                input,
                start,
                framing,
            },
            output,
        )
    }

    /// Decrypts a message read from a stream that cannot seek (a pipe, a socket): its
    /// ciphertext (the CMS bytes, never plaintext) is first copied to `spool` (a temporary
    /// file, say; it is rewound and read twice), then decrypted as by
    /// [`Decryptor::decrypt`].
    pub fn decrypt_spooled<R: Read, S: Read + Write + Seek, W: Write>(
        &self,
        input: R,
        mut spool: S,
        output: W,
    ) -> Result<(DecryptInfo, W), DecryptError> {
        let start = spool.stream_position().map_err(io_error)?;
        let mut buffered = BufReader::with_capacity(CHUNK, input);
        match detect(&mut buffered)? {
            None => {
                io::copy(&mut buffered, &mut spool).map_err(io_error)?;
            }
            Some((base64, prefix)) => {
                let body = io::Cursor::new(prefix).chain(buffered);
                io::copy(&mut body_reader(body, base64), &mut spool).map_err(io_error)?;
            }
        }
        spool.flush().map_err(io_error)?;
        self.run(
            &mut Passes {
                input: spool,
                start,
                framing: Framing::Bare,
            },
            output,
        )
    }

    fn run<R: Read + Seek, W: Write>(
        &self,
        passes: &mut Passes<R>,
        mut output: W,
    ) -> Result<(DecryptInfo, W), DecryptError> {
        let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
        // Pass 1: the structure, the candidates, the tag checks or the last blocks, the mac.
        let (layout, found, trailer, checks, last_blocks) = {
            let mut ber = BerReader::new(passes.open()?);
            let (layout, content, frames) = read_layout(&mut ber)?;
            let cipher = layout.cipher;
            if !(self.policy.accept_cbc || cipher.is_authenticated() && layout.authenticated) {
                return Err(DecryptError::NotAccepted {
                    detail: format!(
                        "the content is encrypted with {} without integrity protection, \
                         which the policy refuses",
                        cipher.name()
                    ),
                });
            }
            let found = candidates(&self.keys, &layout);
            let gcm = cipher.is_authenticated();
            if gcm != layout.authenticated {
                return Err(DecryptError::UnsupportedAlgorithm {
                    detail: format!(
                        "{} in {}",
                        cipher.name(),
                        if layout.authenticated {
                            "AuthEnvelopedData"
                        } else {
                            "EnvelopedData"
                        }
                    ),
                });
            }
            let mut checks: Vec<(usize, GcmTagCheck)> = Vec::new();
            if gcm {
                for (i, c) in found.list.iter().enumerate() {
                    if let Ok(check) = GcmTagCheck::new(cipher, &c.cek, &layout.iv, &[]) {
                        checks.push((i, check));
                    }
                }
            }
            let mut last = Zeroizing::new(Vec::with_capacity(2 * CHUNK.min(64)));
            let mut len_ok = true;
            let total = each_chunk(&mut ber, content, &mut buf, |chunk| {
                for (_, c) in checks.iter_mut() {
                    if c.update(chunk).is_err() {
                        len_ok = false;
                    }
                }
                if !gcm {
                    last.extend_from_slice(chunk);
                    let keep = last.len().saturating_sub(32);
                    last.drain(..keep);
                }
                Ok(())
            })?;
            let block = if cipher == ContentCipher::DesEde3Cbc {
                8
            } else {
                16
            };
            if !len_ok || !gcm && (total == 0 || total % block as u64 != 0) {
                // No key can open it: GCM beyond its length limit, or CBC content that is no
                // whole number of blocks.
                checks.clear();
                last.clear();
            }
            let trailer = read_trailer(&mut ber, frames, layout.authenticated, layout.icv_len)?;
            (layout, found, trailer, checks, last)
        };
        let cipher = layout.cipher;
        let Candidates {
            list,
            unsupported,
            declined,
        } = found;
        let n = list.len();
        let fail = move || match (unsupported, declined) {
            (Some(e), None) if n == 0 => e,
            (_, Some(e)) => DecryptError::Key(e),
            _ => DecryptError::CannotDecrypt,
        };
        enum Opened {
            Gcm(Box<GcmDecryptor>),
            Cbc(CbcDecryptor),
        }
        let mut opened = None;
        if cipher.is_authenticated() {
            let checks = if trailer.aad.is_empty() {
                checks
            } else {
                // The additional data comes after the content: one more GHASH pass with it.
                drop(checks);
                self.gcm_checks_with_aad(passes, &layout, &list, &trailer.aad, &mut buf)?
            };
            for (i, check) in checks {
                count(&CONTENT_TRIALS);
                if let Ok(d) = check.verify(&trailer.mac) {
                    opened = Some((i, Opened::Gcm(Box::new(d))));
                    break;
                }
            }
        } else {
            let block = if cipher == ContentCipher::DesEde3Cbc {
                8
            } else {
                16
            };
            let blocks = last_blocks.len();
            if blocks >= block {
                let lastb = &last_blocks[blocks - block..];
                let prev = if blocks >= 2 * block {
                    &last_blocks[blocks - 2 * block..blocks - block]
                } else {
                    &layout.iv[..]
                };
                for (i, c) in list.iter().enumerate() {
                    count(&CONTENT_TRIALS);
                    if cbc_padding_ok(cipher, &c.cek, prev, lastb)
                        && let Ok(d) = CbcDecryptor::new(cipher, &c.cek, &layout.iv)
                    {
                        opened = Some((i, Opened::Cbc(d)));
                        break;
                    }
                }
            }
        }
        let Some((i, mut opened)) = opened else {
            return Err(fail());
        };
        // Pass 2: decrypt to the output.
        let mut ber = reader_at(passes.open()?, layout.content_at)?;
        let content = ber.read_header()?;
        let mut out_buf = Zeroizing::new(Vec::with_capacity(CHUNK + 32));
        let mut written = 0u64;
        each_chunk(&mut ber, content, &mut buf, |chunk| {
            match &mut opened {
                Opened::Gcm(d) => {
                    d.decrypt(chunk).map_err(|_| DecryptError::CannotDecrypt)?;
                    output.write_all(chunk).map_err(io_error)?;
                    written += chunk.len() as u64;
                }
                Opened::Cbc(d) => {
                    out_buf.clear();
                    d.update(chunk, &mut out_buf);
                    output.write_all(&out_buf).map_err(io_error)?;
                    written += out_buf.len() as u64;
                }
            }
            Ok(())
        })?;
        match opened {
            Opened::Gcm(d) => d.finish().map_err(|_| DecryptError::CannotDecrypt)?,
            Opened::Cbc(d) => {
                out_buf.clear();
                d.finish(&mut out_buf)
                    .map_err(|_| DecryptError::CannotDecrypt)?;
                output.write_all(&out_buf).map_err(io_error)?;
                written += out_buf.len() as u64;
            }
        }
        output.flush().map_err(io_error)?;
        let index = list[i].index;
        Ok((
            DecryptInfo {
                key_index: index,
                certificate: self.keys[index].certificate().clone(),
                cipher,
                integrity_protected: cipher.is_authenticated() && layout.authenticated,
                content_len: written,
            },
            output,
        ))
    }

    /// The tag checks of every candidate over the content again, with the additional data.
    fn gcm_checks_with_aad<R: Read + Seek>(
        &self,
        passes: &mut Passes<R>,
        layout: &Layout,
        list: &[Candidate],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<Vec<(usize, GcmTagCheck)>, DecryptError> {
        let mut checks = Vec::new();
        for (i, c) in list.iter().enumerate() {
            if let Ok(check) = GcmTagCheck::new(layout.cipher, &c.cek, &layout.iv, aad) {
                checks.push((i, check));
            }
        }
        let mut ber = reader_at(passes.open()?, layout.content_at)?;
        let content = ber.read_header()?;
        let mut len_ok = true;
        each_chunk(&mut ber, content, buf, |chunk| {
            for (_, c) in checks.iter_mut() {
                len_ok &= c.update(chunk).is_ok();
            }
            Ok(())
        })?;
        if !len_ok {
            checks.clear();
        }
        Ok(checks)
    }
}

/// A reader of the CMS bytes from `at` on (the later passes start at the content header).
fn reader_at<'a>(
    mut r: Box<dyn Read + 'a>,
    at: u64,
) -> Result<BerReader<Box<dyn Read + 'a>>, DecryptError> {
    let skipped = io::copy(&mut (&mut r).take(at), &mut io::sink()).map_err(io_error)?;
    if skipped != at {
        return Err(DecryptError::Io(IoError::from(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the input changed between the passes",
        ))));
    }
    Ok(BerReader::new(r))
}

#[cfg(test)]
mod work_bound_tests {
    use super::*;
    use crate::cms::recipient::{RecipientOptions, recipient_info};
    use crate::keys::SoftwareKey;
    use std::sync::Arc;

    fn alice() -> Identity {
        let cert = Certificate::from_pem(include_bytes!("testdata/alice-p256.crt.pem")).unwrap();
        let key = SoftwareKey::from_bytes(include_bytes!("testdata/alice-p256.key.pem")).unwrap();
        Identity::new(Arc::new(key), cert).unwrap()
    }

    /// A message whose 256 recipient infos are all addressed to Alice; each carries a
    /// different content key, and only one the content's. The infos are written in SET OF
    /// order, so the right one is made to sort after a wrong one: the first info addressed to
    /// Alice always carries a wrong key.
    fn crafted(cipher: ContentCipher, content: &[u8]) -> Vec<u8> {
        let a = alice();
        let cek = crate::crypto::rng::random_key(cipher.key_len()).unwrap();
        let opts = RecipientOptions::default();
        let mut infos = Vec::new();
        for _ in 0..255 {
            let wrong = crate::crypto::rng::random_key(cipher.key_len()).unwrap();
            infos.push(recipient_info(a.certificate().der(), &wrong, &opts).unwrap());
        }
        let first_wrong = infos.iter().min().unwrap().clone();
        let right = loop {
            let ri = recipient_info(a.certificate().der(), &cek, &opts).unwrap();
            if ri > first_wrong {
                break ri;
            }
        };
        infos.push(right);
        enveloped::write(content, cipher, &cek, &infos).unwrap()
    }

    fn run(der: &[u8], keys: &[Identity]) -> (Result<Vec<u8>, DecryptError>, u64, u64) {
        let (t0, u0) = work_counts();
        let mut policy = Policy::default();
        policy.accept_cbc = true;
        let r = decrypt_der(der, keys, &policy).map(|d| d.content);
        let (t1, u1) = work_counts();
        (r, t1 - t0, u1 - u0)
    }

    #[test]
    fn many_recipient_infos_for_one_key_cost_one_unwrap_and_one_trial() {
        let content = vec![0x5Au8; 100_000];
        for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes128Cbc] {
            let der = crafted(cipher, &content);
            let (r, trials, unwraps) = run(&der, &[alice()]);
            // Only the first recipient info addressed to the key is used: a wrong content key.
            assert_eq!(unwraps, 1, "{cipher:?}");
            assert_eq!(trials, 1, "{cipher:?}");
            if cipher.is_authenticated() {
                assert!(
                    matches!(r, Err(DecryptError::CannotDecrypt)),
                    "{cipher:?}: {:?}",
                    r.map(|c| c.len())
                );
            }
        }
    }

    #[test]
    fn content_trials_are_capped_whatever_the_number_of_keys() {
        let content = vec![0xA5u8; 100_000];
        let keys = vec![alice(); 16];
        for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes256Cbc] {
            let der = crafted(cipher, &content);
            let (r, trials, unwraps) = run(&der, &keys);
            assert_eq!(unwraps, MAX_CONTENT_TRIALS as u64, "{cipher:?}");
            assert!(trials <= MAX_CONTENT_TRIALS as u64, "{cipher:?}: {trials}");
            if cipher.is_authenticated() {
                // Every GCM trial is a tag check: all four ran, none decrypted anything.
                assert_eq!(trials, MAX_CONTENT_TRIALS as u64);
                assert!(matches!(r, Err(DecryptError::CannotDecrypt)));
            }
        }
    }

    #[test]
    fn the_right_first_recipient_info_opens_with_one_trial() {
        let a = alice();
        let content = b"hello".to_vec();
        for cipher in [ContentCipher::Aes256Gcm, ContentCipher::Aes128Cbc] {
            let cek = crate::crypto::rng::random_key(cipher.key_len()).unwrap();
            let opts = RecipientOptions::default();
            let infos: Vec<Vec<u8>> = (0..256)
                .map(|_| recipient_info(a.certificate().der(), &cek, &opts).unwrap())
                .collect();
            let der = enveloped::write(&content, cipher, &cek, &infos).unwrap();
            let (r, trials, unwraps) = run(&der, &[a.clone(), a.clone()]);
            assert_eq!(r.unwrap(), content);
            assert_eq!((trials, unwraps), (1, 2), "{cipher:?}");
        }
    }
}

#[cfg(test)]
mod header_block_tests {
    use super::header_block_problem;

    #[test]
    fn bare_text_is_content_and_garbled_headers_are_not() {
        // Bare text (no header block), as OpenSSL encrypts a file without -text.
        assert_eq!(
            header_block_problem(b"hello world\r\nsecond line\r\n"),
            None
        );
        assert_eq!(
            header_block_problem(b"Content-Type: text/plain\r\n\r\nhi"),
            None
        );
        // A garbled first block: bytes that are not text.
        assert!(header_block_problem(b"\x8f\x01\xfe\x10 garbage\r\n\r\nhi").is_some());
        // A header block whose later line no longer reads as a field.
        assert!(header_block_problem(b"Content-Type: text/plain\r\nxx yy\r\n\r\nhi").is_some());
    }
}
