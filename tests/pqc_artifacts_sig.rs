//! The ML-DSA and SLH-DSA SignedData artifacts of Bouncy Castle and OpenSSL 3.5 (IETF PQC
//! hackathon, format v3, under tests/data/pqc): every pure-mode `*_signed_attrs.der` verifies,
//! its signature and its certificate chain to that provider's ML-DSA-44 trust anchor, and
//! carries the provider's expected plaintext; a flipped byte in the signature or in the
//! content fails. The pre-hash files (HashML-DSA, HashSLH-DSA: the `-with-` names, OIDs
//! 2.16.840.1.101.3.4.3.32 to .46) are refused as unsupported, and exactly those.

use smime::policy::Policy;
use smime::verify::{Check, SignatureFailure, VerifyOptions, verify};
use smime::{Certificate, DigestAlgorithm};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

fn dir(provider: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pqc")
        .join(provider)
}

/// A time at which the provider's certificates are valid: Bouncy Castle's trust anchor runs
/// from 2026-07-20 12:28 for a year, OpenSSL 3.5's from 2025-03-15 for a century.
fn validation_time() -> SystemTime {
    // 2026-08-01T00:00:00Z
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_785_542_400)
}

fn options(provider: &str) -> VerifyOptions {
    let ta = std::fs::read(dir(provider).join("ta.der")).expect("ta.der");
    let mut policy = Policy::default().with_time(validation_time());
    // The SHA-3 and SHAKE digests the SHAKE-based SLH-DSA signers use (RFC 9814; OpenSSL 3.5
    // writes SHA3-256 and SHA3-512) are not in the default policy's list yet.
    policy.accepted_digests.extend([
        DigestAlgorithm::Sha3_256,
        DigestAlgorithm::Sha3_384,
        DigestAlgorithm::Sha3_512,
        DigestAlgorithm::Shake128,
        DigestAlgorithm::Shake256,
    ]);
    // The artifacts are bare CMS: no From field to hold the signer to.
    policy.danger().skip_address_check(true);
    VerifyOptions {
        trust_anchors: vec![Certificate::from_der(&ta).expect("trust anchor")],
        policy,
        ..Default::default()
    }
}

fn signed_files(provider: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir(provider))
        .expect("artifact directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("_signed_attrs.der"))
        })
        .collect();
    files.sort();
    files
}

fn name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// The signature length of the algorithm a file is named after (FIPS 204 / FIPS 205).
fn signature_len(file: &str) -> usize {
    const LENS: [(&str, usize); 15] = [
        ("ml-dsa-44", 2420),
        ("ml-dsa-65", 3309),
        ("ml-dsa-87", 4627),
        ("sha2-128s", 7856),
        ("sha2-128f", 17088),
        ("sha2-192s", 16224),
        ("sha2-192f", 35664),
        ("sha2-256s", 29792),
        ("sha2-256f", 49856),
        ("shake-128s", 7856),
        ("shake-128f", 17088),
        ("shake-192s", 16224),
        ("shake-192f", 35664),
        ("shake-256s", 29792),
        ("shake-256f", 49856),
    ];
    LENS.iter()
        .find(|(k, _)| file.contains(k))
        .map(|(_, l)| *l)
        .expect("a known algorithm")
}

/// The offset of the signature value: the last OCTET STRING of the signature's length.
fn signature_offset(der: &[u8], len: usize) -> usize {
    let header = [0x04, 0x82, (len >> 8) as u8, len as u8];
    let at = der
        .windows(4)
        .rposition(|w| w == header)
        .expect("the signature OCTET STRING");
    at + 4
}

fn is_prehash(file: &str) -> bool {
    file.contains("-with-")
}

fn check_provider(provider: &str) -> Vec<String> {
    let options = options(provider);
    let expected = std::fs::read(dir(provider).join("expected_plaintext.txt")).expect("plaintext");
    let mut refused = Vec::new();
    let files = signed_files(provider);
    assert!(!files.is_empty());
    for path in &files {
        let file = name(path);
        let der = std::fs::read(path).expect("artifact");
        let report = verify(&der, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(report.signers.len(), 1, "{file}");
        let signer = &report.signers[0];
        if is_prehash(&file) {
            match &signer.signature {
                Check::Failed(SignatureFailure::UnsupportedAlgorithm { detail }) => {
                    assert!(detail.contains("2.16.840.1.101.3.4.3."), "{file}: {detail}");
                }
                other => panic!("{file}: a pre-hash signature must be unsupported: {other}"),
            }
            assert!(!report.is_trusted(), "{file}");
            refused.push(file);
            continue;
        }
        assert!(
            signer.signature.passed(),
            "{file}: signature {}",
            signer.signature
        );
        assert!(signer.chain.passed(), "{file}: chain {}", signer.chain);
        assert!(
            signer.validity.passed(),
            "{file}: validity {}",
            signer.validity
        );
        assert!(
            signer.algorithm.passed(),
            "{file}: algorithm {}",
            signer.algorithm
        );
        assert_eq!(report.content, expected, "{file}: content");

        // A flipped byte in the middle of the signature value.
        let mut bad = der.clone();
        let at = signature_offset(&der, signature_len(&file)) + signature_len(&file) / 2;
        bad[at] ^= 0x01;
        let report = verify(&bad, &options).expect("verify runs");
        assert_eq!(
            report.signers[0].signature,
            Check::Failed(SignatureFailure::BadSignature),
            "{file}: flipped signature"
        );
        assert!(!report.is_trusted(), "{file}");

        // A flipped byte in the content.
        let mut bad = der.clone();
        let content_at = der
            .windows(expected.len().min(13))
            .position(|w| w == &expected[..expected.len().min(13)])
            .expect("the content in the file");
        bad[content_at] ^= 0x01;
        let report = verify(&bad, &options).expect("verify runs");
        assert_eq!(
            report.signers[0].signature,
            Check::Failed(SignatureFailure::MessageDigestMismatch),
            "{file}: flipped content"
        );
        assert!(!report.is_trusted(), "{file}");
    }
    refused
}

#[test]
fn bouncy_castle_signed_artifacts_verify() {
    let refused = check_provider("bc");
    // Exactly the pre-hash files are refused (HashML-DSA and HashSLH-DSA).
    let expected: Vec<String> = signed_files("bc")
        .iter()
        .map(|p| name(p))
        .filter(|n| is_prehash(n))
        .collect();
    assert_eq!(expected.len(), 15);
    assert_eq!(refused, expected);
}

#[test]
fn openssl_35_signed_artifacts_verify() {
    let refused = check_provider("ossl35");
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(signed_files("ossl35").len(), 15);
}
