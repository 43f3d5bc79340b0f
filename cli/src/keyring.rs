//! The keyring on the command line: `--keyring FILE --keyring-key-file FILE` for `sign`,
//! `verify`, `encrypt` and `decrypt`, and `smime keyring new|import|list|export|remove|trust|check`.
//!
//! The keyring file is sealed with a 256-bit key kept in a separate key file (64 hexadecimal
//! digits, or 32 raw bytes). Every command that changes the keyring saves it atomically at the
//! end, and only when everything it was asked to do succeeded.

use crate::cmd::KeyringOpts;
use crate::cmd::keyring::{
    CheckArgs, ExportArgs, ImportArgs, ListArgs, NewArgs, RemoveArgs, TrustArgs,
};
use crate::{Usage, errln, out, outln, read_file, write_output};
use clap::ArgMatches;
use serde_json::{Value, json};
use smime::Certificate;
use smime::ContentCipher;
use smime::keyring::store::{SealingKey, StoreError};
use smime::keyring::{
    CipherChoice, CipherReason, Found, Harvest, Imported, Keyring, KeyringError, NoExternalKeys,
    Readiness, RecipientReadiness, Source, StoredKey, Unusable,
};
use smime::keyring::{Fingerprint, parse_capabilities};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::SystemTime;

/// What `smime keyring --help` shows after the list of commands.
pub const USAGE: &str = "\
Commands at a glance:
  smime keyring new    --keyring FILE --keyring-key-file FILE
  smime keyring import --keyring FILE --keyring-key-file FILE
                       [--p12 FILE [PASSWORD] [--label TEXT]]...
                       [--key FILE [PASSWORD] --cert FILE [--label TEXT]]...
                       [--cert FILE]... [--directory FILE]... [--certs-only FILE]... [--crl FILE]...
  smime keyring trust  --keyring FILE --keyring-key-file FILE CERTFILE...
  smime keyring list   --keyring FILE --keyring-key-file FILE [--json]
  smime keyring export --keyring FILE --keyring-key-file FILE
                       (--identity FP --p12 OUT [PASSWORD] | --certs-only ADDR [-o OUT]
                        | --cert FP [-o OUT])
  smime keyring remove --keyring FILE --keyring-key-file FILE FP...
  smime keyring check  --keyring FILE --keyring-key-file FILE [--revocation off|soft|hard] ADDR...

new     creates an empty keyring; a key file that does not exist yet is created with a new
        random key (64 hexadecimal digits, readable by the owner only). An existing keyring
        is never overwritten.
