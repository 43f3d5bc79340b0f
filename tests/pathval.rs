//! RFC 5280 section 6 path validation (`smime::validate::validate_chain`) on hierarchies
//! built here: CA key usage, basic constraints and path length with self-issued
//! certificates, unique identifiers, name chaining by RFC 5280 section 7.1, name constraints
//! (also on the subject emailAddress), certificate policies with the Policy's inputs,
//! key-rollover certificates, and the algorithm policy.

mod pathval_pki;

use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use pathval_pki::{
    CA_EXT, Cert, Key, LEAF_EXT, Pki, Spec, assert_valid, failure, path_policy, resign, tlv,
    validate, validate_at, validate_with,
};
use smime::DigestAlgorithm;
use smime::policy::RevocationMode;
use smime::validate::ChainFailure;
use smime::validate::revocation::CertificateRevocation;

const ROOT: &str = "/CN=Path Root/O=Example";
const INT: &str = "/CN=Mail CA/O=Example";

/// A root and an intermediate under it (both P-256, standard CA extensions).
fn root_and_int(pki: &Pki, int_extra: &str) -> (Cert, Cert) {
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let int = pki.issue(&Spec::ca("int", INT, Some("root"), int_extra));
    (root, int)
}

fn subject_of(f: &ChainFailure) -> String {
    match f {
        ChainFailure::Expired { subject }
        | ChainFailure::BadSignature { subject }
        | ChainFailure::NotCa { subject }
        | ChainFailure::PathTooLong { subject }
        | ChainFailure::CaKeyUsage { subject }
        | ChainFailure::NameConstraints { subject }
        | ChainFailure::WeakAlgorithm { subject, .. } => subject.clone(),
        other => panic!("no subject in {other:?}"),
    }
}

// ---- key usage and basic constraints ----------------------------------------------------------

/// Item 9: a CA without keyCertSign issues nothing, with the reason.
#[test]
fn attack_bar_09_ca_without_key_cert_sign_issues_nothing() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let mut spec = Spec::ca("int", INT, Some("root"), "");
    spec.ext = "basicConstraints = critical, CA:TRUE\n\
                keyUsage = critical, digitalSignature, cRLSign\n\
                subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
        .to_string();
    let int = pki.issue(&spec);
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
    let f = failure(&validate(&leaf, &[&int], &[&root]));
    assert!(matches!(f, ChainFailure::CaKeyUsage { .. }), "{f:?}");
    assert!(subject_of(&f).contains("Mail CA"));
    assert!(f.to_string().contains("keyCertSign"), "{f}");

    // The same hierarchy with keyCertSign validates.
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
    let path = assert_valid(&validate(&leaf, &[&int], &[&root]));
    assert_eq!(
        path,
        vec![leaf.der.clone(), int.der.clone(), root.der.clone()]
    );
}

#[test]
fn root_without_key_cert_sign_issues_nothing() {
    let pki = Pki::new();
    let mut spec = Spec::ca("root", ROOT, None, "");
    spec.ext = "basicConstraints = critical, CA:TRUE\n\
                keyUsage = critical, digitalSignature\n\
                subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
        .to_string();
    let root = pki.issue(&spec);
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "root", ""));
    let f = failure(&validate(&leaf, &[], &[&root]));
    assert!(matches!(f, ChainFailure::CaKeyUsage { .. }), "{f:?}");
}

/// Item 9: an issuer that is not a CA issues nothing, with the reason.
#[test]
fn attack_bar_09_non_ca_issuer_does_not_issue() {
    for ext in [
        // cA FALSE
        "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, keyCertSign, cRLSign\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
        // no basicConstraints at all
        "keyUsage = critical, keyCertSign, cRLSign\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
    ] {
        let pki = Pki::new();
        let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
        let mut spec = Spec::ca("int", INT, Some("root"), "");
        spec.ext = ext.to_string();
        let int = pki.issue(&spec);
        let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
        let f = failure(&validate(&leaf, &[&int], &[&root]));
        assert!(matches!(f, ChainFailure::NotCa { .. }), "{f:?}");
        assert!(subject_of(&f).contains("Mail CA"));
    }
}

