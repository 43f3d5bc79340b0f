//! `smime demo`: the whole story on a throwaway PKI, checking itself as it goes.

use crate::Usage;
use crate::pki::{DemoPki, Window};
use smime::Identity;
use smime::sign::{SignOptions, sign};
use smime::verify::{AddressPolicy, Verdict, VerifyOptions, verify};

const MESSAGE: &[u8] = b"From: Alice <alice@example.com>\r\n\
To: Bob <bob@example.com>\r\n\
Subject: Quarterly numbers\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
Hello Bob,\r\n\
the numbers are attached in my head. Signed, so you know it is me.\r\n";

struct Steps {
    failures: usize,
    count: usize,
}

impl Steps {
    fn check(&mut self, what: &str, ok: bool) {
        self.count += 1;
        if !ok {
            self.failures += 1;
        }
        crate::outln!("[{}] {what}", if ok { " ok " } else { "FAIL" });
    }

    fn expect(&mut self, what: &str, got: &Verdict, want: &dyn Fn(&Verdict) -> bool) {
        self.count += 1;
        let ok = want(got);
        if !ok {
            self.failures += 1;
        }
        crate::outln!(
            "[{}] {what}\n      -> {got}",
            if ok { " ok " } else { "FAIL" }
        );
    }
}

/// Runs the demo; exit code 0 when every step behaved as expected, 1 otherwise.
pub fn run() -> Result<u8, Usage> {
    crate::outln!(
        "smime demo: a throwaway PKI (root -> intermediate -> users), all keys in memory\n"
    );
    let progress = crate::out::Progress::start("making the demo PKI");
    let mut pki = DemoPki::new()?;
    let alice = pki.user("Alice", &["alice@example.com"], Window::days(365))?;
    let bob = pki.user("Bob", &["bob@example.com"], Window::days(365))?;
    let old = pki.user(
        "Alice (expired)",
        &["alice@example.com"],
        Window::expired(30),
    )?;
    let stranger_root = crate::pki::issue(
        "CN=some other root",
        crate::pki::Role::Ca,
        None,
        Window::days(365),
        9,
    )?;
    drop(progress);

    let chain = vec![pki.intermediate.cert.clone()];
    let signer = |who: &crate::pki::Issued| -> Result<Identity, Usage> {
        Ok(Identity::new(who.key.clone(), who.cert.clone())?.with_chain(chain.clone()))
    };
    let trust = VerifyOptions {
        trust_anchors: vec![pki.root.cert.clone()],
        ..VerifyOptions::default()
    };
    let mut steps = Steps {
        failures: 0,
        count: 0,
    };

    // 1. Detached signature.
    let signed = sign(MESSAGE, &[signer(&alice)?], &SignOptions::default())?;
    crate::outln!(
        "Alice signs a message (multipart/signed, ECDSA P-256, SHA-256): {} bytes",
        signed.len()
    );
    let report = verify(&signed, &trust)?;
    steps.expect(
        "Bob verifies it against the root he trusts",
        &report.verdict(),
        &|v| *v == Verdict::Trusted,
    );
    if !report.content.windows(10).any(|w| w == b"Hello Bob,") {
        steps.failures += 1;
        crate::outln!("[FAIL] the signed content was not returned");
    }

    // 2. Opaque signature.
    let opaque = sign(
        MESSAGE,
        &[signer(&alice)?],
        &SignOptions {
            opaque: true,
            ..SignOptions::default()
        },
    )?;
    steps.expect(
        "an opaque (application/pkcs7-mime) signature verifies too",
        &verify(&opaque, &trust)?.verdict(),
        &|v| *v == Verdict::Trusted,
    );

    // 3. Tampering.
    let tampered = replace(&signed, b"the numbers", b"THE NUMBERS");
    steps.expect(
        "someone changes the body in transit",
        &verify(&tampered, &trust)?.verdict(),
        &|v| *v == Verdict::SignatureInvalid,
    );

    // 4. A different trust anchor.
    let wrong_trust = VerifyOptions {
        trust_anchors: vec![stranger_root.cert.clone()],
        ..VerifyOptions::default()
    };
    steps.expect(
        "a reader who trusts a different root",
        &verify(&signed, &wrong_trust)?.verdict(),
        &|v| *v == Verdict::Untrusted,
    );

    // 5. From address mismatch.
    let spoofed = replace(
        &signed,
        b"From: Alice <alice@example.com>",
        b"From: Boss <ceo@example.com>",
    );
    let report = verify(&spoofed, &trust)?;
    steps.expect(
        "the From line is changed to someone else",
        &report.verdict(),
        &|v| *v == Verdict::AddressMismatch,
    );
    // A second From field in front of Alice's: every mailbox must be the signer's.
    let mut two_froms = b"From: Boss <ceo@example.com>\r\n".to_vec();
    two_froms.extend_from_slice(&signed);
    steps.expect(
        "a second From line is added in front of Alice's",
        &verify(&two_froms, &trust)?.verdict(),
        &|v| *v == Verdict::AddressMismatch,
    );
    let mut skip = trust.clone();
    skip.policy.danger().skip_address_check(true);
    steps.expect(
        "the same with the address check skipped on request",
        &verify(&spoofed, &skip)?.verdict(),
        &|v| *v == Verdict::Trusted,
    );

    // 6. Expired certificate.
    let expired = sign(MESSAGE, &[signer(&old)?], &SignOptions::default())?;
    steps.expect(
        "a signature made with an expired certificate",
        &verify(&expired, &trust)?.verdict(),
        &|v| matches!(v, Verdict::Untrusted | Verdict::CertificateNotUsable),
    );

    // 7. Several signers.
    let both = sign(
        MESSAGE,
        &[signer(&alice)?, signer(&bob)?],
        &SignOptions::default(),
    )?;
    let mut either = trust.clone();
    either.policy.danger().skip_address_check(true);
    steps.expect(
        "Alice and Bob both sign (address check skipped: two people)",
        &verify(&both, &either)?.verdict(),
        &|v| *v == Verdict::Trusted,
    );
    let mixed = sign(
        MESSAGE,
        &[signer(&alice)?, signer(&old)?],
        &SignOptions::default(),
    )?;
    steps.expect(
        "one good and one expired signer",
        &verify(&mixed, &trust)?.verdict(),
        &|v| matches!(v, Verdict::MixedSigners { .. }),
    );

    // 8. Not signed at all.
    steps.expect(
        "a plain message",
        &verify(MESSAGE, &trust)?.verdict(),
        &|v| *v == Verdict::NotSigned,
    );

    // 9. Encryption: Alice signs and encrypts to Bob and to herself.
    use smime::decrypt::{Layer, decrypt, open};
    use smime::encrypt::{EncryptOptions, encrypt_der, sign_and_encrypt};
    let to_bob = sign_and_encrypt(
        MESSAGE,
        &[signer(&alice)?],
        &SignOptions::default(),
        std::slice::from_ref(&bob.cert),
        &EncryptOptions {
            sender: Some(alice.cert.clone()),
            ..EncryptOptions::default()
        },
        false,
    )?;
    crate::outln!(
        "\nAlice signs and encrypts to Bob and herself (AES-256-GCM, ECDH P-256): {} bytes",
        to_bob.len()
    );
    let bob_key = |who: &crate::pki::Issued| -> Result<Identity, Usage> {
        Ok(Identity::new(who.key.clone(), who.cert.clone())?)
    };
    let opened = open(&to_bob, &[bob_key(&bob)?], &trust)?;
    steps.check(
        "Bob opens it: encrypted (integrity-protected), then a trusted signature",
        matches!(
            opened.layers.as_slice(),
            [
                Layer::Encrypted {
                    integrity_protected: true,
                    ..
                },
                Layer::Signed(_)
            ]
        ) && opened.verdict() == Verdict::Trusted,
    );
    steps.check(
        "Alice can read her sent copy with her own key",
        decrypt(
            &to_bob,
            &[bob_key(&alice)?],
            &smime::policy::Policy::default(),
        )
        .is_ok(),
    );

    // 10. Renewal: Bob gets a new certificate; mail sent to the old one still opens.
    let old_mail = encrypt_der(
        b"sent last year\r\n",
        std::slice::from_ref(&bob.cert),
        &EncryptOptions::default(),
    )?;
    let bob_renewed = pki.user("Bob", &["bob@example.com"], Window::days(365))?;
    let history = [bob_key(&bob_renewed)?, bob_key(&bob)?];
    let d = decrypt(&old_mail, &history, &smime::policy::Policy::default())?;
    steps.check(
        "after renewal, last year's mail opens with the retired key (key 2 of 2)",
        d.key_index == 1 && d.content == b"sent last year\r\n",
    );

    // 11. Tampering with the ciphertext is refused, and nothing is released.
    let mut tampered = encrypt_der(
        b"pay 100 EUR\r\n",
        std::slice::from_ref(&bob_renewed.cert),
        &EncryptOptions::default(),
    )?;
    if let Some(last) = tampered.last_mut() {
        *last ^= 1; // the GCM tag
    }
    let r = decrypt(&tampered, &history, &smime::policy::Policy::default());
    steps.check(
        "a tampered ciphertext is refused",
        matches!(r, Err(smime::DecryptError::CannotDecrypt)),
    );

    // 12. A peer that cannot read GCM gets AES-CBC, which the reader learns is unprotected.
    let cbc = encrypt_der(
        b"for an older client\r\n",
        std::slice::from_ref(&bob_renewed.cert),
        &EncryptOptions {
            cipher: smime::ContentCipher::Aes256Cbc,
            ..EncryptOptions::default()
        },
    )?;
    let d = decrypt(&cbc, &history, &smime::policy::Policy::default())?;
    steps.check(
        "AES-256-CBC for an older peer opens, flagged as not integrity-protected",
        !d.integrity_protected,
    );

    keyring_steps(&mut steps, &mut pki, &alice, &bob_renewed, &chain)?;

    crate::outln!(
        "\n{} of {} steps behaved as expected",
        steps.count - steps.failures,
        steps.count
    );
    Ok(if steps.failures == 0 { 0 } else { 1 })
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    match haystack.windows(from.len()).position(|w| w == from) {
        Some(at) => [&haystack[..at], to, &haystack[at + from.len()..]].concat(),
        None => haystack.to_vec(),
    }
}

