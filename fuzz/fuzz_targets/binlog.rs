#![no_main]
//! cargo-fuzz target: see `mysql_proto::fuzzing::binlog`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mysql_proto::fuzzing::binlog(data));
