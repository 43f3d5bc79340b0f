//! RFC 5280 section 6.3 CRL processing: `smime::validate::revocation::check_path` on
//! hierarchies and CRLs built here.

// The inputs are spelled as owned slices (`&[crl.clone()]`), alike in every case.
#![allow(clippy::cloned_ref_to_slice_refs)]

mod crl_pki;

use crl_pki::*;
use der::flagset::FlagSet;
use smime::DigestAlgorithm;
use smime::policy::{Policy, RevocationMode};
use smime::validate::RevocationStatus;
use smime::validate::revocation::{
    CertificateRevocation, PathRevocation, RevocationReason, UnknownReason, check_path,
    check_path_with,
};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::crl::dp::Reasons;
use x509_cert::ext::pkix::name::DistributionPointName;

use CertificateRevocation::{Good, Unknown};

fn check(path: &[Certificate], crls: &[Vec<u8>], others: &[Certificate]) -> PathRevocation {
    check_path(path, crls, others, now(), &Policy::default())
}

/// The outcome of the leaf alone.
fn leaf_outcome(h: &Hierarchy, crls: &[Vec<u8>], others: &[Certificate]) -> CertificateRevocation {
    let mut all = crls.to_vec();
    all.push(h.root_crl());
    let out = check(&h.path(), &all, others);
    assert_eq!(out.certificates.len(), 2, "the trust anchor is not checked");
    assert_eq!(
        out.certificates[1], Good,
        "the root's CRL covers the intermediate"
    );
    out.certificates[0].clone()
}

fn revoked_for(reason: Option<RevocationReason>) -> CertificateRevocation {
    CertificateRevocation::Revoked {
        reason,
        date: day(-10),
    }
}

#[test]
fn revoked_reports_reason_and_date_and_unlisted_is_good() {
    let h = Hierarchy::plain();
    let crl = CrlSpec::new(
        &h.inter.name,
        vec![entry(7, None), entry(100, Some(CrlReason::KeyCompromise))],
    )
    .sign(&h.inter.key);
    let out = check(&h.path(), &[crl, h.root_crl()], &[]);
    assert_eq!(
        out.certificates,
        vec![revoked_for(Some(RevocationReason::KeyCompromise)), Good]
    );
    assert_eq!(out.summary(), RevocationStatus::Revoked);
    assert!(!out.passes(RevocationMode::SoftFail));

    let crl = CrlSpec::new(&h.inter.name, vec![entry(7, None)]).sign(&h.inter.key);
    let out = check(&h.path(), &[crl, h.root_crl()], &[]);
    assert_eq!(out.certificates, vec![Good, Good]);
    assert_eq!(out.summary(), RevocationStatus::Good);
    assert!(out.passes(RevocationMode::HardFail));
}

#[test]
fn off_mode_checks_nothing() {
    let h = Hierarchy::plain();
    let crl = CrlSpec::new(&h.inter.name, vec![entry(100, None)]).sign(&h.inter.key);
    let mut policy = Policy::default();
    policy.revocation = RevocationMode::Off;
    let out = check_path(&h.path(), &[crl], &[], now(), &policy);
    assert_eq!(
        out.certificates,
        vec![
            CertificateRevocation::NotChecked,
            CertificateRevocation::NotChecked
        ]
    );
    assert_eq!(out.summary(), RevocationStatus::NotChecked);
}

#[test]
fn no_crl_is_unknown_and_summary_is_unknown() {
    let h = Hierarchy::plain();
    let out = check(&h.path(), &[h.root_crl()], &[]);
    assert_eq!(out.certificates, vec![Unknown(UnknownReason::NoCrl), Good]);
    assert_eq!(out.summary(), RevocationStatus::Unknown);
    assert!(out.passes(RevocationMode::SoftFail));
    assert!(!out.passes(RevocationMode::HardFail));
    // Garbage is not a CRL: still unknown, never good.
    let out = check(&h.path(), &[b"\x30\x03\x02\x01\x00".to_vec()], &[]);
    assert!(matches!(
        out.certificates[0],
        Unknown(UnknownReason::Malformed { .. })
    ));
}

#[test]
fn crl_signed_by_another_key_is_a_bad_signature_never_good() {
    let h = Hierarchy::plain();
    let forged = CrlSpec::new(&h.inter.name, vec![]).sign(&key("mallory"));
    assert_eq!(
        leaf_outcome(&h, &[forged.clone()], &[]),
        Unknown(UnknownReason::BadSignature)
    );
    // A forged newer CRL does not hide a real one that lists the certificate.
    let mut spec = CrlSpec::new(&h.inter.name, vec![entry(100, None)]);
    spec.this_update = day(-3);
    let real = spec.sign(&h.inter.key);
    assert_eq!(leaf_outcome(&h, &[forged, real], &[]), revoked_for(None));
}

