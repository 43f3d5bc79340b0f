//! Streaming: messages of any size signed, verified, encrypted and decrypted in pieces, so that
//! an app can process a file to a file without holding either in memory.
//!
//! Output always goes to an `smime_output` (a write callback). Sign, encrypt and verify are
//! handles fed with `_update` and closed with `_finish`; decryption reads its input through an
//! `smime_input` (read and, where the input allows it, seek callbacks), because AES-GCM
//! plaintext is released only after the tag verified: the ciphertext is authenticated in a
//! first pass and decrypted in a second one. An input without a seek callback is copied to an
//! unnamed temporary file first (ciphertext only; it is removed when the call returns).

use std::ffi::c_void;
use std::io::{self, Read, Seek, SeekFrom, Write};

use smime::decrypt::Decrypted;
use smime::{Decryptor, Encryptor, Signer, Verifier};

use crate::certificate::smime_certificate;
use crate::error::{Error, Result, boundary, boundary_value, smime_result};
use crate::handle::{
    Castable, Out, OwnershipBox, UserData, free_boxed, to_boxed, try_mut, try_read, try_ref,
    try_ref_array, try_slice,
};
use crate::identity::smime_identity;
use crate::keyring::smime_keyring;
use crate::message::{optional, smime_encrypt_options, smime_sign_options, smime_verify_options};
use crate::policy::smime_policy;
use crate::report::{new_decrypted, new_verify_report, smime_decrypted, smime_verify_report};

/// Receives a piece of output: `len` bytes at `data`, valid for the call only. Returns
/// `SMIME_RESULT_OK` (0) to go on; any other value stops the operation, which then fails with
/// an I/O error that names the value.
pub type smime_write_callback =
    Option<extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize) -> smime_result>;

/// Reads up to `capacity` bytes of input into `buffer` and stores how many in `*read_len`
/// (0 at the end of the input). Returns `SMIME_RESULT_OK` (0), or any other value for a read
/// error, which fails the operation.
pub type smime_read_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        buffer: *mut u8,
        capacity: usize,
        read_len: *mut usize,
    ) -> smime_result,
>;

/// Moves the read position of the input: to `offset` bytes from the start (`whence` 0), from
/// the current position (1) or from the end (2), like `fseeko`; stores the new position,
/// counted from the start, in `*position`. Returns `SMIME_RESULT_OK` (0) or any other value
/// for an error.
pub type smime_seek_callback = Option<
    extern "C" fn(
        userdata: *mut c_void,
        offset: i64,
        whence: u32,
        position: *mut u64,
    ) -> smime_result,
>;

/// Where streamed output goes: `write` is called with each piece in order, with `userdata`.
/// The structure is copied when an operation starts; `userdata` must stay valid until the
/// operation's handle is freed (or, for decryption, until the call returns).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct smime_output {
    /// Passed to `write` unchanged.
    pub userdata: *mut c_void,
    /// The write callback (required).
    pub write: smime_write_callback,
}

/// Where streamed input comes from: `read` is called until it reports the end, with
/// `userdata`; `seek` may be NULL when the input cannot be positioned (a pipe, a network
/// stream).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct smime_input {
    /// Passed to the callbacks unchanged.
    pub userdata: *mut c_void,
    /// The read callback (required).
    pub read: smime_read_callback,
    /// The seek callback, or NULL.
    pub seek: smime_seek_callback,
}

fn callback_failed(what: &str, code: smime_result) -> io::Error {
    io::Error::other(format!("the {what} callback failed with {code}"))
}

/// An `io::Write` over an `smime_output`.
pub(crate) struct CallbackWriter {
    userdata: UserData,
    write: extern "C" fn(*mut c_void, *const u8, usize) -> smime_result,
}

impl CallbackWriter {
    fn new(output: *const smime_output) -> Result<CallbackWriter> {
        let output = try_read(output)?;
        let write = output.write.ok_or(Error::Null)?;
        Ok(CallbackWriter {
            userdata: UserData(output.userdata),
            write,
        })
    }
}

