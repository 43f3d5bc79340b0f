//! X25519 key agreement in KeyAgreeRecipientInfo (RFC 8418): our messages read back by us
//! with every scheme we write, the wire format as RFC 8418 fixes it, wrong and hostile keys,
//! X25519 certificates as recipients, and Bouncy Castle 1.72 in both directions. OpenSSL 3.0,
//! the version on this machine, has no X25519 recipients in `openssl cms`: a test states it.
//!
//! Certificates for X25519 keys are made with OpenSSL (`genpkey -algorithm X25519`, then
//! `x509 -new -force_pubkey`), signed by a P-256 CA.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use der::Decode;
use smime::encrypt::{EncryptOptions, encrypt_der};
use smime::fuzzing::CmsError;
use smime::fuzzing::asn1::{ber, tlv};
use smime::fuzzing::oids;
use smime::fuzzing::recipient::{
    AES128_WRAP, AES256_WRAP, DH_SINGLE_PASS_SHA256KDF, KeyAgreementKdf, RecipientInfo,
    RecipientOptions, parse_recipient_infos, recipient_info, unwrap_cek,
};
use smime::keys::{KeyKind, KeyOperationError, PrivateKey, SoftwareKey};
use smime::policy::Policy;
use smime::{Certificate, ContentCipher, Identity};

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nX25519 says hello.\r\n";

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    run(Command::new("openssl").args(args).current_dir(dir))
}

/// A P-256 CA in `dir` (ca.crt, ca.key).
fn ca(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=X25519 test CA",
            "-days",
            "30",
        ],
    );
}

/// An X25519 party: its certificate (issued by the CA in `dir`) and key.
struct Party {
    cert_der: Vec<u8>,
    cert_path: PathBuf,
    key_der_path: PathBuf,
    key: SoftwareKey,
}

impl Party {
    fn certificate(&self) -> Certificate {
        Certificate::from_der(&self.cert_der).expect("certificate")
    }

    fn x509(&self) -> x509_cert::Certificate {
        x509_cert::Certificate::from_der(&self.cert_der).expect("certificate")
    }

    fn identity(&self) -> Identity {
        let key = SoftwareKey::from_bytes(&std::fs::read(&self.key_der_path).unwrap()).unwrap();
        Identity::new(Arc::new(key), self.certificate()).expect("the key matches")
    }
}

fn x25519_party(dir: &Path, name: &str, key_usage: &str) -> Party {
    let key = format!("{name}.key");
    let public = format!("{name}.pub");
    let cert = format!("{name}.crt");
    let ext = format!("{name}.ext");
    let key_der = format!("{name}.key.der");
    openssl(dir, &["genpkey", "-algorithm", "X25519", "-out", &key]);
    openssl(dir, &["pkey", "-in", &key, "-pubout", "-out", &public]);
    openssl(
        dir,
        &["pkey", "-in", &key, "-outform", "DER", "-out", &key_der],
    );
    std::fs::write(
        dir.join(&ext),
        format!(
            "keyUsage = {key_usage}\nextendedKeyUsage = emailProtection\n\
             subjectAltName = email:{name}@example.com\n"
        ),
    )
    .unwrap();
    let subj = format!("/CN={name}");
    openssl(
        dir,
        &[
            "x509",
            "-new",
            "-subj",
            &subj,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-force_pubkey",
            &public,
            "-extfile",
            &ext,
            "-days",
            "30",
            "-outform",
            "DER",
            "-out",
            &cert,
        ],
    );
    let cert_der = std::fs::read(dir.join(&cert)).unwrap();
    let key_bytes = std::fs::read(dir.join(&key)).unwrap();
    Party {
        cert_der,
        cert_path: dir.join(&cert),
        key_der_path: dir.join(&key_der),
        key: SoftwareKey::from_bytes(&key_bytes).expect("OpenSSL's X25519 PKCS#8 key reads"),
    }
}