/// Item 9: a pathLen violation is refused, with the reason.
#[test]
fn attack_bar_09_path_length_constraint_is_enforced() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let ca1 = pki.issue(&Spec::ca(
        "ca1",
        "/CN=Policy CA/O=Example",
        Some("root"),
        "basicConstraints = critical, CA:TRUE, pathlen:0\n",
    ));
    let ca2 = pki.issue(&Spec::ca(
        "ca2",
        "/CN=Issuing CA/O=Example",
        Some("ca1"),
        "",
    ));
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "ca2", ""));
    let f = failure(&validate(&leaf, &[&ca1, &ca2], &[&root]));
    assert!(matches!(f, ChainFailure::PathTooLong { .. }), "{f:?}");
    assert!(subject_of(&f).contains("Issuing CA"), "{f:?}");

    // Directly under the pathlen:0 CA: fine.
    let leaf = pki.issue(&Spec::leaf("leaf2", "/CN=bob", "ca1", ""));
    assert_valid(&validate(&leaf, &[&ca1, &ca2], &[&root]));
}

#[test]
fn self_issued_certificates_do_not_count_toward_path_length() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let ca_subject = "/CN=Rolled CA/O=Example";
    let ca_old = pki.issue(&Spec::ca(
        "ca_old",
        ca_subject,
        Some("root"),
        "basicConstraints = critical, CA:TRUE, pathlen:0\n",
    ));
    // The CA's new key certified by its old key: self-issued (same name), not self-signed.
    let mut nwo = Spec::ca("ca_new_with_old", ca_subject, Some("ca_old"), "");
    nwo.key = "ca_new";
    let ca_nwo = pki.issue(&nwo);
    let mut leaf = Spec::leaf("leaf", "/CN=alice", "ca_new_with_old", "");
    leaf.issuer = Some(("ca_new_with_old", "ca_new"));
    let leaf = pki.issue(&leaf);
    let path = assert_valid(&validate(&leaf, &[&ca_old, &ca_nwo], &[&root]));
    assert_eq!(
        path,
        vec![
            leaf.der.clone(),
            ca_nwo.der.clone(),
            ca_old.der.clone(),
            root.der.clone()
        ]
    );
}

// ---- unique identifiers ---------------------------------------------------------------------

#[test]
fn unique_identifiers_parse_and_validate() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
    // issuerUniqueID [1] and subjectUniqueID [2] go after subjectPublicKeyInfo (index 6).
    let add_ids = |fields: &mut Vec<Vec<u8>>| {
        fields.insert(7, tlv(0x81, &[0x00, 0xde, 0xad]));
        fields.insert(8, tlv(0x82, &[0x00, 0xbe, 0xef]));
    };
    let int_ids = Cert {
        der: resign(&pki, &int.der, "root", add_ids),
        stem: "int_ids".into(),
    };
    let leaf_ids = Cert {
        der: resign(&pki, &leaf.der, "int", add_ids),
        stem: "leaf_ids".into(),
    };
    assert!(
        int_ids
            .der
            .windows(5)
            .any(|w| w == [0x81, 3, 0x00, 0xde, 0xad])
    );
    let path = assert_valid(&validate(&leaf_ids, &[&int_ids], &[&root]));
    assert_eq!(path.len(), 3);
}

// ---- name chaining --------------------------------------------------------------------------

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn names_chain_regardless_of_case_and_internal_whitespace() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    // The same CA key under a differently written name issues the leaf, so the leaf's issuer
    // is "CN=mail   ca, O=EXAMPLE" while the CA certificate supplied says "CN=Mail CA, O=Example".
    let mut alias = Spec::ca("int_alias", "/CN=mail   ca/O=EXAMPLE", Some("root"), "");
    alias.key = "int";
    pki.issue(&alias);
    let mut spec = Spec::leaf("leaf", "/CN=alice", "int_alias", "");
    spec.issuer = Some(("int_alias", "int"));
    let leaf = pki.issue(&spec);
    assert!(contains(&leaf.der, b"mail   ca"));
    let path = assert_valid(&validate(&leaf, &[&int], &[&root]));
    assert_eq!(
        path,
        vec![leaf.der.clone(), int.der.clone(), root.der.clone()]
    );

    // A different name does not chain.
    let mut other = Spec::ca("int_other", "/CN=Mail CB/O=Example", Some("root"), "");
    other.key = "int";
    pki.issue(&other);
    let mut spec = Spec::leaf("leaf2", "/CN=bob", "int_other", "");
    spec.issuer = Some(("int_other", "int"));
    let leaf = pki.issue(&spec);
    assert_eq!(
        failure(&validate(&leaf, &[&int], &[&root])),
        ChainFailure::UnknownIssuer
    );
}

