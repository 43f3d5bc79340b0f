//! The keyring file (`smime::keyring::store`): round trips through `save`/`load`, one test per
//! error class (every truncation length, every byte flip, trailing bytes, wrong key, future
//! version, hostile length), failed saves, and a process killed with SIGKILL in the middle of
//! saves (`examples/keyring_save_loop.rs`).

// The example's snapshot builder, shared so that the test knows exactly what A and B are.
#[allow(dead_code)]
#[path = "../examples/keyring_save_loop.rs"]
mod save_loop;

#[path = "support/examples.rs"]
mod examples;

use smime::keyring::store::{
    FORMAT_VERSION, HEADER_LEN, MAGIC, SealingKey, StoreError, StoreLimits, TAG_LEN, load, save,
    seal, unseal,
};
use smime::keyring::{ContactRecord, IdentityRecord, Snapshot, Source, StoredKey};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const ALL_SOURCES: [Source; 6] = [
    Source::Manual,
    Source::File,
    Source::Pkcs12,
    Source::Directory,
    Source::CertsOnly,
    Source::SignedMail,
];

fn key() -> SealingKey {
    SealingKey::from_bytes(*b"keyring store test key 32 bytes!")
}

fn other_key() -> SealingKey {
    let mut k = *b"keyring store test key 32 bytes!";
    k[31] ^= 1;
    SealingKey::from_bytes(k)
}

fn limits() -> StoreLimits {
    StoreLimits::default()
}

/// A temporary directory on the target directory's file system (a real disk rather than a
/// tmpfs, where fsync would cost nothing).
fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory")
}

/// Bytes that are easy to find in a file: `n` copies of `marker`.
fn marked(marker: &[u8], n: usize) -> Vec<u8> {
    marker
        .iter()
        .copied()
        .cycle()
        .take(marker.len() * n)
        .collect()
}

fn full_snapshot() -> Snapshot {
    Snapshot {
        identities: vec![
            IdentityRecord {
                certificate: marked(b"CERT-ALICE", 60),
                chain: vec![marked(b"CA-1", 100), marked(b"CA-ROOT", 90)],
                key: StoredKey::Pkcs8(Zeroizing::new(marked(b"PKCS8-SECRET", 12))),
                label: Some("Alice signing 2026 ✓".to_owned()),
                added: 1_767_225_600,
            },
            IdentityRecord {
                certificate: marked(b"CERT-ALICE-OLD", 40),
                chain: Vec::new(),
                key: StoredKey::External(b"keychain:com.example.alice.2025".to_vec()),
                label: None,
                added: 1_735_689_600,
            },
            IdentityRecord {
                certificate: marked(b"CERT-BOB", 70),
                chain: vec![Vec::new()],
                key: StoredKey::Pkcs8(Zeroizing::new(marked(b"OTHER-SECRET", 30))),
                label: Some(String::new()),
                added: 0,
            },
        ],
        contacts: ALL_SOURCES
            .iter()
            .flat_map(|&source| {
                [true, false].map(|with_capabilities| ContactRecord {
                    certificate: marked(
                        format!("CONTACT-{}-{with_capabilities}", source.name()).as_bytes(),
                        20,
                    ),
                    source,
                    first_seen: 1_700_000_000,
                    last_seen: u64::MAX,
                    capabilities: with_capabilities.then(|| vec![0x30, 0x03, 0x06, 0x01, 0x2a]),
                    capabilities_seen: with_capabilities.then_some(1_700_000_100),
                    preferred_seen: (!with_capabilities).then_some(1_700_000_200),
                })
            })
            .collect(),
        trust_anchors: vec![marked(b"ANCHOR", 200), Vec::new()],
        intermediates: vec![marked(b"INTERMEDIATE", 30)],
        crls: vec![marked(b"CRL", 50_000), vec![0xff; 3]],
    }
}