/// The keyring part of the demo: renewal with the key history, learning a renewed certificate
/// from signed mail, recipients that are not ready, and the sealed keyring file.
fn keyring_steps(
    steps: &mut Steps,
    pki: &mut DemoPki,
    alice: &crate::pki::Issued,
    bob: &crate::pki::Issued,
    chain: &[smime::Certificate],
) -> Result<(), Usage> {
    use smime::decrypt::Decrypted;
    use smime::encrypt::{EncryptOptions, encrypt};
    use smime::keyring::store::{SealingKey, StoreError};
    use smime::keyring::{
        CipherReason, Keyring, KeyringError, NoExternalKeys, Readiness, Source, Unusable,
    };
    use std::time::{Duration, SystemTime};

    crate::outln!(
        "\nKeyrings: Alice's holds her identity; Bob's holds the root he trusts and contacts"
    );
    let now = SystemTime::now();
    let pkcs8 = |who: &crate::pki::Issued| -> Result<Vec<u8>, Usage> {
        Ok(who.key.to_pkcs8_der()?.to_vec())
    };
    let mut alice_ring = Keyring::new();
    alice_ring.add_trust_anchor(pki.root.cert.der())?;
    alice_ring.add_identity(
        &pkcs8(alice)?,
        &alice.cert,
        chain.to_vec(),
        Some("Alice, first certificate".into()),
    )?;
    let mut bob_ring = Keyring::new();
    bob_ring.add_trust_anchor(pki.root.cert.der())?;
    bob_ring.add_intermediate(pki.intermediate.cert.der())?;
    bob_ring.add_identity(&pkcs8(bob)?, &bob.cert, chain.to_vec(), None)?;
    bob_ring.add_contact(alice.cert.der(), Source::Manual, now)?;
    let dave = pki.user("Dave (expired)", &["dave@example.com"], Window::expired(10))?;
    bob_ring.add_contact(dave.cert.der(), Source::Manual, now)?;

    // 13. Bob encrypts to Alice's certificate from his keyring; then Alice renews.
    let to_alice = bob_ring
        .encryption_certificates_for(&["alice@example.com"], &smime::policy::Policy::default())?;
    let old_mail = encrypt(MESSAGE, &to_alice, &EncryptOptions::default())?;
    let renewed_window = Window {
        not_before: now - Duration::from_secs(1800),
        not_after: now + Duration::from_secs(365 * 86_400),
    };
    let alice2 = pki.user("Alice", &["alice@example.com"], renewed_window)?;
    alice_ring.add_identity(
        &pkcs8(&alice2)?,
        &alice2.cert,
        chain.to_vec(),
        Some("Alice, renewed".into()),
    )?;
    let opened: Result<Decrypted, _> =
        alice_ring.decrypt(&old_mail, &smime::policy::Policy::default());
    steps.check(
        "Alice renews her certificate; mail sent to the old one opens with her keyring's key history (key 2 of 2)",
        matches!(&opened, Ok(d) if d.key_index == 1 && d.certificate == alice.cert),
    );

    // 14. Alice signs with her keyring; Bob's keyring learns her new certificate.
    let signer = alice_ring.signer_for("alice@example.com", &smime::policy::Policy::default())?;
    let signed = sign(MESSAGE, &[signer], &SignOptions::default())?;
    let report = bob_ring.verify(
        &signed,
        &bob_ring.verify_options(AddressPolicy::FromHeader, &smime::policy::Policy::default()),
    )?;
    let harvest = bob_ring.harvest(&report, SystemTime::now());
    let alice2_fp = alice2.cert.fingerprint();
    steps.check(
        "Alice's keyring signs with her newest certificate; Bob's keyring verifies it and learns the certificate and her capabilities",
        report.is_trusted()
            && harvest.added.contains(&alice2_fp)
            && harvest.capabilities_learned.contains(&alice2_fp),
    );

    // 15. New mail goes to the new certificate, with the cipher Alice advertised.
    let to_alice = bob_ring
        .encryption_certificates_for(&["alice@example.com"], &smime::policy::Policy::default())?;
    let choice = bob_ring.choose_cipher(&to_alice);
    let new_mail = encrypt(
        MESSAGE,
        &to_alice,
        &EncryptOptions {
            cipher: choice.cipher,
            ..EncryptOptions::default()
        },
    )?;
    crate::outln!(
        "Bob's keyring picks {} for Alice's new certificate",
        choice.cipher.name()
    );
    let opened = alice_ring.decrypt(&new_mail, &smime::policy::Policy::default());
    steps.check(
        "Bob's next mail goes to Alice's new certificate, with AES-256-GCM she advertised, and opens with key 1 of 2",
        to_alice == [alice2.cert.clone()]
            && choice.reason == CipherReason::AllAdvertiseGcm
            && matches!(&opened, Ok(d) if d.key_index == 0 && d.integrity_protected),
    );

    // 16. Recipients that are not ready.
    let asked = ["alice@example.com", "carol@example.com", "dave@example.com"];
    let readiness = bob_ring.recipient_readiness(&asked, &smime::policy::Policy::default());
    for r in &readiness {
        crate::outln!("      {r}");
    }
    let reason = |i: usize| readiness.get(i).and_then(|r| r.reason());
    steps.check(
        "readiness: Alice ready, carol@example.com has no certificate, Dave's certificate expired",
        readiness.first().is_some_and(|r| r.is_ready())
            && reason(1).as_deref() == Some("no certificate")
            && matches!(
                readiness.get(2).map(|r| &r.readiness),
                Some(Readiness::Unusable { rejected })
                    if matches!(rejected.first().map(|x| &x.reason), Some(Unusable::Expired { .. }))
            ),
    );
    let refused = bob_ring.encryption_certificates_for(&asked, &smime::policy::Policy::default());
    let named: Vec<String> = match &refused {
        Err(KeyringError::RecipientsNotReady { recipients }) => {
            recipients.iter().map(|r| r.address.clone()).collect()
        }
        _ => Vec::new(),
    };
    if let Err(e) = &refused {
        crate::outln!("      {e}");
    }
    steps.check(
        "encrypting to all three is refused, naming carol@example.com and dave@example.com",
        named == ["carol@example.com", "dave@example.com"],
    );

    // 17. The keyring file: sealed with a generated key, saved and loaded back.
    let path = std::env::temp_dir().join(format!(
        "smime-demo-{}-{}.keyring",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let key = SealingKey::generate();
    let saved = alice_ring.save(&path, &key);
    let loaded = Keyring::load(&path, &key, &NoExternalKeys);
    let wrong = Keyring::load(&path, &SealingKey::generate(), &NoExternalKeys);
    let _ = std::fs::remove_file(&path);
    steps.check(
        "Alice's keyring saved to a file sealed with a generated key loads back and still opens the old mail; another key is refused",
        saved.is_ok()
            && matches!(&loaded, Ok(r) if r.identities().count() == 2
                && r.decrypt(&old_mail, &smime::policy::Policy::default()).is_ok_and(|d| d.key_index == 1))
            && matches!(wrong, Err(KeyringError::Store(StoreError::WrongKey))),
    );
    if let Err(e) = saved.and(loaded.map(|_| ())) {
        crate::outln!("      {e}");
    }
    Ok(())
}