#[test]
fn printable_string_to_utf8_string_rollover_chains() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    assert!(contains(&int.der, &[&[0x13, 7][..], b"Mail CA"].concat()));
    let mut renamed = Spec::ca("int_utf8", INT, Some("root"), "");
    renamed.key = "int";
    renamed.utf8 = true;
    pki.issue(&renamed);
    let mut spec = Spec::leaf("leaf", "/CN=alice", "int_utf8", "");
    spec.issuer = Some(("int_utf8", "int"));
    let leaf = pki.issue(&spec);
    // The leaf names its issuer in UTF8String; the CA certificate at hand in PrintableString.
    assert!(contains(&leaf.der, &[&[0x0c, 7][..], b"Mail CA"].concat()));
    assert_valid(&validate(&leaf, &[&int], &[&root]));
}

// ---- name constraints -----------------------------------------------------------------------

const NC: &str = "nameConstraints = critical, permitted;email:alice@example.com, \
permitted;email:example.org, permitted;email:.example.net, permitted;DNS:example.com, \
permitted;URI:.example.com, permitted;dirName:nc_perm, excluded;email:bad@example.org, \
excluded;DNS:bad.example.com, excluded;URI:host.example.com, excluded;dirName:nc_excl\n\
[nc_perm]\nO = Example\n[nc_excl]\nO = Example\nOU = Excluded\n";

fn nc_leaf(pki: &Pki, stem: &str, subject: &str, san: &str) -> Cert {
    let extra = if san.is_empty() {
        String::new()
    } else {
        format!("subjectAltName = {san}\n")
    };
    let mut spec = Spec::leaf(stem, subject, "int", "");
    spec.key = "leafkey";
    spec.ext = format!("{LEAF_EXT}{extra}");
    pki.issue(&spec)
}