/// A small snapshot, for tests that go through every byte of a file.
fn small_snapshot() -> Snapshot {
    Snapshot {
        identities: vec![IdentityRecord {
            certificate: vec![0x30, 0x03, 0x02, 0x01, 0x01],
            chain: Vec::new(),
            key: StoredKey::Pkcs8(Zeroizing::new(vec![0x30, 0x02, 0x05, 0x00])),
            label: Some("me".to_owned()),
            added: 1_767_225_600,
        }],
        contacts: vec![ContactRecord {
            certificate: vec![0x30, 0x00],
            source: Source::SignedMail,
            first_seen: 1,
            last_seen: 2,
            capabilities: Some(vec![0x30, 0x00]),
            capabilities_seen: Some(2),
            preferred_seen: None,
        }],
        trust_anchors: vec![vec![1, 2, 3]],
        intermediates: Vec::new(),
        crls: Vec::new(),
    }
}

/// Names in `dir` other than `keep`.
fn others_in(dir: &Path, keep: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the directory")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n != keep)
        .collect();
    names.sort();
    names
}

/// Writes `bytes` to `path`, loads it with `key` and returns the error, after checking that
/// the load left the file exactly as it was (bytes, modification time, no file beside it).
fn load_error(path: &Path, bytes: &[u8], key: &SealingKey) -> StoreError {
    std::fs::write(path, bytes).expect("write the test file");
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("modification time");
    let result = load(path, key, &limits());
    assert_file_unchanged(path, bytes, modified);
    match result {
        Ok(_) => panic!("a damaged file ({} bytes) loaded", bytes.len()),
        Err(e) => e,
    }
}

/// Asserts that `path` still holds `bytes`, was not modified since `modified`, and has no
/// new file beside it (no temporary or repaired copy).
fn assert_file_unchanged(path: &Path, bytes: &[u8], modified: std::time::SystemTime) {
    let after = std::fs::read(path).expect("read the test file back");
    assert!(after == bytes, "a failed load changed the file");
    let now = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("modification time");
    assert_eq!(now, modified, "a failed load touched the file");
    let name = path
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    let dir = path.parent().expect("a directory");
    assert_eq!(
        others_in(dir, &name),
        Vec::<String>::new(),
        "a failed load left a file"
    );
}

/// Item 20 through the keyring API: a truncated file, a bit-flipped one, a wrong key and a
/// future version give four distinct errors (`Truncated`, `Corrupted`, `WrongKey`,
/// `UnsupportedVersion`, each with its own code) from `Keyring::load`, and every failed load
/// leaves the file as it was (bytes, modification time, nothing beside it); the good file
/// still loads afterwards.
#[test]
fn attack_bar_20_keyring_load_errors_are_distinct_and_leave_the_file_unchanged() {
    use smime::keyring::{Keyring, KeyringError, NoExternalKeys};
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let ring = Keyring::new();
    ring.save(&path, &key()).expect("save");
    let good = std::fs::read(&path).expect("read");
    let mut truncated = good.clone();
    truncated.truncate(good.len() - 1);
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    let mut future = good.clone();
    future[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_be_bytes());
    let cases = [
        ("truncated", truncated, key(), StoreError::Truncated),
        ("bit-flipped", flipped, key(), StoreError::Corrupted),
        ("wrong key", good.clone(), other_key(), StoreError::WrongKey),
        (
            "future version",
            future,
            key(),
            StoreError::UnsupportedVersion {
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION,
            },
        ),
    ];
    let mut codes = Vec::new();
    for (what, bytes, k, expected) in cases {
        std::fs::write(&path, &bytes).expect("write");
        let modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("modification time");
        let err = Keyring::load(&path, &k, &NoExternalKeys).expect_err(what);
        assert_eq!(err, KeyringError::Store(expected.clone()), "{what}");
        assert_file_unchanged(&path, &bytes, modified);
        codes.push(expected.code());
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 4, "the four errors are distinct: {codes:?}");
    std::fs::write(&path, &good).expect("write");
    let back = Keyring::load(&path, &key(), &NoExternalKeys).expect("the good file loads");
    assert_eq!(back.to_snapshot(), ring.to_snapshot());
}