impl Write for CallbackWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match (self.write)(self.userdata.0, buf.as_ptr(), buf.len()) {
            0 => Ok(buf.len()),
            code => Err(callback_failed("write", code)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An `io::Read` (and, with a seek callback, `io::Seek`) over an `smime_input`.
pub(crate) struct CallbackReader {
    userdata: UserData,
    read: extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> smime_result,
    seek: smime_seek_callback,
}

impl CallbackReader {
    fn new(input: *const smime_input) -> Result<CallbackReader> {
        let input = try_read(input)?;
        let read = input.read.ok_or(Error::Null)?;
        Ok(CallbackReader {
            userdata: UserData(input.userdata),
            read,
            seek: input.seek,
        })
    }
}

impl Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut n = 0usize;
        match (self.read)(self.userdata.0, buf.as_mut_ptr(), buf.len(), &mut n) {
            0 if n <= buf.len() => Ok(n),
            0 => Err(io::Error::other(
                "the read callback reported more bytes than the buffer holds",
            )),
            code => Err(callback_failed("read", code)),
        }
    }
}

impl Seek for CallbackReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let seek = self
            .seek
            .ok_or_else(|| io::Error::other("the input has no seek callback"))?;
        let (offset, whence) = match pos {
            SeekFrom::Start(o) => (
                i64::try_from(o).map_err(|_| io::Error::other("a seek offset is too large"))?,
                0,
            ),
            SeekFrom::Current(o) => (o, 1),
            SeekFrom::End(o) => (o, 2),
        };
        let mut position = 0u64;
        match seek(self.userdata.0, offset, whence, &mut position) {
            0 => Ok(position),
            code => Err(callback_failed("seek", code)),
        }
    }
}

// ---- signing ------------------------------------------------------------------------------

/// A message being signed in pieces: made by `smime_sign_stream_new`, fed with
/// `smime_sign_stream_update` (the message: header fields and body, as `smime_sign` takes it),
/// completed by `smime_sign_stream_finish`, released by `smime_sign_stream_free`. The signed
/// message goes to the `smime_output` as it is made.
///
/// An error from `_update` or `_finish` means the output written so far is not a signed
/// message and must be discarded.
///
/// Thread safety: not for concurrent use; one thread at a time may call its functions.
pub struct smime_sign_stream {
    _private: [u8; 0],
}

type SignState = Option<smime::sign::SignWriter<CallbackWriter>>;

impl Castable for smime_sign_stream {
    type Ownership = OwnershipBox;
    type RustType = SignState;
}

/// Starts signing with `signers_len` identities (`signers`; at least one) and `options` (NULL:
/// the defaults), writing to `output`.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_stream_new(
    signers: *const *const smime_identity,
    signers_len: usize,
    options: *const smime_sign_options,
    output: *const smime_output,
    out: *mut *mut smime_sign_stream,
) -> smime_result {
    boundary(|| {
        let signers: Vec<_> = try_ref_array(signers, signers_len)?
            .into_iter()
            .cloned()
            .collect();
        let options = optional(options)?.cloned().unwrap_or_default();
        let writer = CallbackWriter::new(output)?;
        let out = Out::new(out)?;
        let signer = Signer::new(&signers, &options)?;
        out.write(to_boxed::<smime_sign_stream>(Some(signer.writer(writer))));
        Ok(())
    })
}

fn finished() -> Error {
    Error::InvalidArgument("the stream is already finished")
}

/// Feeds `data` to the writer of a stream; after an error the stream is over.
fn feed<T: Write, E: Into<Error>>(
    state: &mut Option<T>,
    data: &[u8],
    error: impl FnOnce(io::Error) -> E,
) -> Result<()> {
    let writer = state.as_mut().ok_or_else(finished)?;
    if let Err(e) = writer.write_all(data) {
        *state = None;
        return Err(error(e).into());
    }
    Ok(())
}

/// Feeds `len` bytes of the message. After an error the stream can only be freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_stream_update(
    stream: *mut smime_sign_stream,
    data: *const u8,
    len: usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, len)?;
        feed(try_mut(stream)?, data, smime::SignError::from)
    })
}

/// Completes the signature: the rest of the signed message is written to the output. The
/// stream must still be freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_stream_finish(stream: *mut smime_sign_stream) -> smime_result {
    boundary(|| {
        let writer = try_mut(stream)?.take().ok_or_else(finished)?;
        writer.finish()?;
        Ok(())
    })
}

