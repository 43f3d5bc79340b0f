//! `smime decrypt`.

use super::{
    IdentitySources, KeyringOpts, Pkcs12Opts, Revocation, all_certs, cert_label, load_identities,
};
use crate::streams::{InnerLayer, SEARCHED_IN_MEMORY, inner_layer};
use crate::{Usage, err, errln, keyring, out::Progress, policy_from, report};
use clap::{ArgMatches, Args};
use smime::Identity;
use smime::decrypt::{Decryptor, Layer, Opened, open_with};
use smime::verify::{AddressPolicy, Verdict, Verifier, VerifyOptions};

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
    let mut input = crate::streams::open_input(a.input.as_deref())?;
    let top_from = smime::verify::from_fields(&input.head()?);
    let size = input.len.unwrap_or(0) as usize;
    let mut ciphertext = input.seekable()?;
    // A keyring's contacts may be an inner signer that sends no certificate.
    if let Some(k) = &kf {
        options
            .certificates
            .extend(k.ring.contacts().map(|c| c.certificate().clone()));
    }
    let opened = {
        let _progress = Progress::for_size("decrypting", size);
        match streamed(&mut ciphertext, &keys, &options, &top_from)? {
            Streamed::Opened(opened, file) => Ok((opened, Some(file))),
            Streamed::Failed(e) => Err(e),
            // Encrypted inside a signed layer, inside a multipart or several times over:
            // the whole message is opened in memory.
            Streamed::Fallback => {
                let message = crate::streams::read_whole(
                    &mut ciphertext,
                    options.policy.limits.mime.max_size,
                    input_name(a),
                )?;
                match &kf {
                    Some(k) => open_with(&message, &keys, &options, &k.ring),
                    None => smime::decrypt::open(&message, &keys, &options),
                }
                .map(|o| (o, None))
            }
        }
    };
    let (opened, content) = match opened {
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
    let mut output = crate::streams::create_output(a.output.as_deref(), true)?;
    let written = match content {
        Some(mut file) => std::io::Seek::rewind(&mut file)
            .and_then(|_| std::io::copy(&mut file, &mut output).map(|_| ())),
        None => std::io::Write::write_all(&mut output, &opened.content),
    };
    written.map_err(|e| Usage(format!("cannot write {}: {e}", output.name)))?;
    output.commit()?;
    Ok(0)
}

fn input_name(a: &DecryptArgs) -> &str {
    match a.input.as_deref() {
        None | Some("-") => "standard input",
        Some(p) => p,
    }
}

/// Decrypts and verifies a message whose outermost layer is the encryption, streaming: the
/// decrypted entity goes to a temporary file, each signed layer inside it is verified from
/// one temporary file into the next. The result's content is empty: it is in the returned
/// file. `None` when the message has another shape (a signature around the encryption, an
/// encrypted part of a multipart, an encryption inside a signature), which the caller opens
/// in memory.
fn streamed(
    ciphertext: &mut std::fs::File,
    keys: &[Identity],
    options: &VerifyOptions,
    top_from: &smime::verify::FromFields,
) -> Result<Streamed, Usage> {
    let decryptor = Decryptor::new(keys, &options.policy)?;
    let plain = crate::streams::spool()?;
    let (info, mut current) = match decryptor.decrypt(&mut *ciphertext, plain) {
        Ok(done) => done,
        Err(smime::DecryptError::NotEncrypted) => return Ok(Streamed::Fallback),
        Err(e) => return Ok(Streamed::Failed(e)),
    };
    let mut layers = vec![Layer::Encrypted {
        key_index: info.key_index,
        cipher: info.cipher,
        integrity_protected: info.integrity_protected,
    }];
    let mut inner_options = options.clone();
    if options.address == AddressPolicy::FromHeader {
        inner_options.address = AddressPolicy::Outer(top_from.clone());
    }
    let verifier = Verifier::new(&inner_options);
    for _ in 1..options.policy.limits.max_layers {
        let head = crate::streams::peek(&mut current)?;
        match inner_layer(&head) {
            InnerLayer::None => {
                return Ok(Streamed::Opened(
                    Opened {
                        layers,
                        content: Vec::new(),
                        partial: None,
                    },
                    current,
                ));
            }
            InnerLayer::Other => return Ok(Streamed::Fallback),
            InnerLayer::Multipart => {
                let len = current.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
                if len <= SEARCHED_IN_MEMORY {
                    return Ok(Streamed::Fallback);
                }
                errln!(
                    "note: the decrypted content ({len} bytes) is a multipart too large to be \
                     searched for signed parts: it is reported as not signed"
                );
                return Ok(Streamed::Opened(
                    Opened {
                        layers,
                        content: Vec::new(),
                        partial: None,
                    },
                    current,
                ));
            }
            InnerLayer::Signed => {}
        }
        let next = crate::streams::spool()?;
        let (report, next) = match verifier.verify(std::io::BufReader::new(&mut current), next) {
            Ok(done) => done,
            // A shape the streaming reader does not take: the caller opens it whole.
            Err(_) => return Ok(Streamed::Fallback),
        };
        layers.push(Layer::Signed(Box::new(report)));
        current = next;
    }
    Ok(Streamed::Fallback)
}

/// The outcome of a streamed decryption.
enum Streamed {
    /// Opened: the layers, and the content in a temporary file.
    Opened(Opened, std::fs::File),
    /// The decryption failed.
    Failed(smime::DecryptError),
    /// The message has a shape opened in memory instead.
    Fallback,
}