/// Item 17: "example.org" permits exactly that host's mailboxes, ".example.net" only subdomains,
/// a mailbox only itself (RFC 5280 4.2.1.10); the constraints apply to the subject
/// emailAddress as to the rfc822Name.
#[test]
fn attack_bar_17_rfc822_name_constraints_host_domain_and_subject_email() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    // The constraint sections must follow the [v3] lines, so they go last.
    let int = pki.issue(&Spec::ca("int", INT, Some("root"), NC));

    let ok = [
        ("/O=Example/CN=a", "email:alice@example.com"),
        ("/O=Example/CN=b", "email:carol@example.org"),
        ("/O=Example/CN=c", "email:dave@mail.example.net"),
        ("/O=Example/CN=d", "DNS:example.com"),
        ("/O=Example/CN=e", "DNS:mail.example.com"),
        ("/O=Example/CN=f", "URI:https://www.example.com/x"),
        ("/O=Example/CN=g/emailAddress=alice@example.com", ""),
        // the subject emailAddress under the host and the domain forms
        ("/O=Example/CN=g2/emailAddress=carol@example.org", ""),
        ("/O=Example/CN=g3/emailAddress=dave@mail.example.net", ""),
    ];
    for (i, (subject, san)) in ok.iter().enumerate() {
        let leaf = nc_leaf(&pki, &format!("ok{i}"), subject, san);
        let o = validate(&leaf, &[&int], &[&root]);
        assert!(o.result.is_ok(), "{subject} {san}: {:?}", o.result);
    }

    let bad = [
        // a mailbox constraint allows only that mailbox
        ("/O=Example/CN=h", "email:bob@example.com"),
        // a host constraint does not allow its subdomains
        ("/O=Example/CN=i", "email:carol@sub.example.org"),
        // ".example.net" allows subdomains only, not the host itself
        ("/O=Example/CN=j", "email:dave@example.net"),
        ("/O=Example/CN=k", "email:bad@example.org"),
        ("/O=Example/CN=l", "DNS:example.test"),
        ("/O=Example/CN=m", "DNS:bad.example.com"),
        ("/O=Example/CN=n", "URI:https://evil.test/"),
        ("/O=Example/CN=o", "URI:https://host.example.com/"),
        ("/O=Other/CN=p", "email:alice@example.com"),
        ("/O=Example/OU=Excluded/CN=q", "email:alice@example.com"),
        // only a subject emailAddress, outside the permitted rfc822 subtrees
        ("/O=Example/CN=r/emailAddress=eve@evil.test", ""),
        ("/O=Example/CN=s/emailAddress=bad@example.org", ""),
        // the host and domain forms apply to the subject emailAddress as to the rfc822Name
        ("/O=Example/CN=s2/emailAddress=carol@sub.example.org", ""),
        ("/O=Example/CN=s3/emailAddress=dave@example.net", ""),
        // a permitted rfc822Name does not make a subject emailAddress outside them pass
        (
            "/O=Example/CN=s4/emailAddress=eve@evil.test",
            "email:alice@example.com",
        ),
    ];
    for (i, (subject, san)) in bad.iter().enumerate() {
        let leaf = nc_leaf(&pki, &format!("bad{i}"), subject, san);
        let o = validate(&leaf, &[&int], &[&root]);
        match &o.result {
            Err(ChainFailure::NameConstraints { subject: s }) => {
                assert!(!s.is_empty());
            }
            other => panic!("{subject} {san}: expected a name-constraints failure, got {other:?}"),
        }
    }
    let f = failure(&validate(
        &nc_leaf(&pki, "msg", "/O=Example/CN=t", "email:x@evil.test"),
        &[&int],
        &[&root],
    ));
    assert!(f.to_string().contains("name constraints"), "{f}");
}

// ---- certificate policies -------------------------------------------------------------------

const P1: &str = "1.3.6.1.4.1.55555.1.1";
const P2: &str = "1.3.6.1.4.1.55555.1.2";
const P3: &str = "1.3.6.1.4.1.55555.1.3";

fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(s).expect("oid")
}

fn explicit(set: &[&str]) -> smime::policy::Policy {
    let mut p = path_policy();
    p.certificate_policies.initial_policy_set = set.iter().map(|s| oid(s)).collect();
    p.certificate_policies.require_explicit_policy = true;
    p
}

#[test]
fn policy_mapping_and_the_initial_policy_set() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    // The CA works under P1 and maps it to P2, which its subjects assert.
    let int = pki.issue(&Spec::ca(
        "int",
        INT,
        Some("root"),
        &format!("certificatePolicies = {P1}\npolicyMappings = {P1}:{P2}\n"),
    ));
    let leaf = pki.issue(&Spec::leaf(
        "leaf",
        "/CN=alice",
        "int",
        &format!("certificatePolicies = {P2}\n"),
    ));

    assert_valid(&validate_with(&leaf, &[&int], &[&root], &explicit(&[P1])));
    assert_valid(&validate_with(&leaf, &[&int], &[&root], &path_policy()));
    // A reader that accepts only P3 finds no acceptable policy.
    let f = failure(&validate_with(&leaf, &[&int], &[&root], &explicit(&[P3])));
    assert_eq!(f, ChainFailure::NoAcceptablePolicy);
    assert!(f.to_string().contains("policy"));
    // Mapping inhibited by the reader: P2 no longer stands for P1.
    let mut p = explicit(&[P1]);
    p.certificate_policies.inhibit_policy_mapping = true;
    assert_eq!(
        failure(&validate_with(&leaf, &[&int], &[&root], &p)),
        ChainFailure::NoAcceptablePolicy
    );
}