#[test]
fn separate_crl_signing_certificate_with_the_issuer_name() {
    let h = Hierarchy::plain();
    // The root certifies a second key for "CN=Intermediate", for CRLs only.
    let mut spec = CertSpec::ca(&h.inter.name, 11);
    spec.key_usage = Some(KeyUsages::CRLSign.into());
    let crl_signer = h.root.sub_ca_with(&spec, "intermediate-crl-key");
    let crl = CrlSpec::new(&h.inter.name, vec![entry(100, Some(CrlReason::Superseded))])
        .sign(&crl_signer.key);
    assert_eq!(
        leaf_outcome(&h, &[crl.clone()], &[crl_signer.cert.clone()]),
        revoked_for(Some(RevocationReason::Superseded))
    );
    // Without the CRL-signing certificate the signature cannot be checked.
    assert_eq!(
        leaf_outcome(&h, &[crl.clone()], &[]),
        Unknown(UnknownReason::BadSignature)
    );
    // A certificate with that name and key that no certificate of the path issued is not
    // trusted, unless the caller vouches for it.
    let stranger = Ca::root("Stranger");
    let rogue = crl_pki::issue_cert(
        &spec,
        &key("intermediate-crl-key"),
        &stranger.name,
        &stranger.key,
    );
    assert_eq!(
        leaf_outcome(&h, &[crl.clone()], &[rogue.clone()]),
        Unknown(UnknownReason::BadSignature)
    );
    let out = check_path_with(
        &h.path(),
        &[crl, h.root_crl()],
        &[rogue.clone()],
        now(),
        &Policy::default(),
        &|c: &Certificate| *c == rogue,
    );
    assert_eq!(
        out.certificates[0],
        revoked_for(Some(RevocationReason::Superseded))
    );
}

#[test]
fn crl_signer_needs_crl_sign_when_it_has_key_usage() {
    let h = Hierarchy::plain();
    let mut spec = CertSpec::ca(&h.inter.name, 11);
    spec.key_usage = Some(KeyUsages::DigitalSignature.into());
    let signer = h.root.sub_ca_with(&spec, "intermediate-crl-key");
    let crl = CrlSpec::new(&h.inter.name, vec![]).sign(&signer.key);
    assert_eq!(
        leaf_outcome(&h, &[crl.clone()], &[signer.cert.clone()]),
        Unknown(UnknownReason::SignerNotAuthorized)
    );
    // Without keyUsage it may.
    spec.key_usage = None;
    let signer = h.root.sub_ca_with(&spec, "intermediate-crl-key");
    assert_eq!(leaf_outcome(&h, &[crl], &[signer.cert]), Good);

    // The issuer in the path itself, with keyUsage keyCertSign only, may not sign CRLs.
    let root = Ca::root("Root");
    let mut ca_spec = CertSpec::ca("CN=Intermediate", 10);
    ca_spec.key_usage = Some(KeyUsages::KeyCertSign.into());
    let inter = root.sub_ca_with(&ca_spec, "Intermediate");
    let leaf = inter.issue(&CertSpec::leaf("CN=alice", 100));
    let crl = CrlSpec::new(&inter.name, vec![]).sign(&inter.key);
    let out = check(&[leaf, inter.cert, root.cert.clone()], &[crl], &[]);
    assert_eq!(
        out.certificates[0],
        Unknown(UnknownReason::SignerNotAuthorized)
    );
}

#[test]
fn key_rollover_crl_signed_by_the_new_key() {
    let h = Hierarchy::plain();
    // New key, certified by the root (a renewed CA certificate).
    let renewed = h
        .root
        .sub_ca_with(&CertSpec::ca(&h.inter.name, 12), "intermediate-2027");
    let crl = CrlSpec::new(
        &h.inter.name,
        vec![entry(100, Some(CrlReason::CessationOfOperation))],
    )
    .sign(&renewed.key);
    assert_eq!(
        leaf_outcome(&h, &[crl], &[renewed.cert.clone()]),
        revoked_for(Some(RevocationReason::CessationOfOperation))
    );
    // New key, certified by the old one (self-issued new-with-old).
    let new_key = key("intermediate-2028");
    let new_with_old = crl_pki::issue_cert(
        &CertSpec::ca(&h.inter.name, 13),
        &new_key,
        &h.inter.name,
        &h.inter.key,
    );
    let crl = CrlSpec::new(&h.inter.name, vec![]).sign(&new_key);
    assert_eq!(leaf_outcome(&h, &[crl], &[new_with_old]), Good);
}

