//! `smime encrypt`.

use super::{
    IdentitySources, KeyringOpts, Pkcs12Opts, Revocation, all_certs, keyring_signer,
    load_identities, signer_from,
};
use crate::{
    Usage, certs_from, crls_from, errln, keyring, out::Progress, policy_from, sender_address,
};
use clap::{ArgMatches, Args, ValueEnum};
use smime::ContentCipher;
use smime::KeyTransport;
use smime::encrypt::{EncryptOptions, Encryptor, check_recipient};
use smime::keyring::KeyringError;
use smime::sign::{SignOptions, Signer};

/// A content cipher.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    /// AES-256-GCM (integrity-protected; the S/MIME 4.0 default)
    #[value(name = "aes256-gcm")]
    Aes256Gcm,
    /// AES-128-GCM (integrity-protected)
    #[value(name = "aes128-gcm")]
    Aes128Gcm,
    /// AES-256-CBC (for older peers; not integrity-protected)
    #[value(name = "aes256-cbc")]
    Aes256Cbc,
    /// AES-128-CBC (for older peers; not integrity-protected)
    #[value(name = "aes128-cbc")]
    Aes128Cbc,
}

/// The key-agreement scheme for X25519 recipients.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAgreement {
    /// HKDF with SHA-256 (RFC 8418; the default)
    #[value(name = "hkdf-sha256")]
    HkdfSha256,
    /// HKDF with SHA-512 (RFC 8418)
    #[value(name = "hkdf-sha512")]
    HkdfSha512,
    /// The ANSI X9.63 KDF with SHA-256, for peers without HKDF (Bouncy Castle 1.72)
    #[value(name = "x963-sha256")]
    X963Sha256,
}

/// The key-derivation function of ML-KEM recipients.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemKdfArg {
    /// HKDF with SHA-256 (RFC 9936; the default)
    #[value(name = "hkdf-sha256")]
    HkdfSha256,
    /// HKDF with SHA-512
    #[value(name = "hkdf-sha512")]
    HkdfSha512,
}

/// Options of `smime encrypt`.
#[derive(Args, Debug)]
#[command(after_help = "\
With --keyring FILE --keyring-key-file FILE: --to-address ADDR takes the recipient's \
certificate from the keyring; when an address has none usable, nothing is written and every \
such address is named with the reason. The sender's own certificate for the From address (or \
--from) is added so the sent copy stays readable (--no-self to skip). Without --cipher, the \
cipher is chosen from what the recipients advertised. --sign signs with the keyring's identity \
for the From address (or --identity FP); --triple-wrap signs, encrypts, and signs the \
encrypted message again. --crl FILE refuses a recipient a CRL revokes; --ca FILE gives the CA \
certificates whose keys check those CRLs.")]
pub struct EncryptArgs {
    /// A recipient's certificate (repeatable)
    #[arg(long, value_name = "CERTFILE")]
    pub to: Vec<String>,
    /// With a keyring: a recipient address whose certificate the keyring holds (repeatable)
    #[arg(long, value_name = "ADDR")]
    pub to_address: Vec<String>,
    /// The content cipher (default AES-256-GCM; with a keyring, chosen from what the
    /// recipients advertised)
    #[arg(long, value_enum)]
    pub cipher: Option<Cipher>,
    /// RSAES-OAEP key transport for RSA recipients instead of PKCS#1 v1.5
    #[arg(long)]
    pub oaep: bool,
    /// The key-agreement scheme for X25519 recipients (default hkdf-sha256)
    #[arg(long, value_enum)]
    pub key_agreement: Option<KeyAgreement>,
    /// The key-derivation function for ML-KEM recipients (default hkdf-sha256)
    #[arg(long, value_enum)]
    pub kem_kdf: Option<KemKdfArg>,
    /// With a keyring and --to-address: encrypt to both the classical and the ML-KEM
    /// certificate of a contact who has both (post-quantum hybrid protection)
    #[arg(long)]
    pub hybrid: bool,
    /// Also encrypt to this certificate of yours, so the sent copy stays readable
    #[arg(long = "self", value_name = "CERTFILE", conflicts_with = "no_self")]
    pub self_cert: Option<String>,
    /// Do not add the sender's own certificate
    #[arg(long)]
    pub no_self: bool,
    /// With a keyring: sign with the keyring's identity before encrypting
    #[arg(long)]
    pub sign: bool,
    /// Sign, encrypt, and sign the encrypted message again (needs a signer)
    #[arg(long)]
    pub triple_wrap: bool,
    /// With a keyring: the sender's address (default: the From header)
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    /// With a keyring and --sign: sign with the identity whose fingerprint starts with FP
    #[arg(long, value_name = "FP")]
    pub identity: Option<String>,
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// Sign first with the key and certificate of this PKCS#12 file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub sign_p12: Vec<String>,
    #[command(flatten)]
    pub password: crate::secret::PasswordArgs,
    #[command(flatten)]
    pub pkcs12: Pkcs12Opts,
    /// Sign first with this certificate, with --sign-key (repeatable)
    #[arg(long, value_name = "FILE")]
    pub sign_cert: Vec<String>,
    /// The private key of --sign-cert
    #[arg(long, value_name = "FILE")]
    pub sign_key: Vec<String>,
    /// Intermediate certificates to send along with the signature (repeatable)
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<String>,
    /// CRLs: a recipient they revoke is refused (repeatable)
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<String>,
    /// CA certificates whose keys check the CRLs (repeatable)
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<String>,
    /// How revocation of recipient certificates is checked
    #[arg(long, value_enum, default_value_t = Revocation::Soft)]
    pub revocation: Revocation,
    /// Where to write the encrypted message (default: standard output)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<String>,
    /// The message to encrypt (default: standard input)
    #[arg(value_name = "IN")]
    pub input: Option<String>,
}

