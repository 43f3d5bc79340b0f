//! Decryption with the whole key history, and decrypt-and-verify of nested messages.
//!
//! The caller passes every private key it holds, current and retired, each with its
//! certificate ([`DecryptionKey`]). The recipient info addressed to one of them is used; the
//! result says which key opened the message and whether the content was integrity-protected
//! (AuthEnvelopedData, GCM) or not (EnvelopedData, CBC).
//!
//! No oracle: every failure to recover the content — no recipient info for any key, bad
//! PKCS#1 v1.5 padding, a content key of the wrong length, a wrong key, a failed GCM tag, bad
//! CBC padding — is [`DecryptError::CannotDecrypt`]. For PKCS#1 v1.5 the recipient layer
//! substitutes a random content key on any failure (RFC 3218), so the content decryption fails
//! the same way as with a wrong key. GCM plaintext is released only after the tag verified.

use crate::cms::enveloped::{self, ContentCipher};
use crate::crypto::keys::PrivateKey;
use crate::error::{DecryptError, ParseError};
use crate::mime::{self, SmimeKind};
use crate::policy::Policy;
use crate::verify::{self, AddressPolicy, VerifyOptions, VerifyReport};
use der::Decode;
use std::sync::Arc;

/// How deep decrypt-and-verify follows nested layers.
pub const MAX_LAYERS: usize = 8;

/// A private key with its certificate: one entry of the key history.
#[derive(Clone)]
pub struct DecryptionKey {
    /// The private key.
    pub key: Arc<dyn PrivateKey>,
    /// Its certificate (DER).
    pub certificate: Vec<u8>,
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("key", &self.key.kind())
            .finish_non_exhaustive()
    }
}

/// A decrypted message.
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// The decrypted content (for a MIME message: the inner MIME entity).
    pub content: Vec<u8>,
    /// Which entry of the key history opened it.
    pub key_index: usize,
    /// The certificate of that key (DER).
    pub certificate: Vec<u8>,
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
pub fn decrypt_der(
    der: &[u8],
    keys: &[DecryptionKey],
    policy: &Policy,
) -> Result<Decrypted, DecryptError> {
    if keys.is_empty() {
        return Err(DecryptError::NoKeys);
    }
    let env = enveloped::parse(der)?;
    let cipher = env.cipher;
    if !(policy.accept_cbc || cipher.is_authenticated() && env.authenticated) {
        return Err(DecryptError::NotAccepted {
            detail: format!(
                "the content is encrypted with {} without integrity protection, \
                 which the policy refuses",
                cipher.name()
            ),
        });
    }
    let cek_len = cipher.key_len();
    let mut certs = Vec::with_capacity(keys.len());
    for k in keys {
        certs.push(
            x509_cert::Certificate::from_der(&k.certificate).map_err(|e| {
                DecryptError::Parse(ParseError::Certificate {
                    detail: e.to_string(),
                })
            })?,
        );
    }
    // Recover a content key from every (key, recipient info) pair addressed to us; failures
    // are not distinguished. Then try them in order until one opens the content.
    let mut candidates = Vec::new();
    let mut unsupported = None;
    for (index, (k, cert)) in keys.iter().zip(&certs).enumerate() {
        for ri in env.recipients.iter().filter(|ri| ri.addressed_to(cert)) {
            match crate::cms::recipient::unwrap_cek(ri, cert, k.key.as_ref(), cek_len) {
                Ok(cek) => candidates.push((index, cek)),
                // The algorithms are visible in the message: saying which one is not supported
                // reveals nothing about the key or the content.
                Err(e @ DecryptError::UnsupportedAlgorithm { .. }) => unsupported = Some(e),
                Err(_) => {}
            }
        }
    }
    let authenticated = env.authenticated;
    let mut env = Some(env);
    let n = candidates.len();
    for (i, (index, cek)) in candidates.into_iter().enumerate() {
        let Some(e) = env.take() else { break };
        // Keep a copy of the ciphertext only while another candidate remains.
        let attempt = if i + 1 < n {
            let copy = e.clone_for_retry();
            env = Some(e);
            copy
        } else {
            e
        };
        if let Ok(content) = attempt.decrypt_content(&cek) {
            return Ok(Decrypted {
                content,
                key_index: index,
                certificate: keys[index].certificate.clone(),
                cipher,
                integrity_protected: cipher.is_authenticated() && authenticated,
            });
        }
    }
    match unsupported {
        Some(e) if n == 0 => Err(e),
        _ => Err(DecryptError::CannotDecrypt),
    }
}

