//! `smime verify`.

use super::{KeyringOpts, Revocation, all_certs};
use crate::out::Stream;
use crate::streams::InnerLayer;
use crate::{Usage, crls_from, keyring, policy_from, report};
use clap::Args;
use smime::verify::{AddressPolicy, Verifier, VerifyOptions};

/// Options of `smime verify`.
#[derive(Args, Debug)]
#[command(after_help = "\
The report goes to standard output (standard error with --content-out -). IN is a message (MIME), a CMS structure (a saved smime.p7m: DER, BER or PEM), or with --content FILE a detached signature (.p7s) over that file. The exit code is 0 \
only when the content the user sees is signed, the signature valid and trusted; the content \
is written (--content-out) only then. With a keyring, its trust anchors, intermediates and \
CRLs are used too, and signer certificates the message does not carry are found in it; \
--learn stores the certificates and capabilities of a trusted signer in the keyring.")]
pub struct VerifyArgs {
    /// A trust anchor (CA certificate, PEM or DER; repeatable)
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<String>,
    /// Extra certificates: a signer certificate the message lacks, intermediates (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cert: Vec<String>,
    /// CRLs (PEM or DER; repeatable)
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<String>,
    /// The sender's address, instead of the message's From header
    #[arg(long, value_name = "ADDR", conflicts_with = "no_address_check")]
    pub from: Option<String>,
    /// Do not check the sender's address against the certificate (reported as skipped)
    #[arg(long)]
    pub no_address_check: bool,
    /// How revocation is checked
    #[arg(long, value_enum, default_value_t = Revocation::Soft)]
    pub revocation: Revocation,
    /// Write the signed content to FILE (`-`: standard output, the report then goes to
    /// standard error); only when the message is trusted
    #[arg(long, value_name = "FILE")]
    pub content_out: Option<String>,
    /// The signed content of a detached signature: IN is then the signature (a .p7s, DER,
    /// BER or PEM)
    #[arg(long, value_name = "FILE")]
    pub content: Option<String>,
    /// The report as JSON (errors too)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub keyring: KeyringOpts,
    /// Store the certificates and capabilities of a trusted signer in the keyring
    #[arg(long)]
    pub learn: bool,
    /// The message (default: standard input)
    #[arg(value_name = "IN")]
    pub input: Option<String>,
}