import  adds, in the order given: the identity of a PKCS#12 file; an identity from a private
        key (PKCS#8, encrypted PKCS#8 with --password, PKCS#1 or SEC1; PEM or DER) and its
        certificate file (the --cert right after the --key, or right before it); other
        people's certificates and CA certificates from PEM or DER files (--cert alone);
        a directory entry (LDAP userSMIMECertificate or userCertificate value, or
        ldapsearch LDIF); an S/MIME certs-only message or CMS structure; CRLs (PEM or DER).
        CA certificates go to the intermediates: importing never grants trust.
trust   makes the certificates of each file (PEM or DER, bundles too) trust anchors.
list    shows identities, contacts, trust anchors, intermediates and CRLs.
export  writes an identity as PKCS#12, the certificates to publish for an address as a
        certs-only S/MIME message, or one certificate as PEM.
remove  removes certificates by fingerprint prefix (at least 8 hexadecimal digits).
        Removing an identity removes its private key: mail encrypted to it no longer opens.
check   says for each address whether mail can be encrypted to it, and with which
        certificate, or why not; exit code 1 unless every address is ready.

PASSWORD is --password-file FILE, --password-env VAR or --password PASS (visible to other
users: for scripts); without one, it is asked for on a terminal.
FP is a SHA-256 certificate fingerprint or a prefix of at least 8 hexadecimal digits, as
`smime keyring list` shows them. Changes are saved atomically, and only when every step
succeeded.";

/// A loaded keyring with where it came from, ready to be saved back.
pub struct KeyringFile {
    /// The keyring.
    pub ring: Keyring,
    path: String,
    key: SealingKey,
}

impl KeyringFile {
    /// Saves the keyring back to its file, sealed with the key it was loaded with.
    pub fn save(&self) -> Result<(), Usage> {
        self.ring
            .save(Path::new(&self.path), &self.key)
            .map_err(|e| match e {
                KeyringError::Store(StoreError::Io { .. }) => Usage(format!("{e}")),
                other => Usage(format!("{}: {other}", self.path)),
            })
    }
}

/// The `--keyring` and `--keyring-key-file` paths: none, or both.
fn paths(a: &KeyringOpts) -> Result<Option<(String, String)>, Usage> {
    match (a.keyring.as_deref(), a.keyring_key_file.as_deref()) {
        (None, None) => Ok(None),
        (Some(p), Some(k)) => Ok(Some((p.to_string(), k.to_string()))),
        (Some(_), None) => Err(Usage(
            "--keyring needs --keyring-key-file FILE (the key the keyring is sealed with)".into(),
        )),
        (None, Some(_)) => Err(Usage(
            "--keyring-key-file needs --keyring FILE (the keyring it opens)".into(),
        )),
    }
}

/// Both paths, for the `smime keyring` commands.
fn required_paths(a: &KeyringOpts) -> Result<(String, String), Usage> {
    paths(a)?
        .ok_or_else(|| Usage("this command needs --keyring FILE --keyring-key-file FILE".into()))
}

fn read_key(key_path: &str) -> Result<SealingKey, Usage> {
    let bytes = zeroize::Zeroizing::new(read_file(key_path)?);
    SealingKey::from_key_file(&bytes).map_err(|e| Usage(format!("{key_path}: {e}")))
}

fn load(path: &str, key_path: &str) -> Result<KeyringFile, Usage> {
    let key = read_key(key_path)?;
    let ring = Keyring::load(Path::new(path), &key, &NoExternalKeys).map_err(|e| match e {
        KeyringError::Store(StoreError::WrongKey) => Usage(format!(
            "{path}: {e} (wrong key: {key_path} is not the key this keyring was sealed with)"
        )),
        KeyringError::Store(StoreError::Io { .. }) => Usage(format!("{e}")),
        other => Usage(format!("{path}: {other}")),
    })?;
    Ok(KeyringFile {
        ring,
        path: path.to_string(),
        key,
    })
}

/// The keyring named by `--keyring FILE --keyring-key-file FILE`, if any.
pub fn open(a: &KeyringOpts) -> Result<Option<KeyringFile>, Usage> {
    match paths(a)? {
        None => Ok(None),
        Some((path, key_path)) => load(&path, &key_path).map(Some),
    }
}

// ---- formatting ---------------------------------------------------------------------------

/// A time in UTC, as the verification report prints times.
pub fn time_str(t: SystemTime) -> String {
    crate::report::time_str(t)
}

/// The first 16 hexadecimal digits of a fingerprint, for lines meant for people.
pub fn short(fp: &Fingerprint) -> String {
    fp.to_hex().chars().take(16).collect()
}

fn addresses(info: &Certificate) -> String {
    if info.addresses().is_empty() {
        "(no address)".into()
    } else {
        info.addresses().join(", ")
    }
}

/// What a fingerprint names in the keyring: a kind ("identity", "contact", "trust anchor",
/// "intermediate") and the certificate.
fn describe<'a>(ring: &'a Keyring, fp: &Fingerprint) -> Option<(&'static str, &'a Certificate)> {
    match ring.get(fp) {
        Some(Found::Identity(i)) => Some(("identity", i.certificate())),
        Some(Found::Contact(c)) => Some(("contact", c.certificate())),
        _ => ring
            .trust_anchors()
            .iter()
            .find(|a| a.fingerprint() == *fp)
            .map(|a| ("trust anchor", a))
            .or_else(|| {
                ring.intermediates()
                    .iter()
                    .find(|a| a.fingerprint() == *fp)
                    .map(|a| ("intermediate", a))
            }),
    }
}

/// Names for the capability OIDs a peer advertises: content ciphers by name, other OIDs as
/// dotted numbers.
pub fn capability_names(der: &[u8]) -> Vec<String> {
    match parse_capabilities(der) {
        Ok(oids) => oids
            .iter()
            .map(|oid| match ContentCipher::from_oid(oid) {
                Some(c) => c.name().to_string(),
                None => known_capability(&oid.to_string())
                    .map(str::to_string)
                    .unwrap_or_else(|| oid.to_string()),
            })
            .collect(),
        Err(e) => vec![format!("(unreadable: {e})")],
    }
}

fn known_capability(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.16.840.1.101.3.4.1.26" => "AES-192-GCM",
        "1.2.840.113549.3.2" => "RC2-CBC",
        "1.3.14.3.2.7" => "DES-CBC",
        "2.16.840.1.101.3.4.1.5" => "AES-128-wrap",
        "2.16.840.1.101.3.4.1.25" => "AES-192-wrap",
        "2.16.840.1.101.3.4.1.45" => "AES-256-wrap",
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.7" => "RSAES-OAEP",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.2.1" => "EC",
        "1.2.643.2.2.21" => "GOST 28147-89",
        "1.2.643.7.1.1.5.1" => "GOST R 34.12-2015 Magma",
        "1.2.643.7.1.1.5.2" => "GOST R 34.12-2015 Kuznyechik",
        _ => return None,
    })
}

/// Whether a capability list names a content cipher (as opposed to signature or key
/// management algorithms).
fn is_cipher_name(name: &str) -> bool {
    name.starts_with("AES-") && !name.ends_with("-wrap")
        || name.starts_with("3DES")
        || name.starts_with("RC2")
        || name.starts_with("DES")
        || name.starts_with("GOST")
}

