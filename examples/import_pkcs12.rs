//! Imports a PKCS#12 file (from MDM, or mailed to oneself) into a keyring file, the way a mail
//! app installs a new or renewed certificate: the old identities stay, so old mail stays
//! readable. The keyring is sealed with a 32-byte key kept beside it in `KEYRING.key` (on a
//! phone, the key lives in the platform keystore instead).
//!
//! Usage: `import_pkcs12 P12 PASSWORD KEYRING [ROOTS.pem]`
//!
//! ROOTS.pem, when given, holds the trust anchors the admin deploys; they are added as such.
//! Importing the PKCS#12 file itself never makes anything trusted.

use smime::keyring::store::SealingKey;
use smime::keyring::{Keyring, NoExternalKeys};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (p12, password, keyring, roots) = match args.as_slice() {
        [p, w, k] => (p, w, k, None),
        [p, w, k, r] => (p, w, k, Some(r.as_str())),
        _ => {
            eprintln!("usage: import_pkcs12 P12 PASSWORD KEYRING [ROOTS.pem]");
            return ExitCode::from(2);
        }
    };
    match run(p12, password, Path::new(keyring), roots) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("import_pkcs12: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(p12: &str, password: &str, keyring: &Path, roots: Option<&str>) -> Result<(), String> {
    let key_path = keyring.with_extension("key");
    let (mut ring, key) = if keyring.exists() {
        let key = std::fs::read(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let key = SealingKey::from_key_file(&key).map_err(|e| e.to_string())?;
        let ring = Keyring::load(keyring, &key, &NoExternalKeys).map_err(|e| e.to_string())?;
        (ring, key)
    } else {
        let key = SealingKey::generate();
        std::fs::write(&key_path, key.to_hex().as_bytes())
            .map_err(|e| format!("{}: {e}", key_path.display()))?;
        (Keyring::new(), key)
    };
    let der = std::fs::read(p12).map_err(|e| format!("{p12}: {e}"))?;
    let imported = ring
        .import_pkcs12(&der, password)
        .map_err(|e| format!("{p12}: {e}"))?;
    if let Some(roots) = roots {
        let pem = std::fs::read(roots).map_err(|e| format!("{roots}: {e}"))?;
        for root in smime::Certificate::read_all(&pem).map_err(|e| format!("{roots}: {e}"))? {
            ring.add_trust_anchor(&root)
                .map_err(|e| format!("{roots}: {e}"))?;
        }
    }
    ring.save(keyring, &key).map_err(|e| e.to_string())?;
    println!(
        "imported {} identity, {} intermediate certificates",
        imported.identities.len(),
        imported.intermediates.len()
    );
    for id in ring.identities() {
        let c = id.certificate();
        println!(
            "identity {} {} ({}), {}",
            &c.fingerprint().to_hex()[..16],
            c.describe(),
            c.roles(),
            c.subject()
        );
    }
    Ok(())
}
