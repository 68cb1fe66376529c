//! Tracing (feature `tracing`): the spans of a query, an error and a pool wait, and the
//! connect events, captured by a subscriber and checked field by field; no password and no
//! parameter value appears anywhere.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use integration_tests::{url, Watchdog};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span or event as captured: its name and every field recorded, as text.
#[derive(Debug, Clone, Default)]
struct Captured {
    name: String,
    fields: BTreeMap<String, String>,
    closed: bool,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

impl Visit for Captured {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().to_string(), value.to_string());
    }
}

/// A subscriber that keeps every span and event.
#[derive(Default)]
struct Capture {
    next: AtomicU64,
    spans: Mutex<BTreeMap<u64, Captured>>,
    events: Mutex<Vec<Captured>>,
}

/// The subscriber handed to `tracing` (the test keeps the other handle).
struct Capturing(Arc<Capture>);

impl std::ops::Deref for Capturing {
    type Target = Capture;
    fn deref(&self) -> &Capture {
        &self.0
    }
}

impl Subscriber for Capturing {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut c = Captured {
            name: attrs.metadata().name().to_string(),
            ..Captured::default()
        };
        attrs.record(&mut c);
        self.spans.lock().unwrap().insert(id, c);
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(c) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(c);
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut c = Captured {
            name: event.metadata().name().to_string(),
            ..Captured::default()
        };
        event.record(&mut c);
        self.events.lock().unwrap().push(c);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
    fn try_close(&self, id: Id) -> bool {
        if let Some(c) = self.spans.lock().unwrap().get_mut(&id.into_u64()) {
            c.closed = true;
        }
        true
    }
}

const SECRET_PARAM: &str = "secret-param-4242";

fn with_options(options: &str) -> String {
    let u = url();
    let sep = if u.contains('?') { '&' } else { '?' };
    format!("{u}{sep}{options}")
}

/// Runs `work` under a capturing subscriber; returns the spans named `db.command` /
/// `db.pool.wait` and the events, after checking that no secret appears in any of them.
fn capture(work: impl FnOnce()) -> (Vec<Captured>, Vec<Captured>) {
    let capture = Arc::new(Capture::default());
    tracing::subscriber::with_default(Capturing(capture.clone()), work);
    let spans: Vec<Captured> = capture.spans.lock().unwrap().values().cloned().collect();
    let events = capture.events.lock().unwrap().clone();
    for c in spans.iter().chain(&events) {
        for (k, v) in &c.fields {
            assert!(!v.contains("native_pw"), "the password in {k} of {c:?}");
            assert!(
                !v.contains(SECRET_PARAM),
                "a parameter value in {k} of {c:?}"
            );
        }
    }
    (spans, events)
}

fn command<'a>(spans: &'a [Captured], operation: &str) -> Vec<&'a Captured> {
    spans
        .iter()
        .filter(|s| s.name == "db.command" && s.field("db.operation.name") == Some(operation))
        .collect()
}

/// A query, an execute with a parameter, an error, and the connect event, on the blocking
/// adapter and on tokio (the spans come from the core, so both say the same).
#[test]
fn command_spans_follow_the_opentelemetry_conventions() {
    let _w = Watchdog::new("command_spans", Duration::from_secs(60));
    let traced = with_options("trace-query-text=true");
    let (spans, events) = capture(|| {
        let mut c = mysql_blocking::Conn::connect(traced.as_str()).unwrap();
        let rows: Vec<(u64,)> = c.query_collect("SELECT seq FROM seq_1_to_5").unwrap();
        assert_eq!(rows.len(), 5);
        let v: Vec<(String,)> = c.exec_collect("SELECT ? AS v", (SECRET_PARAM,)).unwrap();
        assert_eq!(v[0].0, SECRET_PARAM);
        let e = c
            .query_drop("SELECT * FROM no_such_table_for_tracing")
            .unwrap_err();
        assert_eq!(e.server().map(|s| s.code), Some(1146));
        c.ping().unwrap();
        c.close().unwrap();
    });
    let selects = command(&spans, "SELECT");
    assert_eq!(selects.len(), 3, "{spans:#?}");
    let query = selects[0];
    for (k, v) in [
        ("otel.name", "SELECT test"),
        ("otel.kind", "client"),
        ("db.system.name", "mariadb"),
        ("db.namespace", "test"),
        ("db.query.text", "SELECT seq FROM seq_1_to_5"),
        ("server.address", "127.0.0.1"),
        ("server.port", &integration_tests::port().to_string()),
        ("db.response.returned_rows", "5"),
    ] {
        assert_eq!(query.field(k), Some(v), "{k} of {query:?}");
    }
    assert!(
        query.closed && query.field("error.type").is_none(),
        "{query:?}"
    );
    let exec = selects[1];
    assert_eq!(exec.field("db.query.text"), Some("SELECT ? AS v"));
    assert_eq!(exec.field("db.response.returned_rows"), Some("1"));
    let failed = selects[2];
    assert_eq!(failed.field("error.type"), Some("1146"), "{failed:?}");
    assert!(failed.closed);
    let ping = command(&spans, "PING");
    assert_eq!(ping.len(), 1);
    assert!(ping[0].field("db.response.returned_rows").is_none());
    let connected = events
        .iter()
        .find(|e| e.field("message") == Some("connected"))
        .expect("a connected event");
    assert_eq!(
        connected.field("auth.plugin"),
        Some("mysql_native_password")
    );
    assert_eq!(connected.field("db.system.name"), Some("mariadb"));
    assert!(connected.field("server.version").is_some() && connected.field("tls").is_some());

    // Without `trace-query-text` no SQL text is recorded; tokio's spans are the same.
    let (spans, _) = capture(|| {
        <integration_tests::client::Tokio as integration_tests::client::Adapter>::block_on(async {
            let mut c = mysql_tokio::Conn::connect(url()).await.unwrap();
            let v: Vec<(String,)> = c.exec_collect("SELECT ?", (SECRET_PARAM,)).await.unwrap();
            assert_eq!(v.len(), 1);
            c.close().await.unwrap();
        })
    });
    let exec = command(&spans, "SELECT");
    assert_eq!(exec.len(), 1, "{spans:#?}");
    assert!(exec[0].field("db.query.text").is_none(), "{:?}", exec[0]);
    assert_eq!(exec[0].field("db.response.returned_rows"), Some("1"));
}

/// An acquire that waits for a pooled connection is a `db.pool.wait` span: granted when the
/// connection came back, `timeout` when the acquire timeout expired.
#[test]
fn pool_waits_are_spans() {
    let _w = Watchdog::new("pool_waits_are_spans", Duration::from_secs(60));
    let (spans, _) = capture(|| {
        let pool =
            mysql_blocking::Pool::new(with_options("pool-max=1&acquire-timeout=150ms")).unwrap();
        let held = pool.get().unwrap();
        assert!(pool.get().is_err());
        let back = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(held);
        });
        let mut c = pool.get().unwrap();
        c.ping().unwrap();
        back.join().unwrap();
    });
    let waits: Vec<&Captured> = spans.iter().filter(|s| s.name == "db.pool.wait").collect();
    assert_eq!(waits.len(), 2, "{spans:#?}");
    assert_eq!(waits[0].field("outcome"), Some("timeout"));
    assert_eq!(waits[1].field("outcome"), Some("granted"));
    for w in &waits {
        assert_eq!(w.field("db.client.connection.pool.max"), Some("1"));
        assert_eq!(w.field("db.client.connection.pool.in_use"), Some("1"));
        assert!(w.closed);
    }
}