/// Why a recipient is not ready, beginning with the key word: "no certificate", "expired",
/// "not yet valid", "revoked", "untrusted" or "wrong key usage".
pub fn readiness_reason(r: &RecipientReadiness) -> String {
    match &r.readiness {
        Readiness::Ready { .. } => "ready".into(),
        Readiness::NoCertificate => "no certificate".into(),
        Readiness::Unusable { rejected } => {
            let Some(newest) = rejected.first() else {
                return "no certificate".into();
            };
            let cert = format!(
                "certificate {} {}",
                short(&newest.fingerprint),
                newest.subject
            );
            let mut s = match &newest.reason {
                Unusable::Expired { not_after } => {
                    format!("expired: {cert} ended {}", time_str(*not_after))
                }
                Unusable::NotYetValid { not_before } => {
                    format!("not yet valid: {cert} begins {}", time_str(*not_before))
                }
                Unusable::Revoked => format!("revoked: {cert} is revoked by a CRL in the keyring"),
                Unusable::Untrusted(e) => format!("untrusted: {cert}: {e}"),
                Unusable::WrongKeyUsage => format!(
                    "wrong key usage: the key usage of {cert} does not allow receiving encrypted mail"
                ),
                other => format!("{cert}: {other}"),
            };
            if rejected.len() > 1 {
                let _ = write!(
                    s,
                    " (and {} older certificate{} unusable too)",
                    rejected.len() - 1,
                    if rejected.len() == 2 { "" } else { "s" }
                );
            }
            s
        }
        _ => r.reason().unwrap_or_else(|| "not ready".into()),
    }
}

/// The cipher choice and its reason, for people.
pub fn cipher_choice_text(choice: &CipherChoice) -> String {
    let why = match &choice.reason {
        CipherReason::NothingKnown => {
            "no recipient's capabilities are known: the S/MIME 4.0 default".to_string()
        }
        CipherReason::AllAdvertiseGcm => {
            "every recipient whose capabilities are known advertises it".to_string()
        }
        CipherReason::CommonCbc { without_gcm } => format!(
            "not integrity-protected: no AES-GCM advertised by {}; the best cipher all recipients advertise",
            without_gcm.join("; ")
        ),
        CipherReason::NoCommonCipher => {
            "the recipients advertise no cipher in common that can be written: AES-128-CBC, \
             which every S/MIME client reads"
                .to_string()
        }
        other => format!("{other:?}"),
    };
    format!("{} ({why})", choice.cipher.name())
}

fn print_imported(ring: &Keyring, imported: &Imported, from: &str) {
    for fp in &imported.identities {
        if let Some(id) = ring.identity(fp) {
            outln!(
                "identity     {fp}  {}  {}  {}{}  (from {from})",
                id.certificate().roles(),
                addresses(id.certificate()),
                id.certificate().subject(),
                id.label()
                    .map(|l| format!("  label \"{l}\""))
                    .unwrap_or_default(),
            );
        }
    }
    for fp in &imported.contacts {
        if let Some((kind, info)) = describe(ring, fp) {
            outln!(
                "{kind:<12} {fp}  {}  {}  {}  (from {from})",
                info.roles(),
                addresses(info),
                info.subject()
            );
        }
    }
    for fp in &imported.intermediates {
        if let Some((_, info)) = describe(ring, fp) {
            outln!("intermediate {fp}  {}  (from {from})", info.subject());
        }
    }
    if imported.crls > 0 {
        outln!("CRLs         {}  (from {from})", imported.crls);
    }
}

/// The issuer, this update, next update and number of entries of a CRL.
fn crl_summary(der: &[u8]) -> Option<(String, SystemTime, Option<SystemTime>, usize)> {
    use der::Decode;
    let crl =
        x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).ok()?;
    let tbs = &crl.tbs_cert_list;
    Some((
        tbs.issuer.to_string(),
        tbs.this_update.to_system_time(),
        tbs.next_update.map(|t| t.to_system_time()),
        tbs.revoked_certificates.as_ref().map_or(0, Vec::len),
    ))
}

// ---- using a keyring from the other commands ------------------------------------------------

/// What harvesting a verified message taught the keyring, one line each.
pub fn harvest_lines(ring: &Keyring, h: &Harvest) -> Vec<String> {
    let mut out = Vec::new();
    let name = |fp: &Fingerprint| match describe(ring, fp) {
        Some((_, info)) => format!("{} {} <{}>", short(fp), info.subject(), addresses(info)),
        None => short(fp),
    };
    for fp in &h.added {
        out.push(format!("learned: new contact {}", name(fp)));
    }
    for fp in &h.seen_again {
        out.push(format!("learned: seen again {}", name(fp)));
    }
    for fp in &h.capabilities_learned {
        let caps = ring
            .contact(fp)
            .and_then(|c| c.capabilities())
            .map(capability_names)
            .unwrap_or_default();
        let ciphers: Vec<&str> = caps
            .iter()
            .map(String::as_str)
            .filter(|n| is_cipher_name(n))
            .collect();
        out.push(format!(
            "learned: capabilities of {}: {}",
            short(fp),
            if ciphers.is_empty() {
                "no content cipher".to_string()
            } else {
                ciphers.join(", ")
            }
        ));
    }
    for fp in &h.preferred {
        out.push(format!("learned: encrypt to {} from now on", name(fp)));
    }
    for why in &h.ignored {
        out.push(format!("not learned: {why}"));
    }
    if out.is_empty() {
        out.push("learned: nothing new".into());
    }
    out
}

