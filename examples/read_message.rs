//! Reads a received message the way a mail app does: decrypts it with the user's identity
//! (if it is encrypted), verifies every signature against the trust anchors the admin
//! deployed, and says whether the sender is who the From line says and whether the message was
//! changed — and why not, when not.
//!
//! Usage: `read_message MESSAGE P12 PASSWORD ROOTS.pem`
//!
//! Exit code 0 when the content is signed and trusted, 1 when it is not (the report says why),
//! 2 when an input cannot be read.

use smime::{AddressPolicy, Certificate, Identity, Layer, Pkcs12Limits, Verdict, VerifyOptions};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [message, p12, password, roots] = args.as_slice() else {
        eprintln!("usage: read_message MESSAGE P12 PASSWORD ROOTS.pem");
        return ExitCode::from(2);
    };
    match run(message, p12, password, roots) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("read_message: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(message: &str, p12: &str, password: &str, roots: &str) -> Result<bool, String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let me = Identity::from_pkcs12(&read(p12)?, password, &Pkcs12Limits::default())
        .map_err(|e| format!("{p12}: {e}"))?;
    let options = VerifyOptions {
        trust_anchors: Certificate::read_all(&read(roots)?).map_err(|e| format!("{roots}: {e}"))?,
        address: AddressPolicy::FromHeader,
        ..Default::default()
    };
    let opened = smime::open(&read(message)?, &[me], &options).map_err(|e| e.to_string())?;
    for layer in &opened.layers {
        match layer {
            Layer::Encrypted {
                cipher,
                integrity_protected,
                ..
            } => println!(
                "encrypted with {}{}",
                cipher.name(),
                if *integrity_protected {
                    ""
                } else {
                    " (no integrity protection: only a signature inside vouches for it)"
                }
            ),
            Layer::Signed(report) => {
                for s in &report.signers {
                    let who = s
                        .certificate
                        .as_ref()
                        .map(|c| c.describe())
                        .unwrap_or_else(|| s.signer_id.clone());
                    println!("signed by {who}: signature {}", s.signature);
                    println!("  chain: {}", s.chain);
                    println!("  sender: {}", s.address);
                }
            }
            _ => println!("a layer this program does not describe"),
        }
    }
    let verdict = opened.verdict();
    println!("verdict: {verdict}");
    println!("---");
    println!("{}", String::from_utf8_lossy(&opened.content));
    Ok(verdict == Verdict::Trusted)
}
