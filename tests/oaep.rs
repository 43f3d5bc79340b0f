//! RSAES-OAEP key transport as OpenSSL writes it: every hash and MGF1 pairing of SHA-1 and
//! SHA-2 that `openssl cms -keyopt` offers, with and without a label (`pSourceFunc`
//! id-pSpecified, RFC 4055 section 4.1), decrypted by us. Malformed or unknown parameters are a
//! typed error; a wrong label fails exactly as a wrong key does (RFC 3218).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use der::{Decode, Encode};
use smime::fuzzing::CmsError;
use smime::fuzzing::asn1::tlv;
use smime::fuzzing::oids;
use smime::fuzzing::recipient::{RecipientInfo, unwrap_cek};
use smime::keys::SoftwareKey;
use smime::policy::Policy;
use smime::{Certificate, DecryptError, Identity};
use spki::AlgorithmIdentifierOwned;

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nOAEP with a label.\r\n";

struct Rsa {
    dir: tempfile::TempDir,
    cert_der: Vec<u8>,
    key_pem: Vec<u8>,
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn rsa(name: &str) -> Rsa {
    let dir = tempfile::tempdir().unwrap();
    let subj = format!("/CN={name}");
    openssl(
        dir.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-subj",
            &subj,
            "-days",
            "30",
            "-addext",
            "keyUsage=keyEncipherment",
        ],
    );
    openssl(
        dir.path(),
        &[
            "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
        ],
    );
    Rsa {
        cert_der: std::fs::read(dir.path().join("cert.der")).unwrap(),
        key_pem: std::fs::read(dir.path().join("key.pem")).unwrap(),
        dir,
    }
}

impl Rsa {
    fn identity(&self) -> Identity {
        let key = SoftwareKey::from_bytes(&self.key_pem).unwrap();
        Identity::new(
            Arc::new(key),
            Certificate::from_der(&self.cert_der).unwrap(),
        )
        .unwrap()
    }

    fn key(&self) -> SoftwareKey {
        SoftwareKey::from_bytes(&self.key_pem).unwrap()
    }

    fn x509(&self) -> x509_cert::Certificate {
        x509_cert::Certificate::from_der(&self.cert_der).unwrap()
    }

    /// `openssl cms -encrypt` with OAEP, the given hashes and label (hex), AES-256-CBC.
    fn openssl_encrypt(&self, md: &str, mgf: &str, label: Option<&str>) -> Vec<u8> {
        let d = self.dir.path();
        std::fs::write(d.join("content.txt"), CONTENT).unwrap();
        let md = format!("rsa_oaep_md:{md}");
        let mgf = format!("rsa_mgf1_md:{mgf}");
        let mut args = vec![
            "cms",
            "-encrypt",
            "-binary",
            "-aes256",
            "-in",
            "content.txt",
            "-outform",
            "DER",
            "-out",
            "msg.der",
            "-recip",
            "cert.pem",
            "-keyopt",
            "rsa_padding_mode:oaep",
            "-keyopt",
            &md,
            "-keyopt",
            &mgf,
        ];
        let label_opt;
        if let Some(l) = label {
            label_opt = format!("rsa_oaep_label:{l}");
            args.extend_from_slice(&["-keyopt", &label_opt]);
        }
        openssl(d, &args);
        std::fs::read(d.join("msg.der")).unwrap()
    }
}

fn policy() -> Policy {
    let mut p = Policy::default();
    p.accept_cbc = true;
    p
}

const HASHES: [&str; 4] = ["sha1", "sha256", "sha384", "sha512"];

#[test]
fn every_openssl_oaep_pairing_decrypts_with_and_without_a_label() {
    let bob = rsa("bob");
    for md in HASHES {
        for mgf in HASHES {
            for label in [None, Some("0a0b0c0d"), Some("6c6162656c")] {
                let msg = bob.openssl_encrypt(md, mgf, label);
                let out = smime::decrypt(&msg, &[bob.identity()], &policy())
                    .unwrap_or_else(|e| panic!("{md} / MGF1-{mgf} / label {label:?}: {e}"));
                assert_eq!(out.content, CONTENT, "{md} / MGF1-{mgf} / label {label:?}");
            }
        }
    }
}

