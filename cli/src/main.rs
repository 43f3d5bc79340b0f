//! `smime`: sign, verify and inspect S/MIME messages from the command line.
//!
//! Exit codes: 0 success (verify: the signature on the content the user sees is valid and
//! trusted; decrypt: decrypted, and that content is either unsigned or trustworthily signed),
//! 1 verification or decryption failed (the report is printed), 2 bad usage or unreadable
//! input. Every signed layer of a nested message is printed; the exit code follows the
//! innermost signed layer, which vouches for the content (a broken outer layer around a good
//! one is reported but does not fail; a signature over ciphertext only never counts).

mod demo;
mod keyring;
mod pki;
mod report;

use smime::crypto::DigestAlgorithm;
use smime::crypto::keys::{SoftwareKey, read_certificates};
use smime::policy::{Policy, RevocationMode};
use smime::sign::{SignOptions, Signer};
use smime::verify::{AddressPolicy, VerifyOptions};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "\
usage:
  smime sign    (--p12 FILE --password PASS | --cert FILE --key FILE)... [--chain FILE]...
                [--opaque] [--digest sha256|sha384|sha512] [--pss] [IN] [-o OUT]
  smime sign    --keyring FILE --keyring-key-file FILE [--from ADDR] [--chain FILE]...
                [--opaque] [--digest sha256|sha384|sha512] [--pss] [IN] [-o OUT]
  smime verify  [--trust FILE]... [--cert FILE]... [--crl FILE]...
                [--keyring FILE --keyring-key-file FILE [--learn]]
                [--from ADDR | --no-address-check] [--revocation off|soft|hard]
                [--content-out FILE] [--json] [IN]
  smime encrypt (--to CERTFILE | --to-address ADDR)...
                [--cipher aes256-gcm|aes128-gcm|aes256-cbc|aes128-cbc] [--oaep]
                [--keyring FILE --keyring-key-file FILE [--from ADDR] [--sign]]
                [--self CERTFILE | --no-self]
                [--sign-p12 FILE --password PASS | --sign-cert FILE --sign-key FILE]
                [--chain FILE]... [--crl FILE]... [--ca FILE]... [--revocation off|soft|hard]
                [IN] [-o OUT]
  smime decrypt (--p12 FILE --password PASS | --cert FILE --key FILE)...
                [--keyring FILE --keyring-key-file FILE] [--trust FILE]...
                [--no-address-check] [--revocation off|soft|hard] [IN] [-o OUT]
  smime keyring new|import|trust|list|export|remove|check ...   (smime keyring --help)
  smime inspect [IN]
  smime demo

IN defaults to standard input, OUT to standard output. Certificates and keys may be PEM or DER;
a certificate file may hold several certificates.

--revocation: off (not checked), soft (the default: a certificate no usable CRL covers is
reported, a revoked one fails), hard (every certificate of the chain needs a usable CRL).
encrypt --crl FILE refuses a recipient a CRL revokes; --ca FILE gives the CA certificates
whose keys check those CRLs.

--keyring FILE --keyring-key-file FILE (always together) use a keyring made with
`smime keyring new`:
  sign     without --p12/--cert/--key, signs with the keyring's identity for the message's
           From address (or --from ADDR).
  verify   also trusts the keyring's trust anchors and uses its intermediates and CRLs;
           finds signer certificates the message does not carry in the keyring. --learn
           stores the certificates and capabilities of a trusted signer in the keyring.
  encrypt  --to-address ADDR takes the recipient's certificate from the keyring; when an
           address has none usable, nothing is written and every such address is named
           with the reason. The sender's own certificate for the From address (or --from)
           is added so the sent copy stays readable (--no-self to skip). Without --cipher,
           the cipher is chosen from what the recipients advertised. --sign signs with
           the keyring's identity for the From address.
  decrypt  tries every key the keyring ever held (renewed certificates included) and
           verifies an inner signature against the keyring.

verify and decrypt print every layer of a nested message, outermost first. The verdict and
the exit code follow the innermost signed layer, whose content is what is shown: a broken
outer signature around a good inner one is reported but does not fail; a signature outside
the encryption covers only the ciphertext and never makes the content read as signed.
exit codes: 0 success, 1 verification or decryption failed, 2 bad usage or unreadable input";

/// A failure that ends the command with exit code 2.
struct Usage(String);

