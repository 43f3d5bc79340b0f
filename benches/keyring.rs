//! Keyring benchmarks at 1,000, 10,000 and 100,000 contact certificates.
//!
//! The groups, each with the number of contacts as the parameter:
//!
//! - `lookup/address` (`present`, `missing`), `lookup/issuer_serial`, `lookup/ski`: one
//!   [`Keyring::find_by_address`], [`Keyring::find_by_issuer_serial`] or
//!   [`Keyring::find_by_ski`] call. These are hash-map lookups and should not grow with the
//!   number of contacts. Each iteration asks for the next of 1,024 certificates spread over the
//!   whole keyring, so the figure is not that of one entry hot in cache.
//! - `lookup/control` (`ski_same_key`, `std_hashmap_spread`): the SKI lookup of one key over
//!   and over, and a bare `std::collections::HashMap` of as many 20-byte keys whose values
//!   index a list of contact-sized records, queried like the lookups above: what an O(1)
//!   lookup costs when everything is in cache, and how much a plain hash map slows down with
//!   its size from cache and TLB misses alone.
//! - `readiness/one_recipient`: [`Keyring::recipient_readiness_at`] for one address, with the
//!   issuing CA as trust anchor. This is not a pure lookup: it validates the chain (certval,
//!   one ECDSA P-256 signature check) every call. It is the realistic cost per recipient of
//!   deciding whether mail can be encrypted to someone.
//! - `load/from_snapshot`: [`Keyring::from_snapshot`], which parses and indexes every
//!   certificate; `load/unseal+from_snapshot`: [`store::unseal`] (AES-256-GCM, DER decoding)
//!   then [`Keyring::from_snapshot`], what [`Keyring::load`] does after reading the file;
//!   `save/seal`: [`store::seal`] of the keyring's snapshot. These grow linearly with the
//!   number of contacts (criterion reports them as contacts per second too).
//!
//! The certificates come from `common/mod.rs`: one P-256 CA issues them all, each with a unique
//! serial, subject, rfc822Name (`user{i}@example{i % 97}.com`) and subjectKeyIdentifier; they
//! all carry the same subject public key, which lookups never look at. Only the 1,024 queried
//! certificates of each size carry a real CA signature (the readiness benchmark validates
//! them); the others carry a fixed signature value, since nothing else here checks a
//! signature and signing 100,000 certificates with P-256 takes 8 s or more on two cores, against
//! 0.2 s without. Each size is generated once, when first needed, and kept for the whole run.
//!
//! Run: `cargo bench --bench keyring` (add a filter such as `lookup/` to run fewer groups).

mod common;

use common::{Ca, address};
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use der::Decode;
use sha2::{Digest, Sha256};
use smime::keyring::store::{self, SealingKey, StoreLimits};
use smime::keyring::{Contact, Keyring, NoExternalKeys, Snapshot, Source};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// How many distinct certificates the lookup benchmarks cycle through (a power of two).
const QUERIES: usize = 1024;

/// A keyring of `n` contacts and what the benchmarks ask of it.
struct Fixture {
    ring: Keyring,
    snapshot: Snapshot,
    key: SealingKey,
    /// `snapshot` sealed with `key`.
    sealed: Vec<u8>,
    present: Vec<String>,
    missing: Vec<String>,
    issuer_serial: Vec<(Name, SerialNumber)>,
    ski: Vec<Vec<u8>>,
}

fn ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(Ca::new)
}

fn fixture(n: usize) -> &'static Fixture {
    static FIXTURES: [OnceLock<Fixture>; SIZES.len()] = [const { OnceLock::new() }; SIZES.len()];
    let slot = SIZES
        .iter()
        .position(|&s| s == n)
        .expect("a size from SIZES");
    FIXTURES[slot].get_or_init(|| build_fixture(n))
}

