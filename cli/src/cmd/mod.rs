//! One module per subcommand: its options (clap) and what it does. The library calls of a
//! command stay in its own module.

pub mod decrypt;
pub mod demo;
pub mod encrypt;
pub mod inspect;
pub mod keyring;
pub mod sign;
pub mod verify;

use crate::{Usage, certs_from, errln, read_file, secret};
use clap::{ArgMatches, Args, ValueEnum};
use smime::SoftwareKey;
use smime::policy::Policy;
use smime::{Certificate, Identity};
use std::sync::Arc;

/// How revocation is checked.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Revocation {
    /// Not checked
    Off,
    /// A certificate no usable CRL covers is reported, a revoked one fails
    #[default]
    Soft,
    /// Every certificate of the chain needs a usable CRL
    Hard,
}

/// `--keyring FILE --keyring-key-file FILE`, always together.
#[derive(Args, Debug, Default, Clone)]
pub struct KeyringOpts {
    /// A keyring made with `smime keyring new` (with --keyring-key-file)
    #[arg(long, value_name = "FILE")]
    pub keyring: Option<String>,
    /// The key file the keyring is sealed with (with --keyring)
    #[arg(long, value_name = "FILE")]
    pub keyring_key_file: Option<String>,
}

/// `--max-iterations N` for PKCS#12 files.
#[derive(Args, Debug, Default, Clone)]
pub struct Pkcs12Opts {
    /// Accept PKCS#12 key derivations of up to N iterations (default 1000000): for a file
    /// you trust, made with a high iteration count
    #[arg(long, value_name = "N")]
    pub max_iterations: Option<u32>,
}

/// Where a command's identities come from: PKCS#12 files and certificate/key pairs, with
/// the option names for messages.
pub struct IdentitySources<'a> {
    /// PKCS#12 files.
    pub p12s: &'a [String],
    /// The option that names them (`--p12`, `--sign-p12`).
    pub p12_flag: &'a str,
    /// `--max-iterations`.
    pub max_iterations: Option<u32>,
    /// Certificate files, one per key file.
    pub certs: &'a [String],
    /// Private key files, one per certificate file.
    pub keys: &'a [String],
    /// The option that names the certificates (`--cert`, `--sign-cert`).
    pub cert_flag: &'a str,
    /// The option that names the keys (`--key`, `--sign-key`).
    pub key_flag: &'a str,
}

/// Loads identities given as PKCS#12 files (each with its password, from the password
/// options of `m` in order, or a prompt) and as certificate/key file pairs.
pub fn load_identities(m: &ArgMatches, src: &IdentitySources<'_>) -> Result<Vec<Identity>, Usage> {
    let IdentitySources {
        p12s,
        p12_flag,
        max_iterations,
        certs,
        keys,
        cert_flag,
        key_flag,
    } = *src;
    let mut out = Vec::new();
    if p12s.is_empty() && !secret::given(m).is_empty() {
        return Err(Usage(format!("a password goes with {p12_flag} FILE")));
    }
    let passwords = secret::for_files(m, p12s, p12_flag)?;
    let limits = secret::pkcs12_limits(max_iterations);
    for (file, password) in p12s.iter().zip(passwords) {
        let bytes = read_file(file)?;
        let id = {
            let _progress = crate::out::Progress::start(&format!("reading {file}"));
            Identity::from_pkcs12(&bytes, &password, &limits)
                .map_err(|e| Usage(format!("{file}: {e}")))?
        };
        out.push(id);
    }
    if certs.len() != keys.len() {
        return Err(Usage(format!("each {cert_flag} needs its {key_flag}")));
    }
    for (cert, key) in certs.iter().zip(keys) {
        let cert = certs_from(cert)?
            .into_iter()
            .next()
            .ok_or_else(|| Usage(format!("{cert}: no certificate")))?;
        let key =
            SoftwareKey::from_bytes(&read_file(key)?).map_err(|e| Usage(format!("{key}: {e}")))?;
        out.push(Identity::new(Arc::new(key), cert).map_err(|e| Usage(e.to_string()))?);
    }
    Ok(out)
}

/// An identity given on the command line, ready to sign, with `extra` chain certificates; a
/// certificate that may not sign e-mail now is refused with the reason.
pub fn signer_from(id: Identity, extra: &[Certificate]) -> Result<Identity, Usage> {
    id.check_can_sign(std::time::SystemTime::now())
        .map_err(|e| Usage(format!("{}: {e}", id.certificate().describe())))?;
    let mut chain = id.chain().to_vec();
    chain.extend(extra.iter().cloned());
    Ok(id.with_chain(chain))
}

/// The keyring's signer: the identity named by a fingerprint prefix (`--identity`), else the
/// best one for `address`; with `extra` certificates added to its chain.
pub fn keyring_signer(
    ring: &smime::keyring::Keyring,
    address: Option<&str>,
    identity: Option<&str>,
    extra: &[Certificate],
) -> Result<Identity, Usage> {
    let signer = match (identity, address) {
        (Some(prefix), _) => {
            let fp = crate::keyring::resolve(ring, prefix)?;
            let id = ring.identity(&fp).ok_or_else(|| {
                Usage(format!(
                    "{fp} is not one of your identities: only an identity has a key to sign with"
                ))
            })?;
            if let Some(address) = address
                && !id
                    .certificate()
                    .addresses()
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(address))
            {
                return Err(Usage(format!(
                    "identity {} is not for {address} (its addresses: {})",
                    crate::keyring::short(&fp),
                    id.certificate().addresses().join(", ")
                )));
            }
            if id.key().is_none() {
                return Err(Usage(format!(
                    "identity {}: its private key is not available",
                    crate::keyring::short(&fp)
                )));
            }
            id.check_can_sign(std::time::SystemTime::now())
                .map_err(|e| Usage(format!("identity {}: {e}", crate::keyring::short(&fp))))?;
            id.clone()
        }
        (None, Some(address)) => ring
            .signer_for(address, &Policy::default())
            .map_err(|e| Usage(e.to_string()))?,
        (None, None) => {
            return Err(Usage(
                "give --from ADDR or --identity FP to choose the signing identity".into(),
            ));
        }
    };
    let fp = signer.certificate().fingerprint();
    errln!(
        "signing as {} ({}) from the keyring",
        signer.certificate().subject(),
        crate::keyring::short(&fp)
    );
    if extra.is_empty() {
        return Ok(signer);
    }
    let mut chain = signer.chain().to_vec();
    chain.extend(extra.iter().cloned());
    Ok(signer.with_chain(chain))
}

/// A short description of a certificate: its subject and fingerprint prefix.
pub fn cert_label(cert: &Certificate) -> String {
    format!(
        "{}, {}",
        cert.subject(),
        crate::keyring::short(&cert.fingerprint())
    )
}

/// Certificates from every file of a list.
pub fn all_certs(files: &[String]) -> Result<Vec<Certificate>, Usage> {
    let mut out = Vec::new();
    for f in files {
        out.extend(certs_from(f)?);
    }
    Ok(out)
}