/// Releases `stream` (finished or not). NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_sign_stream_free(stream: *mut smime_sign_stream) {
    boundary_value((), || free_boxed(stream))
}

// ---- encryption ---------------------------------------------------------------------------

/// A message being encrypted in pieces: made by `smime_encrypt_stream_new`, fed with
/// `smime_encrypt_stream_update` (the message, as `smime_encrypt` takes it), completed by
/// `smime_encrypt_stream_finish`, released by `smime_encrypt_stream_free`. The encrypted
/// message (application/pkcs7-mime, BER with indefinite lengths inside its base64) goes to
/// the `smime_output` as it is made.
///
/// An error from `_update` or `_finish` means the output written so far must be discarded.
///
/// Thread safety: not for concurrent use; one thread at a time may call its functions.
pub struct smime_encrypt_stream {
    _private: [u8; 0],
}

type EncryptState = Option<smime::encrypt::EncryptWriter<CallbackWriter>>;

impl Castable for smime_encrypt_stream {
    type Ownership = OwnershipBox;
    type RustType = EncryptState;
}

/// Starts encrypting to `recipients_len` certificates (`recipients`) and `options` (NULL: the
/// defaults; its sender certificate, if set, is a recipient too), writing to `output`. The
/// recipients are checked first, as `smime_encrypt` checks them.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_stream_new(
    recipients: *const *const smime_certificate,
    recipients_len: usize,
    options: *const smime_encrypt_options,
    output: *const smime_output,
    out: *mut *mut smime_encrypt_stream,
) -> smime_result {
    boundary(|| {
        let recipients: Vec<_> = try_ref_array(recipients, recipients_len)?
            .into_iter()
            .cloned()
            .collect();
        let options = optional(options)?.cloned().unwrap_or_default();
        let writer = CallbackWriter::new(output)?;
        let out = Out::new(out)?;
        let encryptor = Encryptor::new(&recipients, &options)?;
        out.write(to_boxed::<smime_encrypt_stream>(Some(
            encryptor.writer(writer)?,
        )));
        Ok(())
    })
}

/// Feeds `len` bytes of the message. After an error the stream can only be freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_stream_update(
    stream: *mut smime_encrypt_stream,
    data: *const u8,
    len: usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, len)?;
        feed(try_mut(stream)?, data, smime::EncryptError::from)
    })
}

/// Completes the encryption: the rest of the message is written to the output. The stream
/// must still be freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_stream_finish(stream: *mut smime_encrypt_stream) -> smime_result {
    boundary(|| {
        let writer = try_mut(stream)?.take().ok_or_else(finished)?;
        writer.finish()?;
        Ok(())
    })
}

/// Releases `stream` (finished or not). NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_encrypt_stream_free(stream: *mut smime_encrypt_stream) {
    boundary_value((), || free_boxed(stream))
}

// ---- verification -------------------------------------------------------------------------

/// A signed message being verified in pieces: made by `smime_verify_stream_new`, fed with
/// `smime_verify_stream_update`, completed by `smime_verify_stream_finish` (which gives the
/// report), released by `smime_verify_stream_free`.
///
/// The signed content is written to the content output as it is read, before the signature
/// can be checked: it is **unverified** until `_finish` returns a report that says it is
/// trusted. Keep it apart (a temporary file) until then. Only the outermost signed layer is
/// verified; the content may hold a further layer, which another stream can verify.
///
/// Thread safety: not for concurrent use; one thread at a time may call its functions.
pub struct smime_verify_stream {
    _private: [u8; 0],
}

type VerifyState = Option<smime::verify::VerifyWriter<Box<dyn Write + Send>>>;

impl Castable for smime_verify_stream {
    type Ownership = OwnershipBox;
    type RustType = VerifyState;
}

/// Starts verifying with `options` (NULL: the defaults). `content` receives the signed
/// content (the entity inside the signature); NULL discards it.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_stream_new(
    options: *const smime_verify_options,
    content: *const smime_output,
    out: *mut *mut smime_verify_stream,
) -> smime_result {
    boundary(|| {
        let options = optional(options)?.cloned().unwrap_or_default();
        let sink: Box<dyn Write + Send> = if content.is_null() {
            Box::new(io::sink())
        } else {
            Box::new(CallbackWriter::new(content)?)
        };
        let out = Out::new(out)?;
        let verifier = Verifier::new(&options);
        out.write(to_boxed::<smime_verify_stream>(Some(verifier.writer(sink))));
        Ok(())
    })
}

