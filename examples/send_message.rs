//! Sends a message the way a mail app does: signs it with the user's identity, then encrypts
//! it to every recipient and to the sender (so the sent copy stays readable), with AES-256-GCM.
//!
//! Usage: `send_message P12 PASSWORD MESSAGE RECIPIENT.pem... > signed-and-encrypted.eml`
//!
//! MESSAGE is an RFC 5322 message (From, To, Subject, a body); its header fields stay outside.

use smime::{Certificate, EncryptOptions, Identity, Pkcs12Limits, SignOptions};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [p12, password, message, recipients @ ..] = args.as_slice() else {
        eprintln!("usage: send_message P12 PASSWORD MESSAGE RECIPIENT.pem...");
        return ExitCode::from(2);
    };
    match run(p12, password, message, recipients) {
        Ok(out) => match std::io::stdout().write_all(&out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("send_message: {e}");
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("send_message: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(p12: &str, password: &str, message: &str, recipients: &[String]) -> Result<Vec<u8>, String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let me = Identity::from_pkcs12(&read(p12)?, password, &Pkcs12Limits::default())
        .map_err(|e| format!("{p12}: {e}"))?;
    let mut to = Vec::new();
    for r in recipients {
        to.extend(Certificate::read_all(&read(r)?).map_err(|e| format!("{r}: {e}"))?);
    }
    if to.is_empty() {
        return Err("name at least one recipient certificate".into());
    }
    let options = EncryptOptions {
        sender: Some(me.certificate().clone()),
        ..Default::default()
    };
    smime::sign_and_encrypt(
        &read(message)?,
        &[me],
        &SignOptions::default(),
        &to,
        &options,
        false,
    )
    .map_err(|e| e.to_string())
}
