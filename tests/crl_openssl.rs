//! CRLs made by `openssl ca -gencrl` (RSA PKCS#1 v1.5 and RSASSA-PSS signatures from an
//! RSA-2048 intermediate, ECDSA from a P-256 root) read by
//! `smime::validate::revocation::check_path`, under the policy's algorithm rules.

mod common;

use std::time::SystemTime;

use common::{LeafSpec, TestPki, openssl};
use der::Decode;
use smime::policy::Policy;
use smime::validate::revocation::{
    CertificateRevocation, RevocationReason, UnknownReason, check_path,
};
use x509_cert::Certificate;

fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).expect("certificate")
}

/// An `openssl ca -gencrl` CRL from the intermediate with extra `args`, DER.
fn intermediate_crl_with(pki: &TestPki, file: &str, args: &[&str]) -> Vec<u8> {
    let pem = format!("{file}.pem");
    let der = format!("{file}.der");
    let mut all = vec!["ca", "-config", "intermediate.cnf", "-gencrl", "-out", &pem];
    all.extend_from_slice(args);
    openssl(&all, pki.dir.path());
    openssl(
        &["crl", "-in", &pem, "-outform", "DER", "-out", &der],
        pki.dir.path(),
    );
    std::fs::read(pki.path(&der)).expect("read CRL")
}

#[test]
fn openssl_crls_are_read_and_follow_the_policy() {
    let pki = TestPki::new();
    let alice = pki.leaf("alice", &LeafSpec::default());
    let bob = pki.leaf("bob", &LeafSpec::default());
    let p = pki.dir.path();
    let alice_pem = alice.cert_path.to_string_lossy().into_owned();
    openssl(
        &[
            "ca",
            "-config",
            "intermediate.cnf",
            "-revoke",
            &alice_pem,
            "-crl_reason",
            "keyCompromise",
        ],
        p,
    );
    let crl = pki.intermediate_crl();
    let root_crl = pki.root_crl();
    let inter = parse(&pki.intermediate.der);
    let root = parse(&pki.root.der);
    let time = SystemTime::now();
    let policy = Policy::default();

    let alice_path = [parse(&alice.der), inter.clone(), root.clone()];
    let out = check_path(
        &alice_path,
        &[crl.clone(), root_crl.clone()],
        &[],
        time,
        &policy,
    );
    assert!(
        matches!(
            out.certificates[0],
            CertificateRevocation::Revoked {
                reason: Some(RevocationReason::KeyCompromise),
                ..
            }
        ),
        "{:?}",
        out.certificates
    );
    assert_eq!(out.certificates[1], CertificateRevocation::Good);

    let bob_path = [parse(&bob.der), inter.clone(), root.clone()];
    let out = check_path(
        &bob_path,
        &[crl.clone(), root_crl.clone()],
        &[],
        time,
        &policy,
    );
    assert_eq!(
        out.certificates,
        vec![CertificateRevocation::Good, CertificateRevocation::Good]
    );

    // A 2048-bit CRL signer is refused when the policy wants 3072 bits; the root's P-256
    // CRL is still fine.
    let mut big = Policy::default();
    big.min_rsa_bits = 3072;
    let out = check_path(&bob_path, &[crl, root_crl.clone()], &[], time, &big);
    assert!(matches!(
        out.certificates[0],
        CertificateRevocation::Unknown(UnknownReason::UnacceptableAlgorithm { .. })
    ));
    assert_eq!(out.certificates[1], CertificateRevocation::Good);

    // RSASSA-PSS: accepted by default, refused when the policy says so.
    let pss = intermediate_crl_with(
        &pki,
        "pss",
        &[
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ],
    );
    let out = check_path(
        &bob_path,
        &[pss.clone(), root_crl.clone()],
        &[],
        time,
        &policy,
    );
    assert_eq!(out.certificates[0], CertificateRevocation::Good);
    let mut no_pss = Policy::default();
    no_pss.accept_rsa_pss = false;
    let out = check_path(&bob_path, &[pss, root_crl], &[], time, &no_pss);
    assert!(matches!(
        out.certificates[0],
        CertificateRevocation::Unknown(UnknownReason::UnacceptableAlgorithm { .. })
    ));
}