#[test]
fn require_explicit_policy_in_a_certificate() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let int = pki.issue(&Spec::ca(
        "int",
        INT,
        Some("root"),
        &format!(
            "certificatePolicies = {P1}\npolicyConstraints = critical, requireExplicitPolicy:0\n"
        ),
    ));
    let with = pki.issue(&Spec::leaf(
        "with",
        "/CN=alice",
        "int",
        &format!("certificatePolicies = {P1}\n"),
    ));
    let without = pki.issue(&Spec::leaf("without", "/CN=bob", "int", ""));
    assert_valid(&validate(&with, &[&int], &[&root]));
    assert_eq!(
        failure(&validate(&without, &[&int], &[&root])),
        ChainFailure::NoAcceptablePolicy
    );
    // Without the constraint, a leaf without policies is fine unless the reader requires one.
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let int = pki.issue(&Spec::ca(
        "int",
        INT,
        Some("root"),
        &format!("certificatePolicies = {P1}\n"),
    ));
    let without = pki.issue(&Spec::leaf("without", "/CN=bob", "int", ""));
    assert_valid(&validate(&without, &[&int], &[&root]));
    assert_eq!(
        failure(&validate_with(&without, &[&int], &[&root], &explicit(&[]))),
        ChainFailure::NoAcceptablePolicy
    );
}

#[test]
fn inhibit_policy_mapping_in_a_certificate() {
    for (inhibit, valid) in [(true, false), (false, true)] {
        let pki = Pki::new();
        let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
        let constraint = if inhibit {
            "policyConstraints = critical, inhibitPolicyMapping:0\n"
        } else {
            ""
        };
        let upper = pki.issue(&Spec::ca(
            "upper",
            "/CN=Upper CA/O=Example",
            Some("root"),
            &format!("certificatePolicies = {P1}\n{constraint}"),
        ));
        let lower = pki.issue(&Spec::ca(
            "lower",
            "/CN=Lower CA/O=Example",
            Some("upper"),
            &format!("certificatePolicies = {P1}\npolicyMappings = {P1}:{P2}\n"),
        ));
        let leaf = pki.issue(&Spec::leaf(
            "leaf",
            "/CN=alice",
            "lower",
            &format!("certificatePolicies = {P2}\n"),
        ));
        let o = validate_with(&leaf, &[&upper, &lower], &[&root], &explicit(&[P1]));
        if valid {
            assert_valid(&o);
        } else {
            assert_eq!(failure(&o), ChainFailure::NoAcceptablePolicy);
        }
    }
}

#[test]
fn inhibit_any_policy_in_a_certificate_and_in_the_policy() {
    for inhibit in [true, false] {
        let pki = Pki::new();
        let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
        let constraint = if inhibit {
            "inhibitAnyPolicy = critical, 0\n"
        } else {
            ""
        };
        let upper = pki.issue(&Spec::ca(
            "upper",
            "/CN=Upper CA/O=Example",
            Some("root"),
            &format!("certificatePolicies = {P1}\n{constraint}"),
        ));
        let lower = pki.issue(&Spec::ca(
            "lower",
            "/CN=Lower CA/O=Example",
            Some("upper"),
            "certificatePolicies = 2.5.29.32.0\n",
        ));
        let leaf = pki.issue(&Spec::leaf(
            "leaf",
            "/CN=alice",
            "lower",
            &format!("certificatePolicies = {P1}\n"),
        ));
        let o = validate_with(&leaf, &[&upper, &lower], &[&root], &explicit(&[P1]));
        if inhibit {
            assert_eq!(failure(&o), ChainFailure::NoAcceptablePolicy);
        } else {
            assert_valid(&o);
        }
    }

    // The reader's initial-any-policy-inhibit: a CA asserting only anyPolicy does not carry P1.
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let int = pki.issue(&Spec::ca(
        "int",
        INT,
        Some("root"),
        "certificatePolicies = 2.5.29.32.0\n",
    ));
    let leaf = pki.issue(&Spec::leaf(
        "leaf",
        "/CN=alice",
        "int",
        &format!("certificatePolicies = {P1}\n"),
    ));
    assert_valid(&validate_with(&leaf, &[&int], &[&root], &explicit(&[P1])));
    let mut p = explicit(&[P1]);
    p.certificate_policies.inhibit_any_policy = true;
    assert_eq!(
        failure(&validate_with(&leaf, &[&int], &[&root], &p)),
        ChainFailure::NoAcceptablePolicy
    );
}

