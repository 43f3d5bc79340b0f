//! Passwords from the command line, a file, an environment variable, or a prompt.
//!
//! A password given with `--password` is visible to other users of the machine (in the
//! process list) and stays in the shell history: it is kept for scripts. `--password-file F`
//! reads the first line of a file, `--password-env VAR` an environment variable; with none
//! of them and standard input a terminal, the password is asked for without echo.

use crate::Usage;
use clap::{ArgMatches, Args};
use std::io::IsTerminal;
use zeroize::Zeroizing;

/// The ways to give passwords, in command-line order when several files need one each.
#[derive(Args, Debug, Default, Clone)]
pub struct PasswordArgs {
    /// A password on the command line (visible to other users: for scripts; prefer
    /// --password-file or --password-env)
    #[arg(long, value_name = "PASS")]
    pub password: Vec<String>,
    /// Read the password from the first line of FILE
    #[arg(long, value_name = "FILE")]
    pub password_file: Vec<String>,
    /// Read the password from the environment variable VAR
    #[arg(long, value_name = "VAR")]
    pub password_env: Vec<String>,
}

/// One password as given on the command line, not read yet.
#[derive(Debug, Clone)]
pub enum Given {
    /// `--password PASS`.
    Literal(String),
    /// `--password-file FILE`.
    File(String),
    /// `--password-env VAR`.
    Env(String),
}

impl Given {
    /// Reads the password.
    pub fn read(&self) -> Result<Zeroizing<String>, Usage> {
        match self {
            Given::Literal(p) => Ok(Zeroizing::new(p.clone())),
            Given::File(f) => {
                let bytes = Zeroizing::new(
                    std::fs::read(f).map_err(|e| Usage(format!("cannot read {f}: {e}")))?,
                );
                let text = std::str::from_utf8(&bytes)
                    .map_err(|_| Usage(format!("{f}: the password is not UTF-8")))?;
                let line = text.split('\n').next().unwrap_or_default();
                Ok(Zeroizing::new(
                    line.strip_suffix('\r').unwrap_or(line).to_string(),
                ))
            }
            Given::Env(v) => std::env::var(v)
                .map(Zeroizing::new)
                .map_err(|_| Usage(format!("--password-env {v}: the variable is not set"))),
        }
    }
}

/// The argument ids of [`PasswordArgs`] and what they give.
const IDS: [&str; 3] = ["password", "password_file", "password_env"];

/// Every password option of `m`, in command-line order.
pub fn given(m: &ArgMatches) -> Vec<(usize, Given)> {
    let mut out = Vec::new();
    for id in IDS {
        let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) else {
            continue;
        };
        for (i, v) in idx.zip(vals) {
            let g = match id {
                "password" => Given::Literal(v.clone()),
                "password_file" => Given::File(v.clone()),
                _ => Given::Env(v.clone()),
            };
            out.push((i, g));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// Whether a password may be asked for: standard input is a terminal.
pub fn can_prompt() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for a password on the terminal, without echo.
pub fn prompt(what: &str) -> Result<Zeroizing<String>, Usage> {
    rpassword::prompt_password(format!("password for {what}: "))
        .map(Zeroizing::new)
        .map_err(|e| Usage(format!("cannot read the password for {what}: {e}")))
}

/// One password per file in `files` (in order): from the password options in command-line
/// order, else asked for on a terminal. `flag` names the file option in messages.
pub fn for_files(
    m: &ArgMatches,
    files: &[String],
    flag: &str,
) -> Result<Vec<Zeroizing<String>>, Usage> {
    let given = given(m);
    if given.len() > files.len() {
        return Err(Usage(format!(
            "{} passwords given for {} {flag} file{}: each {flag} takes one",
            given.len(),
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )));
    }
    let mut out = Vec::new();
    for (n, file) in files.iter().enumerate() {
        match given.get(n) {
            Some((_, g)) => out.push(g.read()?),
            None if can_prompt() => out.push(prompt(file)?),
            None => {
                return Err(Usage(format!(
                    "each {flag} needs its password: --password-file FILE, --password-env VAR \
                     or --password PASS ({flag} {file} has none)"
                )));
            }
        }
    }
    Ok(out)
}

/// The PKCS#12 limits with the iteration cap set to `max_iterations` (raised for a file the
/// user trusts), the cap on all derivations of one file scaled with it.
pub fn pkcs12_limits(max_iterations: Option<u32>) -> smime::pkcs12::Pkcs12Limits {
    let mut limits = smime::pkcs12::Pkcs12Limits::default();
    if let Some(n) = max_iterations {
        let factor = limits.max_total_iterations / u64::from(limits.max_iterations).max(1);
        // The work budget grows in proportion when the limit is raised (for a file the user
        // trusts); a lower limit keeps the default budget.
        let default_iterations = u64::from(limits.max_iterations).max(1);
        if u64::from(n) > default_iterations {
            limits.max_work = limits
                .max_work
                .saturating_mul(u64::from(n))
                .saturating_div(default_iterations);
        }
        limits.max_iterations = n;
        limits.max_total_iterations = u64::from(n).saturating_mul(factor);
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_file_gives_its_first_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (content, want) in [
            ("pw\n", "pw"),
            ("pw\r\nsecond line\n", "pw"),
            ("no newline", "no newline"),
            (" spaces kept \n", " spaces kept "),
            ("", ""),
        ] {
            let f = dir.path().join("pw");
            std::fs::write(&f, content).expect("write");
            let got = Given::File(f.to_string_lossy().into_owned())
                .read()
                .map_err(|e| e.0)
                .expect("read");
            assert_eq!(got.as_str(), want, "{content:?}");
        }
        assert!(Given::File("/nonexistent/pw".into()).read().is_err());
    }

    #[test]
    fn max_iterations_scales_the_total_cap() {
        let default = smime::pkcs12::Pkcs12Limits::default();
        let same = pkcs12_limits(None);
        assert_eq!(same.max_iterations, default.max_iterations);
        assert_eq!(same.max_total_iterations, default.max_total_iterations);
        let raised = pkcs12_limits(Some(4_000_000));
        assert_eq!(raised.max_iterations, 4_000_000);
        assert_eq!(
            raised.max_total_iterations,
            4 * default.max_total_iterations
        );
        assert_eq!(raised.max_size, default.max_size);
        assert_eq!(raised.max_bags, default.max_bags);
    }
}
