//! The attack bar at the CMS level (items 1, 2, 3, 5 and 16 of the security issue): messages
//! built by hand around content keys the test chooses, so every parameter an attacker controls
//! can be set to what the item names.

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, KeyInit};
use smime::fuzzing::asn1::tlv;
use smime::fuzzing::oids;
use smime::fuzzing::recipient::{RecipientOptions, recipient_info};
use smime::policy::Policy;
use smime::{
    ContentCipher, DecryptError, Decryptor, EncryptOptions, Identity, KeyTransport, Layer,
    ParseError, Verdict, VerifyOptions, decrypt, open,
};

// ---------------------------------------------------------------------------------------------
// Fixture: one RSA recipient
// ---------------------------------------------------------------------------------------------

struct Recipient {
    _dir: tempfile::TempDir,
    cert_der: Vec<u8>,
    key_pem: Vec<u8>,
}

fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is needed for these tests");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn recipient() -> &'static Recipient {
    static R: std::sync::OnceLock<Recipient> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        openssl(
            &[
                "req",
                "-x509",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=bob/emailAddress=bob@example.com",
                "-newkey",
                "rsa:2048",
                "-keyout",
                "bob.key.pem",
                "-out",
                "bob.crt.pem",
                "-addext",
                "keyUsage=keyEncipherment",
                "-addext",
                "subjectAltName=email:bob@example.com",
            ],
            dir.path(),
        );
        let pem = std::fs::read(dir.path().join("bob.crt.pem")).expect("cert");
        let cert_der = smime::keys::read_certificates(&pem)
            .expect("certificate")
            .remove(0);
        let key_pem = std::fs::read(dir.path().join("bob.key.pem")).expect("key");
        Recipient {
            _dir: dir,
            cert_der,
            key_pem,
        }
    })
}

fn keys() -> Vec<Identity> {
    let r = recipient();
    let key = smime::keys::SoftwareKey::from_bytes(&r.key_pem).expect("key");
    let cert = smime::Certificate::from_der(&r.cert_der).expect("certificate");
    vec![Identity::new(std::sync::Arc::new(key), cert).expect("identity")]
}

const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n\
Wire 10,000 EUR to the account we agreed on. This text is long enough for several blocks.\r\n";

const CEK: [u8; 16] = [0x42; 16];

/// The recipient info for [`recipient`] carrying `cek`.
fn ri(cek: &[u8]) -> Vec<u8> {
    recipient_info(&recipient().cert_der, cek, &RecipientOptions::default()).expect("ri")
}

// ---------------------------------------------------------------------------------------------
// Hand-built AuthEnvelopedData
// ---------------------------------------------------------------------------------------------

/// What to put into a hand-built AES-128-GCM AuthEnvelopedData.
struct Gcm<'a> {
    nonce: Vec<u8>,
    /// The aes-ICVlen INTEGER's content octets; `None` leaves the field out.
    icv: Option<&'a [u8]>,
    /// How many leading bytes of the 16-byte tag go into the mac.
    tag_len: usize,
    /// The content of the authAttrs [1] field (the attributes), if any.
    auth_attrs: Option<Vec<u8>>,
}

impl Default for Gcm<'_> {
    fn default() -> Self {
        Gcm {
            nonce: vec![7; 12],
            icv: Some(&[16]),
            tag_len: 16,
            auth_attrs: None,
        }
    }
}

/// A contentType attribute naming id-data (RFC 5083 section 2.1 allows it in authAttrs).
fn content_type_attribute() -> Vec<u8> {
    let mut a = tlv(
        0x06,
        &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03],
    );
    a.extend_from_slice(&tlv(0x31, &tlv(0x06, oids::DATA.as_bytes())));
    tlv(0x30, &a)
}

/// An AuthEnvelopedData ContentInfo (DER) of [`ENTITY`] under [`CEK`], encrypted with the real
/// nonce when it is 12 bytes long (other lengths get ciphertext that cannot matter: they must
/// be refused before any key is used).
fn auth_enveloped(g: &Gcm<'_>) -> Vec<u8> {
    let mut ct = ENTITY.to_vec();
    let aad = g
        .auth_attrs
        .as_ref()
        .map(|a| tlv(0x31, a))
        .unwrap_or_default();
    let tag: [u8; 16] = match aes_gcm::Nonce::try_from(g.nonce.as_slice()) {
        Ok(nonce) => Aes128Gcm::new_from_slice(&CEK)
            .expect("key")
            .encrypt_inout_detached(&nonce, &aad, ct.as_mut_slice().into())
            .expect("seal")
            .into(),
        Err(_) => [0x5A; 16],
    };
    let mut params = tlv(0x04, &g.nonce);
    if let Some(icv) = g.icv {
        params.extend_from_slice(&tlv(0x02, icv));
    }
    let mut alg = tlv(0x06, oids::AES128_GCM.as_bytes());
    alg.extend_from_slice(&tlv(0x30, &params));
    let mut eci = tlv(0x06, oids::DATA.as_bytes());
    eci.extend_from_slice(&tlv(0x30, &alg));
    eci.extend_from_slice(&tlv(0x80, &ct));
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(&tlv(0x31, &ri(&CEK)));
    body.extend_from_slice(&tlv(0x30, &eci));
    if let Some(a) = &g.auth_attrs {
        body.extend_from_slice(&tlv(0xA1, a));
    }
    body.extend_from_slice(&tlv(0x04, &tag[..g.tag_len]));
    let mut ci = tlv(0x06, oids::AUTH_ENVELOPED_DATA.as_bytes());
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &body)));
    tlv(0x30, &ci)
}

