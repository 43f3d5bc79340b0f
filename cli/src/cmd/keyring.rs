//! `smime keyring new|import|trust|list|export|remove|check`.

use super::{KeyringOpts, Pkcs12Opts, Revocation};
use crate::Usage;
use crate::keyring as ops;
use clap::{ArgMatches, Args, Subcommand};

/// Options of `smime keyring`.
#[derive(Args, Debug)]
#[command(after_help = ops::USAGE)]
pub struct KeyringArgs {
    #[command(subcommand)]
    pub command: KeyringCommand,
}

/// The keyring commands.
#[derive(Subcommand, Debug)]
pub enum KeyringCommand {
    /// Create an empty keyring (and a new sealing key when the key file does not exist)
    New(NewArgs),
    /// Import identities, certificates, directory entries, certs-only messages and CRLs
    Import(ImportArgs),
    /// Make the certificates of each file trust anchors
    Trust(TrustArgs),
    /// Show identities, contacts, trust anchors, intermediates and CRLs
    List(ListArgs),
    /// Export an identity as PKCS#12, certificates to publish, or one certificate as PEM
    Export(ExportArgs),
    /// Remove certificates by fingerprint prefix
    Remove(RemoveArgs),
    /// Say for each address whether mail can be encrypted to it (exit 1 unless all are ready)
    Check(CheckArgs),
}

/// Options of `smime keyring new`.
#[derive(Args, Debug)]
pub struct NewArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
}

/// Options of `smime keyring import`. Items are imported in the order given; --password
/// and --label belong to the --p12 or --key before them; a --key takes the --cert right
/// after it (or right before it).
#[derive(Args, Debug)]
#[command(after_help = "\
Items are imported in the order given. A password (--password, --password-file, \
--password-env) and --label belong to the --p12 or --key just before them; a --p12 without \
one is asked for on a terminal. A --key takes the --cert right after it, or right before it. \
A --cert alone adds other people's certificates and CA certificates (as intermediates: \
importing never grants trust).")]
pub struct ImportArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// A PKCS#12 file: an identity (key, certificate, chain) (repeatable)
    #[arg(long, value_name = "FILE")]
    pub p12: Vec<String>,
    #[command(flatten)]
    pub password: crate::secret::PasswordArgs,
    #[command(flatten)]
    pub pkcs12: Pkcs12Opts,
    /// A label for the identity before it
    #[arg(long, value_name = "TEXT")]
    pub label: Vec<String>,
    /// A private key (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1; PEM or DER), with its --cert
    #[arg(long, value_name = "FILE")]
    pub key: Vec<String>,
    /// Certificates (PEM or DER, bundles too): a --key's certificate, or contacts and CAs
    #[arg(long, value_name = "FILE")]
    pub cert: Vec<String>,
    /// A directory entry (LDAP userSMIMECertificate or userCertificate value, or LDIF)
    #[arg(long, value_name = "FILE")]
    pub directory: Vec<String>,
    /// An S/MIME certs-only message or CMS structure
    #[arg(long, value_name = "FILE")]
    pub certs_only: Vec<String>,
    /// CRLs (PEM or DER)
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<String>,
}

/// Options of `smime keyring trust`.
#[derive(Args, Debug)]
pub struct TrustArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// Certificate files (PEM or DER, bundles too)
    #[arg(value_name = "CERTFILE")]
    pub files: Vec<String>,
}

/// Options of `smime keyring list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// As JSON (errors too)
    #[arg(long)]
    pub json: bool,
}

/// Options of `smime keyring export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// Export this identity (fingerprint prefix) as PKCS#12 to --p12 OUT, with a password
    #[arg(long, value_name = "FP")]
    pub identity: Option<String>,
    /// The PKCS#12 file to write, with --identity
    #[arg(long, value_name = "OUT")]
    pub p12: Option<String>,
    #[command(flatten)]
    pub password: crate::secret::PasswordArgs,
    /// Write the certificates to publish for ADDR as a certs-only S/MIME message
    #[arg(long, value_name = "ADDR")]
    pub certs_only: Option<String>,
    /// Write one certificate (fingerprint prefix) as PEM
    #[arg(long, value_name = "FP")]
    pub cert: Option<String>,
    /// Where to write (default: standard output)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<String>,
}

/// Options of `smime keyring remove`.
#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// Fingerprints or prefixes of at least 8 hexadecimal digits
    #[arg(value_name = "FP")]
    pub fingerprints: Vec<String>,
}

/// Options of `smime keyring check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// How revocation is checked
    #[arg(long, value_enum, default_value_t = Revocation::Soft)]
    pub revocation: Revocation,
    /// Addresses to check
    #[arg(value_name = "ADDR")]
    pub addresses: Vec<String>,
}

/// Runs `smime keyring ...`; `m` holds the matches of `keyring`.
pub fn run(a: &KeyringArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let sub = m
        .subcommand()
        .map(|(_, s)| s)
        .ok_or_else(|| Usage("keyring needs a command".into()))?;
    match &a.command {
        KeyringCommand::New(x) => ops::cmd_new(x),
        KeyringCommand::Import(x) => ops::cmd_import(x, sub),
        KeyringCommand::Trust(x) => ops::cmd_trust(x),
        KeyringCommand::List(x) => ops::cmd_list(x),
        KeyringCommand::Export(x) => ops::cmd_export(x, sub),
        KeyringCommand::Remove(x) => ops::cmd_remove(x),
        KeyringCommand::Check(x) => ops::cmd_check(x),
    }
}
