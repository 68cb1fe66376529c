//! An "orders" web service on axum and `mysql-tokio`: the shape of a real service in a page.
//!
//! * one [`Pool`] shared by every handler (cloned into the router's state);
//! * rows as structs with `#[derive(FromRow)]`;
//! * a transaction that takes stock and records the order, or rolls back (an early return
//!   drops the guard: the pool rolls the connection back when it is handed back);
//! * tracing on: every query is a span (the binary prints them);
//! * a graceful shutdown that closes the pool (`COM_QUIT` on every connection, no "Aborted
//!   connection" in the server log).
//!
//! Run it with `cargo run -p mysql-example-orders` (see `src/main.rs`), then
//! `curl -XPOST localhost:8080/orders -H 'content-type: application/json' -d '{"sku":"apple","qty":2}'`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use mysql_tokio::{FromRow, Pool};
use serde::{Deserialize, Serialize};

/// An order, as stored and as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromRow)]
pub struct Order {
    /// Its id.
    pub id: u64,
    /// What was ordered.
    pub sku: String,
    /// How many.
    pub qty: u32,
    /// A note, if any.
    pub note: Option<String>,
}

/// The body of `POST /orders`.
#[derive(Debug, Deserialize, Serialize)]
pub struct NewOrder {
    /// What to order.
    pub sku: String,
    /// How many.
    pub qty: u32,
    /// A note.
    pub note: Option<String>,
}

/// The query of `GET /orders?sku=...`.
#[derive(Debug, Deserialize)]
pub struct BySku {
    /// The product.
    pub sku: String,
}

/// What the handlers share: the pool, and the SQL naming the service's tables.
#[derive(Clone)]
struct App {
    pool: Pool,
    sql: Arc<Sql>,
}

/// The statements, built once for the tables' names (`{prefix}orders`, `{prefix}stock`).
struct Sql {
    get: String,
    list: String,
    take_stock: String,
    insert: String,
}

impl Sql {
    fn new(prefix: &str) -> Sql {
        let (orders, stock) = (format!("{prefix}orders"), format!("{prefix}stock"));
        Sql {
            get: format!("SELECT id, sku, qty, note FROM {orders} WHERE id = ?"),
            list: format!("SELECT id, sku, qty, note FROM {orders} WHERE sku = ? ORDER BY id"),
            take_stock: format!("UPDATE {stock} SET qty = qty - ? WHERE sku = ? AND qty >= ?"),
            insert: format!("INSERT INTO {orders} (sku, qty, note) VALUES (?, ?, ?)"),
        }
    }
}

/// The service's routes over `pool`; its tables are `{prefix}orders` and `{prefix}stock`.
pub fn app(pool: Pool, prefix: &str) -> Router {
    let app = App {
        pool,
        sql: Arc::new(Sql::new(prefix)),
    };
    Router::new()
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/{id}", get(get_order))
        .with_state(app)
}

/// Serves the service on `listener` until `shutdown` completes (requests in progress
/// finish), then closes the pool: every connection says goodbye (`COM_QUIT`).
pub fn serve(
    listener: tokio::net::TcpListener,
    pool: Pool,
    prefix: &str,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> impl std::future::Future<Output = std::io::Result<()>> + Send + 'static {
    let app = app(pool.clone(), prefix);
    async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        pool.close();
        Ok(())
    }
}

/// Creates the tables (if missing) and puts `stock` of each product in `skus` on the shelf.
pub async fn create_schema(
    pool: &Pool,
    prefix: &str,
    skus: &[&str],
    stock: u32,
) -> mysql_tokio::Result<()> {
    let mut conn = pool.get().await?;
    conn.query_drop(format!(
        "CREATE TABLE IF NOT EXISTS {prefix}orders (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, \
         sku VARCHAR(32) NOT NULL, qty INT UNSIGNED NOT NULL, note VARCHAR(200) NULL) ENGINE=InnoDB"
    ))
    .await?;
    conn.query_drop(format!(
        "CREATE TABLE IF NOT EXISTS {prefix}stock (sku VARCHAR(32) PRIMARY KEY, \
         qty INT UNSIGNED NOT NULL) ENGINE=InnoDB"
    ))
    .await?;
    let sql = format!("REPLACE INTO {prefix}stock (sku, qty) VALUES (?, ?)");
    conn.exec_batch(sql.as_str(), skus.iter().map(|s| (*s, stock)))
        .await?;
    Ok(())
}

async fn get_order(State(app): State<App>, Path(id): Path<u64>) -> Result<Json<Order>, AppError> {
    let mut conn = app.pool.get().await?;
    let order: Option<Order> = conn.exec_first(app.sql.get.as_str(), (id,)).await?;
    order.map(Json).ok_or(AppError::NotFound)
}

async fn list_orders(
    State(app): State<App>,
    Query(q): Query<BySku>,
) -> Result<Json<Vec<Order>>, AppError> {
    let mut conn = app.pool.get().await?;
    let orders = conn
        .exec_collect(app.sql.list.as_str(), (q.sku.as_str(),))
        .await?;
    Ok(Json(orders))
}

/// Takes the stock and records the order in one transaction; `409 Conflict` (and a rollback)
/// when there is not enough stock.
async fn create_order(
    State(app): State<App>,
    Json(new): Json<NewOrder>,
) -> Result<(StatusCode, Json<Order>), AppError> {
    let mut conn = app.pool.get().await?;
    let mut tx = conn.begin()?;
    let (sku, qty) = (new.sku.as_str(), new.qty);
    tx.exec_drop(app.sql.take_stock.as_str(), (qty, sku, qty))
        .await?;
    if tx.affected_rows() == 0 {
        // Dropping `tx` rolls back.
        return Err(AppError::OutOfStock);
    }
    tx.exec_drop(app.sql.insert.as_str(), (sku, qty, new.note.as_deref()))
        .await?;
    let id = tx.last_insert_id();
    tx.commit().await?;
    let order = Order {
        id,
        sku: new.sku,
        qty: new.qty,
        note: new.note,
    };
    Ok((StatusCode::CREATED, Json(order)))
}

/// A handler's failure, as an HTTP response.
#[derive(Debug)]
pub enum AppError {
    /// `404`.
    NotFound,
    /// `409`: not enough stock.
    OutOfStock,
    /// `500` (`503` when no pooled connection became free in time).
    Db(mysql_tokio::Error),
}

impl From<mysql_tokio::Error> for AppError {
    fn from(e: mysql_tokio::Error) -> Self {
        AppError::Db(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "no such order").into_response(),
            AppError::OutOfStock => (StatusCode::CONFLICT, "out of stock").into_response(),
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                let status = match e.kind() {
                    mysql_tokio::ErrorKind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, "database error").into_response()
            }
        }
    }
}