fn build_fixture(n: usize) -> Fixture {
    let ca = ca();
    // Spread the queried certificates over the whole keyring (7919 is prime, so for n = 1000
    // all 1000 certificates are visited). Only these are really signed: the readiness
    // benchmark validates their chains.
    let indices: Vec<usize> = (0..QUERIES).map(|k| k * 7919 % n).collect();
    let mut queried = vec![false; n];
    for &i in &indices {
        queried[i] = true;
    }
    let started = Instant::now();
    let certificates = ca.issue_many(n, &|i| queried[i]);
    let issued = started.elapsed();

    let started = Instant::now();
    let now = SystemTime::now();
    let mut ring = Keyring::new();
    ring.add_trust_anchor(
        &smime::Certificate::from_der(ca.certificate()).expect("CA certificate parses"),
    )
    .expect("CA certificate parses");
    for c in &certificates {
        let c = smime::Certificate::from_der(c).expect("contact certificate parses");
        ring.add_contact(&c, Source::Manual, now)
            .expect("contact added");
    }
    let built = started.elapsed();
    eprintln!(
        "keyring bench: {n} certificates issued in {:.2} s, added to a keyring in {:.2} s",
        issued.as_secs_f64(),
        built.as_secs_f64()
    );

    let mut issuer_serial = Vec::with_capacity(QUERIES);
    let mut ski = Vec::with_capacity(QUERIES);
    for &i in &indices {
        let cert = Certificate::from_der(&certificates[i]).expect("certificate parses");
        let tbs = cert.tbs_certificate();
        issuer_serial.push((tbs.issuer().clone(), tbs.serial_number().clone()));
        let (_, id) = tbs
            .get_extension::<SubjectKeyIdentifier>()
            .expect("extensions parse")
            .expect("a subjectKeyIdentifier");
        ski.push(id.0.as_bytes().to_vec());
    }
    let snapshot = ring.to_snapshot();
    let key = SealingKey::generate();
    let sealed = store::seal(&snapshot, &key).expect("snapshot seals");
    Fixture {
        snapshot,
        key,
        sealed,
        present: indices.iter().map(|&i| address(i)).collect(),
        missing: (0..QUERIES)
            .map(|k| format!("nobody{k}@example{}.com", k % 97))
            .collect(),
        issuer_serial,
        ski,
        ring,
    }
}

/// Benchmarks `lookup` on the keyring of `n` contacts, asking for the next of `queries` each
/// iteration; `lookup` returns how many certificates it found, which must be `expected`. The
/// fixture is built, and every query checked, only when the benchmark is selected to run.
fn bench_queries<Q: 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    n: usize,
    queries: impl Fn(&'static Fixture) -> &'static [Q],
    expected: usize,
    lookup: impl Fn(&Keyring, &Q) -> usize,
) {
    let mut checked = false;
    group.bench_function(id, |b| {
        let f = fixture(n);
        let queries = queries(f);
        if !checked {
            for q in queries {
                assert_eq!(lookup(&f.ring, q), expected, "unexpected lookup result");
            }
            checked = true;
        }
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) & (QUERIES - 1);
            black_box(lookup(&f.ring, black_box(&queries[k])))
        });
    });
}

fn lookups(c: &mut Criterion) {
    let configure = |group: &mut BenchmarkGroup<'_, WallTime>| {
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
    };

    let mut group = c.benchmark_group("lookup/address");
    configure(&mut group);
    for n in SIZES {
        bench_queries(
            &mut group,
            BenchmarkId::new("present", n),
            n,
            |f| &f.present,
            1,
            |ring, a| ring.find_by_address(a).len(),
        );
        bench_queries(
            &mut group,
            BenchmarkId::new("missing", n),
            n,
            |f| &f.missing,
            0,
            |ring, a| ring.find_by_address(a).len(),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("lookup/issuer_serial");
    configure(&mut group);
    for n in SIZES {
        bench_queries(
            &mut group,
            BenchmarkId::from_parameter(n),
            n,
            |f| &f.issuer_serial,
            1,
            |ring, (issuer, serial)| ring.find_by_issuer_serial(issuer, serial).len(),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("lookup/ski");
    configure(&mut group);
    for n in SIZES {
        bench_queries(
            &mut group,
            BenchmarkId::from_parameter(n),
            n,
            |f| &f.ski,
            1,
            |ring, ski| ring.find_by_ski(ski).len(),
        );
    }
    group.finish();

    // Controls for reading the figures above: the same key every iteration (everything it
    // touches stays in cache), and a bare std HashMap laid out like the keyring's SKI index
    // (20-byte keys, values indexing a Vec of records as large as a keyring contact) queried in
    // the same spread pattern. Lookups whose cost grows with the keyring the way the bare
    // HashMap's does are paying for cache and TLB misses, not for a search that grows with
    // the size.
    let mut group = c.benchmark_group("lookup/control");
    configure(&mut group);
    for n in SIZES {
        group.bench_function(BenchmarkId::new("ski_same_key", n), |b| {
            let f = fixture(n);
            let ski = &f.ski[0];
            b.iter(|| black_box(f.ring.find_by_ski(black_box(ski)).len()));
        });
        let mut control = None;
        group.bench_function(BenchmarkId::new("std_hashmap_spread", n), |b| {
            let (map, records, queries) = control.get_or_insert_with(|| bare_index(n));
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) & (QUERIES - 1);
                let found: Vec<&[u8; CONTACT_SIZE]> = map
                    .get(black_box(&queries[k]))
                    .into_iter()
                    .flatten()
                    .filter_map(|&i| records.get(i).filter(|r| r[0] == 0))
                    .collect();
                black_box(found.len())
            });
        });
    }
    group.finish();
}

