//! The attack bar of SECURITY.md ("Attacks, each a named test"): every one of its 22 items is
//! proved by at least one `#[test]` function named `attack_bar_NN_...`, somewhere in the
//! repository's tests (`tests/`, `src/`, `cli/tests/`, `ffi/tests/`). This test fails when an
//! item loses its last test, when a test names an item that does not exist, and when
//! SECURITY.md's table names a test that is not there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The number of items of the attack bar.
const ITEMS: u32 = 22;

/// Every `.rs` file under `dir`, recursively (test data directories hold no Rust).
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `attack_bar_NN_...` test functions of one file: the name of each `fn` whose attributes
/// (the lines above it, back to the previous item) include `#[test]`.
fn bar_tests(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("fn attack_bar_") else {
            continue;
        };
        let name: String = std::iter::once("attack_bar_")
            .chain(std::iter::once(
                rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or(""),
            ))
            .collect();
        let mut is_test = false;
        for above in lines[..i].iter().rev() {
            let a = above.trim();
            if a == "#[test]" {
                is_test = true;
                break;
            }
            if !(a.starts_with("#[") || a.starts_with("///") || a.is_empty()) {
                break;
            }
        }
        assert!(is_test, "{name} is not a #[test] function");
        found.push(name);
    }
    found
}

/// The item number of a test name: the two digits after `attack_bar_`.
fn item_of(name: &str) -> u32 {
    let digits = &name["attack_bar_".len()..];
    assert!(
        digits.len() > 3 && digits.as_bytes()[2] == b'_',
        "{name}: the item number must be two digits followed by '_'"
    );
    digits[..2]
        .parse()
        .unwrap_or_else(|_| panic!("{name}: the item number must be two digits"))
}

#[test]
fn every_attack_bar_item_has_a_named_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests", "src", "cli/tests", "ffi/tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    let me = Path::new(file!())
        .file_name()
        .and_then(|n| n.to_str())
        .expect("own file name");
    let mut by_item: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for file in &files {
        if file.file_name().and_then(|n| n.to_str()) == Some(me) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read test source");
        for name in bar_tests(&text) {
            let item = item_of(&name);
            assert!(
                (1..=ITEMS).contains(&item),
                "{name} ({}) names item {item}; the bar has items 1 to {ITEMS}",
                file.display()
            );
            by_item.entry(item).or_default().push(name);
        }
    }
    let missing: Vec<u32> = (1..=ITEMS).filter(|i| !by_item.contains_key(i)).collect();
    assert!(
        missing.is_empty(),
        "attack bar items without a test: {missing:?}"
    );
    let total: usize = by_item.values().map(Vec::len).sum();
    eprintln!("{total} attack-bar tests cover the {ITEMS} items");

    // SECURITY.md's table names tests that exist.
    let security = std::fs::read_to_string(root.join("SECURITY.md")).expect("SECURITY.md");
    let all: BTreeSet<&str> = by_item.values().flatten().map(String::as_str).collect();
    let mut named = 0;
    for word in security.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let numbered = word
            .strip_prefix("attack_bar_")
            .is_some_and(|r| r.len() > 2 && r.as_bytes()[..2].iter().all(u8::is_ascii_digit));
        if numbered {
            named += 1;
            assert!(
                all.contains(word),
                "SECURITY.md names {word}, which is not a test"
            );
        }
    }
    for item in 1..=ITEMS {
        let prefix = format!("attack_bar_{item:02}_");
        assert!(
            security.contains(&prefix),
            "SECURITY.md's attack bar table has no test for item {item}"
        );
    }
    assert!(named >= ITEMS as usize);
}