/// The one KeyTransRecipientInfo of an EnvelopedData.
fn ktri(msg: &[u8]) -> (AlgorithmIdentifierOwned, Vec<u8>, RecipientInfo) {
    let env = smime::fuzzing::enveloped::parse(msg).unwrap();
    let ri = env.recipients.into_iter().next().unwrap();
    match &ri {
        RecipientInfo::KeyTrans {
            algorithm,
            encrypted_key,
            ..
        } => (algorithm.clone(), encrypted_key.clone(), ri.clone()),
        _ => panic!("not a ktri"),
    }
}

fn with_algorithm(ri: &RecipientInfo, params: Option<&[u8]>) -> RecipientInfo {
    let RecipientInfo::KeyTrans {
        rid, encrypted_key, ..
    } = ri
    else {
        panic!("not a ktri")
    };
    let mut alg = tlv(0x06, oids::RSAES_OAEP.as_bytes());
    if let Some(p) = params {
        alg.extend_from_slice(p);
    }
    RecipientInfo::KeyTrans {
        rid: rid.clone(),
        algorithm: AlgorithmIdentifierOwned::from_der(&tlv(0x30, &alg)).unwrap(),
        encrypted_key: encrypted_key.clone(),
    }
}

#[test]
fn a_wrong_label_fails_as_a_wrong_key_does() {
    let bob = rsa("bob");
    let eve = rsa("eve");
    let msg = bob.openssl_encrypt("sha256", "sha256", Some("0a0b0c0d"));
    let (alg, _, ri) = ktri(&msg);
    // The parameters as OpenSSL wrote them open the key.
    assert_eq!(
        unwrap_cek(&ri, &bob.x509(), &bob.key(), 32).unwrap().len(),
        32
    );
    let params = alg.parameters.unwrap().to_der().unwrap();
    // Another label: the same error as eve's key.
    let i = params
        .windows(4)
        .position(|w| w == [0x0a, 0x0b, 0x0c, 0x0d])
        .unwrap();
    let mut other = params.clone();
    other[i] ^= 0x01;
    let wrong_label = with_algorithm(&ri, Some(&other));
    assert_eq!(
        unwrap_cek(&wrong_label, &bob.x509(), &bob.key(), 32).unwrap_err(),
        CmsError::CannotDecrypt
    );
    assert_eq!(
        unwrap_cek(&ri, &bob.x509(), &eve.key(), 32).unwrap_err(),
        CmsError::CannotDecrypt
    );
    // No label at all where one was used: the same again.
    let sha256 = tlv(0x30, &tlv(0x06, oids::SHA256.as_bytes()));
    let mgf = tlv(
        0x30,
        &[tlv(0x06, oids::MGF1.as_bytes()), sha256.clone()].concat(),
    );
    let no_label = tlv(0x30, &[tlv(0xA0, &sha256), tlv(0xA1, &mgf)].concat());
    assert_eq!(
        unwrap_cek(
            &with_algorithm(&ri, Some(&no_label)),
            &bob.x509(),
            &bob.key(),
            32
        )
        .unwrap_err(),
        CmsError::CannotDecrypt
    );
    // Through the whole message, eve gets the error every failed key gets.
    let err = smime::decrypt(&msg, &[eve.identity()], &policy()).unwrap_err();
    assert!(
        !matches!(err, DecryptError::UnsupportedAlgorithm { .. }),
        "{err:?}"
    );
}