/// Decrypts `der` both ways: one-shot, and streaming into a sink that is checked to have
/// received nothing when the result is an error. Both must agree.
fn both_ways(der: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let keys = keys();
    let policy = Policy::default();
    let one_shot = decrypt(der, &keys, &policy).map(|d| d.content);
    let mut sink = Vec::new();
    let streamed = Decryptor::new(&keys, &policy)
        .expect("decryptor")
        .decrypt(Cursor::new(der), &mut sink)
        .map(|_| ());
    match (&one_shot, streamed) {
        (Ok(content), Ok(())) => assert_eq!(&sink, content, "the two paths disagree"),
        (Err(_), Err(_)) => assert!(
            sink.is_empty(),
            "{} bytes of plaintext were written before the error",
            sink.len()
        ),
        (a, b) => panic!("one-shot {a:?} but streaming {b:?}"),
    }
    one_shot
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle")
}

fn flip(der: &[u8], at: usize, mask: u8) -> Vec<u8> {
    let mut v = der.to_vec();
    v[at] ^= mask;
    v
}

// ---------------------------------------------------------------------------------------------
// Item 1: GCM bit flips
// ---------------------------------------------------------------------------------------------

/// Item 1, all four places: a flip of any bit in the ciphertext, the tag, the nonce or the
/// authenticated attributes of an AuthEnvelopedData that carries authAttrs is an error, and
/// neither the one-shot nor the streaming decryption gives out a single byte of plaintext.
#[test]
fn attack_bar_01_gcm_flips_in_ciphertext_tag_nonce_and_auth_attrs_release_nothing() {
    let attrs = content_type_attribute();
    let der = auth_enveloped(&Gcm {
        auth_attrs: Some(attrs.clone()),
        ..Gcm::default()
    });
    assert_eq!(both_ways(&der).expect("intact"), ENTITY);

    let mut ct = ENTITY.to_vec();
    let aad = tlv(0x31, &attrs);
    let nonce = aes_gcm::Nonce::try_from(&[7u8; 12][..]).expect("nonce");
    let tag: [u8; 16] = Aes128Gcm::new_from_slice(&CEK)
        .expect("key")
        .encrypt_inout_detached(&nonce, &aad, ct.as_mut_slice().into())
        .expect("seal")
        .into();
    let regions = [
        ("ciphertext", find(&der, &ct), ct.len()),
        ("tag", find(&der, &tag), tag.len()),
        ("nonce", find(&der, &[7u8; 12]), 12),
        // the whole authAttrs element, its [1] header included
        ("authAttrs", find(&der, &tlv(0xA1, &attrs)), attrs.len() + 2),
    ];
    let mut cases = 0;
    for (what, start, len) in regions {
        for at in start..start + len {
            for bit in 0..8 {
                let r = both_ways(&flip(&der, at, 1 << bit));
                assert!(r.is_err(), "{what} byte {} bit {bit}: {r:?}", at - start);
                cases += 1;
            }
        }
    }
    assert!(cases > 8 * (ENTITY.len() + 16 + 12 + 10), "{cases} cases");
}

// ---------------------------------------------------------------------------------------------
// Item 2: GCM parameters
// ---------------------------------------------------------------------------------------------

/// Item 2, first clause: GCMParameters without aes-ICVlen mean a 12-byte tag (RFC 5084
/// section 3.2, DEFAULT 12): such a message with a 12-byte mac decrypts, with a 16-byte mac it
/// is refused. Tags of 13 to 16 bytes under the matching ICV length decrypt too, and a mac
/// shorter or longer than the ICV length is refused.
#[test]
fn attack_bar_02_gcm_missing_icv_length_is_twelve() {
    let no_icv = Gcm {
        icv: None,
        tag_len: 12,
        ..Gcm::default()
    };
    assert_eq!(both_ways(&auth_enveloped(&no_icv)).expect("ICV 12"), ENTITY);
    let r = both_ways(&auth_enveloped(&Gcm {
        tag_len: 16,
        ..no_icv
    }));
    assert!(
        matches!(r, Err(DecryptError::Parse(ParseError::MalformedDer { .. }))),
        "a 16-byte mac where the default ICV length is 12: {r:?}"
    );
    for icv in 12u8..=16 {
        let g = Gcm {
            icv: Some(std::slice::from_ref(&icv)),
            tag_len: icv as usize,
            ..Gcm::default()
        };
        assert_eq!(
            both_ways(&auth_enveloped(&g)).expect("ICV in range"),
            ENTITY,
            "ICV {icv}"
        );
        // A truncated tag that does not match is the one error, and gives out nothing.
        let der = auth_enveloped(&g);
        let last = der.len() - 1;
        assert_eq!(
            both_ways(&flip(&der, last, 1)).unwrap_err(),
            DecryptError::CannotDecrypt,
            "ICV {icv}, changed tag"
        );
        for tag_len in [icv as usize - 1, icv as usize + 1] {
            if tag_len > 16 {
                continue;
            }
            let r = both_ways(&auth_enveloped(&Gcm {
                icv: Some(std::slice::from_ref(&icv)),
                tag_len,
                ..Gcm::default()
            }));
            assert!(r.is_err(), "ICV {icv} with a {tag_len}-byte mac: {r:?}");
        }
    }
}