#[test]
fn scope_only_user_ca_or_attribute_certs() {
    let h = Hierarchy::plain();
    let crl_with =
        |issuer: &Ca, f: &dyn Fn(&mut x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint)| {
            let mut spec = CrlSpec::new(&issuer.name, vec![]);
            let mut p = idp();
            f(&mut p);
            spec.idp = Some(p);
            spec.sign(&issuer.key)
        };
    let inter_full = CrlSpec::new(&h.inter.name, vec![]).sign(&h.inter.key);
    // onlyContainsUserCerts from the root does not cover the intermediate (a CA).
    let users = crl_with(&h.root, &|p| p.only_contains_user_certs = true);
    let out = check(&h.path(), &[inter_full.clone(), users], &[]);
    assert_eq!(
        out.certificates,
        vec![Good, Unknown(UnknownReason::OutOfScope)]
    );
    // onlyContainsCACerts from the root covers it.
    let cas = crl_with(&h.root, &|p| p.only_contains_ca_certs = true);
    let out = check(&h.path(), &[inter_full, cas], &[]);
    assert_eq!(out.certificates, vec![Good, Good]);
    // onlyContainsCACerts from the intermediate does not cover the leaf.
    let cas = crl_with(&h.inter, &|p| p.only_contains_ca_certs = true);
    assert_eq!(
        leaf_outcome(&h, &[cas], &[]),
        Unknown(UnknownReason::OutOfScope)
    );
    // onlyContainsUserCerts from the intermediate does.
    let users = crl_with(&h.inter, &|p| p.only_contains_user_certs = true);
    assert_eq!(leaf_outcome(&h, &[users], &[]), Good);
    // onlyContainsAttributeCerts covers no public-key certificate.
    let attrs = crl_with(&h.inter, &|p| p.only_contains_attribute_certs = true);
    assert_eq!(
        leaf_outcome(&h, &[attrs], &[]),
        Unknown(UnknownReason::OutOfScope)
    );
}

fn reasons(list: &[Reasons]) -> FlagSet<Reasons> {
    list.iter().fold(FlagSet::default(), |acc, r| acc | *r)
}

#[test]
fn only_some_reasons_needs_the_union_of_all_reasons() {
    let h = Hierarchy::plain();
    let partial = |list: &[Reasons], entries: Vec<EntrySpec>| {
        let mut spec = CrlSpec::new(&h.inter.name, entries);
        let mut p = idp();
        p.only_some_reasons = Some(reasons(list));
        spec.idp = Some(p);
        spec.sign(&h.inter.key)
    };
    let compromise = [Reasons::KeyCompromise, Reasons::CaCompromise];
    let rest = [
        Reasons::AffiliationChanged,
        Reasons::Superseded,
        Reasons::CessationOfOperation,
        Reasons::CertificateHold,
        Reasons::PrivilegeWithdrawn,
        Reasons::AaCompromise,
    ];
    let a = partial(&compromise, vec![]);
    assert_eq!(
        leaf_outcome(&h, &[a.clone()], &[]),
        Unknown(UnknownReason::OutOfScope)
    );
    let b = partial(&rest, vec![]);
    assert_eq!(leaf_outcome(&h, &[a, b.clone()], &[]), Good);
    // A revocation found in a partial CRL counts.
    let a = partial(
        &compromise,
        vec![entry(100, Some(CrlReason::KeyCompromise))],
    );
    assert_eq!(
        leaf_outcome(&h, &[a], &[]),
        revoked_for(Some(RevocationReason::KeyCompromise))
    );
    // The certificate's distribution point reasons limit what a CRL covers too.
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.crl_dps = Some(vec![dp(
        Some(vec![uri("http://crl.example/compromise.crl")]),
        Some(reasons(&compromise)),
        None,
    )]);
    let h2 = Hierarchy::new(&spec);
    let full = CrlSpec::new(&h2.inter.name, vec![]).sign(&h2.inter.key);
    assert_eq!(
        leaf_outcome(&h2, &[full], &[]),
        Unknown(UnknownReason::OutOfScope)
    );
}

