//! `mysql-gateway`: serves the HTTP/JSON gateway (see the library docs) until Ctrl-C / SIGTERM.
//!
//! ```text
//! mysql-gateway --url URL [--listen 127.0.0.1:8080] [--token TOKEN | $GATEWAY_TOKEN]
//!               [--read-only] [--max-rows N] [--max-body BYTES] [--timeout SECONDS]
//! ```

use std::time::Duration;

use mysql_gateway::Config;

const USAGE: &str = "usage: mysql-gateway --url URL [--listen ADDR] [--token TOKEN] \
[--read-only] [--max-rows N] [--max-body BYTES] [--timeout SECONDS]\n\
--url defaults to $MYSQL_URL, --token to $GATEWAY_TOKEN; --listen to 127.0.0.1:8080.";

fn main() {
    let mut url = std::env::var("MYSQL_URL").ok();
    let mut listen = "127.0.0.1:8080".to_string();
    let mut config = Config {
        token: std::env::var("GATEWAY_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
        ..Config::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        let number = |name: &str, v: String| -> u64 {
            v.parse()
                .unwrap_or_else(|_| fail(&format!("{name} wants a number, got `{v}`")))
        };
        match arg.as_str() {
            "--url" => url = Some(value("--url")),
            "--listen" => listen = value("--listen"),
            "--token" => config.token = Some(value("--token")),
            "--read-only" => config.read_only = true,
            "--max-rows" => config.max_rows = number("--max-rows", value("--max-rows")) as usize,
            "--max-body" => config.max_body = number("--max-body", value("--max-body")) as usize,
            "--timeout" => {
                config.timeout = Duration::from_secs(number("--timeout", value("--timeout")))
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let url = url.unwrap_or_else(|| fail("no database: pass --url or set MYSQL_URL"));
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(&e.to_string()));
    rt.block_on(async {
        let pool = mysql_tokio::Pool::new(url.as_str()).unwrap_or_else(|e| fail(&e.to_string()));
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .unwrap_or_else(|e| fail(&format!("cannot listen on {listen}: {e}")));
        eprintln!("mysql-gateway: listening on http://{listen}");
        let app = mysql_gateway::router(pool.clone(), config);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(e) = mysql_gateway::serve(listener, app, shutdown).await {
            fail(&e.to_string());
        }
        pool.close();
    });
}

fn fail(message: &str) -> ! {
    eprintln!("mysql-gateway: {message}\n{USAGE}");
    std::process::exit(2);
}