/// Item 2, second clause: an aes-ICVlen outside 12..=16 (0, 4, 8, 11, 17, 32, 127, a negative
/// value, a two-byte value) and a nonce of any length but 12 (0, 1, 8, 11, 13, 16, 64 bytes)
/// are refused as unsupported parameters, before any key is used, and never panic.
#[test]
fn attack_bar_02_gcm_icv_lengths_outside_12_to_16_and_other_nonces_are_refused() {
    let icvs: [&[u8]; 10] = [
        &[0],
        &[4],
        &[8],
        &[11],
        &[17],
        &[32],
        &[127],
        &[0xF4],
        &[0x00, 0x10],
        &[0x01, 0x00],
    ];
    for icv in icvs {
        let r = both_ways(&auth_enveloped(&Gcm {
            icv: Some(icv),
            tag_len: 16,
            ..Gcm::default()
        }));
        assert!(
            matches!(r, Err(DecryptError::UnsupportedAlgorithm { .. })),
            "ICV {icv:?}: {r:?}"
        );
    }
    for len in [0usize, 1, 8, 11, 13, 16, 64] {
        let r = both_ways(&auth_enveloped(&Gcm {
            nonce: vec![7; len],
            ..Gcm::default()
        }));
        match r {
            Err(DecryptError::UnsupportedAlgorithm { detail }) => {
                assert!(detail.contains(&format!("{len}-byte nonce")), "{detail}")
            }
            other => panic!("a {len}-byte nonce: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item 3: CBC
// ---------------------------------------------------------------------------------------------

/// An AES-128-CBC EnvelopedData of `entity` under [`CEK`] with the IV `iv`, and its
/// ciphertext.
fn cbc_enveloped(entity: &[u8], iv: &[u8; 16], ct: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
    cbc_enveloped_to(&ri(&CEK), entity, iv, ct)
}

/// Like [`cbc_enveloped`], with the RecipientInfos SET's content `ris`.
fn cbc_enveloped_to(
    ris: &[u8],
    entity: &[u8],
    iv: &[u8; 16],
    ct: Option<&[u8]>,
) -> (Vec<u8>, Vec<u8>) {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
    let ct = match ct {
        Some(ct) => ct.to_vec(),
        None => {
            let mut buf = vec![0u8; entity.len() + 16];
            buf[..entity.len()].copy_from_slice(entity);
            cbc::Encryptor::<aes::Aes128>::new_from_slices(&CEK, iv)
                .expect("key")
                .encrypt_padded::<Pkcs7>(&mut buf, entity.len())
                .expect("pad")
                .to_vec()
        }
    };
    let mut alg = tlv(0x06, oids::AES128_CBC.as_bytes());
    alg.extend_from_slice(&tlv(0x04, iv));
    let mut eci = tlv(0x06, oids::DATA.as_bytes());
    eci.extend_from_slice(&tlv(0x30, &alg));
    eci.extend_from_slice(&tlv(0x80, &ct));
    let mut body = vec![0x02, 0x01, 0x02];
    body.extend_from_slice(&tlv(0x31, ris));
    body.extend_from_slice(&tlv(0x30, &eci));
    let mut ci = tlv(0x06, oids::ENVELOPED_DATA.as_bytes());
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &body)));
    (tlv(0x30, &ci), ct)
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// An S/MIME message around a CMS structure.
fn pkcs7_mime(der: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut m = b"From: alice@example.com\r\nTo: bob@example.com\r\nMIME-Version: 1.0\r\n\
Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    for line in b64.as_bytes().chunks(76) {
        m.extend_from_slice(line);
        m.extend_from_slice(b"\r\n");
    }
    m
}

/// Item 3, first clause: the EFAIL gadget. With one known plaintext block, a (C', C0) pair
/// turns into a block of the attacker's choosing; injected into the ciphertext it decrypts
/// without any error, so CBC content is never reported as integrity-protected, by `decrypt`
/// nor by `open`, whose verdict for it is not signed.
#[test]
fn attack_bar_03_cbc_gadget_block_is_never_integrity_protected() {
    let iv = [9u8; 16];
    let (_, ct) = cbc_enveloped(ENTITY, &iv, None);
    let known = &ENTITY[..16];
    let chosen = b"<img src='http:/";
    // The gadget: C' = IV ^ P0 ^ X before C0 decrypts C0 to X.
    let gadget_prev = xor(&xor(&iv, known), chosen);
    // Injected after the first block: block 1 becomes garbage (C0 decrypted under C0's
    // predecessor C'), then the chosen block, then the rest of the message.
    let mut injected = ct[..16].to_vec();
    injected.extend_from_slice(&gadget_prev);
    injected.extend_from_slice(&ct[..16]);
    injected.extend_from_slice(&ct[16..]);
    let (der, _) = cbc_enveloped(ENTITY, &iv, Some(&injected));
    let d = decrypt(&der, &keys(), &Policy::default()).expect("CBC cannot notice");
    assert!(!d.integrity_protected);
    assert_eq!(d.cipher, ContentCipher::Aes128Cbc);
    assert!(
        d.content.windows(16).any(|w| w == chosen),
        "the gadget block is in the plaintext"
    );
    assert_ne!(d.content, ENTITY);
    // The untouched message: also never integrity-protected.
    let (plain, _) = cbc_enveloped(ENTITY, &iv, None);
    let d = decrypt(&plain, &keys(), &Policy::default()).expect("intact");
    assert_eq!(d.content, ENTITY);
    assert!(!d.integrity_protected);
    // The gadget in the body (after the header block) keeps the MIME readable: `open` then
    // says encrypted without integrity, and nothing vouches for the content.
    let opened = open(&pkcs7_mime(&der), &keys(), &VerifyOptions::default());
    match opened {
        Ok(o) => {
            assert!(matches!(
                o.layers.as_slice(),
                [Layer::Encrypted {
                    integrity_protected: false,
                    ..
                }]
            ));
            assert_eq!(o.verdict(), Verdict::NotSigned);
            assert!(!o.all_signatures_trusted());
        }
        Err(e) => assert!(
            matches!(e, DecryptError::AlteredOrCorrupt { .. }),
            "unexpected {e:?}"
        ),
    }
}

/// Item 3, third clause: a CBC layer whose plaintext no longer parses as the MIME entity it
/// must be (the gadget's garbage block lands in the header block, or in the Content-Type of
/// a signed message inside) is `DecryptError::AlteredOrCorrupt` from `open`, never content
/// shown as plain unsigned text; the same damage inside a GCM layer cannot happen (any change
/// is `CannotDecrypt`).
#[test]
fn attack_bar_03_cbc_layer_that_no_longer_parses_is_altered_or_corrupt() {
    let inner = b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; \
micalg=sha-256; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nPay Eve.\r\n\
--b1\r\nContent-Type: application/pkcs7-signature\r\n\r\nAAAA\r\n--b1--\r\n";
    let iv = [3u8; 16];
    let (der, ct) = cbc_enveloped(inner, &iv, None);
    // The intact message parses as what it is: a multipart/signed, whose dummy signature is
    // then what fails (not what is tested here).
    let intact = open(&pkcs7_mime(&der), &keys(), &VerifyOptions::default());
    assert!(matches!(intact, Err(DecryptError::Verify(_))), "{intact:?}");
    // A flip in ciphertext block 1 garbles plaintext block 1 (inside the Content-Type
    // parameters) and flips one chosen bit of block 2: what CBC allows, undetected.
    let mut altered = 0;
    for (block, mask) in [(0usize, 0x01u8), (1, 0x20), (2, 0x04), (3, 0x80)] {
        let mut changed = ct.clone();
        changed[block * 16 + 5] ^= mask;
        let (der, _) = cbc_enveloped(inner, &iv, Some(&changed));
        let d = decrypt(&der, &keys(), &Policy::default()).expect("CBC cannot notice");
        assert!(!d.integrity_protected);
        let r = open(&pkcs7_mime(&der), &keys(), &VerifyOptions::default());
        match r {
            Err(DecryptError::AlteredOrCorrupt { detail }) => {
                assert!(detail.contains("not integrity-protected"), "{detail}");
                let e = DecryptError::AlteredOrCorrupt { detail };
                assert_eq!(e.code(), 707);
                assert!(e.to_string().contains("altered"), "{e}");
                altered += 1;
            }
            Ok(o) => {
                // Still parsed: then it must never read as anything but unprotected.
                assert!(matches!(
                    o.layers.first(),
                    Some(Layer::Encrypted {
                        integrity_protected: false,
                        ..
                    })
                ));
                assert_ne!(o.verdict(), Verdict::Trusted);
            }
            // Still a multipart/signed: its (dummy) signature is what fails, not the MIME.
            Err(DecryptError::Verify(_)) => {}
            Err(e) => panic!("block {block}: {e:?}"),
        }
    }
    assert!(
        altered >= 3,
        "{altered} of 4 changes were reported as altered"
    );
    // Garbage where the header block should be: altered or corrupt, not unsigned content.
    let garbage = b"\x00\x9f\xc3\x01binary\x02garbage\xff\r\n\r\nbody\r\n";
    let (der, _) = cbc_enveloped(garbage, &iv, None);
    let r = open(&pkcs7_mime(&der), &keys(), &VerifyOptions::default());
    assert!(
        matches!(r, Err(DecryptError::AlteredOrCorrupt { .. })),
        "{r:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 16: sizes
// ---------------------------------------------------------------------------------------------

/// A reader that counts what is read from it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for Counting<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Item 16, the length claim: an EnvelopedData whose RecipientInfos claim 1 GiB is refused by
/// the streaming decryptor with the size limit error, computed from the claimed length alone
/// (the input holds a few hundred bytes, and no more than it are read), so nothing of that
/// size is allocated; the one-shot path refuses it as malformed.
#[test]
fn attack_bar_16_one_gib_length_claim_is_refused_before_allocation() {
    let gib: u32 = 1 << 30;
    let mut ris = vec![0x31, 0x84];
    ris.extend_from_slice(&gib.to_be_bytes());
    ris.extend_from_slice(&ri(&CEK));
    let mut body = vec![0x30, 0x80, 0x02, 0x01, 0x00];
    body.extend_from_slice(&ris);
    let mut der = vec![0x30, 0x80];
    der.extend_from_slice(&tlv(0x06, oids::ENVELOPED_DATA.as_bytes()));
    der.extend_from_slice(&[0xA0, 0x80]);
    der.extend_from_slice(&body);
    let keys = keys();
    let start = std::time::Instant::now();
    let mut input = Counting {
        inner: Cursor::new(der.clone()),
        read: 0,
    };
    let mut sink = Vec::new();
    let r = Decryptor::new(&keys, &Policy::default())
        .expect("decryptor")
        .decrypt(&mut input, &mut sink);
    match r {
        Err(DecryptError::Parse(ParseError::TooLarge { what, limit })) => {
            assert_eq!(what, "BER element");
            assert!(limit <= 1 << 20, "limit {limit}");
        }
        other => panic!("{other:?}"),
    }
    // The decryptor reads the start more than once (framing, then the structure), never more
    // than a few kilobytes: not the claimed gibibyte.
    assert!(input.read < 64 * 1024, "{} bytes read", input.read);
    assert!(sink.is_empty());
    let r = decrypt(&der, &keys, &Policy::default());
    assert!(matches!(r, Err(DecryptError::Parse(_))), "{r:?}");
    assert!(start.elapsed().as_secs() < 30);
}

/// Item 16, the certificate count: a SignedData carrying 10,000 certificates is refused with
/// the certificate limit error (`TooMany`, limit 256), both when read as a structure and when
/// verified as a message; the limit is checked before a certificate is decoded (the 10,000
/// entries are empty SEQUENCEs, which would fail to decode: the limit error comes first).
#[test]
fn attack_bar_16_ten_thousand_certificates_are_refused() {
    use smime::fuzzing::signed_data::{MAX_CERTIFICATES, parse_signed_data};
    let certs: Vec<u8> = std::iter::repeat_n([0x30u8, 0x00], 10_000)
        .flatten()
        .collect();
    let mut encap = tlv(0x06, oids::DATA.as_bytes());
    encap.extend_from_slice(&tlv(0xA0, &tlv(0x04, b"hello")));
    let mut sd = vec![0x02, 0x01, 0x01, 0x31, 0x00];
    sd.extend_from_slice(&tlv(0x30, &encap));
    sd.extend_from_slice(&tlv(0xA0, &certs));
    sd.extend_from_slice(&[0x31, 0x00]);
    let mut ci = tlv(0x06, oids::SIGNED_DATA.as_bytes());
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &sd)));
    let der = tlv(0x30, &ci);
    let start = std::time::Instant::now();
    let too_many = ParseError::TooMany {
        what: "certificates",
        limit: MAX_CERTIFICATES,
    };
    match parse_signed_data(&der) {
        Err(smime::fuzzing::CmsError::Malformed(e)) => assert_eq!(e, too_many),
        other => panic!("{other:?}"),
    }
    use base64::Engine;
    let mut m = b"From: alice@example.com\r\nMIME-Version: 1.0\r\n\
Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    m.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(&der)
            .as_bytes(),
    );
    m.extend_from_slice(b"\r\n");
    let r = smime::verify(&m, &VerifyOptions::default());
    assert!(
        matches!(&r, Err(smime::VerifyError::Parse(e)) if *e == too_many),
        "{r:?}"
    );
    assert!(start.elapsed().as_secs() < 30);
}

