//! An HTTP/JSON gateway to MySQL / MariaDB over the `mysql-tokio` pool: any language that
//! speaks HTTP runs SQL, with typed JSON that loses nothing (see [`json`]).
//!
//! ```text
//! POST /query   {"sql": "SELECT id, name FROM t WHERE id > ?", "params": [10]}
//!   200         {"columns": [{"name": "id", "type": "BIGINT"}, ...], "rows": [[11, "k"], ...],
//!                "affected_rows": 0, "last_insert_id": 0, "warnings": 0}
//! POST /query   {"statements": [{"sql": "...", "params": [...]}, ...]}   one transaction
//!   200         {"results": [{...}, {...}]}
//! POST /query   {"sql": "...", "stream": true}   (or `Accept: application/x-ndjson`)
//!   200         NDJSON: {"columns": [...]} then one row array per line, then
//!               {"affected_rows": .., "row_count": ..} (or {"error": ...} if it fails midway)
//! GET  /health  {"ok": true}
//! ```
//!
//! Statements run prepared (binary protocol) with the JSON parameters. Errors are JSON with a
//! 4xx / 5xx status, never a stack trace: `{"error": {"kind": "server", "code": 1146,
//! "sql_state": "42S02", "message": "..."}}`, kinds `bad_request` (400: malformed JSON, wrong
//! shape), `server` (400: the statement failed), `unauthorized` (401), `read_only` (403: a
//! write in read-only mode), `too_large` (413: request body over the limit), `row_limit` (413:
//! more rows than a buffered answer may hold; stream instead), `unavailable` (503: no
//! connection), `timeout` (504: the statement was killed at the time limit).
//!
//! Limits ([`Config`]): request body bytes, rows per buffered answer, time per request (the
//! statement is killed on the server when it runs out). A bearer token (`Authorization:
//! Bearer ...`) and a read-only mode (every request in `START TRANSACTION READ ONLY`).
//! Streamed answers hold a bounded number of rows in memory (a channel of 64 lines).

pub use mysql_json as json;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use mysql_proto::{Error, ErrorKind, TxOpts};
use mysql_tokio::{Pool, PooledConn};
use serde::Deserialize;
use serde_json::{json, Value as Json};

/// The gateway's limits and access rules.
#[derive(Debug, Clone)]
pub struct Config {
    /// The bearer token every request must carry; `None` lets every request in.
    pub token: Option<String>,
    /// Run every request in a read-only transaction.
    pub read_only: bool,
    /// Most rows a buffered (non-streamed) answer holds.
    pub max_rows: usize,
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Time a request's statements may run; the server's statement is killed after it.
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: None,
            read_only: false,
            max_rows: 100_000,
            max_body: 1 << 20,
            timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
struct Gateway {
    pool: Pool,
    config: Arc<Config>,
}

/// The gateway's routes over `pool`.
pub fn router(pool: Pool, config: Config) -> Router {
    let state = Gateway {
        pool,
        config: Arc::new(config),
    };
    Router::new()
        .route("/query", post(query))
        .route("/health", get(|| async { axum::Json(json!({"ok": true})) }))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route") })
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// One statement of a request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Statement {
    sql: String,
    #[serde(default)]
    params: Vec<Json>,
}

/// The body of `POST /query`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    sql: Option<String>,
    #[serde(default)]
    params: Vec<Json>,
    statements: Option<Vec<Statement>>,
    #[serde(default)]
    stream: bool,
}

async fn query(State(g): State<Gateway>, request: Request) -> Response {
    match handle(g, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn handle(g: Gateway, request: Request) -> Result<Response, ApiError> {
    authorize(&g.config, request.headers())?;
    let ndjson = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/x-ndjson"));
    let body = axum::body::to_bytes(request.into_body(), g.config.max_body)
        .await
        .map_err(|_| {
            let limit = g.config.max_body;
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("request body over {limit} bytes"),
            )
        })?;
    let req: QueryRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("invalid request: {e}"),
        )
    })?;
    let statements = match (req.sql, req.statements) {
        (Some(sql), None) => vec![Statement {
            sql,
            params: req.params,
        }],
        (None, Some(list)) if !list.is_empty() && req.params.is_empty() => list,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "give either `sql` (with `params`) or a non-empty `statements` list",
            ))
        }
    };
    if req.stream || ndjson {
        let [statement] = <[Statement; 1]>::try_from(statements).map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "only one statement can be streamed",
            )
        })?;
        return stream(g, statement).await;
    }
    // The server kills a statement at the time limit; the outer limit only guards the rest.
    let limit = g.config.timeout + Duration::from_secs(5);
    match tokio::time::timeout(limit, run(&g, statements)).await {
        Ok(r) => r.map(|body| axum::Json(body).into_response()),
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            "request timed out",
        )),
    }
}

fn authorize(config: &Config, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &config.token else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Constant time in the token's length: no early exit on the first differing byte.
    let same = given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        ))
    }
}

async fn connection(g: &Gateway) -> Result<PooledConn, ApiError> {
    let mut conn = g.pool.get().await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("no database connection: {e}"),
        )
    })?;
    conn.set_query_timeout(Some(g.config.timeout));
    Ok(conn)
}

