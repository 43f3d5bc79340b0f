//! Results, the panic boundary and the thread-local last error.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::codes::*;

/// The result of every function: `SMIME_RESULT_OK` (0) or one of the `SMIME_RESULT_*` codes,
/// grouped by area (see `smime_result_name`). Codes are never renumbered or reused.
#[allow(non_camel_case_types)]
pub type smime_result = u32;

/// A failure inside the C ABI, before it becomes a code and a message.
#[derive(Debug)]
pub(crate) enum Error {
    /// A required pointer was NULL.
    Null,
    /// A string was not UTF-8.
    Utf8,
    /// An argument is out of range.
    InvalidArgument(&'static str),
    /// The handle does not hold what was asked for.
    NotAvailable(&'static str),
    /// An error of the library: its code and its message with causes.
    Library { code: u32, message: String },
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn code(&self) -> smime_result {
        match self {
            Error::Null => SMIME_RESULT_NULL_PARAMETER,
            Error::Utf8 => SMIME_RESULT_INVALID_UTF8,
            Error::InvalidArgument(_) => SMIME_RESULT_INVALID_ARGUMENT,
            Error::NotAvailable(_) => SMIME_RESULT_NOT_AVAILABLE,
            Error::Library { code, .. } => *code,
        }
    }

    fn message(&self) -> String {
        match self {
            Error::Null => "a required pointer argument is NULL".to_owned(),
            Error::Utf8 => "a string argument is not valid UTF-8".to_owned(),
            Error::InvalidArgument(what) => format!("invalid argument: {what}"),
            Error::NotAvailable(what) => format!("not available: {what}"),
            Error::Library { message, .. } => message.clone(),
        }
    }
}

/// An error type of the library with a numeric code.
pub(crate) trait Coded: std::error::Error {
    fn code(&self) -> u32;
}

macro_rules! coded {
    ($($t:ty),* $(,)?) => {$(
        impl Coded for $t {
            fn code(&self) -> u32 {
                <$t>::code(self)
            }
        }
        impl From<$t> for Error {
            fn from(e: $t) -> Error {
                Error::Library { code: Coded::code(&e), message: smime::error::display_chain(&e) }
            }
        }
    )*};
}

coded!(
    smime::error::ParseError,
    smime::error::KeyError,
    smime::error::SignError,
    smime::error::VerifyError,
    smime::error::EncryptError,
    smime::error::DecryptError,
    smime::error::IoError,
    smime::keys::KeyOperationError,
    smime::pkcs12::Pkcs12Error,
    smime::keyring::KeyringError,
    smime::keyring::store::StoreError,
    smime::sign::SignerCertificateProblem,
);

thread_local! {
    static LAST_ERROR: RefCell<(smime_result, CString)> =
        RefCell::new((SMIME_RESULT_OK, CString::default()));
}

fn set_last_error(code: smime_result, message: String) {
    // A message with an interior NUL is cut there.
    let message = match CString::new(message) {
        Ok(m) => m,
        Err(e) => {
            let end = e.nul_position();
            let mut bytes = e.into_vec();
            bytes.truncate(end);
            CString::new(bytes).unwrap_or_default()
        }
    };
    LAST_ERROR.with(|l| *l.borrow_mut() = (code, message));
}

/// Runs `f` inside the panic boundary: its error, or a caught panic, becomes the result code
/// and this thread's last error.
pub(crate) fn boundary(f: impl FnOnce() -> Result<()>) -> smime_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SMIME_RESULT_OK,
        Ok(Err(e)) => {
            let code = e.code();
            set_last_error(code, e.message());
            code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_owned());
            set_last_error(SMIME_RESULT_PANIC, format!("panic inside smime: {what}"));
            SMIME_RESULT_PANIC
        }
    }
}

/// Runs `f`, which cannot fail, inside the panic boundary; a panic gives `fallback`.
pub(crate) fn boundary_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => {
            set_last_error(SMIME_RESULT_PANIC, "panic inside smime".to_owned());
            fallback
        }
    }
}

/// The message of the last failed call on this thread, with its causes: a NUL-terminated
/// UTF-8 string, never NULL (empty when no call has failed). The pointer stays valid until
/// the next failing call on the same thread; copy the string to keep it.
///
/// Thread safety: each thread has its own last error.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_last_error_message() -> *const c_char {
    boundary_value(c"".as_ptr(), || LAST_ERROR.with(|l| l.borrow().1.as_ptr()))
}

/// The code of the last failed call on this thread (`SMIME_RESULT_OK` when none has failed).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_last_error_code() -> smime_result {
    boundary_value(SMIME_RESULT_PANIC, || LAST_ERROR.with(|l| l.borrow().0))
}
