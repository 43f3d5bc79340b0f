//! Prints one Markdown table from a run of `benches/cms.rs`: for each `OPERATION-KEY-SIZE`
//! group, criterion's mean time of `ours`, `openssl` and (when present) `ours_stream`, and the
//! ratios ours / OpenSSL.
//!
//! Usage: `bench-table [CRITERION_DIR]` (default `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion`). It reads `GROUP/FUNCTION/new/estimates.json`, which criterion rewrites
//! for each benchmark it runs: groups a later filtered run did not touch keep their older
//! figures, so clear the directory (or the groups) before a full run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The operations in table order, with the form OpenSSL is measured in.
const OPERATIONS: [(&str, &str); 8] = [
    ("sign_multipart", "CMS_sign DETACHED, DER out"),
    ("sign_opaque", "CMS_sign embedded, DER out"),
    ("verify", "DER signature + detached content"),
    ("encrypt_gcm", "CMS_encrypt AES-256-GCM, DER out"),
    ("encrypt_cbc", "CMS_encrypt AES-256-CBC, DER out"),
    ("decrypt_gcm", "DER in, CMS_decrypt"),
    ("decrypt_cbc", "DER in, CMS_decrypt"),
    ("privkey_sign", "EVP_PKEY_sign of a digest"),
];
const KEYS: [&str; 2] = ["rsa2048", "p256"];

/// The mean point estimate (nanoseconds) of a criterion `estimates.json`.
fn mean_ns(json: &str) -> Option<f64> {
    let at = json.find("\"mean\"")?;
    let rest = &json[at..];
    let at = rest.find("\"point_estimate\"")?;
    let rest = &rest[at + "\"point_estimate\"".len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn time(ns: f64) -> String {
    let (v, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

fn size_bytes(name: &str) -> u64 {
    let (digits, mult) = if let Some(n) = name.strip_suffix("MiB") {
        (n, 1 << 20)
    } else if let Some(n) = name.strip_suffix("KiB") {
        (n, 1 << 10)
    } else {
        (name.strip_suffix('B').unwrap_or(name), 1)
    };
    digits.parse::<u64>().unwrap_or(u64::MAX) * mult
}

fn read(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    mean_ns(&fs::read_to_string(path).ok()?)
}

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("target"))
                .join("criterion")
        });
    let Ok(entries) = fs::read_dir(&dir) else {
        eprintln!("bench-table: cannot read {}", dir.display());
        return ExitCode::FAILURE;
    };
    // (operation index, size in bytes, key index) -> (size name, ours, openssl, stream)
    type Row = (String, Option<f64>, Option<f64>, Option<f64>);
    let mut rows: BTreeMap<(usize, u64, usize), Row> = BTreeMap::new();
    for entry in entries.flatten() {
        let group = entry.file_name().to_string_lossy().into_owned();
        let mut parts = group.rsplitn(3, '-');
        let (Some(size), Some(key), Some(op)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Some(op_index), Some(key_index)) = (
            OPERATIONS.iter().position(|(o, _)| *o == op),
            KEYS.iter().position(|k| *k == key),
        ) else {
            continue;
        };
        rows.insert(
            (op_index, size_bytes(size), key_index),
            (
                size.to_string(),
                read(&dir, &group, "ours"),
                read(&dir, &group, "openssl"),
                read(&dir, &group, "ours_stream"),
            ),
        );
    }
    if rows.is_empty() {
        eprintln!(
            "bench-table: no OPERATION-KEY-SIZE groups in {} (run `cargo bench -p smime-bench --bench cms` first)",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    let streaming = rows.values().any(|r| r.3.is_some());
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "–".to_string(),
    };
    let cell = |t: Option<f64>| t.map(time).unwrap_or_else(|| "–".to_string());
    if streaming {
        println!(
            "| operation | size | key | ours | OpenSSL | ratio | ours streaming | ratio | OpenSSL form |"
        );
        println!("|---|---|---|---:|---:|---:|---:|---:|---|");
    } else {
        println!("| operation | size | key | ours | OpenSSL | ratio | OpenSSL form |");
        println!("|---|---|---|---:|---:|---:|---|");
    }
    for ((op, _, key), (size, ours, openssl, stream)) in &rows {
        let (name, form) = OPERATIONS[*op];
        let mut line = format!(
            "| {name} | {size} | {} | {} | {} | {} |",
            KEYS[*key],
            cell(*ours),
            cell(*openssl),
            ratio(*ours, *openssl)
        );
        if streaming {
            line.push_str(&format!(
                " {} | {} |",
                cell(*stream),
                ratio(*stream, *openssl)
            ));
        }
        line.push_str(&format!(" {form} |"));
        println!("{line}");
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_mean_of_a_criterion_estimate() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.5,"upper_bound":2.5},"point_estimate":2.25e3,"standard_error":0.1},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":9.0,"standard_error":0.1}}"#;
        assert_eq!(mean_ns(json), Some(2250.0));
        assert_eq!(mean_ns("{}"), None);
    }

    #[test]
    fn sizes_and_times_read_and_print() {
        assert_eq!(size_bytes("64MiB"), 64 << 20);
        assert_eq!(size_bytes("1KiB"), 1024);
        assert_eq!(size_bytes("32B"), 32);
        assert_eq!(time(1_500.0), "1.50 µs");
        assert_eq!(time(123_456_789.0), "123 ms");
        assert_eq!(time(2.5e9), "2.50 s");
    }
}
