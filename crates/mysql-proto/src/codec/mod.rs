//! Byte-level encoding: a checked reader, a writer, length-encoded integers and strings,
//! and packet framing (3-byte length, sequence id, 16 MiB splitting).

pub mod framing;
pub mod reader;
pub mod writer;

pub use framing::{FrameHeader, MAX_PAYLOAD};
pub use reader::Reader;
pub use writer::Writer;