// ---- key rollover ---------------------------------------------------------------------------

#[test]
fn key_rollover_certificates_link_old_and_new_keys() {
    let pki = Pki::new();
    let old_root = pki.issue(&Spec::ca("old", ROOT, None, ""));
    let mut spec = Spec::ca("new", ROOT, None, "");
    spec.key = "newkey";
    let new_root = pki.issue(&spec);
    // new-with-old: the new key certified by the old one; old-with-new: the reverse.
    let mut spec = Spec::ca("new_with_old", ROOT, Some("old"), "");
    spec.key = "newkey";
    let new_with_old = pki.issue(&spec);
    let mut spec = Spec::ca("old_with_new", ROOT, None, "");
    spec.key = "old";
    spec.issuer = Some(("new", "newkey"));
    let old_with_new = pki.issue(&spec);

    let mut spec = Spec::leaf("by_new", "/CN=alice", "new", "");
    spec.issuer = Some(("new", "newkey"));
    let by_new = pki.issue(&spec);
    let by_old = pki.issue(&Spec::leaf("by_old", "/CN=bob", "old", ""));

    let pool = [&new_with_old, &old_with_new, &new_root, &old_root];
    // Trusting only the old root: a leaf of the new key goes through new-with-old.
    let path = assert_valid(&validate(&by_new, &pool, &[&old_root]));
    assert_eq!(
        path,
        vec![
            by_new.der.clone(),
            new_with_old.der.clone(),
            old_root.der.clone()
        ]
    );
    // Trusting only the new root: a leaf of the old key goes through old-with-new.
    let path = assert_valid(&validate(&by_old, &pool, &[&new_root]));
    assert_eq!(
        path,
        vec![
            by_old.der.clone(),
            old_with_new.der.clone(),
            new_root.der.clone()
        ]
    );
    // Without the link certificates, no path.
    assert_eq!(
        failure(&validate(&by_new, &[], &[&old_root])),
        ChainFailure::BadSignature {
            subject: "CN=alice".into()
        }
    );
}

// ---- validity, signatures, issuers, algorithms ----------------------------------------------

#[test]
fn expired_intermediate_is_named() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    let mut spec = Spec::ca("int", INT, Some("root"), "");
    spec.days = 1;
    let int = pki.issue(&spec);
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
    let later = SystemTime::now() + Duration::from_secs(10 * 24 * 3600);
    let f = failure(&validate_at(
        &leaf,
        &[&int],
        &[&root],
        later,
        &path_policy(),
    ));
    assert!(matches!(f, ChainFailure::Expired { .. }), "{f:?}");
    assert!(subject_of(&f).contains("Mail CA"), "{f:?}");
    assert!(f.to_string().contains("Mail CA"), "{f}");
    assert_valid(&validate(&leaf, &[&int], &[&root]));
}

#[test]
fn wrong_signature_and_unknown_issuer() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
    let mut tampered = leaf.clone();
    let n = tampered.der.len();
    tampered.der[n - 3] ^= 0x01;
    let f = failure(&validate(&tampered, &[&int], &[&root]));
    assert_eq!(
        f,
        ChainFailure::BadSignature {
            subject: "CN=alice".into()
        }
    );

    let other = Pki::new();
    let stranger = other.issue(&Spec::ca(
        "root",
        ROOT.replace("Path", "Other").as_str(),
        None,
        "",
    ));
    assert_eq!(
        failure(&validate(&leaf, &[&int], &[&stranger])),
        ChainFailure::UnknownIssuer
    );
    assert_eq!(
        failure(&validate(&leaf, &[], &[&root])),
        ChainFailure::UnknownIssuer
    );
}