/// Feeds `len` bytes of the signed message. After an error the stream can only be freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_stream_update(
    stream: *mut smime_verify_stream,
    data: *const u8,
    len: usize,
) -> smime_result {
    boundary(|| {
        let data = try_slice(data, len)?;
        feed(try_mut(stream)?, data, smime::VerifyError::from)
    })
}

/// Completes the verification and gives the report (its content is empty: the content went
/// to the content output). The stream must still be freed.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_stream_finish(
    stream: *mut smime_verify_stream,
    out: *mut *mut smime_verify_report,
) -> smime_result {
    boundary(|| {
        let state = try_mut(stream)?;
        let out = Out::new(out)?;
        let writer = state.take().ok_or_else(finished)?;
        let (report, _) = writer.finish()?;
        out.write(new_verify_report(report));
        Ok(())
    })
}

/// Releases `stream` (finished or not). NULL is accepted.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_verify_stream_free(stream: *mut smime_verify_stream) {
    boundary_value((), || free_boxed(stream))
}

// ---- decryption ---------------------------------------------------------------------------

fn decrypt_with(
    decryptor: &Decryptor,
    input: *const smime_input,
    output: *const smime_output,
    out: *mut *mut smime_decrypted,
) -> Result<()> {
    let mut reader = CallbackReader::new(input)?;
    let writer = CallbackWriter::new(output)?;
    let out = Out::new(out)?;
    let (info, _) = if reader.seek.is_some() {
        decryptor.decrypt(&mut reader, writer)?
    } else {
        let spool = tempfile::tempfile().map_err(|e| Error::from(smime::DecryptError::from(e)))?;
        decryptor.decrypt_spooled(&mut reader, spool, writer)?
    };
    out.write(new_decrypted(Decrypted {
        content: Vec::new(),
        key_index: info.key_index,
        certificate: info.certificate,
        cipher: info.cipher,
        integrity_protected: info.integrity_protected,
    }));
    Ok(())
}

/// Decrypts an encrypted message read from `input` with `identities_len` identities
/// (`identities`, the key history) and writes the decrypted entity to `output`; `policy` may
/// be NULL (the defaults). `*out` tells which key opened it and whether the content was
/// integrity-protected; its content is empty (the content went to `output`).
///
/// For AES-GCM nothing is written to `output` before the tag verified: a message changed in
/// transit fails with `SMIME_RESULT_DECRYPT_CANNOT_DECRYPT` and writes nothing. With a seek
/// callback the input is read twice; without one it is first copied to an unnamed temporary
/// file. For CBC (no integrity protection) the content is written as it is decrypted: on an
/// error, discard what was written.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_decrypt_stream(
    input: *const smime_input,
    identities: *const *const smime_identity,
    identities_len: usize,
    policy: *const smime_policy,
    output: *const smime_output,
    out: *mut *mut smime_decrypted,
) -> smime_result {
    boundary(|| {
        let keys: Vec<_> = try_ref_array(identities, identities_len)?
            .into_iter()
            .cloned()
            .collect();
        let policy = optional(policy)?.cloned().unwrap_or_default();
        let decryptor = Decryptor::new(&keys, &policy)?;
        decrypt_with(&decryptor, input, output, out)
    })
}

/// `smime_decrypt_stream` with every key of the keyring's history (a read lock is held while
/// the keys are taken, not during the decryption). `policy` may be NULL (the defaults).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn smime_keyring_decrypt_stream(
    keyring: *const smime_keyring,
    input: *const smime_input,
    policy: *const smime_policy,
    output: *const smime_output,
    out: *mut *mut smime_decrypted,
) -> smime_result {
    boundary(|| {
        let keyring = try_ref(keyring)?;
        let policy = optional(policy)?.cloned().unwrap_or_default();
        let keys = keyring
            .read()
            .map_err(|_| Error::NotAvailable("the keyring lock is poisoned"))?
            .decryption_keys();
        let decryptor = Decryptor::new(&keys, &policy)?;
        decrypt_with(&decryptor, input, output, out)
    })
}
