//! The example "orders" service (crates/mysql-example-orders): an axum app whose handlers
//! share one pool, read structs from rows and take stock in a transaction. Run for real on
//! loopback, through a proxy that sees every connection's goodbye: concurrent orders, a
//! rolled-back order, `KILL` of every pooled connection (the next requests all succeed), and a
//! graceful shutdown after which every live connection said `COM_QUIT` (the server counts no
//! aborted client).

use std::time::Duration;

use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{join_all, port, url, Watchdog};
use mysql_example_orders::{create_schema, serve, Order};
use mysql_tokio::Pool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request to the service: (status, body).
async fn http(port: u16, method: &str, path: String, body: Option<String>) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let body = body.unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

fn order(sku: &str, qty: u32) -> Option<String> {
    Some(format!(r#"{{"sku":"{sku}","qty":{qty},"note":"n{qty}"}}"#))
}

#[test]
fn the_orders_service() {
    let _w = Watchdog::new("the_orders_service", Duration::from_secs(120));
    let proxy = FaultProxy::start(port(), Fault::None);
    let sep = if url().contains('?') { '&' } else { '?' };
    let pool_url = proxy.url(&format!("{}{sep}pool-max=8&ssl-mode=disabled", url()));
    let prefix = format!("ex{}_", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = Pool::new(pool_url.as_str()).unwrap();
        create_schema(&pool, &prefix, &["apple", "pear"], 100)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let server = tokio::spawn(serve(listener, pool.clone(), &prefix, shutdown));
        // 64 concurrent orders of one apple each: all created, each with its own id.
        let created = join_all(
            (0..64)
                .map(|_| http(port, "POST", "/orders".into(), order("apple", 1)))
                .collect(),
        )
        .await;
        let mut ids: Vec<u64> = created
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 201, "{body}");
                body.split(r#""id":"#)
                    .nth(1)
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 64);
        // 36 apples left: an order of 50 is refused and rolled back, one of 36 goes through.
        assert_eq!(
            http(port, "POST", "/orders".into(), order("apple", 50))
                .await
                .0,
            409
        );
        assert_eq!(
            http(port, "POST", "/orders".into(), order("apple", 36))
                .await
                .0,
            201
        );
        assert_eq!(
            http(port, "POST", "/orders".into(), order("apple", 1))
                .await
                .0,
            409
        );
        let (status, body) = http(port, "GET", format!("/orders/{}", ids[0]), None).await;
        assert_eq!(status, 200);
        assert!(
            body.contains(r#""sku":"apple","qty":1,"note":"n1""#),
            "{body}"
        );
        assert_eq!(
            http(port, "GET", "/orders/999999999".into(), None).await.0,
            404
        );
        let (_, list) = http(port, "GET", "/orders?sku=apple".into(), None).await;
        assert_eq!(list.matches(r#""sku":"apple""#).count(), 65, "{list}");
        // The server kills every pooled connection: the next requests all succeed.
        let mut held = Vec::new();
        let mut killed = Vec::new();
        for _ in 0..8 {
            let mut c = pool.get().await.unwrap();
            let id: Option<(u64,)> = c.query_first("SELECT CONNECTION_ID()").await.unwrap();
            killed.push(id.unwrap().0);
            held.push(c);
        }
        drop(held);
        let mut side = mysql_tokio::Conn::connect(url()).await.unwrap();
        for id in &killed {
            side.query_drop(format!("KILL {id}")).await.unwrap();
        }
        let list = killed
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let left =
            format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ({list})");
        while side.query_first::<u64>(left.as_str()).await.unwrap() != Some(0) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The proxy passes each close on from its own thread: give it a moment.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after = join_all(
            (0..32)
                .map(|i| http(port, "GET", format!("/orders/{}", ids[i]), None))
                .collect(),
        )
        .await;
        for (status, body) in &after {
            assert_eq!(*status, 200, "{body}");
        }
        // Graceful shutdown: every connection still open says goodbye.
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let m = pool.metrics();
        assert_eq!(m.status.open, 0, "{m:?}");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while proxy.quits() < m.opened as usize - killed.len()
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(proxy.quits(), m.opened as usize - killed.len(), "{m:?}");
        let orders: Vec<Order> = side
            .query_collect(format!(
                "SELECT id, sku, qty, note FROM {prefix}orders WHERE qty = 36"
            ))
            .await
            .unwrap();
        assert_eq!(orders.len(), 1);
        side.query_drop(format!("DROP TABLE {prefix}orders, {prefix}stock"))
            .await
            .unwrap();
        side.close().await.unwrap();
    });
}