// ---- smime keyring ... ----------------------------------------------------------------------

/// `smime keyring new`.
pub fn cmd_new(a: &NewArgs) -> Result<u8, Usage> {
    let (path, key_path) = required_paths(&a.keyring)?;
    // Claim the name first, so that an existing keyring is never replaced.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Usage(format!(
                "{path} already exists: refusing to overwrite a keyring"
            )));
        }
        Err(e) => return Err(Usage(format!("cannot create {path}: {e}"))),
    }
    let result = (|| {
        let (key, created) = if Path::new(&key_path).exists() {
            (read_key(&key_path)?, false)
        } else {
            let key = SealingKey::generate();
            write_private(&key_path, format!("{}\n", key.to_hex().as_str()).as_bytes())?;
            (key, true)
        };
        Keyring::new()
            .save(Path::new(&path), &key)
            .map_err(|e| Usage(format!("{path}: {e}")))?;
        Ok::<bool, Usage>(created)
    })();
    match result {
        Ok(created) => {
            outln!("created an empty keyring: {path}");
            if created {
                outln!(
                    "generated a new sealing key: {key_path} (keep it safe: without it the keyring cannot be opened)"
                );
            } else {
                outln!("sealed with the existing key in {key_path}");
            }
            Ok(0)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// Writes a new file readable by its owner only (on unix), refusing to replace one.
fn write_private(path: &str, data: &[u8]) -> Result<(), Usage> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Usage(format!("cannot create {path}: {e}")))?;
    file.write_all(data)
        .and_then(|_| file.sync_all())
        .map_err(|e| Usage(format!("cannot write {path}: {e}")))
}

/// One thing to import, in command-line order.
enum Item {
    P12 {
        file: String,
        password: Option<String>,
        label: Option<String>,
    },
    Key {
        file: String,
        password: Option<String>,
        cert: Option<String>,
        label: Option<String>,
        /// A `--cert` given just before this `--key`, used if none follows it.
        cert_before: Option<usize>,
    },
    Certs(String),
    Directory(String),
    CertsOnly(String),
    Crl(String),
    /// A `--cert` that was taken by the `--key` after it.
    Taken,
}

/// The import options of `m` in command-line order, as (flag, value) pairs; every password
/// option is read and given as `--password`.
fn import_pairs(m: &ArgMatches) -> Result<Vec<(String, String)>, Usage> {
    let mut pairs: Vec<(usize, String, String)> = Vec::new();
    for (id, flag) in [
        ("p12", "--p12"),
        ("key", "--key"),
        ("label", "--label"),
        ("cert", "--cert"),
        ("directory", "--directory"),
        ("certs_only", "--certs-only"),
        ("crl", "--crl"),
    ] {
        if let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) {
            for (i, v) in idx.zip(vals) {
                pairs.push((i, flag.to_string(), v.clone()));
            }
        }
    }
    for (i, given) in crate::secret::given(m) {
        pairs.push((i, "--password".into(), given.read()?.to_string()));
    }
    pairs.sort_by_key(|(i, _, _)| *i);
    Ok(pairs.into_iter().map(|(_, f, v)| (f, v)).collect())
}

fn import_items(pairs: &[(String, String)]) -> Result<Vec<Item>, Usage> {
    let mut items: Vec<Item> = Vec::new();
    // The identity item that --password, --label and a following --cert belong to.
    let mut current: Option<usize> = None;
    for (flag, value) in pairs {
        let value = value.clone();
        match flag.as_str() {
            "--p12" => {
                items.push(Item::P12 {
                    file: value,
                    password: None,
                    label: None,
                });
                current = Some(items.len() - 1);
            }
            "--key" => {
                let cert_before = match items.last() {
                    Some(Item::Certs(_)) if current.is_none() => Some(items.len() - 1),
                    _ => None,
                };
                items.push(Item::Key {
                    file: value,
                    password: None,
                    cert: None,
                    label: None,
                    cert_before,
                });
                current = Some(items.len() - 1);
            }
            "--password" => match current.and_then(|i| items.get_mut(i)) {
                Some(Item::P12 { password, .. } | Item::Key { password, .. })
                    if password.is_none() =>
                {
                    *password = Some(value);
                }
                _ => {
                    return Err(Usage(
                        "--password must follow the --p12 or --key it belongs to".into(),
                    ));
                }
            },
            "--label" => match current.and_then(|i| items.get_mut(i)) {
                Some(Item::P12 { label, .. } | Item::Key { label, .. }) if label.is_none() => {
                    *label = Some(value);
                }
                _ => {
                    return Err(Usage(
                        "--label must follow the --p12 or --key it belongs to".into(),
                    ));
                }
            },
            "--cert" => match current.and_then(|i| items.get_mut(i)) {
                Some(Item::Key { cert, .. }) if cert.is_none() => *cert = Some(value),
                _ => {
                    items.push(Item::Certs(value));
                    current = None;
                }
            },
            "--directory" => {
                items.push(Item::Directory(value));
                current = None;
            }
            "--certs-only" => {
                items.push(Item::CertsOnly(value));
                current = None;
            }
            "--crl" => {
                items.push(Item::Crl(value));
                current = None;
            }
            _ => {}
        }
    }
    // A --key without a --cert after it takes the --cert right before it.
    for i in 0..items.len() {
        let j = match &items[i] {
            Item::Key {
                cert: None,
                cert_before: Some(j),
                ..
            } => *j,
            _ => continue,
        };
        if let Item::Certs(file) = std::mem::replace(&mut items[j], Item::Taken)
            && let Item::Key { cert, .. } = &mut items[i]
        {
            *cert = Some(file);
        }
    }
    for item in &items {
        match item {
            Item::P12 { file, password, .. }
                if password.is_none() && !crate::secret::can_prompt() =>
            {
                return Err(Usage(format!(
                    "--p12 {file} needs its password (--password-file FILE, --password-env VAR \
                     or --password PASS after it)"
                )));
            }
            Item::Key { file, cert, .. } if cert.is_none() => {
                return Err(Usage(format!(
                    "--key {file} needs its certificate: --key {file} --cert CERTFILE"
                )));
            }
            _ => {}
        }
    }
    Ok(items)
}