/// What [`Args::parse`] returns for `-h` or `--help`: the usage text is printed, exit code 0.
const HELP: &str = "\0help";

impl<E: std::error::Error> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(smime::error::display_chain(&e))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sign") => cmd_sign(&args[1..]),
        Some("verify") => cmd_verify(&args[1..]),
        Some("inspect") => cmd_inspect(&args[1..]),
        Some("encrypt") => cmd_encrypt(&args[1..]),
        Some("decrypt") => cmd_decrypt(&args[1..]),
        Some("keyring") => keyring::run(&args[1..]),
        Some("demo") => demo::run(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(0)
        }
        Some(other) => Err(Usage(format!("unknown command '{other}'"))),
        None => Err(Usage("no command given".into())),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Usage(msg)) if msg == HELP => {
            if args.first().map(String::as_str) == Some("keyring") {
                println!("{}", keyring::USAGE);
            } else {
                println!("{USAGE}");
            }
            ExitCode::SUCCESS
        }
        Err(Usage(msg)) => {
            eprintln!("smime: {msg}");
            if msg.starts_with("unknown") || msg.starts_with("no command") {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

/// Parsed command-line options: flags with values, switches, and positionals.
struct Args {
    pairs: Vec<(String, String)>,
    switches: Vec<String>,
    positional: Vec<String>,
}

impl Args {
    /// Options and at most one positional argument (the input file).
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Self, Usage> {
        let out = Self::parse_many(args, with_value, switches)?;
        if out.positional.len() > 1 {
            return Err(Usage(format!(
                "only one input file may be given, not {}",
                out.positional.len()
            )));
        }
        Ok(out)
    }

    /// Options and any number of positional arguments.
    fn parse_many(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Self, Usage> {
        let mut out = Args {
            pairs: Vec::new(),
            switches: Vec::new(),
            positional: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if with_value.contains(&a.as_str()) {
                let v = it
                    .next()
                    .ok_or_else(|| Usage(format!("{a} needs a value")))?;
                out.pairs.push((a.clone(), v.clone()));
            } else if switches.contains(&a.as_str()) {
                out.switches.push(a.clone());
            } else if a == "-h" || a == "--help" {
                return Err(Usage(HELP.into()));
            } else if a.starts_with('-') && a != "-" {
                return Err(Usage(format!("unknown option '{a}'")));
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    fn all(&self, flag: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == flag)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn one(&self, flag: &str) -> Result<Option<&str>, Usage> {
        match self.all(flag).as_slice() {
            [] => Ok(None),
            [v] => Ok(Some(v)),
            _ => Err(Usage(format!("{flag} may be given only once"))),
        }
    }

    fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    fn input(&self) -> Result<Vec<u8>, Usage> {
        match self.positional.first().map(String::as_str) {
            None | Some("-") => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
                Ok(buf)
            }
            Some(path) => read_file(path),
        }
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| Usage(format!("cannot read {path}: {e}")))
}

fn write_output(path: Option<&str>, data: &[u8]) -> Result<(), Usage> {
    match path {
        None | Some("-") => {
            let mut out = std::io::stdout().lock();
            out.write_all(data)
                .and_then(|_| out.flush())
                .map_err(|e| Usage(format!("cannot write output: {e}")))
        }
        Some(p) => std::fs::write(p, data).map_err(|e| Usage(format!("cannot write {p}: {e}"))),
    }
}

fn certs_from(path: &str) -> Result<Vec<Vec<u8>>, Usage> {
    read_certificates(&read_file(path)?).map_err(|e| Usage(format!("{path}: {e}")))
}

/// The address mail is sent from: `--from ADDR`, else the message's From header.
fn sender_address(a: &Args, input: &[u8], what: &str) -> Result<String, Usage> {
    if let Some(addr) = a.one("--from")? {
        return Ok(addr.to_string());
    }
    let parsed = smime::mime::parse(input, &smime::mime::Limits::default())
        .map_err(|e| Usage(format!("cannot read the message's From address: {e}")))?;
    match parsed.from.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Usage(format!(
            "the message has no From address: give --from ADDR to {what}"
        ))),
        many => Err(Usage(format!(
            "the message has several From addresses ({}): give --from ADDR to {what}",
            many.join(", ")
        ))),
    }
}

/// The policy of a command: `--revocation off|soft|hard` (default soft) and
/// `--no-address-check` (a weakening setting the report names).
pub(crate) fn policy_from(a: &Args) -> Result<Policy, Usage> {
    let mut policy = Policy::default();
    policy.revocation = match a.one("--revocation")? {
        None | Some("soft") => RevocationMode::SoftFail,
        Some("off") => RevocationMode::Off,
        Some("hard") => RevocationMode::HardFail,
        Some(other) => {
            return Err(Usage(format!(
                "--revocation takes off, soft or hard, not {other:?}"
            )));
        }
    };
    if a.has("--no-address-check") {
        policy.danger().skip_address_check(true);
    }
    Ok(policy)
}

/// The keyring's signer for `address`, with `extra` certificates added to its chain.
fn keyring_signer(
    ring: &smime::keyring::Keyring,
    address: &str,
    extra: &[Vec<u8>],
) -> Result<Signer, Usage> {
    let signer = ring
        .signer_for(address, &Policy::default())
        .map_err(|e| Usage(e.to_string()))?;
    let fp = smime::keyring::Fingerprint::of(signer.certificate());
    if let Some(id) = ring.identity(&fp) {
        eprintln!(
            "signing as {} ({}) from the keyring",
            id.info().subject(),
            keyring::short(&fp)
        );
        if !extra.is_empty() {
            let mut chain = id.chain().to_vec();
            chain.extend(extra.iter().cloned());
            return Ok(signer.with_chain(chain));
        }
    }
    Ok(signer)
}

fn cmd_sign(argv: &[String]) -> Result<u8, Usage> {
    let a = Args::parse(
        argv,
        &[
            "--p12",
            "--password",
            "--cert",
            "--key",
            "--chain",
            "--digest",
            "--from",
            "--keyring",
            "--keyring-key-file",
            "-o",
        ],
        &["--opaque", "--pss"],
    )?;
    let mut chain = Vec::new();
    for c in a.all("--chain") {
        chain.extend(certs_from(c)?);
    }
    let kf = keyring::open(&a)?;
    let mut signers = Vec::new();
    for id in load_identities(&a, "--p12", "--cert", "--key")? {
        let mut full = id.chain;
        full.extend(chain.iter().cloned());
        // The same rule as the keyring's choice of a signing identity: a certificate that may
        // not sign e-mail now is refused with the reason, before anything is signed.
        signers.push(
            Signer::new_checked(id.key, id.cert, std::time::SystemTime::now())
                .map_err(|e| Usage(smime::error::display_chain(&e)))?
                .with_chain(full),
        );
    }
    let digest = match a.one("--digest")? {
        None | Some("sha256") => DigestAlgorithm::Sha256,
        Some("sha384") => DigestAlgorithm::Sha384,
        Some("sha512") => DigestAlgorithm::Sha512,
        Some(other) => return Err(Usage(format!("unknown digest '{other}'"))),
    };
    let input = a.input()?;
    if signers.is_empty() {
        let Some(kf) = &kf else {
            return Err(Usage(
                "sign needs --p12 FILE --password PASS, --cert FILE --key FILE, or \
                 --keyring FILE --keyring-key-file FILE"
                    .into(),
            ));
        };
        let from = sender_address(&a, &input, "choose the signing identity")?;
        signers.push(keyring_signer(&kf.ring, &from, &chain)?);
    } else if a.one("--from")?.is_some() {
        return Err(Usage(
            "--from chooses the keyring's signing identity: it does not go with --p12/--cert/--key"
                .into(),
        ));
    }
    let options = SignOptions {
        digest,
        opaque: a.has("--opaque"),
        pss: a.has("--pss"),
        ..SignOptions::default()
    };
    let signed = smime::sign::sign(&input, &signers, &options)?;
    write_output(a.one("-o")?, &signed)?;
    Ok(0)
}

fn cmd_verify(argv: &[String]) -> Result<u8, Usage> {
    let a = Args::parse(
        argv,
        &[
            "--trust",
            "--cert",
            "--crl",
            "--from",
            "--content-out",
            "--keyring",
            "--keyring-key-file",
            "--revocation",
        ],
        &["--no-address-check", "--json", "--learn"],
    )?;
    let policy = policy_from(&a)?;
    let address = match (a.one("--from")?, a.has("--no-address-check")) {
        (Some(_), true) => {
            return Err(Usage(
                "--from and --no-address-check exclude each other".into(),
            ));
        }
        (Some(addr), false) => AddressPolicy::Expect(addr.to_string()),
        (None, _) => AddressPolicy::FromHeader,
    };
    let mut kf = keyring::open(&a)?;
    if a.has("--learn") && kf.is_none() {
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
    for t in a.all("--trust") {
        options.trust_anchors.extend(certs_from(t)?);
    }
    for c in a.all("--cert") {
        options.certificates.extend(certs_from(c)?);
    }
    for c in a.all("--crl") {
        options.crls.extend(
            smime::crypto::keys::read_crls(&read_file(c)?)
                .map_err(|e| Usage(format!("{c}: {e}")))?,
        );
    }
    let input = a.input()?;
    let report = match &kf {
        Some(k) => k.ring.verify(&input, &options)?,
        None => smime::verify::verify(&input, &options)?,
    };
    if let Some(path) = a.one("--content-out")? {
        write_output(Some(path), &report.content)?;
    }
    let json = a.has("--json");
    if json {
        println!("{}", report::to_json(&report));
    } else {
        print!("{}", report::to_text(&report));
    }
    if a.has("--learn")
        && let Some(k) = &mut kf
    {
        let lines = if report.is_trusted() {
            let harvest = k.ring.harvest(&report, std::time::SystemTime::now());
            k.save()?;
            keyring::harvest_lines(&k.ring, &harvest)
        } else {
            vec![format!(
                "learned nothing: the message is not trusted ({})",
                report.verdict()
            )]
        };
        for line in lines {
            if json {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }
    Ok(if report.is_trusted() { 0 } else { 1 })
}

fn cmd_inspect(argv: &[String]) -> Result<u8, Usage> {
    let a = Args::parse(argv, &[], &[])?;
    let input = a.input()?;
    print!("{}", report::inspect(&input)?);
    Ok(0)
}

/// A private key with its certificate and chain, from the command line.
struct Identity {
    key: Arc<SoftwareKey>,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

/// Loads identities given as `--p12 F --password P` pairs and `--cert C --key K` pairs
/// (flag names passed in).
fn load_identities(
    a: &Args,
    p12_flag: &str,
    cert_flag: &str,
    key_flag: &str,
) -> Result<Vec<Identity>, Usage> {
    let mut out = Vec::new();
    let p12s = a.all(p12_flag);
    let passwords = a.all("--password");
    if p12s.len() != passwords.len() {
        return Err(Usage(format!("each {p12_flag} needs its --password")));
    }
    for (file, password) in p12s.iter().zip(passwords) {
        let id = smime::pkcs12::parse_pkcs12_identity(
            &read_file(file)?,
            password,
            &smime::pkcs12::Pkcs12Limits::default(),
        )
        .map_err(|e| Usage(format!("{file}: {}", smime::error::display_chain(&e))))?;
        out.push(Identity {
            key: Arc::new(id.key),
            cert: id.certificate,
            chain: id.chain,
        });
    }
    let certs = a.all(cert_flag);
    let keys = a.all(key_flag);
    if certs.len() != keys.len() {
        return Err(Usage(format!("each {cert_flag} needs its {key_flag}")));
    }
    for (cert, key) in certs.iter().zip(keys) {
        let cert_der = certs_from(cert)?
            .into_iter()
            .next()
            .ok_or_else(|| Usage(format!("{cert}: no certificate")))?;
        let key =
            SoftwareKey::from_bytes(&read_file(key)?).map_err(|e| Usage(format!("{key}: {e}")))?;
        out.push(Identity {
            key: Arc::new(key),
            cert: cert_der,
            chain: Vec::new(),
        });
    }
    Ok(out)
}

fn cmd_encrypt(argv: &[String]) -> Result<u8, Usage> {
    use smime::cms::enveloped::ContentCipher;
    use smime::cms::recipient::KeyTransport;
    use smime::encrypt::{EncryptOptions, check_recipient, encrypt, sign_and_encrypt};
    use smime::keyring::KeyringError;
    let a = Args::parse(
        argv,
        &[
            "--to",
            "--to-address",
            "--cipher",
            "--self",
            "--sign-p12",
            "--password",
            "--sign-cert",
            "--sign-key",
            "--chain",
            "--from",
            "--keyring",
            "--keyring-key-file",
            "--crl",
            "--ca",
            "--revocation",
            "-o",
        ],
        &["--oaep", "--no-self", "--sign"],
    )?;
    let policy = policy_from(&a)?;
    let kf = keyring::open(&a)?;
    let mut recipients = Vec::new();
    for t in a.all("--to") {
        recipients.extend(certs_from(t)?.into_iter().take(1));
    }
    let to_addresses = a.all("--to-address");
    if kf.is_none() {
        for (flag, given) in [
            ("--to-address", !to_addresses.is_empty()),
            ("--sign", a.has("--sign")),
            ("--from", a.one("--from")?.is_some()),
        ] {
            if given {
                return Err(Usage(format!(
                    "{flag} uses a keyring: give --keyring FILE --keyring-key-file FILE"
                )));
            }
        }
    }
    if recipients.is_empty() && to_addresses.is_empty() {
        return Err(Usage(
            "encrypt needs at least one --to CERTFILE or --to-address ADDR".into(),
        ));
    }
    if a.one("--self")?.is_some() && a.has("--no-self") {
        return Err(Usage("--self and --no-self exclude each other".into()));
    }
    let input = a.input()?;
    if let Some(k) = &kf
        && !to_addresses.is_empty()
    {
        match k.ring.encryption_certificates_for(&to_addresses, &policy) {
            Ok(certs) => {
                for r in k.ring.recipient_readiness(&to_addresses, &policy) {
                    if let smime::keyring::Readiness::Ready { fingerprint, .. } = r.readiness {
                        eprintln!(
                            "to {}: certificate {} from the keyring",
                            r.address,
                            keyring::short(&fingerprint)
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
                    eprintln!(
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
    let cipher = match a.one("--cipher")? {
        None => match &kf {
            Some(k) => {
                let choice = k.ring.choose_cipher(&recipients);
                eprintln!("content cipher: {}", keyring::cipher_choice_text(&choice));
                choice.cipher
            }
            None => ContentCipher::Aes256Gcm,
        },
        Some("aes256-gcm") => ContentCipher::Aes256Gcm,
        Some("aes128-gcm") => ContentCipher::Aes128Gcm,
        Some("aes256-cbc") => ContentCipher::Aes256Cbc,
        Some("aes128-cbc") => ContentCipher::Aes128Cbc,
        Some(other) => return Err(Usage(format!("unknown cipher '{other}'"))),
    };
    let mut options = EncryptOptions {
        cipher,
        key_transport: if a.has("--oaep") {
            KeyTransport::RsaOaep
        } else {
            KeyTransport::RsaPkcs1v15
        },
        policy: policy.clone(),
        ..EncryptOptions::default()
    };
    for c in a.all("--crl") {
        options.crls.extend(
            smime::crypto::keys::read_crls(&read_file(c)?)
                .map_err(|e| Usage(format!("{c}: {e}")))?,
        );
    }
    for c in a.all("--ca") {
        options.certificates.extend(certs_from(c)?);
    }
    if let Some(k) = &kf {
        options.crls.extend(k.ring.crls().iter().cloned());
        options.certificates.extend(
            k.ring
                .trust_anchors()
                .iter()
                .chain(k.ring.intermediates())
                .map(|c| c.der.clone()),
        );
    }
    if let Some(own) = a.one("--self")? {
        options.sender = certs_from(own)?.into_iter().next();
    }
    let mut chain = Vec::new();
    for c in a.all("--chain") {
        chain.extend(certs_from(c)?);
    }
    // The sender's address, when the keyring needs it.
    let from = match &kf {
        Some(_) if a.has("--sign") || (!a.has("--no-self") && options.sender.is_none()) => {
            match sender_address(&a, &input, "find your own certificate") {
                Ok(f) => Some(f),
                Err(e) if a.has("--sign") => return Err(e),
                Err(e) => {
                    eprintln!("note: no copy for the sender: {}", e.0);
                    None
                }
            }
        }
        _ => None,
    };
    if let (Some(k), Some(from)) = (&kf, &from)
        && options.sender.is_none()
        && !a.has("--no-self")
    {
        match k.ring.own_encryption_certificate(from, &policy) {
            Some(id) => {
                eprintln!(
                    "sender's copy: also encrypted to your certificate {} ({}) for {from} \
                     (--no-self to skip)",
                    id.info().subject(),
                    keyring::short(&id.info().fingerprint)
                );
                options.sender = Some(id.certificate().to_vec());
            }
            None => eprintln!(
                "note: the keyring has no encryption certificate of yours for {from}: \
                 you will not be able to read the sent copy"
            ),
        }
    }
    let ids = load_identities(&a, "--sign-p12", "--sign-cert", "--sign-key")?;
    let mut signers = Vec::new();
    for Identity {
        key,
        cert,
        chain: id_chain,
    } in ids
    {
        // A dual-use signing certificate also keeps the sent mail readable for the sender.
        if options.sender.is_none()
            && !a.has("--no-self")
            && check_recipient(&cert, &options).is_ok()
        {
            options.sender = Some(cert.clone());
        }
        let mut full = id_chain;
        full.extend(chain.iter().cloned());
        signers.push(
            Signer::new_checked(key, cert, std::time::SystemTime::now())
                .map_err(|e| Usage(smime::error::display_chain(&e)))?
                .with_chain(full),
        );
    }
    if a.has("--sign") {
        if !signers.is_empty() {
            return Err(Usage(
                "--sign signs with the keyring: it does not go with --sign-p12/--sign-cert".into(),
            ));
        }
        if let (Some(k), Some(from)) = (&kf, &from) {
            signers.push(keyring_signer(&k.ring, from, &chain)?);
        }
    }
    let out = if signers.is_empty() {
        encrypt(&input, &recipients, &options)?
    } else {
        sign_and_encrypt(
            &input,
            &signers,
            &SignOptions::default(),
            &recipients,
            &options,
            false,
        )?
    };
    write_output(a.one("-o")?, &out)?;
    Ok(0)
}

/// A short description of a certificate: its subject and fingerprint prefix.
fn cert_label(der: &[u8]) -> String {
    match smime::keyring::CertificateInfo::parse(der) {
        Ok(info) => format!("{}, {}", info.subject(), keyring::short(&info.fingerprint)),
        Err(_) => keyring::short(&smime::keyring::Fingerprint::of(der)),
    }
}

fn cmd_decrypt(argv: &[String]) -> Result<u8, Usage> {
    use smime::decrypt::{DecryptionKey, Layer, open_with};
    use smime::verify::Verdict;
    let a = Args::parse(
        argv,
        &[
            "--p12",
            "--password",
            "--cert",
            "--key",
            "--trust",
            "--keyring",
            "--keyring-key-file",
            "--revocation",
            "-o",
        ],
        &["--no-address-check"],
    )?;
    let policy = policy_from(&a)?;
    let mut keys: Vec<DecryptionKey> = load_identities(&a, "--p12", "--cert", "--key")?
        .into_iter()
        .map(|id| DecryptionKey {
            key: id.key,
            certificate: id.cert,
        })
        .collect();
    let kf = keyring::open(&a)?;
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
            None => "decrypt needs --p12 FILE --password PASS, --cert FILE --key FILE, or \
                     --keyring FILE --keyring-key-file FILE"
                .into(),
        }));
    }
    for t in a.all("--trust") {
        options.trust_anchors.extend(certs_from(t)?);
    }
    let input = a.input()?;
    let opened = match &kf {
        Some(k) => open_with(&input, &keys, &options, &k.ring),
        None => smime::decrypt::open(&input, &keys, &options),
    };
    let opened = match opened {
        Ok(o) => o,
        Err(smime::DecryptError::CannotDecrypt) => {
            eprintln!("smime: {}", smime::DecryptError::CannotDecrypt);
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    let n = opened.layers.len();
    for (i, layer) in opened.layers.iter().enumerate() {
        eprint!("layer {} of {n}: ", i + 1);
        match layer {
            Layer::Encrypted {
                key_index,
                cipher,
                integrity_protected,
            } => eprintln!(
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
                    .map(|k| cert_label(&k.certificate))
                    .unwrap_or_default()
            ),
            Layer::Signed(report) => {
                eprintln!("signed");
                eprintln!("verdict: {}", report.layer_verdict());
                eprint!("{}", report::layer_text(report));
            }
            _ => eprintln!("(unknown layer)"),
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
    eprintln!("content: {verdict}");
    let ok = matches!(verdict, Verdict::Trusted | Verdict::NotSigned);
    write_output(a.one("-o")?, &opened.content)?;
    Ok(if ok { 0 } else { 1 })
}
