#![allow(dead_code)]
//! An Ed25519 test PKI made at test time with the OpenSSL CLI (3.0 makes Ed25519 CAs,
//! end entities and CRLs): an Ed25519 root CA, an Ed25519 intermediate CA issued by it, and
//! Ed25519 end entities issued by the intermediate with `openssl ca` (so they can be revoked
//! and listed in an Ed25519-signed CRL).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A generated certificate and its key.
#[derive(Debug, Clone)]
pub struct EdCert {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The certificate, PEM file.
    pub cert_path: PathBuf,
    /// The private key, PKCS#8 PEM file.
    pub key_path: PathBuf,
    /// The private key, PKCS#8 PEM.
    pub key_pem: Vec<u8>,
}

impl EdCert {
    /// The certificate, parsed.
    pub fn certificate(&self) -> smime::Certificate {
        smime::Certificate::from_der(&self.der).expect("a generated certificate parses")
    }

    /// The certificate with its key.
    pub fn identity(&self) -> smime::Identity {
        let key = smime::keys::SoftwareKey::from_bytes(&self.key_pem).expect("Ed25519 key");
        smime::Identity::new(std::sync::Arc::new(key), self.certificate()).expect("identity")
    }
}

/// Runs `openssl` with `args` in `dir`; panics with its stderr if it fails.
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

/// The root and intermediate CAs, in a temporary directory.
pub struct EdPki {
    /// Every file of the PKI.
    pub dir: tempfile::TempDir,
    /// The self-signed Ed25519 root CA.
    pub root: EdCert,
    /// The Ed25519 intermediate CA, issued by the root.
    pub intermediate: EdCert,
}

fn write_ca_config(dir: &Path, ca: &str) {
    let d = dir.display();
    let cfg = format!(
        "[ ca ]\n\
         default_ca = ca_default\n\
         [ ca_default ]\n\
         database = {d}/{ca}.index.txt\n\
         new_certs_dir = {d}\n\
         serial = {d}/serial\n\
         crlnumber = {d}/{ca}.crlnumber\n\
         certificate = {d}/{ca}.pem\n\
         private_key = {d}/{ca}.key\n\
         default_md = default\n\
         default_days = 3650\n\
         default_crl_days = 30\n\
         policy = policy_any\n\
         unique_subject = no\n\
         email_in_dn = no\n\
         crl_extensions = crl_ext\n\
         [ policy_any ]\n\
         commonName = supplied\n\
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
    if !dir.join("serial").exists() {
        std::fs::write(dir.join("serial"), "1000\n").expect("write serial");
    }
}

fn load(dir: &Path, name: &str) -> EdCert {
    let pem = format!("{name}.pem");
    let der = format!("{name}.der");
    openssl(&["x509", "-in", &pem, "-outform", "DER", "-out", &der], dir);
    let key_path = dir.join(format!("{name}.key"));
    EdCert {
        der: std::fs::read(dir.join(&der)).expect("read certificate"),
        cert_path: dir.join(&pem),
        key_path: key_path.clone(),
        key_pem: std::fs::read(&key_path).expect("read key"),
    }
}

fn gen_key(dir: &Path, name: &str) {
    let key = format!("{name}.key");
    openssl(&["genpkey", "-algorithm", "ED25519", "-out", &key], dir);
}

fn csr(dir: &Path, name: &str, cn: &str) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let subj = format!("/CN={cn}");
    openssl(
        &[
            "req", "-new", "-key", &key, "-subj", &subj, "-config", "root.cnf", "-out", &csr,
        ],
        dir,
    );
}

fn issue(dir: &Path, ca: &str, name: &str, extfile: &str, section: &str) {
    let cnf = format!("{ca}.cnf");
    let csr = format!("{name}.csr");
    let pem = format!("{name}.pem");
    openssl(
        &[
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
        ],
        dir,
    );
}

impl EdPki {
    /// A fresh Ed25519 root and intermediate; names carry the directory's name, so two PKIs
    /// never share an issuer name.
    pub fn new() -> EdPki {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path();
        let suffix = p
            .file_name()
            .map(|n| n.to_string_lossy().trim_start_matches('.').to_string())
            .unwrap_or_default();
        write_ca_config(p, "root");
        gen_key(p, "root");
        let subj = format!("/CN=Ed25519 Root {suffix}");
        openssl(
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "root.key",
                "-subj",
                &subj,
                "-days",
                "3650",
                "-config",
                "root.cnf",
                "-extensions",
                "ca_ext",
                "-set_serial",
                "1",
                "-out",
                "root.pem",
            ],
            p,
        );
        let root = load(p, "root");
        write_ca_config(p, "intermediate");
        gen_key(p, "intermediate");
        csr(p, "intermediate", &format!("Ed25519 Intermediate {suffix}"));
        issue(p, "root", "intermediate", "root.cnf", "ca_ext");
        let intermediate = load(p, "intermediate");
        EdPki {
            dir,
            root,
            intermediate,
        }
    }

    /// An Ed25519 end entity for `email`, issued by the intermediate (digitalSignature,
    /// nonRepudiation, emailProtection).
    pub fn leaf(&self, name: &str, email: &str) -> EdCert {
        let p = self.dir.path();
        gen_key(p, name);
        csr(p, name, name);
        let ext = format!(
            "[ leaf_ext ]\n\
             basicConstraints = critical, CA:FALSE\n\
             subjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid\n\
             subjectAltName = email:{email}\n\
             extendedKeyUsage = emailProtection\n\
             keyUsage = critical, digitalSignature, nonRepudiation\n"
        );
        let extfile = format!("{name}.ext");
        std::fs::write(p.join(&extfile), ext).expect("write extensions");
        issue(p, "intermediate", name, &extfile, "leaf_ext");
        load(p, name)
    }

    /// Revokes a certificate the intermediate issued.
    pub fn revoke(&self, cert: &EdCert) {
        let path = cert.cert_path.to_string_lossy().into_owned();
        openssl(
            &["ca", "-config", "intermediate.cnf", "-revoke", &path],
            self.dir.path(),
        );
    }

    /// A fresh Ed25519-signed CRL (DER) of CA `ca` ("root" or "intermediate").
    pub fn crl(&self, ca: &str) -> Vec<u8> {
        let p = self.dir.path();
        let cnf = format!("{ca}.cnf");
        let pem = format!("{ca}.crl.pem");
        let der = format!("{ca}.crl.der");
        openssl(&["ca", "-config", &cnf, "-gencrl", "-out", &pem], p);
        openssl(&["crl", "-in", &pem, "-outform", "DER", "-out", &der], p);
        std::fs::read(p.join(der)).expect("read CRL")
    }

    /// A file of the PKI's directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }
}

impl Default for EdPki {
    fn default() -> Self {
        Self::new()
    }
}