#[test]
fn save_and_load_round_trip_every_field() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let snapshot = full_snapshot();
    save(&path, &snapshot, &key()).expect("save");
    assert_eq!(load(&path, &key(), &limits()).expect("load"), snapshot);
    assert_eq!(others_in(dir.path(), "keyring"), Vec::<String>::new());

    // Sealed: neither the private keys nor the contacts appear in the file.
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(bytes[..8], MAGIC);
    assert_eq!(bytes[8..10], FORMAT_VERSION.to_be_bytes());
    for needle in [
        &b"PKCS8-SECRET"[..],
        b"OTHER-SECRET",
        b"CONTACT-",
        b"Alice",
        b"ANCHOR",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} in the file",
            String::from_utf8_lossy(needle)
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Saving again replaces the file; the same snapshot seals differently every time.
    let empty = Snapshot::default();
    save(&path, &empty, &key()).expect("save over");
    assert_eq!(load(&path, &key(), &limits()).expect("load"), empty);
    save(&path, &snapshot, &key()).expect("save over");
    let again = std::fs::read(&path).expect("read");
    assert_ne!(again, bytes);
    assert_eq!(again.len(), bytes.len());
    assert_eq!(unseal(&again, &key(), &limits()).expect("unseal"), snapshot);
    assert_eq!(others_in(dir.path(), "keyring"), Vec::<String>::new());

    // A relative path (no directory part) works as well.
    let cwd_file = format!("keyring-store-test-{}", std::process::id());
    let relative = Path::new(&cwd_file);
    save(relative, &small_snapshot(), &key()).expect("save to a relative path");
    let loaded = load(relative, &key(), &limits());
    std::fs::remove_file(relative).expect("remove the relative file");
    assert_eq!(loaded.expect("load a relative path"), small_snapshot());
}

#[test]
fn empty_file_and_random_bytes_are_not_a_keyring() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    assert_eq!(load_error(&path, b"", &key()), StoreError::NotAKeyring);
    assert_eq!(
        load_error(&path, b"SMIMEKR", &key()),
        StoreError::NotAKeyring
    );
    assert_eq!(
        load_error(&path, b"-----BEGIN CERTIFICATE-----\n", &key()),
        StoreError::NotAKeyring
    );
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for len in (1..=200).chain([4096, 100_000]) {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert_eq!(
            load_error(&path, &bytes, &key()),
            StoreError::NotAKeyring,
            "{len} bytes"
        );
    }
    // The magic with a different last byte.
    let mut bytes = seal(&small_snapshot(), &key()).expect("seal");
    bytes[7] = b'1';
    assert_eq!(load_error(&path, &bytes, &key()), StoreError::NotAKeyring);
    assert_eq!(StoreError::NotAKeyring.code(), 851);
}

/// Item 20, future version: `UnsupportedVersion` (before the key is tried), the file unchanged
/// (`load_error`).
#[test]
fn attack_bar_20_future_version_is_unsupported_even_with_a_wrong_key() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let good = seal(&full_snapshot(), &key()).expect("seal");
    for version in [2u16, 0x0100, u16::MAX, 0] {
        let mut bytes = good.clone();
        bytes[8..10].copy_from_slice(&version.to_be_bytes());
        let expected = StoreError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        };
        assert_eq!(load_error(&path, &bytes, &other_key()), expected);
        assert_eq!(load_error(&path, &bytes, &key()), expected);
        // A future version may have another header: only magic and version are needed.
        assert_eq!(load_error(&path, &bytes[..10], &other_key()), expected);
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"a future version may add anything");
        assert_eq!(load_error(&path, &longer, &other_key()), expected);
    }
}

