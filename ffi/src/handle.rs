//! Every `unsafe` operation of the C ABI: turning handles into references and back, reading
//! borrowed input slices and strings, writing out-parameters, and the markers that let a C
//! callback's `userdata` cross threads. Nothing outside this module dereferences a pointer.
//!
//! A handle type is an opaque, zero-sized Rust type (`smime_keyring`, …) that names, through
//! [`Castable`], the Rust type behind it and how it is owned: [`OwnershipBox`] (made by
//! `Box::into_raw`, freed once by `_free`). Every handle a function returns is a new owned
//! one: nothing the caller holds borrows from another handle. The checks here are what C cannot promise: a NULL pointer is
//! an error, not undefined behaviour. A dangling or wrongly typed pointer cannot be detected;
//! the header documents the lifetime of each handle.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_void};

use crate::error::{Error, Result};

/// A handle owned by the caller, made by `Box::into_raw` and released by its `_free`.
pub(crate) struct OwnershipBox;

/// Links an opaque C handle type to the Rust value behind it.
pub(crate) trait Castable {
    /// How the C side owns the handle.
    type Ownership;
    /// The Rust value the handle points to.
    type RustType;
}

/// Moves `value` to the heap and returns the owning handle.
pub(crate) fn to_boxed<C: Castable<Ownership = OwnershipBox>>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// The value behind a handle, or [`Error::Null`].
pub(crate) fn try_ref<'a, C: Castable>(ptr: *const C) -> Result<&'a C::RustType> {
    // SAFETY: a non-NULL handle was made by `to_boxed` or `to_ref` for this type and is alive
    // (the caller's contract, stated in the header).
    unsafe { ptr.cast::<C::RustType>().as_ref() }.ok_or(Error::Null)
}

/// The value behind an owned handle, for changing it, or [`Error::Null`].
pub(crate) fn try_mut<'a, C: Castable<Ownership = OwnershipBox>>(
    ptr: *mut C,
) -> Result<&'a mut C::RustType> {
    // SAFETY: as in `try_ref`; the header says a handle taken mutably is not used by another
    // thread at the same time (handles shared across threads are changed only through `&`).
    unsafe { ptr.cast::<C::RustType>().as_mut() }.ok_or(Error::Null)
}

/// Releases an owned handle; NULL is accepted and does nothing.
pub(crate) fn free_boxed<C: Castable<Ownership = OwnershipBox>>(ptr: *mut C) {
    if !ptr.is_null() {
        // SAFETY: made by `to_boxed` and not freed before (the caller's contract).
        drop(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) });
    }
}

/// A borrowed input buffer. NULL is accepted only with `len == 0` (an empty input).
pub(crate) fn try_slice<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Error::Null) };
    }
    if len > isize::MAX as usize {
        return Err(Error::InvalidArgument(
            "a buffer length is larger than isize::MAX",
        ));
    }
    // SAFETY: the caller passes `len` readable bytes at `ptr`, alive for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A borrowed NUL-terminated UTF-8 string.
pub(crate) fn try_str<'a>(ptr: *const c_char) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::Null);
    }
    // SAFETY: the caller passes a NUL-terminated string, alive for the call.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().map_err(|_| Error::Utf8)
}

/// A borrowed array of `len` NUL-terminated UTF-8 strings.
pub(crate) fn try_str_array<'a>(ptr: *const *const c_char, len: usize) -> Result<Vec<&'a str>> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(Vec::new())
        } else {
            Err(Error::Null)
        };
    }
    if len > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
        return Err(Error::InvalidArgument("an array length is too large"));
    }
    // SAFETY: the caller passes `len` readable string pointers at `ptr`.
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    items.iter().map(|&p| try_str(p)).collect()
}

/// A borrowed array of `len` handles.
pub(crate) fn try_ref_array<'a, C: Castable>(
    ptr: *const *const C,
    len: usize,
) -> Result<Vec<&'a C::RustType>> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(Vec::new())
        } else {
            Err(Error::Null)
        };
    }
    if len > isize::MAX as usize / std::mem::size_of::<*const C>() {
        return Err(Error::InvalidArgument("an array length is too large"));
    }
    // SAFETY: the caller passes `len` readable handle pointers at `ptr`.
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    items.iter().map(|&p| try_ref(p)).collect()
}

/// A copy of a plain C struct passed by pointer (a callback table), or [`Error::Null`].
pub(crate) fn try_read<T: Copy>(ptr: *const T) -> Result<T> {
    // SAFETY: a non-NULL `ptr` points to an initialised `T`, readable for the call (the
    // caller's contract); `T` is a `#[repr(C)]` struct of plain values, copied out.
    unsafe { ptr.as_ref() }.copied().ok_or(Error::Null)
}

/// An out-parameter, checked for NULL before any work is done.
pub(crate) struct Out<T> {
    ptr: *mut T,
}

impl<T> Out<T> {
    /// Checks `ptr`; the value is written only by [`Out::write`], on success.
    pub(crate) fn new(ptr: *mut T) -> Result<Out<T>> {
        if ptr.is_null() {
            Err(Error::Null)
        } else {
            Ok(Out { ptr })
        }
    }

    /// Writes the result.
    pub(crate) fn write(self, value: T) {
        // SAFETY: `ptr` is non-NULL and points to writable storage for a `T` (the caller's
        // contract); `T` is a plain C value (integer or pointer), so nothing is dropped.
        unsafe { self.ptr.write(value) }
    }
}

/// An optional out-parameter: NULL means the caller does not want the value.
pub(crate) fn write_optional<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: as in `Out::write`.
        unsafe { ptr.write(value) }
    }
}

/// A writable output buffer a C callback fills: `cap` bytes at `ptr`.
pub(crate) fn callback_output(ptr: *const u8, len: usize, cap: usize) -> Option<Vec<u8>> {
    if ptr.is_null() || len > cap {
        return None;
    }
    // SAFETY: `ptr` is the buffer of `cap` bytes this library lent to the callback; the
    // callback wrote `len <= cap` bytes into it.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec())
}

/// The `void *userdata` of a C callback, which the C side promises may be used from any
/// thread (the header says so for every callback-taking function).
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);

// SAFETY: the header requires callbacks and their userdata to be callable from any thread;
// the library never dereferences the pointer, it only passes it back to the callbacks.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}
