//! `smime`: sign, verify and inspect S/MIME messages from the command line.
//!
//! Exit codes: 0 success (verify: every signer valid and trusted), 1 verification failed (the
//! report is printed), 2 bad usage or unreadable input.

mod demo;
mod pki;
mod report;

use smime::crypto::DigestAlgorithm;
use smime::crypto::keys::{SoftwareKey, read_certificates};
use smime::sign::{SignOptions, Signer};
use smime::verify::{AddressPolicy, VerifyOptions};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "\
usage:
  smime sign    (--p12 FILE --password PASS | --cert FILE --key FILE)... [--chain FILE]...
                [--opaque] [--digest sha256|sha384|sha512] [--pss] [IN] [-o OUT]
  smime verify  [--trust FILE]... [--cert FILE]... [--crl FILE]...
                [--from ADDR | --no-address-check] [--content-out FILE] [--json] [IN]
  smime inspect [IN]
  smime demo

IN defaults to standard input, OUT to standard output. Certificates and keys may be PEM or DER;
a certificate file may hold several certificates.
exit codes: 0 success, 1 verification failed, 2 bad usage or unreadable input";

/// A failure that ends the command with exit code 2.
struct Usage(String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sign") => cmd_sign(&args[1..]),
        Some("verify") => cmd_verify(&args[1..]),
        Some("inspect") => cmd_inspect(&args[1..]),
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
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Self, Usage> {
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
            } else if a.starts_with('-') && a != "-" {
                return Err(Usage(format!("unknown option '{a}'")));
            } else {
                out.positional.push(a.clone());
            }
        }
        if out.positional.len() > 1 {
            return Err(Usage(format!(
                "only one input file may be given, not {}",
                out.positional.len()
            )));
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
            "-o",
        ],
        &["--opaque", "--pss"],
    )?;
    let mut chain = Vec::new();
    for c in a.all("--chain") {
        chain.extend(certs_from(c)?);
    }
    let mut signers = Vec::new();
    let p12s = a.all("--p12");
    let passwords = a.all("--password");
    if p12s.len() != passwords.len() {
        return Err(Usage("each --p12 needs its --password".into()));
    }
    for (file, password) in p12s.iter().zip(passwords) {
        let id = smime::pkcs12::parse_pkcs12_identity(
            &read_file(file)?,
            password,
            &smime::pkcs12::Pkcs12Limits::default(),
        )
        .map_err(|e| Usage(format!("{file}: {e}")))?;
        let mut with_chain = id.chain.clone();
        with_chain.extend(chain.iter().cloned());
        signers.push(
            Signer::new(Arc::new(id.key), id.certificate)
                .map_err(|e| Usage(format!("{file}: {e}")))?
                .with_chain(with_chain),
        );
    }
    let certs = a.all("--cert");
    let keys = a.all("--key");
    if certs.len() != keys.len() {
        return Err(Usage("each --cert needs its --key".into()));
    }
    for (cert, key) in certs.iter().zip(keys) {
        let cert_der = certs_from(cert)?
            .into_iter()
            .next()
            .ok_or_else(|| Usage(format!("{cert}: no certificate")))?;
        let key =
            SoftwareKey::from_bytes(&read_file(key)?).map_err(|e| Usage(format!("{key}: {e}")))?;
        signers.push(
            Signer::new(Arc::new(key), cert_der)
                .map_err(|e| Usage(format!("{cert}: {e}")))?
                .with_chain(chain.clone()),
        );
    }
    if signers.is_empty() {
        return Err(Usage(
            "sign needs --p12 FILE --password PASS or --cert FILE --key FILE".into(),
        ));
    }
    let digest = match a.one("--digest")? {
        None | Some("sha256") => DigestAlgorithm::Sha256,
        Some("sha384") => DigestAlgorithm::Sha384,
        Some("sha512") => DigestAlgorithm::Sha512,
        Some(other) => return Err(Usage(format!("unknown digest '{other}'"))),
    };
    let options = SignOptions {
        digest,
        opaque: a.has("--opaque"),
        pss: a.has("--pss"),
        ..SignOptions::default()
    };
    let input = a.input()?;
    let signed = smime::sign::sign(&input, &signers, &options)?;
    write_output(a.one("-o")?, &signed)?;
    Ok(0)
}

fn cmd_verify(argv: &[String]) -> Result<u8, Usage> {
    let a = Args::parse(
        argv,
        &["--trust", "--cert", "--crl", "--from", "--content-out"],
        &["--no-address-check", "--json"],
    )?;
    let mut options = VerifyOptions::default();
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
    options.address = match (a.one("--from")?, a.has("--no-address-check")) {
        (Some(_), true) => {
            return Err(Usage(
                "--from and --no-address-check exclude each other".into(),
            ));
        }
        (Some(addr), false) => AddressPolicy::Expect(addr.to_string()),
        (None, true) => AddressPolicy::Skip,
        (None, false) => AddressPolicy::FromHeader,
    };
    let input = a.input()?;
    let report = smime::verify::verify(&input, &options)?;
    if let Some(path) = a.one("--content-out")? {
        write_output(Some(path), &report.content)?;
    }
    if a.has("--json") {
        println!("{}", report::to_json(&report));
    } else {
        print!("{}", report::to_text(&report));
    }
    Ok(if report.is_trusted() { 0 } else { 1 })
}

fn cmd_inspect(argv: &[String]) -> Result<u8, Usage> {
    let a = Args::parse(argv, &[], &[])?;
    let input = a.input()?;
    print!("{}", report::inspect(&input)?);
    Ok(0)
}
