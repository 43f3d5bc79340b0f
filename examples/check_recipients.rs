//! Before sending encrypted mail, asks the keyring which recipients have a usable certificate
//! and which do not — and why — so the app can offer to remove them.
//!
//! Usage: `check_recipients KEYRING ADDRESS...` (the keyring's key is in `KEYRING.key`)
//!
//! Exit code 0 when every address is ready, 1 when one is not.

use smime::Policy;
use smime::keyring::store::SealingKey;
use smime::keyring::{Keyring, NoExternalKeys};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [keyring, addresses @ ..] = args.as_slice() else {
        eprintln!("usage: check_recipients KEYRING ADDRESS...");
        return ExitCode::from(2);
    };
    let run = || -> Result<bool, String> {
        let keyring = Path::new(keyring);
        let key_path = keyring.with_extension("key");
        let key = std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let key = SealingKey::from_key_file(&key).map_err(|e| e.to_string())?;
        let ring = Keyring::load(keyring, &key, &NoExternalKeys).map_err(|e| e.to_string())?;
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        let readiness = ring.recipient_readiness(&addresses, &Policy::default());
        for r in &readiness {
            match r.certificate() {
                Some(c) => println!("{}: ready, {}", r.address, c.subject()),
                None => println!("{r}"),
            }
        }
        Ok(readiness.iter().all(|r| r.is_ready()))
    };
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("check_recipients: {e}");
            ExitCode::from(2)
        }
    }
}
