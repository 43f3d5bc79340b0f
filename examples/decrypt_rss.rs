//! Decrypts one encrypted message in one shot and prints the length of the content, for
//! measuring the peak memory of decryption (`/usr/bin/time -f %M`).
//!
//! Usage: `decrypt_rss MESSAGE CERT KEY`

use smime::Identity;
use smime::decrypt::decrypt;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [message, cert, key] = args.as_slice() else {
        eprintln!("usage: decrypt_rss MESSAGE CERT KEY");
        return ExitCode::from(2);
    };
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let run = || -> Result<usize, String> {
        let identity = Identity::from_key_and_certificates(&read(key)?, &read(cert)?)
            .map_err(|e| e.to_string())?;
        let keys = [identity];
        let message = read(message)?;
        let decrypted = decrypt(&message, &keys, &smime::policy::Policy::default())
            .map_err(|e| e.to_string())?;
        Ok(decrypted.content.len())
    };
    match run() {
        Ok(len) => {
            println!("{len}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("decrypt_rss: {e}");
            ExitCode::from(1)
        }
    }
}
