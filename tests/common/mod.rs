#![allow(dead_code)]
//! A test PKI generated at test time with the OpenSSL CLI: a P-256 root CA, an RSA-2048
//! intermediate CA signed by it, and leaves issued by the intermediate (`openssl ca`, so leaves
//! can be backdated, revoked and listed in CRLs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The key type of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA, 2048 bits.
    Rsa2048,
    /// RSA, 1024 bits (too weak to sign with).
    Rsa1024,
    /// ECDSA on P-256.
    P256,
    /// ECDSA on P-384.
    P384,
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// X25519 (RFC 8410): the certificate request is signed with a throwaway Ed25519 key and
    /// the certificate carries the X25519 key (`openssl x509 -force_pubkey`).
    X25519,
}

/// A generated certificate and its private key.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The certificate, PEM file.
    pub cert_path: PathBuf,
    /// The private key, unencrypted PKCS#8 PEM file.
    pub key_path: PathBuf,
    /// The private key, unencrypted PKCS#8 PEM.
    pub key_pem: Vec<u8>,
}

impl Cert {
    /// The certificate, parsed.
    #[allow(dead_code)]
    pub fn certificate(&self) -> smime::Certificate {
        smime::Certificate::from_der(&self.der).expect("a generated certificate parses")
    }

    /// The certificate with its key.
    #[allow(dead_code)]
    pub fn identity(&self) -> smime::Identity {
        let key = smime::keys::SoftwareKey::from_bytes(&self.key_pem).expect("key");
        smime::Identity::new(std::sync::Arc::new(key), self.certificate()).expect("identity")
    }
}

/// What a leaf certificate should look like.
#[derive(Debug, Clone)]
pub struct LeafSpec<'a> {
    /// rfc822Names of the subjectAltName (none: no SAN extension).
    pub emails: &'a [&'a str],
    /// An emailAddress attribute in the subject.
    pub subject_email: Option<&'a str>,
    /// The key type.
    pub key: KeyKind,
    /// The extendedKeyUsage value in OpenSSL syntax (None: no EKU extension).
    pub eku: Option<&'a str>,
    /// The keyUsage value in OpenSSL syntax (None: no KU extension).
    pub key_usage: Option<&'a str>,
    /// Validity entirely in the past (2020-01-01 to 2021-01-01).
    pub expired: bool,
}

impl Default for LeafSpec<'_> {
    fn default() -> Self {
        LeafSpec {
            emails: &["alice@example.com"],
            subject_email: None,
            key: KeyKind::Rsa2048,
            eku: Some("emailProtection"),
            key_usage: Some("digitalSignature,nonRepudiation,keyEncipherment"),
            expired: false,
        }
    }
}

/// A root CA and an intermediate CA in a fresh temporary directory.
pub struct TestPki {
    /// The directory holding every file of this PKI.
    pub dir: tempfile::TempDir,
    /// The root CA (P-256).
    pub root: Cert,
    /// The intermediate CA (RSA 2048), issued by the root.
    pub intermediate: Cert,
}