#[test]
fn distribution_point_names_must_match() {
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.crl_dps = Some(vec![dp(
        Some(vec![uri("http://crl.example/a.crl")]),
        None,
        None,
    )]);
    let h = Hierarchy::new(&spec);
    let with_name = |name: DistributionPointName| {
        let mut spec = CrlSpec::new(&h.inter.name, vec![]);
        let mut p = idp();
        p.distribution_point = Some(name);
        spec.idp = Some(p);
        spec.sign(&h.inter.key)
    };
    let other = with_name(DistributionPointName::FullName(vec![uri(
        "http://crl.example/b.crl",
    )]));
    assert_eq!(
        leaf_outcome(&h, &[other], &[]),
        Unknown(UnknownReason::OutOfScope)
    );
    let same = with_name(DistributionPointName::FullName(vec![
        uri("http://crl.example/b.crl"),
        uri("http://crl.example/a.crl"),
    ]));
    assert_eq!(leaf_outcome(&h, &[same], &[]), Good);
    // A CRL without issuingDistributionPoint covers every distribution point of its issuer.
    let full = CrlSpec::new(&h.inter.name, vec![]).sign(&h.inter.key);
    assert_eq!(leaf_outcome(&h, &[full], &[]), Good);

    // Names relative to the CRL issuer: "CN=part1" below the issuer's name.
    let rdn = name("CN=part1")
        .iter_rdn()
        .next()
        .cloned()
        .expect("one RDN");
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.crl_dps = Some(vec![x509_cert::ext::pkix::crl::dp::DistributionPoint {
        distribution_point: Some(DistributionPointName::NameRelativeToCRLIssuer(rdn.clone())),
        reasons: None,
        crl_issuer: None,
    }]);
    let h = Hierarchy::new(&spec);
    let relative = |rdn_name: &str| {
        let rdn = name(rdn_name).iter_rdn().next().cloned().expect("one RDN");
        let mut spec = CrlSpec::new(&h.inter.name, vec![]);
        let mut p = idp();
        p.distribution_point = Some(DistributionPointName::NameRelativeToCRLIssuer(rdn));
        spec.idp = Some(p);
        spec.sign(&h.inter.key)
    };
    assert_eq!(leaf_outcome(&h, &[relative("CN=part1")], &[]), Good);
    assert_eq!(
        leaf_outcome(&h, &[relative("CN=part2")], &[]),
        Unknown(UnknownReason::OutOfScope)
    );
    // A full name spelling out the same directory name matches too.
    let full_dn = {
        let mut spec = CrlSpec::new(&h.inter.name, vec![]);
        let mut p = idp();
        p.distribution_point = Some(DistributionPointName::FullName(vec![dn(
            "CN=part1,CN=Intermediate",
        )]));
        spec.idp = Some(p);
        spec.sign(&h.inter.key)
    };
    // RFC 4514 strings list the most specific RDN first.
    assert_eq!(leaf_outcome(&h, &[full_dn], &[]), Good);
}

/// A hierarchy whose leaf names an indirect CRL issuer, and that issuer's certificate.
fn indirect_setup() -> (Hierarchy, Ca) {
    let root = Ca::root("Root");
    let crl_issuer = {
        let mut spec = CertSpec::ca("CN=Revocation Service", 20);
        spec.ca = false;
        spec.key_usage = Some(KeyUsages::CRLSign.into());
        root.sub_ca_with(&spec, "Revocation Service")
    };
    let inter = root.sub_ca("Intermediate", 10);
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.crl_dps = Some(vec![dp(
        Some(vec![uri("http://revocation.example/all.crl")]),
        None,
        Some(vec![dn("CN=Revocation Service")]),
    )]);
    let leaf = inter.issue(&spec);
    (Hierarchy { root, inter, leaf }, crl_issuer)
}

#[test]
fn indirect_crl_with_certificate_issuer_entries() {
    let (h, service) = indirect_setup();
    let others = [service.cert.clone()];
    let indirect = |entries: Vec<EntrySpec>, indirect: bool| {
        let mut spec = CrlSpec::new(&service.name, entries);
        let mut p = idp();
        p.indirect_crl = indirect;
        spec.idp = Some(p);
        spec.sign(&service.key)
    };
    let for_inter = |serial: u64| EntrySpec {
        certificate_issuer: Some(vec![dn("CN=Intermediate")]),
        ..entry(serial, Some(CrlReason::AffiliationChanged))
    };
    // Entry 100 of the CRL issuer itself, then entries of the intermediate: 100 is listed
    // for the intermediate only after the certificateIssuer entry.
    let crl = indirect(
        vec![
            entry(100, None),
            for_inter(55),
            entry(100, Some(CrlReason::AffiliationChanged)),
        ],
        true,
    );
    assert_eq!(
        leaf_outcome(&h, &[crl], &others),
        revoked_for(Some(RevocationReason::AffiliationChanged))
    );
    // Serial 100 of the CRL issuer's own certificates is not the leaf.
    let crl = indirect(vec![entry(100, None), for_inter(55)], true);
    assert_eq!(leaf_outcome(&h, &[crl], &others), Good);
    // Without indirectCRL the CRL does not cover another issuer's certificates.
    let mut spec = CrlSpec::new(&service.name, vec![]);
    spec.idp = None;
    let plain = spec.sign(&service.key);
    assert_eq!(
        leaf_outcome(&h, &[plain], &others),
        Unknown(UnknownReason::OutOfScope)
    );
    // The intermediate's own CRL does not serve a distribution point naming another CRL issuer.
    let direct = CrlSpec::new(&h.inter.name, vec![]).sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[direct], &others),
        Unknown(UnknownReason::OutOfScope)
    );
    // Without the CRL issuer's certificate its signature cannot be checked.
    let crl = indirect(vec![], true);
    assert_eq!(
        leaf_outcome(&h, &[crl], &[]),
        Unknown(UnknownReason::NoSignerCertificate)
    );
}

