//! The smimeCapabilities signed attribute (RFC 8551 section 2.5.2) of our signed messages:
//! each entry, in preference order, with the parameters the RFCs write; OpenSSL reads it.

mod common;

use std::process::Command;

use smime::fuzzing::asn1::{ber, tlv};
use smime::fuzzing::oids;
use smime::sign::{SignOptions, sign_detached_der};

/// id-aa-smimeCapabilities (1.2.840.113549.1.9.15) as DER.
const SMIME_CAPABILITIES_OID: [u8; 11] = [
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0F,
];

fn oid(s: &str) -> Vec<u8> {
    let o = const_oid::ObjectIdentifier::new(s).unwrap();
    tlv(0x06, o.as_bytes())
}

/// The length of the DER element at the start of `der` (header included).
fn element_len(der: &[u8]) -> usize {
    let first = der[1] as usize;
    if first < 0x80 {
        2 + first
    } else {
        let n = first & 0x7F;
        2 + n
            + der[2..2 + n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | *b as usize)
    }
}

/// The attribute value (the SMIMECapabilities SEQUENCE) of a signed message's
/// smimeCapabilities attribute.
fn capabilities_of(signed: &[u8]) -> Vec<u8> {
    let at = signed
        .windows(SMIME_CAPABILITIES_OID.len())
        .position(|w| w == SMIME_CAPABILITIES_OID)
        .expect("the signed message announces its capabilities");
    let set_at = at + SMIME_CAPABILITIES_OID.len();
    let set = &signed[set_at..set_at + element_len(&signed[set_at..])];
    assert_eq!(set[0], 0x31, "attrValues is a SET");
    let node = ber::parse(set).unwrap();
    assert_eq!(node.children.len(), 1, "one attribute value");
    set[node.children[0].range.clone()].to_vec()
}

#[test]
fn our_signed_message_announces_what_we_receive() {
    let pki = common::TestPki::new();
    let alice = pki.leaf("alice", &common::LeafSpec::default());
    let signed = sign_detached_der(b"hello", &[alice.identity()], &SignOptions::default()).unwrap();
    let caps = capabilities_of(&signed);
    let node = ber::parse(&caps).unwrap();
    assert_eq!(node.tag, 0x30);

    let wrap = |w: &str| Some(tlv(0x30, &oid(w)));
    let aes128_wrap = "2.16.840.1.101.3.4.1.5";
    let aes256_wrap = "2.16.840.1.101.3.4.1.45";
    // RSAES-OAEP-params for SHA-256 (RFC 4055): sha256Identifier { id-sha256, NULL }, MGF1
    // over it, pSourceFunc at its default (absent).
    let sha256_id = tlv(
        0x30,
        &[oid("2.16.840.1.101.3.4.2.1"), vec![0x05, 0x00]].concat(),
    );
    let mgf1 = tlv(
        0x30,
        &[oid("1.2.840.113549.1.1.8"), sha256_id.clone()].concat(),
    );
    let oaep = tlv(0x30, &[tlv(0xA0, &sha256_id), tlv(0xA1, &mgf1)].concat());
    let want: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("2.16.840.1.101.3.4.1.46", None),                 // AES-256-GCM
        ("2.16.840.1.101.3.4.1.6", None),                  // AES-128-GCM
        ("2.16.840.1.101.3.4.1.42", None),                 // AES-256-CBC
        ("2.16.840.1.101.3.4.1.2", None),                  // AES-128-CBC
        ("1.2.840.113549.1.1.7", Some(oaep)),              // RSAES-OAEP, SHA-256
        ("1.2.840.113549.1.1.1", None),                    // rsaEncryption
        ("1.2.840.113549.1.9.16.3.19", wrap(aes256_wrap)), // dhSinglePass-stdDH-hkdf-sha256
        ("1.2.840.113549.1.9.16.3.19", wrap(aes128_wrap)),
        ("1.2.840.113549.1.9.16.3.20", wrap(aes256_wrap)), // hkdf-sha384
        ("1.2.840.113549.1.9.16.3.21", wrap(aes256_wrap)), // hkdf-sha512
        ("1.3.132.1.11.1", wrap(aes256_wrap)),             // dhSinglePass-stdDH-sha256kdf
        ("1.3.132.1.11.1", wrap(aes128_wrap)),
        ("1.3.132.1.11.2", wrap(aes256_wrap)), // sha384kdf
        ("1.3.132.1.11.3", wrap(aes256_wrap)), // sha512kdf
        ("2.16.840.1.101.3.4.4.2", None),      // ML-KEM-768
        ("2.16.840.1.101.3.4.4.3", None),      // ML-KEM-1024
    ];
    assert_eq!(node.children.len(), want.len());
    for (i, (cap, (id, params))) in node.children.iter().zip(&want).enumerate() {
        let entry = &caps[cap.range.clone()];
        let mut expected = oid(id);
        if let Some(p) = params {
            expected.extend_from_slice(p);
        }
        assert_eq!(entry, tlv(0x30, &expected), "entry {i}: {id}");
    }
    // The OIDs the library names are the ones announced.
    assert_eq!(
        &caps[node.children[0].children[0].range.clone()],
        tlv(0x06, oids::AES256_GCM.as_bytes())
    );
    assert_eq!(
        &caps[node.children[6].children[0].range.clone()],
        tlv(0x06, oids::DH_HKDF_SHA256.as_bytes())
    );
    assert_eq!(
        &caps[node.children[14].children[0].range.clone()],
        tlv(0x06, oids::ML_KEM_768.as_bytes())
    );
    // No id-ori-kem entry: it names a RecipientInfo kind, not an algorithm.
    let ori_kem = tlv(0x06, oids::ORI_KEM.as_bytes());
    assert!(!caps.windows(ori_kem.len()).any(|w| w == ori_kem));

    // OpenSSL reads the attribute and names its entries.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sig.der"), &signed).unwrap();
    let out = Command::new("openssl")
        .args([
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", "sig.der",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("S/MIME Capabilities") || text.contains("smimeCapabilities"),
        "{text}"
    );
    std::fs::write(dir.path().join("caps.der"), &caps).unwrap();
    let parsed = Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-in", "caps.der"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(parsed.status.success());
    let text = String::from_utf8_lossy(&parsed.stdout);
    for name in [
        "aes-256-gcm",
        "rsaesOaep",
        "dhSinglePass-stdDH-sha256kdf-scheme",
        "id-aes256-wrap",
        "id-aes128-wrap",
    ] {
        assert!(text.contains(name), "{name} in\n{text}");
    }
}
