//! Certificate hierarchies for the path-validation tests, built with the `openssl` CLI in a
//! temporary directory: every certificate is `openssl req` + `openssl x509 -req -extfile`,
//! so each test states exactly the extensions, names, keys and digests it needs. What OpenSSL
//! cannot write (issuer/subject unique identifiers) is spliced into the DER here and re-signed
//! with `openssl dgst`.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use smime::policy::Policy;
use smime::validate::{ChainFailure, ChainInput, ChainOutcome, validate_chain};

/// Extensions of a CA certificate (OpenSSL syntax), before any test-specific lines.
pub const CA_EXT: &str = "basicConstraints = critical, CA:TRUE\n\
keyUsage = critical, keyCertSign, cRLSign\n\
subjectKeyIdentifier = hash\n\
authorityKeyIdentifier = keyid\n";

/// Extensions of an S/MIME end-entity certificate, before any test-specific lines.
pub const LEAF_EXT: &str = "basicConstraints = critical, CA:FALSE\n\
keyUsage = critical, digitalSignature, keyEncipherment\n\
extendedKeyUsage = emailProtection\n\
subjectKeyIdentifier = hash\n\
authorityKeyIdentifier = keyid\n";

/// A key type.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    /// NIST P-256.
    P256,
    /// RSA with this many bits.
    Rsa(u32),
}

/// One certificate: its DER and the file stem of its PEM (`<stem>.pem`).
#[derive(Debug, Clone)]
pub struct Cert {
    /// DER encoding.
    pub der: Vec<u8>,
    /// File stem in the PKI directory.
    pub stem: String,
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    /// File stem of the new certificate.
    pub stem: &'a str,
    /// Subject in `openssl -subj` form (`/CN=x/O=y`).
    pub subject: &'a str,
    /// File stem of the subject's key (`<key>.key`; generated if missing).
    pub key: &'a str,
    /// Key type if the key has to be generated.
    pub key_type: Key,
    /// Issuer: (certificate stem, key stem); `None` for self-signed.
    pub issuer: Option<(&'a str, &'a str)>,
    /// Extension lines (OpenSSL x509v3 config syntax).
    pub ext: String,
    /// Days of validity from now.
    pub days: u32,
    /// Digest for the signature (`sha256`, `sha1`...).
    pub digest: &'a str,
    /// Encode the subject's strings as UTF8String (otherwise PrintableString where possible).
    pub utf8: bool,
}

impl<'a> Spec<'a> {
    /// A CA certificate `stem` with subject `subject` and its own key `stem`, issued by
    /// `issuer` (None: self-signed), with [`CA_EXT`] plus `extra`.
    pub fn ca(stem: &'a str, subject: &'a str, issuer: Option<&'a str>, extra: &str) -> Self {
        Spec {
            stem,
            subject,
            key: stem,
            key_type: Key::P256,
            issuer: issuer.map(|i| (i, i)),
            ext: format!("{CA_EXT}{extra}"),
            days: 3650,
            digest: "sha256",
            utf8: false,
        }
    }

    /// An S/MIME leaf `stem` issued by `issuer`, with [`LEAF_EXT`] plus `extra`.
    pub fn leaf(stem: &'a str, subject: &'a str, issuer: &'a str, extra: &str) -> Self {
        Spec {
            stem,
            subject,
            key: stem,
            key_type: Key::P256,
            issuer: Some((issuer, issuer)),
            ext: format!("{LEAF_EXT}{extra}"),
            days: 365,
            digest: "sha256",
            utf8: false,
        }
    }
}

/// A directory of keys and certificates.
pub struct Pki {
    /// The directory (removed on drop).
    pub dir: tempfile::TempDir,
}

static SERIAL: AtomicU64 = AtomicU64::new(1000);

