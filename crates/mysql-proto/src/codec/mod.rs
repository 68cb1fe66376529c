//! Byte-level encoding: a checked reader, a writer, length-encoded integers and strings,
//! packet framing (3-byte length, sequence id, 16 MiB splitting) and protocol compression.

pub mod compress;
pub mod framing;
pub mod reader;
pub mod writer;

pub use framing::{FrameHeader, MAX_PAYLOAD};
pub use reader::Reader;
pub use writer::Writer;
