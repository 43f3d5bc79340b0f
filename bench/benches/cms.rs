//! This library against OpenSSL's CMS (through the `openssl` crate), side by side in one run.
//!
//! Every group is named `OPERATION-KEY-SIZE` and holds the benchmarks `ours` (the one-shot
//! function), `ours_stream` (the streaming type: `Signer`, `Verifier`, `Encryptor`,
//! `Decryptor`, reading the message from memory and writing into a `Vec`) and `openssl`, so that
//! `cargo run -p smime-bench --bin bench-table` can pair them into one table of ratios:
//!
//! | operation | ours (as a mail application calls it) | OpenSSL (its fastest form) |
//! |-----------|----------------------------------------|----------------------------|
//! | `sign_multipart` | `smime::sign` of the whole message: multipart/signed MIME, signature in base64 | `CMS_sign(DETACHED\|BINARY)` of the MIME entity, `i2d` (DER) |
//! | `sign_opaque` | `smime::sign` with `opaque`: application/pkcs7-mime, base64 | `CMS_sign(BINARY)`, content embedded, DER |
//! | `verify` | `smime::verify` of the multipart/signed message, chain to the CA | `d2i` of the DER signature, `CMS_verify(BINARY)` with the entity as detached content, chain to the CA |
//! | `encrypt_gcm`, `encrypt_cbc` | `smime::encrypt`: AES-256-GCM AuthEnvelopedData / AES-256-CBC EnvelopedData as MIME, base64 | `CMS_encrypt(BINARY)` of the entity, DER |
//! | `decrypt_gcm`, `decrypt_cbc` | `smime::decrypt` of that MIME message | `d2i` of the DER, `CMS_decrypt` |
//! | `privkey_sign` | `SoftwareKey::sign_digest` of a SHA-256 digest (RSA PKCS#1 v1.5, ECDSA) | `EVP_PKEY_sign` of the digest, context set up once |
//!
//! Sizes: 1 KiB, 1 MiB and 64 MiB messages (a mail with a base64 attachment); keys RSA-2048
//! and P-256, generated at start. The 64 MiB groups take 10 samples of one iteration each.
//!
//! Run: `cargo bench -p smime-bench --bench cms` (a filter such as `-- 1MiB` selects groups),
//! then `cargo run -p smime-bench --bin bench-table`.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::md::Md;
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::stack::Stack;
use openssl::symm::Cipher;
use smime::{ContentCipher, DigestAlgorithm, EncryptOptions, Policy, SignOptions, SignatureScheme};
use smime_bench::{EndEntity, KeyType, Pki, entity, message, size_name};
use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

const SIZES: [usize; 3] = [1 << 10, 1 << 20, 64 << 20];

/// A group `op-key-size` with sample settings that keep the whole run near ten minutes.
fn group<'c>(
    c: &'c mut Criterion,
    op: &str,
    kind: KeyType,
    size: usize,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(format!("{op}-{}-{}", kind.name(), size_name(size)));
    g.throughput(Throughput::Bytes(size as u64));
    if size >= 16 << 20 {
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
    } else if size >= 1 << 20 {
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(1500));
    } else {
        g.sample_size(20)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(800));
    }
    g
}

fn openssl_sign(ee: &EndEntity, entity: &[u8], flags: CMSOptions) -> Vec<u8> {
    CmsContentInfo::sign(Some(&ee.x509), Some(&ee.pkey), None, Some(entity), flags)
        .and_then(|cms| cms.to_der())
        .expect("OpenSSL signs")
}

fn openssl_encrypt(ee: &EndEntity, entity: &[u8], cipher: Cipher) -> Vec<u8> {
    let mut certs = Stack::new().expect("stack");
    certs.push(ee.x509.clone()).expect("push");
    CmsContentInfo::encrypt(&certs, entity, cipher, CMSOptions::BINARY)
        .and_then(|cms| cms.to_der())
        .expect("OpenSSL encrypts")
}

fn sign_rows(c: &mut Criterion, pki: &Pki, size: usize, msg: &[u8], ent: &[u8]) {
    for kind in KeyType::ALL {
        let ee = pki.entity(kind);
        let signers = std::slice::from_ref(&ee.identity);
        for (op, opaque) in [("sign_multipart", false), ("sign_opaque", true)] {
            let options = SignOptions {
                opaque,
                ..SignOptions::default()
            };
            let flags = if opaque {
                CMSOptions::BINARY
            } else {
                CMSOptions::DETACHED | CMSOptions::BINARY
            };
            let signer = smime::sign::Signer::new(signers, &options).expect("signer");
            let mut g = group(c, op, kind, size);
            g.bench_function("ours", |b| {
                b.iter(|| smime::sign(black_box(msg), signers, &options).expect("sign"))
            });
            g.bench_function("ours_stream", |b| {
                b.iter(|| {
                    signer
                        .sign(black_box(msg), Vec::new())
                        .expect("streaming sign")
                })
            });
            g.bench_function("openssl", |b| {
                b.iter(|| openssl_sign(ee, black_box(ent), flags))
            });
            g.finish();
        }
    }
}