/// The size of one contact in the keyring's contact list.
const CONTACT_SIZE: usize = std::mem::size_of::<Option<Contact>>();

/// A bare index of `n` 20-byte keys to positions in a list of `n` contact-sized records, and
/// [`QUERIES`] of its keys spread over it.
#[allow(clippy::type_complexity)]
fn bare_index(
    n: usize,
) -> (
    HashMap<Vec<u8>, Vec<usize>>,
    Vec<[u8; CONTACT_SIZE]>,
    Vec<Vec<u8>>,
) {
    let key = |i: usize| Sha256::digest((i as u64).to_be_bytes())[..20].to_vec();
    let map = (0..n).map(|i| (key(i), vec![i])).collect();
    let records = vec![[0u8; CONTACT_SIZE]; n];
    let queries = (0..QUERIES).map(|k| key(k * 7919 % n)).collect();
    (map, records, queries)
}

fn readiness(c: &mut Criterion) {
    let mut group = c.benchmark_group("readiness/one_recipient");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let now = SystemTime::now();
    for n in SIZES {
        bench_queries(
            &mut group,
            BenchmarkId::from_parameter(n),
            n,
            |f| &f.present,
            1,
            |ring, a| {
                ring.recipient_readiness(
                    &[a.as_str()],
                    &smime::policy::Policy::default().with_time(now),
                )
                .iter()
                .filter(|r| r.is_ready())
                .count()
            },
        );
    }
    group.finish();
}

/// Settings for the load and save groups: whole-keyring operations that take up to a few
/// seconds at 100,000 contacts, so ten samples of equal iteration counts, measured for about
/// as long as ten iterations take at `per_contact` (an estimate) per contact.
fn configure_whole_keyring(
    group: &mut BenchmarkGroup<'_, WallTime>,
    n: usize,
    per_contact: Duration,
) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time((per_contact * n as u32 * 10).max(Duration::from_secs(1)))
        .throughput(Throughput::Elements(n as u64));
}

/// Estimated cost of loading one contact (parsing and indexing its certificate).
const LOAD_PER_CONTACT: Duration = Duration::from_micros(40);

/// Estimated cost of sealing one contact.
const SEAL_PER_CONTACT: Duration = Duration::from_micros(1);

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load/from_snapshot");
    for n in SIZES {
        configure_whole_keyring(&mut group, n, LOAD_PER_CONTACT);
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            let f = fixture(n);
            b.iter_batched(
                || f.snapshot.clone(),
                |s| Keyring::from_snapshot(s, &NoExternalKeys).expect("snapshot loads"),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load/unseal+from_snapshot");
    let limits = StoreLimits::default();
    for n in SIZES {
        configure_whole_keyring(&mut group, n, LOAD_PER_CONTACT);
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            let f = fixture(n);
            b.iter_with_large_drop(|| {
                let snapshot = store::unseal(&f.sealed, &f.key, &limits).expect("file unseals");
                Keyring::from_snapshot(snapshot, &NoExternalKeys).expect("snapshot loads")
            });
        });
    }
    group.finish();
}

fn save(c: &mut Criterion) {
    let mut group = c.benchmark_group("save/seal");
    for n in SIZES {
        configure_whole_keyring(&mut group, n, SEAL_PER_CONTACT);
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            let f = fixture(n);
            b.iter_with_large_drop(|| store::seal(&f.snapshot, &f.key).expect("snapshot seals"));
        });
    }
    group.finish();
}

criterion_group!(benches, lookups, readiness, load, save);
criterion_main!(benches);