/// Runs `smime encrypt`.
pub fn run(a: &EncryptArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let policy = policy_from(a.revocation, false);
    let kf = keyring::open(&a.keyring)?;
    let mut recipients = Vec::new();
    for t in &a.to {
        recipients.extend(certs_from(t)?.into_iter().take(1));
    }
    let to_addresses: Vec<&str> = a.to_address.iter().map(String::as_str).collect();
    if kf.is_none() {
        for (flag, given) in [
            ("--to-address", !to_addresses.is_empty()),
            ("--sign", a.sign),
            ("--from", a.from.is_some()),
            ("--identity", a.identity.is_some()),
        ] {
            if given {
                return Err(Usage(format!(
                    "{flag} uses a keyring: give --keyring FILE --keyring-key-file FILE"
                )));
            }
        }
    }
    if a.identity.is_some() && !a.sign {
        return Err(Usage(
            "--identity chooses the keyring's signing identity: it goes with --sign".into(),
        ));
    }
    if recipients.is_empty() && to_addresses.is_empty() {
        return Err(Usage(
            "encrypt needs at least one --to CERTFILE or --to-address ADDR".into(),
        ));
    }
    let mut input = crate::streams::open_input(a.input.as_deref())?;
    let head = input.head()?;
    if let Some(k) = &kf
        && !to_addresses.is_empty()
    {
        let chosen = if a.hybrid {
            k.ring
                .encryption_certificates_for_hybrid(&to_addresses, &policy)
        } else {
            k.ring.encryption_certificates_for(&to_addresses, &policy)
        };
        match chosen {
            Ok(certs) => {
                let readiness = if a.hybrid {
                    k.ring.recipient_readiness_hybrid(&to_addresses, &policy)
                } else {
                    k.ring.recipient_readiness(&to_addresses, &policy)
                };
                for r in readiness {
                    for c in r.certificates() {
                        errln!(
                            "to {}: certificate {} ({}) from the keyring",
                            r.address,
                            keyring::short(&c.fingerprint()),
                            c.key_description()
                        );
                    }
                }
                for c in certs {
                    if !recipients.contains(&c) {
                        recipients.push(c);
                    }
                }
            }
            Err(KeyringError::RecipientsNotReady {
                recipients: not_ready,
            }) => {
                for r in &not_ready {
                    errln!(
                        "smime: cannot encrypt to {}: {}",
                        r.address,
                        keyring::readiness_reason(r)
                    );
                }
                return Err(Usage(format!(
                    "nothing was encrypted: {} of {} recipient address{} not ready ({})",
                    not_ready.len(),
                    to_addresses.len(),
                    if to_addresses.len() == 1 {
                        " is"
                    } else {
                        "es are"
                    },
                    not_ready
                        .iter()
                        .map(|r| r.address.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            Err(e) => return Err(Usage(e.to_string())),
        }
    }
    let cipher = match a.cipher {
        None => match &kf {
            Some(k) => {
                let choice = k.ring.choose_cipher(&recipients);
                errln!("content cipher: {}", keyring::cipher_choice_text(&choice));
                choice.cipher
            }
            None => ContentCipher::Aes256Gcm,
        },
        Some(Cipher::Aes256Gcm) => ContentCipher::Aes256Gcm,
        Some(Cipher::Aes128Gcm) => ContentCipher::Aes128Gcm,
        Some(Cipher::Aes256Cbc) => ContentCipher::Aes256Cbc,
        Some(Cipher::Aes128Cbc) => ContentCipher::Aes128Cbc,
    };
    let mut options = EncryptOptions {
        cipher,
        key_transport: if a.oaep {
            KeyTransport::RsaOaep
        } else {
            KeyTransport::RsaPkcs1v15
        },
        key_agreement: match a.key_agreement {
            None | Some(KeyAgreement::HkdfSha256) => smime::KeyAgreementKdf::HkdfSha256,
            Some(KeyAgreement::HkdfSha512) => smime::KeyAgreementKdf::HkdfSha512,
            Some(KeyAgreement::X963Sha256) => smime::KeyAgreementKdf::X963Sha256,
        },
        kem: smime::KemOptions {
            kdf: match a.kem_kdf {
                None | Some(KemKdfArg::HkdfSha256) => smime::KemKdf::HkdfSha256,
                Some(KemKdfArg::HkdfSha512) => smime::KemKdf::HkdfSha512,
            },
            ukm: None,
        },
        policy: policy.clone(),
        ..EncryptOptions::default()
    };
    for c in &a.crl {
        options.crls.extend(crls_from(c)?);
    }
    options.certificates.extend(all_certs(&a.ca)?);
    if let Some(k) = &kf {
        options.crls.extend(k.ring.crls().iter().cloned());
        options.certificates.extend(
            k.ring
                .trust_anchors()
                .iter()
                .chain(k.ring.intermediates())
                .cloned(),
        );
    }
    if let Some(own) = &a.self_cert {
        options.sender = certs_from(own)?.into_iter().next();
    }
    let chain = all_certs(&a.chain)?;
    // The sender's address, when the keyring needs it.
    let from = match &kf {
        Some(_) if a.sign || (!a.no_self && options.sender.is_none()) => {
            match sender_address(a.from.as_deref(), &head, "find your own certificate") {
                Ok(f) => Some(f),
                Err(e) if a.sign && a.identity.is_none() => return Err(e),
                Err(e) => {
                    errln!("note: no copy for the sender: {}", e.0);
                    None
                }
            }
        }
        _ => None,
    };
    if let (Some(k), Some(from)) = (&kf, &from)
        && options.sender.is_none()
        && !a.no_self
    {
        match k.ring.own_encryption_certificate(from, &policy) {
            Some(id) => {
                errln!(
                    "sender's copy: also encrypted to your certificate {} ({}) for {from} \
                     (--no-self to skip)",
                    id.certificate().subject(),
                    keyring::short(&id.certificate().fingerprint())
                );
                options.sender = Some(id.certificate().clone());
            }
            None => errln!(
                "note: the keyring has no encryption certificate of yours for {from}: \
                 you will not be able to read the sent copy"
            ),
        }
    }
    let ids = load_identities(
        m,
        &IdentitySources {
            p12s: &a.sign_p12,
            p12_flag: "--sign-p12",
            max_iterations: a.pkcs12.max_iterations,
            certs: &a.sign_cert,
            keys: &a.sign_key,
            cert_flag: "--sign-cert",
            key_flag: "--sign-key",
        },
    )?;
    let mut signers = Vec::new();
    for id in ids {
        // A dual-use signing certificate also keeps the sent mail readable for the sender.
        if options.sender.is_none()
            && !a.no_self
            && check_recipient(id.certificate(), &options).is_ok()
        {
            options.sender = Some(id.certificate().clone());
        }
        signers.push(signer_from(id, &chain)?);
    }
    if a.sign {
        if !signers.is_empty() {
            return Err(Usage(
                "--sign signs with the keyring: it does not go with --sign-p12/--sign-cert".into(),
            ));
        }
        if let Some(k) = &kf {
            signers.push(keyring_signer(
                &k.ring,
                from.as_deref(),
                a.identity.as_deref(),
                &chain,
            )?);
        }
    }
    if a.triple_wrap && signers.is_empty() {
        return Err(Usage(
            "--triple-wrap signs twice: give a signer (--sign with a keyring, --sign-p12 or \
             --sign-cert/--sign-key)"
                .into(),
        ));
    }
    // Streamed: the message flows through the signer (if any), the encryptor and, for a
    // triple wrap, the signer again, each writing into the next; the outer header fields
    // (From, To, Subject) stay on top of every layer.
    let output = crate::streams::create_output(a.output.as_deref(), false)?;
    let encryptor = Encryptor::new(&recipients, &options)?;
    let _progress = Progress::for_size("encrypting", input.len.unwrap_or(0) as usize);
    let output = if signers.is_empty() {
        encryptor.encrypt(input.reader(), output)?
    } else {
        let signer = Signer::new(&signers, &SignOptions::default())?;
        let mut reader = input.reader();
        if a.triple_wrap {
            let outer = signer.writer(output);
            let middle = encryptor.writer(outer)?;
            let mut inner = signer.writer(middle);
            std::io::copy(&mut reader, &mut inner).map_err(smime::SignError::from)?;
            let middle = inner.finish()?;
            let outer = middle.finish()?;
            outer.finish()?
        } else {
            let middle = encryptor.writer(output)?;
            let mut inner = signer.writer(middle);
            std::io::copy(&mut reader, &mut inner).map_err(smime::SignError::from)?;
            inner.finish()?.finish()?
        }
    };
    output.commit()?;
    Ok(0)
}
