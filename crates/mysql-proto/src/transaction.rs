//! Transaction options shared by the adapters' `begin_with`.

/// Transaction isolation levels.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED`.
    ReadUncommitted,
    /// `READ COMMITTED`.
    ReadCommitted,
    /// `REPEATABLE READ` (the InnoDB default).
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
}

/// How to start a transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxOpts {
    /// The isolation level for this transaction (the session's when `None`).
    pub isolation: Option<IsolationLevel>,
    /// `START TRANSACTION READ ONLY`.
    pub read_only: bool,
}

impl TxOpts {
    /// The statements that start the transaction, in order.
    pub fn statements(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if let Some(level) = self.isolation {
            v.push(match level {
                IsolationLevel::ReadUncommitted => {
                    "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"
                }
                IsolationLevel::ReadCommitted => "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                IsolationLevel::RepeatableRead => "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                IsolationLevel::Serializable => "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            });
        }
        v.push(if self.read_only {
            "START TRANSACTION READ ONLY"
        } else {
            "START TRANSACTION"
        });
        v
    }
}