/// Runs `openssl` with `args` in `dir`; panics with its stderr if it fails (tests only).
pub fn openssl(args: &[&str], dir: &Path) -> Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl: {e}"));
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Pki {
    /// An empty PKI directory.
    pub fn new() -> Self {
        Pki {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Generates `<stem>.key` unless it exists.
    pub fn key(&self, stem: &str, kind: Key) {
        let file = format!("{stem}.key");
        if self.path().join(&file).exists() {
            return;
        }
        match kind {
            Key::P256 => openssl(
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &file,
                ],
                self.path(),
            ),
            Key::Rsa(bits) => openssl(
                &[
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    &format!("rsa_keygen_bits:{bits}"),
                    "-out",
                    &file,
                ],
                self.path(),
            ),
        };
    }

    /// Issues the certificate `spec` describes.
    pub fn issue(&self, spec: &Spec<'_>) -> Cert {
        let p = self.path();
        self.key(spec.key, spec.key_type);
        let stem = spec.stem;
        let req_cnf = format!("{stem}.req.cnf");
        let mask = if spec.utf8 { "utf8only" } else { "default" };
        std::fs::write(
            p.join(&req_cnf),
            format!("[req]\ndistinguished_name = dn\nprompt = no\nstring_mask = {mask}\n[dn]\nCN = unused\n"),
        )
        .expect("write req config");
        let csr = format!("{stem}.csr");
        let key = format!("{}.key", spec.key);
        let mut req = vec![
            "req",
            "-new",
            "-config",
            &req_cnf,
            "-key",
            &key,
            "-subj",
            spec.subject,
            "-out",
            &csr,
        ];
        if spec.utf8 {
            req.push("-utf8");
        }
        openssl(&req, p);
        let ext = format!("{stem}.ext");
        std::fs::write(p.join(&ext), format!("[v3]\n{}", spec.ext)).expect("write extensions");
        let pem = format!("{stem}.pem");
        let days = spec.days.to_string();
        let serial = SERIAL.fetch_add(1, Ordering::SeqCst).to_string();
        let digest = format!("-{}", spec.digest);
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-out",
            &pem,
            "-extfile",
            &ext,
            "-extensions",
            "v3",
            "-days",
            &days,
            "-set_serial",
            &serial,
            &digest,
        ];
        let (ca_pem, ca_key);
        match spec.issuer {
            None => {
                args.push("-key");
                args.push(&key);
            }
            Some((c, k)) => {
                ca_pem = format!("{c}.pem");
                ca_key = format!("{k}.key");
                args.extend(["-CA", &ca_pem, "-CAkey", &ca_key]);
            }
        }
        openssl(&args, p);
        self.load(stem)
    }

    /// Reads `<stem>.pem` as DER.
    pub fn load(&self, stem: &str) -> Cert {
        let der = format!("{stem}.der");
        openssl(
            &[
                "x509",
                "-in",
                &format!("{stem}.pem"),
                "-outform",
                "DER",
                "-out",
                &der,
            ],
            self.path(),
        );
        Cert {
            der: std::fs::read(self.path().join(&der)).expect("read DER"),
            stem: stem.to_string(),
        }
    }

    /// Signs `data` with `<key>.key` and `digest` (`openssl dgst`): an ECDSA or PKCS#1 v1.5
    /// signature.
    pub fn sign(&self, key: &str, digest: &str, data: &[u8]) -> Vec<u8> {
        let p = self.path();
        let n = SERIAL.fetch_add(1, Ordering::SeqCst);
        let input = format!("tbs{n}.bin");
        let output = format!("sig{n}.bin");
        std::fs::write(p.join(&input), data).expect("write tbs");
        openssl(
            &[
                "dgst",
                &format!("-{digest}"),
                "-sign",
                &format!("{key}.key"),
                "-out",
                &output,
                &input,
            ],
            p,
        );
        std::fs::read(p.join(&output)).expect("read signature")
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

// ---- minimal DER, for splicing fields OpenSSL cannot write ---------------------------------

/// A DER TLV with a short or long length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// Splits DER `data` into its top-level TLVs.
pub fn split_tlvs(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (hdr, len) = header(data);
        out.push(data[..hdr + len].to_vec());
        data = &data[hdr + len..];
    }
    out
}

/// The header length and content length of the TLV at the start of `data`.
pub fn header(data: &[u8]) -> (usize, usize) {
    let first = data[1] as usize;
    if first < 0x80 {
        (2, first)
    } else {
        let n = first & 0x7f;
        let mut len = 0usize;
        for b in &data[2..2 + n] {
            len = (len << 8) | *b as usize;
        }
        (2 + n, len)
    }
}

/// The content of the TLV at the start of `data`.
pub fn content(data: &[u8]) -> &[u8] {
    let (h, l) = header(data);
    &data[h..h + l]
}

/// Rebuilds `cert` with `edit` applied to the fields of its tbsCertificate, re-signed by
/// `issuer_key` (ECDSA with SHA-256; the signature algorithm is kept).
pub fn resign(
    pki: &Pki,
    cert: &[u8],
    issuer_key: &str,
    edit: impl Fn(&mut Vec<Vec<u8>>),
) -> Vec<u8> {
    let parts = split_tlvs(content(cert));
    let mut fields = split_tlvs(content(&parts[0]));
    edit(&mut fields);
    let tbs = tlv(0x30, &fields.concat());
    let sig = pki.sign(issuer_key, "sha256", &tbs);
    let mut bits = vec![0u8];
    bits.extend(sig);
    tlv(0x30, &[tbs, parts[1].clone(), tlv(0x03, &bits)].concat())
}

// ---- validation -----------------------------------------------------------------------------

/// Validates `leaf` with `intermediates` and `anchors` at `time` under `policy`.
pub fn validate_at(
    leaf: &Cert,
    intermediates: &[&Cert],
    anchors: &[&Cert],
    time: SystemTime,
    policy: &Policy,
) -> ChainOutcome {
    let ints: Vec<Vec<u8>> = intermediates.iter().map(|c| c.der.clone()).collect();
    let tas: Vec<Vec<u8>> = anchors.iter().map(|c| c.der.clone()).collect();
    validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &ints,
            trust_anchors: &tas,
            crls: &[],
            time,
        },
        policy,
    )
}

/// Validates now under a default policy with revocation off (these tests are about the path).
pub fn validate(leaf: &Cert, intermediates: &[&Cert], anchors: &[&Cert]) -> ChainOutcome {
    validate_with(leaf, intermediates, anchors, &path_policy())
}

/// Validates now under `policy`.
pub fn validate_with(
    leaf: &Cert,
    intermediates: &[&Cert],
    anchors: &[&Cert],
    policy: &Policy,
) -> ChainOutcome {
    validate_at(leaf, intermediates, anchors, SystemTime::now(), policy)
}

/// The default policy with revocation off.
pub fn path_policy() -> Policy {
    let mut p = Policy::default();
    p.revocation = smime::policy::RevocationMode::Off;
    p
}

/// Asserts the path is valid and returns its DER certificates.
#[track_caller]
pub fn assert_valid(o: &ChainOutcome) -> Vec<Vec<u8>> {
    match &o.result {
        Ok(path) => path.clone(),
        Err(e) => panic!("expected a valid path, got {e:?} ({e})"),
    }
}

/// The failure, or a panic if the path is valid.
#[track_caller]
pub fn failure(o: &ChainOutcome) -> ChainFailure {
    match &o.result {
        Ok(_) => panic!("expected the path to fail, but it is valid"),
        Err(e) => e.clone(),
    }
}
