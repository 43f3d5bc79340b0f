//! `smime keyring` and `--keyring` on sign, verify, encrypt and decrypt: the real binary with
//! a test PKI made by OpenSSL, and OpenSSL as the peer reading what the CLI writes and writing
//! what it reads.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use common::{Cert, KeyKind, LeafSpec, TestPki, openssl, openssl_decrypt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use support::*;

const PW: &str = "p12 password";

/// A message from Alice to Bob.
const FROM_ALICE: &[u8] = b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n\
Subject: keyring\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSent with a keyring.\r\n";
/// The MIME entity of [`FROM_ALICE`].
const ALICE_ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nSent with a keyring.\r\n";
/// A message from Bob, signed by OpenSSL.
const FROM_BOB: &[u8] = b"From: bob@example.com\r\nTo: alice@example.com\r\nSubject: hello\r\n\
Content-Type: text/plain\r\n\r\nSigned by OpenSSL.\r\n";

struct Fixture {
    pki: TestPki,
    /// alice@example.com, RSA, signing and encryption.
    alice: Cert,
    /// alice@example.com, RSA: Alice's previous certificate (still valid), for the key history.
    alice_old: Cert,
    /// bob@example.com, RSA.
    bob: Cert,
    /// eve@example.com, expired.
    eve_expired: Cert,
    /// sig@example.com, RSA with keyUsage digitalSignature only: cannot receive mail.
    sig_only: Cert,
    /// rob@example.com, revoked; listed in `crl`.
    rob_revoked: Cert,
    /// mallory@example.com, issued by another PKI.
    mallory: Cert,
    /// The intermediate CA's CRL listing `rob_revoked` (PEM file).
    crl: PathBuf,
    /// `openssl pkcs12 -export` of Alice with the intermediate, default and `-legacy`.
    alice_p12: PathBuf,
    alice_p12_legacy: PathBuf,
    /// Alice's old key as PKCS#1 PEM.
    alice_old_pkcs1: PathBuf,
    /// Alice's old key as encrypted PKCS#8 (PBES2, AES-256-CBC) with password [`PW`].
    alice_old_encrypted: PathBuf,
    /// [`FROM_ALICE`] and [`FROM_BOB`] as files.
    from_alice: PathBuf,
    from_bob: PathBuf,
    /// The PKI that issued `mallory`.
    _other: TestPki,
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn p12(pki: &TestPki, cert: &Cert, name: &str, legacy: bool) -> PathBuf {
    let out = pki.path(name);
    let (key, crt, chain, o) = (
        s(&cert.key_path),
        s(&cert.cert_path),
        s(&pki.chain_path()),
        s(&out),
    );
    let pass = format!("pass:{PW}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        &key,
        "-in",
        &crt,
        "-certfile",
        &chain,
        "-name",
        "alice",
        "-passout",
        &pass,
        "-out",
        &o,
    ];
    if legacy {
        args.push("-legacy");
    }
    openssl(&args, pki.dir.path());
    out
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = TestPki::new();
        let alice_old = pki.leaf("alice-old", &LeafSpec::default());
        // Certificate times have a resolution of one second: the renewed one is newer.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let alice = pki.leaf("alice", &LeafSpec::default());
        let bob = pki.leaf(
            "bob",
            &LeafSpec {
                emails: &["bob@example.com"],
                ..LeafSpec::default()
            },
        );
        let eve_expired = pki.leaf(
            "eve",
            &LeafSpec {
                emails: &["eve@example.com"],
                expired: true,
                ..LeafSpec::default()
            },
        );
        let sig_only = pki.leaf(
            "sig",
            &LeafSpec {
                emails: &["sig@example.com"],
                key_usage: Some("digitalSignature"),
                ..LeafSpec::default()
            },
        );
        let rob_revoked = pki.leaf(
            "rob",
            &LeafSpec {
                emails: &["rob@example.com"],
                key: KeyKind::P256,
                key_usage: Some("digitalSignature,keyAgreement"),
                ..LeafSpec::default()
            },
        );
        pki.revoke(&rob_revoked);
        pki.intermediate_crl();
        let crl = pki.path("intermediate.crl.pem");

        let other = TestPki::new();
        let mallory = other.leaf(
            "mallory",
            &LeafSpec {
                emails: &["mallory@example.com"],
                ..LeafSpec::default()
            },
        );

        let alice_p12 = p12(&pki, &alice, "alice.p12", false);
        let alice_p12_legacy = p12(&pki, &alice, "alice-legacy.p12", true);
        let alice_old_pkcs1 = pki.path("alice-old.pkcs1.pem");
        openssl(
            &[
                "rsa",
                "-in",
                &s(&alice_old.key_path),
                "-traditional",
                "-out",
                &s(&alice_old_pkcs1),
            ],
            pki.dir.path(),
        );
        let alice_old_encrypted = pki.path("alice-old.enc.pem");
        openssl(
            &[
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-in",
                &s(&alice_old.key_path),
                "-passout",
                &format!("pass:{PW}"),
                "-out",
                &s(&alice_old_encrypted),
            ],
            pki.dir.path(),
        );
        let from_alice = pki.path("from-alice.eml");
        std::fs::write(&from_alice, FROM_ALICE).expect("write message");
        let from_bob = pki.path("from-bob.eml");
        std::fs::write(&from_bob, FROM_BOB).expect("write message");
        Fixture {
            pki,
            alice,
            alice_old,
            bob,
            eve_expired,
            sig_only,
            rob_revoked,
            mallory,
            crl,
            alice_p12,
            alice_p12_legacy,
            alice_old_pkcs1,
            alice_old_encrypted,
            from_alice,
            from_bob,
            _other: other,
        }
    })
}

