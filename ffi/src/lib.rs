#![deny(unsafe_code)]
#![warn(missing_docs)]
#![allow(non_camel_case_types)]
//! The C ABI of [smime](https://docs.rs/smime): a static library and one header,
//! `include/smime.h`, for C, Objective-C and Swift (through `include/module.modulemap`).
//!
//! Conventions, the same for every function:
//! - Names are `smime_<type>_<verb>`; handles are opaque (`smime_keyring`, `smime_policy`,
//!   `smime_certificate`, `smime_identity`, `smime_verify_report`, `smime_bytes`, …), made by
//!   `_new`/`_load`/operations and released by `_free`, which accepts NULL.
//! - Every function returns a `smime_result` (`uint32_t`): `SMIME_RESULT_OK` (0) or a code
//!   grouped by area, generated from the library's code table and never reused. The message
//!   of the last failure on the calling thread is `smime_last_error_message()`.
//! - Out-parameters are written only on success. A NULL where a pointer is required gives
//!   `SMIME_RESULT_NULL_PARAMETER`; an input buffer may be NULL only with length 0.
//! - Inputs (`const uint8_t *ptr, size_t len`, NUL-terminated UTF-8 strings) are borrowed for
//!   the call. Outputs are `smime_bytes`, zeroized when freed.
//! - Every function runs inside a panic boundary: a panic returns `SMIME_RESULT_PANIC`, never
//!   unwinds into C.
//! - Callbacks take `void *userdata` first and may be called from any thread that calls into
//!   the library.
//!
//! All `unsafe` code is in the `handle` module; a test checks that no other module has any.

pub mod bytes;
pub mod callback;
pub mod certificate;
pub mod codes;
mod error;
mod handle;
pub mod identity;
pub mod keyring;
pub mod message;
pub mod policy;
pub mod report;
pub mod stream;

pub use codes::*;
pub use error::smime_result;

use std::ffi::c_char;

use error::boundary_value;

/// The version of the library, "MAJOR.MINOR.PATCH", as a static NUL-terminated string. It
/// agrees with `SMIME_VERSION_MAJOR`, `SMIME_VERSION_MINOR` and `SMIME_VERSION_PATCH` of the
/// header the program was compiled with, unless the program links another version.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The symbolic name of `result` ("SMIME_RESULT_PARSE_EMPTY"…) as a static NUL-terminated
/// string; NULL for a number that is not a code of this library.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_result_name(result: smime_result) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        static NAMES: std::sync::OnceLock<Vec<(u32, std::ffi::CString)>> =
            std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| {
            let mut v = vec![(0, c"SMIME_RESULT_OK".to_owned())];
            for code in smime::error::codes::ALL {
                let short = code.name.strip_prefix("SMIME_").unwrap_or(code.name);
                if let Ok(name) = std::ffi::CString::new(format!("SMIME_RESULT_{short}")) {
                    v.push((code.code, name));
                }
            }
            v
        });
        names
            .iter()
            .find(|(c, _)| *c == result)
            .map_or(std::ptr::null(), |(_, n)| n.as_ptr())
    })
}

/// Always panics inside the library, and so returns `SMIME_RESULT_PANIC`: it lets an
/// application test how it handles that result. It has no other effect.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_test_panic() -> smime_result {
    error::boundary(|| panic!("smime_test_panic was called"))
}

/// The handles that may be shared across threads are `Send + Sync` (a compile-time check).
#[allow(dead_code)]
fn assert_thread_safety() {
    fn shared<T: Send + Sync>() {}
    shared::<smime::Policy>();
    shared::<smime::Certificate>();
    shared::<smime::Identity>();
    shared::<std::sync::RwLock<smime::Keyring>>();
    shared::<bytes::Bytes>();
    shared::<callback::CallbackKey>();
    shared::<Vec<smime::keyring::RecipientReadiness>>();
    shared::<Vec<(smime::Certificate, smime::keyring::Source)>>();
    shared::<smime::SignOptions>();
    shared::<smime::EncryptOptions>();
    shared::<smime::VerifyOptions>();
    shared::<report::Report>();
    shared::<report::DecryptedValue>();
    shared::<report::OpenedValue>();
}