/// Item 11: a SHA-1 certificate signature is weak unless the policy accepts SHA-1.
#[test]
fn attack_bar_11_sha1_signed_certificate_only_when_the_policy_accepts_sha1() {
    let pki = Pki::new();
    let mut spec = Spec::ca("root", ROOT, None, "");
    spec.key_type = Key::Rsa(2048);
    let root = pki.issue(&spec);
    let mut spec = Spec::ca("int", INT, Some("root"), "");
    spec.key_type = Key::Rsa(2048);
    let int = pki.issue(&spec);
    let mut spec = Spec::leaf("leaf", "/CN=alice", "int", "");
    spec.digest = "sha1";
    let leaf = pki.issue(&spec);
    let f = failure(&validate(&leaf, &[&int], &[&root]));
    match &f {
        ChainFailure::WeakAlgorithm { subject, detail } => {
            assert_eq!(subject, "CN=alice");
            assert!(detail.contains("SHA-1"), "{detail}");
        }
        other => panic!("expected a weak-algorithm failure, got {other:?}"),
    }
    let mut p = path_policy();
    p.accepted_digests.push(DigestAlgorithm::Sha1);
    assert_valid(&validate_with(&leaf, &[&int], &[&root], &p));
}

/// Item 11: an RSA-1024 CA key is refused under the default policy.
#[test]
fn attack_bar_11_rsa_1024_ca_is_refused_by_default() {
    let pki = Pki::new();
    let mut spec = Spec::ca("root", ROOT, None, "");
    spec.key_type = Key::Rsa(2048);
    let root = pki.issue(&spec);
    let mut spec = Spec::ca("int", INT, Some("root"), "");
    spec.key_type = Key::Rsa(1024);
    let int = pki.issue(&spec);
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));
    let f = failure(&validate(&leaf, &[&int], &[&root]));
    match &f {
        ChainFailure::WeakAlgorithm { detail, .. } => assert!(detail.contains("1024"), "{detail}"),
        other => panic!("expected a weak-algorithm failure, got {other:?}"),
    }
    let mut p = path_policy();
    p.min_rsa_bits = 1024;
    assert_valid(&validate_with(&leaf, &[&int], &[&root], &p));
}

// ---- EKU and revocation plumbing ------------------------------------------------------------

#[test]
fn end_entity_eku_must_allow_email() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    let mut spec = Spec::leaf("server", "/CN=www", "int", "");
    spec.ext = LEAF_EXT.replace("emailProtection", "serverAuth");
    let server = pki.issue(&spec);
    assert_eq!(
        failure(&validate(&server, &[&int], &[&root])),
        ChainFailure::EkuNotAllowed
    );
    // anyExtendedKeyUsage allows e-mail (RFC 8550 section 4.4.4).
    let mut spec = Spec::leaf("any", "/CN=any", "int", "");
    spec.ext = LEAF_EXT.replace("emailProtection", "2.5.29.37.0");
    let any = pki.issue(&spec);
    assert_valid(&validate(&any, &[&int], &[&root]));
}

#[test]
fn revocation_mode_is_plumbed_through() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    let leaf = pki.issue(&Spec::leaf("leaf", "/CN=alice", "int", ""));

    // Off: nothing is checked, every non-anchor certificate says so.
    let o = validate(&leaf, &[&int], &[&root]);
    assert_valid(&o);
    assert_eq!(
        o.revocation.certificates,
        vec![CertificateRevocation::NotChecked; 2]
    );

    // SoftFail without CRLs: unknown, reported, not fatal.
    let mut p = path_policy();
    p.revocation = RevocationMode::SoftFail;
    let o = validate_with(&leaf, &[&int], &[&root], &p);
    assert_valid(&o);
    assert_eq!(o.revocation.certificates.len(), 2);
    assert!(
        o.revocation
            .certificates
            .iter()
            .all(|c| matches!(c, CertificateRevocation::Unknown(_)))
    );

    // HardFail without CRLs: the end entity's unknown status fails the chain.
    p.revocation = RevocationMode::HardFail;
    let f = failure(&validate_with(&leaf, &[&int], &[&root], &p));
    match &f {
        ChainFailure::RevocationUnknown { subject, .. } => assert_eq!(subject, "CN=alice"),
        other => panic!("expected an unknown-revocation failure, got {other:?}"),
    }
    assert!(f.to_string().contains("revocation"));
}

