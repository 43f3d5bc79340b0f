//! `smime inspect`.

use super::Pkcs12Opts;
use crate::{Usage, out, read_input};
use clap::{ArgMatches, Args};

/// Options of `smime inspect`.
#[derive(Args, Debug)]
#[command(after_help = "\
Recognises S/MIME messages, CMS (DER, BER or PEM: signed, enveloped, authenticated-enveloped), \
certificates, CRLs, private keys (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1) and PKCS#12 files \
(their certificates are listed when a password is given). Exit code 2 for input it does not \
know.")]
pub struct InspectArgs {
    #[command(flatten)]
    pub password: crate::secret::PasswordArgs,
    #[command(flatten)]
    pub pkcs12: Pkcs12Opts,
    /// The file to inspect (default: standard input)
    #[arg(value_name = "IN")]
    pub input: Option<String>,
}

/// Runs `smime inspect`.
pub fn run(a: &InspectArgs, m: &ArgMatches) -> Result<u8, Usage> {
    let input = read_input(a.input.as_deref())?;
    let password = match crate::secret::given(m).as_slice() {
        [] => None,
        [(_, one)] => Some(one.read()?),
        _ => return Err(Usage("inspect takes one password".into())),
    };
    let text = crate::inspect::inspect(
        &input,
        password.as_deref().map(String::as_str),
        a.pkcs12.max_iterations,
    )?;
    out!("{text}");
    Ok(0)
}