// ---------------------------------------------------------------------------------------------
// Item 5: parameters and unknown algorithms
// ---------------------------------------------------------------------------------------------

/// Item 5, unknown algorithms: an unknown content-encryption OID is
/// `DecryptError::UnsupportedAlgorithm`; an unknown key-encryption OID in the recipient info
/// and CBC parameters that are absent or NULL are typed errors too; none panics.
#[test]
fn attack_bar_05_unknown_content_algorithm_and_absent_parameters_are_typed_errors() {
    let iv = [1u8; 16];
    let (der, _) = cbc_enveloped(ENTITY, &iv, None);
    // An OID of the same length as aes128-CBC, one arc changed.
    let aes = tlv(0x06, oids::AES128_CBC.as_bytes());
    let mut unknown = aes.clone();
    let last = unknown.len() - 1;
    unknown[last] ^= 0x40;
    let at = find(&der, &aes);
    let mut d = der.clone();
    d[at..at + aes.len()].copy_from_slice(&unknown);
    let r = both_ways(&d);
    assert!(
        matches!(r, Err(DecryptError::UnsupportedAlgorithm { .. })),
        "{r:?}"
    );
    // The key-transport OID (rsaEncryption) replaced by an unknown one: no recipient is
    // usable, which is the one error.
    let rsa = tlv(0x06, oids::RSA_ENCRYPTION.as_bytes());
    let at = find(&der, &rsa);
    let mut d = der.clone();
    d[at + rsa.len() - 1] ^= 0x40;
    let r = both_ways(&d);
    assert!(
        matches!(
            r,
            Err(DecryptError::CannotDecrypt | DecryptError::UnsupportedAlgorithm { .. })
        ),
        "{r:?}"
    );
    // The CBC IV as NULL, and left out.
    for params in [vec![0x05, 0x00], Vec::new()] {
        let mut alg = aes.clone();
        alg.extend_from_slice(&params);
        let mut eci = tlv(0x06, oids::DATA.as_bytes());
        eci.extend_from_slice(&tlv(0x30, &alg));
        eci.extend_from_slice(&tlv(0x80, &[0u8; 32]));
        let mut body = vec![0x02, 0x01, 0x00];
        body.extend_from_slice(&tlv(0x31, &ri(&CEK)));
        body.extend_from_slice(&tlv(0x30, &eci));
        let mut ci = tlv(0x06, oids::ENVELOPED_DATA.as_bytes());
        ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &body)));
        let r = both_ways(&tlv(0x30, &ci));
        assert!(
            matches!(r, Err(DecryptError::Parse(_))),
            "{params:?}: {r:?}"
        );
    }
    // GCMParameters as NULL, and left out.
    for params in [vec![0x05, 0x00], Vec::new()] {
        let g = auth_enveloped(&Gcm::default());
        let mut p = tlv(0x04, &[7; 12]);
        p.extend_from_slice(&tlv(0x02, &[16]));
        let p = tlv(0x30, &p);
        let at = find(&g, &p);
        let mut d = g[..at].to_vec();
        d.extend_from_slice(&params);
        d.extend_from_slice(&g[at + p.len()..]);
        // The lengths around the change no longer add up: a parse error in any case, never a
        // panic.
        let r = both_ways(&d);
        assert!(
            matches!(r, Err(DecryptError::Parse(_))),
            "{params:?}: {r:?}"
        );
    }
}

