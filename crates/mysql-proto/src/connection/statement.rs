//! [`Statement`]: a prepared statement's id and metadata; [`StatementCache`]: the per-connection
//! LRU cache from SQL text to prepared statements.

use std::collections::HashMap;

use crate::value::Columns;

/// A statement prepared on one connection (`COM_STMT_PREPARE`). Cheap to clone. Valid until
/// closed, until `COM_RESET_CONNECTION`, or until the connection ends.
#[derive(Debug, Clone)]
pub struct Statement {
    pub(crate) id: u32,
    pub(crate) params: Columns,
    pub(crate) columns: Columns,
}

impl Statement {
    /// The server's statement id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The parameter definitions (one per `?`).
    pub fn params(&self) -> &Columns {
        &self.params
    }

    /// The result columns (empty for statements without a result set).
    pub fn columns(&self) -> &Columns {
        &self.columns
    }
}

/// An LRU cache of prepared statements keyed by SQL text.
#[derive(Debug)]
pub struct StatementCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<Box<[u8]>, (Statement, u64)>,
}

impl StatementCache {
    /// An empty cache holding at most `capacity` statements (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        StatementCache {
            capacity,
            tick: 0,
            entries: HashMap::new(),
        }
    }

    /// The cached statement for `sql`, marking it most recently used.
    pub fn get(&mut self, sql: &[u8]) -> Option<Statement> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(sql).map(|(s, t)| {
            *t = tick;
            s.clone()
        })
    }

    /// Caches `statement` for `sql`; returns the statements pushed out (the least recently used
    /// beyond the capacity, or a previous entry for the same SQL), which the caller must close.
    pub fn insert(&mut self, sql: &[u8], statement: Statement) -> Vec<Statement> {
        let mut evicted = Vec::new();
        if self.capacity == 0 {
            evicted.push(statement);
            return evicted;
        }
        self.tick += 1;
        if let Some((old, _)) = self.entries.insert(sql.into(), (statement, self.tick)) {
            evicted.push(old);
        }
        while self.entries.len() > self.capacity {
            // Invariant: the map is not empty here (len > capacity >= 1).
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, t))| *t)
                .map(|(k, _)| k.clone())
                .expect("non-empty cache");
            if let Some((s, _)) = self.entries.remove(&oldest) {
                evicted.push(s);
            }
        }
        evicted
    }

    /// Removes the entry for `sql` (e.g. after the server forgot the statement).
    pub fn remove(&mut self, sql: &[u8]) -> Option<Statement> {
        self.entries.remove(sql).map(|(s, _)| s)
    }

    /// Removes and returns every entry (for the caller to close).
    pub fn drain(&mut self) -> Vec<Statement> {
        self.entries.drain().map(|(_, (s, _))| s).collect()
    }

    /// Forgets every entry without closing (the server already dropped them).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Number of cached statements.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(id: u32) -> Statement {
        Statement {
            id,
            params: Columns::from(Vec::new()),
            columns: Columns::from(Vec::new()),
        }
    }

    #[test]
    fn evicts_the_least_recently_used() {
        let mut c = StatementCache::new(2);
        assert!(c.insert(b"a", st(1)).is_empty());
        assert!(c.insert(b"b", st(2)).is_empty());
        assert_eq!(c.get(b"a").unwrap().id(), 1); // b is now the oldest
        let out = c.insert(b"c", st(3));
        assert_eq!(out.iter().map(Statement::id).collect::<Vec<_>>(), vec![2]);
        assert!(c.get(b"b").is_none());
        assert_eq!(c.len(), 2);
        let out = c.insert(b"a", st(4));
        assert_eq!(out[0].id(), 1);
        assert!(StatementCache::new(0).insert(b"x", st(9)).len() == 1);
    }
}

/// A statement to execute: SQL text (prepared on first use and cached) or a [`Statement`]
/// prepared explicitly.
#[derive(Debug, Clone, Copy)]
pub enum StatementRef<'a> {
    /// SQL text, looked up in the connection's statement cache.
    Sql(&'a str),
    /// An explicitly prepared statement.
    Prepared(&'a Statement),
}

/// What `exec` accepts: `&str`, `String` or a [`Statement`].
pub trait AsStatement {
    /// The statement reference.
    fn as_statement(&self) -> StatementRef<'_>;
}

impl AsStatement for str {
    fn as_statement(&self) -> StatementRef<'_> {
        StatementRef::Sql(self)
    }
}
impl AsStatement for String {
    fn as_statement(&self) -> StatementRef<'_> {
        StatementRef::Sql(self)
    }
}
impl AsStatement for Statement {
    fn as_statement(&self) -> StatementRef<'_> {
        StatementRef::Prepared(self)
    }
}
impl<T: AsStatement + ?Sized> AsStatement for &T {
    fn as_statement(&self) -> StatementRef<'_> {
        (**self).as_statement()
    }
}
