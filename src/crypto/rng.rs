//! The one source of randomness: the operating system's generator (`getrandom`).
//!
//! Keys, IVs, nonces, salts and MIME boundaries all come from here, so there is one place to
//! audit (and one place a platform port changes).

use zeroize::Zeroizing;

/// The error the operating system's generator reports.
pub use getrandom::Error as RngError;

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) -> Result<(), RngError> {
    getrandom::fill(buf)
}

/// `N` random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N], RngError> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// A fresh random key (or IV, nonce, salt) of `len` bytes, zeroized on drop.
pub fn random_key(len: usize) -> Result<Zeroizing<Vec<u8>>, RngError> {
    let mut k = Zeroizing::new(vec![0u8; len]);
    fill(&mut k)?;
    Ok(k)
}

/// The generator as a `rand_core` RNG, for the APIs that take one (RSA encryption, signature
/// blinding). A failing operating-system generator panics there, as `rand_core::UnwrapErr`
/// does: those APIs have no way to report it.
pub fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_and_of_the_asked_length() {
        let a = random_key(32).unwrap();
        let b = random_key(32).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a.as_slice(), b.as_slice(), "two draws of 256 bits differ");
        let c: [u8; 16] = random_array().unwrap();
        let d: [u8; 16] = random_array().unwrap();
        assert_ne!(c, d);
        assert!(random_key(0).unwrap().is_empty());
    }
}