/// Runs `statements` (several: in one transaction) and answers with their results.
async fn run(g: &Gateway, statements: Vec<Statement>) -> Result<Json, ApiError> {
    let mut conn = connection(g).await?;
    let one = statements.len() == 1;
    if one && !g.config.read_only {
        return result(&mut conn, &statements[0], g.config.max_rows).await;
    }
    let opts = TxOpts {
        read_only: g.config.read_only,
        ..TxOpts::default()
    };
    let mut tx = conn.begin_with(opts).map_err(ApiError::from)?;
    let mut results = Vec::with_capacity(statements.len());
    for (i, s) in statements.iter().enumerate() {
        let r = result(&mut tx, s, g.config.max_rows)
            .await
            .map_err(|e| e.at(i))?;
        results.push(r);
    }
    tx.commit().await.map_err(ApiError::from)?;
    Ok(if one {
        results.pop().unwrap_or(Json::Null)
    } else {
        json!({ "results": results })
    })
}

/// One statement's answer: columns and rows of its first result set, and its OK.
async fn result(
    conn: &mut mysql_tokio::Conn,
    s: &Statement,
    max_rows: usize,
) -> Result<Json, ApiError> {
    let params = json::params(&s.params);
    let mut r = conn.exec(s.sql.as_str(), params).await?;
    let columns = json::columns(r.columns());
    let mut rows = Vec::new();
    while let Some(row) = r.next_row().await? {
        if rows.len() == max_rows {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "row_limit",
                format!("more than {max_rows} rows: ask for \"stream\": true"),
            ));
        }
        rows.push(json::row(row)?);
    }
    // Later result sets (a CALL's) are read and skipped; their errors still count.
    while r.next_result().await? {
        while r.next_row().await?.is_some() {}
    }
    let ok = r.ok().cloned().unwrap_or_default();
    Ok(json!({
        "columns": columns,
        "rows": rows,
        "affected_rows": ok.affected_rows,
        "last_insert_id": ok.last_insert_id,
        "warnings": ok.warnings,
    }))
}

/// Streams one statement's rows as NDJSON from a task that owns the connection; the channel
/// holds at most 64 lines, so memory stays bounded whatever the row count.
async fn stream(g: Gateway, s: Statement) -> Result<Response, ApiError> {
    let mut conn = connection(&g).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let read_only = g.config.read_only;
    tokio::spawn(async move {
        let line = |v: Json| {
            let mut b = serde_json::to_vec(&v).unwrap_or_default();
            b.push(b'\n');
            Bytes::from(b)
        };
        let outcome = async {
            if read_only {
                conn.query_drop("START TRANSACTION READ ONLY").await?;
            }
            let params = json::params(&s.params);
            let mut r = conn.exec(s.sql.as_str(), params).await?;
            let columns = json::columns(r.columns());
            if tx.send(line(json!({ "columns": columns }))).await.is_err() {
                return Ok(None);
            }
            let mut n = 0u64;
            while let Some(row) = r.next_row().await? {
                n += 1;
                if tx.send(line(json::row(row)?)).await.is_err() {
                    // The client went away: stop reading (the pool skips the rest).
                    return Ok(None);
                }
            }
            while r.next_result().await? {
                while r.next_row().await?.is_some() {}
            }
            let ok = r.ok().cloned().unwrap_or_default();
            drop(r);
            if read_only {
                conn.query_drop("COMMIT").await?;
            }
            Ok::<_, Error>(Some(json!({
                "affected_rows": ok.affected_rows,
                "last_insert_id": ok.last_insert_id,
                "row_count": n,
            })))
        }
        .await;
        let last = match outcome {
            Ok(Some(end)) => end,
            Ok(None) => return,
            Err(e) => ApiError::from(e).body(),
        };
        let _ = tx.send(line(last)).await;
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(body),
    )
        .into_response())
}

/// An error answer: a status and a JSON body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Json,
}

impl ApiError {
    fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: json!({ "error": { "kind": kind, "message": message.into() } }),
        }
    }

    /// Names the statement (by index) a multi-statement request failed at.
    fn at(mut self, index: usize) -> Self {
        if let Some(e) = self.body.get_mut("error").and_then(Json::as_object_mut) {
            e.insert("statement".into(), json!(index));
        }
        self
    }

    fn body(self) -> Json {
        self.body
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let (status, kind) = match e.kind() {
            // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
            ErrorKind::Server if e.server().is_some_and(|s| s.code == 1792) => {
                (StatusCode::FORBIDDEN, "read_only")
            }
            ErrorKind::Server => (StatusCode::BAD_REQUEST, "server"),
            ErrorKind::Misuse | ErrorKind::Conversion => (StatusCode::BAD_REQUEST, "bad_request"),
            ErrorKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            _ => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        };
        let mut body = json!({ "kind": kind, "message": e.message() });
        if let Some(s) = e.server() {
            body["code"] = json!(s.code);
            body["sql_state"] = json!(s.sql_state);
            body["message"] = json!(s.message);
        }
        ApiError {
            status,
            body: json!({ "error": body }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