/// Item 3, second clause at the CMS level (the policy test proves it for messages): the strict
/// policy refuses every CBC EnvelopedData before a key is used, one-shot and streaming, and
/// accepts the GCM message it is given.
#[test]
fn attack_bar_03_strict_policy_refuses_cbc_before_any_key_is_used() {
    let (der, _) = cbc_enveloped(ENTITY, &[5; 16], None);
    let strict = Policy::strict();
    let keys = keys();
    let r = decrypt(&der, &keys, &strict);
    assert!(matches!(r, Err(DecryptError::NotAccepted { .. })), "{r:?}");
    let mut sink = Vec::new();
    let r = Decryptor::new(&keys, &strict)
        .expect("decryptor")
        .decrypt(Cursor::new(&der), &mut sink);
    assert!(matches!(r, Err(DecryptError::NotAccepted { .. })), "{r:?}");
    assert!(sink.is_empty());
    let gcm = auth_enveloped(&Gcm::default());
    assert_eq!(decrypt(&gcm, &keys, &strict).expect("GCM").content, ENTITY);
    // Our own writer under the strict policy: GCM by default.
    let ours = smime::encrypt::encrypt_der(
        ENTITY,
        &[smime::Certificate::from_der(&recipient().cert_der).expect("cert")],
        &EncryptOptions {
            key_transport: KeyTransport::RsaOaep,
            ..EncryptOptions::default()
        },
    )
    .expect("encrypt");
    assert!(
        decrypt(&ours, &keys, &strict)
            .expect("GCM")
            .integrity_protected
    );
}