fn delta_spec(h: &Hierarchy, base: u64, number: u64, entries: Vec<EntrySpec>) -> CrlSpec {
    let mut spec = CrlSpec::new(&h.inter.name, entries);
    spec.number = Some(number);
    spec.delta_base = Some(base);
    spec.this_update = day(0);
    spec
}

#[test]
fn delta_crls_combine_with_their_base() {
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.freshest = Some(vec![dp(
        Some(vec![uri("http://crl.example/delta.crl")]),
        None,
        None,
    )]);
    let h = Hierarchy::new(&spec);
    let mut base = CrlSpec::new(&h.inter.name, vec![]);
    base.number = Some(5);
    let base = base.sign(&h.inter.key);
    let delta =
        delta_spec(&h, 5, 6, vec![entry(100, Some(CrlReason::KeyCompromise))]).sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[base.clone(), delta.clone()], &[]),
        revoked_for(Some(RevocationReason::KeyCompromise))
    );
    // A delta for a later base (7 > 5) is not combined with base 5.
    let later = delta_spec(&h, 7, 8, vec![entry(100, None)]).sign(&h.inter.key);
    assert_eq!(leaf_outcome(&h, &[base.clone(), later], &[]), Good);
    // A delta older than its base is not applied.
    let older = delta_spec(&h, 3, 4, vec![entry(100, None)]).sign(&h.inter.key);
    assert_eq!(leaf_outcome(&h, &[base.clone(), older], &[]), Good);
    // A delta of another scope is not combined.
    let mut scoped = delta_spec(&h, 5, 6, vec![entry(100, None)]);
    let mut p = idp();
    p.only_contains_user_certs = true;
    scoped.idp = Some(p);
    assert_eq!(
        leaf_outcome(&h, &[base.clone(), scoped.sign(&h.inter.key)], &[]),
        Good
    );
    // A delta signed by another key is not used.
    let forged = delta_spec(&h, 5, 6, vec![entry(100, None)]).sign(&key("mallory"));
    assert_eq!(leaf_outcome(&h, &[base.clone(), forged], &[]), Good);
    // A delta signed by another trusted key of the issuer than the base's is not combined
    // with it (RFC 5280 6.3.3 (h)).
    let mut signer_spec = CertSpec::ca(&h.inter.name, 11);
    signer_spec.key_usage = Some(KeyUsages::CRLSign.into());
    let crl_signer = h.root.sub_ca_with(&signer_spec, "intermediate-crl-key");
    let other_key = delta_spec(&h, 5, 6, vec![entry(100, None)]).sign(&crl_signer.key);
    assert_eq!(
        leaf_outcome(
            &h,
            &[base.clone(), other_key.clone()],
            &[crl_signer.cert.clone()]
        ),
        Good
    );
    // ...but it is when the base is signed with that key too.
    let mut base2 = CrlSpec::new(&h.inter.name, vec![]);
    base2.number = Some(5);
    let base2 = base2.sign(&crl_signer.key);
    assert_eq!(
        leaf_outcome(&h, &[base2, other_key], &[crl_signer.cert.clone()]),
        revoked_for(None)
    );
    // A delta alone is never a complete CRL.
    assert_eq!(
        leaf_outcome(&h, &[delta], &[]),
        Unknown(UnknownReason::DeltaWithoutBase)
    );
}

#[test]
fn remove_from_crl_in_a_delta_releases_a_hold() {
    let h = Hierarchy::plain();
    let mut base = CrlSpec::new(
        &h.inter.name,
        vec![entry(100, Some(CrlReason::CertificateHold))],
    );
    base.number = Some(5);
    let base = base.sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[base.clone()], &[]),
        revoked_for(Some(RevocationReason::CertificateHold))
    );
    let release =
        delta_spec(&h, 5, 6, vec![entry(100, Some(CrlReason::RemoveFromCRL))]).sign(&h.inter.key);
    assert_eq!(leaf_outcome(&h, &[base, release.clone()], &[]), Good);
    // removeFromCRL belongs in delta CRLs only: a complete CRL carrying it is unusable.
    let mut bad = CrlSpec::new(
        &h.inter.name,
        vec![entry(100, Some(CrlReason::RemoveFromCRL))],
    );
    bad.number = Some(9);
    assert!(matches!(
        leaf_outcome(&h, &[bad.sign(&h.inter.key)], &[]),
        Unknown(UnknownReason::Malformed { .. })
    ));
}

