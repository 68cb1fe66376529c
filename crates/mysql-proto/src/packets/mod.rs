//! Parsers and encoders of the protocol's packets, one file per packet. Parsers take a whole
//! payload (without the frame header) and check every length against it.

pub mod auth_switch;
pub mod column_definition;
pub mod eof;
pub mod err;
pub mod greeting;
pub mod handshake_response;
pub mod ok;
pub mod query_attributes;
pub mod session_track;
pub mod stmt;

pub use auth_switch::AuthSwitchRequest;
pub use column_definition::Column;
pub use eof::EofPacket;
pub use err::parse_err;
pub use greeting::Greeting;
pub use handshake_response::HandshakeResponse;
pub use ok::OkPacket;
pub use session_track::{SessionChange, SessionState};
pub use stmt::PrepareOk;
