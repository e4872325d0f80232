#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| maildiag::fuzz::classify(data));