/// `smime keyring import`.
pub fn cmd_import(a: &ImportArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let (path, key_path) = required_paths(&a.keyring)?;
    let items = import_items(&import_pairs(m)?)?;
    let limits = crate::secret::pkcs12_limits(a.pkcs12.max_iterations);
    if items.iter().all(|i| matches!(i, Item::Taken)) {
        return Err(Usage(
            "nothing to import: give --p12, --key/--cert, --cert, --directory, --certs-only or --crl"
                .into(),
        ));
    }
    let mut kf = load(&path, &key_path)?;
    let now = SystemTime::now();
    let mut total = 0;
    for item in &items {
        let (imported, from) = match item {
            Item::Taken => continue,
            Item::P12 {
                file,
                password,
                label,
            } => {
                let bytes = read_file(file)?;
                let password = match password {
                    Some(p) => zeroize::Zeroizing::new(p.clone()),
                    None => crate::secret::prompt(file)?,
                };
                let mut imp = {
                    let _progress = crate::out::Progress::start(&format!("importing {file}"));
                    kf.ring
                        .import_pkcs12_with_limits(&bytes, &password, &limits)
                        .map_err(|e| Usage(format!("{file}: {e}")))?
                };
                if let Some(label) = label {
                    relabel(&mut kf.ring, &mut imp, label)?;
                }
                (imp, file)
            }
            Item::Key {
                file,
                password,
                cert,
                label,
                ..
            } => {
                let cert = cert.as_deref().unwrap_or_default();
                let key = zeroize::Zeroizing::new(read_file(file)?);
                let certs = read_file(cert)?;
                let imp = kf
                    .ring
                    .import_key_and_certificates(&key, password.as_deref(), &certs, label.clone())
                    .map_err(|e| Usage(format!("{file} with {cert}: {e}")))?;
                (imp, file)
            }
            Item::Certs(file) => {
                let imp = kf
                    .ring
                    .import_certificates(&read_file(file)?, Source::File, now)
                    .map_err(|e| Usage(format!("{file}: {e}")))?;
                (imp, file)
            }
            Item::Directory(file) => {
                let imp = kf
                    .ring
                    .import_directory_entry(&read_file(file)?, now)
                    .map_err(|e| Usage(format!("{file}: {e}")))?;
                (imp, file)
            }
            Item::CertsOnly(file) => {
                let imp = kf
                    .ring
                    .import_certs_only(&read_file(file)?, now)
                    .map_err(|e| Usage(format!("{file}: {e}")))?;
                (imp, file)
            }
            Item::Crl(file) => {
                let crls = smime::crypto::keys::read_crls(&read_file(file)?)
                    .map_err(|e| Usage(format!("{file}: {e}")))?;
                if crls.is_empty() {
                    return Err(Usage(format!("{file}: no CRL in the file")));
                }
                for crl in &crls {
                    kf.ring
                        .add_crl(crl)
                        .map_err(|e| Usage(format!("{file}: {e}")))?;
                    match crl_summary(crl) {
                        Some((issuer, this, next, n)) => outln!(
                            "CRL          {issuer}  this update {}{}  {n} revoked  (from {file})",
                            time_str(this),
                            next.map(|t| format!(", next update {}", time_str(t)))
                                .unwrap_or_default()
                        ),
                        None => outln!("CRL          (from {file})"),
                    }
                }
                total += crls.len();
                continue;
            }
        };
        total += imported.total();
        print_imported(&kf.ring, &imported, from);
    }
    kf.save()?;
    outln!(
        "imported {total} item{} into {path}",
        if total == 1 { "" } else { "s" }
    );
    Ok(0)
}