/// Item 20, truncated: every truncation is `Truncated` (`NotAKeyring` before the magic is
/// complete), with either key, the file unchanged.
#[test]
fn attack_bar_20_truncation_at_every_header_length_and_through_the_body() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let good = seal(&full_snapshot(), &key()).expect("seal");
    let body_len = good.len() - HEADER_LEN - TAG_LEN;
    assert!(body_len > 50_000);
    for len in 0..good.len() {
        let expected = if len < MAGIC.len() {
            StoreError::NotAKeyring
        } else {
            StoreError::Truncated
        };
        // Every length in memory, with the right key and a wrong one.
        assert_eq!(
            unseal(&good[..len], &key(), &limits()),
            Err(expected.clone()),
            "{len}"
        );
        assert_eq!(
            unseal(&good[..len], &other_key(), &limits()),
            Err(expected.clone())
        );
        // Through a file: every length of the header and the first and last part of the
        // body, and every 97th length in between.
        if len <= HEADER_LEN + 64 || len + 64 >= good.len() || len % 97 == 0 {
            assert_eq!(load_error(&path, &good[..len], &key()), expected, "{len}");
        }
    }
    assert_eq!(unseal(&good, &key(), &limits()), Ok(full_snapshot()));
}

/// The error a flip at `position` of a sealed file gives, by field (docs/keyring-format.md).
fn expected_for_flip(position: usize, original: &[u8], flipped: &[u8]) -> Vec<StoreError> {
    match position {
        0..8 => vec![StoreError::NotAKeyring],
        8..10 => {
            let found = u16::from_be_bytes([flipped[8], flipped[9]]);
            vec![StoreError::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION,
            }]
        }
        10..12 => vec![StoreError::Corrupted],
        // The salt and the key-check value: the key no longer checks out.
        12..60 => vec![StoreError::WrongKey],
        60..72 => vec![StoreError::Corrupted],
        72..80 => {
            let len = |b: &[u8]| u64::from_be_bytes(b[72..80].try_into().expect("8 bytes"));
            if len(flipped) > len(original) {
                vec![StoreError::Truncated]
            } else {
                vec![StoreError::Corrupted]
            }
        }
        _ => vec![StoreError::Corrupted],
    }
}

/// Item 20, bit-flipped: every flip of every byte gives the error of its field (`Corrupted`,
/// `WrongKey` for the salt and key check, and so on), the file unchanged.
#[test]
fn attack_bar_20_every_byte_flip_is_detected() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let good = seal(&small_snapshot(), &key()).expect("seal");
    assert!(good.len() < 300, "{} bytes", good.len());
    let mut seen = std::collections::BTreeSet::new();
    for position in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bytes = good.clone();
            bytes[position] ^= mask;
            let error = load_error(&path, &bytes, &key());
            let expected = expected_for_flip(position, &good, &bytes);
            assert!(
                expected.contains(&error),
                "flip {mask:#04x} at {position}: {error:?}, expected {expected:?}"
            );
            seen.insert(error.code());
        }
    }
    // NotAKeyring, UnsupportedVersion, Truncated, Corrupted, WrongKey.
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [851, 852, 853, 854, 855]
    );
}

#[test]
fn trailing_bytes_are_corrupted() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let good = seal(&small_snapshot(), &key()).expect("seal");
    for extra in [&[0u8][..], &[0; 16], b"garbage\n", &good] {
        let mut bytes = good.clone();
        bytes.extend_from_slice(extra);
        assert_eq!(load_error(&path, &bytes, &key()), StoreError::Corrupted);
        // The length check needs no key.
        assert_eq!(
            load_error(&path, &bytes, &other_key()),
            StoreError::Corrupted
        );
    }
}

/// Item 20, wrong key: `WrongKey`, distinct from corruption, the file unchanged and still
/// loading with the right key.
#[test]
fn attack_bar_20_wrong_key_is_reported_as_wrong_key() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    save(&path, &full_snapshot(), &key()).expect("save");
    let bytes = std::fs::read(&path).expect("read");
    for wrong in [
        other_key(),
        SealingKey::from_bytes([0; 32]),
        SealingKey::generate(),
    ] {
        assert_eq!(load_error(&path, &bytes, &wrong), StoreError::WrongKey);
    }
    assert_eq!(load(&path, &key(), &limits()), Ok(full_snapshot()));
    // A key read from a key file in hex is the same key.
    let hex = format!("{}\n", key().to_hex().as_str());
    let from_file = SealingKey::from_key_file(hex.as_bytes()).expect("hex key file");
    assert_eq!(load(&path, &from_file, &limits()), Ok(full_snapshot()));
    assert_eq!(StoreError::WrongKey.code(), 855);
}

