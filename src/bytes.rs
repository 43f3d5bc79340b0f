//! Byte-string helpers shared by every layer (the bottom of the stack, beside `asn1`).

/// The first position of `needle` in `haystack`; `None` for an empty needle.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(haystack, needle)
}

/// Whether `needle` occurs in `haystack` (never for an empty needle).
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_occurrence() {
        assert_eq!(find(b"abcabc", b"ca"), Some(2));
        assert_eq!(find(b"abc", b"abcd"), None);
        assert_eq!(find(b"abc", b""), None);
        assert!(contains(b"-----BEGIN X", b"BEGIN"));
        assert!(!contains(b"", b"x"));
    }
}