#[test]
fn unknown_critical_extensions_make_the_crl_unusable() {
    let h = Hierarchy::plain();
    let odd = ext("1.3.6.1.4.1.99999.1", true, &der::asn1::Null);
    let mut spec = CrlSpec::new(&h.inter.name, vec![]);
    spec.extra = vec![odd.clone()];
    assert_eq!(
        leaf_outcome(&h, &[spec.sign(&h.inter.key)], &[]),
        Unknown(UnknownReason::UnsupportedCriticalExtension {
            oid: "1.3.6.1.4.1.99999.1".into()
        })
    );
    let mut e = entry(7, None);
    e.extra = vec![odd.clone()];
    let spec = CrlSpec::new(&h.inter.name, vec![e]);
    assert_eq!(
        leaf_outcome(&h, &[spec.sign(&h.inter.key)], &[]),
        Unknown(UnknownReason::UnsupportedCriticalExtension {
            oid: "1.3.6.1.4.1.99999.1".into()
        })
    );
    // The same extensions, not critical, are ignored.
    let mild = ext("1.3.6.1.4.1.99999.1", false, &der::asn1::Null);
    let mut e = entry(7, None);
    e.extra = vec![mild.clone()];
    let mut spec = CrlSpec::new(&h.inter.name, vec![e]);
    spec.extra = vec![mild];
    assert_eq!(leaf_outcome(&h, &[spec.sign(&h.inter.key)], &[]), Good);
}

#[test]
fn stale_and_future_crls_are_not_used_and_the_newest_usable_wins() {
    let h = Hierarchy::plain();
    let mut stale = CrlSpec::new(&h.inter.name, vec![]);
    stale.this_update = day(-20);
    stale.next_update = Some(day(-2));
    let stale = stale.sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[stale.clone()], &[]),
        Unknown(UnknownReason::Stale)
    );
    let mut future = CrlSpec::new(&h.inter.name, vec![]);
    future.this_update = day(2);
    future.next_update = Some(day(9));
    assert_eq!(
        leaf_outcome(&h, &[future.sign(&h.inter.key)], &[]),
        Unknown(UnknownReason::NotYetValid)
    );
    // A fresher CRL is used instead of the stale one.
    let fresh = CrlSpec::new(&h.inter.name, vec![entry(100, Some(CrlReason::Superseded))])
        .sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[stale, fresh], &[]),
        revoked_for(Some(RevocationReason::Superseded))
    );
    // Of two usable CRLs the newest decides: a hold lifted since...
    let mut older = CrlSpec::new(
        &h.inter.name,
        vec![entry(100, Some(CrlReason::CertificateHold))],
    );
    older.this_update = day(-5);
    older.number = Some(1);
    let older = older.sign(&h.inter.key);
    let mut newer = CrlSpec::new(&h.inter.name, vec![]);
    newer.this_update = day(-1);
    newer.number = Some(2);
    let newer_empty = newer.clone().sign(&h.inter.key);
    assert_eq!(leaf_outcome(&h, &[older.clone(), newer_empty], &[]), Good);
    // ...or a revocation since.
    newer.entries = vec![entry(100, Some(CrlReason::KeyCompromise))];
    let mut older_empty = CrlSpec::new(&h.inter.name, vec![]);
    older_empty.this_update = day(-5);
    assert_eq!(
        leaf_outcome(
            &h,
            &[newer.sign(&h.inter.key), older_empty.sign(&h.inter.key)],
            &[]
        ),
        revoked_for(Some(RevocationReason::KeyCompromise))
    );
}

#[test]
fn crl_signature_follows_the_policy() {
    let h = Hierarchy::plain();
    let mut spec = CrlSpec::new(&h.inter.name, vec![]);
    spec.alg = ecdsa_sha1();
    let sha1_crl = spec.sign(&h.inter.key);
    assert!(matches!(
        leaf_outcome(&h, &[sha1_crl.clone()], &[]),
        Unknown(UnknownReason::UnacceptableAlgorithm { .. })
    ));
    let mut policy = Policy::default();
    policy.accepted_digests.push(DigestAlgorithm::Sha1);
    let out = check_path(&h.path(), &[sha1_crl, h.root_crl()], &[], now(), &policy);
    assert_eq!(out.certificates, vec![Good, Good]);
}