/// Runs `openssl` with `args` in `dir`; panics with its stderr if it fails (tests only).
pub fn openssl(args: &[&str], dir: &Path) -> Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl: {e}"));
    if !out.status.success() {
        panic!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn gen_key(dir: &Path, file: &str, kind: KeyKind) {
    let args: &[&str] = match kind {
        KeyKind::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        KeyKind::Rsa1024 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        KeyKind::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        KeyKind::P384 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        KeyKind::Ed25519 => &["-algorithm", "ED25519"],
        KeyKind::X25519 => &["-algorithm", "X25519"],
    };
    let mut all = vec!["genpkey"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-out", file]);
    openssl(&all, dir);
}

fn load_cert(dir: &Path, name: &str) -> Cert {
    let pem = format!("{name}.pem");
    let der = format!("{name}.der");
    openssl(&["x509", "-in", &pem, "-outform", "DER", "-out", &der], dir);
    let key_path = dir.join(format!("{name}.key"));
    Cert {
        der: std::fs::read(dir.join(&der)).expect("read DER certificate"),
        cert_path: dir.join(&pem),
        key_path: key_path.clone(),
        key_pem: std::fs::read(&key_path).expect("read key"),
    }
}

/// Writes the `openssl ca` configuration of CA `ca` (files `<ca>.pem`, `<ca>.key`) in `dir`.
/// Every CA of a directory shares one serial file, so serial numbers are unique per PKI.
fn write_ca_config(dir: &Path, ca: &str) {
    let d = dir.display();
    let cfg = format!(
        "[ ca ]\n\
         default_ca = ca_default\n\
         [ ca_default ]\n\
         database = {d}/{ca}.index.txt\n\
         new_certs_dir = {d}/newcerts\n\
         serial = {d}/serial\n\
         crlnumber = {d}/{ca}.crlnumber\n\
         certificate = {d}/{ca}.pem\n\
         private_key = {d}/{ca}.key\n\
         default_md = sha256\n\
         default_days = 365\n\
         default_crl_days = 30\n\
         policy = policy_any\n\
         unique_subject = no\n\
         email_in_dn = yes\n\
         crl_extensions = crl_ext\n\
         [ policy_any ]\n\
         commonName = supplied\n\
         emailAddress = optional\n\
         [ crl_ext ]\n\
         authorityKeyIdentifier = keyid:always\n\
         [ req ]\n\
         distinguished_name = req_dn\n\
         [ req_dn ]\n\
         [ ca_ext ]\n\
         basicConstraints = critical, CA:TRUE\n\
         keyUsage = critical, keyCertSign, cRLSign\n\
         subjectKeyIdentifier = hash\n\
         authorityKeyIdentifier = keyid:always\n"
    );
    std::fs::write(dir.join(format!("{ca}.cnf")), cfg).expect("write CA config");
    std::fs::write(dir.join(format!("{ca}.index.txt")), "").expect("write index");
    std::fs::write(dir.join(format!("{ca}.crlnumber")), "01\n").expect("write crlnumber");
    std::fs::create_dir_all(dir.join("newcerts")).expect("newcerts dir");
    if !dir.join("serial").exists() {
        std::fs::write(dir.join("serial"), "1000\n").expect("write serial");
    }
}

/// A self-signed root CA named `cn` with key `kind`, files `<name>.{pem,key,cnf,der}` in `dir`.
fn make_root(dir: &Path, name: &str, cn: &str, kind: KeyKind) -> Cert {
    write_ca_config(dir, name);
    let key = format!("{name}.key");
    gen_key(dir, &key, kind);
    let subj = format!("/CN={cn}");
    let cnf = format!("{name}.cnf");
    let pem = format!("{name}.pem");
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-subj",
            &subj,
            "-days",
            "3650",
            "-config",
            &cnf,
            "-extensions",
            "ca_ext",
            "-set_serial",
            "1",
            "-out",
            &pem,
        ],
        dir,
    );
    load_cert(dir, name)
}

/// Issues a certificate from CA `ca` for the CSR `<name>.csr`, writing `<name>.pem`.
fn issue(dir: &Path, ca: &str, name: &str, extfile: &str, section: &str, expired: bool) {
    let cnf = format!("{ca}.cnf");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    let mut args = vec![
        "ca",
        "-batch",
        "-notext",
        "-config",
        &cnf,
        "-in",
        &csr,
        "-out",
        &pem,
        "-extfile",
        extfile,
        "-extensions",
        section,
    ];
    if expired {
        args.extend_from_slice(&[
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20210101000000Z",
        ]);
    } else {
        args.extend_from_slice(&["-days", "3650"]);
    }
    openssl(&args, dir);
}

fn unique_suffix(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().trim_start_matches('.').to_string())
        .unwrap_or_default()
}

impl TestPki {
    /// A P-256 root CA and an RSA-2048 intermediate CA signed by it, in a fresh temp dir.
    /// Names carry a per-directory suffix, so two PKIs never share an issuer name.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path();
        let suffix = unique_suffix(p);
        let root = make_root(p, "root", &format!("Test Root CA {suffix}"), KeyKind::P256);