fn options(cipher: ContentCipher, kdf: KeyAgreementKdf) -> EncryptOptions {
    let mut o = EncryptOptions {
        cipher,
        key_agreement: kdf,
        ..EncryptOptions::default()
    };
    o.policy.accept_cbc = true;
    o
}

fn policy() -> Policy {
    let mut p = Policy::default();
    p.accept_cbc = true;
    p
}

fn parse_one(ri: &[u8]) -> RecipientInfo {
    let set = tlv(0x31, ri);
    let node = ber::parse(&set).unwrap();
    let mut ris = parse_recipient_infos(&node, &set).unwrap();
    assert_eq!(ris.len(), 1);
    ris.remove(0)
}

const ALL_KDFS: [KeyAgreementKdf; 6] = [
    KeyAgreementKdf::HkdfSha256,
    KeyAgreementKdf::HkdfSha384,
    KeyAgreementKdf::HkdfSha512,
    KeyAgreementKdf::X963Sha256,
    KeyAgreementKdf::X963Sha384,
    KeyAgreementKdf::X963Sha512,
];

#[test]
fn the_software_key_reads_openssl_keys_and_agrees() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let a = x25519_party(dir.path(), "alice", "keyAgreement");
    let b = x25519_party(dir.path(), "bob", "keyAgreement");
    assert_eq!(a.key.kind(), KeyKind::X25519);
    // The SubjectPublicKeyInfo is the certificate's, byte for byte.
    smime::keys::check_key_matches(&a.key, &a.cert_der).unwrap();
    assert!(smime::keys::check_key_matches(&a.key, &b.cert_der).is_err());
    // PKCS#8 round trip.
    let again = SoftwareKey::from_pkcs8_der(&a.key.to_pkcs8_der().unwrap()).unwrap();
    assert_eq!(
        again.public_key_der().unwrap(),
        a.key.public_key_der().unwrap()
    );
    // ECDH both ways gives one secret; a low-order peer key is refused.
    let pa = &a.key.public_key_der().unwrap()[12..];
    let pb = &b.key.public_key_der().unwrap()[12..];
    assert_eq!(
        a.key.ecdh(pb).unwrap().as_slice(),
        b.key.ecdh(pa).unwrap().as_slice()
    );
    assert!(matches!(
        a.key.ecdh(&[0u8; 32]),
        Err(KeyOperationError::InvalidInput { .. })
    ));
    assert!(a.key.ecdh(&[4u8; 65]).is_err());
    // An X25519 key neither signs nor decrypts RSA.
    assert!(
        a.key
            .sign_digest(
                smime::SignatureScheme::Ecdsa,
                smime::DigestAlgorithm::Sha256,
                &[0; 32]
            )
            .is_err()
    );
}

#[test]
fn our_messages_round_trip_with_every_scheme() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    for cipher in [
        ContentCipher::Aes256Gcm,
        ContentCipher::Aes128Gcm,
        ContentCipher::Aes256Cbc,
        ContentCipher::Aes128Cbc,
    ] {
        for kdf in ALL_KDFS {
            let der = encrypt_der(CONTENT, &[bob.certificate()], &options(cipher, kdf)).unwrap();
            let out = smime::decrypt(&der, &[bob.identity()], &policy())
                .unwrap_or_else(|e| panic!("{cipher:?} {kdf:?}: {e}"));
            assert_eq!(out.content, CONTENT, "{cipher:?} {kdf:?}");
            assert_eq!(out.cipher, cipher);
        }
    }
}

