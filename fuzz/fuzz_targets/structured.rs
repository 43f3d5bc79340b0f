#![no_main]
libfuzzer_sys::fuzz_target!(|cms: smime_fuzz::structured::Cms| smime_fuzz::structured::run(&cms));