        write_ca_config(p, "intermediate");
        gen_key(p, "intermediate.key", KeyKind::Rsa2048);
        let subj = format!("/CN=Test Intermediate CA {suffix}");
        openssl(
            &[
                "req",
                "-new",
                "-key",
                "intermediate.key",
                "-subj",
                &subj,
                "-config",
                "intermediate.cnf",
                "-out",
                "intermediate.csr",
            ],
            p,
        );
        issue(p, "root", "intermediate", "root.cnf", "ca_ext", false);
        let intermediate = load_cert(p, "intermediate");
        TestPki {
            dir,
            root,
            intermediate,
        }
    }

    /// A leaf issued by the intermediate; files `<name>.{pem,key,der}` in the PKI directory.
    pub fn leaf(&self, name: &str, spec: &LeafSpec<'_>) -> Cert {
        let p = self.dir.path();
        let key = format!("{name}.key");
        gen_key(p, &key, spec.key);
        let mut subj = format!("/CN={name}");
        if let Some(email) = spec.subject_email {
            subj.push_str(&format!("/emailAddress={email}"));
        }
        let csr = format!("{name}.csr");
        // An X25519 key cannot sign its request: a throwaway Ed25519 key does, and the
        // certificate gets the X25519 key below.
        let request_key = if spec.key == KeyKind::X25519 {
            let throwaway = format!("{name}.request.key");
            gen_key(p, &throwaway, KeyKind::Ed25519);
            throwaway
        } else {
            key.clone()
        };
        openssl(
            &[
                "req",
                "-new",
                "-key",
                &request_key,
                "-subj",
                &subj,
                "-config",
                "intermediate.cnf",
                "-out",
                &csr,
            ],
            p,
        );
        let mut ext = String::from(
            "[ leaf_ext ]\n\
             basicConstraints = critical, CA:FALSE\n\
             subjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid\n",
        );
        if !spec.emails.is_empty() {
            let names: Vec<String> = spec.emails.iter().map(|e| format!("email:{e}")).collect();
            ext.push_str(&format!("subjectAltName = {}\n", names.join(", ")));
        }
        if let Some(eku) = spec.eku {
            ext.push_str(&format!("extendedKeyUsage = {eku}\n"));
        }
        if let Some(ku) = spec.key_usage {
            ext.push_str(&format!("keyUsage = critical, {ku}\n"));
        }
        let extfile = format!("{name}.ext");
        std::fs::write(p.join(&extfile), ext).expect("write extensions");
        if spec.key == KeyKind::X25519 {
            let public = format!("{name}.pub");
            openssl(&["pkey", "-in", &key, "-pubout", "-out", &public], p);
            let pem = format!("{name}.pem");
            openssl(
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "intermediate.pem",
                    "-CAkey",
                    "intermediate.key",
                    "-CAserial",
                    "serial",
                    "-force_pubkey",
                    &public,
                    "-extfile",
                    &extfile,
                    "-extensions",
                    "leaf_ext",
                    "-days",
                    "3650",
                    "-sha256",
                    "-out",
                    &pem,
                ],
                p,
            );
        } else {
            issue(p, "intermediate", name, &extfile, "leaf_ext", spec.expired);
        }
        load_cert(p, name)
    }

    /// An unrelated root CA (RSA 2048) in its own temp dir, for "wrong root" tests.
    pub fn other_root() -> (tempfile::TempDir, Cert) {
        let dir = tempfile::tempdir().expect("temp dir");
        let suffix = unique_suffix(dir.path());
        let cert = make_root(
            dir.path(),
            "other-root",
            &format!("Other Root CA {suffix}"),
            KeyKind::Rsa2048,
        );
        (dir, cert)
    }

    /// Revokes a certificate issued by the intermediate (it shows in the next intermediate CRL).
    pub fn revoke(&self, cert: &Cert) {
        let path = cert.cert_path.to_string_lossy().into_owned();
        openssl(
            &["ca", "-config", "intermediate.cnf", "-revoke", &path],
            self.dir.path(),
        );
    }

    /// A fresh CRL (DER) from the intermediate CA, listing what [`TestPki::revoke`] revoked.
    pub fn intermediate_crl(&self) -> Vec<u8> {
        self.crl("intermediate")
    }

    /// A fresh (empty) CRL (DER) from the root CA, covering the intermediate.
    pub fn root_crl(&self) -> Vec<u8> {
        self.crl("root")
    }

    fn crl(&self, ca: &str) -> Vec<u8> {
        let p = self.dir.path();
        let cnf = format!("{ca}.cnf");
        let pem = format!("{ca}.crl.pem");
        let der = format!("{ca}.crl.der");
        openssl(&["ca", "-config", &cnf, "-gencrl", "-out", &pem], p);
        openssl(&["crl", "-in", &pem, "-outform", "DER", "-out", &der], p);
        std::fs::read(p.join(der)).expect("read CRL")
    }

    /// The PEM file holding the intermediate.
    pub fn chain_path(&self) -> PathBuf {
        self.intermediate.cert_path.clone()
    }

    /// The PEM file holding the root.
    pub fn root_path(&self) -> PathBuf {
        self.root.cert_path.clone()
    }

    /// A file in the PKI's temp dir.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// `openssl cms -decrypt` of the S/MIME message file `msg` with `cert`'s key: the content.
pub fn openssl_decrypt(msg: &Path, cert: &Cert) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |p: &Path| p.to_string_lossy().into_owned();
    openssl(
        &[
            "cms",
            "-decrypt",
            "-in",
            &path(msg),
            "-inkey",
            &path(&cert.key_path),
            "-recip",
            &path(&cert.cert_path),
            "-out",
            "out.bin",
        ],
        dir.path(),
    );
    std::fs::read(dir.path().join("out.bin")).expect("read the decrypted content")
}