#[test]
fn the_recipient_info_is_as_rfc_8418_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    for (cek_len, wrap) in [(16, AES128_WRAP), (32, AES256_WRAP)] {
        let cek = vec![0x42u8; cek_len];
        let der = recipient_info(&bob.cert_der, &cek, &RecipientOptions::default()).unwrap();
        // kari [1], version 3, originator [0] { originatorKey [1] { id-X25519 (no
        // parameters), BIT STRING of 32 bytes } }.
        let node = ber::parse(&der).unwrap();
        assert_eq!(node.tag, 0xA1);
        assert_eq!(&der[node.children[0].range.clone()], [0x02, 0x01, 0x03]);
        let opk = &node.children[1].children[0];
        assert_eq!(opk.tag, 0xA1);
        let alg = &der[opk.children[0].range.clone()];
        assert_eq!(alg, tlv(0x30, &tlv(0x06, oids::X25519.as_bytes())));
        assert_eq!(opk.children[1].content.len(), 33);
        // keyEncryptionAlgorithm: dhSinglePass-stdDH-hkdf-sha256-scheme { id-aesNNN-wrap }.
        let kea = &der[node.children[2].range.clone()];
        let want = tlv(
            0x30,
            &[
                tlv(0x06, oids::DH_HKDF_SHA256.as_bytes()),
                tlv(0x30, &tlv(0x06, wrap.as_bytes())),
            ]
            .concat(),
        );
        assert_eq!(kea, want);
        // It opens with bob's key, to the same key.
        let ri = parse_one(&der);
        let RecipientInfo::KeyAgree { originator_key, .. } = &ri else {
            panic!("not a kari")
        };
        assert_eq!(originator_key.len(), 32);
        let k = unwrap_cek(&ri, &bob.x509(), &bob.key, cek_len).unwrap();
        assert_eq!(k.as_slice(), cek.as_slice());
    }
    // The X9.63 scheme when asked.
    let der = recipient_info(
        &bob.cert_der,
        &[1; 32],
        &RecipientOptions {
            x25519: KeyAgreementKdf::X963Sha256,
            ..Default::default()
        },
    )
    .unwrap();
    let RecipientInfo::KeyAgree { algorithm, .. } = parse_one(&der) else {
        panic!("not a kari")
    };
    assert_eq!(algorithm.oid, DH_SINGLE_PASS_SHA256KDF);
}

/// The upstream `cms` builder bug class: a KEK that does not depend on the recipient's key
/// would let any key open the message.
#[test]
fn a_wrong_x25519_key_does_not_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    let eve = x25519_party(dir.path(), "eve", "keyAgreement");
    for kdf in ALL_KDFS {
        let cek = [7u8; 32];
        let der = recipient_info(
            &bob.cert_der,
            &cek,
            &RecipientOptions {
                x25519: kdf,
                ..Default::default()
            },
        )
        .unwrap();
        let ri = parse_one(&der);
        // Eve's key with bob's certificate (so the recipient id matches): refused.
        assert_eq!(
            unwrap_cek(&ri, &bob.x509(), &eve.key, 32).unwrap_err(),
            CmsError::CannotDecrypt,
            "{kdf:?}"
        );
        assert_eq!(
            unwrap_cek(&ri, &bob.x509(), &bob.key, 32)
                .unwrap()
                .as_slice(),
            cek
        );
    }
    // Through the whole message: eve's identity finds nothing to open.
    let msg = encrypt_der(
        CONTENT,
        &[bob.certificate()],
        &options(ContentCipher::Aes256Gcm, KeyAgreementKdf::HkdfSha256),
    )
    .unwrap();
    assert!(smime::decrypt(&msg, &[eve.identity()], &policy()).is_err());
    // A key that claims bob's certificate but is eve's is refused when the identity is made.
    let eve_key = SoftwareKey::from_bytes(&std::fs::read(&eve.key_der_path).unwrap()).unwrap();
    assert!(Identity::new(Arc::new(eve_key), bob.certificate()).is_err());
}

