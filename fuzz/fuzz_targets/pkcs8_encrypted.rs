#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smime_fuzz::bodies::pkcs8_encrypted(data));