/// Decrypts an encrypted message (application/pkcs7-mime, whole message or bare entity).
/// The result's content is the decrypted MIME entity.
pub fn decrypt(
    message: &[u8],
    keys: &[DecryptionKey],
    policy: &Policy,
) -> Result<Decrypted, DecryptError> {
    let parsed = mime::parse(message, &policy.limits.mime)?;
    let part = parsed
        .smime
        .iter()
        .find(|p| says_encrypted(p))
        .ok_or(DecryptError::NotEncrypted)?;
    decrypt_der(&part.cms, keys, policy)
}

/// Whether a part is encrypted: its smime-type says so (then a body that does not parse is a
/// parse error, not "not encrypted"), or an untyped pkcs7-mime body holds encrypted CMS.
fn says_encrypted(p: &mime::SmimePart) -> bool {
    match p.kind {
        SmimeKind::EnvelopedData | SmimeKind::AuthEnvelopedData => true,
        SmimeKind::Pkcs7Mime => enveloped::is_encrypted(&p.cms),
        _ => false,
    }
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
#[derive(Debug, Clone)]
pub struct Opened {
    /// The layers, outermost first.
    pub layers: Vec<Layer>,
    /// The innermost content: the MIME entity a mail app shows.
    pub content: Vec<u8>,
}

impl Opened {
    /// Whether every signed layer is trusted (and there is at least one).
    pub fn all_signatures_trusted(&self) -> bool {
        let mut any = false;
        for l in &self.layers {
            if let Layer::Signed(r) = l {
                any = true;
                if !r.is_trusted() {
                    return false;
                }
            }
        }
        any
    }
}

/// Decrypts and verifies a nested message (signed inside encrypted, encrypted inside signed,
/// triple wrap…), following at most [`MAX_LAYERS`] layers. Every mailbox of every From field
/// of the outer message is what inner signatures are checked against (unless `options.address`
/// says otherwise), and a From inside signed content must name the same mailboxes. A plain
/// message yields no layers.
pub fn open(
    message: &[u8],
    keys: &[DecryptionKey],
    options: &VerifyOptions,
) -> Result<Opened, DecryptError> {
    open_with(message, keys, options, &NoLookup)
}

struct NoLookup;

impl verify::CertificateLookup for NoLookup {
    fn signer_certificates(&self, _id: &crate::cms::signed_data::SignerId) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

/// Like [`open`], also asking `lookup` for signer certificates a signed layer does not carry.
pub fn open_with(
    message: &[u8],
    keys: &[DecryptionKey],
    options: &VerifyOptions,
    lookup: &dyn verify::CertificateLookup,
) -> Result<Opened, DecryptError> {
    let top = mime::parse(message, &options.policy.limits.mime)?;
    let mut opts = options.clone();
    // Every mailbox of every outer From field is the sender of every layer inside.
    if opts.address == AddressPolicy::FromHeader && top.from_fields.present() {
        opts.address = AddressPolicy::Outer(top.from_fields.clone());
    }
    let mut layers = Vec::new();
    let mut current = message.to_vec();
    for _ in 0..MAX_LAYERS {
        let parsed = mime::parse(&current, &options.policy.limits.mime)?;
        let Some(part) = parsed.smime.first() else {
            return Ok(Opened {
                layers,
                content: current,
            });
        };
        if part.depth != 0 {
            // The S/MIME structure is only a part: verify reports the scope; stop here.
            let report = verify::verify_with(&current, &opts, lookup)?;
            layers.push(Layer::Signed(Box::new(report)));
            return Ok(Opened {
                layers,
                content: current,
            });
        }
        if says_encrypted(part) {
            let d = decrypt_der(&part.cms, keys, &options.policy)?;
            layers.push(Layer::Encrypted {
                key_index: d.key_index,
                cipher: d.cipher,
                integrity_protected: d.integrity_protected,
            });
            current = d.content;
            continue;
        }
        match part.kind {
            SmimeKind::MultipartSigned | SmimeKind::SignedData | SmimeKind::Pkcs7Mime => {
                let report = verify::verify_with(&current, &opts, lookup)?;
                let inner = report.content.clone();
                let signed = report.kind != verify::SignatureKind::None;
                layers.push(Layer::Signed(Box::new(report)));
                if !signed {
                    return Ok(Opened {
                        layers,
                        content: current,
                    });
                }
                current = inner;
            }
            _ => {
                return Ok(Opened {
                    layers,
                    content: current,
                });
            }
        }
    }
    Err(DecryptError::Parse(ParseError::TooDeep {
        limit: MAX_LAYERS,
    }))
}