/// Runs `smime verify`.
pub fn run(a: &VerifyArgs) -> Result<u8, Usage> {
    let policy = policy_from(a.revocation, a.no_address_check);
    let address = match &a.from {
        Some(addr) => AddressPolicy::Expect(addr.clone()),
        None => AddressPolicy::FromHeader,
    };
    let mut kf = keyring::open(&a.keyring)?;
    if a.learn && kf.is_none() {
        return Err(Usage(
            "--learn stores what a message teaches in a keyring: it needs --keyring FILE \
             --keyring-key-file FILE"
                .into(),
        ));
    }
    let mut options = match &kf {
        Some(k) => k.ring.verify_options(address, &policy),
        None => VerifyOptions {
            address,
            policy: policy.clone(),
            ..VerifyOptions::default()
        },
    };
    options.trust_anchors.extend(all_certs(&a.trust)?);
    options.certificates.extend(all_certs(&a.cert)?);
    for c in &a.crl {
        options.crls.extend(crls_from(c)?);
    }
    let input = crate::streams::open_input(a.input.as_deref())?;
    let name = input.name.clone();
    let mut message = input.seekable()?;
    let max = options.policy.limits.mime.max_size;
    let read_all = |file: &mut std::fs::File| crate::streams::read_whole(file, max, &name);
    // The content of the report, in a temporary file when it was streamed.
    let mut content_file = None;
    let report = match (&a.content, &kf) {
        (Some(content), _) => {
            if a.learn {
                return Err(Usage(
                    "--learn reads a whole message: it does not go with --content".into(),
                ));
            }
            let content = crate::read_file(content)?;
            // The keyring's contacts may be the signer when the signature carries no
            // certificate.
            if let Some(k) = &kf {
                options
                    .certificates
                    .extend(k.ring.contacts().map(|c| c.certificate().clone()));
            }
            smime::verify::verify_detached(&content, &read_all(&mut message)?, &options)?
        }
        (None, kf) => {
            if let Some(k) = kf {
                options
                    .certificates
                    .extend(k.ring.contacts().map(|c| c.certificate().clone()));
            }
            match streamed(&mut message, &options)? {
                Some((report, file)) => {
                    content_file = Some(file);
                    report
                }
                // Nested layers, or a shape the streaming reader does not take: the whole
                // message is verified in memory, every layer.
                None => {
                    let bytes = read_all(&mut message)?;
                    match kf {
                        Some(k) => k.ring.verify(&bytes, &options)?,
                        None => smime::verify::verify(&bytes, &options)?,
                    }
                }
            }
        }
    };
    let content_to_stdout = a.content_out.as_deref() == Some("-");
    let report_stream = if content_to_stdout {
        Stream::Err
    } else {
        Stream::Out
    };
    let trusted = report.is_trusted();
    if a.json {
        crate::out::text(report_stream, &format!("{}\n", report::to_json(&report)));
    } else {
        crate::out::text(report_stream, &report::to_text(&report));
    }
    if let Some(path) = &a.content_out {
        if trusted {
            let mut output = crate::streams::create_output(Some(path), true)?;
            let written = match &mut content_file {
                Some(file) => std::io::Seek::rewind(file)
                    .and_then(|_| std::io::copy(file, &mut output).map(|_| ())),
                None => std::io::Write::write_all(&mut output, &report.content),
            };
            written.map_err(|e| Usage(format!("cannot write {}: {e}", output.name)))?;
            output.commit()?;
        } else {
            crate::errln!(
                "smime: the content was not written to {}: the message is not trusted",
                if content_to_stdout {
                    "standard output"
                } else {
                    path
                }
            );
        }
    }
    if a.learn
        && let Some(k) = &mut kf
    {
        let lines = if trusted {
            let harvest = k.ring.harvest(&report, std::time::SystemTime::now());
            k.save()?;
            keyring::harvest_lines(&k.ring, &harvest)
        } else {
            vec![format!(
                "learned nothing: the message is not trusted ({})",
                report.verdict()
            )]
        };
        let stream = if a.json { Stream::Err } else { report_stream };
        for line in lines {
            crate::out::text(stream, &format!("{line}\n"));
        }
    }
    Ok(if trusted { 0 } else { 1 })
}

/// Verifies the outermost signed layer streaming, its content into a temporary file. `None`
/// when the message is not one the streaming reader takes, or when the content holds a
/// further layer (nested messages are verified whole, in memory, by the caller).
fn streamed(
    message: &mut std::fs::File,
    options: &VerifyOptions,
) -> Result<Option<(smime::VerifyReport, std::fs::File)>, Usage> {
    let verifier = Verifier::new(options);
    let spool = crate::streams::spool()?;
    let Ok((report, mut content)) = verifier.verify(std::io::BufReader::new(&mut *message), spool)
    else {
        return Ok(None);
    };
    if report.kind == smime::verify::SignatureKind::None || report.encrypted {
        return Ok(None);
    }
    let head = crate::streams::peek(&mut content)?;
    match crate::streams::inner_layer(&head) {
        InnerLayer::None => {}
        InnerLayer::Multipart
            if content.metadata().map(|m| m.len()).unwrap_or(u64::MAX)
                > crate::streams::SEARCHED_IN_MEMORY =>
        {
            crate::errln!(
                "note: the signed content is a multipart too large to be searched for further \
                 signed parts"
            );
        }
        InnerLayer::Multipart | InnerLayer::Signed | InnerLayer::Other => return Ok(None),
    }
    std::io::Seek::rewind(message).map_err(|e| Usage(format!("cannot read the message: {e}")))?;
    Ok(Some((report, content)))
}