// ---------------------------------------------------------------------------------------------
// Items 4 and 5: recipient infos
// ---------------------------------------------------------------------------------------------

/// Another party: a certificate and its key (RSA, or P-256 for key agreement).
struct Party {
    _dir: tempfile::TempDir,
    cert_der: Vec<u8>,
    key_pem: Vec<u8>,
}

impl Party {
    fn new(name: &str, ec: bool) -> Party {
        let dir = tempfile::tempdir().expect("tempdir");
        let subj = format!("/CN={name}");
        let mut args = vec!["req", "-x509", "-nodes", "-days", "30", "-subj", &subj];
        args.extend_from_slice(&["-keyout", "k.pem", "-out", "c.pem"]);
        if ec {
            args.extend_from_slice(&[
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-addext",
                "keyUsage=keyAgreement",
            ]);
        } else {
            args.extend_from_slice(&["-newkey", "rsa:2048", "-addext", "keyUsage=keyEncipherment"]);
        }
        openssl(&args, dir.path());
        let pem = std::fs::read(dir.path().join("c.pem")).expect("cert");
        let cert_der = smime::keys::read_certificates(&pem)
            .expect("certificate")
            .remove(0);
        let key_pem = std::fs::read(dir.path().join("k.pem")).expect("key");
        Party {
            _dir: dir,
            cert_der,
            key_pem,
        }
    }

    fn identity(&self) -> Identity {
        let key = smime::keys::SoftwareKey::from_bytes(&self.key_pem).expect("key");
        let cert = smime::Certificate::from_der(&self.cert_der).expect("certificate");
        Identity::new(std::sync::Arc::new(key), cert).expect("identity")
    }

    fn ri(&self, cek: &[u8], rsa: KeyTransport) -> Vec<u8> {
        recipient_info(
            &self.cert_der,
            cek,
            &RecipientOptions {
                rsa,
                ..RecipientOptions::default()
            },
        )
        .expect("ri")
    }
}

fn carol() -> &'static Party {
    static P: std::sync::OnceLock<Party> = std::sync::OnceLock::new();
    P.get_or_init(|| Party::new("carol", false))
}

fn erin() -> &'static Party {
    static P: std::sync::OnceLock<Party> = std::sync::OnceLock::new();
    P.get_or_init(|| Party::new("erin", true))
}