/// A keyring and its key file in a temp dir of their own.
struct Ring {
    dir: tempfile::TempDir,
    path: String,
    key: String,
}

impl Ring {
    /// Paths for a keyring that does not exist yet.
    fn paths() -> Ring {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = s(&dir.path().join("keyring"));
        let key = s(&dir.path().join("keyring.key"));
        Ring { dir, path, key }
    }

    /// A new, empty keyring made with `smime keyring new`.
    fn new() -> Ring {
        let r = Ring::paths();
        let o = smime(&[
            "keyring",
            "new",
            "--keyring",
            &r.path,
            "--keyring-key-file",
            &r.key,
        ]);
        assert_eq!(o.status.code(), Some(0), "keyring new: {}", stderr(&o));
        r
    }

    /// `smime <command> --keyring FILE --keyring-key-file FILE <args>`; `command` may be
    /// two words ("keyring list").
    fn run(&self, command: &str, args: &[&str]) -> Output {
        let mut all: Vec<&str> = command.split(' ').collect();
        all.extend_from_slice(&["--keyring", &self.path, "--keyring-key-file", &self.key]);
        all.extend_from_slice(args);
        smime(&all)
    }

    /// Like [`Ring::run`], asserting exit code 0; returns standard output.
    fn ok(&self, command: &str, args: &[&str]) -> String {
        let o = self.run(command, args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{command} {args:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    }

    /// A file in the keyring's temp dir.
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `keyring list --json`, parsed.
    fn list_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok("keyring list", &["--json"])).expect("list --json is JSON")
    }
}

