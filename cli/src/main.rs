//! `smime`: sign, verify, encrypt, decrypt and inspect S/MIME messages from the command line.
//!
//! Exit codes: 0 success (verify: the signature on the content the user sees is valid and
//! trusted; decrypt: decrypted, and that content is either unsigned or trustworthily signed),
//! 1 verification or decryption failed (the report is printed), 2 bad usage or unreadable
//! input. Every signed layer of a nested message is printed; the exit code follows the
//! innermost signed layer, which vouches for the content (a broken outer layer around a good
//! one is reported but does not fail; a signature over ciphertext only never counts).

mod cmd;
mod demo;
mod inspect;
mod keyring;
mod out;
mod pki;
mod report;
mod secret;
mod streams;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use smime::policy::{Policy, RevocationMode};
use std::ffi::OsString;
use std::io::Read;
use std::process::ExitCode;

pub(crate) use out::write_output;

/// What `smime --help` shows after the list of commands.
const OVERVIEW: &str = "\
Commands at a glance (each command's --help tells the rest):
  smime sign    (--p12 FILE | --cert FILE --key FILE)... [--chain FILE]... [IN] [-o OUT]
  smime sign    --keyring FILE --keyring-key-file FILE [--from ADDR | --identity FP] [IN]
  smime verify  [--trust FILE]... [--keyring FILE --keyring-key-file FILE [--learn]]
                [--content-out FILE|-] [--json] [IN]
  smime encrypt (--to CERTFILE | --to-address ADDR)... [--sign [--triple-wrap]] [IN] [-o OUT]
  smime decrypt (--p12 FILE | --cert FILE --key FILE | --keyring ...) [IN] [-o OUT]
  smime keyring new|import|trust|list|export|remove|check ...
  smime inspect [IN]
  smime demo

IN defaults to standard input, OUT to standard output; `-` names them too. Certificates and
keys may be PEM or DER; a certificate file may hold several certificates. Passwords come from
--password-file FILE, --password-env VAR, a prompt on a terminal, or --password PASS (for
scripts: other users of the machine can see it).

verify and decrypt print every layer of a nested message, outermost first. The verdict and
the exit code follow the innermost signed layer, whose content is what is shown: a broken
outer signature around a good inner one is reported but does not fail; a signature outside
the encryption covers only the ciphertext and never makes the content read as signed.
Content is written (verify --content-out, decrypt -o) only when the operation succeeded.

Exit codes: 0 success, 1 verification or decryption failed, 2 bad usage or unreadable input.";

/// The `smime` command.
#[derive(Parser, Debug)]
#[command(
    name = "smime",
    version,
    about = "Sign, verify, encrypt, decrypt and inspect S/MIME messages",
    after_help = OVERVIEW
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign a message (multipart/signed, or opaque with --opaque)
    Sign(cmd::sign::SignArgs),
    /// Verify a signed message and print why it is or is not trusted
    Verify(cmd::verify::VerifyArgs),
    /// Encrypt a message to its recipients, optionally signing it first
    Encrypt(cmd::encrypt::EncryptArgs),
    /// Decrypt a message and verify the signature inside it
    Decrypt(cmd::decrypt::DecryptArgs),
    /// Manage a keyring: identities, contacts, trust anchors and CRLs in one sealed file
    Keyring(cmd::keyring::KeyringArgs),
    /// Tell what a file is: a message, CMS, certificates, CRLs, keys or PKCS#12
    Inspect(cmd::inspect::InspectArgs),
    /// Run the whole story on a throwaway PKI, checking itself as it goes
    Demo(cmd::demo::DemoArgs),
}

/// A failure that ends the command with exit code 2, with a message for the user.
pub(crate) struct Usage(pub(crate) String);

impl<E: std::error::Error> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(smime::error::display_chain(&e))
    }
}

/// The version of the JSON output (`"schema"` at the top of every JSON document).
pub(crate) const JSON_SCHEMA: u32 = 1;