#[test]
fn summary_is_good_only_when_every_certificate_is() {
    let h = Hierarchy::plain();
    let inter_crl = CrlSpec::new(&h.inter.name, vec![]).sign(&h.inter.key);
    // The leaf is good, the intermediate unknown: the path is not good.
    let out = check(&h.path(), &[inter_crl.clone()], &[]);
    assert_eq!(out.certificates, vec![Good, Unknown(UnknownReason::NoCrl)]);
    assert_eq!(out.summary(), RevocationStatus::Unknown);
    assert!(!out.passes(RevocationMode::HardFail));
    // The intermediate revoked by the root: the path is revoked even though the leaf is good.
    let root_crl = CrlSpec::new(&h.root.name, vec![entry(10, Some(CrlReason::CaCompromise))])
        .sign(&h.root.key);
    let out = check(&h.path(), &[inter_crl, root_crl], &[]);
    assert_eq!(
        out.certificates,
        vec![Good, revoked_for(Some(RevocationReason::CaCompromise))]
    );
    assert_eq!(out.summary(), RevocationStatus::Revoked);
    // A path of the trust anchor alone has nothing to check.
    let out = check(&[h.root.cert.clone()], &[], &[]);
    assert!(out.certificates.is_empty());
    assert!(out.passes(RevocationMode::HardFail));
}

#[test]
fn crl_issuer_names_compare_by_rfc5280_rules() {
    let h = Hierarchy::plain();
    // The certificate says UTF8String "Intermediate"; the CRL PrintableString
    // "  INTERMEDIATE " (case and surrounding white space do not matter).
    let mut spec = CrlSpec::new(&h.inter.name, vec![entry(100, None)]);
    spec.issuer_name = Some(cn_with_tag(der::Tag::PrintableString, "  INTERMEDIATE "));
    assert_eq!(
        leaf_outcome(&h, &[spec.sign(&h.inter.key)], &[]),
        revoked_for(None)
    );
    // Internal white space is collapsed, not removed.
    let mut spec = CrlSpec::new(&h.inter.name, vec![entry(100, None)]);
    spec.issuer_name = Some(cn_with_tag(der::Tag::Utf8String, "Inter mediate"));
    assert_eq!(
        leaf_outcome(&h, &[spec.sign(&h.inter.key)], &[]),
        Unknown(UnknownReason::NoCrl)
    );
    // A CRL of another issuer says nothing about the leaf.
    let other = Ca::root("Someone");
    let crl = CrlSpec::new(&other.name, vec![entry(100, None)]).sign(&other.key);
    assert_eq!(leaf_outcome(&h, &[crl], &[]), Unknown(UnknownReason::NoCrl));
}

#[test]
fn a_crl_signer_outside_the_path_must_not_be_revoked() {
    let h = Hierarchy::plain();
    let mut spec = CertSpec::ca(&h.inter.name, 11);
    spec.key_usage = Some(KeyUsages::CRLSign.into());
    let signer = h.root.sub_ca_with(&spec, "intermediate-crl-key");
    let crl = CrlSpec::new(&h.inter.name, vec![]).sign(&signer.key);
    let others = [signer.cert.clone()];
    // The root revoked the CRL-signing certificate (serial 11): its CRLs no longer count.
    let root_crl = CrlSpec::new(
        &h.root.name,
        vec![entry(11, Some(CrlReason::KeyCompromise))],
    )
    .sign(&h.root.key);
    let out = check(&h.path(), &[crl.clone(), root_crl], &others);
    assert_eq!(
        out.certificates,
        vec![Unknown(UnknownReason::SignerRevoked), Good]
    );
    // Its status unknown (no root CRL): accepted in soft-fail, not in hard-fail.
    let out = check(&h.path(), std::slice::from_ref(&crl), &others);
    assert_eq!(out.certificates[0], Good);
    let out = check_path(&h.path(), &[crl], &others, now(), &Policy::strict());
    assert_eq!(
        out.certificates,
        vec![
            Unknown(UnknownReason::SignerStatusUnknown),
            Unknown(UnknownReason::NoCrl)
        ]
    );
}

#[test]
fn a_stale_base_serves_with_a_current_delta_only_under_freshest_crl() {
    let stale_base = |h: &Hierarchy| {
        let mut base = CrlSpec::new(&h.inter.name, vec![]);
        base.number = Some(5);
        base.this_update = day(-9);
        base.next_update = Some(day(-2));
        base.sign(&h.inter.key)
    };
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.freshest = Some(vec![dp(
        Some(vec![uri("http://crl.example/delta.crl")]),
        None,
        None,
    )]);
    let h = Hierarchy::new(&spec);
    let delta = |entries| delta_spec(&h, 5, 6, entries).sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[stale_base(&h), delta(vec![])], &[]),
        Good
    );
    assert_eq!(
        leaf_outcome(&h, &[stale_base(&h), delta(vec![entry(100, None)])], &[]),
        revoked_for(None)
    );
    // The stale base alone stays stale.
    assert_eq!(
        leaf_outcome(&h, &[stale_base(&h)], &[]),
        Unknown(UnknownReason::Stale)
    );
    // Without freshestCRL in the certificate or the CRL, a stale base is not revived.
    let h = Hierarchy::plain();
    let delta = delta_spec(&h, 5, 6, vec![]).sign(&h.inter.key);
    assert_eq!(
        leaf_outcome(&h, &[stale_base(&h), delta.clone()], &[]),
        Unknown(UnknownReason::Stale)
    );
    // With freshestCRL in the complete CRL, it is.
    let mut base = CrlSpec::new(&h.inter.name, vec![]);
    base.number = Some(5);
    base.this_update = day(-9);
    base.next_update = Some(day(-2));
    base.extra = vec![ext(
        "2.5.29.46",
        false,
        &vec![dp(
            Some(vec![uri("http://crl.example/delta.crl")]),
            None,
            None,
        )],
    )];
    assert_eq!(
        leaf_outcome(&h, &[base.sign(&h.inter.key), delta], &[]),
        Good
    );
}