#[test]
fn huge_body_length_is_truncated_without_allocating() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let good = seal(&small_snapshot(), &key()).expect("seal");
    let real = (good.len() - HEADER_LEN - TAG_LEN) as u64;
    for claimed in [
        1u64 << 63,
        u64::MAX,
        u64::MAX - 95,
        (1 << 63) - 1,
        1 << 40,
        real + 1,
    ] {
        let mut bytes = good.clone();
        bytes[72..80].copy_from_slice(&claimed.to_be_bytes());
        assert_eq!(
            load_error(&path, &bytes, &key()),
            StoreError::Truncated,
            "{claimed}"
        );
        assert_eq!(
            load_error(&path, &bytes, &other_key()),
            StoreError::Truncated
        );
    }
    let mut bytes = good.clone();
    bytes[72..80].copy_from_slice(&(real - 1).to_be_bytes());
    assert_eq!(load_error(&path, &bytes, &key()), StoreError::Corrupted);
}

#[test]
fn limits_are_checked_on_load() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    let snapshot = full_snapshot();
    save(&path, &snapshot, &key()).expect("save");
    let size = std::fs::metadata(&path).expect("metadata").len();
    let exact = StoreLimits {
        max_file_size: size,
        max_records: 30,
        max_item_size: 150_000,
    };
    assert_eq!(load(&path, &key(), &exact), Ok(snapshot));
    let cases = [
        (
            StoreLimits {
                max_file_size: size - 1,
                ..exact
            },
            StoreError::TooLarge {
                what: "file",
                limit: size - 1,
            },
        ),
        (
            StoreLimits {
                max_records: 10,
                ..exact
            },
            StoreError::TooLarge {
                what: "record count",
                limit: 10,
            },
        ),
        (
            StoreLimits {
                max_item_size: 100,
                ..exact
            },
            StoreError::TooLarge {
                what: "item",
                limit: 100,
            },
        ),
    ];
    for (limits, expected) in cases {
        assert_eq!(load(&path, &key(), &limits), Err(expected));
    }
    assert_eq!(StoreLimits::default().max_file_size, 2 << 30);
    // A file that cannot be read at all.
    let missing = load(&dir.path().join("missing"), &key(), &limits());
    assert!(matches!(missing, Err(StoreError::Io { .. })), "{missing:?}");
    // The I/O error keeps its kind, and the code says which.
    let missing = missing.expect_err("missing file");
    assert_eq!(missing.io_kind(), Some(std::io::ErrorKind::NotFound));
    assert_eq!(missing.code(), smime::error::codes::SMIME_IO_NOT_FOUND);
    let message = smime::error::display_chain(&missing);
    assert!(
        message.starts_with("keyring file I/O failed: opening "),
        "{message}"
    );
}

#[test]
fn save_into_a_removed_directory_is_io() {
    let dir = temp_dir();
    let sub = dir.path().join("gone");
    std::fs::create_dir(&sub).expect("mkdir");
    let path = sub.join("keyring");
    save(&path, &small_snapshot(), &key()).expect("first save");
    std::fs::remove_dir_all(&sub).expect("remove the directory");
    let error = save(&path, &full_snapshot(), &key()).expect_err("save into a removed directory");
    assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
    // The code is that of the I/O error: the directory is not found.
    assert_eq!(error.io_kind(), Some(std::io::ErrorKind::NotFound));
    assert_eq!(error.code(), smime::error::codes::SMIME_IO_NOT_FOUND);
    assert!(!sub.exists());
}