#[test]
fn hostile_key_agreement_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    let der = recipient_info(&bob.cert_der, &[3; 16], &RecipientOptions::default()).unwrap();
    let RecipientInfo::KeyAgree {
        originator_key,
        ukm,
        algorithm,
        keys,
    } = parse_one(&der)
    else {
        panic!("not a kari")
    };
    let with = |originator_key: Vec<u8>, ukm: Option<Vec<u8>>| RecipientInfo::KeyAgree {
        originator_key,
        ukm,
        algorithm: algorithm.clone(),
        keys: keys.clone(),
    };
    // A low-order originator key (all-zero secret), a ukm the sender did not use, a SEC1 point.
    for ri in [
        with(vec![0; 32], None),
        with(
            {
                let mut one = vec![0u8; 32];
                one[0] = 1;
                one
            },
            None,
        ),
        with(originator_key.clone(), Some(b"ukm".to_vec())),
        with([&[4u8][..], &[9u8; 64]].concat(), None),
    ] {
        assert_eq!(
            unwrap_cek(&ri, &bob.x509(), &bob.key, 16).unwrap_err(),
            CmsError::CannotDecrypt
        );
    }
    assert!(ukm.is_none());
    assert!(
        unwrap_cek(
            &with(originator_key.clone(), None),
            &bob.x509(),
            &bob.key,
            16
        )
        .is_ok()
    );

    // On the wire: id-X25519 with parameters, a 31-byte or 33-byte key.
    let node = ber::parse(&der).unwrap();
    let kea = &der[node.children[2].range.clone()];
    let reks = &der[node.children[3].range.clone()];
    let kari = |alg: Vec<u8>, key: &[u8]| {
        let bits = tlv(0x03, &[&[0u8][..], key].concat());
        let orig = tlv(0xA0, &tlv(0xA1, &[alg, bits].concat()));
        tlv(0xA1, &[&[0x02, 0x01, 0x03][..], &orig, kea, reks].concat())
    };
    let x25519 = tlv(0x30, &tlv(0x06, oids::X25519.as_bytes()));
    let x25519_null = tlv(
        0x30,
        &[tlv(0x06, oids::X25519.as_bytes()), vec![0x05, 0x00]].concat(),
    );
    let parses = |ri: Vec<u8>| {
        let set = tlv(0x31, &ri);
        let n = ber::parse(&set).unwrap();
        parse_recipient_infos(&n, &set).is_ok()
    };
    assert!(parses(kari(x25519.clone(), &originator_key)));
    assert!(!parses(kari(x25519_null, &originator_key)));
    assert!(!parses(kari(x25519.clone(), &originator_key[..31])));
    assert!(!parses(kari(x25519, &[&originator_key[..], &[0]].concat())));
}

