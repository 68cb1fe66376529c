#![no_main]
//! cargo-fuzz target: see `mysql_proto::fuzzing::local_infile`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mysql_proto::fuzzing::local_infile(data));
