//! [`runtime_aliases!`]: the names a runtime adapter exports, written once.

/// Declares a runtime adapter's names for runtime `$rt` (named `$name` in the docs): `Conn`,
/// `QueryResult`, `Pool`, `PooledConn`, `SharedConn`, `Exclusive`, `MuxPool`, each this crate's
/// type for `$rt`.
///
/// ```ignore
/// mysql_proto_async::runtime_aliases!(Tokio, "tokio");
/// ```
#[macro_export]
macro_rules! runtime_aliases {
    ($rt:ty, $name:literal) => {
        #[doc = concat!("A connection on ", $name, ".")]
        pub type Conn = $crate::Conn<$rt>;
        #[doc = concat!("A query's results on ", $name, ".")]
        pub type QueryResult<'c> = $crate::QueryResult<'c, $rt>;
        /// A connection pool on this runtime (see [`mysql_proto_async::Pool`]).
        pub type Pool = $crate::Pool<$rt>;
        /// A connection lent by a [`Pool`].
        pub type PooledConn = $crate::PooledConn<$rt>;
        /// A connection shared by many tasks, their statements pipelined (see
        /// [`mysql_proto_async::SharedConn`]).
        pub type SharedConn = $crate::SharedConn<$rt>;
        /// A [`SharedConn`] lent whole, for transactions and session changes.
        pub type Exclusive = $crate::Exclusive<$rt>;
        /// A few [`SharedConn`]s, least busy first (see [`mysql_proto_async::MuxPool`]).
        pub type MuxPool = $crate::MuxPool<$rt>;
    };
}