#[test]
fn save_over_a_directory_is_io_and_leaves_no_temporary_file() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    std::fs::create_dir(&path).expect("mkdir");
    std::fs::write(path.join("inside"), b"x").expect("write");
    let error = save(&path, &small_snapshot(), &key()).expect_err("save over a directory");
    assert!(matches!(error, StoreError::Io { .. }), "{error:?}");
    // The temporary file was written and removed again.
    assert_eq!(others_in(dir.path(), "keyring"), Vec::<String>::new());
    assert_eq!(std::fs::read(path.join("inside")).expect("read"), b"x");
}

fn example_binary() -> PathBuf {
    examples::example_binary("keyring_save_loop")
}

/// Contacts per snapshot in the kill test: one save (sealing and writing) takes tens of
/// milliseconds. AES-GCM's generic code is compiled into the unoptimised smime crate in a
/// debug build and seals only a few MB/s there.
fn kill_test_contacts() -> usize {
    if cfg!(debug_assertions) { 100 } else { 2_000 }
}

#[cfg(unix)]
fn is_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join("uid-probe");
    std::fs::write(&probe, b"").expect("write probe");
    let uid = std::fs::metadata(&probe).expect("probe metadata").uid();
    std::fs::remove_file(&probe).expect("remove probe");
    uid == 0
}

