//! The orders service: `MYSQL_URL` (default: the project's test server) with a pool of 16,
//! listening on `ORDERS_ADDR` (default `127.0.0.1:8080`); Ctrl-C shuts it down gracefully
//! (requests in progress finish, then the pool closes every connection with `COM_QUIT`).

use mysql_tokio::Pool;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let url = std::env::var("MYSQL_URL").unwrap_or_else(|_| {
        "mysql://rs_native:native_pw@127.0.0.1:3307/test?pool-max=16".to_string()
    });
    let addr = std::env::var("ORDERS_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let pool = Pool::new(url)?;
    mysql_example_orders::create_schema(&pool, "", &["apple", "pear"], 1000).await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(%addr, "serving");
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    mysql_example_orders::serve(listener, pool, "", ctrl_c).await?;
    Ok(())
}