/// Gives the identities of an import the label from the command line (the library takes the
/// PKCS#12 friendly name): re-adds each with the same key, certificate and chain.
fn relabel(ring: &mut Keyring, imported: &mut Imported, label: &str) -> Result<(), Usage> {
    for fp in &imported.identities {
        let Some(id) = ring.identity(fp) else {
            continue;
        };
        let Some(StoredKey::Pkcs8(key)) = id.stored_key().cloned() else {
            continue;
        };
        let cert = id.certificate().clone();
        let chain = id.chain().to_vec();
        ring.add_identity(&key, &cert, chain, Some(label.to_string()))
            .map_err(|e| Usage(e.to_string()))?;
    }
    Ok(())
}

/// `smime keyring trust`.
pub fn cmd_trust(a: &TrustArgs) -> Result<u8, Usage> {
    let (path, key_path) = required_paths(&a.keyring)?;
    if a.files.is_empty() {
        return Err(Usage(
            "keyring trust needs at least one certificate file".into(),
        ));
    }
    let mut kf = load(&path, &key_path)?;
    let mut n = 0;
    for file in &a.files {
        let certs = crate::certs_from(file)?;
        if certs.is_empty() {
            return Err(Usage(format!("{file}: no certificate in the file")));
        }
        for c in &certs {
            let fp = kf
                .ring
                .add_trust_anchor(c.der())
                .map_err(|e| Usage(format!("{file}: {e}")))?;
            let info = c;
            let note = if info.is_ca() {
                ""
            } else {
                "  (not a CA certificate: trusted for itself only)"
            };
            outln!("trust anchor {fp}  {}{note}", info.subject());
            n += 1;
        }
    }
    kf.save()?;
    outln!(
        "{n} trust anchor{} in {path}",
        if n == 1 { "" } else { "s" }
    );
    Ok(0)
}

