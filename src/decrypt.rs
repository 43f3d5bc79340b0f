//! Decryption with the whole key history, and decrypt-and-verify of nested messages.
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
    // Recover a content key from every (key, recipient info) pair addressed to us; failures
    // are not distinguished. Then try them in order until one opens the content.
    let mut candidates = Vec::new();
    let mut unsupported = None;
    let mut declined = None;
    for (index, k) in keys.iter().enumerate() {
        let Some(key) = k.key() else { continue };
        let Ok(cert) = k.certificate().x509() else {
            continue;
        };
        for ri in env.recipients.iter().filter(|ri| ri.addressed_to(cert)) {
            match crate::cms::recipient::unwrap_cek(ri, cert, key.as_ref(), cek_len) {
                Ok(cek) => candidates.push((index, cek)),
                // The algorithms are visible in the message: saying which one is not supported
                // reveals nothing about the key or the content.
                Err(e @ crate::cms::CmsError::UnsupportedAlgorithm { .. }) => {
                    unsupported = Some(DecryptError::from(e))
                }
                // A key that declined (a cancelled prompt, a removed card) did not look at the
                // ciphertext: saying so reveals nothing about the message.
                Err(crate::cms::CmsError::KeyDeclined(e)) => declined = Some(e),
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
                certificate: keys[index].certificate().clone(),
                cipher,
                integrity_protected: cipher.is_authenticated() && authenticated,
            });
        }
    }
    // A key that declined may be the one the message was for: say so rather than "cannot
    // decrypt", so the user can try again.
    match (unsupported, declined) {
        (Some(e), None) if n == 0 => Err(e),
        (_, Some(e)) => Err(DecryptError::Key(e)),
        _ => Err(DecryptError::CannotDecrypt),
    }
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
        let classified = classify::classify_message(current, &options.policy.limits.mime)?;
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
