//! `smime sign`.

use super::{
    IdentitySources, KeyringOpts, Pkcs12Opts, all_certs, keyring_signer, load_identities,
    signer_from,
};
use crate::{Usage, keyring, out::Progress, sender_address};
use clap::{ArgMatches, Args, ValueEnum};
use smime::DigestAlgorithm;
use smime::sign::{SignOptions, Signer};

/// The digest algorithm of a signature.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Digest {
    /// SHA-256
    #[default]
    Sha256,
    /// SHA-384
    Sha384,
    /// SHA-512
    Sha512,
}

/// Options of `smime sign`.
#[derive(Args, Debug)]
#[command(after_help = "\
The signer is given as a PKCS#12 file (--p12, with its password), as a certificate and key \
pair (--cert with --key), or taken from a keyring: the identity for the message's From address \
(or --from ADDR), or the one --identity names when an address has several (per-device \
certificates). A certificate that may not sign e-mail now is refused with the reason.")]
pub struct SignArgs {
    /// A PKCS#12 file with the signer's key and certificate (repeatable)
    #[arg(long, value_name = "FILE")]
    pub p12: Vec<String>,
    #[command(flatten)]
    pub password: crate::secret::PasswordArgs,
    #[command(flatten)]
    pub pkcs12: Pkcs12Opts,
    /// The signer's certificate (PEM or DER), with --key (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cert: Vec<String>,
    /// The signer's private key (PKCS#8, PKCS#1 or SEC1; PEM or DER), with --cert
    #[arg(long, value_name = "FILE")]
    pub key: Vec<String>,
    /// Intermediate certificates to send along (repeatable)
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<String>,
    /// Opaque signature (application/pkcs7-mime) instead of multipart/signed
    #[arg(long)]
    pub opaque: bool,
    /// The digest algorithm
    #[arg(long, value_enum, default_value_t = Digest::Sha256)]
    pub digest: Digest,
    /// RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys
    #[arg(long)]
    pub pss: bool,
    /// With a keyring: sign with the identity for this address (default: the From header)
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    /// With a keyring: sign with the identity whose fingerprint starts with FP (at least 8
    /// hexadecimal digits, as `smime keyring list` shows them)
    #[arg(long, value_name = "FP")]
    pub identity: Option<String>,
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// Where to write the signed message (default: standard output)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<String>,
    /// The message to sign (default: standard input)
    #[arg(value_name = "IN")]
    pub input: Option<String>,
}

/// Runs `smime sign`.
pub fn run(a: &SignArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let chain = all_certs(&a.chain)?;
    let kf = keyring::open(&a.keyring)?;
    let mut signers = Vec::new();
    for id in load_identities(
        m,
        &IdentitySources {
            p12s: &a.p12,
            p12_flag: "--p12",
            max_iterations: a.pkcs12.max_iterations,
            certs: &a.cert,
            keys: &a.key,
            cert_flag: "--cert",
            key_flag: "--key",
        },
    )? {
        signers.push(signer_from(id, &chain)?);
    }
    let mut input = crate::streams::open_input(a.input.as_deref())?;
    let head = input.head()?;
    if signers.is_empty() {
        let Some(kf) = &kf else {
            return Err(Usage(
                "sign needs --p12 FILE (with its password), --cert FILE --key FILE, or \
                 --keyring FILE --keyring-key-file FILE"
                    .into(),
            ));
        };
        let from = match &a.identity {
            // The identity is named: the From address, when there is one, must be its own.
            Some(_) => sender_address(a.from.as_deref(), &head, "").ok(),
            None => Some(sender_address(
                a.from.as_deref(),
                &head,
                "choose the signing identity",
            )?),
        };
        signers.push(keyring_signer(
            &kf.ring,
            from.as_deref(),
            a.identity.as_deref(),
            &chain,
        )?);
    } else if a.from.is_some() || a.identity.is_some() {
        return Err(Usage(
            "--from and --identity choose the keyring's signing identity: they do not go with \
             --p12/--cert/--key"
                .into(),
        ));
    }
    let options = SignOptions {
        digest: match a.digest {
            Digest::Sha256 => DigestAlgorithm::Sha256,
            Digest::Sha384 => DigestAlgorithm::Sha384,
            Digest::Sha512 => DigestAlgorithm::Sha512,
        },
        opaque: a.opaque,
        pss: a.pss,
        ..SignOptions::default()
    };
    let signer = Signer::new(&signers, &options)?;
    let output = crate::streams::create_output(a.output.as_deref(), false)?;
    let output = {
        let _progress = Progress::for_size("signing", input.len.unwrap_or(0) as usize);
        signer.sign(input.reader(), output)?
    };
    output.commit()?;
    Ok(0)
}