#[test]
fn pinned_end_entity_is_a_path_only_when_allowed() {
    let pki = Pki::new();
    let mut spec = Spec::ca("self", "/CN=pinned", None, "");
    spec.ext = format!("{LEAF_EXT}subjectAltName = email:pinned@example.com\n")
        .replace("authorityKeyIdentifier = keyid\n", "");
    let pinned = pki.issue(&spec);
    assert_eq!(
        failure(&validate(&pinned, &[], &[&pinned])),
        ChainFailure::PinnedCertificate
    );
    let mut p = path_policy();
    p.danger().pinned_certificate_is_path(true);
    assert_eq!(
        assert_valid(&validate_with(&pinned, &[], &[&pinned], &p)),
        vec![pinned.der.clone()]
    );
    // Still judged by its validity.
    let later = SystemTime::now() + Duration::from_secs(4000 * 24 * 3600);
    assert!(matches!(
        failure(&validate_at(&pinned, &[], &[&pinned], later, &p)),
        ChainFailure::Expired { .. }
    ));
    let _ = CA_EXT;
}

#[test]
fn ecdsa_signatures_follow_the_digest_policy() {
    let pki = Pki::new();
    let (root, int) = root_and_int(&pki, "");
    let mut spec = Spec::leaf("sha384", "/CN=alice", "int", "");
    spec.digest = "sha384";
    let sha384 = pki.issue(&spec);
    assert_valid(&validate(&sha384, &[&int], &[&root]));
    // A reader accepting only SHA-256 refuses the ecdsa-with-SHA384 signature.
    let mut only256 = path_policy();
    only256.accepted_digests = vec![DigestAlgorithm::Sha256];
    assert!(matches!(
        failure(&validate_with(&sha384, &[&int], &[&root], &only256)),
        ChainFailure::WeakAlgorithm { .. }
    ));
    // ecdsa-with-SHA1: refused by default, accepted when the policy accepts SHA-1.
    let mut spec = Spec::leaf("sha1", "/CN=bob", "int", "");
    spec.digest = "sha1";
    let sha1 = pki.issue(&spec);
    assert!(matches!(
        failure(&validate(&sha1, &[&int], &[&root])),
        ChainFailure::WeakAlgorithm { .. }
    ));
    let mut p = path_policy();
    p.accepted_digests.push(DigestAlgorithm::Sha1);
    assert_valid(&validate_with(&sha1, &[&int], &[&root], &p));
}

#[test]
fn cross_certified_loop_terminates() {
    let pki = Pki::new();
    let root = pki.issue(&Spec::ca("root", ROOT, None, ""));
    // A and B certify each other; neither leads to the root.
    pki.issue(&Spec::ca("a_self", "/CN=CA A", None, ""));
    pki.issue(&Spec::ca("b_self", "/CN=CA B", None, ""));
    let a_by_b = pki.issue(&{
        let mut s = Spec::ca("a_by_b", "/CN=CA A", Some("b_self"), "");
        s.key = "a_self";
        s
    });
    let b_by_a = pki.issue(&{
        let mut s = Spec::ca("b_by_a", "/CN=CA B", Some("a_self"), "");
        s.key = "b_self";
        s
    });
    let mut spec = Spec::leaf("leaf", "/CN=alice", "a_self", "");
    spec.issuer = Some(("a_self", "a_self"));
    let leaf = pki.issue(&spec);
    assert_eq!(
        failure(&validate(&leaf, &[&a_by_b, &b_by_a, &a_by_b], &[&root])),
        ChainFailure::UnknownIssuer
    );
    // With B's self-signed certificate trusted, the loop is left at B.
    let b = pki.load("b_self");
    let path = assert_valid(&validate(&leaf, &[&a_by_b, &b_by_a], &[&b]));
    assert_eq!(
        path,
        vec![leaf.der.clone(), a_by_b.der.clone(), b.der.clone()]
    );
}