/// An indirect CRL issuer certified by another CA under the same root (no certificate of the
/// path issued it): `validate_chain` validates the CRL signer's own path and uses its CRL.
#[test]
fn validate_chain_uses_an_indirect_crl_signer_certified_outside_the_path() {
    use der::Encode;
    use smime::validate::{ChainFailure, ChainInput, validate_chain};

    let root = Ca::root("Root");
    let inter = root.sub_ca("Intermediate", 10);
    let other_ca = root.sub_ca("Other CA", 11);
    let service = {
        let mut spec = CertSpec::ca("CN=Revocation Service", 20);
        spec.ca = false;
        spec.key_usage = Some(KeyUsages::CRLSign.into());
        other_ca.sub_ca_with(&spec, "Revocation Service")
    };
    let mut spec = CertSpec::leaf("CN=alice", 100);
    spec.crl_dps = Some(vec![dp(
        Some(vec![uri("http://revocation.example/all.crl")]),
        None,
        Some(vec![dn("CN=Revocation Service")]),
    )]);
    let leaf = inter.issue(&spec);
    let indirect = |entries: Vec<EntrySpec>| {
        let mut spec = CrlSpec::new(&service.name, entries);
        let mut p = idp();
        p.indirect_crl = true;
        spec.idp = Some(p);
        spec.sign(&service.key)
    };
    let revoking = indirect(vec![EntrySpec {
        certificate_issuer: Some(vec![dn("CN=Intermediate")]),
        ..entry(100, Some(CrlReason::KeyCompromise))
    }]);
    let root_crl = CrlSpec::new(&root.name, vec![]).sign(&root.key);
    let der = |c: &Certificate| c.to_der().expect("encode");
    let (leaf_der, anchors) = (der(&leaf), vec![der(&root.cert)]);
    let run = |intermediates: &[Vec<u8>], crls: &[Vec<u8>]| {
        validate_chain(
            &ChainInput {
                end_entity: &leaf_der,
                intermediates,
                trust_anchors: &anchors,
                crls,
                time: now(),
            },
            &Policy::default(),
        )
    };
    let all = vec![der(&inter.cert), der(&other_ca.cert), der(&service.cert)];

    // The service's certificate chains to the same root through the other CA: its CRL counts.
    let o = run(&all, &[revoking.clone(), root_crl.clone()]);
    assert!(
        matches!(
            o.result,
            Err(ChainFailure::Revoked {
                reason: Some(RevocationReason::KeyCompromise),
                ..
            })
        ),
        "{:?}",
        o.result
    );
    // Not listed: good.
    let o = run(&all, &[indirect(vec![]), root_crl.clone()]);
    assert_eq!(o.revocation.certificates[0], Good, "{:?}", o.revocation);
    // Without the other CA's certificate the service's path cannot be validated: its CRL is
    // not used, and the status stays unknown.
    let o = run(
        &[der(&inter.cert), der(&service.cert)],
        &[revoking.clone(), root_crl.clone()],
    );
    assert!(o.result.is_ok(), "soft-fail: {:?}", o.result);
    assert!(
        matches!(o.revocation.certificates[0], Unknown(_)),
        "{:?}",
        o.revocation
    );
    // A look-alike service under a root the reader does not trust is never used.
    let stranger = Ca::root("Stranger");
    let fake = {
        let mut spec = CertSpec::ca("CN=Revocation Service", 21);
        spec.ca = false;
        spec.key_usage = Some(KeyUsages::CRLSign.into());
        stranger.sub_ca_with(&spec, "Fake Revocation Service")
    };
    let mut fake_spec = CrlSpec::new(&fake.name, vec![]);
    let mut p = idp();
    p.indirect_crl = true;
    fake_spec.idp = Some(p);
    let fake_crl = fake_spec.sign(&fake.key);
    let o = run(
        &[der(&inter.cert), der(&fake.cert), der(&stranger.cert)],
        &[fake_crl, root_crl],
    );
    assert!(
        matches!(o.revocation.certificates[0], Unknown(_)),
        "{:?}",
        o.revocation
    );
}