/// Item 4, second clause: a recipient entry for another key that yields a content key of the
/// wrong length (24 bytes for AES-128, or 5) never replaces the right one: with both keys
/// held, in either order of the entries, the message opens with the right key's entry; a
/// wrong-length key alone is the one error, the same as for a message to someone else.
#[test]
fn attack_bar_04_wrong_length_key_from_a_foreign_entry_never_replaces_the_right_one() {
    let iv = [4u8; 16];
    let both = [carol().identity(), keys().remove(0)];
    for bad in [vec![0x11u8; 24], vec![0x11u8; 5]] {
        for transport in [KeyTransport::RsaPkcs1v15, KeyTransport::RsaOaep] {
            let foreign = carol().ri(&bad, transport);
            let right = ri(&CEK);
            for ris in [[foreign.clone(), right.clone()], [right, foreign.clone()]] {
                let (der, _) = cbc_enveloped_to(&ris.concat(), ENTITY, &iv, None);
                let d = decrypt(&der, &both, &Policy::default()).expect("the right key opens it");
                assert_eq!(d.content, ENTITY);
                assert_eq!(d.key_index, 1);
                // Only the foreign key: the one error.
                assert_eq!(
                    decrypt(&der, &both[..1], &Policy::default()).unwrap_err(),
                    DecryptError::CannotDecrypt
                );
            }
            // The wrong-length key addressed to bob himself: the one error, as for a message
            // that is not his at all.
            let mine_wrong = recipient_info(
                &recipient().cert_der,
                &bad,
                &RecipientOptions {
                    rsa: transport,
                    ..RecipientOptions::default()
                },
            )
            .expect("ri");
            let (der, _) = cbc_enveloped_to(&mine_wrong, ENTITY, &iv, None);
            let e = both_ways(&der).unwrap_err();
            let (not_his, _) = cbc_enveloped_to(&foreign, ENTITY, &iv, None);
            let other = both_ways(&not_his).unwrap_err();
            assert_eq!(e, DecryptError::CannotDecrypt);
            assert_eq!(e, other);
            assert_eq!(e.to_string(), other.to_string());
            assert_eq!(e.code(), other.code());
        }
    }
}

/// Rebuilds the DER element `node` of `input` with its child `index` replaced by `with`
/// (`tag` is the element's identifier octet).
fn replace_child(
    input: &[u8],
    node: &smime::fuzzing::asn1::ber::Node,
    index: usize,
    with: &[u8],
) -> Vec<u8> {
    let mut content = Vec::new();
    for (i, c) in node.children.iter().enumerate() {
        if i == index {
            content.extend_from_slice(with);
        } else {
            content.extend_from_slice(&input[c.range.clone()]);
        }
    }
    tlv(node.tag, &content)
}

/// `alg` (an AlgorithmIdentifier node of `input`) with its parameters left out, or NULL.
fn without_parameters(input: &[u8], alg: &smime::fuzzing::asn1::ber::Node, null: bool) -> Vec<u8> {
    let mut content = input[alg.children[0].range.clone()].to_vec();
    if null {
        content.extend_from_slice(&[0x05, 0x00]);
    }
    tlv(0x30, &content)
}

fn decrypt_no_panic(der: &[u8], keys: &[Identity]) -> Result<Vec<u8>, DecryptError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decrypt(der, keys, &Policy::default()).map(|d| d.content)
    }))
    .expect("no panic on hostile parameters")
}

/// Item 5: absent or NULL RSAES-OAEP parameters, absent or NULL key-agreement parameters (the
/// key-wrap algorithm), and an unknown key-encryption algorithm in either kind of recipient
/// info: a typed error (or, for absent OAEP parameters, which mean the SHA-1 defaults, the
/// one error when the key was wrapped with SHA-256), never a panic, never content.
#[test]
fn attack_bar_05_absent_or_null_oaep_and_key_agreement_parameters_are_typed_errors() {
    use smime::fuzzing::asn1::ber;
    let iv = [6u8; 16];
    let typed = |r: &Result<Vec<u8>, DecryptError>, what: &str| {
        assert!(
            matches!(
                r,
                Err(DecryptError::Parse(_)
                    | DecryptError::CannotDecrypt
                    | DecryptError::UnsupportedAlgorithm { .. })
            ),
            "{what}: {r:?}"
        );
    };
    // OAEP (SHA-256 as this library writes it): KeyTransRecipientInfo children are version,
    // rid, keyEncryptionAlgorithm, encryptedKey.
    let oaep = recipient_info(
        &recipient().cert_der,
        &CEK,
        &RecipientOptions {
            rsa: KeyTransport::RsaOaep,
            ..RecipientOptions::default()
        },
    )
    .expect("ri");
    let (intact, _) = cbc_enveloped_to(&oaep, ENTITY, &iv, None);
    assert_eq!(decrypt_no_panic(&intact, &keys()).expect("intact"), ENTITY);
    let node = ber::parse(&oaep).expect("ri");
    for null in [false, true] {
        let alg = without_parameters(&oaep, &node.children[2], null);
        let changed = replace_child(&oaep, &node, 2, &alg);
        let (der, _) = cbc_enveloped_to(&changed, ENTITY, &iv, None);
        typed(
            &decrypt_no_panic(&der, &keys()),
            &format!("OAEP null={null}"),
        );
    }
    // An unknown key-transport algorithm.
    let mut unknown = tlv(
        0x06,
        &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x83, 0xB2, 0x23, 0x09],
    );
    unknown.extend_from_slice(&[0x05, 0x00]);
    let changed = replace_child(&oaep, &node, 2, &tlv(0x30, &unknown));
    let (der, _) = cbc_enveloped_to(&changed, ENTITY, &iv, None);
    typed(&decrypt_no_panic(&der, &keys()), "unknown key transport");

    // Key agreement: [1] KeyAgreeRecipientInfo children are version, originator [0],
    // ukm [1] (optional), keyEncryptionAlgorithm, recipientEncryptedKeys.
    let erin_keys = [erin().identity()];
    let kari = erin().ri(&CEK, KeyTransport::RsaPkcs1v15);
    let (intact, _) = cbc_enveloped_to(&kari, ENTITY, &iv, None);
    assert_eq!(
        decrypt_no_panic(&intact, &erin_keys).expect("intact"),
        ENTITY
    );
    let node = ber::parse(&kari).expect("kari");
    let at = node
        .children
        .iter()
        .position(|c| c.tag == 0x30 && c.children.first().is_some_and(|o| o.tag == 0x06))
        .expect("keyEncryptionAlgorithm");
    for null in [false, true] {
        let alg = without_parameters(&kari, &node.children[at], null);
        let changed = replace_child(&kari, &node, at, &alg);
        let (der, _) = cbc_enveloped_to(&changed, ENTITY, &iv, None);
        typed(
            &decrypt_no_panic(&der, &erin_keys),
            &format!("key agreement null={null}"),
        );
    }
    // The key-wrap algorithm inside the parameters: unknown, absent, NULL.
    let ka = &node.children[at];
    for replacement in [
        {
            let mut a = tlv(
                0x06,
                &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x83, 0xB2, 0x23, 0x0A],
            );
            a.extend_from_slice(&[0x05, 0x00]);
            tlv(0x30, &a)
        },
        vec![0x05, 0x00],
        tlv(0x30, &[]),
    ] {
        let alg = replace_child(&kari, ka, 1, &replacement);
        let changed = replace_child(&kari, &node, at, &alg);
        let (der, _) = cbc_enveloped_to(&changed, ENTITY, &iv, None);
        typed(&decrypt_no_panic(&der, &erin_keys), "key wrap parameters");
    }
    // An unknown key-agreement algorithm.
    let mut alg = tlv(
        0x06,
        &[0x2B, 0x06, 0x01, 0x04, 0x01, 0x83, 0xB2, 0x23, 0x0B],
    );
    alg.extend_from_slice(&kari[ka.children[1].range.clone()]);
    let changed = replace_child(&kari, &node, at, &tlv(0x30, &alg));
    let (der, _) = cbc_enveloped_to(&changed, ENTITY, &iv, None);
    typed(&decrypt_no_panic(&der, &erin_keys), "unknown key agreement");
}