/// The SHA-256 fingerprint of a certificate, lower-case hex, as OpenSSL computes it.
fn fingerprint(cert: &Cert) -> String {
    let f = fixture();
    let o = openssl(
        &[
            "x509",
            "-in",
            &s(&cert.cert_path),
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
        f.pki.dir.path(),
    );
    let text = String::from_utf8_lossy(&o.stdout);
    text.rsplit('=')
        .next()
        .unwrap_or_default()
        .trim()
        .replace(':', "")
        .to_ascii_lowercase()
}

/// A keyring that trusts the test root, knows the intermediate, and holds Alice's identity
/// from her PKCS#12 file.
fn alice_ring() -> Ring {
    let f = fixture();
    let r = Ring::new();
    r.ok("keyring trust", &[&s(&f.pki.root_path())]);
    r.ok(
        "keyring import",
        &["--p12", &s(&f.alice_p12), "--password", PW],
    );
    r
}

#[test]
fn keyring_new_creates_a_key_and_refuses_to_overwrite() {
    let r = Ring::paths();
    let o = r.run("keyring new", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("generated a new sealing key"),
        "{}",
        stdout(&o)
    );
    let key = std::fs::read_to_string(&r.key).expect("key file written");
    assert_eq!(key.trim_end().len(), 64, "64 hexadecimal digits: {key:?}");
    assert!(key.trim_end().chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&r.key)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the key file is readable by its owner only"
        );
    }
    let before = std::fs::read(&r.path).expect("keyring written");
    let listed = r.ok("keyring list", &[]);
    assert!(listed.contains("identities: 0"), "{listed}");
    assert!(listed.contains("contacts: 0"), "{listed}");

    // A second `new` refuses, and leaves keyring and key alone.
    let o = r.run("keyring new", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&r.path).expect("keyring"), before);
    assert_eq!(std::fs::read_to_string(&r.key).expect("key"), key);

    // A second keyring sealed with the existing key.
    let other = s(&r.file("second"));
    let o = smime(&[
        "keyring",
        "new",
        "--keyring",
        &other,
        "--keyring-key-file",
        &r.key,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("existing key"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&r.key).expect("key"), key);

    // Both options, or neither.
    for args in [
        vec!["keyring", "new", "--keyring", other.as_str()],
        vec!["keyring", "list", "--keyring-key-file", r.key.as_str()],
        vec![
            "verify",
            "--keyring",
            r.path.as_str(),
            &s(&fixture().from_bob),
        ],
    ] {
        let o = smime(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("--keyring"), "{}", stderr(&o));
    }

    // Help for the new command and flags.
    let o = smime(&["keyring", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    for word in [
        "keyring new",
        "keyring import",
        "keyring check",
        "--certs-only",
    ] {
        assert!(stdout(&o).contains(word), "{word}: {}", stdout(&o));
    }
    // Each command has its own help.
    let o = smime(&["encrypt", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    for word in ["--to-address", "--keyring-key-file", "--no-self"] {
        assert!(stdout(&o).contains(word), "{word}: {}", stdout(&o));
    }
    let o = smime(&["verify", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    for word in ["--keyring-key-file", "--learn"] {
        assert!(stdout(&o).contains(word), "{word}: {}", stdout(&o));
    }
}

#[test]
fn wrong_or_broken_keyring_key_exits_2_naming_it() {
    let f = fixture();
    let r = alice_ring();
    let wrong = s(&r.file("wrong.key"));
    std::fs::write(&wrong, format!("{}\n", "ab".repeat(32))).expect("write key");
    let msg = s(&f.from_alice);
    for command in ["keyring list", "keyring check", "sign", "decrypt"] {
        let mut all: Vec<&str> = command.split(' ').collect();
        all.extend_from_slice(&["--keyring", &r.path, "--keyring-key-file", &wrong]);
        if command == "keyring check" {
            all.push("bob@example.com");
        }
        if command == "sign" || command == "decrypt" {
            all.push(&msg);
        }
        let o = smime(&all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("wrong key"), "{command}: {err}");
        assert!(err.contains(&wrong), "names the key file: {err}");
    }

    // A key file that is not a key.
    let junk = s(&r.file("junk.key"));
    std::fs::write(&junk, "not a key\n").expect("write");
    let o = smime(&[
        "keyring",
        "list",
        "--keyring",
        &r.path,
        "--keyring-key-file",
        &junk,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("invalid keyring sealing key"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains(&junk), "{}", stderr(&o));

    // A keyring file that is not a keyring; one that does not exist.
    let not_ring = s(&f.from_alice);
    let o = smime(&[
        "keyring",
        "list",
        "--keyring",
        &not_ring,
        "--keyring-key-file",
        &r.key,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a keyring"), "{}", stderr(&o));
    let missing = s(&r.file("missing"));
    let o = smime(&[
        "keyring",
        "list",
        "--keyring",
        &missing,
        "--keyring-key-file",
        &r.key,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing"), "{}", stderr(&o));

    // The right key still opens it.
    assert!(r.ok("keyring list", &[]).contains("identities: 1"));
}

#[test]
fn import_openssl_pkcs12_default_and_legacy_then_sign_verified_by_openssl() {
    let f = fixture();
    let alice_fp = fingerprint(&f.alice);
    for p12 in [&f.alice_p12, &f.alice_p12_legacy] {
        let r = Ring::new();
        let out = r.ok(
            "keyring import",
            &[
                "--p12",
                &s(p12),
                "--password",
                PW,
                "--label",
                "Alice at work",
            ],
        );
        assert!(out.contains(&format!("identity     {alice_fp}")), "{out}");
        assert!(out.contains("signing+encryption"), "{out}");
        assert!(out.contains("alice@example.com"), "{out}");
        assert!(
            out.contains("intermediate "),
            "the chain's CA goes to the intermediates: {out}"
        );
        r.ok("keyring trust", &[&s(&f.pki.root_path())]);

        let listed = r.list_json();
        let ids = listed["identities"].as_array().expect("identities");
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0]["fingerprint"], alice_fp.as_str());
        assert_eq!(ids[0]["label"], "Alice at work");
        assert_eq!(ids[0]["key_available"], true);
        assert_eq!(ids[0]["key_storage"], "software");
        assert_eq!(listed["trust_anchors"].as_array().map(Vec::len), Some(1));
        assert_eq!(listed["intermediates"].as_array().map(Vec::len), Some(1));

        // Sign with the keyring: the identity is the one for the From address.
        let signed = r.file("signed.eml");
        let o = r.run("sign", &[&s(&f.from_alice), "-o", &s(&signed)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains("signing as"), "{}", stderr(&o));
        let dir = tempfile::tempdir().expect("temp dir");
        openssl(
            &[
                "cms",
                "-verify",
                "-CAfile",
                &s(&f.pki.root_path()),
                "-in",
                &s(&signed),
                "-out",
                "content.bin",
            ],
            dir.path(),
        );
        assert_eq!(
            std::fs::read(dir.path().join("content.bin")).expect("read"),
            ALICE_ENTITY
        );
        // And the keyring verifies it with its own trust anchor.
        let report = r.ok("verify", &[&s(&signed)]);
        assert!(report.contains("verdict: trusted"), "{report}");

        // No identity for another From address.
        let o = r.run("sign", &["--from", "bob@example.com", &s(&f.from_alice)]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("bob@example.com"), "{}", stderr(&o));
    }
    // A wrong PKCS#12 password is refused, and nothing is saved.
    let r = Ring::new();
    let before = std::fs::read(&r.path).expect("keyring");
    let o = r.run(
        "keyring import",
        &["--p12", &s(&f.alice_p12), "--password", "wrong"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("alice.p12"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&r.path).expect("keyring"), before);
}

#[test]
fn trust_contacts_and_check_readiness() {
    let f = fixture();
    let r = Ring::new();
    let out = r.ok("keyring trust", &[&s(&f.pki.root_path())]);
    assert!(out.contains("trust anchor"), "{out}");
    let out = r.ok(
        "keyring import",
        &[
            "--cert",
            &s(&f.pki.chain_path()),
            "--cert",
            &s(&f.bob.cert_path),
            "--cert",
            &s(&f.eve_expired.cert_path),
            "--cert",
            &s(&f.sig_only.cert_path),
            "--cert",
            &s(&f.rob_revoked.cert_path),
            "--cert",
            &s(&f.mallory.cert_path),
            "--crl",
            &s(&f.crl),
        ],
    );
    assert!(
        out.contains(&format!("contact      {}", fingerprint(&f.bob))),
        "{out}"
    );
    assert!(out.contains("intermediate "), "{out}");
    assert!(out.contains("CRL "), "{out}");

    let addresses = [
        "bob@example.com",
        "carol@example.com",
        "eve@example.com",
        "mallory@example.com",
        "sig@example.com",
        "rob@example.com",
    ];
    let o = r.run("keyring check", &addresses);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), addresses.len(), "one line per address: {text}");
    let bob_fp = fingerprint(&f.bob);
    assert!(
        lines[0].starts_with("bob@example.com: ready: certificate ")
            && lines[0].contains(&bob_fp[..16])
            && lines[0].contains("revocation: "),
        "{text}"
    );
    assert!(
        lines[1].starts_with("carol@example.com: no certificate"),
        "{text}"
    );
    assert!(lines[2].starts_with("eve@example.com: expired"), "{text}");
    assert!(
        lines[3].starts_with("mallory@example.com: untrusted"),
        "{text}"
    );
    assert!(
        lines[4].starts_with("sig@example.com: wrong key usage"),
        "{text}"
    );
    assert!(lines[5].starts_with("rob@example.com: revoked"), "{text}");

    // Hard-fail revocation: the keyring has no CRL from the root for the intermediate, so
    // Bob's chain is not known to be unrevoked, and he is not ready. With revocation off,
    // Rob's revocation is not looked at.
    let o = r.run(
        "keyring check",
        &["--revocation", "hard", "bob@example.com"],
    );
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(
        text.starts_with("bob@example.com: untrusted") && text.contains("revocation"),
        "{text}"
    );
    let out = r.ok("keyring check", &["--revocation", "off", "rob@example.com"]);
    assert!(
        out.starts_with("rob@example.com: ready: ") && out.contains("revocation: not checked"),
        "{out}"
    );

    // Every address ready: exit code 0. The domain is compared without regard to case.
    let out = r.ok("keyring check", &["bob@example.com", "bob@EXAMPLE.com"]);
    assert_eq!(
        out.lines().filter(|l| l.contains(": ready: ")).count(),
        2,
        "{out}"
    );

    // list shows contacts with their source, and the CRL.
    let listed = r.ok("keyring list", &[]);
    assert!(listed.contains("contacts: 5"), "{listed}");
    assert!(listed.contains("source:    file"), "{listed}");
    assert!(listed.contains("EXPIRED"), "{listed}");
    assert!(listed.contains("CRLs: 1"), "{listed}");
    assert!(listed.contains("1 revoked"), "{listed}");
    let json = r.list_json();
    assert_eq!(json["crls"][0]["revoked"], 1);
    assert!(
        json["crls"][0]["next_update"].is_string(),
        "{}",
        json["crls"]
    );
}

#[test]
fn encrypt_to_address_refuses_by_name_then_succeeds() {
    let f = fixture();
    let r = alice_ring();
    r.ok(
        "keyring import",
        &[
            "--cert",
            &s(&f.bob.cert_path),
            "--cert",
            &s(&f.eve_expired.cert_path),
        ],
    );
    let enc = r.file("enc.eml");
    let o = r.run(
        "encrypt",
        &[
            "--to-address",
            "bob@example.com",
            "--to-address",
            "carol@example.com",
            "--to-address",
            "eve@example.com",
            &s(&f.from_alice),
            "-o",
            &s(&enc),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot encrypt to carol@example.com: no certificate"),
        "{err}"
    );
    assert!(
        err.contains("cannot encrypt to eve@example.com: expired"),
        "{err}"
    );
    assert!(!err.contains("cannot encrypt to bob@example.com"), "{err}");
    assert!(!enc.exists(), "nothing is written");

    // Bob alone: ready. The sender's own certificate is added automatically.
    let o = r.run(
        "encrypt",
        &[
            "--to-address",
            "bob@example.com",
            &s(&f.from_alice),
            "-o",
            &s(&enc),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("content cipher: AES-256-GCM"), "{err}");
    assert!(err.contains("sender's copy"), "{err}");
    assert_eq!(openssl_decrypt(&enc, &f.bob), ALICE_ENTITY);
    assert_eq!(openssl_decrypt(&enc, &f.alice), ALICE_ENTITY);
    // Alice reads her sent copy with the keyring.
    let dec = r.file("dec.eml");
    let o = r.run("decrypt", &[&s(&enc), "-o", &s(&dec)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&dec).expect("decrypted"), ALICE_ENTITY);

    // --no-self: only Bob can read it. --to CERT mixes with --to-address; --cipher wins.
    let o = r.run(
        "encrypt",
        &[
            "--to-address",
            "bob@example.com",
            "--to",
            &s(&f.alice_old.cert_path),
            "--no-self",
            "--cipher",
            "aes128-cbc",
            &s(&f.from_alice),
            "-o",
            &s(&enc),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("sender's copy"), "{err}");
    assert_eq!(openssl_decrypt(&enc, &f.bob), ALICE_ENTITY);
    assert_eq!(openssl_decrypt(&enc, &f.alice_old), ALICE_ENTITY);
    let o = r.run("decrypt", &[&s(&enc), "-o", &s(&dec)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot decrypt"), "{}", stderr(&o));

    // Signed with the keyring and encrypted: Alice's keyring opens the sent copy and trusts
    // the signature inside.
    let o = r.run(
        "encrypt",
        &[
            "--to-address",
            "bob@example.com",
            "--sign",
            &s(&f.from_alice),
            "-o",
            &s(&enc),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = r.run("decrypt", &[&s(&enc), "-o", &s(&dec)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("verdict: trusted"), "{err}");
    assert_eq!(std::fs::read(&dec).expect("decrypted"), ALICE_ENTITY);

    // --to-address without a keyring is a usage error.
    let o = smime(&[
        "encrypt",
        "--to-address",
        "bob@example.com",
        &s(&f.from_alice),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--keyring"), "{}", stderr(&o));
}

#[test]
fn decrypt_with_the_key_history_after_renewal() {
    let f = fixture();
    // Mail encrypted to Alice's old certificate, before the keyring existed.
    let dir = tempfile::tempdir().expect("temp dir");
    let old_mail = dir.path().join("old.eml");
    let o = smime(&[
        "encrypt",
        "--to",
        &s(&f.alice_old.cert_path),
        &s(&f.from_alice),
        "-o",
        &s(&old_mail),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The old key as PKCS#1 (the --cert before the --key), then the renewed identity.
    let r = Ring::new();
    r.ok("keyring trust", &[&s(&f.pki.root_path())]);
    let out = r.ok(
        "keyring import",
        &[
            "--cert",
            &s(&f.alice_old.cert_path),
            "--key",
            &s(&f.alice_old_pkcs1),
            "--p12",
            &s(&f.alice_p12),
            "--password",
            PW,
        ],
    );
    assert!(
        out.contains(&format!("identity     {}", fingerprint(&f.alice_old))),
        "{out}"
    );
    assert!(
        out.contains(&format!("identity     {}", fingerprint(&f.alice))),
        "{out}"
    );
    let dec = r.file("dec.eml");
    let o = r.run("decrypt", &[&s(&old_mail), "-o", &s(&dec)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("opened with key 2 of 2 (CN=alice-old"),
        "{err}"
    );
    assert_eq!(std::fs::read(&dec).expect("decrypted"), ALICE_ENTITY);

    // An encrypted PKCS#8 key needs its password.
    let r2 = Ring::new();
    let o = r2.run(
        "keyring import",
        &[
            "--key",
            &s(&f.alice_old_encrypted),
            "--cert",
            &s(&f.alice_old.cert_path),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("password"), "{}", stderr(&o));
    let o = r2.run(
        "keyring import",
        &[
            "--key",
            &s(&f.alice_old_encrypted),
            "--password",
            "wrong",
            "--cert",
            &s(&f.alice_old.cert_path),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    r2.ok(
        "keyring import",
        &[
            "--key",
            &s(&f.alice_old_encrypted),
            "--password",
            PW,
            "--cert",
            &s(&f.alice_old.cert_path),
        ],
    );
    let o = r2.run("decrypt", &[&s(&old_mail), "-o", &s(&dec)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("opened with key 1 of 1"),
        "{}",
        stderr(&o)
    );

    // Removing the old identity removes its key: the old mail no longer opens.
    let prefix = &fingerprint(&f.alice_old)[..12];
    let out = r.ok("keyring remove", &[prefix]);
    assert!(out.contains("removed identity"), "{out}");
    let o = r.run("decrypt", &[&s(&old_mail), "-o", &s(&r.file("again.eml"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// `openssl cms -sign` of [`FROM_BOB`] with Bob's key; `-nocerts` leaves his certificate out.
fn openssl_signed_by_bob(dir: &Path, nocerts: bool) -> PathBuf {
    let f = fixture();
    let out = dir.join(if nocerts {
        "bob-nocerts.eml"
    } else {
        "bob.eml"
    });
    let mut args = vec![
        "cms".to_string(),
        "-sign".into(),
        "-signer".into(),
        s(&f.bob.cert_path),
        "-inkey".into(),
        s(&f.bob.key_path),
        "-in".into(),
        s(&f.from_bob),
        "-out".into(),
        s(&out),
    ];
    if nocerts {
        args.push("-nocerts".into());
    } else {
        args.extend(["-certfile".into(), s(&f.pki.chain_path())]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    openssl(&refs, dir);
    // OpenSSL writes the message's headers inside the signed entity; put From on top.
    let signed = std::fs::read(&out).expect("read");
    let crlf = signed.windows(2).any(|w| w == b"\r\n");
    let mut with_from = if crlf {
        b"From: bob@example.com\r\n".to_vec()
    } else {
        b"From: bob@example.com\n".to_vec()
    };
    with_from.extend_from_slice(&signed);
    std::fs::write(&out, with_from).expect("write");
    out
}

#[test]
fn verify_learn_from_openssl_signed_mail_then_list_and_encrypt() {
    let f = fixture();
    let r = alice_ring();
    let signed = openssl_signed_by_bob(r.dir.path(), false);
    let unsigned_cert = openssl_signed_by_bob(r.dir.path(), true);

    // Before learning: the certificate-less message cannot be checked.
    let o = r.run("verify", &[&s(&unsigned_cert)]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));

    let o = r.run("verify", &["--learn", &s(&signed)]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("verdict: trusted"), "{out}");
    let bob_fp = fingerprint(&f.bob);
    assert!(
        out.contains(&format!("learned: new contact {}", &bob_fp[..16])),
        "{out}"
    );
    assert!(out.contains("learned: capabilities of"), "{out}");
    assert!(out.contains("AES-256-CBC"), "{out}");

    let listed = r.ok("keyring list", &[]);
    assert!(listed.contains(&bob_fp), "{listed}");
    assert!(listed.contains("source:    signed-mail"), "{listed}");
    assert!(listed.contains("ciphers:   AES-256-CBC"), "{listed}");
    let json = r.list_json();
    let contacts = json["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 1, "{json}");
    assert_eq!(contacts[0]["fingerprint"], bob_fp.as_str());
    assert_eq!(contacts[0]["source"], "signed-mail");
    assert_eq!(contacts[0]["addresses"][0], "bob@example.com");
    let caps: Vec<&str> = contacts[0]["capabilities"]
        .as_array()
        .expect("capabilities")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(caps.contains(&"AES-256-CBC"), "{caps:?}");
    assert!(contacts[0]["preferred_seen"].is_string(), "{json}");

    // The learned certificate verifies a message that does not carry it.
    let o = r.run("verify", &[&s(&unsigned_cert)]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Bob is ready now; OpenSSL advertises no AES-GCM, so the keyring picks AES-256-CBC.
    let out = r.ok("keyring check", &["bob@example.com"]);
    assert!(out.contains("ready"), "{out}");
    let enc = r.file("to-bob.eml");
    let o = r.run(
        "encrypt",
        &[
            "--to-address",
            "bob@example.com",
            &s(&f.from_alice),
            "-o",
            &s(&enc),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("content cipher: AES-256-CBC"), "{err}");
    assert_eq!(openssl_decrypt(&enc, &f.bob), ALICE_ENTITY);

    // Untrusted mail teaches nothing.
    let r2 = Ring::new();
    let o = r2.run("verify", &["--learn", &s(&signed)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("learned nothing"), "{}", stdout(&o));
    assert!(r2.ok("keyring list", &[]).contains("contacts: 0"));
    // --learn needs a keyring.
    let o = smime(&["verify", "--learn", &s(&signed)]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn export_pkcs12_pem_and_remove() {
    let f = fixture();
    let r = alice_ring();
    let alice_fp = fingerprint(&f.alice);

    // PKCS#12, read back by OpenSSL with the new password.
    let out = r.file("export.p12");
    let o = r.run(
        "keyring export",
        &[
            "--identity",
            &alice_fp[..10],
            "--p12",
            &s(&out),
            "--password",
            "new password",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("stat").permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the PKCS#12 file is readable by its owner only"
        );
    }
    openssl(
        &[
            "pkcs12",
            "-info",
            "-noout",
            "-in",
            &s(&out),
            "-passin",
            "pass:new password",
        ],
        r.dir.path(),
    );
    // It imports again into another keyring.
    let r2 = Ring::new();
    let imported = r2.ok(
        "keyring import",
        &["--p12", &s(&out), "--password", "new password"],
    );
    assert!(imported.contains(&alice_fp), "{imported}");

    // One certificate as PEM: the same certificate OpenSSL sees.
    let pem = r.file("alice.pem");
    r.ok(
        "keyring export",
        &["--cert", &alice_fp[..8], "-o", &s(&pem)],
    );
    let der = openssl(&["x509", "-in", &s(&pem), "-outform", "DER"], r.dir.path()).stdout;
    assert_eq!(der, f.alice.der);
    // The trust anchor can be exported too (to standard output).
    let root_fp = fingerprint(&f.pki.root);
    let o = r.run("keyring export", &["--cert", &root_fp]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("-----BEGIN CERTIFICATE-----\n"));

    // Only identities export as PKCS#12; one thing at a time.
    let o = r.run(
        "keyring export",
        &["--identity", &root_fp, "--p12", &s(&out), "--password", "x"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not one of your identities"),
        "{}",
        stderr(&o)
    );
    let o = r.run(
        "keyring export",
        &["--cert", &root_fp, "--identity", &alice_fp],
    );
    assert_eq!(o.status.code(), Some(2));

    // remove: prefixes must be 8 hex digits and match.
    let o = r.run("keyring remove", &[&alice_fp[..7]]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least 8"), "{}", stderr(&o));
    let o = r.run("keyring remove", &["00000000000000000000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no certificate"), "{}", stderr(&o));
    let o = r.run("keyring remove", &[&alice_fp[..16], "ffffffffffffffffff"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "nothing is removed when one prefix fails"
    );
    assert!(r.ok("keyring list", &[]).contains("identities: 1"));

    let out = r.ok("keyring remove", &[&alice_fp[..16], &root_fp[..16]]);
    assert!(
        out.contains(&format!("removed identity {alice_fp}")),
        "{out}"
    );
    assert!(out.contains("removed trust anchor"), "{out}");
    let listed = r.ok("keyring list", &[]);
    assert!(listed.contains("identities: 0"), "{listed}");
    assert!(listed.contains("trust anchors: 0"), "{listed}");
    let o = r.run("sign", &[&s(&f.from_alice)]);
    assert_eq!(o.status.code(), Some(2), "no identity left to sign with");
}

#[test]
fn certs_only_and_directory_entries() {
    let f = fixture();
    let r = alice_ring();

    // Alice publishes her certificates as a certs-only message; Bob imports it.
    let published = r.file("alice-certs.p7m.eml");
    r.ok(
        "keyring export",
        &["--certs-only", "alice@example.com", "-o", &s(&published)],
    );
    let text = std::fs::read(&published).expect("certs-only message");
    assert!(
        String::from_utf8_lossy(&text).contains("certs-only"),
        "{}",
        String::from_utf8_lossy(&text)
    );
    // OpenSSL reads the certificates out of it.
    let printed = openssl(
        &["cms", "-cmsout", "-print", "-in", &s(&published)],
        r.dir.path(),
    );
    assert!(
        String::from_utf8_lossy(&printed.stdout).contains("alice"),
        "{}",
        String::from_utf8_lossy(&printed.stdout)
    );
    let bob = Ring::new();
    bob.ok("keyring trust", &[&s(&f.pki.root_path())]);
    let out = bob.ok("keyring import", &["--certs-only", &s(&published)]);
    assert!(out.contains(&fingerprint(&f.alice)), "{out}");
    assert!(
        bob.ok("keyring check", &["alice@example.com"])
            .contains("ready")
    );

    // A directory entry: a raw userCertificate value, and ldapsearch LDIF with a folded
    // base64 value.
    let raw = bob.file("bob.der");
    std::fs::write(&raw, &f.bob.der).expect("write");
    let out = bob.ok("keyring import", &["--directory", &s(&raw)]);
    assert!(out.contains(&fingerprint(&f.bob)), "{out}");
    let ldif = bob.file("eve.ldif");
    let b64 = openssl(
        &[
            "base64",
            "-A",
            "-in",
            &s(&f.eve_expired.cert_path.with_extension("der")),
        ],
        f.pki.dir.path(),
    )
    .stdout;
    let b64 = String::from_utf8_lossy(&b64).trim().to_string();
    let mut entry =
        String::from("dn: cn=eve,dc=example,dc=com\ncn: eve\nuserCertificate;binary:: ");
    let first = 76 - "userCertificate;binary:: ".len();
    entry.push_str(&b64[..first]);
    for chunk in b64.as_bytes()[first..].chunks(75) {
        entry.push_str("\n ");
        entry.push_str(&String::from_utf8_lossy(chunk));
    }
    entry.push('\n');
    std::fs::write(&ldif, entry).expect("write");
    let out = bob.ok("keyring import", &["--directory", &s(&ldif)]);
    assert!(out.contains(&fingerprint(&f.eve_expired)), "{out}");
    let listed = bob.ok("keyring list", &[]);
    assert!(listed.contains("source:    certs-only"), "{listed}");
    assert!(listed.contains("source:    directory"), "{listed}");
}

#[test]
fn demo_passes_every_step() {
    let o = smime(&["demo"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(!out.contains("[FAIL]"), "{out}");
    for step in [
        "key history (key 2 of 2)",
        "learns the certificate",
        "new certificate",
        "carol@example.com has no certificate",
        "refused, naming carol@example.com",
        "sealed with a generated key",
    ] {
        assert!(out.contains(step), "{step}: {out}");
    }
    let last = out.lines().last().unwrap_or_default();
    let words: Vec<&str> = last.split_whitespace().collect();
    assert!(
        words.len() > 3 && words[0] == words[2] && words[1] == "of",
        "every step behaved: {last}"
    );
    let total: usize = words[2].parse().expect("a step count");
    assert!(
        total >= 21,
        "the keyring steps are part of the demo: {last}"
    );
}
