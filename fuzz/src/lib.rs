//! The fuzz targets of smime (see FUZZING.md at the repository root).
//!
//! - [`bodies`]: one function per target over the public API; the test suite replays the
//!   committed seeds and regression inputs through the same file.
//! - [`ffi`]: the C ABI's byte-taking functions.
//! - [`structured`]: CMS built from valid pieces with `arbitrary`.

pub mod bodies;
pub mod ffi;
pub mod structured;
