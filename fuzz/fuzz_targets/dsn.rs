#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| maildiag_reply::fuzz::dsn(data));