#[test]
fn x25519_certificates_are_encryption_certificates() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let ok = x25519_party(dir.path(), "bob", "keyAgreement");
    let x = ok.x509();
    smime::validate::check_recipient_certificate(
        &x,
        std::time::SystemTime::now(),
        &Policy::default(),
    )
    .unwrap();
    smime::encrypt::check_recipient(&ok.certificate(), &EncryptOptions::default()).unwrap();
    // keyUsage without keyAgreement: refused, and named.
    let no_ka = x25519_party(dir.path(), "carol", "keyEncipherment");
    let err = smime::validate::check_recipient_certificate(
        &no_ka.x509(),
        std::time::SystemTime::now(),
        &Policy::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, smime::validate::RecipientProblem::KeyUsage { .. }),
        "{err:?}"
    );
    assert!(encrypt_der(CONTENT, &[no_ka.certificate()], &EncryptOptions::default()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Peers
// ---------------------------------------------------------------------------------------------

const BC_JARS: [&str; 3] = [
    "/usr/share/java/bcprov.jar",
    "/usr/share/java/bcpkix.jar",
    "/usr/share/java/bcutil.jar",
];

/// Compiles tests/java/XInterop.java into a temporary directory and returns a command that
/// runs it.
struct Java {
    classes: tempfile::TempDir,
}

impl Java {
    fn compile() -> Java {
        let classes = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/XInterop.java");
        run(Command::new("javac")
            .arg("-cp")
            .arg(BC_JARS.join(":"))
            .arg("-d")
            .arg(classes.path())
            .arg(&src));
        Java { classes }
    }

    fn run(&self, args: &[&Path]) -> Vec<u8> {
        let cp = format!("{}:{}", self.classes.path().display(), BC_JARS.join(":"));
        let mut cmd = Command::new("java");
        cmd.arg("-cp").arg(cp).arg("XInterop").args(args);
        run(&mut cmd)
    }
}

#[test]
fn bouncy_castle_reads_our_x25519_messages() {
    let java = Java::compile();
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    // Bouncy Castle 1.72 has the X9.63 scheme with SHA-256 for X25519, not HKDF.
    for cipher in [
        ContentCipher::Aes128Cbc,
        ContentCipher::Aes256Cbc,
        ContentCipher::Aes256Gcm,
    ] {
        let der = encrypt_der(
            CONTENT,
            &[bob.certificate()],
            &options(cipher, KeyAgreementKdf::X963Sha256),
        )
        .unwrap();
        let input = dir.path().join("ours.p7m");
        let output = dir.path().join("bc-read.txt");
        std::fs::write(&input, &der).unwrap();
        java.run(&[
            Path::new("decrypt"),
            &bob.cert_path,
            &bob.key_der_path,
            &input,
            &output,
        ]);
        assert_eq!(std::fs::read(&output).unwrap(), CONTENT, "{cipher:?}");
    }
}

#[test]
fn we_read_bouncy_castle_x25519_messages() {
    let java = Java::compile();
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    let eve = x25519_party(dir.path(), "eve", "keyAgreement");
    let content = dir.path().join("content.txt");
    std::fs::write(&content, CONTENT).unwrap();
    for (mode, cipher) in [
        ("cbc", ContentCipher::Aes128Cbc),
        ("gcm", ContentCipher::Aes256Gcm),
    ] {
        let out = dir.path().join(format!("bc-{mode}.p7m"));
        java.run(&[
            Path::new("encrypt"),
            &bob.cert_path,
            Path::new("sha256kdf"),
            Path::new(mode),
            &content,
            &out,
        ]);
        let der = std::fs::read(&out).unwrap();
        let opened = smime::decrypt(&der, &[bob.identity()], &policy()).unwrap();
        assert_eq!(opened.content, CONTENT, "{mode}");
        assert_eq!(opened.cipher, cipher);
        // Bouncy Castle wrote an id-X25519 originator key.
        let env = smime::fuzzing::enveloped::parse(&der).unwrap();
        assert!(matches!(
            &env.recipients[..],
            [RecipientInfo::KeyAgree { originator_key, .. }] if originator_key.len() == 32
        ));
        assert!(smime::decrypt(&der, &[eve.identity()], &policy()).is_err());
    }
}

/// OpenSSL 3.0's `openssl cms` has no X25519 recipients (it treats the key as one for key
/// transport, which X25519 cannot do), in either direction. When the OpenSSL here gains them,
/// this test fails and interop tests with it belong here.
#[test]
fn openssl_3_0_has_no_x25519_recipients() {
    let dir = tempfile::tempdir().unwrap();
    ca(dir.path());
    let bob = x25519_party(dir.path(), "bob", "keyAgreement");
    let content = dir.path().join("content.txt");
    std::fs::write(&content, CONTENT).unwrap();
    let enc = Command::new("openssl")
        .args([
            "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in",
        ])
        .arg(&content)
        .arg("-recip")
        .arg(&bob.cert_path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!enc.status.success(), "openssl cms now encrypts to X25519");
    let ours = dir.path().join("ours.p7m");
    std::fs::write(
        &ours,
        encrypt_der(
            CONTENT,
            &[bob.certificate()],
            &options(ContentCipher::Aes256Cbc, KeyAgreementKdf::X963Sha256),
        )
        .unwrap(),
    )
    .unwrap();
    let dec = Command::new("openssl")
        .args(["cms", "-decrypt", "-binary", "-inform", "DER", "-in"])
        .arg(&ours)
        .arg("-inkey")
        .arg(dir.path().join("bob.key"))
        .arg("-recip")
        .arg(&bob.cert_path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!dec.status.success(), "openssl cms now decrypts X25519");
}
