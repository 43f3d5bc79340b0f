//! `smime demo`.

use crate::Usage;
use clap::Args;

/// Options of `smime demo` (none).
#[derive(Args, Debug)]
#[command(after_help = "\
Makes a root, an intermediate and user certificates in memory, then signs, verifies, tampers, \
encrypts, decrypts, renews and uses keyrings, saying at each step what should happen and \
whether it did. Exit code 0 when every step behaved as expected.")]
pub struct DemoArgs {}

/// Runs `smime demo`.
pub fn run(_: &DemoArgs) -> Result<u8, Usage> {
    crate::demo::run()
}