/// The CRL distribution points and OCSP responders a certificate names.
fn revocation_urls(ring: &Keyring, fp: &Fingerprint) -> (Vec<String>, Vec<String>) {
    match ring.revocation_urls(fp) {
        Ok(u) => (
            u.crl_distribution_points
                .iter()
                .map(|s| s.to_string())
                .collect(),
            u.ocsp.iter().map(|s| s.to_string()).collect(),
        ),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

fn cert_json(ring: &Keyring, info: &Certificate) -> Value {
    let (crl_dp, ocsp) = revocation_urls(ring, &info.fingerprint());
    json!({
        "fingerprint": info.fingerprint().to_hex(),
        "subject": info.subject(),
        "issuer": info.issuer(),
        "serial": info.serial(),
        "addresses": info.addresses(),
        "roles": info.roles().to_string(),
        "not_before": time_str(info.not_before()),
        "not_after": time_str(info.not_after()),
        "valid_now": info.valid_at(SystemTime::now()),
        "crl_distribution_points": crl_dp,
        "ocsp": ocsp,
    })
}

fn cert_lines(out: &mut String, ring: &Keyring, info: &Certificate, now: SystemTime) {
    let _ = writeln!(out, "    subject:   {}", info.subject());
    let _ = writeln!(out, "    issuer:    {}", info.issuer());
    if !info.addresses().is_empty() {
        let _ = writeln!(out, "    addresses: {}", info.addresses().join(", "));
    }
    let _ = writeln!(
        out,
        "    valid:     {} .. {}{}",
        time_str(info.not_before()),
        time_str(info.not_after()),
        if info.valid_at(now) {
            ""
        } else if now > info.not_after() {
            "  (EXPIRED)"
        } else {
            "  (NOT YET VALID)"
        }
    );
    let (crl_dp, ocsp) = revocation_urls(ring, &info.fingerprint());
    if !crl_dp.is_empty() {
        let _ = writeln!(out, "    CRL DP:    {}", crl_dp.join(", "));
    }
    if !ocsp.is_empty() {
        let _ = writeln!(out, "    OCSP:      {}", ocsp.join(", "));
    }
}

/// `smime keyring list`.
pub fn cmd_list(a: &ListArgs) -> Result<u8, Usage> {
    let (path, key_path) = required_paths(&a.keyring)?;
    let kf = load(&path, &key_path)?;
    let ring = &kf.ring;
    let now = SystemTime::now();
    let crls: Vec<Value> = ring
        .crls()
        .iter()
        .map(|der| match crl_summary(der) {
            Some((issuer, this, next, n)) => json!({
                "issuer": issuer,
                "this_update": time_str(this),
                "next_update": next.map(time_str),
                "revoked": n,
            }),
            None => json!({"issuer": null}),
        })
        .collect();
    if a.json {
        let identities: Vec<Value> = ring
            .identities()
            .map(|i| {
                let mut v = cert_json(ring, i.certificate());
                v["label"] = json!(i.label());
                v["key_available"] = json!(i.key().is_some());
                v["key_storage"] = json!(match i.stored_key() {
                    Some(StoredKey::Pkcs8(_)) => "software",
                    Some(StoredKey::External(_)) => "external",
                    None => "none",
                });
                v["chain_length"] = json!(i.chain().len());
                v["added"] = json!(i.added().map(time_str));
                v
            })
            .collect();
        let contacts: Vec<Value> = ring
            .contacts()
            .map(|c| {
                let mut v = cert_json(ring, c.certificate());
                v["source"] = json!(c.source().name());
                v["first_seen"] = json!(time_str(c.first_seen()));
                v["last_seen"] = json!(time_str(c.last_seen()));
                v["capabilities"] = json!(c.capabilities().map(capability_names));
                v["preferred_seen"] = json!(c.preferred_seen().map(time_str));
                v
            })
            .collect();
        let anchors: Vec<Value> = ring
            .trust_anchors()
            .iter()
            .map(|i| cert_json(ring, i))
            .collect();
        let intermediates: Vec<Value> = ring
            .intermediates()
            .iter()
            .map(|i| cert_json(ring, i))
            .collect();
        let v = json!({
            "schema": crate::JSON_SCHEMA,
            "identities": identities,
            "contacts": contacts,
            "trust_anchors": anchors,
            "intermediates": intermediates,
            "crls": crls,
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
        );
        return Ok(0);
    }

    let mut out = String::new();
    let ids: Vec<_> = ring.identities().collect();
    let _ = writeln!(out, "identities: {}", ids.len());
    for i in ids {
        let info = i.certificate();
        let _ = writeln!(
            out,
            "  {}  {}{}",
            info.fingerprint(),
            info.roles(),
            i.label().map(|l| format!("  \"{l}\"")).unwrap_or_default()
        );
        cert_lines(&mut out, ring, info, now);
        let _ = writeln!(
            out,
            "    key:       {}, {}",
            match i.stored_key() {
                Some(StoredKey::Pkcs8(_)) => "software (sealed in the keyring)",
                Some(StoredKey::External(_)) => "external",
                None => "outside the keyring",
            },
            if i.key().is_some() {
                "available"
            } else {
                "NOT available"
            }
        );
        let _ = writeln!(out, "    chain:     {} certificate(s)", i.chain().len());
    }
    let contacts: Vec<_> = ring.contacts().collect();
    let _ = writeln!(out, "contacts: {}", contacts.len());
    for c in contacts {
        let info = c.certificate();
        let _ = writeln!(out, "  {}  {}", info.fingerprint(), info.roles());
        cert_lines(&mut out, ring, info, now);
        let _ = writeln!(
            out,
            "    source:    {}, first seen {}, last seen {}",
            c.source().name(),
            time_str(c.first_seen()),
            time_str(c.last_seen())
        );
        if let Some(caps) = c.capabilities() {
            let names = capability_names(caps);
            let ciphers: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| is_cipher_name(n))
                .collect();
            let _ = writeln!(
                out,
                "    ciphers:   {}",
                if ciphers.is_empty() {
                    "(none advertised)".to_string()
                } else {
                    ciphers.join(", ")
                }
            );
        }
        if let Some(t) = c.preferred_seen() {
            let _ = writeln!(
                out,
                "    preferred: named for encryption in signed mail, last {}",
                time_str(t)
            );
        }
    }
    let _ = writeln!(out, "trust anchors: {}", ring.trust_anchors().len());
    for info in ring.trust_anchors() {
        let _ = writeln!(out, "  {}", info.fingerprint());
        cert_lines(&mut out, ring, info, now);
    }
    let _ = writeln!(out, "intermediates: {}", ring.intermediates().len());
    for info in ring.intermediates() {
        let _ = writeln!(out, "  {}", info.fingerprint());
        cert_lines(&mut out, ring, info, now);
    }
    let _ = writeln!(out, "CRLs: {}", ring.crls().len());
    for der in ring.crls() {
        match crl_summary(der) {
            Some((issuer, this, next, n)) => {
                let _ = writeln!(
                    out,
                    "  {issuer}\n    this update {}, next update {}, {n} revoked",
                    time_str(this),
                    next.map(time_str).unwrap_or_else(|| "(none)".into())
                );
            }
            None => {
                let _ = writeln!(out, "  (does not parse)");
            }
        }
    }
    out!("{out}");
    Ok(0)
}

/// The one certificate a fingerprint prefix names; a usage error listing the candidates when
/// it names several.
pub fn resolve(ring: &Keyring, prefix: &str) -> Result<Fingerprint, Usage> {
    let p: String = prefix
        .trim()
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if p.len() < 8 || !p.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Usage(format!(
            "'{prefix}' is not a fingerprint: give at least 8 hexadecimal digits"
        )));
    }
    let found = ring.find_by_fingerprint_prefix(&p);
    match found.as_slice() {
        [] => Err(Usage(format!(
            "no certificate in the keyring has a fingerprint starting with {p}"
        ))),
        [one] => Ok(*one),
        many => {
            let mut msg = format!("{p} is ambiguous: it matches {} certificates:", many.len());
            for fp in many {
                let (kind, subject) = describe(ring, fp)
                    .map(|(k, i)| (k, i.subject()))
                    .unwrap_or(("?", ""));
                let _ = write!(msg, "\n  {fp}  {kind}  {subject}");
            }
            Err(Usage(msg))
        }
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    let bytes = b64.as_bytes();
    for chunk in bytes.chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}

/// `smime keyring export`.
pub fn cmd_export(a: &ExportArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let (path, key_path) = required_paths(&a.keyring)?;
    let what = [
        a.identity.is_some(),
        a.certs_only.is_some(),
        a.cert.is_some(),
    ];
    if what.iter().filter(|x| **x).count() != 1 {
        return Err(Usage(
            "keyring export needs exactly one of --identity FP, --certs-only ADDR, --cert FP"
                .into(),
        ));
    }
    let passwords = crate::secret::given(m);
    let kf = load(&path, &key_path)?;
    if let Some(prefix) = &a.identity {
        let Some(out) = &a.p12 else {
            return Err(Usage(
                "--identity FP needs --p12 OUT and a password for it".into(),
            ));
        };
        let password = match passwords.as_slice() {
            [(_, one)] => one.read()?,
            [] if crate::secret::can_prompt() => crate::secret::prompt(out)?,
            [] => {
                return Err(Usage(
                    "--identity FP needs a password for the PKCS#12 file: --password-file \
                     FILE, --password-env VAR or --password PASS"
                        .into(),
                ));
            }
            _ => return Err(Usage("--identity takes one password".into())),
        };
        if a.output.is_some() {
            return Err(Usage("--identity writes to --p12 OUT, not -o".into()));
        }
        let fp = resolve(&kf.ring, prefix)?;
        if kf.ring.identity(&fp).is_none() {
            return Err(Usage(format!(
                "{fp} is not one of your identities: only identities have a private key to export"
            )));
        }
        let p12 = kf
            .ring
            .export_pkcs12(&fp, &password)
            .map_err(|e| Usage(format!("{fp}: {e}")))?;
        crate::out::write_file_atomic(out, &p12)?;
        errln!("exported identity {fp} to {out} (PKCS#12, AES-256-CBC, HMAC-SHA-256)");
        return Ok(0);
    }
    if a.p12.is_some() || !passwords.is_empty() {
        return Err(Usage("--p12 and --password go with --identity".into()));
    }
    if let Some(address) = &a.certs_only {
        let msg = kf
            .ring
            .export_certs_only_message(address, SystemTime::now())
            .map_err(|e| Usage(e.to_string()))?;
        write_output(a.output.as_deref(), &msg)?;
        return Ok(0);
    }
    if let Some(prefix) = &a.cert {
        let fp = resolve(&kf.ring, prefix)?;
        let (_, info) =
            describe(&kf.ring, &fp).ok_or_else(|| Usage(format!("not in the keyring: {fp}")))?;
        write_output(
            a.output.as_deref(),
            pem("CERTIFICATE", info.der()).as_bytes(),
        )?;
        return Ok(0);
    }
    Ok(0)
}

/// `smime keyring remove`.
pub fn cmd_remove(a: &RemoveArgs) -> Result<u8, Usage> {
    let (path, key_path) = required_paths(&a.keyring)?;
    if a.fingerprints.is_empty() {
        return Err(Usage(
            "keyring remove needs at least one fingerprint".into(),
        ));
    }
    let mut kf = load(&path, &key_path)?;
    // Resolve every prefix before removing anything.
    let mut targets = Vec::new();
    for prefix in &a.fingerprints {
        let fp = resolve(&kf.ring, prefix)?;
        if !targets.contains(&fp) {
            targets.push(fp);
        }
    }
    for fp in &targets {
        let desc = describe(&kf.ring, fp).map(|(k, i)| (k, i.subject().to_string()));
        if kf.ring.remove(fp) {
            let (kind, subject) = desc.unwrap_or(("certificate", String::new()));
            outln!("removed {kind} {fp}  {subject}");
            if kind == "identity" {
                outln!(
                    "  its private key is gone: mail encrypted to this certificate no longer opens with this keyring"
                );
            }
        }
    }
    kf.save()?;
    Ok(0)
}

/// `smime keyring check`.
pub fn cmd_check(a: &CheckArgs) -> Result<u8, Usage> {
    let policy = crate::policy_from(a.revocation, false);
    let (path, key_path) = required_paths(&a.keyring)?;
    if a.addresses.is_empty() {
        return Err(Usage("keyring check needs at least one address".into()));
    }
    let kf = load(&path, &key_path)?;
    let addrs: Vec<&str> = a.addresses.iter().map(String::as_str).collect();
    let mut all_ready = true;
    for r in kf.ring.recipient_readiness(&addrs, &policy) {
        match &r.readiness {
            Readiness::Ready {
                fingerprint,
                revocation,
                ..
            } => {
                let subject = describe(&kf.ring, fingerprint)
                    .map(|(_, i)| i.subject().to_string())
                    .unwrap_or_default();
                outln!(
                    "{}: ready: certificate {} {subject}; revocation: {revocation}",
                    r.address,
                    short(fingerprint)
                );
            }
            _ => {
                all_ready = false;
                outln!("{}: {}", r.address, readiness_reason(&r));
            }
        }
    }
    Ok(if all_ready { 0 } else { 1 })
}