fn verify_rows(c: &mut Criterion, pki: &Pki, size: usize, msg: &[u8], ent: &[u8]) {
    let options = pki.verify_options();
    let store = pki.openssl_store().expect("store");
    for kind in KeyType::ALL {
        let ee = pki.entity(kind);
        let signed = smime::sign(
            msg,
            std::slice::from_ref(&ee.identity),
            &SignOptions::default(),
        )
        .expect("sign");
        let report = smime::verify(&signed, &options).expect("verify");
        assert_eq!(report.verdict(), smime::Verdict::Trusted);
        let der = openssl_sign(ee, ent, CMSOptions::DETACHED | CMSOptions::BINARY);
        let openssl_verify = || {
            let mut cms = CmsContentInfo::from_der(black_box(&der)).expect("d2i");
            cms.verify(None, Some(&store), Some(ent), None, CMSOptions::BINARY)
                .expect("OpenSSL verifies");
        };
        openssl_verify();
        let verifier = smime::verify::Verifier::new(&options);
        let mut g = group(c, "verify", kind, size);
        g.bench_function("ours", |b| {
            b.iter(|| {
                let r = smime::verify(black_box(&signed), &options).expect("verify");
                assert!(r.is_trusted());
                r
            })
        });
        g.bench_function("ours_stream", |b| {
            b.iter(|| {
                let (r, content) = verifier
                    .verify(black_box(signed.as_slice()), Vec::new())
                    .expect("streaming verify");
                assert!(r.is_trusted());
                content
            })
        });
        g.bench_function("openssl", |b| b.iter(openssl_verify));
        g.finish();
    }
}

fn envelope_rows(c: &mut Criterion, pki: &Pki, size: usize, msg: &[u8], ent: &[u8]) {
    let policy = Policy::default();
    for kind in KeyType::ALL {
        let ee = pki.entity(kind);
        let recipients = std::slice::from_ref(&ee.certificate);
        let keys = std::slice::from_ref(&ee.identity);
        for (name, cipher, ossl) in [
            ("gcm", ContentCipher::Aes256Gcm, Cipher::aes_256_gcm()),
            ("cbc", ContentCipher::Aes256Cbc, Cipher::aes_256_cbc()),
        ] {
            let options = EncryptOptions {
                cipher,
                ..EncryptOptions::default()
            };
            let encryptor =
                smime::encrypt::Encryptor::new(recipients, &options).expect("encryptor");
            let mut g = group(c, &format!("encrypt_{name}"), kind, size);
            g.bench_function("ours", |b| {
                b.iter(|| smime::encrypt(black_box(msg), recipients, &options).expect("encrypt"))
            });
            g.bench_function("ours_stream", |b| {
                b.iter(|| {
                    encryptor
                        .encrypt(black_box(msg), Vec::new())
                        .expect("streaming encrypt")
                })
            });
            g.bench_function("openssl", |b| {
                b.iter(|| openssl_encrypt(ee, black_box(ent), ossl))
            });
            g.finish();

            let encrypted = smime::encrypt(msg, recipients, &options).expect("encrypt");
            let der = openssl_encrypt(ee, ent, ossl);
            let openssl_decrypt = || {
                let cms = CmsContentInfo::from_der(black_box(&der)).expect("d2i");
                cms.decrypt(&ee.pkey, &ee.x509).expect("OpenSSL decrypts")
            };
            assert_eq!(openssl_decrypt(), ent);
            assert_eq!(
                smime::decrypt(&encrypted, keys, &policy)
                    .expect("decrypt")
                    .content,
                ent
            );
            let decryptor = smime::decrypt::Decryptor::new(keys, &policy).expect("decryptor");
            let mut g = group(c, &format!("decrypt_{name}"), kind, size);
            g.bench_function("ours", |b| {
                b.iter(|| smime::decrypt(black_box(&encrypted), keys, &policy).expect("decrypt"))
            });
            g.bench_function("ours_stream", |b| {
                b.iter(|| {
                    decryptor
                        .decrypt(Cursor::new(black_box(encrypted.as_slice())), Vec::new())
                        .expect("streaming decrypt")
                })
            });
            g.bench_function("openssl", |b| b.iter(openssl_decrypt));
            g.finish();
        }
    }
}

/// The private-key operation alone: one signature of a SHA-256 digest.
fn privkey_rows(c: &mut Criterion, pki: &Pki) {
    let digest = [0x5Au8; 32];
    for kind in KeyType::ALL {
        let ee = pki.entity(kind);
        let key = smime::SoftwareKey::from_pkcs8_der(&ee.pkey.private_key_to_pkcs8().expect("p8"))
            .expect("key");
        let scheme = match kind {
            KeyType::Rsa2048 => SignatureScheme::RsaPkcs1v15,
            KeyType::P256 => SignatureScheme::Ecdsa,
        };
        let mut ctx = PkeyCtx::new(&ee.pkey).expect("ctx");
        ctx.sign_init().expect("sign_init");
        if kind == KeyType::Rsa2048 {
            ctx.set_rsa_padding(Padding::PKCS1).expect("padding");
        }
        ctx.set_signature_md(Md::sha256()).expect("md");
        let mut g = group(c, "privkey_sign", kind, 32);
        g.bench_function("ours", |b| {
            b.iter(|| {
                smime::PrivateKey::sign_digest(
                    &key,
                    scheme,
                    DigestAlgorithm::Sha256,
                    black_box(&digest),
                )
                .expect("sign")
            })
        });
        g.bench_function("openssl", |b| {
            b.iter(|| {
                let mut sig = Vec::new();
                ctx.sign_to_vec(black_box(&digest), &mut sig).expect("sign");
                sig
            })
        });
        g.finish();
    }
}

fn benches(c: &mut Criterion) {
    let pki = Pki::generate().expect("PKI");
    privkey_rows(c, &pki);
    for size in SIZES {
        let msg = message(size);
        let ent = entity(&msg);
        sign_rows(c, &pki, size, &msg, &ent);
        verify_rows(c, &pki, size, &msg, &ent);
        envelope_rows(c, &pki, size, &msg, &ent);
    }
}

criterion_group!(cms, benches);
criterion_main!(cms);