/// Runs `keyring_save_loop PATH KEY CONTACTS --once` through `wrapper` (a shell command that
/// ends in `"$@"`), and returns its exit status and standard error.
#[cfg(unix)]
fn save_once_via(wrapper: &str, path: &Path) -> (bool, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(wrapper)
        .arg("sh")
        .arg(example_binary())
        .arg(path)
        .arg(key().to_hex().as_str())
        .arg(kill_test_contacts().to_string())
        .arg("--once")
        .output()
        .expect("run the example");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn save_into_a_read_only_directory_is_io_and_keeps_the_previous_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let sub = dir.path().join("ro");
    std::fs::create_dir(&sub).expect("mkdir");
    let path = sub.join("keyring");
    save(&path, &small_snapshot(), &key()).expect("first save");
    let before = std::fs::read(&path).expect("read");
    // Root writes into read-only directories; drop the capabilities that allow it.
    let wrapper = if is_root(dir.path()) {
        assert!(
            Path::new("/usr/bin/setpriv").is_file(),
            "running as root: /usr/bin/setpriv is needed to drop CAP_DAC_OVERRIDE"
        );
        r#"exec /usr/bin/setpriv --bounding-set -dac_override,-dac_read_search,-fowner -- "$@""#
    } else {
        r#"exec "$@""#
    };
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let (ok, stderr) = save_once_via(wrapper, &path);
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert!(!ok, "saving into a read-only directory succeeded");
    // The code is the I/O error's: permission denied.
    let code = smime::error::codes::SMIME_IO_PERMISSION_DENIED;
    assert!(stderr.starts_with(&format!("error {code}: ")), "{stderr}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert_eq!(others_in(&sub, "keyring"), Vec::<String>::new());
    assert_eq!(load(&path, &key(), &limits()), Ok(small_snapshot()));
}

#[cfg(unix)]
#[test]
fn save_that_cannot_write_everything_keeps_the_previous_file() {
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    save(&path, &small_snapshot(), &key()).expect("first save");
    let before = std::fs::read(&path).expect("read");
    // A file size limit of 8 KiB (the new file is ~100 KB or more): the write fails with EFBIG
    // part-way, after the temporary file was created.
    let (ok, stderr) = save_once_via(r#"trap '' XFSZ; ulimit -f 16; exec "$@""#, &path);
    assert!(!ok, "the save succeeded despite the file size limit");
    // An I/O error (EFBIG has no code of its own: SMIME_IO_OTHER).
    let code = smime::error::codes::SMIME_IO_OTHER;
    assert!(stderr.starts_with(&format!("error {code}: ")), "{stderr}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert_eq!(others_in(dir.path(), "keyring"), Vec::<String>::new());
    // Without the limit the same save works.
    let (ok, stderr) = save_once_via(r#"exec "$@""#, &path);
    assert!(ok, "{stderr}");
    assert_eq!(
        load(&path, &key(), &limits()),
        Ok(save_loop::snapshot(1, kill_test_contacts()))
    );
}

#[test]
fn kill_during_save_leaves_the_old_or_the_new_file() {
    const MIN_ROUNDS: usize = 25;
    // A save takes tens of milliseconds and its temporary file lives for a small part of that:
    // short delays give many rounds within the time budget, so a kill lands inside that window
    // with near certainty.
    const MAX_ROUNDS: usize = 800;
    const SPREAD: Duration = Duration::from_millis(120);
    let started = Instant::now();
    let contacts = kill_test_contacts();
    let a = save_loop::snapshot(0, contacts);
    let b = save_loop::snapshot(1, contacts);
    assert_ne!(a, b);
    let binary = example_binary();
    let dir = temp_dir();
    let path = dir.path().join("keyring");
    save(&path, &a, &key()).expect("save A");
    eprintln!(
        "{} bytes per file; setup {:.1?}",
        std::fs::metadata(&path).expect("metadata").len(),
        started.elapsed()
    );

    let mut rounds = 0;
    let mut rounds_with_temp = 0;
    let (mut seen_a, mut seen_b, mut saves) = (0, 0, 0);
    let mut temp_files: Vec<String> = Vec::new();
    // At least MIN_ROUNDS rounds, then more (within a time budget) until a kill has landed
    // while a temporary file existed.
    while rounds < MIN_ROUNDS
        || (rounds_with_temp == 0
            && rounds < MAX_ROUNDS
            && started.elapsed() < Duration::from_secs(25))
    {
        // Delays spread over SPREAD: a stride through it, shifted on every pass.
        let step = SPREAD / MIN_ROUNDS as u32;
        let delay = step * (rounds % MIN_ROUNDS) as u32
            + step * ((rounds / MIN_ROUNDS) as u32 * 7 % 10) / 10;
        rounds += 1;

        let mut child = Command::new(&binary)
            .arg(&path)
            .arg(key().to_hex().as_str())
            .arg(contacts.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the example");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the ready line");
        assert_eq!(line, "ready\n");
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success());
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).expect("read the rest");
        saves += rest.lines().filter(|l| l.starts_with("saved ")).count();

        let left = others_in(dir.path(), "keyring");
        let new_temps: Vec<String> = left
            .iter()
            .filter(|n| !temp_files.contains(n))
            .cloned()
            .collect();
        for name in &new_temps {
            assert!(
                name.starts_with(".keyring.") && name.ends_with(".tmp"),
                "unexpected file {name}"
            );
        }
        if !new_temps.is_empty() {
            rounds_with_temp += 1;
            temp_files.extend(new_temps);
        }

        let loaded = load(&path, &key(), &limits())
            .unwrap_or_else(|e| panic!("round {rounds} (killed after {delay:?}): {e}"));
        if loaded == a {
            seen_a += 1;
        } else if loaded == b {
            seen_b += 1;
        } else {
            panic!("round {rounds}: the file is neither A nor B");
        }
    }
    eprintln!(
        "{rounds} rounds in {:.1?}: {seen_a} A, {seen_b} B, {saves} completed saves, \
         {rounds_with_temp} rounds left a temporary file",
        started.elapsed()
    );
    assert!(saves > 0, "no save completed: the kills all came too early");
    assert!(
        rounds_with_temp > 0,
        "no kill landed while a temporary file existed in {rounds} rounds"
    );

    // Leftover temporary files get in the way of nothing: the next save and load work, and
    // they are left alone.
    #[cfg(unix)]
    for name in &temp_files {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(name))
            .expect("temporary file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    temp_files.sort();
    save(&path, &b, &key()).expect("save with leftovers around");
    assert_eq!(load(&path, &key(), &limits()), Ok(b.clone()));
    save(&path, &a, &key()).expect("save with leftovers around");
    assert_eq!(load(&path, &key(), &limits()), Ok(a));
    assert_eq!(others_in(dir.path(), "keyring"), temp_files);
}