/// Whether `--json` was asked for (before any `--`), so that errors are JSON too.
fn wants_json(argv: &[OsString]) -> bool {
    argv.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// An error as JSON on standard output: `{"schema":1,"error":{"code":2,"message":"..."}}`.
fn json_error(code: u8, message: &str) {
    let v = serde_json::json!({
        "schema": JSON_SCHEMA,
        "error": {"code": code, "message": message},
    });
    outln!("{v}");
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let json = wants_json(&argv);
    let matches = match Cli::command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => return clap_error(&e, json),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_error(&e, json),
    };
    let Some((_, sub)) = matches.subcommand() else {
        return clap_error(
            &Cli::command().error(clap::error::ErrorKind::MissingSubcommand, "no command"),
            json,
        );
    };
    let result = match &cli.command {
        Command::Sign(a) => cmd::sign::run(a, sub),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Encrypt(a) => cmd::encrypt::run(a, sub),
        Command::Decrypt(a) => cmd::decrypt::run(a, sub),
        Command::Keyring(a) => cmd::keyring::run(a, sub),
        Command::Inspect(a) => cmd::inspect::run(a, sub),
        Command::Demo(a) => cmd::demo::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Usage(msg)) => {
            if json {
                json_error(2, &msg);
            } else {
                errln!("smime: {msg}");
            }
            ExitCode::from(2)
        }
    }
}

/// A command-line error from clap: help and version on standard output with exit code 0;
/// a usage error as clap renders it (one line and a hint) on standard error, or as JSON.
fn clap_error(e: &clap::Error, json: bool) -> ExitCode {
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if !e.use_stderr() {
        // Help and version: clap colours them on a terminal; a closed pipe is no error.
        let _ = e.print();
        return ExitCode::from(code);
    }
    if json {
        let rendered = e.render().to_string();
        let first = rendered
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ");
        json_error(2, first);
    } else {
        let _ = e.print();
    }
    ExitCode::from(2)
}

// ---- helpers shared by the commands ---------------------------------------------------------

/// The input: a file, or standard input for `None` and `-`.
pub(crate) fn read_input(path: Option<&str>) -> Result<Vec<u8>, Usage> {
    match path {
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

pub(crate) fn read_file(path: &str) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| Usage(format!("cannot read {path}: {e}")))
}

pub(crate) fn certs_from(path: &str) -> Result<Vec<smime::Certificate>, Usage> {
    smime::Certificate::read_all(&read_file(path)?).map_err(|e| Usage(format!("{path}: {e}")))
}

pub(crate) fn crls_from(path: &str) -> Result<Vec<Vec<u8>>, Usage> {
    smime::keys::read_crls(&read_file(path)?).map_err(|e| Usage(format!("{path}: {e}")))
}

/// The address mail is sent from: `from` (the `--from ADDR` option), else the message's
/// From header.
pub(crate) fn sender_address(
    from: Option<&str>,
    input: &[u8],
    what: &str,
) -> Result<String, Usage> {
    if let Some(addr) = from {
        return Ok(addr.to_string());
    }
    let from = smime::verify::from_fields(input);
    if let Some(why) = from.unreadable {
        return Err(Usage(format!(
            "cannot read the message's From address: {why}"
        )));
    }
    match from.mailboxes.as_slice() {
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

/// The policy of a command: the revocation mode and, on request, no address check (a
/// weakening setting the report names).
pub(crate) fn policy_from(revocation: cmd::Revocation, no_address_check: bool) -> Policy {
    let mut policy = Policy::default();
    policy.revocation = match revocation {
        cmd::Revocation::Off => RevocationMode::Off,
        cmd::Revocation::Soft => RevocationMode::SoftFail,
        cmd::Revocation::Hard => RevocationMode::HardFail,
    };
    if no_address_check {
        policy.danger().skip_address_check(true);
    }
    policy
}
