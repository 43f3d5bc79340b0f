//! `smime decrypt`.

use super::{
    IdentitySources, KeyringOpts, Pkcs12Opts, Revocation, all_certs, cert_label, load_identities,
};
use crate::{Usage, err, errln, keyring, out::Progress, policy_from, read_input, report};
use clap::{ArgMatches, Args};
use smime::Identity;
use smime::decrypt::{Layer, open_with};
use smime::verify::{AddressPolicy, Verdict, VerifyOptions};

/// Options of `smime decrypt`.
#[derive(Args, Debug)]
#[command(after_help = "\
Every layer of the message is reported on standard error, outermost first. The decrypted \
content is written (to -o OUT or standard output) only when it opened and is either unsigned \
or trustworthily signed (exit code 0); otherwise nothing is written and the exit code is 1. \
With a keyring, every key it ever held is tried (renewed certificates included) and an inner \
signature is verified against it.")]
pub struct DecryptArgs {
    /// A PKCS#12 file with a decryption key and its certificate (repeatable)
    #[arg(long, value_name = "FILE")]
    pub p12: Vec<String>,
    #[command(flatten)]
    pub password: crate::secret::PasswordArgs,
    #[command(flatten)]
    pub pkcs12: Pkcs12Opts,
    /// A recipient certificate, with --key (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cert: Vec<String>,
    /// The private key of --cert
    #[arg(long, value_name = "FILE")]
    pub key: Vec<String>,
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// A trust anchor for an inner signature (repeatable)
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<String>,
    /// Do not check an inner signer's address against the From header
    #[arg(long)]
    pub no_address_check: bool,
    /// How revocation of an inner signer is checked
    #[arg(long, value_enum, default_value_t = Revocation::Soft)]
    pub revocation: Revocation,
    /// Where to write the decrypted content (default: standard output)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<String>,
    /// The encrypted message (default: standard input)
    #[arg(value_name = "IN")]
    pub input: Option<String>,
}

/// Runs `smime decrypt`.
pub fn run(a: &DecryptArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let policy = policy_from(a.revocation, a.no_address_check);
    let mut keys: Vec<Identity> = load_identities(
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
    )?;
    let kf = keyring::open(&a.keyring)?;
    let address = AddressPolicy::FromHeader;
    let mut options = match &kf {
        Some(k) => {
            keys.extend(k.ring.decryption_keys());
            k.ring.verify_options(address, &policy)
        }
        None => VerifyOptions {
            address,
            policy: policy.clone(),
            ..VerifyOptions::default()
        },
    };
    if keys.is_empty() {
        return Err(Usage(match kf {
            Some(_) => {
                "the keyring holds no private key, and no --p12 or --cert/--key was given".into()
            }
            None => "decrypt needs --p12 FILE (with its password), --cert FILE --key FILE, or \
                     --keyring FILE --keyring-key-file FILE"
                .into(),
        }));
    }
    options.trust_anchors.extend(all_certs(&a.trust)?);
    let input = read_input(a.input.as_deref())?;
    let opened = {
        let _progress = Progress::for_size("decrypting", input.len());
        match &kf {
            Some(k) => open_with(&input, &keys, &options, &k.ring),
            None => smime::decrypt::open(&input, &keys, &options),
        }
    };
    let opened = match opened {
        Ok(o) => o,
        Err(smime::DecryptError::CannotDecrypt) => {
            errln!("smime: {}", smime::DecryptError::CannotDecrypt);
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    let n = opened.layers.len();
    for (i, layer) in opened.layers.iter().enumerate() {
        err!("layer {} of {n}: ", i + 1);
        match layer {
            Layer::Encrypted {
                key_index,
                cipher,
                integrity_protected,
            } => errln!(
                "encrypted with {} ({}), opened with key {} of {} ({})",
                cipher.name(),
                if *integrity_protected {
                    "integrity-protected"
                } else {
                    "NOT integrity-protected"
                },
                key_index + 1,
                keys.len(),
                keys.get(*key_index)
                    .map(|k| cert_label(k.certificate()))
                    .unwrap_or_default()
            ),
            Layer::Signed(report) => {
                errln!("signed");
                errln!("verdict: {}", report.layer_verdict());
                err!("{}", report::layer_text(report));
            }
            _ => errln!("(a layer of a kind this version does not describe)"),
        }
    }
    if !opened
        .layers
        .iter()
        .any(|l| matches!(l, Layer::Encrypted { .. }))
    {
        return Err(Usage("the input is not encrypted".into()));
    }
    // The exit code follows the signatures that cover the decrypted content; a signature
    // over the ciphertext only is reported above but does not count.
    let verdict = opened.verdict();
    errln!("content: {verdict}");
    let ok = matches!(verdict, Verdict::Trusted | Verdict::NotSigned);
    if !ok {
        errln!(
            "smime: the content was not written to {}: its signature is not trusted",
            match a.output.as_deref() {
                None | Some("-") => "standard output",
                Some(p) => p,
            }
        );
        return Ok(1);
    }
    crate::write_output(a.output.as_deref(), &opened.content)?;
    Ok(0)
}