/// Item 16, signers and recipients: a SignedData with 65 SignerInfos (the limit is
/// `MAX_SIGNERS`, 64) and an EnvelopedData with 257 RecipientInfos (`MAX_RECIPIENT_INFOS`,
/// 256) are the `TooMany` limit errors, found from the count of elements before any of them is
/// decoded (each element here is an empty SEQUENCE, which would otherwise be a DER error).
#[test]
fn attack_bar_16_too_many_signers_and_recipient_infos_are_refused() {
    use smime::fuzzing::recipient::MAX_RECIPIENT_INFOS;
    use smime::fuzzing::signed_data::{MAX_SIGNERS, parse_signed_data};
    let empty =
        |n: usize| -> Vec<u8> { std::iter::repeat_n([0x30u8, 0x00], n).flatten().collect() };

    let mut encap = tlv(0x06, oids::DATA.as_bytes());
    encap.extend_from_slice(&tlv(0xA0, &tlv(0x04, b"hello")));
    let mut sd = vec![0x02, 0x01, 0x01];
    sd.extend_from_slice(&tlv(0x31, &tlv(0x30, &tlv(0x06, oids::SHA256.as_bytes()))));
    sd.extend_from_slice(&tlv(0x30, &encap));
    sd.extend_from_slice(&tlv(0x31, &empty(MAX_SIGNERS + 1)));
    let mut ci = tlv(0x06, oids::SIGNED_DATA.as_bytes());
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &sd)));
    match parse_signed_data(&tlv(0x30, &ci)) {
        Err(smime::fuzzing::CmsError::Malformed(e)) => assert_eq!(
            e,
            ParseError::TooMany {
                what: "signers",
                limit: MAX_SIGNERS
            }
        ),
        other => panic!("{other:?}"),
    }

    let mut eci = tlv(0x06, oids::DATA.as_bytes());
    let mut cbc = tlv(0x06, oids::AES128_CBC.as_bytes());
    cbc.extend_from_slice(&tlv(0x04, &[0u8; 16]));
    eci.extend_from_slice(&tlv(0x30, &cbc));
    eci.extend_from_slice(&tlv(0x80, &[0u8; 16]));
    let mut ed = vec![0x02, 0x01, 0x00];
    ed.extend_from_slice(&tlv(0x31, &empty(MAX_RECIPIENT_INFOS + 1)));
    ed.extend_from_slice(&tlv(0x30, &eci));
    let mut ci = tlv(0x06, oids::ENVELOPED_DATA.as_bytes());
    ci.extend_from_slice(&tlv(0xA0, &tlv(0x30, &ed)));
    let too_many = ParseError::TooMany {
        what: "recipient infos",
        limit: MAX_RECIPIENT_INFOS,
    };
    match smime::fuzzing::enveloped::parse(&tlv(0x30, &ci)) {
        Err(smime::fuzzing::CmsError::Malformed(e)) => assert_eq!(e, too_many),
        other => panic!("{other:?}"),
    }
}