#[test]
fn malformed_or_unknown_oaep_parameters_are_typed_errors() {
    let bob = rsa("bob");
    let msg = bob.openssl_encrypt("sha256", "sha1", None);
    let (_, _, ri) = ktri(&msg);
    let sha = |oid: &const_oid::ObjectIdentifier| tlv(0x30, &tlv(0x06, oid.as_bytes()));
    let sha3 = const_oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.8");
    let md5 = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
    let bad_params: Vec<Vec<u8>> = vec![
        // Not a SEQUENCE.
        tlv(0x04, &[1, 2, 3]),
        // An unknown hash, SHA-3 (not for OAEP here), MD5.
        tlv(
            0x30,
            &tlv(
                0xA0,
                &sha(&const_oid::ObjectIdentifier::new_unwrap("1.2.3.4")),
            ),
        ),
        tlv(0x30, &tlv(0xA0, &sha(&sha3))),
        tlv(0x30, &tlv(0xA0, &sha(&md5))),
        // A mask generation function that is not MGF1.
        tlv(
            0x30,
            &tlv(
                0xA1,
                &tlv(
                    0x30,
                    &[tlv(0x06, oids::SHA256.as_bytes()), sha(&oids::SHA256)].concat(),
                ),
            ),
        ),
        // A label source that is not id-pSpecified, a label that is not an OCTET STRING.
        tlv(
            0x30,
            &tlv(
                0xA2,
                &tlv(
                    0x30,
                    &[tlv(0x06, oids::SHA256.as_bytes()), tlv(0x04, b"x")].concat(),
                ),
            ),
        ),
        tlv(
            0x30,
            &tlv(
                0xA2,
                &tlv(
                    0x30,
                    &[tlv(0x06, oids::P_SPECIFIED.as_bytes()), tlv(0x02, &[5])].concat(),
                ),
            ),
        ),
        // Fields out of order, repeated, unknown; an empty [0].
        tlv(
            0x30,
            &[
                tlv(
                    0xA1,
                    &tlv(
                        0x30,
                        &[tlv(0x06, oids::MGF1.as_bytes()), sha(&oids::SHA1)].concat(),
                    ),
                ),
                tlv(0xA0, &sha(&oids::SHA256)),
            ]
            .concat(),
        ),
        tlv(
            0x30,
            &[
                tlv(0xA0, &sha(&oids::SHA256)),
                tlv(0xA0, &sha(&oids::SHA256)),
            ]
            .concat(),
        ),
        tlv(0x30, &tlv(0xA5, &[0x05, 0x00])),
        tlv(0x30, &[0xA0, 0x00]),
    ];
    for p in bad_params {
        let ri = with_algorithm(&ri, Some(&p));
        let err = unwrap_cek(&ri, &bob.x509(), &bob.key(), 32).unwrap_err();
        assert!(
            matches!(
                err,
                CmsError::UnsupportedAlgorithm { .. } | CmsError::Malformed(_)
            ),
            "{p:02x?}: {err:?}"
        );
    }
    // The parameters OpenSSL wrote still work, and so do absent parameters' SHA-1 defaults in
    // form (they fail to open this key, as a wrong key would).
    assert!(unwrap_cek(&ri, &bob.x509(), &bob.key(), 32).is_ok());
    assert_eq!(
        unwrap_cek(&with_algorithm(&ri, None), &bob.x509(), &bob.key(), 32).unwrap_err(),
        CmsError::CannotDecrypt
    );
}

/// Our own OAEP output (SHA-256, no label) still reads back, through OpenSSL and us.
#[test]
fn our_oaep_messages_still_read_back() {
    let bob = rsa("bob");
    let options = smime::EncryptOptions {
        key_transport: smime::KeyTransport::RsaOaep,
        ..Default::default()
    };
    let msg = smime::encrypt::encrypt_der(
        CONTENT,
        &[Certificate::from_der(&bob.cert_der).unwrap()],
        &options,
    )
    .unwrap();
    let out = smime::decrypt(&msg, &[bob.identity()], &policy()).unwrap();
    assert_eq!(out.content, CONTENT);
    std::fs::write(bob.dir.path().join("ours.der"), &msg).unwrap();
    let plain = openssl(
        bob.dir.path(),
        &[
            "cms", "-decrypt", "-binary", "-inform", "DER", "-in", "ours.der", "-inkey", "key.pem",
            "-recip", "cert.pem",
        ],
    );
    assert_eq!(plain, CONTENT);
}
